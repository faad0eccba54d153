/*
 * walker.c - the hardened file-system walker (contract in walker.h).
 *
 * Shape: an explicit stack of directory frames, so a deep tree costs heap,
 * never C stack. Entering a directory reads all its names into memory with
 * getdents64() and sorts them (deterministic order, and the directory can
 * be closed while its children are walked). At most MS_WALK_MAX_FDS frames
 * keep their directory fd; when more are open, the oldest ones (never the
 * root's, never the current one) are closed. When a frame is finished and
 * its parent's fd was closed, the parent is reopened with
 * openat(child, "..") and accepted only if dev/ino match what was recorded
 * on the way down; if they do not (the child was reached through a
 * followed symlink, or someone moved the tree), the parent is reopened name
 * by name from the nearest open ancestor, checking dev/ino at every step.
 * Every open is relative to a directory fd, so path length never matters.
 *
 * Opening: directories and files are opened with
 * O_RDONLY|O_CLOEXEC|O_NONBLOCK|O_NOFOLLOW|O_NOATIME (O_DIRECTORY for
 * directories; O_NOATIME dropped and the open retried on EPERM, which the
 * kernel returns when we neither own the file nor have CAP_FOWNER). The
 * type is decided before opening: d_type from getdents, or fstatat
 * (AT_SYMLINK_NOFOLLOW) where the file system does not fill d_type, so
 * FIFOs, sockets and devices are never opened. If an entry is swapped for
 * another type between the listing and the open, O_NONBLOCK keeps a FIFO
 * open from blocking and fstat() of the opened fd catches the change;
 * only a caller with CAP_MKNOD could race a device node in, and even then
 * it is closed without a read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "minerscan.h"
#include "cancel.h"
#include "ms_limits.h"
#include "walker.h"

/* Internal step results: WALK_GO continues, WALK_END ends the walk
 * quietly (stop flag or MS_STOP), < 0 aborts with that error. */
enum { WALK_GO = 0, WALK_END = 1 };

#define DENTS_BUF_SIZE (64 * 1024)
#define TMPFS_MAGIC_NUM 0x01021994UL

/* One name of a directory, as an offset into the frame's name arena. */
typedef struct wname {
    size_t off;
    unsigned char type; /* DT_*, DT_UNKNOWN when the file system does not say */
} wname;

typedef struct wframe {
    int fd;            /* -1 while closed to save fds */
    dev_t dev;
    ino_t ino;
    size_t path_len;   /* length of this directory's path in walker.path */
    size_t name_start; /* where its own name starts in walker.path (frames >= 1) */
    bool via_link;     /* reached through a followed symlink */
    char *arena;       /* the names, NUL-separated */
    wname *names;
    size_t n, next;
} wframe;

typedef struct walker {
    const ms_walk_options *o;
    ms_walk_fn fn;
    void *ud;
    unsigned max_depth;
    char *path; /* the current path, NUL-terminated */
    size_t path_cap;
    wframe *fr;
    size_t depth; /* frames in use; the current directory is fr[depth - 1] */
    size_t cap;
    size_t low;    /* frames 1 .. low-1 have no open fd */
    size_t n_open; /* frame fds open, the root's included */
    dev_t root_dev;
    char *dents;
    char reason[96];
    bool dir_entry; /* the entry being emitted is a directory (emit_dir) */
    bool atime_refused; /* an open without O_NOATIME was needed (EPERM) */
} walker;

/* ---- pseudo file systems ---- */

static const struct {
    unsigned long magic;
    const char *name;
} pseudo_fs[] = {
    {0x9fa0UL, "proc"},
    {0x62656572UL, "sysfs"},
    {0x1cd1UL, "devpts"},
    {0x27e0ebUL, "cgroup"},
    {0x63677270UL, "cgroup2"},
    {0x64626720UL, "debugfs"},
    {0x74726163UL, "tracefs"},
    {0x73636673UL, "securityfs"},
    {0x6165676cUL, "pstore"},
    {0xcafe4a11UL, "bpf"},
    {0x62656570UL, "configfs"},
    {0x65735543UL, "fusectl"},
    {0x19800202UL, "mqueue"},
    {0x958458f6UL, "hugetlbfs"},
    {0x0187UL, "autofs"},
    {0xde5e81e4UL, "efivarfs"},
    {0x42494e4dUL, "binfmt_misc"},
    {0xf97cff8cUL, "selinuxfs"},
    {0x43415d53UL, "smackfs"},
    {0x5a3c69f0UL, "apparmorfs"},
    {0x6e736673UL, "nsfs"},
    {0x67596969UL, "rpc_pipefs"},
    {0x6e667364UL, "nfsd"},
    {0x07655821UL, "resctrl"},
    {0x6c6f6f70UL, "binderfs"},
    {0xabba1974UL, "xenfs"},
    {0x9fa1UL, "openpromfs"},
    {0x9fa2UL, "usbdevfs"},
    {0x62646576UL, "bdev"},
    {0x50495045UL, "pipefs"},
    {0x534f434bUL, "sockfs"},
    {0x09041934UL, "anon_inodefs"},
};

const char *ms_pseudo_fs_name(long f_type) {
    /* f_type is a signed long; magics with the top bit set (bpf, selinuxfs)
     * are negative on 32-bit systems, so compare the low 32 bits. */
    unsigned long m = (unsigned long)f_type & 0xffffffffUL;
    for (size_t i = 0; i < sizeof(pseudo_fs) / sizeof(pseudo_fs[0]); i++)
        if (pseudo_fs[i].magic == m)
            return pseudo_fs[i].name;
    return NULL;
}

/* devtmpfs reports tmpfs's f_type, so the mount table is the only place
 * that tells /dev from /tmp. The mount is matched by its st_dev, which is
 * unique per tmpfs instance; without /proc this answers false and /dev is
 * walked, its device nodes each reported as skipped. */
static bool is_devtmpfs(dev_t dev) {
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char *line = NULL;
    size_t cap = 0;
    bool found = false;
    if (!f)
        return false;
    while (!found && getline(&line, &cap, f) != -1) {
        unsigned maj, mnr;
        char fstype[32];
        if (sscanf(line, "%*s %*s %u:%u", &maj, &mnr) != 2 || maj != major(dev) || mnr != minor(dev))
            continue;
        const char *sep = strstr(line, " - ");
        if (sep && sscanf(sep + 3, "%31s", fstype) == 1)
            found = strcmp(fstype, "devtmpfs") == 0;
        break;
    }
    free(line);
    fclose(f);
    return found;
}

static const char *pseudo_fs_of(int fd, dev_t dev) {
    struct statfs sf;
    if (fstatfs(fd, &sf) < 0)
        return NULL;
    const char *n = ms_pseudo_fs_name((long)sf.f_type);
    if (!n && ((unsigned long)sf.f_type & 0xffffffffUL) == TMPFS_MAGIC_NUM && is_devtmpfs(dev))
        n = "devtmpfs";
    return n;
}

/* ---- small helpers ---- */

static bool stopped(const walker *w) {
    return ms_cancelled(w->o->cancel);
}

static int emit(walker *w, ms_walk_kind kind, size_t len, int fd, const struct stat *st, int error,
                const char *reason) {
    ms_walk_entry e = {
        .kind = kind,
        .is_dir = w->dir_entry,
        .path = w->path,
        .path_len = len,
        .fd = fd,
        .st = st,
        .error = error,
        .reason = reason,
        .root = w->depth == 0,
        .atime_refused = w->atime_refused,
    };
    w->path[len] = '\0';
    int r = w->fn(w->ud, &e);
    if (r < 0)
        return r;
    return r == MS_STOP ? WALK_END : WALK_GO;
}

static int emit_skip(walker *w, size_t len, const char *reason) {
    return emit(w, MS_WALK_SKIPPED, len, -1, NULL, 0, reason);
}

static int emit_errno(walker *w, size_t len, int err) {
    return emit(w, MS_WALK_ERROR, len, -1, NULL, -err, ms_strerror(-err));
}

/* The same, for an entry known to be a directory: the summary counts
 * directories apart from files. */
static int emit_dir(walker *w, ms_walk_kind kind, size_t len, int error, const char *reason) {
    w->dir_entry = true;
    int r = emit(w, kind, len, -1, NULL, error, reason);
    w->dir_entry = false;
    return r;
}

static const char *special_reason(unsigned char type) {
    switch (type) {
    case DT_FIFO:
        return "fifo";
    case DT_SOCK:
        return "socket";
    case DT_CHR:
    case DT_BLK:
        return "device";
    default:
        return "not a regular file";
    }
}

/* Open name below dirfd without following a symlink unless follow, and
 * without touching atime where the kernel allows it: O_NOATIME needs the
 * file's owner or CAP_FOWNER, else EPERM, and the open is retried without
 * it (the access time may then change; w->atime_refused says so once).
 * Returns fd or -errno. */
static int open_at(walker *w, int dirfd, const char *name, bool dir, bool follow) {
    int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (dir ? O_DIRECTORY : 0) |
                (follow ? 0 : O_NOFOLLOW);
    int fd = openat(dirfd, name, flags | O_NOATIME);
    if (fd < 0 && errno == EPERM) {
        fd = openat(dirfd, name, flags);
        if (fd >= 0)
            w->atime_refused = true;
    }
    return fd < 0 ? -errno : fd;
}

static bool same_dir(int fd, const wframe *f) {
    struct stat st;
    return fstat(fd, &st) == 0 && st.st_dev == f->dev && st.st_ino == f->ino;
}

static void close_frame_fd(walker *w, wframe *f) {
    if (f->fd >= 0) {
        close(f->fd);
        f->fd = -1;
        w->n_open--;
    }
}

/* Close the directory fd of the oldest frame that may give it up: not the
 * root's (it anchors reopening) and not the current directory's. */
static void close_oldest(walker *w) {
    size_t top = w->depth - 1;
    for (size_t i = w->low < 1 ? 1 : w->low; i < top; i++) {
        if (w->fr[i].fd >= 0) {
            close_frame_fd(w, &w->fr[i]);
            w->low = i + 1;
            return;
        }
    }
}

/* Out of fds (the caller may hold many, e.g. a queue of opened files):
 * give back every cached ancestor fd. Returns whether anything was freed. */
static bool release_fds(walker *w) {
    bool freed = false;
    if (w->depth < 2)
        return false;
    for (size_t i = 1; i + 1 < w->depth; i++) {
        if (w->fr[i].fd >= 0) {
            close_frame_fd(w, &w->fr[i]);
            freed = true;
        }
    }
    w->low = w->depth - 1;
    return freed;
}

static int open_retry(walker *w, int dirfd, const char *name, bool dir, bool follow) {
    int fd = open_at(w, dirfd, name, dir, follow);
    if ((fd == -EMFILE || fd == -ENFILE) && release_fds(w))
        fd = open_at(w, dirfd, name, dir, follow);
    return fd;
}

/* open_at (retry: with open_retry's fd release) and fstat; the fd, or
 * -errno with nothing left open. */
static int open_stat(walker *w, bool retry, int dirfd, const char *name, bool dir, bool follow,
                     struct stat *st) {
    int fd = retry ? open_retry(w, dirfd, name, dir, follow) : open_at(w, dirfd, name, dir, follow);
    if (fd >= 0 && fstat(fd, st) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

/* Listed, then gone when opened: deleted or renamed while walked. What
 * was there was not read, so it is an error, not a skip (issue 15). */
#define VANISHED "vanished between listing and opening (deleted or renamed during the walk)"

/* The open report (-o) is never an input (walker.h skip_dev/skip_ino). */
static bool is_report(const walker *w, const struct stat *st) {
    return w->o->have_skip && st->st_dev == w->o->skip_dev && st->st_ino == w->o->skip_ino;
}

/* Set the path to base (w->path[0..base)) + separator + name. */
static int path_append(walker *w, size_t base, const char *name, size_t *ret_len) {
    size_t nl = strlen(name), need;
    bool sep = base > 0 && w->path[base - 1] != '/';
    if (ms_add_overflow_size(base, nl, &need) || ms_add_overflow_size(need, (size_t)sep + 1, &need))
        return -ENOMEM;
    if (need > w->path_cap) {
        size_t cap = w->path_cap * 2 > need ? w->path_cap * 2 : need;
        char *p = realloc(w->path, cap);
        if (!p)
            return -ENOMEM;
        w->path = p;
        w->path_cap = cap;
    }
    if (sep)
        w->path[base] = '/';
    memcpy(w->path + base + sep, name, nl + 1);
    *ret_len = base + sep + nl;
    return 0;
}

static bool excluded(const walker *w, const char *name) {
    for (size_t i = 0; i < w->o->n_excludes; i++) {
        const char *g = w->o->excludes[i];
        if (g && (fnmatch(g, w->path, 0) == 0 || fnmatch(g, name, 0) == 0))
            return true;
    }
    return false;
}

/* ---- directories ---- */

static int cmp_name(const void *a, const void *b, void *arena) {
    const char *s = arena;
    return strcmp(s + ((const wname *)a)->off, s + ((const wname *)b)->off);
}

static void free_names(wframe *f) {
    free(f->arena);
    free(f->names);
    f->arena = NULL;
    f->names = NULL;
    f->n = f->next = 0;
}

/* Read every name of the directory fd into f, sorted. On a read error the
 * names read so far are kept and -errno is returned. */
static int read_names(walker *w, int fd, wframe *f) {
    size_t alen = 0, acap = 0, ncap = 0;
    int r = 0;
    for (;;) {
        ssize_t k = getdents64(fd, w->dents, DENTS_BUF_SIZE);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            break;
        }
        if (k == 0)
            break;
        size_t pos = 0, end = (size_t)k, hdr = offsetof(struct dirent64, d_name);
        while (end - pos > hdr) {
            const struct dirent64 *d = (const struct dirent64 *)(void *)(w->dents + pos);
            size_t rl = d->d_reclen;
            if (rl <= hdr || rl > end - pos)
                break;
            pos += rl;
            size_t nl = strnlen(d->d_name, rl - hdr);
            if (nl == rl - hdr || nl == 0)
                continue;
            if (d->d_name[0] == '.' && (nl == 1 || (nl == 2 && d->d_name[1] == '.')))
                continue;
            if (acap - alen < nl + 1) {
                size_t c = acap ? acap : 4096;
                while (c - alen < nl + 1)
                    if (ms_mul_overflow_size(c, 2, &c)) {
                        r = -ENOMEM;
                        goto out;
                    }
                char *a = realloc(f->arena, c);
                if (!a) {
                    r = -ENOMEM;
                    goto out;
                }
                f->arena = a;
                acap = c;
            }
            if (f->n == ncap) {
                size_t c = ncap ? ncap * 2 : 64, bytes;
                if (ms_mul_overflow_size(c, sizeof(wname), &bytes)) {
                    r = -ENOMEM;
                    goto out;
                }
                wname *v = realloc(f->names, bytes);
                if (!v) {
                    r = -ENOMEM;
                    goto out;
                }
                f->names = v;
                ncap = c;
            }
            memcpy(f->arena + alen, d->d_name, nl + 1);
            f->names[f->n++] = (wname){.off = alen, .type = d->d_type};
            alen += nl + 1;
        }
    }
out:
    if (f->n > 1)
        qsort_r(f->names, f->n, sizeof(wname), cmp_name, f->arena);
    return r;
}

/* Push the directory open at fd (its path is w->path[0..len)). Takes fd. */
static int push(walker *w, int fd, const struct stat *st, size_t len, size_t name_start,
                bool via_link) {
    if (w->depth == w->cap) {
        size_t c = w->cap ? w->cap * 2 : 64, bytes;
        wframe *v = NULL;
        if (!ms_mul_overflow_size(c, sizeof(wframe), &bytes))
            v = realloc(w->fr, bytes);
        if (!v) {
            close(fd);
            return -ENOMEM;
        }
        w->fr = v;
        w->cap = c;
    }
    wframe *f = &w->fr[w->depth];
    *f = (wframe){
        .fd = fd,
        .dev = st->st_dev,
        .ino = st->st_ino,
        .path_len = len,
        .name_start = name_start,
        .via_link = via_link,
    };
    w->depth++;
    w->n_open++;
    if (w->depth - 1 < w->low)
        w->low = w->depth - 1;
    /* a listing cut short (an I/O error, or no memory for a directory of
     * millions of names) is that directory's error record; what was read
     * of it is walked */
    int r = read_names(w, fd, f);
    if (r < 0 && (r = emit_errno(w, len, -r)) != WALK_GO)
        return r;
    if (w->n_open > MS_WALK_MAX_FDS)
        close_oldest(w);
    return WALK_GO;
}

/* Why an object on device dev, reached from a directory on parent_dev
 * (NULL for a root), is not to be walked or read: a pseudo file system
 * (looked up where the device changes, the only place the type can) or,
 * with --one-file-system, another file system. Returns NULL if none. fd
 * may be an O_PATH descriptor. */
static const char *fs_skip_reason(walker *w, int fd, dev_t dev, const dev_t *parent_dev) {
    if (!parent_dev || dev != *parent_dev) {
        const char *ps = pseudo_fs_of(fd, dev);
        if (ps) {
            snprintf(w->reason, sizeof(w->reason), "pseudo file system %s", ps);
            return w->reason;
        }
    }
    if (parent_dev && w->o->one_file_system && dev != w->root_dev)
        return "other file system";
    return NULL;
}

/* The same for a file before it is opened: opening some files on /proc is
 * itself an action (/proc/kmsg takes the kernel's messages), so the check
 * goes through an O_PATH descriptor, which opens nothing. A file on its
 * directory's device needs no check. */
static const char *file_skip_reason(walker *w, int dirfd, const char *name, dev_t dev,
                                    const dev_t *parent_dev) {
    if (parent_dev && dev == *parent_dev)
        return NULL;
    int fd = openat(dirfd, name, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return NULL; /* the open that follows says what is wrong */
    const char *why = fs_skip_reason(w, fd, dev, parent_dev);
    close(fd);
    return why;
}

/* Checks on a directory about to be entered. Returns the reason to skip
 * it, or NULL. parent_dev is NULL for a root. */
static const char *dir_skip_reason(walker *w, int fd, const struct stat *st, const dev_t *parent_dev,
                                   bool via_link) {
    const char *why = fs_skip_reason(w, fd, st->st_dev, parent_dev);
    if (why)
        return why;
    /* Only a followed symlink or a bind mount can lead back to an ancestor;
     * it was a symlink if one was followed anywhere on the way round. */
    for (size_t i = 0; i < w->depth; i++) {
        if (w->fr[i].dev != st->st_dev || w->fr[i].ino != st->st_ino)
            continue;
        for (size_t k = i + 1; k < w->depth && !via_link; k++)
            via_link = w->fr[k].via_link;
        return via_link ? "symlink loop" : "directory loop";
    }
    return NULL;
}

static int visit(walker *w, const char *name, unsigned char type, size_t len, unsigned tries);

static int visit_dir(walker *w, const char *name, size_t len, bool via_link, unsigned tries) {
    size_t pi = w->depth - 1;
    if (w->depth > w->max_depth) {
        snprintf(w->reason, sizeof(w->reason), "max-dir-depth %u", w->max_depth);
        return emit_dir(w, MS_WALK_LIMIT, len, 0, w->reason);
    }
    struct stat st;
    int fd = open_stat(w, true, w->fr[pi].fd, name, true, via_link, &st);
    if (fd < 0) {
        if (fd == -ENOENT)
            return emit_dir(w, MS_WALK_ERROR, len, -ENOENT, VANISHED);
        if (fd == -ENOTDIR || (fd == -ELOOP && !via_link))
            return visit(w, name, DT_UNKNOWN, len, tries + 1); /* replaced since listed */
        if (fd == -ELOOP)
            return emit_dir(w, MS_WALK_SKIPPED, len, 0, "symlink loop");
        return emit_dir(w, MS_WALK_ERROR, len, fd, ms_strerror(fd));
    }
    const char *why = dir_skip_reason(w, fd, &st, &w->fr[pi].dev, via_link);
    if (why) {
        close(fd);
        return emit_dir(w, MS_WALK_SKIPPED, len, 0, why);
    }
    return push(w, fd, &st, len, len - strlen(name), via_link);
}

static int visit_file(walker *w, const char *name, size_t len, bool via_link, unsigned tries) {
    struct stat st;
    int fd = open_stat(w, true, w->fr[w->depth - 1].fd, name, false, via_link, &st);
    if (fd < 0) {
        if (fd == -ENOENT)
            return emit(w, MS_WALK_ERROR, len, -1, NULL, -ENOENT, VANISHED);
        if (fd == -ELOOP && !via_link)
            return visit(w, name, DT_UNKNOWN, len, tries + 1); /* now a symlink */
        if (fd == -ELOOP)
            return emit_skip(w, len, "symlink loop");
        if (fd == -ENXIO)
            return visit(w, name, DT_UNKNOWN, len, tries + 1); /* now a socket */
        return emit_errno(w, len, -fd);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return visit(w, name, DT_UNKNOWN, len, tries + 1);
    }
    if (is_report(w, &st)) {
        close(fd);
        return emit_skip(w, len, "the report being written");
    }
    return emit(w, MS_WALK_FILE, len, fd, &st, 0, NULL);
}

/* One name of the current directory; its path is w->path[0..len). */
static int visit(walker *w, const char *name, unsigned char type, size_t len, unsigned tries) {
    int pfd = w->fr[w->depth - 1].fd;
    bool via_link = false;
    struct stat st;

    /* An entry that keeps changing type under us is not worth chasing. */
    if (tries > 2)
        return emit(w, MS_WALK_ERROR, len, -1, NULL, -ESTALE, "changed during walk");
    if (type == DT_UNKNOWN) {
        if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return errno == ENOENT ? emit(w, MS_WALK_ERROR, len, -1, NULL, -ENOENT, VANISHED)
                                   : emit_errno(w, len, errno);
        type = IFTODT(st.st_mode);
    }
    if (type == DT_LNK) {
        /* listed as something else, a symlink when opened: what was
         * listed is not there to read (issue 15: a directory swapped for
         * a symlink left no record) */
        if (tries > 0 && !w->o->follow_symlinks)
            return emit(w, MS_WALK_ERROR, len, -1, NULL, -ESTALE,
                        "changed during walk: replaced by a symlink, not followed");
        if (!w->o->follow_symlinks)
            return WALK_GO;
        if (fstatat(pfd, name, &st, 0) < 0) {
            if (errno == ELOOP)
                return emit_skip(w, len, "symlink loop");
            if (errno == ENOENT)
                return WALK_GO; /* dangling, or gone: a link to nothing is nothing */
            return emit_errno(w, len, errno);
        }
        via_link = true;
        type = IFTODT(st.st_mode);
        if (type == DT_REG) {
            const char *why = file_skip_reason(w, pfd, name, st.st_dev, &w->fr[w->depth - 1].dev);
            if (why)
                return emit_skip(w, len, why);
        }
    }
    switch (type) {
    case DT_REG:
        return visit_file(w, name, len, via_link, tries);
    case DT_DIR:
        return visit_dir(w, name, len, via_link, tries);
    default:
        return emit_skip(w, len, special_reason(type));
    }
}

/* Reopen frame p from the nearest ancestor with an open fd, one name at a
 * time, each step checked by dev/ino. Returns the fd, -ESTALE if the path
 * no longer leads there, or the open's -errno (EMFILE, EACCES...). */
static int reopen_by_names(walker *w, size_t p) {
    size_t j = p;
    while (j > 0 && w->fr[j - 1].fd < 0)
        j--;
    if (j == 0)
        return -ESTALE; /* cannot happen: the root frame stays open */
    int cur = w->fr[j - 1].fd;
    bool own = false;
    for (size_t k = j; k <= p; k++) {
        const wframe *g = &w->fr[k];
        char name[NAME_MAX + 1];
        size_t nl = g->path_len - g->name_start;
        if (nl == 0 || nl > NAME_MAX)
            goto fail;
        memcpy(name, w->path + g->name_start, nl);
        name[nl] = '\0';
        int fd = open_at(w, cur, name, true, g->via_link);
        if (own)
            close(cur);
        own = false;
        if (fd < 0)
            return fd == -ENOENT || fd == -ENOTDIR ? -ESTALE : fd;
        cur = fd;
        own = true;
        if (!same_dir(cur, g))
            goto fail;
    }
    return cur;
fail:
    if (own)
        close(cur);
    return -ESTALE;
}

/* Leave the current directory. Its parent becomes current, so the parent
 * gets its fd back if it had given it up. */
static int pop(walker *w) {
    size_t c = w->depth - 1;
    int cfd = w->fr[c].fd;
    bool c_link = w->fr[c].via_link;
    int r = WALK_GO;

    free_names(&w->fr[c]);
    w->depth--;
    if (w->depth > 0 && w->fr[c - 1].fd < 0) {
        wframe *p = &w->fr[c - 1];
        int fd = -1;
        if (cfd >= 0 && !c_link) {
            fd = open_at(w, cfd, "..", true, true);
            if (fd >= 0 && !same_dir(fd, p)) {
                close(fd);
                fd = -1;
            }
        }
        /* A parent with nothing left to visit does not need its fd. */
        if (fd < 0 && p->next < p->n)
            fd = reopen_by_names(w, c - 1);
        if (fd >= 0) {
            p->fd = fd;
            w->n_open++;
            if (c - 1 < w->low)
                w->low = c - 1;
        } else if (p->next < p->n) {
            p->next = p->n;
            r = fd == -ESTALE || fd == -1
                    ? emit_dir(w, MS_WALK_ERROR, p->path_len, -ESTALE, "directory moved during walk")
                    : emit_dir(w, MS_WALK_ERROR, p->path_len, fd, ms_strerror(fd));
        }
    }
    if (cfd >= 0) {
        close(cfd);
        w->n_open--;
    }
    w->fr[c].fd = -1;
    return r;
}

static int walk_tree(walker *w) {
    while (w->depth > 0) {
        wframe *f = &w->fr[w->depth - 1];
        if (f->next >= f->n) {
            int r = pop(w);
            if (r != WALK_GO)
                return r;
            continue;
        }
        if (stopped(w))
            return WALK_END;
        const wname *nm = &f->names[f->next++];
        const char *name = f->arena + nm->off;
        size_t len;
        int r = path_append(w, f->path_len, name, &len);
        if (r < 0)
            return r;
        if (excluded(w, name))
            continue;
        /* visit() may grow w->fr and move f; it reads the parent by index */
        if ((r = visit(w, name, nm->type, len, 0)) != WALK_GO)
            return r;
    }
    return WALK_GO;
}

static int walk_root(walker *w, const char *root) {
    size_t len = strlen(root);
    struct stat st;
    int fd = -1, r;

    if ((r = path_append(w, 0, root, &len)) < 0)
        return r;
    if (stopped(w))
        return WALK_END;
    if (len == 0)
        return emit_errno(w, len, ENOENT);
    /* The user named the root: a symlink there is followed. */
    if (stat(root, &st) < 0)
        return emit_errno(w, len, errno);
    if (S_ISREG(st.st_mode)) {
        /* Reading a file on /proc or /sys can block or have side effects. */
        const char *why = file_skip_reason(w, AT_FDCWD, root, st.st_dev, NULL);
        if (why)
            return emit_skip(w, len, why);
        if ((fd = open_stat(w, false, AT_FDCWD, root, false, true, &st)) < 0)
            return fd == -ENOENT ? emit(w, MS_WALK_ERROR, len, -1, NULL, -ENOENT, VANISHED)
                                 : emit_errno(w, len, -fd);
        if (!S_ISREG(st.st_mode)) {
            close(fd);
            return emit_skip(w, len, special_reason(IFTODT(st.st_mode)));
        }
        if (is_report(w, &st)) {
            close(fd);
            return emit_skip(w, len, "the report being written");
        }
        return emit(w, MS_WALK_FILE, len, fd, &st, 0, NULL);
    }
    if (!S_ISDIR(st.st_mode))
        return emit_skip(w, len, special_reason(IFTODT(st.st_mode)));
    if ((fd = open_stat(w, false, AT_FDCWD, root, true, true, &st)) < 0)
        return fd == -ENOENT ? emit_dir(w, MS_WALK_ERROR, len, -ENOENT, VANISHED)
                             : emit_dir(w, MS_WALK_ERROR, len, fd, ms_strerror(fd));
    w->root_dev = st.st_dev;
    const char *why = dir_skip_reason(w, fd, &st, NULL, false);
    if (why) {
        close(fd);
        return emit_dir(w, MS_WALK_SKIPPED, len, 0, why);
    }
    if ((r = push(w, fd, &st, len, 0, false)) != WALK_GO)
        return r;
    return walk_tree(w);
}

int ms_walk(const char *root, const ms_walk_options *o, ms_walk_fn fn, void *ud) {
    static const ms_walk_options defaults;
    walker w = {
        .o = o ? o : &defaults,
        .fn = fn,
        .ud = ud,
        .low = 1,
    };
    int r;

    if (!root || !fn)
        return -EINVAL;
    w.max_depth = w.o->max_dir_depth ? w.o->max_dir_depth : MS_DEFAULT_MAX_DIR_DEPTH;
    if (!(w.dents = malloc(DENTS_BUF_SIZE)) || !(w.path = malloc(w.path_cap = 4096))) {
        r = -ENOMEM;
        goto out;
    }
    w.path[0] = '\0';
    r = walk_root(&w, root);
out:
    for (size_t i = 0; i < w.depth; i++) {
        if (w.fr[i].fd >= 0)
            close(w.fr[i].fd);
        free_names(&w.fr[i]);
    }
    free(w.fr);
    free(w.path);
    free(w.dents);
    return r < 0 ? r : 0;
}
