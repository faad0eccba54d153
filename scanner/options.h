/*
 * options.h - the run configuration. main.c fills it from the command line;
 * the engine, walker and unpacker read it and never change it.
 */
#ifndef MS_OPTIONS_H
#define MS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ms_limits {
    unsigned max_depth;          /* archive nesting */
    uint64_t max_entries;        /* entries per archive */
    uint64_t max_filesize;       /* bytes per file or member */
    uint64_t max_archive_bytes;  /* expanded bytes per top-level file */
    double max_ratio;            /* expansion ratio for members > 1 MiB */
    unsigned max_dir_depth;      /* walker directory depth */
    unsigned scan_timeout;       /* seconds per object in libyara */
    uint64_t max_objects;        /* objects below one top-level file */
    unsigned max_time;           /* seconds per top-level file */
    uint64_t max_memory;         /* member bytes held by the one worker
                                    allowed past MS_WORKER_SHARE */
} ms_limits;

void ms_limits_default(ms_limits *l);

typedef struct ms_options {
    unsigned threads;
    bool all;                    /* report clean objects too */
    bool sort;
    bool explain;
    bool no_builtin_rules;
    const char **rules;          /* --rules PATH, NULL-terminated or n_rules */
    size_t n_rules;
    const char **excludes;       /* --exclude GLOB */
    size_t n_excludes;
    const char **passwords;      /* --password PW */
    size_t n_passwords;
    const char **compiled_rules; /* --compiled-rules FILE (yarac output) */
    size_t n_compiled_rules;
    const char **defines;        /* -d NAME=VALUE: YARA external variables */
    size_t n_defines;
    bool fail_on_warnings;       /* a rule compiler warning is an error */
    const char **ioc_files;      /* --ioc-file FILE (ioclist.h) */
    size_t n_ioc_files;
    const char *hashes_file;     /* --hashes */
    const char *allow_file;      /* --allow */
    bool one_file_system;
    bool follow_symlinks;
    bool have_threshold;
    double threshold;            /* --threshold, when have_threshold */
    ms_limits limits;
} ms_options;

void ms_options_default(ms_options *o);

#endif
