/*
 * fuzz_report.c - the text, JSON Lines and SARIF reporters on records
 * whose path, reason, description, rule metadata, IOC strings and numbers
 * all come from the input bytes.
 *
 * Input format (a simple byte reader; a short input reads as zeros):
 *   per record: flags u8, kind u8, class u8, depth u8, size u64 (masked
 *               to 59 bits: see rd_size),
 *               path, [reason], [description], n_rules u8 {rule ns family
 *               category severity description offset u64}, [model: score,
 *               threshold, n_top u8 {value f64, weight f64}], n_pools u8
 *               {pool}, n_wallets u8 {coin address}, [algo user pass
 *               donate u8 tls u8], [hash_list], [allowed_by]
 *   a string is a length byte (255: two more bytes of length) and bytes;
 *   records are read while input remains, at most 16. The paths never hold
 *   a NUL byte (file names and libarchive names cannot), so a NUL in the
 *   input ends the path.
 * The checks are in fuzz_util.c (fuzz_check_reports).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "ms_features.h"

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static uint8_t rd_u8(reader *r) {
    if (!r->n)
        return 0;
    r->n--;
    return *r->p++;
}

static uint64_t rd_u64(reader *r) {
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = x << 8 | rd_u8(r);
    return x;
}

/* A size or offset: real ones are lengths of data in memory or declared
 * archive sizes (int64 in libarchive), so never above INT64_MAX, and the
 * summary adds up to 16 of them; 2^59 keeps every sum in range. */
static uint64_t rd_size(reader *r) {
    return rd_u64(r) & ((1ULL << 59) - 1);
}

/* A finite double from 8 bytes: NaN and infinities become 0, so that
 * extreme magnitudes, -0 and denormals all reach the printers. */
static double rd_f64(reader *r) {
    uint64_t x = rd_u64(r);
    double d;
    memcpy(&d, &x, sizeof(d));
    return isfinite(d) ? d : 0.0;
}

static char *rd_str(reader *r, size_t *ret_len) {
    size_t len = rd_u8(r);
    if (len == 255)
        len = (size_t)rd_u8(r) << 8 | rd_u8(r);
    if (len > r->n)
        len = r->n;
    char *s = malloc(len + 1);
    FUZZ_ASSERT(s);
    memcpy(s, r->p, len);
    s[len] = '\0';
    r->p += len;
    r->n -= len;
    if (ret_len)
        *ret_len = strlen(s);
    return s;
}

static const char *feature_name(uint8_t k) {
    size_t dim = ms_features_dim();
    return dim ? ms_feature_name(k % dim) : "tok_stratum";
}

static ms_verdict *rd_verdict(reader *r) {
    uint8_t flags = rd_u8(r);
    ms_verdict_kind kind = (ms_verdict_kind)(rd_u8(r) % 6);
    ms_class cls = (ms_class)(rd_u8(r) % MS_CLASS__MAX);
    uint8_t depth = rd_u8(r);
    uint64_t size = rd_size(r);
    size_t path_len;
    char *path = rd_str(r, &path_len);
    ms_verdict *v = NULL;
    v = ms_verdict_new(path, path_len);
    free(path);
    v->verdict = kind;
    v->cls = cls;
    v->depth = depth % 20;
    v->is_member = v->depth > 0;
    v->size = size;
    v->incomplete = flags & 0x01;
    if (flags & 0x02)
        v->reason = rd_str(r, NULL);
    if (flags & 0x04)
        v->description = rd_str(r, NULL);
    if (flags & 0x08) {
        v->has_sha256 = true;
        for (int i = 0; i < 64; i++)
            v->sha256[i] = "0123456789abcdef"[rd_u8(r) & 15];
        v->sha256[64] = '\0';
    }
    size_t n_rules = rd_u8(r) % 5;
    if (n_rules) {
        v->rules = calloc(n_rules, sizeof(*v->rules));
        FUZZ_ASSERT(v->rules);
        for (size_t i = 0; i < n_rules; i++) {
            ms_rule_hit *h = &v->rules[i];
            h->rule = rd_str(r, NULL);
            h->ns = rd_str(r, NULL);
            h->family = rd_str(r, NULL);
            h->category = rd_str(r, NULL);
            h->severity = rd_str(r, NULL);
            h->description = rd_str(r, NULL);
            h->offset = rd_size(r);
            h->length = rd_u8(r);
            h->has_match = h->length & 1;
        }
        v->n_rules = n_rules;
    }
    if (flags & 0x10) {
        v->has_model = true;
        v->score = rd_u8(r) / 255.0;
        v->threshold = rd_u8(r) / 255.0;
        size_t n_top = rd_u8(r) % 9;
        if (n_top) {
            v->top = calloc(n_top, sizeof(*v->top));
            FUZZ_ASSERT(v->top);
            for (size_t i = 0; i < n_top; i++) {
                v->top[i].feature = feature_name(rd_u8(r));
                v->top[i].value = rd_f64(r);
                v->top[i].weight = rd_f64(r);
            }
            v->n_top = n_top;
        }
    }
    size_t n_pools = rd_u8(r) % 5;
    for (size_t i = 0; i < n_pools; i++) {
        char *p = rd_str(r, NULL);
        if (*p)
            ms_iocs_add_pool(&v->iocs, p);
        free(p);
    }
    size_t n_wallets = rd_u8(r) % 5;
    for (size_t i = 0; i < n_wallets; i++) {
        char *c = rd_str(r, NULL), *a = rd_str(r, NULL);
        if (*c && *a)
            ms_iocs_add_wallet(&v->iocs, c, a);
        free(c), free(a);
    }
    if (flags & 0x20) {
        v->iocs.config.algo = rd_str(r, NULL);
        v->iocs.config.user = rd_str(r, NULL);
        v->iocs.config.pass = rd_str(r, NULL);
        v->iocs.config.donate_level = (int)rd_u8(r) - 1;
        v->iocs.config.tls = (int)(rd_u8(r) % 3) - 1;
    }
    if (flags & 0x40)
        v->hash_list = rd_str(r, NULL);
    if (flags & 0x80)
        v->allowed_by = rd_str(r, NULL);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    reader r = {data, size};
    ms_verdict *v[16] = {0};
    size_t n = 0;
    ms_summary s = {0};
    bool explain = rd_u8(&r) & 1;
    s.interrupted = rd_u8(&r) & 1;
    s.elapsed_s = rd_u8(&r) / 7.0;
    while (r.n > 0 && n < 16) {
        v[n] = rd_verdict(&r);
        v[n]->seq = n;
        ms_summary_count(&s, v[n]);
        if (!v[n]->is_member)
            s.bytes += v[n]->size >> 1;
        n++;
    }
    fuzz_check_reports(v, n, &s, explain);
    for (size_t i = 0; i < n; i++)
        ms_verdict_free(v[i]);
    return 0;
}
