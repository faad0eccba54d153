/*
 * live_net.c - socket tables, pool tables and /etc/hosts (live_net.h).
 */
#include "live_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "capture.h"
#include "minerscan.h"

/* A host with hundreds of thousands of sockets is a busy proxy, not a
 * miner; past this many the tables are not read further. */
#define MS_LIVE_MAX_SOCKS 1000000

bool ms_pool_port(uint16_t port) {
    size_t lo = 0, hi = ms_pool_ports_n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ms_pool_ports[mid] == port)
            return true;
        if (ms_pool_ports[mid] < port)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool ms_pool_host_known(const char *host, size_t len) {
    return ms_pool_name_known(host, len);
}

/* n hex digits at *p into *ret; advances *p. */
static bool hex_field(const char **p, size_t n, uint32_t *ret) {
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = ms_hexval((unsigned char)(*p)[i]);
        if (d < 0)
            return false;
        v = v << 4 | (uint32_t)d;
    }
    *p += n;
    *ret = v;
    return true;
}

/* "ADDR:PORT" with ADDR 8 or 32 hex digits (words in host order). */
static bool addr_field(const char **p, bool v6, uint8_t out[16], uint16_t *port) {
    uint32_t w, pt;
    memset(out, 0, 16);
    for (int i = 0; i < (v6 ? 4 : 1); i++) {
        if (!hex_field(p, 8, &w))
            return false;
        memcpy(out + 4 * i, &w, 4);
    }
    if (**p != ':')
        return false;
    (*p)++;
    if (!hex_field(p, 4, &pt))
        return false;
    *port = (uint16_t)pt;
    return true;
}

static const char *skip_spaces(const char *p) {
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static const char *skip_field(const char *p) {
    while (*p && *p != ' ' && *p != '\t' && *p != '\n')
        p++;
    return skip_spaces(p);
}

int ms_sock_parse_line(const char *line, bool v6, const char *proto, ms_sock *ret) {
    ms_sock s = {.proto = proto, .v6 = v6};
    const char *p = skip_spaces(line);
    uint32_t st;

    /* "sl:" */
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p != ':')
        return MS_E_CORRUPT;
    p = skip_spaces(p + 1);
    if (!addr_field(&p, v6, s.laddr, &s.lport) || (*p != ' ' && *p != '\t'))
        return MS_E_CORRUPT;
    p = skip_spaces(p);
    if (!addr_field(&p, v6, s.raddr, &s.rport) || (*p != ' ' && *p != '\t'))
        return MS_E_CORRUPT;
    p = skip_spaces(p);
    if (!hex_field(&p, 2, &st) || st == 0 || st > 12)
        return MS_E_CORRUPT;
    s.state = (int)st;
    /* tx:rx, tr:when, retrnsmt, uid, timeout, then inode */
    p = skip_spaces(p);
    for (int i = 0; i < 5; i++) {
        if (!*p || *p == '\n')
            return MS_E_CORRUPT;
        p = skip_field(p);
    }
    if (*p < '0' || *p > '9')
        return MS_E_CORRUPT;
    uint64_t ino = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (ino > (UINT64_MAX - 9) / 10)
            return MS_E_CORRUPT;
        ino = ino * 10 + (uint64_t)(*p - '0');
    }
    s.inode = ino;
    *ret = s;
    return 0;
}

int ms_sock_read_all(const char *netdir, ms_sock **socks, size_t *n_socks) {
    static const struct {
        const char *file, *proto;
        bool v6;
    } tables[] = {
        {"tcp", "tcp", false}, {"tcp6", "tcp6", true}, {"udp", "udp", false}, {"udp6", "udp6", true}};
    char path[4096], *line = NULL;
    size_t cap = 0;
    int r = 0;

    for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", netdir, tables[t].file) >= sizeof(path))
            continue;
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        while (getline(&line, &cap, f) > 0) {
            ms_sock s;
            if (ms_sock_parse_line(line, tables[t].v6, tables[t].proto, &s) < 0)
                continue;
            if (*n_socks >= MS_LIVE_MAX_SOCKS)
                break;
            ms_sock *v = realloc(*socks, (*n_socks + 1) * sizeof(*v));
            if (!v) {
                fclose(f);
                r = -ENOMEM;
                goto out;
            }
            *socks = v;
            v[(*n_socks)++] = s;
        }
        fclose(f);
    }
out:
    free(line);
    return r;
}

const char *ms_sock_state_name(const ms_sock *s) {
    static const char *const tcp[] = {
        NULL,         "established", "syn_sent",  "syn_recv", "fin_wait1", "fin_wait2", "time_wait",
        "close",      "close_wait",  "last_ack",  "listen",   "closing",   "new_syn_recv",
    };
    bool udp = s->proto[0] == 'u';
    if (udp)
        return s->state == 1 ? "established" : "unconnected";
    return s->state >= 1 && s->state <= 12 ? tcp[s->state] : "unknown";
}

static bool is_mapped_v4(const uint8_t a[16]) {
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return !memcmp(a, prefix, 12);
}

void ms_sock_remote16(const ms_sock *s, uint8_t out[16]) {
    if (s->v6) {
        memcpy(out, s->raddr, 16);
        return;
    }
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    memcpy(out + 12, s->raddr, 4);
}

bool ms_sock_has_peer(const ms_sock *s) {
    static const uint8_t zero[16];
    return s->rport != 0 || memcmp(s->raddr, zero, s->v6 ? 16 : 4) != 0;
}

void ms_sock_format(const uint8_t addr[16], bool v6, uint16_t port, char *out, size_t cap) {
    char a[INET6_ADDRSTRLEN];
    if (!v6 || is_mapped_v4(addr)) {
        inet_ntop(AF_INET, v6 ? addr + 12 : addr, a, sizeof(a));
        snprintf(out, cap, "%s:%u", a, (unsigned)port);
    } else {
        inet_ntop(AF_INET6, addr, a, sizeof(a));
        snprintf(out, cap, "[%s]:%u", a, (unsigned)port);
    }
}

/* One /etc/hosts line: the address and its names (hosts(5)). */
static int hosts_line(const char *line, size_t len, ms_pool_addr **addrs, size_t *n_addrs) {
    char buf[1024], *save = NULL;
    uint8_t a[16];
    if (len >= sizeof(buf))
        return 0; /* longer than any real hosts line: not one */
    memcpy(buf, line, len);
    buf[len] = '\0';
    char *hash = strchr(buf, '#');
    if (hash)
        *hash = '\0';
    char *addr = strtok_r(buf, " \t\r", &save);
    if (!addr)
        return 0;
    struct in_addr v4;
    if (inet_pton(AF_INET, addr, &v4) == 1) {
        memset(a, 0, 10);
        a[10] = a[11] = 0xff;
        memcpy(a + 12, &v4, 4);
    } else if (inet_pton(AF_INET6, addr, a) != 1) {
        return 0;
    }
    for (char *name; (name = strtok_r(NULL, " \t\r", &save));) {
        size_t nl = strlen(name);
        if (!ms_pool_host_known(name, nl))
            continue;
        if (*n_addrs >= MS_HOSTS_MAX_ADDRS)
            return 0;
        ms_pool_addr *v = realloc(*addrs, (*n_addrs + 1) * sizeof(*v));
        if (!v)
            return -ENOMEM;
        *addrs = v;
        memcpy(v[*n_addrs].addr, a, 16);
        snprintf(v[*n_addrs].name, sizeof(v[*n_addrs].name), "%s", name);
        (*n_addrs)++;
        return 0;
    }
    return 0;
}

int ms_hosts_pool_addrs(const uint8_t *data, size_t size, ms_pool_addr **addrs, size_t *n_addrs) {
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        int r = hosts_line(p, len, addrs, n_addrs);
        if (r < 0)
            return r;
        p += len + (nl ? 1 : 0);
    }
    return 0;
}
