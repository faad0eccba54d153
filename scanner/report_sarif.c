/*
 * report_sarif.c - SARIF 2.1.0 (OASIS), one run, for code-scanning tools.
 *
 * SARIF puts the rule table before the results, but which rules fired is
 * known only at the end, so object() writes each result's JSON text into
 * an in-memory buffer and end() writes the whole document. Keys are
 * written in a fixed order and nothing depends on the clock, so with
 * --sort the document is byte-identical run to run. The layout:
 *
 *   runs[0].tool.driver      name "minerscan", version, semanticVersion,
 *                            rules: one reportingDescriptor per distinct
 *                            rule that produced a result, in first-use
 *                            order, with id (the rule's identifier, made
 *                            unique with #2, #3 ...), name (its PascalCase
 *                            form, omitted when equal to id), shortDescription,
 *                            helpUri (the rule's http(s) "reference"),
 *                            defaultConfiguration.level (from the rule's
 *                            grade, verdict.h: high error, medium warning,
 *                            low and info note) and properties {family,
 *                            category, severity, namespace, grade,
 *                            grade_source, meta (every metadata entry, as
 *                            in JSON Lines), tags ("security", category,
 *                            family, the rule's own tags; unique),
 *                            security-severity}; besides
 *                            YARA rules: "model" (score over the
 *                            threshold), "hash-list" (--hashes match) and
 *                            "verdict" (flagged with no finding of its own,
 *                            e.g. an archive holding a flagged member).
 *                            notifications: the descriptors of the
 *                            execution notifications below.
 *   runs[0].invocations[0]   executionSuccessful (false only when the run
 *                            was interrupted), toolExecutionNotifications:
 *                            one per object that was not fully scanned
 *                            (level "error" for an error, "warning" for a
 *                            limit, a skip or an incomplete scan), with the
 *                            object's location; properties: the summary
 *                            counts (elapsed_s only without --sort).
 *   runs[0].results          one per finding of a malicious or suspicious
 *                            object: one per rule hit (level from the
 *                            rule's grade, not the object's verdict: an
 *                            informational rule on a malicious file is a
 *                            note), one for the model and one for a
 *                            hash-list match (level "error" on a malicious
 *                            object, else "warning"). ruleId/ruleIndex name
 *                            the descriptor; the location is the path as a
 *                            URI reference (ms_uri_write: percent-encoded
 *                            exact bytes, archive members jar-style
 *                            a.tar!/layer.tgz!/usr/bin/x, absolute paths as
 *                            file:// URIs); the region is the first match's
 *                            byteOffset/byteLength, or the whole object for
 *                            findings about all of it; properties carry
 *                            path, verdict, sha256, pools, wallets, for a
 *                            capture flows (the JSON Lines iocs.flows
 *                            form), and for a rule hit its grade,
 *                            grade_source, tags, meta, strings and matches
 *                            (the JSON Lines rules[] fields).
 *   --list-rules             the same document with a descriptor for every
 *                            rule of the set and no results.
 *                            A --live record's result properties also carry
 *                            its type ("process", "persistence", "host")
 *                            and, for a process, pid, exe and cmdline.
 *
 * --live evidence (live_record.h) that counts for the verdict (not "info")
 * is a result like a rule hit: a descriptor in namespace "live" whose id is
 * the evidence code (exe_deleted, pool_port_connection, ...) with the
 * table's severity and description, and a message with what was seen. The
 * location is the record's path (/proc/PID, the persistence file, host:NAME)
 * without a region.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ms_limits.h"
#include "live_record.h"
#include "report.h"
#include "report_flows.h"
#include "runinfo.h"
#include "verdict.h"

/* The schema URI the SARIF SDK itself writes: Microsoft's validator knows
 * it and does not try to download it (it does for json.schemastore.org). */
#define SARIF_SCHEMA "https://schemastore.azurewebsites.net/schemas/json/sarif-2.1.0.json"

enum desc_kind { DESC_YARA, DESC_MODEL, DESC_HASH_LIST, DESC_VERDICT };

typedef struct desc {
    enum desc_kind kind;
    char *id;             /* unique within the run */
    char *name;           /* the rule's identifier */
    const char *friendly; /* fixed descriptors: their readable name */
    char *ns;
    char *family, *category, *severity, *description;
    ms_rule_hit info; /* DESC_YARA: the rule's metadata and tags (copy) */
} desc;

typedef struct sarif_state {
    desc *descs;
    size_t n_descs, cap_descs;
    FILE *results; /* results, comma-separated JSON objects */
    char *results_buf;
    size_t results_len, n_results;
    FILE *notes; /* toolExecutionNotifications */
    char *notes_buf;
    size_t notes_len, n_notes;
    bool have_summary;
    ms_summary sum;
} sarif_state;

/* Notification descriptors: fixed, so their indexes are constants. */
static const struct {
    const char *id, *text;
} note_descs[] = {
    {"object-error", "An object could not be scanned because of an error."},
    {"object-limit", "An object was not fully scanned because a limit was reached."},
    {"object-skipped", "An object was skipped (encrypted, or not a regular file)."},
    {"object-incomplete", "An object was not fully scanned."},
    {"interrupted", "The run was interrupted before every object was scanned."},
    {"object-damaged", "An object was read to its end but its structure is broken."},
};
enum { NOTE_ERROR, NOTE_LIMIT, NOTE_SKIPPED, NOTE_INCOMPLETE, NOTE_INTERRUPTED, NOTE_DAMAGED, NOTE__MAX };

static const char *note_level(int kind) {
    return kind == NOTE_ERROR || kind == NOTE_INTERRUPTED ? "error"
           : kind == NOTE_DAMAGED                        ? "note"
                                                         : "warning";
}

static void desc_clear(desc *d) {
    if (d->kind == DESC_YARA)
        ms_rule_hit_clear(&d->info);
    free(d->id);
    free(d->name);
    free(d->ns);
    free(d->family);
    free(d->category);
    free(d->severity);
    free(d->description);
}

static void state_free(sarif_state *st) {
    if (!st)
        return;
    for (size_t i = 0; i < st->n_descs; i++)
        desc_clear(&st->descs[i]);
    free(st->descs);
    if (st->results)
        fclose(st->results);
    free(st->results_buf);
    if (st->notes)
        fclose(st->notes);
    free(st->notes_buf);
    free(st);
}

static int begin(ms_report *r) {
    sarif_state *st = calloc(1, sizeof(*st));
    if (!st)
        return -ENOMEM;
    st->results = open_memstream(&st->results_buf, &st->results_len);
    st->notes = open_memstream(&st->notes_buf, &st->notes_len);
    if (!st->results || !st->notes) {
        state_free(st);
        return -ENOMEM;
    }
    r->state = st;
    return 0;
}

static const char *str_or_empty(const char *s) {
    return s ? s : "";
}

static bool same(const char *a, const char *b) {
    return !strcmp(str_or_empty(a), str_or_empty(b));
}

static bool id_taken(const sarif_state *st, const char *id) {
    for (size_t i = 0; i < st->n_descs; i++)
        if (!strcmp(st->descs[i].id, id))
            return true;
    return false;
}

/* The index of the descriptor for (kind, ns, name), added on first use.
 * Two YARA namespaces may hold rules of the same name, and a user rule may
 * be called "model": the later one gets id NAME#2, #3 ... */
static int desc_index(sarif_state *st, enum desc_kind kind, const ms_rule_hit *h, size_t *ret) {
    static const struct {
        const char *name, *friendly, *description;
    } fixed[] = {
        [DESC_MODEL] = {"model", "ModelScoreOverThreshold",
                        "The model scored the executable at or over its threshold."},
        [DESC_HASH_LIST] = {"hash-list", "KnownBadHash",
                            "The object's hash is on a known-bad hash list."},
        [DESC_VERDICT] = {"verdict", "FlaggedWithoutOwnFinding",
                          "The object was flagged without a finding of its own, "
                          "e.g. an archive holding a flagged member."},
    };
    const char *name = kind == DESC_YARA ? str_or_empty(h->rule) : fixed[kind].name;
    const char *ns = kind == DESC_YARA ? str_or_empty(h->ns) : "";

    for (size_t i = 0; i < st->n_descs; i++)
        if (st->descs[i].kind == kind && same(st->descs[i].name, name) &&
            same(st->descs[i].ns, ns)) {
            *ret = i;
            return 0;
        }
    if (st->n_descs == st->cap_descs) {
        size_t cap = st->cap_descs ? st->cap_descs * 2 : 16;
        desc *d = realloc(st->descs, cap * sizeof(*d));
        if (!d)
            return -ENOMEM;
        st->descs = d;
        st->cap_descs = cap;
    }
    desc *d = &st->descs[st->n_descs];
    *d = (desc){.kind = kind};
    if (id_taken(st, name)) {
        for (unsigned k = 2; !d->id; k++) {
            char *id = NULL;
            if (asprintf(&id, "%s#%u", name, k) < 0)
                return -ENOMEM;
            if (id_taken(st, id))
                free(id);
            else
                d->id = id;
        }
    } else if (!(d->id = strdup(name))) {
        return -ENOMEM;
    }
    d->name = strdup(name);
    d->ns = strdup(ns);
    d->friendly = kind == DESC_YARA ? NULL : fixed[kind].friendly;
    if (kind == DESC_YARA) {
        ms_rule_hit_copy(&d->info, h);
        d->family = strdup(str_or_empty(h->family));
        d->category = strdup(str_or_empty(h->category));
        d->severity = strdup(str_or_empty(h->severity));
        d->description = strdup(str_or_empty(h->description));
    } else {
        d->family = strdup("");
        d->category = strdup(kind == DESC_MODEL ? "model" : kind == DESC_HASH_LIST ? "hash" : "");
        d->severity = strdup(kind == DESC_VERDICT ? "medium" : "high");
        d->description = strdup(fixed[kind].description);
    }
    if (!d->name || !d->ns || !d->family || !d->category || !d->severity || !d->description) {
        desc_clear(d);
        return -ENOMEM;
    }
    *ret = st->n_descs++;
    return 0;
}

static const char *grade_level(ms_grade g) {
    return g == MS_GRADE_HIGH ? "error" : g == MS_GRADE_MEDIUM ? "warning" : "note";
}

static const char *grade_score(ms_grade g) {
    return g == MS_GRADE_HIGH ? "8.0" : g == MS_GRADE_MEDIUM ? "5.0" : g == MS_GRADE_LOW ? "3.0" : "1.0";
}

/* A reference is written as helpUri only when it is an absolute http(s)
 * URI of URI characters alone (rule authors write "https://x/a b" too). */
static bool uri_ok(const char *u) {
    if (!u)
        return false;
    for (const char *p = u; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}", c))
            return false;
    }
    return true;
}

/* tags: unique strings (the SARIF schema says so) */
static void tag(FILE *out, const char **seen, size_t *n, size_t cap, const char *t) {
    if (!t || !*t || *n >= cap)
        return;
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(seen[i], t))
            return;
    seen[(*n)++] = t;
    if (*n > 1)
        fputc(',', out);
    ms_json_cstr(out, t);
}

static const char *severity_level(const char *sev) {
    if (!strcmp(sev, "high"))
        return "error";
    if (!strcmp(sev, "low"))
        return "note";
    return "warning";
}

/* GitHub code scanning ranks alerts by this CVSS-like number. */
static const char *severity_score(const char *sev) {
    if (!strcmp(sev, "high"))
        return "8.0";
    if (!strcmp(sev, "low"))
        return "3.0";
    return "5.0";
}

/* SARIF asks for messages that are sentences (validator rule SARIF2001). */
static void write_sentence(FILE *out, const char *s, size_t n) {
    fputc('"', out);
    ms_json_escape(out, s, n);
    if (n == 0 || s[n - 1] != '.')
        fputc('.', out);
    fputc('"', out);
}

/* SARIF wants id opaque and stable, name readable and different from id
 * (validator rule SARIF1001): stratum_pool_url -> StratumPoolUrl. */
static void write_name(FILE *out, const desc *d) {
    if (d->friendly) {
        fputs(",\"name\":", out);
        ms_json_cstr(out, d->friendly);
        return;
    }
    char *n = strdup(d->name);
    bool up = true;
    size_t k = 0;
    if (!n)
        return;
    for (const char *p = d->name; *p; p++) {
        if (*p == '_' || *p == '-' || *p == '.' || *p == ' ') {
            up = true;
            continue;
        }
        n[k++] = up && *p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p;
        up = false;
    }
    n[k] = '\0';
    /* the validator compares them ignoring case */
    if (k && strcasecmp(n, d->id)) {
        fputs(",\"name\":", out);
        ms_json_cstr(out, n);
    }
    free(n);
}

static void write_desc(FILE *out, const desc *d) {
    fputs("{\"id\":", out);
    ms_json_cstr(out, d->id);
    write_name(out, d);
    fputs(",\"shortDescription\":{\"text\":", out);
    if (*d->description) {
        write_sentence(out, d->description, strlen(d->description));
    } else {
        fputs("\"YARA rule ", out);
        ms_json_escape(out, d->name, strlen(d->name));
        fputs(".\"", out);
    }
    fputc('}', out);
    const char *ref = d->kind == DESC_YARA ? ms_rule_reference(&d->info) : NULL;
    if (uri_ok(ref)) {
        fputs(",\"helpUri\":", out);
        ms_json_cstr(out, ref);
    }
    ms_grade g = d->kind == DESC_YARA ? ms_rule_grade(&d->info, NULL) : MS_GRADE_INFO;
    fprintf(out, ",\"defaultConfiguration\":{\"level\":\"%s\"}",
            d->kind == DESC_YARA ? grade_level(g) : severity_level(d->severity));
    fputs(",\"properties\":{\"family\":", out);
    ms_json_cstr(out, d->family);
    fputs(",\"category\":", out);
    ms_json_cstr(out, d->category);
    fputs(",\"severity\":", out);
    ms_json_cstr(out, d->severity);
    fputs(",\"namespace\":", out);
    ms_json_cstr(out, d->ns);
    if (d->kind == DESC_YARA) {
        fputc(',', out);
        ms_rule_grade_json(out, &d->info);
        fputs(",\"meta\":", out);
        ms_rule_meta_json(out, &d->info);
    }
    const char *seen[MS_RULE_TAGS_MAX + 3];
    size_t n_seen = 0, cap = sizeof(seen) / sizeof(seen[0]);
    fputs(",\"tags\":[", out);
    tag(out, seen, &n_seen, cap, "security");
    tag(out, seen, &n_seen, cap, d->category);
    tag(out, seen, &n_seen, cap, d->family);
    if (d->kind == DESC_YARA)
        for (size_t i = 0; i < d->info.n_tags; i++)
            tag(out, seen, &n_seen, cap, d->info.tags[i]);
    fprintf(out, "],\"security-severity\":\"%s\"}}",
            d->kind == DESC_YARA ? grade_score(g) : severity_score(d->severity));
}

static void write_location(FILE *out, const ms_verdict *v, bool region, uint64_t off,
                           uint64_t len) {
    fputs("[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"", out);
    ms_uri_write(out, v->path, v->path_len, v->is_member);
    fputs("\"}", out);
    if (region)
        fprintf(out, ",\"region\":{\"byteOffset\":%llu,\"byteLength\":%llu}",
                (unsigned long long)off, (unsigned long long)len);
    fputs("}}]", out);
}

/* The IOC part of a result message: "Pools: a, b. Wallets: xmr 4...." */
static void write_ioc_text(FILE *m, const ms_iocs *i) {
    if (i->n_pools) {
        fputs(" Pools: ", m);
        for (size_t k = 0; k < i->n_pools; k++)
            fprintf(m, "%s%s", k ? ", " : "", str_or_empty(i->pools[k]));
        fputc('.', m);
    }
    if (i->n_wallets) {
        fputs(" Wallets: ", m);
        for (size_t k = 0; k < i->n_wallets; k++)
            fprintf(m, "%s%s %s", k ? ", " : "", str_or_empty(i->wallets[k].coin),
                    str_or_empty(i->wallets[k].address));
        fputc('.', m);
    }
}

static void write_result_props(FILE *out, const ms_verdict *v, const ms_rule_hit *h) {
    fputs(",\"properties\":{\"path\":", out);
    ms_json_string(out, v->path, v->path_len);
    fputs(",\"verdict\":", out);
    ms_json_cstr(out, ms_verdict_name(v->verdict));
    fputs(",\"sha256\":", out);
    if (v->has_sha256)
        ms_json_string(out, v->sha256, strnlen(v->sha256, sizeof(v->sha256)));
    else
        fputs("null", out);
    fputs(",\"pools\":[", out);
    for (size_t k = 0; k < v->iocs.n_pools; k++) {
        if (k)
            fputc(',', out);
        ms_json_cstr(out, str_or_empty(v->iocs.pools[k]));
    }
    fputs("],\"wallets\":[", out);
    for (size_t k = 0; k < v->iocs.n_wallets; k++) {
        fputs(k ? ",{\"coin\":" : "{\"coin\":", out);
        ms_json_cstr(out, str_or_empty(v->iocs.wallets[k].coin));
        fputs(",\"address\":", out);
        ms_json_cstr(out, str_or_empty(v->iocs.wallets[k].address));
        fputc('}', out);
    }
    fputc(']', out);
    if (v->iocs.n_flows) { /* capture flows */
        fputs(",\"flows\":", out);
        ms_report_flows_json(out, &v->iocs);
    }
    if (h) { /* what the rule says (issue 11) */
        fputc(',', out);
        ms_rule_grade_json(out, h);
        fputs(",\"tags\":", out);
        ms_rule_tags_json(out, h);
        fputs(",\"meta\":", out);
        ms_rule_meta_json(out, h);
        fputs(",\"strings\":", out);
        ms_rule_strings_json(out, h);
        fprintf(out, ",\"matches\":%llu", (unsigned long long)h->matches_total);
    }
    if (v->live) {
        fputs(",\"recordType\":", out);
        ms_json_cstr(out, ms_live_kind_name(v->live->kind));
        if (v->live->kind == MS_LIVE_PROCESS) {
            fprintf(out, ",\"pid\":%d,\"exe\":", v->live->pid);
            ms_json_cstr(out, v->live->exe);
            fputs(",\"cmdline\":", out);
            ms_json_str_array(out, v->live->argv, v->live->argc);
        }
    }
    fputc('}', out);
}

/* One result. msg is the raw message text (escaped here); h is the rule
 * hit it reports (NULL for the model, a hash list, a verdict). */
static int add_result(sarif_state *st, const ms_verdict *v, const ms_rule_hit *h, size_t idx, const char *msg,
                      size_t msg_len, bool region, uint64_t off, uint64_t len) {
    FILE *out = st->results;
    if (st->n_results++)
        fputc(',', out);
    fputs("{\"ruleId\":", out);
    ms_json_cstr(out, st->descs[idx].id);
    fprintf(out, ",\"ruleIndex\":%zu,\"level\":\"%s\",\"message\":{\"text\":", idx,
            h ? grade_level(ms_rule_grade(h, NULL)) : v->verdict == MS_MALICIOUS ? "error" : "warning");
    write_sentence(out, msg, msg_len);
    fputs("},\"locations\":", out);
    write_location(out, v, region, off, len);
    write_result_props(out, v, h);
    fputc('}', out);
    return ferror(out) ? -ENOMEM : 0;
}

typedef struct msgbuf {
    FILE *f;
    char *buf;
    size_t len;
} msgbuf;

static int msg_open(msgbuf *m) {
    *m = (msgbuf){0};
    m->f = open_memstream(&m->buf, &m->len);
    return m->f ? 0 : -ENOMEM;
}

/* Closes the stream; the text is in m->buf[0..m->len). */
static int msg_close(msgbuf *m) {
    bool bad = ferror(m->f);
    if (fclose(m->f) != 0 || bad || !m->buf) {
        free(m->buf);
        m->buf = NULL;
        return -ENOMEM;
    }
    return 0;
}

static int findings(sarif_state *st, const ms_verdict *v) {
    size_t before = st->n_results, idx;
    msgbuf m;
    int r;

    for (size_t i = 0; i < v->n_rules; i++) {
        const ms_rule_hit *h = &v->rules[i];
        if ((r = desc_index(st, DESC_YARA, h, &idx)) < 0 || (r = msg_open(&m)) < 0)
            return r;
        fprintf(m.f, "%s matched", str_or_empty(h->rule));
        if (h->description && *h->description)
            fprintf(m.f, ": %s", h->description);
        fprintf(m.f, " (family %s, category %s, grade %s).",
                h->family && *h->family ? h->family : "unknown",
                h->category && *h->category ? h->category : "unknown",
                ms_grade_name(ms_rule_grade(h, NULL)));
        write_ioc_text(m.f, &v->iocs);
        if ((r = msg_close(&m)) < 0)
            return r;
        r = add_result(st, v, h, idx, m.buf, m.len, true, h->has_match ? h->offset : 0,
                       h->has_match ? h->length : v->size);
        free(m.buf);
        if (r < 0)
            return r;
    }
    for (size_t i = 0; v->live && i < v->live->n_ev; i++) {
        const ms_live_evidence *ev = &v->live->ev[i];
        if (!strcmp(ev->code->severity, "info"))
            continue;
        ms_rule_hit h = {.rule = (char *)ev->code->code, .ns = (char *)"live", .family = (char *)"live",
                         .category = (char *)ev->code->category, .severity = (char *)ev->code->severity,
                         .description = (char *)ev->code->description};
        if ((r = desc_index(st, DESC_YARA, &h, &idx)) < 0 || (r = msg_open(&m)) < 0)
            return r;
        fprintf(m.f, "%s: %s.", ev->code->code, str_or_empty(ev->text));
        write_ioc_text(m.f, &v->iocs);
        if ((r = msg_close(&m)) < 0)
            return r;
        r = add_result(st, v, NULL, idx, m.buf, m.len, false, 0, 0);
        free(m.buf);
        if (r < 0)
            return r;
    }
    if (v->has_model && v->score >= v->threshold) {
        if ((r = desc_index(st, DESC_MODEL, NULL, &idx)) < 0 || (r = msg_open(&m)) < 0)
            return r;
        fprintf(m.f, "Model score %.3f is at or over the threshold %.3f.", v->score, v->threshold);
        if (v->n_top && v->top[0].feature)
            fprintf(m.f, " Strongest feature: %s.", v->top[0].feature);
        write_ioc_text(m.f, &v->iocs);
        if ((r = msg_close(&m)) < 0)
            return r;
        r = add_result(st, v, NULL, idx, m.buf, m.len, true, 0, v->size);
        free(m.buf);
        if (r < 0)
            return r;
    }
    if (v->hash_list || st->n_results == before) {
        bool listed = v->hash_list != NULL;
        if ((r = desc_index(st, listed ? DESC_HASH_LIST : DESC_VERDICT, NULL, &idx)) < 0 ||
            (r = msg_open(&m)) < 0)
            return r;
        if (listed)
            fprintf(m.f, "The SHA-256 %s is on the known-bad list %s.",
                    v->has_sha256 ? v->sha256 : "(not computed)", v->hash_list);
        else
            fprintf(m.f, "The object is %s: %s.", ms_verdict_name(v->verdict),
                    v->reason ? v->reason : "no reason given");
        write_ioc_text(m.f, &v->iocs);
        if ((r = msg_close(&m)) < 0)
            return r;
        r = add_result(st, v, NULL, idx, m.buf, m.len, true, 0, v->size);
        free(m.buf);
        if (r < 0)
            return r;
    }
    return 0;
}

static int notification(sarif_state *st, const ms_verdict *v) {
    FILE *out = st->notes;
    int kind = v->verdict == MS_ERROR     ? NOTE_ERROR
               : v->verdict == MS_LIMIT   ? NOTE_LIMIT
               : v->verdict == MS_SKIPPED ? NOTE_SKIPPED
               : v->verdict == MS_DAMAGED ? NOTE_DAMAGED
                                          : NOTE_INCOMPLETE;
    msgbuf m;
    int r;

    if ((r = msg_open(&m)) < 0)
        return r;
    fwrite(v->path, 1, v->path_len, m.f);
    fprintf(m.f, ": %s", v->reason ? v->reason : ms_verdict_name(v->verdict));
    if ((r = msg_close(&m)) < 0)
        return r;
    if (st->n_notes++)
        fputc(',', out);
    fprintf(out,
            "{\"descriptor\":{\"id\":\"%s\",\"index\":%d},\"level\":\"%s\",\"message\":{\"text\":",
            note_descs[kind].id, kind, note_level(kind));
    write_sentence(out, m.buf, m.len);
    free(m.buf);
    fputs("},\"locations\":", out);
    write_location(out, v, false, 0, 0);
    fputc('}', out);
    return ferror(out) ? -ENOMEM : 0;
}

static int object(ms_report *r, const ms_verdict *v) {
    sarif_state *st = r->state;
    int k;
    if (!st)
        return -EINVAL;
    if (v->verdict == MS_MALICIOUS || v->verdict == MS_SUSPICIOUS)
        if ((k = findings(st, v)) < 0)
            return k;
    if (v->incomplete || v->verdict == MS_ERROR || v->verdict == MS_LIMIT ||
        v->verdict == MS_SKIPPED || v->verdict == MS_DAMAGED)
        if ((k = notification(st, v)) < 0)
            return k;
    return 0;
}

static int summary(ms_report *r, const ms_summary *s) {
    sarif_state *st = r->state;
    if (!st)
        return -EINVAL;
    st->sum = *s;
    st->have_summary = true;
    if (s->interrupted) {
        if (st->n_notes++)
            fputc(',', st->notes);
        fprintf(st->notes,
                "{\"descriptor\":{\"id\":\"%s\",\"index\":%d},\"level\":\"error\","
                "\"message\":{\"text\":\"%s\"}}",
                note_descs[NOTE_INTERRUPTED].id, NOTE_INTERRUPTED,
                note_descs[NOTE_INTERRUPTED].text);
    }
    return ferror(st->notes) ? -ENOMEM : 0;
}

/* The invocation's properties: the summary counters, and the run record
 * (runinfo.h) as "run". */
static void write_invocation_props(FILE *out, const ms_report *r, const sarif_state *st) {
    const ms_summary *s = &st->sum;
    if (!st->have_summary && !r->run)
        return;
    fputs(",\"properties\":{", out);
    if (st->have_summary) {
        ms_summary_json(out, s);
        if (!r->sort) {
            fputs(",\"elapsed_s\":", out);
            ms_json_double(out, s->elapsed_s);
        }
        fprintf(out, ",\"interrupted\":%s", s->interrupted ? "true" : "false");
    }
    if (r->run) {
        fputs(st->have_summary ? ",\"run\":{" : "\"run\":{", out);
        ms_runinfo_json(out, r->run);
        fputc('}', out);
    }
    fputc('}', out);
}

/* SARIF's own invocation fields from the run record. */
static void write_invocation_run(FILE *out, ms_report *r) {
    ms_runinfo *ri = r->run;
    char *cmd = ms_runinfo_command(ri);
    fputs("\"commandLine\":", out);
    ms_json_cstr(out, cmd);
    free(cmd);
    fputs(",\"arguments\":", out); /* argv[0] is not an argument */
    if (ri->argc > 1)
        ms_json_str_array(out, ri->argv + 1, (size_t)ri->argc - 1);
    else
        fputs("[]", out);
    if (!ri->sort) {
        char t[32];
        ms_runinfo_end(ri);
        ms_utc_text(&ri->start, t);
        fprintf(out, ",\"startTimeUtc\":\"%s\"", t);
        ms_utc_text(&ri->end, t);
        fprintf(out, ",\"endTimeUtc\":\"%s\",\"processId\":%ld", t, ri->pid);
    }
    if (*ri->hostname) {
        fputs(",\"machine\":", out);
        ms_json_cstr(out, ri->hostname);
    }
    if (*ri->user) {
        fputs(",\"account\":", out);
        ms_json_cstr(out, ri->user);
    }
    if (*ri->cwd == '/') {
        fputs(",\"workingDirectory\":{\"uri\":\"", out);
        ms_uri_write(out, ri->cwd, strlen(ri->cwd), false);
        fputs("\"}", out);
    }
    fputc(',', out);
}

static int end(ms_report *r) {
    sarif_state *st = r->state;
    FILE *out = r->out;
    int ret = 0;

    if (!st)
        return -EINVAL;
    r->state = NULL;
    if (fflush(st->results) != 0 || ferror(st->results) || fflush(st->notes) != 0 ||
        ferror(st->notes)) {
        ret = -ENOMEM;
        goto out;
    }
    fputs("{\"$schema\":\"" SARIF_SCHEMA "\",\"version\":\"2.1.0\",\"runs\":[{", out);
    fputs("\"tool\":{\"driver\":{\"name\":\"minerscan\",\"version\":\"" MS_VERSION
          "\",\"semanticVersion\":\"" MS_VERSION "\",",
          out);
    fputs("\"informationUri\":", out);
    ms_json_cstr(out, MS_HOMEPAGE);
    fputs(",\"rules\":[", out);
    for (size_t i = 0; i < st->n_descs; i++) {
        if (i)
            fputc(',', out);
        write_desc(out, &st->descs[i]);
    }
    fputs("],\"notifications\":[", out);
    for (int i = 0; i < NOTE__MAX; i++)
        fprintf(out,
                "%s{\"id\":\"%s\",\"shortDescription\":{\"text\":\"%s\"},"
                "\"defaultConfiguration\":{\"level\":\"%s\"}}",
                i ? "," : "", note_descs[i].id, note_descs[i].text,
                note_level(i));
    fputs("]}},\"invocations\":[{", out);
    if (r->run)
        write_invocation_run(out, r);
    fputs("\"executionSuccessful\":", out);
    fputs(st->have_summary && st->sum.interrupted ? "false" : "true", out);
    fputs(",\"toolExecutionNotifications\":[", out);
    if (st->notes_len)
        fwrite(st->notes_buf, 1, st->notes_len, out);
    fputc(']', out);
    write_invocation_props(out, r, st);
    fputs("}],\"results\":[", out);
    if (st->results_len)
        fwrite(st->results_buf, 1, st->results_len, out);
    fputs("]}]", out);
    if (r->run) {
        /* the seal: the sha256 of every byte before its comma */
        char hex[65], when[32];
        uint64_t bytes = 0;
        if (ms_report_seal(r, hex, &bytes, when) < 0) {
            ret = -EIO;
            goto out;
        }
        fprintf(r->raw, ",\"properties\":{\"reportSha256\":\"%s\",\"reportBytes\":%llu}}\n", hex,
                (unsigned long long)bytes);
        if (fflush(r->raw) != 0 || ferror(r->raw))
            ret = -EIO;
        goto out;
    }
    fputs("}\n", out);
    if (fflush(out) != 0 || ferror(out))
        ret = -EIO;
out:
    state_free(st);
    return ret;
}

/* --list-rules: a run with a descriptor per rule and no results. */
static int list_rules(ms_report *r, const ms_rule_hit *rules, size_t n) {
    int k;
    if ((k = begin(r)) < 0)
        return k;
    sarif_state *st = r->state;
    for (size_t i = 0; i < n; i++) {
        size_t idx;
        if ((k = desc_index(st, DESC_YARA, &rules[i], &idx)) < 0) {
            state_free(st);
            r->state = NULL;
            return k;
        }
    }
    return end(r);
}

const ms_report_ops ms_report_sarif = {"sarif", begin, object, summary, end, list_rules};
