/*
 * engine.c - the per-object pipeline (DESIGN.md "Pipeline", engine.h).
 *
 * Sources make objects (object.h): read_file() a file from disk,
 * on_member() an archive member, on_blob() a decoded base64 blob. Each goes
 * through scan_object() once: identify, signatures, the model, the hash
 * lists, IOCs; then its children through scan_object() again, each
 * child's verdict emitted before its parent's; then the verdict policy
 * (verdict.c) turns what was found into the verdict and its reason.
 *
 * The state of one top-level scan (struct scan) is a value on the stack of
 * ms_worker_scan_*: where verdicts go, the first error of the sink, the
 * bytes every level has expanded, the cancel token. The worker keeps only
 * what is reused between scans (handles and buffers).
 */
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yara.h>

#include "alloc.h"
#include "b64.h"
#include "capture.h"
#include "exe.h"
#include "formats.h"
#include "hashes.h"
#include "identify.h"
#include "ioclist.h"
#include "iocs.h"
#include "model.h"
#include "ms_features.h"
#include "ms_limits.h"
#include "object.h"
#include "payload.h"
#include "script_score.h"
#include "selfreport.h"
#include "sigscan.h"
#include "unpack.h"
#include "upx.h"
#include "verdict.h"

/* How many contributions --explain and the record's model.top carry. */
#define MS_MODEL_TOP 8

/* A read buffer larger than this is freed after the file, so a worker does
 * not keep a 500 MB buffer because of one big file. */
#define MS_KEEP_BUFFER MS_BIG_OBJECT

struct ms_engine {
    const ms_options *o;
    /* the running executable, to know it when the walk meets it (issue 9):
     * its signature tables are decoded only in memory, but its parsers
     * still name miners' options and protocols */
    dev_t self_dev;
    ino_t self_ino;
    off_t self_size;
    pthread_mutex_t self_lock;
    bool self_tried, self_hashed;
    char self_sha256[65];
    ms_rules *rules;
    ms_hashlist *bad, *good;
    ms_ioclist *ioc; /* --ioc-file, NULL without */
    bool model_ok;
    double threshold, strict;
    bool yara_inited;
    ms_memgate *gate; /* one worker at a time past its member share */
};

struct ms_worker {
    ms_engine *e;
    ms_identifier *id;
    ms_sigscan *sig;
    ms_unpacker *unp;
    ms_featurizer *feat;
    ms_capture *capture;
    ms_script_scorer *script; /* NULL when no script model is compiled in */
    ms_upx *upx;              /* UPX unpacking (issue 10); its buffer holds
                                 the program scanned as prog!upx */
    bool upx_busy;            /* that buffer is in use (a member below it is
                                 UPX-packed too) */
    uint8_t *buf; /* the read buffer of read_file */
    size_t cap;
};

/* One top-level scan. */
typedef struct scan {
    ms_worker *w;
    const ms_sink *sink;
    int error;        /* the sink's first error: nothing more is emitted */
    bool stop;        /* the sink said MS_STOP: no new object is begun, the
                         records of those begun are still finished */
    ms_budget budget; /* bytes expanded below this top-level object */
    int64_t uid;      /* owner of the top-level file, -1 unknown (issue 11) */
} scan;

static void append_err(char **err, const char *msg) {
    if (!err || !msg)
        return;
    size_t a = *err ? strlen(*err) : 0, b = strlen(msg);
    char *s = ms_xrealloc(*err, a + b + 1);
    memcpy(s + a, msg, b + 1);
    *err = s;
}

int ms_engine_new(const ms_options *o, ms_engine **ret, char **ret_err) {
    char *msg = NULL;
    int r;
    ms_engine *e = ms_xcalloc(1, sizeof(*e));
    e->o = o;
    /* libcrypto initialises itself on first use; when an allocation of
     * that fails it leaves a NULL lock behind and the first digest
     * crashes (the allocation sweep, tests/test_harden.c). Initialised
     * here, its failure is the allocation policy's (alloc.h). */
    EVP_MD *md = OPENSSL_init_crypto(0, NULL) && OSSL_LIB_CTX_get0_global_default()
                     ? EVP_MD_fetch(NULL, "SHA256", NULL)
                     : NULL;
    if (!md)
        ms_oom();
    EVP_MD_free(md);
    if ((r = ms_memgate_new(&e->gate)) < 0)
        goto fail;
    if ((r = ms_yara_init()) < 0)
        goto fail;
    e->yara_inited = true;
    if ((r = ms_rules_load(o, &e->rules, &msg)) < 0)
        goto fail;
    if (o->hashes_file && (r = ms_hashlist_load(o->hashes_file, &e->bad, &msg)) < 0)
        goto fail;
    if (o->allow_file && (r = ms_hashlist_load(o->allow_file, &e->good, &msg)) < 0)
        goto fail;
    if (o->n_ioc_files && (r = ms_ioclist_load(o->ioc_files, o->n_ioc_files, &e->ioc, &msg)) < 0)
        goto fail;
    const ms_model_info *mi = ms_model_get_info();
    e->model_ok = ms_features_dim() > 0 && !strcmp(mi->schema_hash, ms_features_schema_hash());
    struct stat st;
    if (stat("/proc/self/exe", &st) == 0) {
        e->self_dev = st.st_dev;
        e->self_ino = st.st_ino;
        e->self_size = st.st_size;
    }
    pthread_mutex_init(&e->self_lock, NULL);
    e->threshold = o->have_threshold ? o->threshold : mi->threshold;
    e->strict = mi->strict_threshold > e->threshold ? mi->strict_threshold : e->threshold;
    *ret = e;
    return 0;
fail:
    append_err(ret_err, msg);
    free(msg);
    ms_engine_free(e);
    return r;
}

void ms_engine_free(ms_engine *e) {
    if (!e)
        return;
    ms_rules_free(e->rules);
    ms_hashlist_free(e->bad);
    ms_hashlist_free(e->good);
    ms_ioclist_free(e->ioc);
    pthread_mutex_destroy(&e->self_lock);
    if (e->yara_inited)
        ms_yara_finalize();
    ms_memgate_free(e->gate);
    free(e);
}

const ms_options *ms_engine_options(const ms_engine *e) {
    return e->o;
}

bool ms_engine_links_alike(const ms_engine *e) {
    return !ms_rules_use_object_vars(e->rules) && e->o->n_ioc_files == 0;
}

size_t ms_engine_cut_sets(const ms_engine *e) {
    return ms_rules_cut_sets(e->rules);
}

uint64_t ms_engine_absent_scans(const ms_engine *e) {
    return ms_rules_absent_scans(e->rules);
}

uint64_t ms_engine_clean_skips(const ms_engine *e) {
    return ms_rules_clean_skips(e->rules);
}

size_t ms_engine_rule_count(const ms_engine *e) {
    return ms_rules_count(e->rules);
}

const char *ms_engine_rules_warnings(const ms_engine *e) {
    return ms_rules_warnings(e->rules);
}

size_t ms_engine_rule_inputs(const ms_engine *e, const ms_rule_input **ret) {
    return ms_rules_inputs(e->rules, ret);
}

int ms_engine_save_rules(const ms_engine *e, const char *path) {
    return ms_rules_save(e->rules, path);
}

int ms_engine_builtin_rules_version(char digest[65], size_t *ret_count) {
    int r = ms_yara_init();
    if (r < 0)
        return r;
    r = ms_rules_builtin_version(digest, ret_count);
    ms_yara_finalize();
    return r;
}

int ms_engine_foreach_rule(const ms_engine *e, int (*fn)(void *, const ms_rule_hit *), void *ud) {
    return ms_rules_foreach(e->rules, fn, ud);
}

void ms_engine_versions_get(ms_engine_versions *ret) {
    ret->yara = YR_VERSION;
    ret->magic = magic_version();
    ret->magic_db_bytes = ms_magic_db_size();
}

int ms_worker_new(ms_engine *e, ms_worker **ret) {
    int r;
    ms_worker *w = ms_xcalloc(1, sizeof(*w));
    w->e = e;
    if ((r = ms_identifier_new(&w->id)) < 0 ||
        (r = ms_sigscan_new(e->rules, e->o->limits.scan_timeout, &w->sig)) < 0 ||
        (r = ms_unpacker_new(e->o, &w->unp)) < 0 || (r = ms_featurizer_new(&w->feat)) < 0 ||
        (r = ms_capture_new(e->o, &w->capture)) < 0 ||
        (ms_script_model_ok() && (r = ms_script_scorer_new(&w->script)) < 0) ||
        (r = ms_upx_new(&w->upx)) < 0) {
        ms_worker_free(w);
        /* a worker's handles come from the built-in rules and magic
         * database, which are known good: a failure is memory (alloc.h) */
        if (r == -ENOMEM || r == MS_E_MAGIC)
            ms_oom();
        return r;
    }
    *ret = w;
    return 0;
}

void ms_worker_free(ms_worker *w) {
    if (!w)
        return;
    ms_identifier_free(w->id);
    ms_sigscan_free(w->sig);
    ms_unpacker_free(w->unp);
    ms_featurizer_free(w->feat);
    ms_capture_free(w->capture);
    ms_script_scorer_free(w->script);
    ms_upx_free(w->upx);
    free(w->buf);
    free(w);
}

/* ---- the scan ---- */

static bool stopping(const scan *s) {
    return s->error || s->stop || ms_cancelled(s->sink->cancel);
}

/* Hand a finished verdict to the sink; its MS_STOP or error ends the scan. */
static void emit(scan *s, ms_verdict *v) {
    if (s->error) {
        ms_verdict_free(v);
        return;
    }
    int r = s->sink->emit(s->sink->ud, v);
    if (r < 0)
        s->error = r;
    else if (r == MS_STOP)
        s->stop = true;
}

static ms_verdict *new_record(const ms_verdict *parent, const ms_object *o) {
    if (!parent)
        return ms_verdict_new(o->name, o->name_len);
    return ms_verdict_new_member(parent, o->name, o->name_len);
}

/* The one place where what a source says about an object's bytes becomes
 * evidence: a status with no bytes is an event record of its own (the
 * return is true and v is final), a status with bytes makes the object
 * partial: scanned, never better than limit or error, its model score
 * deciding nothing. */
static bool object_problem(const ms_object *o, ms_verdict *v, ms_evidence *ev) {
    if (o->status == 0)
        return false;
    ms_verdict_kind k = o->status == MS_E_LIMIT       ? MS_LIMIT
                        : o->status == MS_E_ENCRYPTED ? MS_SKIPPED
                        : o->status == MS_E_CORRUPT   ? MS_DAMAGED
                                                      : MS_ERROR;
    const char *why = o->reason ? o->reason : ms_strerror(o->status);
    /* damaged: what the archive holds of it was read; nothing exists
     * that was not scanned */
    v->incomplete = k != MS_DAMAGED;
    if (!o->data || o->size == 0 || o->status == MS_E_ENCRYPTED) {
        v->verdict = k;
        /* stopped part-way: the bytes read, not what the header claims */
        v->size = o->has_read ? o->read : o->declared_size;
        ms_verdict_set_reason(v, "%s", why);
        return true;
    }
    ev->partial = k;
    ev->partial_reason = why;
    return false;
}

typedef struct children {
    scan *s;
    ms_verdict *parent;
    unsigned depth;          /* depth of the parent */
    ms_verdict_kind worst;
    bool any;
    bool incomplete;         /* a member was not fully scanned */
    unsigned blobs;
    /* where the parent's strings matched (issue 12): a member stored in
     * the parent's bytes with none of a set's matches is scanned with
     * that set's absent set (sigscan.h) */
    ms_absence *absence;
    const uint8_t *data;
    size_t size;
} children;

static ms_verdict *scan_object(scan *s, const ms_object *o, const ms_verdict *parent, unsigned depth);

static void fold_child(children *c, ms_verdict *child) {
    if (child->verdict > c->worst)
        c->worst = child->verdict;
    c->any = true;
    c->incomplete |= child->incomplete;
    if (child->verdict >= MS_SUSPICIOUS)
        ms_iocs_merge(&c->parent->iocs, &child->iocs);
}

/* The object and time budget of the top-level file (--max-objects,
 * --max-time): every child counts; once spent, no child is begun (the
 * record of a member a limit stopped part-way, which costs nothing to
 * scan, still is), and MS_E_LIMIT stops every level above. */
static bool budget_refuses(scan *s, const ms_object *o) {
    ms_budget *b = &s->budget;
    bool stopped_member = o->status != 0 && (!o->data || o->size == 0);
    if (!b->exhausted) {
        uint64_t max = s->w->e->o->limits.max_objects;
        if (++b->objects > max && max)
            b->exhausted = MS_BUDGET_OBJECTS;
        else
            ms_budget_expired(b);
    }
    return b->exhausted && !stopped_member;
}

static int scan_child(children *c, const ms_object *o) {
    scan *s = c->s;
    if (stopping(s))
        return MS_STOP;
    if (budget_refuses(s, o))
        return MS_E_LIMIT;
    ms_verdict *v = scan_object(s, o, c->parent, c->depth + 1);
    if (!v)
        return MS_STOP;
    fold_child(c, v);
    emit(s, v);
    return stopping(s) ? MS_STOP : s->budget.exhausted ? MS_E_LIMIT : MS_CONTINUE;
}

/* The reason of a record whose members the budget cut. */
static bool budget_reason(const scan *s, char *why, size_t cap) {
    const ms_limits *l = &s->w->e->o->limits;
    if (s->budget.exhausted == MS_BUDGET_OBJECTS)
        snprintf(why, cap, "limit: max-objects %llu: objects below this file past it were not scanned",
                 (unsigned long long)l->max_objects);
    else if (s->budget.exhausted == MS_BUDGET_TIME)
        snprintf(why, cap, "limit: max-time %u: the file took longer, the rest was not scanned", l->max_time);
    else
        return false;
    return true;
}

/* The sets none of whose strings matched where m's bytes lie in the
 * parent: only for a whole member handed over from the parent's own
 * bytes (stored, uncompressed), never for a copy. */
static unsigned member_absent(const children *c, const ms_member *m) {
    if (!c->absence || !m->data || m->status != 0 || m->size == 0 || !c->data)
        return 0;
    uintptr_t p = (uintptr_t)m->data, lo = (uintptr_t)c->data;
    if (p < lo || p - lo > c->size || m->size > c->size - (p - lo))
        return 0;
    return ms_absence_of(c->absence, (uint64_t)(p - lo), m->size);
}

static int on_member(void *ud, const ms_member *m) {
    ms_object o = {
        .origin = MS_ORIGIN_MEMBER,
        .name = m->name && m->name_len ? m->name : "(unnamed)",
        .name_len = m->name && m->name_len ? m->name_len : strlen("(unnamed)"),
        .data = m->data,
        .size = m->data ? m->size : 0,
        .declared_size = m->size,
        .status = m->status,
        .reason = m->reason,
        .has_read = m->has_read,
        .read = m->read,
        .absent = member_absent(ud, m),
    };
    return scan_child(ud, &o);
}

static int on_blob(void *ud, uint64_t offset, const uint8_t *decoded, size_t len) {
    children *c = ud;
    char name[48];
    int n = snprintf(name, sizeof(name), "base64@%llu", (unsigned long long)offset);
    if (++c->blobs > MS_MAX_IOCS)
        return MS_STOP;
    ms_object o = {.origin = MS_ORIGIN_DECODED, .name = name, .name_len = (size_t)n,
                   .data = decoded, .size = len, .declared_size = len};
    return scan_child(c, &o);
}

static const char *base_name(const char *path, size_t len) {
    for (size_t i = len; i > 0; i--)
        if (path[i - 1] == '/' || path[i - 1] == '!')
            return path + i;
    return path;
}

/* ---- sweeping big objects ---- */

/* Give back the pages of [off, off + len) of a mapped file once a stage is
 * past them: MADV_DONTNEED on a private, never-written file mapping drops
 * them, and a later read faults them in again from the page cache. Pages
 * only partly inside the range are kept. Bytes in memory stay. */
static void object_release(void *ud, uint64_t off, uint64_t len) {
    const ms_object *o = ud;
    static long page;
    if (!o->mapped || off >= o->size)
        return;
    if (!page)
        page = sysconf(_SC_PAGESIZE);
    if (len > o->size - off)
        len = o->size - off;
    uintptr_t lo = (uintptr_t)(o->data + off), hi = lo + (uintptr_t)len;
    lo = (lo + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
    hi &= ~((uintptr_t)page - 1);
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

static bool windowed(const ms_object *o) {
    return o->mapped && o->size > MS_WINDOW;
}

/* Call fn on the object in windows (one call for an object that is not
 * windowed): fn sees d[off, off + len) with len up to MS_WINDOW + overlap,
 * and the pages before each window are given back. fn returns false to
 * end the sweep. */
typedef bool (*sweep_fn)(void *ud, const uint8_t *p, size_t len, uint64_t off, size_t stop);
static void sweep(const ms_object *o, size_t overlap, sweep_fn fn, void *ud) {
    if (!windowed(o)) {
        fn(ud, o->data, o->size, 0, o->size);
        return;
    }
    for (uint64_t off = 0; off < o->size; off += MS_WINDOW) {
        size_t len = o->size - off < (uint64_t)MS_WINDOW + overlap ? (size_t)(o->size - off)
                                                                   : MS_WINDOW + overlap;
        bool go = fn(ud, o->data + off, len, off, len < MS_WINDOW ? len : MS_WINDOW);
        object_release((void *)o, off, MS_WINDOW);
        if (!go)
            break;
    }
}

static bool digest_window(void *ud, const uint8_t *p, size_t len, uint64_t off, size_t stop) {
    (void)len, (void)off;
    return ms_digest_update(ud, p, stop) == 0;
}

/* The digests of o: sha256, and sha1/md5 when a hash list has such. */
static bool object_digests(const scan *s, const ms_object *o, ms_digests *d) {
    const ms_engine *e = s->w->e;
    ms_digest_ctx *c = NULL;
    *d = (ms_digests){0};
    ms_hashlist_needs(e->bad, d);
    ms_hashlist_needs(e->good, d);
    if (ms_digest_begin(d, &c) < 0)
        return false;
    sweep(o, 0, digest_window, c);
    return ms_digest_end(c, d) == 0;
}

static bool iocs_window(void *ud, const uint8_t *p, size_t len, uint64_t off, size_t stop) {
    (void)off, (void)stop;
    ms_iocs_extract(p, len, ud);
    return true;
}

typedef struct blob_sweep {
    children *c;
    uint64_t base;
} blob_sweep;

static int on_window_blob(void *ud, uint64_t offset, const uint8_t *decoded, size_t len) {
    blob_sweep *b = ud;
    return on_blob(b->c, b->base + offset, decoded, len);
}

static bool blob_window(void *ud, const uint8_t *p, size_t len, uint64_t off, size_t stop) {
    blob_sweep *b = ud;
    b->base = off;
    /* runs that start in this window's own part; one that starts in the
     * overlap is the next window's */
    return ms_base64_blobs_from(p, len, stop, on_window_blob, b) == 0;
}

/* The model was trained on programs and shared libraries; relocatable
 * objects (.o, the members of every static library) and core dumps are
 * not what it knows, and scored a liblzma.a member over the strict
 * threshold. */
static bool model_scores(const ms_engine *e, ms_class cls, const uint8_t *d, size_t n) {
    ms_exe x;
    if (!e->model_ok)
        return false;
    return cls == MS_CLASS_PE || (cls == MS_CLASS_ELF && ms_exe_parse(d, n, &x) == MS_EXE_ELF &&
                                  ms_exe_elf_program(&x));
}

static void run_model(scan *s, const ms_object *o, ms_class cls, ms_verdict *v, ms_evidence *ev) {
    ms_worker *w = s->w;
    const double *x = NULL;
    int r;
    if (windowed(o)) {
        /* the byte pass a window at a time, each given back behind it
         * (but the few bytes the pass may look ahead into) */
        ms_features_stream_begin(w->feat, o->size);
        for (uint64_t end = 0; end < o->size;) {
            uint64_t prev = end;
            end = o->size - end > MS_WINDOW ? end + MS_WINDOW : o->size;
            ms_features_stream_feed(w->feat, o->data, (size_t)end);
            if (prev >= MS_WINDOW_OVERLAP)
                object_release((void *)o, prev - MS_WINDOW_OVERLAP, end - prev);
        }
        r = ms_features_stream_end(w->feat, o->data, o->size, cls, &x);
    } else {
        r = ms_features_extract(w->feat, o->data, o->size, cls, &x);
    }
    if (r < 0 || !x)
        return;
    ms_contrib top[MS_MODEL_TOP];
    size_t n_top = 0;
    v->has_model = true;
    v->score = ms_model_score(x, top, MS_MODEL_TOP, &n_top);
    v->threshold = w->e->threshold;
    if (n_top) {
        v->top = ms_xmalloc(n_top * sizeof(*top));
        memcpy(v->top, top, n_top * sizeof(*top));
        v->n_top = n_top;
    }
    ev->scored = true;
    ev->score = v->score;
    ev->threshold = w->e->threshold;
    ev->strict = w->e->strict;
}

static void run_signatures(scan *s, const ms_object *o, ms_verdict *v, ms_evidence *ev,
                           char *why, size_t why_cap) {
    /* the YARA externals of this object (issue 11, sigscan.h) */
    ms_format f = v->cls == MS_CLASS_ARCHIVE ? ms_format_at_start(o->data, o->size) : MS_FMT_NONE;
    /* an archive collects where its strings match, for its stored
     * members (children.absence) */
    ms_sigscan_set_object(s->w->sig, &(ms_sig_object){.path = v->path, .path_len = v->path_len, .cls = v->cls,
                                                      .format = f != MS_FMT_NONE ? ms_format_name(f) : NULL,
                                                      .uid = s->uid,
                                                      .spans = v->cls == MS_CLASS_ARCHIVE,
                                                      .absent = o->absent,
                                                      .cancel = s->sink->cancel});
    int r = ms_sigscan_scan_windows(s->w->sig, o->data, o->size, o->mapped ? MS_WINDOW : 0,
                                    MS_WINDOW_OVERLAP, object_release, (void *)o, v);
    if (r == 0)
        return;
    if (r == MS_E_TIMEOUT)
        snprintf(why, why_cap, "scan timed out after %u s", s->w->e->o->limits.scan_timeout);
    else if (r == MS_E_INTERRUPTED)
        snprintf(why, why_cap, "interrupted during the signature scan");
    else
        snprintf(why, why_cap, "signature scan failed: %s", ms_strerror(r));
    v->incomplete = true;
    ev->scan_problem = MS_ERROR;
    ev->scan_problem_reason = why;
}

/* The script score (issue 10, script_score.h): the second signal for
 * scripts, as the model is for executables. It fills the record's model
 * fields with model name "script"; the verdict policy lets it make a
 * script suspicious, never malicious on its own. */
static void run_script_score(scan *s, const ms_object *o, ms_verdict *v, ms_evidence *ev) {
    ms_worker *w = s->w;
    ms_contrib top[MS_MODEL_TOP];
    size_t n_top = 0;
    double score = 0;
    if (ms_script_score(w->script, o->data, o->size, &score, top, MS_MODEL_TOP, &n_top) != 0)
        return;
    v->has_model = true;
    v->model_name = "script";
    v->score = score;
    v->threshold = ms_script_threshold();
    if (n_top) {
        v->top = ms_xmalloc(n_top * sizeof(*top));
        memcpy(v->top, top, n_top * sizeof(*top));
        v->n_top = n_top;
    }
    ev->script_scored = true;
    ev->script_score = score;
    ev->script_threshold = v->threshold;
    ev->script_context = ms_script_context(w->script);
    ev->script_size = o->size;
}

/* Packet captures (issue 14, capture.h): the flow findings are rule hits,
 * pools, wallets and flows go into the IOCs. A capture cut short, a limit
 * or a link type not decoded is the object's scan problem (incomplete). */
static void run_capture(scan *s, const ms_object *o, ms_verdict *v, ms_evidence *ev) {
    if (!ms_capture_candidate(o->data, o->size))
        return;
    int r = ms_capture_analyse(s->w->capture, o->data, o->size, v);
    if (r == 0 || r == -ENOMEM || ev->scan_problem != MS_CLEAN)
        return;
    v->incomplete = true;
    ev->scan_problem = r == MS_E_LIMIT ? MS_LIMIT : r == MS_E_UNSUPPORTED ? MS_SKIPPED : MS_ERROR;
    ev->scan_problem_reason = v->reason; /* capture.c says what was cut */
}

/* Archive members, after the object itself: members first in the output,
 * and the byte budget of the top-level object charged at every level. */
static void run_unpack(scan *s, const ms_object *o, unsigned depth, ms_verdict *v, children *c,
                       ms_evidence *ev, char *why, size_t why_cap) {
    const ms_options *opt = s->w->e->o;
    if (!ms_unpack_candidate(o->data, o->size) || stopping(s))
        return;
    if (depth >= opt->limits.max_depth) {
        v->incomplete = true;
        snprintf(why, why_cap, "limit: max-depth %u reached, members not scanned", opt->limits.max_depth);
        ev->unpack_problem = MS_LIMIT;
        ev->unpack_reason = why;
        return;
    }
    const char *reason = NULL;
    const char *bn = base_name(v->path, v->path_len);
    int r = ms_unpack(s->w->unp, o->data, o->size, bn, (size_t)(v->path + v->path_len - bn), depth,
                      o->mapped ? object_release : NULL, (void *)o, &s->budget, on_member, c, &reason);
    if (r == 0 || r == MS_E_UNSUPPORTED || s->error)
        return;
    bool was_incomplete = v->incomplete;
    v->incomplete = true;
    if (r == MS_E_LIMIT && budget_reason(s, why, why_cap)) {
        ev->unpack_problem = MS_LIMIT;
    } else if (r == MS_E_LIMIT) {
        snprintf(why, why_cap, "limit: %s", reason ? reason : "archive limit");
        ev->unpack_problem = MS_LIMIT;
    } else if (r == MS_E_CORRUPT) {
        /* the archive's own bytes were all scanned; what the damage cut
         * off does not exist to be read (but a limit or error of its own
         * stays: issue 15) */
        v->incomplete = was_incomplete;
        snprintf(why, why_cap, "damaged: %s", reason ? reason : "corrupt archive");
        ev->unpack_problem = MS_DAMAGED;
    } else {
        snprintf(why, why_cap, "%s: %s", ms_strerror(r), reason ? reason : "");
        ev->unpack_problem = r == MS_E_ENCRYPTED ? MS_SKIPPED : MS_ERROR;
    }
    ev->unpack_reason = why;
}

/* UPX hook (issue 10): the original program of a UPX-packed ELF/PE is the
 * member "upx" of it (reported as prog!upx) and goes through scan_child
 * like an archive member. A packed program that cannot be unpacked is a
 * member event, never silently clean: over --max-filesize a limit, else
 * an error (not "damaged": even when the file was cut short, the program
 * it packs was not scanned, and the run must say something went unread).
 * Not UPX after all: nothing. The unpacked bytes count against
 * --max-archive-bytes like archive members. A UPX program inside the
 * unpacked one gets a fresh ms_upx: the worker's holds the one scanned. */
static void run_upx(scan *s, const ms_object *o, ms_class cls, unsigned depth, children *c) {
    ms_worker *w = s->w;
    const ms_limits *l = &w->e->o->limits;
    if ((cls != MS_CLASS_ELF && cls != MS_CLASS_PE) || o->status != 0 || depth >= l->max_depth ||
        stopping(s) || !ms_upx_candidate(o->data, o->size))
        return;
    ms_upx *tmp = NULL, *u = w->upx;
    if (w->upx_busy) {
        if (ms_upx_new(&tmp) < 0)
            ms_oom();
        u = tmp;
    }
    const uint8_t *out = NULL;
    size_t out_len = 0;
    char why[256] = "";
    int r = ms_upx_unpack(u, o->data, o->size, l->max_filesize, &out, &out_len, NULL, why, sizeof(why));
    if (r == -ENOMEM)
        ms_oom();
    if (r != MS_E_UNSUPPORTED) {
        if (r == 0 && s->budget.expanded + out_len > l->max_archive_bytes) {
            r = MS_E_LIMIT;
            snprintf(why, sizeof(why), "limit: max-archive-bytes %llu reached, the unpacked program not scanned",
                     (unsigned long long)l->max_archive_bytes);
        } else if (r == 0) {
            s->budget.expanded += out_len;
        } else if (r == MS_E_CORRUPT) {
            r = -EIO;   /* see above: error, not damaged */
        }
        ms_object m = {.origin = MS_ORIGIN_MEMBER, .name = "upx", .name_len = 3,
                       .data = r == 0 ? out : NULL, .size = r == 0 ? out_len : 0,
                       .declared_size = out_len, .status = r, .reason = r ? why : NULL};
        bool was = w->upx_busy;
        w->upx_busy = true;
        scan_child(c, &m);
        w->upx_busy = was;
    }
    ms_upx_free(tmp);
}

/* --ioc-file (issue 11, ioclist.h): the object's name and IOCs against the
 * indicator lists; each match is a rule hit. An object nothing flagged has
 * its IOCs extracted here only when a list has network indicators, and
 * keeps them only when one matched. */
static void match_indicators(const ms_engine *e, const ms_object *o, const ms_decision *d, ms_verdict *v,
                             ms_evidence *ev) {
    ms_iocs mine;
    bool own = d->verdict < MS_SUSPICIOUS && ms_ioclist_wants_iocs(e->ioc);
    ms_iocs_init(&mine);
    if (own) {
        sweep(o, 4096, iocs_window, &mine);
        ms_iocs_merge(&mine, &v->iocs);
    }
    if (ms_ioclist_match(e->ioc, v->path, v->path_len, own ? &mine : &v->iocs, v) > 0 && own)
        ms_iocs_merge(&v->iocs, &mine);
    ms_iocs_clear(&mine);
    ev->rules = v->rules; /* the hits were appended: the array may have moved */
    ev->n_rules = v->n_rules;
}

/* Payloads inside executables (issue 10, payload.h): an embedded ELF or
 * PE is a member; a compressed stream is handed to the unpacker and what
 * it decodes is the member, named "payload@OFFSET". A payload is a guess
 * on top of the program's own scan, whose bytes were all scanned already:
 * one that does not decode is dropped, and one that decodes only in part
 * is scanned as far as it goes, never made an error or a limit of the
 * program (a clean /usr holds streams that end in other data). */
typedef struct payload_ctx {
    children *c;
    const char *name;
    size_t name_len;
} payload_ctx;

static int on_payload_member(void *ud, const ms_member *m) {
    payload_ctx *p = ud;
    if (!m->data || m->size == 0)
        return MS_CONTINUE;
    ms_object o = {.origin = MS_ORIGIN_MEMBER, .name = p->name, .name_len = p->name_len, .data = m->data,
                   .size = m->size, .declared_size = m->size};
    return scan_child(p->c, &o);
}

static void run_payloads(scan *s, const ms_object *o, ms_class cls, unsigned depth, children *c) {
    if ((cls != MS_CLASS_ELF && cls != MS_CLASS_PE) || depth >= s->w->e->o->limits.max_depth || stopping(s))
        return;
    ms_payload pl[MS_PAYLOAD_MAX];
    size_t n = 0;
    /* a window at a time for a big object, each given back behind */
    for (size_t from = 64; from < o->size && n < MS_PAYLOAD_MAX;) {
        size_t to = windowed(o) && o->size - from > MS_WINDOW ? from + MS_WINDOW : o->size, next;
        n += ms_payloads_find(o->data, o->size, from, to, pl + n, MS_PAYLOAD_MAX - n, &next);
        if (windowed(o))
            object_release((void *)o, from, next - from);
        from = next;
    }
    for (size_t i = 0; i < n && !stopping(s); i++) {
        char name[48];
        int k = snprintf(name, sizeof(name), "payload@%llu", (unsigned long long)pl[i].off);
        if (pl[i].kind == MS_PAYLOAD_EXECUTABLE) {
            ms_object e = {.origin = MS_ORIGIN_MEMBER, .name = name, .name_len = (size_t)k,
                           .data = o->data + pl[i].off, .size = (size_t)pl[i].len, .declared_size = pl[i].len};
            scan_child(c, &e);
            continue;
        }
        const char *reason = NULL;
        payload_ctx p = {.c = c, .name = name, .name_len = (size_t)k};
        uint64_t len = ms_payload_stream_len(o->data + pl[i].off, (size_t)pl[i].len, pl[i].format,
                                             s->w->e->o->limits.max_filesize);
        if (len)
            ms_unpack(s->w->unp, o->data + pl[i].off, (size_t)len, name, (size_t)k, depth, NULL, NULL,
                      &s->budget, on_payload_member, &p, &reason);
    }
}

/* Every stage on one object, then its children; returns its verdict (to be
 * emitted by the caller), or NULL when the sink failed. */
static ms_verdict *scan_object(scan *s, const ms_object *o, const ms_verdict *parent, unsigned depth) {
    ms_worker *w = s->w;
    ms_engine *e = w->e;
    ms_verdict *v = new_record(parent, o);
    ms_evidence ev = {0};
    char scan_why[128], unpack_why[448];

    v->is_member = parent != NULL;
    v->depth = (int)depth;
    v->size = o->size;
    if (object_problem(o, v, &ev))
        return v;

    /* identify, once: the class from the bytes, libmagic only below, for
     * the description of a record that is reported (it was most of the
     * time of a scan of small files) */
    bool text;
    ms_class cls = ms_identify_class(o->data, o->size, base_name(v->path, v->path_len), &text);
    v->cls = cls;

    if (o->self) {
        free(v->description);
        v->description = ms_xstrdup("minerscan, this one's own executable");
        return v;
    }

    /* a report minerscan wrote is data about other files, not evidence:
     * no rule, score or IOC search runs on it (selfreport.h) */
    ms_report_kind own = text ? ms_own_report(o->data, o->size) : MS_OWN_NONE;
    if (own != MS_OWN_NONE) {
        v->cls = MS_CLASS_REPORT;
        free(v->description);
        v->description = ms_xasprintf("minerscan report (%s)", ms_own_report_name(own));
        object_release((void *)o, 0, o->size);
        return v;
    }

    run_signatures(s, o, v, &ev, scan_why, sizeof(scan_why));
    run_capture(s, o, v, &ev);
    ev.rules = v->rules;
    ev.n_rules = v->n_rules;

    /* the model, for every executable whatever the rules said */
    if (model_scores(e, cls, o->data, o->size))
        run_model(s, o, cls, v, &ev);
    else if (w->script && cls == MS_CLASS_SCRIPT)
        run_script_score(s, o, v, &ev);

    /* hashes: always for known-bad/good lists; otherwise only what is reported */
    const char *good = NULL, *bad = NULL;
    ms_digests dg;
    if ((e->bad || e->good || e->o->all) && object_digests(s, o, &dg)) {
        memcpy(v->sha256, dg.sha256, sizeof(v->sha256));
        v->has_sha256 = true;
        if (e->bad && ms_hashlist_match(e->bad, &dg, &bad) > 0) {
            v->hash_list = ms_xstrdup(bad);
            ev.known_bad = true;
        }
        if (e->good && ms_hashlist_match(e->good, &dg, &good) > 0)
            v->allowed_by = ms_xstrdup(good);
    }

    /* IOCs of anything its own evidence flags */
    ms_decision d;
    ms_decide(&ev, &d);
    if (d.verdict >= MS_SUSPICIOUS)
        sweep(o, 4096, iocs_window, &v->iocs);
    if (e->ioc)
        match_indicators(e, o, &d, v, &ev);

    /* children: archive members and decoded blobs */
    children c = {.s = s, .parent = v, .depth = depth, .absence = ms_sigscan_take_absence(w->sig),
                  .data = o->data, .size = o->size};
    run_unpack(s, o, depth, v, &c, &ev, unpack_why, sizeof(unpack_why));
    run_upx(s, o, cls, depth, &c);
    run_payloads(s, o, cls, depth, &c);
    if (text && depth < e->o->limits.max_depth && !stopping(s) && !s->budget.exhausted) {
        blob_sweep b = {.c = &c};
        sweep(o, MS_WINDOW_OVERLAP, blob_window, &b);
        if (s->budget.exhausted && ev.unpack_problem == MS_CLEAN &&
            budget_reason(s, unpack_why, sizeof(unpack_why))) {
            v->incomplete = true;
            ev.unpack_problem = MS_LIMIT;
            ev.unpack_reason = unpack_why;
        }
    }
    ms_absence_free(c.absence);
    if (s->error) {
        ms_verdict_free(v);
        return NULL;
    }
    ev.children = c.worst;
    ev.have_children = c.any;
    ev.has_iocs = v->iocs.n_pools > 0 || v->iocs.n_wallets > 0;
    /* an archive with a member not fully scanned was not fully scanned
     * (issue 15: it said incomplete: false) */
    if (c.incomplete)
        v->incomplete = true;
    char changed[160];
    if (o->verify && o->verify(o, changed, sizeof(changed)) < 0) {
        /* it changed under the scan: what was scanned is not the file */
        v->incomplete = true;
        ev.partial = MS_ERROR;
        ev.partial_reason = changed;
    }
    ev.allowed_by = v->allowed_by;
    ms_decide(&ev, &d);
    v->verdict = d.verdict;
    v->contains = d.contains;
    if (d.reason[0])
        ms_verdict_set_reason(v, "%s", d.reason);

    /* every reported object carries its sha256 and its description */
    bool reported = v->verdict != MS_CLEAN || v->allowed_by || e->o->all;
    if (reported && !v->description)
        v->description = ms_xstrdup(ms_identify_describe(w->id, o->data, o->size));
    if (!v->has_sha256 && v->verdict != MS_CLEAN && object_digests(s, o, &dg)) {
        memcpy(v->sha256, dg.sha256, sizeof(v->sha256));
        v->has_sha256 = true;
    }
    return v;
}

static int scan_top(ms_worker *w, const ms_object *o, const ms_sink *sink) {
    scan s = {.w = w, .sink = sink,
              .budget = {.cancel = sink->cancel, .gate = w->e->gate,
                         .deadline = w->e->o->limits.max_time
                                         ? ms_monotonic_s() + w->e->o->limits.max_time
                                         : 0},
              .uid = o->uid};
    ms_verdict *v = scan_object(&s, o, NULL, 0);
    ms_unpack_end_scan(w->unp, &s.budget);
    if (v)
        emit(&s, v);
    return s.error ? s.error : s.stop || ms_cancelled(sink->cancel) ? MS_STOP : 0;
}

int ms_worker_scan_buffer(ms_worker *w, const uint8_t *data, size_t size, const char *path,
                          size_t path_len, const ms_sink *sink) {
    ms_object o = {.origin = MS_ORIGIN_FILE, .name = path, .name_len = path_len, .data = data,
                   .size = size, .declared_size = size, .uid = -1};
    return scan_top(w, &o, sink);
}

/* ---- the file source ---- */

/* Read the whole file (up to max_filesize bytes) into the worker's buffer.
 * read() rather than mmap(): a file truncated under us gives a short read,
 * never SIGBUS. size_hint (st_size, 0 if unknown) sizes the buffer once
 * instead of growing it by copies. Fills o (its data is the worker's
 * buffer); returns 0 or -errno. */
static int read_file(ms_worker *w, int fd, uint64_t size_hint, ms_object *o) {
    uint64_t cap_bytes = w->e->o->limits.max_filesize;
    size_t len = 0;
    bool truncated = false;
    if (size_hint && size_hint < SIZE_MAX - 1) {
        /* room for one byte more than expected: the read that sees EOF */
        size_t want_cap = (size_t)(size_hint < cap_bytes ? size_hint : cap_bytes) + 1;
        if (want_cap > w->cap) {
            uint8_t *b = realloc(w->buf, want_cap);
            if (b) {
                w->buf = b;
                w->cap = want_cap;
            }
        }
    }
    for (;;) {
        if (len == w->cap) {
            size_t ncap = w->cap ? w->cap * 2 : (1u << 20);
            if (ncap > cap_bytes + 1)
                ncap = (size_t)cap_bytes + 1;
            if (ncap <= w->cap) {
                truncated = true;
                break;
            }
            uint8_t *b = realloc(w->buf, ncap);
            if (!b)
                return -ENOMEM;
            w->buf = b;
            w->cap = ncap;
        }
        size_t want = w->cap - len;
        if (len + want > cap_bytes)
            want = (size_t)(cap_bytes - len);
        if (want == 0) {
            /* at the cap: one more byte tells whether the file is larger */
            uint8_t c;
            if (read(fd, &c, 1) > 0)
                truncated = true;
            break;
        }
        ssize_t k = read(fd, w->buf + len, want);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (k == 0)
            break;
        len += (size_t)k;
    }
    o->data = w->buf ? w->buf : (const uint8_t *)"";
    o->size = len;
    if (truncated)
        o->status = MS_E_LIMIT;
    return 0;
}

static void release_buffer(ms_worker *w) {
    if (w->cap > MS_KEEP_BUFFER) {
        free(w->buf);
        w->buf = NULL;
        w->cap = 0;
    }
}

/*
 * Mapped files and SIGBUS. A file truncated while it is mapped makes every
 * read past its new end a SIGBUS. The handler looks at the faulting
 * address: inside the mapping this thread is scanning, it maps zero pages
 * over the rest of it (MAP_FIXED, anonymous), notes it, and returns, so the
 * stage that read goes on over zeros and the object is reported as changed
 * while scanned (never as clean). Anywhere else it puts the previous
 * handler back and returns, so the fault repeats and is what it would have
 * been without us. The range is per thread (SIGBUS from a memory access is
 * delivered to the thread that made it).
 */
static _Thread_local struct {
    uintptr_t lo, hi;
    volatile sig_atomic_t hit;
} guard;
static struct sigaction prev_bus;
static long page_size;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)uc;
    uintptr_t a = (uintptr_t)si->si_addr;
    if (guard.hi > guard.lo && a >= guard.lo && a < guard.hi) {
        uintptr_t from = a & ~((uintptr_t)page_size - 1);
        if (mmap((void *)from, guard.hi - from, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
            MAP_FAILED) {
            guard.hit = 1;
            return;
        }
    }
    sigaction(SIGBUS, &prev_bus, NULL);
}

static void guard_install(void) {
    page_size = sysconf(_SC_PAGESIZE);
    struct sigaction sa = {.sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &prev_bus);
}

/* The digest of the running executable, when a file of its size is first
 * met (a copy installed elsewhere: meson install put one in /usr/local). */
static void self_hash(ms_engine *e) {
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return;
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            e->self_hashed = ms_sha256_hex(m, (size_t)st.st_size, e->self_sha256) == 0;
            munmap(m, (size_t)st.st_size);
        }
    }
    close(fd);
}

/* Is the file (its stat, its bytes) the running minerscan or a copy of it? */
static bool self_copy(ms_engine *e, const struct stat *st, const uint8_t *d, size_t n) {
    if (!e->self_size || st->st_size != e->self_size)
        return false;
    if (st->st_dev == e->self_dev && st->st_ino == e->self_ino)
        return true;
    pthread_mutex_lock(&e->self_lock);
    if (!e->self_tried) {
        e->self_tried = true;
        self_hash(e);
    }
    pthread_mutex_unlock(&e->self_lock);
    char hex[65];
    return e->self_hashed && ms_sha256_hex(d, n, hex) == 0 && !strcmp(hex, e->self_sha256);
}

typedef struct file_src {
    int fd;
    uint64_t size_at_open; /* st_size when opened (0: unknown) */
} file_src;

/* The file changed under the scan: it shrank (a SIGBUS was turned into
 * zeros, or a short read) or grew. Anything that changed under the walk
 * makes the run incomplete (issue 15). */
static int file_verify(const ms_object *o, char *why, size_t cap) {
    const file_src *f = o->verify_ud;
    struct stat st;
    uint64_t now = fstat(f->fd, &st) == 0 ? (uint64_t)st.st_size : f->size_at_open;
    if (guard.hit || (o->mapped && now != o->size) || (!o->mapped && o->status == 0 && now != o->size)) {
        snprintf(why, cap, "changed while scanned: %llu bytes when opened, %llu now, %zu scanned%s",
                 (unsigned long long)f->size_at_open, (unsigned long long)now, o->size,
                 guard.hit ? " (the part cut off read as zeros)" : "");
        return -ESTALE;
    }
    return 0;
}

int ms_worker_scan_fd(ms_worker *w, int fd, const char *path, size_t path_len, uint64_t size_hint,
                      const ms_sink *sink, uint64_t *ret_bytes) {
    char why[160];
    struct stat st;
    file_src src = {.fd = fd, .size_at_open = size_hint};
    ms_object o = {.origin = MS_ORIGIN_FILE, .name = path, .name_len = path_len,
                   .declared_size = size_hint, .verify_ud = &src};
    void *map = MAP_FAILED;
    size_t map_len = 0;
    int r;
    bool have_st = fstat(fd, &st) == 0;
    bool regular = have_st && S_ISREG(st.st_mode);

    /* only a regular file has a size to compare: a pipe (--stdin) says 0 */
    if (regular)
        o.verify = file_verify;

    /* A regular file is mapped: scanned to its end whatever its size, in
     * windows when it is big (MS_WINDOW), never copied. What cannot be
     * mapped (a pipe named on the command line, a file system without
     * mmap) is read, under --max-filesize like an archive member. */
    o.uid = have_st ? (int64_t)st.st_uid : -1;
    if (regular && st.st_size >= (off_t)MS_MAP_MIN &&
        (uint64_t)st.st_size <= SIZE_MAX) {
        src.size_at_open = o.declared_size = (uint64_t)st.st_size;
        pthread_once(&guard_once, guard_install);
        map_len = (size_t)st.st_size;
        map = mmap(NULL, map_len, PROT_READ, MAP_PRIVATE, fd, 0);
    }
    if (map != MAP_FAILED) {
        madvise(map, map_len, MADV_SEQUENTIAL);
        o.data = map;
        o.size = map_len;
        o.mapped = true;
        o.self = self_copy(w->e, &st, map, map_len);
        guard.lo = (uintptr_t)map;
        guard.hi = (uintptr_t)map + map_len;
        guard.hit = 0;
        r = 0;
    } else {
        r = read_file(w, fd, size_hint, &o);
    }
    if (ret_bytes)
        *ret_bytes = o.size;
    if (r < 0) {
        snprintf(why, sizeof(why), "read: %s", ms_strerror(r));
        o = (ms_object){.origin = MS_ORIGIN_FILE, .name = path, .name_len = path_len,
                        .declared_size = o.size, .status = r, .reason = why, .uid = o.uid};
    } else if (o.status == MS_E_LIMIT) {
        snprintf(why, sizeof(why), "limit: max-filesize %llu, only the first %zu bytes were scanned",
                 (unsigned long long)w->e->o->limits.max_filesize, o.size);
        o.reason = why;
    }
    r = scan_top(w, &o, sink);
    if (map != MAP_FAILED) {
        guard.lo = guard.hi = 0;
        munmap(map, map_len);
    }
    release_buffer(w);
    return r;
}
