/*
 * options.c - the defaults of the run configuration (options.h), taken from
 * the caps of ms_limits.h, so --help, the man page and the engine agree.
 */
#include "options.h"

#include <string.h>

#include "ms_limits.h"

void ms_limits_default(ms_limits *l) {
    *l = (ms_limits){
        .max_depth = MS_DEFAULT_MAX_DEPTH,
        .max_entries = MS_DEFAULT_MAX_ENTRIES,
        .max_filesize = MS_DEFAULT_MAX_FILESIZE,
        .max_archive_bytes = MS_DEFAULT_MAX_ARCHIVE_BYTES,
        .max_ratio = MS_DEFAULT_MAX_RATIO,
        .max_dir_depth = MS_DEFAULT_MAX_DIR_DEPTH,
        .scan_timeout = MS_DEFAULT_SCAN_TIMEOUT,
        .max_objects = MS_DEFAULT_MAX_OBJECTS,
        .max_time = MS_DEFAULT_MAX_TIME,
        .max_memory = MS_DEFAULT_MAX_MEMORY,
    };
}

void ms_options_default(ms_options *o) {
    memset(o, 0, sizeof(*o));
    o->threads = 1;
    ms_limits_default(&o->limits);
}

