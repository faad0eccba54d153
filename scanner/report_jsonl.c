/*
 * report_jsonl.c - JSON Lines: one record per line, UTF-8, "\n" after each.
 *
 * This comment is the contract. Field names and meanings do not change;
 * new fields may be added, so readers must ignore fields they do not know.
 * Keys are written in the order listed. Every line is a JSON object with a
 * "type" member: "run", "object", "summary" and "end" for every run, and
 * with --live also "process", "persistence" and "host" (below).
 *
 * {"type":"run", ...}     exactly one, the first line, written before the
 *                         scan starts (runinfo.h): what made the report.
 *   scanner     "minerscan";  version  string.
 *   executable  {"path": string|null (/proc/self/exe), "sha256":
 *               string|null (of that file's bytes)}.
 *   command_line [string] argv exactly (invalid UTF-8 as U+FFFD).
 *   cwd         string|null.
 *   host        {"hostname", "kernel" (uname -r), "kernel_version"
 *               (uname -v), "machine" (uname -m)}: string|null.
 *   user        {"uid", "euid": integer, "name": string|null (uid's name
 *               in /etc/passwd)}.
 *   pid         integer|null (null under --sort).
 *   start       string|null  "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC) when the
 *               command started; null under --sort.
 *   libraries   {"libyara": string, "libmagic": integer}.
 *   rules       [{"kind": "builtin"|"source"|"compiled", "path": string|
 *               null (null for the built-in set), "rules": integer|null
 *               (the built-in set's size), "sha256": string|null (the
 *               built-in set: of its compiled form, as -V prints; a file:
 *               of the bytes given to libyara)}], in loading order.
 *   lists       [{"kind": "hashes"|"allow"|"ioc-file", "path", "sha256"}].
 *   models      [{"name": "executable"|"script", "version": string,
 *               "sha256": string (of the parameters compiled in)}].
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
 *                        "archive"|"report"|"other" ("report": one
 *                        minerscan wrote, not scanned for findings),
 *                        "description": string|null
 *                        (libmagic's text, null when not identified)}.
 *   rules       array    one object per YARA rule that matched, in match
 *                        order: {"rule", "namespace" ("builtin" or the user
 *                        rule file), "family", "category", "severity"
 *                        ("high"|"medium"|"low"), "description"} strings
 *                        ("" when the rule has no such metadata), then
 *                        "offset" and "length" (integers: byte offset and
 *                        length of the rule's first string match; both
 *                        null for a rule that matched on its condition
 *                        alone), then (issue 11):
 *                        "grade" ("high"|"medium"|"low"|"info": what the
 *                        rule counts for in the verdict, verdict.h
 *                        ms_rule_grade), "grade_source" ("severity"|
 *                        "score"|"elastic_severity"|"threat_name"|"tags"|
 *                        "none": which of the rule's keys gave it),
 *                        "tags" ([string]: the rule's tags), "meta"
 *                        (object: every metadata entry of the rule, its
 *                        value a string, integer or bool as written; a key
 *                        the rule repeats has an array of its values),
 *                        "strings" ([{"id": "$a", "offset", "length"
 *                        (integers), "data" (string: the match's first 64
 *                        bytes, printable ASCII as is, '\' doubled,
 *                        other bytes as \xHH), "data_truncated" (bool)}]:
 *                        the first 16 matches by offset), "matches"
 *                        (integer: all matches libyara reported). The
 *                        family and category of third-party rules come
 *                        from their own keys when ours are absent
 *                        (sigscan.h).
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
 * {"type":"rule", ...}  with --list-rules, one per rule and nothing else:
 *   the fields of a "rules" entry above from "rule" to "meta" (no offset,
 *   length, strings or matches).

 * --live records (issue 13) have every field of an object record, in the
 * same order, then their own. The parts of a process ("/proc/PID!exe",
 * "/proc/PID!cmdline", "/proc/PID!environ", "/proc/PID!mem@0xADDRESS",
 * one mapping of its memory at that address, "/proc/PID!lib@PATH", a
 * library it maps, read once in the run by its first process) are "object"
 * records with is_member true and depth 1, written before the process
 * record, as archive members are before their archive. A record's rules
 * are then every rule that matched any of its parts (offset and length
 * null: they belong to the part), its iocs those of its flagged parts plus
 * the pools and wallets of its command line and environment whatever the
 * rules said, and its size, sha256 and filetype its executable's.
 *
 * {"type":"process", ...}  one per process that is reported (as objects
 *                         are: not clean, or --all):
 *   path        string   "/proc/PID".
 *   pid, ppid   integer  ppid null when unknown.
 *   comm        string   the kernel's name of the process (stat's field 2).
 *   uid         integer|null  real uid.
 *   user        string|null   its name in the running system's /etc/passwd.
 *   exe         string|null   /proc/PID/exe's target, " (deleted)" removed;
 *                        null when it cannot be read.
 *   deleted     bool     the executable's file was deleted.
 *   hidden      bool     the process is missing from the /proc listing
 *                        (evidence hidden_process or hidden_from_readdir).
 *   cmdline     [string] the arguments (/proc/PID/cmdline split at NULs).
 *   start_time  string|null  "YYYY-MM-DDTHH:MM:SSZ" (UTC).
 *   cpu_s       number|null  user + system CPU seconds.
 *   connections [object] each TCP/UDP socket it holds: {"proto": "tcp"|
 *                        "tcp6"|"udp"|"udp6", "local": "ADDR:PORT",
 *                        "remote": "ADDR:PORT" (IPv6 as "[ADDR]:PORT",
 *                        "0.0.0.0:0" when it has no peer), "state":
 *                        "established"|"listen"|"syn_sent"|...|
 *                        "unconnected" (UDP), "inode": integer, "match":
 *                        string|null (the evidence code the remote
 *                        endpoint gave: pool_host_connection,
 *                        pool_address_connection, pool_port_connection,
 *                        stratum_port)}.
 *   memory      object   {"regions": integer (mappings scanned), "bytes":
 *                        integer, "skipped": integer (mappings not read:
 *                        too large, over a limit, unreadable),
 *                        "libraries": integer (files of executable
 *                        mappings, each scanned once in the run as
 *                        "/proc/PID!lib@PATH"), "note": string|null (what
 *                        was not read and why)}.
 *   evidence    [object] what --live saw besides the rules, in the order
 *                        seen: {"code": string (stable, e.g. "exe_deleted",
 *                        "pool_port_connection", "hidden_process"),
 *                        "severity": "high"|"medium"|"low"|"info",
 *                        "category": "process"|"network"|"persistence"|
 *                        "host", "description": string (the same for every
 *                        record with that code), "text": string (what was
 *                        seen)}. Severities count for the verdict as rule
 *                        severities do; "info" counts for nothing. The
 *                        codes are listed in scanner/live_record.c.
 *   A process another user owns that cannot be read is "skipped" (reason
 *   "permission denied: ...", incomplete false) unless what could be read
 *   (its command line) is a finding.
 *
 * {"type":"persistence", ...}  a file from a persistence location (crontab,
 *                         unit, rc.local, profile, shell start-up file,
 *                         authorized_keys, ld.so.preload and the libraries
 *                         it names) that is reported; its archive members
 *                         are "object" records as for any file:
 *   path        string   the file's path (under --live-root DIR: DIR/...).
 *   location    string   "cron", "at", "systemd", "rc.local", "init.d",
 *                        "profile", "shell-rc", "authorized_keys",
 *                        "autostart", "ld.so.preload", "ld.so.preload
 *                        library"; "home" for a home directory this user
 *                        may not enter (then verdict "skipped").
 *   immutable, append_only  bool  chattr +i / +a (FS_IOC_GETFLAGS).
 *   evidence    [object] as for processes (runs_from_tmp, download_pipe,
 *                        immutable, ld_so_preload, ...); the text of a line
 *                        check starts "line N: ".
 *
 * {"type":"host", ...}    exactly one per --live run, after the process and
 *                         persistence records, whatever its verdict:
 *   path        string   "host:HOSTNAME".
 *   hostname, kernel  string|null  kernel.hostname, kernel.osrelease.
 *   nr_hugepages      integer|null  vm.nr_hugepages.
 *   nmi_watchdog      integer|null  kernel.nmi_watchdog.
 *   msr_loaded        bool|null     the msr module is loaded (null: the
 *                        kernel has no modules, msr may be built in).
 *   processes         integer  processes looked at (kernel threads and
 *                        zombies not counted).
 *   hidden_processes  integer  of those, missing from the /proc listing.
 *   evidence    [object] hugepages, msr_module, nmi_watchdog_off,
 *                        hidden_processes.
 *
 * {"type":"summary", ...}  exactly one, the line before the end record of
 *                         a complete run:
 *   objects, files, members, directories, bytes, clean, damaged,
 *               malicious, suspicious, containing, errors, skipped,
 *               limits, incomplete, linked   integers. objects = files + members +
 *               directories; each object is in exactly one of clean ..
 *               limits, an archive flagged only through a member in
 *               "containing" (so one finding counts once); files counts
 *               top-level files; bytes are bytes read from them; linked
 *               counts the records of a file's later names (hard links)
 *               copied from its first name's record, not read again. Under
 *               --live, files counts the process, persistence and host
 *               records and bytes all that was read (executables,
 *               libraries, memory, command lines, files).
 *   elapsed_s   number|null  wall-clock seconds of the run; null under
 *               --sort, so that the whole output is byte-identical from
 *               run to run and for any thread count.
 *   interrupted bool     the run was stopped by a signal (SIGINT, SIGTERM,
 *               SIGHUP, SIGUSR1; exit status 128 + the signal) before the
 *               end; the records above are then not every object, but
 *               each of them is whole and this summary counts them.
 *
 * {"type":"end", ...}     exactly one, the last line, after the summary
 *                         (also of an interrupted run): the seal.
 *   end         string|null  when the report ended (UTC, as start); null
 *               under --sort.
 *   bytes       integer  the bytes of the report before this line.
 *   sha256      string   their sha256. `minerscan --verify-report FILE`
 *               checks it. A report without this line was cut short (the
 *               process was killed, or the disk filled).
 *
 * Numbers that are not integers are written with "%.6g" (deterministic,
 * locale-independent); a non-finite value would be null. Strings from the
 * scanned data (paths, IOCs, libmagic text) are escaped so that every line
 * parses: invalid UTF-8 becomes U+FFFD (only path also gets exact bytes).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "b64.h"
#include "reason.h"
#include "live_record.h"
#include "report.h"
#include "report_flows.h"
#include "runinfo.h"

static int begin(ms_report *r) {
    if (!r->run)
        return 0;
    fputs("{\"type\":\"run\",", r->out);
    ms_runinfo_json(r->out, r->run);
    fputs("}\n", r->out);
    return ferror(r->out) ? -EIO : 0;
}

/* key, then s as a JSON string, "" for NULL */
static void str_field(FILE *out, const char *key, const char *s) {
    fputs(key, out);
    ms_json_cstr(out, s ? s : "");
}

/* grade, grade_source, tags, meta (issue 11) */
static void write_rule_info(FILE *out, const ms_rule_hit *h) {
    ms_rule_grade_json(out, h);
    fputs(",\"tags\":", out);
    ms_rule_tags_json(out, h);
    fputs(",\"meta\":", out);
    ms_rule_meta_json(out, h);
}

static void write_rule_names(FILE *out, const ms_rule_hit *h) {
    str_field(out, "\"rule\":", h->rule);
    str_field(out, ",\"namespace\":", h->ns);
    str_field(out, ",\"family\":", h->family);
    str_field(out, ",\"category\":", h->category);
    str_field(out, ",\"severity\":", h->severity);
    str_field(out, ",\"description\":", h->description);
}

static int list_rules(ms_report *r, const ms_rule_hit *rules, size_t n) {
    for (size_t i = 0; i < n; i++) {
        fputs("{\"type\":\"rule\",", r->out);
        write_rule_names(r->out, &rules[i]);
        fputc(',', r->out);
        write_rule_info(r->out, &rules[i]);
        fputs("}\n", r->out);
    }
    return fflush(r->out) == 0 && !ferror(r->out) ? 0 : -EIO;
}

static void write_rules(FILE *out, const ms_verdict *v) {
    fputc('[', out);
    for (size_t i = 0; i < v->n_rules; i++) {
        const ms_rule_hit *h = &v->rules[i];
        if (i)
            fputc(',', out);
        fputc('{', out);
        write_rule_names(out, h);
        if (h->has_match)
            fprintf(out, ",\"offset\":%llu,\"length\":%llu,", (unsigned long long)h->offset,
                    (unsigned long long)h->length);
        else
            fputs(",\"offset\":null,\"length\":null,", out);
        write_rule_info(out, h);
        fputs(",\"strings\":", out);
        ms_rule_strings_json(out, h);
        fprintf(out, ",\"matches\":%llu}", (unsigned long long)h->matches_total);
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
        str_field(out, "{\"feature\":", v->top[i].feature);
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
    ms_json_str_array(out, i->pools, i->n_pools);
    fputs(",\"wallets\":[", out);
    for (size_t k = 0; k < i->n_wallets; k++) {
        if (k)
            fputc(',', out);
        str_field(out, "{\"coin\":", i->wallets[k].coin);
        str_field(out, ",\"address\":", i->wallets[k].address);
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
    fputs(",\"chain\":", out);
    if (v->chain) {
        ms_json_str_array(out, v->chain, v->n_chain);
        return;
    }
    fputc('[', out);
    ms_json_string(out, v->path, v->path_len);
    fputc(']', out);
}

/* seconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ", null if unknown */
static void write_time(FILE *out, double t) {
    struct tm tm;
    time_t s = (time_t)t;
    char buf[32];
    if (t < 0 || !gmtime_r(&s, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
        fputs("null", out);
        return;
    }
    ms_json_cstr(out, buf);
}

static void write_evidence(FILE *out, const ms_live_info *l) {
    fputs(",\"evidence\":[", out);
    for (size_t i = 0; i < l->n_ev; i++) {
        const ms_live_evidence *e = &l->ev[i];
        fputs(i ? ",{\"code\":" : "{\"code\":", out);
        ms_json_cstr(out, e->code->code);
        fputs(",\"severity\":", out);
        ms_json_cstr(out, e->code->severity);
        fputs(",\"category\":", out);
        ms_json_cstr(out, e->code->category);
        fputs(",\"description\":", out);
        ms_json_cstr(out, e->code->description);
        fputs(",\"text\":", out);
        ms_json_cstr(out, e->text);
        fputc('}', out);
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

static void write_int_or_null(FILE *out, const char *key, long v) {
    fprintf(out, ",\"%s\":", key);
    if (v < 0)
        fputs("null", out);
    else
        fprintf(out, "%ld", v);
}

/* The facts of a process, persistence or host record (see the contract). */
static void write_live(FILE *out, const ms_live_info *l) {
    switch (l->kind) {
    case MS_LIVE_PROCESS:
        fprintf(out, ",\"pid\":%d", l->pid);
        write_int_or_null(out, "ppid", l->ppid);
        fputs(",\"comm\":", out);
        ms_json_cstr(out, l->comm);
        write_int_or_null(out, "uid", l->uid);
        fputs(",\"user\":", out);
        ms_json_cstr(out, l->user);
        fputs(",\"exe\":", out);
        ms_json_cstr(out, l->exe);
        fprintf(out, ",\"deleted\":%s,\"hidden\":%s,\"cmdline\":", l->deleted ? "true" : "false",
                l->hidden ? "true" : "false");
        ms_json_str_array(out, l->argv, l->argc);
        fputs(",\"start_time\":", out);
        write_time(out, l->start_time);
        fputs(",\"cpu_s\":", out);
        if (l->cpu_s < 0)
            fputs("null", out);
        else
            ms_json_double(out, l->cpu_s);
        fputs(",\"connections\":[", out);
        for (size_t i = 0; i < l->n_conns; i++) {
            const ms_live_conn *c = &l->conns[i];
            fputs(i ? ",{\"proto\":" : "{\"proto\":", out);
            ms_json_cstr(out, c->proto);
            fputs(",\"local\":", out);
            ms_json_cstr(out, c->local);
            fputs(",\"remote\":", out);
            ms_json_cstr(out, c->remote);
            fputs(",\"state\":", out);
            ms_json_cstr(out, c->state);
            fprintf(out, ",\"inode\":%llu,\"match\":", (unsigned long long)c->inode);
            ms_json_cstr(out, c->match);
            fputc('}', out);
        }
        fprintf(out, "],\"memory\":{\"regions\":%u,\"bytes\":%llu,\"skipped\":%u,\"libraries\":%u,"
                "\"note\":",
                l->mem_regions, (unsigned long long)l->mem_bytes, l->mem_skipped, l->libs);
        ms_json_cstr(out, l->mem_note);
        fputc('}', out);
        break;
    case MS_LIVE_PERSISTENCE:
        fputs(",\"location\":", out);
        ms_json_cstr(out, l->location);
        fprintf(out, ",\"immutable\":%s,\"append_only\":%s", l->immutable ? "true" : "false",
                l->append_only ? "true" : "false");
        break;
    case MS_LIVE_HOST:
        fputs(",\"hostname\":", out);
        ms_json_cstr(out, l->hostname);
        fputs(",\"kernel\":", out);
        ms_json_cstr(out, l->kernel);
        write_int_or_null(out, "nr_hugepages", l->nr_hugepages);
        write_int_or_null(out, "nmi_watchdog", l->nmi_watchdog);
        fputs(l->msr_loaded < 0 ? ",\"msr_loaded\":null" : l->msr_loaded ? ",\"msr_loaded\":true"
                                                                      : ",\"msr_loaded\":false",
              out);
        fprintf(out, ",\"processes\":%llu,\"hidden_processes\":%llu", (unsigned long long)l->processes,
                (unsigned long long)l->hidden_processes);
        break;
    }
    write_evidence(out, l);
}

static int object(ms_report *r, const ms_verdict *v) {
    FILE *out = r->out;
    fputs("{\"type\":", out);
    ms_json_cstr(out, v->live ? ms_live_kind_name(v->live->kind) : "object");
    fputs(",\"path\":", out);
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
    if (v->live)
        write_live(out, v->live);
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

static void write_seal(FILE *raw, const char *hex, uint64_t bytes, const char *when) {
    fputs("{\"type\":\"end\",\"end\":", raw);
    if (*when)
        ms_json_cstr(raw, when);
    else
        fputs("null", raw);
    fprintf(raw, ",\"bytes\":%llu,\"sha256\":\"%s\"}\n", (unsigned long long)bytes, hex);
}

static int end(ms_report *r) {
    return ms_report_end_sealed(r, write_seal);
}

const ms_report_ops ms_report_jsonl = {"jsonl", begin, object, summary, end, list_rules};
