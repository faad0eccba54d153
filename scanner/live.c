/*
 * live.c - the --live driver (live.h): collect, scan through the engine,
 * report.
 *
 * The run: list /proc twice (getdents64 and readdir) and probe the pid
 * range for processes the listing leaves out; read the socket tables of
 * every network namespace; collect the persistence files under the root.
 * Then N threads, each with its own ms_worker, take jobs (a process or a
 * persistence file) from one list; every record goes through one lock to
 * the reporter, whole, or is kept and sorted by path for --sort. The host
 * record comes last.
 *
 * A process is scanned as an archive is: its parts are members whose
 * records come first, the process record last, worst of its members and
 * of its own evidence. One executable run by many processes (every bash)
 * is read once; later processes take its result.
 */
#include "live.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "iocs.h"
#include "live_net.h"
#include "live_persist.h"
#include "live_proc.h"
#include "live_record.h"
#include "ms_limits.h"
#include "sorted.h"

#define PF_KTHREAD_FLAG 0x00200000UL

/* Bytes of a persistence file read for its line checks (the engine reads
 * the file itself, under --max-filesize). */
#define MS_PERSIST_READ (1u << 20)
/* /proc/PID/maps of a large JVM is ~1 MiB; past this the rest of the
 * mappings are not read. */
#define MS_LIVE_MAX_MAPS (8u << 20)
/* Sockets listed in one process record (all that are evidence are). */
#define MS_LIVE_MAX_CONNS 1024

typedef struct exe_entry {
    dev_t dev;
    ino_t ino;
    bool done;
    ms_verdict *result; /* the executable's record as first scanned */
} exe_entry;

typedef struct file_id {
    dev_t dev;
    ino_t ino;
} file_id;

typedef enum hide_kind { HIDE_NONE = 0, HIDE_KERNEL, HIDE_READDIR } hide_kind;

typedef struct job {
    int pid;           /* > 0: a process */
    hide_kind hidden;
    size_t item;       /* otherwise: a persistence item */
} job;

typedef struct live_run {
    ms_engine *e;
    const ms_options *o;
    const ms_live_options *lo;
    ms_report *rep;
    const ms_cancel *cancel;
    int self;
    long clk_tck;
    double boot_time;

    pthread_mutex_t lock; /* everything below */
    pthread_cond_t exe_cond;
    pthread_mutex_t big_lock; /* held while a file over MS_BIG_OBJECT is read */
    ms_summary sum;
    ms_sorted sorted;  /* --sort: the reported verdicts */
    uint64_t seq;
    exe_entry *exes;
    size_t n_exes;
    file_id *files;
    size_t n_files;
    size_t next_job;
    uint64_t processes, hidden;

    atomic_uint_fast64_t mem_total;
    atomic_int fatal;  /* the first fatal error (output, memory) */

    /* read-only once the workers start */
    const char *proc;
    char *root;        /* "" for "/", else the root without a trailing '/' */
    int rootfd;
    ms_passwd *pw;     /* the running system's users */
    size_t n_pw;
    ms_sock *socks;    /* sorted by inode */
    size_t n_socks;
    ms_pool_addr *pool_addrs;
    size_t n_pool_addrs;
    ms_persist_item *items;
    size_t n_items;
    job *jobs;
    size_t n_jobs;
} live_run;

static bool stopped(live_run *L) {
    return ms_cancelled(L->cancel) || atomic_load(&L->fatal);
}

static void set_fatal(live_run *L, int r) {
    int zero = 0;
    atomic_compare_exchange_strong(&L->fatal, &zero, r);
}

/* ---- output ---- */

static void write_one(live_run *L, ms_verdict *v) {
    if (atomic_load(&L->fatal))
        return;
    errno = 0;
    int r = L->rep->ops->object(L->rep, v);
    if (r < 0 && r != -EIO)
        set_fatal(L, r);
    else if (r < 0 || ferror(L->rep->out))
        set_fatal(L, errno > 0 ? -errno : -EIO);
}

/* Count v, and write it (or keep it for --sort) when it is reported: not
 * clean, allowed, --all, or the host record (always: it is the state of
 * the machine the report describes). Takes ownership. */
static void output(live_run *L, ms_verdict *v, uint64_t bytes) {
    pthread_mutex_lock(&L->lock);
    v->seq = L->seq++;
    ms_summary_count(&L->sum, v);
    L->sum.bytes = ms_sat_add_u64(L->sum.bytes, bytes);
    bool report = L->o->all || v->verdict != MS_CLEAN || v->allowed_by ||
                  (v->live && v->live->kind == MS_LIVE_HOST);
    if (!report) {
        ms_verdict_free(v);
    } else if (L->o->sort) {
        int r = ms_sorted_push(&L->sorted, v);
        if (r < 0)
            set_fatal(L, r);
    } else {
        write_one(L, v);
        ms_verdict_free(v);
    }
    pthread_mutex_unlock(&L->lock);
}

/* ---- members of a process, and persistence files ---- */

typedef enum part { PART_EXE, PART_LIB, PART_CMDLINE, PART_ENVIRON, PART_MEM, PART_FILE } part;

typedef struct part_ctx {
    live_run *L;
    part kind;
    ms_verdict *pv;           /* the process record (members), or NULL */
    ms_live_info *attach;     /* PART_FILE: the facts for the file's record */
    ms_verdict_kind worst;    /* worst member of pv so far */
    const char *worst_part;
    ms_verdict_kind worst_inner; /* worst member of the object being scanned */
    ms_verdict *exe_result;   /* PART_EXE, PART_LIB: a copy of the file's record */
    unsigned mem_partial;     /* memory objects not fully unpacked or scanned */
    char *mem_partial_first;  /* the first of them, "PATH: REASON" */
    uint64_t bytes;           /* bytes to count with the next top object */
    int err;
} part_ctx;

static const char *part_name(part k) {
    switch (k) {
    case PART_EXE: return "the executable";
    case PART_LIB: return "a mapped library";
    case PART_CMDLINE: return "the command line";
    case PART_ENVIRON: return "the environment";
    case PART_MEM: return "memory";
    case PART_FILE: return "the file";
    }
    return "a part";
}

/* A copy of what a process record takes from its executable's record. */
static ms_verdict *copy_result(const ms_verdict *v) {
    ms_verdict *c = ms_verdict_new(v->path, v->path_len);
    c->verdict = v->verdict;
    c->size = v->size;
    c->cls = v->cls;
    c->has_sha256 = v->has_sha256;
    memcpy(c->sha256, v->sha256, sizeof(c->sha256));
    c->incomplete = v->incomplete;
    if (v->description)
        c->description = ms_xstrdup(v->description);
    for (size_t i = 0; i < v->n_rules; i++)
        ms_verdict_add_rule(c, &v->rules[i]);
    ms_iocs_merge(&c->iocs, &v->iocs);
    if (v->reason)
        ms_verdict_set_reason(c, "%s", v->reason);
    return c;
}

/* Fold a member's record into the process record: its rules (without the
 * match offset, which is the member's), its IOCs when it was flagged, its
 * verdict into the worst. */
static void fold(part_ctx *c, const ms_verdict *v, part kind) {
    ms_verdict *pv = c->pv;
    for (size_t i = 0; i < v->n_rules; i++) {
        ms_rule_hit h = v->rules[i];
        h.has_match = false;
        h.offset = h.length = 0;
        ms_verdict_add_rule(pv, &h);
    }
    if (v->verdict >= MS_SUSPICIOUS)
        ms_iocs_merge(&pv->iocs, &v->iocs);
    if (v->verdict > c->worst) {
        c->worst = v->verdict;
        c->worst_part = part_name(kind);
    }
}

/* A model score decides nothing on memory: the model was trained on
 * whole program files, and a mapping that starts with an ELF header is
 * one segment of one. The score stays in the record. */
static void memory_model(part_ctx *c, ms_verdict *v) {
    if (!v->has_model || v->n_rules || v->hash_list || v->allowed_by || v->verdict < MS_SUSPICIOUS ||
        c->worst_inner >= MS_SUSPICIOUS)
        return;
    v->verdict = v->incomplete ? MS_ERROR : c->worst_inner;
    free(v->reason);
    v->reason = NULL;
    ms_verdict_set_reason(v, "model score %.3f on a memory mapping decides nothing", v->score);
    if (c->pv && c->pv->live)
        ms_live_add_evidence(c->pv->live, "memory_model_ignored", "%s: model score %.3f", v->path,
                             v->score);
}

/* A mapping is a buffer, not a file: one that starts like a zip is most
 * often a fragment of one, and a member it "holds" cut short or a scan cut
 * by the timeout is a fact about that buffer, not a part of the host left
 * unread; so is a base64 token of an environment that decodes to what
 * looks like a damaged archive. So there damaged, error, limit or skip
 * neither makes the record (or the run) incomplete nor is reported: the
 * verdict is what its rules and members say, the reason stays, and the
 * process record's memory note counts them. */
static void memory_partial(part_ctx *c, ms_verdict *v, bool top) {
    bool problem = v->verdict == MS_ERROR || v->verdict == MS_LIMIT || v->verdict == MS_SKIPPED ||
                   v->verdict == MS_DAMAGED;
    if (!problem && !v->incomplete)
        return;
    if (problem) {
        ms_verdict_kind k = ms_live_policy(v);
        if (v->hash_list)
            k = MS_MALICIOUS;
        if (top && c->worst_inner >= MS_SUSPICIOUS && c->worst_inner > k)
            k = c->worst_inner;
        v->verdict = k;
    }
    v->incomplete = false;
    if (c->mem_partial++ == 0 && asprintf(&c->mem_partial_first, "%s: %s", v->path,
                                          v->reason ? v->reason : "not fully scanned") < 0)
        c->mem_partial_first = NULL;
}

static int part_emit(void *ud, ms_verdict *v) {
    part_ctx *c = ud;
    live_run *L = c->L;

    if (c->kind == PART_MEM || c->kind == PART_CMDLINE || c->kind == PART_ENVIRON)
        memory_partial(c, v, v->depth == 0 && !v->is_member);
    if (v->depth > 0 || v->is_member) {
        /* a member of the object being scanned (an archive in an
         * executable, a base64 blob in a command line) */
        if (v->verdict > c->worst_inner)
            c->worst_inner = v->verdict;
        if (c->pv)
            v->depth++;
        output(L, v, 0);
        return stopped(L) ? MS_STOP : MS_CONTINUE;
    }
    if (c->kind == PART_MEM)
        memory_model(c, v);
    if (c->kind == PART_FILE && c->attach) {
        v->live = c->attach;
        c->attach = NULL;
        ms_verdict_kind k = ms_live_policy(v);
        if (k > v->verdict && !v->allowed_by)
            v->verdict = k;
    }
    c->worst_inner = MS_CLEAN;
    if (c->pv) {
        v->is_member = true;
        v->depth = 1;
        fold(c, v, c->kind);
    }
    if ((c->kind == PART_EXE || c->kind == PART_LIB) && !c->exe_result)
        c->exe_result = copy_result(v);
    output(L, v, c->bytes);
    c->bytes = 0;
    return stopped(L) ? MS_STOP : MS_CONTINUE;
}

/* ---- one process ---- */

static int add_arg(ms_live_info *li, const char *s, size_t n) {
    char **v = realloc(li->argv, (li->argc + 1) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    li->argv = v;
    if (!(v[li->argc] = malloc(n + 1)))
        return -ENOMEM;
    memcpy(v[li->argc], s, n);
    v[li->argc][n] = '\0';
    li->argc++;
    return 0;
}

/* Split a NUL-separated buffer into argv, and turn it into text for the
 * rules and the IOC extraction (NULs become sep). */
static int split_args(ms_live_info *li, uint8_t *buf, size_t len, char sep) {
    size_t b = 0;
    int r = 0;
    for (size_t i = 0; i <= len && r == 0; i++) {
        if (i == len || buf[i] == '\0') {
            if (li && (i > b || i < len))
                r = add_arg(li, (const char *)buf + b, i - b);
            if (i < len)
                buf[i] = (uint8_t)sep;
            b = i + 1;
        }
    }
    /* a trailing NUL (the usual end) gave one empty argument too many */
    if (r == 0 && li && li->argc && len && li->argv[li->argc - 1][0] == '\0') {
        free(li->argv[--li->argc]);
    }
    return r;
}

static bool has_hidden_component(const char *p) {
    for (const char *s = p; *s; s++)
        if (*s == '/' && s[1] == '.' && s[2] && s[2] != '/' && !(s[2] == '.' && (s[3] == '/' || !s[3])))
            return true;
    return false;
}

static int exe_evidence(ms_live_info *li) {
    const char *x = li->exe;
    int r = 0;
    if (!x)
        return 0;
    if (!strncmp(x, "/memfd:", 7))
        return ms_live_add_evidence(li, "exe_memfd", "%s", x);
    if (li->deleted && (r = ms_live_add_evidence(li, "exe_deleted", "%s (deleted)", x)) < 0)
        return r;
    if ((!strncmp(x, "/tmp/", 5) || !strncmp(x, "/var/tmp/", 9) || !strncmp(x, "/dev/shm/", 9)) &&
        (r = ms_live_add_evidence(li, "exe_in_tmp", "%s", x)) < 0)
        return r;
    if (has_hidden_component(x) && (r = ms_live_add_evidence(li, "exe_hidden_dir", "%s", x)) < 0)
        return r;
    return 0;
}

static int cmp_sock(const void *a, const void *b) {
    const ms_sock *x = a, *y = b;
    return (x->inode > y->inode) - (x->inode < y->inode);
}

/* The host and port of a pool IOC: "scheme://[user@]host:port/...". */
static bool pool_host_port(const char *pool, char *host, size_t cap, unsigned *port) {
    const char *p = strstr(pool, "://");
    p = p ? p + 3 : pool;
    const char *at = strchr(p, '@');
    if (at)
        p = at + 1;
    const char *end = p + strcspn(p, "/?#");
    const char *colon = NULL;
    if (*p == '[') {
        const char *rb = memchr(p, ']', (size_t)(end - p));
        if (!rb)
            return false;
        if ((size_t)(rb - p - 1) >= cap)
            return false;
        memcpy(host, p + 1, (size_t)(rb - p - 1));
        host[rb - p - 1] = '\0';
        colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
    } else {
        for (const char *s = end; s > p; s--)
            if (s[-1] == ':') {
                colon = s - 1;
                break;
            }
        const char *he = colon ? colon : end;
        if ((size_t)(he - p) >= cap || he == p)
            return false;
        memcpy(host, p, (size_t)(he - p));
        host[he - p] = '\0';
    }
    if (!colon)
        return false;
    char *e = NULL;
    unsigned long v = strtoul(colon + 1, &e, 10);
    if (e == colon + 1 || v == 0 || v > 65535)
        return false;
    *port = (unsigned)v;
    return true;
}

static bool addr_equal_literal(const char *host, const uint8_t remote16[16]) {
    uint8_t a[16];
    struct in_addr v4;
    if (inet_pton(AF_INET, host, &v4) == 1) {
        memset(a, 0, 10);
        a[10] = a[11] = 0xff;
        memcpy(a + 12, &v4, 4);
    } else if (inet_pton(AF_INET6, host, a) != 1) {
        return false;
    }
    return !memcmp(a, remote16, 16);
}

/* Why the remote endpoint of s is evidence: the evidence code (why
 * filled), or NULL. The strongest first: an address /etc/hosts gives a
 * pool host, a pool the process names (by address, else by port), a pool
 * port. */
static const char *judge(const live_run *L, const ms_verdict *pv, const ms_sock *s, char *why, size_t cap) {
    uint8_t r16[16];
    ms_sock_remote16(s, r16);
    for (size_t k = 0; k < L->n_pool_addrs; k++)
        if (!memcmp(L->pool_addrs[k].addr, r16, 16)) {
            snprintf(why, cap, "/etc/hosts gives it to %s", L->pool_addrs[k].name);
            return "pool_host_connection";
        }
    for (size_t k = 0; k < pv->iocs.n_pools; k++) {
        char host[256];
        unsigned port;
        if (!pool_host_port(pv->iocs.pools[k], host, sizeof(host), &port) || port != s->rport)
            continue;
        snprintf(why, cap, "the pool %s", pv->iocs.pools[k]);
        return addr_equal_literal(host, r16) ? "pool_address_connection" : "pool_port_connection";
    }
    if (ms_pool_port(s->rport)) {
        snprintf(why, cap, "port %u", (unsigned)s->rport);
        return "stratum_port";
    }
    return NULL;
}

/* Tie the process's sockets to it and judge each remote endpoint. */
static int connections(live_run *L, int piddir, ms_verdict *pv) {
    ms_live_info *li = pv->live;
    uint64_t *inodes = NULL;
    size_t n = 0;
    int r = ms_proc_socket_inodes(piddir, &inodes, &n);
    if (r < 0)
        return r == -ENOMEM ? r : 0; /* another user's process: no fd/ access */
    for (size_t i = 0; i < n; i++) {
        ms_sock key = {.inode = inodes[i]};
        const ms_sock *s = L->n_socks ? bsearch(&key, L->socks, L->n_socks, sizeof(*L->socks), cmp_sock) : NULL;
        if (!s)
            continue; /* a unix socket, or one of a namespace not read */
        ms_live_conn c = {.proto = s->proto, .state = ms_sock_state_name(s), .inode = s->inode};
        ms_sock_format(s->laddr, s->v6, s->lport, c.local, sizeof(c.local));
        ms_sock_format(s->raddr, s->v6, s->rport, c.remote, sizeof(c.remote));
        const char *code = NULL;
        char why[512] = "";
        if (ms_sock_has_peer(s) && s->state != 10 /* listen */)
            code = judge(L, pv, s, why, sizeof(why));
        /* a proxy's thousands of sockets: the record lists the first ones
         * and every one that is evidence */
        if (li->n_conns >= MS_LIVE_MAX_CONNS && !code)
            continue;
        ms_live_conn *cv = realloc(li->conns, (li->n_conns + 1) * sizeof(*cv));
        if (!cv) {
            r = -ENOMEM;
            goto out;
        }
        li->conns = cv;
        cv[li->n_conns++] = c;
        if (!code)
            continue;
        cv[li->n_conns - 1].match = ms_live_code_find(code)->code;
        if ((r = ms_live_add_evidence(li, code, "%s %s -> %s %s (%s)", c.proto, c.local, c.remote,
                                      c.state, why)) < 0)
            goto out;
    }
    r = 0;
out:
    free(inodes);
    return r;
}

static void set_note(ms_live_info *li, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_note(ms_live_info *li, const char *fmt, ...) {
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (!li->mem_note) {
        li->mem_note = s;
        return;
    }
    char *j = NULL;
    if (asprintf(&j, "%s; %s", li->mem_note, s) >= 0) {
        free(li->mem_note);
        li->mem_note = j;
    }
    free(s);
}

/* The cache entry of (dev, ino), as index + 1; 0 if none. Under L->lock. */
static size_t find_exe(const live_run *L, const struct stat *st) {
    for (size_t i = 0; i < L->n_exes; i++)
        if (L->exes[i].dev == st->st_dev && L->exes[i].ino == st->st_ino)
            return i + 1;
    return 0;
}

/* A file of the process (its executable, a library it maps), open as fd:
 * read once per file (device, inode) in the run; later processes take the
 * first one's record, waiting for it while it is being read. Files over
 * MS_BIG_OBJECT are read one at a time, as the walker's are. The caller
 * closes fd. */
static int scan_file_part(live_run *L, ms_worker *w, int fd, const struct stat *st, const char *path,
                          size_t path_len, part kind, ms_verdict *pv, part_ctx *pc, bool take_identity) {
    int r = 0;
    bool locked = false;
    exe_entry *en = NULL;

    pthread_mutex_lock(&L->lock);
    locked = true;
    size_t idx = find_exe(L, st);
    if (!idx) {
        exe_entry *v = realloc(L->exes, (L->n_exes + 1) * sizeof(*v));
        if (!v) {
            r = -ENOMEM;
            goto out;
        }
        L->exes = v;
        v[L->n_exes++] = (exe_entry){.dev = st->st_dev, .ino = st->st_ino};
        pthread_mutex_unlock(&L->lock);
        locked = false;
        bool big = (uint64_t)st->st_size > MS_BIG_OBJECT;
        if (big)
            pthread_mutex_lock(&L->big_lock);
        uint64_t bytes = 0;
        pc->kind = kind;
        pc->exe_result = NULL;
        ms_sink sink = {.emit = part_emit, .ud = pc, .cancel = L->cancel};
        r = ms_worker_scan_fd(w, fd, path, path_len, (uint64_t)st->st_size, &sink, &bytes);
        if (r == MS_STOP)
            r = 0; /* the run is stopping: stopped() says so */
        if (big)
            pthread_mutex_unlock(&L->big_lock);
        pthread_mutex_lock(&L->lock);
        locked = true;
        L->sum.bytes = ms_sat_add_u64(L->sum.bytes, bytes);
        en = &L->exes[find_exe(L, st) - 1]; /* the array may have moved */
        en->done = true;
        en->result = pc->exe_result;
        pc->exe_result = NULL;
        pthread_cond_broadcast(&L->exe_cond);
    } else {
        while (!L->exes[idx - 1].done)
            pthread_cond_wait(&L->exe_cond, &L->lock);
        en = &L->exes[idx - 1];
        if (en->result)
            fold(pc, en->result, kind);
    }
    if (r == 0 && take_identity && en->result) {
        pv->size = en->result->size;
        pv->cls = en->result->cls;
        pv->has_sha256 = en->result->has_sha256;
        memcpy(pv->sha256, en->result->sha256, sizeof(pv->sha256));
        if (en->result->description && !pv->description && !(pv->description = strdup(en->result->description)))
            r = -ENOMEM;
    }
out:
    if (locked)
        pthread_mutex_unlock(&L->lock);
    return r < 0 ? r : (pc->err < 0 ? pc->err : 0);
}

/* The executable, through /proc/PID/exe: the program even when its file
 * was deleted. Its identity (size, digest, type) is the process record's. */
static int scan_exe(live_run *L, ms_worker *w, int piddir, ms_verdict *pv, part_ctx *pc,
                    bool *ret_unreadable, struct stat *ret_st, bool *ret_have_st) {
    int fd = openat(piddir, "exe", O_RDONLY | O_CLOEXEC);
    int r = 0;
    struct stat st;

    if (fd < 0) {
        int e = errno;
        if (e == EACCES || e == EPERM)
            *ret_unreadable = true;
        else if (e != ENOENT && e != ESRCH)
            ms_verdict_set_reason(pv, "executable: %s", strerror(e));
        goto out;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        goto out;
    *ret_st = st;
    *ret_have_st = true;
    char path[64];
    int pl = snprintf(path, sizeof(path), "/proc/%d!exe", pv->live->pid);
    r = scan_file_part(L, w, fd, &st, path, (size_t)pl, PART_EXE, pv, pc, true);
out:
    if (fd >= 0)
        close(fd);
    return r;
}

/* A library the process maps (an executable file mapping other than the
 * program), through /proc/PID/map_files/START-END: the exact file the
 * process has mapped, whatever its mount namespace, present or deleted. A
 * library preloaded into a legitimate program (LD_PRELOAD, or a miner
 * built as a .so) is read this way. The record is "/proc/PID!lib@PATH". */
static int scan_lib(live_run *L, ms_worker *w, int piddir, const ms_map *m, ms_verdict *pv, part_ctx *pc) {
    char name[64], *path = NULL;
    int r = 0;
    struct stat st;
    snprintf(name, sizeof(name), "map_files/%llx-%llx", (unsigned long long)m->start,
             (unsigned long long)m->end);
    int fd = openat(piddir, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0; /* needs CAP_SYS_ADMIN; the mapping went away */
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        goto out;
    int pl = asprintf(&path, "/proc/%d!lib@%s", pv->live->pid, m->path);
    if (pl < 0) {
        path = NULL;
        r = -ENOMEM;
        goto out;
    }
    r = scan_file_part(L, w, fd, &st, path, (size_t)pl, PART_LIB, pv, pc, false);
out:
    free(path);
    close(fd);
    return r;
}

/* Scan the process's memory: each chosen mapping one object. The run's
 * total (MS_LIVE_MAX_TOTAL_MEMORY) bounds the time the memory of
 * ordinary processes takes; a priority process (one with evidence or a
 * finding already) is bounded by the per-process limit alone, so a busy
 * host's other processes cannot use up the budget before the miner's
 * turn comes. */
static int scan_memory(live_run *L, ms_worker *w, int piddir, ms_verdict *pv, part_ctx *pc,
                       const struct stat *exe_st, bool priority, uint8_t **buf, size_t *cap) {
    ms_live_info *li = pv->live;
    uint8_t *maps = NULL;
    size_t maps_len = 0;
    bool trunc = false;
    int memfd = -1, r = 0;
    unsigned huge = 0, special = 0, failed = 0, last_lib_major = 0, last_lib_minor = 0;
    uint64_t used = 0, last_lib_ino = 0;
    bool proc_cap = false, total_cap = false;

    if ((r = ms_read_small(piddir, "maps", MS_LIVE_MAX_MAPS, &maps, &maps_len, &trunc)) < 0) {
        set_note(li, "maps not readable: %s", ms_strerror(r));
        return r == -ENOMEM ? r : 0;
    }
    memfd = openat(piddir, "mem", O_RDONLY | O_CLOEXEC);
    if (memfd < 0) {
        r = -errno;
        set_note(li, "memory not readable: %s", ms_strerror(r));
        r = 0;
        goto out;
    }
    if (trunc)
        set_note(li, "maps longer than %u bytes: later mappings not read", MS_LIVE_MAX_MAPS);
    const char *p = (const char *)maps, *end = p + maps_len;
    while (p < end && !stopped(L)) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        ms_map m;
        int k = ms_map_parse_line(p, len, &m);
        p = nl ? nl + 1 : end;
        if (k == -ENOMEM) {
            r = k;
            goto out;
        }
        if (k < 0)
            continue;
        ms_map_choice ch = ms_map_choose(&m);
        /* the executable's own pages were read through /proc/PID/exe */
        bool is_exe = m.path && exe_st && m.inode == (uint64_t)exe_st->st_ino &&
                      m.dev_major == major(exe_st->st_dev) && m.dev_minor == minor(exe_st->st_dev);
        if (ch == MS_MAP_SCAN && is_exe)
            ch = MS_MAP_SKIP_FILE;
        /* the code of a library: its file, once (its other mappings are
         * the same file) */
        if (m.path && m.path[0] == '/' && m.perms[2] == 'x' && !is_exe && m.inode &&
            (m.inode != last_lib_ino || m.dev_major != last_lib_major || m.dev_minor != last_lib_minor) &&
            (ch == MS_MAP_SKIP_FILE || ch == MS_MAP_SCAN)) {
            last_lib_ino = m.inode;
            last_lib_major = m.dev_major;
            last_lib_minor = m.dev_minor;
            if ((r = scan_lib(L, w, piddir, &m, pv, pc)) < 0) {
                ms_map_clear(&m);
                goto out;
            }
            li->libs++;
        }
        uint64_t size = m.end - m.start;
        /* unreadable ranges (guard pages, reservations) hold nothing */
        if (ch == MS_MAP_SKIP_KERNEL || ch == MS_MAP_SKIP_DEVICE)
            special++;
        if (ch != MS_MAP_SCAN || size == 0) {
            ms_map_clear(&m);
            continue;
        }
        if (size > MS_LIVE_MAX_MAPPING) {
            huge++;
            ms_map_clear(&m);
            continue;
        }
        if (used + size > MS_LIVE_MAX_PROCESS_MEMORY) {
            proc_cap = true;
            li->mem_skipped++;
            ms_map_clear(&m);
            continue;
        }
        uint64_t before = atomic_fetch_add(&L->mem_total, size);
        if (before + size > MS_LIVE_MAX_TOTAL_MEMORY && !priority) {
            atomic_fetch_sub(&L->mem_total, size);
            total_cap = true;
            li->mem_skipped++;
            ms_map_clear(&m);
            continue;
        }
        if (size > *cap) {
            uint8_t *nb = realloc(*buf, (size_t)size);
            if (!nb) {
                ms_map_clear(&m);
                r = -ENOMEM;
                goto out;
            }
            *buf = nb;
            *cap = (size_t)size;
        }
        size_t got = 0;
        if (ms_proc_read_mem(memfd, m.start, (size_t)size, *buf, &got) < 0 || got == 0) {
            failed++;
            ms_map_clear(&m);
            continue;
        }
        used += got;
        li->mem_bytes += got;
        li->mem_regions++;
        char path[64];
        int pl = snprintf(path, sizeof(path), "/proc/%d!mem@0x%llx", li->pid, (unsigned long long)m.start);
        ms_map_clear(&m);
        pc->kind = PART_MEM;
        pc->bytes = got;
        ms_sink sink = {.emit = part_emit, .ud = pc, .cancel = L->cancel};
        if ((r = ms_worker_scan_buffer(w, *buf, got, path, (size_t)pl, &sink)) < 0)
            goto out;
        r = 0;
        if (pc->err < 0) {
            r = pc->err;
            goto out;
        }
    }
    li->mem_skipped += huge + failed;
    if (huge)
        set_note(li, "%u mappings over %llu MiB not read", huge, MS_LIVE_MAX_MAPPING >> 20);
    if (failed)
        set_note(li, "%u mappings could not be read", failed);
    if (proc_cap)
        set_note(li, "per-process limit of %llu MiB reached", MS_LIVE_MAX_PROCESS_MEMORY >> 20);
    if (total_cap)
        set_note(li, "run limit of %llu MiB of memory reached", MS_LIVE_MAX_TOTAL_MEMORY >> 20);
    if (special)
        set_note(li, "%u kernel or device mappings skipped", special);
    if (pc->mem_partial)
        set_note(li, "%u objects in memory, command line or environment not fully unpacked or scanned "
                 "(the first: %s)", pc->mem_partial,
                 pc->mem_partial_first ? pc->mem_partial_first : "?");
out:
    if (memfd >= 0)
        close(memfd);
    free(maps);
    return r;
}

/* Scan a NUL-separated /proc file (cmdline, environ) as text. */
static int scan_text_part(ms_worker *w, int piddir, ms_verdict *pv, part_ctx *pc,
                          part kind, bool *ret_unreadable) {
    ms_live_info *li = pv->live;
    const char *name = kind == PART_CMDLINE ? "cmdline" : "environ";
    size_t cap = kind == PART_CMDLINE ? MS_LIVE_MAX_CMDLINE : MS_LIVE_MAX_ENVIRON;
    uint8_t *buf = NULL;
    size_t len = 0;
    bool trunc = false;
    int r = ms_read_small(piddir, name, cap, &buf, &len, &trunc);
    if (r < 0) {
        if (r == -EACCES || r == -EPERM)
            *ret_unreadable = true;
        return r == -ENOMEM ? r : 0;
    }
    if (len == 0)
        goto out;
    if ((r = split_args(kind == PART_CMDLINE ? li : NULL, buf, len, kind == PART_CMDLINE ? ' ' : '\n')) < 0)
        goto out;
    if (kind == PART_ENVIRON) {
        const char *s = (const char *)buf;
        for (size_t i = 0; i + 11 <= len; i++)
            if ((i == 0 || buf[i - 1] == '\n') && !memcmp(s + i, "LD_PRELOAD=", 11)) {
                size_t e = i + 11;
                while (e < len && buf[e] != '\n')
                    e++;
                if (e > i + 11 &&
                    (r = ms_live_add_evidence(li, "ld_preload_env", "%.*s", (int)(e - i > 300 ? 300 : e - i),
                                              s + i)) < 0)
                    goto out;
                break;
            }
    }
    /* the pools and wallets it names, whatever the rules say: they are
     * what the connection check compares with */
    ms_iocs_extract(buf, len, &pv->iocs);
    char path[64];
    int pl = snprintf(path, sizeof(path), "/proc/%d!%s", li->pid, name);
    pc->kind = kind;
    pc->bytes = len;
    ms_sink sink = {.emit = part_emit, .ud = pc, .cancel = pc->L->cancel};
    if ((r = ms_worker_scan_buffer(w, buf, len, path, (size_t)pl, &sink)) < 0)
        goto out;
    r = pc->err < 0 ? pc->err : 0;
out:
    free(buf);
    return r;
}

static int scan_process(live_run *L, ms_worker *w, const job *j, uint8_t **mbuf, size_t *mcap) {
    char path[64];
    int pid = j->pid, r = 0, piddir = -1;
    uint8_t *sbuf = NULL;
    size_t slen = 0;
    bool trunc = false, exe_unreadable = false, text_unreadable = false, have_st = false;
    ms_verdict *pv = NULL;
    ms_proc_stat ps;
    struct stat exe_st;
    part_ctx pc = {.L = L};

    snprintf(path, sizeof(path), "%s/%d", L->proc, pid);
    piddir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (piddir < 0)
        return 0; /* exited */
    if (ms_read_small(piddir, "stat", 4096, &sbuf, &slen, &trunc) < 0 ||
        ms_proc_parse_stat((const char *)sbuf, slen, &ps) < 0)
        goto out; /* exited */
    free(sbuf);
    sbuf = NULL;
    /* kernel threads have no program, memory or command line; zombies
     * have only an exit status */
    if ((ps.flags & PF_KTHREAD_FLAG) || ps.state == 'Z' || ps.state == 'X')
        goto out;
    pthread_mutex_lock(&L->lock);
    L->processes++;
    pthread_mutex_unlock(&L->lock);

    int pl = snprintf(path, sizeof(path), "/proc/%d", pid);
    pv = ms_verdict_new(path, (size_t)pl);
    if ((r = ms_live_info_new(MS_LIVE_PROCESS, &pv->live)) < 0)
        goto out;
    ms_live_info *li = pv->live;
    pc.pv = pv;
    li->pid = pid;
    li->ppid = ps.ppid;
    if (!(li->comm = strdup(ps.comm))) {
        r = -ENOMEM;
        goto out;
    }
    if (L->clk_tck > 0) {
        li->cpu_s = (double)(ps.utime + ps.stime) / (double)L->clk_tck;
        if (L->boot_time > 0)
            li->start_time = L->boot_time + (double)ps.starttime / (double)L->clk_tck;
    }
    if (ms_read_small(piddir, "status", 16384, &sbuf, &slen, &trunc) == 0) {
        int tgid;
        ms_proc_parse_status((const char *)sbuf, slen, &li->uid, &tgid);
        const char *name = li->uid >= 0 ? ms_passwd_name(L->pw, L->n_pw, li->uid) : NULL;
        if (name && !(li->user = strdup(name))) {
            r = -ENOMEM;
            goto out;
        }
    }
    if (j->hidden == HIDE_KERNEL &&
        (r = ms_live_add_evidence(li, "hidden_process", "pid %d (%s) is alive but not in the %s listing", pid,
                                  ps.comm, L->proc)) < 0)
        goto out;
    if (j->hidden == HIDE_READDIR &&
        (r = ms_live_add_evidence(li, "hidden_from_readdir",
                                  "pid %d (%s) is listed by getdents64 but not by readdir()", pid, ps.comm)) < 0)
        goto out;
    li->hidden = j->hidden != HIDE_NONE;

    char target[4096];
    ssize_t tl = readlinkat(piddir, "exe", target, sizeof(target) - 1);
    if (tl > 0) {
        target[tl] = '\0';
        static const char del[] = " (deleted)";
        size_t dl = sizeof(del) - 1;
        if ((size_t)tl > dl && !memcmp(target + tl - dl, del, dl)) {
            target[tl - dl] = '\0';
            li->deleted = true;
        }
        if (!(li->exe = strdup(target))) {
            r = -ENOMEM;
            goto out;
        }
        if ((r = exe_evidence(li)) < 0)
            goto out;
    } else if (errno == EACCES || errno == EPERM) {
        exe_unreadable = true;
    }

    if ((r = scan_text_part(w, piddir, pv, &pc, PART_CMDLINE, &text_unreadable)) < 0 ||
        (r = scan_text_part(w, piddir, pv, &pc, PART_ENVIRON, &text_unreadable)) < 0)
        goto out;
    if (stopped(L))
        goto out;
    if ((r = scan_exe(L, w, piddir, pv, &pc, &exe_unreadable, &exe_st, &have_st)) < 0)
        goto out;
    if (stopped(L))
        goto out;
    if ((r = connections(L, piddir, pv)) < 0)
        goto out;
    /* a process something already points at has its memory read whatever
     * the others took of the run's memory budget */
    bool priority = pc.worst >= MS_SUSPICIOUS || ms_live_policy(pv) >= MS_SUSPICIOUS;
    for (size_t i = 0; !priority && i < li->n_ev; i++)
        priority = strcmp(li->ev[i].code->severity, "info") != 0;
    if ((r = scan_memory(L, w, piddir, pv, &pc, have_st ? &exe_st : NULL, priority, mbuf, mcap)) < 0)
        goto out;

    ms_verdict_kind k = ms_live_policy(pv);
    if (pc.worst >= MS_SUSPICIOUS && pc.worst >= k)
        ms_verdict_set_reason(pv, "%s is %s", pc.worst_part, ms_verdict_name(pc.worst));
    else if (pc.worst > k)
        ms_verdict_set_reason(pv, "%s was not fully scanned (%s)", pc.worst_part, ms_verdict_name(pc.worst));
    if (pc.worst > k)
        k = pc.worst;
    /* flagged by what its parts hold rather than by what --live saw of the
     * process itself: counted once, as "containing" (verdict.h) */
    if (k >= MS_SUSPICIOUS && k > ms_live_policy_evidence(li))
        pv->contains = k;
    if (exe_unreadable && k < MS_SKIPPED) {
        k = MS_SKIPPED;
        ms_verdict_set_reason(pv, "permission denied: the executable%s of another user's process", 
                              text_unreadable ? ", environment, memory and sockets" : "");
    }
    pv->verdict = k;
    if (exe_unreadable && !li->mem_note)
        set_note(li, "not readable: permission denied");
    if (!stopped(L)) {
        output(L, pv, 0);
        pv = NULL;
    }
out:
    ms_verdict_free(pv);
    free(pc.mem_partial_first);
    free(sbuf);
    if (piddir >= 0)
        close(piddir);
    return r;
}

/* ---- one persistence file ---- */

/* The path a record shows: the root's path plus rel. */
static int full_path(const live_run *L, const char *rel, char **ret, size_t *ret_len) {
    char *s = NULL;
    int n = asprintf(&s, "%s/%s", L->root, rel);
    if (n < 0)
        return -ENOMEM;
    *ret = s;
    *ret_len = (size_t)n;
    return 0;
}

/* Has this file been scanned (a unit listed twice, /lib -> /usr/lib)? */
static bool first_time(live_run *L, const struct stat *st) {
    bool first = true;
    pthread_mutex_lock(&L->lock);
    for (size_t i = 0; i < L->n_files; i++)
        if (L->files[i].dev == st->st_dev && L->files[i].ino == st->st_ino) {
            first = false;
            break;
        }
    if (first) {
        file_id *v = realloc(L->files, (L->n_files + 1) * sizeof(*v));
        if (v) {
            L->files = v;
            v[L->n_files++] = (file_id){st->st_dev, st->st_ino};
        }
    }
    pthread_mutex_unlock(&L->lock);
    return first;
}

static int skipped_record(live_run *L, const char *path, size_t len, const char *location, int err) {
    ms_verdict *v = ms_verdict_new(path, len);
    int r;
    if ((r = ms_live_info_new(MS_LIVE_PERSISTENCE, &v->live)) < 0) {
        ms_verdict_free(v);
        return r;
    }
    v->live->location = location;
    v->verdict = MS_SKIPPED;
    ms_verdict_set_reason(v, "%s", ms_strerror(err));
    output(L, v, 0);
    return 0;
}

static int scan_persist_file(live_run *L, ms_worker *w, const char *rel, const char *location,
                             ms_persist_syntax syn, int item_error, const char *extra_code,
                             const char *extra_text);

/* /etc/ld.so.preload: its own record, then each library it names. */
static int preload_libs(live_run *L, const uint8_t *data, size_t len, ms_live_info *li, char ***ret,
                        size_t *ret_n) {
    char **libs = NULL;
    size_t n = 0;
    int r = ms_preload_parse(data, len, &libs, &n);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n && r == 0; i++) {
        const char *rel = libs[i];
        while (*rel == '/')
            rel++;
        int fd = *rel ? ms_root_open(L->rootfd, rel, O_RDONLY | O_NONBLOCK) : -ENOENT;
        if (fd >= 0)
            close(fd);
        if (fd == -ENOENT)
            r = ms_live_add_evidence(li, "preload_missing", "%s", libs[i]);
    }
    if (r == 0 && n) {
        char list[1024] = "";
        size_t off = 0;
        for (size_t i = 0; i < n && off < sizeof(list) - 1; i++)
            off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? " " : "", libs[i]);
        r = ms_live_add_evidence(li, "ld_so_preload", "loads %s", list);
    }
    if (r < 0) {
        for (size_t i = 0; i < n; i++)
            free(libs[i]);
        free(libs);
        return r;
    }
    *ret = libs;
    *ret_n = n;
    return 0;
}

static int scan_persist_file(live_run *L, ms_worker *w, const char *rel, const char *location,
                             ms_persist_syntax syn, int item_error, const char *extra_code,
                             const char *extra_text) {
    char *path = NULL, **libs = NULL;
    size_t path_len = 0, n_libs = 0, len = 0;
    uint8_t *data = NULL;
    ms_live_info *li = NULL;
    int fd = -1, r;
    struct stat st;

    if ((r = full_path(L, rel, &path, &path_len)) < 0)
        return r;
    if (item_error < 0) {
        r = skipped_record(L, path, path_len, location, item_error);
        goto out;
    }
    fd = ms_root_open(L->rootfd, rel, O_RDONLY | O_NONBLOCK);
    if (fd == -EACCES || fd == -EPERM) {
        r = skipped_record(L, path, path_len, location, fd);
        fd = -1;
        goto out;
    }
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !first_time(L, &st)) {
        r = 0; /* absent, a directory, a device (a masked unit -> /dev/null), or seen */
        goto out;
    }
    if ((r = ms_live_info_new(MS_LIVE_PERSISTENCE, &li)) < 0)
        goto out;
    li->location = location;
    int flags = 0;
    if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
        li->immutable = flags & FS_IMMUTABLE_FL;
        li->append_only = flags & FS_APPEND_FL;
        if (li->immutable && (r = ms_live_add_evidence(li, "immutable", "%s is immutable (chattr +i)", path)) < 0)
            goto out;
        if (li->append_only && (r = ms_live_add_evidence(li, "append_only", "%s is append-only (chattr +a)", path)) < 0)
            goto out;
    }
    if (extra_code && (r = ms_live_add_evidence(li, extra_code, "%s", extra_text)) < 0)
        goto out;
    /* the lines, for the checks; the engine reads the file itself */
    size_t cap = st.st_size > 0 && (uint64_t)st.st_size < MS_PERSIST_READ ? (size_t)st.st_size : MS_PERSIST_READ;
    if (!(data = malloc(cap + 1))) {
        r = -ENOMEM;
        goto out;
    }
    while (len < cap) {
        ssize_t k = pread(fd, data + len, cap - len, (off_t)len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        len += (size_t)k;
    }
    if ((r = ms_persist_check_lines(syn, data, len, li)) < 0)
        goto out;
    if (syn == MS_SYN_PRELOAD && (r = preload_libs(L, data, len, li, &libs, &n_libs)) < 0)
        goto out;
    part_ctx pc = {.L = L, .kind = PART_FILE, .attach = li};
    uint64_t bytes = 0;
    li = NULL;
    ms_sink sink = {.emit = part_emit, .ud = &pc, .cancel = L->cancel};
    r = ms_worker_scan_fd(w, fd, path, path_len, (uint64_t)st.st_size, &sink, &bytes);
    if (r == MS_STOP)
        r = 0;
    ms_live_info_free(pc.attach); /* not taken if no record came (stopped) */
    pthread_mutex_lock(&L->lock);
    L->sum.bytes = ms_sat_add_u64(L->sum.bytes, bytes);
    pthread_mutex_unlock(&L->lock);
    if (r < 0)
        goto out;
    for (size_t i = 0; i < n_libs && r == 0 && !stopped(L); i++) {
        const char *lr = libs[i];
        while (*lr == '/')
            lr++;
        if (*lr)
            r = scan_persist_file(L, w, lr, "ld.so.preload library", MS_SYN_BINARY, 0, "preloaded_library",
                                  libs[i]);
    }
out:
    for (size_t i = 0; i < n_libs; i++)
        free(libs[i]);
    free(libs);
    ms_live_info_free(li);
    free(data);
    free(path);
    if (fd >= 0)
        close(fd);
    return r;
}

/* ---- workers ---- */

typedef struct worker_arg {
    live_run *L;
    ms_worker *w;
    pthread_t tid;
    bool started;
    int err;
} worker_arg;

static void *worker_main(void *ud) {
    worker_arg *a = ud;
    live_run *L = a->L;
    uint8_t *mbuf = NULL;
    size_t mcap = 0;
    for (;;) {
        pthread_mutex_lock(&L->lock);
        size_t i = L->next_job < L->n_jobs && !stopped(L) ? L->next_job++ : SIZE_MAX;
        pthread_mutex_unlock(&L->lock);
        if (i == SIZE_MAX)
            break;
        const job *j = &L->jobs[i];
        int r;
        if (j->pid > 0) {
            r = scan_process(L, a->w, j, &mbuf, &mcap);
        } else {
            const ms_persist_item *it = &L->items[j->item];
            r = scan_persist_file(L, a->w, it->rel, it->location, it->syntax, it->error, NULL, NULL);
        }
        if (r < 0) {
            set_fatal(L, r);
            break;
        }
    }
    free(mbuf);
    return NULL;
}

/* ---- collection ---- */

static double read_boot_time(const char *proc) {
    char path[4096], line[256];
    double bt = -1;
    snprintf(path, sizeof(path), "%s/stat", proc);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, "btime ", 6)) {
            bt = (double)strtoull(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return bt;
}

/* Read a small file below the root into memory; NULL data if absent. */
static int root_read(live_run *L, const char *rel, size_t cap, uint8_t **ret, size_t *ret_len) {
    int fd = ms_root_open(L->rootfd, rel, O_RDONLY | O_NONBLOCK);
    bool trunc;
    *ret = NULL;
    *ret_len = 0;
    if (fd < 0)
        return 0;
    int r = ms_read_fd(fd, cap, ret, ret_len, &trunc);
    close(fd);
    return r == -ENOMEM ? r : 0;
}

/* Socket tables of every network namespace the processes are in: each
 * /proc/PID/net shows its process's namespace. */
static int collect_sockets(live_run *L, const int *pids, size_t n) {
    char path[4096];
    uint64_t *seen = NULL;
    size_t n_seen = 0;
    int r = ms_sock_read_all("/proc/self/net", &L->socks, &L->n_socks);
    struct stat st;
    if (r < 0)
        return r;
    if (stat("/proc/self/ns/net", &st) == 0) {
        if (!(seen = malloc(sizeof(*seen))))
            return -ENOMEM;
        seen[n_seen++] = (uint64_t)st.st_ino;
    }
    for (size_t i = 0; i < n && r == 0; i++) {
        snprintf(path, sizeof(path), "%s/%d/ns/net", L->proc, pids[i]);
        if (stat(path, &st) < 0)
            continue;
        bool dup = false;
        for (size_t k = 0; k < n_seen && !dup; k++)
            dup = seen[k] == (uint64_t)st.st_ino;
        if (dup)
            continue;
        uint64_t *ns = realloc(seen, (n_seen + 1) * sizeof(*ns));
        if (!ns) {
            r = -ENOMEM;
            break;
        }
        seen = ns;
        seen[n_seen++] = (uint64_t)st.st_ino;
        snprintf(path, sizeof(path), "%s/%d/net", L->proc, pids[i]);
        r = ms_sock_read_all(path, &L->socks, &L->n_socks);
    }
    free(seen);
    if (r == 0 && L->n_socks)
        qsort(L->socks, L->n_socks, sizeof(*L->socks), cmp_sock);
    return r;
}

typedef struct hidden_pid {
    int pid;
    hide_kind kind;
} hidden_pid;

/* The processes to scan: the getdents64 listing, plus those it leaves
 * out (probed) and those readdir() leaves out. Every listing is taken
 * twice around the probe, and a pid counts as hidden only if it is
 * missing from both and alive after both: a process that started or
 * exited meanwhile, or whose pid was reused, is in one of them. */
static int collect_jobs(live_run *L) {
    int *l1 = NULL, *l2 = NULL, *rd1 = NULL, *rd2 = NULL, *cand = NULL;
    size_t n1 = 0, n2 = 0, nrd1 = 0, nrd2 = 0, ncand = 0, nh = 0;
    hidden_pid *hid = NULL;
    int r;

    if ((r = ms_proc_list(L->proc, false, &l1, &n1)) < 0 ||
        (r = ms_proc_list(L->proc, true, &rd1, &nrd1)) < 0)
        goto out;
    if ((r = ms_proc_probe_unlisted(L->proc, l1, n1, ms_proc_pid_max(L->proc), &cand, &ncand)) < 0)
        goto out;
    if ((r = ms_proc_list(L->proc, false, &l2, &n2)) < 0 ||
        (r = ms_proc_list(L->proc, true, &rd2, &nrd2)) < 0)
        goto out;
    if (!(hid = calloc(ncand + n1 + 1, sizeof(*hid)))) {
        r = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < ncand; i++) {
        if (ms_pid_listed(l2, n2, cand[i]))
            continue;
        if (kill(cand[i], 0) == 0 || errno == EPERM)
            hid[nh++] = (hidden_pid){cand[i], HIDE_KERNEL};
    }
    for (size_t i = 0; i < n1; i++) {
        int pid = l1[i];
        if (pid == L->self || !ms_pid_listed(l2, n2, pid) || ms_pid_listed(rd1, nrd1, pid) ||
            ms_pid_listed(rd2, nrd2, pid))
            continue;
        if (kill(pid, 0) == 0 || errno == EPERM)
            hid[nh++] = (hidden_pid){pid, HIDE_READDIR};
    }
    if ((r = collect_sockets(L, l1, n1)) < 0)
        goto out;
    L->jobs = calloc(n1 + nh + L->n_items + 1, sizeof(*L->jobs));
    if (!L->jobs) {
        r = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n1; i++) {
        if (l1[i] == L->self)
            continue;
        hide_kind k = HIDE_NONE;
        for (size_t h = 0; h < nh; h++)
            if (hid[h].pid == l1[i])
                k = hid[h].kind;
        L->jobs[L->n_jobs++] = (job){.pid = l1[i], .hidden = k};
    }
    for (size_t h = 0; h < nh; h++)
        if (hid[h].kind == HIDE_KERNEL)
            L->jobs[L->n_jobs++] = (job){.pid = hid[h].pid, .hidden = HIDE_KERNEL};
    L->hidden = nh;
    for (size_t i = 0; i < L->n_items; i++)
        L->jobs[L->n_jobs++] = (job){.pid = 0, .item = i};
out:
    free(l1);
    free(l2);
    free(rd1);
    free(rd2);
    free(cand);
    free(hid);
    return r;
}

static int host_record(live_run *L) {
    ms_verdict *v = NULL;
    ms_live_info *li = NULL;
    int r;
    if ((r = ms_live_info_new(MS_LIVE_HOST, &li)) < 0)
        return r;
    if ((r = ms_host_collect(L->proc, "/sys", li)) < 0)
        goto out;
    li->processes = L->processes;
    li->hidden_processes = L->hidden;
    if (L->hidden &&
        (r = ms_live_add_evidence(li, "hidden_processes", "%llu processes are hidden from the /proc listing",
                                  (unsigned long long)L->hidden)) < 0)
        goto out;
    char path[300];
    int pl = snprintf(path, sizeof(path), "host:%s", li->hostname ? li->hostname : "localhost");
    v = ms_verdict_new(path, (size_t)pl);
    v->live = li;
    li = NULL;
    v->verdict = ms_live_policy(v);
    output(L, v, 0);
    v = NULL;
out:
    ms_live_info_free(li);
    ms_verdict_free(v);
    return r;
}

static double now_s(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

int ms_live_run(ms_engine *e, const ms_live_options *lo, ms_report *rep, ms_summary *ret_summary) {
    live_run L = {.e = e, .o = ms_engine_options(e), .lo = lo, .rep = rep, .cancel = lo->cancel,
                  .proc = "/proc", .rootfd = -1, .self = (int)getpid()};
    unsigned n = L.o->threads ? L.o->threads : 1;
    worker_arg *args = calloc(n, sizeof(*args));
    bool begun = false;
    uint8_t *hosts = NULL, *passwd = NULL;
    size_t hosts_len = 0, passwd_len = 0;
    ms_passwd *root_pw = NULL;
    size_t n_root_pw = 0;
    struct timespec t0;
    int r = 0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_mutex_init(&L.lock, NULL);
    pthread_cond_init(&L.exe_cond, NULL);
    pthread_mutex_init(&L.big_lock, NULL);
    atomic_init(&L.mem_total, 0);
    atomic_init(&L.fatal, 0);
    if (!args) {
        r = -ENOMEM;
        goto out;
    }
    L.clk_tck = sysconf(_SC_CLK_TCK);
    L.boot_time = read_boot_time(L.proc);

    const char *root = lo->root && *lo->root ? lo->root : "/";
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        rl--;
    if (!(L.root = strndup(root, rl == 1 && root[0] == '/' ? 0 : rl))) {
        r = -ENOMEM;
        goto out;
    }
    L.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (L.rootfd < 0) {
        r = -errno;
        goto out;
    }
    /* the running system's users name the processes; the root's users
     * say where the homes are */
    int sysroot = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sysroot >= 0) {
        int fd = ms_root_open(sysroot, "etc/passwd", O_RDONLY | O_NONBLOCK);
        close(sysroot);
        if (fd >= 0) {
            bool trunc;
            if (ms_read_fd(fd, 16u << 20, &passwd, &passwd_len, &trunc) == 0 &&
                (r = ms_passwd_parse(passwd, passwd_len, &L.pw, &L.n_pw)) < 0) {
                close(fd);
                goto out;
            }
            close(fd);
            free(passwd);
            passwd = NULL;
        }
    }
    if ((r = root_read(&L, "etc/passwd", 16u << 20, &passwd, &passwd_len)) < 0 ||
        (passwd && (r = ms_passwd_parse(passwd, passwd_len, &root_pw, &n_root_pw)) < 0))
        goto out;
    if ((r = root_read(&L, "etc/hosts", 1u << 20, &hosts, &hosts_len)) < 0 ||
        (hosts && (r = ms_hosts_pool_addrs(hosts, hosts_len, &L.pool_addrs, &L.n_pool_addrs)) < 0))
        goto out;
    if ((r = ms_persist_collect(L.rootfd, root_pw, n_root_pw, &L.items, &L.n_items)) < 0)
        goto out;
    if ((r = collect_jobs(&L)) < 0)
        goto out;

    for (unsigned i = 0; i < n; i++) {
        args[i].L = &L;
        if ((r = ms_worker_new(e, &args[i].w)) < 0)
            goto out;
    }
    if ((r = rep->ops->begin(rep)) < 0)
        goto out;
    begun = true;
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&args[i].tid, NULL, worker_main, &args[i]) != 0)
            break;
        args[i].started = true;
    }
    if (!args[0].started)
        worker_main(&args[0]); /* no thread could start: do the work here */
    for (unsigned i = 0; i < n; i++)
        if (args[i].started)
            pthread_join(args[i].tid, NULL);
    if (!stopped(&L) && (r = host_record(&L)) < 0)
        goto out;

out:
    L.sum.elapsed_s = now_s(&t0);
    L.sum.interrupted = ms_cancelled(lo->cancel);
    if (L.o->sort) {
        ms_sorted_sort(&L.sorted, false);
        for (size_t i = 0; i < L.sorted.n; i++)
            write_one(&L, L.sorted.v[i]);
    }
    ms_sorted_free(&L.sorted);
    if (begun) {
        errno = 0;
        int k = !atomic_load(&L.fatal) ? rep->ops->summary(rep, &L.sum) : 0;
        int k2 = rep->ops->end(rep);
        if (k < 0 || k2 < 0)
            set_fatal(&L, errno > 0 ? -errno : -EIO);
    }
    if (r == 0)
        r = atomic_load(&L.fatal);
    if (ret_summary)
        *ret_summary = L.sum;
    for (unsigned i = 0; args && i < n; i++)
        ms_worker_free(args[i].w);
    free(args);
    for (size_t i = 0; i < L.n_exes; i++)
        ms_verdict_free(L.exes[i].result);
    free(L.exes);
    free(L.files);
    free(L.jobs);
    ms_persist_items_free(L.items, L.n_items);
    free(L.socks);
    free(L.pool_addrs);
    ms_passwd_free(L.pw, L.n_pw);
    ms_passwd_free(root_pw, n_root_pw);
    free(hosts);
    free(passwd);
    free(L.root);
    if (L.rootfd >= 0)
        close(L.rootfd);
    pthread_mutex_destroy(&L.lock);
    pthread_cond_destroy(&L.exe_cond);
    pthread_mutex_destroy(&L.big_lock);
    return r;
}
