/*
 * live_proc.c - process collectors and /proc parsers (live_proc.h).
 */
#include "live_proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "minerscan.h"

/* The kernel's PID_MAX_LIMIT on 64-bit. */
#define MS_PID_MAX_LIMIT 4194304

/* Open files of one process looked at for sockets: a server with more
 * than this many is not a miner's process, and its sockets past the cap
 * are not tied to it. */
#define MS_LIVE_MAX_FDS 65536

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

bool ms_pid_listed(const int *pids, size_t n, int pid) {
    return n && bsearch(&pid, pids, n, sizeof(*pids), cmp_int) != NULL;
}

/* A decimal pid from a directory entry name; 0 if it is not one. */
static int name_pid(const char *s) {
    long v = 0;
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (*s - '0');
        if (v > MS_PID_MAX_LIMIT)
            return 0;
    }
    return (int)v;
}

static int push_int(int **v, size_t *n, size_t *cap, int x) {
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        int *nv = realloc(*v, c * sizeof(*nv));
        if (!nv)
            return -ENOMEM;
        *v = nv;
        *cap = c;
    }
    (*v)[(*n)++] = x;
    return 0;
}

/* struct linux_dirent64 (getdents64(2)): d_ino, d_off, d_reclen, d_type,
 * then the NUL-terminated name; d_reclen is the whole record's size. */
struct ms_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static int list_getdents(const char *proc, int **pids, size_t *n, size_t *cap) {
    char buf[32768];
    int r = 0;
    int fd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    for (;;) {
        long k = syscall(SYS_getdents64, fd, buf, sizeof(buf));
        if (k < 0) {
            r = -errno;
            goto out;
        }
        if (k == 0)
            break;
        for (long off = 0; off < k;) {
            const struct ms_dirent64 *d = (const void *)(buf + off);
            size_t hdr = offsetof(struct ms_dirent64, d_name);
            if (d->d_reclen < hdr + 1 || off + d->d_reclen > k)
                break; /* the kernel never does this; do not read past it */
            size_t room = d->d_reclen - hdr;
            int pid = memchr(d->d_name, '\0', room) ? name_pid(d->d_name) : 0;
            if (pid > 0 && (r = push_int(pids, n, cap, pid)) < 0)
                goto out;
            off += d->d_reclen;
        }
    }
out:
    close(fd);
    return r;
}

static int list_readdir(const char *proc, int **pids, size_t *n, size_t *cap) {
    DIR *d = opendir(proc);
    int r = 0;
    if (!d)
        return -errno;
    for (struct dirent *e; (e = readdir(d));) {
        int pid = name_pid(e->d_name);
        if (pid > 0 && (r = push_int(pids, n, cap, pid)) < 0)
            break;
    }
    closedir(d);
    return r;
}

int ms_proc_list(const char *proc, bool use_readdir, int **ret, size_t *ret_n) {
    int *pids = NULL;
    size_t n = 0, cap = 0;
    int r = use_readdir ? list_readdir(proc, &pids, &n, &cap) : list_getdents(proc, &pids, &n, &cap);
    if (r < 0) {
        free(pids);
        return r;
    }
    qsort(pids, n, sizeof(*pids), cmp_int);
    *ret = pids;
    *ret_n = n;
    return 0;
}

int ms_proc_pid_max(const char *proc) {
    char path[4096], buf[32];
    int v = 32768;
    snprintf(path, sizeof(path), "%s/sys/kernel/pid_max", proc);
    FILE *f = fopen(path, "re");
    if (!f)
        return v;
    if (fgets(buf, sizeof(buf), f)) {
        long x = strtol(buf, NULL, 10);
        if (x > 0)
            v = x > MS_PID_MAX_LIMIT ? MS_PID_MAX_LIMIT : (int)x;
    }
    fclose(f);
    return v;
}

/* Is pid a thread of another process (Tgid differs)? */
static bool is_other_thread(const char *proc, int pid) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/%d", proc, pid);
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return false;
    uint8_t *buf = NULL;
    size_t len = 0;
    bool trunc, other = false;
    if (ms_read_small(dfd, "status", 16384, &buf, &len, &trunc) == 0) {
        long uid;
        int tgid;
        ms_proc_parse_status((const char *)buf, len, &uid, &tgid);
        other = tgid > 0 && tgid != pid;
    }
    free(buf);
    close(dfd);
    return other;
}

int ms_proc_probe_unlisted(const char *proc, const int *listed, size_t n_listed, int pid_max,
                           int **ret, size_t *ret_n) {
    int *out = NULL;
    size_t n = 0, cap = 0;
    int self = (int)getpid(), r = 0;
    char path[4096];

    for (int pid = 1; pid <= pid_max; pid++) {
        if (pid == self || ms_pid_listed(listed, n_listed, pid))
            continue;
        if (kill(pid, 0) < 0 && errno != EPERM)
            continue;
        struct stat st;
        snprintf(path, sizeof(path), "%s/%d", proc, pid);
        if (stat(path, &st) < 0)
            continue;
        /* every thread id answers kill() and has a /proc entry of its own
         * that the listing leaves out: only thread group leaders count */
        if (is_other_thread(proc, pid))
            continue;
        if ((r = push_int(&out, &n, &cap, pid)) < 0) {
            free(out);
            return r;
        }
    }
    *ret = out;
    *ret_n = n;
    return 0;
}

int ms_proc_parse_stat(const char *buf, size_t len, ms_proc_stat *ret) {
    ms_proc_stat s = {0};
    const char *open_paren = memchr(buf, '(', len), *close_paren = NULL;
    char tmp[512];

    if (!open_paren)
        return MS_E_CORRUPT;
    for (size_t i = len; i > 0; i--)
        if (buf[i - 1] == ')') {
            close_paren = buf + i - 1;
            break;
        }
    if (!close_paren || close_paren < open_paren)
        return MS_E_CORRUPT;
    long pid = strtol(buf, NULL, 10);
    if (pid <= 0 || pid > MS_PID_MAX_LIMIT)
        return MS_E_CORRUPT;
    s.pid = (int)pid;
    size_t cl = (size_t)(close_paren - open_paren - 1);
    if (cl >= sizeof(s.comm))
        cl = sizeof(s.comm) - 1;
    memcpy(s.comm, open_paren + 1, cl);
    s.comm[cl] = '\0';

    /* the fields after the name, as one NUL-terminated copy */
    size_t rest = len - (size_t)(close_paren + 1 - buf);
    if (rest >= sizeof(tmp))
        rest = sizeof(tmp) - 1;
    memcpy(tmp, close_paren + 1, rest);
    tmp[rest] = '\0';
    char *save = NULL, *tok = strtok_r(tmp, " \n", &save);
    /* field 3 (state) is the first after the name */
    for (int field = 3; tok && field <= 22; field++, tok = strtok_r(NULL, " \n", &save)) {
        switch (field) {
        case 3: s.state = tok[0]; break;
        case 4: s.ppid = (int)strtol(tok, NULL, 10); break;
        case 9: s.flags = strtoul(tok, NULL, 10); break;
        case 14: s.utime = strtoull(tok, NULL, 10); break;
        case 15: s.stime = strtoull(tok, NULL, 10); break;
        case 22:
            s.starttime = strtoull(tok, NULL, 10);
            *ret = s;
            return 0;
        default: break;
        }
    }
    return MS_E_CORRUPT;
}

void ms_proc_parse_status(const char *buf, size_t len, long *ret_uid, int *ret_tgid) {
    const char *p = buf, *end = buf + len;
    *ret_uid = -1;
    *ret_tgid = -1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char line[128];
        size_t c = l < sizeof(line) - 1 ? l : sizeof(line) - 1;
        memcpy(line, p, c);
        line[c] = '\0';
        if (!strncmp(line, "Uid:", 4)) {
            char *e = NULL;
            long u = strtol(line + 4, &e, 10);
            if (e != line + 4 && u >= 0)
                *ret_uid = u;
        } else if (!strncmp(line, "Tgid:", 5)) {
            char *e = NULL;
            long t = strtol(line + 5, &e, 10);
            if (e != line + 5 && t > 0 && t <= MS_PID_MAX_LIMIT)
                *ret_tgid = (int)t;
        }
        p += l + (nl ? 1 : 0);
    }
}

static bool parse_hex(const char **p, const char *end, uint64_t *ret) {
    uint64_t v = 0;
    const char *s = *p;
    int digits = 0;
    for (; s < end; s++) {
        int d = (*s >= '0' && *s <= '9')   ? *s - '0'
                : (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10
                : (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10
                                           : -1;
        if (d < 0)
            break;
        if (++digits > 16)
            return false;
        v = v << 4 | (uint64_t)d;
    }
    if (!digits)
        return false;
    *p = s;
    *ret = v;
    return true;
}

static bool expect(const char **p, const char *end, char c) {
    if (*p >= end || **p != c)
        return false;
    (*p)++;
    return true;
}

static void skip_blanks(const char **p, const char *end) {
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
}

int ms_map_parse_line(const char *line, size_t len, ms_map *ret) {
    const char *p = line, *end = line + len;
    ms_map m = {0};
    uint64_t maj, min;
    static const char deleted[] = " (deleted)";

    while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    if (!parse_hex(&p, end, &m.start) || !expect(&p, end, '-') || !parse_hex(&p, end, &m.end) ||
        m.end < m.start || !expect(&p, end, ' ') || end - p < 4)
        return MS_E_CORRUPT;
    memcpy(m.perms, p, 4);
    m.perms[4] = '\0';
    p += 4;
    if (!expect(&p, end, ' ') || !parse_hex(&p, end, &m.offset) || !expect(&p, end, ' ') ||
        !parse_hex(&p, end, &maj) || !expect(&p, end, ':') || !parse_hex(&p, end, &min) ||
        !expect(&p, end, ' ') || maj > 0xfff || min > 0xfffff)
        return MS_E_CORRUPT;
    m.dev_major = (unsigned)maj;
    m.dev_minor = (unsigned)min;
    uint64_t ino = 0;
    const char *d0 = p;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        if (ino > (UINT64_MAX - 9) / 10)
            return MS_E_CORRUPT;
        ino = ino * 10 + (uint64_t)(*p - '0');
    }
    if (p == d0)
        return MS_E_CORRUPT;
    m.inode = ino;
    skip_blanks(&p, end);
    size_t pl = (size_t)(end - p);
    if (pl) {
        if (pl > sizeof(deleted) - 1 && !memcmp(end - (sizeof(deleted) - 1), deleted, sizeof(deleted) - 1)) {
            m.deleted = true;
            pl -= sizeof(deleted) - 1;
        }
        if (!(m.path = malloc(pl + 1)))
            return -ENOMEM;
        memcpy(m.path, p, pl);
        m.path[pl] = '\0';
    }
    *ret = m;
    return 0;
}

void ms_map_clear(ms_map *m) {
    if (!m)
        return;
    free(m->path);
    m->path = NULL;
}

ms_map_choice ms_map_choose(const ms_map *m) {
    if (m->perms[0] != 'r')
        return MS_MAP_SKIP_UNREADABLE;
    if (!m->path)
        return MS_MAP_SCAN;
    if (m->path[0] == '[') {
        /* [heap], [stack], [anon:NAME] are the process's own memory */
        if (!strncmp(m->path, "[v", 2) || !strncmp(m->path, "[uprobes]", 9))
            return MS_MAP_SKIP_KERNEL;
        return MS_MAP_SCAN;
    }
    if (!strncmp(m->path, "/dev/", 5) && strncmp(m->path, "/dev/shm/", 9) &&
        strcmp(m->path, "/dev/zero"))
        return MS_MAP_SKIP_DEVICE;
    /* memfd, SysV shared memory and deleted files exist nowhere else */
    if (m->deleted)
        return MS_MAP_SCAN;
    /* a private writable mapping may have been changed (a program's data) */
    if (m->perms[1] == 'w' && m->perms[3] == 'p')
        return MS_MAP_SCAN;
    return MS_MAP_SKIP_FILE;
}

int ms_read_fd(int fd, size_t cap, uint8_t **ret, size_t *ret_len, bool *ret_truncated) {
    uint8_t *buf = NULL;
    size_t len = 0, bcap = 0;
    bool truncated = false;
    int r = 0;
    struct stat st;

    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EINVAL; /* a FIFO or device where a file was expected */
    for (;;) {
        if (len == bcap) {
            if (bcap >= cap + 1) {
                truncated = true;
                break;
            }
            size_t nc = bcap ? bcap * 2 : 4096;
            if (nc > cap + 1)
                nc = cap + 1;
            uint8_t *nb = realloc(buf, nc + 1);
            if (!nb) {
                r = -ENOMEM;
                goto out;
            }
            buf = nb;
            bcap = nc;
        }
        ssize_t k = read(fd, buf + len, bcap - len);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            goto out;
        }
        if (k == 0)
            break;
        len += (size_t)k;
    }
    if (len > cap) {
        len = cap;
        truncated = true;
    }
    if (!buf && !(buf = malloc(1))) {
        r = -ENOMEM;
        goto out;
    }
    buf[len] = '\0';
out:
    if (r < 0) {
        free(buf);
        return r;
    }
    *ret = buf;
    *ret_len = len;
    *ret_truncated = truncated;
    return 0;
}

int ms_read_small(int dirfd, const char *name, size_t cap, uint8_t **ret, size_t *ret_len,
                  bool *ret_truncated) {
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    int r = ms_read_fd(fd, cap, ret, ret_len, ret_truncated);
    close(fd);
    return r;
}

int ms_proc_socket_inodes(int piddir, uint64_t **ret, size_t *ret_n) {
    int fd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    uint64_t *v = NULL;
    size_t n = 0, cap = 0, seen = 0;
    int r = 0;
    if (fd < 0)
        return -errno;
    DIR *d = fdopendir(fd);
    if (!d) {
        r = -errno;
        close(fd);
        return r;
    }
    for (struct dirent *e; (e = readdir(d)) && seen < MS_LIVE_MAX_FDS;) {
        char link[64];
        if (e->d_name[0] == '.')
            continue;
        seen++;
        ssize_t k = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
        if (k <= 0)
            continue;
        link[k] = '\0';
        if (strncmp(link, "socket:[", 8))
            continue;
        char *end = NULL;
        unsigned long long ino = strtoull(link + 8, &end, 10);
        if (!end || *end != ']')
            continue;
        if (n == cap) {
            size_t c = cap ? cap * 2 : 16;
            uint64_t *nv = realloc(v, c * sizeof(*nv));
            if (!nv) {
                r = -ENOMEM;
                break;
            }
            v = nv;
            cap = c;
        }
        v[n++] = ino;
    }
    closedir(d);
    if (r < 0) {
        free(v);
        return r;
    }
    *ret = v;
    *ret_n = n;
    return 0;
}

int ms_proc_read_mem(int memfd, uint64_t start, size_t len, uint8_t *buf, size_t *ret_len) {
    size_t got = 0;
    int err = 0;
    while (got < len) {
        size_t want = len - got;
        if (want > (1u << 20))
            want = 1u << 20;
        if (start + got > (uint64_t)INT64_MAX) {
            err = -EINVAL;
            break;
        }
        ssize_t k = pread(memfd, buf + got, want, (off_t)(start + got));
        if (k < 0) {
            if (errno == EINTR)
                continue;
            err = -errno;
            break;
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    if (got == 0 && err < 0)
        return err;
    *ret_len = got;
    return 0;
}
