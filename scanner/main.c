/*
 * main.c - the minerscan command: the command line (cli_opts.c), the
 * output file, signals, progress, exit status. Everything else is in the
 * library.
 */
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cancel.h"
#include "case.h"
#include "cli_opts.h"
#include "engine.h"
#include "live.h"
#include "minerscan.h"
#include "model.h"
#include "ms_features.h"
#include "pool.h"
#include "report.h"
#include "sandbox.h"
#include "runinfo.h"

/* The run's stop channel: the signal handler's only business. The first
 * stop signal ends the run as the end of its input would, with a partial
 * summary and exit status 128 + the signal; a second one hurries it (no
 * waiting for a worker inside libyara), never cuts the report. */
static ms_cancel cancel;

static void on_signal(int sig) {
    ms_cancel_request(&cancel, sig);
}

/* SIGINT (a terminal), SIGTERM (kill, timeout, systemd, docker stop),
 * SIGHUP (the terminal went away, an ssh session dropped) and SIGUSR1
 * (whose default action would cut the report mid-record; nothing here
 * gives it another meaning) all end the run the same way. */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGUSR1};

static void catch_stop_signals(void) {
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
        sigaddset(&sa.sa_mask, stop_signals[i]);
    for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
        sigaction(stop_signals[i], &sa, NULL);
}


/* --case (case.h): what the run says on standard error goes to the
 * case's log.txt too. */
static ms_case *case_log;

/* "minerscan: MSG" on standard error (and in the case log). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    fprintf(stderr, "minerscan: %s\n", buf);
    if (case_log)
        ms_case_log(case_log, buf);
}

/* notices from the run (pool.h): one line each, after the progress line */
static void notice(void *ud, const char *msg) {
    (void)ud;
    say("notice: %s", msg);
}

static int usage_error(const char *msg) {
    fprintf(stderr, "minerscan: %s (see minerscan --help)\n", msg);
    return 2;
}

static unsigned terminal_width(void) {
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        return ws.ws_col;
    return 80;
}

static void print_version(void) {
    const ms_model_info *mi = ms_model_get_info();
    ms_engine_versions ev;
    char digest[65];
    size_t n_rules = 0;
    ms_engine_versions_get(&ev);
    printf("minerscan %s\n", MS_VERSION);
    printf("libyara %s, libmagic %d, magic database %zu bytes built in\n", ev.yara, ev.magic,
           ev.magic_db_bytes);
    /* the rule set's version is the digest of its compiled form */
    if (ms_engine_builtin_rules_version(digest, &n_rules) == 0)
        printf("rules built-in %zu, sha256 %s\n", n_rules, digest);
    printf("model %s %s (schema %s)\n", mi->name, mi->version, mi->schema_hash);
    printf("feature schema %s %s\n", ms_features_schema_version(), ms_features_schema_hash());
}

/* --list-rules: every rule copied out, then the reporter writes them. */
typedef struct rule_list {
    ms_rule_hit *v;
    size_t n;
} rule_list;

static int collect_rule(void *ud, const ms_rule_hit *h) {
    rule_list *l = ud;
    ms_rule_hit *v = realloc(l->v, (l->n + 1) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    l->v = v;
    ms_rule_hit_copy(&l->v[l->n++], h);
    return MS_CONTINUE;
}

static int list_rules(const ms_engine *e, const char *format, FILE *out) {
    rule_list l = {0};
    ms_report rep = {.ops = ms_report_find(format), .out = out};
    int r = ms_engine_foreach_rule(e, collect_rule, &l);
    if (r == 0)
        r = rep.ops->list_rules(&rep, l.v, l.n);
    for (size_t i = 0; i < l.n; i++)
        ms_rule_hit_clear(&l.v[i]);
    free(l.v);
    return r;
}

/* A PATH given on the command line that cannot be read is said on
 * standard error too, not only in the report (which may be in -o FILE):
 * the reporter's object() is wrapped to see each record go by. */
static struct {
    const ms_report_ops *inner;
    ms_report_ops ops;
    const ms_strv *paths;
} tee;

static int tee_object(ms_report *r, const ms_verdict *v) {
    if (v->depth == 0 && !v->is_member && v->verdict == MS_ERROR) {
        for (size_t i = 0; i < tee.paths->n; i++) {
            const char *p = tee.paths->v[i];
            if (strlen(p) == v->path_len && !memcmp(p, v->path, v->path_len)) {
                fputs("minerscan: ", stderr);
                ms_text_sanitize(stderr, v->path, v->path_len);
                fputs(": ", stderr);
                ms_text_sanitize(stderr, v->reason ? v->reason : "error", strlen(v->reason ? v->reason : "error"));
                fputc('\n', stderr);
                if (case_log) {
                    char *line = ms_xasprintf("%.*s: %s", (int)v->path_len, v->path, v->reason ? v->reason : "error");
                    ms_case_log(case_log, line);
                    free(line);
                }
                break;
            }
        }
    }
    return tee.inner->object(r, v);
}

/* The status line: objects, bytes, rate, current directory; \r-refreshed. */
static void progress(void *ud, const ms_summary *s, const char *cur, size_t cur_len) {
    (void)ud;
    double mb = (double)s->bytes / (1024.0 * 1024.0);
    double rate = s->elapsed_s > 0 ? mb / s->elapsed_s : 0;
    size_t dir_len = cur_len;
    while (dir_len > 0 && cur[dir_len - 1] != '/')
        dir_len--;
    if (dir_len > 1)
        dir_len--;
    if (dir_len > 50) {
        cur += dir_len - 50;
        dir_len = 50;
    }
    fprintf(stderr, "\r\033[K%llu objects, %.1f MiB, %.1f MiB/s, found %llu  ",
            (unsigned long long)s->objects, mb, rate,
            (unsigned long long)(s->malicious + s->suspicious));
    ms_text_sanitize(stderr, cur, dir_len);
    fflush(stderr);
}

/* PATH arguments: "-" reads newline-separated paths from standard input
 * (owned lines go to *owned); no PATH means ".". */
static void expand_paths(ms_cli *c, ms_strv *paths, ms_strv *owned) {
    for (size_t i = 0; i < c->paths.n; i++) {
        if (strcmp(c->paths.v[i], "-")) {
            ms_strv_add(paths, c->paths.v[i]);
            continue;
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, stdin)) >= 0) {
            if (n > 0 && line[n - 1] == '\n')
                line[--n] = '\0';
            if (n > 0) {
                ms_strv_add(owned, line);
                ms_strv_add(paths, line);
                line = NULL;
                cap = 0;
            }
        }
        free(line);
    }
    if (c->paths.n == 0 && !c->scan_stdin)
        ms_strv_add(paths, ".");
}

/* -o must never be an input: it is opened with truncation before the scan
 * (issue 15: `minerscan -o ev.sh ev.sh` destroyed ev.sh and called it
 * clean). An existing output that is one of the named paths is refused;
 * one inside a named directory is left out of the walk (hooks). */
static bool output_is_input(const char *output, const ms_strv *paths) {
    struct stat so, sp;
    if (!output || stat(output, &so) != 0)
        return false;
    for (size_t i = 0; i < paths->n; i++)
        if (stat(paths->v[i], &sp) == 0 && sp.st_dev == so.st_dev && sp.st_ino == so.st_ino)
            return true;
    return false;
}

/* Workers: -j, or online CPUs; but no more than files when only a few
 * files are given (each worker costs a libmagic handle and a YARA scanner). */
static unsigned fit_threads(unsigned n, const ms_strv *paths) {
    if (n == 0) {
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        n = ncpu > 0 ? (unsigned)(ncpu > 64 ? 64 : ncpu) : 1;
    }
    if (paths && paths->n < n) {
        for (size_t i = 0; i < paths->n; i++) {
            struct stat st;
            if (stat(paths->v[i], &st) != 0 || !S_ISREG(st.st_mode))
                return n;
        }
        n = paths->n ? (unsigned)paths->n : 1;
    }
    return n;
}

static void raise_fd_limit(void) {
    /* Queued files are open fds: take the whole fd allowance we may. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int exit_status(int r, const ms_summary *sum, const char *output) {
    if (r == -EPIPE)
        return 2; /* the reader went away: quiet */
    if (r < 0) {
        say("%s: %s", output ? output : "output", ms_strerror(r));
        return 2;
    }
    if (sum->interrupted) {
        int sig = ms_cancel_reason(&cancel);
        char msg[160];
        snprintf(msg, sizeof(msg), "interrupted (%s)%s", sig > 0 ? strsignal(sig) : "stopped",
                 sum->abandoned ? "; a worker still inside an object was not waited for" : "");
        say("%s", msg);
        return sig > 0 && sig < 64 ? 128 + sig : 130;
    }
    if (sum->malicious + sum->suspicious > 0)
        return 1;
    return sum->incomplete > 0 ? 2 : 0;
}

int main(int argc, char **argv) {
    ms_cli c;
    ms_strv paths = {0}, owned = {0};
    char msg[256];
    int rc = 2;
    ms_engine *e = NULL;
    FILE *out = NULL, *cooked = NULL;
    ms_case kase = {.dirfd = -1};
    ms_runinfo run = {0};
    ms_chain *chain = NULL;
    struct timespec started;

    clock_gettime(CLOCK_REALTIME, &started);
    char *err = NULL;

    ms_cli_defaults(&c);
    raise_fd_limit();
    ms_cancel_init(&cancel);
    /* from the start: a signal while the rules load still gets a report */
    catch_stop_signals();
    int action = ms_cli_parse(&c, argc, argv, msg, sizeof(msg));
    if (action < 0) {
        rc = usage_error(msg);
        goto out;
    }
    if (action == OPT_HELP) {
        ms_cli_print_help(stdout, terminal_width());
        rc = fflush(stdout) == 0 ? 0 : 2;
        goto out;
    }
    if (action == OPT_VERSION) {
        print_version();
        rc = fflush(stdout) == 0 ? 0 : 2;
        goto out;
    }
    if (c.verify_report) {
        if (c.paths.n || c.case_dir || c.output) {
            rc = usage_error("--verify-report takes one PATH of its own, and no other PATH, -o or --case");
            goto out;
        }
        rc = ms_verify_report(c.verify_report, stdout);
        if (fflush(stdout) != 0)
            rc = 2;
        goto out;
    }
    if (c.case_dir && (c.output || c.list_rules || c.save_rules)) {
        rc = usage_error(c.output ? "--case writes the report into its directory: not with -o"
                                  : "--case is for scans, not --list-rules or --save-rules");
        goto out;
    }
    if (!c.format)
        c.format = c.case_dir ? "jsonl" : "text";
    /* --live (issue 13) reads the running host, not PATHs */
    if (c.live && (c.paths.n || c.scan_stdin)) {
        rc = usage_error(c.scan_stdin ? "--live and --stdin: not both" : "--live takes no PATH");
        goto out;
    }
    if (c.live_root && !c.live) {
        rc = usage_error("--live-root needs --live");
        goto out;
    }
    for (size_t i = 0; c.scan_stdin && i < c.paths.n; i++)
        if (!strcmp(c.paths.v[i], "-")) {
            rc = usage_error("--stdin reads data from standard input, '-' reads paths from it: not both");
            goto out;
        }
    if (!c.live)
        expand_paths(&c, &paths, &owned);
    if (output_is_input(c.output, &paths)) {
        snprintf(msg, sizeof(msg), "-o %s is one of the inputs: refusing to overwrite it", c.output);
        rc = usage_error(msg);
        goto out;
    }
    c.o.threads = c.live || paths.n ? fit_threads(c.o.threads, c.live ? NULL : &paths) : 1;

    int r = ms_engine_new(&c.o, &e, &err);
    if (r < 0) {
        if (err && *err) {
            size_t n = strlen(err);
            fprintf(stderr, "%s%s", err, err[n - 1] == '\n' ? "" : "\n");
        } else
            fprintf(stderr, "minerscan: %s\n", ms_strerror(r));
        goto out;
    }
    if (ms_engine_rules_warnings(e)) /* slow user rules: their author may want to know */
        fputs(ms_engine_rules_warnings(e), stderr);
    if (c.save_rules) {
        r = ms_engine_save_rules(e, c.save_rules);
        if (r == MS_E_USAGE)
            rc = usage_error("--save-rules needs --rules with rule sources to compile");
        else if (r < 0)
            fprintf(stderr, "minerscan: %s: could not write the compiled rules\n", c.save_rules);
        else
            rc = 0;
        goto out;
    }

    if (c.output && !(out = fopen(c.output, "we"))) {
        fprintf(stderr, "minerscan: %s: %s\n", c.output, strerror(errno));
        goto out;
    }
    if (c.case_dir) {
        if (ms_case_open(&kase, c.case_dir, c.format, msg, sizeof(msg)) < 0) {
            fprintf(stderr, "minerscan: %s\n", msg);
            goto out;
        }
        case_log = &kase;
    }
    if (c.list_rules) {
        r = list_rules(e, c.format, out ? out : stdout);
        rc = r == 0 && fflush(out ? out : stdout) == 0 ? 0 : 2;
        goto out;
    }
    signal(SIGPIPE, SIG_IGN);

    bool show_progress = c.progress == 1 || (c.progress == -1 && isatty(STDERR_FILENO) && !getenv("CI"));
    tee.inner = ms_report_find(c.format);
    tee.ops = *tee.inner;
    tee.ops.object = tee_object;
    tee.paths = &paths;
    /* the run record and the seal (runinfo.h): every byte of the report
     * goes through the chain */
    ms_runinfo_collect(&run, argc, argv, &c.o, e);
    run.start = started;
    if (case_log)
        ms_case_start(&kase, &run);
    FILE *raw = case_log ? kase.report : out ? out : stdout;
    if (!(cooked = ms_chain_open(raw, &chain)))
        ms_oom();
    ms_report rep = {.ops = &tee.ops, .out = cooked, .explain = c.o.explain, .sort = c.o.sort,
                     .run = &run, .chain = chain, .raw = raw};
    ms_run_hooks hooks = {.progress = show_progress ? progress : NULL, .cancel = &cancel,
                          .notice = notice, .scan_stdin = c.scan_stdin};
    struct stat ost;
    if (fstat(fileno(raw), &ost) == 0 && S_ISREG(ost.st_mode)) {
        /* -o FILE, --case's report, or `minerscan . > report.jsonl`:
         * the open report is never an input */
        hooks.have_report = true;
        hooks.report_dev = ost.st_dev;
        hooks.report_ino = ost.st_ino;
    }
    /* Confinement (sandbox.h): from here on nothing is executed, no
     * socket made, no file opened for writing; the report is open. */
    if (!c.no_sandbox) {
        ms_sandbox_opts so = {.live = c.live};
        char note[256];
        ms_sandbox_apply(&so, NULL, note, sizeof(note));
        if (note[0])
            notice(NULL, note);
    }
    ms_summary sum;
    if (c.live) {
        /* --live (issue 13): live.c collects processes, sockets and
         * persistence files and scans them through the same engine and
         * reporter; the exit status is computed the same way. */
        ms_live_options lo = {.root = c.live_root, .cancel = &cancel};
        r = ms_live_run(e, &lo, &rep, &sum);
    } else {
        r = ms_run(e, paths.v, paths.n, &rep, &hooks, &sum);
    }
    if (show_progress)
        fputs("\r\033[K", stderr);
    int k = ms_chain_close(cooked, chain);
    cooked = NULL;
    chain = NULL;
    if (k < 0 && r == 0)
        r = k;
    if (out) {
        if (fclose(out) != 0 && r == 0)
            r = -errno;
        out = NULL;
    }
    rc = exit_status(r, &sum, case_log ? c.case_dir : c.output);
    if (case_log) {
        case_log = NULL;
        if (ms_case_close(&kase, rc) < 0) {
            fprintf(stderr, "minerscan: --case %s: could not write the case files\n", c.case_dir);
            rc = 2;
        }
    }
    if (sum.abandoned) {
        /* the report is written and closed; a worker is still inside
         * libyara with the engine: end here, do not free under it */
        fflush(stderr);
        _exit(rc);
    }
out:
    if (cooked)
        ms_chain_close(cooked, chain);
    if (case_log) {
        case_log = NULL;
        ms_case_close(&kase, rc);
    }
    ms_runinfo_free(&run);
    if (out)
        fclose(out);
    ms_engine_free(e);
    free(err);
    for (size_t i = 0; i < owned.n; i++)
        free((void *)owned.v[i]);
    free(owned.v);
    free(paths.v);
    free(c.paths.v);
    free(c.rules.v);
    free(c.excludes.v);
    free(c.passwords.v);
    free(c.compiled_rules.v);
    free(c.defines.v);
    free(c.ioc_files.v);
    return rc;
}
