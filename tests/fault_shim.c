/*
 * fault_shim.c - an LD_PRELOAD library test_faults.c compiles at test time
 * (cc -shared -fPIC) and runs the minerscan binary under, to see and to
 * steer what it does with files:
 *
 *  MS_SHIM_LOG=FILE     every open()/openat() (all symbol variants, the
 *                       _FORTIFY_SOURCE ones too)
 *                       is appended to FILE as "FLAGS-IN-HEX PATH\n", so a
 *                       test can prove what was never opened, or never
 *                       opened for writing.
 *  MS_SHIM_VANISH=PFX   a file whose base name starts with PFX is unlinked
 *                       just before it is opened: the file "vanishes
 *                       between listing and opening", deterministically.
 *                       Each such unlink is logged as "vanished PATH".
 *  MS_SHIM_SWAP=PFX     an entry whose base name starts with PFX is renamed
 *                       to NAME.moved and a symlink NAME -> NAME.moved put
 *                       in its place just before it is opened: a
 *                       directory swapped for a symlink between listing
 *                       and opening. Logged as "swapped PATH".
 *  MS_SHIM_RENAME=PFX   ... is renamed to NAME.renamed just before it is
 *                       opened (a directory renamed during the walk).
 *                       Logged as "renamed PATH".
 *  MS_SHIM_GROW=PFX     a file whose base name starts with PFX grows by
 *                       64 KiB right after the scanner maps it;
 *  MS_SHIM_SHRINK=PFX   ... is cut to a quarter right after it is mapped,
 *                       so reading the rest of the mapping faults (SIGBUS):
 *                       a file that changes while it is scanned, at the
 *                       worst moment, every time.
 *
 * Inside the hooks files are opened, written and unlinked by raw syscalls,
 * so the shim cannot recurse into itself or into stdio (a log line is
 * built in a malloc'd buffer; malloc does not open files).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void log_line(const char *a, const char *b) {
    const char *log = getenv("MS_SHIM_LOG");
    if (!log)
        return;
    int fd = (int)syscall(SYS_openat, AT_FDCWD, log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    /* one write per line: lines from several threads never interleave */
    size_t la = strlen(a), lb = strlen(b);
    char *buf = malloc(la + lb + 3);
    if (buf) {
        memcpy(buf, a, la);
        buf[la] = ' ';
        memcpy(buf + la + 1, b, lb);
        buf[la + lb + 1] = '\n';
        if (syscall(SYS_write, fd, buf, la + lb + 2) < 0) {
            /* nothing to do: the test will miss the line */
        }
        free(buf);
    }
    syscall(SYS_close, fd);
}

/* fds of files opened whose base name matched MS_SHIM_GROW/SHRINK */
enum { CHANGE_NONE, CHANGE_GROW, CHANGE_SHRINK };
static int change_fd[64];
static int change_how[64];

static bool prefixed(const char *path, const char *env) {
    const char *pfx = getenv(env);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return pfx && *pfx && !strncmp(base, pfx, strlen(pfx));
}

static void note_fd(const char *path, int fd, int flags) {
    int how = prefixed(path, "MS_SHIM_GROW") ? CHANGE_GROW : prefixed(path, "MS_SHIM_SHRINK") ? CHANGE_SHRINK : 0;
    if (!how || fd < 0 || (flags & O_PATH))
        return;
    for (int i = 0; i < 64; i++)
        if (!change_how[i]) {
            change_fd[i] = fd;
            change_how[i] = how;
            return;
        }
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    void *p = (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
    for (int i = 0; fd >= 0 && i < 64; i++) {
        if (!change_how[i] || change_fd[i] != fd)
            continue;
        /* the scanner's fd is read-only: the same file, opened to write */
        char self[64];
        snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
        int w = (int)syscall(SYS_openat, AT_FDCWD, self, O_WRONLY | O_CLOEXEC, 0);
        if (w >= 0 && change_how[i] == CHANGE_GROW) {
            static char tail[64 << 10];
            if (syscall(SYS_pwrite64, w, tail, sizeof(tail), (off_t)len) == (long)sizeof(tail))
                log_line("grown", "after mmap");
        } else if (w >= 0) {
            if (syscall(SYS_ftruncate, w, (off_t)(len / 4)) == 0)
                log_line("shrunk", "after mmap");
        }
        if (w >= 0)
            syscall(SYS_close, w);
        change_how[i] = 0;
    }
    return p;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    return mmap(addr, len, prot, flags, fd, off);
}

/* path renamed to path + suffix (same directory); true if it was */
static bool move_aside(int dirfd, const char *path, const char *suffix, char *to, size_t cap) {
    if (snprintf(to, cap, "%s%s", path, suffix) >= (int)cap)
        return false;
    return syscall(SYS_renameat, dirfd, path, dirfd, to) == 0;
}

static void before_open(int dirfd, const char *path, int flags) {
    char hex[16], to[4096];
    snprintf(hex, sizeof(hex), "%x", (unsigned)flags);
    log_line(hex, path);
    if (prefixed(path, "MS_SHIM_SWAP") && move_aside(dirfd, path, ".moved", to, sizeof(to))) {
        const char *base = strrchr(to, '/');
        if (syscall(SYS_symlinkat, base ? base + 1 : to, dirfd, path) == 0)
            log_line("swapped", path);
    }
    if (prefixed(path, "MS_SHIM_RENAME") && move_aside(dirfd, path, ".renamed", to, sizeof(to)))
        log_line("renamed", path);
    const char *pfx = getenv("MS_SHIM_VANISH");
    if (pfx && *pfx) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (!strncmp(base, pfx, strlen(pfx)) && syscall(SYS_unlinkat, dirfd, path, 0) == 0)
            log_line("vanished", path);
    }
}

static int do_openat(int dirfd, const char *path, int flags, mode_t mode) {
    before_open(dirfd, path, flags);
    int fd = (int)syscall(SYS_openat, dirfd, path, flags, mode);
    note_fd(path, fd, flags);
    return fd;
}

static mode_t get_mode(int flags, va_list ap) {
    return (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t m = get_mode(flags, ap);
    va_end(ap);
    return do_openat(AT_FDCWD, path, flags, m);
}

int open64(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t m = get_mode(flags, ap);
    va_end(ap);
    return do_openat(AT_FDCWD, path, flags, m);
}

int openat(int dirfd, const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t m = get_mode(flags, ap);
    va_end(ap);
    return do_openat(dirfd, path, flags, m);
}

int openat64(int dirfd, const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t m = get_mode(flags, ap);
    va_end(ap);
    return do_openat(dirfd, path, flags, m);
}

/* The _FORTIFY_SOURCE variants, which the build calls where the compiler
 * cannot see that no mode is needed. */
int __open_2(const char *path, int flags) {
    return do_openat(AT_FDCWD, path, flags, 0);
}

int __open64_2(const char *path, int flags) {
    return do_openat(AT_FDCWD, path, flags, 0);
}

int __openat_2(int dirfd, const char *path, int flags) {
    return do_openat(dirfd, path, flags, 0);
}

int __openat64_2(int dirfd, const char *path, int flags) {
    return do_openat(dirfd, path, flags, 0);
}
