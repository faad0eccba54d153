/*
 * tlsdns.c - TLS handshakes and DNS messages in captured flows (issue 14).
 *
 * TLS (RFC 5246, RFC 8446): a record is type(1) version(2) length(2)
 * payload; handshake records (type 22) carry messages type(1) length(3)
 * body, which may span records, so the payloads of the leading handshake
 * records are joined before the messages are read.
 *   ClientHello (1): legacy_version(2) random(32) session_id<1> suites<2>
 *     compression<1> extensions<2>; extension server_name (0) is a list<2>
 *     of type(1) name<2>, type 0 a host name.
 *   ServerHello (2): legacy_version(2) random(32) session_id<1> suite(2)
 *     compression(1) extensions<2>; supported_versions (43) holds the
 *     version chosen (0x0304 is TLS 1.3, whose legacy_version says 1.2).
 *   Certificate (11), TLS <= 1.2 only: certificate_list<3> of DER
 *     certificates<3>, the server's own first. In TLS 1.3 it is encrypted:
 *     only the ClientHello's SNI and the version are visible.
 *
 * DNS (RFC 1035 4.1): header id, flags, qdcount, ancount, nscount,
 * arcount (2 bytes each); questions name type(2) class(2); answers name
 * type(2) class(2) ttl(4) rdlength(2) rdata. Names are labels <1> of 1..63
 * bytes ending in a zero length, or a 14-bit pointer to an earlier name
 * (followed only backwards, at most 32 times, so no loop).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "flowan.h"
#include "ms_limits.h"

static unsigned be16(const uint8_t *p) {
    return (unsigned)p[0] << 8 | p[1];
}

static size_t be24(const uint8_t *p) {
    return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

/* Join the payloads of the handshake records at the start of p into out
 * (cap bytes). Returns the bytes joined; 0 when p does not start with a
 * TLS handshake record. */
static size_t handshake_bytes(const uint8_t *p, size_t n, uint8_t *out, size_t cap) {
    size_t i = 0, len = 0;
    while (n - i >= 5 && p[i] == 22 && p[i + 1] == 3 && p[i + 2] <= 4) {
        size_t rl = be16(p + i + 3);
        if (rl == 0 || rl > (1u << 14) + 2048)
            break;
        size_t have = n - i - 5 < rl ? n - i - 5 : rl;
        if (have > cap - len)
            have = cap - len;
        memcpy(out + len, p + i + 5, have);
        len += have;
        if (have < rl)
            break;
        i += 5 + rl;
    }
    return len;
}

static const char *version_name(unsigned v) {
    switch (v) {
    case 0x0300: return "ssl3";
    case 0x0301: return "1.0";
    case 0x0302: return "1.1";
    case 0x0303: return "1.2";
    case 0x0304: return "1.3";
    }
    return NULL;
}

/* A host name as SNI or a certificate may hold it: letters, digits,
 * '-', '_', '.', a leading "*." in a certificate. */
static bool host_ok(const uint8_t *s, size_t n) {
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || (c == '*' && i == 0)))
            return false;
    }
    return true;
}

static char *lower_dup(const uint8_t *s, size_t n) {
    char *o = malloc(n + 1);
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++)
        o[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    o[n] = '\0';
    return o;
}

/* Walk the extensions block e[0..n): fn(type, data, len). */
typedef struct hello {
    const uint8_t *sni;
    size_t sni_len;
    unsigned version; /* supported_versions as the server chose it */
} hello;

static void extensions(const uint8_t *e, size_t n, bool client, hello *h) {
    size_t i = 0;
    while (n - i >= 4) {
        unsigned type = be16(e + i);
        size_t len = be16(e + i + 2);
        if (len > n - i - 4)
            return;
        const uint8_t *d = e + i + 4;
        if (client && type == 0 && len >= 5) {
            size_t ll = be16(d), k = 2;
            if (ll > len - 2)
                ll = len - 2;
            while (k + 3 <= 2 + ll) {
                size_t nl = be16(d + k + 1);
                if (nl > 2 + ll - k - 3)
                    break;
                if (d[k] == 0 && !h->sni) {
                    h->sni = d + k + 3;
                    h->sni_len = nl;
                }
                k += 3 + nl;
            }
        } else if (!client && type == 43 && len == 2) {
            h->version = be16(d);
        }
        i += 4 + len;
    }
}

/* ClientHello or ServerHello body b[0..n). */
static bool parse_hello(const uint8_t *b, size_t n, bool client, hello *h) {
    size_t i = 34;
    if (n < 35)
        return false;
    h->version = be16(b);
    i += 1 + b[34];
    if (client) {
        if (i + 2 > n)
            return false;
        i += 2 + be16(b + i);
        if (i + 1 > n)
            return false;
        i += 1 + b[i];
    } else {
        i += 3;
    }
    if (i > n)
        return false;
    if (i + 2 <= n) {
        size_t el = be16(b + i);
        if (el <= n - i - 2)
            extensions(b + i + 2, el, client, h);
    }
    return true;
}

/* Is a certificate name (CN or SAN dNSName) a pool? */
static bool cert_name_pool(const unsigned char *s, size_t n) {
    if (!host_ok(s, n))
        return false;
    if (n > 2 && s[0] == '*' && s[1] == '.') {
        s += 2;
        n -= 2;
    }
    return ms_pool_name_known((const char *)s, n);
}

/* The first pool name in the leaf certificate der[0..n), malloc'd, NULL. */
static int cert_pool(const uint8_t *der, size_t n, char **ret) {
    const unsigned char *p = der;
    int r = 0;
    *ret = NULL;
    if (n > (1u << 20))
        return 0;
    X509 *x = d2i_X509(NULL, &p, (long)n);
    if (!x)
        return 0;
    GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans) && i < 256 && !*ret; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
        if (g->type != GEN_DNS)
            continue;
        const unsigned char *s = ASN1_STRING_get0_data(g->d.dNSName);
        int len = ASN1_STRING_length(g->d.dNSName);
        if (s && len > 0 && cert_name_pool(s, (size_t)len) && !(*ret = lower_dup(s, (size_t)len)))
            r = -ENOMEM;
    }
    GENERAL_NAMES_free(sans);
    X509_NAME *subj = X509_get_subject_name(x);
    for (int i = -1; r == 0 && !*ret && subj &&
                     (i = X509_NAME_get_index_by_NID(subj, NID_commonName, i)) >= 0;) {
        ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i));
        const unsigned char *s = d ? ASN1_STRING_get0_data(d) : NULL;
        int len = d ? ASN1_STRING_length(d) : 0;
        if (s && len > 0 && cert_name_pool(s, (size_t)len) && !(*ret = lower_dup(s, (size_t)len)))
            r = -ENOMEM;
    }
    X509_free(x);
    return r;
}

static bool web_port(uint16_t p) {
    return p == 443 || p == 8443;
}

int ms_flowan_tls(ms_flowan *a, const uint8_t *const pre[2], const size_t n[2],
                  const uint64_t off[2]) {
    uint8_t *hs = NULL;
    hello ch = {0}, sh = {0};
    char *cert = NULL;
    int r = 0;
    bool have_sh = false;
    size_t len;

    if (n[0] < 6 || pre[0][0] != 22 || pre[0][1] != 3 || pre[0][5] != 1)
        return 0;
    size_t cap = n[0] > n[1] ? n[0] : n[1];
    if (!(hs = malloc(cap)))
        return -ENOMEM;
    len = handshake_bytes(pre[0], n[0], hs, cap);
    if (len < 4 || hs[0] != 1 || !parse_hello(hs + 4, be24(hs + 1) < len - 4 ? be24(hs + 1) : len - 4,
                                              true, &ch))
        goto out;
    if (ch.sni && !host_ok(ch.sni, ch.sni_len))
        ch.sni = NULL;
    /* copied now: hs is reused for the server's side below */
    if (ch.sni) {
        free(a->f.sni);
        if (!(a->f.sni = lower_dup(ch.sni, ch.sni_len))) {
            r = -ENOMEM;
            goto out;
        }
    }

    len = handshake_bytes(pre[1], n[1], hs, cap);
    for (size_t i = 0; len - i >= 4 && len >= 4;) {
        size_t ml = be24(hs + i + 1), have = len - i - 4 < ml ? len - i - 4 : ml;
        const uint8_t *b = hs + i + 4;
        if (hs[i] == 2 && !have_sh) {
            have_sh = parse_hello(b, have, false, &sh);
            if (!have_sh || (sh.version && sh.version >= 0x0304))
                break; /* TLS 1.3: the rest is encrypted */
        } else if (hs[i] == 11 && have_sh && have >= 6) {
            size_t cl = be24(b + 3);
            if (cl <= have - 6 && (r = cert_pool(b + 6, cl, &cert)) < 0)
                goto out;
            break;
        }
        if (have < ml)
            break;
        i += 4 + ml;
    }

    const char *ver = have_sh ? version_name(sh.version) : NULL;
    if ((r = ms_flowan_set(&a->f.tls, ver ? ver : "tls")) < 0)
        goto out;
    bool sni_pool = a->f.sni && ms_pool_name_known(a->f.sni, strlen(a->f.sni));
    if (cert) {
        free(a->f.cert_name);
        a->f.cert_name = cert;
        cert = NULL;
    }
    if (sni_pool || a->f.cert_name) {
        enum ms_ev e = web_port(a->f.server_port) ? EV_TLS_NAME : EV_TLS_STRATUM;
        if (sni_pool)
            a->ev[e] = (ms_evidence){.seen = true, .off = off[0], .len = n[0] < 5 ? n[0] : 5 + be16(pre[0] + 3)};
        else
            a->ev[e] = (ms_evidence){.seen = true, .off = off[1], .len = n[1]};
        if (a->ev[e].len > n[sni_pool ? 0 : 1])
            a->ev[e].len = n[sni_pool ? 0 : 1];
        if (!a->f.dialect)
            r = ms_flowan_set(&a->f.dialect, "tls");
    }
out:
    free(cert);
    free(hs);
    return r;
}

/* ---- DNS ---- */

/* Read the name at p[*pos], lower-cased and dotted, into out (256 bytes).
 * *pos moves past the name as it is written in place. */
static int dns_name(const uint8_t *p, size_t n, size_t *pos, char *out) {
    size_t i = *pos, o = 0, end = 0;
    unsigned jumps = 0;
    bool jumped = false;
    for (;;) {
        if (i >= n)
            return -1;
        uint8_t l = p[i];
        if ((l & 0xc0) == 0xc0) {
            if (i + 1 >= n || ++jumps > 32)
                return -1;
            size_t to = (size_t)(l & 0x3f) << 8 | p[i + 1];
            if (to >= i)
                return -1; /* only backwards: no loops */
            if (!jumped)
                end = i + 2;
            jumped = true;
            i = to;
            continue;
        }
        if (l & 0xc0)
            return -1;
        if (l == 0) {
            if (!jumped)
                end = i + 1;
            break;
        }
        if (i + 1 + l > n || o + l + 1 > 255)
            return -1;
        if (o)
            out[o++] = '.';
        for (size_t k = 0; k < l; k++) {
            uint8_t c = p[i + 1 + k];
            if (c <= 0x20 || c >= 0x7f || c == '.')
                return -1;
            out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        i += 1 + l;
    }
    out[o] = '\0';
    *pos = end;
    return 0;
}

void ms_dns_info_clear(ms_dns_info *info) {
    free(info->pool);
    for (size_t i = 0; i < info->n_ans; i++) {
        free(info->ans_name[i]);
        free(info->ans_addr[i]);
    }
    memset(info, 0, sizeof(*info));
}

static int keep_pool(ms_dns_info *info, const char *name) {
    if (info->pool || !*name || !ms_pool_name_known(name, strlen(name)))
        return 0;
    return (info->pool = strdup(name)) ? 0 : -ENOMEM;
}

int ms_dns_parse(const uint8_t *p, size_t n, ms_dns_info *ret) {
    ms_dns_info info = {0};
    char name[256], qname[256] = "";
    size_t i = 12;
    int r = MS_E_CORRUPT;

    if (n < 12 || n > 65535)
        return MS_E_CORRUPT;
    unsigned flags = be16(p + 2), qd = be16(p + 4), an = be16(p + 6);
    /* a standard query or its answer, one to four questions */
    if (((flags >> 11) & 0xf) != 0 || qd == 0 || qd > 4 || an > 256)
        return MS_E_CORRUPT;
    info.response = flags & 0x8000;
    for (unsigned q = 0; q < qd; q++) {
        if (dns_name(p, n, &i, name) < 0 || i + 4 > n)
            goto out;
        if (q == 0)
            memcpy(qname, name, sizeof(name));
        i += 4;
        if ((r = keep_pool(&info, name)) < 0)
            goto out;
        r = MS_E_CORRUPT;
    }
    for (unsigned k = 0; k < an && info.response; k++) {
        if (dns_name(p, n, &i, name) < 0 || i + 10 > n)
            break; /* the questions were read: keep what they said */
        unsigned type = be16(p + i), rdl = be16(p + i + 8);
        i += 10;
        if (rdl > n - i)
            break;
        if ((r = keep_pool(&info, name)) < 0)
            goto out;
        if (type == 5) {
            size_t j = i;
            if (dns_name(p, n, &j, name) == 0 && (r = keep_pool(&info, name)) < 0)
                goto out;
        } else if ((type == 1 && rdl == 4) || (type == 28 && rdl == 16)) {
            char addr[INET6_ADDRSTRLEN];
            if (info.n_ans < sizeof(info.ans_addr) / sizeof(*info.ans_addr) && *qname &&
                inet_ntop(type == 1 ? AF_INET : AF_INET6, p + i, addr, sizeof(addr))) {
                info.ans_name[info.n_ans] = strdup(qname);
                info.ans_addr[info.n_ans] = strdup(addr);
                if (!info.ans_name[info.n_ans] || !info.ans_addr[info.n_ans]) {
                    info.n_ans++;
                    r = -ENOMEM;
                    goto out;
                }
                info.n_ans++;
            }
        }
        i += rdl;
    }
    r = 0;
out:
    if (r < 0) {
        ms_dns_info_clear(&info);
        return r;
    }
    *ret = info;
    return 0;
}
