/*
 * sorted.h - the verdicts a run keeps for --sort: the writer (pool.c) or
 * the output lock (live.c) pushes each reportable verdict, and at the end
 * the run sorts them by path and writes them in that order, so the output
 * does not depend on which thread finished first.
 */
#ifndef MS_SORTED_H
#define MS_SORTED_H

#include <stdbool.h>
#include <stddef.h>

#include "minerscan.h"

typedef struct ms_sorted {
    ms_verdict **v;
    size_t n, cap;
} ms_sorted;

/* Keeps v (takes ownership). -ENOMEM when the list cannot grow: v is
 * freed then. The input chooses the list's size (one verdict per
 * reported object), so its growth is checked (alloc.h). */
int ms_sorted_push(ms_sorted *s, ms_verdict *v);

/* Sorts by path (bytes, then length), then, with by_kind, by verdict
 * kind, then by seq, the order the run counted them in. */
void ms_sorted_sort(ms_sorted *s, bool by_kind);

/* Frees every verdict kept and the list; s is empty again. */
void ms_sorted_free(ms_sorted *s);

#endif
