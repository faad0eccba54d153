/*
 * litscan.h - does any of a set of literals occur in a buffer (issue 12).
 *
 * The prefilter in front of libyara: when none of the literals a rule set
 * cannot match without (rulelits.h, ruleprune.h) occurs in an object, the
 * set has nothing to report on it and libyara need not walk its bytes. A
 * literal is found through its anchor (its rarest three bytes): one pass
 * over the pairs of bytes at even positions (an anchor holds one, its first
 * two bytes or its last two), a byte per anchor's pair; where one is set, a
 * bit per hash of the three bytes at the position and the one before; then
 * the literals anchored where that bit is set are compared.
 */
#ifndef MS_LITSCAN_H
#define MS_LITSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* literals are MS_LITSCAN_MIN..MS_LITSCAN_MAX bytes */
enum { MS_LITSCAN_MIN = 3, MS_LITSCAN_MAX = 64 };

typedef struct ms_litscan ms_litscan;

ms_litscan *ms_litscan_new(void);
void ms_litscan_free(ms_litscan *m);
/* Add a literal (nocase: ASCII letters match either case) with the id it
 * is reported as (several literals may share one). A literal out of the
 * size bounds is refused: false. */
bool ms_litscan_add(ms_litscan *m, const uint8_t *s, size_t n, bool nocase, uint32_t id);
/* Done adding: ready to search (adding after is refused). */
void ms_litscan_seal(ms_litscan *m);
size_t ms_litscan_count(const ms_litscan *m);
/* Mark seen[id] for each literal that occurs in d[0, n) (seen has a byte
 * per id; literals of an id already seen are not looked for again).
 * Returns how many ids it marked. */
size_t ms_litscan_find(const ms_litscan *m, const uint8_t *d, size_t n, uint8_t *seen);

#endif
