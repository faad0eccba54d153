/*
 * sandbox.c - NO_NEW_PRIVS, Landlock and seccomp after start-up (see
 * sandbox.h for what is denied and why).
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef MS_HAVE_SECCOMP
#include <seccomp.h>
#endif

/* ---- Landlock ---- */

/* From the kernel's uapi (linux/landlock.h), spelled out here so that a
 * build on older headers still knows the rights newer kernels add. */
#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_ABI1 ((1ULL << 13) - 1) /* EXECUTE .. MAKE_SYM */
#define LL_FS_REFER (1ULL << 13)      /* ABI 2 */
#define LL_FS_TRUNCATE (1ULL << 14)   /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15)  /* ABI 5 */

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

struct ll_ruleset_attr {
    uint64_t handled_access_fs;
};

struct ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

/* Every path read-only: the rights the kernel knows are handled, and "/"
 * is given only READ_FILE and READ_DIR. Returns the ABI applied (> 0), 0
 * when the kernel has no Landlock, or -errno. */
static int landlock_read_only(void) {
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
    if (abi < 1)
        return errno == ENOSYS || errno == EOPNOTSUPP ? 0 : -errno;
    uint64_t handled = LL_FS_ABI1;
    if (abi >= 2)
        handled |= LL_FS_REFER;
    if (abi >= 3)
        handled |= LL_FS_TRUNCATE;
    if (abi >= 5)
        handled |= LL_FS_IOCTL_DEV;
    struct ll_ruleset_attr attr = {.handled_access_fs = handled};
    int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
    if (rs < 0)
        return -errno;
    int r = 0;
    int root = open("/", O_PATH | O_CLOEXEC | O_DIRECTORY);
    struct ll_path_beneath_attr pb = {.allowed_access = LL_FS_READ_FILE | LL_FS_READ_DIR, .parent_fd = root};
    if (root < 0 || syscall(SYS_landlock_add_rule, rs, LL_RULE_PATH_BENEATH, &pb, 0) < 0 ||
        syscall(SYS_landlock_restrict_self, rs, 0) < 0)
        r = -errno;
    if (root >= 0)
        close(root);
    close(rs);
    return r < 0 ? r : (int)abi;
}

/* ---- seccomp ---- */

#ifdef MS_HAVE_SECCOMP
/* Denied after start-up, each with EPERM (a parser bug gets an error, not
 * a shell); see sandbox.h for the reasons. */
static const char *const denied[] = {
    "execve", "execveat", "fork", "vfork",
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "creat", "open_by_handle_at", "pidfd_getfd",
    "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir",
    "link", "linkat", "symlink", "symlinkat", "mknod", "mknodat",
    "chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown", "fchownat",
    "truncate", "ftruncate", "utime", "utimes", "utimensat", "futimesat",
    "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "move_mount", "open_tree", "fsopen", "fsmount", "fsconfig", "fspick", "mount_setattr",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd",
    "process_vm_writev", "process_vm_readv",
    "reboot", "swapon", "swapoff", "acct", "settimeofday", "clock_settime", "adjtimex",
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
    "setfsuid", "setfsgid",
#if !defined(__SANITIZE_ADDRESS__)
    "ptrace",
#endif
};

static int deny(scmp_filter_ctx ctx, const char *name, int err, unsigned n, const struct scmp_arg_cmp *cmp) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR)
        return 0; /* not a system call on this architecture */
    int r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(err), nr, n, cmp);
    return r == -EDOM || r == -EFAULT ? 0 : r; /* not callable here */
}

static int seccomp_deny_list(void) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    int r = 0;
    if (!ctx)
        return -ENOMEM;
    /* every thread, also those already started */
    if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0)
        goto out;
    for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
        if ((r = deny(ctx, denied[i], EPERM, 0, NULL)) < 0)
            goto out;
    /* openat2's flags are in a struct a filter cannot read; glibc and
     * the libraries use openat, so say the call does not exist */
    if ((r = deny(ctx, "openat2", ENOSYS, 0, NULL)) < 0 || (r = deny(ctx, "clone3", ENOSYS, 0, NULL)) < 0)
        goto out;
    /* no open for writing: each flag on its own rule (rules are OR'ed) */
    static const int write_flags[] = {O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND};
    for (size_t i = 0; i < sizeof(write_flags) / sizeof(write_flags[0]); i++) {
        scmp_datum_t f = (scmp_datum_t)write_flags[i];
        struct scmp_arg_cmp open_cmp = SCMP_A1(SCMP_CMP_MASKED_EQ, f, f);
        struct scmp_arg_cmp openat_cmp = SCMP_A2(SCMP_CMP_MASKED_EQ, f, f);
        if ((r = deny(ctx, "open", EPERM, 1, &open_cmp)) < 0 || (r = deny(ctx, "openat", EPERM, 1, &openat_cmp)) < 0)
            goto out;
    }
#if !defined(__SANITIZE_ADDRESS__)
    /* threads only, no processes */
    struct scmp_arg_cmp not_thread = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0);
    if ((r = deny(ctx, "clone", EPERM, 1, &not_thread)) < 0)
        goto out;
#endif
    /* kill(pid, 0) tells whether a pid exists (--live); no signal to
     * anyone else, and tgkill only within this process (raise, abort) */
    struct scmp_arg_cmp sig_not_zero = SCMP_A1(SCMP_CMP_NE, 0);
    struct scmp_arg_cmp other_process = SCMP_A0(SCMP_CMP_NE, (scmp_datum_t)getpid());
    if ((r = deny(ctx, "kill", EPERM, 1, &sig_not_zero)) < 0 || (r = deny(ctx, "tgkill", EPERM, 1, &other_process)) < 0)
        goto out;
    /* keystrokes pushed into the user's terminal through stdout/stderr */
    struct scmp_arg_cmp sti = SCMP_A1(SCMP_CMP_EQ, TIOCSTI);
    struct scmp_arg_cmp linux_ioctl = SCMP_A1(SCMP_CMP_EQ, TIOCLINUX);
    if ((r = deny(ctx, "ioctl", EPERM, 1, &sti)) < 0 || (r = deny(ctx, "ioctl", EPERM, 1, &linux_ioctl)) < 0)
        goto out;
    r = seccomp_load(ctx);
out:
    seccomp_release(ctx);
    return r;
}
#endif

int ms_sandbox_apply(const ms_sandbox_opts *o, ms_sandbox_state *ret, char *notice, size_t cap) {
    ms_sandbox_state st = {0};
    char missing[192] = "";
    size_t used = 0;
#define MISSING(...)                                                                                     \
    do {                                                                                                 \
        int k_ = snprintf(missing + used, sizeof(missing) - used, "%s", used ? "; " : "");              \
        if (k_ > 0 && (size_t)k_ < sizeof(missing) - used)                                              \
            used += (size_t)k_;                                                                          \
        k_ = snprintf(missing + used, sizeof(missing) - used, __VA_ARGS__);                             \
        if (k_ > 0 && (size_t)k_ < sizeof(missing) - used)                                              \
            used += (size_t)k_;                                                                          \
    } while (0)

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
        st.no_new_privs = true;
    else
        MISSING("no PR_SET_NO_NEW_PRIVS (%s)", strerror(errno));
    if (!o || !o->live) {
        int abi = landlock_read_only();
        if (abi > 0) {
            st.landlock = true;
            st.landlock_abi = abi;
        } else if (abi == 0) {
            MISSING("the kernel has no Landlock, files are not made read-only for it");
        } else {
            MISSING("Landlock failed (%s)", strerror(-abi));
        }
    }
#ifdef MS_HAVE_SECCOMP
    int r = seccomp_deny_list();
    if (r == 0)
        st.seccomp = true;
    else
        MISSING("no seccomp filter (%s)", strerror(-r));
#else
    MISSING("built without libseccomp, no seccomp filter");
#endif
#undef MISSING
    if (notice && cap)
        snprintf(notice, cap, "%s%s", used ? "sandbox incomplete: " : "", missing);
    if (ret)
        *ret = st;
    return st.no_new_privs || st.landlock || st.seccomp ? 0 : -EPERM;
}
