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
 *  (built with -DMS_SHIM_ALLOC only; the other hooks never replace the
 *  allocator, which an AddressSanitizer build cannot have preloaded)
 *  MS_SHIM_FAIL_ALLOC=N the Nth call of malloc, calloc, realloc or
 *                       posix_memalign/aligned_alloc in the process (all
 *                       threads, counted from its start) returns NULL with
 *                       errno ENOMEM; only that one. The sweep of
 *                       test_harden.c runs a scan for many N.
 *  MS_SHIM_COUNT_ALLOC=FILE  at exit, the number of those calls is
 *                       written to FILE (how far a sweep has to go), and
 *                       when the Nth call was not failed because it fell
 *                       inside regcomp (below), "skipped" after it.
 *
 * Calls made inside glibc's regcomp() are counted but never failed (when
 * the Nth is one, the first call after it outside regcomp fails instead):
 * glibc 2.36's regcomp frees a block twice when one of its own
 * allocations fails ("double free detected in tcache 2", "double free or
 * corruption"; the sweep found it at two N, through libmagic, which
 * compiles its regex tests while it identifies). That is glibc's bug,
 * not minerscan's; the sweep reports how many N it moved for it. The same
 * for libmagic's calls of vasprintf (see there).
 *
 * The allocator hooks call the next allocator (dlsym RTLD_NEXT: glibc's,
 * or AddressSanitizer's in a sanitizer build), so memory is always freed
 * by the allocator that made it. dlsym itself allocates: those first few
 * calls are served from a static arena and never freed.
 *
 * Inside the hooks files are opened, written and unlinked by raw syscalls,
 * so the shim cannot recurse into itself or into stdio (a log line is
 * built in a malloc'd buffer; malloc does not open files).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
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

#ifdef MS_SHIM_ALLOC /* only in the sweep's build of the shim (test_harden.c) */
/* ---- allocation failure ---- */

static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);
static int (*next_memalign)(void **, size_t, size_t);
static void *(*next_aligned)(size_t, size_t);
static atomic_ulong alloc_calls;
static long fail_at = -1; /* -1: not read yet; 0: never */
static _Thread_local int in_init;
static _Thread_local int in_regcomp;
static atomic_bool skipped;
static atomic_bool pending; /* the Nth fell inside regcomp: fail the next one outside */

/* what dlsym allocates before the hooks know the next allocator */
static _Alignas(16) char arena[65536];
static atomic_size_t arena_used;

static bool in_arena(const void *p) {
    return (const char *)p >= arena && (const char *)p < arena + sizeof(arena);
}

static void *arena_alloc(size_t n) {
    size_t need = (n + 15) & ~(size_t)15;
    size_t at = atomic_fetch_add(&arena_used, need);
    if (at + need > sizeof(arena))
        return NULL;
    return arena + at;
}

static void resolve(void) {
    if (next_malloc || in_init)
        return;
    in_init = 1;
    next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    next_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    next_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    next_aligned = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
    void *m = dlsym(RTLD_NEXT, "malloc");
    const char *e = getenv("MS_SHIM_FAIL_ALLOC");
    fail_at = e && *e ? strtol(e, NULL, 10) : 0;
    next_malloc = (void *(*)(size_t))m;
    in_init = 0;
}

/* Is this the call that fails? */
static bool fail_now(void) {
    unsigned long k = atomic_fetch_add(&alloc_calls, 1) + 1;
    if (fail_at <= 0)
        return false;
    if (k != (unsigned long)fail_at && !atomic_load(&pending))
        return false;
    if (in_regcomp) {
        atomic_store(&skipped, true);
        atomic_store(&pending, true);
        return false;
    }
    bool expected = true;
    if (k != (unsigned long)fail_at && !atomic_compare_exchange_strong(&pending, &expected, false))
        return false;
    return true;
}

void *malloc(size_t n) {
    resolve();
    if (!next_malloc)
        return arena_alloc(n);
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return next_malloc(n);
}

void *calloc(size_t n, size_t size) {
    resolve();
    if (!next_calloc)
        return arena_alloc(n * size); /* the arena is zeroed */
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return next_calloc(n, size);
}

void *realloc(void *p, size_t n) {
    resolve();
    if (in_arena(p)) {
        void *q = malloc(n);
        if (q)
            memcpy(q, p, n); /* the arena block is at least as long as its own size */
        return q;
    }
    if (!next_realloc)
        return NULL;
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return next_realloc(p, n);
}

void free(void *p) {
    if (!p || in_arena(p))
        return;
    resolve();
    if (next_free)
        next_free(p);
}

int posix_memalign(void **ret, size_t align, size_t n) {
    resolve();
    if (fail_now())
        return ENOMEM;
    return next_memalign ? next_memalign(ret, align, n) : ENOMEM;
}

void *aligned_alloc(size_t align, size_t n) {
    resolve();
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return next_aligned ? next_aligned(align, n) : NULL;
}

#include <regex.h>

/* libmagic 5.44's file_vprintf() frees the result pointer when
 * vasprintf() fails, which vasprintf leaves undefined ("free(): invalid
 * pointer"; the sweep found it while libmagic described an ELF). Its
 * vasprintf calls are treated like regcomp's; minerscan's own
 * (ms_xvasprintf) are failed as usual. */
int vasprintf(char **ret, const char *fmt, va_list ap) {
    static int (*next_vasprintf)(char **, const char *, va_list);
    if (!next_vasprintf)
        next_vasprintf = (int (*)(char **, const char *, va_list))dlsym(RTLD_NEXT, "vasprintf");
    Dl_info info;
    bool magic = dladdr(__builtin_return_address(0), &info) && info.dli_fname &&
                 strstr(info.dli_fname, "libmagic");
    in_regcomp += magic;
    int r = next_vasprintf ? next_vasprintf(ret, fmt, ap) : -1;
    in_regcomp -= magic;
    return r;
}

/* what _FORTIFY_SOURCE builds of libmagic (Debian's) call */
int __vasprintf_chk(char **ret, int flag, const char *fmt, va_list ap) {
    static int (*next_chk)(char **, int, const char *, va_list);
    if (!next_chk)
        next_chk = (int (*)(char **, int, const char *, va_list))dlsym(RTLD_NEXT, "__vasprintf_chk");
    Dl_info info;
    bool magic = dladdr(__builtin_return_address(0), &info) && info.dli_fname &&
                 strstr(info.dli_fname, "libmagic");
    in_regcomp += magic;
    int r = next_chk ? next_chk(ret, flag, fmt, ap) : -1;
    in_regcomp -= magic;
    return r;
}

int regcomp(regex_t *re, const char *pattern, int flags) {
    static int (*next_regcomp)(regex_t *, const char *, int);
    if (!next_regcomp)
        next_regcomp = (int (*)(regex_t *, const char *, int))dlsym(RTLD_NEXT, "regcomp");
    in_regcomp++;
    int r = next_regcomp ? next_regcomp(re, pattern, flags) : REG_ESPACE;
    in_regcomp--;
    return r;
}

/* opened before main (so before the scanner's sandbox forbids it) */
static int count_fd = -1;

__attribute__((constructor)) static void count_open(void) {
    const char *path = getenv("MS_SHIM_COUNT_ALLOC");
    if (path)
        count_fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

__attribute__((destructor)) static void count_out(void) {
    if (count_fd < 0)
        return;
    char line[32];
    int n = snprintf(line, sizeof(line), "%lu%s\n", (unsigned long)atomic_load(&alloc_calls),
                     atomic_load(&skipped) ? " skipped" : "");
    if (syscall(SYS_write, count_fd, line, (size_t)n) < 0) {
        /* the sweep will see no count */
    }
    syscall(SYS_close, count_fd);
}

#endif /* MS_SHIM_ALLOC */
