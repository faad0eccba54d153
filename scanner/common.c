/*
 * common.c - error text, names, the verdict record and IOC containers,
 * option defaults, summary counting.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ms_limits.h"
#include "minerscan.h"
#include "options.h"

MS_PUBLIC const char *ms_strerror(int r) {
    switch (r) {
    case 0:
        return "success";
    case MS_E_LIMIT:
        return "limit exceeded";
    case MS_E_ENCRYPTED:
        return "encrypted";
    case MS_E_CORRUPT:
        return "corrupt or truncated data";
    case MS_E_RULES:
        return "rules did not compile";
    case MS_E_MAGIC:
        return "libmagic failed";
    case MS_E_YARA:
        return "libyara failed";
    case MS_E_USAGE:
        return "usage error";
    case MS_E_TIMEOUT:
        return "scan timed out";
    case MS_E_UNSUPPORTED:
        return "unsupported format";
    case MS_E_CRYPTO:
        return "openssl failed";
    case MS_E_INTERRUPTED:
        return "interrupted";
    default:
        break;
    }
    if (r < 0 && r > -4096)
        return strerror(-r);
    return "unknown error";
}

MS_PUBLIC const char *ms_verdict_name(ms_verdict_kind k) {
    switch (k) {
    case MS_CLEAN:
        return "clean";
    case MS_SKIPPED:
        return "skipped";
    case MS_LIMIT:
        return "limit";
    case MS_ERROR:
        return "error";
    case MS_SUSPICIOUS:
        return "suspicious";
    case MS_MALICIOUS:
        return "malicious";
    }
    return "unknown";
}

MS_PUBLIC const char *ms_class_name(ms_class c) {
    static const char *const names[MS_CLASS__MAX] = {
        [MS_CLASS_OTHER] = "other",   [MS_CLASS_ELF] = "elf",
        [MS_CLASS_PE] = "pe",         [MS_CLASS_MACHO] = "macho",
        [MS_CLASS_SCRIPT] = "script", [MS_CLASS_CONFIG] = "config",
        [MS_CLASS_ARCHIVE] = "archive",
    };
    return (c >= 0 && c < MS_CLASS__MAX) ? names[c] : "other";
}

void ms_limits_default(ms_limits *l) {
    *l = (ms_limits){
        .max_depth = MS_DEFAULT_MAX_DEPTH,
        .max_entries = MS_DEFAULT_MAX_ENTRIES,
        .max_filesize = MS_DEFAULT_MAX_FILESIZE,
        .max_archive_bytes = MS_DEFAULT_MAX_ARCHIVE_BYTES,
        .max_ratio = MS_DEFAULT_MAX_RATIO,
        .max_dir_depth = MS_DEFAULT_MAX_DIR_DEPTH,
        .scan_timeout = MS_DEFAULT_SCAN_TIMEOUT,
    };
}

void ms_options_default(ms_options *o) {
    memset(o, 0, sizeof(*o));
    o->threads = 1;
    ms_limits_default(&o->limits);
}

/* ---- IOCs ---- */

MS_PUBLIC void ms_iocs_init(ms_iocs *i) {
    memset(i, 0, sizeof(*i));
    i->config.donate_level = -1;
    i->config.tls = -1;
}

MS_PUBLIC void ms_iocs_clear(ms_iocs *i) {
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
    ms_iocs_init(i);
}

MS_PUBLIC int ms_iocs_add_pool(ms_iocs *i, const char *pool) {
    for (size_t k = 0; k < i->n_pools; k++)
        if (!strcmp(i->pools[k], pool))
            return 0;
    if (i->n_pools >= MS_MAX_IOCS)
        return 0;
    char **p = realloc(i->pools, (i->n_pools + 1) * sizeof(*p));
    if (!p)
        return -ENOMEM;
    i->pools = p;
    if (!(p[i->n_pools] = strdup(pool)))
        return -ENOMEM;
    i->n_pools++;
    return 0;
}

MS_PUBLIC int ms_iocs_add_wallet(ms_iocs *i, const char *coin, const char *address) {
    for (size_t k = 0; k < i->n_wallets; k++)
        if (!strcmp(i->wallets[k].address, address))
            return 0;
    if (i->n_wallets >= MS_MAX_IOCS)
        return 0;
    ms_wallet *w = realloc(i->wallets, (i->n_wallets + 1) * sizeof(*w));
    if (!w)
        return -ENOMEM;
    i->wallets = w;
    char *c = strdup(coin), *a = strdup(address);
    if (!c || !a) {
        free(c);
        free(a);
        return -ENOMEM;
    }
    w[i->n_wallets].coin = c;
    w[i->n_wallets].address = a;
    i->n_wallets++;
    return 0;
}

static int set_if_unset(char **dst, const char *src) {
    if (*dst || !src)
        return 0;
    return (*dst = strdup(src)) ? 0 : -ENOMEM;
}

MS_PUBLIC int ms_iocs_merge(ms_iocs *dst, const ms_iocs *src) {
    int r;
    for (size_t k = 0; k < src->n_pools; k++)
        if ((r = ms_iocs_add_pool(dst, src->pools[k])) < 0)
            return r;
    for (size_t k = 0; k < src->n_wallets; k++)
        if ((r = ms_iocs_add_wallet(dst, src->wallets[k].coin, src->wallets[k].address)) < 0)
            return r;
    if ((r = set_if_unset(&dst->config.algo, src->config.algo)) < 0 ||
        (r = set_if_unset(&dst->config.user, src->config.user)) < 0 ||
        (r = set_if_unset(&dst->config.pass, src->config.pass)) < 0)
        return r;
    if (dst->config.donate_level < 0)
        dst->config.donate_level = src->config.donate_level;
    if (dst->config.tls < 0)
        dst->config.tls = src->config.tls;
    return 0;
}

/* ---- verdicts ---- */

MS_PUBLIC int ms_verdict_new(const char *path, size_t path_len, ms_verdict **ret) {
    ms_verdict *v = calloc(1, sizeof(*v));
    if (!v)
        return -ENOMEM;
    v->path = malloc(path_len + 1);
    if (!v->path) {
        free(v);
        return -ENOMEM;
    }
    memcpy(v->path, path, path_len);
    v->path[path_len] = '\0';
    v->path_len = path_len;
    ms_iocs_init(&v->iocs);
    *ret = v;
    return 0;
}

static void rule_hit_clear(ms_rule_hit *h) {
    free(h->rule);
    free(h->ns);
    free(h->family);
    free(h->category);
    free(h->severity);
    free(h->description);
}

MS_PUBLIC void ms_verdict_free(ms_verdict *v) {
    if (!v)
        return;
    free(v->path);
    free(v->description);
    for (size_t i = 0; i < v->n_rules; i++)
        rule_hit_clear(&v->rules[i]);
    free(v->rules);
    free(v->top);
    ms_iocs_clear(&v->iocs);
    free(v->reason);
    free(v->hash_list);
    free(v->allowed_by);
    ms_live_info_free(v->live);
    free(v);
}

MS_PUBLIC int ms_verdict_set_reason(ms_verdict *v, const char *fmt, ...) {
    if (v->reason)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -EINVAL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return -ENOMEM;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    v->reason = s;
    return 0;
}

static char *dup_or_empty(const char *s) {
    return strdup(s ? s : "");
}

MS_PUBLIC int ms_verdict_add_rule(ms_verdict *v, const ms_rule_hit *hit) {
    for (size_t i = 0; i < v->n_rules; i++)
        if (!strcmp(v->rules[i].rule, hit->rule) && !strcmp(v->rules[i].ns, hit->ns ? hit->ns : ""))
            return 0;
    if (v->n_rules >= MS_MAX_RULE_HITS)
        return 0;
    ms_rule_hit *r = realloc(v->rules, (v->n_rules + 1) * sizeof(*r));
    if (!r)
        return -ENOMEM;
    v->rules = r;
    ms_rule_hit *h = &r[v->n_rules];
    *h = (ms_rule_hit){
        .rule = dup_or_empty(hit->rule),
        .ns = dup_or_empty(hit->ns),
        .family = dup_or_empty(hit->family),
        .category = dup_or_empty(hit->category),
        .severity = dup_or_empty(hit->severity),
        .description = dup_or_empty(hit->description),
        .offset = hit->offset,
        .length = hit->length,
        .has_match = hit->has_match,
    };
    if (!h->rule || !h->ns || !h->family || !h->category || !h->severity || !h->description) {
        rule_hit_clear(h);
        return -ENOMEM;
    }
    v->n_rules++;
    return 0;
}

MS_PUBLIC void ms_summary_count(ms_summary *s, const ms_verdict *v) {
    s->objects++;
    if (!v->is_member)
        s->files++;
    if (v->incomplete)
        s->incomplete++;
    switch (v->verdict) {
    case MS_CLEAN:
        s->clean++;
        break;
    case MS_MALICIOUS:
        s->malicious++;
        break;
    case MS_SUSPICIOUS:
        s->suspicious++;
        break;
    case MS_ERROR:
        s->errors++;
        break;
    case MS_SKIPPED:
        s->skipped++;
        break;
    case MS_LIMIT:
        s->limits++;
        break;
    }
}
