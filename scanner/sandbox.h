/*
 * sandbox.h - confinement after start-up (issue 15, README "Threat
 * model"). minerscan parses hostile bytes, often as root, with three
 * large C libraries (libarchive, libmagic, libyara). Once the rules are
 * loaded and the report is open, nothing it does needs to execute a
 * program, make a socket, or open a file for writing; the sandbox makes
 * sure a parser bug cannot either:
 *
 *  - PR_SET_NO_NEW_PRIVS: no setuid/file-capability gain through exec;
 *  - Landlock (kernel 5.13+): every path is read-only for this process
 *    and its threads: no file created, written, truncated, renamed,
 *    removed, linked or made special, no program executed. Not with
 *    --live: Landlock also hides other processes' /proc entries (exe,
 *    mem, fd links) from a sandboxed process, which is what --live reads;
 *  - seccomp (a fixed BPF program, sandbox.c says why not libseccomp), for
 *    every thread: execve/execveat, fork and
 *    processes (clone without CLONE_THREAD, clone3 answers ENOSYS so
 *    glibc falls back to clone), sockets (socket, socketpair, connect,
 *    bind, listen, accept), io_uring (it could open files past this
 *    filter), open/openat with O_WRONLY, O_RDWR, O_CREAT, O_TRUNC or
 *    O_APPEND, creat, openat2 (ENOSYS: its flags are out of reach),
 *    every file-changing call (unlink, rename, mkdir, rmdir, link,
 *    symlink, mknod, chmod, chown, truncate, ftruncate, utimes, xattrs),
 *    mount and namespace calls, ptrace and process_vm_*, kernel modules,
 *    bpf, perf_event_open, keyctl, userfaultfd, kill with a signal other
 *    than 0 (kill(pid, 0) is how --live checks a pid) all fail with
 *    EPERM. Everything else is allowed: a deny list, so that libyara,
 *    libmagic, libarchive, libpcap and glibc (mmap, madvise, futex,
 *    clock_gettime, gconv modules it loads for libarchive's name
 *    conversions) work unchanged.
 *
 * In an AddressSanitizer build ptrace and process clones stay allowed:
 * LeakSanitizer stops the world at exit with a clone()d tracer.
 */
#ifndef MS_SANDBOX_H
#define MS_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ms_sandbox_opts {
    bool live; /* --live: no Landlock (see above) */
} ms_sandbox_opts;

/* What was applied, for the notice and the tests. */
typedef struct ms_sandbox_state {
    bool no_new_privs;
    bool landlock;
    int landlock_abi;   /* 0 when the kernel has none */
    bool seccomp;
} ms_sandbox_state;

/* Apply the sandbox to the calling process (all its threads for seccomp;
 * the calling thread and those it starts after for Landlock). Never
 * fails the run: what the kernel or the build lacks is left out, and
 * notice (cap bytes) says so in one line ("" when all applied). Returns
 * 0, or < 0 when nothing at all could be applied. */
int ms_sandbox_apply(const ms_sandbox_opts *o, ms_sandbox_state *ret, char *notice, size_t cap);

#endif
