/*
 * report_text.c - the report for people. Not a contract: scripts read
 * JSON Lines. Every string that came from outside (paths, rule metadata,
 * IOCs, libmagic text) goes through ms_text_sanitize, so no control byte
 * or terminal escape sequence in a file name or a scanned file can reach
 * the terminal; the only control byte written is the newline ending a line.
 *
 *   MALICIOUS dir/xmrig [elf] xmrig_strings (xmrig/high), stratum_url (pool/medium)
 *       rule xmrig_strings [high]: DESCRIPTION (tags: a, b)   (one per rule)
 *         match $a at 4660 (12 bytes): stratum+tcp   (its first three matches)
 *       reason: ...                 (when there are rules as well as a reason)
 *       pool: stratum+tcp://pool.example.com:3333
 *       wallet: xmr 4...
 *       config: algo=rx/0 user=... pass=x donate-level=0 tls=yes
 *       flow: tcp 10.0.0.5:41000 -> 1.2.3.4:3333 name=pool... stratum tls=no
 *             wallet=... worker=... agent=... algo=... FIRST .. LAST
 *             bytes N/N shares N (N accepted)   (one line; captures)
 *       hash-list: NAME / allowed-by: NAME
 *       model: 0.97 >= 0.80         (flagged objects; any scored one with --explain)
 *         tok_stratum value 3 weight +1.90   (--explain)
 *       sha256: ...
 *   and for --live records (process, persistence, host), after the header:
 *       process: pid 1234 ppid 1 user root (uid 0) comm xmrig started 2025-01-02T03:04:05Z cpu 1.50 s
 *       exe: /tmp/.x/xmrig (deleted)            hidden: yes (when it is)
 *       cmdline: /tmp/.x/xmrig -o stratum+tcp://... (arguments joined by spaces)
 *       connection: tcp 10.0.0.5:40112 -> 192.0.2.7:3333 established [stratum_port]
 *       memory: 12 mappings, 1.4 MiB scanned, 2 skipped, 5 libraries (note)
 *       location: cron (immutable, append-only)
 *       host: vm kernel 6.1.0 nr_hugepages 0 nmi_watchdog 0 msr no processes 120 hidden 0
 *       evidence: exe_deleted (low): /tmp/.x/xmrig (deleted)
 *   summary: objects N, files N, bytes N, clean N, ..., elapsed 1.23 s
 *
 * --list-rules writes a table (tab-separated, one header line):
 *   namespace rule grade family category severity tags description
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "live_record.h"
#include "report.h"
#include "report_flows.h"
#include "ms_version.h"
#include "runinfo.h"
#include "verdict.h"

static void put(FILE *out, const char *s) {
    if (s)
        ms_text_sanitize(out, s, strlen(s));
}

/* The run record (runinfo.h) as the report's first lines. */
static int begin(ms_report *r) {
    const ms_runinfo *ri = r->run;
    FILE *out = r->out;
    if (!ri)
        return 0;
    fputs("run: minerscan " MS_VERSION, out);
    if (!ri->sort) {
        char t[32];
        ms_utc_text(&ri->start, t);
        fprintf(out, " started %s", t);
    }
    fputs(" on ", out);
    put(out, *ri->hostname ? ri->hostname : "(unknown host)");
    fputs(" (kernel ", out);
    put(out, ri->kernel);
    fputc(' ', out);
    put(out, ri->machine);
    fputs(") as ", out);
    put(out, *ri->user ? ri->user : "(no name)");
    fprintf(out, " (uid %ld", ri->uid);
    if (ri->euid != ri->uid)
        fprintf(out, ", euid %ld", ri->euid);
    fputc(')', out);
    if (!ri->sort)
        fprintf(out, ", pid %ld", ri->pid);
    char *cmd = ms_runinfo_command(ri);
    fputs("\n    command: ", out);
    put(out, cmd);
    free(cmd);
    fputs("\n    directory: ", out);
    put(out, *ri->cwd ? ri->cwd : "(unknown)");
    fputs("\n    scanner: ", out);
    put(out, *ri->exe ? ri->exe : "(unknown)");
    fputs(" sha256 ", out);
    put(out, *ri->exe_sha256 ? ri->exe_sha256 : "(could not be read)");
    if (ri->builtin_rules)
        fprintf(out, "\n    rules: built-in %zu rules sha256 %s", ri->builtin_count, ri->builtin_sha256);
    for (size_t i = 0; i < ri->n_inputs; i++) {
        const ms_run_input *in = &ri->inputs[i];
        bool rules = !strcmp(in->kind, "source") || !strcmp(in->kind, "compiled");
        fprintf(out, "\n    %s: %s ", rules ? "rules" : "list", in->kind);
        put(out, in->path);
        fputs(" sha256 ", out);
        put(out, *in->sha256 ? in->sha256 : "(could not be read)");
    }
    fprintf(out, "\n    model: executable %s sha256 %s\n    model: script %s sha256 %s\n", ri->model_version,
            ri->model_sha256, ri->script_version, ri->script_sha256);
    return ferror(out) ? -EIO : 0;
}

static void write_rules(FILE *out, const ms_verdict *v) {
    for (size_t i = 0; i < v->n_rules; i++) {
        const ms_rule_hit *h = &v->rules[i];
        fputs(i ? ", " : " ", out);
        put(out, h->rule);
        bool fam = h->family && *h->family, sev = h->severity && *h->severity;
        if (fam || sev) {
            fputs(" (", out);
            put(out, h->family);
            if (fam && sev)
                fputc('/', out);
            put(out, h->severity);
            fputc(')', out);
        }
    }
}

/* How many matches of each rule the text shows (JSON Lines has more). */
#define TEXT_MATCHES 3

/* One line per rule: its grade, description and tags; then its first
 * matches (issue 11: people read the description, not the rule name). */
static void write_rule_lines(FILE *out, const ms_verdict *v) {
    for (size_t i = 0; i < v->n_rules; i++) {
        const ms_rule_hit *h = &v->rules[i];
        fputs("    rule ", out);
        put(out, h->rule);
        fprintf(out, " [%s]", ms_grade_name(ms_rule_grade(h, NULL)));
        if (h->description && *h->description) {
            fputs(": ", out);
            put(out, h->description);
        }
        if (h->n_tags) {
            fputs(" (tags:", out);
            for (size_t t = 0; t < h->n_tags; t++) {
                fputs(t ? ", " : " ", out);
                put(out, h->tags[t]);
            }
            fputc(')', out);
        }
        fputc('\n', out);
        for (size_t k = 0; k < h->n_matches && k < TEXT_MATCHES; k++) {
            const ms_string_match *m = &h->matches[k];
            fputs("      match ", out); /* "key ..." lines: selfreport.c knows them */
            put(out, m->id);
            fprintf(out, " at %llu (%llu bytes): ", (unsigned long long)m->offset, (unsigned long long)m->length);
            ms_match_data_text(out, m->data, m->data_len);
            fputs(m->length > m->data_len ? "...\n" : "\n", out);
        }
        if (h->matches_total > TEXT_MATCHES && h->n_matches >= TEXT_MATCHES)
            fprintf(out, "      matches: %llu in all\n", (unsigned long long)h->matches_total);
    }
}

static void cell(FILE *out, const char *s) {
    /* a tab or newline inside a value would break the table */
    for (; s && *s; s++) {
        const char *e = s;
        while (*e && *e != '\t' && *e != '\n')
            e++;
        ms_text_sanitize(out, s, (size_t)(e - s));
        if (!*e)
            break;
        fputc(' ', out);
        s = e;
    }
}

static int list_rules(ms_report *r, const ms_rule_hit *rules, size_t n) {
    FILE *out = r->out;
    fputs("namespace\trule\tgrade\tfamily\tcategory\tseverity\ttags\tdescription\n", out);
    for (size_t i = 0; i < n; i++) {
        const ms_rule_hit *h = &rules[i];
        cell(out, h->ns);
        fputc('\t', out);
        cell(out, h->rule);
        fprintf(out, "\t%s\t", ms_grade_name(ms_rule_grade(h, NULL)));
        cell(out, h->family);
        fputc('\t', out);
        cell(out, h->category);
        fputc('\t', out);
        cell(out, h->severity);
        fputc('\t', out);
        for (size_t t = 0; t < h->n_tags; t++) {
            if (t)
                fputc(',', out);
            cell(out, h->tags[t]);
        }
        fputc('\t', out);
        cell(out, h->description);
        fputc('\n', out);
    }
    return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}

static void write_config(FILE *out, const ms_miner_config *c) {
    if (!c->algo && !c->user && !c->pass && c->donate_level < 0 && c->tls < 0)
        return;
    fputs("    config:", out);
    if (c->algo) {
        fputs(" algo=", out);
        put(out, c->algo);
    }
    if (c->user) {
        fputs(" user=", out);
        put(out, c->user);
    }
    if (c->pass) {
        fputs(" pass=", out);
        put(out, c->pass);
    }
    if (c->donate_level >= 0)
        fprintf(out, " donate-level=%d", c->donate_level);
    if (c->tls >= 0)
        fprintf(out, " tls=%s", c->tls ? "yes" : "no");
    fputc('\n', out);
}

static void write_model(ms_report *r, const ms_verdict *v) {
    FILE *out = r->out;
    if (!v->has_model || (v->verdict == MS_CLEAN && !r->explain))
        return;
    fprintf(out, "    %smodel: %.2f %s %.2f\n", v->model_name && !strcmp(v->model_name, "script") ? "script " : "",
            v->score, v->score >= v->threshold ? ">=" : "<", v->threshold);
    if (!r->explain)
        return;
    for (size_t i = 0; i < v->n_top; i++) {
        fputs("      ", out);
        put(out, v->top[i].feature);
        fprintf(out, " value %g weight %+.2f\n", v->top[i].value, v->top[i].weight);
    }
}

static void write_live(FILE *out, const ms_live_info *l) {
    switch (l->kind) {
    case MS_LIVE_PROCESS: {
        fprintf(out, "    process: pid %d ppid %d user ", l->pid, l->ppid);
        put(out, l->user ? l->user : "?");
        fprintf(out, " (uid %ld) comm ", l->uid);
        put(out, l->comm);
        struct tm tm;
        time_t t = (time_t)l->start_time;
        char buf[32];
        if (l->start_time >= 0 && gmtime_r(&t, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
            fprintf(out, " started %s", buf);
        if (l->cpu_s >= 0)
            fprintf(out, " cpu %.2f s", l->cpu_s);
        fputc('\n', out);
        if (l->exe) {
            fputs("    exe: ", out);
            put(out, l->exe);
            fputs(l->deleted ? " (deleted)\n" : "\n", out);
        }
        if (l->hidden)
            fputs("    hidden: yes\n", out);
        if (l->argc) {
            fputs("    cmdline:", out);
            for (size_t i = 0; i < l->argc; i++) {
                fputc(' ', out);
                put(out, l->argv[i]);
            }
            fputc('\n', out);
        }
        for (size_t i = 0; i < l->n_conns; i++) {
            const ms_live_conn *c = &l->conns[i];
            fprintf(out, "    connection: %s %s -> %s %s", c->proto, c->local, c->remote, c->state);
            if (c->match)
                fprintf(out, " [%s]", c->match);
            fputc('\n', out);
        }
        fprintf(out, "    memory: %u mappings, %.1f MiB scanned, %u skipped, %u libraries", l->mem_regions,
                (double)l->mem_bytes / (1024.0 * 1024.0), l->mem_skipped, l->libs);
        if (l->mem_note) {
            fputs(" (", out);
            put(out, l->mem_note);
            fputc(')', out);
        }
        fputc('\n', out);
        break;
    }
    case MS_LIVE_PERSISTENCE:
        fputs("    location: ", out);
        put(out, l->location);
        if (l->immutable || l->append_only)
            fprintf(out, " (%s%s%s)", l->immutable ? "immutable" : "",
                    l->immutable && l->append_only ? ", " : "", l->append_only ? "append-only" : "");
        fputc('\n', out);
        break;
    case MS_LIVE_HOST:
        fputs("    host: ", out);
        put(out, l->hostname ? l->hostname : "?");
        fputs(" kernel ", out);
        put(out, l->kernel ? l->kernel : "?");
        fprintf(out, " nr_hugepages %ld nmi_watchdog %d msr %s processes %llu hidden %llu\n",
                l->nr_hugepages, l->nmi_watchdog,
                l->msr_loaded < 0 ? "unknown" : l->msr_loaded ? "loaded" : "no",
                (unsigned long long)l->processes, (unsigned long long)l->hidden_processes);
        break;
    }
    for (size_t i = 0; i < l->n_ev; i++) {
        fputs("    evidence: ", out);
        put(out, l->ev[i].code->code);
        fprintf(out, " (%s): ", l->ev[i].code->severity);
        put(out, l->ev[i].text);
        fputc('\n', out);
    }
}

static int object(ms_report *r, const ms_verdict *v) {
    FILE *out = r->out;
    const char *name = ms_verdict_name(v->verdict);
    for (const char *p = name; *p; p++)
        fputc(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p, out);
    fputc(' ', out);
    ms_text_sanitize(out, v->path, v->path_len);
    fprintf(out, " [%s]", ms_class_name(v->cls));
    if (v->n_rules)
        write_rules(out, v);
    /* --live evidence that counts names the record as rules do */
    size_t n_ev = 0;
    for (size_t i = 0; v->live && i < v->live->n_ev; i++) {
        const ms_live_code *c = v->live->ev[i].code;
        if (!strcmp(c->severity, "info"))
            continue;
        fputs(v->n_rules || n_ev ? ", " : " ", out);
        fprintf(out, "%s (%s)", c->code, c->severity);
        n_ev++;
    }
    if (!v->n_rules && !n_ev && v->reason) {
        fputc(' ', out);
        put(out, v->reason);
    }
    fputc('\n', out);

    write_rule_lines(out, v);
    if ((v->n_rules || n_ev) && v->reason) {
        fputs("    reason: ", out);
        put(out, v->reason);
        fputc('\n', out);
    }
    if (v->live)
        write_live(out, v->live);
    for (size_t i = 0; i < v->iocs.n_pools; i++) {
        fputs("    pool: ", out);
        put(out, v->iocs.pools[i]);
        fputc('\n', out);
    }
    for (size_t i = 0; i < v->iocs.n_wallets; i++) {
        fputs("    wallet: ", out);
        put(out, v->iocs.wallets[i].coin);
        fputc(' ', out);
        put(out, v->iocs.wallets[i].address);
        fputc('\n', out);
    }
    write_config(out, &v->iocs.config);
    ms_report_flows_text(out, &v->iocs); /* capture flows */
    if (v->hash_list) {
        fputs("    hash-list: ", out);
        put(out, v->hash_list);
        fputc('\n', out);
    }
    if (v->allowed_by) {
        fputs("    allowed-by: ", out);
        put(out, v->allowed_by);
        fputc('\n', out);
    }
    write_model(r, v);
    if (v->has_sha256) {
        fputs("    sha256: ", out);
        ms_text_sanitize(out, v->sha256, strnlen(v->sha256, sizeof(v->sha256)));
        fputc('\n', out);
    }
    return ferror(out) ? -EIO : 0;
}

static int summary(ms_report *r, const ms_summary *s) {
    FILE *out = r->out;
    fputs("summary:", out);
    for (const ms_summary_field *f = ms_summary_fields; f->name; f++)
        fprintf(out, "%s %s %llu", f == ms_summary_fields ? "" : ",", f->name,
                (unsigned long long)ms_summary_value(s, f));
    if (!r->sort)
        fprintf(out, ", elapsed %.2f s", s->elapsed_s);
    if (s->interrupted)
        fputs(", interrupted", out);
    fputc('\n', out);
    return ferror(out) ? -EIO : 0;
}

static void write_seal(FILE *raw, const char *hex, uint64_t bytes, const char *when) {
    fprintf(raw, "end: %s%sreport sha256 %s (of the %llu bytes above this line)\n", when, *when ? ", " : "",
            hex, (unsigned long long)bytes);
}

static int end(ms_report *r) {
    return ms_report_end_sealed(r, write_seal);
}

const ms_report_ops ms_report_text = {"text", begin, object, summary, end, list_rules};
