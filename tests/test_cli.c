/*
 * test_cli.c - the minerscan command as a user runs it: a compiled miner
 * fixture, an xmrig-style config, a dropper script, exit codes, JSON Lines
 * fields, --sort determinism across thread counts, odd file names, options.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

TestSuite(cli, .init = t_tmp_setup, .fini = t_tmp_teardown, .timeout = 240);

/* A small program holding the strings of an xmrig build. It is compiled,
 * never run. */
static const char miner_c[] =
    "#include <stdio.h>\n"
    "static const char *s[] = {\"XMRig/6.21.0\", \"donate-level\", \"randomx\",\n"
    "  \"donate.v2.xmrig.com\", \"max-threads-hint\", \"huge-pages-jit\",\n"
    "  \"use pool\", \"new job from\", \"stratum+tcp://pool.example.com:3333\",\n"
    "  \"mining.subscribe\", \"mining.submit\", 0};\n"
    "int main(int c, char **v) { for (int i = 0; s[i]; i++) if (c > 5) puts(s[i]);\n"
    "  return v[0][0] == 0; }\n";

static const char config_json[] =
    "{\n  \"autosave\": true,\n  \"donate-level\": 0,\n  \"cpu\": {\"huge-pages\": true},\n"
    "  \"randomx\": {\"1gb-pages\": true},\n"
    "  \"pools\": [{\"url\": \"stratum+tcp://pool.example.com:3333\", \"user\": \"worker1\",\n"
    "             \"pass\": \"x\", \"algo\": \"rx/0\", \"tls\": false}]\n}\n";

static char *make_miner(const char *dir, const char *name) {
    char *p = t_path(dir, name);
    cr_assert_eq(t_compile("cc", miner_c, p, NULL), 0, "compile the miner fixture");
    return p;
}

Test(cli, compiled_miner_is_malicious_exit_1_with_jsonl_fields) {
    char *m = make_miner(t_tmp, "kworker");
    t_result res;
    json_t *recs = t_run_jsonl(&res, m, NULL);
    cr_assert_eq(res.status, 1, "exit 1 when something is found; stderr: %s", res.err);
    json_t *r = t_find_record(recs, m);
    cr_assert_not_null(r, "a record for %s in:\n%s", m, res.out);
    cr_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "malicious");
    cr_assert(t_has_rule(r, "xmrig_strings"));
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "filetype"), "class")), "elf");
    const char *sha = json_string_value(json_object_get(r, "sha256"));
    cr_assert(sha && strlen(sha) == 64, "sha256 of a hit");
    struct stat st;
    stat(m, &st);
    cr_assert_eq(json_integer_value(json_object_get(r, "size")), st.st_size);
    json_t *hit = json_array_get(json_object_get(r, "rules"), 0);
    cr_assert_not_null(json_object_get(hit, "family"));
    cr_assert_not_null(json_object_get(hit, "severity"));
    json_t *sum = t_summary(recs);
    cr_assert_not_null(sum, "a final summary record");
    cr_assert_eq(json_integer_value(json_object_get(sum, "malicious")), 1);
    cr_assert_eq(json_integer_value(json_object_get(sum, "files")), 1);
    json_decref(recs);
    t_result_free(&res);
    free(m);
}

Test(cli, config_and_dropper_are_flagged) {
    char *c = t_write_str(t_tmp, "config.json", config_json);
    char *d = t_write_str(t_tmp, "x.sh", t_dropper_sh);
    t_result res;
    json_t *recs = t_run_jsonl(&res, t_tmp, NULL);
    cr_assert_eq(res.status, 1, "%s", res.err);
    json_t *rc = t_find_record(recs, c);
    json_t *rd = t_find_record(recs, d);
    cr_assert_not_null(rc, "config flagged:\n%s", res.out);
    cr_assert_not_null(rd, "dropper flagged:\n%s", res.out);
    const char *vc = json_string_value(json_object_get(rc, "verdict"));
    cr_assert(!strcmp(vc, "malicious") || !strcmp(vc, "suspicious"), "%s", vc);
    json_decref(recs);
    t_result_free(&res);
    free(c), free(d);
}

Test(cli, clean_tree_exits_0_and_reports_nothing) {
    char *a = t_write_str(t_tmp, "a.txt", "hello\n");
    char *b = t_path(t_tmp, "true");
    cr_assert_eq(t_compile("cc", "int main(void){return 0;}", b, NULL), 0);
    t_result res;
    json_t *recs = t_run_jsonl(&res, t_tmp, NULL);
    cr_assert_eq(res.status, 0, "stdout %s stderr %s", res.out, res.err);
    cr_assert_eq(json_array_size(recs), 1, "only the summary without --all:\n%s", res.out);
    json_t *sum = t_summary(recs);
    cr_assert_eq(json_integer_value(json_object_get(sum, "files")), 2);
    cr_assert_eq(json_integer_value(json_object_get(sum, "objects")), 2);
    json_decref(recs);
    t_result_free(&res);

    /* --all reports the clean objects too */
    recs = t_run_jsonl(&res, "--all", t_tmp, NULL);
    cr_assert_eq(res.status, 0);
    json_t *ra = t_find_record(recs, a);
    cr_assert_not_null(ra);
    cr_assert_str_eq(json_string_value(json_object_get(ra, "verdict")), "clean");
    cr_assert_not_null(t_find_record(recs, b));
    json_decref(recs);
    t_result_free(&res);
    free(a), free(b);
}

Test(cli, nonexistent_path_exits_2_and_names_it) {
    char *missing = t_path(t_tmp, "no-such-file");
    t_result res;
    cr_assert_eq(t_minerscan(&res, NULL, "--no-progress", missing, NULL), 0);
    cr_assert_eq(res.status, 2);
    cr_assert(strstr(res.out, missing) || strstr(res.err, missing), "names the path: %s %s", res.out, res.err);
    cr_assert(strstr(res.out, "No such file") || strstr(res.err, "No such file"));
    t_result_free(&res);

    /* found beats unscanned: exit 1 */
    char *m = make_miner(t_tmp, "m");
    cr_assert_eq(t_minerscan(&res, NULL, "--no-progress", missing, m, NULL), 0);
    cr_assert_eq(res.status, 1);
    t_result_free(&res);
    free(missing), free(m);
}

Test(cli, sort_output_is_identical_for_1_and_4_threads) {
    for (int i = 0; i < 40; i++) {
        char name[64], body[128];
        snprintf(name, sizeof(name), "d%d/f%02d.txt", i % 5, i);
        snprintf(body, sizeof(body), i % 3 ? "plain %d\n" : "mining.subscribe mining.notify %d\n", i);
        free(t_write_str(t_tmp, name, body));
    }
    char *m = make_miner(t_tmp, "d1/miner");
    /* and names of it (hard links): which of them a worker reads and
     * which are copies must not change what is written */
    for (int i = 0; i < 6; i++) {
        char name[64];
        snprintf(name, sizeof(name), "d%d/miner-link%d", i % 5, i);
        char *l = t_path(t_tmp, name);
        cr_assert_eq(link(m, l), 0);
        free(l);
    }
    free(m);
    t_result a, b;
    const char *argv1[] = {t_minerscan_path(), "-f", "jsonl", "--sort", "--all", "-j1", t_tmp, NULL};
    const char *argv4[] = {t_minerscan_path(), "-f", "jsonl", "--sort", "--all", "-j4", t_tmp, NULL};
    cr_assert_eq(t_run(argv1, NULL, 120, &a), 0);
    cr_assert_eq(t_run(argv4, NULL, 120, &b), 0);
    cr_assert_eq(a.status, 1);
    cr_assert_gt(a.out_len, 1000u);
    /* the records are the same bytes; only the run record (its command
     * line says -j1 or -j4) and so the seal differ */
    size_t la, lb;
    const char *ba = t_report_body(a.out, &la), *bb = t_report_body(b.out, &lb);
    cr_assert_lt(la, a.out_len, "the run record and the seal were found");
    cr_assert_eq(la, lb);
    cr_assert_eq(memcmp(ba, bb, la), 0, "byte-identical");
    /* the same command line twice: the whole report, seal and all */
    t_result a2;
    cr_assert_eq(t_run(argv1, NULL, 120, &a2), 0);
    cr_assert_str_eq(a.out, a2.out, "--sort: the same bytes run after run");
    t_result_free(&a2);
    cr_assert_not_null(strstr(a.out, "\"malicious\":7,"), "the miner under its 7 names: %s", a.out);
    cr_assert_not_null(strstr(a.out, "\"linked\":0,"), "--sort reads every name: %s", a.out);
    /* and sorted by path */
    json_t *recs = t_jsonl(a.out);
    const char *prev = "";
    size_t i;
    json_t *r;
    json_array_foreach(recs, i, r) {
        const char *p = json_string_value(json_object_get(r, "path"));
        if (!p)
            continue;
        cr_assert_leq(strcmp(prev, p), 0, "%s before %s", prev, p);
        prev = p;
    }
    json_decref(recs);
    t_result_free(&a);
    t_result_free(&b);

    /* text and sarif are deterministic too */
    for (int k = 0; k < 2; k++) {
        const char *fmt = k ? "sarif" : "text";
        const char *x1[] = {t_minerscan_path(), "-f", fmt, "--sort", "-j1", t_tmp, NULL};
        const char *x4[] = {t_minerscan_path(), "-f", fmt, "--sort", "-j4", t_tmp, NULL};
        cr_assert_eq(t_run(x1, NULL, 120, &a), 0);
        cr_assert_eq(t_run(x4, NULL, 120, &b), 0);
        if (k == 0) {
            const char *ta = t_report_body(a.out, &la), *tb = t_report_body(b.out, &lb);
            cr_assert(la == lb && !memcmp(ta, tb, la), "text output differs between -j1 and -j4");
        } else {
            /* all but the invocation's command line and the seal */
            char *d[2];
            for (int j = 0; j < 2; j++) {
                json_t *doc = json_loads(j ? b.out : a.out, 0, NULL);
                cr_assert_not_null(doc);
                json_t *inv = json_array_get(json_object_get(json_array_get(json_object_get(doc, "runs"), 0),
                                                            "invocations"), 0);
                cr_assert_not_null(json_object_get(inv, "commandLine"));
                json_object_del(inv, "commandLine");
                json_object_del(inv, "arguments");
                json_object_del(json_object_get(json_object_get(inv, "properties"), "run"), "command_line");
                cr_assert_not_null(json_object_get(doc, "properties"), "the seal");
                json_object_del(doc, "properties");
                d[j] = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
                json_decref(doc);
            }
            cr_assert_str_eq(d[0], d[1], "sarif output differs between -j1 and -j4");
            free(d[0]);
            free(d[1]);
        }
        t_result_free(&a);
        t_result_free(&b);
    }
}

Test(cli, odd_file_names_are_sanitised_in_text_and_exact_in_jsonl) {
    const char *name = "evil\nname\x1b[31mred";
    char *p = t_path(t_tmp, name);
    cr_assert_eq(t_compile("cc", miner_c, p, NULL), 0);
    t_result res;
    cr_assert_eq(t_minerscan(&res, NULL, "--no-progress", "-f", "text", t_tmp, NULL), 0);
    cr_assert_eq(res.status, 1);
    cr_assert_null(memchr(res.out, 0x1b, res.out_len), "no ESC reaches the terminal");
    cr_assert_not_null(strstr(res.out, "evil\\x0aname\\x1b[31mred"), "escaped form shown:\n%s", res.out);
    t_result_free(&res);

    json_t *recs = t_run_jsonl(&res, t_tmp, NULL);
    cr_assert_not_null(t_find_record(recs, p), "exact path in JSONL:\n%s", res.out);
    json_decref(recs);
    t_result_free(&res);

    /* a name that is not UTF-8 gets path_b64 with the exact bytes */
    char *q = t_path(t_tmp, "bad\xff\xfe.bin");
    cr_assert_eq(t_compile("cc", miner_c, q, NULL), 0);
    recs = t_run_jsonl(&res, q, NULL);
    json_t *r = json_array_get(recs, 0);
    cr_assert_not_null(json_object_get(r, "path_b64"), "%s", res.out);
    json_decref(recs);
    t_result_free(&res);
    free(p), free(q);
}

Test(cli, paths_from_stdin_and_output_file) {
    char *m = make_miner(t_tmp, "m1");
    char *c = t_write_str(t_tmp, "clean.txt", "hello\n");
    char *out = t_path(t_tmp, "report.jsonl");
    char input[4200];
    snprintf(input, sizeof(input), "%s\n%s\n", m, c);
    t_result res;
    cr_assert_eq(t_minerscan(&res, input, "--no-progress", "-f", "jsonl", "-o", out, "-", NULL), 0);
    cr_assert_eq(res.status, 1);
    cr_assert_eq(res.out_len, 0, "nothing on stdout with -o");
    char *text = t_read(out, NULL);
    json_t *recs = t_jsonl(text);
    cr_assert_not_null(t_find_record(recs, m));
    cr_assert_eq(json_integer_value(json_object_get(t_summary(recs), "files")), 2);
    json_decref(recs);
    free(text);
    t_result_free(&res);
    free(m), free(c), free(out);
}

Test(cli, user_rules_and_rule_errors) {
    char *rule = t_write_str(t_tmp, "rules/r.yar",
                             "rule marker_rule { meta: family = \"t\" category = \"dropper\" severity = \"high\" "
                             "description = \"d\" strings: $a = \"QQ-MARK-QQ\" condition: $a }\n");
    char *f = t_write_str(t_tmp, "data/f.txt", "xx QQ-MARK-QQ xx\n");
    char *rdir = t_path(t_tmp, "rules");
    char *ddir = t_path(t_tmp, "data");
    t_result res;
    json_t *recs = t_run_jsonl(&res, "--rules", rdir, "--no-builtin-rules", ddir, NULL);
    cr_assert_eq(res.status, 1, "%s", res.err);
    cr_assert(t_has_rule(t_find_record(recs, f), "marker_rule"));
    json_decref(recs);
    t_result_free(&res);

    char *bad = t_write_str(t_tmp, "bad.yar", "rule x {\n condition: nosuchthing\n}\n");
    cr_assert_eq(t_minerscan(&res, NULL, "--rules", bad, ddir, NULL), 0);
    cr_assert_eq(res.status, 2);
    char want[4200];
    snprintf(want, sizeof(want), "%s:2:", bad);
    cr_assert_not_null(strstr(res.err, want), "file:line message, got: %s", res.err);
    t_result_free(&res);

    cr_assert_eq(t_minerscan(&res, NULL, "--list-rules", NULL), 0);
    cr_assert_eq(res.status, 0);
    /* issue 11: a table with a header, no "(null)" */
    cr_assert_eq(strncmp(res.out, "namespace\trule\tgrade\t", 19), 0, "%s", res.out);
    cr_assert_not_null(strstr(res.out, "builtin\txmrig_strings\thigh\txmrig\t"));
    cr_assert_null(strstr(res.out, "(null)"));
    t_result_free(&res);
    free(rule), free(f), free(rdir), free(ddir), free(bad);
}

Test(cli, hash_lists_from_the_command_line) {
    const char body[] = "nothing suspicious in here at all\n";
    char *f = t_write_str(t_tmp, "f.bin", body);
    const char *argv[] = {"sha256sum", f, NULL};
    t_result h;
    cr_assert_eq(t_run(argv, NULL, 30, &h), 0);
    char line[128];
    snprintf(line, sizeof(line), "%.64s known-bad-sample\n", h.out);
    t_result_free(&h);
    char *list = t_write_str(t_tmp, "bad.list", line);
    t_result res;
    json_t *recs = t_run_jsonl(&res, "--hashes", list, f, NULL);
    cr_assert_eq(res.status, 1);
    json_t *r = t_find_record(recs, f);
    cr_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "malicious");
    cr_assert_str_eq(json_string_value(json_object_get(r, "hash_list")), "known-bad-sample");
    json_decref(recs);
    t_result_free(&res);

    char *m = make_miner(t_tmp, "allowed-miner");
    const char *argv2[] = {"sha256sum", m, NULL};
    cr_assert_eq(t_run(argv2, NULL, 30, &h), 0);
    snprintf(line, sizeof(line), "%.64s\n", h.out);
    t_result_free(&h);
    char *allow = t_write_str(t_tmp, "allow.list", line);
    recs = t_run_jsonl(&res, "--allow", allow, m, NULL);
    cr_assert_eq(res.status, 0, "allowed: nothing found");
    r = t_find_record(recs, m);
    cr_assert_not_null(r, "an allowed hit is still reported, as allowed");
    cr_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "clean");
    cr_assert_str_eq(json_string_value(json_object_get(r, "allowed_by")), "allow.list");
    json_decref(recs);
    t_result_free(&res);
    free(f), free(list), free(m), free(allow);
}

Test(cli, usage_errors_are_one_line_and_exit_2) {
    const char *bad[][3] = {
        {"--threads", "zero", NULL}, {"--format", "xml", NULL},   {"--no-such-option", NULL, NULL},
        {"--threshold", "2", NULL},  {"--max-filesize", "1Q", NULL},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t_result res;
        const char *argv[] = {t_minerscan_path(), bad[i][0], bad[i][1], NULL};
        cr_assert_eq(t_run(argv, NULL, 30, &res), 0);
        cr_assert_eq(res.status, 2, "%s", bad[i][0]);
        char *nl = strchr(res.err, '\n');
        cr_assert(nl && nl[1] == '\0', "exactly one line: %s", res.err);
        cr_assert_eq(strncmp(res.err, "minerscan: ", 11), 0);
        t_result_free(&res);
    }
}

Test(cli, help_and_man_page_list_every_option) {
    t_result res;
    cr_assert_eq(t_minerscan(&res, NULL, "--help", NULL), 0);
    cr_assert_eq(res.status, 0);
    const char *opts[] = {"--format", "--output", "--threads", "--all", "--rules", "--no-builtin-rules",
                          "--threshold", "--explain", "--max-depth", "--max-filesize",
                          "--max-archive-bytes", "--max-entries", "--max-ratio", "--exclude",
                          "--one-file-system", "--follow-symlinks", "--hashes", "--allow",
                          "--progress", "--no-progress", "--sort", "--list-rules", "--version",
                          "--password", NULL};
    char *man = NULL;
    const char *build = getenv("MS_BUILD_ROOT");
    if (build) {
        char *p = t_path(build, "scanner/minerscan.1");
        man = t_read(p, NULL);
        free(p);
    }
    cr_assert_not_null(man, "the man page is built");
    for (const char **o = opts; *o; o++) {
        cr_assert_not_null(strstr(res.out, *o), "--help lists %s", *o);
        /* roff escapes every '-' as \- */
        char esc[128];
        size_t k = 0;
        for (const char *c = *o; *c && k < sizeof(esc) - 3; c++) {
            if (*c == '-')
                esc[k++] = '\\';
            esc[k++] = *c;
        }
        esc[k] = '\0';
        cr_assert_not_null(strstr(man, esc), "man page lists %s (%s)", *o, esc);
    }
    free(man);
    t_result_free(&res);

    cr_assert_eq(t_minerscan(&res, NULL, "--version", NULL), 0);
    cr_assert_eq(res.status, 0);
    cr_assert_not_null(strstr(res.out, "minerscan "));
    cr_assert_not_null(strstr(res.out, "model "));
    cr_assert_not_null(strstr(res.out, "feature schema "));
    t_result_free(&res);
}

Test(cli, fifo_in_tree_does_not_hang) {
    char *fifo = t_path(t_tmp, "pipe");
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    free(make_miner(t_tmp, "m"));
    t_result res;
    json_t *recs = t_run_jsonl(&res, t_tmp, NULL);
    cr_assert_neq(res.status, 137, "killed by the timeout: the scan hung on the FIFO");
    cr_assert_eq(res.status, 1);
    json_t *r = t_find_record(recs, fifo);
    cr_assert_not_null(r, "the FIFO is listed:\n%s", res.out);
    cr_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "skipped");
    json_decref(recs);
    t_result_free(&res);
    free(fifo);
}

Test(cli, progress_only_when_asked_or_on_a_terminal) {
    for (int i = 0; i < 300; i++) {
        char name[64];
        snprintf(name, sizeof(name), "p/f%03d.txt", i);
        free(t_write_str(t_tmp, name, "some text that is not interesting\n"));
    }
    t_result res;
    /* stderr is a pipe here: no status line by default */
    cr_assert_eq(t_minerscan(&res, NULL, t_tmp, NULL), 0);
    cr_assert_eq(res.status, 0);
    cr_assert_eq(res.err_len, 0, "nothing on a piped stderr: %s", res.err);
    t_result_free(&res);

    /* --progress forces it; it refreshes in place, at most 10 times a second */
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    cr_assert_eq(t_minerscan(&res, NULL, "--progress", "-j1", t_tmp, "/usr/bin", NULL), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    cr_assert_lt(res.status, 128, "the scan ran to its end (exit %d)", res.status);
    size_t updates = 0;
    for (size_t i = 0; i < res.err_len; i++)
        updates += res.err[i] == '\r';
    cr_assert_geq(updates, 1, "a status line was drawn");
    cr_assert_leq((double)updates, secs * 10 + 3, "%zu updates in %.2f s", updates, secs);
    cr_assert_null(memchr(res.err, '\n', res.err_len), "one refreshing line, no scrolling");
    cr_assert_not_null(strstr(res.err, "objects"));
    t_result_free(&res);
}

/* Regression (walker report): queued files are open fds; at a low fd limit
 * thousands of files once gave "Too many open files" errors. */
Test(cli, thousands_of_files_under_a_low_fd_limit) {
    if (!t_have_program("prlimit"))
        cr_skip("SKIP: prlimit (util-linux) missing");
    for (int i = 0; i < 1500; i++) {
        char name[64];
        snprintf(name, sizeof(name), "many/%02d/f%04d", i % 10, i);
        free(t_write_str(t_tmp, name, "x\n"));
    }
    char *dir = t_path(t_tmp, "many");
    const char *argv[] = {"prlimit", "--nofile=200:200", t_minerscan_path(), "-f", "jsonl", "-j2", dir, NULL};
    t_result res;
    cr_assert_eq(t_run(argv, NULL, 120, &res), 0);
    cr_assert_eq(res.status, 0, "exit 0, no errors: %.2000s", res.out);
    json_t *recs = t_jsonl(res.out);
    json_t *sum = t_summary(recs);
    cr_assert_eq(json_integer_value(json_object_get(sum, "files")), 1500);
    cr_assert_eq(json_integer_value(json_object_get(sum, "errors")), 0);
    json_decref(recs);
    t_result_free(&res);
    free(dir);
}

/* Regression: a member of liblzma.a (a relocatable .o) scored over the
 * strict threshold. The model scores programs and shared libraries only. */
Test(cli, relocatable_objects_are_not_scored_by_the_model) {
    char *o = t_path(t_tmp, "x.o");
    cr_assert_eq(t_compile("cc", "int f(int x) { return x * 3; }\n", o, "-c"), 0);
    char *prog = t_path(t_tmp, "prog");
    cr_assert_eq(t_compile("cc", "int main(void) { return 0; }\n", prog, NULL), 0);
    t_result res;
    json_t *recs = t_run_jsonl(&res, "--all", o, prog, NULL);
    cr_assert_eq(res.status, 0, "%s", res.out);
    json_t *ro = t_find_record(recs, o);
    cr_assert_not_null(ro);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(ro, "filetype"), "class")), "elf");
    cr_assert_null(json_object_get(ro, "model"), "a .o file is not scored");
    json_t *rp = t_find_record(recs, prog);
    cr_assert_not_null(json_object_get(rp, "model"), "a program is scored");
    json_decref(recs);
    t_result_free(&res);
    free(o), free(prog);
}

/* Issue 9: minerscan's own reports, saved and scanned again, are reports
 * (class "report", clean), in every format; a miner's config with a
 * report's first line put before it is still a miner's config. */
Test(cli, own_reports_are_reports_not_findings) {
    char *dir = t_path(t_tmp, "found");
    free(t_write_str(t_tmp, "found/config.json", config_json));
    free(make_miner(dir, "kworker"));
    const char *fmts[] = {"jsonl", "sarif", "text"};
    char *reports[3];
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof(name), "out.%s", fmts[i]);
        reports[i] = t_path(t_tmp, name);
        t_result r;
        cr_assert_eq(t_minerscan(&r, NULL, "-f", fmts[i], "-o", reports[i], dir, NULL), 0);
        cr_assert_eq(r.status, 1, "the tree holds a miner: %s", r.err);
        t_result_free(&r);
    }
    t_result res;
    json_t *recs = t_run_jsonl(&res, "--all", reports[0], reports[1], reports[2], NULL);
    cr_assert_eq(res.status, 0, "reports are not findings:\n%s", res.out);
    for (int i = 0; i < 3; i++) {
        json_t *rec = t_find_record(recs, reports[i]);
        cr_assert_not_null(rec, "%s", res.out);
        cr_assert_str_eq(json_string_value(json_object_get(json_object_get(rec, "filetype"), "class")), "report",
                         "%s", res.out);
        cr_assert_str_eq(json_string_value(json_object_get(rec, "verdict")), "clean");
    }
    json_decref(recs);
    t_result_free(&res);
    /* the same report line in front of a config does not hide it */
    for (int i = 0; i < 3; i++) {
        size_t n = 0;
        char *rep = t_read(reports[i], &n);
        char *nl = strchr(rep, '\n');
        size_t first = nl ? (size_t)(nl - rep + 1) : n;
        char *mixed = NULL;
        cr_assert(asprintf(&mixed, "%.*s%s", (int)first, rep, config_json) > 0);
        char name[32];
        snprintf(name, sizeof(name), "mixed-%s", fmts[i]);
        char *p = t_write_str(t_tmp, name, mixed);
        recs = t_run_jsonl(&res, p, NULL);
        cr_assert_eq(res.status, 1, "%s: %s", fmts[i], res.out);
        cr_assert_str_eq(json_string_value(json_object_get(t_find_record(recs, p), "verdict")), "malicious");
        json_decref(recs);
        t_result_free(&res);
        free(rep), free(mixed), free(p);
    }
    for (int i = 0; i < 3; i++)
        free(reports[i]);
    free(dir);
}

/* Issue 9: the installed scanner does not flag itself. Its signature data
 * (the compiled rules, the pool list, the feature tokens, the script
 * vocabulary) is not in its plain bytes, so no rule of its own matches
 * them; and a copy of the running executable is known as such. */
Test(cli, the_scanner_is_not_a_finding, .timeout = 120) {
    size_t n = 0;
    char *bin = t_read(t_minerscan_path(), &n);
    cr_assert_not_null(bin);
    static const char *const hidden[] = {"mining.subscribe", "supportxmr.com", "nanopool.org", "kdevtmpfsi",
                                         "xmrig-proxy", "donate.v2.xmrig.com", "dropper_cpu_tuning"};
    for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
        cr_assert_null(memmem(bin, n, hidden[i], strlen(hidden[i])), "the binary holds \"%s\" in plain bytes",
                       hidden[i]);
    /* an exact copy, installed elsewhere: itself, clean */
    char *copy = t_write(t_tmp, "usr/local/bin/minerscan", bin, n);
    chmod(copy, 0755);
    /* the same bytes and one more: not itself, so every rule runs on it */
    char *other = t_write(t_tmp, "other/minerscan", bin, n);
    FILE *f = fopen(other, "ab");
    fputc('\n', f);
    fclose(f);
    t_result res;
    json_t *recs = t_run_jsonl(&res, "--all", copy, other, NULL);
    json_t *r = t_find_record(recs, copy);
    cr_assert_not_null(r, "%s", res.out);
    cr_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "clean", "%s", res.out);
    r = t_find_record(recs, other);
    cr_assert_not_null(r, "%s", res.out);
    cr_assert_eq(json_array_size(json_object_get(r, "rules")), 0, "its own rules match it: %s", json_dumps(r, 0));
    json_decref(recs);
    t_result_free(&res);
    free(bin), free(copy), free(other);
}
