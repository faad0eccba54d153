/* cli_opts.c - the option table, its parser and --help (see cli_opts.h). */
#include "cli_opts.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "minerscan.h"

const char ms_cli_summary[] = "find cryptocurrency miners and cryptojacking droppers at rest";

const char ms_cli_description[] =
    "minerscan walks files, directories, archives (nested, in memory), UPX-packed programs, "
    "container images and packet captures, identifies each object (libmagic describes what is "
    "reported), matches built-in and user YARA rules for miner families, Stratum, pools, wallets "
    "and droppers, scores executables and scripts with compiled-in models, and reports the "
    "verdict, the evidence and the pools and wallets it found. "
    "It never runs, changes or writes what it scans. PATH defaults to the current directory; "
    "a PATH of - reads newline-separated paths from standard input.";

const char ms_cli_exit_status[] =
    "0: nothing found and everything read. 1: something found (malicious or suspicious). "
    "2: nothing found but something could not be scanned (an error or a limit), or a usage "
    "or fatal error. 128 + the signal (130 SIGINT, 143 SIGTERM, 129 SIGHUP, 138 SIGUSR1): "
    "interrupted; what was scanned is reported, with a partial summary.";

#define F(field) offsetof(ms_cli, field)
#define O(i, s, l, a, h, k, o) .id = i, .short_name = s, .long_name = l, .arg = a, .help = h, .kind = k, .off = o

const ms_cli_opt ms_cli_opts[] = {
    {O(OPT_FORMAT, 'f', "format", "FMT", "Output format: text (default), jsonl or sarif.", MS_OPT_CHOICE,
       F(format)),
     .expect = "one of text, jsonl, sarif"},
    {O(OPT_OUTPUT, 'o', "output", "FILE", "Write the report to FILE instead of standard output.",
       MS_OPT_STRING, F(output))},
    {O(OPT_THREADS, 'j', "threads", "N", "Scan with N worker threads (default: online CPUs).", MS_OPT_U32,
       F(o.threads)),
     .min = 1, .max = 256, .expect = "a number from 1 to 256"},
    {O(OPT_ALL, 0, "all", NULL, "Report clean objects too.", MS_OPT_FLAG, F(o.all))},
    {O(OPT_RULES, 0, "rules", "PATH",
       "Add YARA rules from a file or a directory of *.yar/*.yara files (repeatable).", MS_OPT_LIST,
       F(rules))},
    {O(OPT_COMPILED_RULES, 0, "compiled-rules", "FILE",
       "Add precompiled YARA rules (yarac output, or --save-rules output) (repeatable).", MS_OPT_LIST,
       F(compiled_rules))},
    {O(OPT_DEFINE, 'd', "define", "NAME=VALUE",
       "Define a YARA external variable for every object, as yara -d does (repeatable). The "
       "variables filename, filepath, extension, filetype and owner are set per object unless "
       "defined here.", MS_OPT_LIST, F(defines))},
    {O(OPT_SAVE_RULES, 0, "save-rules", "FILE",
       "Compile the --rules sources, save them to FILE (for --compiled-rules or yara -C) and exit.",
       MS_OPT_STRING, F(save_rules))},
    {O(OPT_FAIL_ON_WARNINGS, 0, "fail-on-warnings", NULL,
       "Treat a YARA compiler warning about a user rule (a slow rule) as an error.", MS_OPT_FLAG,
       F(o.fail_on_warnings))},
    {O(OPT_NO_BUILTIN, 0, "no-builtin-rules", NULL, "Do not use the built-in rules.", MS_OPT_FLAG,
       F(o.no_builtin_rules))},
    {O(OPT_THRESHOLD, 0, "threshold", "P", "Model score (0..1) at which an executable is suspicious.",
       MS_OPT_DOUBLE, F(o.threshold)),
     .dmin = 0.0, .dmax = 1.0, .expect = "a number from 0 to 1", .set_off = F(o.have_threshold)},
    {O(OPT_EXPLAIN, 0, "explain", NULL, "Show the model features that pushed each score up.",
       MS_OPT_FLAG, F(o.explain))},
    {O(OPT_MAX_DEPTH, 0, "max-depth", "N", "Archive nesting depth.", MS_OPT_U32, F(o.limits.max_depth)),
     .min = 0, .max = 1000, .expect = "a number from 0 to 1000", .show_default = true},
    {O(OPT_MAX_FILESIZE, 0, "max-filesize", "BYTES",
       "Bytes scanned of one file or archive member; suffixes K, M, G.", MS_OPT_SIZE,
       F(o.limits.max_filesize)),
     .min = 1, .max = SIZE_MAX / 2, .expect = "a size such as 512M", .show_default = true},
    {O(OPT_MAX_ARCHIVE_BYTES, 0, "max-archive-bytes", "BYTES",
       "Bytes expanded from one top-level file, all levels together.", MS_OPT_SIZE,
       F(o.limits.max_archive_bytes)),
     .min = 1, .max = UINT64_MAX, .expect = "a size such as 4G", .show_default = true},
    {O(OPT_MAX_ENTRIES, 0, "max-entries", "N", "Entries read per archive.", MS_OPT_U64,
       F(o.limits.max_entries)),
     .min = 1, .max = UINT64_MAX, .expect = "a positive number", .show_default = true},
    {O(OPT_MAX_RATIO, 0, "max-ratio", "R", "Expansion ratio allowed for members over 1 MiB.",
       MS_OPT_DOUBLE, F(o.limits.max_ratio)),
     .dmin = 1.0, .dmax = 1e9, .expect = "a number of at least 1", .show_default = true},
    {O(OPT_MAX_DIR_DEPTH, 0, "max-dir-depth", "N", "Directory depth walked.", MS_OPT_U32,
       F(o.limits.max_dir_depth)),
     .min = 1, .max = 1000000, .expect = "a positive number", .show_default = true},
    {O(OPT_MAX_OBJECTS, 0, "max-objects", "N",
       "Objects (members, decoded blobs) scanned below one top-level file, all levels together.",
       MS_OPT_U64, F(o.limits.max_objects)),
     .min = 1, .max = UINT64_MAX, .expect = "a positive number", .show_default = true},
    {O(OPT_MAX_TIME, 0, "max-time", "SECONDS", "Seconds spent on one top-level file and its members.",
       MS_OPT_U32, F(o.limits.max_time)),
     .min = 1, .max = 604800, .expect = "a number of seconds", .show_default = true},
    {O(OPT_MAX_MEMORY, 0, "max-memory", "BYTES",
       "Archive member bytes held in memory at once by the one worker allowed past its 64 MiB share.",
       MS_OPT_SIZE, F(o.limits.max_memory)),
     .min = 1 << 20, .max = SIZE_MAX / 2, .expect = "a size such as 512M", .show_default = true},
    {O(OPT_SCAN_TIMEOUT, 0, "scan-timeout", "SECONDS", "YARA time per object.", MS_OPT_U32,
       F(o.limits.scan_timeout)),
     .min = 1, .max = 86400, .expect = "a number of seconds", .show_default = true},
    {O(OPT_PASSWORD, 0, "password", "PW", "Try PW on encrypted archive members (repeatable).",
       MS_OPT_LIST, F(passwords))},
    {O(OPT_EXCLUDE, 0, "exclude", "GLOB",
       "Skip paths whose full path or base name matches GLOB (repeatable).", MS_OPT_LIST, F(excludes))},
    {O(OPT_ONE_FS, 0, "one-file-system", NULL, "Do not cross into other file systems.", MS_OPT_FLAG,
       F(o.one_file_system))},
    {O(OPT_FOLLOW, 0, "follow-symlinks", NULL, "Follow symbolic links below the given paths.",
       MS_OPT_FLAG, F(o.follow_symlinks))},
    {O(OPT_HASHES, 0, "hashes", "FILE",
       "Known-bad sha256/sha1/md5 digests, one per line, plain or Loki's HASH;COMMENT (# comments); a "
       "match is malicious.",
       MS_OPT_STRING, F(o.hashes_file))},
    {O(OPT_IOC_FILE, 0, "ioc-file", "FILE",
       "Indicators to hunt for (repeatable): file-name regexes, domains, IPs, pool URLs and wallets, "
       "one per line as TYPE:VALUE, then optionally ;SCORE and ;COMMENT, or Loki's REGEX;SCORE "
       "lines; a match is a finding.", MS_OPT_LIST, F(ioc_files))},
    {O(OPT_ALLOW, 0, "allow", "FILE", "Known-good digests; a match is reported as allowed, not flagged.",
       MS_OPT_STRING, F(o.allow_file))},
    {O(OPT_PROGRESS, 0, "progress", NULL, "Show a status line on standard error.", MS_OPT_ACTION, 0)},
    {O(OPT_NO_PROGRESS, 0, "no-progress", NULL,
       "Never show the status line (default off unless stderr is a terminal).", MS_OPT_ACTION, 0)},
    {O(OPT_SORT, 0, "sort", NULL, "Sort records by path: byte-identical output run to run.",
       MS_OPT_FLAG, F(o.sort))},
    {O(OPT_STDIN, 0, "stdin", NULL,
       "Scan the data on standard input as one object named (stdin), up to --max-filesize "
       "(clamscan - and yara - do this); PATHs are scanned too, and default to none.",
       MS_OPT_FLAG, F(scan_stdin))},
    {O(OPT_NO_SANDBOX, 0, "no-sandbox", NULL,
       "Do not confine the scan (no NO_NEW_PRIVS, Landlock or seccomp after start-up); for "
       "debugging, as file -S.",
       MS_OPT_FLAG, F(no_sandbox))},
    {O(OPT_LIST_RULES, 0, "list-rules", NULL,
       "List every rule with its metadata, tags and grade in the --format (text: a table with a header) "
       "and exit.",
       MS_OPT_FLAG, F(list_rules))},
    {O(OPT_LIVE, 0, "live", NULL,
       "Triage the running host instead of PATHs: every process (its executable through "
       "/proc/PID/exe, memory, libraries, command line, environment, sockets), processes hidden "
       "from /proc, persistence (cron, systemd, rc.local, profile and shell start-up files, "
       "authorized_keys, /etc/ld.so.preload) and the kernel settings miners change. Run as root; as "
       "another user what cannot be read is reported as skipped.",
       MS_OPT_FLAG, F(live))},
    {O(OPT_LIVE_ROOT, 0, "live-root", "DIR",
       "With --live, read persistence and configuration files (/etc, /var/spool/cron, homes) below "
       "DIR instead of /, e.g. a mounted copy of the system; processes and kernel settings still come "
       "from the running kernel.",
       MS_OPT_STRING, F(live_root))},
    {O(OPT_CASE, 0, "case", "DIR",
       "Evidence mode: make DIR (absent or empty; never overwritten) and write into it the report "
       "(report.jsonl, or report.txt or report.sarif with --format), scanner.sha256 (this "
       "executable's sha256, for sha256sum -c), log.txt (the run's messages with UTC times) and, "
       "last, SHA256SUMS of the three. Nothing else is written anywhere.",
       MS_OPT_STRING, F(case_dir))},
    {O(OPT_VERIFY_REPORT, 0, "verify-report", "PATH",
       "Check that a report minerscan wrote (or a --case directory) is unchanged: its last record "
       "holds the sha256 of every byte before it. Exit status 0 intact, 1 changed, 2 no seal or "
       "unreadable.",
       MS_OPT_STRING, F(verify_report))},
    {O(OPT_VERSION, 'V', "version", NULL, "Print the version, rule, model and schema versions.",
       MS_OPT_ACTION, 0)},
    {O(OPT_HELP, 'h', "help", NULL, "Print this help.", MS_OPT_ACTION, 0)},
    {.long_name = NULL},
};

static const char *const format_choices[] = {"text", "jsonl", "sarif", NULL};

void ms_strv_add(ms_strv *sv, const char *s) {
    sv->v = ms_xrealloc(sv->v, (sv->n + 2) * sizeof(*sv->v));
    sv->v[sv->n++] = s;
    sv->v[sv->n] = NULL;
}

void ms_cli_defaults(ms_cli *c) {
    memset(c, 0, sizeof(*c));
    ms_options_default(&c->o);
    c->o.threads = 0; /* online CPUs, settled by main */
    c->format = NULL; /* text; jsonl under --case (main settles it) */
    c->progress = -1;
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
    return !__builtin_mul_overflow((uint64_t)v, mul, ret);
}

/* Set the field of one option from its argument; false: a usage error. */
static bool set_value(ms_cli *c, const ms_cli_opt *o, const char *arg) {
    char *field = (char *)c + o->off;
    uint64_t u;
    switch (o->kind) {
    case MS_OPT_FLAG:
        *(bool *)field = true;
        return true;
    case MS_OPT_STRING:
        *(const char **)field = arg;
        return true;
    case MS_OPT_LIST:
        ms_strv_add((ms_strv *)field, arg);
        return true;
    case MS_OPT_CHOICE:
        for (const char *const *ch = format_choices; *ch; ch++)
            if (!strcmp(*ch, arg)) {
                *(const char **)field = *ch;
                return true;
            }
        return false;
    case MS_OPT_U32:
    case MS_OPT_U64:
    case MS_OPT_SIZE:
        if (!parse_u64(arg, o->kind == MS_OPT_SIZE, &u) || u < o->min || u > o->max)
            return false;
        if (o->kind == MS_OPT_U32)
            *(unsigned *)field = (unsigned)u;
        else
            *(uint64_t *)field = u;
        return true;
    case MS_OPT_DOUBLE: {
        char *end = NULL;
        errno = 0;
        double d = strtod(arg, &end);
        if (errno || end == arg || *end || !isfinite(d) || d < o->dmin || d > o->dmax)
            return false;
        *(double *)field = d;
        if (o->set_off)
            *(bool *)((char *)c + o->set_off) = true;
        return true;
    }
    case MS_OPT_ACTION:
        return true;
    }
    return false;
}

int ms_cli_parse(ms_cli *c, int argc, char **argv, char *err, size_t err_cap) {
    enum { MAX_OPTS = 64 };
    struct option lopts[MAX_OPTS + 1];
    char shorts[2 * MAX_OPTS + 2];
    size_t nl = 0, ns = 0;
    /* ':' tells a missing argument from an unknown option; options and
     * PATHs may be mixed (GNU order), "--" ends the options */
    shorts[ns++] = ':';
    for (const ms_cli_opt *o = ms_cli_opts; o->long_name && nl < MAX_OPTS; o++) {
        lopts[nl++] = (struct option){o->long_name, o->arg ? required_argument : no_argument, NULL, o->id};
        if (o->short_name) {
            shorts[ns++] = o->short_name;
            if (o->arg)
                shorts[ns++] = ':';
        }
    }
    lopts[nl] = (struct option){0};
    shorts[ns] = '\0';

    opterr = 0;
    optind = 1;
    int ch, action = 0;
    while ((ch = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
        if (ch == '?' || ch == ':') {
            const char *what = argv[optind - 1];
            if (ch == ':')
                snprintf(err, err_cap, "option '%s' needs an argument", what);
            else if (optopt && optopt < 256)
                snprintf(err, err_cap, "unknown option '-%c'", optopt);
            else
                snprintf(err, err_cap, "unknown option '%s'", what);
            return -1;
        }
        const ms_cli_opt *o = ms_cli_opts;
        while (o->long_name && o->id != ch)
            o++;
        if (!o->long_name) {
            snprintf(err, err_cap, "unknown option");
            return -1;
        }
        if (!set_value(c, o, optarg)) {
            snprintf(err, err_cap, "--%s: '%s' is not %s", o->long_name, optarg, o->expect);
            return -1;
        }
        if (o->id == OPT_PROGRESS)
            c->progress = 1;
        else if (o->id == OPT_NO_PROGRESS)
            c->progress = 0;
        else if (o->kind == MS_OPT_ACTION && !action)
            action = o->id;
    }
    for (int i = optind; i < argc; i++)
        ms_strv_add(&c->paths, argv[i]);
    c->o.rules = c->rules.v;
    c->o.n_rules = c->rules.n;
    c->o.excludes = c->excludes.v;
    c->o.n_excludes = c->excludes.n;
    c->o.passwords = c->passwords.v;
    c->o.n_passwords = c->passwords.n;
    c->o.compiled_rules = c->compiled_rules.v;
    c->o.n_compiled_rules = c->compiled_rules.n;
    c->o.defines = c->defines.v;
    c->o.n_defines = c->defines.n;
    c->o.ioc_files = c->ioc_files.v;
    c->o.n_ioc_files = c->ioc_files.n;
    return action;
}

void ms_cli_opt_synopsis(const ms_cli_opt *o, char *buf, size_t cap) {
    const char *sp = o->arg ? " " : "", *arg = o->arg ? o->arg : "";
    if (o->short_name)
        snprintf(buf, cap, "-%c, --%s%s%s", o->short_name, o->long_name, sp, arg);
    else
        snprintf(buf, cap, "    --%s%s%s", o->long_name, sp, arg);
}

static void size_text(uint64_t v, char *buf, size_t cap) {
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    unsigned u = 0;
    while (u < 4 && v >= 1024 && v % 1024 == 0) {
        v /= 1024;
        u++;
    }
    snprintf(buf, cap, "%llu %s", (unsigned long long)v, units[u]);
}

void ms_cli_opt_help(const ms_cli_opt *o, char *buf, size_t cap) {
    char def[64] = "";
    if (o->show_default) {
        ms_cli d;
        ms_cli_defaults(&d);
        const char *field = (const char *)&d + o->off;
        switch (o->kind) {
        case MS_OPT_U32:
            snprintf(def, sizeof(def), "%u", *(const unsigned *)field);
            break;
        case MS_OPT_U64:
            snprintf(def, sizeof(def), "%llu", (unsigned long long)*(const uint64_t *)field);
            break;
        case MS_OPT_SIZE:
            size_text(*(const uint64_t *)field, def, sizeof(def));
            break;
        case MS_OPT_DOUBLE:
            snprintf(def, sizeof(def), "%g", *(const double *)field);
            break;
        default:
            break;
        }
    }
    size_t n = strlen(o->help);
    if (def[0] && n > 0 && o->help[n - 1] == '.')
        snprintf(buf, cap, "%.*s (default %s).", (int)(n - 1), o->help, def);
    else
        snprintf(buf, cap, "%s", o->help);
}

/* Write text from column indent to width, breaking at spaces; the first
 * line continues where the cursor is (at column col). */
static void wrap(FILE *out, const char *text, unsigned col, unsigned indent, unsigned width) {
    const char *p = text;
    if (width < indent + 20)
        width = indent + 20;
    while (*p) {
        size_t word = strcspn(p, " ");
        if (col > indent && col + 1 + word > width) {
            fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', out);
            col++;
        }
        fwrite(p, 1, word, out);
        col += (unsigned)word;
        p += word;
        while (*p == ' ')
            p++;
    }
    fputc('\n', out);
}

void ms_cli_print_help(FILE *out, unsigned width) {
    int col = fprintf(out, "minerscan %s - ", MS_VERSION);
    wrap(out, ms_cli_summary, col > 0 ? (unsigned)col : 0, 4, width);
    fputs("\nUsage: minerscan [OPTIONS] [PATH...]\n\n", out);
    wrap(out, ms_cli_description, 0, 0, width);
    fputs("\nOptions:\n", out);
    for (const ms_cli_opt *o = ms_cli_opts; o->long_name; o++) {
        char left[64], help[512];
        ms_cli_opt_synopsis(o, left, sizeof(left));
        ms_cli_opt_help(o, help, sizeof(help));
        fprintf(out, "  %-30s", left);
        if (strlen(left) > 30)
            fprintf(out, "\n%32s", "");
        wrap(out, help, 32, 32, width);
    }
    fputs("\nExit status:", out);
    wrap(out, ms_cli_exit_status, 12, 2, width);
}
