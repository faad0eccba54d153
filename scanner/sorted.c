/*
 * sorted.c - the verdicts kept for --sort (sorted.h).
 */
#include "sorted.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ms_sorted_push(ms_sorted *s, ms_verdict *v) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        ms_verdict **a = realloc(s->v, cap * sizeof(*a));
        if (!a) {
            ms_verdict_free(v);
            return -ENOMEM;
        }
        s->v = a;
        s->cap = cap;
    }
    s->v[s->n++] = v;
    return 0;
}

static int cmp_path(const ms_verdict *x, const ms_verdict *y) {
    size_t n = x->path_len < y->path_len ? x->path_len : y->path_len;
    int c = memcmp(x->path, y->path, n);
    if (c)
        return c;
    if (x->path_len != y->path_len)
        return x->path_len < y->path_len ? -1 : 1;
    return 0;
}

static int cmp_seq(const ms_verdict *x, const ms_verdict *y) {
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static int cmp_path_seq(const void *a, const void *b) {
    const ms_verdict *x = *(ms_verdict *const *)a, *y = *(ms_verdict *const *)b;
    int c = cmp_path(x, y);
    return c ? c : cmp_seq(x, y);
}

static int cmp_path_kind_seq(const void *a, const void *b) {
    const ms_verdict *x = *(ms_verdict *const *)a, *y = *(ms_verdict *const *)b;
    int c = cmp_path(x, y);
    if (c)
        return c;
    if (x->verdict != y->verdict)
        return x->verdict < y->verdict ? -1 : 1;
    return cmp_seq(x, y);
}

void ms_sorted_sort(ms_sorted *s, bool by_kind) {
    if (s->n > 1)
        qsort(s->v, s->n, sizeof(*s->v), by_kind ? cmp_path_kind_seq : cmp_path_seq);
}

void ms_sorted_free(ms_sorted *s) {
    for (size_t i = 0; i < s->n; i++)
        ms_verdict_free(s->v[i]);
    free(s->v);
    *s = (ms_sorted){0};
}
