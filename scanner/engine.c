/*
 * engine.c - the per-object pipeline (DESIGN.md "Pipeline").
 *
 * A file on disk, an archive member and a decoded base64 blob are the same
 * thing here: bytes plus a virtual path. scan_object() runs identify, YARA,
 * the model, the hash lists and IOC extraction on them, then recurses into
 * archive members and blobs, emitting each child's verdict before the
 * parent's, and folds the worst child verdict into the parent.
 */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ms_features.h"
#include "hashes.h"
#include "identify.h"
#include "iocs.h"
#include "ms_limits.h"
#include "model.h"
#include "sigscan.h"
#include "unpack.h"
#include "upx.h"

/* How many contributions --explain and the record's model.top carry. */
#define MS_MODEL_TOP 8

/* A read buffer larger than this is freed after the file, so a worker does
 * not keep a 500 MB buffer because of one big file. */
#define MS_KEEP_BUFFER MS_BIG_OBJECT

struct ms_engine {
    const ms_options *o;
    ms_rules *rules;
    ms_hashlist *bad, *good;
    bool model_ok;
    double threshold, strict;
    bool yara_inited;
};

struct ms_worker {
    ms_engine *e;
    ms_identifier *id;
    ms_sigscan *sig;
    ms_unpacker *unp;
    ms_featurizer *feat;
    ms_upx *upx;           /* UPX unpacking (issue 10); its buffer holds the
                              program scanned as prog!upx */
    bool upx_busy;         /* that buffer is in use (a member below is UPX too) */
    uint8_t *buf;
    size_t cap;
    ms_budget budget;
    volatile int *stop;
    bool streamed;         /* its byte features were computed while reading */
    ms_emit_fn emit;
    void *emit_ud;
    int emit_error;
};

static int append_err(char **err, const char *msg) {
    if (!err || !msg)
        return 0;
    size_t a = *err ? strlen(*err) : 0, b = strlen(msg);
    char *s = realloc(*err, a + b + 2);
    if (!s)
        return -ENOMEM;
    memcpy(s + a, msg, b);
    s[a + b] = '\0';
    *err = s;
    return 0;
}

int ms_engine_new(const ms_options *o, ms_engine **ret, char **ret_err) {
    char *msg = NULL;
    int r;
    ms_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return -ENOMEM;
    e->o = o;
    if ((r = ms_yara_init()) < 0)
        goto fail;
    e->yara_inited = true;
    if ((r = ms_rules_load(o, &e->rules, &msg)) < 0)
        goto fail;
    if (o->hashes_file && (r = ms_hashlist_load(o->hashes_file, &e->bad, &msg)) < 0)
        goto fail;
    if (o->allow_file && (r = ms_hashlist_load(o->allow_file, &e->good, &msg)) < 0)
        goto fail;
    const ms_model_info *mi = ms_model_get_info();
    e->model_ok = ms_features_dim() > 0 && !strcmp(mi->schema_hash, ms_features_schema_hash());
    e->threshold = o->have_threshold ? o->threshold : mi->threshold;
    e->strict = mi->strict_threshold > e->threshold ? mi->strict_threshold : e->threshold;
    *ret = e;
    return 0;
fail:
    if (ret_err)
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
    if (e->yara_inited)
        ms_yara_finalize();
    free(e);
}

const ms_options *ms_engine_options(const ms_engine *e) {
    return e->o;
}

size_t ms_engine_rule_count(const ms_engine *e) {
    return ms_rules_count(e->rules);
}

int ms_engine_foreach_rule(const ms_engine *e, int (*fn)(void *, const ms_rule_hit *), void *ud) {
    return ms_rules_foreach(e->rules, fn, ud);
}

int ms_worker_new(ms_engine *e, ms_worker **ret) {
    int r;
    ms_worker *w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->e = e;
    if ((r = ms_identifier_new(&w->id)) < 0 ||
        (r = ms_sigscan_new(e->rules, e->o->limits.scan_timeout, &w->sig)) < 0 ||
        (r = ms_unpacker_new(e->o, &w->unp)) < 0 || (r = ms_featurizer_new(&w->feat)) < 0 ||
        (r = ms_upx_new(&w->upx)) < 0) {
        ms_worker_free(w);
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
    ms_upx_free(w->upx);
    free(w->buf);
    free(w);
}

void ms_worker_set_stop(ms_worker *w, volatile int *stop) {
    w->stop = stop;
}

static bool stopping(const ms_worker *w) {
    return w->stop && *w->stop;
}

/* ---- verdict rules ---- */

static int severity_rank(const char *s) {
    if (!strcmp(s, "high"))
        return 3;
    if (!strcmp(s, "medium"))
        return 2;
    if (!strcmp(s, "low"))
        return 1;
    return 2; /* user rules without severity count as medium */
}

/* high alone makes malicious; medium, or two lows, make suspicious. */
static ms_verdict_kind verdict_from_rules(const ms_verdict *v) {
    int lows = 0, best = 0;
    for (size_t i = 0; i < v->n_rules; i++) {
        int s = severity_rank(v->rules[i].severity);
        if (s == 1)
            lows++;
        if (s > best)
            best = s;
    }
    if (best == 3)
        return MS_MALICIOUS;
    if (best == 2 || lows >= 2)
        return MS_SUSPICIOUS;
    return MS_CLEAN;
}

static void raise_verdict(ms_verdict *v, ms_verdict_kind k) {
    if (k > v->verdict)
        v->verdict = k;
}

/* ---- recursion ---- */

typedef struct frame {
    ms_worker *w;
    ms_verdict *parent;
    unsigned depth;          /* depth of the parent object */
    ms_verdict_kind worst;   /* worst verdict among children */
    uint64_t n_children;
} frame;

static int scan_object(ms_worker *w, const uint8_t *data, size_t size, const char *path,
                       size_t path_len, unsigned depth, bool is_member, bool partial, ms_verdict **ret);

static int emit(ms_worker *w, ms_verdict *v) {
    int r = w->emit(w->emit_ud, v);
    if (r < 0 && !w->emit_error)
        w->emit_error = r;
    return r;
}

static int child_path(const ms_verdict *parent, const char *name, size_t name_len, char **ret,
                      size_t *ret_len) {
    size_t n;
    if (ms_add_overflow_size(parent->path_len, name_len, &n) || ms_add_overflow_size(n, 2, &n))
        return -ENOMEM;
    char *p = malloc(n);
    if (!p)
        return -ENOMEM;
    memcpy(p, parent->path, parent->path_len);
    p[parent->path_len] = '!';
    memcpy(p + parent->path_len + 1, name, name_len);
    p[n - 1] = '\0';
    *ret = p;
    *ret_len = n - 1;
    return 0;
}

static void fold_child(frame *f, ms_verdict *child) {
    if (child->verdict > f->worst)
        f->worst = child->verdict;
    if (child->verdict >= MS_SUSPICIOUS)
        ms_iocs_merge(&f->parent->iocs, &child->iocs);
    f->n_children++;
}

static int on_member(void *ud, const ms_member *m) {
    frame *f = ud;
    ms_worker *w = f->w;
    char *path = NULL;
    size_t path_len = 0;
    ms_verdict *v = NULL;
    int r;

    if (stopping(w))
        return MS_STOP;
    const char *name = m->name && m->name_len ? m->name : "(unnamed)";
    size_t name_len = m->name && m->name_len ? m->name_len : strlen(name);
    if ((r = child_path(f->parent, name, name_len, &path, &path_len)) < 0)
        return r;
    if (m->status == 0) {
        r = scan_object(w, m->data, m->size, path, path_len, f->depth + 1, true, false, &v);
    } else if (m->status == MS_E_CORRUPT && m->data && m->size) {
        /* a truncated member: what was read is still worth scanning, but
         * the member is never reported better than error, and its model
         * score, on a prefix, decides nothing */
        r = scan_object(w, m->data, m->size, path, path_len, f->depth + 1, true, true, &v);
        if (r == 0) {
            v->incomplete = true;
            ms_verdict_set_reason(v, "%s", m->reason ? m->reason : ms_strerror(m->status));
            raise_verdict(v, MS_ERROR);
        }
    } else {
        if ((r = ms_verdict_new(path, path_len, &v)) == 0) {
            v->is_member = true;
            v->depth = (int)f->depth + 1;
            v->size = m->size;
            v->incomplete = true;
            v->verdict = m->status == MS_E_LIMIT       ? MS_LIMIT
                         : m->status == MS_E_ENCRYPTED ? MS_SKIPPED
                                                       : MS_ERROR;
            ms_verdict_set_reason(v, "%s", m->reason ? m->reason : ms_strerror(m->status));
        }
    }
    free(path);
    if (r < 0)
        return r;
    fold_child(f, v);
    r = emit(w, v);
    return r < 0 ? r : (stopping(w) ? MS_STOP : MS_CONTINUE);
}

typedef struct blob_frame {
    frame f;
    unsigned n;
} blob_frame;

static int on_blob(void *ud, uint64_t offset, const uint8_t *decoded, size_t len) {
    blob_frame *b = ud;
    char name[48];
    int n = snprintf(name, sizeof(name), "base64@%llu", (unsigned long long)offset);
    ms_member m = {.name = name, .name_len = (size_t)n, .data = decoded, .size = len};
    if (++b->n > MS_MAX_IOCS)
        return MS_STOP;
    return on_member(&b->f, &m);
}

/* UPX hook (issue 10): the original program of a UPX-packed ELF/PE is the
 * member "upx" of it (reported as prog!upx) and goes through on_member like
 * an archive member; a packed program that cannot be unpacked is a member
 * event (error or limit, with the reason), never silently clean. Not UPX
 * after all (MS_E_UNSUPPORTED): nothing. The unpacked bytes count against
 * --max-archive-bytes like archive members. A UPX program inside the
 * unpacked one is unpacked with a fresh ms_upx, since the worker's holds
 * the program being scanned. */
static int scan_upx(ms_worker *w, frame *f, const uint8_t *data, size_t size) {
    const ms_limits *l = &w->e->o->limits;
    ms_upx *tmp = NULL, *u = w->upx;
    const uint8_t *out = NULL;
    size_t out_len = 0;
    char why[256] = "";
    int r;
    if (w->upx_busy) {
        if ((r = ms_upx_new(&tmp)) < 0)
            return r;
        u = tmp;
    }
    r = ms_upx_unpack(u, data, size, l->max_filesize, &out, &out_len, NULL, why, sizeof(why));
    if (r == MS_E_UNSUPPORTED || r == -ENOMEM) {
        ms_upx_free(tmp);
        return r == -ENOMEM ? r : 0;
    }
    if (r == 0 && (w->budget.expanded + out_len > l->max_archive_bytes)) {
        r = MS_E_LIMIT;
        snprintf(why, sizeof(why), "limit: max-archive-bytes %llu reached, the unpacked program not scanned",
                 (unsigned long long)l->max_archive_bytes);
    } else if (r == 0) {
        w->budget.expanded += out_len;
    }
    ms_member m = {.name = "upx", .name_len = 3, .data = r == 0 ? out : NULL,
                   .size = r == 0 ? out_len : 0, .status = r, .reason = r ? why : NULL};
    bool was = w->upx_busy;
    w->upx_busy = true;
    r = on_member(f, &m);
    w->upx_busy = was;
    ms_upx_free(tmp);
    if (w->emit_error)
        return w->emit_error;
    return r < 0 ? r : 0;
}

/* The model was trained on programs and shared libraries; relocatable
 * objects (.o, the members of every static library) and core dumps are
 * not what it knows, and scored a liblzma.a member over the strict
 * threshold. */
static bool elf_is_program(const uint8_t *d, size_t n) {
    if (n < 18)
        return false;
    unsigned type = d[5] == 2 ? (unsigned)(d[16] << 8 | d[17]) : (unsigned)(d[17] << 8 | d[16]);
    return type == 2 /* ET_EXEC */ || type == 3 /* ET_DYN */;
}

static bool is_text_class(ms_class c, const char *desc) {
    return c == MS_CLASS_SCRIPT || c == MS_CLASS_CONFIG ||
           (c == MS_CLASS_OTHER && desc && strstr(desc, "text"));
}

static const char *base_name(const char *path, size_t len) {
    for (size_t i = len; i > 0; i--)
        if (path[i - 1] == '/' || path[i - 1] == '!')
            return path + i;
    return path;
}

static int scan_object(ms_worker *w, const uint8_t *data, size_t size, const char *path,
                       size_t path_len, unsigned depth, bool is_member, bool partial, ms_verdict **ret) {
    ms_engine *e = w->e;
    const ms_options *o = e->o;
    ms_verdict *v = NULL;
    const char *desc = NULL;
    ms_class cls = MS_CLASS_OTHER;
    int r;

    if ((r = ms_verdict_new(path, path_len, &v)) < 0)
        return r;
    v->is_member = is_member;
    v->depth = (int)depth;
    v->size = size;

    /* identify */
    ms_identify(w->id, data, size, base_name(v->path, v->path_len), &cls, &desc);
    v->cls = cls;
    if (desc && !(v->description = strdup(desc))) {
        r = -ENOMEM;
        goto out;
    }

    /* signatures */
    r = ms_sigscan_scan(w->sig, data, size, v);
    if (r == MS_E_TIMEOUT) {
        v->incomplete = true;
        ms_verdict_set_reason(v, "scan timed out after %u s", o->limits.scan_timeout);
        raise_verdict(v, MS_ERROR);
    } else if (r == -ENOMEM) {
        goto out;
    } else if (r < 0) {
        v->incomplete = true;
        ms_verdict_set_reason(v, "signature scan failed: %s", ms_strerror(r));
        raise_verdict(v, MS_ERROR);
    }
    raise_verdict(v, verdict_from_rules(v));

    /* model, for every executable whatever the rules said */
    if (e->model_ok && (cls == MS_CLASS_PE || (cls == MS_CLASS_ELF && elf_is_program(data, size)))) {
        const double *x = NULL;
        r = depth == 0 && w->streamed ? ms_features_stream_end(w->feat, data, size, cls, &x)
                                      : ms_features_extract(w->feat, data, size, cls, &x);
        if (r == 0 && x) {
            ms_contrib top[MS_MODEL_TOP];
            size_t n_top = 0;
            v->has_model = true;
            v->score = ms_model_score(x, top, MS_MODEL_TOP, &n_top);
            v->threshold = e->threshold;
            if (n_top && (v->top = malloc(n_top * sizeof(*top)))) {
                memcpy(v->top, top, n_top * sizeof(*top));
                v->n_top = n_top;
            }
            if (partial) {
                /* scored on a prefix (cut by --max-filesize, or a member
                 * that could not be read to its end): the structure
                 * features are not the file's, so the score is shown but
                 * decides nothing (the record is a limit or error anyway) */
            } else if (v->score >= e->strict && v->n_rules == 0) {
                raise_verdict(v, MS_MALICIOUS);
                ms_verdict_set_reason(v, "model score %.3f over the strict threshold %.3f", v->score,
                                      e->strict);
            } else if (v->score >= e->threshold && v->verdict < MS_SUSPICIOUS) {
                raise_verdict(v, MS_SUSPICIOUS);
                ms_verdict_set_reason(v, "model score %.3f over the threshold %.3f", v->score,
                                      e->threshold);
            }
        }
    }

    /* hashes: always for known-bad/good lists; otherwise only what is reported */
    if (e->bad || e->good || o->all) {
        if ((r = ms_sha256_hex(data, size, v->sha256)) == 0)
            v->has_sha256 = true;
        const char *name = NULL;
        if (v->has_sha256 && e->bad && ms_hashlist_match(e->bad, data, size, v->sha256, &name) > 0) {
            if (!(v->hash_list = strdup(name))) {
                r = -ENOMEM;
                goto out;
            }
            raise_verdict(v, MS_MALICIOUS);
        }
    }

    /* IOCs of anything flagged */
    if (v->verdict >= MS_SUSPICIOUS && (r = ms_iocs_extract(data, size, &v->iocs)) < 0)
        goto out;

    /* children: archive members and decoded blobs */
    frame f = {.w = w, .parent = v, .depth = depth};
    if (ms_unpack_candidate(data, size) && !stopping(w)) {
        if (depth >= o->limits.max_depth) {
            v->incomplete = true;
            ms_verdict_set_reason(v, "limit: max-depth %u reached, members not scanned",
                                  o->limits.max_depth);
            raise_verdict(v, MS_LIMIT);
        } else {
            const char *why = NULL;
            const char *bn = base_name(v->path, v->path_len);
            r = ms_unpack(w->unp, data, size, bn, (size_t)(v->path + v->path_len - bn), depth,
                          &w->budget, on_member, &f, &why);
            if (w->emit_error) {
                r = w->emit_error;
                goto out;
            }
            if (r == -ENOMEM)
                goto out;
            if (r == MS_E_LIMIT) {
                v->incomplete = true;
                ms_verdict_set_reason(v, "limit: %s", why ? why : "archive limit");
                raise_verdict(v, MS_LIMIT);
            } else if (r < 0 && r != MS_E_UNSUPPORTED) {
                v->incomplete = true;
                ms_verdict_set_reason(v, "%s: %s", ms_strerror(r), why ? why : "");
                raise_verdict(v, r == MS_E_ENCRYPTED ? MS_SKIPPED : MS_ERROR);
            }
        }
    }
    /* UPX-packed programs (issue 10): see scan_upx */
    if ((cls == MS_CLASS_ELF || cls == MS_CLASS_PE) && !partial && depth < o->limits.max_depth &&
        !stopping(w) && ms_upx_candidate(data, size)) {
        if ((r = scan_upx(w, &f, data, size)) < 0)
            goto out;
    }
    if (is_text_class(cls, desc) && depth < o->limits.max_depth && !stopping(w)) {
        blob_frame b = {.f = {.w = w, .parent = v, .depth = depth}};
        r = ms_base64_blobs(data, size, on_blob, &b);
        if (w->emit_error) {
            r = w->emit_error;
            goto out;
        }
        if (r == -ENOMEM)
            goto out;
        if (b.f.worst > f.worst)
            f.worst = b.f.worst;
    }
    r = 0;
    if (f.worst > v->verdict) {
        if (f.worst >= MS_SUSPICIOUS)
            ms_verdict_set_reason(v, "a member is %s", ms_verdict_name(f.worst));
        else
            ms_verdict_set_reason(v, "a member was not fully scanned (%s)", ms_verdict_name(f.worst));
        v->verdict = f.worst;
    }

    /* known-good wins over everything the content said */
    const char *good = NULL;
    if (v->has_sha256 && e->good && ms_hashlist_match(e->good, data, size, v->sha256, &good) > 0) {
        if (!(v->allowed_by = strdup(good))) {
            r = -ENOMEM;
            goto out;
        }
        if (v->verdict >= MS_SUSPICIOUS) {
            free(v->reason);
            v->reason = NULL;
            ms_verdict_set_reason(v, "allowed by %s (would be %s)", good, ms_verdict_name(v->verdict));
            v->verdict = MS_CLEAN;
        }
    }

    /* every reported object carries its sha256 */
    if (!v->has_sha256 && v->verdict != MS_CLEAN && ms_sha256_hex(data, size, v->sha256) == 0)
        v->has_sha256 = true;
out:
    if (r < 0) {
        ms_verdict_free(v);
        return r;
    }
    *ret = v;
    return 0;
}

/* Programs and libraries the model will score: the byte pass of their
 * features runs while they are read (see read_all). */
static bool will_score(const ms_engine *e, const uint8_t *d, size_t n) {
    if (!e->model_ok)
        return false;
    ms_class c = ms_identify_fast(d, n);
    return c == MS_CLASS_PE || (c == MS_CLASS_ELF && elf_is_program(d, n));
}

/* Read the whole file (up to max_filesize bytes) into the worker's buffer.
 * read() rather than mmap(): a file truncated under us gives a short read,
 * never SIGBUS. size_hint (st_size, 0 if unknown) sizes the buffer once
 * instead of growing it by copies. A program the model will score is read
 * in READ_CHUNK pieces, and its feature byte pass follows each piece while
 * it is still in the cache, instead of reading it all back from memory
 * later: with 32 KiB
 * pieces the features cost 6-8% of a /usr/bin scan, with one read of the
 * whole file 12-13% (corpus-tools/bench.sh).
 * Returns bytes read, sets *truncated when the cap cut it. */
#define READ_CHUNK (32u << 10)
static int read_all(ms_worker *w, int fd, uint64_t cap_bytes, uint64_t size_hint, size_t *ret_len,
                    bool *truncated) {
    size_t len = 0;
    *truncated = false;
    w->streamed = false;
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
                *truncated = true;
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
            ssize_t k = read(fd, &c, 1);
            if (k > 0)
                *truncated = true;
            break;
        }
        /* small pieces for the first read (will_score looks at it) and
         * while streaming; anything else in as few reads as it takes */
        if ((len == 0 || w->streamed) && want > READ_CHUNK)
            want = READ_CHUNK;
        ssize_t k = read(fd, w->buf + len, want);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (k == 0)
            break;
        bool first = len == 0;
        len += (size_t)k;
        if (first && size_hint && will_score(w->e, w->buf, len)) {
            /* the size it will have: the file's, or the cap's prefix */
            ms_features_stream_begin(w->feat, (size_t)(size_hint < cap_bytes ? size_hint : cap_bytes));
            w->streamed = true;
        }
        if (w->streamed)
            ms_features_stream_feed(w->feat, w->buf, len);
    }
    *ret_len = len;
    return 0;
}

static void release_buffer(ms_worker *w) {
    if (w->cap > MS_KEEP_BUFFER) {
        free(w->buf);
        w->buf = NULL;
        w->cap = 0;
    }
}

int ms_worker_scan_buffer(ms_worker *w, const uint8_t *data, size_t size, const char *path,
                          size_t path_len, ms_emit_fn emitfn, void *ud) {
    ms_verdict *v = NULL;
    w->emit = emitfn;
    w->emit_ud = ud;
    w->emit_error = 0;
    w->budget = (ms_budget){0};
    int r = scan_object(w, data, size, path, path_len, 0, false, false, &v);
    if (r < 0) {
        if (w->emit_error)
            return r;
        /* out of memory on this object: say so and go on */
        if (ms_verdict_new(path, path_len, &v) < 0)
            return r;
        v->verdict = MS_ERROR;
        v->incomplete = true;
        v->size = size;
        ms_verdict_set_reason(v, "%s", ms_strerror(r));
    }
    r = emit(w, v);
    return r < 0 ? r : 0;
}

static int scan_fd(ms_worker *w, int fd, const char *path, size_t path_len, ms_emit_fn emitfn, void *ud,
                   uint64_t *ret_bytes) {
    size_t len = 0;
    bool truncated = false;
    uint64_t cap_bytes = w->e->o->limits.max_filesize;
    struct stat st;
    uint64_t hint = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 ? (uint64_t)st.st_size : 0;
    int r = read_all(w, fd, cap_bytes, hint, &len, &truncated);
    if (ret_bytes)
        *ret_bytes = len;

    if (r < 0) {
        ms_verdict *v = NULL;
        int k = ms_verdict_new(path, path_len, &v);
        if (k < 0)
            return k;
        v->verdict = MS_ERROR;
        v->incomplete = true;
        v->size = len;
        ms_verdict_set_reason(v, "read: %s", ms_strerror(r));
        release_buffer(w);
        w->emit = emitfn;
        w->emit_ud = ud;
        k = emit(w, v);
        return k < 0 ? k : 0;
    }
    if (!truncated) {
        r = ms_worker_scan_buffer(w, w->buf, len, path, path_len, emitfn, ud);
        release_buffer(w);
        return r;
    }
    /* Larger than --max-filesize: scan the first bytes, never call it clean. */
    ms_verdict *v = NULL;
    w->emit = emitfn;
    w->emit_ud = ud;
    w->emit_error = 0;
    w->budget = (ms_budget){0};
    r = scan_object(w, w->buf, len, path, path_len, 0, false, true, &v);
    release_buffer(w);
    if (r < 0)
        return w->emit_error ? r : 0;
    v->incomplete = true;
    free(v->reason);
    v->reason = NULL;
    ms_verdict_set_reason(v, "limit: max-filesize %llu, only the first %zu bytes were scanned",
                          (unsigned long long)cap_bytes, len);
    raise_verdict(v, MS_LIMIT);
    r = emit(w, v);
    return r < 0 ? r : 0;
}

int ms_worker_scan_fd(ms_worker *w, int fd, const char *path, size_t path_len, ms_emit_fn emitfn,
                      void *ud, uint64_t *ret_bytes) {
    int r = scan_fd(w, fd, path, path_len, emitfn, ud, ret_bytes);
    /* a stream begun while reading belongs to this file only */
    w->streamed = false;
    ms_features_stream_abandon(w->feat);
    return r;
}
