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

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>

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

/*
 * The filter is a fixed BPF program assembled here into a stack buffer,
 * without allocating. libseccomp (Debian's 2.5.4) was used first: the
 * allocation-failure sweep of tests/test_harden.c found that when one of
 * its own allocations fails, seccomp_load() either loops for ever or
 * frees a block twice (glibc: "double free or corruption"), so a scanner
 * started on a machine short of memory hung or crashed before it read a
 * byte. The program below has no such failure: it is built in a fixed
 * array and loaded with one seccomp(2) call, TSYNC for every thread.
 *
 * Shape: the architecture must be the one this binary was built for (a
 * 32-bit or x32 entry is denied outright), then one two-instruction test
 * per denied call (JEQ to the next test, else RET ERRNO), so no jump is
 * longer than BPF's 255-instruction offsets; calls with an argument rule
 * (open, openat, clone, kill, tgkill, ioctl) have their own small block.
 */

#ifdef __x86_64__
#define MS_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define MS_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef MS_AUDIT_ARCH
/* Denied after start-up, each with EPERM (a parser bug gets an error, not
 * a shell); see sandbox.h for the reasons. __NR_ names exist only where
 * the architecture has the call. */
static const int denied[] = {
    __NR_execve, __NR_execveat,
#ifdef __NR_fork
    __NR_fork, __NR_vfork,
#endif
    __NR_socket, __NR_socketpair, __NR_connect, __NR_bind, __NR_listen, __NR_accept4,
#ifdef __NR_accept
    __NR_accept,
#endif
    __NR_io_uring_setup, __NR_io_uring_enter, __NR_io_uring_register,
    __NR_open_by_handle_at, __NR_pidfd_getfd,
#ifdef __NR_creat
    __NR_creat, __NR_unlink, __NR_rename, __NR_mkdir, __NR_rmdir, __NR_link, __NR_symlink, __NR_mknod,
    __NR_chmod, __NR_chown, __NR_lchown, __NR_utime, __NR_utimes, __NR_futimesat,
#endif
    __NR_unlinkat, __NR_renameat, __NR_renameat2, __NR_mkdirat, __NR_linkat, __NR_symlinkat, __NR_mknodat,
    __NR_fchmod, __NR_fchmodat, __NR_fchown, __NR_fchownat, __NR_truncate, __NR_ftruncate, __NR_utimensat,
    __NR_setxattr, __NR_lsetxattr, __NR_fsetxattr, __NR_removexattr, __NR_lremovexattr, __NR_fremovexattr,
    __NR_mount, __NR_umount2, __NR_pivot_root, __NR_chroot, __NR_unshare, __NR_setns,
    __NR_move_mount, __NR_open_tree, __NR_fsopen, __NR_fsmount, __NR_fsconfig, __NR_fspick,
    __NR_init_module, __NR_finit_module, __NR_delete_module, __NR_kexec_load, __NR_kexec_file_load,
    __NR_bpf, __NR_perf_event_open, __NR_keyctl, __NR_add_key, __NR_request_key, __NR_userfaultfd,
    __NR_process_vm_writev, __NR_process_vm_readv,
    __NR_reboot, __NR_swapon, __NR_swapoff, __NR_acct, __NR_settimeofday, __NR_clock_settime, __NR_adjtimex,
    __NR_setuid, __NR_setgid, __NR_setreuid, __NR_setregid, __NR_setresuid, __NR_setresgid, __NR_setgroups,
    __NR_setfsuid, __NR_setfsgid,
#if !defined(__SANITIZE_ADDRESS__)
    __NR_ptrace,
#endif
};

#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif
#ifndef __NR_openat2
#define __NR_openat2 437
#endif
#ifndef __NR_clone3
#define __NR_clone3 435
#endif

#define MS_FILTER_MAX 400
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + (i) * sizeof(uint64_t))
#define STMT(c, k) ((struct sock_filter){(unsigned short)(c), 0, 0, (uint32_t)(k)})
#define JUMP(c, k, t, f) ((struct sock_filter){(unsigned short)(c), (t), (f), (uint32_t)(k)})
#define RET(v) STMT(BPF_RET | BPF_K, (v))
#define LD(off) STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f) JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define JSET(k, t, f) JUMP(BPF_JMP | BPF_JSET | BPF_K, (k), (t), (f))
#define JGE(k, t, f) JUMP(BPF_JMP | BPF_JGE | BPF_K, (k), (t), (f))
#define EPERM_RET RET(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
#define ENOSYS_RET RET(SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA))
#define ALLOW RET(SECCOMP_RET_ALLOW)

typedef struct prog {
    struct sock_filter f[MS_FILTER_MAX];
    unsigned n;
} prog;

static void emit(prog *p, struct sock_filter ins) {
    if (p->n < MS_FILTER_MAX)
        p->f[p->n] = ins;
    p->n++;
}

/* "if nr == x: the block that follows (len instructions) else skip it" */
static void when_nr(prog *p, int nr, unsigned char len) {
    emit(p, JEQ(nr, 0, len));
}

static int seccomp_deny_list(void) {
    prog p = {.n = 0};
    /* the architecture, then the call number (reloaded after each block
     * that loads an argument) */
    emit(&p, LD(offsetof(struct seccomp_data, arch)));
    emit(&p, JEQ(MS_AUDIT_ARCH, 1, 0));
    emit(&p, EPERM_RET);
    emit(&p, LD(offsetof(struct seccomp_data, nr)));
#ifdef __x86_64__
    emit(&p, JGE(0x40000000u, 0, 1)); /* x32 calls: not ours */
    emit(&p, EPERM_RET);
#endif
    for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
        emit(&p, JEQ(denied[i], 0, 1));
        emit(&p, EPERM_RET);
    }
    emit(&p, JEQ(__NR_mount_setattr, 0, 1));
    emit(&p, EPERM_RET);
    /* openat2's flags are in a struct a filter cannot read, clone3's too;
     * glibc falls back to openat and clone when they answer ENOSYS */
    emit(&p, JEQ(__NR_openat2, 0, 1));
    emit(&p, ENOSYS_RET);
    emit(&p, JEQ(__NR_clone3, 0, 1));
    emit(&p, ENOSYS_RET);
    /* no open for writing */
    const uint32_t wflags = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND;
#ifdef __NR_open
    when_nr(&p, __NR_open, 4);
    emit(&p, LD(ARG_LO(1)));
    emit(&p, JSET(wflags, 0, 1));
    emit(&p, EPERM_RET);
    emit(&p, ALLOW);
#endif
    when_nr(&p, __NR_openat, 4);
    emit(&p, LD(ARG_LO(2)));
    emit(&p, JSET(wflags, 0, 1));
    emit(&p, EPERM_RET);
    emit(&p, ALLOW);
#if !defined(__SANITIZE_ADDRESS__)
    /* threads only, no processes */
    when_nr(&p, __NR_clone, 4);
    emit(&p, LD(ARG_LO(0)));
    emit(&p, JSET(CLONE_THREAD, 1, 0));
    emit(&p, EPERM_RET);
    emit(&p, ALLOW);
#endif
    /* kill(pid, 0) tells whether a pid exists (--live); no signal to
     * anyone else, and tgkill only within this process (raise, abort) */
    when_nr(&p, __NR_kill, 4);
    emit(&p, LD(ARG_LO(1)));
    emit(&p, JEQ(0, 1, 0));
    emit(&p, EPERM_RET);
    emit(&p, ALLOW);
    when_nr(&p, __NR_tgkill, 4);
    emit(&p, LD(ARG_LO(0)));
    emit(&p, JEQ((uint32_t)getpid(), 1, 0));
    emit(&p, EPERM_RET);
    emit(&p, ALLOW);
    /* keystrokes pushed into the user's terminal through stdout/stderr */
    when_nr(&p, __NR_ioctl, 5);
    emit(&p, LD(ARG_LO(1)));
    emit(&p, JEQ(TIOCSTI, 2, 0));
    emit(&p, JEQ(TIOCLINUX, 1, 0));
    emit(&p, ALLOW);
    emit(&p, EPERM_RET);
    emit(&p, ALLOW);
    if (p.n > MS_FILTER_MAX)
        return -E2BIG;
    struct sock_fprog fp = {.len = (unsigned short)p.n, .filter = p.f};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fp) != 0)
        return -errno;
    return 0;
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
#ifdef MS_AUDIT_ARCH
    int r = seccomp_deny_list();
    if (r == 0)
        st.seccomp = true;
    else
        MISSING("no seccomp filter (%s)", strerror(-r));
#else
    MISSING("no seccomp filter for this architecture");
#endif
#undef MISSING
    if (notice && cap)
        snprintf(notice, cap, "%s%s", used ? "sandbox incomplete: " : "", missing);
    if (ret)
        *ret = st;
    return st.no_new_privs || st.landlock || st.seccomp ? 0 : -EPERM;
}
