/*
 * pool.h - the run: the walker feeds a bounded queue, N workers scan, one
 * writer thread hands verdicts to the reporter (sorting them for --sort).
 */
#ifndef MS_POOL_H
#define MS_POOL_H

#include "engine.h"
#include "report.h"

typedef struct ms_run_hooks {
    /* progress: called from the writer thread at most every 100 ms with
     * the counts so far and the current directory; may be NULL. */
    void (*progress)(void *ud, const ms_summary *s, const char *current, size_t current_len);
    void *ud;
    volatile int *stop;   /* set by a SIGINT handler; the run drains */
} ms_run_hooks;

/* Scan the given paths ("-" entries must already be expanded by the
 * caller). Fills *ret_summary. Returns 0, or < 0 on a fatal error such as
 * an output write failure (the summary is still filled).
 *
 * A run that stops early (*hooks->stop set, or a fatal output error) waits
 * only briefly for workers inside one object (libyara cannot be
 * interrupted mid-scan); one still running then is left running, and the
 * run's state and the engine stay in use. So after ret_summary->interrupted
 * or a negative return, the caller must end the process without calling
 * ms_engine_free() (main.c calls _exit()). */
int ms_run(ms_engine *e, const char *const *paths, size_t n_paths, ms_report *rep,
           const ms_run_hooks *hooks, ms_summary *ret_summary);

#endif
