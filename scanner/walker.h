/*
 * walker.h - the hardened file-system walker (DESIGN.md "Walker").
 *
 * Walks each root with openat() relative to the parent directory's fd,
 * O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK (+O_NOATIME, falling back on EPERM).
 * Symlinks below a root are not followed unless follow_symlinks; a root
 * that is itself a symlink is followed (the user named it). FIFOs, sockets
 * and devices are reported as skipped and never opened for reading. Pseudo
 * file systems (proc, sysfs, devtmpfs, cgroup, debugfs, tracefs, ...) are
 * recognised by statfs() f_type and skipped. Regular files are opened by
 * the walker, checked with fstat(), and handed to the callback as an fd
 * the callback owns from then on.
 */
#ifndef MS_WALKER_H
#define MS_WALKER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

typedef enum ms_walk_kind {
    MS_WALK_FILE,     /* a regular file, opened: fd >= 0, st valid */
    MS_WALK_SKIPPED,  /* not read: FIFO, socket, device, pseudo fs, ... */
    MS_WALK_ERROR,    /* could not be opened or listed: error < 0 */
    MS_WALK_LIMIT,    /* directory deeper than max_dir_depth */
} ms_walk_kind;

typedef struct ms_walk_entry {
    ms_walk_kind kind;
    const char *path;     /* root + "/" + names, raw bytes */
    size_t path_len;
    int fd;               /* MS_WALK_FILE: owned by the callback */
    const struct stat *st;/* MS_WALK_FILE: fstat of fd; else may be NULL */
    int error;            /* MS_WALK_ERROR: -errno */
    const char *reason;   /* SKIPPED/LIMIT/ERROR: short text ("fifo",
                             "socket", "device", "pseudo file system proc",
                             "symlink loop", "max-dir-depth 4096") */
} ms_walk_entry;

typedef struct ms_walk_options {
    bool one_file_system;
    bool follow_symlinks;
    const char **excludes;    /* fnmatch() globs matched against the full
                                 path and the base name */
    size_t n_excludes;
    unsigned max_dir_depth;
    volatile int *stop;       /* when non-NULL and *stop, the walk ends */
} ms_walk_options;

/* Return MS_CONTINUE, MS_STOP, or < 0 to abort the walk with that error. */
typedef int (*ms_walk_fn)(void *ud, const ms_walk_entry *e);

/* Walk one root. A root that does not exist is reported through the
 * callback as MS_WALK_ERROR (-ENOENT), not as a return value. Returns 0,
 * MS_STOP's propagation as 0, or the negative value a callback returned.
 * Files that vanish between listing and opening are skipped quietly
 * (reported as MS_WALK_SKIPPED with reason "vanished"). */
int ms_walk(const char *root, const ms_walk_options *o, ms_walk_fn fn, void *ud);

/* Text for the pseudo file system f_type, or NULL if it is a normal one. */
const char *ms_pseudo_fs_name(long f_type);

#endif
