/*
 * capture.c - pcap/pcapng reading and flow reassembly (issue 14; the
 * analysers are in stratum.c and tlsdns.c, the contract in capture.h).
 *
 * Formats. libpcap reads both from the bytes in memory (fmemopen +
 * pcap_fopen_offline_with_tstamp_precision, nanoseconds):
 *   pcap: a 24-byte file header (magic a1b2c3d4 for microseconds,
 *     a1b23c4d for nanoseconds, in the writer's byte order; a1b2cd34 the
 *     old Kuznetsov form), then records of a 16-byte header (seconds,
 *     fraction, captured length, original length) and the captured bytes;
 *   pcapng: blocks of type(4) length(4) body length(4); a Section Header
 *     Block (0a0d0d0a, byte-order magic 1a2b3c4d) starts each section,
 *     Interface Description Blocks give link types and time resolution,
 *     Enhanced/Simple Packet Blocks hold the packets.
 * Link layers decoded: Ethernet (with up to two 802.1Q/802.1ad tags),
 * Linux cooked v1 (16 bytes, protocol at 14) and v2 (20 bytes, protocol at
 * 0), raw IP (v4 or v6 by the version nibble), BSD loopback (DLT_NULL: a
 * 4-byte address family in the writer's byte order) and DLT_LOOP (the same
 * in network order). IPv4 (options skipped; fragments skipped, since
 * Stratum and DNS queries fit in one packet) and IPv6 (hop-by-hop, routing,
 * destination options, AH skipped; fragments skipped).
 *
 * TCP. A flow is the 4-tuple; the client is the side that sent the SYN,
 * or, for a connection already open when the capture began, the side
 * with the higher port. Each direction is reassembled from its sequence
 * numbers: bytes already delivered (retransmissions, overlaps) are cut
 * off, segments ahead of the next expected byte wait in a small queue;
 * when the queue is full or the flow ends with a hole, the hole is a gap
 * (the analysers resynchronise after it) and the flow is marked not
 * complete. A packet cut by the snap length delivers what was captured
 * and a gap for the rest. A flow ends at RST, at FIN both ways, at the end
 * of the file, or when the table is full and it is the least recently
 * seen. UDP is read per datagram: DNS on port 53.
 *
 * Offsets. A finding's offset is where in the capture file the payload
 * of its packet lies: libpcap does not say, so the reader takes the FILE
 * position after each record and finds the packet bytes just before it.
 */
#include "capture.h"

#include "alloc.h"
#include "obscure.h"
#include "wallet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "flowan.h"
#include "iocs.h"
#include "ms_limits.h"

extern const uint8_t ms_pool_blob[];
extern const size_t ms_pool_blob_len;
extern const uint32_t ms_pool_off[];
extern const size_t ms_pool_table_len;

/* ---- pool names ---- */

/* The pool names, decoded once (gen_pool_table.py keeps them out of the
 * binary's plain bytes) and read-only from then on. */
static const char **pool_table;
static char *pool_text;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_decode(void) {
    pool_text = ms_strtab_decode(ms_pool_blob, ms_pool_blob_len);
    pool_table = ms_xmalloc(ms_pool_table_len * sizeof(*pool_table));
    for (size_t i = 0; i < ms_pool_table_len; i++)
        pool_table[i] = pool_text + ms_pool_off[i];
}

static int cmp_name(const void *k, const void *e) {
    return strcmp(k, *(const char *const *)e);
}

bool ms_pool_name_known(const char *name, size_t len) {
    char buf[256];
    if (len && name[len - 1] == '.')
        len--;
    if (len == 0 || len >= sizeof(buf))
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (c == '\0')
            return false;
        buf[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    buf[len] = '\0';
    pthread_once(&pool_once, pool_decode);
    for (size_t i = 0; i < len; i++) {
        if (i && buf[i - 1] != '.')
            continue;
        if (bsearch(buf + i, pool_table, ms_pool_table_len, sizeof(*pool_table), cmp_name))
            return true;
    }
    return false;
}

/* ---- the flow list in ms_iocs ---- */

static void flow_clear(ms_flow *f) {
    char **s[] = {&f->proto,  &f->client_ip, &f->server_ip, &f->server_name, &f->dialect,
                  &f->tls,    &f->sni,       &f->cert_name, &f->wallet,      &f->worker,
                  &f->login,  &f->agent,     &f->algo};
    for (size_t i = 0; i < sizeof(s) / sizeof(*s); i++) {
        free(*s[i]);
        *s[i] = NULL;
    }
}

void ms_flows_clear(ms_iocs *i) {
    if (!i)
        return;
    for (size_t k = 0; k < i->n_flows; k++)
        flow_clear(&i->flows[k]);
    free(i->flows);
    i->flows = NULL;
    i->n_flows = 0;
}

static bool same_str(const char *a, const char *b) {
    return (!a && !b) || (a && b && !strcmp(a, b));
}

void ms_flows_add(ms_iocs *i, const ms_flow *f) {
    for (size_t k = 0; k < i->n_flows; k++) {
        const ms_flow *g = &i->flows[k];
        if (g->first_ts == f->first_ts && g->client_port == f->client_port &&
            g->server_port == f->server_port && same_str(g->client_ip, f->client_ip) &&
            same_str(g->server_ip, f->server_ip) && same_str(g->proto, f->proto))
            return;
    }
    if (i->n_flows >= MS_CAPTURE_MAX_FLOW_RECORDS)
        return;
    i->flows = ms_xrealloc(i->flows, (i->n_flows + 1) * sizeof(*i->flows));
    ms_flow *g = &i->flows[i->n_flows];
    *g = *f;
    char **dst[] = {&g->proto,  &g->client_ip, &g->server_ip, &g->server_name, &g->dialect,
                    &g->tls,    &g->sni,       &g->cert_name, &g->wallet,      &g->worker,
                    &g->login,  &g->agent,     &g->algo};
    const char *src[] = {f->proto,  f->client_ip, f->server_ip, f->server_name, f->dialect,
                         f->tls,    f->sni,       f->cert_name, f->wallet,      f->worker,
                         f->login,  f->agent,     f->algo};
    for (size_t k = 0; k < sizeof(dst) / sizeof(*dst); k++)
        *dst[k] = src[k] ? ms_xstrdup(src[k]) : NULL;
    i->n_flows++;
}

void ms_flows_merge(ms_iocs *dst, const ms_iocs *src) {
    for (size_t k = 0; k < src->n_flows; k++)
        ms_flows_add(dst, &src->flows[k]);
}

void ms_flow_time(int64_t ns, char *buf, size_t cap) {
    int64_t sec = ns / 1000000000, frac = ns % 1000000000;
    if (frac < 0) {
        frac += 1000000000;
        sec--;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year > 9999 - 1900 || tm.tm_year < -1900) {
        snprintf(buf, cap, "%lld.%09lld", (long long)sec, (long long)frac);
        return;
    }
    snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)frac);
}

/* ---- reader state ---- */

typedef struct endpoint {
    uint8_t fam; /* 4 or 6 */
    uint8_t addr[16];
    uint16_t port;
} endpoint;

typedef struct seg {
    uint32_t seq, len; /* wire length; captured bytes are data[0..cap) */
    uint32_t cap;
    uint64_t off;
    uint8_t *data;
} seg;

typedef struct dirst {
    bool have;
    uint32_t next;
    bool fin;
    bool gap;
    bool pre_closed;
    seg *ooo; /* MS_CAPTURE_MAX_OOO_SEGS, allocated at the first one */
    size_t n_ooo, ooo_bytes;
    uint8_t *pre;
    size_t pre_len, pre_cap;
    uint64_t pre_off;
    bool data_seen;
} dirst;

typedef struct flow {
    endpoint ep[2]; /* ep[0] is the client */
    dirst d[2];
    ms_flowan an;
    struct flow *hnext, *lprev, *lnext;
    size_t bucket;
    bool midstream, cut, rst;
    int64_t first_ts, last_ts;
    uint64_t bytes[2];
} flow;

typedef struct dnsmap {
    char *addr, *name;
} dnsmap;

#define N_BUCKETS (MS_CAPTURE_MAX_FLOWS * 2)

struct ms_capture {
    const ms_options *o;
    flow **buckets;
    size_t n_flows;
    flow *lru_head, *lru_tail; /* head: least recently seen */
    uint64_t seed;
    size_t buffered;
    ms_verdict *v;
    dnsmap *map;
    size_t n_map;
    ms_flow *dns;     /* DNS look-ups of pools, one per client/server/name */
    size_t n_dns;
    uint64_t packets, evicted_active, fragments;
    bool budget_hit, packets_hit;
    const uint8_t *file;
    size_t file_len, prev_end;
};

bool ms_capture_candidate(const uint8_t *d, size_t n) {
    static const uint8_t magics[][4] = {
        {0xa1, 0xb2, 0xc3, 0xd4}, {0xd4, 0xc3, 0xb2, 0xa1}, /* microseconds */
        {0xa1, 0xb2, 0x3c, 0x4d}, {0x4d, 0x3c, 0xb2, 0xa1}, /* nanoseconds */
        {0xa1, 0xb2, 0xcd, 0x34}, {0x34, 0xcd, 0xb2, 0xa1}, /* Kuznetsov */
    };
    if (n < 24)
        return false;
    for (size_t i = 0; i < sizeof(magics) / sizeof(*magics); i++)
        if (!memcmp(d, magics[i], 4))
            return true;
    return !memcmp(d, "\x0a\x0d\x0d\x0a", 4) &&
           (!memcmp(d + 8, "\x1a\x2b\x3c\x4d", 4) || !memcmp(d + 8, "\x4d\x3c\x2b\x1a", 4));
}

int ms_capture_new(const ms_options *o, ms_capture **ret) {
    ms_capture *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->o = o;
    *ret = c;
    return 0;
}

static void map_clear(ms_capture *c) {
    for (size_t i = 0; i < c->n_map; i++) {
        free(c->map[i].addr);
        free(c->map[i].name);
    }
    free(c->map);
    c->map = NULL;
    c->n_map = 0;
    for (size_t i = 0; i < c->n_dns; i++)
        flow_clear(&c->dns[i]);
    free(c->dns);
    c->dns = NULL;
    c->n_dns = 0;
}

static void flow_free(ms_capture *c, flow *f) {
    for (int d = 0; d < 2; d++) {
        dirst *s = &f->d[d];
        for (size_t i = 0; i < s->n_ooo; i++) {
            free(s->ooo[i].data);
            c->buffered -= s->ooo[i].cap;
        }
        free(s->ooo);
        free(s->pre);
        c->buffered -= s->pre_cap;
    }
    ms_flowan_free(&f->an);
    free(f);
}

static void flows_drop_all(ms_capture *c) {
    flow *f = c->lru_head;
    while (f) {
        flow *n = f->lnext;
        flow_free(c, f);
        f = n;
    }
    c->lru_head = c->lru_tail = NULL;
    free(c->buckets);
    c->buckets = NULL;
    c->n_flows = 0;
}

void ms_capture_free(ms_capture *c) {
    if (!c)
        return;
    flows_drop_all(c);
    map_clear(c);
    free(c);
}

/* ---- keys and the table ---- */

static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t ep_hash(const endpoint *e, uint64_t seed) {
    uint64_t a, b;
    memcpy(&a, e->addr, 8);
    memcpy(&b, e->addr + 8, 8);
    return mix(seed ^ mix(a ^ mix(b ^ ((uint64_t)e->port << 8 | e->fam))));
}

/* Symmetric in the two endpoints; seeded at random per capture so that a
 * hostile file cannot put every flow into one chain. */
static size_t flow_bucket(const ms_capture *c, const endpoint *a, const endpoint *b) {
    return (size_t)((ep_hash(a, c->seed) + ep_hash(b, c->seed)) % N_BUCKETS);
}

static bool ep_eq(const endpoint *a, const endpoint *b) {
    return a->fam == b->fam && a->port == b->port && !memcmp(a->addr, b->addr, 16);
}

static flow *flow_find(ms_capture *c, const endpoint *src, const endpoint *dst, int *ret_dir) {
    if (!c->buckets)
        return NULL;
    for (flow *f = c->buckets[flow_bucket(c, src, dst)]; f; f = f->hnext) {
        if (ep_eq(&f->ep[0], src) && ep_eq(&f->ep[1], dst)) {
            *ret_dir = 0;
            return f;
        }
        if (ep_eq(&f->ep[1], src) && ep_eq(&f->ep[0], dst)) {
            *ret_dir = 1;
            return f;
        }
    }
    return NULL;
}

static void lru_unlink(ms_capture *c, flow *f) {
    if (f->lprev)
        f->lprev->lnext = f->lnext;
    else
        c->lru_head = f->lnext;
    if (f->lnext)
        f->lnext->lprev = f->lprev;
    else
        c->lru_tail = f->lprev;
    f->lprev = f->lnext = NULL;
}

static void lru_append(ms_capture *c, flow *f) {
    f->lprev = c->lru_tail;
    f->lnext = NULL;
    if (c->lru_tail)
        c->lru_tail->lnext = f;
    else
        c->lru_head = f;
    c->lru_tail = f;
}

static void table_remove(ms_capture *c, flow *f) {
    flow **p = &c->buckets[f->bucket];
    while (*p && *p != f)
        p = &(*p)->hnext;
    if (*p)
        *p = f->hnext;
    lru_unlink(c, f);
    c->n_flows--;
}

static void ep_text(const endpoint *e, char *buf, size_t cap) {
    if (!inet_ntop(e->fam == 4 ? AF_INET : AF_INET6, e->addr, buf, (socklen_t)cap))
        snprintf(buf, cap, "?");
}

/* ---- findings ---- */

static const struct {
    const char *rule, *family, *category, *severity, *description;
} ev_rules[EV__MAX] = {
    [EV_STRATUM] = {"net_stratum_session", "stratum", "protocol", "high",
                    "Plaintext Stratum mining session in a capture: mining.* requests answered by "
                    "id, or the pool's notify/set_difficulty"},
    [EV_XMR] = {"net_stratum_xmr_session", "stratum", "protocol", "high",
                "Monero-style Stratum session in a capture: login/submit answered with jobs "
                "(blob, job_id, target)"},
    [EV_ONE_SIDE] = {"net_stratum_one_side", "stratum", "protocol", "medium",
                     "One side of a Stratum session in a capture (miner requests or pool jobs)"},
    [EV_GETWORK] = {"net_getwork_session", "bitcoin-rpc", "protocol", "medium",
                    "getwork/getblocktemplate mining RPC over HTTP answered with work"},
    [EV_GETWORK_REQ] = {"net_getwork_request", "bitcoin-rpc", "protocol", "low",
                        "getwork/getblocktemplate mining RPC request over HTTP"},
    [EV_TLS_STRATUM] = {"net_tls_pool_stratum", "pool", "pool", "high",
                        "TLS session to a mining-pool name (SNI or certificate) on a non-web port: "
                        "Stratum over TLS"},
    [EV_TLS_NAME] = {"net_tls_pool_name", "pool", "pool", "medium",
                     "TLS session to a mining-pool name (SNI or certificate)"},
    [EV_DNS] = {"net_dns_pool_lookup", "pool", "pool", "medium",
                "DNS query or answer for a mining-pool name (signatures/pools.txt)"},
    [EV_PORT_JSON] = {"net_stratum_port_json", "stratum", "protocol", "low",
                      "JSON-RPC first payload to a usual Stratum port"},
};

static int add_hit(ms_capture *c, enum ms_ev e, uint64_t off, uint64_t len) {
    ms_verdict *v = c->v;
    if (off > c->file_len)
        off = c->file_len;
    if (len > c->file_len - off)
        len = c->file_len - off;
    ms_rule_hit h = {
        .rule = (char *)ev_rules[e].rule,
        .ns = (char *)"capture",
        .family = (char *)ev_rules[e].family,
        .category = (char *)ev_rules[e].category,
        .severity = (char *)ev_rules[e].severity,
        .description = (char *)ev_rules[e].description,
        .offset = off,
        .length = len,
        .has_match = true,
    };
    ms_verdict_add_rule(v, &h);
    return 0;
}

static const char *map_lookup(const ms_capture *c, const char *addr) {
    for (size_t i = c->n_map; i > 0; i--)
        if (!strcmp(c->map[i - 1].addr, addr))
            return c->map[i - 1].name;
    return NULL;
}

/* Split a login into a validated wallet and a worker:
 * WALLET, WALLET.WORKER, WALLET+DIFF, COIN:WALLET.WORKER, WALLET/WORKER. */
static int login_facts(ms_flow *f, ms_iocs *io) {
    const char *s = f->login;
    const char *coin = NULL;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && !strchr(".+/:#,; ", s[j]))
            j++;
        size_t len = j - i;
        const char *w = s + i;
        if ((len == 95 || len == 106) && ms_wallet_valid_xmr(w, len))
            coin = "xmr";
        else if (len >= 26 && len <= 35 && (w[0] == '1' || w[0] == '3') &&
                 ms_wallet_valid_btc_base58(w, len))
            coin = "btc";
        else if (len >= 14 && len <= 90 && (w[0] == 'b' || w[0] == 'B') && ms_wallet_valid_bech32(w, len))
            coin = "btc";
        else if (len == 42 && ms_wallet_valid_eth(w, len))
            coin = "eth";
        if (coin) {
            if (!(f->wallet = strndup(w, len)))
                return -ENOMEM;
            ms_iocs_add_wallet(io, coin, f->wallet);
            if (!f->worker && j < n && (s[j] == '.' || s[j] == '/')) {
                size_t k = j + 1;
                while (k < n && !strchr("+#,; ", s[k]))
                    k++;
                if (k > j + 1 && !(f->worker = strndup(s + j + 1, k - j - 1)))
                    return -ENOMEM;
            }
            return 0;
        }
        i = j + 1;
    }
    /* a pool account, not a wallet: USER.WORKER */
    const char *dot = strchr(s, '.');
    if (!f->worker && dot && dot[1] && !(f->worker = strdup(dot + 1)))
        return -ENOMEM;
    return 0;
}

static int pool_url(ms_capture *c, const ms_flow *f, const char *scheme) {
    char buf[600];
    const char *host = f->server_name ? f->server_name : f->server_ip;
    bool v6 = !f->server_name && strchr(host, ':');
    snprintf(buf, sizeof(buf), "%s%s%s%s:%u", scheme, v6 ? "[" : "", host, v6 ? "]" : "",
             f->server_port);
    ms_iocs_add_pool(&c->v->iocs, buf);
    return 0;
}

static void swap_sides(ms_flow *f) {
    char *ip = f->client_ip;
    uint16_t port = f->client_port;
    uint64_t b = f->bytes_to_server;
    f->client_ip = f->server_ip;
    f->client_port = f->server_port;
    f->server_ip = ip;
    f->server_port = port;
    f->bytes_to_server = f->bytes_to_client;
    f->bytes_to_client = b;
}

/* Hits, IOCs and the flow record of a flow with evidence. */
static int flow_report(ms_capture *c, flow *fl) {
    ms_flowan *a = &fl->an;
    ms_flow *f = &a->f;
    ms_iocs *io = &c->v->iocs;
    char ip[2][INET6_ADDRSTRLEN];
    int r;
    bool any = false;
    for (int e = 0; e < EV__MAX; e++)
        any |= a->ev[e].seen;
    /* the port hint only when nothing better was found */
    if (a->ev[EV_PORT_JSON].seen) {
        bool better = false;
        for (int e = 0; e < EV__MAX; e++)
            better |= e != EV_PORT_JSON && a->ev[e].seen;
        if (better)
            a->ev[EV_PORT_JSON].seen = false;
        else if (!f->dialect && (r = ms_flowan_set(&f->dialect, "json-rpc")) < 0)
            return r;
    }
    if (a->ev[EV_GETWORK].seen)
        a->ev[EV_GETWORK_REQ].seen = false;
    if (!any)
        return 0;
    for (int e = 0; e < EV__MAX; e++)
        if (a->ev[e].seen && (r = add_hit(c, (enum ms_ev)e, a->ev[e].off, a->ev[e].len)) < 0)
            return r;

    ep_text(&fl->ep[0], ip[0], sizeof(ip[0]));
    ep_text(&fl->ep[1], ip[1], sizeof(ip[1]));
    if ((r = ms_flowan_set(&f->proto, "tcp")) < 0 || (r = ms_flowan_set(&f->client_ip, ip[0])) < 0 ||
        (r = ms_flowan_set(&f->server_ip, ip[1])) < 0)
        return r;
    f->client_port = fl->ep[0].port;
    f->server_port = fl->ep[1].port;
    f->first_ts = fl->first_ts;
    f->last_ts = fl->last_ts;
    f->bytes_to_server = fl->bytes[0];
    f->bytes_to_client = fl->bytes[1];
    f->complete = !fl->midstream && !fl->cut && !fl->d[0].gap && !fl->d[1].gap;
    if (a->miner_dir == 1)
        swap_sides(f);
    const char *name = f->sni ? f->sni : map_lookup(c, f->server_ip);
    if (name && (r = ms_flowan_set(&f->server_name, name)) < 0)
        return r;
    if (f->login && (r = login_facts(f, io)) < 0)
        return r;

    bool stratum = a->ev[EV_STRATUM].seen || a->ev[EV_XMR].seen || a->ev[EV_ONE_SIDE].seen;
    if (stratum)
        r = pool_url(c, f, f->tls ? "stratum+ssl://" : "stratum+tcp://");
    else if (a->ev[EV_TLS_STRATUM].seen)
        r = pool_url(c, f, "stratum+ssl://");
    else if (a->ev[EV_GETWORK].seen || a->ev[EV_GETWORK_REQ].seen)
        r = pool_url(c, f, "http://");
    else
        r = pool_url(c, f, "");
    if (r < 0)
        return r;
    ms_miner_config *cfg = &io->config;
    if ((stratum || a->ev[EV_TLS_STRATUM].seen) && cfg->tls < 0)
        cfg->tls = f->tls ? 1 : 0;
    if ((f->algo && !cfg->algo && !(cfg->algo = strdup(f->algo))) ||
        (f->login && !cfg->user && !(cfg->user = strdup(f->login))) ||
        (a->pass && !cfg->pass && !(cfg->pass = strdup(a->pass))))
        return -ENOMEM;
    ms_flows_add(io, f);
    return 0;
}

/* ---- DNS ---- */

static int map_add(ms_capture *c, const char *addr, const char *name) {
    for (size_t i = 0; i < c->n_map; i++)
        if (!strcmp(c->map[i].addr, addr)) {
            char *n = strdup(name);
            if (!n)
                return -ENOMEM;
            free(c->map[i].name);
            c->map[i].name = n;
            return 0;
        }
    if (c->n_map >= MS_CAPTURE_MAX_DNS_MAP)
        return 0;
    dnsmap *m = realloc(c->map, (c->n_map + 1) * sizeof(*m));
    if (!m)
        return -ENOMEM;
    c->map = m;
    m[c->n_map].addr = strdup(addr);
    m[c->n_map].name = strdup(name);
    if (!m[c->n_map].addr || !m[c->n_map].name) {
        free(m[c->n_map].addr);
        free(m[c->n_map].name);
        return -ENOMEM;
    }
    c->n_map++;
    return 0;
}

/* One DNS message between cl (the asking side) and sv. */
static int dns_message(ms_capture *c, const uint8_t *p, size_t n, uint64_t off, const endpoint *src,
                       const endpoint *dst, const char *proto, int64_t ts) {
    ms_dns_info info;
    int r = ms_dns_parse(p, n, &info);
    if (r == MS_E_CORRUPT)
        return 0;
    if (r < 0)
        return r;
    for (size_t i = 0; i < info.n_ans; i++)
        if ((r = map_add(c, info.ans_addr[i], info.ans_name[i])) < 0)
            goto out;
    if (!info.pool)
        goto out;
    if ((r = add_hit(c, EV_DNS, off, n)) < 0)
        goto out;
    ms_iocs_add_pool(&c->v->iocs, info.pool);
    const endpoint *cl = info.response ? dst : src, *sv = info.response ? src : dst;
    char cip[INET6_ADDRSTRLEN], sip[INET6_ADDRSTRLEN];
    ep_text(cl, cip, sizeof(cip));
    ep_text(sv, sip, sizeof(sip));
    ms_flow *f = NULL;
    for (size_t i = 0; i < c->n_dns && !f; i++) {
        ms_flow *g = &c->dns[i];
        if (g->client_port == cl->port && g->server_port == sv->port && !strcmp(g->client_ip, cip) &&
            !strcmp(g->server_ip, sip) && !strcmp(g->server_name, info.pool) && !strcmp(g->proto, proto))
            f = g;
    }
    if (!f) {
        if (c->n_dns >= MS_CAPTURE_MAX_FLOW_RECORDS)
            goto out;
        ms_flow *d = realloc(c->dns, (c->n_dns + 1) * sizeof(*d));
        if (!d) {
            r = -ENOMEM;
            goto out;
        }
        c->dns = d;
        f = &d[c->n_dns++];
        *f = (ms_flow){.client_port = cl->port, .server_port = sv->port, .first_ts = ts, .last_ts = ts,
                       .complete = true};
        if ((r = ms_flowan_set(&f->proto, proto)) < 0 || (r = ms_flowan_set(&f->client_ip, cip)) < 0 ||
            (r = ms_flowan_set(&f->server_ip, sip)) < 0 ||
            (r = ms_flowan_set(&f->server_name, info.pool)) < 0 ||
            (r = ms_flowan_set(&f->dialect, "dns")) < 0)
            goto out;
    }
    /* captures are not always in time order */
    if (ts < f->first_ts)
        f->first_ts = ts;
    if (ts > f->last_ts)
        f->last_ts = ts;
    if (info.response)
        f->bytes_to_client += n;
    else
        f->bytes_to_server += n;
out:
    ms_dns_info_clear(&info);
    return r;
}

/* DNS over TCP: messages with a 2-byte length (RFC 1035 4.2.2). */
static int dns_tcp(ms_capture *c, flow *fl, int dir) {
    dirst *d = &fl->d[dir];
    size_t i = 0;
    for (unsigned k = 0; k < 16 && d->pre_len - i >= 2; k++) {
        size_t len = (size_t)d->pre[i] << 8 | d->pre[i + 1];
        if (len > d->pre_len - i - 2)
            break;
        int r = dns_message(c, d->pre + i + 2, len, d->pre_off + i + 2, &fl->ep[dir], &fl->ep[!dir],
                            "tcp", fl->last_ts);
        if (r < 0)
            return r;
        i += 2 + len;
    }
    return 0;
}

/* ---- TCP reassembly ---- */

static int deliver(ms_capture *c, flow *fl, int dir, const uint8_t *p, size_t cap, uint32_t wire,
                   uint64_t off) {
    dirst *d = &fl->d[dir];
    int r;
    d->next += wire;
    fl->bytes[dir] = ms_sat_add_u64(fl->bytes[dir], wire);
    if (cap > wire)
        cap = wire;
    if (cap) {
        if (!d->data_seen) {
            d->data_seen = true;
            d->pre_off = off;
        }
        if (!d->pre_closed && d->pre_len < MS_CAPTURE_PREFIX_BYTES) {
            size_t k = MS_CAPTURE_PREFIX_BYTES - d->pre_len;
            if (k > cap)
                k = cap;
            if (d->pre_len + k > d->pre_cap) {
                size_t ncap = d->pre_cap ? d->pre_cap : 2048;
                while (ncap < d->pre_len + k)
                    ncap *= 2;
                if (ncap > MS_CAPTURE_PREFIX_BYTES)
                    ncap = MS_CAPTURE_PREFIX_BYTES;
                if (c->buffered + (ncap - d->pre_cap) > MS_CAPTURE_MAX_BUFFERED) {
                    c->budget_hit = true;
                    d->pre_closed = true;
                    k = 0;
                } else {
                    uint8_t *b = realloc(d->pre, ncap);
                    if (!b)
                        return -ENOMEM;
                    c->buffered += ncap - d->pre_cap;
                    d->pre = b;
                    d->pre_cap = ncap;
                }
            }
            if (k) {
                memcpy(d->pre + d->pre_len, p, k);
                d->pre_len += k;
            }
        }
        if ((r = ms_flowan_stream(&fl->an, dir, p, cap, off)) < 0)
            return r;
    }
    if (cap < wire) {
        /* cut by the snap length: the rest of the segment is a hole */
        fl->cut = true;
        d->pre_closed = true;
        ms_flowan_gap(&fl->an, dir);
    }
    return 0;
}

/* Deliver what of seg-like data starting at seq is new. */
static int place(ms_capture *c, flow *fl, int dir, uint32_t seq, const uint8_t *p, size_t cap,
                 uint32_t wire, uint64_t off) {
    dirst *d = &fl->d[dir];
    int32_t rel = (int32_t)(seq - d->next);
    if (rel < 0) {
        uint32_t skip = (uint32_t)(-(int64_t)rel);
        if (skip >= wire)
            return 0; /* a retransmission of bytes already delivered */
        wire -= skip;
        size_t cs = skip < cap ? skip : cap;
        p += cs;
        cap -= cs;
        off += cs;
    }
    return deliver(c, fl, dir, p, cap, wire, off);
}

static int drain(ms_capture *c, flow *fl, int dir) {
    dirst *d = &fl->d[dir];
    for (;;) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < d->n_ooo; i++)
            if ((int32_t)(d->ooo[i].seq - d->next) <= 0) {
                best = i;
                break;
            }
        if (best == SIZE_MAX)
            return 0;
        seg s = d->ooo[best];
        d->ooo[best] = d->ooo[--d->n_ooo];
        d->ooo_bytes -= s.cap;
        int r = place(c, fl, dir, s.seq, s.data, s.cap, s.len, s.off);
        free(s.data);
        c->buffered -= s.cap;
        if (r < 0)
            return r;
    }
}

/* Give up the hole before the earliest queued segment. */
static int skip_gap(ms_capture *c, flow *fl, int dir) {
    dirst *d = &fl->d[dir];
    if (!d->n_ooo)
        return 0;
    size_t lo = 0;
    for (size_t i = 1; i < d->n_ooo; i++)
        if ((int32_t)(d->ooo[i].seq - d->ooo[lo].seq) < 0)
            lo = i;
    uint32_t hole = d->ooo[lo].seq - d->next;
    fl->bytes[dir] = ms_sat_add_u64(fl->bytes[dir], hole);
    d->next = d->ooo[lo].seq;
    d->gap = true;
    d->pre_closed = true;
    ms_flowan_gap(&fl->an, dir);
    return drain(c, fl, dir);
}

static int segment(ms_capture *c, flow *fl, int dir, uint32_t seq, const uint8_t *p, size_t cap,
                   uint32_t wire, uint64_t off) {
    dirst *d = &fl->d[dir];
    int r;
    if (!d->have) {
        d->have = true;
        d->next = seq;
        fl->midstream = true;
    }
    int32_t rel = (int32_t)(seq - d->next);
    if (rel <= 0) {
        if ((r = place(c, fl, dir, seq, p, cap, wire, off)) < 0)
            return r;
        return drain(c, fl, dir);
    }
    /* ahead of the next byte: wait for the hole to fill */
    if (cap > wire)
        cap = wire;
    while (d->n_ooo >= MS_CAPTURE_MAX_OOO_SEGS || d->ooo_bytes + cap > MS_CAPTURE_MAX_OOO_BYTES ||
           c->buffered + cap > MS_CAPTURE_MAX_BUFFERED) {
        if (!d->n_ooo)
            break;
        if ((r = skip_gap(c, fl, dir)) < 0)
            return r;
        if ((int32_t)(seq - d->next) <= 0) {
            if ((r = place(c, fl, dir, seq, p, cap, wire, off)) < 0)
                return r;
            return drain(c, fl, dir);
        }
    }
    if (c->buffered + cap > MS_CAPTURE_MAX_BUFFERED) {
        c->budget_hit = true;
        return 0;
    }
    if (!d->ooo && !(d->ooo = malloc(MS_CAPTURE_MAX_OOO_SEGS * sizeof(*d->ooo))))
        return -ENOMEM;
    seg *s = &d->ooo[d->n_ooo];
    *s = (seg){.seq = seq, .len = wire, .cap = (uint32_t)cap, .off = off};
    if (cap && !(s->data = malloc(cap)))
        return -ENOMEM;
    if (cap)
        memcpy(s->data, p, cap);
    d->n_ooo++;
    d->ooo_bytes += cap;
    c->buffered += cap;
    return 0;
}

static int flow_finish(ms_capture *c, flow *fl) {
    int r;
    for (int d = 0; d < 2; d++)
        while (fl->d[d].n_ooo)
            if ((r = skip_gap(c, fl, d)) < 0)
                return r;
    const uint8_t *pre[2] = {fl->d[0].pre ? fl->d[0].pre : (const uint8_t *)"",
                             fl->d[1].pre ? fl->d[1].pre : (const uint8_t *)""};
    size_t n[2] = {fl->d[0].pre_len, fl->d[1].pre_len};
    uint64_t off[2] = {fl->d[0].pre_off, fl->d[1].pre_off};
    fl->an.f.server_port = fl->ep[1].port;
    if (fl->an.budget_hit)
        c->budget_hit = true;
    if ((r = ms_flowan_finish(&fl->an)) < 0 || (r = ms_flowan_tls(&fl->an, pre, n, off)) < 0 ||
        (r = ms_flowan_http(&fl->an, pre, n, off)) < 0)
        return r;
    if (fl->ep[1].port == 53 || fl->ep[0].port == 53)
        for (int d = 0; d < 2; d++)
            if ((r = dns_tcp(c, fl, d)) < 0)
                return r;
    return flow_report(c, fl);
}

/* Finish and forget a flow. */
static int flow_end(ms_capture *c, flow *fl) {
    table_remove(c, fl);
    int r = flow_finish(c, fl);
    flow_free(c, fl);
    return r;
}

static int flow_new(ms_capture *c, const endpoint *cl, const endpoint *sv, flow **ret) {
    int r;
    if (!c->buckets && !(c->buckets = calloc(N_BUCKETS, sizeof(*c->buckets))))
        return -ENOMEM;
    if (c->n_flows >= MS_CAPTURE_MAX_FLOWS) {
        flow *old = c->lru_head;
        /* the least recently seen; a limit only if it was still open */
        if (!old->rst && !(old->d[0].fin || old->d[1].fin))
            c->evicted_active++;
        if ((r = flow_end(c, old)) < 0)
            return r;
    }
    flow *f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->ep[0] = *cl;
    f->ep[1] = *sv;
    f->an.miner_dir = -1;
    f->an.budget = &c->buffered;
    f->an.budget_cap = MS_CAPTURE_MAX_BUFFERED;
    f->bucket = flow_bucket(c, cl, sv);
    f->hnext = c->buckets[f->bucket];
    c->buckets[f->bucket] = f;
    lru_append(c, f);
    c->n_flows++;
    *ret = f;
    return 0;
}

/* ---- packets ---- */

typedef struct pkt {
    endpoint src, dst;
    uint8_t proto;
    const uint8_t *l4;
    size_t l4_cap;  /* captured bytes of the layer-4 header and payload */
    size_t l4_wire; /* its length as the IP header says */
    int64_t ts;
    uint64_t off;   /* file offset of the packet's first byte */
    const uint8_t *base;
} pkt;

static unsigned be16(const uint8_t *p) {
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* IPv4 or IPv6 at p[0..n). 1 when pk has a TCP or UDP payload, 0 to skip. */
static int ip_layer(ms_capture *c, const uint8_t *p, size_t n, pkt *pk) {
    if (n < 1)
        return 0;
    if ((p[0] >> 4) == 4) {
        size_t ihl = (size_t)(p[0] & 15) * 4;
        if (n < 20 || ihl < 20 || ihl > n)
            return 0;
        size_t total = be16(p + 2);
        if (total < ihl)
            return 0;
        unsigned frag = be16(p + 6);
        if ((frag & 0x1fff) || (frag & 0x2000)) {
            c->fragments++;
            return 0;
        }
        pk->src.fam = pk->dst.fam = 4;
        memset(pk->src.addr, 0, 16);
        memset(pk->dst.addr, 0, 16);
        memcpy(pk->src.addr, p + 12, 4);
        memcpy(pk->dst.addr, p + 16, 4);
        pk->proto = p[9];
        pk->l4 = p + ihl;
        pk->l4_wire = total - ihl;
        /* Ethernet pads short frames: the IP length bounds the payload */
        pk->l4_cap = n - ihl < pk->l4_wire ? n - ihl : pk->l4_wire;
        return 1;
    }
    if ((p[0] >> 4) == 6) {
        if (n < 40)
            return 0;
        size_t plen = be16(p + 4), i = 40;
        uint8_t nh = p[6];
        for (unsigned k = 0; k < 8; k++) {
            if (nh == 0 || nh == 43 || nh == 60 || nh == 51) {
                if (i + 8 > n)
                    return 0;
                size_t l = nh == 51 ? ((size_t)p[i + 1] + 2) * 4 : ((size_t)p[i + 1] + 1) * 8;
                nh = p[i];
                i += l;
                continue;
            }
            if (nh == 44) {
                if (i + 8 > n)
                    return 0;
                if ((be16(p + i + 2) & 0xfff9) != 0) {
                    c->fragments++;
                    return 0;
                }
                nh = p[i];
                i += 8;
                continue;
            }
            break;
        }
        if (i > n || i - 40 > plen)
            return 0;
        pk->src.fam = pk->dst.fam = 6;
        memcpy(pk->src.addr, p + 8, 16);
        memcpy(pk->dst.addr, p + 24, 16);
        pk->proto = nh;
        pk->l4 = p + i;
        pk->l4_wire = plen - (i - 40);
        pk->l4_cap = n - i < pk->l4_wire ? n - i : pk->l4_wire;
        return 1;
    }
    return 0;
}

static bool link_supported(int dlt) {
    return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2 || dlt == DLT_RAW ||
           dlt == 12 || dlt == 14 || dlt == 101 || dlt == DLT_IPV4 || dlt == DLT_IPV6 ||
           dlt == DLT_NULL || dlt == DLT_LOOP;
}

/* The IP header in a frame of link type dlt; NULL to skip. */
static const uint8_t *link_layer(int dlt, const uint8_t *p, size_t n, size_t *ret_n) {
    size_t i = 0;
    unsigned type;
    switch (dlt) {
    case DLT_EN10MB:
        if (n < 14)
            return NULL;
        type = be16(p + 12);
        i = 14;
        for (int k = 0; k < 2 && (type == 0x8100 || type == 0x88a8 || type == 0x9100); k++) {
            if (n < i + 4)
                return NULL;
            type = be16(p + i + 2);
            i += 4;
        }
        if (type != 0x0800 && type != 0x86dd)
            return NULL;
        break;
    case DLT_LINUX_SLL:
        if (n < 16)
            return NULL;
        type = be16(p + 14);
        if (type != 0x0800 && type != 0x86dd)
            return NULL;
        i = 16;
        break;
    case DLT_LINUX_SLL2:
        if (n < 20)
            return NULL;
        type = be16(p);
        if (type != 0x0800 && type != 0x86dd)
            return NULL;
        i = 20;
        break;
    case DLT_NULL:
    case DLT_LOOP:
        /* the family's value differs by system and byte order; the IP
         * version nibble says what follows */
        if (n < 4)
            return NULL;
        i = 4;
        break;
    default: /* raw IP */
        break;
    }
    *ret_n = n - i;
    return p + i;
}

static int tcp_packet(ms_capture *c, pkt *pk) {
    const uint8_t *t = pk->l4;
    if (pk->l4_cap < 20)
        return 0;
    size_t doff = (size_t)(t[12] >> 4) * 4;
    if (doff < 20 || doff > pk->l4_cap || doff > pk->l4_wire)
        return 0;
    pk->src.port = (uint16_t)be16(t);
    pk->dst.port = (uint16_t)be16(t + 2);
    uint32_t seq = be32(t + 4);
    uint8_t flags = t[13];
    bool syn = flags & 0x02, ack = flags & 0x10, fin = flags & 0x01, rst = flags & 0x04;
    const uint8_t *pay = t + doff;
    size_t cap = pk->l4_cap - doff;
    size_t wire_sz = pk->l4_wire - doff;
    uint32_t wire = wire_sz > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)wire_sz;
    int dir = 0, r;

    flow *fl = flow_find(c, &pk->src, &pk->dst, &dir);
    if (fl && syn && !ack && fl->d[dir].have && fl->d[dir].next != seq + 1) {
        /* the 4-tuple used again for a new connection */
        if ((r = flow_end(c, fl)) < 0)
            return r;
        fl = NULL;
    }
    if (!fl) {
        if (!syn && wire == 0)
            return 0; /* an ACK or FIN of a flow already ended or never seen */
        const endpoint *cl = &pk->src, *sv = &pk->dst;
        if (syn && ack) {
            cl = &pk->dst;
            sv = &pk->src;
        } else if (!syn && pk->src.port < pk->dst.port) {
            cl = &pk->dst;
            sv = &pk->src;
        }
        if ((r = flow_new(c, cl, sv, &fl)) < 0)
            return r;
        dir = cl == &pk->src ? 0 : 1;
        fl->first_ts = fl->last_ts = pk->ts;
    }
    lru_unlink(c, fl);
    lru_append(c, fl);
    if (pk->ts < fl->first_ts)
        fl->first_ts = pk->ts;
    if (pk->ts > fl->last_ts)
        fl->last_ts = pk->ts;
    dirst *d = &fl->d[dir];
    if (syn) {
        if (!d->have || !d->data_seen) {
            d->have = true;
            d->next = seq + 1;
        }
        seq++;
    }
    if (wire) {
        uint64_t off = pk->off + (uint64_t)(pay - pk->base);
        if ((r = segment(c, fl, dir, seq, pay, cap, wire, off)) < 0)
            return r;
    }
    if (fin)
        d->fin = true;
    if (rst)
        fl->rst = true;
    if (fl->rst || (fl->d[0].fin && fl->d[1].fin))
        return flow_end(c, fl);
    return 0;
}

static int udp_packet(ms_capture *c, pkt *pk) {
    const uint8_t *u = pk->l4;
    if (pk->l4_cap < 8)
        return 0;
    pk->src.port = (uint16_t)be16(u);
    pk->dst.port = (uint16_t)be16(u + 2);
    if (pk->src.port != 53 && pk->dst.port != 53)
        return 0;
    size_t len = be16(u + 4);
    if (len < 8)
        return 0;
    len -= 8;
    if (len > pk->l4_cap - 8)
        len = pk->l4_cap - 8;
    return dns_message(c, u + 8, len, pk->off + (uint64_t)(u + 8 - pk->base), &pk->src, &pk->dst,
                       "udp", pk->ts);
}

/* Where in the file the packet data[0..caplen) that libpcap returned lies:
 * just before the FILE position for pcap, inside the block for pcapng. */
static uint64_t packet_offset(ms_capture *c, FILE *fp, const uint8_t *data, size_t caplen) {
    long pos = ftell(fp);
    size_t end = pos < 0 || (size_t)pos > c->file_len ? c->file_len : (size_t)pos;
    size_t lo = c->prev_end <= end ? c->prev_end : end;
    uint64_t found = lo;
    c->prev_end = end;
    if (caplen == 0 || caplen > end - lo)
        return found;
    /* pcap: the data ends at the position. Both ends are compared, not the
     * whole packet: a wrong guess is only a wrong offset, and comparing
     * every byte cost a third of the reader's time on bulk traffic */
    size_t w = caplen < 16 ? caplen : 16;
    if (!memcmp(c->file + end - caplen, data, w) && !memcmp(c->file + end - w, data + caplen - w, w))
        return end - caplen;
    /* an Enhanced Packet Block's data is 28 bytes in, a Simple one's 16 */
    static const size_t hdr[] = {28, 16};
    for (size_t k = 0; k < 2; k++)
        if (lo + hdr[k] + caplen <= end && !memcmp(c->file + lo + hdr[k], data, caplen))
            return lo + hdr[k];
    size_t limit = end - caplen;
    if (limit - lo > (64u << 10))
        limit = lo + (64u << 10);
    for (size_t i = lo; i <= limit; i++)
        if (c->file[i] == data[0] && !memcmp(c->file + i, data, caplen))
            return i;
    return found;
}

static void reset(ms_capture *c) {
    flows_drop_all(c);
    map_clear(c);
    c->buffered = 0;
    c->packets = c->evicted_active = c->fragments = 0;
    c->budget_hit = c->packets_hit = false;
    c->prev_end = 0;
    if (getrandom(&c->seed, sizeof(c->seed), GRND_NONBLOCK) != (ssize_t)sizeof(c->seed))
        c->seed = (uint64_t)(uintptr_t)c ^ 0x9e3779b97f4a7c15ULL;
}

int ms_capture_analyse(ms_capture *c, const uint8_t *d, size_t n, ms_verdict *v) {
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = NULL;
    FILE *fp = NULL;
    int r = 0, status = 0;
    char *why = NULL;

    reset(c);
    c->v = v;
    c->file = d;
    c->file_len = n;
    if (n == 0)
        return MS_E_CORRUPT;
    /* fmemopen reads; "r" never writes through the pointer */
    if (!(fp = fmemopen((void *)d, n, "r")))
        return -errno ? -errno : -ENOMEM;
    p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p) {
        fclose(fp);
        status = MS_E_CORRUPT;
        ms_verdict_set_reason(v, "capture: %s", *errbuf ? errbuf : "not a capture libpcap reads");
        v->incomplete = true;
        return status;
    }
    int dlt = pcap_datalink(p);
    if (!link_supported(dlt)) {
        const char *name = pcap_datalink_val_to_name(dlt);
        ms_verdict_set_reason(v, "capture: link type %s (%d) is not decoded", name ? name : "?", dlt);
        v->incomplete = true;
        status = MS_E_UNSUPPORTED;
        goto out;
    }
    for (;;) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int k = pcap_next_ex(p, &h, &data);
        if (k == PCAP_ERROR_BREAK)
            break;
        if (k != 1) {
            const char *e = pcap_geterr(p);
            if (asprintf(&why, "capture cut short or corrupt after %llu packets: %s",
                         (unsigned long long)c->packets, e && *e ? e : "read error") < 0)
                why = NULL;
            status = MS_E_CORRUPT;
            break;
        }
        if (++c->packets > MS_CAPTURE_MAX_PACKETS) {
            c->packets_hit = true;
            break;
        }
        pkt pk = {.base = data};
        /* a pcapng time stamp can be past what int64 nanoseconds hold */
        if (__builtin_mul_overflow((int64_t)h->ts.tv_sec, (int64_t)1000000000, &pk.ts) ||
            __builtin_add_overflow(pk.ts, (int64_t)h->ts.tv_usec, &pk.ts))
            pk.ts = h->ts.tv_sec < 0 ? INT64_MIN : INT64_MAX;
        pk.off = packet_offset(c, fp, data, h->caplen);
        size_t ln = 0;
        const uint8_t *ip = link_layer(dlt, data, h->caplen, &ln);
        if (!ip || ip_layer(c, ip, ln, &pk) != 1)
            continue;
        if (pk.proto == 6)
            r = tcp_packet(c, &pk);
        else if (pk.proto == 17)
            r = udp_packet(c, &pk);
        if (r < 0)
            goto out;
    }
    /* the flows still open at the end, in the order they were last seen */
    while (c->lru_head)
        if ((r = flow_end(c, c->lru_head)) < 0)
            goto out;
    for (size_t i = 0; i < c->n_dns; i++)
        ms_flows_add(&v->iocs, &c->dns[i]);
    if (status == MS_E_CORRUPT) {
        ms_verdict_set_reason(v, "%s", why ? why : "capture cut short or corrupt");
        v->incomplete = true;
    } else if (c->packets_hit || c->budget_hit || c->evicted_active) {
        status = MS_E_LIMIT;
        if (c->packets_hit)
            ms_verdict_set_reason(v, "limit: more than %llu packets in one capture",
                                  (unsigned long long)MS_CAPTURE_MAX_PACKETS);
        else if (c->budget_hit)
            ms_verdict_set_reason(v, "limit: more than %llu MiB of stream data buffered at once",
                                  (unsigned long long)(MS_CAPTURE_MAX_BUFFERED >> 20));
        else
            ms_verdict_set_reason(v, "limit: more than %u TCP flows open at once (%llu cut)",
                                  MS_CAPTURE_MAX_FLOWS, (unsigned long long)c->evicted_active);
        v->incomplete = true;
    }
out:
    free(why);
    pcap_close(p);
    flows_drop_all(c);
    map_clear(c);
    c->v = NULL;
    return r < 0 ? r : status;
}
