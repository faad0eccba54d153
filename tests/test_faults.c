/*
 * test_faults.c - hostile input and faults (issue 6), each through the real
 * binary: unreadable files and directories as an unprivileged user, files
 * that vanish, shrink or grow while scanned, FIFOs, sockets and devices,
 * symlink loops, a tree 5000 levels deep, hostile names, a full output file
 * system, stdout closed early, SIGINT, the read-only guarantee, memory on a
 * 4 GiB sparse file, and one tree holding every fault whose counts must add
 * up.
 *
 * Some tests steer or watch the binary through tests/fault_shim.c, an
 * LD_PRELOAD library compiled at test time (see there). Tests that need
 * root (mknod, mount, setpriv) say SKIP when they cannot run.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hashes.h"
#include "util.h"

TestSuite(faults, .init = t_tmp_setup_0755, .fini = t_tmp_teardown, .timeout = 300);

/* ---- helpers ---- */

typedef struct argv_t {
    const char *v[128];
    size_t n;
} argv_t;

static void av_add(argv_t *a, const char *s) {
    cr_assert_lt(a->n, 126);
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

/* prefix (may be NULL, NULL-terminated) + binary + -f FORMAT --no-progress + args */
static void av_init(argv_t *a, const char *const *prefix, const char *bin, const char *format) {
    a->n = 0;
    for (size_t i = 0; prefix && prefix[i]; i++)
        av_add(a, prefix[i]);
    av_add(a, bin ? bin : t_minerscan_path());
    av_add(a, "-f");
    av_add(a, format);
    av_add(a, "--no-progress");
    /* the fault shim writes, unlinks and truncates from inside the
     * scanner, which its sandbox forbids (sandbox.h) */
    if (getenv("LD_PRELOAD"))
        av_add(a, "--no-sandbox");
}

static void av_addv(argv_t *a, va_list ap) {
    const char *s;
    while ((s = va_arg(ap, const char *)))
        av_add(a, s);
}

static json_t *parse_jsonl(const t_result *res) {
    json_t *recs = t_jsonl(res->out);
    cr_assert_not_null(recs, "output is JSON Lines (status %d, stderr %s):\n%.4000s", res->status,
                       res->err, res->out);
    return recs;
}

/* Run [prefix...] minerscan -f jsonl --no-progress ARGS... NULL */
static json_t *scan_with(t_result *res, const char *const *prefix, const char *bin, ...) {
    argv_t a;
    av_init(&a, prefix, bin, "jsonl");
    va_list ap;
    va_start(ap, bin);
    av_addv(&a, ap);
    va_end(ap);
    cr_assert_eq(t_run(a.v, NULL, 240, res), 0);
    cr_assert_lt(res->status, 128, "minerscan died of signal %d; stderr:\n%s", res->status - 128,
                 res->err);
    return parse_jsonl(res);
}

#define scan(res, ...) scan_with(res, NULL, NULL, __VA_ARGS__)

static const char *str_of(json_t *r, const char *key) {
    const char *s = json_string_value(json_object_get(r, key));
    return s ? s : "";
}

static bool is_object(json_t *r) {
    return !strcmp(str_of(r, "type"), "object");
}

static uint64_t num_of(json_t *r, const char *key) {
    json_t *v = json_object_get(r, key);
    cr_assert(json_is_integer(v), "\"%s\" is an integer in %s", key, json_dumps(r, 0));
    return (uint64_t)json_integer_value(v);
}

static json_t *find(json_t *recs, const char *path) {
    return t_find_record(recs, path);
}

static size_t count_prefix(json_t *recs, const char *prefix, const char *verdict) {
    size_t i, k = 0;
    json_t *r;
    json_array_foreach(recs, i, r) {
        if (is_object(r) && !strncmp(str_of(r, "path"), prefix, strlen(prefix)) &&
            (!verdict || !strcmp(str_of(r, "verdict"), verdict)))
            k++;
    }
    return k;
}

static void assert_verdict(json_t *recs, const char *path, const char *verdict, const char *out) {
    json_t *r = find(recs, path);
    cr_assert_not_null(r, "a record for %s in:\n%.4000s", path, out);
    cr_assert_str_eq(str_of(r, "verdict"), verdict, "%s: %s", path, json_dumps(r, 0));
}

/* Every object record that is not clean says why; the summary adds up. */
static json_t *check_accounting(json_t *recs, bool all) {
    json_t *sum = t_summary(recs);
    cr_assert_not_null(sum, "a summary record");
    size_t i, objects = 0;
    json_t *r;
    json_array_foreach(recs, i, r) {
        if (!is_object(r))
            continue;
        objects++;
        const char *v = str_of(r, "verdict");
        if (!strcmp(v, "error") || !strcmp(v, "skipped") || !strcmp(v, "limit") || !strcmp(v, "damaged")) {
            const char *why = str_of(r, "reason");
            cr_assert(*why, "a %s record says why: %s", v, json_dumps(r, 0));
        }
    }
    uint64_t sum_objects = num_of(sum, "objects");
    /* every object in exactly one counter, and one kind */
    uint64_t by_verdict = num_of(sum, "clean") + num_of(sum, "damaged") + num_of(sum, "malicious") +
                          num_of(sum, "suspicious") + num_of(sum, "containing") + num_of(sum, "errors") +
                          num_of(sum, "skipped") + num_of(sum, "limits");
    cr_assert_eq(by_verdict, sum_objects, "%s", json_dumps(sum, 0));
    cr_assert_eq(num_of(sum, "files") + num_of(sum, "members") + num_of(sum, "directories"), sum_objects,
                 "%s", json_dumps(sum, 0));
    if (all)
        cr_assert_eq(sum_objects, objects, "with --all every object has a record (%zu records, summary %llu)",
                     objects, (unsigned long long)sum_objects);
    return sum;
}

static char *shim_so;

/* Compile tests/fault_shim.c (once per test process) into the temp dir. */
static const char *shim(void) {
    if (!shim_so)
        shim_so = t_fault_shim("fault_shim.so", "-shared -fPIC");
    return shim_so;
}

/* Run the children under the shim. Under ASan the preloaded library comes
 * before the sanitizer runtime, which ASan refuses unless told. */
static void shim_on(const char *log, const char *vanish_prefix) {
    const char *so = shim();
    setenv("LD_PRELOAD", so, 1);
    if (log)
        setenv("MS_SHIM_LOG", log, 1);
    if (vanish_prefix)
        setenv("MS_SHIM_VANISH", vanish_prefix, 1);
    const char *asan = getenv("ASAN_OPTIONS");
    char *opts = NULL;
    cr_assert_geq(asprintf(&opts, "%s%sverify_asan_link_order=0", asan ? asan : "", asan && *asan ? ":" : ""), 0);
    setenv("ASAN_OPTIONS", opts, 1);
    free(opts);
}

static void shim_off(void) {
    unsetenv("LD_PRELOAD");
    unsetenv("MS_SHIM_LOG");
    unsetenv("MS_SHIM_VANISH");
}

/* A copy of the binary an unprivileged user can execute (the build tree
 * may not be reachable for uid 65534). */
static char *binary_copy(void) {
    size_t n;
    char *b = t_read(t_minerscan_path(), &n);
    cr_assert_not_null(b);
    char *p = t_write(t_tmp, "bin/minerscan", b, n);
    cr_assert_not_null(p);
    chmod(p, 0755);
    char *dir = t_path(t_tmp, "bin");
    chmod(dir, 0755);
    free(dir);
    free(b);
    return p;
}

static const char *const as_nobody[] = {"setpriv", "--reuid=65534", "--regid=65534",
                                        "--clear-groups", NULL};

static bool can_setpriv(void) {
    return geteuid() == 0 && t_have_program("setpriv");
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Start argv with stdout/stderr on the given fds, stdin from /dev/null:
 * posix_spawn, never fork (a Criterion test process has threads; issue
 * 15: a forked child hung the ASan suite on a lock another thread held). */
static pid_t spawn(const char *const *argv, int out_fd, int err_fd) {
    pid_t pid = t_spawn(argv, -1, out_fd, err_fd);
    cr_assert_gt(pid, 0, "spawn %s: %s", argv[0], strerror(-pid));
    return pid;
}

/* A helper thread that changes a file while scans run, until told to
 * stop (threads, not forked children: see spawn). */
typedef struct changer {
    int fd;
    off_t size;
    atomic_bool stop;
    bool failed;
    pthread_t th;
} changer;

static void *truncate_loop(void *ud) {
    changer *c = ud;
    unsigned seed = 1;
    while (!atomic_load(&c->stop)) {
        off_t to = (off_t)(rand_r(&seed) % (unsigned)c->size);
        if (ftruncate(c->fd, to) < 0 || ftruncate(c->fd, c->size) < 0) {
            c->failed = true;
            break;
        }
        usleep(200);
    }
    return NULL;
}

static void *grow_loop(void *ud) {
    changer *c = ud;
    static char block[1 << 20];
    memset(block, 'g', sizeof(block));
    for (int i = 0; i < 255 && !atomic_load(&c->stop); i++) {
        if (pwrite(c->fd, block, sizeof(block), (off_t)(i + 1) << 20) < 0) {
            c->failed = true;
            break;
        }
        usleep(1000);
    }
    return NULL;
}

static void changer_stop(changer *c) {
    atomic_store(&c->stop, true);
    pthread_join(c->th, NULL);
}

/* Wait up to timeout_s; returns the exit code, or 256+signal when a signal
 * killed it (so that exit(130) and death by SIGINT differ), or -1 after
 * killing it on timeout. */
static int wait_for(pid_t pid, double timeout_s) {
    double end = now() + timeout_s;
    int st = 0;
    for (;;) {
        pid_t k = waitpid(pid, &st, WNOHANG);
        if (k == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 256 + WTERMSIG(st);
        if (now() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        usleep(10000);
    }
}

static int open_tmp_file(const char *name, char **ret_path) {
    char *p = t_path(t_tmp, name);
    int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    cr_assert_geq(fd, 0, "create %s", p);
    if (ret_path)
        *ret_path = p;
    else
        free(p);
    return fd;
}

static char *slurp_fd(int fd) {
    lseek(fd, 0, SEEK_SET);
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    ssize_t k;
    while ((k = read(fd, b + n, cap - n)) > 0) {
        n += (size_t)k;
        if (n == cap)
            b = realloc(b, (cap *= 2) + 1);
    }
    b[n] = '\0';
    return b;
}

/* ---- unreadable files and directories ---- */

Test(faults, unreadable_file_and_directory_as_unprivileged_user) {
    if (!can_setpriv() && geteuid() == 0)
        cr_skip("SKIP: running as root without setpriv: cannot drop privileges");
    char *ok = t_write_str(t_tmp, "tree/a-readable.txt", "hello\n");
    char *secret = t_write_str(t_tmp, "tree/b-secret.txt", "nobody may read this\n");
    char *inner = t_write_str(t_tmp, "tree/c-locked/inner.txt", "hidden\n");
    char *after = t_write_str(t_tmp, "tree/d-after.txt", "read after the failures\n");
    char *tree = t_path(t_tmp, "tree");
    char *locked = t_path(t_tmp, "tree/c-locked");
    chmod(tree, 0755);
    chmod(ok, 0644);
    chmod(after, 0644);
    /* as root, root owns them and nobody (65534) is "other"; else 0000 */
    chmod(secret, geteuid() == 0 ? 0600 : 0000);
    chmod(locked, geteuid() == 0 ? 0700 : 0000);
    char *bin = geteuid() == 0 ? binary_copy() : NULL;
    const char *const *prefix = geteuid() == 0 ? as_nobody : NULL;

    t_result res;
    json_t *recs = scan_with(&res, prefix, bin, "--all", tree, NULL);
    cr_assert_eq(res.status, 2, "exit 2 when something could not be read; stderr %s\n%s", res.err, res.out);
    json_t *r = find(recs, secret);
    cr_assert_not_null(r, "a record for the unreadable file:\n%s", res.out);
    cr_assert_str_eq(str_of(r, "verdict"), "error");
    cr_assert_not_null(strstr(str_of(r, "reason"), "ermission"), "reason: %s", str_of(r, "reason"));
    r = find(recs, locked);
    cr_assert_not_null(r, "a record for the unreadable directory:\n%s", res.out);
    cr_assert_str_eq(str_of(r, "verdict"), "error");
    cr_assert_not_null(strstr(str_of(r, "reason"), "ermission"), "reason: %s", str_of(r, "reason"));
    cr_assert_null(find(recs, inner), "nothing below the unreadable directory is invented");
    /* the run went on */
    assert_verdict(recs, ok, "clean", res.out);
    assert_verdict(recs, after, "clean", res.out);
    json_t *sum = check_accounting(recs, true);
    cr_assert_eq(num_of(sum, "errors"), 2);
    /* directories are not files (issue 9) */
    cr_assert_eq(num_of(sum, "files"), 3);
    cr_assert_eq(num_of(sum, "directories"), 1);
    json_decref(recs);
    t_result_free(&res);

    /* an unreadable root given on the command line: same record, exit 2 */
    recs = scan_with(&res, prefix, bin, secret, NULL);
    cr_assert_eq(res.status, 2);
    assert_verdict(recs, secret, "error", res.out);
    json_decref(recs);
    t_result_free(&res);
    free(ok), free(secret), free(inner), free(after), free(tree), free(locked), free(bin);
}

/* ---- files that vanish, shrink or grow ---- */

static bool log_has(const char *log, const char *needle) {
    char *s = t_read(log, NULL);
    bool has = s && strstr(s, needle);
    free(s);
    return has;
}

Test(faults, file_vanishing_between_listing_and_opening) {
    char *keep = t_write_str(t_tmp, "tree/keep.txt", "hello\n");
    char *v1 = t_write_str(t_tmp, "tree/vanish-1.txt", t_dropper_sh);
    char *v2 = t_write_str(t_tmp, "tree/sub/vanish-2.txt", t_dropper_sh);
    char *tree = t_path(t_tmp, "tree");
    char *log = t_path(t_tmp, "open.log");
    shim_on(log, "vanish-");
    t_result res;
    json_t *recs = scan(&res, "--all", tree, NULL);
    shim_off();
    cr_assert(log_has(log, "vanished"), "the shim made a file vanish (log %s)", log);
    cr_assert_eq(access(v1, F_OK), -1, "vanish-1.txt is gone");
    cr_assert_eq(access(v2, F_OK), -1, "vanish-2.txt is gone");
    assert_verdict(recs, keep, "clean", res.out);
    /* issue 15: what was listed and not read is an error record each, and
     * the run is incomplete (a renamed dropper once left exit 0) */
    cr_assert_eq(res.status, 2, "exit 2: listed files were not read; %s", res.err);
    for (const char *p = v1; p; p = p == v1 ? v2 : NULL) {
        json_t *r = find(recs, p);
        cr_assert_not_null(r, "a record for %s:\n%s", p, res.out);
        cr_assert_str_eq(str_of(r, "verdict"), "error", "%s", json_dumps(r, 0));
        cr_assert_not_null(strstr(str_of(r, "reason"), "vanish"), "%s", json_dumps(r, 0));
        cr_assert(json_is_true(json_object_get(r, "incomplete")), "%s", json_dumps(r, 0));
    }
    check_accounting(recs, true);
    json_decref(recs);
    t_result_free(&res);

    /* a root that vanishes after the walker looked at it: not clean, and
     * the record says so (a root missing from the start is an error) */
    char *v3 = t_write_str(t_tmp, "vanish-root.txt", "x\n");
    shim_on(log, "vanish-");
    recs = scan(&res, v3, NULL);
    shim_off();
    json_t *r = find(recs, v3);
    cr_assert_not_null(r, "%s", res.out);
    cr_assert(!strcmp(str_of(r, "verdict"), "skipped") || !strcmp(str_of(r, "verdict"), "error"), "%s",
              json_dumps(r, 0));
    cr_assert_not_null(strstr(str_of(r, "reason"), "vanish"), "%s", json_dumps(r, 0));
    json_decref(recs);
    t_result_free(&res);
    free(keep), free(v1), free(v2), free(v3), free(tree), free(log);
}

/* Fill fd with size bytes of text (so every stage has work to do). */
static void fill(int fd, off_t size) {
    static char block[1 << 16];
    for (size_t i = 0; i < sizeof(block); i++)
        block[i] = (char)('a' + (i * 7 + i / 13) % 26);
    for (off_t off = 0; off < size; off += (off_t)sizeof(block))
        cr_assert_eq(pwrite(fd, block, sizeof(block), off), (ssize_t)sizeof(block));
}

Test(faults, file_truncated_while_scanned_never_kills_the_scan) {
    char *big = NULL;
    int fd = open_tmp_file("shrinking.txt", &big);
    const off_t size = 64 << 20;
    fill(fd, size);
    /* A child truncates the file to ever-changing sizes and regrows it with
     * a hole while the scans run. mmap would die of SIGBUS here; read()
     * sees a short file. */
    changer ch = {.fd = fd, .size = size};
    cr_assert_eq(pthread_create(&ch.th, NULL, truncate_loop, &ch), 0);
    for (int i = 0; i < 5; i++) {
        t_result res;
        json_t *recs = scan(&res, "--all", big, NULL);
        cr_assert(res.status == 0 || res.status == 2, "run %d: exit %d, stderr %s", i, res.status, res.err);
        json_t *r = find(recs, big);
        cr_assert_not_null(r, "run %d: a record for the file:\n%s", i, res.out);
        cr_assert_leq(num_of(r, "size"), (uint64_t)size);
        check_accounting(recs, true);
        json_decref(recs);
        t_result_free(&res);
    }
    changer_stop(&ch);
    cr_assert(!ch.failed, "the truncating thread failed");
    close(fd);
    free(big);
}

/* Issue 15: a file that grows or shrinks while it is scanned says so:
 * error, incomplete, the size when opened and what was scanned, exit 2.
 * The shim changes it right after it is mapped, every time; a shrunk
 * mapping faults (SIGBUS) past the cut, which must read as zeros, never
 * kill the scan or call the file clean. */
Test(faults, file_changed_while_scanned_says_so) {
    char *log = t_path(t_tmp, "shim.log");
    const char *how[] = {"MS_SHIM_GROW", "MS_SHIM_SHRINK"};
    for (int k = 0; k < 2; k++) {
        char *p = NULL, name[32];
        snprintf(name, sizeof(name), "changing-%d.log", k);
        int fd = open_tmp_file(name, &p);
        fill(fd, 2 << 20);
        close(fd);
        shim_on(log, NULL);
        setenv(how[k], "changing-", 1);
        t_result res;
        json_t *recs = scan(&res, "--all", p, NULL);
        unsetenv(how[k]);
        shim_off();
        json_t *r = find(recs, p);
        cr_assert_not_null(r, "%s: %s %s", how[k], res.out, res.err);
        cr_assert_str_eq(str_of(r, "verdict"), "error", "%s: %s", how[k], json_dumps(r, 0));
        cr_assert_not_null(strstr(str_of(r, "reason"), "changed while scanned: 2097152 bytes when opened"), "%s",
                           json_dumps(r, 0));
        cr_assert(json_is_true(json_object_get(r, "incomplete")));
        if (k == 1)
            cr_assert_not_null(strstr(str_of(r, "reason"), "read as zeros"), "%s", json_dumps(r, 0));
        cr_assert_eq(res.status, 2, "%s: exit %d", how[k], res.status);
        check_accounting(recs, true);
        json_decref(recs);
        t_result_free(&res);
        free(p);
    }
    cr_assert(log_has(log, "grown") && log_has(log, "shrunk"), "the shim changed the files");
    free(log);
}

Test(faults, file_growing_while_scanned_terminates) {
    char *p = NULL;
    int fd = open_tmp_file("growing.log", &p);
    fill(fd, 1 << 20);
    /* A child appends 1 MiB at a time, up to 256 MiB. */
    changer ch = {.fd = fd};
    cr_assert_eq(pthread_create(&ch.th, NULL, grow_loop, &ch), 0);
    struct stat st;
    for (int i = 0; i < 30000 && fstat(fd, &st) == 0 && st.st_size <= (5 << 20); i++)
        usleep(1000);
    cr_assert(fstat(fd, &st) == 0 && st.st_size > (5 << 20), "the child did not grow the file");
    t_result res;
    json_t *recs, *r;

    /* without one the scan ends at some EOF and says what it read */
    double t0 = now();
    recs = scan(&res, "--all", p, NULL);
    cr_assert_lt(now() - t0, 120.0);
    r = find(recs, p);
    cr_assert_not_null(r, "%s", res.out);
    cr_assert(res.status == 0 || res.status == 2, "exit %d", res.status);
    cr_assert_geq(num_of(r, "size"), 1u << 20);
    json_decref(recs);
    t_result_free(&res);
    changer_stop(&ch);
    close(fd);
    free(p);
}

/* ---- special files ---- */

static char *make_socket(const char *name) {
    char *p = t_path(t_tmp, name);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    cr_assert_geq(s, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    cr_assert_lt(strlen(p), sizeof(sa.sun_path), "socket path fits");
    strcpy(sa.sun_path, p);
    cr_assert_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0, "bind %s: %s", p, strerror(errno));
    close(s); /* the socket file stays */
    return p;
}

/* A writer blocked in open(O_WRONLY) until somebody opens the FIFO for
 * reading: if minerscan opened it, the writer would be released. */
static pid_t fifo_writer(const char *fifo) {
    const char *argv[] = {"sh", "-c", "exec 3>\"$0\"", fifo, NULL};
    return spawn(argv, -1, -1);
}

Test(faults, fifos_sockets_and_devices_are_skipped_never_opened) {
    char *dir = t_path(t_tmp, "tree");
    mkdir(dir, 0755);
    char *fifo = t_path(t_tmp, "tree/fifo");
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    char *sock = make_socket("tree/sock");
    char *dev = t_path(t_tmp, "tree/null-dev");
    bool have_dev = mknod(dev, S_IFCHR | 0666, makedev(1, 3)) == 0;
    char *blk = t_path(t_tmp, "tree/loop-dev");
    bool have_blk = have_dev && mknod(blk, S_IFBLK | 0600, makedev(7, 0)) == 0;
    char *plain = t_write_str(t_tmp, "tree/plain.txt", "hello\n");
    char *log = t_path(t_tmp, "open.log");
    pid_t writer = fifo_writer(fifo);

    shim_on(log, NULL);
    t_result res;
    double t0 = now();
    json_t *recs = scan(&res, "--all", dir, NULL);
    double took = now() - t0;
    shim_off();
    cr_assert_lt(took, 60.0, "no hang");
    cr_assert_eq(res.status, 0, "skipped special files do not make exit 2; stderr %s\n%s", res.err, res.out);
    assert_verdict(recs, fifo, "skipped", res.out);
    assert_verdict(recs, sock, "skipped", res.out);
    assert_verdict(recs, plain, "clean", res.out);
    cr_assert_not_null(strstr(str_of(find(recs, fifo), "reason"), "fifo"), "%s", res.out);
    cr_assert_not_null(strstr(str_of(find(recs, sock), "reason"), "socket"), "%s", res.out);
    if (have_dev) {
        assert_verdict(recs, dev, "skipped", res.out);
        cr_assert_not_null(strstr(str_of(find(recs, dev), "reason"), "device"), "%s", res.out);
    }
    if (have_blk)
        assert_verdict(recs, blk, "skipped", res.out);
    check_accounting(recs, true);
    json_decref(recs);
    t_result_free(&res);

    /* never opened: the FIFO writer is still blocked, the log has no open */
    cr_assert_eq(waitpid(writer, NULL, WNOHANG), 0, "the FIFO was opened for reading");
    char *l = t_read(log, NULL);
    cr_assert_not_null(l, "the shim logged the opens");
    cr_assert_not_null(strstr(l, "plain.txt"), "the shim sees the walker's opens:\n%s", l);
    cr_assert_null(strstr(l, "fifo"), "the FIFO was opened:\n%s", l);
    cr_assert_null(strstr(l, "sock"), "the socket was opened:\n%s", l);
    cr_assert_null(strstr(l, "-dev"), "a device was opened:\n%s", l);
    free(l);

    /* the same as roots named on the command line, but a path the user
     * named and that was not read makes the run incomplete (issue 15:
     * `cat x | minerscan /dev/stdin` exited 0) */
    unlink(log);
    shim_on(log, NULL);
    recs = scan(&res, fifo, sock, have_dev ? dev : plain, NULL);
    shim_off();
    cr_assert_eq(res.status, 2, "named and not read: exit 2; stderr %s\n%s", res.err, res.out);
    cr_assert_not_null(strstr(str_of(find(recs, fifo), "reason"), "named but not read"), "%s", res.out);
    cr_assert_not_null(strstr(str_of(find(recs, fifo), "reason"), "--stdin"), "%s", res.out);
    assert_verdict(recs, fifo, "skipped", res.out);
    assert_verdict(recs, sock, "skipped", res.out);
    if (have_dev)
        assert_verdict(recs, dev, "skipped", res.out);
    cr_assert_eq(waitpid(writer, NULL, WNOHANG), 0, "the FIFO root was opened for reading");
    l = t_read(log, NULL);
    cr_assert(!l || !strstr(l, "fifo"), "the FIFO root was opened:\n%s", l);
    free(l);
    json_decref(recs);
    t_result_free(&res);
    kill(writer, SIGKILL);
    waitpid(writer, NULL, 0);
    if (!have_dev)
        cr_log_info("NOT CHECKED: device nodes not tested: mknod not permitted");
    free(dir), free(fifo), free(sock), free(dev), free(blk), free(plain), free(log);
}

/* ---- symlinks ---- */

Test(faults, symlink_loops_end) {
    char *dir = t_path(t_tmp, "tree");
    mkdir(dir, 0755);
    char *f = t_write_str(t_tmp, "tree/f.txt", "hello\n");
    char *a = t_path(t_tmp, "tree/loop-a"), *b = t_path(t_tmp, "tree/loop-b");
    char *self = t_path(t_tmp, "tree/self");
    char *up = t_path(t_tmp, "tree/sub/up");
    char *dangling = t_path(t_tmp, "tree/dangling");
    char *sub = t_path(t_tmp, "tree/sub");
    mkdir(sub, 0755);
    free(sub);
    cr_assert_eq(symlink("loop-b", a), 0);
    cr_assert_eq(symlink("loop-a", b), 0);
    cr_assert_eq(symlink("self", self), 0);
    cr_assert_eq(symlink("..", up), 0);
    cr_assert_eq(symlink("does-not-exist", dangling), 0);

    for (int follow = 0; follow <= 1; follow++) {
        t_result res;
        json_t *recs = follow ? scan(&res, "--all", "--follow-symlinks", dir, NULL)
                              : scan(&res, "--all", dir, NULL);
        cr_assert(res.status == 0 || res.status == 2, "follow=%d: exit %d %s", follow, res.status, res.err);
        /* f.txt once: the loop back to tree/ was not walked again */
        cr_assert_eq(count_prefix(recs, f, NULL), 1, "follow=%d:\n%s", follow, res.out);
        cr_assert_lt(json_array_size(recs), 32, "follow=%d: bounded output:\n%s", follow, res.out);
        cr_assert_null(find(recs, dangling), "%s", res.out);
        json_t *r = find(recs, a);
        if (follow) {
            cr_assert_not_null(r, "the loop is reported when following:\n%s", res.out);
            cr_assert(!strcmp(str_of(r, "verdict"), "error") || !strcmp(str_of(r, "verdict"), "skipped"),
                      "%s", json_dumps(r, 0));
            cr_assert_not_null(find(recs, self), "%s", res.out);
            /* a dangling link is a link to nothing: no record (walker.h) */
        } else {
            /* links below a root are not followed and not reported */
            cr_assert_null(r, "%s", res.out);
        }
        check_accounting(recs, true);
        json_decref(recs);
        t_result_free(&res);
    }

    /* a root that is a loop: an error naming it */
    t_result res;
    json_t *recs = scan(&res, a, NULL);
    cr_assert_eq(res.status, 2);
    assert_verdict(recs, a, "error", res.out);
    json_decref(recs);
    t_result_free(&res);
    free(dir), free(f), free(a), free(b), free(self), free(up), free(dangling);
}

/* ---- a very deep tree ---- */

/* dir/d/d/.../d (levels) with x.sh at the bottom, made with *at() calls
 * (the path is far longer than PATH_MAX). Returns the bottom file's path. */
static char *make_deep(const char *dir, int levels) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_geq(fd, 0);
    size_t len = strlen(dir);
    char *path = malloc(len + (size_t)levels * 2 + 16);
    memcpy(path, dir, len);
    for (int i = 0; i < levels; i++) {
        cr_assert(mkdirat(fd, "d", 0755) == 0 || errno == EEXIST);
        int nfd = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(nfd, 0, "level %d: %s", i, strerror(errno));
        close(fd);
        fd = nfd;
        memcpy(path + len, "/d", 2);
        len += 2;
    }
    int ffd = openat(fd, "x.sh", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    cr_assert_geq(ffd, 0);
    cr_assert_eq(write(ffd, t_dropper_sh, strlen(t_dropper_sh)), (ssize_t)strlen(t_dropper_sh));
    close(ffd);
    close(fd);
    memcpy(path + len, "/x.sh", 6);
    return path;
}


Test(faults, tree_5000_levels_deep_with_few_fds) {
    if (!t_have_program("prlimit"))
        cr_skip("SKIP: prlimit (util-linux) missing");
    char *deep = t_path(t_tmp, "deep");
    mkdir(deep, 0755);
    char *bottom = make_deep(deep, 5000);
    /* 64 descriptors: a walker that keeps one per level would run out */
    const char *const lim[] = {"prlimit", "--nofile=64:64", NULL};

    t_result res;
    json_t *recs = scan_with(&res, lim, NULL, "--all", deep, NULL);
    cr_assert_eq(res.status, 2, "the default depth limit (4096) is hit: exit 2; stderr %s", res.err);
    size_t limits = count_prefix(recs, deep, "limit");
    cr_assert_eq(limits, 1, "one limit record for the cut-off directory:\n%.2000s", res.out);
    cr_assert_null(find(recs, bottom), "nothing below the limit is reported");
    cr_assert_eq(count_prefix(recs, deep, "error"), 0, "no errors (fd exhaustion):\n%.3000s", res.out);
    check_accounting(recs, true);
    json_decref(recs);
    t_result_free(&res);

    recs = scan_with(&res, lim, NULL, "--all", "--max-dir-depth", "6000", deep, NULL);
    cr_assert(res.status == 0 || res.status == 1, "the full walk: exit %d; stderr %s", res.status, res.err);
    json_t *r = find(recs, bottom);
    cr_assert_not_null(r, "the file 5000 levels down is scanned:\n%.2000s", res.out);
    cr_assert_eq(count_prefix(recs, deep, "error"), 0, "no errors:\n%.3000s", res.out);
    cr_assert_eq(count_prefix(recs, deep, "limit"), 0);
    json_decref(recs);
    t_result_free(&res);
    t_rmtree_deep(deep);
    free(deep), free(bottom);
}

/* ---- hostile names ---- */

static const char *const hostile[] = {
    "bad\xff\xfe.sh", "new\nline.sh", "esc\x1b[31mred\x1b[0m.sh", "cr\rret.sh", "tab\tname.sh",
    "quote\"back\\slash.sh", "del\x7f.sh", "c1\xc2\x9b" "csi.sh", "lsep\xe2\x80\xa8.sh",
    "bell\x07.sh", "overlong\xc0\xaf.sh", "surrogate\xed\xa0\x80.sh", "pct%s%n.sh", " lead-space.sh",
    "-dash.sh", NULL,
};

static size_t count_lines(const char *s) {
    size_t k = 0;
    for (; *s; s++)
        k += *s == '\n';
    return k;
}

Test(faults, names_not_utf8_with_newlines_and_escapes) {
    char *dir = t_path(t_tmp, "tree"), *twin = t_path(t_tmp, "twin");
    size_t n = 0;
    for (; hostile[n]; n++) {
        char name[64];
        snprintf(name, sizeof(name), "tree/%s", hostile[n]);
        free(t_write_str(t_tmp, name, "hello\n"));
        snprintf(name, sizeof(name), "twin/n%02zu.sh", n);
        free(t_write_str(t_tmp, name, "hello\n"));
    }

    /* JSON Lines: every record parses; exact bytes via path or path_b64 */
    t_result res;
    json_t *recs = scan(&res, "--all", dir, NULL);
    cr_assert_eq(res.status, 0, "%s", res.err);
    for (size_t i = 0; i < n; i++) {
        char *p = t_path(dir, hostile[i]);
        json_t *r = find(recs, p);
        cr_assert_not_null(r, "a record with the exact bytes of \"%s\":\n%s", hostile[i], res.out);
        cr_assert_str_eq(str_of(r, "verdict"), "clean");
        free(p);
    }
    json_t *sum = check_accounting(recs, true);
    cr_assert_eq(num_of(sum, "files"), n);
    json_decref(recs);
    t_result_free(&res);

    /* text: nothing that drives a terminal, and no line broken by a name */
    t_result twin_res;
    argv_t a;
    av_init(&a, NULL, NULL, "text");
    av_add(&a, "--all");
    av_add(&a, dir);
    cr_assert_eq(t_run(a.v, NULL, 120, &res), 0);
    av_init(&a, NULL, NULL, "text");
    av_add(&a, "--all");
    av_add(&a, twin);
    cr_assert_eq(t_run(a.v, NULL, 120, &twin_res), 0);
    cr_assert_eq(res.status, 0);
    for (size_t i = 0; i < res.out_len; i++) {
        unsigned char c = (unsigned char)res.out[i];
        cr_assert(c >= 0x20 || c == '\n' || c == '\t', "raw control byte 0x%02x in text output:\n%s", c, res.out);
        cr_assert_neq(c, 0x7f, "raw DEL in text output");
        if (c == 0xc2 && i + 1 < res.out_len)
            cr_assert(!((unsigned char)res.out[i + 1] >= 0x80 && (unsigned char)res.out[i + 1] <= 0x9f),
                      "raw C1 control in text output");
    }
    cr_assert_eq(count_lines(res.out), count_lines(twin_res.out),
                 "a name changed the number of lines:\n%s\n--- the same with plain names:\n%s", res.out,
                 twin_res.out);
    t_result_free(&res);
    t_result_free(&twin_res);

    /* SARIF: one JSON document */
    av_init(&a, NULL, NULL, "sarif");
    av_add(&a, "--all");
    av_add(&a, dir);
    cr_assert_eq(t_run(a.v, NULL, 120, &res), 0);
    json_error_t e;
    json_t *doc = json_loads(res.out, 0, &e);
    cr_assert_not_null(doc, "SARIF parses (%s):\n%s", e.text, res.out);
    json_decref(doc);
    t_result_free(&res);
    free(dir), free(twin);
}

/* ---- output failures ---- */

Test(faults, output_on_a_full_file_system_is_a_clear_error) {
    if (geteuid() != 0 || !t_have_program("unshare"))
        cr_skip("SKIP: mounting a tmpfs needs root and unshare");
    char *mnt = t_path(t_tmp, "mnt");
    mkdir(mnt, 0755);
    /* a private mount namespace: the tmpfs disappears with the process */
    const char *probe[] = {"unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs \"$0\"", mnt, NULL};
    t_result res;
    cr_assert_eq(t_run(probe, NULL, 30, &res), 0);
    if (res.status != 0) {
        cr_skip("SKIP: cannot mount a tmpfs here (%s)", res.err);
    }
    t_result_free(&res);
    /* 1500 flagged files with long names: far more than 64 KiB of records
     * in every format (SARIF lists findings only) */
    char *tree = t_path(t_tmp, "tree");
    for (int i = 0; i < 1500; i++) {
        char name[160];
        snprintf(name, sizeof(name), "tree/%04d-%s.txt", i,
                 "a-long-name-so-that-every-record-takes-room-in-the-report-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        free(t_write_str(t_tmp, name, t_dropper_sh));
    }
    const char *formats[] = {"jsonl", "text", "sarif"};
    for (int i = 0; i < 3; i++) {
        char *script = NULL;
        cr_assert_geq(asprintf(&script,
                               "mount -t tmpfs -o size=64k tmpfs \"$0\" || exit 99; "
                               "exec \"$1\" -f %s --all --no-progress -o \"$0/out\" \"$2\"",
                               formats[i]), 0);
        const char *argv[] = {"unshare", "-m", "sh", "-c", script, mnt, t_minerscan_path(), tree, NULL};
        cr_assert_eq(t_run(argv, NULL, 240, &res), 0);
        cr_assert_neq(res.status, 99, "mount failed: %s", res.err);
        cr_assert_eq(res.status, 2, "%s: exit 2 on a full output file system; stderr: %s", formats[i], res.err);
        cr_assert_not_null(strstr(res.err, "No space left on device"),
                           "%s: the error says why: %s", formats[i], res.err);
        cr_assert_not_null(strstr(res.err, "/out"), "%s: the error names the output file: %s", formats[i],
                           res.err);
        cr_assert_lt(count_lines(res.err), 4, "%s: one clear error, not one per record:\n%s", formats[i], res.err);
        t_result_free(&res);
        free(script);
    }
    free(mnt), free(tree);
}

Test(faults, stdout_closed_early_is_a_quiet_exit) {
    if (t_under_tsan())
        cr_skip(T_TSAN_SKIP_REASON);
    const char *formats[] = {"jsonl", "text"};
    for (int i = 0; i < 2; i++) {
        int p[2];
        cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
        int err = open_tmp_file("stderr", NULL);
        const char *argv[] = {t_minerscan_path(), "-f", formats[i], "--all", "--no-progress", "/usr/bin", NULL};
        pid_t pid = spawn(argv, p[1], err);
        close(p[1]);
        /* read one line, as `| head -1` does, then go away */
        char buf[4096];
        size_t n = 0;
        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
        while (n < sizeof(buf) && !memchr(buf, '\n', n) && poll(&pfd, 1, 60000) > 0) {
            ssize_t k = read(p[0], buf + n, sizeof(buf) - n);
            if (k <= 0)
                break;
            n += (size_t)k;
        }
        cr_assert_not_null(memchr(buf, '\n', n), "%s: a first line arrived", formats[i]);
        close(p[0]);
        double t0 = now();
        int status = wait_for(pid, 60);
        cr_assert_neq(status, -1, "%s: still running 60 s after its reader left", formats[i]);
        cr_assert_lt(now() - t0, 10.0, "%s: stops soon after the reader leaves", formats[i]);
        cr_assert_lt(status, 256, "%s: died of signal %d", formats[i], status - 256);
        char *e = slurp_fd(err);
        cr_assert_str_empty(e, "%s: quiet: nothing on stderr, got:\n%s", formats[i], e);
        free(e);
        close(err);
    }
}

/* ---- SIGINT ---- */

/* Has process pid mapped path (a worker maps a file it scans; the walker
 * only opens it)? */
static bool has_mapped(pid_t pid, const char *path) {
    char maps[32];
    snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(maps, "re");
    if (!f)
        return false;
    char line[4096 + 256];
    size_t n = strlen(path);
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        size_t len = strcspn(line, "\n");
        found = len > n && line[len - n - 1] == ' ' && !memcmp(line + len - n, path, n);
    }
    fclose(f);
    return found;
}

/* Start a scan; once it is running (output_bytes of output arrived, or a
 * worker has open_path mapped: it is scanning it, and the signal handlers
 * are in place), wait wait_s more, interrupt it, and check that it stops
 * promptly with what it has. */
static void interrupt_scan(const char *format, const char *const *args, size_t output_bytes,
                           const char *open_path, double wait_s) {
    int out = open_tmp_file("stdout", NULL), err = open_tmp_file("stderr", NULL);
    argv_t a;
    av_init(&a, NULL, NULL, format);
    for (size_t i = 0; args[i]; i++)
        av_add(&a, args[i]);
    pid_t pid = spawn(a.v, out, err);
    bool running = false;
    for (double t0 = now(); !running && now() - t0 < 120;) {
        struct stat st;
        running = (output_bytes && fstat(out, &st) == 0 && (size_t)st.st_size > output_bytes) ||
                  (open_path && has_mapped(pid, open_path));
        if (!running)
            usleep(5000);
    }
    cr_assert(running, "%s: the scan got going", format);
    usleep((useconds_t)(wait_s * 1e6));
    cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "%s: still scanning when interrupted", format);
    double t0 = now();
    kill(pid, SIGINT);
    int status = wait_for(pid, 60);
    double took = now() - t0;
    cr_assert_neq(status, -1, "%s: did not stop within 60 s of SIGINT", format);
    cr_log_info("%s: stopped %.2f s after SIGINT", format, took);
    /* about 1 s when idle; the bound only catches a scan that runs on to the
     * end of the object it is in (12 s before pool.c stopped mid-object;
     * 6 to 11 s under ASan while the literal search before libyara ran
     * over all of a 200 MB object) */
    cr_assert_lt(took, 10.0, "%s: stops promptly: took %.2f s", format, took);
    cr_assert_eq(status, 130, "%s: exit 130 after SIGINT", format);
    char *o = slurp_fd(out), *e = slurp_fd(err);
    cr_assert_not_null(strstr(e, "interrupted"), "%s: says so on stderr: %s", format, e);
    size_t len = strlen(o);
    cr_assert(len > 0 && o[len - 1] == '\n', "%s: output ends with a whole line", format);
    if (!strcmp(format, "jsonl")) {
        json_t *recs = t_jsonl(o);
        cr_assert_not_null(recs, "what it has is valid JSON Lines");
        json_t *sum = t_summary(recs);
        cr_assert_not_null(sum, "a partial summary");
        cr_assert_eq(json_array_get(recs, json_array_size(recs) - 1), sum, "the summary comes last");
        cr_assert(json_is_true(json_object_get(sum, "interrupted")), "summary says interrupted: %s",
                  json_dumps(sum, 0));
        check_accounting(recs, true);
        if (open_path) {
            /* the object the worker was in is reported, and not as if it
             * had been read to its end: its signature scan stopped */
            json_t *r = t_find_record(recs, open_path);
            cr_assert_not_null(r, "%s: the object being scanned has its record", open_path);
            cr_assert(json_is_true(json_object_get(r, "incomplete")), "incomplete: %s", json_dumps(r, 0));
            cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "reason_code"), "code")),
                             "interrupted", "the reason says why: %s", json_dumps(r, 0));
        }
        json_decref(recs);
    } else {
        cr_assert_not_null(strstr(o, "summary"), "%s: a partial summary:\n%s", format, o);
        cr_assert_not_null(strstr(o, "interrupted"), "%s: the summary says interrupted:\n%s", format,
                           o + (len > 2000 ? len - 2000 : 0));
    }
    free(o), free(e);
    close(out), close(err);
}

Test(faults, sigint_stops_promptly_with_a_partial_summary) {
    /* in the middle of /usr, records flowing */
    const char *usr[] = {"--all", "/usr", NULL};
    interrupt_scan("jsonl", usr, 4096, NULL, 0.2);
    interrupt_scan("text", usr, 4096, NULL, 0.2);

    /* while the only worker is inside one 200 MB object: the run does not
     * wait for it, and the object's record says it was interrupted. The
     * signal goes as soon as the worker has the object mapped: reading and
     * hashing 200 MB alone take a tenth of a second or more, and the whole
     * scan of it took 0.3 s in a release build (a fixed 0.3 s wait after
     * the walker opened it let the object end first) */
    char *big = NULL;
    int fd = open_tmp_file("big.bin", &big);
    fill(fd, 200 << 20);
    close(fd);
    const char *one[] = {"-j", "1", "--all", big, "/usr", NULL};
    interrupt_scan("jsonl", one, 0, big, 0);
    interrupt_scan("text", one, 0, big, 0);
    free(big);
}

/* ---- read-only ---- */

typedef struct snap {
    char *path;
    struct stat st;
    char sha[65];
} snap;

static void snap_tree(const char *const *paths, size_t n, snap *s) {
    for (size_t i = 0; i < n; i++) {
        s[i].path = (char *)paths[i];
        cr_assert_eq(lstat(paths[i], &s[i].st), 0, "%s", paths[i]);
        s[i].sha[0] = '\0';
        if (S_ISREG(s[i].st.st_mode)) {
            /* O_NOATIME: the snapshot itself must not move atime */
            int fd = open(paths[i], O_RDONLY | O_NOATIME | O_CLOEXEC);
            cr_assert_geq(fd, 0, "%s: %s", paths[i], strerror(errno));
            char *b = slurp_fd(fd);
            close(fd);
            cr_assert_eq(ms_sha256_hex((const uint8_t *)b, s[i].st.st_size, s[i].sha), 0);
            free(b);
        }
    }
}

static void set_old_times(const char *path) {
    struct timespec ts[2];
    clock_gettime(CLOCK_REALTIME, &ts[0]);
    ts[0].tv_sec -= 3 * 24 * 3600;
    ts[1] = ts[0];
    ts[1].tv_sec -= 60; /* mtime before atime, as after a normal read */
    cr_assert_eq(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0, "%s", path);
}

Test(faults, scanning_changes_nothing_contents_mtime_atime) {
    if (geteuid() != 0)
        cr_skip("SKIP: the check reads the files with O_NOATIME, which needs the owner (root here)");
    char *files[] = {
        t_write_str(t_tmp, "tree/a.txt", "hello\n"),
        t_write_str(t_tmp, "tree/x.sh", t_dropper_sh),
        t_write_str(t_tmp, "tree/sub/config.json", "{\"pools\":[{\"url\":\"stratum+tcp://pool.example.com:3333\"}]}\n"),
        NULL, NULL, NULL, NULL,
    };
    size_t nf = 3;
    char *cmd = NULL;
    cr_assert_geq(asprintf(&cmd, "cd '%s/tree' && tar czf pack.tar.gz a.txt x.sh sub", t_tmp), 0);
    cr_assert_eq(system(cmd), 0, "make a tar.gz with tar");
    free(cmd);
    files[nf++] = t_path(t_tmp, "tree/pack.tar.gz");
    files[nf++] = t_path(t_tmp, "tree/sub");
    files[nf++] = t_path(t_tmp, "tree");
    /* the control: a plain read of a file with old times updates atime,
     * or this file system would prove nothing */
    char *control = t_write_str(t_tmp, "control.txt", "control\n");
    set_old_times(control);
    for (size_t i = 0; i < nf; i++) /* directories last: files first */
        set_old_times(files[i]);
    struct stat c0, c1;
    stat(control, &c0);
    free(t_read(control, NULL));
    stat(control, &c1);
    if (c1.st_atim.tv_sec == c0.st_atim.tv_sec)
        cr_skip("SKIP: %s does not update access times on read (noatime?)", t_tmp);

    snap before[8], after[8];
    snap_tree((const char *const *)files, nf, before);
    char *log = t_path(t_tmp, "open.log");
    char *tree = t_path(t_tmp, "tree");
    const char *formats[] = {"jsonl", "text", "sarif"};
    for (int f = 0; f < 3; f++) {
        shim_on(log, NULL);
        argv_t a;
        av_init(&a, NULL, NULL, formats[f]);
        av_add(&a, "--all");
        av_add(&a, tree);
        t_result res;
        cr_assert_eq(t_run(a.v, NULL, 120, &res), 0);
        shim_off();
        cr_assert_lt(res.status, 128, "%s", res.err);
        cr_assert_gt(res.out_len, 0, "%s: there is a report", formats[f]);
        t_result_free(&res);
    }
    snap_tree((const char *const *)files, nf, after);
    for (size_t i = 0; i < nf; i++) {
        const char *p = files[i];
        cr_assert_str_eq(before[i].sha, after[i].sha, "%s: contents changed", p);
        cr_assert_eq(before[i].st.st_size, after[i].st.st_size, "%s: size changed", p);
        cr_assert_eq(before[i].st.st_mtim.tv_sec, after[i].st.st_mtim.tv_sec, "%s: mtime changed", p);
        cr_assert_eq(before[i].st.st_mtim.tv_nsec, after[i].st.st_mtim.tv_nsec, "%s: mtime changed", p);
        cr_assert_eq(before[i].st.st_atim.tv_sec, after[i].st.st_atim.tv_sec, "%s: atime changed", p);
        cr_assert_eq(before[i].st.st_atim.tv_nsec, after[i].st.st_atim.tv_nsec, "%s: atime changed", p);
        cr_assert_eq(before[i].st.st_ctim.tv_sec, after[i].st.st_ctim.tv_sec, "%s: ctime changed", p);
        cr_assert_eq(before[i].st.st_ctim.tv_nsec, after[i].st.st_ctim.tv_nsec, "%s: ctime changed", p);
        cr_assert_eq(before[i].st.st_mode, after[i].st.st_mode, "%s: mode changed", p);
    }
    /* and nothing under the tree was opened for writing */
    char *l = t_read(log, NULL);
    cr_assert_not_null(l);
    size_t opens = 0;
    for (char *line = strtok(l, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned flags = 0;
        char path[4096];
        if (sscanf(line, "%x %4095[^\n]", &flags, path) != 2 || strncmp(path, tree, strlen(tree)))
            continue;
        opens++;
        cr_assert_eq(flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND), 0u,
                     "opened for writing: %s", line);
    }
    cr_assert_gt(opens, 0, "the shim saw the scan's opens");
    free(l);
    for (size_t i = 0; i < nf; i++)
        free(files[i]);
    free(control), free(log), free(tree);
}

/* ---- memory ---- */

/* Issue 9: a file is scanned to its end whatever its size, a window at a
 * time, so memory does not grow with it. 1 GiB, twice the bound: reading
 * it whole at once would show in the peak. */
Test(faults, big_sparse_file_scanned_whole_under_512mb) {
    if (t_under_tsan())
        cr_skip(T_TSAN_SKIP_REASON);
    char *p = NULL;
    int fd = open_tmp_file("disk.img", &p);
    cr_assert_eq(ftruncate(fd, 1LL << 30), 0, "a 1 GiB sparse file");
    /* a miner's config at its very end: found only if the scan gets there */
    const char tail[] = "{\"pools\":[{\"url\":\"stratum+tcp://pool.example.com:3333\",\"user\":\"x\","
                        "\"pass\":\"x\"}],\"donate-level\":1,\"randomx\":{\"1gb-pages\":true}}";
    cr_assert_eq(pwrite(fd, tail, sizeof(tail) - 1, (1LL << 30) - (off_t)sizeof(tail)), (ssize_t)sizeof(tail) - 1);
    close(fd);
    const char *argv[] = {t_minerscan_path(), "-f", "jsonl", "--no-progress", "-j", "2", p, NULL};
    t_result res;
    struct rusage ru;
    cr_assert_eq(t_run_rusage(argv, NULL, 280, &res, &ru), 0);
    cr_assert_lt(res.status, 128, "died of signal %d: %s", res.status - 128, res.err);
    long mb = ru.ru_maxrss / 1024;
    cr_log_info("1 GiB sparse file: peak RSS %ld MiB, exit %d", mb, res.status);
#if defined(__SANITIZE_ADDRESS__)
    /* ASan adds shadow memory and quarantine: this bound only catches
     * holding the whole 1 GiB */
    cr_assert_lt(mb, 1000, "peak RSS %ld MiB under ASan", mb);
#else
    cr_assert_lt(mb, 512, "peak RSS %ld MiB", mb);
#endif
    json_t *recs = parse_jsonl(&res);
    json_t *r = find(recs, p);
    cr_assert_not_null(r, "%s", res.out);
    cr_assert_str_eq(str_of(r, "verdict"), "malicious", "the config at the end was seen: %s", json_dumps(r, 0));
    cr_assert_eq(num_of(r, "size"), 1ULL << 30);
    cr_assert_eq(res.status, 1);
    json_decref(recs);
    t_result_free(&res);
    free(p);
}

/* size bytes that gzip shrinks about 125 times: under --max-ratio (200),
 * so nothing stops the expansion but memory */
static void fill_compressible(int fd, off_t size) {
    static uint8_t block[1 << 16];
    uint64_t x = 88172645463325252ULL;
    for (off_t off = 0; off < size; off += (off_t)sizeof(block)) {
        for (int i = 0; i < 400; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            block[i] = (uint8_t)x;
        }
        cr_assert_eq(pwrite(fd, block, sizeof(block), off), (ssize_t)sizeof(block));
    }
}

Test(faults, nested_uncompressed_archives_peak_rss_under_512mb) {
    if (t_under_tsan())
        cr_skip(T_TSAN_SKIP_REASON);
    /* top.tar.gz (1 MB) holding l3.tar holding l2.tar holding l1.tar
     * holding a 150 MB file: four levels of 150 MB at a ratio of 1, which
     * --max-ratio cannot see; a copy per level would hold 600 MB */
    char *p = NULL;
    int fd = open_tmp_file("big.bin", &p);
    fill_compressible(fd, 150 << 20);
    close(fd);
    free(p);
    char *cmd = NULL;
    cr_assert_geq(asprintf(&cmd,
                           "cd '%s' && tar cf l1.tar big.bin && rm big.bin && tar cf l2.tar l1.tar && "
                           "rm l1.tar && tar cf l3.tar l2.tar && rm l2.tar && tar cf - l3.tar | gzip -1 > "
                           "top.tar.gz && rm l3.tar",
                           t_tmp), 0);
    cr_assert_eq(system(cmd), 0, "make the nested archive with tar and gzip");
    free(cmd);
    char *top = t_path(t_tmp, "top.tar.gz");
    const char *argv[] = {t_minerscan_path(), "-f", "jsonl", "--no-progress", "--all", top, NULL};
    t_result res;
    struct rusage ru;
    cr_assert_eq(t_run_rusage(argv, NULL, 280, &res, &ru), 0);
    cr_assert_lt(res.status, 128, "died of signal %d: %s", res.status - 128, res.err);
    long mb = ru.ru_maxrss / 1024;
    cr_log_info("nested tars: peak RSS %ld MiB, exit %d", mb, res.status);
#if defined(__SANITIZE_ADDRESS__)
    cr_assert_lt(mb, 1536, "peak RSS %ld MiB under ASan", mb);
#else
    cr_assert_lt(mb, 512, "peak RSS %ld MiB", mb);
#endif
    cr_assert_eq(res.status, 0, "every level read: %s", res.err);
    json_t *recs = parse_jsonl(&res);
    char *leaf = NULL;
    cr_assert_geq(asprintf(&leaf, "%s!l3.tar!l2.tar!l1.tar!big.bin", top), 0);
    assert_verdict(recs, leaf, "clean", res.out);
    cr_assert_eq(num_of(find(recs, leaf), "size"), 150u << 20);
    check_accounting(recs, true);
    json_decref(recs);
    t_result_free(&res);
    free(leaf), free(top);
}

/* ---- nothing lost ---- */

typedef struct expect {
    char *path;          /* raw bytes */
    const char *verdict; /* expected verdict */
    const char *why;     /* substring of the reason, or NULL */
} expect;

Test(faults, every_fault_in_one_tree_is_accounted_for) {
    bool root = geteuid() == 0;
    if (root && !can_setpriv())
        cr_skip("SKIP: root without setpriv");
    char *tree = t_path(t_tmp, "tree");
    mkdir(tree, 0755);
    /* the scanning user owns the tree, so the shim can make a file vanish */
    if (root)
        cr_assert_eq(chown(tree, 65534, 65534), 0);
    expect ex[64];
    size_t n = 0;
#define EXPECT(p, v, w) (ex[n++] = (expect){(p), (v), (w)})
    EXPECT(t_write_str(t_tmp, "tree/plain.txt", "hello\n"), "clean", NULL);
    char *secret = t_write_str(t_tmp, "tree/secret.txt", "x\n");
    chmod(secret, root ? 0600 : 0000);
    EXPECT(secret, "error", "ermission");
    char *locked = t_path(t_tmp, "tree/locked");
    free(t_write_str(t_tmp, "tree/locked/inner.txt", "x\n"));
    chmod(locked, root ? 0700 : 0000);
    EXPECT(locked, "error", "ermission");
    char *fifo = t_path(t_tmp, "tree/fifo");
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    EXPECT(fifo, "skipped", "fifo");
    EXPECT(make_socket("tree/sock"), "skipped", "socket");
    char *dev = t_path(t_tmp, "tree/null-dev");
    if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)) == 0)
        EXPECT(dev, "skipped", "device");
    else
        free(dev);
    char *loop = t_path(t_tmp, "tree/loop");
    cr_assert_eq(symlink("loop", loop), 0);
    free(loop); /* a symlink that is not followed: counted if reported */
    char *bad = t_path(t_tmp, "tree/bad\xff\nname\x1b.txt");
    free(t_write_str(t_tmp, "tree/bad\xff\nname\x1b.txt", "hello\n"));
    EXPECT(bad, "clean", NULL);
    char *v = t_write_str(t_tmp, "tree/vanish-me.txt", "x\n");
    free(v); /* vanishes: an error record, never clean (issue 15) */
    /* a member over --max-filesize (a file is scanned whole, a member is
     * held in memory): 2 MiB of noise in a gzip, the cap 1M */
    char *noise_path = t_path(t_tmp, "noise.bin"), *gz = t_path(t_tmp, "tree/noise.bin.gz");
    int fd = open(noise_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert_geq(fd, 0);
    for (uint32_t i = 0, x = 1; i < (2u << 20) / 4; i++) {
        x = x * 1664525u + 1013904223u;
        cr_assert_eq(write(fd, &x, 4), 4);
    }
    close(fd);
    char *cmd = NULL;
    cr_assert(asprintf(&cmd, "gzip -1 -c '%s' > '%s'", noise_path, gz) > 0);
    cr_assert_eq(system(cmd), 0);
    free(cmd);
    unlink(noise_path);
    free(noise_path);
    char *big = NULL;
    cr_assert(asprintf(&big, "%s!noise.bin", gz) > 0);
    free(gz);
    EXPECT(big, "limit", "max-filesize");
    char *deep = t_path(t_tmp, "tree/deep");
    mkdir(deep, 0755);
    free(make_deep(deep, 40));
    /* the walker reports the first directory beyond --max-dir-depth */
    EXPECT(NULL, "limit", "depth");
    EXPECT(t_write(t_tmp, "tree/empty", "", 0), "clean", NULL);

    char *bin = root ? binary_copy() : NULL;
    char *log = t_path(t_tmp, "open.log");
    int lfd = open(log, O_WRONLY | O_CREAT, 0666);
    close(lfd);
    chmod(log, 0666);
    shim_on(log, "vanish-");
    t_result res;
    json_t *recs = scan_with(&res, root ? as_nobody : NULL, bin, "--all", "--max-filesize", "1M",
                             "--max-dir-depth", "32", tree, NULL);
    shim_off();
    cr_assert_eq(res.status, 2, "stderr %s", res.err);
    json_t *sum = check_accounting(recs, true);
    /* the limit record is somewhere under deep/, at depth 32 from tree/ */
    size_t lim = count_prefix(recs, deep, "limit");
    cr_assert_eq(lim, 1, "one depth-limit record under %s:\n%.3000s", deep, res.out);
    for (size_t i = 0; i < n; i++) {
        if (!ex[i].path)
            continue;
        json_t *r = t_find_record(recs, ex[i].path);
        cr_assert_not_null(r, "a record for %s:\n%.4000s", ex[i].path, res.out);
        cr_assert_str_eq(str_of(r, "verdict"), ex[i].verdict, "%s", json_dumps(r, 0));
        if (ex[i].why)
            cr_assert_not_null(strstr(str_of(r, "reason"), ex[i].why), "%s", json_dumps(r, 0));
    }
    /* counts add up: every top-level record is a file walked */
    size_t i, top = 0, vanished = 0;
    json_t *r;
    json_array_foreach(recs, i, r) {
        if (!is_object(r))
            continue;
        const char *p = str_of(r, "path");
        if (!strchr(p + strlen(tree), '!'))
            top++;
        if (strstr(p, "vanish-me")) {
            vanished++;
            cr_assert_str_neq(str_of(r, "verdict"), "clean", "a vanished file is not clean");
        }
    }
    cr_assert_eq(num_of(sum, "files") + num_of(sum, "directories"), top,
                 "summary files + directories = top-level records");
    cr_assert_eq(num_of(sum, "objects"), json_array_size(recs) - 1, "summary objects = records");
    cr_assert_geq(num_of(sum, "errors"), 2);
    cr_assert_geq(num_of(sum, "skipped"), 2);
    cr_assert_geq(num_of(sum, "limits"), 2);
    cr_assert_leq(vanished, 1);
    json_decref(recs);

    /* the same run in text: every record that is not clean says why */
    argv_t a;
    av_init(&a, root ? as_nobody : NULL, bin, "text");
    av_add(&a, "--max-filesize");
    av_add(&a, "1M");
    av_add(&a, "--max-dir-depth");
    av_add(&a, "32");
    av_add(&a, tree);
    t_result txt;
    cr_assert_eq(t_run(a.v, NULL, 120, &txt), 0);
    cr_assert_eq(txt.status, 2, "%s", txt.err);
    const char *whys[] = {"ermission", "fifo", "socket", "max-filesize", "depth", NULL};
    for (size_t k = 0; whys[k]; k++)
        cr_assert_not_null(strstr(txt.out, whys[k]), "text output says \"%s\":\n%s", whys[k], txt.out);
    t_result_free(&txt);
    t_result_free(&res);
    t_rmtree_deep(deep);
    for (size_t k = 0; k < n; k++)
        free(ex[k].path);
    free(tree), free(deep), free(bin), free(log);
}
