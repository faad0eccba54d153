/*
 * stratum.c - the mining protocols in reassembled TCP streams (issue 14).
 *
 * Stratum is newline-delimited JSON-RPC over TCP. Two dialects:
 *
 *   v1 (Bitcoin and most coins): requests {"id":N,"method":"mining.
 *   subscribe"|"mining.authorize"|"mining.submit"|..., "params":[...]}, the
 *   pool's answers {"id":N,"result":...,"error":...} and notifications
 *   {"id":null,"method":"mining.notify"|"mining.set_difficulty"|...,
 *   "params":[...]}; mining.notify carries job_id, prevhash, coinbase
 *   parts, a merkle branch array, version, nbits, ntime, clean_jobs (4
 *   params in the EthereumStratum form).
 *
 *   Monero (xmrig, xmr-stak): {"id":1,"jsonrpc":"2.0","method":"login",
 *   "params":{"login":WALLET,"pass":..,"agent":"XMRig/6.x ..","algo":[..]}},
 *   answered {"id":1,"result":{"id":SESSION,"job":{"blob","job_id",
 *   "target","algo","seed_hash",..},"status":"OK"}}; then "job"
 *   notifications with the same fields, "submit" {"id","job_id","nonce",
 *   "result"} answered {"status":"OK"}, and "keepalived".
 *
 * The test is of the protocol, not of strings: every line must be one
 * JSON object (jsontok.c, strict); a method counts only with params of
 * the dialect's shape; an answer counts only when its id is that of a
 * request the other side sent and its result has the shape that request
 * gets. Both sides speaking it is a session (high); one side alone is
 * "one side" (medium), since a log or a test client can say as much.
 *
 * getwork/getblocktemplate (and Monero's get_block_template) are HTTP
 * JSON-RPC to a node: the request alone is low, with the node's mining
 * answer (getwork: data+target; GBT: previousblockhash+bits+coinbasevalue
 * or transactions; Monero: blocktemplate_blob) medium.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flowan.h"
#include "jsontok.h"

enum req_kind {
    RK_NONE,
    RK_SUBSCRIBE,
    RK_AUTHORIZE,
    RK_SUBMIT,
    RK_V1_OTHER,
    RK_XMR_LOGIN,
    RK_XMR_SUBMIT,
    RK_XMR_KEEPALIVE,
    RK_XMR_GETJOB,
};

/* Strings kept from a message: logins are up to ~200 bytes, agents ~120. */
#define FACT_MAX 256

int ms_flowan_set(char **dst, const char *src) {
    if (!src)
        return 0;
    char *c = strdup(src);
    if (!c)
        return -ENOMEM;
    free(*dst);
    *dst = c;
    return 0;
}

/* Set *dst from string token i unless it is set already. */
/* Is token i the v1 method "mining." + name? The method names are written
 * without their "mining." here, so the binary does not hold the strings
 * the Stratum rules look for (issue 9). */
static bool is_mining(const char *s, const jtok *t, int i, const char *name) {
    static const char pfx[] = {'m', 'i', 'n', 'i', 'n', 'g', '.'};
    if (!ms_jt_is(t, i, JT_STR))
        return false;
    size_t len = t[i].end - t[i].start - 2, k = strlen(name);
    const char *p = s + t[i].start + 1;
    return len == sizeof(pfx) + k && !memcmp(p, pfx, sizeof(pfx)) && !memcmp(p + sizeof(pfx), name, k);
}

static int fact(char **dst, const char *s, const jtok *t, int i, bool override) {
    if ((*dst && !override) || !ms_jt_is(t, i, JT_STR))
        return 0;
    char *v = ms_jt_strdup(s, t, i, FACT_MAX);
    if (!v)
        return 0; /* too long or holds a NUL: not a fact worth keeping */
    if (!*v) {
        free(v);
        return 0;
    }
    free(*dst);
    *dst = v;
    return 0;
}

bool ms_stratum_port(uint16_t port) {
    /* Ports pools document for Stratum (plain and TLS): 3333/4444/5555/
     * 7777/9999 families of most pools, 14433/14444 (SupportXMR, MoneroOcean
     * TLS), 10128-10343 (MoneroOcean), 45560/45700 (HeroMiners, xmrpool),
     * 20535/20580 (Nanopool, 2Miners ethash). */
    static const uint16_t ports[] = {1800,  2222,  3032,  3333,  3334,  3357,  4444,  5555,
                                     5588,  6666,  7777,  8008,  8080,  9000,  9999,  10001,
                                     10032, 10128, 10343, 12222, 13333, 14433, 14444, 17777,
                                     18081, 20535, 20580, 25565, 45560, 45700};
    if (port == 8080 || port == 25565)
        return false; /* HTTP proxies and game servers: too common to hint */
    for (size_t i = 0; i < sizeof(ports) / sizeof(*ports); i++)
        if (ports[i] == port)
            return true;
    return false;
}

static void mark(ms_flowan *a, enum ms_ev e, uint64_t off, uint64_t len) {
    if (a->ev[e].seen)
        return;
    a->ev[e] = (ms_evidence){.seen = true, .off = off, .len = len};
}

static void mining_line(ms_flowan *a, int dir, uint64_t off, uint64_t len) {
    if (a->ev_line_seen[dir])
        return;
    a->ev_line_seen[dir] = true;
    a->ev_line_off[dir] = off;
    a->ev_line_len[dir] = len;
}

static void pend_add(ms_flowan *a, const char *s, const jtok *t, int id, enum req_kind k, int dir) {
    if (id < 0 || ms_jt_is(t, id, JT_NULL) || t[id].end - t[id].start > sizeof(a->pend[0].id))
        return;
    if (a->n_pend == MS_CAPTURE_MAX_PENDING) {
        memmove(a->pend, a->pend + 1, (MS_CAPTURE_MAX_PENDING - 1) * sizeof(*a->pend));
        a->n_pend--;
    }
    ms_pending *p = &a->pend[a->n_pend++];
    p->id_len = (uint8_t)(t[id].end - t[id].start);
    memcpy(p->id, s + t[id].start, p->id_len);
    p->kind = (uint8_t)k;
    p->dir = (uint8_t)dir;
}

/* The request kind answered by id from direction dir, removed; RK_NONE. */
static enum req_kind pend_take(ms_flowan *a, const char *s, const jtok *t, int id, int dir) {
    if (id < 0 || ms_jt_is(t, id, JT_NULL))
        return RK_NONE;
    size_t len = t[id].end - t[id].start;
    for (size_t i = 0; i < a->n_pend; i++) {
        ms_pending *p = &a->pend[i];
        if (p->dir != dir && p->id_len == len && !memcmp(p->id, s + t[id].start, len)) {
            enum req_kind k = p->kind;
            memmove(p, p + 1, (a->n_pend - i - 1) * sizeof(*p));
            a->n_pend--;
            return k;
        }
    }
    return RK_NONE;
}

/* A job object of the Monero dialect: blob, job_id, target strings. */
static bool xmr_job(const char *s, const jtok *t, size_t n, int job) {
    return ms_jt_is(t, ms_jt_get(s, t, n, job, "blob"), JT_STR) &&
           ms_jt_is(t, ms_jt_get(s, t, n, job, "job_id"), JT_STR) &&
           ms_jt_is(t, ms_jt_get(s, t, n, job, "target"), JT_STR);
}

static int xmr_job_facts(ms_flowan *a, const char *s, const jtok *t, size_t n, int job) {
    /* the pool's job names the algorithm actually mined */
    return fact(&a->f.algo, s, t, ms_jt_get(s, t, n, job, "algo"), true);
}

static int request(ms_flowan *a, int dir, const char *s, const jtok *t, size_t n, int method,
                   uint64_t off, uint64_t len) {
    int id = ms_jt_get(s, t, n, 0, "id");
    int params = ms_jt_get(s, t, n, 0, "params");
    enum req_kind k = RK_NONE;
    int r = 0;

    if (ms_jt_is(t, params, JT_ARR)) {
        if (is_mining(s, t, method, "subscribe"))
            k = RK_SUBSCRIBE;
        else if (is_mining(s, t, method, "authorize") &&
                 ms_jt_is(t, ms_jt_at(t, n, params, 0), JT_STR))
            k = RK_AUTHORIZE;
        else if (is_mining(s, t, method, "submit") && t[params].size >= 3)
            k = RK_SUBMIT;
        else if (is_mining(s, t, method, "extranonce.subscribe") ||
                 is_mining(s, t, method, "configure") ||
                 is_mining(s, t, method, "suggest_difficulty") ||
                 is_mining(s, t, method, "suggest_target") ||
                 is_mining(s, t, method, "get_transactions"))
            k = RK_V1_OTHER;
    } else if (ms_jt_is(t, params, JT_OBJ)) {
        if (ms_jt_str_eq(s, t, method, "login") &&
            ms_jt_is(t, ms_jt_get(s, t, n, params, "login"), JT_STR))
            k = RK_XMR_LOGIN;
        else if (ms_jt_str_eq(s, t, method, "submit") &&
                 ms_jt_is(t, ms_jt_get(s, t, n, params, "job_id"), JT_STR) &&
                 ms_jt_is(t, ms_jt_get(s, t, n, params, "nonce"), JT_STR))
            k = RK_XMR_SUBMIT;
        else if ((ms_jt_str_eq(s, t, method, "keepalived") ||
                  ms_jt_str_eq(s, t, method, "getjob")) &&
                 ms_jt_is(t, ms_jt_get(s, t, n, params, "id"), JT_STR))
            k = ms_jt_str_eq(s, t, method, "getjob") ? RK_XMR_GETJOB : RK_XMR_KEEPALIVE;
    }
    if (k == RK_NONE)
        return 0;
    r = 1;
    /* a request needs an id to be answered; keep it and say which side mines */
    pend_add(a, s, t, id, k, dir);
    if (a->miner_dir < 0)
        a->miner_dir = dir;
    mining_line(a, dir, off, len);
    switch (k) {
    case RK_SUBSCRIBE:
        a->v1_req[dir]++;
        a->v1_kinds[dir] |= 1u << k;
        r = fact(&a->f.agent, s, t, ms_jt_at(t, n, params, 0), false);
        break;
    case RK_AUTHORIZE:
        a->v1_req[dir]++;
        a->v1_kinds[dir] |= 1u << k;
        if ((r = fact(&a->f.login, s, t, ms_jt_at(t, n, params, 0), false)) == 0)
            r = fact(&a->pass, s, t, ms_jt_at(t, n, params, 1), false);
        break;
        break;
    case RK_SUBMIT:
    case RK_XMR_SUBMIT:
        a->f.shares++;
        if (k == RK_SUBMIT) {
            a->v1_req[dir]++;
            a->v1_kinds[dir] |= 1u << k;
        } else {
            a->xmr_req[dir]++;
        }
        break;
    case RK_V1_OTHER:
        a->v1_req[dir]++;
        a->v1_kinds[dir] |= 1u << k;
        break;
    case RK_XMR_LOGIN:
        a->xmr_req[dir]++;
        if ((r = fact(&a->f.login, s, t, ms_jt_get(s, t, n, params, "login"), false)) < 0 ||
            (r = fact(&a->pass, s, t, ms_jt_get(s, t, n, params, "pass"), false)) < 0 ||
            (r = fact(&a->f.agent, s, t, ms_jt_get(s, t, n, params, "agent"), false)) < 0 ||
            (r = fact(&a->f.worker, s, t, ms_jt_get(s, t, n, params, "rigid"), false)) < 0)
            break;
        /* what the miner offers, until the pool's job says what it chose */
        r = fact(&a->f.algo, s, t, ms_jt_at(t, n, ms_jt_get(s, t, n, params, "algo"), 0), false);
        break;
    case RK_XMR_KEEPALIVE:
    case RK_XMR_GETJOB:
        a->xmr_req[dir]++;
        break;
    case RK_NONE:
        break;
    }
    return r < 0 ? r : 1;
}

static int notification(ms_flowan *a, int dir, const char *s, const jtok *t, size_t n, int method,
                        uint64_t off, uint64_t len) {
    int params = ms_jt_get(s, t, n, 0, "params");
    bool v1 = false, xmr = false;
    if (ms_jt_is(t, params, JT_ARR)) {
        if (is_mining(s, t, method, "notify"))
            v1 = t[params].size >= 4 && ms_jt_is(t, ms_jt_at(t, n, params, 0), JT_STR);
        else if (is_mining(s, t, method, "set_difficulty"))
            v1 = t[params].size >= 1 && ms_jt_is(t, ms_jt_at(t, n, params, 0), JT_NUM);
        else if (is_mining(s, t, method, "set_extranonce") ||
                 is_mining(s, t, method, "set_target") ||
                 is_mining(s, t, method, "set_version_mask"))
            v1 = t[params].size >= 1;
    } else if (ms_jt_is(t, params, JT_OBJ) && ms_jt_str_eq(s, t, method, "job")) {
        xmr = xmr_job(s, t, n, params);
    }
    if (!v1 && !xmr)
        return 0;
    if (a->miner_dir < 0)
        a->miner_dir = !dir;
    mining_line(a, dir, off, len);
    if (v1) {
        a->v1_srv[dir]++;
        return 0;
    }
    a->xmr_srv[dir]++;
    return xmr_job_facts(a, s, t, n, params);
}

static int answer(ms_flowan *a, int dir, const char *s, const jtok *t, size_t n) {
    int id = ms_jt_get(s, t, n, 0, "id");
    int result = ms_jt_get(s, t, n, 0, "result");
    int error = ms_jt_get(s, t, n, 0, "error");
    if (result < 0 && error < 0)
        return 0;
    bool failed = result < 0 || ms_jt_is(t, result, JT_NULL);
    bool err_obj = ms_jt_is(t, error, JT_OBJ) || ms_jt_is(t, error, JT_ARR);
    enum req_kind k = pend_take(a, s, t, id, dir);
    switch (k) {
    case RK_NONE:
        return 0;
    case RK_SUBSCRIBE:
        if (ms_jt_is(t, result, JT_ARR) || ms_jt_is(t, result, JT_TRUE) || (failed && err_obj))
            a->v1_matched++;
        return 0;
    case RK_AUTHORIZE:
    case RK_V1_OTHER:
        if (ms_jt_is(t, result, JT_TRUE) || ms_jt_is(t, result, JT_FALSE) ||
            ms_jt_is(t, result, JT_ARR) || ms_jt_is(t, result, JT_OBJ) || (failed && err_obj))
            a->v1_matched++;
        return 0;
    case RK_SUBMIT:
        if (ms_jt_is(t, result, JT_TRUE)) {
            a->f.accepted++;
            a->v1_matched++;
        } else if (ms_jt_is(t, result, JT_FALSE) || (failed && err_obj)) {
            a->v1_matched++;
        }
        return 0;
    case RK_XMR_LOGIN: {
        int job = ms_jt_get(s, t, n, result, "job");
        if (xmr_job(s, t, n, job)) {
            a->xmr_matched++;
            a->xmr_srv[dir]++;
            return xmr_job_facts(a, s, t, n, job);
        }
        if (ms_jt_is(t, ms_jt_get(s, t, n, result, "id"), JT_STR) || (failed && err_obj))
            a->xmr_matched++;
        return 0;
    }
    case RK_XMR_SUBMIT:
    case RK_XMR_KEEPALIVE:
    case RK_XMR_GETJOB: {
        int status = ms_jt_get(s, t, n, result, "status");
        if (ms_jt_is(t, status, JT_STR)) {
            a->xmr_matched++;
            if (k == RK_XMR_SUBMIT && ms_jt_str_eq(s, t, status, "OK"))
                a->f.accepted++;
        } else if (k == RK_XMR_GETJOB && xmr_job(s, t, n, result)) {
            a->xmr_matched++;
            return xmr_job_facts(a, s, t, n, result);
        } else if (failed && err_obj) {
            a->xmr_matched++;
        }
        return 0;
    }
    }
    return 0;
}

/* One line of direction dir, without its newline. */
static int line(ms_flowan *a, int dir, const char *s, size_t n, uint64_t off) {
    ms_linebuf *lb = &a->lb[dir];
    jtok t[MS_CAPTURE_MAX_JSON_TOKENS];
    size_t nt = 0, full = n;
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    size_t lead = 0;
    while (lead < n && (s[lead] == ' ' || s[lead] == '\t'))
        lead++;
    if (lead == n)
        return 0;
    if (s[lead] != '{' || ms_jt_parse(s, n, t, MS_CAPTURE_MAX_JSON_TOKENS, &nt) < 0 ||
        t[0].type != JT_OBJ) {
        if (lb->mode == 0 || ++lb->bad > 16)
            lb->mode = -1;
        return 0;
    }
    lb->mode = 1;
    int method = ms_jt_get(s, t, nt, 0, "method");
    if (ms_jt_is(t, method, JT_STR)) {
        int id = ms_jt_get(s, t, nt, 0, "id");
        /* a request has an id; a notification has none or null (xmrig's
         * pool sends "job" with no id, v1 pools "id":null) */
        if (id >= 0 && !ms_jt_is(t, id, JT_NULL)) {
            int r = request(a, dir, s, t, nt, method, off, full);
            if (r != 0)
                return r < 0 ? r : 0;
        }
        return notification(a, dir, s, t, nt, method, off, full);
    }
    return answer(a, dir, s, t, nt);
}

static int lb_append(ms_flowan *a, ms_linebuf *lb, const uint8_t *p, size_t k) {
    if (lb->len + k > lb->cap) {
        size_t cap = lb->cap ? lb->cap : 1024;
        while (cap < lb->len + k)
            cap *= 2;
        if (cap > MS_CAPTURE_MAX_LINE)
            cap = MS_CAPTURE_MAX_LINE;
        if (*a->budget + (cap - lb->cap) > a->budget_cap) {
            a->budget_hit = true;
            return 1;
        }
        char *b = realloc(lb->buf, cap);
        if (!b)
            return -ENOMEM;
        *a->budget += cap - lb->cap;
        lb->buf = b;
        lb->cap = cap;
    }
    memcpy(lb->buf + lb->len, p, k);
    lb->len += k;
    return 0;
}

int ms_flowan_stream(ms_flowan *a, int dir, const uint8_t *p, size_t n, uint64_t off) {
    ms_linebuf *lb = &a->lb[dir];
    size_t i = 0;
    int r;
    if (lb->mode < 0)
        return 0;
    if (lb->resync) {
        const uint8_t *nl = memchr(p, '\n', n);
        if (!nl)
            return 0;
        i = (size_t)(nl - p) + 1;
        lb->resync = false;
    }
    while (i < n) {
        /* not JSON from its first byte: nothing here is Stratum, and
         * buffering it up to a newline would be a waste */
        if (lb->mode == 0 && lb->len == 0) {
            while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
                i++;
            if (i == n)
                break;
            if (p[i] != '{') {
                lb->mode = -1;
                return 0;
            }
        }
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        size_t k = nl ? (size_t)(nl - (p + i)) : n - i;
        if (lb->len == 0)
            lb->start_off = off + i;
        if (lb->len + k > MS_CAPTURE_MAX_LINE) {
            /* longer than any Stratum message */
            if (lb->mode == 0) {
                lb->mode = -1;
                return 0;
            }
            lb->len = 0;
            if (!nl) {
                lb->resync = true;
                return 0;
            }
            i += k + 1;
            continue;
        }
        if (nl && lb->len == 0) {
            r = line(a, dir, (const char *)p + i, k, off + i);
        } else {
            if ((r = lb_append(a, lb, p + i, k)) != 0) {
                if (r < 0)
                    return r;
                /* out of buffer budget: give this line up */
                lb->len = 0;
                lb->resync = !nl;
                r = 0;
            } else if (nl) {
                r = line(a, dir, lb->buf, lb->len, lb->start_off);
                lb->len = 0;
            }
        }
        if (r < 0)
            return r;
        if (lb->mode < 0)
            return 0;
        i += k + (nl ? 1 : 0);
    }
    return 0;
}

void ms_flowan_gap(ms_flowan *a, int dir) {
    ms_linebuf *lb = &a->lb[dir];
    lb->len = 0;
    if (lb->mode >= 0)
        lb->resync = true;
}

static unsigned popcount(unsigned x) {
    unsigned c = 0;
    for (; x; x &= x - 1)
        c++;
    return c;
}

int ms_flowan_finish(ms_flowan *a) {
    for (int d = 0; d < 2; d++) {
        ms_linebuf *lb = &a->lb[d];
        if (lb->len && lb->mode >= 0 && !lb->resync) {
            int r = line(a, d, lb->buf, lb->len, lb->start_off);
            if (r < 0)
                return r;
        }
        lb->len = 0;
    }
    int md = a->miner_dir;
    if (md < 0)
        return 0;
    int pd = !md;
    uint64_t off = a->ev_line_seen[md] ? a->ev_line_off[md] : a->ev_line_off[pd];
    uint64_t len = a->ev_line_seen[md] ? a->ev_line_len[md] : a->ev_line_len[pd];
    bool v1 = a->v1_req[md] && (a->v1_matched || a->v1_srv[pd]);
    bool xmr = a->xmr_req[md] && (a->xmr_matched || a->xmr_srv[pd]);
    if (v1)
        mark(a, EV_STRATUM, off, len);
    if (xmr)
        mark(a, EV_XMR, off, len);
    if (!v1 && !xmr) {
        /* one side only: the miner's subscribe and authorize, a login with
         * its wallet, or a pool's jobs */
        bool one = popcount(a->v1_kinds[md]) >= 2 || (a->xmr_req[md] && a->f.login) ||
                   a->v1_srv[pd] >= 2 || a->xmr_srv[pd];
        if (one)
            mark(a, EV_ONE_SIDE, off, len);
    }
    if (a->ev[EV_STRATUM].seen || a->ev[EV_XMR].seen || a->ev[EV_ONE_SIDE].seen) {
        bool x = xmr || (!v1 && (a->xmr_req[md] || a->xmr_srv[pd]));
        return ms_flowan_set(&a->f.dialect, x ? "xmr-stratum" : "stratum");
    }
    return 0;
}

/* ---- HTTP: getwork / getblocktemplate ---- */

static const uint8_t *find(const uint8_t *p, size_t n, const char *lit) {
    size_t k = strlen(lit);
    if (k > n)
        return NULL;
    return memmem(p, n, lit, k);
}

/* The header block and body of the HTTP message at p: returns the body
 * and its length (bounded by Content-Length and by n), NULL. */
static const uint8_t *http_body(const uint8_t *p, size_t n, size_t *ret_len, const uint8_t **ret_hdr,
                                size_t *ret_hdr_len) {
    const uint8_t *e = find(p, n, "\r\n\r\n");
    if (!e)
        return NULL;
    const uint8_t *body = e + 4;
    size_t avail = n - (size_t)(body - p), len = avail;
    const uint8_t *cl = find(p, (size_t)(e - p), "\r\nContent-Length:");
    if (!cl)
        cl = find(p, (size_t)(e - p), "\r\ncontent-length:");
    if (cl) {
        size_t v = 0;
        const uint8_t *q = cl + 17;
        while (q < e && *q == ' ')
            q++;
        while (q < e && *q >= '0' && *q <= '9' && v < (1u << 30))
            v = v * 10 + (size_t)(*q++ - '0');
        if (v < len)
            len = v;
    }
    *ret_len = len;
    *ret_hdr = p;
    *ret_hdr_len = (size_t)(e - p);
    return body;
}

static int header_value(ms_flowan *a, const uint8_t *h, size_t n, const char *name, char **dst) {
    const uint8_t *v = find(h, n, name);
    if (!v || *dst)
        return 0;
    v += strlen(name);
    while (v < h + n && *v == ' ')
        v++;
    const uint8_t *e = v;
    while (e < h + n && *e != '\r' && *e != '\n' && e - v < FACT_MAX)
        e++;
    for (const uint8_t *q = v; q < e; q++)
        if (*q < 0x20 || *q >= 0x7f)
            return 0;
    if (e == v)
        return 0;
    char *s = strndup((const char *)v, (size_t)(e - v));
    if (!s)
        return -ENOMEM;
    *dst = s;
    (void)a;
    return 0;
}

static bool starts(const uint8_t *p, size_t n, const char *lit) {
    size_t k = strlen(lit);
    return n >= k && !memcmp(p, lit, k);
}

enum { GW_NONE, GW_GETWORK, GW_GBT, GW_XMR_GBT };

int ms_flowan_http(ms_flowan *a, const uint8_t *const pre[2], const size_t n[2],
                   const uint64_t off[2]) {
    jtok t[MS_CAPTURE_MAX_JSON_TOKENS];
    size_t nt;
    int kind = GW_NONE, r;
    const uint8_t *hdr = NULL, *body;
    size_t hlen = 0, blen = 0;

    /* a JSON-RPC first payload to a Stratum port (no more than a hint) */
    if (n[0] && pre[0][0] == '{' && ms_stratum_port(a->f.server_port)) {
        const uint8_t *nl = memchr(pre[0], '\n', n[0]);
        size_t k = nl ? (size_t)(nl - pre[0]) : n[0];
        while (k && (pre[0][k - 1] == '\r' || pre[0][k - 1] == ' '))
            k--;
        if (ms_jt_parse((const char *)pre[0], k, t, MS_CAPTURE_MAX_JSON_TOKENS, &nt) == 0 &&
            t[0].type == JT_OBJ &&
            ms_jt_is(t, ms_jt_get((const char *)pre[0], t, nt, 0, "method"), JT_STR))
            mark(a, EV_PORT_JSON, off[0], k);
    }

    if (!starts(pre[0], n[0], "POST "))
        return 0;
    if (!(body = http_body(pre[0], n[0], &blen, &hdr, &hlen)))
        return 0;
    const char *s = (const char *)body;
    if (blen == 0 || ms_jt_parse(s, blen, t, MS_CAPTURE_MAX_JSON_TOKENS, &nt) < 0 || t[0].type != JT_OBJ)
        return 0;
    int m = ms_jt_get(s, t, nt, 0, "method");
    if (ms_jt_str_eq(s, t, m, "getwork"))
        kind = GW_GETWORK;
    else if (ms_jt_str_eq(s, t, m, "getblocktemplate"))
        kind = GW_GBT;
    else if (ms_jt_str_eq(s, t, m, "get_block_template"))
        kind = GW_XMR_GBT;
    if (kind == GW_NONE)
        return 0;
    mark(a, EV_GETWORK_REQ, off[0], (uint64_t)(body - pre[0]) + blen);
    if ((r = header_value(a, hdr, hlen, "\r\nUser-Agent:", &a->f.agent)) < 0 ||
        (r = ms_flowan_set(&a->f.dialect, kind == GW_GETWORK ? "getwork" : "getblocktemplate")) < 0)
        return r;
    if (kind == GW_XMR_GBT) {
        int p = ms_jt_get(s, t, nt, 0, "params");
        if ((r = fact(&a->f.login, s, t, ms_jt_get(s, t, nt, p, "wallet_address"), false)) < 0)
            return r;
    }

    /* the node's answer */
    if (!starts(pre[1], n[1], "HTTP/1.") || !(body = http_body(pre[1], n[1], &blen, &hdr, &hlen)))
        return 0;
    s = (const char *)body;
    if (blen == 0 || ms_jt_parse(s, blen, t, MS_CAPTURE_MAX_JSON_TOKENS, &nt) < 0 || t[0].type != JT_OBJ)
        return 0;
    int res = ms_jt_get(s, t, nt, 0, "result");
    bool mining = false;
    if (kind == GW_GETWORK)
        mining = ms_jt_is(t, ms_jt_get(s, t, nt, res, "data"), JT_STR) &&
                 ms_jt_is(t, ms_jt_get(s, t, nt, res, "target"), JT_STR);
    else if (kind == GW_GBT)
        mining = ms_jt_is(t, ms_jt_get(s, t, nt, res, "previousblockhash"), JT_STR) &&
                 ms_jt_is(t, ms_jt_get(s, t, nt, res, "bits"), JT_STR) &&
                 (ms_jt_get(s, t, nt, res, "coinbasevalue") >= 0 ||
                  ms_jt_is(t, ms_jt_get(s, t, nt, res, "transactions"), JT_ARR));
    else
        mining = ms_jt_is(t, ms_jt_get(s, t, nt, res, "blocktemplate_blob"), JT_STR);
    if (mining)
        mark(a, EV_GETWORK, off[1], (uint64_t)(body - pre[1]) + blen);
    return 0;
}

void ms_flowan_free(ms_flowan *a) {
    if (!a)
        return;
    for (int d = 0; d < 2; d++) {
        if (a->budget && a->lb[d].cap <= *a->budget)
            *a->budget -= a->lb[d].cap;
        free(a->lb[d].buf);
    }
    ms_flow *f = &a->f;
    free(f->proto);
    free(f->client_ip);
    free(f->server_ip);
    free(f->server_name);
    free(f->dialect);
    free(f->tls);
    free(f->sni);
    free(f->cert_name);
    free(f->wallet);
    free(f->worker);
    free(f->login);
    free(f->agent);
    free(f->algo);
    free(a->pass);
    memset(a, 0, sizeof(*a));
}
