/*
 * engine.h - the per-object pipeline: a source makes an object (object.h),
 * then identify -> YARA -> features -> model -> hash lists -> IOCs ->
 * children (archive members, base64 blobs), each through the same
 * pipeline -> the verdict policy (verdict.h). ms_engine holds what is
 * shared read-only (rules, hash lists, model thresholds) and is made once;
 * each thread makes its own ms_worker (libmagic handle, YARA scanner,
 * unpacker, featurizer, read buffer). What belongs to one scan (where the
 * verdicts go, the byte budget of the top-level file, whether to stop)
 * is passed down as a value and never kept in the worker.
 */
#ifndef MS_ENGINE_H
#define MS_ENGINE_H

#include "cancel.h"
#include "minerscan.h"
#include "options.h"

typedef struct ms_engine ms_engine;
typedef struct ms_worker ms_worker;

/* Takes ownership of v. Returns MS_CONTINUE, MS_STOP (end this scan and
 * the run) or < 0 (an error that ends them too). */
typedef int (*ms_emit_fn)(void *ud, ms_verdict *v);

/* Where a scan's verdicts go and what ends it early. */
typedef struct ms_sink {
    ms_emit_fn emit;
    void *ud;
    const ms_cancel *cancel; /* may be NULL */
} ms_sink;

/* Load rules, hash lists and the model. On a configuration error
 * (rules that do not compile, a bad hash list) returns < 0 with *ret_err
 * holding the message lines (caller frees). o must outlive the engine. */
int ms_engine_new(const ms_options *o, ms_engine **ret, char **ret_err);
void ms_engine_free(ms_engine *e);
const ms_options *ms_engine_options(const ms_engine *e);
size_t ms_engine_rule_count(const ms_engine *e);
/* Whether two names of one file (hard links) get the same record but
 * for the path: no rule looks at the name (filename, filepath...
 * externals) and no --ioc-file indicator at the path. Then, for an
 * executable (ELF, PE, Mach-O: the class comes from its bytes), the
 * record of one link holds for the others (pool.c, issue 12). */
bool ms_engine_links_alike(const ms_engine *e);
/* the rule sets cut to an object's kind compiled so far (issue 12) */
size_t ms_engine_cut_sets(const ms_engine *e);
/* Objects scanned with an absent set (stored members, sigscan.h). */
uint64_t ms_engine_absent_scans(const ms_engine *e);
/* the objects whose scan with a rule set the prefilter spared (sigscan.h) */
uint64_t ms_engine_clean_skips(const ms_engine *e);
/* The rule compiler's warnings about user rules (sigscan.h), or NULL. */
const char *ms_engine_rules_warnings(const ms_engine *e);
/* --save-rules: the user rules compiled from sources (ms_rules_save). */
int ms_engine_save_rules(const ms_engine *e, const char *path);
/* -V: the built-in rule set's digest and size (ms_rules_builtin_version). */
int ms_engine_builtin_rules_version(char digest[65], size_t *ret_count);
/* The user's rule files as loaded, with their digests (sigscan.h). */
struct ms_rule_input;
size_t ms_engine_rule_inputs(const ms_engine *e, const struct ms_rule_input **ret);
/* For --list-rules. */
int ms_engine_foreach_rule(const ms_engine *e, int (*fn)(void *, const ms_rule_hit *), void *ud);

int ms_worker_new(ms_engine *e, ms_worker **ret);
void ms_worker_free(ms_worker *w);

/* Scan an open file (fd is not closed). size_hint is the size seen when it
 * was opened (0: unknown). Emits one verdict per object, members first,
 * the file last. Problems with the file are its verdict: returns 0, or
 * the sink's error (< 0) or MS_STOP when the sink or the cancel token
 * ended the scan. *ret_bytes (may be NULL) gets the bytes read. */
int ms_worker_scan_fd(ms_worker *w, int fd, const char *path, size_t path_len, uint64_t size_hint,
                      const ms_sink *sink, uint64_t *ret_bytes);

/* Scan bytes in memory as a top-level object named path. Same returns. */
int ms_worker_scan_buffer(ms_worker *w, const uint8_t *data, size_t size, const char *path,
                          size_t path_len, const ms_sink *sink);

/* Versions of what the engine is made of, for --version: libyara,
 * libmagic, the magic database built in. */
typedef struct ms_engine_versions {
    const char *yara;
    int magic;
    size_t magic_db_bytes;
} ms_engine_versions;
void ms_engine_versions_get(ms_engine_versions *ret);

#endif
