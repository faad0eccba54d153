/*
 * verdict.h - the verdict policy: a pure function from the evidence the
 * stages collected about one object to its verdict and reason. Nothing
 * here reads the object, allocates or keeps state, so every rule of the
 * policy is in one place and tested as a table (tests/test_verdict.c).
 *
 * The policy (README "Verdicts"):
 *  - a rule of severity high makes the object malicious; medium, or two
 *    lows, suspicious (a rule without a severity counts as medium);
 *  - a model score over the threshold makes it suspicious; over the strict
 *    threshold it is malicious only when a rule (of any severity) or an
 *    IOC (a pool, a wallet) agrees: a model-only hit is suspicious at most
 *    (models/REPORT.md: the strict path alone made 21 of Debian's Monero
 *    programs malicious); a score computed on a prefix (the object was not
 *    read whole) is shown and decides nothing;
 *  - a script score over its threshold makes a script suspicious (never
 *    malicious on its own; a prefix's score decides nothing);
 *  - a known-bad digest (--hashes) makes it malicious;
 *  - problems reading or scanning it (a scan timeout, members that could
 *    not be read, an object only partly read) make it error, limit or
 *    skipped unless something worse was found: they are never "clean";
 *    a broken structure whose bytes were all read (a corrupt archive, a
 *    member cut short) is "damaged": nothing found, nothing left unread;
 *  - an archive is the worst of itself and its members, and says so
 *    (contains) when a member is what made it suspicious or malicious;
 *  - a known-good digest (--allow) makes it clean, saying what it would be.
 * The first reason that applies is kept, in this order: the object's own
 * reading problem, the scan problem, the model, the members, the allow list.
 */
#ifndef MS_VERDICT_H
#define MS_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "minerscan.h"

typedef struct ms_evidence {
    /* the object itself was not read whole (cut by a limit, a read error,
     * a corrupt member): MS_LIMIT or MS_ERROR, with its reason */
    ms_verdict_kind partial;
    const char *partial_reason;
    /* the signature scan did not finish (timeout, libyara error) */
    ms_verdict_kind scan_problem;
    const char *scan_problem_reason;
    const ms_rule_hit *rules;
    size_t n_rules;
    /* the model */
    bool scored;
    double score, threshold, strict;
    bool has_iocs;           /* pools or wallets were extracted from it */
    /* the script score: suspicious at most, never malicious alone */
    bool script_scored;
    double script_score, script_threshold;
    bool known_bad;          /* a --hashes entry matched */
    /* members that could not be read (an archive limit, corruption,
     * encryption): MS_LIMIT, MS_ERROR or MS_SKIPPED, with its reason */
    ms_verdict_kind unpack_problem;
    const char *unpack_reason;
    ms_verdict_kind children; /* the worst verdict of the members */
    bool have_children;
    const char *allowed_by;  /* an --allow list matched */
} ms_evidence;

typedef struct ms_decision {
    ms_verdict_kind verdict;
    ms_verdict_kind contains; /* the members' verdict when it, suspicious or
                                malicious, is what made this one; else clean */
    char reason[512];        /* "" when there is nothing to say */
} ms_decision;

/* What the rules alone say (the first bullet above). */
ms_verdict_kind ms_verdict_from_rules(const ms_rule_hit *rules, size_t n);

/* Decide. Never fails. */
void ms_decide(const ms_evidence *e, ms_decision *ret);

#endif
