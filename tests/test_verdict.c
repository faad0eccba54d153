/*
 * test_verdict.c - the verdict policy (scanner/verdict.c) as a table: each
 * row is the evidence of one object and the verdict and reason a user
 * reads for it (README "Verdicts"). The engine hands every object's
 * evidence to this one function, so these rows are the policy.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "verdict.h"

static ms_rule_hit hit(const char *sev) {
    return (ms_rule_hit){.rule = "r", .ns = "builtin", .family = "", .category = "", .severity = (char *)sev,
                         .description = ""};
}

static void decide(const ms_evidence *e, ms_verdict_kind want, const char *reason_part) {
    ms_decision d;
    ms_decide(e, &d);
    cr_assert_eq(d.verdict, want, "verdict %s, want %s (reason '%s')", ms_verdict_name(d.verdict),
                 ms_verdict_name(want), d.reason);
    if (reason_part)
        cr_assert_not_null(strstr(d.reason, reason_part), "reason '%s' lacks '%s'", d.reason, reason_part);
    else
        cr_assert_str_empty(d.reason);
}

/* every test has a timeout far below its meson suite's (issue 15) */
TestSuite(verdict, .timeout = 60);

Test(verdict, rules_by_severity) {
    ms_rule_hit high = hit("high"), med = hit("medium"), low[2] = {hit("low"), hit("low")}, none = hit("");
    decide(&(ms_evidence){.rules = &high, .n_rules = 1}, MS_MALICIOUS, NULL);
    decide(&(ms_evidence){.rules = &med, .n_rules = 1}, MS_SUSPICIOUS, NULL);
    decide(&(ms_evidence){.rules = low, .n_rules = 1}, MS_CLEAN, NULL);
    decide(&(ms_evidence){.rules = low, .n_rules = 2}, MS_SUSPICIOUS, NULL);
    /* a user rule without a severity counts as medium */
    decide(&(ms_evidence){.rules = &none, .n_rules = 1}, MS_SUSPICIOUS, NULL);
    decide(&(ms_evidence){0}, MS_CLEAN, NULL);
}

Test(verdict, model_alone_is_suspicious_at_most) {
    /* the strict threshold alone made Debian's Monero wallet malicious */
    ms_evidence e = {.scored = true, .score = 0.9995, .threshold = 0.95, .strict = 0.999};
    decide(&e, MS_SUSPICIOUS, "model score 1.000 over the threshold 0.950");
    e.score = 0.96;
    decide(&e, MS_SUSPICIOUS, "model score 0.960 over the threshold 0.950");
    e.score = 0.5;
    decide(&e, MS_CLEAN, NULL);
    /* over the strict threshold, a pool or a wallet in it agrees */
    e = (ms_evidence){.scored = true, .score = 0.9995, .threshold = 0.95, .strict = 0.999, .has_iocs = true};
    decide(&e, MS_MALICIOUS, "over the strict threshold 0.999, and its IOCs agree");
    /* ... and so does a rule of any severity, a low one included */
    ms_rule_hit low = hit("low"), med = hit("medium");
    e = (ms_evidence){.scored = true, .score = 0.9995, .threshold = 0.95, .strict = 0.999, .rules = &low,
                      .n_rules = 1};
    decide(&e, MS_MALICIOUS, "and rules agree");
    e.rules = &med;
    decide(&e, MS_MALICIOUS, "and rules agree");
    /* under the strict threshold a rule and the score stay suspicious */
    e.score = 0.97;
    decide(&e, MS_SUSPICIOUS, NULL);
}

Test(verdict, a_partial_object_is_never_clean_and_its_score_decides_nothing) {
    ms_evidence e = {.partial = MS_LIMIT, .partial_reason = "limit: max-filesize 4096",
                     .scored = true, .score = 1.0, .threshold = 0.5, .strict = 0.9};
    decide(&e, MS_LIMIT, "max-filesize");
    ms_rule_hit high = hit("high");
    e.rules = &high;
    e.n_rules = 1;
    decide(&e, MS_MALICIOUS, "max-filesize"); /* a hit in the prefix still counts */
    e = (ms_evidence){.partial = MS_ERROR, .partial_reason = "Truncated tar archive"};
    decide(&e, MS_ERROR, "Truncated");
}

Test(verdict, scan_and_unpack_problems_and_members) {
    decide(&(ms_evidence){.scan_problem = MS_ERROR, .scan_problem_reason = "scan timed out after 60 s"}, MS_ERROR,
           "timed out");
    decide(&(ms_evidence){.unpack_problem = MS_LIMIT, .unpack_reason = "limit: max-entries 10"}, MS_LIMIT,
           "max-entries");
    decide(&(ms_evidence){.unpack_problem = MS_SKIPPED, .unpack_reason = "encrypted"}, MS_SKIPPED, "encrypted");
    decide(&(ms_evidence){.have_children = true, .children = MS_MALICIOUS}, MS_MALICIOUS,
           "a member is malicious");
    decide(&(ms_evidence){.have_children = true, .children = MS_LIMIT}, MS_LIMIT,
           "a member was not fully scanned (limit)");
    decide(&(ms_evidence){.have_children = true, .children = MS_CLEAN}, MS_CLEAN, NULL);
    /* the object's own finding keeps its reason; the member's is worse */
    ms_evidence e = {.scored = true, .score = 0.96, .threshold = 0.95, .strict = 0.999, .have_children = true,
                     .children = MS_MALICIOUS};
    decide(&e, MS_MALICIOUS, "model score");
}

Test(verdict, known_bad_and_allowed) {
    decide(&(ms_evidence){.known_bad = true}, MS_MALICIOUS, NULL);
    ms_rule_hit high = hit("high");
    ms_evidence e = {.rules = &high, .n_rules = 1, .allowed_by = "good.txt"};
    decide(&e, MS_CLEAN, "allowed by good.txt (would be malicious)");
    /* an allow list does not hide that an object could not be read */
    e = (ms_evidence){.partial = MS_ERROR, .partial_reason = "read: EIO", .allowed_by = "good.txt"};
    decide(&e, MS_ERROR, "read: EIO");
}

Test(verdict, severity_rank_of_rules_alone) {
    ms_rule_hit r[3] = {hit("low"), hit("medium"), hit("high")};
    cr_assert_eq(ms_verdict_from_rules(r, 0), MS_CLEAN);
    cr_assert_eq(ms_verdict_from_rules(r, 1), MS_CLEAN);
    cr_assert_eq(ms_verdict_from_rules(r, 2), MS_SUSPICIOUS);
    cr_assert_eq(ms_verdict_from_rules(r, 3), MS_MALICIOUS);
}
