/*
 * cli_opts.h - the one table of command-line options. getopt_long's table,
 * the parsing of every value, --help and the man page (gen_man.c) are all
 * made from it, and the defaults they print are read from
 * ms_options_default(), so no default is written twice.
 */
#ifndef MS_CLI_OPTS_H
#define MS_CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "options.h"

enum ms_opt_id {
    OPT_FORMAT = 'f',
    OPT_OUTPUT = 'o',
    OPT_THREADS = 'j',
    OPT_HELP = 'h',
    OPT_VERSION = 'V',
    OPT_ALL = 256,
    OPT_RULES,
    OPT_NO_BUILTIN,
    OPT_THRESHOLD,
    OPT_EXPLAIN,
    OPT_MAX_DEPTH,
    OPT_MAX_FILESIZE,
    OPT_MAX_ARCHIVE_BYTES,
    OPT_MAX_ENTRIES,
    OPT_MAX_RATIO,
    OPT_MAX_DIR_DEPTH,
    OPT_SCAN_TIMEOUT,
    OPT_PASSWORD,
    OPT_EXCLUDE,
    OPT_ONE_FS,
    OPT_FOLLOW,
    OPT_HASHES,
    OPT_ALLOW,
    OPT_PROGRESS,
    OPT_NO_PROGRESS,
    OPT_SORT,
    OPT_LIST_RULES,
    OPT_STDIN,
    OPT_MAX_OBJECTS,
    OPT_MAX_TIME,
    OPT_MAX_MEMORY,
    OPT_NO_SANDBOX,
    OPT_DEFINE = 'd',
    OPT_COMPILED_RULES = 300,
    OPT_SAVE_RULES,
    OPT_FAIL_ON_WARNINGS,
    OPT_IOC_FILE,
    OPT_LIVE,
    OPT_LIVE_ROOT,
    OPT_CASE,
    OPT_VERIFY_REPORT,
};

/* What a value is, and so how it is parsed and its default printed. */
typedef enum ms_opt_kind {
    MS_OPT_FLAG,    /* bool = true */
    MS_OPT_STRING,  /* const char * = the argument */
    MS_OPT_LIST,    /* ms_strv: the argument appended (repeatable) */
    MS_OPT_U32,     /* unsigned in [min, max] */
    MS_OPT_U64,     /* uint64_t in [min, max] */
    MS_OPT_SIZE,    /* uint64_t in [min, max], with K/M/G/T suffixes */
    MS_OPT_DOUBLE,  /* double in [dmin, dmax] */
    MS_OPT_CHOICE,  /* const char * = one of choices */
    MS_OPT_ACTION,  /* handled by the caller by its id (help, version, ...) */
} ms_opt_kind;

/* A growing list of strings (pointers into argv or owned by the caller). */
typedef struct ms_strv {
    const char **v;
    size_t n;
} ms_strv;

void ms_strv_add(ms_strv *sv, const char *s);

/* What the command line says: the run options plus what only the CLI
 * needs. */
typedef struct ms_cli {
    ms_options o;
    const char *format;   /* text | jsonl | sarif */
    const char *output;   /* -o FILE or NULL */
    int progress;         /* -1 auto, 0 off, 1 on */
    bool list_rules;
    bool scan_stdin;      /* --stdin */
    bool no_sandbox;      /* --no-sandbox */
    const char *save_rules; /* --save-rules FILE */
    bool live;             /* --live (issue 13): the running host, not PATHs */
    const char *live_root; /* --live-root DIR */
    const char *case_dir;  /* --case DIR (case.h) */
    const char *verify_report; /* --verify-report PATH */
    ms_strv rules, excludes, passwords, paths, compiled_rules, defines, ioc_files;
} ms_cli;

typedef struct ms_cli_opt {
    int id;
    char short_name;      /* 0 if none */
    const char *long_name;
    const char *arg;      /* argument name, NULL for flags */
    const char *help;     /* one or more sentences; the default is added */
    ms_opt_kind kind;
    size_t off;           /* offsetof(ms_cli, the field) */
    uint64_t min, max;    /* integer kinds */
    double dmin, dmax;    /* MS_OPT_DOUBLE */
    const char *expect;   /* "a number from 1 to 256": the usage error */
    bool show_default;    /* --help prints the default from ms_cli_defaults */
    size_t set_off;       /* MS_OPT_DOUBLE: a bool set when given (0: none) */
} ms_cli_opt;

extern const ms_cli_opt ms_cli_opts[];
extern const char ms_cli_summary[];
extern const char ms_cli_description[];
extern const char ms_cli_exit_status[];

/* The defaults: ms_options_default() plus the CLI's own. */
void ms_cli_defaults(ms_cli *c);

/* Parse argv into c (which holds the defaults). Options and PATHs may be
 * mixed; "--" ends the options; the PATHs go to c->paths. Returns 0, or the id of the first
 * MS_OPT_ACTION option met (the caller acts on it), or -1 with a one-line
 * message in err (a usage error). */
int ms_cli_parse(ms_cli *c, int argc, char **argv, char *err, size_t err_cap);

/* "--max-depth N" / "-j, --threads N": the option's left column. */
void ms_cli_opt_synopsis(const ms_cli_opt *o, char *buf, size_t cap);

/* The help text of an option with its default appended when it has one. */
void ms_cli_opt_help(const ms_cli_opt *o, char *buf, size_t cap);

/* --help, wrapped to width columns. */
void ms_cli_print_help(FILE *out, unsigned width);

#endif
