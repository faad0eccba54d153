/*
 * test_verdict.c - the verdict policy (scanner/verdict.c) as a table: each
 * row is the evidence of one object and the verdict and reason a user
 * reads for it (README "Verdicts"). The engine hands every object's
 * evidence to this one function, so these rows are the policy.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "script_score.h"
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
    /* issue 11: a rule that does not grade itself is informational */
    decide(&(ms_evidence){.rules = &none, .n_rules = 1}, MS_CLEAN, NULL);
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
    /* issue 11: an informational rule does not agree; a graded one does,
     * so a matching user rule never weakens what the model says */
    ms_rule_hit info = hit("");
    e = (ms_evidence){.scored = true, .score = 0.9995, .threshold = 0.95, .strict = 0.999, .rules = &info,
                      .n_rules = 1};
    decide(&e, MS_SUSPICIOUS, "over the threshold 0.950");
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

/* ---- grading third-party rules (issue 11, verdict.h ms_rule_grade) ---- */

static ms_rule_meta meta_s(const char *k, const char *v) {
    return (ms_rule_meta){.key = (char *)k, .type = MS_META_STRING, .str = (char *)v};
}

static ms_rule_meta meta_i(const char *k, int64_t v) {
    return (ms_rule_meta){.key = (char *)k, .type = MS_META_INT, .num = v};
}

typedef struct grade_row {
    const char *what;
    const char *severity;    /* the hit's severity string */
    ms_rule_meta metas[3];
    size_t n_metas;
    const char *tags[3];
    size_t n_tags;
    ms_grade want;
    ms_grade_source source;
} grade_row;

static ms_rule_hit row_hit(const grade_row *r) {
    ms_rule_hit h = hit(r->severity ? r->severity : "");
    h.metas = (ms_rule_meta *)r->metas;
    h.n_metas = r->n_metas;
    h.tags = (char **)r->tags;
    h.n_tags = r->n_tags;
    return h;
}

Test(verdict, grading_policy_table) {
    static const grade_row rows[] = {
        {"our high", "high", {{0}}, 0, {0}, 0, MS_GRADE_HIGH, MS_GRADE_FROM_SEVERITY},
        {"our medium", "medium", {{0}}, 0, {0}, 0, MS_GRADE_MEDIUM, MS_GRADE_FROM_SEVERITY},
        {"our low", "low", {{0}}, 0, {0}, 0, MS_GRADE_LOW, MS_GRADE_FROM_SEVERITY},
        {"critical, any case", "CRITICAL", {{0}}, 0, {0}, 0, MS_GRADE_HIGH, MS_GRADE_FROM_SEVERITY},
        {"informational severity", "informational", {{0}}, 0, {0}, 0, MS_GRADE_INFO, MS_GRADE_FROM_SEVERITY},
        {"our severity beats a score", "low", {{.key = "score", .type = MS_META_INT, .num = 90}}, 1, {0}, 0,
         MS_GRADE_LOW, MS_GRADE_FROM_SEVERITY},
        {"score 100", NULL, {{.key = "score", .type = MS_META_INT, .num = 100}}, 1, {0}, 0, MS_GRADE_HIGH,
         MS_GRADE_FROM_SCORE},
        {"score 75", NULL, {{.key = "score", .type = MS_META_INT, .num = 75}}, 1, {0}, 0, MS_GRADE_HIGH,
         MS_GRADE_FROM_SCORE},
        {"score 74", NULL, {{.key = "score", .type = MS_META_INT, .num = 74}}, 1, {0}, 0, MS_GRADE_MEDIUM,
         MS_GRADE_FROM_SCORE},
        {"score 60", NULL, {{.key = "score", .type = MS_META_INT, .num = 60}}, 1, {0}, 0, MS_GRADE_MEDIUM,
         MS_GRADE_FROM_SCORE},
        {"score 59", NULL, {{.key = "score", .type = MS_META_INT, .num = 59}}, 1, {0}, 0, MS_GRADE_LOW,
         MS_GRADE_FROM_SCORE},
        {"score 40", NULL, {{.key = "score", .type = MS_META_INT, .num = 40}}, 1, {0}, 0, MS_GRADE_LOW,
         MS_GRADE_FROM_SCORE},
        {"score 39", NULL, {{.key = "score", .type = MS_META_INT, .num = 39}}, 1, {0}, 0, MS_GRADE_INFO,
         MS_GRADE_FROM_SCORE},
        {"score as a string", NULL, {{.key = "score", .type = MS_META_STRING, .str = "80"}}, 1, {0}, 0,
         MS_GRADE_HIGH, MS_GRADE_FROM_SCORE},
        {"unknown severity word falls through to score", "spicy",
         {{.key = "score", .type = MS_META_INT, .num = 65}}, 1, {0}, 0, MS_GRADE_MEDIUM, MS_GRADE_FROM_SCORE},
        {"score beats Elastic", NULL,
         {{.key = "score", .type = MS_META_INT, .num = 50}, {.key = "severity", .type = MS_META_INT, .num = 100}},
         2, {0}, 0, MS_GRADE_LOW, MS_GRADE_FROM_SCORE},
        {"Elastic severity 100", NULL, {{.key = "severity", .type = MS_META_INT, .num = 100}}, 1, {0}, 0,
         MS_GRADE_HIGH, MS_GRADE_FROM_ELASTIC},
        {"Elastic severity 1", NULL, {{.key = "severity", .type = MS_META_INT, .num = 1}}, 1, {0}, 0, MS_GRADE_INFO,
         MS_GRADE_FROM_ELASTIC},
        {"threat_name alone", NULL, {{.key = "threat_name", .type = MS_META_STRING, .str = "Linux.Trojan.X"}}, 1,
         {0}, 0, MS_GRADE_MEDIUM, MS_GRADE_FROM_THREAT},
        {"malware tag", NULL, {{0}}, 0, {"Miner"}, 1, MS_GRADE_MEDIUM, MS_GRADE_FROM_TAGS},
        {"hunting tag wins over a malware tag", NULL, {{0}}, 0, {"apt", "hunting"}, 2, MS_GRADE_INFO,
         MS_GRADE_FROM_TAGS},
        {"other tags say nothing", NULL, {{0}}, 0, {"linux", "elf"}, 2, MS_GRADE_INFO, MS_GRADE_FROM_NONE},
        {"no grade at all", NULL, {{.key = "author", .type = MS_META_STRING, .str = "x"}}, 1, {0}, 0,
         MS_GRADE_INFO, MS_GRADE_FROM_NONE},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        ms_rule_hit h = row_hit(&rows[i]);
        ms_grade_source src;
        ms_grade g = ms_rule_grade(&h, &src);
        cr_expect_eq(g, rows[i].want, "%s: grade %s, want %s", rows[i].what, ms_grade_name(g),
                     ms_grade_name(rows[i].want));
        cr_expect_eq(src, rows[i].source, "%s: source %s, want %s", rows[i].what, ms_grade_source_name(src),
                     ms_grade_source_name(rows[i].source));
    }
}

Test(verdict, informational_rules_never_flag_alone) {
    ms_rule_meta none_m[1] = {meta_s("description", "PE32 file")};
    ms_rule_hit info[3];
    for (int i = 0; i < 3; i++) {
        info[i] = hit("");
        info[i].metas = none_m;
        info[i].n_metas = 1;
    }
    decide(&(ms_evidence){.rules = info, .n_rules = 3}, MS_CLEAN, NULL);
    ms_rule_meta low_score[1] = {meta_i("score", 45)};
    ms_rule_hit lows[2] = {hit(""), hit("")};
    lows[0].metas = lows[1].metas = low_score;
    lows[0].n_metas = lows[1].n_metas = 1;
    decide(&(ms_evidence){.rules = lows, .n_rules = 1}, MS_CLEAN, NULL);
    decide(&(ms_evidence){.rules = lows, .n_rules = 2}, MS_SUSPICIOUS, NULL); /* two lows */
    ms_rule_meta elastic[2] = {meta_s("threat_name", "Linux.Cryptominer.Xmrig"), meta_i("severity", 100)};
    ms_rule_hit x = hit("");
    x.metas = elastic;
    x.n_metas = 2;
    decide(&(ms_evidence){.rules = &x, .n_rules = 1}, MS_MALICIOUS, NULL);
}

/* Adding a matching rule of any grade to any evidence never lowers the
 * verdict (issue 11): the property over a grid of evidence. */
Test(verdict, a_matching_rule_never_weakens_a_verdict) {
    const char *sevs[] = {"", "info", "low", "medium", "high"};
    const double scores[] = {0.1, 0.96, 0.9995};
    for (size_t si = 0; si < 3; si++)
        for (int bad = 0; bad < 2; bad++)
            for (int child = 0; child < 3; child++)
                for (size_t base = 0; base < 5; base++)
                    for (size_t add = 0; add < 5; add++) {
                        ms_rule_hit r[2] = {hit(sevs[base]), hit(sevs[add])};
                        ms_verdict_kind kids[] = {MS_CLEAN, MS_SUSPICIOUS, MS_MALICIOUS};
                        ms_evidence e = {.scored = true, .score = scores[si], .threshold = 0.95, .strict = 0.999,
                                         .known_bad = bad, .have_children = true, .children = kids[child],
                                         .script_scored = true, .script_score = scores[si],
                                         .script_threshold = 0.9, .rules = r, .n_rules = 1};
                        ms_decision before, after;
                        ms_decide(&e, &before);
                        e.n_rules = 2;
                        ms_decide(&e, &after);
                        cr_assert_geq(after.verdict, before.verdict,
                                      "score %g bad %d child %d: rule '%s' + '%s' lowered %s to %s", scores[si], bad,
                                      child, sevs[base], sevs[add], ms_verdict_name(before.verdict),
                                      ms_verdict_name(after.verdict));
                        /* and with no rule before */
                        e.rules = &r[1];
                        e.n_rules = 0;
                        ms_decide(&e, &before);
                        e.n_rules = 1;
                        ms_decide(&e, &after);
                        cr_assert_geq(after.verdict, before.verdict, "first rule '%s' lowered %s to %s", sevs[add],
                                      ms_verdict_name(before.verdict), ms_verdict_name(after.verdict));
                    }
}

/* A script score over the threshold flags a script only in a dropper's
 * context: it names mining or holds an IOC, or it delivers something and
 * is dropper-sized. */
Test(verdict, script_score_alone_needs_a_droppers_context) {
    struct {
        unsigned ctx;
        bool iocs;
        uint64_t size;
        ms_verdict_kind want;
    } cases[] = {
        {0, false, 1000, MS_CLEAN},                                      /* kills and execs, fetches nothing */
        {MS_SCRIPT_DELIVERS, false, 1000, MS_SUSPICIOUS},                /* curl | sh, small */
        {MS_SCRIPT_DELIVERS, false, MS_SCRIPT_ALONE_MAX, MS_SUSPICIOUS}, /* at the bound */
        {MS_SCRIPT_DELIVERS, false, MS_SCRIPT_ALONE_MAX + 1, MS_CLEAN},  /* a long test suite */
        {MS_SCRIPT_NAMES_MINING, false, 1u << 20, MS_SUSPICIOUS},        /* names xmrig, any size */
        {0, true, 1u << 20, MS_SUSPICIOUS},                              /* a pool or wallet in it */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ms_evidence e = {.script_scored = true, .script_score = 0.97, .script_threshold = 0.9,
                         .script_context = cases[i].ctx, .script_size = cases[i].size, .has_iocs = cases[i].iocs};
        ms_decision d;
        ms_decide(&e, &d);
        cr_assert_eq(d.verdict, cases[i].want, "case %zu: %s", i, ms_verdict_name(d.verdict));
        /* under the threshold, nothing whatever the context */
        e.script_score = 0.5;
        ms_decide(&e, &d);
        cr_assert_eq(d.verdict, MS_CLEAN, "case %zu under the threshold", i);
    }
}
