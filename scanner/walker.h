/*
 * walker.h - the hardened file-system walker (DESIGN.md "Walker").
 *
 * Walks each root with openat() relative to the parent directory's fd,
 * O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK (+O_NOATIME, falling back on EPERM), so
 * paths longer than PATH_MAX work and access times are kept. Symlinks below
 * a root are not followed (and not reported) unless follow_symlinks; a root
 * that is itself a symlink is followed (the user named it). FIFOs, sockets
 * and devices are reported as skipped and never opened. Pseudo file systems
 * (proc, sysfs, devtmpfs, cgroup, debugfs, tracefs, ...) are recognised by
 * statfs() f_type and reported once, not entered (a root that is a file on
 * one is not read either: /proc/kmsg blocks). Regular files are opened
 * by the walker, checked with fstat(), and handed to the callback as an fd
 * the callback owns from then on.
 *
 * Order: the names of each directory are sorted with strcmp(), so two walks
 * of the same tree report the same entries in the same order. Paths are the
 * root as given + "/" + names (no "/" added after a root ending in "/"),
 * raw bytes, NUL-terminated.
 *
 * Resources: iterative (no recursion on the C stack), at most
 * MS_WALK_MAX_FDS directory fds open at a time whatever the depth, and on
 * EMFILE the cached ones are given back before an open is reported failed.
 * Memory is the names of the directories on the current branch.
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
    int fd;               /* MS_WALK_FILE: owned by the callback, which
                             must close it whatever it returns; else -1 */
    const struct stat *st;/* MS_WALK_FILE: fstat of fd; else NULL (so a
                             skipped directory adds no bytes) */
    int error;            /* MS_WALK_ERROR: -errno */
    bool is_dir;          /* SKIPPED/LIMIT/ERROR on a directory */
    bool root;            /* the entry is the root itself (a path the user
                             named), not something found below it */
    bool atime_refused;   /* some open of this walk so far could not use
                             O_NOATIME (not the owner, no CAP_FOWNER), so
                             access times may have changed */
    const char *reason;   /* SKIPPED/LIMIT/ERROR: short text, valid during
                             the call only. SKIPPED: "fifo", "socket",
                             "device", "pseudo file system proc", "other
                             file system", "symlink loop", "directory loop"
                             (a bind mount of an ancestor), "the report
                             being written". LIMIT: "max-dir-depth N".
                             ERROR: strerror() text, "vanished between
                             listing and opening ...", "changed during
                             walk...", "directory moved during walk". */
} ms_walk_entry;

typedef struct ms_walk_options {
    bool one_file_system;
    bool follow_symlinks;
    const char **excludes;    /* fnmatch() globs (flags 0) matched against
                                 the full path and the base name of every
                                 entry below a root; a match produces no
                                 entry and is not descended into. Roots
                                 themselves are never excluded. */
    size_t n_excludes;
    unsigned max_dir_depth;   /* a root is depth 0, its subdirectories 1;
                                 a directory deeper than this is reported
                                 MS_WALK_LIMIT and not entered. 0 means
                                 MS_DEFAULT_MAX_DIR_DEPTH. */
    const struct ms_cancel *cancel; /* when set, the walk ends (checked
                                 before every entry; cancel.h) */
    bool have_skip;           /* a file never handed over: the open report */
    dev_t skip_dev;
    ino_t skip_ino;
} ms_walk_options;

/* Return MS_CONTINUE, MS_STOP, or < 0 to abort the walk with that error. */
typedef int (*ms_walk_fn)(void *ud, const ms_walk_entry *e);

/* Walk one root (o may be NULL for the defaults). A root that does not
 * exist is reported through the callback as MS_WALK_ERROR (-ENOENT), not as
 * a return value; so is every unreadable directory or file, and the walk
 * goes on. Entries that vanish between listing and opening, or change
 * type (a directory swapped for a symlink), are MS_WALK_ERROR: what was
 * listed was not read. Returns 0 when the walk ended (also through
 * MS_STOP or the stop flag), the negative value a callback returned, or
 * -ENOMEM. MS_SKIP is treated as MS_CONTINUE. */
int ms_walk(const char *root, const ms_walk_options *o, ms_walk_fn fn, void *ud);

/* Name of the pseudo file system with statfs() f_type, or NULL for a file
 * system that holds files worth scanning (tmpfs included: devtmpfs shares
 * its f_type, so the walker tells it apart through the mount table). */
const char *ms_pseudo_fs_name(long f_type);

#endif
