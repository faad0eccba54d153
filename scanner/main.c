/*
 * main.c - the minerscan command: options, output file, signals, progress,
 * exit status. Everything else is in the library.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <magic.h>
#include <math.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yara.h>

#include "cli_opts.h"
#include "engine.h"
#include "ms_features.h"
#include "identify.h"
#include "live.h"
#include "minerscan.h"
#include "model.h"
#include "pool.h"
#include "report.h"

static volatile int interrupted;

static void on_sigint(int sig) {
    (void)sig;
    if (interrupted)
        _exit(130);
    interrupted = 1;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
    va_list ap;
    fputs("minerscan: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see minerscan --help)\n", stderr);
    return 2;
}

static void print_help(void) {
    printf("minerscan %s - %s\n\nUsage: minerscan [OPTIONS] [PATH...]\n\n", MS_VERSION, ms_cli_summary);
    printf("%s\n\nOptions:\n", ms_cli_description);
    for (const ms_cli_opt *o = ms_cli_opts; o->long_name; o++) {
        char left[64];
        if (o->short_name)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->long_name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", o->long_name, o->arg ? " " : "", o->arg ? o->arg : "");
        printf("  %-30s %s\n", left, o->help);
    }
    printf("\nExit status: %s\n", ms_cli_exit_status);
}

static bool parse_u64(const char *s, bool suffixes, uint64_t *ret) {
    char *end = NULL;
    errno = 0;
    if (!*s || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return false;
    uint64_t mul = 1;
    if (suffixes && *end) {
        switch (*end) {
        case 'k': case 'K': mul = 1ULL << 10; break;
        case 'm': case 'M': mul = 1ULL << 20; break;
        case 'g': case 'G': mul = 1ULL << 30; break;
        case 't': case 'T': mul = 1ULL << 40; break;
        default: return false;
        }
        end++;
        if (*end == 'i' && end[1] == 'B')
            end += 2;
        else if (*end == 'B')
            end++;
    }
    if (*end)
        return false;
    if (__builtin_mul_overflow((uint64_t)v, mul, ret))
        return false;
    return true;
}

static bool parse_double(const char *s, double lo, double hi, double *ret) {
    char *end = NULL;
    errno = 0;
    double d = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(d) || d < lo || d > hi)
        return false;
    *ret = d;
    return true;
}

typedef struct strvec {
    const char **v;
    size_t n;
} strvec;

static int strvec_add(strvec *sv, const char *s) {
    const char **v = realloc(sv->v, (sv->n + 2) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    v[sv->n++] = s;
    v[sv->n] = NULL;
    sv->v = v;
    return 0;
}

/* --list-rules */
static int list_rule(void *ud, const ms_rule_hit *h) {
    FILE *out = ud;
    fprintf(out, "%s\t%s\tfamily=%s\tcategory=%s\tseverity=%s\t%s\n", h->ns, h->rule, h->family,
            h->category, h->severity, h->description);
    return MS_CONTINUE;
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

static char *read_line_alloc(FILE *f, size_t *len) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    if (n < 0) {
        free(line);
        return NULL;
    }
    if (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    *len = (size_t)n;
    return line;
}

int main(int argc, char **argv) {
    ms_options o;
    strvec rules = {0}, excludes = {0}, passwords = {0}, paths = {0}, owned = {0};
    const char *format = "text", *output = NULL;
    int progress_mode = -1; /* -1 auto */
    bool list_rules = false;
    bool live = false;           /* --live (issue 13): see the branch below */
    const char *live_root = NULL;
    int rc = 2;
    ms_engine *e = NULL;
    FILE *out = NULL;
    char *err = NULL;

    ms_options_default(&o);
    /* Queued files are open fds: take the whole fd allowance we may. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o.threads = ncpu > 0 ? (unsigned)(ncpu > 64 ? 64 : ncpu) : 1;

    struct option lopts[64];
    char shorts[64];
    size_t nl = 0, ns = 0;
    for (const ms_cli_opt *c = ms_cli_opts; c->long_name; c++) {
        lopts[nl++] = (struct option){c->long_name, c->arg ? required_argument : no_argument, NULL, c->id};
        if (c->short_name) {
            shorts[ns++] = c->short_name;
            if (c->arg)
                shorts[ns++] = ':';
        }
    }
    lopts[nl] = (struct option){0};
    shorts[ns] = '\0';

    opterr = 0;
    int ch;
    uint64_t u;
    while ((ch = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
        switch (ch) {
        case OPT_FORMAT:
            if (!ms_report_find(optarg)) {
                rc = usage_error("--format: '%s' is not one of text, jsonl, sarif", optarg);
                goto out;
            }
            format = optarg;
            break;
        case OPT_OUTPUT:
            output = optarg;
            break;
        case OPT_THREADS:
            if (!parse_u64(optarg, false, &u) || u < 1 || u > 256) {
                rc = usage_error("--threads: '%s' is not a number from 1 to 256", optarg);
                goto out;
            }
            o.threads = (unsigned)u;
            break;
        case OPT_ALL: o.all = true; break;
        case OPT_RULES:
            if (strvec_add(&rules, optarg) < 0)
                goto oom;
            break;
        case OPT_NO_BUILTIN: o.no_builtin_rules = true; break;
        case OPT_THRESHOLD:
            if (!parse_double(optarg, 0.0, 1.0, &o.threshold)) {
                rc = usage_error("--threshold: '%s' is not a number from 0 to 1", optarg);
                goto out;
            }
            o.have_threshold = true;
            break;
        case OPT_EXPLAIN: o.explain = true; break;
        case OPT_MAX_DEPTH:
            if (!parse_u64(optarg, false, &u) || u > 1000) {
                rc = usage_error("--max-depth: '%s' is not a number from 0 to 1000", optarg);
                goto out;
            }
            o.limits.max_depth = (unsigned)u;
            break;
        case OPT_MAX_FILESIZE:
            if (!parse_u64(optarg, true, &u) || u == 0 || u > SIZE_MAX / 2) {
                rc = usage_error("--max-filesize: '%s' is not a size such as 512M", optarg);
                goto out;
            }
            o.limits.max_filesize = u;
            break;
        case OPT_MAX_ARCHIVE_BYTES:
            if (!parse_u64(optarg, true, &u) || u == 0) {
                rc = usage_error("--max-archive-bytes: '%s' is not a size such as 4G", optarg);
                goto out;
            }
            o.limits.max_archive_bytes = u;
            break;
        case OPT_MAX_ENTRIES:
            if (!parse_u64(optarg, false, &u) || u == 0) {
                rc = usage_error("--max-entries: '%s' is not a positive number", optarg);
                goto out;
            }
            o.limits.max_entries = u;
            break;
        case OPT_MAX_RATIO:
            if (!parse_double(optarg, 1.0, 1e9, &o.limits.max_ratio)) {
                rc = usage_error("--max-ratio: '%s' is not a number of at least 1", optarg);
                goto out;
            }
            break;
        case OPT_MAX_DIR_DEPTH:
            if (!parse_u64(optarg, false, &u) || u == 0 || u > 1000000) {
                rc = usage_error("--max-dir-depth: '%s' is not a positive number", optarg);
                goto out;
            }
            o.limits.max_dir_depth = (unsigned)u;
            break;
        case OPT_SCAN_TIMEOUT:
            if (!parse_u64(optarg, false, &u) || u == 0 || u > 86400) {
                rc = usage_error("--scan-timeout: '%s' is not a number of seconds", optarg);
                goto out;
            }
            o.limits.scan_timeout = (unsigned)u;
            break;
        case OPT_PASSWORD:
            if (strvec_add(&passwords, optarg) < 0)
                goto oom;
            break;
        case OPT_EXCLUDE:
            if (strvec_add(&excludes, optarg) < 0)
                goto oom;
            break;
        case OPT_ONE_FS: o.one_file_system = true; break;
        case OPT_FOLLOW: o.follow_symlinks = true; break;
        case OPT_HASHES: o.hashes_file = optarg; break;
        case OPT_ALLOW: o.allow_file = optarg; break;
        case OPT_PROGRESS: progress_mode = 1; break;
        case OPT_NO_PROGRESS: progress_mode = 0; break;
        case OPT_SORT: o.sort = true; break;
        case OPT_LIST_RULES: list_rules = true; break;
        case OPT_LIVE: live = true; break;
        case OPT_LIVE_ROOT: live_root = optarg; break;
        case OPT_VERSION: {
            const ms_model_info *mi = ms_model_get_info();
            printf("minerscan %s\n", MS_VERSION);
            printf("libyara %s, libmagic %d, magic database %zu bytes built in\n", YR_VERSION,
                   magic_version(), ms_magic_db_size());
            printf("model %s %s (schema %s)\n", mi->name, mi->version, mi->schema_hash);
            printf("feature schema %s %s\n", ms_features_schema_version(), ms_features_schema_hash());
            rc = 0;
            goto out;
        }
        case OPT_HELP:
            print_help();
            rc = 0;
            goto out;
        case '?':
        default:
            if (optopt && optopt < 256 && ch == '?')
                rc = usage_error("unknown or incomplete option '-%c'", optopt);
            else
                rc = usage_error("unknown option or missing argument: '%s'", argv[optind - 1]);
            goto out;
        }
    }
    o.rules = rules.v;
    o.n_rules = rules.n;
    o.excludes = excludes.v;
    o.n_excludes = excludes.n;
    o.passwords = passwords.v;
    o.n_passwords = passwords.n;

    for (int i = optind; i < argc; i++) {
        if (!strcmp(argv[i], "-")) {
            size_t len;
            char *line;
            while ((line = read_line_alloc(stdin, &len))) {
                if (len == 0 || strvec_add(&owned, line) < 0 || strvec_add(&paths, line) < 0) {
                    if (len != 0)
                        goto oom;
                    free(line);
                }
            }
        } else if (strvec_add(&paths, argv[i]) < 0)
            goto oom;
    }
    /* --live reads the running host, not paths */
    if (live && paths.n) {
        rc = usage_error("--live takes no PATH");
        goto out;
    }
    if (live_root && !live) {
        rc = usage_error("--live-root needs --live");
        goto out;
    }
    if (optind == argc && !live && strvec_add(&paths, ".") < 0)
        goto oom;

    /* A few plain files need no more workers than files: each worker costs
     * a libmagic handle and a YARA scanner at start-up. */
    if (!live && paths.n < o.threads) {
        bool all_files = true;
        for (size_t i = 0; i < paths.n && all_files; i++) {
            struct stat st;
            all_files = stat(paths.v[i], &st) == 0 && S_ISREG(st.st_mode);
        }
        if (all_files)
            o.threads = paths.n ? (unsigned)paths.n : 1;
    }

    int r = ms_engine_new(&o, &e, &err);
    if (r < 0) {
        if (err && *err) {
            size_t n = strlen(err);
            fprintf(stderr, "%s%s", err, err[n - 1] == '\n' ? "" : "\n");
        } else
            fprintf(stderr, "minerscan: %s\n", ms_strerror(r));
        rc = 2;
        goto out;
    }
    if (list_rules) {
        ms_engine_foreach_rule(e, list_rule, stdout);
        rc = fflush(stdout) == 0 ? 0 : 2;
        goto out;
    }

    if (output) {
        out = fopen(output, "we");
        if (!out) {
            fprintf(stderr, "minerscan: %s: %s\n", output, strerror(errno));
            rc = 2;
            goto out;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_sigint};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    bool show_progress = progress_mode == 1 || (progress_mode == -1 && isatty(STDERR_FILENO) &&
                                                !getenv("CI"));
    ms_report rep = {.ops = ms_report_find(format), .out = out ? out : stdout, .explain = o.explain,
                     .sort = o.sort};
    ms_run_hooks hooks = {.progress = show_progress ? progress : NULL, .stop = &interrupted};
    ms_summary sum;
    if (live) {
        /* --live (issue 13): live.c collects processes, sockets and
         * persistence files and scans them through the same engine and
         * reporter; the exit status below is computed the same way. */
        ms_live_options lo = {.root = live_root, .stop = &interrupted};
        r = ms_live_run(e, &lo, &rep, &sum);
    } else {
        r = ms_run(e, paths.v, paths.n, &rep, &hooks, &sum);
    }
    if (show_progress)
        fputs("\r\033[K", stderr);
    if (out) {
        if (fclose(out) != 0 && r == 0)
            r = -errno;
        out = NULL;
    }
    if (r == -EPIPE) {
        rc = 2; /* the reader went away: quiet */
    } else if (r < 0) {
        fprintf(stderr, "minerscan: %s: %s\n", output ? output : "output", ms_strerror(r));
        rc = 2;
    } else if (sum.interrupted) {
        fprintf(stderr, "minerscan: interrupted\n");
        rc = 130;
    } else if (sum.malicious + sum.suspicious > 0)
        rc = 1;
    else if (sum.incomplete > 0)
        rc = 2;
    else
        rc = 0;
    if (sum.interrupted || r < 0) {
        /* ms_run may have left a worker inside one big object (pool.h):
         * end here rather than free the engine under it. The report is
         * written and flushed (or its stream failed). */
        fflush(stdout);
        fflush(stderr);
        _exit(rc);
    }
    goto out;
oom:
    fprintf(stderr, "minerscan: out of memory\n");
    rc = 2;
out:
    if (out)
        fclose(out);
    ms_engine_free(e);
    free(err);
    for (size_t i = 0; i < owned.n; i++)
        free((void *)owned.v[i]);
    free(owned.v);
    free(paths.v);
    free(rules.v);
    free(excludes.v);
    free(passwords.v);
    return rc;
}
