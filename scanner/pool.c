/*
 * pool.c - the run. The calling thread walks the roots and fills a bounded
 * work queue with opened files (so walking / never buffers more than
 * MS_QUEUE_SLOTS paths); N workers scan; one writer thread receives every
 * verdict through a bounded result queue, counts it, and hands it to the
 * reporter, so records never interleave. With --sort the writer keeps the
 * reportable verdicts and sorts them by path at the end, so the output is
 * the same for any thread count while the scan stays parallel.
 */
#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "ms_limits.h"
#include "runinfo.h"
#include "sorted.h"
#include "walker.h"

#define MS_RESULT_SLOTS 4096
/* A worker wakes the writer once this many records wait; else the writer
 * finds them within its 100 ms wait (rq_pop). Woken for every record, the
 * writer slept and woke once per object: on /usr/share (59 000 files)
 * 250 000 context switches and 2.6 s of system time in a 6.5 s run, then
 * 86 000 and 1.4 s in 5.7 s. */
#define MS_RESULT_WAKE 256

typedef struct work {
    int fd; /* -1: sentinel, the worker exits */
    char *path;
    size_t path_len;
    uint64_t size; /* st_size when the walker opened it */
} work;

typedef struct {
    work items[MS_QUEUE_SLOTS];
    size_t head, len;
    size_t cap; /* <= MS_QUEUE_SLOTS: every queued file holds an open fd */
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
} work_queue;

typedef struct {
    ms_verdict *items[MS_RESULT_SLOTS];
    size_t head, len;
    unsigned producers_left; /* workers + walker still producing */
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
} result_queue;

typedef struct ms_pool {
    ms_engine *e;
    const ms_options *o;
    ms_report *rep;
    const ms_run_hooks *hooks;
    work_queue wq;
    result_queue rq;
    pthread_mutex_t big_lock; /* held while a file over MS_BIG_OBJECT is scanned */
    pthread_mutex_t done_lock; /* workers_done, and its condition */
    pthread_cond_t done_cond;
    unsigned workers_done;
    ms_cancel own_cancel;   /* the token when the caller gave none */
    ms_cancel *cancel;      /* the run's one stop channel (cancel.h) */
    int fatal;              /* first fatal error (output); written by the
                               writer thread, read after it is joined */
    ms_summary sum;
    ms_sorted sorted;       /* --sort: the reportable verdicts */
    struct timespec t0;
    bool atime_noticed;     /* the O_NOATIME notice was given */
    /* hard links (issue 12): the record of a file with several names,
     * by device and inode, for the names met after it */
    bool links_alike;       /* ms_engine_links_alike */
    pthread_mutex_t links_lock;
    struct link_entry *links;
    size_t links_cap, n_links;
} ms_pool;

static double now_s(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static bool should_stop(const ms_pool *p) {
    return ms_cancelled(p->cancel);
}

/* ---- queues ---- */

static void timeout_in(struct timespec *ts, long ms) {
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_nsec += ms * 1000 * 1000;
    while (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Queue a file, or a sentinel (fd -1). Waiting for room, it watches the
 * stop flag: workers busy with big objects may not make room for long, so
 * on a stop a file is not queued (returns false; the caller closes it)
 * and a sentinel makes room by dropping the files nobody will scan now. */
static bool wq_push(ms_pool *p, work it) {
    work_queue *q = &p->wq;
    pthread_mutex_lock(&q->lock);
    while (q->len >= q->cap) {
        if (should_stop(p)) {
            if (it.fd >= 0) {
                pthread_mutex_unlock(&q->lock);
                return false;
            }
            /* drop the files, keep the sentinels already queued: every
             * worker must still get one (there are at most 256 workers,
             * fewer than MS_QUEUE_SLOTS, so this one fits past cap) */
            size_t kept = 0;
            for (size_t i = 0; i < q->len; i++) {
                work w = q->items[(q->head + i) % MS_QUEUE_SLOTS];
                if (w.fd >= 0) {
                    close(w.fd);
                    free(w.path);
                } else {
                    q->items[(q->head + kept++) % MS_QUEUE_SLOTS] = w;
                }
            }
            q->len = kept;
            break;
        }
        struct timespec ts;
        timeout_in(&ts, 100);
        pthread_cond_timedwait(&q->not_full, &q->lock, &ts);
    }
    q->items[(q->head + q->len) % MS_QUEUE_SLOTS] = it;
    q->len++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
    return true;
}

static work wq_pop(ms_pool *p) {
    work_queue *q = &p->wq;
    pthread_mutex_lock(&q->lock);
    while (q->len == 0)
        pthread_cond_wait(&q->not_empty, &q->lock);
    work it = q->items[q->head];
    q->head = (q->head + 1) % MS_QUEUE_SLOTS;
    q->len--;
    pthread_cond_signal(&q->not_full);
    pthread_mutex_unlock(&q->lock);
    return it;
}

static int rq_push(void *ud, ms_verdict *v) {
    ms_pool *p = ud;
    result_queue *q = &p->rq;
    pthread_mutex_lock(&q->lock);
    while (q->len == MS_RESULT_SLOTS)
        pthread_cond_wait(&q->not_full, &q->lock);
    q->items[(q->head + q->len) % MS_RESULT_SLOTS] = v;
    q->len++;
    if (q->len >= MS_RESULT_WAKE)
        pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
    return should_stop(p) ? MS_STOP : MS_CONTINUE;
}

static void rq_producer_done(ms_pool *p) {
    result_queue *q = &p->rq;
    pthread_mutex_lock(&q->lock);
    q->producers_left--;
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

/* NULL when every producer is done and the queue is empty. Waits at most
 * until *deadline_ms passes so the writer can refresh progress. */
static ms_verdict *rq_pop(ms_pool *p, bool *timed_out) {
    result_queue *q = &p->rq;
    ms_verdict *v = NULL;
    *timed_out = false;
    pthread_mutex_lock(&q->lock);
    while (q->len == 0 && q->producers_left > 0) {
        /* hurried (cancel.h): a worker may stay inside libyara for up to
         * --scan-timeout; what is queued is written, then the writer ends */
        if (ms_cancel_hurried(p->cancel))
            break;
        struct timespec ts;
        timeout_in(&ts, 100);
        if (pthread_cond_timedwait(&q->not_empty, &q->lock, &ts) == ETIMEDOUT) {
            *timed_out = true;
            break;
        }
    }
    if (q->len > 0) {
        v = q->items[q->head];
        q->head = (q->head + 1) % MS_RESULT_SLOTS;
        q->len--;
        pthread_cond_signal(&q->not_full);
    }
    pthread_mutex_unlock(&q->lock);
    return v;
}

/* ---- hard links (issue 12) ----
 *
 * A file with several names (mesa's drivers: one 25 MB file under 20
 * names) has one content: its first name is scanned, and when that gave
 * one record (no members) of an executable that was fully scanned, each
 * later name gets a copy of it with its own path, without reading the
 * bytes again. Only when no rule or indicator looks at the name
 * (ms_engine_links_alike), and only while the inode's size, mtime and
 * ctime are those of the first scan. yara -N scans each name. */

typedef struct link_entry {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtim, ctim;
    ms_verdict *v; /* NULL: a free slot */
} link_entry;

#define MS_MAX_LINKS 65536 /* records held for later names */

static size_t link_slot(const ms_pool *p, dev_t dev, ino_t ino) {
    uint64_t h = ((uint64_t)dev * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)ino * 0xc2b2ae3d27d4eb4fULL);
    size_t i = (size_t)(h ^ (h >> 29)) & (p->links_cap - 1);
    while (p->links[i].v && !(p->links[i].dev == dev && p->links[i].ino == ino))
        i = (i + 1) & (p->links_cap - 1);
    return i;
}

static bool same_stamp(const link_entry *l, const struct stat *st) {
    return l->size == st->st_size && l->mtim.tv_sec == st->st_mtim.tv_sec &&
           l->mtim.tv_nsec == st->st_mtim.tv_nsec && l->ctim.tv_sec == st->st_ctim.tv_sec &&
           l->ctim.tv_nsec == st->st_ctim.tv_nsec;
}

/* A copy of the record of an earlier name of st's inode, or NULL. */
static ms_verdict *link_lookup(ms_pool *p, const struct stat *st, const char *path, size_t path_len) {
    ms_verdict *v = NULL;
    pthread_mutex_lock(&p->links_lock);
    if (p->links_cap) {
        const link_entry *l = &p->links[link_slot(p, st->st_dev, st->st_ino)];
        if (l->v && same_stamp(l, st))
            v = ms_verdict_clone_as(l->v, path, path_len);
    }
    pthread_mutex_unlock(&p->links_lock);
    return v;
}

static void link_insert(ms_pool *p, const struct stat *st, ms_verdict *v) {
    pthread_mutex_lock(&p->links_lock);
    if (p->n_links >= MS_MAX_LINKS) {
        pthread_mutex_unlock(&p->links_lock);
        ms_verdict_free(v);
        return;
    }
    if ((p->n_links + 1) * 2 > p->links_cap) {
        size_t cap = p->links_cap ? p->links_cap * 2 : 64;
        link_entry *old = p->links;
        size_t old_cap = p->links_cap;
        p->links = ms_xcalloc(cap, sizeof(*p->links));
        p->links_cap = cap;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].v)
                p->links[link_slot(p, old[i].dev, old[i].ino)] = old[i];
        free(old);
    }
    link_entry *l = &p->links[link_slot(p, st->st_dev, st->st_ino)];
    if (l->v) {
        ms_verdict_free(v); /* two names scanned at once: the first stays */
    } else {
        *l = (link_entry){.dev = st->st_dev, .ino = st->st_ino, .size = st->st_size, .mtim = st->st_mtim,
                          .ctim = st->st_ctim, .v = v};
        p->n_links++;
    }
    pthread_mutex_unlock(&p->links_lock);
}

static void links_free(ms_pool *p) {
    for (size_t i = 0; i < p->links_cap; i++)
        ms_verdict_free(p->links[i].v);
    free(p->links);
    pthread_mutex_destroy(&p->links_lock);
}

/* The records of the first name's scan pass through here: a copy of the
 * one record, when there is one and it may stand for the other names. */
typedef struct {
    ms_pool *p;
    unsigned n;
    ms_verdict *copy;
} link_sink;

static bool holds_for_links(const ms_verdict *v) {
    return v->depth == 0 && !v->is_member && !v->incomplete && !v->live && v->iocs.n_flows == 0 &&
           (v->cls == MS_CLASS_ELF || v->cls == MS_CLASS_PE || v->cls == MS_CLASS_MACHO) &&
           (v->verdict == MS_CLEAN || v->verdict == MS_SUSPICIOUS || v->verdict == MS_MALICIOUS);
}

static int link_push(void *ud, ms_verdict *v) {
    link_sink *ls = ud;
    if (++ls->n == 1 && holds_for_links(v)) {
        ls->copy = ms_verdict_clone_as(v, v->path, v->path_len);
    } else if (ls->copy) {
        ms_verdict_free(ls->copy);
        ls->copy = NULL;
    }
    return rq_push(ls->p, v);
}

/* ---- workers ---- */

typedef struct {
    ms_pool *p;
    ms_worker *w;
    pthread_t tid;
    bool started;
    bool done; /* under p->done_lock: the thread has returned its work */
} worker_arg;

static void *worker_main(void *ud) {
    worker_arg *a = ud;
    ms_pool *p = a->p;
    for (;;) {
        work it = wq_pop(p);
        if (it.fd < 0)
            break;
        if (!should_stop(p)) {
            /* One large file at a time: its bytes are held in memory while
             * it is scanned, so two workers on two 100 MB libraries would
             * double the peak (MS_BIG_OBJECT in ms_limits.h). */
            bool big = it.size > MS_BIG_OBJECT;
            if (big)
                pthread_mutex_lock(&p->big_lock);
            ms_sink sink = {.emit = rq_push, .ud = p, .cancel = p->cancel};
            struct stat st;
            bool linked = p->links_alike && fstat(it.fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink > 1;
            ms_verdict *known = linked ? link_lookup(p, &st, it.path, it.path_len) : NULL;
            link_sink ls = {.p = p};
            if (linked) {
                sink.emit = link_push;
                sink.ud = &ls;
            }
            if (known) {
                known->linked = true;
                rq_push(p, known);
            } else if (!should_stop(p)) { /* the wait for the lock may have been long */
                int k = ms_worker_scan_fd(a->w, it.fd, it.path, it.path_len, it.size, &sink, NULL);
                struct stat after;
                if (ls.copy && ls.n == 1 && k == 0 && fstat(it.fd, &after) == 0 &&
                    same_stamp(&(link_entry){.size = st.st_size, .mtim = st.st_mtim, .ctim = st.st_ctim}, &after))
                    link_insert(p, &st, ls.copy);
                else
                    ms_verdict_free(ls.copy);
            }
            if (big)
                pthread_mutex_unlock(&p->big_lock);
        }
        close(it.fd);
        free(it.path);
    }
    rq_producer_done(p);
    pthread_mutex_lock(&p->done_lock);
    a->done = true;
    p->workers_done++;
    pthread_cond_broadcast(&p->done_cond);
    pthread_mutex_unlock(&p->done_lock);
    return NULL;
}

/* Wait until the started workers are done, or the stop is hurried (a
 * second signal). Returns whether every one is done (and may be joined). */
static bool wait_workers(ms_pool *p, unsigned started) {
    bool all;
    pthread_mutex_lock(&p->done_lock);
    while (p->workers_done < started && !ms_cancel_hurried(p->cancel)) {
        struct timespec ts;
        timeout_in(&ts, 100);
        pthread_cond_timedwait(&p->done_cond, &p->done_lock, &ts);
    }
    all = p->workers_done >= started;
    pthread_mutex_unlock(&p->done_lock);
    return all;
}

/* ---- writer ---- */

static void set_fatal(ms_pool *p, int r) {
    if (!p->fatal)
        p->fatal = r;
    ms_cancel_set(p->cancel, MS_CANCEL_OUTPUT);
}

/* The error of a failed report write. The reporters return -EIO; stdio
 * leaves the errno of the write(2) that failed (ENOSPC, EPIPE, EDQUOT...),
 * which is what the user needs to read, so the caller clears errno before
 * the reporter call and this takes it if one was set. */
static int write_error(const ms_report *rep) {
    /* the chain kept the errno of the write(2) that failed: errno itself
     * may have been reset since (free(), a sanitizer's interceptor) */
    int k = rep->chain ? ms_chain_error(rep->chain) : 0;
    if (k < 0)
        return k;
    return errno > 0 ? -errno : -EIO;
}

static void write_one(ms_pool *p, ms_verdict *v) {
    if (p->fatal)
        return;
    errno = 0;
    int r = p->rep->ops->object(p->rep, v);
    if (r < 0 && r != -EIO)
        set_fatal(p, r); /* the reporter's own error (-ENOMEM) */
    else if (r < 0 || ferror(p->rep->out))
        set_fatal(p, write_error(p->rep));
}

static void *writer_main(void *ud) {
    ms_pool *p = ud;
    double last_progress = -1;
    uint64_t seq = 0;
    char *current = NULL;
    size_t current_len = 0;
    for (;;) {
        bool timed_out;
        ms_verdict *v = rq_pop(p, &timed_out);
        if (!v && !timed_out)
            break;
        if (v) {
            v->seq = seq++;
            ms_summary_count(&p->sum, v);
            if (v->linked)
                p->sum.linked++;
            if (!v->is_member) {
                if (!v->linked) /* a copy read nothing */
                    p->sum.bytes = ms_sat_add_u64(p->sum.bytes, v->size);
                char *c = realloc(current, v->path_len + 1);
                if (c) {
                    current = c;
                    memcpy(current, v->path, v->path_len + 1);
                    current_len = v->path_len;
                }
            }
            bool report = p->o->all || v->verdict != MS_CLEAN || v->allowed_by;
            if (!report) {
                ms_verdict_free(v);
            } else if (p->o->sort) {
                int k = ms_sorted_push(&p->sorted, v);
                if (k < 0) {
                    set_fatal(p, k);
                    continue;
                }
            } else {
                write_one(p, v);
                ms_verdict_free(v);
            }
        }
        if (p->hooks && p->hooks->progress) {
            double t = now_s(&p->t0);
            if (t - last_progress >= 0.1) {
                last_progress = t;
                p->sum.elapsed_s = t;
                p->hooks->progress(p->hooks->ud, &p->sum, current ? current : "", current_len);
            }
        }
    }
    free(current);
    return NULL;
}

/* ---- walking ---- */

static int on_walk(void *ud, const ms_walk_entry *en) {
    ms_pool *p = ud;
    if (en->atime_refused && !p->atime_noticed) {
        p->atime_noticed = true;
        if (p->hooks && p->hooks->notice)
            p->hooks->notice(p->hooks->ud,
                             "not the owner of some files and no CAP_FOWNER: O_NOATIME was refused, "
                             "so their access times may change (run as root to keep them)");
    }
    if (should_stop(p)) {
        if (en->kind == MS_WALK_FILE)
            close(en->fd);
        return MS_STOP;
    }
    if (en->kind == MS_WALK_FILE) {
        char *path = ms_xmemdup0(en->path, en->path_len);
        work it = {.fd = en->fd, .path = path, .path_len = en->path_len,
                   .size = en->st && en->st->st_size > 0 ? (uint64_t)en->st->st_size : 0};
        if (!wq_push(p, it)) {
            close(en->fd);
            free(path);
            return MS_STOP;
        }
        return MS_CONTINUE;
    }
    ms_verdict *v = ms_verdict_new(en->path, en->path_len);
    v->is_dir = en->is_dir;
    switch (en->kind) {
    case MS_WALK_SKIPPED:
        v->verdict = MS_SKIPPED;
        if (en->root) {
            /* a path the user named and that was not read: the run did
             * not do what was asked (issue 15: `minerscan /dev/stdin`
             * exited 0); FIFOs met during a walk stay plain skips */
            v->incomplete = true;
            const char *why = en->reason ? en->reason : "skipped";
            ms_verdict_set_reason(v, "%s: named but not read%s", why,
                                  strcmp(why, "fifo") ? "" : " (--stdin scans standard input)");
        } else {
            ms_verdict_set_reason(v, "%s", en->reason ? en->reason : "skipped");
        }
        break;
    case MS_WALK_LIMIT:
        v->verdict = MS_LIMIT;
        v->incomplete = true;
        ms_verdict_set_reason(v, "limit: %s", en->reason ? en->reason : "directory depth");
        break;
    default:
        v->verdict = MS_ERROR;
        v->incomplete = true;
        ms_verdict_set_reason(v, "%s", en->reason ? en->reason : ms_strerror(en->error));
        break;
    }
    if (en->st)
        v->size = (uint64_t)en->st->st_size;
    return rq_push(p, v) < 0 ? -EIO : MS_CONTINUE;
}

/* Every queued file is an open fd. Keep the queue well inside the fd limit
 * (the walker holds up to MS_WALK_MAX_FDS directories, each worker a few
 * more for libarchive and libyara), whatever limit the process runs with. */
static size_t queue_capacity(unsigned workers) {
    struct rlimit rl;
    size_t cap = MS_QUEUE_SLOTS;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        uint64_t reserved = 64 + MS_WALK_MAX_FDS + 8ULL * workers;
        uint64_t spare = rl.rlim_cur > reserved ? (uint64_t)rl.rlim_cur - reserved : 0;
        if (spare / 2 < cap)
            cap = spare / 2;
    }
    return cap < 4 ? 4 : cap;
}

int ms_run(ms_engine *e, const char *const *paths, size_t n_paths, ms_report *rep,
           const ms_run_hooks *hooks, ms_summary *ret_summary) {
    ms_pool *p = ms_xcalloc(1, sizeof(*p));
    const ms_options *o = ms_engine_options(e);
    unsigned n = o->threads ? o->threads : 1;
    worker_arg *args = ms_xcalloc(n, sizeof(*args));
    pthread_t writer;
    bool writer_started = false, begun = false;
    int r = 0;

    if (!p || !args) {
        free(p);
        free(args);
        return -ENOMEM;
    }
    p->e = e;
    p->o = o;
    p->rep = rep;
    p->hooks = hooks;
    ms_cancel_init(&p->own_cancel);
    p->cancel = hooks && hooks->cancel ? hooks->cancel : &p->own_cancel;
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
    pthread_mutex_init(&p->wq.lock, NULL);
    pthread_mutex_init(&p->big_lock, NULL);
    pthread_mutex_init(&p->links_lock, NULL);
    /* not under --sort: which names are copies depends on which worker
     * got there first, and --sort promises the same bytes every run */
    p->links_alike = ms_engine_links_alike(e) && !o->sort;
    pthread_mutex_init(&p->done_lock, NULL);
    pthread_cond_init(&p->done_cond, NULL);
    pthread_cond_init(&p->wq.not_empty, NULL);
    pthread_cond_init(&p->wq.not_full, NULL);
    pthread_mutex_init(&p->rq.lock, NULL);
    pthread_cond_init(&p->rq.not_empty, NULL);
    pthread_cond_init(&p->rq.not_full, NULL);
    p->rq.producers_left = n + 1;
    p->wq.cap = queue_capacity(n);

    /* Per-worker state is made before any thread starts. */
    for (unsigned i = 0; i < n; i++) {
        args[i].p = p;
        if ((r = ms_worker_new(e, &args[i].w)) < 0)
            goto out;
    }
    if ((r = rep->ops->begin(rep)) < 0)
        goto out;
    begun = true;
    /* The threads start with the stop signals blocked, so a signal is
     * handled by the calling thread (which walks, and writes the summary):
     * it never interrupts a worker's read or the writer's write(2). */
    sigset_t stop_sigs, old_sigs;
    sigemptyset(&stop_sigs);
    sigaddset(&stop_sigs, SIGINT);
    sigaddset(&stop_sigs, SIGTERM);
    sigaddset(&stop_sigs, SIGHUP);
    sigaddset(&stop_sigs, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &stop_sigs, &old_sigs);
    if (pthread_create(&writer, NULL, writer_main, p) == 0) {
        writer_started = true;
        for (unsigned i = 0; i < n; i++) {
            if (pthread_create(&args[i].tid, NULL, worker_main, &args[i]) != 0) {
                r = -EAGAIN;
                break;
            }
            args[i].started = true;
        }
    } else {
        r = -EAGAIN;
    }
    pthread_sigmask(SIG_SETMASK, &old_sigs, NULL);
    if (!writer_started)
        goto out;

    ms_walk_options wo = {
        .one_file_system = o->one_file_system,
        .follow_symlinks = o->follow_symlinks,
        .excludes = o->excludes,
        .n_excludes = o->n_excludes,
        .max_dir_depth = o->limits.max_dir_depth,
        .cancel = p->cancel,
        .have_skip = hooks && hooks->have_report,
        .skip_dev = hooks ? hooks->report_dev : 0,
        .skip_ino = hooks ? hooks->report_ino : 0,
    };
    if (r == 0 && hooks && hooks->scan_stdin && !should_stop(p)) {
        /* standard input is read by a worker like a file that cannot be
         * mapped: up to --max-filesize, a limit record past it */
        int fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
        if (fd >= 0) {
            work it = {.fd = fd, .path = ms_xstrdup(MS_STDIN_NAME), .path_len = strlen(MS_STDIN_NAME)};
            if (!wq_push(p, it)) {
                close(fd);
                free(it.path);
            }
        } else {
            ms_verdict *v = ms_verdict_new(MS_STDIN_NAME, strlen(MS_STDIN_NAME));
            v->verdict = MS_ERROR;
            v->incomplete = true;
            ms_verdict_set_reason(v, "standard input: %s", strerror(errno));
            rq_push(p, v);
        }
    }
    for (size_t i = 0; r == 0 && i < n_paths && !should_stop(p); i++) {
        int k = ms_walk(paths[i], &wo, on_walk, p);
        if (k == -ENOMEM)
            ms_oom(); /* the walker's frames and paths: bookkeeping (alloc.h) */
        if (k < 0 && k != -EIO)
            r = k;
    }

out:
    /* One sentinel per started worker; then the walker's own "done". */
    for (unsigned i = 0; i < n; i++)
        if (args[i].started)
            wq_push(p, (work){.fd = -1});
    /* Every worker is joined, also after a stop: each checks the token
     * between objects and members, and one inside libyara returns within
     * --scan-timeout. Nothing is left running behind the caller, unless
     * the stop was hurried (a second signal): then the workers still
     * inside an object are left to the caller, which ends the process
     * (ms_summary.abandoned). */
    unsigned started = 0;
    for (unsigned i = 0; i < n; i++) {
        if (args[i].started)
            started++;
        else
            rq_producer_done(p);
    }
    bool all_done = wait_workers(p, started);
    /* the ones that are done are joined; after a hurried stop the others
     * are detached, left to the caller's exit */
    for (unsigned i = 0; i < n; i++) {
        if (!args[i].started)
            continue;
        pthread_mutex_lock(&p->done_lock);
        bool done = args[i].done;
        pthread_mutex_unlock(&p->done_lock);
        if (done || all_done)
            pthread_join(args[i].tid, NULL);
        else
            pthread_detach(args[i].tid);
    }
    rq_producer_done(p);
    if (writer_started)
        pthread_join(writer, NULL);

    p->sum.elapsed_s = now_s(&p->t0);
    /* a stop the run did not make itself (a signal, the caller) */
    p->sum.interrupted = ms_cancelled(p->cancel) && ms_cancel_reason(p->cancel) != MS_CANCEL_OUTPUT;
    if (p->o->sort) {
        ms_sorted_sort(&p->sorted, true);
        for (size_t i = 0; i < p->sorted.n; i++)
            write_one(p, p->sorted.v[i]);
    }
    ms_sorted_free(&p->sorted);
    if (begun) {
        /* end() always runs once begin() did: it also frees the reporter's
         * buffers (SARIF keeps every result until the end). */
        errno = 0;
        int k = (writer_started && !p->fatal) ? rep->ops->summary(rep, &p->sum) : 0;
        int k2 = rep->ops->end(rep);
        if (!p->fatal && (k < 0 || k2 < 0))
            set_fatal(p, write_error(rep));
    }
    if (!r && p->fatal)
        r = p->fatal;
    p->sum.abandoned = !all_done;
    if (ret_summary)
        *ret_summary = p->sum;
    if (!all_done)
        return r; /* p, args and the workers are in use by running threads */
    for (unsigned i = 0; i < n; i++)
        ms_worker_free(args[i].w);
    free(args);
    pthread_mutex_destroy(&p->wq.lock);
    pthread_mutex_destroy(&p->big_lock);
    links_free(p);
    pthread_mutex_destroy(&p->done_lock);
    pthread_cond_destroy(&p->done_cond);
    pthread_cond_destroy(&p->wq.not_empty);
    pthread_cond_destroy(&p->wq.not_full);
    pthread_mutex_destroy(&p->rq.lock);
    pthread_cond_destroy(&p->rq.not_empty);
    pthread_cond_destroy(&p->rq.not_full);
    free(p);
    return r;
}
