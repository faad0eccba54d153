/*
 * rulelits.c - see rulelits.h. One sequence reader for regexes and hex
 * strings: literal bytes extend the current run, anything else ends it,
 * a group that must occur offers its own set; the sequence keeps the best
 * of what was offered (the longest shortest literal, then the fewest),
 * and at the top every set offered of at least MS_LIT_MIN bytes, up to
 * MS_LITSETS_MAX (all must occur). An alternation needs a set from every
 * branch and takes the union of their best.
 */
#include "rulelits.h"

#include <limits.h>
#include <string.h>

#include "bytes.h"

enum { MAX_DEPTH = 16, MAX_REPEAT = 1000, INF = UINT_MAX };

static size_t score(const ms_litset *s) {
    size_t m = SIZE_MAX;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].n < m)
            m = s->v[i].n;
    return s->n ? m : 0;
}

/* What a group or an alternation yields: its best set, and when it is
 * exactly one of a few literals (a string, "(pkill|killall)"), those. */
typedef struct {
    ms_litset best;
    ms_litset exact;
    bool is_exact;
} grp;

typedef struct {
    /* the literals one of which ends here, each exactly what the sequence
     * matched since the run began: extended by literal bytes and by exact
     * groups (their product), ended by anything else */
    ms_litset run;
    bool exact;      /* the whole sequence so far is the run */
    ms_litset best;
    ms_litsets *all; /* at the top: every set of MS_LIT_MIN bytes or more */
} seq;

static const ms_litset empty_run = {.n = 1};

static bool better(const ms_litset *c, const ms_litset *than) {
    size_t a = score(c), b = score(than);
    return than->n == 0 || a > b || (a == b && c->n < than->n);
}

static void offer(seq *q, const ms_litset *c) {
    if (c->n == 0 || score(c) == 0)
        return;
    if (better(c, &q->best))
        q->best = *c;
    ms_litsets *all = q->all;
    if (!all || score(c) < MS_LIT_MIN)
        return;
    /* kept in order, best first; past the end the worst falls off */
    size_t k = all->n < MS_LITSETS_MAX ? all->n++ : MS_LITSETS_MAX;
    while (k > 0 && better(c, &all->set[k - 1])) {
        if (k < MS_LITSETS_MAX)
            all->set[k] = all->set[k - 1];
        k--;
    }
    if (k < MS_LITSETS_MAX)
        all->set[k] = *c;
}

static void flush(seq *q) {
    offer(q, &q->run);
    q->run = empty_run;
    q->exact = false;
}

static void seq_init(seq *q, ms_litsets *all) {
    *q = (seq){.run = empty_run, .exact = true, .all = all};
}

/* the run followed by one of g's literals */
static void append(seq *q, const ms_litset *g) {
    bool fits = q->run.n * g->n <= MS_LITSET_MAX;
    for (size_t a = 0; fits && a < q->run.n; a++)
        for (size_t b = 0; b < g->n; b++)
            fits &= q->run.v[a].n + g->v[b].n <= MS_LIT_MAX;
    if (!fits) {
        /* the run so far is offered; what follows starts anew */
        flush(q);
        q->run = *g;
        return;
    }
    ms_litset out = {.n = 0};
    for (size_t a = 0; a < q->run.n; a++)
        for (size_t b = 0; b < g->n; b++) {
            ms_lit *l = &out.v[out.n++];
            *l = q->run.v[a];
            memcpy(l->b + l->n, g->v[b].b, g->v[b].n);
            l->n = (uint8_t)(l->n + g->v[b].n);
        }
    q->run = out;
}

/* one of g's literals, repeated min..max times */
static void push_exact(seq *q, const ms_litset *g, unsigned min, unsigned max) {
    if (min == 0) {
        flush(q);
        return;
    }
    for (unsigned k = 0; k < min && k <= MS_LIT_MAX; k++)
        append(q, g);
    if (max != min) {
        /* more may follow: the run ends here, the next starts with g */
        flush(q);
        q->run = *g;
    }
}

static void push_byte(seq *q, uint8_t c, unsigned min, unsigned max) {
    ms_litset g = {.n = 1};
    g.v[0].b[0] = c;
    g.v[0].n = 1;
    push_exact(q, &g, min, max);
}

static void push_wild(seq *q) {
    flush(q);
}

static void push_group(seq *q, const grp *g, unsigned min, unsigned max) {
    if (g->is_exact && score(&g->exact) > 0) {
        push_exact(q, &g->exact, min, max);
        return;
    }
    flush(q);
    if (min > 0)
        offer(q, &g->best);
}

static void finish(seq *q, grp *out) {
    out->is_exact = q->exact;
    out->exact = q->run;
    flush(q);
    out->best = q->best;
}

/* the union of two sets into acc, or none when one has none */
static void unite(ms_litset *acc, const ms_litset *b, bool *none) {
    if (b->n == 0 || acc->n + b->n > MS_LITSET_MAX) {
        *none = true;
        return;
    }
    memcpy(&acc->v[acc->n], b->v, b->n * sizeof(b->v[0]));
    acc->n += b->n;
}

/* branch b joins the alternation acc */
static void unite_grp(grp *acc, const grp *b, bool *none, bool *inexact) {
    unite(&acc->best, &b->best, none);
    if (!b->is_exact)
        *inexact = true;
    else if (!*inexact)
        unite(&acc->exact, &b->exact, inexact);
}

static bool is_alnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool done(bool bad, ms_litsets *out) {
    if (bad)
        out->n = 0;
    return out->n > 0;
}

/* ---- text strings ---- */

bool ms_lits_text(const char *s, size_t n, ms_litsets *out) {
    ms_litset got = {.n = 1};
    ms_lit *l = &got.v[0];
    l->n = 0;
    bool bad = false;
    for (size_t i = 0; i < n && !bad; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c == '\\') {
            if (++i >= n) {
                bad = true;
                break;
            }
            switch (s[i]) {
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            case 't': c = '\t'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 'x': {
                int h = i + 2 < n ? ms_hexval(s[i + 1]) : -1, lo = i + 2 < n ? ms_hexval(s[i + 2]) : -1;
                if (h < 0 || lo < 0) {
                    bad = true;
                    continue;
                }
                c = (uint8_t)(h << 4 | lo);
                i += 2;
                break;
            }
            default:
                bad = true;
                continue;
            }
        }
        if (l->n < MS_LIT_MAX)
            l->b[l->n++] = c;
    }
    out->n = 0;
    if (l->n >= MS_LIT_MIN)
        out->set[out->n++] = got;
    return done(bad, out);
}

/* ---- regexes ---- */

typedef struct {
    const char *s;
    size_t n, i;
    int depth;
    bool bad;
} rd;

static bool at(const rd *r, char c) {
    return r->i < r->n && r->s[r->i] == c;
}

static unsigned number(rd *r, bool *any) {
    unsigned v = 0;
    *any = false;
    while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') {
        *any = true;
        v = v * 10 + (unsigned)(r->s[r->i++] - '0');
        if (v > MAX_REPEAT) {
            r->bad = true;
            return 0;
        }
    }
    return v;
}

/* an optional quantifier: * + ? {n} {n,} {,m} {n,m}, then an optional ? */
static void quant(rd *r, unsigned *min, unsigned *max) {
    *min = *max = 1;
    if (at(r, '*'))
        r->i++, *min = 0, *max = INF;
    else if (at(r, '+'))
        r->i++, *min = 1, *max = INF;
    else if (at(r, '?'))
        r->i++, *min = 0, *max = 1;
    else if (at(r, '{')) {
        bool a, b;
        r->i++;
        *min = number(r, &a);
        if (at(r, ',')) {
            r->i++;
            *max = number(r, &b);
            if (!b)
                *max = INF;
        } else {
            *max = *min;
            if (!a)
                r->bad = true;
        }
        if (!at(r, '}') || *max < *min)
            r->bad = true;
        r->i++;
    } else {
        return;
    }
    if (at(r, '?'))
        r->i++; /* lazy */
}

/* a class from its '[', read as libyara reads it: a backslash takes the
 * next byte, the first ']' (after an optional '^') is a member */
static void skip_class(rd *r) {
    r->i++;
    if (at(r, '^'))
        r->i++;
    if (at(r, ']'))
        r->i++;
    while (r->i < r->n && r->s[r->i] != ']') {
        if (r->s[r->i] == '\\')
            r->i++;
        r->i++;
    }
    if (r->i >= r->n)
        r->bad = true;
    r->i++;
}

static void rx_alt(rd *r, grp *out, ms_litsets *all);

static void rx_seq(rd *r, grp *out, ms_litsets *all) {
    seq q;
    seq_init(&q, all);
    unsigned min, max;
    while (!r->bad && r->i < r->n && !at(r, '|') && !at(r, ')')) {
        char c = r->s[r->i];
        if (c == '(') {
            r->i++;
            if (at(r, '?') || ++r->depth > MAX_DEPTH) {
                r->bad = true;
                break;
            }
            grp g;
            rx_alt(r, &g, NULL);
            r->depth--;
            if (!at(r, ')')) {
                r->bad = true;
                break;
            }
            r->i++;
            quant(r, &min, &max);
            push_group(&q, &g, min, max);
        } else if (c == '[' || c == '.') {
            if (c == '[')
                skip_class(r);
            else
                r->i++;
            quant(r, &min, &max);
            push_wild(&q);
        } else if (c == '^' || c == '$') {
            r->i++;
            push_wild(&q);
        } else if (c == '\\') {
            if (++r->i >= r->n) {
                r->bad = true;
                break;
            }
            char e = r->s[r->i++];
            int b = -1;
            switch (e) {
            case 'w': case 'W': case 's': case 'S': case 'd': case 'D':
                quant(r, &min, &max);
                push_wild(&q);
                continue;
            case 'b': case 'B':
                push_wild(&q);
                continue;
            case 't': b = '\t'; break;
            case 'n': b = '\n'; break;
            case 'r': b = '\r'; break;
            case 'f': b = '\f'; break;
            case 'a': b = '\a'; break;
            case 'x': {
                int h = r->i + 1 < r->n ? ms_hexval(r->s[r->i]) : -1, l = r->i + 1 < r->n ? ms_hexval(r->s[r->i + 1]) : -1;
                if (h < 0 || l < 0) {
                    r->bad = true;
                    continue;
                }
                b = h << 4 | l;
                r->i += 2;
                break;
            }
            default:
                if (is_alnum(e)) {
                    r->bad = true; /* an escape this reader does not know */
                    continue;
                }
                b = (uint8_t)e;
            }
            quant(r, &min, &max);
            push_byte(&q, (uint8_t)b, min, max);
        } else if (c == '*' || c == '+' || c == '?' || c == '{' || c == ']' || c == '}') {
            r->bad = true;
        } else {
            r->i++;
            quant(r, &min, &max);
            push_byte(&q, (uint8_t)c, min, max);
        }
    }
    finish(&q, out);
}

/* branches: each read by one_seq; all: the top sequence's sets, kept only
 * when it has no '|' */
static void alternation(rd *r, grp *out, ms_litsets *all, void (*one_seq)(rd *, grp *, ms_litsets *)) {
    grp b;
    bool none = false, inexact = false;
    one_seq(r, out, all);
    if (out->best.n == 0)
        none = true;
    inexact = !out->is_exact;
    while (!r->bad && at(r, '|')) {
        r->i++;
        one_seq(r, &b, NULL);
        unite_grp(out, &b, &none, &inexact);
        if (all)
            all->n = 0;
    }
    if (none)
        out->best.n = 0;
    out->is_exact = !inexact;
    if (all && all->n == 0 && score(&out->best) >= MS_LIT_MIN)
        all->set[all->n++] = out->best;
}

static void rx_alt(rd *r, grp *out, ms_litsets *all) {
    alternation(r, out, all, rx_seq);
}

bool ms_lits_regex(const char *s, size_t n, ms_litsets *out) {
    rd r = {.s = s, .n = n};
    grp got;
    out->n = 0;
    rx_alt(&r, &got, out);
    return done(r.bad || r.i != n, out);
}

/* ---- hex strings ---- */

static void skip_space(rd *r) {
    while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' || r->s[r->i] == '\r'))
        r->i++;
}

static void hex_alt(rd *r, grp *out, ms_litsets *all);

static void hex_seq(rd *r, grp *out, ms_litsets *all) {
    seq q;
    seq_init(&q, all);
    for (;;) {
        skip_space(r);
        if (r->bad || r->i >= r->n || at(r, '|') || at(r, ')'))
            break;
        char c = r->s[r->i];
        if (c == '(') {
            r->i++;
            if (++r->depth > MAX_DEPTH) {
                r->bad = true;
                break;
            }
            grp g;
            hex_alt(r, &g, NULL);
            r->depth--;
            skip_space(r);
            if (!at(r, ')')) {
                r->bad = true;
                break;
            }
            r->i++;
            push_group(&q, &g, 1, 1);
        } else if (c == '[') {
            while (r->i < r->n && r->s[r->i] != ']') {
                char d = r->s[r->i];
                if (d != '[' && d != '-' && d != ' ' && !(d >= '0' && d <= '9')) {
                    r->bad = true;
                    break;
                }
                r->i++;
            }
            if (r->i >= r->n)
                r->bad = true;
            r->i++;
            push_wild(&q);
        } else {
            bool neg = c == '~';
            if (neg)
                r->i++;
            if (r->i + 2 > r->n) {
                r->bad = true;
                break;
            }
            char a = r->s[r->i], b = r->s[r->i + 1];
            int h = ms_hexval(a), l = ms_hexval(b);
            if ((h < 0 && a != '?') || (l < 0 && b != '?')) {
                r->bad = true;
                break;
            }
            r->i += 2;
            if (neg || h < 0 || l < 0)
                push_wild(&q);
            else
                push_byte(&q, (uint8_t)(h << 4 | l), 1, 1);
        }
    }
    finish(&q, out);
}

static void hex_alt(rd *r, grp *out, ms_litsets *all) {
    alternation(r, out, all, hex_seq);
}

bool ms_lits_hex(const char *s, size_t n, ms_litsets *out) {
    rd r = {.s = s, .n = n};
    grp got;
    out->n = 0;
    hex_alt(&r, &got, out);
    skip_space(&r);
    return done(r.bad || r.i != n, out);
}
