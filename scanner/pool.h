/*
 * pool.h - the run: the walker feeds a bounded queue, N workers scan, one
 * writer thread hands verdicts to the reporter (sorting them for --sort).
 */
#ifndef MS_POOL_H
#define MS_POOL_H

#include <sys/types.h>

#include "engine.h"
#include "report.h"

typedef struct ms_run_hooks {
    /* progress: called from the writer thread at most every 100 ms with
     * the counts so far and the current directory; may be NULL. */
    void (*progress)(void *ud, const ms_summary *s, const char *current, size_t current_len);
    void *ud;
    /* the run's stop channel, owned by the caller (a signal handler sets
     * it with ms_cancel_request); NULL: the run makes its own. The run's
     * threads start with SIGINT, SIGTERM, SIGHUP and SIGUSR1 blocked, so
     * those are delivered to the calling thread. */
    ms_cancel *cancel;
    /* notice: a one-line message for the user, at most once per kind
     * (called from the calling thread); may be NULL. */
    void (*notice)(void *ud, const char *msg);
    /* The open report (-o): never an input, left out of the walk by its
     * device and inode. */
    bool have_report;
    dev_t report_dev;
    ino_t report_ino;
    /* --stdin: also scan the bytes of standard input, as one object named
     * MS_STDIN_NAME, before the paths. */
    bool scan_stdin;
} ms_run_hooks;

#define MS_STDIN_NAME "(stdin)"

/* Scan the given paths ("-" entries must already be expanded by the
 * caller). Fills *ret_summary. Returns 0, or < 0 on a fatal error such as
 * an output write failure (the summary is still filled).
 *
 * A run that is cancelled (the token set by the caller, or by the run on
 * a fatal output error) stops walking, finishes the objects begun, writes
 * what was scanned and a summary with "interrupted" set (when the caller
 * stopped it), and joins every thread before it returns. A hurried stop
 * (a second request, cancel.h) does not wait for a worker inside one
 * object: the summary is written all the same, ret_summary->abandoned is
 * set, and the caller must end the process without freeing e. */
int ms_run(ms_engine *e, const char *const *paths, size_t n_paths, ms_report *rep,
           const ms_run_hooks *hooks, ms_summary *ret_summary);

#endif
