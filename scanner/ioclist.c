/*
 * ioclist.c - indicator lists (see ioclist.h for the format and what a
 * match is).
 */
#include "ioclist.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "capture.h"
#include "wallet.h"

/* A line longer than this is not an indicator (and a regex this long is
 * a mistake); the load fails on it rather than holding megabytes. */
#define IOC_LINE_MAX 4096

typedef enum ioc_type { IOC_FILENAME, IOC_DOMAIN, IOC_IP, IOC_URL, IOC_WALLET } ioc_type;

static const char *const type_names[] = {"filename", "domain", "ip", "url", "wallet"};

typedef struct ioc {
    ioc_type type;
    char *value;      /* as written; domains and URLs in lower case */
    regex_t re, fp;   /* IOC_FILENAME */
    bool has_fp;
    int score;        /* -1: none */
    char *comment;
    char *list;       /* the file's base name */
    unsigned line;
} ioc;

struct ms_ioclist {
    ioc *v;
    size_t n;
    bool wants_iocs;
};

static void lower(char *s) {
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Perl/Python forms Loki's lists use, in POSIX ERE: \d, \D; a leading
 * (?i) goes (every regex here ignores case). glibc's ERE knows \w \s \b. */
static char *to_ere(const char *re) {
    if (!strncmp(re, "(?i)", 4))
        re += 4;
    size_t n = strlen(re);
    char *o = ms_xmalloc(n * 6 + 1), *p = o;
    for (size_t i = 0; i < n; i++) {
        if (re[i] == '\\' && i + 1 < n && (re[i + 1] == 'd' || re[i + 1] == 'D')) {
            p += sprintf(p, "%s", re[i + 1] == 'd' ? "[0-9]" : "[^0-9]");
            i++;
        } else if (re[i] == '\\' && i + 1 < n) {
            *p++ = re[i++];
            *p++ = re[i];
        } else {
            *p++ = re[i];
        }
    }
    *p = '\0';
    return o;
}

static bool compile_re(regex_t *re, const char *src, char *why, size_t cap) {
    char *ere = to_ere(src);
    int e = regcomp(re, ere, REG_EXTENDED | REG_ICASE | REG_NOSUB);
    free(ere);
    if (e != 0) {
        char msg[128];
        regerror(e, re, msg, sizeof(msg));
        snprintf(why, cap, "not a regular expression: %s", msg);
        return false;
    }
    return true;
}

static bool is_ip(const char *s) {
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static bool is_wallet(const char *s) {
    size_t n = strlen(s);
    return ms_wallet_valid_xmr(s, n) || ms_wallet_valid_btc_base58(s, n) || ms_wallet_valid_bech32(s, n) ||
           ms_wallet_valid_eth(s, n);
}

static bool is_number(const char *s, int *ret) {
    char *end = NULL;
    if (!*s)
        return false;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 0 || v > 1000)
        return false;
    *ret = (int)v;
    return true;
}

/* Parse one line into it; false with why on a line that does not parse. */
static bool parse_line(char *line, ioc *it, char *why, size_t cap) {
    char *fields[3] = {line, NULL, NULL};
    for (int i = 1; i < 3; i++) {
        char *semi = fields[i - 1] ? strchr(fields[i - 1], ';') : NULL;
        if (!semi)
            break;
        *semi = '\0';
        fields[i] = semi + 1;
    }
    char *value = trim(fields[0]);
    it->score = -1;
    int score;
    const char *colon = strchr(value, ':');
    int type = -1;
    for (int t = 0; colon && t < 5; t++)
        if ((size_t)(colon - value) == strlen(type_names[t]) && !strncasecmp(value, type_names[t], strlen(type_names[t])))
            type = t;
    if (type >= 0) {
        value = trim(value + strlen(type_names[type]) + 1);
        if (fields[1] && is_number(trim(fields[1]), &score)) {
            it->score = score;
            if (fields[2])
                it->comment = ms_xstrdup(trim(fields[2]));
        } else if (fields[1]) {
            /* the comment may hold ';' */
            if (fields[2])
                fields[2][-1] = ';';
            it->comment = ms_xstrdup(trim(fields[1]));
        }
    } else if (fields[1] && is_number(trim(fields[1]), &score)) {
        /* Loki: REGEX;SCORE[;FP_REGEX] */
        type = IOC_FILENAME;
        it->score = score;
        if (fields[2] && *trim(fields[2])) {
            if (!compile_re(&it->fp, trim(fields[2]), why, cap))
                return false;
            it->has_fp = true;
        }
    } else {
        type = strstr(value, "://") ? IOC_URL : is_ip(value) ? IOC_IP : is_wallet(value) ? IOC_WALLET : IOC_DOMAIN;
        if (fields[1]) {
            if (fields[2])
                fields[2][-1] = ';';
            it->comment = ms_xstrdup(trim(fields[1]));
        }
        if (type == IOC_DOMAIN && (strchr(value, '/') || strchr(value, ' ') || !strchr(value, '.'))) {
            snprintf(why, cap, "not an indicator: give TYPE:VALUE (filename, domain, ip, url, wallet)");
            if (it->has_fp)
                regfree(&it->fp);
            return false;
        }
    }
    if (!*value) {
        snprintf(why, cap, "empty indicator");
        if (it->has_fp)
            regfree(&it->fp);
        return false;
    }
    it->type = (ioc_type)type;
    it->value = ms_xstrdup(value);
    if (it->type == IOC_DOMAIN || it->type == IOC_URL)
        lower(it->value);
    if (it->type == IOC_FILENAME && !compile_re(&it->re, value, why, cap)) {
        free(it->value);
        if (it->has_fp)
            regfree(&it->fp);
        return false;
    }
    return true;
}

static void ioc_clear(ioc *it) {
    if (it->type == IOC_FILENAME)
        regfree(&it->re);
    if (it->has_fp)
        regfree(&it->fp);
    free(it->value);
    free(it->comment);
    free(it->list);
}

void ms_ioclist_free(ms_ioclist *l) {
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        ioc_clear(&l->v[i]);
    free(l->v);
    free(l);
}

size_t ms_ioclist_count(const ms_ioclist *l) {
    return l ? l->n : 0;
}

bool ms_ioclist_wants_iocs(const ms_ioclist *l) {
    return l && l->wants_iocs;
}

static int load_one(ms_ioclist *l, const char *path, char **ret_err) {
    FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;
    int r = 0;
    const char *base = strrchr(path, '/');
    if (!f) {
        r = -errno;
        if (ret_err)
            *ret_err = ms_xasprintf("%s: %s", path, strerror(errno));
        return r;
    }
    ssize_t got;
    while ((got = getline(&line, &cap, f)) != -1) {
        lineno++;
        char why[200];
        if (got > IOC_LINE_MAX) {
            snprintf(why, sizeof(why), "line longer than %d bytes", IOC_LINE_MAX);
            goto bad;
        }
        char *p = trim(line);
        if (!*p || *p == '#')
            continue;
        ioc it = {0};
        if (!parse_line(p, &it, why, sizeof(why)))
            goto bad;
        it.list = ms_xstrdup(base ? base + 1 : path);
        it.line = lineno;
        l->v = ms_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
        l->v[l->n++] = it;
        l->wants_iocs |= it.type != IOC_FILENAME;
        continue;
    bad:
        if (ret_err)
            *ret_err = ms_xasprintf("%s:%u: %s", path, lineno, why);
        r = MS_E_USAGE;
        break;
    }
    if (r == 0 && ferror(f)) {
        r = -EIO;
        if (ret_err)
            *ret_err = ms_xasprintf("%s: read error", path);
    }
    free(line);
    fclose(f);
    return r;
}

int ms_ioclist_load(const char *const *paths, size_t n, ms_ioclist **ret, char **ret_err) {
    ms_ioclist *l = ms_xcalloc(1, sizeof(*l));
    for (size_t i = 0; i < n; i++) {
        int r = load_one(l, paths[i], ret_err);
        if (r < 0) {
            ms_ioclist_free(l);
            return r;
        }
    }
    *ret = l;
    return 0;
}

/* ---- matching ---- */

/* The host of a pool entry ("stratum+tcp://user@h:3333/x", "h:3333",
 * "[::1]:3333") into buf, lower case; and its port (0 when none). */
static void pool_host(const char *pool, char *buf, size_t cap, unsigned *ret_port) {
    const char *p = strstr(pool, "://");
    p = p ? p + 3 : pool;
    const char *at = strchr(p, '@'), *slash = strchr(p, '/');
    if (at && (!slash || at < slash))
        p = at + 1;
    size_t n;
    const char *rest;
    if (*p == '[') {
        p++;
        n = strcspn(p, "]");
        rest = p[n] ? p + n + 1 : p + n;
    } else {
        n = strcspn(p, ":/?#");
        rest = p + n;
    }
    if (n >= cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)tolower((unsigned char)p[i]);
    buf[n] = '\0';
    *ret_port = *rest == ':' ? (unsigned)strtoul(rest + 1, NULL, 10) : 0;
}

static bool domain_match(const char *host, const char *d) {
    size_t hn = strlen(host), dn = strlen(d);
    if (!hn || hn < dn)
        return false;
    if (hn == dn)
        return !strcasecmp(host, d);
    return host[hn - dn - 1] == '.' && !strcasecmp(host + hn - dn, d);
}

static void add_hit(ms_verdict *v, const ioc *it, const char *matched) {
    char ns[320], rule[32];
    snprintf(ns, sizeof(ns), "%s:%u", it->list, it->line);
    snprintf(rule, sizeof(rule), "ioc_%s", type_names[it->type]);
    ms_rule_meta metas[6];
    size_t n = 0;
    char line[16];
    snprintf(line, sizeof(line), "%u", it->line);
    metas[n++] = (ms_rule_meta){.key = "indicator", .type = MS_META_STRING, .str = it->value};
    metas[n++] = (ms_rule_meta){.key = "matched", .type = MS_META_STRING, .str = (char *)matched};
    metas[n++] = (ms_rule_meta){.key = "list", .type = MS_META_STRING, .str = it->list};
    metas[n++] = (ms_rule_meta){.key = "line", .type = MS_META_INT, .num = it->line};
    if (it->score >= 0)
        metas[n++] = (ms_rule_meta){.key = "score", .type = MS_META_INT, .num = it->score};
    if (it->comment)
        metas[n++] = (ms_rule_meta){.key = "comment", .type = MS_META_STRING, .str = it->comment};
    char desc[512];
    snprintf(desc, sizeof(desc), "%s indicator %s from %s:%u%s%s", type_names[it->type], it->value, it->list,
             it->line, it->comment ? ": " : "", it->comment ? it->comment : "");
    ms_rule_hit h = {
        .rule = rule,
        .ns = ns,
        .family = "",
        .category = "ioc",
        /* no score: a network indicator is as sure as a known-bad hash,
         * a name is weaker evidence than content */
        .severity = it->score >= 0 ? "" : it->type == IOC_FILENAME ? "medium" : "high",
        .description = desc,
        .metas = metas,
        .n_metas = n,
    };
    ms_verdict_add_rule(v, &h);
}

static bool match_ioc(const ioc *it, const char *path, const ms_iocs *iocs, char *what, size_t cap) {
    char host[256];
    unsigned port;
    switch (it->type) {
    case IOC_FILENAME:
        if (regexec(&it->re, path, 0, NULL, 0) != 0 || (it->has_fp && regexec(&it->fp, path, 0, NULL, 0) == 0))
            return false;
        snprintf(what, cap, "%s", path);
        return true;
    case IOC_DOMAIN:
    case IOC_IP:
        for (size_t i = 0; i < iocs->n_pools; i++) {
            pool_host(iocs->pools[i], host, sizeof(host), &port);
            if (it->type == IOC_DOMAIN ? domain_match(host, it->value) : !strcasecmp(host, it->value)) {
                snprintf(what, cap, "%s", iocs->pools[i]);
                return true;
            }
        }
        for (size_t i = 0; i < iocs->n_flows; i++) {
            const ms_flow *f = &iocs->flows[i];
            const char *names[] = {f->server_name, f->sni, f->cert_name};
            for (size_t k = 0; it->type == IOC_DOMAIN && k < 3; k++)
                if (names[k] && domain_match(names[k], it->value)) {
                    snprintf(what, cap, "flow to %s", names[k]);
                    return true;
                }
            if (it->type == IOC_IP && ((f->server_ip && !strcasecmp(f->server_ip, it->value)) ||
                                       (f->client_ip && !strcasecmp(f->client_ip, it->value)))) {
                snprintf(what, cap, "flow %s -> %s", f->client_ip ? f->client_ip : "?",
                         f->server_ip ? f->server_ip : "?");
                return true;
            }
        }
        return false;
    case IOC_URL: {
        char want[256];
        unsigned want_port;
        pool_host(it->value, want, sizeof(want), &want_port);
        for (size_t i = 0; i < iocs->n_pools; i++) {
            pool_host(iocs->pools[i], host, sizeof(host), &port);
            if (!strcasecmp(iocs->pools[i], it->value) || (*want && !strcmp(host, want) && port == want_port)) {
                snprintf(what, cap, "%s", iocs->pools[i]);
                return true;
            }
        }
        return false;
    }
    case IOC_WALLET: {
        size_t n = strlen(it->value);
        for (size_t i = 0; i < iocs->n_wallets; i++)
            if (iocs->wallets[i].address && !strcmp(iocs->wallets[i].address, it->value)) {
                snprintf(what, cap, "%s wallet %s", iocs->wallets[i].coin ? iocs->wallets[i].coin : "", it->value);
                return true;
            }
        for (size_t i = 0; i < iocs->n_flows; i++) {
            const ms_flow *f = &iocs->flows[i];
            /* a login is often WALLET.WORKER or WALLET+DIFF */
            if ((f->wallet && !strcmp(f->wallet, it->value)) ||
                (f->login && !strncmp(f->login, it->value, n) && (!f->login[n] || strchr(".+/", f->login[n])))) {
                snprintf(what, cap, "flow login to %s", f->server_ip ? f->server_ip : "?");
                return true;
            }
        }
        return false;
    }
    }
    return false;
}

size_t ms_ioclist_match(const ms_ioclist *l, const char *path, size_t path_len, const ms_iocs *iocs,
                        ms_verdict *v) {
    size_t hits = 0;
    char *p = NULL;
    ms_iocs none;
    if (!l)
        return 0;
    if (!iocs) {
        ms_iocs_init(&none);
        iocs = &none;
    }
    for (size_t i = 0; i < l->n; i++) {
        char what[512];
        if (l->v[i].type == IOC_FILENAME && !p) /* regexec needs a C string; a NUL in a name ends it */
            p = ms_xmemdup0(path, path_len);
        if (match_ioc(&l->v[i], p ? p : "", iocs, what, sizeof(what))) {
            add_hit(v, &l->v[i], what);
            hits++;
        }
    }
    free(p);
    return hits;
}
