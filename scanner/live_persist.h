/*
 * live_persist.h - where a miner makes itself start again, for --live:
 * the list of persistence files under a root directory (the running
 * system's "/" or --live-root), the line checks that flag an entry running
 * something from a temporary directory or from a download pipe, the
 * library names of /etc/ld.so.preload, the machine's settings miners
 * change, and /etc/passwd (user names and home directories).
 *
 * The files themselves are scanned by the engine like any file; this
 * module only finds them and reads their lines.
 */
#ifndef MS_LIVE_PERSIST_H
#define MS_LIVE_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "live_record.h"

/* How a persistence file's lines are read. */
typedef enum ms_persist_syntax {
    MS_SYN_SHELL = 0,   /* a shell script: every line is a command */
    MS_SYN_CRON_USER,   /* crontab(5) without a user field (/var/spool/cron) */
    MS_SYN_CRON_SYSTEM, /* with a user field (/etc/crontab, /etc/cron.d) */
    MS_SYN_SYSTEMD,     /* systemd.unit(5): Exec*= values are commands */
    MS_SYN_DESKTOP,     /* XDG autostart .desktop: Exec= */
    MS_SYN_AUTHKEYS,    /* authorized_keys(5): command="..." options */
    MS_SYN_PRELOAD,     /* /etc/ld.so.preload: library names */
    MS_SYN_BINARY,      /* a library it names: no lines to read */
} ms_persist_syntax;

typedef struct ms_persist_item {
    char *rel;            /* path below the root, without a leading '/' */
    const char *location; /* static: "cron", "systemd", "rc.local", ... */
    ms_persist_syntax syntax;
    int error;            /* 0, or -EACCES for a directory this user may
                             not list (reported as skipped) */
} ms_persist_item;

/* /etc/passwd: "NAME:PASSWORD:UID:GID:GECOS:HOME:SHELL" lines. */
typedef struct ms_passwd {
    char *name;
    long uid;
    char *home;
} ms_passwd;

/* Parse passwd data; malformed lines are skipped. At most 100000 users.
 * 0 or -ENOMEM. */
int ms_passwd_parse(const uint8_t *data, size_t size, ms_passwd **ret, size_t *ret_n);
/* Free n entries and the array (NULL-safe). */
void ms_passwd_free(ms_passwd *pw, size_t n);
/* The name of uid, NULL if the file has none. */
const char *ms_passwd_name(const ms_passwd *pw, size_t n, long uid);

/* Open rel (no leading '/') below the directory rootfd, resolving every
 * symbolic link inside that root (openat2 RESOLVE_IN_ROOT), so that
 * /etc/systemd/system/x.service -> /lib/systemd/system/x.service under
 * --live-root DIR reads DIR/lib/..., never the running system's file.
 * Kernels before 5.6 fall back to openat() with O_NOFOLLOW on the last
 * component. Returns the fd or -errno. */
int ms_root_open(int rootfd, const char *rel, int flags);

/* Every persistence file below rootfd (crontabs, cron directories, at
 * jobs, systemd units and timers of the system and of each user, rc.local
 * and init scripts, profile and shell start-up files of each home,
 * authorized_keys, XDG autostart, /etc/ld.so.preload), at most
 * MS_PERSIST_MAX_FILES. Entries are candidates: some may be directories
 * or missing; the caller opens each and keeps the regular files. Homes
 * come from pw and from home/ (a user without a passwd line is still
 * looked at). 0 or -ENOMEM. */
#define MS_PERSIST_MAX_FILES 20000
int ms_persist_collect(int rootfd, const ms_passwd *pw, size_t n_pw, ms_persist_item **ret,
                       size_t *ret_n);
/* Free n items and the array (NULL-safe). */
void ms_persist_items_free(ms_persist_item *it, size_t n);

/* Read a persistence file's lines (data, size bytes, read as syntax) and
 * add evidence to li: "runs_from_tmp" for an entry whose command runs a
 * program from /tmp, /var/tmp or /dev/shm, "download_pipe" for one that
 * pipes curl/wget output into a shell (or runs it with sh -c "$(curl..)").
 * Comments are skipped; lines past 64 KiB are not read. 0 or -ENOMEM. */
int ms_persist_check_lines(ms_persist_syntax syntax, const uint8_t *data, size_t size,
                           ms_live_info *li);

/* The library paths listed in ld.so.preload data (separated by white
 * space or ':', '#' comments), at most 64. Caller frees each and the
 * array. 0 or -ENOMEM. */
int ms_preload_parse(const uint8_t *data, size_t size, char ***ret, size_t *ret_n);

/* The machine's settings that RandomX miners change, read from the proc
 * directory (normally "/proc") and the sys directory ("/sys"): vm.nr_hugepages,
 * kernel.nmi_watchdog, the msr module (/proc/modules or /sys/module/msr),
 * the host name and kernel release. Fills host (a MS_LIVE_HOST record) and
 * adds its evidence. 0 or -ENOMEM. */
int ms_host_collect(const char *proc, const char *sys, ms_live_info *host);

#endif
