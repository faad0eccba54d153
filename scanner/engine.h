/*
 * engine.h - the per-object pipeline: read -> identify -> hash -> YARA ->
 * features -> model -> IOCs -> (archive members, base64 blobs, recursively)
 * -> verdict. ms_engine is created once and shared read-only; each thread
 * makes its own ms_worker.
 */
#ifndef MS_ENGINE_H
#define MS_ENGINE_H

#include "minerscan.h"
#include "options.h"

typedef struct ms_engine ms_engine;
typedef struct ms_worker ms_worker;

/* Takes ownership of v. Returns MS_CONTINUE, MS_STOP or < 0. */
typedef int (*ms_emit_fn)(void *ud, ms_verdict *v);

/* Load rules, hash lists and the model. On a configuration error
 * (rules that do not compile, a bad hash list) returns < 0 with *ret_err
 * holding the message lines (caller frees). o must outlive the engine. */
int ms_engine_new(const ms_options *o, ms_engine **ret, char **ret_err);
void ms_engine_free(ms_engine *e);
const ms_options *ms_engine_options(const ms_engine *e);
size_t ms_engine_rule_count(const ms_engine *e);
/* For --list-rules. */
int ms_engine_foreach_rule(const ms_engine *e, int (*fn)(void *, const ms_rule_hit *), void *ud);

int ms_worker_new(ms_engine *e, ms_worker **ret);
void ms_worker_free(ms_worker *w);

/* Scan an open regular file (fd is not closed). Emits one verdict per
 * object: members first, the file last. Problems with the file become its
 * verdict; returns < 0 only if emit failed. *ret_bytes gets the bytes read. */
int ms_worker_scan_fd(ms_worker *w, int fd, const char *path, size_t path_len,
                      ms_emit_fn emit, void *ud, uint64_t *ret_bytes);

/* Scan bytes as a top-level object named path. */
int ms_worker_scan_buffer(ms_worker *w, const uint8_t *data, size_t size,
                          const char *path, size_t path_len, ms_emit_fn emit, void *ud);

/* Make the worker stop early (between members) when *stop becomes non-zero. */
void ms_worker_set_stop(ms_worker *w, volatile int *stop);

#endif
