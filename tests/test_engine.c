/*
 * test_engine.c - the per-object pipeline through the library API:
 * identification, YARA (built-in and user rules), hash lists, verdicts.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "hashes.h"
#include "identify.h"
#include "minerscan.h"
#include "sigscan.h"
#include "util.h"

typedef struct {
    ms_verdict *v[64];
    size_t n;
} collected;

static int collect(void *ud, ms_verdict *v) {
    collected *c = ud;
    cr_assert_lt(c->n, 64);
    c->v[c->n++] = v;
    return MS_CONTINUE;
}

static void collected_free(collected *c) {
    for (size_t i = 0; i < c->n; i++)
        ms_verdict_free(c->v[i]);
}

static bool has_rule(const ms_verdict *v, const char *rule) {
    for (size_t i = 0; i < v->n_rules; i++)
        if (!strcmp(v->rules[i].rule, rule))
            return true;
    return false;
}

/* An ELF header followed by strings of an xmrig build. */
static const char miner_text[] = "\x7f" "ELF\x02\x01\x01\x00 XMRig 6.21.0 built for linux\n"
                                 "donate.v2.xmrig.com max-threads-hint huge-pages-jit\n"
                                 "donate-level 1\nrandomx\nuse pool stratum+tcp://pool.example.com:3333\n"
                                 "new job from pool\nmining.subscribe mining.submit\n";

/* Scan bytes with default options (plus tweaks) and collect the records. */
static void scan_bytes(ms_options *o, const void *data, size_t n, const char *path, collected *c) {
    ms_engine *e = NULL;
    ms_worker *w = NULL;
    char *err = NULL;
    int r = ms_engine_new(o, &e, &err);
    cr_assert_eq(r, 0, "engine: %s %s", ms_strerror(r), err ? err : "");
    cr_assert_eq(ms_worker_new(e, &w), 0);
    ms_sink sink = {.emit = collect, .ud = c};
    cr_assert_eq(ms_worker_scan_buffer(w, data, n, path, strlen(path), &sink), 0);
    ms_worker_free(w);
    ms_engine_free(e);
}

TestSuite(engine, .init = t_tmp_setup, .fini = t_tmp_teardown, .timeout = 120);

Test(engine, builtin_rules_flag_miner_strings_as_malicious) {
    ms_options o;
    ms_options_default(&o);
    collected c = {0};
    scan_bytes(&o, miner_text, sizeof(miner_text) - 1, "x.txt", &c);
    cr_assert_eq(c.n, 1);
    ms_verdict *v = c.v[0];
    cr_assert_eq(v->verdict, MS_MALICIOUS, "got %s", ms_verdict_name(v->verdict));
    cr_assert(has_rule(v, "xmrig_strings"));
    cr_assert(has_rule(v, "stratum_methods"));
    cr_assert(v->has_sha256, "a reported object carries its sha256");
    cr_assert_eq(strlen(v->sha256), 64);
    /* the first match of the rule is located */
    for (size_t i = 0; i < v->n_rules; i++)
        if (!strcmp(v->rules[i].rule, "stratum_methods")) {
            cr_assert(v->rules[i].has_match);
            cr_assert_eq(memcmp(miner_text + v->rules[i].offset, "mining.", 7), 0);
        }
    collected_free(&c);
}

Test(engine, clean_bytes_are_clean_and_not_hashed_without_all) {
    ms_options o;
    ms_options_default(&o);
    collected c = {0};
    const char text[] = "hello world, nothing to see here\n";
    scan_bytes(&o, text, sizeof(text) - 1, "hello.txt", &c);
    cr_assert_eq(c.n, 1);
    cr_assert_eq(c.v[0]->verdict, MS_CLEAN);
    cr_assert_eq(c.v[0]->n_rules, 0);
    cr_assert_eq(c.v[0]->incomplete, false);
    collected_free(&c);
}

Test(engine, user_rules_add_to_builtin_and_no_builtin_drops_them) {
    const char *rule = "rule my_marker { meta: family = \"test\" category = \"miner\" "
                       "severity = \"high\" description = \"marker\" "
                       "strings: $a = \"ZZ-MARKER-ZZ\" condition: $a }\n";
    char *path = t_write_str(t_tmp, "my.yar", rule);
    const char *rules[] = {path};
    ms_options o;
    ms_options_default(&o);
    o.rules = rules;
    o.n_rules = 1;
    collected c = {0};
    const char data[] = "prefix ZZ-MARKER-ZZ and mining.subscribe mining.notify";
    scan_bytes(&o, data, sizeof(data) - 1, "d", &c);
    cr_assert(has_rule(c.v[0], "my_marker"));
    cr_assert(has_rule(c.v[0], "stratum_methods"));
    cr_assert_eq(c.v[0]->verdict, MS_MALICIOUS);
    for (size_t i = 0; i < c.v[0]->n_rules; i++)
        if (!strcmp(c.v[0]->rules[i].rule, "my_marker")) {
            cr_assert_str_eq(c.v[0]->rules[i].ns, path, "user rules live in a namespace named after the file");
            cr_assert_str_eq(c.v[0]->rules[i].family, "test");
        }
    collected_free(&c);

    o.no_builtin_rules = true;
    collected d = {0};
    scan_bytes(&o, data, sizeof(data) - 1, "d", &d);
    cr_assert(has_rule(d.v[0], "my_marker"));
    cr_assert_not(has_rule(d.v[0], "stratum_methods"));
    collected_free(&d);
    free(path);
}

Test(engine, rule_syntax_error_names_file_and_line) {
    char *path = t_write_str(t_tmp, "bad.yar", "rule ok { condition: true }\n\nrule broken { strings: $a = \"x\" condition: $b }\n");
    const char *rules[] = {path};
    ms_options o;
    ms_options_default(&o);
    o.rules = rules;
    o.n_rules = 1;
    ms_engine *e = NULL;
    char *err = NULL;
    int r = ms_engine_new(&o, &e, &err);
    cr_assert_eq(r, MS_E_RULES);
    cr_assert_null(e);
    cr_assert_not_null(err);
    char want[4200];
    snprintf(want, sizeof(want), "%s:3: error:", path);
    cr_assert_not_null(strstr(err, want), "message was: %s", err);
    free(err);
    free(path);
}

Test(engine, hash_lists_mark_malicious_and_allow_suppresses) {
    const char data[] = "an innocent looking file body";
    char hex[65];
    cr_assert_eq(ms_sha256_hex((const uint8_t *)data, sizeof(data) - 1, hex), 0);
    char list[256];
    snprintf(list, sizeof(list), "# known bad\n%s  evil-dropper\n", hex);
    char *bad = t_write_str(t_tmp, "bad.txt", list);
    ms_options o;
    ms_options_default(&o);
    o.hashes_file = bad;
    collected c = {0};
    scan_bytes(&o, data, sizeof(data) - 1, "f", &c);
    cr_assert_eq(c.v[0]->verdict, MS_MALICIOUS);
    cr_assert_str_eq(c.v[0]->hash_list, "evil-dropper");
    collected_free(&c);

    /* the allow list wins over the rules and says so */
    cr_assert_eq(ms_sha256_hex((const uint8_t *)miner_text, sizeof(miner_text) - 1, hex), 0);
    snprintf(list, sizeof(list), "%s\n", hex);
    char *good = t_write_str(t_tmp, "good.txt", list);
    ms_options_default(&o);
    o.allow_file = good;
    collected d = {0};
    scan_bytes(&o, miner_text, sizeof(miner_text) - 1, "m", &d);
    cr_assert_eq(d.v[0]->verdict, MS_CLEAN);
    cr_assert_str_eq(d.v[0]->allowed_by, "good.txt");
    cr_assert_not_null(strstr(d.v[0]->reason, "would be malicious"));
    collected_free(&d);
    free(bad);
    free(good);
}

Test(engine, malformed_hash_list_is_a_clear_error) {
    char *bad = t_write_str(t_tmp, "list.txt", "0123abcd\n");
    ms_hashlist *l = NULL;
    char *err = NULL;
    cr_assert_eq(ms_hashlist_load(bad, &l, &err), MS_E_USAGE);
    cr_assert_not_null(strstr(err, "list.txt:1:"), "%s", err);
    free(err);
    free(bad);
}

Test(engine, sha1_and_md5_entries_match) {
    /* sha1("abc") and md5("abc") are well-known test vectors */
    char *l1 = t_write_str(t_tmp, "l.txt", "a9993e364706816aba3e25717850c26c9cd0d89d sha1-entry\n"
                                         "900150983cd24fb0d6963f7d28e17f72 md5-entry\n");
    ms_hashlist *l = NULL;
    cr_assert_eq(ms_hashlist_load(l1, &l, NULL), 0);
    cr_assert_eq(ms_hashlist_count(l), 2);
    const char *name = NULL;
    ms_digests d = {0};
    ms_hashlist_needs(l, &d);
    cr_assert(d.want_sha1 && d.want_md5, "the list asks for sha1 and md5");
    /* fed in two pieces, as a big file is in its windows */
    ms_digest_ctx *c = NULL;
    cr_assert_eq(ms_digest_begin(&d, &c), 0);
    cr_assert_eq(ms_digest_update(c, (const uint8_t *)"a", 1), 0);
    cr_assert_eq(ms_digest_update(c, (const uint8_t *)"bc", 2), 0);
    cr_assert_eq(ms_digest_end(c, &d), 0);
    cr_assert_str_eq(d.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cr_assert_eq(ms_hashlist_match(l, &d, &name), 1);
    cr_assert(!strcmp(name, "sha1-entry") || !strcmp(name, "md5-entry"));
    cr_assert_eq(ms_digest_begin(&d, &c), 0);
    cr_assert_eq(ms_digest_update(c, (const uint8_t *)"abd", 3), 0);
    cr_assert_eq(ms_digest_end(c, &d), 0);
    cr_assert_eq(ms_hashlist_match(l, &d, &name), 0);
    ms_hashlist_free(l);
    free(l1);
}

/* ---- identification ---- */

static ms_class identify_file(const char *path, char *desc, size_t desc_len) {
    size_t n = 0;
    char *data = t_read(path, &n);
    cr_assert_not_null(data, "read %s", path);
    ms_identifier *id = NULL;
    cr_assert_eq(ms_identifier_new(&id), 0);
    ms_class cls;
    const char *d = NULL;
    const char *base = strrchr(path, '/');
    ms_identify(id, (const uint8_t *)data, n, base ? base + 1 : path, ms_identify_fast((const uint8_t *)data, n),
                &cls, &d);
    snprintf(desc, desc_len, "%s", d);
    ms_identifier_free(id);
    free(data);
    return cls;
}

Test(engine, identify_elf_pe_script_config_archive) {
    char desc[512];
    char *elf = t_path(t_tmp, "prog");
    cr_assert_eq(t_compile("cc", "int main(void){return 0;}", elf, NULL), 0);
    cr_assert_eq(identify_file(elf, desc, sizeof(desc)), MS_CLASS_ELF);
    cr_assert_not_null(strstr(desc, "ELF 64-bit"), "%s", desc);

    if (t_have_program("x86_64-w64-mingw32-gcc")) {
        char *pe = t_path(t_tmp, "prog.exe");
        cr_assert_eq(t_compile("x86_64-w64-mingw32-gcc", "int main(void){return 0;}", pe, NULL), 0);
        cr_assert_eq(identify_file(pe, desc, sizeof(desc)), MS_CLASS_PE);
        cr_assert_not_null(strstr(desc, "PE32+"), "%s", desc);
        free(pe);
    } else {
        cr_log_info("NOT CHECKED: PE identification: x86_64-w64-mingw32-gcc missing");
    }

    char *sh = t_write_str(t_tmp, "run", "#!/bin/sh\necho hi\n");
    cr_assert_eq(identify_file(sh, desc, sizeof(desc)), MS_CLASS_SCRIPT);
    char *ps = t_write_str(t_tmp, "x.ps1", "Write-Host 'hello'\n");
    cr_assert_eq(identify_file(ps, desc, sizeof(desc)), MS_CLASS_SCRIPT);
    char *js = t_write_str(t_tmp, "config.json", "{\"pools\": [{\"url\": \"a:1\"}]}\n");
    cr_assert_eq(identify_file(js, desc, sizeof(desc)), MS_CLASS_CONFIG);
    cr_assert_not_null(strstr(desc, "JSON"), "%s", desc);
    static const unsigned char gz[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    char *g = t_write(t_tmp, "e.gz", gz, sizeof(gz));
    cr_assert_eq(identify_file(g, desc, sizeof(desc)), MS_CLASS_ARCHIVE);
    cr_assert_not_null(strstr(desc, "gzip"), "%s", desc);
    free(elf), free(sh), free(ps), free(js), free(g);
}

/* A script with neither #! nor a telling name is a script by its first
 * lines, as libmagic's text tests would say, without calling libmagic;
 * prose that starts a line with the same words is not. Each case is also
 * checked against libmagic's own verdict (ms_identify), so the class
 * keeps what the description-based one gave. */
Test(engine, scripts_without_shebang_or_name_by_their_lines) {
    static const struct {
        const char *text;
        ms_class cls;
    } cases[] = {
        {"import os\nimport sys\ndef f():\n  os.system('id')\n", MS_CLASS_SCRIPT},
        {"from os import path\nx = 1\n", MS_CLASS_SCRIPT},
        {"# a comment\nfrom . import util\n", MS_CLASS_SCRIPT},
        {"class A:\n    def __init__(self):\n        pass\n", MS_CLASS_SCRIPT},
        {"try:\n    x()\nexcept Exception:\n    pass\n", MS_CLASS_SCRIPT},
        {"<?php\necho 1;\n", MS_CLASS_SCRIPT},
        {"require 'socket'\nclass Foo\nend\n", MS_CLASS_SCRIPT},
        {"BEGIN { FS=\":\" }\n{ print $1 }\n", MS_CLASS_SCRIPT},
        {"To use it,\nimport the key with gpg first.\nThen run it.\n", MS_CLASS_OTHER},
        {"from the start\nwe import nothing\n", MS_CLASS_OTHER},
        {"try:\n   this\nexcept that\n", MS_CLASS_OTHER},
        {"#include <stdio.h>\nint main(void) { return 0; }\n", MS_CLASS_OTHER},
        {".TH LS 1\n.SH NAME\nls \\- list directory contents\n", MS_CLASS_OTHER},
        {"Copyright (C) 2020 The Authors\n\nLicensed under the MIT license.\n", MS_CLASS_OTHER},
    };
    ms_identifier *id = NULL;
    cr_assert_eq(ms_identifier_new(&id), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const uint8_t *d = (const uint8_t *)cases[i].text;
        size_t n = strlen(cases[i].text);
        bool text = false;
        ms_class fast = ms_identify_class(d, n, "x", &text);
        cr_assert_eq(fast, cases[i].cls, "case %zu: class %d for:\n%s", i, (int)fast, cases[i].text);
        cr_assert(text, "case %zu: text", i);
        ms_class by_magic;
        const char *desc = NULL;
        ms_identify(id, d, n, "x", ms_identify_fast(d, n), &by_magic, &desc);
        cr_assert_eq(fast, by_magic, "case %zu: libmagic says \"%s\" (class %d), the lines %d", i, desc,
                     (int)by_magic, (int)fast);
    }
    ms_identifier_free(id);
}

Test(engine, identify_never_fails_on_garbage) {
    ms_identifier *id = NULL;
    cr_assert_eq(ms_identifier_new(&id), 0);
    unsigned char buf[4096];
    unsigned s = 12345;
    for (int round = 0; round < 200; round++) {
        size_t n = (size_t)(round * 20) % sizeof(buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)((s = s * 1103515245u + 12345u) >> 16);
        if (round % 3 == 0 && n >= 4)
            memcpy(buf, round % 2 ? "MZ\x90\x00" : "\x7f" "ELF", 4);
        ms_class cls;
        const char *d = NULL;
        ms_identify(id, buf, n, NULL, ms_identify_fast(buf, n), &cls, &d);
        cr_assert_not_null(d);
    }
    ms_identifier_free(id);
}

Test(engine, magic_database_is_built_in) {
    cr_assert_gt(ms_magic_db_size(), 1000000u, "the compiled magic database is embedded");
}

Test(engine, strerror_covers_domain_and_errno_codes) {
    cr_assert_str_eq(ms_strerror(MS_E_ENCRYPTED), "encrypted");
    cr_assert_str_eq(ms_strerror(-2), "No such file or directory");
    cr_assert_str_eq(ms_strerror(-99999), "unknown error");
}

Test(engine, oversized_file_is_a_limit_with_its_prefix_scanned) {
    /* the miner strings sit in the first bytes; the cap cuts the rest */
    size_t n = 8192;
    char *big = calloc(1, n);
    memcpy(big, miner_text, sizeof(miner_text) - 1);
    char *path = t_write(t_tmp, "big.bin", big, n);
    ms_options o;
    ms_options_default(&o);
    o.limits.max_filesize = 4096;
    ms_engine *e = NULL;
    ms_worker *w = NULL;
    cr_assert_eq(ms_engine_new(&o, &e, NULL), 0);
    cr_assert_eq(ms_worker_new(e, &w), 0);
    FILE *f = fopen(path, "rb");
    collected c = {0};
    uint64_t bytes = 0;
    ms_sink sink = {.emit = collect, .ud = &c};
    cr_assert_eq(ms_worker_scan_fd(w, fileno(f), path, strlen(path), 0, &sink, &bytes), 0);
    fclose(f);
    cr_assert_eq(c.n, 1);
    cr_assert_eq(c.v[0]->verdict, MS_MALICIOUS, "a hit in the prefix still counts");
    cr_assert(c.v[0]->incomplete, "but the object is marked as not fully scanned");
    cr_assert_not_null(strstr(c.v[0]->reason, "max-filesize"), "%s", c.v[0]->reason);
    collected_free(&c);

    /* a clean oversized file is a limit, never clean */
    memset(big, 'a', n);
    free(path);
    path = t_write(t_tmp, "big2.bin", big, n);
    f = fopen(path, "rb");
    collected d = {0};
    sink.ud = &d;
    cr_assert_eq(ms_worker_scan_fd(w, fileno(f), path, strlen(path), 0, &sink, &bytes), 0);
    fclose(f);
    cr_assert_eq(d.v[0]->verdict, MS_LIMIT);
    collected_free(&d);
    ms_worker_free(w);
    ms_engine_free(e);
    free(path);
    free(big);
}

/* Text or not, byte by byte as the identification says it reads (no
 * NUL; at most one byte in 64 a control character text does not hold:
 * tab, newline, vertical tab, form feed, carriage return and escape are
 * text, so is every byte over 0x7f), whatever the byte and wherever it
 * falls: each of the 256 values at each offset of buffers of 1 to 70
 * bytes, alone in text, and 2 of them in 64 bytes. */
static bool text_by_hand(const uint8_t *d, size_t n) {
    size_t odd = 0;
    for (size_t i = 0; i < n; i++) {
        if (d[i] == 0)
            return false;
        odd += (d[i] < 0x20 && !(d[i] >= 9 && d[i] <= 13) && d[i] != 0x1b) || d[i] == 0x7f;
    }
    return n > 0 && odd * 64 <= n;
}

Test(engine, text_is_told_by_every_byte) {
    uint8_t b[70];
    for (size_t n = 1; n <= sizeof(b); n++)
        for (size_t at = 0; at < n; at++)
            for (unsigned c = 0; c < 256; c++) {
                memset(b, 'a', n);
                b[at] = (uint8_t)c;
                bool text = !text_by_hand(b, n);
                ms_identify_class(b, n, NULL, &text);
                cr_assert_eq(ms_identify_is_text(b, n), text_by_hand(b, n), "byte %02x at %zu of %zu", c, at, n);
                cr_assert_eq(text, text_by_hand(b, n), "the class's reading: byte %02x at %zu of %zu", c, at, n);
                if (n == 64 && at > 0) {
                    b[at - 1] = (uint8_t)c; /* two of them in 64 bytes */
                    cr_assert_eq(ms_identify_is_text(b, n), text_by_hand(b, n), "bytes %02x at %zu of 64", c, at);
                }
            }
}
