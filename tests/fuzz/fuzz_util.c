/* fuzz_util.c - shared by the fuzz targets (see fuzz_util.h). */
#include "fuzz_util.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "capture.h"
#include "live_record.h"
#include "ms_limits.h"
#include "report.h"

static ms_options opts;
static bool opts_ready;
static ms_engine *engine;

const ms_options *fuzz_options(void) {
    if (!opts_ready) {
        ms_options_default(&opts);
        opts.all = true; /* hashes on every object: covers hashes.c too */
        opts.limits.max_depth = 4;
        opts.limits.max_entries = 64;
        opts.limits.max_filesize = 1u << 20;
        opts.limits.max_archive_bytes = 8u << 20;
        opts.limits.scan_timeout = 5;
        opts_ready = true;
    }
    return &opts;
}

static void free_engine(void) {
    ms_engine_free(engine);
    engine = NULL;
}

ms_engine *fuzz_engine(void) {
    if (!engine) {
        char *err = NULL;
        int r = ms_engine_new(fuzz_options(), &engine, &err);
        if (r < 0) {
            fprintf(stderr, "engine: %s %s\n", ms_strerror(r), err ? err : "");
            abort();
        }
        free(err);
        atexit(free_engine);
    }
    return engine;
}

static bool is_hex64(const char *s) {
    for (int i = 0; i < 64; i++)
        if (!strchr("0123456789abcdef", s[i]) || !s[i])
            return false;
    return s[64] == '\0';
}

void fuzz_check_verdict(const ms_verdict *v, const ms_options *o) {
    FUZZ_ASSERT(v && v->path);
    FUZZ_ASSERT(v->path[v->path_len] == '\0');
    /* paths come from file names and libarchive C strings: never a NUL */
    FUZZ_ASSERT(memchr(v->path, '\0', v->path_len) == NULL);
    FUZZ_ASSERT(v->verdict >= MS_CLEAN && v->verdict <= MS_MALICIOUS);
    FUZZ_ASSERT(v->cls >= MS_CLASS_OTHER && v->cls < MS_CLASS__MAX);
    FUZZ_ASSERT(v->depth >= 0 && (unsigned)v->depth <= o->limits.max_depth);
    FUZZ_ASSERT(v->is_member == (v->depth > 0));
    /* nothing is reported clean that was not fully read */
    FUZZ_ASSERT(!v->incomplete || v->verdict != MS_CLEAN);
    if (v->verdict == MS_ERROR || v->verdict == MS_LIMIT || v->verdict == MS_SKIPPED ||
        v->verdict == MS_DAMAGED)
        FUZZ_ASSERT(v->reason && *v->reason);
    /* "contains" names the members' verdict when it made this one */
    FUZZ_ASSERT(v->contains == MS_CLEAN || (v->contains >= MS_SUSPICIOUS && v->contains == v->verdict));
    FUZZ_ASSERT(v->n_rules <= MS_MAX_RULE_HITS);
    for (size_t i = 0; i < v->n_rules; i++) {
        const ms_rule_hit *h = &v->rules[i];
        FUZZ_ASSERT(h->rule && h->ns && h->family && h->category && h->severity && h->description);
        if (h->has_match)
            FUZZ_ASSERT(h->offset <= v->size && h->length <= v->size - h->offset);
    }
    if (v->has_sha256)
        FUZZ_ASSERT(is_hex64(v->sha256));
    if (v->has_model) {
        FUZZ_ASSERT(isfinite(v->score) && v->score >= 0.0 && v->score <= 1.0);
        FUZZ_ASSERT(v->n_top <= 64);
        for (size_t i = 0; i < v->n_top; i++)
            FUZZ_ASSERT(v->top[i].feature && isfinite(v->top[i].value) && isfinite(v->top[i].weight));
    }
    FUZZ_ASSERT(v->iocs.n_pools <= MS_MAX_IOCS && v->iocs.n_wallets <= MS_MAX_IOCS);
    for (size_t i = 0; i < v->iocs.n_pools; i++)
        FUZZ_ASSERT(v->iocs.pools[i] && *v->iocs.pools[i]);
    for (size_t i = 0; i < v->iocs.n_wallets; i++)
        FUZZ_ASSERT(v->iocs.wallets[i].coin && v->iocs.wallets[i].address && *v->iocs.wallets[i].address);
}

/* ---- reporter round trip ---- */

static char *mask(const char *s) {
    if (!s)
        return NULL;
    char *m = strdup(s);
    FUZZ_ASSERT(m);
    memset(m, 'x', strlen(m));
    return m;
}

/* The --live facts of a record, masked the same way (static strings and
 * formatted addresses kept: they do not come from the data). */
static ms_live_info *masked_live(const ms_live_info *l) {
    ms_live_info *c = NULL;
    FUZZ_ASSERT(ms_live_info_new(l->kind, &c) == 0);
    char **argv = l->argc ? calloc(l->argc, sizeof(*argv)) : NULL;
    ms_live_conn *conns = l->n_conns ? malloc(l->n_conns * sizeof(*conns)) : NULL;
    ms_live_evidence *ev = l->n_ev ? calloc(l->n_ev, sizeof(*ev)) : NULL;
    FUZZ_ASSERT((!l->argc || argv) && (!l->n_conns || conns) && (!l->n_ev || ev));
    ms_live_info t = *l;
    t.user = mask(l->user);
    t.comm = mask(l->comm);
    t.exe = mask(l->exe);
    t.mem_note = mask(l->mem_note);
    t.hostname = mask(l->hostname);
    t.kernel = mask(l->kernel);
    for (size_t i = 0; i < l->argc; i++)
        argv[i] = mask(l->argv[i]);
    if (l->n_conns)
        memcpy(conns, l->conns, l->n_conns * sizeof(*conns));
    for (size_t i = 0; i < l->n_ev; i++)
        ev[i] = (ms_live_evidence){.code = l->ev[i].code, .text = mask(l->ev[i].text)};
    t.argv = argv;
    t.conns = conns;
    t.ev = ev;
    *c = t;
    return c;
}

/* The same record with every string byte replaced by 'x' (lengths kept):
 * the text report of both must have the same number of lines, or a string
 * from the data broke a line. */
static ms_verdict *masked_copy(const ms_verdict *v) {
    ms_verdict *c = NULL;
    char *p = mask(v->path);
    c = ms_verdict_new(p, v->path_len);
    free(p);
    c->verdict = v->verdict;
    c->contains = v->contains;
    c->is_member = v->is_member;
    c->depth = v->depth;
    c->size = v->size;
    c->has_sha256 = v->has_sha256;
    memcpy(c->sha256, v->sha256, sizeof(c->sha256));
    c->cls = v->cls;
    c->description = mask(v->description);
    /* built directly, not through the add functions: masking can make
     * two names equal, and deduplication would change the line count */
    if (v->n_rules) {
        c->rules = calloc(v->n_rules, sizeof(*c->rules));
        FUZZ_ASSERT(c->rules);
        for (size_t i = 0; i < v->n_rules; i++) {
            const ms_rule_hit *h = &v->rules[i];
            c->rules[i] = (ms_rule_hit){.rule = mask(h->rule), .ns = mask(h->ns),
                                        .family = mask(h->family), .category = mask(h->category),
                                        .severity = mask(h->severity),
                                        .description = mask(h->description), .offset = h->offset,
                                        .length = h->length, .has_match = h->has_match,
                                        .matches_total = h->matches_total};
            /* issue 11: metadata, tags and matches, masked alike */
            ms_rule_hit *m = &c->rules[i];
            if (h->n_metas) {
                m->metas = calloc(h->n_metas, sizeof(*m->metas));
                FUZZ_ASSERT(m->metas);
                for (size_t k = 0; k < h->n_metas; k++)
                    m->metas[k] = (ms_rule_meta){.key = mask(h->metas[k].key), .type = h->metas[k].type,
                                                 .str = mask(h->metas[k].str), .num = h->metas[k].num};
                m->n_metas = h->n_metas;
            }
            if (h->n_tags) {
                m->tags = calloc(h->n_tags, sizeof(*m->tags));
                FUZZ_ASSERT(m->tags);
                for (size_t k = 0; k < h->n_tags; k++)
                    m->tags[k] = mask(h->tags[k]);
                m->n_tags = h->n_tags;
            }
            if (h->n_matches) {
                m->matches = calloc(h->n_matches, sizeof(*m->matches));
                FUZZ_ASSERT(m->matches);
                for (size_t k = 0; k < h->n_matches; k++) {
                    const ms_string_match *x = &h->matches[k];
                    m->matches[k] = (ms_string_match){.id = mask(x->id), .offset = x->offset, .length = x->length,
                                                      .data_len = x->data_len};
                    if (x->data_len) {
                        m->matches[k].data = malloc(x->data_len);
                        FUZZ_ASSERT(m->matches[k].data);
                        memset(m->matches[k].data, 'x', x->data_len);
                    }
                }
                m->n_matches = h->n_matches;
            }
        }
        c->n_rules = v->n_rules;
    }
    c->has_model = v->has_model;
    c->score = v->score;
    c->threshold = v->threshold;
    if (v->n_top) {
        c->top = malloc(v->n_top * sizeof(*c->top));
        FUZZ_ASSERT(c->top);
        memcpy(c->top, v->top, v->n_top * sizeof(*c->top));
        c->n_top = v->n_top;
    }
    if (v->iocs.n_pools) {
        c->iocs.pools = calloc(v->iocs.n_pools, sizeof(char *));
        FUZZ_ASSERT(c->iocs.pools);
        for (size_t i = 0; i < v->iocs.n_pools; i++)
            c->iocs.pools[i] = mask(v->iocs.pools[i]);
        c->iocs.n_pools = v->iocs.n_pools;
    }
    if (v->iocs.n_wallets) {
        c->iocs.wallets = calloc(v->iocs.n_wallets, sizeof(ms_wallet));
        FUZZ_ASSERT(c->iocs.wallets);
        for (size_t i = 0; i < v->iocs.n_wallets; i++) {
            c->iocs.wallets[i].coin = mask(v->iocs.wallets[i].coin);
            c->iocs.wallets[i].address = mask(v->iocs.wallets[i].address);
        }
        c->iocs.n_wallets = v->iocs.n_wallets;
    }
    if (v->iocs.n_flows) { /* capture flows (capture.h): built directly, as the rules */
        c->iocs.flows = calloc(v->iocs.n_flows, sizeof(ms_flow));
        FUZZ_ASSERT(c->iocs.flows);
        for (size_t i = 0; i < v->iocs.n_flows; i++) {
            const ms_flow *f = &v->iocs.flows[i];
            ms_flow *g = &c->iocs.flows[i];
            *g = *f;
            g->proto = mask(f->proto), g->client_ip = mask(f->client_ip);
            g->server_ip = mask(f->server_ip), g->server_name = mask(f->server_name);
            g->dialect = mask(f->dialect), g->tls = mask(f->tls), g->sni = mask(f->sni);
            g->cert_name = mask(f->cert_name), g->wallet = mask(f->wallet);
            g->worker = mask(f->worker), g->login = mask(f->login), g->agent = mask(f->agent);
            g->algo = mask(f->algo);
        }
        c->iocs.n_flows = v->iocs.n_flows;
    }
    c->iocs.config.algo = mask(v->iocs.config.algo);
    c->iocs.config.user = mask(v->iocs.config.user);
    c->iocs.config.pass = mask(v->iocs.config.pass);
    c->iocs.config.donate_level = v->iocs.config.donate_level;
    c->iocs.config.tls = v->iocs.config.tls;
    c->reason = mask(v->reason);
    c->hash_list = mask(v->hash_list);
    c->allowed_by = mask(v->allowed_by);
    c->incomplete = v->incomplete;
    c->seq = v->seq;
    if (v->live)
        c->live = masked_live(v->live);
    return c;
}

static char *render(const ms_report_ops *ops, ms_verdict *const *v, size_t n, const ms_summary *s,
                    bool explain, size_t *ret_len) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    FUZZ_ASSERT(f);
    ms_report rep = {.ops = ops, .out = f, .explain = explain};
    FUZZ_ASSERT(ops->begin(&rep) >= 0);
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(ops->object(&rep, v[i]) >= 0);
    FUZZ_ASSERT(ops->summary(&rep, s) >= 0);
    FUZZ_ASSERT(ops->end(&rep) >= 0);
    FUZZ_ASSERT(fclose(f) == 0);
    *ret_len = len;
    return buf;
}

static size_t count_lines(const char *s, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '\n';
    return k;
}

static int b64val(int c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decode standard padded base64; returns the length or -1. */
static long b64decode(const char *in, uint8_t *out, size_t cap) {
    size_t n = strlen(in), k = 0;
    if (n % 4)
        return -1;
    for (size_t i = 0; i < n; i += 4) {
        int a = b64val(in[i]), b = b64val(in[i + 1]);
        int c = in[i + 2] == '=' ? 0 : b64val(in[i + 2]);
        int d = in[i + 3] == '=' ? 0 : b64val(in[i + 3]);
        if (a < 0 || b < 0 || c < 0 || d < 0)
            return -1;
        uint32_t x = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        uint8_t t[3] = {(uint8_t)(x >> 16), (uint8_t)(x >> 8), (uint8_t)x};
        size_t m = in[i + 2] == '=' ? 1 : in[i + 3] == '=' ? 2 : 3;
        if (k + m > cap)
            return -1;
        memcpy(out + k, t, m);
        k += m;
    }
    return (long)k;
}

static void check_jsonl(const char *out, size_t len, ms_verdict *const *v, size_t n,
                        const ms_summary *s) {
    FUZZ_ASSERT(len > 0 && out[len - 1] == '\n');
    FUZZ_ASSERT(count_lines(out, len) == n + 1);
    const char *p = out;
    for (size_t i = 0; i <= n; i++) {
        const char *nl = memchr(p, '\n', len - (size_t)(p - out));
        FUZZ_ASSERT(nl);
        json_error_t e;
        json_t *o = json_loadb(p, (size_t)(nl - p), 0, &e);
        if (!o)
            fprintf(stderr, "line %zu is not JSON (%s): %.*s\n", i, e.text, (int)(nl - p), p);
        FUZZ_ASSERT(o && json_is_object(o));
        const char *type = json_string_value(json_object_get(o, "type"));
        FUZZ_ASSERT(type);
        if (i < n) {
            FUZZ_ASSERT(!strcmp(type, v[i]->live ? ms_live_kind_name(v[i]->live->kind) : "object"));
            const char *verdict = json_string_value(json_object_get(o, "verdict"));
            FUZZ_ASSERT(verdict && !strcmp(verdict, ms_verdict_name(v[i]->verdict)));
            json_t *jp = json_object_get(o, "path");
            json_t *jb = json_object_get(o, "path_b64");
            if (ms_utf8_valid(v[i]->path, v[i]->path_len)) {
                FUZZ_ASSERT(json_is_string(jp));
                FUZZ_ASSERT(json_string_length(jp) == v[i]->path_len &&
                            !memcmp(json_string_value(jp), v[i]->path, v[i]->path_len));
            } else {
                /* the raw bytes must be recoverable */
                FUZZ_ASSERT(json_is_string(jb));
                uint8_t *raw = malloc(v[i]->path_len + 4);
                FUZZ_ASSERT(raw);
                long k = b64decode(json_string_value(jb), raw, v[i]->path_len + 4);
                FUZZ_ASSERT(k == (long)v[i]->path_len && !memcmp(raw, v[i]->path, v[i]->path_len));
                free(raw);
            }
        } else {
            FUZZ_ASSERT(!strcmp(type, "summary"));
            json_t *obj = json_object_get(o, "objects");
            FUZZ_ASSERT(json_is_integer(obj) && (uint64_t)json_integer_value(obj) == s->objects);
        }
        json_decref(o);
        p = nl + 1;
    }
}

static void check_text(const char *out, size_t len) {
    FUZZ_ASSERT(ms_utf8_valid(out, len));
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)out[i];
        /* no terminal control reaches the terminal: C0 (but \n, \t), DEL, C1 */
        FUZZ_ASSERT(c >= 0x20 || c == '\n' || c == '\t');
        FUZZ_ASSERT(c != 0x7f);
        if (c == 0xc2 && i + 1 < len)
            FUZZ_ASSERT((unsigned char)out[i + 1] < 0x80 || (unsigned char)out[i + 1] > 0x9f);
    }
}

void fuzz_check_reports(ms_verdict *const *v, size_t n, const ms_summary *s, bool explain) {
    size_t len = 0, mlen = 0;
    char *out;

    out = render(&ms_report_jsonl, v, n, s, explain, &len);
    check_jsonl(out, len, v, n, s);
    free(out);

    out = render(&ms_report_sarif, v, n, s, explain, &len);
    json_error_t e;
    json_t *doc = json_loadb(out, len, 0, &e);
    if (!doc)
        fprintf(stderr, "SARIF is not JSON (%s at %d): %.*s\n", e.text, e.position, (int)len, out);
    FUZZ_ASSERT(doc && json_is_object(doc));
    const char *ver = json_string_value(json_object_get(doc, "version"));
    FUZZ_ASSERT(ver && !strcmp(ver, "2.1.0"));
    json_decref(doc);
    free(out);

    out = render(&ms_report_text, v, n, s, explain, &len);
    check_text(out, len);
    ms_verdict **m = calloc(n ? n : 1, sizeof(*m));
    FUZZ_ASSERT(m);
    for (size_t i = 0; i < n; i++)
        m[i] = masked_copy(v[i]);
    char *mout = render(&ms_report_text, m, n, s, explain, &mlen);
    if (count_lines(out, len) != count_lines(mout, mlen))
        fprintf(stderr, "text lines differ:\n%.*s\n--- masked:\n%.*s\n", (int)len, out, (int)mlen, mout);
    FUZZ_ASSERT(count_lines(out, len) == count_lines(mout, mlen));
    for (size_t i = 0; i < n; i++)
        ms_verdict_free(m[i]);
    free(m);
    free(mout);
    free(out);
}
