/*
 * report_jsonl.c - JSON Lines: one record per line, UTF-8, "\n" after each.
 *
 * This comment is the contract. Field names and meanings do not change;
 * new fields may be added, so readers must ignore fields they do not know.
 * Keys are written in the order listed. Every line is a JSON object with a
 * "type" member; there are two types.
 *
 * {"type":"object", ...}  one per reported object (every non-clean object,
 *                         objects with allowed_by, and with --all every
 *                         object), in arrival order, or sorted by path
 *                         under --sort:
 *   path        string   the object's path. Archive members and decoded
 *                        blobs have virtual paths joined by "!":
 *                        "image.tar!layer.tar.gz!usr/bin/x". When the raw
 *                        bytes are valid UTF-8 this is exactly them (control
 *                        characters JSON-escaped); otherwise each invalid
 *                        byte is U+FFFD and path_b64 follows.
 *   path_b64    string   only when path is not valid UTF-8: standard padded
 *                        base64 of the exact path bytes.
 *   verdict     string   "malicious" | "suspicious" | "clean" | "damaged" |
 *                        "error" | "skipped" | "limit": the worst of the
 *                        object's own and its members'. "damaged": read to
 *                        its end but its structure is broken (a corrupt
 *                        archive, a member cut short); nothing was found
 *                        and nothing that exists was left unread, so it
 *                        does not make the exit status 2.
 *   size        integer  bytes of the object.
 *   sha256      string|null  lower-case hex, null when not computed.
 *   filetype    object   {"class": "elf"|"pe"|"macho"|"script"|"config"|
 *                        "archive"|"other", "description": string|null
 *                        (libmagic's text, null when not identified)}.
 *   rules       array    one object per YARA rule that matched, in match
 *                        order: {"rule", "namespace" ("builtin" or the user
 *                        rule file), "family", "category", "severity"
 *                        ("high"|"medium"|"low"), "description"} strings
 *                        ("" when the rule has no such metadata), then
 *                        "offset" and "length" (integers: byte offset and
 *                        length of the rule's first string match; both
 *                        null for a rule that matched on its condition
 *                        alone).
 *   model       object   present only when a model scored the object
 *                        (executables; scripts), whatever the verdict:
 *                        {"name": "executable" | "script",
 *                        "score": number 0..1, "threshold": number,
 *                        "top": [{"feature": string, "value": number,
 *                        "weight": number (its contribution to the logit)}]}
 *                        ordered from the largest contribution down.
 *   iocs        object   {"pools": [string] (URLs or host:port, first-seen
 *                        order), "wallets": [{"coin": string, "address":
 *                        string}], "config": {"algo": string|null, "user":
 *                        string|null, "pass": string|null, "donate_level":
 *                        integer|null, "tls": bool|null}, "flows": [flow]};
 *                        null means "not found", never "false".
 *               flow     one per network flow of a packet capture with a
 *                        finding (capture.h): {"proto": "tcp"|"udp",
 *                        "client": {"ip", "port"}, "server": {"ip", "port",
 *                        "name" (SNI, or the pool name a DNS answer in the
 *                        capture gave for the address; null)}, "dialect":
 *                        "stratum"|"xmr-stratum"|"getwork"|
 *                        "getblocktemplate"|"tls"|"dns"|"json-rpc",
 *                        "tls": null (plaintext) | "1.0".."1.3" | "tls"
 *                        (version not seen), "sni", "cert_name" (the pool
 *                        name in a TLS <= 1.2 certificate), "wallet",
 *                        "worker", "login", "agent", "algo" (string|null),
 *                        "first_seen", "last_seen" (ISO 8601 UTC with
 *                        nanoseconds, as the capture recorded),
 *                        "bytes_to_server", "bytes_to_client", "shares"
 *                        (share submissions), "accepted" (of which the
 *                        pool said accepted) integers, "complete" (bool:
 *                        both directions read without a gap or a cut)}.
 *                        "flows" is present only when there are some.
 *   reason      string|null  why the verdict is what it is when that is
 *                        not just the rules: "limit: ...", "encrypted",
 *                        "a member is malicious", "model score ...", an
 *                        error text, "allowed by LIST (would be ...)".
 *   is_member   bool     an archive member or decoded blob, not a file.
 *   depth       integer  0 for a file given or walked, +1 per archive level.
 *   incomplete  bool     the object was not fully scanned (error, limit,
 *                        encrypted); a run with such objects and no finding
 *                        exits 2.
 *   hash_list   string|null  the --hashes list whose entry matched.
 *   allowed_by  string|null  the --allow list whose entry matched (the
 *                        verdict is then "clean" and reason says what it
 *                        would have been).
 *   contains    string|null  "malicious" | "suspicious" when a member is
 *                        what made the verdict (the archive "contains" the
 *                        finding; the summary counts it once, as the
 *                        member's); null otherwise.
 *   is_dir      bool     a directory the walker reports on (skipped,
 *                        unreadable, too deep), not a file.
 *   chain       array    the components of path, unescaped: [the top-level
 *                        path as given, then each member name, outermost
 *                        first] (issue 15). path joins them with "!"; in
 *                        path a "!" or "\" inside a member name is
 *                        written "\!" or "\\" (the top-level part is the
 *                        file's path exactly), so only chain is certain to
 *                        split right. Each is a JSON string as path is
 *                        (U+FFFD for bytes that are not UTF-8: the exact
 *                        bytes are path_b64, unescaped).
 *   reason_code object|null  null when reason is null; else the reason for
 *                        programs: {"code": string, then parameters}.
 *                        Codes and parameters (scanner/reason.c):
 *                        "max-filesize", "max-archive-bytes",
 *                        "max-entries", "max-depth", "max-dir-depth",
 *                        "max-objects", "max-time", "max-memory",
 *                        "capture-packets", "capture-buffer",
 *                        "capture-flows" {"limit": integer}; "max-ratio"
 *                        {"limit": number, "read": integer (bytes read
 *                        before the stop)}; "scan-timeout" {"limit": s};
 *                        "scan-failed"; "read-error"; "os-error"
 *                        {"errno": "EACCES"...}; "changed-while-scanned"
 *                        {"size_at_open", "size_now", "scanned": integers};
 *                        "vanished"; "changed-during-walk";
 *                        "moved-during-walk"; "special-file" {"type":
 *                        "fifo"|"socket"|"device"|"other"}; "pseudo-fs"
 *                        {"fs": string}; "other-file-system";
 *                        "symlink-loop"; "directory-loop"; "report-file";
 *                        "encrypted"; "capture-unreadable";
 *                        "capture-link-type"; "member" {"verdict"};
 *                        "member-incomplete" {"verdict"}; "model",
 *                        "model-strict", "script-score" {"score",
 *                        "threshold": numbers}; "allowed" {"would_be"};
 *                        "damaged"; "interrupted"; "other" (a reason no
 *                        code describes yet). Any code may also carry
 *                        "named": true, a path the user named that was not
 *                        read. New codes and parameters may be added.
 *
 * {"type":"summary", ...}  exactly one, the last line of a complete run:
 *   objects, files, members, directories, bytes, clean, damaged,
 *               malicious, suspicious, containing, errors, skipped,
 *               limits, incomplete   integers. objects = files + members +
 *               directories; each object is in exactly one of clean ..
 *               limits, an archive flagged only through a member in
 *               "containing" (so one finding counts once); files counts
 *               top-level files; bytes are bytes read from them.
 *   elapsed_s   number|null  wall-clock seconds of the run; null under
 *               --sort, so that the whole output is byte-identical from
 *               run to run and for any thread count.
 *   interrupted bool     the run was stopped (SIGINT/SIGTERM) before the
 *               end; the records above are then not every object.
 *
 * Numbers that are not integers are written with "%.6g" (deterministic,
 * locale-independent); a non-finite value would be null. Strings from the
 * scanned data (paths, IOCs, libmagic text) are escaped so that every line
 * parses: invalid UTF-8 becomes U+FFFD (only path also gets exact bytes).
 */
#include <errno.h>
#include <string.h>

#include "b64.h"
#include "reason.h"
#include "report.h"
#include "report_flows.h"

static int begin(ms_report *r) {
    (void)r;
    return 0;
}

static void write_str_array(FILE *out, char *const *v, size_t n) {
    fputc('[', out);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', out);
        ms_json_cstr(out, v[i]);
    }
    fputc(']', out);
}

static void write_rules(FILE *out, const ms_verdict *v) {
    fputc('[', out);
    for (size_t i = 0; i < v->n_rules; i++) {
        const ms_rule_hit *h = &v->rules[i];
        if (i)
            fputc(',', out);
        fputs("{\"rule\":", out);
        ms_json_cstr(out, h->rule ? h->rule : "");
        fputs(",\"namespace\":", out);
        ms_json_cstr(out, h->ns ? h->ns : "");
        fputs(",\"family\":", out);
        ms_json_cstr(out, h->family ? h->family : "");
        fputs(",\"category\":", out);
        ms_json_cstr(out, h->category ? h->category : "");
        fputs(",\"severity\":", out);
        ms_json_cstr(out, h->severity ? h->severity : "");
        fputs(",\"description\":", out);
        ms_json_cstr(out, h->description ? h->description : "");
        if (h->has_match)
            fprintf(out, ",\"offset\":%llu,\"length\":%llu}", (unsigned long long)h->offset,
                    (unsigned long long)h->length);
        else
            fputs(",\"offset\":null,\"length\":null}", out);
    }
    fputc(']', out);
}

static void write_model(FILE *out, const ms_verdict *v) {
    fputs(",\"model\":{\"name\":", out);
    ms_json_cstr(out, v->model_name ? v->model_name : "executable");
    fputs(",\"score\":", out);
    ms_json_double(out, v->score);
    fputs(",\"threshold\":", out);
    ms_json_double(out, v->threshold);
    fputs(",\"top\":[", out);
    for (size_t i = 0; i < v->n_top; i++) {
        if (i)
            fputc(',', out);
        fputs("{\"feature\":", out);
        ms_json_cstr(out, v->top[i].feature ? v->top[i].feature : "");
        fputs(",\"value\":", out);
        ms_json_double(out, v->top[i].value);
        fputs(",\"weight\":", out);
        ms_json_double(out, v->top[i].weight);
        fputc('}', out);
    }
    fputs("]}", out);
}

/* iocs.flows: capture flows (capture.h), only when there are some */
static void write_flows(FILE *out, const ms_iocs *i) {
    if (!i->n_flows)
        return;
    fputs(",\"flows\":", out);
    ms_report_flows_json(out, i);
}

static void write_iocs(FILE *out, const ms_iocs *i) {
    fputs(",\"iocs\":{\"pools\":", out);
    write_str_array(out, i->pools, i->n_pools);
    fputs(",\"wallets\":[", out);
    for (size_t k = 0; k < i->n_wallets; k++) {
        if (k)
            fputc(',', out);
        fputs("{\"coin\":", out);
        ms_json_cstr(out, i->wallets[k].coin ? i->wallets[k].coin : "");
        fputs(",\"address\":", out);
        ms_json_cstr(out, i->wallets[k].address ? i->wallets[k].address : "");
        fputc('}', out);
    }
    fputs("],\"config\":{\"algo\":", out);
    ms_json_cstr(out, i->config.algo);
    fputs(",\"user\":", out);
    ms_json_cstr(out, i->config.user);
    fputs(",\"pass\":", out);
    ms_json_cstr(out, i->config.pass);
    if (i->config.donate_level >= 0)
        fprintf(out, ",\"donate_level\":%d", i->config.donate_level);
    else
        fputs(",\"donate_level\":null", out);
    fputs(i->config.tls < 0 ? ",\"tls\":null"
          : i->config.tls   ? ",\"tls\":true"
                            : ",\"tls\":false",
          out);
    fputc('}', out);
    write_flows(out, i);
    fputc('}', out);
}

static void write_chain(FILE *out, const ms_verdict *v) {
    fputs(",\"chain\":[", out);
    if (!v->chain)
        ms_json_string(out, v->path, v->path_len);
    for (size_t i = 0; v->chain && i < v->n_chain; i++) {
        if (i)
            fputc(',', out);
        ms_json_cstr(out, v->chain[i]);
    }
    fputc(']', out);
}

static void write_reason_code(FILE *out, const ms_verdict *v) {
    ms_reason_code c;
    fputs(",\"reason_code\":", out);
    if (!ms_reason_code_of(v->reason, v->verdict, &c)) {
        fputs("null", out);
        return;
    }
    fputs("{\"code\":", out);
    ms_json_cstr(out, c.code);
    for (unsigned i = 0; i < c.n_params; i++) {
        const ms_reason_param *p = &c.params[i];
        if (!p->name)
            continue;
        fputc(',', out);
        ms_json_cstr(out, p->name);
        fputc(':', out);
        switch (p->kind) {
        case MS_PARAM_INT:
            fprintf(out, "%llu", (unsigned long long)p->u);
            break;
        case MS_PARAM_NUM:
            ms_json_double(out, p->num);
            break;
        case MS_PARAM_STR:
            ms_json_cstr(out, p->str);
            break;
        case MS_PARAM_BOOL:
            fputs(p->u ? "true" : "false", out);
            break;
        }
    }
    fputc('}', out);
}

static int object(ms_report *r, const ms_verdict *v) {
    FILE *out = r->out;
    fputs("{\"type\":\"object\",\"path\":", out);
    ms_json_string(out, v->path, v->path_len);
    if (!ms_utf8_valid(v->path, v->path_len)) {
        fputs(",\"path_b64\":\"", out);
        ms_base64_write(out, (const uint8_t *)v->path, v->path_len);
        fputc('"', out);
    }
    fputs(",\"verdict\":", out);
    ms_json_cstr(out, ms_verdict_name(v->verdict));
    fprintf(out, ",\"size\":%llu,\"sha256\":", (unsigned long long)v->size);
    if (v->has_sha256)
        ms_json_string(out, v->sha256, strnlen(v->sha256, sizeof(v->sha256)));
    else
        fputs("null", out);
    fputs(",\"filetype\":{\"class\":", out);
    ms_json_cstr(out, ms_class_name(v->cls));
    fputs(",\"description\":", out);
    ms_json_cstr(out, v->description);
    fputs("},\"rules\":", out);
    write_rules(out, v);
    if (v->has_model)
        write_model(out, v);
    write_iocs(out, &v->iocs);
    fputs(",\"reason\":", out);
    ms_json_cstr(out, v->reason);
    fprintf(out, ",\"is_member\":%s,\"depth\":%d,\"incomplete\":%s,\"hash_list\":",
            v->is_member ? "true" : "false", v->depth, v->incomplete ? "true" : "false");
    ms_json_cstr(out, v->hash_list);
    fputs(",\"allowed_by\":", out);
    ms_json_cstr(out, v->allowed_by);
    fputs(",\"contains\":", out);
    ms_json_cstr(out, v->contains >= MS_SUSPICIOUS ? ms_verdict_name(v->contains) : NULL);
    fprintf(out, ",\"is_dir\":%s", v->is_dir ? "true" : "false");
    write_chain(out, v);
    write_reason_code(out, v);
    fputs("}\n", out);
    return ferror(out) ? -EIO : 0;
}

static int summary(ms_report *r, const ms_summary *s) {
    FILE *out = r->out;
    fputs("{\"type\":\"summary\",", out);
    ms_summary_json(out, s);
    fputs(",\"elapsed_s\":", out);
    if (r->sort)
        fputs("null", out);
    else
        ms_json_double(out, s->elapsed_s);
    fprintf(out, ",\"interrupted\":%s}\n", s->interrupted ? "true" : "false");
    return ferror(out) ? -EIO : 0;
}

static int end(ms_report *r) {
    int f = fflush(r->out);
    return f == 0 && !ferror(r->out) ? 0 : -EIO;
}

const ms_report_ops ms_report_jsonl = {"jsonl", begin, object, summary, end};
