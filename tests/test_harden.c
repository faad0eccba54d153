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

static char *tmp;

static void setup(void) {
    tmp = t_mkdtemp();
    cr_assert_not_null(tmp);
    chmod(tmp, 0755);
}

static void teardown(void) {
    t_rmtree(tmp);
    free(tmp);
}

TestSuite(harden, .init = setup, .fini = teardown, .timeout = 240);

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
    char *p = t_path(tmp, name);
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

/* Start minerscan ARGS with stdout and stderr in files of tmp. */
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
Test(harden, timeout_never_leaves_an_empty_or_cut_report) {
    if (!t_have_program("timeout"))
        cr_skip("SKIP: no timeout(1)");
    const double after[] = {0.3, 0.7, 1.0, 1.5, 2.0, 3.0};
    for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
        char secs[16];
        snprintf(secs, sizeof(secs), "%.1f", after[i]);
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
    char *rules = t_write_str(tmp, "slow.yar", slow_rule);
    free(rules);
    static char zeros[1 << 20];
    return t_write(tmp, "zeros.bin", zeros, sizeof(zeros));
}

Test(harden, a_worker_inside_libyara_is_bounded_by_its_timeout) {
    char *file = slow_fixture();
    char *rules = t_path(tmp, "slow.yar");
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
    char *rules = t_path(tmp, "slow.yar");
    char *small = t_write_str(tmp, "a-small.txt", "hello\n");
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
