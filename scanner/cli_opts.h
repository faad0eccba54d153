/*
 * cli_opts.h - the one table of command-line options. --help, the man page
 * (gen_man.c) and getopt_long in main.c are all made from it.
 */
#ifndef MS_CLI_OPTS_H
#define MS_CLI_OPTS_H

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
    OPT_LIVE,
    OPT_LIVE_ROOT,
};

typedef struct ms_cli_opt {
    int id;
    char short_name;    /* 0 if none */
    const char *long_name;
    const char *arg;    /* argument name, NULL for flags */
    const char *help;   /* one or more sentences */
} ms_cli_opt;

extern const ms_cli_opt ms_cli_opts[];
extern const char ms_cli_summary[];
extern const char ms_cli_description[];
extern const char ms_cli_exit_status[];

#endif
