/*
 * rulelits.h - the literals a YARA string cannot match without (issue 12).
 *
 * For a text string, a regex or a hex string as written in a rule, sets
 * of byte strings such that every match of the string contains one of
 * the strings of each set: "xmrig" for "xmrig", {"pkill", "killall"} for
 * /(sudo )?(pkill|killall) -9/, "awk" and "kill" for /awk[^\n]*kill/.
 * When a set has none of its strings in an object, the string matches
 * nowhere in it (litscan.h finds them fast; ruleprune.h decides what
 * that proves of each rule).
 *
 * The reader is conservative: what it does not recognise (an escape it
 * does not know, a construct it does not follow, no literal of at least
 * MS_LIT_MIN bytes) gives "no set" and the string counts as one that may
 * match anywhere. Literals longer than MS_LIT_MAX are cut to their start,
 * which every match holds too.
 */
#ifndef MS_RULELITS_H
#define MS_RULELITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { MS_LIT_MIN = 3, MS_LIT_MAX = 32, MS_LITSET_MAX = 16, MS_LITSETS_MAX = 4 };

typedef struct {
    uint8_t b[MS_LIT_MAX];
    uint8_t n;
} ms_lit;

typedef struct {
    ms_lit v[MS_LITSET_MAX];
    size_t n; /* 0: no set (the string may match without any literal) */
} ms_litset;

/* every match holds a literal of each set (the best first) */
typedef struct {
    ms_litset set[MS_LITSETS_MAX];
    size_t n; /* 0: none (the string may match without any literal) */
} ms_litsets;

/* body: the text between the quotes, the slashes, the braces. */
bool ms_lits_text(const char *body, size_t n, ms_litsets *out);
bool ms_lits_regex(const char *body, size_t n, ms_litsets *out);
bool ms_lits_hex(const char *body, size_t n, ms_litsets *out);

#endif
