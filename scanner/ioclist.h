/*
 * ioclist.h - indicator lists (--ioc-file, issue 11): file-name regexes
 * and network indicators a responder hunts for, matched against what the
 * scan extracts from each object. A match is a finding with a rule-like
 * hit of its own (rule "ioc_TYPE", namespace "LIST:LINE", category "ioc",
 * metadata indicator, matched, list, line, and score/comment when the line
 * has them), graded by the verdict policy like any rule (verdict.h): a
 * line's SCORE as signature-base's score; without one, a network
 * indicator or wallet is severity high (a known-bad pool is as certain as
 * a known-bad hash) and a file-name regex medium (a name is weaker
 * evidence than content).
 *
 * The format, one indicator a line; '#' starts a comment line; blank
 * lines are skipped:
 *
 *   TYPE:VALUE[;SCORE][;COMMENT]
 *     filename:REGEX  POSIX extended regex (case ignored; \d \D and a
 *                     leading (?i) of Perl/Python regexes are understood),
 *                     searched in the object's full path, virtual paths of
 *                     members included ("image.tar!usr/bin/xmrig")
 *     domain:NAME     a pool host or flow server name (SNI, certificate,
 *                     DNS) equal to NAME or below it (x.NAME)
 *     ip:ADDRESS      a pool host, or a flow's server or client address
 *     url:URL         a pool URL, equal (case ignored) or with the same
 *                     host and port (stratum+tcp://h:3333 = stratum+ssl://h:3333)
 *     wallet:ADDRESS  an extracted wallet, or a flow's login/wallet
 *   REGEX;SCORE[;FALSE_POSITIVE_REGEX]
 *                     Loki's filename-iocs.txt line: a file-name regex with
 *                     a score and a regex that, when it matches too, makes
 *                     it no match
 *   VALUE[;COMMENT]   an untyped indicator, typed by its form: a URL
 *                     (has "://"), an IPv4/IPv6 address, a wallet (the
 *                     wallet syntax check of wallet.h), else a domain
 *
 * A line that fits none of these (a bad regex, a TYPE not known) fails the
 * load with "FILE:LINE: message".
 */
#ifndef MS_IOCLIST_H
#define MS_IOCLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "minerscan.h"

typedef struct ms_ioclist ms_ioclist;

/* Load every file into one list. MS_E_USAGE with *ret_err (caller frees)
 * on a line that does not parse, -errno when a file cannot be read. */
int ms_ioclist_load(const char *const *paths, size_t n, ms_ioclist **ret, char **ret_err);
void ms_ioclist_free(ms_ioclist *l);
size_t ms_ioclist_count(const ms_ioclist *l);
/* Does the list hold indicators matched against IOCs (not only names)?
 * Then the engine extracts IOCs from every object, not only flagged ones. */
bool ms_ioclist_wants_iocs(const ms_ioclist *l);
/* Add a hit to v for every indicator that path (path_len bytes, the
 * object's full virtual path) or iocs match. Returns how many matched. */
size_t ms_ioclist_match(const ms_ioclist *l, const char *path, size_t path_len, const ms_iocs *iocs,
                        ms_verdict *v);

#endif
