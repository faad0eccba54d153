/*
 * live_proc.h - processes of the running host for --live: the /proc
 * listing (two ways), the probe for processes it leaves out, and the
 * parsers of /proc/PID/{stat,status,maps}. Collectors fill plain structs;
 * nothing here scans or reports.
 *
 * Everything under /proc is read relative to an open /proc/PID directory
 * descriptor: once it is open, a process that exits makes every later read
 * fail with ESRCH instead of reading a new process that got the same pid.
 */
#ifndef MS_LIVE_PROC_H
#define MS_LIVE_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The numeric entries of the proc directory, sorted. With use_readdir the
 * C library's readdir() reads it (a preloaded library can filter that, as
 * libprocesshider does); otherwise the getdents64 system call, which no
 * library in this process can filter. 0 or -errno. */
int ms_proc_list(const char *proc, bool use_readdir, int **ret, size_t *ret_n);
/* Is pid in the sorted list? */
bool ms_pid_listed(const int *pids, size_t n, int pid);

/* The largest pid (/proc/sys/kernel/pid_max), 32768 when unreadable, at
 * most 4194304 (the kernel's own limit). */
int ms_proc_pid_max(const char *proc);

/* Pids from 1 to pid_max that are alive (kill(pid, 0) succeeds or says
 * EPERM) and whose /proc/PID can be looked up, yet are not in the sorted
 * list listed and are not threads of another process. Unhide's brute
 * method: a kernel rootkit that filters getdents (Diamorphine) or a
 * library that filters readdir (libprocesshider) leaves kill() and the
 * lookup of /proc/PID alone. self is left out. 0 or -ENOMEM. */
int ms_proc_probe_unlisted(const char *proc, const int *listed, size_t n_listed, int pid_max,
                           int **ret, size_t *ret_n);

/* /proc/PID/stat: "PID (COMM) S PPID PGRP SESSION TTY TPGID FLAGS MINFLT
 * CMINFLT MAJFLT CMAJFLT UTIME STIME CUTIME CSTIME PRIORITY NICE THREADS
 * ITREALVALUE STARTTIME ...". COMM may hold spaces and ')' (the process
 * chooses it), so it runs to the last ')' of the line. Times are in clock
 * ticks; STARTTIME counts from boot. */
typedef struct ms_proc_stat {
    int pid, ppid;
    char comm[64];
    char state;
    unsigned long flags;  /* PF_KTHREAD (0x00200000) marks a kernel thread */
    uint64_t utime, stime, starttime;
} ms_proc_stat;
int ms_proc_parse_stat(const char *buf, size_t len, ms_proc_stat *ret);

/* From /proc/PID/status: the real uid ("Uid:\tREAL\tEFFECTIVE\t...") and
 * the thread group ("Tgid:\tN"). Either is -1 when absent. */
void ms_proc_parse_status(const char *buf, size_t len, long *ret_uid, int *ret_tgid);

/* One line of /proc/PID/maps:
 *   "START-END PERMS OFFSET MAJ:MIN INODE [PATH]"
 * START/END/OFFSET hex, PERMS four characters (r w x p|s), PATH after
 * padding, possibly with spaces, ending in " (deleted)" when the file was
 * removed; "[heap]", "[stack]", "[vdso]", "[vvar]" for kernel mappings. */
typedef struct ms_map {
    uint64_t start, end, offset, inode;
    unsigned dev_major, dev_minor;
    char perms[5];
    char *path;           /* NULL for anonymous memory; without " (deleted)" */
    bool deleted;
} ms_map;
int ms_map_parse_line(const char *line, size_t len, ms_map *ret);
/* Free the path of a parsed mapping (NULL-safe, idempotent). */
void ms_map_clear(ms_map *m);

/* Which mappings --live reads. */
typedef enum ms_map_choice {
    MS_MAP_SCAN = 0,
    MS_MAP_SKIP_FILE,       /* a file's unchanged pages: the file holds the same bytes */
    MS_MAP_SKIP_KERNEL,     /* [vvar], [vsyscall], [vdso]: the kernel's, the same everywhere */
    MS_MAP_SKIP_DEVICE,     /* a device's memory: reading it can have side effects */
    MS_MAP_SKIP_UNREADABLE, /* no read permission (guard pages, reserved ranges) */
} ms_map_choice;
ms_map_choice ms_map_choose(const ms_map *m);

/* Read up to cap bytes of the regular file fd from its offset (a fresh
 * /proc file, a config file) into a NUL-terminated buffer (caller frees).
 * *ret_truncated says the file had more. 0 or -errno (-EINVAL: not a
 * regular file). */
int ms_read_fd(int fd, size_t cap, uint8_t **ret, size_t *ret_len, bool *ret_truncated);
/* ms_read_fd of dirfd/name. */
int ms_read_small(int dirfd, const char *name, size_t cap, uint8_t **ret, size_t *ret_len,
                  bool *ret_truncated);

/* The socket inodes among the open files of the process whose /proc/PID
 * directory is piddir ("socket:[INODE]" links in fd/). 0 or -errno (EACCES
 * for another user's process). */
int ms_proc_socket_inodes(int piddir, uint64_t **ret, size_t *ret_n);

/* Read [start, start+len) of the process's memory through its open
 * /proc/PID/mem into buf, 1 MiB at a time, stopping at the first range the
 * kernel cannot read (EIO: pages gone or never backed). *ret_len is what
 * was read. 0, or -errno when nothing could be read. */
int ms_proc_read_mem(int memfd, uint64_t start, size_t len, uint8_t *buf, size_t *ret_len);

#endif
