/*
 * cancel.h - the one stop channel of a run. The run owns one ms_cancel;
 * whoever must end the run early (a signal handler, the writer on a dead
 * output, a callback returning MS_STOP) sets it once, and every stage that
 * can take long polls it at bounded intervals: the walker before every
 * entry, the pool before every file, the engine between objects and
 * members, the unpacker between data blocks, the signature scan between
 * the steps of its literal search and between the windows of a big file
 * (sigscan.h). libyara cannot be interrupted inside one block it scans;
 * that is bounded by its timeout (--scan-timeout).
 *
 * Setting it is async-signal-safe: a lock-free atomic store.
 *
 * A second request to stop (a second signal) "hurries" the stop: the run
 * no longer waits for a worker that is still inside one object (libyara
 * cannot be interrupted mid-scan; --scan-timeout bounds it), it writes
 * what has been scanned and the summary, and leaves that worker running
 * for the caller to end the process (ms_run_hooks, pool.h).
 */
#ifndef MS_CANCEL_H
#define MS_CANCEL_H

#include <stdatomic.h>
#include <stdbool.h>

typedef struct ms_cancel {
    atomic_int why; /* 0: running; a signal number; or MS_CANCEL_OUTPUT */
    atomic_int hurry; /* requests to stop after the first */
} ms_cancel;

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "ms_cancel is set from signal handlers");

#define MS_CANCEL_OUTPUT (-1) /* the report could not be written */

static inline void ms_cancel_init(ms_cancel *c) {
    atomic_init(&c->why, 0);
    atomic_init(&c->hurry, 0);
}

/* The first reason wins; later ones are ignored. */
static inline void ms_cancel_set(ms_cancel *c, int why) {
    int zero = 0;
    atomic_compare_exchange_strong(&c->why, &zero, why);
}

/* A stop request: the first sets the reason, later ones hurry the stop. */
static inline void ms_cancel_request(ms_cancel *c, int why) {
    int zero = 0;
    if (!atomic_compare_exchange_strong(&c->why, &zero, why))
        atomic_fetch_add(&c->hurry, 1);
}

static inline bool ms_cancel_hurried(const ms_cancel *c) {
    return c && atomic_load(&c->hurry) > 0;
}

static inline bool ms_cancelled(const ms_cancel *c) {
    return c && atomic_load_explicit(&c->why, memory_order_relaxed) != 0;
}

static inline int ms_cancel_reason(const ms_cancel *c) {
    return c ? atomic_load(&c->why) : 0;
}

#endif
