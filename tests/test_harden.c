/*
 * test_harden.c - issue 15, through the real binary: every stop signal
 * ends the run with a whole report, timeout(1) never leaves it cut, the
 * report is never an input, what changed under the walk is an error, the
 * memory and object budgets hold on the bombs, named inputs that
 * were not read exit 2, --stdin, records that do not contradict
 * themselves, the path chain and reason codes, the sandbox.
 *
 * Children are started with posix_spawn (t_spawn), never fork: a
 * Criterion test process already has a second thread.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

TestSuite(harden, .init = t_tmp_setup_0755, .fini = t_tmp_teardown, .timeout = 240);
/* the bombs and the allocation sweep: a suite of their own rather than a
 * per-test override (Criterion 2.4's runner leaks when a test overrides
 * its suite's timeout while another runs, which LeakSanitizer reports) */
TestSuite(harden_slow, .init = t_tmp_setup_0755, .fini = t_tmp_teardown, .timeout = 900);

/* ---- helpers ---- */

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *str_of(json_t *r, const char *key) {
    const char *s = json_string_value(json_object_get(r, key));
    return s ? s : "";
}

static int open_tmp(const char *name) {
    char *p = t_path(t_tmp, name);
    int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    cr_assert_geq(fd, 0, "create %s", p);
    free(p);
    return fd;
}

static char *slurp_fd(int fd) {
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    char *b = malloc((size_t)st.st_size + 1);
    ssize_t k = pread(fd, b, (size_t)st.st_size, 0);
    b[k > 0 ? k : 0] = '\0';
    return b;
}

static bool has_open(pid_t pid, const char *path) {
    char link[64], target[4096];
    for (int fd = 0; fd < 256; fd++) {
        snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        if (n > 0) {
            target[n] = '\0';
            if (!strcmp(target, path))
                return true;
        }
    }
    return false;
}

/* CPU seconds used by the busiest thread of pid. */
static double busiest_thread_cpu(pid_t pid) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    double best = 0;
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char stat_path[512], buf[1024];
        snprintf(stat_path, sizeof(stat_path), "%s/%s/stat", path, e->d_name);
        int fd = open(stat_path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        if (fd >= 0)
            close(fd);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        /* after "(comm)": state ppid pgrp session tty tpgid flags minflt
         * cminflt majflt cmajflt utime stime */
        const char *p = strrchr(buf, ')');
        unsigned long ut = 0, st = 0;
        if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2) {
            double s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
            if (s > best)
                best = s;
        }
    }
    if (d)
        closedir(d);
    return best;
}

/* Wait until a thread of pid has spent 0.3 s of CPU: the only work that
 * long in the slow-rule scans below is libyara's loop. */
static void wait_inside_libyara(pid_t pid) {
    for (double t0 = now(); now() - t0 < 120; usleep(10000)) {
        if (busiest_thread_cpu(pid) >= 0.3)
            return;
        cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "the scan ended early");
    }
    cr_assert_fail("no worker got busy in 120 s");
}

/* What a stopped run must leave: whole JSON Lines, the summary last,
 * saying interrupted, and counts that add up to the records (--all). */
static void assert_whole_report(const char *what, const char *out, bool interrupted) {
    size_t len = strlen(out);
    cr_assert(len > 0 && out[len - 1] == '\n', "%s: the output ends with a whole line (%zu bytes): ...%s",
              what, len, out + (len > 300 ? len - 300 : 0));
    json_t *recs = t_jsonl(out);
    cr_assert_not_null(recs, "%s: every line is JSON: ...%s", what, out + (len > 300 ? len - 300 : 0));
    size_t n = json_array_size(recs);
    json_t *sum = json_array_get(recs, n - 1);
    cr_assert_str_eq(str_of(sum, "type"), "summary", "%s: the last line is the summary", what);
    cr_assert_eq(t_summary(recs), sum, "%s: one summary", what);
    cr_assert_eq(json_is_true(json_object_get(sum, "interrupted")), interrupted, "%s: %s", what,
                 json_dumps(sum, 0));
    cr_assert_eq((size_t)json_integer_value(json_object_get(sum, "objects")), n - 1,
                 "%s: with --all the summary counts every record: %s", what, json_dumps(sum, 0));
    json_decref(recs);
}

/* Start minerscan ARGS with stdout and stderr in files of t_tmp. */
static pid_t start_scan(const char *const *args, int *ret_out, int *ret_err) {
    const char *argv[64];
    size_t n = 0;
    argv[n++] = t_minerscan_path();
    argv[n++] = "--no-progress";
    for (size_t i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    *ret_out = open_tmp("stdout");
    *ret_err = open_tmp("stderr");
    pid_t pid = t_spawn(argv, -1, *ret_out, *ret_err);
    cr_assert_gt(pid, 0, "spawn minerscan: %s", strerror(-pid));
    return pid;
}

/* Wait until the scan has written more than bytes of output. */
static void wait_output(pid_t pid, int out, size_t bytes) {
    struct stat st;
    for (double t0 = now(); now() - t0 < 120; usleep(5000)) {
        if (fstat(out, &st) == 0 && (size_t)st.st_size > bytes)
            return;
        cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "the scan ended before it wrote %zu bytes", bytes);
    }
    cr_assert_fail("no output after 120 s");
}

/* ---- signals ---- */

/* Issue 15: SIGINT, SIGTERM, SIGHUP and SIGUSR1 end the run the same way:
 * whatever was scanned is written, a partial summary says interrupted,
 * and the exit status is 128 + the signal. */
Test(harden, every_stop_signal_gives_a_whole_report_and_128_plus_signo) {
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGUSR1};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        const char *args[] = {"-f", "jsonl", "--all", "-j", "2", "/usr", NULL};
        int out, err;
        pid_t pid = start_scan(args, &out, &err);
        wait_output(pid, out, 8192);
        cr_assert_eq(kill(pid, sigs[i]), 0);
        double t0 = now();
        int st = t_wait(pid, 60);
        cr_log_info("%s: stopped in %.2f s", strsignal(sigs[i]), now() - t0);
        char *o = slurp_fd(out), *e = slurp_fd(err);
        cr_assert_eq(st, 128 + sigs[i], "%s: exit %d (stderr %s)", strsignal(sigs[i]), st, e);
        cr_assert_not_null(strstr(e, "interrupted"), "%s: says so on stderr: %s", strsignal(sigs[i]), e);
        assert_whole_report(strsignal(sigs[i]), o, true);
        free(o), free(e);
        close(out), close(err);
    }
}

/* The reproduction: `timeout 3 minerscan /usr > f` left f empty
 * or cut (timeout signals the scanner, then its process group: two
 * signals, and the second one _exit'ed). Every run must leave whole
 * JSON Lines ending in a summary, and exit 143 (--preserve-status). */
/* How long the scanner takes here to write its first bytes. A signal that
 * arrives before main() has installed its handlers ends any program with
 * nothing written; an ASan build on a loaded 2-core machine took over a
 * second to get there (the test once failed at "timeout 1.0" with 0 bytes
 * and exit 143, the default action of SIGTERM). The timeouts below count
 * from this point, so each signal reaches a running scan. */
static double time_to_first_bytes(void) {
    const char *argv[] = {t_minerscan_path(), "-f", "jsonl", "--no-progress", "--all", "/usr", NULL};
    int out = open_tmp("first"), err = open_tmp("first-err");
    double t0 = now(), t = -1;
    pid_t pid = t_spawn(argv, -1, out, err);
    cr_assert_gt(pid, 0);
    while (now() - t0 < 60) {
        struct stat st;
        if (fstat(out, &st) == 0 && st.st_size > 0) {
            t = now() - t0;
            break;
        }
        usleep(5000);
    }
    kill(pid, SIGKILL);
    t_wait(pid, 60);
    close(out), close(err);
    cr_assert_geq(t, 0.0, "no output in 60 s");
    return t;
}

Test(harden, timeout_never_leaves_an_empty_or_cut_report) {
    if (!t_have_program("timeout"))
        cr_skip("SKIP: no timeout(1)");
    const double start = time_to_first_bytes();
    cr_log_info("first bytes after %.2f s", start);
    const double after[] = {0.3, 0.7, 1.0, 1.5, 2.0, 3.0};
    for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
        char secs[16];
        snprintf(secs, sizeof(secs), "%.2f", start + after[i]);
        const char *argv[] = {"timeout", "--preserve-status", secs, t_minerscan_path(), "-f", "jsonl",
                              "--no-progress", "--all", "/usr", NULL};
        int out = open_tmp("f"), err = open_tmp("err");
        pid_t pid = t_spawn(argv, -1, out, err);
        cr_assert_gt(pid, 0);
        int st = t_wait(pid, 120);
        char *o = slurp_fd(out), *e = slurp_fd(err);
        char what[64];
        snprintf(what, sizeof(what), "timeout %s", secs);
        cr_assert_eq(st, 143, "%s: exit %d, stderr %s", what, st, e);
        assert_whole_report(what, o, true);
        free(o), free(e);
        close(out), close(err);
    }
}

/* libyara cannot be interrupted inside one scan: a rule whose condition
 * loops a billion times keeps the only worker there. One SIGTERM waits
 * for it, bounded by --scan-timeout (the record then says the scan timed
 * out); a second SIGTERM hurries: the report is written without it. */
static const char slow_rule[] =
    "rule slow_loop { condition: for all i in (0..filesize-1) : "
    "(for all j in (0..9999) : (uint8(i) != 255)) }\n";

static char *slow_fixture(void) {
    char *rules = t_write_str(t_tmp, "slow.yar", slow_rule);
    free(rules);
    static char zeros[1 << 20];
    return t_write(t_tmp, "zeros.bin", zeros, sizeof(zeros));
}

Test(harden, a_worker_inside_libyara_is_bounded_by_its_timeout) {
    char *file = slow_fixture();
    char *rules = t_path(t_tmp, "slow.yar");
    const char *args[] = {"-f", "jsonl", "--all", "-j", "1", "--rules", rules, "--scan-timeout", "3", file,
                          NULL};
    int out, err;
    pid_t pid = start_scan(args, &out, &err);
    wait_inside_libyara(pid);
    cr_assert(has_open(pid, file), "the worker is on the file");
    double t0 = now();
    kill(pid, SIGTERM);
    int st = t_wait(pid, 60);
    double took = now() - t0;
    char *o = slurp_fd(out), *e = slurp_fd(err);
    cr_assert_eq(st, 143, "exit %d: %s", st, e);
    cr_assert_lt(took, 30.0, "bounded by --scan-timeout 3: took %.1f s", took);
    assert_whole_report("one SIGTERM", o, true);
    json_t *recs = t_jsonl(o);
    json_t *r = t_find_record(recs, file);
    cr_assert_not_null(r, "the object being scanned is finished and reported: %s", o);
    cr_assert_not_null(strstr(str_of(r, "reason"), "timed out"), "%s", json_dumps(r, 0));
    json_decref(recs);
    free(o), free(e), free(file), free(rules);
    close(out), close(err);
}

Test(harden, a_second_signal_hurries_the_stop_and_keeps_the_report) {
    char *file = slow_fixture();
    char *rules = t_path(t_tmp, "slow.yar");
    char *small = t_write_str(t_tmp, "a-small.txt", "hello\n");
    const char *args[] = {"-f", "jsonl", "--all", "-j", "1", "--rules", rules, "--scan-timeout", "600", small,
                          file, NULL};
    int out, err;
    pid_t pid = start_scan(args, &out, &err);
    wait_inside_libyara(pid);
    cr_assert(has_open(pid, file), "the worker is on the file");
    double t0 = now();
    kill(pid, SIGTERM);
    usleep(300 * 1000);
    cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "one signal waits for the worker inside libyara");
    kill(pid, SIGTERM);
    int st = t_wait(pid, 60);
    double took = now() - t0;
    char *o = slurp_fd(out), *e = slurp_fd(err);
    cr_assert_eq(st, 143, "exit %d: %s", st, e);
    cr_assert_lt(took, 10.0, "the second signal ends the wait: took %.1f s", took);
    assert_whole_report("two SIGTERMs", o, true);
    json_t *recs = t_jsonl(o);
    cr_assert_not_null(t_find_record(recs, small), "what was scanned is reported: %s", o);
    json_decref(recs);
    free(o), free(e), free(file), free(rules), free(small);
    close(out), close(err);
}

/* ---- the report is never an input ---- */

static json_t *run_jsonl(t_result *res, const char *stdin_data, const char *const *args) {
    const char *argv[64];
    size_t n = 0;
    argv[n++] = t_minerscan_path();
    argv[n++] = "-f";
    argv[n++] = "jsonl";
    argv[n++] = "--no-progress";
    /* the fault shim changes files from inside the scanner, which its
     * sandbox forbids (sandbox.h) */
    if (getenv("LD_PRELOAD"))
        argv[n++] = "--no-sandbox";
    for (size_t i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    cr_assert_eq(t_run(argv, stdin_data, 200, res), 0);
    cr_assert_lt(res->status, 128, "died of signal %d: %s", res->status - 128, res->err);
    if (res->status == 2 && !res->out_len)
        return NULL; /* a usage error */
    json_t *recs = t_jsonl(res->out);
    cr_assert_not_null(recs, "JSON Lines (exit %d, %s):\n%s", res->status, res->err, res->out);
    return recs;
}

/* Issue 15: `minerscan -o ev.sh ev.sh` truncated the evidence before the
 * scan and called it clean. The report is refused when it is a named
 * input (also through a hard link), and left out of a walk that meets it. */
Test(harden, output_that_is_an_input_is_refused_and_never_walked) {
    char *ev = t_write_str(t_tmp, "ev.sh", t_dropper_sh);
    char *hard = t_path(t_tmp, "hardlink.sh");
    cr_assert_eq(link(ev, hard), 0);
    t_result res;
    const char *a1[] = {"-o", ev, ev, NULL};
    cr_assert_null(run_jsonl(&res, NULL, a1));
    cr_assert_eq(res.status, 2);
    cr_assert_not_null(strstr(res.err, "is one of the inputs"), "%s", res.err);
    t_result_free(&res);
    const char *a2[] = {"-o", hard, ev, NULL};
    cr_assert_null(run_jsonl(&res, NULL, a2));
    cr_assert_eq(res.status, 2, "a hard link to an input is the input");
    t_result_free(&res);
    size_t n = 0;
    char *after = t_read(ev, &n);
    cr_assert_str_eq(after, t_dropper_sh, "the input is untouched");
    free(after);

    /* a report inside the tree walked: not scanned, said so */
    char *dir = t_path(t_tmp, "tree");
    mkdir(dir, 0755);
    free(t_write_str(t_tmp, "tree/a.txt", "hello\n"));
    char *report = t_path(t_tmp, "tree/report.jsonl");
    const char *a3[] = {"--all", "-o", report, dir, NULL};
    json_decref(run_jsonl(&res, NULL, a3));
    cr_assert_eq(res.status, 0, "%s", res.err);
    t_result_free(&res);
    char *text = t_read(report, NULL);
    json_t *recs = t_jsonl(text);
    cr_assert_not_null(recs);
    json_t *r = t_find_record(recs, report);
    cr_assert_not_null(r, "%s", text);
    cr_assert_str_eq(str_of(r, "verdict"), "skipped");
    cr_assert_str_eq(str_of(r, "reason"), "the report being written");
    json_decref(recs);
    free(text), free(report), free(dir), free(ev), free(hard);
}

/* ---- what changes under the walk ---- */

static char *shim_so, *alloc_shim_so;

/* The shim with its allocation hooks (-DMS_SHIM_ALLOC). */
static const char *alloc_shim(void) {
    if (!alloc_shim_so)
        alloc_shim_so = t_fault_shim("fault_shim_alloc.so", "-shared -fPIC -DMS_SHIM_ALLOC -ldl");
    return alloc_shim_so;
}

static const char *shim(void) {
    if (!shim_so)
        shim_so = t_fault_shim("fault_shim.so", "-shared -fPIC");
    return shim_so;
}

/* Run the children under the shim; under ASan the preloaded library
 * comes before the sanitizer runtime, which ASan refuses unless told. */
static void shim_on(void) {
    setenv("LD_PRELOAD", shim(), 1);
    const char *asan = getenv("ASAN_OPTIONS");
    char *opts = NULL;
    cr_assert_geq(asprintf(&opts, "%s%sverify_asan_link_order=0", asan ? asan : "", asan && *asan ? ":" : ""), 0);
    setenv("ASAN_OPTIONS", opts, 1);
    free(opts);
}

static void shim_off(void) {
    unsetenv("LD_PRELOAD");
}

/* Issue 15: a directory swapped for a symlink between listing and open
 * was dropped with no record; a renamed one was "skipped: vanished" and
 * exit 0. The shim does both at the worst moment, every time. */
Test(harden, directory_swapped_or_renamed_under_the_walk_is_an_error_and_exit_2) {
    free(t_write_str(t_tmp, "tree/a.txt", "hello\n"));
    free(t_write_str(t_tmp, "tree/swap-dir/x.sh", t_dropper_sh));
    free(t_write_str(t_tmp, "tree/ren-dir/y.sh", t_dropper_sh));
    free(t_write_str(t_tmp, "tree/z.txt", "after\n"));
    char *tree = t_path(t_tmp, "tree");
    shim_on();
    setenv("MS_SHIM_SWAP", "swap-", 1);
    setenv("MS_SHIM_RENAME", "ren-", 1);
    t_result res;
    const char *args[] = {"--all", tree, NULL};
    json_t *recs = run_jsonl(&res, NULL, args);
    unsetenv("MS_SHIM_SWAP");
    unsetenv("MS_SHIM_RENAME");
    shim_off();
    char *swapped = t_path(t_tmp, "tree/swap-dir"), *renamed = t_path(t_tmp, "tree/ren-dir");
    struct stat st;
    cr_assert(lstat(swapped, &st) == 0 && S_ISLNK(st.st_mode), "the shim swapped the directory");
    json_t *r = t_find_record(recs, swapped);
    cr_assert_not_null(r, "a record for the swapped directory:\n%s", res.out);
    cr_assert_str_eq(str_of(r, "verdict"), "error", "%s", json_dumps(r, 0));
    cr_assert_not_null(strstr(str_of(r, "reason"), "symlink"), "%s", json_dumps(r, 0));
    r = t_find_record(recs, renamed);
    cr_assert_not_null(r, "a record for the renamed directory:\n%s", res.out);
    cr_assert_str_eq(str_of(r, "verdict"), "error", "%s", json_dumps(r, 0));
    cr_assert_not_null(strstr(str_of(r, "reason"), "vanished"), "%s", json_dumps(r, 0));
    cr_assert(json_is_true(json_object_get(r, "incomplete")));
    cr_assert_eq(res.status, 2, "exit 2: what was listed was not all read; %s", res.err);
    json_decref(recs);
    t_result_free(&res);
    free(tree), free(swapped), free(renamed);
}

/* ---- named inputs that were not read; --stdin ---- */

Test(harden, named_inputs_that_were_not_read_exit_2) {
    /* `cat x | minerscan /dev/stdin`: a pipe named on the command line */
    const char *argv[] = {"sh", "-c", "printf 'hello\\n' | \"$0\" -f jsonl --no-progress /dev/stdin",
                          t_minerscan_path(), NULL};
    t_result res;
    cr_assert_eq(t_run(argv, NULL, 60, &res), 0);
    cr_assert_eq(res.status, 2, "a named pipe that was not read: exit %d %s", res.status, res.err);
    json_t *recs = t_jsonl(res.out);
    json_t *r = t_find_record(recs, "/dev/stdin");
    cr_assert_not_null(r, "%s", res.out);
    cr_assert_str_eq(str_of(r, "verdict"), "skipped");
    cr_assert_not_null(strstr(str_of(r, "reason"), "--stdin"), "the record says how: %s", json_dumps(r, 0));
    json_decref(recs);
    t_result_free(&res);

    /* a device named on the command line is not read either */
    const char *dev[] = {"/dev/null", NULL};
    recs = run_jsonl(&res, NULL, dev);
    cr_assert_eq(res.status, 2, "exit %d", res.status);
    r = t_find_record(recs, "/dev/null");
    cr_assert_not_null(r, "%s", res.out);
    cr_assert_not_null(strstr(str_of(r, "reason"), "device: named but not read"), "%s", json_dumps(r, 0));
    json_decref(recs);
    t_result_free(&res);
}

Test(harden, stdin_scans_standard_input) {
    char *plain = t_write_str(t_tmp, "plain.txt", "hello\n");
    const char *args[] = {"--all", "--stdin", plain, NULL};
    t_result res;
    json_t *recs = run_jsonl(&res, t_dropper_sh, args);
    cr_assert_eq(res.status, 1, "the dropper on stdin is found: %s", res.err);
    json_t *r = t_find_record(recs, "(stdin)");
    cr_assert_not_null(r, "%s", res.out);
    cr_assert(!strcmp(str_of(r, "verdict"), "malicious") || !strcmp(str_of(r, "verdict"), "suspicious"),
              "%s", json_dumps(r, 0));
    cr_assert_eq(json_integer_value(json_object_get(r, "size")), (json_int_t)strlen(t_dropper_sh));
    cr_assert(json_is_false(json_object_get(r, "incomplete")), "%s", json_dumps(r, 0));
    cr_assert_not_null(t_find_record(recs, plain), "the paths are scanned too");
    json_decref(recs);
    t_result_free(&res);
    /* '-' (paths on stdin) and --stdin (data on stdin) cannot both be */
    const char *both[] = {"--stdin", "-", NULL};
    cr_assert_null(run_jsonl(&res, "", both));
    cr_assert_eq(res.status, 2);
    t_result_free(&res);
    free(plain);
}

/* Issue 15: as a user who does not own the files, O_NOATIME is refused
 * and access times may change; say so once. */
Test(harden, noatime_refused_is_said_once) {
    if (geteuid() != 0 || !t_have_program("setpriv"))
        cr_skip("SKIP: needs root and setpriv to scan root's files as nobody");
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof(name), "tree/f%d.txt", i);
        char *p = t_write_str(t_tmp, name, "hello\n");
        chmod(p, 0644);
        free(p);
    }
    char *tree = t_path(t_tmp, "tree");
    chmod(tree, 0755);
    /* a copy of the binary nobody can execute */
    size_t n;
    char *b = t_read(t_minerscan_path(), &n);
    char *bin = t_write(t_tmp, "bin/minerscan", b, n);
    free(b);
    chmod(bin, 0755);
    char *bindir = t_path(t_tmp, "bin");
    chmod(bindir, 0755);
    const char *argv[] = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin, "-f", "jsonl",
                          "--no-progress", tree, NULL};
    t_result res;
    cr_assert_eq(t_run(argv, NULL, 60, &res), 0);
    cr_assert_eq(res.status, 0, "%s", res.err);
    const char *hit = strstr(res.err, "O_NOATIME");
    cr_assert_not_null(hit, "stderr says so: %s", res.err);
    cr_assert_null(strstr(hit + 1, "O_NOATIME"), "once: %s", res.err);
    t_result_free(&res);
    /* as root (CAP_FOWNER) nothing to say */
    const char *rargv[] = {t_minerscan_path(), "-f", "jsonl", "--no-progress", tree, NULL};
    cr_assert_eq(t_run(rargv, NULL, 60, &res), 0);
    cr_assert_null(strstr(res.err, "O_NOATIME"), "%s", res.err);
    t_result_free(&res);
    free(tree), free(bin), free(bindir);
}

/* ---- records that agree with themselves; chain and reason_code ---- */

static bool is_limit_code(const char *c) {
    return !strncmp(c, "max-", 4) || !strncmp(c, "capture-", 8);
}

/* The display path made from the chain: "!" between components, "!" and
 * "\" inside member names escaped with "\". */
static char *join_chain(json_t *chain) {
    size_t i, n = 0;
    json_t *c;
    json_array_foreach(chain, i, c) n += 2 * strlen(json_string_value(c)) + 1;
    char *p = calloc(1, n + 1), *q = p;
    json_array_foreach(chain, i, c) {
        const char *s = json_string_value(c);
        if (i)
            *q++ = '!';
        for (; *s; s++) {
            if (i && (*s == '!' || *s == '\\'))
                *q++ = '\\';
            *q++ = *s;
        }
    }
    return p;
}

/* Is chain a a proper prefix of chain b? */
static bool chain_prefix(json_t *a, json_t *b) {
    size_t na = json_array_size(a);
    if (na >= json_array_size(b))
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(json_string_value(json_array_get(a, i)), json_string_value(json_array_get(b, i))))
            return false;
    return true;
}

static void assert_consistent(json_t *recs, const char *out) {
    size_t i, j;
    json_t *r, *m;
    json_array_foreach(recs, i, r) {
        if (strcmp(str_of(r, "type"), "object"))
            continue;
        json_t *chain = json_object_get(r, "chain");
        cr_assert(json_is_array(chain) && json_array_size(chain) >= 1, "a chain: %s", json_dumps(r, 0));
        char *joined = join_chain(chain);
        cr_assert_str_eq(joined, str_of(r, "path"), "the chain makes the path: %s", json_dumps(r, 0));
        free(joined);
        const char *verdict = str_of(r, "verdict");
        json_t *rc = json_object_get(r, "reason_code");
        if (json_is_null(json_object_get(r, "reason"))) {
            cr_assert(json_is_null(rc), "no reason, no code: %s", json_dumps(r, 0));
            continue;
        }
        const char *code = json_string_value(json_object_get(rc, "code"));
        cr_assert_not_null(code, "a reason has a code: %s", json_dumps(r, 0));
        cr_assert_str_neq(code, "other", "a code for every reason here: %s", json_dumps(r, 0));
        if (!strcmp(verdict, "error")) {
            cr_assert(!is_limit_code(code), "an error is not a limit: %s", json_dumps(r, 0));
            cr_assert_neq(strncmp(str_of(r, "reason"), "limit:", 6), 0, "%s", json_dumps(r, 0));
        }
        if (!strcmp(verdict, "limit"))
            cr_assert(is_limit_code(code) || !strcmp(code, "member-incomplete"), "%s", json_dumps(r, 0));
        if (is_limit_code(code))
            cr_assert(json_is_true(json_object_get(r, "incomplete")), "a limit is incomplete: %s",
                      json_dumps(r, 0));
    }
    /* an archive with a member not fully scanned is not fully scanned */
    json_array_foreach(recs, i, r) {
        if (strcmp(str_of(r, "type"), "object") || !json_is_true(json_object_get(r, "incomplete")))
            continue;
        json_array_foreach(recs, j, m) {
            if (!strcmp(str_of(m, "type"), "object") &&
                chain_prefix(json_object_get(m, "chain"), json_object_get(r, "chain")))
                cr_assert(json_is_true(json_object_get(m, "incomplete")), "%s holds %s:\n%s", str_of(m, "path"),
                          json_dumps(r, 0), out);
        }
    }
}

static void sh(const char *fmt, ...) {
    char *cmd = NULL;
    va_list ap;
    va_start(ap, fmt);
    cr_assert_geq(vasprintf(&cmd, fmt, ap), 0);
    va_end(ap);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    free(cmd);
}

/* Issue 15: "x!y.sh" in bang.tar was "bang.tar!x!y.sh"; an archive whose
 * member hit a limit said incomplete: false; a member stopped early said
 * size 0; an error verdict carried a "limit:" reason. */
Test(harden, records_agree_with_themselves_chain_and_reason_code) {
    free(t_write_str(t_tmp, "bang/x!y.sh", t_dropper_sh));
    free(t_write_str(t_tmp, "bang/a\\b.txt", "hello\n"));
    sh("cd '%s' && tar --no-unquote -cf bang.tar -C bang 'x!y.sh' 'a\\b.txt'", t_tmp);
    /* a ratio bomb (64 MiB of zeros) inside a tar */
    sh("cd '%s' && head -c 67108864 /dev/zero | tr '\\0' a | gzip -9 > zeros.gz && tar cf bomb.tar zeros.gz", t_tmp);
    char *bang = t_path(t_tmp, "bang.tar"), *bomb = t_path(t_tmp, "bomb.tar");
    const char *args[] = {"--all", bang, bomb, NULL};
    t_result res;
    json_t *recs = run_jsonl(&res, NULL, args);
    assert_consistent(recs, res.out);
    char *xy = NULL, *zeros = NULL, *ab = NULL;
    cr_assert_geq(asprintf(&xy, "%s!x\\!y.sh", bang), 0);
    cr_assert_geq(asprintf(&ab, "%s!a\\\\b.txt", bang), 0);
    cr_assert_geq(asprintf(&zeros, "%s!zeros.gz!zeros", bomb), 0);
    json_t *r = t_find_record(recs, xy);
    cr_assert_not_null(r, "the escaped display path %s:\n%s", xy, res.out);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(r, "chain"), 1)), "x!y.sh");
    cr_assert_not_null(t_find_record(recs, ab), "%s:\n%s", ab, res.out);
    r = t_find_record(recs, zeros);
    cr_assert_not_null(r, "%s:\n%s", zeros, res.out);
    cr_assert_str_eq(str_of(r, "verdict"), "limit", "%s", json_dumps(r, 0));
    json_t *rc = json_object_get(r, "reason_code");
    cr_assert_str_eq(str_of(rc, "code"), "max-ratio", "%s", json_dumps(r, 0));
    cr_assert_eq(json_real_value(json_object_get(rc, "limit")) + json_integer_value(json_object_get(rc, "limit")),
                 200.0, "%s", json_dumps(rc, 0));
    json_int_t read = json_integer_value(json_object_get(rc, "read"));
    cr_assert_gt(read, 1 << 20, "%s", json_dumps(rc, 0));
    cr_assert_eq(json_integer_value(json_object_get(r, "size")), read, "a member stopped early shows the bytes read: %s",
                 json_dumps(r, 0));
    json_t *top = t_find_record(recs, bomb);
    cr_assert(json_is_true(json_object_get(top, "incomplete")), "the archive holding it: %s", json_dumps(top, 0));
    json_decref(recs);
    t_result_free(&res);

    /* a prefix (--max-filesize on standard input) whose signature scan
     * times out: the error is what the verdict says, the limit after it */
    char *rules = t_write_str(t_tmp, "slow.yar", slow_rule);
    static char zeros_in[(2 << 20) + 1];
    memset(zeros_in, 'a', sizeof(zeros_in) - 1);
    const char *args2[] = {"--all", "--stdin", "--max-filesize", "1M", "--rules", rules, "--scan-timeout", "1", NULL};
    recs = run_jsonl(&res, zeros_in, args2);
    assert_consistent(recs, res.out);
    r = t_find_record(recs, "(stdin)");
    cr_assert_not_null(r, "%s", res.out);
    cr_assert_str_eq(str_of(r, "verdict"), "error", "%s", json_dumps(r, 0));
    cr_assert_str_eq(str_of(json_object_get(r, "reason_code"), "code"), "scan-timeout", "%s", json_dumps(r, 0));
    cr_assert_not_null(strstr(str_of(r, "reason"), "max-filesize"), "the limit is still said: %s", json_dumps(r, 0));
    json_decref(recs);
    t_result_free(&res);
    free(bang), free(bomb), free(xy), free(zeros), free(ab), free(rules);
}

/* ---- memory and CPU bombs inside the other limits ---- */

/* The shape: A_k is a tar.gz of B_k, B_k a tar of A_(k-1) and
 * mib MiB that gzip shrinks ~125 times (under --max-ratio). Each B is a
 * member held in memory while its members are scanned, one buffer per
 * depth: 8 x 200 MiB held 1.69 GB, two with -j2 3.37 GB. */
static char *memory_bomb(const char *name, int levels, int mib) {
    sh("cd '%s' && python3 -c \"import os\nb=65536\nwith open('pad.bin','wb') as f:\n"
       "    for i in range(%d*16): f.write(os.urandom(400)+bytes(b-400))\" && "
       "tar cf b.tar pad.bin && tar cf - b.tar | gzip -1 > a1.tgz && rm b.tar && i=1 && "
       "while [ $i -lt %d ]; do j=$((i+1)); tar cf b.tar a$i.tgz pad.bin && rm a$i.tgz && "
       "tar cf - b.tar | gzip -1 > a$j.tgz && rm b.tar; i=$j; done && mv a%d.tgz '%s' && rm pad.bin",
       t_tmp, mib, levels, levels, name);
    return t_path(t_tmp, name);
}

static long peak_mib(const char *const *argv, t_result *res) {
    struct rusage ru;
    cr_assert_eq(t_run_rusage(argv, NULL, 600, res, &ru), 0);
    cr_assert_lt(res->status, 128, "died of signal %d: %s", res->status - 128, res->err);
    return ru.ru_maxrss / 1024;
}

#if defined(__SANITIZE_ADDRESS__)
#define BOMB_LEVELS 4
#define BOMB_MIB 100
#define RSS_SLACK 3 /* shadow memory and quarantine */
#else
#define BOMB_LEVELS 8
#define BOMB_MIB 200
#define RSS_SLACK 1
#endif

/* README "Memory": member bytes held stay under --max-memory for the one
 * worker allowed past its 64 MiB share and the share for every other;
 * the rest of the process (rules, libmagic, windows of mapped files) is
 * under 256 MiB. A member past the bound is a limit record. */
Test(harden_slow, nested_members_stay_under_the_memory_promise) {
    if (t_under_tsan())
        cr_skip(T_TSAN_SKIP_REASON);
    char *a = memory_bomb("bomb1.tar.gz", BOMB_LEVELS, BOMB_MIB);
    char *b = t_path(t_tmp, "bomb2.tar.gz");
    sh("cp '%s' '%s'", a, b);
    const char *max_mem = BOMB_LEVELS == 8 ? "512M" : "160M";
    long bound1 = (BOMB_LEVELS == 8 ? 512 : 160) + 256, bound2 = bound1 + 64;
    const char *argv1[] = {t_minerscan_path(), "-f", "jsonl", "--no-progress", "--all", "-j", "1",
                           "--max-memory", max_mem, a, NULL};
    t_result res;
    long mb = peak_mib(argv1, &res);
    cr_log_info("%d x %d MiB nested, -j1: peak RSS %ld MiB (bound %ld)", BOMB_LEVELS, BOMB_MIB, mb, bound1);
    cr_assert_lt(mb, bound1 * RSS_SLACK, "peak RSS %ld MiB", mb);
    cr_assert_eq(res.status, 2, "a limit was hit: %s", res.err);
    json_t *recs = t_jsonl(res.out);
    cr_assert_not_null(recs);
    assert_consistent(recs, res.out);
    size_t i, cut = 0;
    json_t *r;
    json_array_foreach(recs, i, r) {
        if (!strcmp(str_of(json_object_get(r, "reason_code"), "code"), "max-memory"))
            cut++;
    }
    cr_assert_geq(cut, 1, "the member past the bound is a max-memory limit:\n%s", res.out);
    json_decref(recs);
    t_result_free(&res);

    const char *argv2[] = {t_minerscan_path(), "-f", "jsonl", "--no-progress", "-j", "2", "--max-memory", max_mem,
                           a, b, NULL};
    mb = peak_mib(argv2, &res);
    cr_log_info("two of them, -j2: peak RSS %ld MiB (bound %ld)", mb, bound2);
    cr_assert_lt(mb, bound2 * RSS_SLACK, "peak RSS %ld MiB", mb);
    cr_assert_eq(res.status, 2);
    /* the same records whichever worker took which bomb */
    recs = t_jsonl(res.out);
    json_t *s = t_summary(recs);
    cr_assert_eq(json_integer_value(json_object_get(s, "files")), 2);
    json_decref(recs);
    t_result_free(&res);
    free(a), free(b);
}

/* The CPU bomb: a zip of 700 overlapping members (Fifield's
 * construction), each a zip of 65 534 empty entries: 45.9 million
 * objects in 437 s, exit 0. A budget of objects and of time per
 * top-level file ends it, reported as a limit. */
static const char PY_CPU_BOMB[] =
    "import sys, struct, zlib, io, zipfile\n"
    "out, n, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])\n"
    "buf = io.BytesIO()\n"
    "with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as z:\n"
    "    for i in range(m): z.writestr('e%05d' % i, b'')\n"
    "inner = buf.getvalue(); K = len(inner)\n"
    "c = zlib.compressobj(9, zlib.DEFLATED, -15); kernel = c.compress(inner) + c.flush()\n"
    "names = [b'z%04d' % i for i in range(n)]; lhlen = 30 + len(names[0])\n"
    "end = (n - 1) * (lhlen + 5) + lhlen + len(kernel); body = b''; cd = b''\n"
    "for i in range(n):\n"
    "    off = i * (lhlen + 5); csize = end - (off + lhlen); usize = (n - 1 - i) * lhlen + K\n"
    "    body += struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, 8, 0, 0x5721, 0, csize, usize, len(names[i]), 0) + names[i]\n"
    "    if i < n - 1: body += struct.pack('<BHH', 0, lhlen, lhlen ^ 0xffff)\n"
    "    cd += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, 0, 8, 0, 0x5721, 0, csize, usize, len(names[i]), 0, 0, 0, 0, 0, off) + names[i]\n"
    "body += kernel\n"
    "eocd = struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, n, n, len(cd), len(body), 0)\n"
    "open(out, 'wb').write(body + cd + eocd)\n";

Test(harden, cpu_bomb_stops_at_the_object_and_time_budget) {
    char *py = t_write_str(t_tmp, "bomb.py", PY_CPU_BOMB), *zip = t_path(t_tmp, "cpu.zip");
    sh("python3 '%s' '%s' 700 65534", py, zip);
    t_result res;
    const char *a1[] = {"--max-objects", "20000", zip, NULL};
    double t0 = now();
    json_t *recs = run_jsonl(&res, NULL, a1);
    cr_log_info("max-objects 20000: %.1f s", now() - t0);
    cr_assert_eq(res.status, 2, "a limit, exit 2: %s", res.err);
    json_t *top = t_find_record(recs, zip);
    cr_assert_not_null(top, "%s", res.out);
    cr_assert_str_eq(str_of(top, "verdict"), "limit", "%s", json_dumps(top, 0));
    json_t *rc = json_object_get(top, "reason_code");
    cr_assert_str_eq(str_of(rc, "code"), "max-objects", "%s", json_dumps(top, 0));
    cr_assert_eq(json_integer_value(json_object_get(rc, "limit")), 20000);
    cr_assert_eq(json_integer_value(json_object_get(t_summary(recs), "members")), 20000,
                 "exactly the budget of objects was scanned: %s", json_dumps(t_summary(recs), 0));
    assert_consistent(recs, res.out);
    json_decref(recs);
    t_result_free(&res);

    const char *a2[] = {"--max-time", "3", zip, NULL};
    t0 = now();
    recs = run_jsonl(&res, NULL, a2);
    double took = now() - t0;
    cr_log_info("max-time 3: %.1f s", took);
    cr_assert_lt(took, 60.0, "the time budget ends it: %.1f s", took);
    cr_assert_eq(res.status, 2);
    top = t_find_record(recs, zip);
    cr_assert_str_eq(str_of(json_object_get(top, "reason_code"), "code"), "max-time", "%s", json_dumps(top, 0));
    json_decref(recs);
    t_result_free(&res);
    free(py), free(zip);
}

/* ---- the sandbox ---- */

/* A small tree with an archive, a config and an ELF: every kind of
 * object goes through every stage. */
static char *small_tree(void) {
    free(t_write_str(t_tmp, "tree/config.json",
                     "{\"pools\":[{\"url\":\"stratum+tcp://pool.example.com:3333\",\"user\":\"x\"}]}\n"));
    free(t_write_str(t_tmp, "tree/drop.sh", t_dropper_sh));
    free(t_write_str(t_tmp, "tree/readme.txt", "hello\n"));
    char *elf = t_path(t_tmp, "tree/prog");
    if (t_compile("cc", "#include <stdio.h>\nint main(void){puts(\"stratum+tcp://x.example:3333\");return 0;}\n",
                  elf, NULL) != 0)
        cr_skip("SKIP: no C compiler for the ELF fixture");
    free(elf);
    sh("cd '%s/tree' && tar czf both.tar.gz drop.sh config.json", t_tmp);
    return t_path(t_tmp, "tree");
}

/* The strace proof: after the filter is loaded no execve, no socket or
 * connect, no open for writing, no process (clone without CLONE_THREAD). */
Test(harden, strace_shows_no_exec_socket_or_write_open_after_start_up) {
    if (!t_have_program("strace"))
        cr_skip("SKIP: strace is not installed (tests/setup.sh installs it)");
    char *tree = small_tree();
    char *log = t_path(t_tmp, "strace.log");
    /* LeakSanitizer cannot run under ptrace: off for this one run */
    const char *asan = getenv("ASAN_OPTIONS");
    char *asan_saved = asan ? strdup(asan) : NULL, *opts = NULL;
    cr_assert_geq(asprintf(&opts, "%s%sdetect_leaks=0", asan ? asan : "", asan && *asan ? ":" : ""), 0);
    setenv("ASAN_OPTIONS", opts, 1);
    const char *argv[] = {"strace", "-f", "-qq", "-o", log, "-e",
                          "trace=execve,execveat,fork,vfork,clone,clone3,socket,connect,bind,open,openat,openat2,"
                          "creat,seccomp,prctl,landlock_restrict_self",
                          t_minerscan_path(), "-f", "jsonl", "--no-progress", "--all", "-j", "2", tree, NULL};
    t_result res;
    cr_assert_eq(t_run(argv, NULL, 300, &res), 0);
    if (asan_saved)
        setenv("ASAN_OPTIONS", asan_saved, 1);
    else
        unsetenv("ASAN_OPTIONS");
    free(asan_saved), free(opts);
    cr_assert_eq(res.status, 1, "the dropper is found under strace: %s", res.err);
    json_t *recs = t_jsonl(res.out);
    cr_assert_not_null(recs);
    json_t *sum = t_summary(recs);
    cr_assert_geq(json_integer_value(json_object_get(sum, "members")), 2, "the archive was unpacked");
    json_decref(recs);
    t_result_free(&res);

    char *text = t_read(log, NULL);
    cr_assert_not_null(text);
    const char *filter = strstr(text, "seccomp(SECCOMP_SET_MODE_FILTER");
    cr_assert_not_null(filter, "the filter was loaded:\n%.3000s", text);
    cr_assert_not_null(strstr(filter, "= 0"), "and accepted");
    const char *after = strchr(filter, '\n');
    size_t opens = 0, threads = 0;
    for (const char *line = after; line && *line; line = strchr(line, '\n')) {
        line++;
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        char buf[1024];
        snprintf(buf, sizeof(buf), "%.*s", (int)(n < sizeof(buf) - 1 ? n : sizeof(buf) - 1), line);
        cr_assert_null(strstr(buf, "execve("), "no execve after start-up: %s", buf);
        cr_assert_null(strstr(buf, "execveat("), "%s", buf);
        cr_assert_null(strstr(buf, "socket("), "no socket after start-up: %s", buf);
        cr_assert_null(strstr(buf, "connect("), "%s", buf);
        cr_assert_null(strstr(buf, "bind("), "%s", buf);
        if (strstr(buf, "open")) {
            opens++;
            cr_assert(!strstr(buf, "O_WRONLY") && !strstr(buf, "O_RDWR") && !strstr(buf, "O_CREAT") &&
                          !strstr(buf, "O_TRUNC") && !strstr(buf, "O_APPEND"),
                      "no open for writing after start-up: %s", buf);
        }
        if (strstr(buf, "clone(") || strstr(buf, "clone3(")) {
            threads++;
            cr_assert(strstr(buf, "CLONE_THREAD") || strstr(buf, "ENOSYS"), "threads only, no process: %s", buf);
        }
    }
    cr_log_info("after the filter: %zu opens (all read-only), %zu thread clones", opens, threads);
    cr_assert_gt(opens, 5, "the walk's opens are in the trace");
    free(text), free(log), free(tree);
}

static char *status_field(pid_t pid, const char *field) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    char *s = t_read(path, NULL);
    if (!s)
        return NULL;
    char *f = strstr(s, field);
    char *v = NULL;
    if (f) {
        f += strlen(field);
        while (*f == ' ' || *f == '\t')
            f++;
        v = strndup(f, strcspn(f, "\n"));
    }
    free(s);
    return v;
}

/* A running scan, kept busy reading a pipe named with --stdin, is
 * confined: NoNewPrivs 1 and Seccomp 2 (a filter), every thread. */
Test(harden, a_running_scan_is_confined) {
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    const char *argv[] = {t_minerscan_path(), "-f", "jsonl", "--no-progress", "--all", "--stdin", NULL};
    int out = open_tmp("stdout"), err = open_tmp("stderr");
    pid_t pid = t_spawn(argv, p[0], out, err);
    cr_assert_gt(pid, 0);
    close(p[0]);
    cr_assert_eq(write(p[1], "hello ", 6), 6);
    char *seccomp = NULL;
    for (double t0 = now(); now() - t0 < 60; usleep(10000)) {
        free(seccomp);
        seccomp = status_field(pid, "Seccomp:");
        char *threads = status_field(pid, "Threads:");
        /* the filter is loaded before the run starts its threads: wait
         * for the writer and the worker too */
        bool ready = seccomp && !strcmp(seccomp, "2") && threads && atoi(threads) >= 3;
        free(threads);
        if (ready)
            break;
    }
    char *nnp = status_field(pid, "NoNewPrivs:");
    cr_assert_not_null(seccomp);
    cr_assert_str_eq(seccomp, "2", "Seccomp: %s", seccomp);
    cr_assert_str_eq(nnp, "1", "NoNewPrivs: %s", nnp);
    /* every thread of it */
    char dir[64];
    snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s/status", dir, e->d_name);
        char *s = t_read(path, NULL);
        if (s) {
            cr_assert_not_null(strstr(s, "Seccomp:\t2"), "thread %s: %s", e->d_name, s);
            n++;
        }
        free(s);
    }
    if (d)
        closedir(d);
    cr_log_info("%zu threads, all with Seccomp 2, NoNewPrivs 1", n);
    cr_assert_geq(n, 2, "the workers are running");
    cr_assert_eq(write(p[1], "world\n", 6), 6);
    close(p[1]);
    int st = t_wait(pid, 60);
    char *o = slurp_fd(out), *e2 = slurp_fd(err);
    cr_assert_eq(st, 0, "exit %d: %s", st, e2);
    assert_whole_report("--stdin", o, false);
    free(o), free(e2), free(seccomp), free(nnp);
    close(out), close(err);
}

/* What the filter is for: code inside the scanner that tries to change a
 * file (here the fault shim, preloaded, unlinking a file as it is
 * opened) cannot; with --no-sandbox it can. */
Test(harden, the_sandbox_stops_a_write_from_inside_the_scanner) {
    char *victim = t_write_str(t_tmp, "tree/vanish-me.txt", "keep me\n");
    char *tree = t_path(t_tmp, "tree");
    setenv("LD_PRELOAD", shim(), 1);
    const char *asan = getenv("ASAN_OPTIONS");
    char *opts = NULL;
    cr_assert_geq(asprintf(&opts, "%s%sverify_asan_link_order=0", asan ? asan : "", asan && *asan ? ":" : ""), 0);
    setenv("ASAN_OPTIONS", opts, 1);
    setenv("MS_SHIM_VANISH", "vanish-", 1);
    const char *argv[] = {t_minerscan_path(), "-f", "jsonl", "--no-progress", "--all", tree, NULL};
    t_result res;
    cr_assert_eq(t_run(argv, NULL, 120, &res), 0);
    cr_assert_eq(access(victim, F_OK), 0, "the sandbox kept the file: %s", res.err);
    json_t *recs = t_jsonl(res.out);
    cr_assert_str_eq(str_of(t_find_record(recs, victim), "verdict"), "clean", "and it was scanned: %s", res.out);
    json_decref(recs);
    t_result_free(&res);
    const char *argv2[] = {t_minerscan_path(), "-f", "jsonl", "--no-progress", "--no-sandbox", "--all", tree, NULL};
    cr_assert_eq(t_run(argv2, NULL, 120, &res), 0);
    cr_assert_eq(access(victim, F_OK), -1, "without the sandbox the shim could unlink it");
    t_result_free(&res);
    unsetenv("MS_SHIM_VANISH");
    unsetenv("LD_PRELOAD");
    free(victim), free(tree), free(opts);
}

/* ---- allocation failure ---- */

#if defined(__SANITIZE_ADDRESS__)
#define SWEEP_RUNS 60
#else
#define SWEEP_RUNS 600
#endif

/* The allocation policy (alloc.h): bookkeeping that cannot be allocated
 * ends the run with "minerscan: out of memory" and exit 2; a buffer the
 * input sizes becomes that object's error record. The shim fails the Nth
 * allocation of a scan of a small tree (an archive, a config, an ELF, a
 * script) for N spread over all of them: every run either completes with
 * a record for every file, or says exactly that line and exits 2. No
 * crash, no sanitizer report, no hang. */
Test(harden_slow, allocation_failure_sweep_ends_cleanly_every_time) {
    if (t_under_tsan())
        cr_skip(T_TSAN_SKIP_REASON);
#if defined(__SANITIZE_ADDRESS__)
    cr_skip("SKIP: the allocation hooks cannot be preloaded in front of AddressSanitizer's allocator "
            "(the sweep runs in the strict build)");
#endif
    char *tree = small_tree();
    const char *so = alloc_shim();
    char *count_path = t_path(t_tmp, "count.txt");
    const char *files[] = {"both.tar.gz", "config.json", "drop.sh", "prog", "readme.txt"};
    const char *argv[] = {t_minerscan_path(), "-f", "jsonl", "--no-progress", "--all", "-j", "1", tree, NULL};
    setenv("LD_PRELOAD", so, 1);
    const char *asan = getenv("ASAN_OPTIONS");
    char *opts = NULL;
    cr_assert_geq(asprintf(&opts, "%s%sverify_asan_link_order=0", asan ? asan : "", asan && *asan ? ":" : ""), 0);
    setenv("ASAN_OPTIONS", opts, 1);
    setenv("MS_SHIM_COUNT_ALLOC", count_path, 1);
    t_result res;
    cr_assert_eq(t_run(argv, NULL, 120, &res), 0);
    cr_assert_eq(res.status, 1, "the unfailed scan finds the dropper: %s", res.err);
    t_result_free(&res);
    char *c = t_read(count_path, NULL);
    unsigned long total = c ? strtoul(c, NULL, 10) : 0;
    free(c);
    cr_assert_gt(total, 1000, "the shim counted the allocations");
    unsigned long stride = total / SWEEP_RUNS;
    size_t complete = 0, oom = 0, skipped = 0, runs = 0;
    for (unsigned long n = 1 + stride / 3; n <= total; n += stride, runs++) {
        char nbuf[32];
        snprintf(nbuf, sizeof(nbuf), "%lu", n);
        setenv("MS_SHIM_FAIL_ALLOC", nbuf, 1);
        unlink(count_path);
        cr_assert_eq(t_run(argv, NULL, 120, &res), 0);
        char *cnt = t_read(count_path, NULL);
        bool was_skipped = cnt && strstr(cnt, "skipped");
        free(cnt);
        cr_assert_null(strstr(res.err, "Sanitizer"), "N=%lu: a sanitizer report:\n%s", n, res.err);
        cr_assert_lt(res.status, 128, "N=%lu: died of signal %d (137: hung and killed):\n%s", n, res.status - 128,
                     res.err);
        if (was_skipped)
            skipped++; /* and checked like any other run */
        if (res.status == 2 && !strcmp(res.err, "minerscan: out of memory\n")) {
            oom++;
            /* what was written before is whole lines of JSON; the summary
             * is missing, which says the run did not end */
            char *last = strrchr(res.out, '\n');
            if (last)
                last[1] = '\0';
            json_t *recs = t_jsonl(res.out);
            cr_assert_not_null(recs, "N=%lu: the lines before the end are JSON:\n%s", n, res.out);
            cr_assert_null(t_summary(recs), "N=%lu: no summary after out of memory", n);
            json_decref(recs);
        } else {
            cr_assert(res.status <= 2, "N=%lu: exit %d", n, res.status);
            cr_assert_null(strstr(res.err, "out of memory"), "N=%lu: out of memory and a summary:\n%s", n, res.err);
            json_t *recs = t_jsonl(res.out);
            cr_assert_not_null(recs, "N=%lu: JSON Lines:\n%s", n, res.out);
            cr_assert_not_null(t_summary(recs), "N=%lu: a complete run has its summary", n);
            /* a directory whose listing could not be held is an error
             * record of its own; what it holds then has none */
            json_t *dir = t_find_record(recs, tree);
            bool listed = !dir || strcmp(str_of(dir, "verdict"), "error");
            for (size_t i = 0; listed && i < sizeof(files) / sizeof(files[0]); i++) {
                char *p = t_path(tree, files[i]);
                cr_assert_not_null(t_find_record(recs, p), "N=%lu: a record for %s:\n%s", n, p, res.out);
                free(p);
            }
            json_decref(recs);
            complete++;
        }
        t_result_free(&res);
    }
    unsetenv("MS_SHIM_FAIL_ALLOC");
    unsetenv("MS_SHIM_COUNT_ALLOC");
    unsetenv("LD_PRELOAD");
    cr_log_info("allocation sweep: %lu allocations, %zu runs (every %lu-th): %zu complete, %zu out of memory "
                "; in %zu runs the Nth fell inside glibc regcomp or libmagic's vasprintf and the next allocation after it failed",
                total, runs, stride, complete, oom, skipped);
    cr_assert_eq(complete + oom, runs);
    cr_assert_gt(oom, 0, "some runs hit bookkeeping allocations");
    cr_assert_gt(complete, 0, "some failures are handled inside a library or become records");
    free(tree), free(count_path), free(opts);
}
