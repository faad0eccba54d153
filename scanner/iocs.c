/*
 * iocs.c - indicators of compromise (issue 4): pools, wallets found in a
 * buffer, miner configuration; and the ms_iocs container.
 *
 * The input is hostile: any bytes, any size. Every scanner here walks the
 * buffer once or a bounded number of times, looks at most a fixed window
 * around a hit, copies at most a fixed number of bytes into stack buffers
 * and allocates only through ms_iocs_add_* (capped at MS_MAX_IOCS) and the
 * base64 decode buffer (capped at MS_BASE64_MAX_BYTES).
 *
 * Wallets are validated before they are reported, because an analyst hands
 * them on: Monero with its Keccak-256 checksum (Keccak written here: OpenSSL
 * 3.0 has SHA3 but not the original Keccak padding Monero uses), Bitcoin
 * base58check with double SHA-256 (OpenSSL EVP), bech32/bech32m per BIP173
 * and BIP350, Ethereum only next to a mining word, EIP-55 checked.
 */
#include "iocs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "alloc.h"
#include "capture.h"
#include "bytes.h"
#include "ms_limits.h"
#include "wallet.h"

/* Longest token, value or host we copy out; longer ones are not IOCs. */
#define MAX_TOKEN 512
/* How far around an Ethereum address we look for a mining word. */
#define ETH_CONTEXT 256
/* How far after "pools" an xmrig config keeps its first pool. */
#define POOLS_WINDOW (64u * 1024u)

/* ---- small helpers ---- */

static bool host_char(uint8_t c) {
    return ms_is_alnum(c) || c == '.' || c == '-' || c == '_';
}

/* Case-insensitive search of needle (lower case) in d[from, to). */
static const uint8_t *find_ci(const uint8_t *d, size_t from, size_t to, const char *needle) {
    size_t n = strlen(needle);
    if (n == 0 || to < n || from > to - n)
        return NULL;
    for (size_t i = from; i + n <= to; i++) {
        if (ms_lower(d[i]) != (uint8_t)needle[0])
            continue;
        size_t k = 1;
        while (k < n && ms_lower(d[i + k]) == (uint8_t)needle[k])
            k++;
        if (k == n)
            return d + i;
    }
    return NULL;
}

/* Case-sensitive search (memmem is GNU, and we build with _GNU_SOURCE). */
static const uint8_t *find_cs(const uint8_t *d, size_t from, size_t to, const char *needle) {
    size_t n = strlen(needle);
    if (from >= to)
        return NULL;
    return memmem(d + from, to - from, needle, n);
}

/* ---- wallets in a buffer ---- */

static const char *const mining_words[] = {
    "stratum", "ethash", "etchash", "eth_submitlogin", "wallet", "pool", "miner", "mining",
    "--user", "\"user\"", "-u ", "ethermine", "nanopool", "2miners", "nicehash", "hashrate", NULL,
};

/* A mining word starts at d[i] and ends by d[to]. */
static bool mining_word_at(const uint8_t *d, size_t i, size_t to) {
    /* the first letters of the words: most bytes are none of them */
    if (!memchr("sewpm-\"n2h", ms_lower(d[i]), 10))
        return false;
    for (const char *const *w = mining_words; *w; w++) {
        size_t n = strlen(*w);
        if (ms_lower(d[i]) != (uint8_t)(*w)[0] || n > to - i)
            continue;
        size_t k = 1;
        while (k < n && ms_lower(d[i + k]) == (uint8_t)(*w)[k])
            k++;
        if (k == n)
            return true;
    }
    return false;
}

#define MINING_WORD_MAX 15 /* strlen("eth_submitlogin") */

/* What the context search of one buffer has seen. Candidates come in
 * order, so their windows only move right: each byte is looked at about
 * once, however many addresses sit close together (a window per candidate,
 * searched afresh, cost 30x the rest of the extraction on a dense list). */
typedef struct context_scan {
    size_t done;   /* positions below this have been looked at */
    size_t hit;    /* where the rightmost mining word seen starts */
    bool have_hit;
} context_scan;

/* A mining word within ETH_CONTEXT bytes of d[pos, pos+len). */
static bool mining_context(const uint8_t *d, size_t size, size_t pos, size_t len, context_scan *c) {
    size_t from = pos > ETH_CONTEXT ? pos - ETH_CONTEXT : 0;
    size_t to = pos + len + ETH_CONTEXT < size ? pos + len + ETH_CONTEXT : size;
    if (c->have_hit && c->hit >= from)
        return true;
    /* a word may have been cut short by the last window's end: look again there */
    size_t start = c->done > from + MINING_WORD_MAX ? c->done - MINING_WORD_MAX : from;
    for (size_t i = start; i < to; i++)
        if (mining_word_at(d, i, to)) {
            c->hit = i;
            c->have_hit = true;
        }
    if (to > c->done)
        c->done = to;
    return c->have_hit && c->hit >= from;
}

static void add_wallet_run(const uint8_t *d, size_t size, size_t pos, size_t len, context_scan *ctx,
                          ms_iocs *io) {
    char buf[128];
    const char *coin = NULL;
    const char *s = (const char *)d + pos;
    if (len < 14 || len >= sizeof(buf))
        return;
    if ((len == 95 || len == 106) && ms_wallet_valid_xmr(s, len))
        coin = "xmr";
    else if (len >= 26 && len <= 35 && (s[0] == '1' || s[0] == '3') && ms_wallet_valid_btc_base58(s, len))
        coin = "btc";
    else if (len <= 90 && (s[0] == 'b' || s[0] == 'B') && ms_wallet_valid_bech32(s, len))
        coin = "btc";
    else if (len == 42 && ms_wallet_valid_eth(s, len) && mining_context(d, size, pos, len, ctx))
        coin = "eth";
    if (!coin)
        return;
    memcpy(buf, s, len);
    buf[len] = '\0';
    ms_iocs_add_wallet(io, coin, buf);
}

static void scan_wallets(const uint8_t *d, size_t size, ms_iocs *io) {
    context_scan ctx = {0};
    size_t i = 0;
    while (i < size && io->n_wallets < MS_MAX_IOCS) {
        if (!ms_is_alnum(d[i])) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < size && ms_is_alnum(d[i]))
            i++;
        add_wallet_run(d, size, start, i - start, &ctx, io);
    }
}

/* ---- pools ---- */

static bool valid_host(const char *h, size_t n) {
    bool letter = false, dot = false;
    if (n == 0 || n > 253 || h[0] == '.' || h[0] == '-' || h[n - 1] == '.' || h[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)h[i];
        if (!host_char(c))
            return false;
        letter |= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        dot |= c == '.';
        if (c == '.' && i + 1 < n && h[i + 1] == '.')
            return false;
    }
    return dot || letter;
}

static bool valid_port(const char *p, size_t n) {
    if (n == 0 || n > 5)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ms_is_digit((uint8_t)p[i]))
            return false;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    return v > 0 && v <= 65535;
}

/* Parse "host:port" (the whole of v). Writes lower-case host:port to out. */
static bool parse_hostport(const char *v, size_t n, char *out, size_t cap) {
    const char *colon = memchr(v, ':', n);
    if (!colon)
        return false;
    size_t hl = (size_t)(colon - v), pl = n - hl - 1;
    if (!valid_host(v, hl) || !valid_port(colon + 1, pl) || hl + pl + 2 > cap)
        return false;
    for (size_t i = 0; i < hl; i++)
        out[i] = (char)ms_lower((uint8_t)v[i]);
    out[hl] = ':';
    memcpy(out + hl + 1, colon + 1, pl);
    out[hl + 1 + pl] = '\0';
    return true;
}

/* Parse a stratum URL at d[pos] (pos points at "stratum", any case).
 * Writes scheme://host[:port] to out, *ret_len = bytes consumed, *ret_tls.
 * The user part ("wallet.worker:pass@") is dropped from the pool. */
static bool parse_stratum_url(const uint8_t *d, size_t size, size_t pos, char *out, size_t cap,
                              size_t *ret_len, int *ret_tls) {
    char scheme[24];
    size_t i = pos, sl = 0;
    while (i < size && sl < sizeof(scheme) - 1 && (ms_is_alnum(d[i]) || d[i] == '+')) {
        scheme[sl++] = (char)ms_lower(d[i]);
        i++;
    }
    scheme[sl] = '\0';
    if (i + 3 > size || memcmp(d + i, "://", 3) != 0)
        return false;
    static const char *const schemes[] = {
        "stratum",        "stratums",       "stratumss",       "stratum+tcp",  "stratum+ssl",
        "stratum+tls",    "stratum+tls12",  "stratum1+tcp",    "stratum1+ssl", "stratum1+tls",
        "stratum1+tls12", "stratum2+tcp",   "stratum2+ssl",    "stratum2+tls", "stratum2+tls12",
        NULL,
    };
    bool known = false;
    for (const char *const *s = schemes; *s; s++)
        known |= !strcmp(scheme, *s);
    if (!known)
        return false;
    i += 3;
    /* authority: up to '/', whitespace, quote or a control byte */
    size_t a0 = i;
    while (i < size && i - a0 < MAX_TOKEN && d[i] > ' ' && d[i] < 127 && d[i] != '/' && d[i] != '"' &&
           d[i] != '\'' && d[i] != '<' && d[i] != '>' && d[i] != '\\')
        i++;
    size_t a1 = i, h0 = a0;
    for (size_t k = a0; k < a1; k++)
        if (d[k] == '@')
            h0 = k + 1;
    size_t h1 = h0;
    while (h1 < a1 && host_char(d[h1]))
        h1++;
    if (!valid_host((const char *)d + h0, h1 - h0))
        return false;
    size_t p0 = h1, p1 = h1;
    if (p0 < a1 && d[p0] == ':') {
        p0++;
        p1 = p0;
        while (p1 < a1 && ms_is_digit(d[p1]))
            p1++;
        if (!valid_port((const char *)d + p0, p1 - p0))
            p0 = p1 = h1;
    }
    int n = snprintf(out, cap, "%s://", scheme);
    if (n < 0 || (size_t)n + (h1 - h0) + (p1 - p0) + 2 > cap)
        return false;
    for (size_t k = h0; k < h1; k++)
        out[n++] = (char)ms_lower(d[k]);
    if (p1 > p0) {
        out[n++] = ':';
        memcpy(out + n, d + p0, p1 - p0);
        n += (int)(p1 - p0);
    }
    out[n] = '\0';
    *ret_len = a1 - pos;
    *ret_tls = (strstr(scheme, "ssl") || strstr(scheme, "tls") || !strcmp(scheme, "stratums") ||
                !strcmp(scheme, "stratumss"))
                   ? 1
                   : 0;
    return true;
}

/* Every stratum URL in the buffer. A URL seen here says nothing of the
 * miner's TLS setting (a binary holds its donate pools too); only a pool
 * given to -o or a config "url" does. */
static void scan_stratum_urls(const uint8_t *d, size_t size, ms_iocs *io) {
    size_t i = 0;
    char url[MAX_TOKEN + 32];
    while (io->n_pools < MS_MAX_IOCS) {
        const uint8_t *p = find_ci(d, i, size, "stratum");
        if (!p)
            break;
        size_t pos = (size_t)(p - d), used = 0;
        int tls = -1;
        if (pos > 0 && ms_is_alnum(d[pos - 1])) {
            i = pos + 7;
            continue;
        }
        if (parse_stratum_url(d, size, pos, url, sizeof(url), &used, &tls)) {
            ms_iocs_add_pool(io, url);
            i = pos + used;
        } else {
            i = pos + 7;
        }
    }
}

/* host:port with a usual pool port and a mining word in the host name. */
static void scan_pool_ports(const uint8_t *d, size_t size, ms_iocs *io) {
    static const char *const ports[] = {"3333", "3334", "4444", "5555", "7777", "14433",
                                        "14444", "10128", "20128", "45560", "45700", NULL};
    static const char *const words[] = {"pool", "xmr", "mine", "mining", "hash", "monero",
                                        "stratum", "coin", NULL};
    char hp[300];
    for (size_t i = 1; i + 1 < size && io->n_pools < MS_MAX_IOCS; i++) {
        if (d[i] != ':' || !ms_is_digit(d[i + 1]) || !host_char(d[i - 1]))
            continue;
        size_t p1 = i + 1;
        while (p1 < size && p1 - i <= 6 && ms_is_digit(d[p1]))
            p1++;
        if (p1 < size && (ms_is_alnum(d[p1]) || d[p1] == '.'))
            continue;
        bool usual = false;
        for (const char *const *p = ports; *p; p++)
            usual |= strlen(*p) == p1 - i - 1 && !memcmp(d + i + 1, *p, p1 - i - 1);
        if (!usual)
            continue;
        size_t h0 = i;
        while (h0 > 0 && i - h0 < 253 && host_char(d[h0 - 1]))
            h0--;
        /* part of a URL: the URL scanner reports it with its scheme */
        if (h0 > 0 && (d[h0 - 1] == '/' || d[h0 - 1] == '@'))
            continue;
        if (!parse_hostport((const char *)d + h0, p1 - h0, hp, sizeof(hp)))
            continue;
        bool mining = false;
        for (const char *const *w = words; *w && !mining; w++)
            mining = strstr(hp, *w) != NULL;
        if (!mining || !strchr(hp, '.'))
            continue;
        ms_iocs_add_pool(io, hp);
    }
}

/* A pool given as a config value or an -o argument: a stratum URL or
 * host:port. Adds it and returns 1, 0 when v is not a pool. */
static int add_pool_value(const char *v, size_t n, ms_iocs *io, int *tls) {
    char out[MAX_TOKEN + 32];
    size_t used = 0;
    int t = -1;
    if (n >= 7 && !strncasecmp(v, "stratum", 7)) {
        if (!parse_stratum_url((const uint8_t *)v, n, 0, out, sizeof(out), &used, &t))
            return 0;
        if (tls && *tls < 0)
            *tls = t;
    } else if (!parse_hostport(v, n, out, sizeof(out))) {
        return 0;
    }
    ms_iocs_add_pool(io, out);
    return 1;
}

/* ---- configuration: JSON ---- */

static void set_str(char **dst, const char *v, size_t n) {
    if (!*dst && n > 0)
        *dst = ms_xmemdup0(v, n);
}

typedef enum { JV_NONE, JV_STRING, JV_NUMBER, JV_TRUE, JV_FALSE, JV_NULL, JV_OTHER } jv_type;

/* Find "key" : value in d[from, to) and decode a scalar value into buf
 * (strings unescaped for \" \\ \/, capped at cap-1 bytes). Returns the
 * type and sets *ret_end past the value; JV_NONE when the key is absent.
 * This is a key finder, not a JSON parser: configs are small and often
 * not quite JSON (xmr-stak's have comments), so structure is not checked. */
static jv_type json_value(const uint8_t *d, size_t from, size_t to, const char *key, char *buf,
                          size_t cap, size_t *ret_len, size_t *ret_end) {
    char pat[64];
    int pn = snprintf(pat, sizeof(pat), "\"%s\"", key);
    if (pn < 0 || (size_t)pn >= sizeof(pat))
        return JV_NONE;
    size_t i = from;
    for (;;) {
        const uint8_t *p = find_cs(d, i, to, pat);
        if (!p)
            return JV_NONE;
        size_t k = (size_t)(p - d) + (size_t)pn;
        i = k;
        while (k < to && (d[k] == ' ' || d[k] == '\t' || d[k] == '\r' || d[k] == '\n'))
            k++;
        if (k >= to || d[k] != ':')
            continue;
        k++;
        while (k < to && (d[k] == ' ' || d[k] == '\t' || d[k] == '\r' || d[k] == '\n'))
            k++;
        if (k >= to)
            return JV_NONE;
        size_t n = 0;
        jv_type t;
        if (d[k] == '"') {
            k++;
            while (k < to && d[k] != '"') {
                uint8_t c = d[k++];
                if (c == '\\' && k < to) {
                    c = d[k++];
                    if (c != '"' && c != '\\' && c != '/')
                        c = '?';
                }
                if (c < ' ')
                    break;
                if (n + 1 < cap)
                    buf[n++] = (char)c;
            }
            if (k >= to || d[k] != '"')
                continue;
            k++;
            t = JV_STRING;
        } else if (ms_is_digit(d[k]) || d[k] == '-') {
            while (k < to && (ms_is_digit(d[k]) || d[k] == '-' || d[k] == '.') && n + 1 < cap)
                buf[n++] = (char)d[k++];
            t = JV_NUMBER;
        } else if (to - k >= 4 && !memcmp(d + k, "true", 4)) {
            k += 4;
            t = JV_TRUE;
        } else if (to - k >= 5 && !memcmp(d + k, "false", 5)) {
            k += 5;
            t = JV_FALSE;
        } else if (to - k >= 4 && !memcmp(d + k, "null", 4)) {
            k += 4;
            t = JV_NULL;
        } else {
            t = JV_OTHER;
        }
        if (cap)
            buf[n < cap ? n : cap - 1] = '\0';
        *ret_len = n;
        *ret_end = k;
        return t;
    }
}

/* First key in [from,to) whose value has the wanted type (skips "algo": null). */
static jv_type json_find(const uint8_t *d, size_t from, size_t to, const char *key, jv_type want,
                         char *buf, size_t cap, size_t *ret_len) {
    size_t i = from, end = 0;
    for (int guard = 0; guard < 64; guard++) {
        jv_type t = json_value(d, i, to, key, buf, cap, ret_len, &end);
        if (t == JV_NONE)
            return JV_NONE;
        if (t == want || (want == JV_TRUE && t == JV_FALSE))
            return t;
        i = end;
    }
    return JV_NONE;
}

static void parse_json_config(const uint8_t *d, size_t size, ms_iocs *io, int *tls) {
    char v[MAX_TOKEN];
    size_t n = 0;
    ms_miner_config *c = &io->config;

    /* xmrig: "pools": [ { "url", "user", "pass", "tls", "algo", "coin" } ] */
    const uint8_t *pools = find_cs(d, 0, size, "\"pools\"");
    if (pools) {
        size_t from = (size_t)(pools - d);
        size_t to = size - from > POOLS_WINDOW ? from + POOLS_WINDOW : size;
        if (json_find(d, from, to, "url", JV_STRING, v, sizeof(v), &n) == JV_STRING)
            add_pool_value(v, n, io, tls);
        if (json_find(d, from, to, "user", JV_STRING, v, sizeof(v), &n) == JV_STRING)
            set_str(&c->user, v, n);
        if (json_find(d, from, to, "pass", JV_STRING, v, sizeof(v), &n) == JV_STRING)
            set_str(&c->pass, v, n);
        jv_type t = json_find(d, from, to, "tls", JV_TRUE, v, sizeof(v), &n);
        if (c->tls < 0 && (t == JV_TRUE || t == JV_FALSE))
            c->tls = t == JV_TRUE;
        if (json_find(d, from, to, "algo", JV_STRING, v, sizeof(v), &n) == JV_STRING)
            set_str(&c->algo, v, n);
        if (json_find(d, from, to, "coin", JV_STRING, v, sizeof(v), &n) == JV_STRING)
            set_str(&c->algo, v, n);
    }
    if (c->donate_level < 0 && json_find(d, 0, size, "donate-level", JV_NUMBER, v, sizeof(v), &n) == JV_NUMBER) {
        long dl = strtol(v, NULL, 10);
        if (dl >= 0 && dl <= 100)
            c->donate_level = (int)dl;
    }
    if (pools || c->donate_level >= 0) {
        if (json_find(d, 0, size, "algo", JV_STRING, v, sizeof(v), &n) == JV_STRING)
            set_str(&c->algo, v, n);
        if (json_find(d, 0, size, "coin", JV_STRING, v, sizeof(v), &n) == JV_STRING)
            set_str(&c->algo, v, n);
    }

    /* xmr-stak pools.txt: pool_address, wallet_address, pool_password, use_tls, currency */
    if (json_find(d, 0, size, "pool_address", JV_STRING, v, sizeof(v), &n) == JV_STRING) {
        add_pool_value(v, n, io, tls);
        if (json_find(d, 0, size, "wallet_address", JV_STRING, v, sizeof(v), &n) == JV_STRING)
            set_str(&c->user, v, n);
        if (json_find(d, 0, size, "pool_password", JV_STRING, v, sizeof(v), &n) == JV_STRING)
            set_str(&c->pass, v, n);
        jv_type t = json_find(d, 0, size, "use_tls", JV_TRUE, v, sizeof(v), &n);
        if (c->tls < 0 && (t == JV_TRUE || t == JV_FALSE))
            c->tls = t == JV_TRUE;
        if (json_find(d, 0, size, "currency", JV_STRING, v, sizeof(v), &n) == JV_STRING)
            set_str(&c->algo, v, n);
    }
}

/* ---- configuration: command lines ---- */

typedef struct {
    size_t off, len;
} token;

/* Tokens are separated by whitespace, quotes, commas, brackets and shell
 * punctuation, so `xmrig -o h:1 -u W`, a Python ["-o", "h:1"] list and a
 * systemd ExecStart= line all read the same. */
static bool tok_sep(uint8_t c) {
    return c <= ' ' || c >= 127 || c == '"' || c == '\'' || c == ',' || c == '[' || c == ']' ||
           c == '(' || c == ')' || c == '`' || c == '\\' || c == ';' || c == '|' || c == '&' ||
           c == '{' || c == '}';
}

static bool tok_is(const uint8_t *d, token t, const char *s) {
    size_t n = strlen(s);
    return t.len == n && !memcmp(d + t.off, s, n);
}

/* "--opt=value": value of a long option given with '=' */
static bool tok_eq(const uint8_t *d, token t, const char *opt, token *val) {
    size_t n = strlen(opt);
    if (t.len <= n + 1 || memcmp(d + t.off, opt, n) != 0 || d[t.off + n] != '=')
        return false;
    val->off = t.off + n + 1;
    val->len = t.len - n - 1;
    return true;
}

static bool plain_value(const uint8_t *d, token v, size_t max) {
    if (v.len == 0 || v.len > max || d[v.off] == '-' || d[v.off] == '$')
        return false;
    for (size_t i = 0; i < v.len; i++)
        if (d[v.off + i] < ' ' || d[v.off + i] >= 127)
            return false;
    return true;
}

/* Apply one option of a miner command line; *i may advance past its value. */
static void apply_option(const uint8_t *d, const token *tk, size_t nt, size_t *i, ms_iocs *io, int *tls) {
    ms_miner_config *c = &io->config;
    token t = tk[*i], v = {0, 0};
    bool has = false;
    enum { O_NONE, O_USER, O_PASS, O_ALGO, O_DONATE, O_TLS } kind = O_NONE;
    static const struct {
        const char *s, *l;
        int kind;
    } opts[] = {
        {"-u", "--user", O_USER},          {"-p", "--pass", O_PASS},
        {"-a", "--algo", O_ALGO},          {NULL, "--coin", O_ALGO},
        {NULL, "--donate-level", O_DONATE}, {NULL, "--tls", O_TLS},
    };
    for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]) && kind == O_NONE; k++) {
        if ((opts[k].s && tok_is(d, t, opts[k].s)) || tok_is(d, t, opts[k].l)) {
            kind = opts[k].kind;
            if (kind != O_TLS && *i + 1 < nt) {
                v = tk[*i + 1];
                has = true;
            }
        } else if (tok_eq(d, t, opts[k].l, &v)) {
            kind = opts[k].kind;
            has = kind != O_TLS;
        }
    }
    if (kind == O_TLS) {
        if (c->tls < 0) /* an explicit flag beats the URL scheme */
            c->tls = 1;
        return;
    }
    if (kind == O_NONE || !has)
        return;
    if (v.off >= t.off + t.len) /* the value was the next token: skip it */
        (*i)++;
    const char *s = (const char *)d + v.off;
    switch (kind) {
    case O_USER:
        if (plain_value(d, v, 256))
            set_str(&c->user, s, v.len);
        return;
    case O_PASS:
        if (plain_value(d, v, 128))
            set_str(&c->pass, s, v.len);
        return;
    case O_ALGO:
        if (plain_value(d, v, 32))
            set_str(&c->algo, s, v.len);
        return;
    case O_DONATE:
        if (c->donate_level < 0 && v.len >= 1 && v.len <= 3) {
            int dl = 0;
            for (size_t k = 0; k < v.len; k++) {
                if (!ms_is_digit(d[v.off + k]))
                    return;
                dl = dl * 10 + (d[v.off + k] - '0');
            }
            if (dl <= 100)
                c->donate_level = dl;
        }
        return;
    default:
        return;
    }
}

#define CMD_RING 64      /* tokens remembered before a pool option */
#define CMD_BEFORE 24    /* of which this many are read as options */
#define CMD_AFTER 48     /* tokens after a pool option read as options */

/* Miner command lines: a -o/--url (or -P for ethminer) whose value is a
 * pool opens a window of tokens around it in which -u/-p/-a/--algo/--coin/
 * --donate-level/--tls are read. Elsewhere, "-p" and "-o" mean anything. */
static void parse_cmdlines(const uint8_t *d, size_t size, ms_iocs *io, int *tls) {
    token ring[CMD_RING];
    size_t nring = 0, after = 0, i = 0, cmd_start = 0;
    while (i < size) {
        /* A command ends at ';', '|', '&' or a newline that does not
         * continue it (a trailing '\\', ',' or an open '[' / '('): options
         * of the previous command (mkdir -p) are not the miner's. */
        bool boundary = false;
        uint8_t last = 0;
        while (i < size && tok_sep(d[i])) {
            uint8_t c = d[i];
            if (c == ';' || c == '|' || c == '&')
                boundary = true;
            else if (c == '\n' && last != '\\' && last != ',' && last != '[' && last != '(')
                boundary = true;
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '"' && c != '\'')
                last = c;
            i++;
        }
        if (boundary) {
            cmd_start = nring;
            after = 0;
        }
        if (i >= size)
            break;
        size_t s = i;
        while (i < size && !tok_sep(d[i]))
            i++;
        token t = {s, i - s};
        if (t.len > MAX_TOKEN)
            continue;
        ring[nring % CMD_RING] = t;
        nring++;

        /* is the previous token -o/--url/-P and this one a pool? */
        bool opened = false;
        token v;
        if (nring >= 2) {
            token prev = ring[(nring - 2) % CMD_RING];
            if (tok_is(d, prev, "-o") || tok_is(d, prev, "--url") || tok_is(d, prev, "-P")) {
                opened = add_pool_value((const char *)d + t.off, t.len, io, tls) == 1;
            }
        }
        if (!opened && tok_eq(d, t, "--url", &v)) {
            opened = add_pool_value((const char *)d + v.off, v.len, io, tls) == 1;
        }
        if (opened) {
            /* read the options before the pool, then keep reading after it */
            size_t first = nring > CMD_BEFORE ? nring - CMD_BEFORE : 0;
            if (first < cmd_start)
                first = cmd_start;
            token win[CMD_BEFORE];
            size_t nw = 0;
            for (size_t k = first; k < nring; k++)
                win[nw++] = ring[k % CMD_RING];
            for (size_t k = 0; k < nw; k++)
                apply_option(d, win, nw, &k, io, tls);
            after = CMD_AFTER;
            continue;
        }
        if (after > 0) {
            after--;
            /* options take their value from the next token: peek it */
            size_t j = i;
            while (j < size && tok_sep(d[j]))
                j++;
            size_t e = j;
            while (e < size && !tok_sep(d[e]) && e - j <= MAX_TOKEN)
                e++;
            token pair[2] = {t, {j, e - j}};
            size_t k = 0, np = e > j ? 2 : 1;
            apply_option(d, pair, np, &k, io, tls);
        }
    }
}

/* ---- the extractor ---- */

void ms_iocs_extract(const uint8_t *data, size_t size, ms_iocs *io) {
    int url_tls = -1;
    if (!data || size == 0)
        return;
    parse_json_config(data, size, io, &url_tls);
    parse_cmdlines(data, size, io, &url_tls);
    scan_stratum_urls(data, size, io);
    scan_pool_ports(data, size, io);
    scan_wallets(data, size, io);
    /* no explicit tls setting: the scheme of the configured pool tells */
    if (io->config.tls < 0 && url_tls >= 0)
        io->config.tls = url_tls;
}

/* ---- the container ---- */

void ms_iocs_init(ms_iocs *i) {
    memset(i, 0, sizeof(*i));
    i->config.donate_level = -1;
    i->config.tls = -1;
}

void ms_iocs_clear(ms_iocs *i) {
    if (!i)
        return;
    for (size_t k = 0; k < i->n_pools; k++)
        free(i->pools[k]);
    free(i->pools);
    for (size_t k = 0; k < i->n_wallets; k++) {
        free(i->wallets[k].coin);
        free(i->wallets[k].address);
    }
    free(i->wallets);
    free(i->config.algo);
    free(i->config.user);
    free(i->config.pass);
    ms_flows_clear(i); /* capture flows (capture.c) */
    ms_iocs_init(i);
}

void ms_iocs_add_pool(ms_iocs *i, const char *pool) {
    for (size_t k = 0; k < i->n_pools; k++)
        if (!strcmp(i->pools[k], pool))
            return;
    if (i->n_pools >= MS_MAX_IOCS)
        return;
    i->pools = ms_xrealloc(i->pools, (i->n_pools + 1) * sizeof(*i->pools));
    i->pools[i->n_pools++] = ms_xstrdup(pool);
}

void ms_iocs_add_wallet(ms_iocs *i, const char *coin, const char *address) {
    for (size_t k = 0; k < i->n_wallets; k++)
        if (!strcmp(i->wallets[k].address, address))
            return;
    if (i->n_wallets >= MS_MAX_IOCS)
        return;
    i->wallets = ms_xrealloc(i->wallets, (i->n_wallets + 1) * sizeof(*i->wallets));
    i->wallets[i->n_wallets].coin = ms_xstrdup(coin);
    i->wallets[i->n_wallets].address = ms_xstrdup(address);
    i->n_wallets++;
}

static void set_if_unset(char **dst, const char *src) {
    if (!*dst && src)
        *dst = ms_xstrdup(src);
}

void ms_iocs_merge(ms_iocs *dst, const ms_iocs *src) {
    for (size_t k = 0; k < src->n_pools; k++)
        ms_iocs_add_pool(dst, src->pools[k]);
    for (size_t k = 0; k < src->n_wallets; k++)
        ms_iocs_add_wallet(dst, src->wallets[k].coin, src->wallets[k].address);
    set_if_unset(&dst->config.algo, src->config.algo);
    set_if_unset(&dst->config.user, src->config.user);
    set_if_unset(&dst->config.pass, src->config.pass);
    if (dst->config.donate_level < 0)
        dst->config.donate_level = src->config.donate_level;
    if (dst->config.tls < 0)
        dst->config.tls = src->config.tls;
    ms_flows_merge(dst, src); /* capture flows (capture.c) */
}
