/*
 * cancel.h - the one stop channel of a run. The run owns one ms_cancel;
 * whoever must end the run early (a signal handler, the writer on a dead
 * output, a callback returning MS_STOP) sets it once, and every stage that
 * can take long polls it at bounded intervals: the walker before every
 * entry, the pool before every file, the engine between objects and
 * members, the unpacker between data blocks. libyara cannot be interrupted
 * inside one scan; that is bounded by its timeout (--scan-timeout).
 *
 * Setting it is async-signal-safe: a lock-free atomic store.
 */
#ifndef MS_CANCEL_H
#define MS_CANCEL_H

#include <stdatomic.h>
#include <stdbool.h>

typedef struct ms_cancel {
    atomic_int why; /* 0: running; a signal number; or MS_CANCEL_OUTPUT */
} ms_cancel;

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "ms_cancel is set from signal handlers");

#define MS_CANCEL_OUTPUT (-1) /* the report could not be written */

static inline void ms_cancel_init(ms_cancel *c) {
    atomic_init(&c->why, 0);
}

/* The first reason wins; later ones are ignored. */
static inline void ms_cancel_set(ms_cancel *c, int why) {
    int zero = 0;
    atomic_compare_exchange_strong(&c->why, &zero, why);
}

static inline bool ms_cancelled(const ms_cancel *c) {
    return c && atomic_load_explicit(&c->why, memory_order_relaxed) != 0;
}

static inline int ms_cancel_reason(const ms_cancel *c) {
    return c ? atomic_load(&c->why) : 0;
}

#endif
