/*
 * litscan.c - see litscan.h.
 */
#include "litscan.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "bytes.h"

/* the literals' index by their anchor: 2^bits buckets, bits from
 * BUCKET_MIN_BITS to BUCKET_MAX_BITS, about two buckets per literal (3000
 * third-party rules bring 11 000 literals: at 4 096 buckets, a lookup
 * compared four or five of them) */
enum { BUCKET_MIN_BITS = 12, BUCKET_MAX_BITS = 16 };

typedef struct {
    uint8_t b[MS_LITSCAN_MAX];
    uint8_t n, anchor;
    bool nocase;
    uint32_t id;
} lit;

typedef struct {
    uint32_t lit;
    uint32_t bucket;
} entry;

/* the filter's index of three bytes: an 18-bit multiplicative hash, 32
 * KiB of bits */
enum { TRI_BITS = 18 };
#define TRI(a, b, c) \
    ((((unsigned)(a) << 16 | (unsigned)(b) << 8 | (unsigned)(c)) * 2654435761u) >> (32 - TRI_BITS))

struct ms_litscan {
    /* [b0 | b1 << 8]: an anchor's first or last two bytes. A byte each
     * rather than a bit: read straight from the two bytes, no shift or
     * mask (the first filter reads one per two bytes of every object) */
    uint8_t pair[65536];
    uint64_t tri[(1u << TRI_BITS) / 64]; /* bit TRI(anchor): an anchor may start so */
    lit *lits;
    size_t nl, cap;
    entry *ent;      /* by bucket, after seal */
    uint32_t *first; /* [b]: the first entry of bucket b; 2^bits + 1 */
    unsigned bits;
    bool sealed;
};

static bool letter(uint8_t c) {
    return ms_lower(c) >= 'a' && ms_lower(c) <= 'z';
}

static uint32_t bucket_of(unsigned bits, uint8_t a, uint8_t b, uint8_t c) {
    uint32_t v = (uint32_t)ms_lower(a) | (uint32_t)ms_lower(b) << 8 | (uint32_t)ms_lower(c) << 16;
    return (v * 2654435761u) >> (32 - bits);
}

/* how often a byte turns up in ordinary files, roughly: the anchor is the
 * three bytes that sum to least */
static unsigned commonness(uint8_t c, bool nocase) {
    if (c == 0)
        return 12;
    if (c == 0xff)
        return 8;
    if (c == ' ')
        return 7;
    if (c == '\n' || c == '\t')
        return 5;
    if (letter(c)) {
        unsigned k = strchr("etaoinsrl", ms_lower(c)) ? 6 : 5;
        return k - (c >= 'A' && c <= 'Z' && !nocase) + nocase;
    }
    if (c >= '0' && c <= '9')
        return 4;
    if (c < 0x20 || c >= 0x80)
        return 2;
    return 3;
}

ms_litscan *ms_litscan_new(void) {
    return ms_xcalloc(1, sizeof(ms_litscan));
}

void ms_litscan_free(ms_litscan *m) {
    if (!m)
        return;
    free(m->lits);
    free(m->ent);
    free(m->first);
    free(m);
}

size_t ms_litscan_count(const ms_litscan *m) {
    return m->nl;
}

static void set_tri(ms_litscan *m, uint8_t a, uint8_t b, uint8_t c) {
    unsigned x = TRI(a, b, c), y = (unsigned)a | (unsigned)b << 8, z = (unsigned)b | (unsigned)c << 8;
    m->tri[x >> 6] |= 1ull << (x & 63);
    m->pair[y] = m->pair[z] = 1;
}

/* the byte and, for a letter of a nocase literal, its other case */
static unsigned cases(uint8_t c, bool nocase, uint8_t out[2]) {
    out[0] = c;
    if (!nocase || !letter(c))
        return 1;
    out[1] = (uint8_t)(c ^ 0x20);
    return 2;
}

bool ms_litscan_add(ms_litscan *m, const uint8_t *s, size_t n, bool nocase, uint32_t id) {
    if (m->sealed || n < MS_LITSCAN_MIN || n > MS_LITSCAN_MAX)
        return false;
    if (m->nl == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->lits = ms_xrealloc(m->lits, m->cap * sizeof(*m->lits));
    }
    lit *l = &m->lits[m->nl++];
    memcpy(l->b, s, n);
    l->n = (uint8_t)n;
    l->nocase = nocase;
    l->id = id;
    unsigned best = ~0u;
    for (size_t j = 0; j + 3 <= n; j++) {
        unsigned c = commonness(s[j], nocase) + commonness(s[j + 1], nocase) + commonness(s[j + 2], nocase);
        if (c < best)
            best = c, l->anchor = (uint8_t)j;
    }
    uint8_t a[2], b[2], c[2];
    unsigned na = cases(s[l->anchor], nocase, a), nb = cases(s[l->anchor + 1], nocase, b),
             nc = cases(s[l->anchor + 2], nocase, c);
    for (unsigned i = 0; i < na; i++)
        for (unsigned j = 0; j < nb; j++)
            for (unsigned k = 0; k < nc; k++)
                set_tri(m, a[i], b[j], c[k]);
    return true;
}

static int cmp_entry(const void *x, const void *y) {
    const entry *a = x, *b = y;
    if (a->bucket != b->bucket)
        return a->bucket < b->bucket ? -1 : 1;
    return a->lit < b->lit ? -1 : a->lit > b->lit;
}

void ms_litscan_seal(ms_litscan *m) {
    if (m->sealed)
        return;
    m->sealed = true;
    m->bits = BUCKET_MIN_BITS;
    while (m->bits < BUCKET_MAX_BITS && ((size_t)1 << m->bits) < 2 * m->nl)
        m->bits++;
    uint32_t buckets = 1u << m->bits;
    m->first = ms_xcalloc((size_t)buckets + 1, sizeof(*m->first));
    m->ent = ms_xcalloc(m->nl ? m->nl : 1, sizeof(*m->ent));
    for (size_t i = 0; i < m->nl; i++) {
        const uint8_t *a = &m->lits[i].b[m->lits[i].anchor];
        m->ent[i] = (entry){.lit = (uint32_t)i, .bucket = bucket_of(m->bits, a[0], a[1], a[2])};
    }
    qsort(m->ent, m->nl, sizeof(*m->ent), cmp_entry);
    size_t k = 0;
    for (uint32_t b = 0; b <= buckets; b++) {
        while (k < m->nl && m->ent[k].bucket < b)
            k++;
        m->first[b] = (uint32_t)k;
    }
}

static bool same(const lit *l, const uint8_t *d) {
    if (!l->nocase)
        return !memcmp(l->b, d, l->n);
    for (size_t k = 0; k < l->n; k++)
        if (ms_lower(l->b[k]) != ms_lower(d[k]))
            return false;
    return true;
}

/* the literals not seen yet whose anchor starts at d[i] (i + 3 <= n):
 * marked seen; how many */
static size_t found_at(const ms_litscan *m, const uint8_t *d, size_t n, size_t i, uint8_t *seen) {
    uint32_t b = bucket_of(m->bits, d[i], d[i + 1], d[i + 2]);
    size_t got = 0;
    for (uint32_t k = m->first[b]; k < m->first[b + 1]; k++) {
        const lit *l = &m->lits[m->ent[k].lit];
        if (seen[l->id] || i < l->anchor || l->n > n || i - l->anchor > n - l->n)
            continue;
        if (same(l, d + i - l->anchor)) {
            seen[l->id] = 1;
            got++;
        }
    }
    return got;
}

/* may an anchor start at d[i] (three bytes there)? */
static bool maybe_at(const ms_litscan *m, const uint8_t *d, size_t i) {
    unsigned x = TRI(d[i], d[i + 1], d[i + 2]);
    return (m->tri[x >> 6] >> (x & 63)) & 1;
}

/* the pair at d[p] (p even) is the first or the second of an anchor's:
 * the anchors at p - 1 and p, those that fit before n */
static size_t found_near(const ms_litscan *m, const uint8_t *d, size_t n, size_t p, uint8_t *seen) {
    size_t got = 0;
    if (p > 0 && p + 1 < n && maybe_at(m, d, p - 1))
        got += found_at(m, d, n, p - 1, seen);
    if (p + 2 < n && maybe_at(m, d, p))
        got += found_at(m, d, n, p, seen);
    return got;
}

size_t ms_litscan_find(const ms_litscan *m, const uint8_t *d, size_t n, uint8_t *seen) {
    if (!m->sealed || m->nl == 0 || n < MS_LITSCAN_MIN)
        return 0;
    const uint8_t *pair = m->pair;
    size_t got = 0, i = 0;
    /* an anchor at q holds a pair at an even position (q or q + 1): the
     * pairs at even positions, four at a time, rarely hit */
    for (; i + 8 <= n; i += 8) {
        unsigned h0 = pair[ms_rd16le(d + i)], h1 = pair[ms_rd16le(d + i + 2)], h2 = pair[ms_rd16le(d + i + 4)],
                 h3 = pair[ms_rd16le(d + i + 6)];
        if (!(h0 | h1 | h2 | h3))
            continue;
        if (h0)
            got += found_near(m, d, n, i, seen);
        if (h1)
            got += found_near(m, d, n, i + 2, seen);
        if (h2)
            got += found_near(m, d, n, i + 4, seen);
        if (h3)
            got += found_near(m, d, n, i + 6, seen);
    }
    for (; i + 1 < n; i += 2)
        if (pair[ms_rd16le(d + i)])
            got += found_near(m, d, n, i, seen);
    return got;
}
