/*
 * fuzz_scan.c - the whole per-object pipeline on arbitrary bytes:
 * identification, YARA, archive members (recursively), features and the
 * model, IOCs, base64 blobs, hashes; ms_worker_scan_buffer with an engine
 * made once. Every record emitted is checked (fuzz_check_verdict), the
 * tree of records must fold worst-of into its parents, and all records go
 * through the three reporters (fuzz_check_reports).
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"

#define MAX_RECORDS 4096

typedef struct collect {
    ms_verdict *v[MAX_RECORDS];
    size_t n;
    size_t dropped;
    /* worst verdict seen so far among the records of each depth whose
     * parent has not been emitted yet (records arrive children first) */
    ms_verdict_kind pending[64];
} collect;

static int on_record(void *ud, ms_verdict *v) {
    collect *c = ud;
    const ms_options *o = fuzz_options();
    fuzz_check_verdict(v, o);
    unsigned d = (unsigned)v->depth;
    FUZZ_ASSERT(d + 1 < 64);
    /* a parent is at least as bad as its worst child */
    FUZZ_ASSERT(v->verdict >= c->pending[d + 1]);
    c->pending[d + 1] = MS_CLEAN;
    if (v->verdict > c->pending[d])
        c->pending[d] = v->verdict;
    if (c->n < MAX_RECORDS)
        c->v[c->n++] = v;
    else {
        c->dropped++;
        ms_verdict_free(v);
    }
    return MS_CONTINUE;
}

static ms_worker *worker;

static void free_worker(void) {
    ms_worker_free(worker);
    worker = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static collect c;
    if (!worker) {
        FUZZ_ASSERT(ms_worker_new(fuzz_engine(), &worker) == 0);
        atexit(free_worker);
    }
    memset(&c, 0, sizeof(c));
    ms_sink sink = {.emit = on_record, .ud = &c};
    int r = ms_worker_scan_buffer(worker, data, size, "fuzz.bin", 8, &sink);
    FUZZ_ASSERT(r == 0);
    FUZZ_ASSERT(c.n >= 1);
    /* the top-level object comes last, named as given, with its size */
    const ms_verdict *top = c.v[c.n - 1];
    if (!c.dropped) {
        FUZZ_ASSERT(top->depth == 0 && !top->is_member);
        FUZZ_ASSERT(top->path_len == 8 && !memcmp(top->path, "fuzz.bin", 8));
        FUZZ_ASSERT(top->size == size);
    }
    for (size_t i = 0; i + 1 < c.n; i++) {
        /* every member is named below the top-level path */
        FUZZ_ASSERT(c.v[i]->depth > 0 || c.dropped);
        FUZZ_ASSERT(c.v[i]->path_len > 9 && !memcmp(c.v[i]->path, "fuzz.bin!", 9));
    }
    ms_summary s = {0};
    for (size_t i = 0; i < c.n; i++)
        ms_summary_count(&s, c.v[i]);
    FUZZ_ASSERT(s.clean + s.damaged + s.malicious + s.suspicious + s.containing + s.errors + s.skipped +
                    s.limits ==
                s.objects);
    FUZZ_ASSERT(s.files + s.members + s.directories == s.objects);
    fuzz_check_reports(c.v, c.n, &s, size & 1);
    for (size_t i = 0; i < c.n; i++)
        ms_verdict_free(c.v[i]);
    return 0;
}
