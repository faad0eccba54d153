/*
 * test_runinfo.c - a report that holds up later (issue 13.3): the run
 * record first, the seal last, --verify-report, --case DIR. Every digest
 * is checked against sha256sum(1), every host fact against the system
 * calls the test makes itself.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

TestSuite(runinfo, .init = t_tmp_setup, .fini = t_tmp_teardown);

static const char miner_c[] =
    "#include <stdio.h>\n"
    "static const char *s[] = {\"XMRig/6.21.0\", \"donate-level\", \"randomx\",\n"
    "  \"donate.v2.xmrig.com\", \"max-threads-hint\", \"huge-pages-jit\",\n"
    "  \"stratum+tcp://pool.example.com:3333\", \"mining.subscribe\", 0};\n"
    "int main(int c, char **v) { for (int i = 0; s[i]; i++) if (c > 5) puts(s[i]);\n"
    "  return v[0][0] == 0; }\n";

static const char rule_src[] = "rule local_marker { strings: $a = \"local-marker-7\" condition: $a }\n";

/* sha256sum's digest of a file, or of bytes written to a temporary file. */
static void sha256sum(const char *path, char out[65]) {
    const char *argv[] = {"sha256sum", path, NULL};
    t_result r;
    cr_assert_eq(t_run(argv, NULL, 60, &r), 0);
    cr_assert_eq(r.status, 0, "sha256sum %s: %s", path, r.err);
    cr_assert_geq(r.out_len, 64u);
    memcpy(out, r.out, 64);
    out[64] = '\0';
    t_result_free(&r);
}

static void sha256_bytes(const char *d, size_t n, char out[65]) {
    char *p = t_write(t_tmp, "bytes.tmp", d, n);
    sha256sum(p, out);
    unlink(p);
    free(p);
}

static const char *str(json_t *o, const char *k) {
    return json_string_value(json_object_get(o, k));
}

/* An ISO 8601 UTC time with milliseconds as time_t (whole seconds). */
static time_t utc(const char *s) {
    struct tm tm = {0};
    cr_assert_not_null(s);
    cr_assert_eq(strlen(s), 24u, "%s", s);
    cr_assert_eq(s[23], 'Z', "%s", s);
    cr_assert_not_null(strptime(s, "%Y-%m-%dT%H:%M:%S", &tm), "%s", s);
    return timegm(&tm);
}

static int verify(const char *path, t_result *r) {
    const char *argv[] = {t_minerscan_path(), "--verify-report", path, NULL};
    cr_assert_eq(t_run(argv, NULL, 60, r), 0);
    return r->status;
}

Test(runinfo, jsonl_run_record_says_what_made_the_report) {
    free(t_write_str(t_tmp, "tree/kworker", "")); /* its directory */
    char *m = t_path(t_tmp, "tree/kworker");
    cr_assert_eq(t_compile("cc", miner_c, m, NULL), 0);
    char *rules = t_write_str(t_tmp, "rules/local.yar", rule_src);
    char *hashes = t_write_str(t_tmp, "bad.txt", "0000000000000000000000000000000000000000000000000000000000000000 x\n");
    char *tree = t_path(t_tmp, "tree");
    time_t before = time(NULL);
    const char *argv[] = {t_minerscan_path(), "-f", "jsonl", "--rules", rules, "--hashes", hashes, "-j1", tree, NULL};
    t_result res;
    cr_assert_eq(t_run(argv, NULL, 120, &res), 0);
    time_t after = time(NULL);
    cr_assert_eq(res.status, 1, "%s", res.err);
    json_t *all = t_jsonl_all(res.out);
    cr_assert_not_null(all);
    size_t n = json_array_size(all);
    cr_assert_geq(n, 4u, "run, the miner, summary, end: %s", res.out);
    json_t *run = json_array_get(all, 0);
    cr_assert_str_eq(str(run, "type"), "run", "the first record is the run record");
    cr_assert_str_eq(str(run, "scanner"), "minerscan");
    cr_assert_not_null(str(run, "version"));

    /* the executable, as sha256sum sees it */
    char want[65];
    sha256sum(t_minerscan_path(), want);
    json_t *exe = json_object_get(run, "executable");
    cr_assert_str_eq(str(exe, "sha256"), want, "the scanner's own digest");
    char real[4096];
    cr_assert_not_null(realpath(t_minerscan_path(), real));
    cr_assert_str_eq(str(exe, "path"), real);

    /* the exact command line */
    json_t *cl = json_object_get(run, "command_line");
    cr_assert_eq(json_array_size(cl), 9u);
    for (size_t i = 0; i < 9; i++)
        cr_assert_str_eq(json_string_value(json_array_get(cl, i)), argv[i]);

    /* the rules: the built-in set, and the user's file with the digest of its bytes */
    json_t *rs = json_object_get(run, "rules");
    cr_assert_eq(json_array_size(rs), 2u, "%s", json_dumps(rs, 0));
    cr_assert_str_eq(str(json_array_get(rs, 0), "kind"), "builtin");
    cr_assert_gt(json_integer_value(json_object_get(json_array_get(rs, 0), "rules")), 10);
    cr_assert_eq(strlen(str(json_array_get(rs, 0), "sha256")), 64u);
    cr_assert_str_eq(str(json_array_get(rs, 1), "kind"), "source");
    cr_assert_str_eq(str(json_array_get(rs, 1), "path"), rules);
    sha256sum(rules, want);
    cr_assert_str_eq(str(json_array_get(rs, 1), "sha256"), want);
    json_t *lists = json_object_get(run, "lists");
    cr_assert_eq(json_array_size(lists), 1u);
    cr_assert_str_eq(str(json_array_get(lists, 0), "kind"), "hashes");
    sha256sum(hashes, want);
    cr_assert_str_eq(str(json_array_get(lists, 0), "sha256"), want);
    json_t *models = json_object_get(run, "models");
    cr_assert_eq(json_array_size(models), 2u);
    for (size_t i = 0; i < 2; i++) {
        cr_assert_not_null(str(json_array_get(models, i), "version"));
        cr_assert_eq(strlen(str(json_array_get(models, i), "sha256")), 64u);
    }
    cr_assert_str_neq(str(json_array_get(models, 0), "sha256"), str(json_array_get(models, 1), "sha256"));

    /* host, user, time */
    struct utsname u;
    char host[256];
    cr_assert_eq(uname(&u), 0);
    cr_assert_eq(gethostname(host, sizeof(host)), 0);
    json_t *h = json_object_get(run, "host");
    cr_assert_str_eq(str(h, "hostname"), host);
    cr_assert_str_eq(str(h, "kernel"), u.release);
    cr_assert_str_eq(str(h, "machine"), u.machine);
    json_t *user = json_object_get(run, "user");
    cr_assert_eq(json_integer_value(json_object_get(user, "uid")), (json_int_t)getuid());
    char cwd[4096];
    cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
    cr_assert_str_eq(str(run, "cwd"), cwd);
    time_t start = utc(str(run, "start"));
    cr_assert(start >= before && start <= after, "start %ld in [%ld, %ld]", (long)start, (long)before,
              (long)after);
    cr_assert_gt(json_integer_value(json_object_get(run, "pid")), 0);

    /* the seal: the end time and the sha256 of every byte before its line */
    json_t *end = json_array_get(all, n - 1);
    cr_assert_str_eq(str(end, "type"), "end", "the last record is the seal");
    cr_assert_str_eq(str(json_array_get(all, n - 2), "type"), "summary");
    time_t stop = utc(str(end, "end"));
    cr_assert(stop >= start && stop <= after);
    const char *last = res.out + res.out_len - 1;
    while (last > res.out && last[-1] != '\n')
        last--;
    size_t sealed = (size_t)(last - res.out);
    cr_assert_eq(json_integer_value(json_object_get(end, "bytes")), (json_int_t)sealed);
    sha256_bytes(res.out, sealed, want);
    cr_assert_str_eq(str(end, "sha256"), want);

    json_decref(all);
    t_result_free(&res);
    free(m), free(rules), free(hashes), free(tree);
}

/* Each format's seal is checked by --verify-report: intact 0, one byte
 * changed anywhere before the seal 1, the seal cut off 2. */
Test(runinfo, verify_report_catches_a_changed_byte_in_every_format) {
    char *m = t_path(t_tmp, "kworker");
    cr_assert_eq(t_compile("cc", miner_c, m, NULL), 0);
    const char *fmts[] = {"jsonl", "text", "sarif"};
    for (size_t i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof(name), "out.%s", fmts[i]);
        char *out = t_path(t_tmp, name);
        t_result r;
        cr_assert_eq(t_minerscan(&r, NULL, "-f", fmts[i], "-o", out, m, NULL), 0);
        cr_assert_eq(r.status, 1, "%s", r.err);
        t_result_free(&r);
        size_t n = 0;
        char *d = t_read(out, &n);
        cr_assert_not_null(d);
        if (i == 1)
            cr_assert(!strncmp(d, "run: minerscan ", 15), "text starts with the run line: %.80s", d);
        cr_assert_eq(verify(out, &r), 0, "%s: %s%s", fmts[i], r.out, r.err);
        cr_assert_not_null(strstr(r.out, "intact"), "%s", r.out);
        t_result_free(&r);

        /* one byte in the middle of the miner's record */
        char *at = strstr(d, "kworker");
        cr_assert_not_null(at);
        at[0] = 'K';
        free(t_write(t_tmp, name, d, n));
        cr_assert_eq(verify(out, &r), 1, "%s: %s", fmts[i], r.out);
        cr_assert_not_null(strstr(r.out, "CHANGED"), "%s", r.out);
        t_result_free(&r);

        /* cut before the seal: no seal */
        at[0] = 'k';
        char *seal = i == 2 ? strstr(d, ",\"properties\":{\"reportSha256\"") : NULL;
        if (!seal) {
            seal = d + n - 1;
            while (seal > d && seal[-1] != '\n')
                seal--;
        }
        free(t_write(t_tmp, name, d, (size_t)(seal - d)));
        cr_assert_eq(verify(out, &r), 2, "%s: %s", fmts[i], r.out);
        cr_assert_not_null(strstr(r.out, "no seal"), "%s", r.out);
        t_result_free(&r);
        free(d);
        free(out);
    }
    free(m);
}

/* SARIF keeps the run record where SARIF readers look for it. */
Test(runinfo, sarif_invocation_holds_the_run) {
    char *m = t_path(t_tmp, "kworker");
    cr_assert_eq(t_compile("cc", miner_c, m, NULL), 0);
    t_result r;
    cr_assert_eq(t_minerscan(&r, NULL, "-f", "sarif", m, NULL), 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    cr_assert_not_null(doc, "%s", r.out);
    json_t *inv = json_array_get(json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "invocations"), 0);
    cr_assert_not_null(strstr(str(inv, "commandLine"), "kworker"));
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(inv, "arguments"), 2)), m);
    time_t a = utc(str(inv, "startTimeUtc")), b = utc(str(inv, "endTimeUtc"));
    cr_assert_leq(a, b);
    char host[256];
    gethostname(host, sizeof(host));
    cr_assert_str_eq(str(inv, "machine"), host);
    json_t *run = json_object_get(json_object_get(inv, "properties"), "run");
    cr_assert_eq(strlen(str(json_object_get(run, "executable"), "sha256")), 64u);
    cr_assert_eq(strlen(str(json_object_get(doc, "properties"), "reportSha256")), 64u);
    json_decref(doc);
    t_result_free(&r);
    free(m);
}

static char **list_dir(const char *dir, size_t *ret_n) {
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s", dir);
    char **v = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        v = realloc(v, (n + 1) * sizeof(*v));
        v[n++] = strdup(de->d_name);
    }
    closedir(d);
    *ret_n = n;
    return v;
}

static bool listed(char **v, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], name))
            return true;
    return false;
}

static int shell(const char *cmd, t_result *r) {
    const char *argv[] = {"sh", "-c", cmd, NULL};
    cr_assert_eq(t_run(argv, NULL, 60, r), 0);
    return r->status;
}

Test(runinfo, case_directory_holds_report_scanner_hash_log_and_sums) {
    char *tree = t_path(t_tmp, "evidence");
    free(t_write_str(t_tmp, "evidence/usr/bin/kworker", ""));
    char *m = t_path(t_tmp, "evidence/usr/bin/kworker");
    cr_assert_eq(t_compile("cc", miner_c, m, NULL), 0);
    free(t_write_str(t_tmp, "evidence/etc/motd", "hello\n"));
    char *kase = t_path(t_tmp, "case-1");
    t_result r;
    cr_assert_eq(t_minerscan(&r, NULL, "--case", kase, tree, "/nonexistent-path-for-the-log", NULL), 0);
    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert_eq(r.out_len, 0u, "the report went into the case, not to stdout: %s", r.out);
    t_result_free(&r);

    size_t n = 0;
    char **names = list_dir(kase, &n);
    cr_assert_eq(n, 4u, "report, scanner hash, log, sums and nothing else");
    cr_assert(listed(names, n, "report.jsonl") && listed(names, n, "scanner.sha256") &&
              listed(names, n, "log.txt") && listed(names, n, "SHA256SUMS"));
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    struct stat st;
    cr_assert_eq(stat(kase, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0700u, "a case directory only its owner reads");

    /* sha256sum -c agrees with both digest files */
    char cmd[8400];
    snprintf(cmd, sizeof(cmd), "cd '%s' && sha256sum -c SHA256SUMS && sha256sum -c scanner.sha256", kase);
    cr_assert_eq(shell(cmd, &r), 0, "%s%s", r.out, r.err);
    cr_assert_not_null(strstr(r.out, "report.jsonl: OK"), "%s", r.out);
    t_result_free(&r);

    /* the report is whole and names the miner */
    char *rp = t_path(kase, "report.jsonl");
    size_t len = 0;
    char *rep = t_read(rp, &len);
    json_t *recs = t_jsonl(rep);
    cr_assert_not_null(t_find_record(recs, m), "%s", rep);
    json_decref(recs);
    free(rep);
    cr_assert_eq(verify(kase, &r), 0, "%s", r.out);
    t_result_free(&r);

    /* the log: start, command, the path that could not be read, end */
    char *lp = t_path(kase, "log.txt");
    char *log = t_read(lp, &len);
    cr_assert_not_null(strstr(log, " start: minerscan "), "%s", log);
    cr_assert_not_null(strstr(log, " command: "), "%s", log);
    cr_assert_not_null(strstr(log, "/nonexistent-path-for-the-log: "), "%s", log);
    cr_assert_not_null(strstr(log, " end: exit status 1\n"), "%s", log);
    cr_assert_eq(log[4], '-', "lines start with the UTC time: %s", log);

    /* a changed log is caught */
    log[len - 2] = '2';
    free(t_write(kase, "log.txt", log, len));
    cr_assert_eq(verify(kase, &r), 1, "%s", r.out);
    cr_assert_not_null(strstr(r.out, "log.txt: CHANGED"), "%s", r.out);
    t_result_free(&r);
    free(log), free(lp), free(rp);

    /* a case is never overwritten: the second run refuses, writes nothing */
    cr_assert_eq(t_minerscan(&r, NULL, "--case", kase, tree, NULL), 0);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "not empty"), "%s", r.err);
    t_result_free(&r);
    names = list_dir(kase, &n);
    cr_assert_eq(n, 4u);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    cr_assert_eq(t_minerscan(&r, NULL, "--case", kase, "-o", "x.jsonl", tree, NULL), 0);
    cr_assert_eq(r.status, 2);
    t_result_free(&r);

    /* the scanned tree is as it was */
    names = list_dir(tree, &n);
    cr_assert_eq(n, 2u, "usr, etc");
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(tree), free(m), free(kase);
}

/* The seal makes the record types of a saved report checkable: a report
 * minerscan wrote (run record first) is a report; one JSON object with a
 * report's "type" put first is a miner's config, and so is a SARIF-shaped
 * file with a top-level "pools". */
Test(runinfo, a_config_dressed_as_a_report_is_a_config) {
    static const char dressed[] =
        "{\"type\":\"summary\",\"donate-level\":0,\"randomx\":{\"1gb-pages\":true},"
        "\"pools\":[{\"url\":\"stratum+tcp://pool.supportxmr.com:3333\",\"user\":"
        "\"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A\","
        "\"pass\":\"x\",\"algo\":\"rx/0\"}]}\n";
    static const char sarif_dressed[] =
        "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"minerscan\"}}}],"
        "\"donate-level\":0,\"pools\":[{\"url\":\"stratum+tcp://pool.supportxmr.com:3333\",\"user\":"
        "\"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A\","
        "\"algo\":\"rx/0\"}]}\n";
    char *a = t_write_str(t_tmp, "config.json", dressed);
    char *b = t_write_str(t_tmp, "sarif.json", sarif_dressed);
    t_result r;
    cr_assert_eq(t_minerscan(&r, NULL, "-f", "jsonl", a, b, NULL), 0);
    json_t *recs = t_jsonl(r.out);
    for (int i = 0; i < 2; i++) {
        json_t *rec = t_find_record(recs, i ? b : a);
        cr_assert_not_null(rec, "%s is reported: %s", i ? b : a, r.out);
        cr_assert_str_neq(str(json_object_get(rec, "filetype"), "class"), "report");
        cr_assert(!strcmp(str(rec, "verdict"), "malicious") || !strcmp(str(rec, "verdict"), "suspicious"),
                  "%s", json_dumps(rec, 0));
    }
    cr_assert_eq(r.status, 1);
    json_decref(recs);
    t_result_free(&r);
    free(a), free(b);
}
