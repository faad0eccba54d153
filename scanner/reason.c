/*
 * reason.c - reason texts to reason codes (reason.h).
 *
 * Each entry is a pattern over the reason text as the stages write it,
 * after an optional "limit: " or "damaged: " in front: literal text,
 * "%d" an unsigned integer, "%g" a number, "%w" a word (up to a space,
 * comma, colon or parenthesis), "%*" anything to the end. The names are
 * the parameters the placeholders fill, in order. The first entry that
 * matches wins, so longer patterns come before their prefixes.
 *
 * Codes (also in the contract of report_jsonl.c):
 *   limits: max-filesize, max-archive-bytes, max-entries, max-depth,
 *     max-dir-depth, max-ratio, max-objects, max-time, max-memory,
 *     capture-packets, capture-buffer, capture-flows ({"limit": N}, and
 *     for max-ratio "read": bytes read before the stop);
 *   scanning: scan-timeout {"limit": s}, scan-failed, read-error,
 *     os-error {"errno": "EACCES"}, capture-unreadable, capture-link-type;
 *   changes under the scan: changed-while-scanned {"size_at_open",
 *     "size_now", "scanned"}, vanished, changed-during-walk,
 *     moved-during-walk;
 *   not read by design: special-file {"type": "fifo"|"socket"|"device"|
 *     "other"}, pseudo-fs {"fs"}, other-file-system, symlink-loop,
 *     directory-loop, report-file, encrypted; each of these with
 *     "named": true when it is a path the user named (then the run is
 *     incomplete);
 *   findings: member {"verdict"}, member-incomplete {"verdict"},
 *     model-strict and model {"score", "threshold"}, script-score
 *     {"score", "threshold"}, allowed {"would_be"};
 *   damaged (a corrupt archive or member), interrupted, and "other" for a
 *   reason no entry knows.
 */
#include "reason.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pattern {
    const char *text;
    const char *code;
    const char *names[MS_REASON_MAX_PARAMS];
} pattern;

static const pattern patterns[] = {
    {"max-filesize %d%*", "max-filesize", {"limit"}},
    {"max-archive-bytes %d%*", "max-archive-bytes", {"limit"}},
    {"max-entries %d%*", "max-entries", {"limit"}},
    {"max-dir-depth %d%*", "max-dir-depth", {"limit"}},
    {"max-depth %d%*", "max-depth", {"limit"}},
    {"max-ratio %g: stopped after %d bytes%*", "max-ratio", {"limit", "read"}},
    {"max-ratio %g%*", "max-ratio", {"limit"}},
    {"max-objects %d%*", "max-objects", {"limit"}},
    {"max-time %d%*", "max-time", {"limit"}},
    {"max-memory %d%*", "max-memory", {"limit"}},
    {"more than %d packets%*", "capture-packets", {"limit"}},
    {"more than %d MiB of stream%*", "capture-buffer", {"limit"}},
    {"more than %d TCP flows%*", "capture-flows", {"limit"}},
    {"scan timed out after %d s%*", "scan-timeout", {"limit"}},
    {"signature scan failed%*", "scan-failed", {NULL}},
    {"changed while scanned: %d bytes when opened, %d now, %d scanned%*", "changed-while-scanned",
     {"size_at_open", "size_now", "scanned"}},
    {"vanished%*", "vanished", {NULL}},
    {"changed during walk%*", "changed-during-walk", {NULL}},
    {"directory moved during walk%*", "moved-during-walk", {NULL}},
    {"encrypted%*", "encrypted", {NULL}},
    {"pseudo file system %w%*", "pseudo-fs", {"fs"}},
    {"other file system%*", "other-file-system", {NULL}},
    {"symlink loop%*", "symlink-loop", {NULL}},
    {"directory loop%*", "directory-loop", {NULL}},
    {"the report being written%*", "report-file", {NULL}},
    {"read: %*", "read-error", {NULL}},
    {"standard input: %*", "read-error", {NULL}},
    {"capture: link type%*", "capture-link-type", {NULL}},
    {"capture: %*", "capture-unreadable", {NULL}},
    {"a member was not fully scanned (%w)%*", "member-incomplete", {"verdict"}},
    {"a member is %w%*", "member", {"verdict"}},
    {"model score %g over the strict threshold %g%*", "model-strict", {"score", "threshold"}},
    {"model score %g over the threshold %g%*", "model", {"score", "threshold"}},
    {"script score %g over the threshold %g%*", "script-score", {"score", "threshold"}},
    {"allowed by %* (would be %w)", "allowed", {"would_be"}},
    {"interrupted%*", "interrupted", {NULL}},
};

static const char *const special[] = {"fifo", "socket", "device", "not a regular file"};

/* Match text against pat, filling the parameters of ret from the k-th on
 * (names[k] names the next placeholder). */
static bool match(const char *pat, const char *text, const char *const *names, unsigned k,
                  ms_reason_code *ret) {
    while (*pat) {
        if (pat[0] != '%') {
            if (*text != *pat)
                return false;
            pat++, text++;
            continue;
        }
        char kind = pat[1];
        pat += 2;
        if (kind == '*') {
            if (!*pat)
                return true;
            /* the longest run that lets the rest match */
            for (const char *q = text + strlen(text); q >= text; q--)
                if (match(pat, q, names, k, ret))
                    return true;
            return false;
        }
        const char *name = k < MS_REASON_MAX_PARAMS ? names[k] : NULL;
        ms_reason_param *p = name ? &ret->params[k] : NULL;
        k++;
        const char *end = NULL;
        if (kind == 'd') {
            if (*text < '0' || *text > '9')
                return false;
            char *e = NULL;
            unsigned long long v = strtoull(text, &e, 10);
            end = e;
            if (p)
                *p = (ms_reason_param){.name = name, .kind = MS_PARAM_INT, .u = v};
        } else if (kind == 'g') {
            char *e = NULL;
            double v = strtod(text, &e);
            if (e == text)
                return false;
            end = e;
            if (p)
                *p = (ms_reason_param){.name = name, .kind = MS_PARAM_NUM, .num = v};
        } else { /* 'w' */
            size_t n = strcspn(text, " ,:()");
            if (n == 0)
                return false;
            end = text + n;
            if (p) {
                *p = (ms_reason_param){.name = name, .kind = MS_PARAM_STR};
                snprintf(p->str, sizeof(p->str), "%.*s", (int)n, text);
            }
        }
        text = end;
        if (p && ret->n_params < k)
            ret->n_params = k;
    }
    return *text == '\0';
}

static void add_bool(ms_reason_code *c, const char *name) {
    if (c->n_params < MS_REASON_MAX_PARAMS)
        c->params[c->n_params++] = (ms_reason_param){.name = name, .kind = MS_PARAM_BOOL, .u = 1};
}

static void add_str(ms_reason_code *c, const char *name, const char *value) {
    if (c->n_params < MS_REASON_MAX_PARAMS) {
        ms_reason_param *p = &c->params[c->n_params++];
        *p = (ms_reason_param){.name = name, .kind = MS_PARAM_STR};
        snprintf(p->str, sizeof(p->str), "%s", value);
    }
}

/* The errno whose strerror() text the reason starts with (a walker or
 * read error), 0 if none. */
static int errno_of(const char *text) {
    for (int e = 1; e < 134; e++) {
        const char *s = strerror(e);
        size_t n = s ? strlen(s) : 0;
        if (n && !strncmp(text, s, n) && (text[n] == '\0' || text[n] == ':'))
            return e;
    }
    return 0;
}

bool ms_reason_code_of(const char *reason, ms_verdict_kind verdict, ms_reason_code *ret) {
    *ret = (ms_reason_code){.code = "other"};
    if (!reason)
        return false;
    const char *t = reason;
    if (!strncmp(t, "limit: ", 7))
        t += 7;
    else if (!strncmp(t, "damaged: ", 9))
        t += 9;
    /* a path named on the command line and not read (pool.c) */
    static const char named[] = ": named but not read";
    char head[128];
    const char *nb = strstr(t, named);
    if (nb && (size_t)(nb - t) < sizeof(head)) {
        snprintf(head, sizeof(head), "%.*s", (int)(nb - t), t);
        t = head;
    }
    bool found = false;
    for (size_t i = 0; i < sizeof(special) / sizeof(special[0]) && !found; i++)
        if (!strcmp(t, special[i])) {
            ret->code = "special-file";
            add_str(ret, "type", i < 3 ? special[i] : "other");
            found = true;
        }
    for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]) && !found; i++) {
        ms_reason_code c = {.code = patterns[i].code};
        if (match(patterns[i].text, t, patterns[i].names, 0, &c)) {
            *ret = c;
            found = true;
        }
    }
    if (!found) {
        int e = errno_of(t);
        if (e) {
            ret->code = "os-error";
            const char *name = strerrorname_np(e);
            add_str(ret, "errno", name ? name : "");
        } else if (verdict == MS_DAMAGED || reason != t) {
            /* "damaged: ..." or a corrupt member's libarchive text */
            ret->code = verdict == MS_DAMAGED || !strncmp(reason, "damaged: ", 9) ? "damaged" : "other";
        }
    }
    if (nb)
        add_bool(ret, "named");
    return true;
}
