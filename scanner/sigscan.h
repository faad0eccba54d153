/*
 * sigscan.h - YARA signatures: the built-in compiled rules (embedded in the
 * binary at build time) plus user rules (--rules), shared read-only by all
 * workers; one YR_SCANNER per rule set per worker.
 *
 * Rule metadata contract: family, category, severity (high|medium|low),
 * description. Missing metadata reads as "".
 */
#ifndef MS_SIGSCAN_H
#define MS_SIGSCAN_H

#include "minerscan.h"
#include "options.h"

typedef struct ms_rules ms_rules;
typedef struct ms_sigscan ms_sigscan;

/* libyara global init/finalize, reference counted. */
int ms_yara_init(void);
void ms_yara_finalize(void);

/* Load the built-in rules (unless o->no_builtin_rules) and compile the
 * user rules. On a compile error returns MS_E_RULES and sets *ret_err to
 * "file:line: message" lines (caller frees). */
int ms_rules_load(const ms_options *o, ms_rules **ret, char **ret_err);
void ms_rules_free(ms_rules *r);
size_t ms_rules_count(const ms_rules *r);

/* Calls fn for every rule with its metadata (hit fields, no match). */
typedef int (*ms_rule_fn)(void *ud, const ms_rule_hit *rule);
int ms_rules_foreach(const ms_rules *r, ms_rule_fn fn, void *ud);

int ms_sigscan_new(ms_rules *r, unsigned timeout_s, ms_sigscan **ret);
void ms_sigscan_free(ms_sigscan *s);

/* Scan data; append each matching rule to v->rules. 0, MS_E_TIMEOUT (the
 * hits found so far are kept), or MS_E_YARA. */
int ms_sigscan_scan(ms_sigscan *s, const uint8_t *data, size_t size, ms_verdict *v);

/* Given back when a sweep is past [off, off + len) of the object: a big
 * mapped file releases those pages (MADV_DONTNEED), so memory stays
 * bounded by a window whatever the file's size. */
typedef void (*ms_release_fn)(void *ud, uint64_t off, uint64_t len);

/* The same scan over an object too big to hold resident: libyara sees it
 * as blocks of window bytes that overlap by overlap bytes (libyara counts
 * a match found in two blocks at the same offset once, so a string
 * shorter than the overlap is found wherever it lies), and release is
 * called behind each block. filesize and the uint*() functions see the
 * whole object. window 0 or size <= window: ms_sigscan_scan. */
int ms_sigscan_scan_windows(ms_sigscan *s, const uint8_t *data, size_t size, size_t window,
                            size_t overlap, ms_release_fn release, void *ud, ms_verdict *v);

/* The built-in compiled rules blob (generated at build time). */
extern const unsigned char ms_builtin_rules[];
extern const size_t ms_builtin_rules_size;

#endif
