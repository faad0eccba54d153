/*
 * ruleprune.h - rule sets cut to what can match an object's kind (issue 12).
 *
 * A rule whose condition is `filesize < 4MB and ...` cannot match a 50 MB
 * library, and one that starts `uint16(0) == 0x5a4d and ...` cannot match
 * an ELF; libyara still searches their strings in every byte. This reads
 * rule sources, decides for a class of objects (the first bytes' kind and
 * a lower bound of the size) which rules are false for every object of
 * the class, and writes the sources again with those rules' conditions
 * replaced by `false` and their strings removed. Names, namespaces, tags,
 * metadata and rule references stay: compiled, the cut set gives exactly
 * the hits of the whole set on every object of the class.
 *
 * It decides only what it can prove from the condition's text: the
 * top-level `and`/`or`/`not` structure over `filesize < N`, `filesize <=
 * N`, `uint8/16/32[be](0) == N`, `true`, `false` and references to rules
 * already decided. Anything else is "unknown" and the rule stays whole. A
 * file it cannot follow (an include, text it does not tokenize) is kept
 * whole.
 */
#ifndef MS_RULEPRUNE_H
#define MS_RULEPRUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the first bytes of an object are known to be. */
typedef enum {
    MS_HEAD_ANY,   /* nothing known (fewer than 4 bytes, Mach-O) */
    MS_HEAD_ELF,   /* 7f 'E' 'L' 'F' */
    MS_HEAD_MZ,    /* 'M' 'Z' */
    MS_HEAD_OTHER, /* none of ELF, MZ, the Mach-O magics */
    MS_HEAD_N
} ms_head;

ms_head ms_head_of(const uint8_t *data, size_t size);

/* The size classes: objects of at least ms_prune_sizes[k] bytes. */
enum { MS_PRUNE_SIZES = 6 };
extern const uint64_t ms_prune_sizes[MS_PRUNE_SIZES];
unsigned ms_prune_size_class(uint64_t size);

typedef struct ms_prune ms_prune;

ms_prune *ms_prune_new(void);
void ms_prune_free(ms_prune *p);

/* Add one source file, in compile order, with its namespace. false: the
 * file cannot be followed (it is then never cut; its rules are unknown
 * to later references). -ENOMEM is not returned: allocation failure
 * aborts (alloc.h). */
bool ms_prune_add(ms_prune *p, const char *text, size_t len, const char *ns);

size_t ms_prune_files(const ms_prune *p);
/* file i's text as added, and whether the reader followed it */
const char *ms_prune_source(const ms_prune *p, size_t file);
bool ms_prune_followed(const ms_prune *p, size_t file);
size_t ms_prune_rules(const ms_prune *p);

/* Decide every rule for the class (head, objects of at least min_size
 * bytes): off[i] = 1 when rule i (in source order over all files) is
 * false for every such object. Returns how many are. */
size_t ms_prune_decide(const ms_prune *p, ms_head head, uint64_t min_size, uint8_t *off);

/* Decide every rule for an object in which no string of the whole set
 * matches (a member whose bytes, inside its archive, held none of the
 * archive's matches; issue 12): off[i] = 1 when rule i is then false.
 * Rules with a string whose matches in a slice of a scanned object need
 * not be matches in the object itself are never off: fullword strings and
 * regexes with ^ $ \b \B (the slice's edges are not the object's), and
 * rules whose condition holds `at` or `in` (libyara verifies a string used
 * only with `at N` at offset N alone). Nor is a rule that refers to one of
 * those and would need its value. Returns how many are off. */
size_t ms_prune_decide_absent(const ms_prune *p, uint8_t *off);

/* Decide every rule for an object of the class (head, at least min_size
 * bytes) that holds none of the literals of the rules ms_prune_decide
 * keeps for the class (ms_prune_literals): off[i] = 1 when rule i is then
 * false. A rule is decided as by ms_prune_decide, and as if its strings
 * with literals did not match: a string matches only where one of its
 * literals occurs, whatever else it asks (fullword, an anchor, `at`).
 * Returns how many are off. */
size_t ms_prune_decide_clean(const ms_prune *p, ms_head head, uint64_t min_size, uint8_t *off);

/* Every file added was followed (its rules are all known). */
bool ms_prune_complete(const ms_prune *p);
/* Rule i is private (libyara reports no match of it). */
bool ms_prune_private(const ms_prune *p, size_t rule);
/* Call fn on each literal of rule i's strings (rulelits.h: ascii and wide
 * forms as its modifiers ask; nocase: compare ASCII letters without case;
 * set: the literal set it is one of, numbered over the whole set). A
 * string may match only where each of its sets has a literal. */
typedef void (*ms_prune_lit_fn)(void *ud, const uint8_t *s, size_t n, bool nocase, size_t set);
void ms_prune_literals(const ms_prune *p, size_t rule, ms_prune_lit_fn fn, void *ud);
/* how many literal sets the rules have: set, above, is below it */
size_t ms_prune_lit_sets(const ms_prune *p);

/* The clean decision per object (the prefilter, sigscan.c): for objects of
 * a class, made once. quiet: given by literal set (set above) whether one
 * of its literals occurs in the object (seen), no rule that is not
 * private can be true: libyara has nothing to report. A string without
 * literals may always match. */
typedef struct ms_prune_class ms_prune_class;
ms_prune_class *ms_prune_class_new(const ms_prune *p, ms_head head, uint64_t min_size);
void ms_prune_class_free(ms_prune_class *c);
bool ms_prune_class_quiet(const ms_prune_class *c, const uint8_t *present);

/* File i's text with the rules marked off cut to `condition: false`
 * (malloc'd, NUL-terminated); NULL when the file has no rule off (compile
 * the original) or cannot be followed. */
char *ms_prune_text(const ms_prune *p, size_t file, const uint8_t *off);

#endif
