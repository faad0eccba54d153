/*
 * verdict.h - the verdict policy: a pure function from the evidence the
 * stages collected about one object to its verdict and reason. Nothing
 * here reads the object, allocates or keeps state, so every rule of the
 * policy is in one place and tested as a table (tests/test_verdict.c).
 *
 * The policy (README "Verdicts"):
 *  - every rule hit has a grade (ms_rule_grade below: high, medium, low or
 *    info); a high one makes the object malicious; a medium one, or two
 *    lows, suspicious; info never raises a verdict, alone or in numbers;
 *  - a model score over the threshold makes it suspicious; over the strict
 *    threshold it is malicious only when a graded rule (low or above; an
 *    informational one says nothing) or an IOC (a pool, a wallet) agrees:
 *    a model-only hit is suspicious at most (models/REPORT.md: the strict
 *    path alone made 21 of Debian's Monero programs malicious); a score
 *    computed on a prefix (the object was not read whole) is shown and
 *    decides nothing. Each signal only raises the verdict: a matching
 *    rule never weakens what other evidence says (issue 11);
 *  - a script score over its threshold makes a script suspicious (never
 *    malicious on its own; a prefix's score decides nothing) when the
 *    script also names mining or holds an IOC, or delivers something (it
 *    fetches or decodes: script_score.h) and is at most
 *    MS_SCRIPT_ALONE_MAX bytes. The score is a sum over log-counts, so a
 *    long admin script or test suite collects every behaviour a dropper
 *    has without being one (the socat package's 478 KiB test.sh scored
 *    1.000; mariadbd-safe, which kills, nohups and execs but fetches
 *    nothing, 0.964);
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

/* The largest script whose score alone (with what it delivers, but no
 * mining word and no IOC) makes it suspicious. Droppers are a few KiB to
 * a few tens of KiB. */
#define MS_SCRIPT_ALONE_MAX (64u * 1024)

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
    unsigned script_context;    /* MS_SCRIPT_DELIVERS | MS_SCRIPT_NAMES_MINING */
    uint64_t script_size;
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

/*
 * Grading a rule (issue 11). Rule sets grade their rules in their own
 * words; the first of these that the rule has decides, in this order:
 *
 *  1. our "severity" string (signatures/, and user rules written for us):
 *     "critical"/"high" high, "medium"/"moderate" medium, "low" low,
 *     "info"/"informational"/"none" info (case ignored; any other string
 *     falls through to the next source);
 *  2. signature-base's / THOR's / Loki's "score" (integer, or a string
 *     holding one): >= 75 high, 60..74 medium, 40..59 low, below 40 info.
 *     The bands are THOR's: 75 is the score THOR gives a rule without
 *     one and the lowest signature-base uses for a malware detection, 60
 *     its "warning" level, 40 its "notice" level, and what scores under
 *     40 THOR does not report;
 *  3. Elastic's numeric "severity" (0..100): the same bands as score; or
 *     else its "threat_name" (PLATFORM.CATEGORY.FAMILY: the rule names a
 *     threat but not how sure it is): medium;
 *  4. tags: "info", "informational", "hunting", "hunt", "notice",
 *     "test" or "experimental" make it info (a hunting rule says so
 *     whatever else it is tagged); else one naming malicious software
 *     ("malware", "miner", "cryptominer", "coinminer", "trojan",
 *     "backdoor", "ransomware", "rat", "apt", "webshell", "dropper",
 *     "exploit", "hacktool"): medium;
 *  5. nothing: info. A rule that does not say how bad its match is is
 *     taken as informational (YARA rule collections hold many: "IsPE32",
 *     "HasDebugData", packer identification) and never flags a file on
 *     its own; it is still reported on objects other evidence flags, and
 *     with --all.
 */
typedef enum ms_grade { MS_GRADE_INFO = 0, MS_GRADE_LOW, MS_GRADE_MEDIUM, MS_GRADE_HIGH } ms_grade;

typedef enum ms_grade_source {
    MS_GRADE_FROM_NONE = 0, /* 5 */
    MS_GRADE_FROM_SEVERITY, /* 1 */
    MS_GRADE_FROM_SCORE,    /* 2 */
    MS_GRADE_FROM_ELASTIC,  /* 3, numeric severity */
    MS_GRADE_FROM_THREAT,   /* 3, threat_name */
    MS_GRADE_FROM_TAGS,     /* 4 */
} ms_grade_source;

/* The grade of a hit; *ret_source (may be NULL) gets which key decided. */
ms_grade ms_rule_grade(const ms_rule_hit *h, ms_grade_source *ret_source);
/* "info" | "low" | "medium" | "high" */
const char *ms_grade_name(ms_grade g);
/* "severity" | "score" | "elastic_severity" | "threat_name" | "tags" | "none" */
const char *ms_grade_source_name(ms_grade_source s);

/* What the rules alone say (the first bullet above). */
ms_verdict_kind ms_verdict_from_rules(const ms_rule_hit *rules, size_t n);

/* Decide. Never fails. */
void ms_decide(const ms_evidence *e, ms_decision *ret);

#endif
