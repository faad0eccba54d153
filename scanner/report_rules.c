/*
 * report_rules.c - what every reporter writes about a rule (issue 11): its
 * metadata as a JSON object, its tags, its string matches, the bytes of a
 * match as text, and the grade verdict.h gives it. Shared by the three
 * reporters and by --list-rules, so the formats say the same about a rule.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "verdict.h"

void ms_match_data_text(FILE *out, const uint8_t *d, size_t n) {
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        uint8_t c = d[i];
        if (c == '\\') {
            fputs("\\\\", out);
        } else if (c >= 0x20 && c < 0x7f) {
            fputc(c, out);
        } else {
            fputs("\\x", out);
            fputc(hx[c >> 4], out);
            fputc(hx[c & 15], out);
        }
    }
}

static void meta_value(FILE *out, const ms_rule_meta *m) {
    if (m->type == MS_META_STRING)
        ms_json_cstr(out, m->str ? m->str : "");
    else if (m->type == MS_META_BOOL)
        fputs(m->num ? "true" : "false", out);
    else
        fprintf(out, "%lld", (long long)m->num);
}

void ms_rule_meta_json(FILE *out, const ms_rule_hit *h) {
    fputc('{', out);
    bool first = true;
    for (size_t i = 0; i < h->n_metas; i++) {
        const char *key = h->metas[i].key ? h->metas[i].key : "";
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = h->metas[j].key && !strcmp(h->metas[j].key, key);
        if (seen)
            continue;
        size_t count = 0;
        for (size_t j = i; j < h->n_metas; j++)
            count += h->metas[j].key && !strcmp(h->metas[j].key, key);
        if (!first)
            fputc(',', out);
        first = false;
        ms_json_cstr(out, key);
        fputc(':', out);
        if (count == 1) {
            meta_value(out, &h->metas[i]);
            continue;
        }
        /* YARA lets a key repeat (several "reference" lines): all values, in order */
        fputc('[', out);
        for (size_t j = i, k = 0; j < h->n_metas; j++)
            if (h->metas[j].key && !strcmp(h->metas[j].key, key)) {
                if (k++)
                    fputc(',', out);
                meta_value(out, &h->metas[j]);
            }
        fputc(']', out);
    }
    fputc('}', out);
}

void ms_rule_tags_json(FILE *out, const ms_rule_hit *h) {
    fputc('[', out);
    for (size_t i = 0; i < h->n_tags; i++) {
        if (i)
            fputc(',', out);
        ms_json_cstr(out, h->tags[i] ? h->tags[i] : "");
    }
    fputc(']', out);
}

void ms_rule_strings_json(FILE *out, const ms_rule_hit *h) {
    fputc('[', out);
    for (size_t i = 0; i < h->n_matches; i++) {
        const ms_string_match *m = &h->matches[i];
        if (i)
            fputc(',', out);
        fputs("{\"id\":", out);
        ms_json_cstr(out, m->id ? m->id : "");
        fprintf(out, ",\"offset\":%llu,\"length\":%llu,\"data\":", (unsigned long long)m->offset,
                (unsigned long long)m->length);
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        if (mem) {
            ms_match_data_text(mem, m->data, m->data_len);
            fclose(mem);
        }
        ms_json_string(out, buf ? buf : "", buf ? len : 0);
        free(buf);
        fprintf(out, ",\"data_truncated\":%s}", m->length > m->data_len ? "true" : "false");
    }
    fputc(']', out);
}

void ms_rule_grade_json(FILE *out, const ms_rule_hit *h) {
    ms_grade_source src;
    ms_grade g = ms_rule_grade(h, &src);
    fputs("\"grade\":", out);
    ms_json_cstr(out, ms_grade_name(g));
    fputs(",\"grade_source\":", out);
    ms_json_cstr(out, ms_grade_source_name(src));
}

const char *ms_rule_reference(const ms_rule_hit *h) {
    static const char *const keys[] = {"reference", "ref", "url", "report", NULL};
    for (const char *const *k = keys; *k; k++)
        for (size_t i = 0; i < h->n_metas; i++) {
            const ms_rule_meta *m = &h->metas[i];
            if (m->type == MS_META_STRING && m->key && !strcmp(m->key, *k) && m->str &&
                (!strncmp(m->str, "https://", 8) || !strncmp(m->str, "http://", 7)))
                return m->str;
        }
    return NULL;
}
