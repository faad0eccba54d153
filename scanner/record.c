/*
 * record.c - the verdict record (ms_verdict) every stage fills and every
 * reporter prints, the names of its enums, and summary counting.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "minerscan.h"
#include "ms_limits.h"

const char *ms_verdict_name(ms_verdict_kind k) {
    switch (k) {
    case MS_CLEAN:
        return "clean";
    case MS_DAMAGED:
        return "damaged";
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

const char *ms_class_name(ms_class c) {
    static const char *const names[MS_CLASS__MAX] = {
        [MS_CLASS_OTHER] = "other",   [MS_CLASS_ELF] = "elf",
        [MS_CLASS_PE] = "pe",         [MS_CLASS_MACHO] = "macho",
        [MS_CLASS_SCRIPT] = "script", [MS_CLASS_CONFIG] = "config",
        [MS_CLASS_ARCHIVE] = "archive", [MS_CLASS_REPORT] = "report",
    };
    return (c >= 0 && c < MS_CLASS__MAX) ? names[c] : "other";
}

/* ---- verdicts ---- */

ms_verdict *ms_verdict_new(const char *path, size_t path_len) {
    ms_verdict *v = ms_xcalloc(1, sizeof(*v));
    v->path = ms_xmemdup0(path, path_len);
    v->path_len = path_len;
    v->chain = ms_xmalloc(sizeof(*v->chain));
    v->chain[0] = ms_xmemdup0(path, path_len);
    v->n_chain = 1;
    ms_iocs_init(&v->iocs);
    return v;
}

/* Issue 15: a member named "x!y.sh" of bang.tar was "bang.tar!x!y.sh",
 * the same path as member y.sh of member x. In the display path a "!"
 * inside a member name is "\!" and a backslash "\\"; the top-level path
 * is kept as given (it names a file the user can open). */
ms_verdict *ms_verdict_new_member(const ms_verdict *parent, const char *name, size_t name_len) {
    size_t extra = 0, n;
    for (size_t i = 0; i < name_len; i++)
        extra += name[i] == '!' || name[i] == '\\';
    if (ms_add_overflow_size(parent->path_len, name_len, &n) || ms_add_overflow_size(n, extra + 1, &n))
        ms_oom();
    char *p = ms_xmalloc(n + 1);
    memcpy(p, parent->path, parent->path_len);
    size_t k = parent->path_len;
    p[k++] = '!';
    for (size_t i = 0; i < name_len; i++) {
        if (name[i] == '!' || name[i] == '\\')
            p[k++] = '\\';
        p[k++] = name[i];
    }
    p[k] = '\0';
    ms_verdict *v = ms_xcalloc(1, sizeof(*v));
    v->path = p;
    v->path_len = k;
    size_t pn = parent->chain ? parent->n_chain : 0;
    v->chain = ms_xcalloc(pn + 2, sizeof(*v->chain));
    if (pn == 0)
        v->chain[pn++] = ms_xmemdup0(parent->path, parent->path_len);
    else
        for (size_t i = 0; i < pn; i++)
            v->chain[i] = ms_xstrdup(parent->chain[i]);
    v->chain[pn++] = ms_xmemdup0(name, name_len);
    v->n_chain = pn;
    ms_iocs_init(&v->iocs);
    return v;
}

void ms_rule_hit_clear(ms_rule_hit *h) {
    free(h->rule);
    free(h->ns);
    free(h->family);
    free(h->category);
    free(h->severity);
    free(h->description);
    for (size_t i = 0; i < h->n_metas; i++) {
        free(h->metas[i].key);
        free(h->metas[i].str);
    }
    free(h->metas);
    for (size_t i = 0; i < h->n_tags; i++)
        free(h->tags[i]);
    free(h->tags);
    for (size_t i = 0; i < h->n_matches; i++) {
        free(h->matches[i].id);
        free(h->matches[i].data);
    }
    free(h->matches);
}

const ms_rule_meta *ms_rule_hit_meta(const ms_rule_hit *h, const char *key) {
    for (size_t i = 0; i < h->n_metas; i++)
        if (h->metas[i].key && !strcmp(h->metas[i].key, key))
            return &h->metas[i];
    return NULL;
}

ms_verdict *ms_verdict_clone_as(const ms_verdict *src, const char *path, size_t path_len) {
    ms_verdict *v = ms_verdict_new(path, path_len);
    v->verdict = src->verdict;
    v->contains = src->contains;
    v->size = src->size;
    v->has_sha256 = src->has_sha256;
    memcpy(v->sha256, src->sha256, sizeof(v->sha256));
    v->cls = src->cls;
    v->description = src->description ? ms_xstrdup(src->description) : NULL;
    for (size_t i = 0; i < src->n_rules; i++)
        ms_verdict_add_rule(v, &src->rules[i]);
    v->has_model = src->has_model;
    v->model_name = src->model_name;
    v->score = src->score;
    v->threshold = src->threshold;
    if (src->n_top) {
        v->top = ms_xmalloc(src->n_top * sizeof(*v->top));
        memcpy(v->top, src->top, src->n_top * sizeof(*v->top));
        v->n_top = src->n_top;
    }
    ms_iocs_merge(&v->iocs, &src->iocs);
    if (src->reason)
        ms_verdict_set_reason(v, "%s", src->reason);
    v->hash_list = src->hash_list ? ms_xstrdup(src->hash_list) : NULL;
    v->allowed_by = src->allowed_by ? ms_xstrdup(src->allowed_by) : NULL;
    v->incomplete = src->incomplete;
    return v;
}

void ms_verdict_free(ms_verdict *v) {
    if (!v)
        return;
    free(v->path);
    for (size_t i = 0; i < v->n_chain; i++)
        free(v->chain[i]);
    free(v->chain);
    free(v->description);
    for (size_t i = 0; i < v->n_rules; i++)
        ms_rule_hit_clear(&v->rules[i]);
    free(v->rules);
    free(v->top);
    ms_iocs_clear(&v->iocs);
    free(v->reason);
    free(v->hash_list);
    free(v->allowed_by);
    ms_live_info_free(v->live);
    free(v);
}

void ms_verdict_set_reason(ms_verdict *v, const char *fmt, ...) {
    if (v->reason)
        return;
    va_list ap;
    va_start(ap, fmt);
    v->reason = ms_xvasprintf(fmt, ap);
    va_end(ap);
}

static char *dup_or_empty(const char *s) {
    return ms_xstrdup(s ? s : "");
}

void ms_verdict_add_rule(ms_verdict *v, const ms_rule_hit *hit) {
    for (size_t i = 0; i < v->n_rules; i++)
        if (!strcmp(v->rules[i].rule, hit->rule) && !strcmp(v->rules[i].ns, hit->ns ? hit->ns : ""))
            return;
    if (v->n_rules >= MS_MAX_RULE_HITS)
        return;
    v->rules = ms_xrealloc(v->rules, (v->n_rules + 1) * sizeof(*v->rules));
    ms_rule_hit_copy(&v->rules[v->n_rules], hit);
    v->n_rules++;
}

void ms_rule_hit_copy(ms_rule_hit *h, const ms_rule_hit *hit) {
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
        .matches_total = hit->matches_total,
    };
    size_t nm = hit->n_metas < MS_RULE_METAS_MAX ? hit->n_metas : MS_RULE_METAS_MAX;
    if (nm) {
        h->metas = ms_xcalloc(nm, sizeof(*h->metas));
        for (size_t i = 0; i < nm; i++) {
            const ms_rule_meta *m = &hit->metas[i];
            h->metas[i] = (ms_rule_meta){.key = dup_or_empty(m->key), .type = m->type, .num = m->num,
                                         .str = m->type == MS_META_STRING ? dup_or_empty(m->str) : NULL};
        }
        h->n_metas = nm;
    }
    size_t nt = hit->n_tags < MS_RULE_TAGS_MAX ? hit->n_tags : MS_RULE_TAGS_MAX;
    if (nt) {
        h->tags = ms_xcalloc(nt, sizeof(*h->tags));
        for (size_t i = 0; i < nt; i++)
            h->tags[i] = dup_or_empty(hit->tags[i]);
        h->n_tags = nt;
    }
    size_t nx = hit->n_matches < MS_MATCHES_MAX ? hit->n_matches : MS_MATCHES_MAX;
    if (nx) {
        h->matches = ms_xcalloc(nx, sizeof(*h->matches));
        for (size_t i = 0; i < nx; i++) {
            const ms_string_match *m = &hit->matches[i];
            size_t dl = m->data_len < MS_MATCH_DATA_MAX ? m->data_len : MS_MATCH_DATA_MAX;
            h->matches[i] = (ms_string_match){.id = dup_or_empty(m->id), .offset = m->offset,
                                              .length = m->length, .data_len = dl,
                                              .data = dl ? (uint8_t *)ms_xmemdup0(m->data, dl) : NULL};
        }
        h->n_matches = nx;
    }
}

void ms_summary_count(ms_summary *s, const ms_verdict *v) {
    s->objects++;
    if (v->is_member)
        s->members++;
    else if (v->is_dir)
        s->directories++;
    else
        s->files++;
    if (v->incomplete)
        s->incomplete++;
    if (v->contains >= MS_SUSPICIOUS) {
        s->containing++;
        return;
    }
    switch (v->verdict) {
    case MS_CLEAN:
        s->clean++;
        break;
    case MS_DAMAGED:
        s->damaged++;
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
