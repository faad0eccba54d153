/*
 * selfreport.c - recognising minerscan's own reports (see selfreport.h).
 */
#include "selfreport.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jsontok.h"

/* The record types report_jsonl.c writes (and --live's). */
static const char *const record_types[] = {"object", "summary", "run", "end", "process", "host",
                                           "persistence", "connection", NULL};

static const char *const verdict_words[] = {"MALICIOUS ", "SUSPICIOUS ", "CLEAN ", "DAMAGED ", "ERROR ",
                                            "LIMIT ",     "SKIPPED ",    "ALLOWED ", NULL};

static bool starts(const uint8_t *p, size_t n, const char *lit) {
    size_t k = strlen(lit);
    return n >= k && !memcmp(p, lit, k);
}

/* A token array for one JSON value of n bytes: no value has more tokens
 * than bytes / 2 + 1 (every token but a one-digit number takes two). */
static jtok *tokens_for(size_t n, size_t *ret_cap) {
    size_t cap = n / 2 + 2;
    if (cap > (SIZE_MAX / sizeof(jtok)))
        return NULL;
    *ret_cap = cap;
    return malloc(cap * sizeof(jtok));
}

static bool jsonl_line(const char *s, size_t n, jtok *t, size_t cap, bool first) {
    size_t nt;
    if (ms_jt_parse(s, n, t, cap, &nt) < 0 || nt < 3 || t[0].type != JT_OBJ)
        return false;
    /* the first member is "type"; the first record is the run record */
    if (!ms_jt_str_eq(s, t, 1, "type") || t[2].type != JT_STR)
        return false;
    if (first)
        return ms_jt_str_eq(s, t, 2, "run");
    for (const char *const *ty = record_types; *ty; ty++)
        if (ms_jt_str_eq(s, t, 2, *ty))
            return true;
    return false;
}

static bool is_jsonl(const uint8_t *d, size_t n) {
    size_t longest = 0, lines = 0;
    for (size_t i = 0, start = 0; i <= n; i++)
        if (i == n || d[i] == '\n') {
            if (i - start > longest)
                longest = i - start;
            start = i + 1;
        }
    size_t cap = 0;
    jtok *t = tokens_for(longest, &cap);
    if (!t)
        return false;
    bool ok = true;
    for (size_t i = 0, start = 0; ok && i <= n; i++) {
        if (i < n && d[i] != '\n')
            continue;
        size_t len = i - start;
        if (len && !(len == 1 && d[start] == '\r')) {
            ok = jsonl_line((const char *)d + start, len, t, cap, lines == 0);
            lines++;
        }
        start = i + 1;
    }
    free(t);
    /* two records at least: a file of one JSON object could be a miner's
     * config.json with a "type" key put first to pass for a report */
    return ok && lines >= 2;
}

static bool is_sarif(const uint8_t *d, size_t n) {
    /* cheap first: a SARIF log of ours names its driver near the start */
    size_t head = n < 4096 ? n : 4096;
    if (!memmem(d, head, "\"runs\"", 6) || !memmem(d, head, "\"name\":\"minerscan\"", 18))
        return false;
    size_t cap = 0, nt;
    jtok *t = tokens_for(n, &cap);
    if (!t)
        return false;
    const char *s = (const char *)d;
    bool ok = ms_jt_parse(s, n, t, cap, &nt) == 0 && t[0].type == JT_OBJ;
    /* SARIF's own top-level members only: a miner reads its pools from a
     * config's top level, and a SARIF-shaped config.json with "pools" is
     * a config */
    static const char *const top[] = {"$schema", "version", "runs", "properties", "inlineExternalProperties", NULL};
    for (uint32_t k = 1, i = 0; ok && i < t[0].size; i += 2, k = t[k + 1].next) {
        bool known = false;
        for (const char *const *w = top; *w && !known; w++)
            known = ms_jt_str_eq(s, t, (int)k, *w);
        ok = known;
    }
    if (ok) {
        int runs = ms_jt_get(s, t, nt, 0, "runs");
        int run = ms_jt_at(t, nt, runs, 0);
        int tool = run >= 0 ? ms_jt_get(s, t, nt, run, "tool") : -1;
        int driver = tool >= 0 ? ms_jt_get(s, t, nt, tool, "driver") : -1;
        int name = driver >= 0 ? ms_jt_get(s, t, nt, driver, "name") : -1;
        ok = name >= 0 && ms_jt_str_eq(s, t, name, "minerscan");
    }
    free(t);
    return ok;
}

static bool text_line(const uint8_t *p, size_t n) {
    if (starts(p, n, "summary: objects ") || starts(p, n, "run: minerscan ") || starts(p, n, "end: "))
        return true;
    for (const char *const *w = verdict_words; *w; w++)
        if (starts(p, n, *w))
            return true;
    /* "    key: value" and the --explain lines under a model line */
    if (!starts(p, n, "    "))
        return false;
    size_t i = 4;
    while (i < n && p[i] == ' ')
        i++;
    size_t k = i;
    while (i < n && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '-' ||
                     p[i] == '_' || p[i] == ' '))
        i++;
    return i > k && i < n && (p[i] == ':' || p[i - 1] == ' ');
}

static bool is_text(const uint8_t *d, size_t n) {
    bool summary = false, record = false;
    for (size_t i = 0, start = 0; i <= n; i++) {
        if (i < n && d[i] != '\n')
            continue;
        size_t len = i - start;
        if (len) {
            if (!text_line(d + start, len))
                return false;
            summary |= starts(d + start, len, "summary: objects ");
            record |= d[start] != ' ';
        }
        start = i + 1;
    }
    /* the summary ends every complete text report; a cut one has records */
    return summary || record;
}

ms_report_kind ms_own_report(const uint8_t *d, size_t n) {
    if (!d || n < 2)
        return MS_OWN_NONE;
    if (d[0] == '{' && starts(d, n, "{\"type\":\"") && is_jsonl(d, n))
        return MS_OWN_JSONL;
    if (d[0] == '{' && is_sarif(d, n))
        return MS_OWN_SARIF;
    if ((d[0] >= 'A' && d[0] <= 'Z') || starts(d, n, "summary: ") || starts(d, n, "run: minerscan ")) {
        if (is_text(d, n))
            return MS_OWN_TEXT;
    }
    return MS_OWN_NONE;
}

const char *ms_own_report_name(ms_report_kind k) {
    switch (k) {
    case MS_OWN_JSONL:
        return "jsonl";
    case MS_OWN_SARIF:
        return "sarif";
    case MS_OWN_TEXT:
        return "text";
    default:
        return "none";
    }
}
