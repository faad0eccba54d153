/*
 * test_report.c - the reporters (issue 2, "Verdicts and reports").
 *
 * The reporters are driven directly with hand-built ms_verdict records, the
 * output is parsed back (jansson) and its fields are checked; the SARIF is
 * also checked by Microsoft's validator when it is installed
 * (npm install -g @microsoft/sarif-multitool), and the real binary's
 * output is checked end to end on a program compiled at test time.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "report.h"
#include "util.h"

/* ---- building records ---- */

#define SHA_A "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define SHA_B "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
#define WALLET                                                                                     \
    "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBE" \
    "P3A"
#define POOL "stratum+tcp://pool.example.com:3333"

static ms_verdict *mk(const char *path, size_t len, ms_verdict_kind k) {
    ms_verdict *v = NULL;
    v = ms_verdict_new(path, len);
    v->verdict = k;
    v->size = 1000;
    return v;
}

static ms_verdict *mks(const char *path, ms_verdict_kind k) {
    return mk(path, strlen(path), k);
}

static void rule(ms_verdict *v, const char *name, const char *ns, const char *family,
                 const char *category, const char *severity, const char *desc, bool has_match,
                 uint64_t off, uint64_t len) {
    ms_rule_hit h = {.rule = (char *)name,
                     .ns = (char *)ns,
                     .family = (char *)family,
                     .category = (char *)category,
                     .severity = (char *)severity,
                     .description = (char *)desc,
                     .offset = off,
                     .length = len,
                     .has_match = has_match};
    ms_verdict_add_rule(v, &h);
}

static void sha(ms_verdict *v, const char *hex) {
    memcpy(v->sha256, hex, 65);
    v->has_sha256 = true;
}

static char *dup(const char *s) {
    char *d = strdup(s);
    cr_assert_not_null(d);
    return d;
}

static const ms_contrib top_feats[] = {
    {.feature = "tok_stratum", .value = 3, .weight = 1.9},
    {.feature = "entropy_text", .value = 6.25, .weight = 0.75},
};

/* The hostile path: ESC sequence, newline, BEL, a C1 CSI (U+009B) and a
 * right-to-left override (U+202E); all valid UTF-8. */
#define HOSTILE                                                                                    \
    "evil/\x1b[31mred\n\x07\xc2\x9b"                                                               \
    "2J\xe2\x80\xae"                                                                               \
    "hs.sh"
#define BADUTF8 "bad\xffname\xc0\xaf"

enum { N_SAMPLES = 13 };

/* Every kind of record a reporter must handle. */
static size_t samples(ms_verdict **vs) {
    size_t n = 0;
    ms_verdict *v;

    /* 0: a malicious executable with everything set */
    v = vs[n++] = mks("bin/xmrig", MS_MALICIOUS);
    v->size = 9026768;
    sha(v, SHA_A);
    v->cls = MS_CLASS_ELF;
    v->description = dup("ELF 64-bit LSB executable, x86-64");
    rule(v, "xmrig_strings", "builtin", "xmrig", "miner", "high", "XMRig miner strings", true, 4096,
         5);
    rule(v, "upx_packed", "builtin", "", "packer", "low", "", false, 0, 0);
    v->has_model = true;
    v->score = 0.97;
    v->threshold = 0.8;
    v->top = malloc(sizeof(top_feats));
    memcpy(v->top, top_feats, sizeof(top_feats));
    v->n_top = 2;
    ms_iocs_add_pool(&v->iocs, POOL);
    ms_iocs_add_wallet(&v->iocs, "xmr", WALLET);
    v->iocs.config.algo = dup("rx/0");
    v->iocs.config.user = dup(WALLET ".worker1");
    v->iocs.config.pass = dup("x");
    v->iocs.config.donate_level = 0;
    v->iocs.config.tls = 1;

    /* 1: a suspicious member two levels down */
    v = vs[n++] = mks("image.tar!layer.tar.gz!usr/bin/x", MS_SUSPICIOUS);
    v->is_member = true;
    v->depth = 2;
    sha(v, SHA_B);
    rule(v, "stratum_pool_url", "builtin", "stratum", "pool", "medium", "A stratum pool URL", true,
         8226, 35);
    ms_iocs_add_pool(&v->iocs, POOL);

    /* 2: an unreadable file */
    v = vs[n++] = mks("secret/unreadable", MS_ERROR);
    v->size = 0;
    v->incomplete = true;
    ms_verdict_set_reason(v, "read: Permission denied");

    /* 3: a bomb stopped by a limit */
    v = vs[n++] = mks("bomb.zip", MS_LIMIT);
    v->cls = MS_CLASS_ARCHIVE;
    v->incomplete = true;
    ms_verdict_set_reason(v, "limit: max-ratio 200 exceeded");

    /* 4: known-bad by hash only */
    v = vs[n++] = mks("dropper.sh", MS_MALICIOUS);
    v->cls = MS_CLASS_SCRIPT;
    sha(v, SHA_B);
    v->hash_list = dup("bad-hashes.txt");

    /* 5: an archive flagged only through a member */
    v = vs[n++] = mks("pkg.tar", MS_SUSPICIOUS);
    v->cls = MS_CLASS_ARCHIVE;
    ms_verdict_set_reason(v, "a member is suspicious");

    /* 6: allowed by a known-good list */
    v = vs[n++] = mks("ok.bin", MS_CLEAN);
    sha(v, SHA_A);
    v->allowed_by = dup("good.txt");
    ms_verdict_set_reason(v, "allowed by good.txt (would be malicious)");

    /* 7: an encrypted member */
    v = vs[n++] = mks("enc.zip!secret.bin", MS_SKIPPED);
    v->is_member = true;
    v->depth = 1;
    v->incomplete = true;
    ms_verdict_set_reason(v, "encrypted");

    /* 8: a name that is not UTF-8 */
    v = vs[n++] = mk(BADUTF8, sizeof(BADUTF8) - 1, MS_MALICIOUS);
    sha(v, SHA_A);
    rule(v, "xmrig_strings", "builtin", "xmrig", "miner", "high", "XMRig miner strings", true, 10,
         5);

    /* 9: a name built to attack a terminal */
    v = vs[n++] = mks(HOSTILE, MS_SUSPICIOUS);
    v->cls = MS_CLASS_SCRIPT;
    rule(v, "stratum_methods", "builtin", "stratum", "protocol", "medium",
         "Stratum method \x1b]0;owned\x07 names", true, 7, 16);

    /* 10: an absolute path with a space, a colon and a dot-dot segment */
    v = vs[n++] = mks("/tmp/a b:c/../x y", MS_SUSPICIOUS);
    rule(v, "stratum_methods", "builtin", "stratum", "protocol", "medium", "Stratum methods", true,
         0, 16);

    /* 11: a member whose name climbs out of its archive */
    v = vs[n++] = mks("/srv/a.zip!../../etc/passwd", MS_SUSPICIOUS);
    v->is_member = true;
    v->depth = 1;
    rule(v, "stratum_methods", "builtin", "stratum", "protocol", "medium", "Stratum methods", true,
         3, 16);

    /* 12: a user rule with the same name as a builtin one, and an incomplete
     * malicious object (findings and a notification) */
    v = vs[n++] = mks("user/hit", MS_MALICIOUS);
    v->incomplete = true;
    ms_verdict_set_reason(v, "limit: max-entries 100000");
    rule(v, "xmrig_strings", "rules/mine.yar", "xmrig", "miner", "high", "my own rule", true, 1, 2);
    cr_assert_eq(n, N_SAMPLES);
    return n;
}

static void free_all(ms_verdict **vs, size_t n) {
    for (size_t i = 0; i < n; i++)
        ms_verdict_free(vs[i]);
}

static ms_summary summarise(ms_verdict **vs, size_t n) {
    ms_summary s = {0};
    for (size_t i = 0; i < n; i++) {
        ms_summary_count(&s, vs[i]);
        if (!vs[i]->is_member)
            s.bytes += vs[i]->size;
    }
    s.elapsed_s = 1.25;
    return s;
}

typedef struct out_opts {
    bool sort, explain;
} out_opts;

/* Drive a reporter through begin/object.../summary/end into memory. */
static char *render(const ms_report_ops *ops, out_opts o, ms_verdict **vs, size_t n,
                    const ms_summary *s, size_t *ret_len) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    ms_report r = {.ops = ops, .out = f, .sort = o.sort, .explain = o.explain};
    cr_assert_eq(ops->begin(&r), 0);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(ops->object(&r, vs[i]), 0, "%s object %zu", ops->name, i);
    cr_assert_eq(ops->summary(&r, s), 0);
    cr_assert_eq(ops->end(&r), 0);
    cr_assert_null(r.state, "end frees the reporter's state");
    fclose(f);
    if (ret_len)
        *ret_len = len;
    return buf;
}

static char *render_samples(const ms_report_ops *ops, out_opts o, size_t *ret_len) {
    ms_verdict *vs[N_SAMPLES];
    size_t n = samples(vs);
    ms_summary s = summarise(vs, n);
    char *out = render(ops, o, vs, n, &s, ret_len);
    free_all(vs, n);
    return out;
}

static size_t b64_decode(const char *in, unsigned char *out, size_t cap) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (; *in && *in != '='; in++) {
        const char *p = strchr(tab, *in);
        cr_assert(p, "bad base64 character %c", *in);
        acc = acc << 6 | (uint32_t)(p - tab);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            cr_assert_lt(n, cap, "decoded data too long");
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

static char *to_string(void (*fn)(FILE *, const char *, size_t), const char *s, size_t n) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fn(f, s, n);
    fclose(f);
    return buf;
}

/* ---- helpers in report_util.c ---- */

/* every test has a timeout far below its meson suite's (issue 15) */
TestSuite(report_errors, .timeout = 120);
TestSuite(report_jsonl, .timeout = 120);
TestSuite(report_sarif, .timeout = 240);
TestSuite(report_text, .timeout = 120);
TestSuite(report_util, .timeout = 60);
TestSuite(report_validator, .timeout = 240);

Test(report_util, utf8_validation_is_strict) {
    static const struct {
        const char *s;
        size_t n;
        bool ok;
    } cases[] = {
        {"plain ascii", 11, true},
        {"caf\xc3\xa9", 5, true},
        {"\xe2\x82\xac", 3, true},      /* U+20AC */
        {"\xf0\x9f\x98\x80", 4, true},  /* U+1F600 */
        {"\xf4\x8f\xbf\xbf", 4, true},  /* U+10FFFF */
        {"\xc0\xaf", 2, false},         /* overlong '/' */
        {"\xc1\xbf", 2, false},         /* overlong */
        {"\xe0\x80\xaf", 3, false},     /* overlong */
        {"\xf0\x80\x80\xaf", 4, false}, /* overlong */
        {"\xed\xa0\x80", 3, false},     /* U+D800, a surrogate */
        {"\xed\xbf\xbf", 3, false},     /* U+DFFF */
        {"\xf4\x90\x80\x80", 4, false}, /* U+110000 */
        {"\xf5\x80\x80\x80", 4, false},
        {"\xff", 1, false},
        {"\x80", 1, false},     /* lone continuation */
        {"\xe2\x82", 2, false}, /* truncated */
        {"a\x00"
         "b",
         3, true}, /* NUL is a character */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_expect_eq(ms_utf8_valid(cases[i].s, cases[i].n), cases[i].ok, "case %zu", i);
}

Test(report_util, json_escape_always_parses_and_round_trips_utf8) {
    /* every single byte, and every pair of bytes from an interesting set */
    for (int c = 0; c < 256; c++) {
        char in = (char)c;
        char *body = to_string(ms_json_escape, &in, 1);
        char *doc = NULL;
        cr_assert(asprintf(&doc, "[\"%s\"]", body) > 0);
        json_error_t e;
        json_t *j = json_loads(doc, JSON_ALLOW_NUL, &e);
        cr_assert_not_null(j, "byte %#x gave %s: %s", c, doc, e.text);
        json_t *str = json_array_get(j, 0);
        if (c < 0x80) {
            cr_assert_eq(json_string_length(str), 1);
            cr_assert_eq((unsigned char)json_string_value(str)[0], c);
        } else {
            cr_assert_str_eq(json_string_value(str), "\xef\xbf\xbd", "byte %#x -> U+FFFD", c);
        }
        for (const char *p = body; *p; p++)
            cr_assert((unsigned char)*p >= 0x20 && *p != 0x7f, "raw control byte in %s", body);
        json_decref(j);
        free(doc);
        free(body);
    }
    const char s[] = "q\"b\\s/\t\n\r\b\f\x1b\x7f caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80";
    char *body = to_string(ms_json_escape, s, sizeof(s) - 1);
    cr_assert(strstr(body, "\\\"") && strstr(body, "\\\\") && strstr(body, "\\n") &&
                  strstr(body, "\\u001b") && strstr(body, "\\u2028"),
              "%s", body);
    char *doc = NULL;
    cr_assert(asprintf(&doc, "\"%s\"", body) > 0);
    json_t *j = json_loads(doc, JSON_DECODE_ANY, NULL);
    cr_assert_not_null(j, "%s", doc);
    cr_assert_str_eq(json_string_value(j), s, "valid UTF-8 round-trips exactly");
    json_decref(j);
    free(doc);
    free(body);
}

Test(report_util, base64_rfc4648_vectors) {
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const want[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                       "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        ms_base64_write(f, (const uint8_t *)in[i], strlen(in[i]));
        fclose(f);
        cr_expect_str_eq(buf, want[i]);
        free(buf);
    }
    unsigned char all[256], back[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)(255 - i);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ms_base64_write(f, all, sizeof(all));
    fclose(f);
    cr_assert_eq(b64_decode(buf, back, sizeof(back)), 256);
    cr_assert_arr_eq(all, back, 256);
    free(buf);
}

Test(report_util, text_sanitize_blocks_terminal_control) {
    const char s[] =
        "a\\b \x1b[2J\n\r\t\x7f \xc2\x9b \xe2\x80\xae \xe2\x81\xa6 \xff caf\xc3\xa9 \xe2\x82\xac";
    char *out = to_string(ms_text_sanitize, s, sizeof(s) - 1);
    cr_assert_str_eq(out, "a\\\\b \\x1b[2J\\x0a\\x0d\\x09\\x7f \\xc2\\x9b \\xe2\\x80\\xae "
                          "\\xe2\\x81\\xa6 \\xff caf\xc3\xa9 \xe2\x82\xac");
    free(out);
}

static char *uri(const char *p, bool member) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ms_uri_write(f, p, strlen(p), member);
    fclose(f);
    return buf;
}

Test(report_util, uri_references) {
    static const struct {
        const char *path;
        bool member;
        const char *want;
    } cases[] = {
        {"dir/file.txt", false, "dir/file.txt"},
        {"a b:c/\xff", false, "a%20b%3Ac/%FF"},
        {"../x", false, "../x"},
        {"/tmp/a b", false, "file:///tmp/a%20b"},
        {"//etc/passwd", false, "file:////etc/passwd"},
        {"/a/./b/../c", false, "file:///a/c"},
        {"/..", false, "file:///"},
        /* issue 11: members jar-style, readable; dot segments encoded */
        {"a.tar!x/y", true, "a.tar!/x/y"},
        {"a.tar!l.tgz!usr/bin/x", true, "a.tar!/l.tgz!/usr/bin/x"},
        {"/srv/a.zip!../../etc/passwd", true, "file:///srv/a.zip!/%2E%2E/%2E%2E/etc/passwd"},
        {"a.zip!./x y", true, "a.zip!/%2E/x%20y"},
        {"not!member/x", false, "not%21member/x"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *u = uri(cases[i].path, cases[i].member);
        cr_expect_str_eq(u, cases[i].want, "case %zu", i);
        free(u);
    }
}

Test(report_util, find) {
    cr_assert_eq(ms_report_find("text"), &ms_report_text);
    cr_assert_eq(ms_report_find("jsonl"), &ms_report_jsonl);
    cr_assert_eq(ms_report_find("sarif"), &ms_report_sarif);
    cr_assert_null(ms_report_find("xml"));
}

/* ---- JSON Lines ---- */

static json_t *jsonl_samples(out_opts o) {
    char *out = render_samples(&ms_report_jsonl, o, NULL);
    json_t *recs = t_jsonl(out);
    cr_assert_not_null(recs, "every line parses as a JSON object:\n%s", out);
    free(out);
    cr_assert_eq(json_array_size(recs), N_SAMPLES + 1);
    return recs;
}

static void expect_type(json_t *o, const char *key, json_type t) {
    json_t *v = json_object_get(o, key);
    cr_assert_not_null(v, "field %s present", key);
    cr_assert_eq(json_typeof(v), t, "field %s has type %d, not %d", key, json_typeof(v), t);
}

Test(report_jsonl, object_record_fields_and_types) {
    json_t *recs = jsonl_samples((out_opts){0});
    json_t *r = t_find_record(recs, "bin/xmrig");
    cr_assert_not_null(r);
    cr_assert_str_eq(json_string_value(json_object_get(r, "type")), "object");
    cr_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "malicious");
    cr_assert_eq(json_integer_value(json_object_get(r, "size")), 9026768);
    cr_assert_str_eq(json_string_value(json_object_get(r, "sha256")), SHA_A);
    json_t *ft = json_object_get(r, "filetype");
    cr_assert_str_eq(json_string_value(json_object_get(ft, "class")), "elf");
    cr_assert_str_eq(json_string_value(json_object_get(ft, "description")),
                     "ELF 64-bit LSB executable, x86-64");
    cr_assert_null(json_object_get(r, "path_b64"), "valid UTF-8 path: no path_b64");

    json_t *rules = json_object_get(r, "rules");
    cr_assert_eq(json_array_size(rules), 2);
    json_t *h = json_array_get(rules, 0);
    cr_assert_str_eq(json_string_value(json_object_get(h, "rule")), "xmrig_strings");
    cr_assert_str_eq(json_string_value(json_object_get(h, "namespace")), "builtin");
    cr_assert_str_eq(json_string_value(json_object_get(h, "family")), "xmrig");
    cr_assert_str_eq(json_string_value(json_object_get(h, "category")), "miner");
    cr_assert_str_eq(json_string_value(json_object_get(h, "severity")), "high");
    cr_assert_str_eq(json_string_value(json_object_get(h, "description")), "XMRig miner strings");
    cr_assert_eq(json_integer_value(json_object_get(h, "offset")), 4096);
    cr_assert_eq(json_integer_value(json_object_get(h, "length")), 5);
    h = json_array_get(rules, 1);
    cr_assert(json_is_null(json_object_get(h, "offset")), "condition-only rule: offset null");
    cr_assert(json_is_null(json_object_get(h, "length")));
    cr_assert_str_eq(json_string_value(json_object_get(h, "family")), "");

    json_t *m = json_object_get(r, "model");
    cr_assert(json_is_object(m));
    cr_assert_float_eq(json_real_value(json_object_get(m, "score")), 0.97, 1e-9);
    cr_assert_float_eq(json_number_value(json_object_get(m, "threshold")), 0.8, 1e-9);
    json_t *top = json_object_get(m, "top");
    cr_assert_eq(json_array_size(top), 2);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(top, 0), "feature")),
                     "tok_stratum");
    cr_assert_float_eq(json_number_value(json_object_get(json_array_get(top, 0), "value")), 3,
                       1e-9);
    cr_assert_float_eq(json_number_value(json_object_get(json_array_get(top, 0), "weight")), 1.9,
                       1e-9);

    json_t *iocs = json_object_get(r, "iocs");
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(iocs, "pools"), 0)), POOL);
    json_t *w = json_array_get(json_object_get(iocs, "wallets"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(w, "coin")), "xmr");
    cr_assert_str_eq(json_string_value(json_object_get(w, "address")), WALLET);
    json_t *cfg = json_object_get(iocs, "config");
    cr_assert_str_eq(json_string_value(json_object_get(cfg, "algo")), "rx/0");
    cr_assert_str_eq(json_string_value(json_object_get(cfg, "pass")), "x");
    cr_assert_eq(json_integer_value(json_object_get(cfg, "donate_level")), 0);
    cr_assert(json_is_true(json_object_get(cfg, "tls")));

    cr_assert(json_is_null(json_object_get(r, "reason")));
    cr_assert(json_is_false(json_object_get(r, "is_member")));
    cr_assert_eq(json_integer_value(json_object_get(r, "depth")), 0);
    cr_assert(json_is_false(json_object_get(r, "incomplete")));
    cr_assert(json_is_null(json_object_get(r, "hash_list")));
    cr_assert(json_is_null(json_object_get(r, "allowed_by")));

    /* every object record carries every contract field with its type */
    size_t i;
    json_t *o;
    json_array_foreach(recs, i, o) {
        if (strcmp(json_string_value(json_object_get(o, "type")), "object"))
            continue;
        expect_type(o, "path", JSON_STRING);
        expect_type(o, "verdict", JSON_STRING);
        expect_type(o, "size", JSON_INTEGER);
        expect_type(o, "filetype", JSON_OBJECT);
        expect_type(o, "rules", JSON_ARRAY);
        expect_type(o, "iocs", JSON_OBJECT);
        expect_type(json_object_get(o, "iocs"), "pools", JSON_ARRAY);
        expect_type(json_object_get(o, "iocs"), "wallets", JSON_ARRAY);
        expect_type(json_object_get(o, "iocs"), "config", JSON_OBJECT);
        expect_type(o, "depth", JSON_INTEGER);
        cr_assert(json_is_boolean(json_object_get(o, "is_member")));
        cr_assert(json_is_boolean(json_object_get(o, "incomplete")));
        cr_assert(json_object_get(o, "sha256") && json_object_get(o, "reason") &&
                  json_object_get(o, "hash_list") && json_object_get(o, "allowed_by"));
        if (i != 0)
            cr_assert_null(json_object_get(o, "model"), "model only when the model scored");
    }
    json_decref(recs);
}

Test(report_jsonl, unknowns_are_null_and_members_say_so) {
    json_t *recs = jsonl_samples((out_opts){0});
    json_t *r = t_find_record(recs, "secret/unreadable");
    cr_assert_not_null(r);
    cr_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "error");
    cr_assert(json_is_null(json_object_get(r, "sha256")));
    cr_assert(json_is_null(json_object_get(json_object_get(r, "filetype"), "description")));
    cr_assert_str_eq(json_string_value(json_object_get(r, "reason")), "read: Permission denied");
    cr_assert(json_is_true(json_object_get(r, "incomplete")));
    json_t *cfg = json_object_get(json_object_get(r, "iocs"), "config");
    const char *keys[] = {"algo", "user", "pass", "donate_level", "tls"};
    for (size_t i = 0; i < 5; i++)
        cr_assert(json_is_null(json_object_get(cfg, keys[i])), "config.%s null", keys[i]);

    r = t_find_record(recs, "image.tar!layer.tar.gz!usr/bin/x");
    cr_assert(json_is_true(json_object_get(r, "is_member")));
    cr_assert_eq(json_integer_value(json_object_get(r, "depth")), 2);
    r = t_find_record(recs, "dropper.sh");
    cr_assert_str_eq(json_string_value(json_object_get(r, "hash_list")), "bad-hashes.txt");
    r = t_find_record(recs, "ok.bin");
    cr_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "clean");
    cr_assert_str_eq(json_string_value(json_object_get(r, "allowed_by")), "good.txt");
    json_decref(recs);
}

Test(report_jsonl, invalid_utf8_path_gets_exact_bytes_in_path_b64) {
    json_t *recs = jsonl_samples((out_opts){0});
    /* each invalid byte is one U+FFFD in the lossy form */
    json_t *r = t_find_record(recs, "bad\xef\xbf\xbdname\xef\xbf\xbd\xef\xbf\xbd");
    cr_assert_not_null(r, "lossy path");
    const char *b64 = json_string_value(json_object_get(r, "path_b64"));
    cr_assert_not_null(b64);
    unsigned char back[64];
    size_t n = b64_decode(b64, back, sizeof(back));
    cr_assert_eq(n, sizeof(BADUTF8) - 1);
    cr_assert_arr_eq(back, BADUTF8, n, "path_b64 decodes to the exact bytes");
    json_decref(recs);
}

Test(report_jsonl, control_characters_escaped_path_exact) {
    char *out = render_samples(&ms_report_jsonl, (out_opts){0}, NULL);
    /* the raw ESC and the newline of the path never appear in the output */
    cr_assert_null(strchr(out, '\x1b'));
    size_t lines = 0;
    for (const char *p = out; *p; p++)
        lines += *p == '\n';
    cr_assert_eq(lines, N_SAMPLES + 1, "one line per record");
    json_t *recs = t_jsonl(out);
    json_t *r = t_find_record(recs, HOSTILE);
    cr_assert_not_null(r, "the path round-trips exactly");
    cr_assert_null(json_object_get(r, "path_b64"));
    cr_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(r, "rules"), 0), "description")),
                     "Stratum method \x1b]0;owned\x07 names");
    json_decref(recs);
    free(out);
}

Test(report_jsonl, summary_counts) {
    json_t *recs = jsonl_samples((out_opts){0});
    json_t *s = json_array_get(recs, json_array_size(recs) - 1);
    cr_assert_eq(s, t_summary(recs), "the summary is the last line");
    static const struct {
        const char *key;
        json_int_t want;
    } counts[] = {{"objects", 13},  {"files", 10},     {"clean", 1},
                  {"malicious", 4}, {"suspicious", 5}, {"errors", 1},
                  {"skipped", 1},   {"limits", 1},     {"incomplete", 4}};
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        cr_expect_eq(json_integer_value(json_object_get(s, counts[i].key)), counts[i].want, "%s",
                     counts[i].key);
    cr_assert_eq(json_integer_value(json_object_get(s, "bytes")), 9026768 + 1000 * 8);
    cr_assert_float_eq(json_number_value(json_object_get(s, "elapsed_s")), 1.25, 1e-9);
    cr_assert(json_is_false(json_object_get(s, "interrupted")));
    json_decref(recs);
}

Test(report_jsonl, sort_is_byte_identical) {
    ms_verdict *vs[N_SAMPLES];
    size_t n = samples(vs);
    ms_summary s = summarise(vs, n);
    size_t la, lb, lc, ld;
    char *a = render(&ms_report_jsonl, (out_opts){.sort = true}, vs, n, &s, &la);
    s.elapsed_s = 99.5;
    char *b = render(&ms_report_jsonl, (out_opts){.sort = true}, vs, n, &s, &lb);
    cr_assert_eq(la, lb);
    cr_assert_arr_eq(a, b, la, "same records, different elapsed: identical under --sort");
    json_t *recs = t_jsonl(a);
    cr_assert(json_is_null(json_object_get(t_summary(recs), "elapsed_s")));
    json_decref(recs);
    char *c = render(&ms_report_jsonl, (out_opts){0}, vs, n, &s, &lc);
    s.elapsed_s = 1.5;
    char *d = render(&ms_report_jsonl, (out_opts){0}, vs, n, &s, &ld);
    cr_assert(lc != ld || memcmp(c, d, lc), "without --sort the elapsed time is written");
    free(a), free(b), free(c), free(d);
    free_all(vs, n);
}

/* ---- text ---- */

Test(report_text, no_control_bytes_reach_the_terminal) {
    size_t len;
    char *out = render_samples(&ms_report_text, (out_opts){.explain = true}, &len);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)out[i];
        cr_assert(c >= 0x20 || c == '\n', "control byte %#x at %zu", c, i);
        cr_assert(c != 0x7f);
    }
    cr_assert_null(memmem(out, len, "\xc2\x9b", 2), "no C1 CSI");
    cr_assert_null(memmem(out, len, "\xe2\x80\xae", 3), "no bidi override");
    cr_assert_not_null(
        strstr(out, "SUSPICIOUS evil/\\x1b[31mred\\x0a\\x07\\xc2\\x9b2J\\xe2\\x80\\xaehs.sh"), "%s",
        out);
    cr_assert_not_null(strstr(out, "MALICIOUS bad\\xffname\\xc0\\xaf"), "%s", out);
    free(out);
}

static size_t count_lines_starting(const char *out, const char *prefix) {
    size_t n = 0, pl = strlen(prefix);
    for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        n += !strncmp(p, prefix, pl);
    return n;
}

Test(report_text, one_line_per_object_with_iocs_and_summary) {
    char *out = render_samples(&ms_report_text, (out_opts){0}, NULL);
    /* object lines are the unindented ones before the summary */
    size_t objects = 0;
    const char *verdicts[] = {"MALICIOUS ", "SUSPICIOUS ", "CLEAN ",
                              "ERROR ",     "SKIPPED ",    "LIMIT "};
    for (size_t i = 0; i < 6; i++)
        objects += count_lines_starting(out, verdicts[i]);
    cr_assert_eq(objects, N_SAMPLES, "%s", out);
    cr_assert_eq(count_lines_starting(out, "summary: "), 1);
    cr_assert_not_null(
        strstr(out, "MALICIOUS bin/xmrig [elf] xmrig_strings (xmrig/high), upx_packed (low)\n"),
        "%s", out);
    cr_assert_not_null(strstr(out, "\n    pool: " POOL "\n"));
    cr_assert_not_null(strstr(out, "\n    wallet: xmr " WALLET "\n"));
    cr_assert_not_null(strstr(out, "\n    config: algo=rx/0 user=" WALLET
                                   ".worker1 pass=x donate-level=0 tls=yes\n"));
    cr_assert_not_null(strstr(out, "\n    model: 0.97 >= 0.80\n"));
    cr_assert_null(strstr(out, "tok_stratum"), "features only with --explain");
    cr_assert_not_null(strstr(out, "\n    sha256: " SHA_A "\n"));
    cr_assert_not_null(strstr(out, "ERROR secret/unreadable [other] read: Permission denied\n"));
    cr_assert_not_null(
        strstr(out, "CLEAN ok.bin [other] allowed by good.txt (would be malicious)\n"));
    cr_assert_not_null(strstr(out, "\n    hash-list: bad-hashes.txt\n"));
    cr_assert_not_null(strstr(out, "\n    reason: limit: max-entries 100000\n"));
    cr_assert_not_null(strstr(out, "summary: objects 13, files 10, members 3, directories 0, "
                                   "bytes 9034768, clean 1, damaged 0, malicious 4, suspicious 5, "
                                   "containing 0, errors 1, skipped 1, limits 1, incomplete 4, linked 0, "
                                   "elapsed 1.25 s\n"),
                       "%s", out);
    free(out);
}

Test(report_text, explain_and_sort) {
    char *out = render_samples(&ms_report_text, (out_opts){.explain = true, .sort = true}, NULL);
    cr_assert_not_null(strstr(out,
                              "\n    model: 0.97 >= 0.80\n      tok_stratum value 3 weight +1.90\n"
                              "      entropy_text value 6.25 weight +0.75\n"),
                       "%s", out);
    cr_assert_null(strstr(out, "elapsed"), "no wall-clock time under --sort");
    free(out);
}

/* ---- SARIF ---- */

static json_t *sarif_samples(void) {
    char *out = render_samples(&ms_report_sarif, (out_opts){.sort = true}, NULL);
    json_error_t e;
    json_t *doc = json_loads(out, 0, &e);
    cr_assert_not_null(doc, "%s: %s", e.text, out);
    free(out);
    return doc;
}

static json_t *run0(json_t *doc) {
    return json_array_get(json_object_get(doc, "runs"), 0);
}

static const char *res_uri(json_t *res) {
    return json_string_value(json_object_get(
        json_object_get(json_object_get(json_array_get(json_object_get(res, "locations"), 0),
                                        "physicalLocation"),
                        "artifactLocation"),
        "uri"));
}

static json_t *res_region(json_t *res) {
    return json_object_get(
        json_object_get(json_array_get(json_object_get(res, "locations"), 0), "physicalLocation"),
        "region");
}

/* Results whose ruleId is id and whose location is uri. */
static json_t *find_result(json_t *doc, const char *id, const char *u) {
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(run0(doc), "results"), i,
                       r) if (!strcmp(json_string_value(json_object_get(r, "ruleId")), id) &&
                              !strcmp(res_uri(r), u)) return r;
    return NULL;
}

Test(report_sarif, structure) {
    json_t *doc = sarif_samples();
    cr_assert_str_eq(json_string_value(json_object_get(doc, "version")), "2.1.0");
    cr_assert_str_eq(json_string_value(json_object_get(doc, "$schema")),
                     "https://schemastore.azurewebsites.net/schemas/json/sarif-2.1.0.json");
    cr_assert_eq(json_array_size(json_object_get(doc, "runs")), 1);
    json_t *driver = json_object_get(json_object_get(run0(doc), "tool"), "driver");
    cr_assert_str_eq(json_string_value(json_object_get(driver, "name")), "minerscan");
    cr_assert_str_eq(json_string_value(json_object_get(driver, "version")), MS_VERSION);
    json_t *rules = json_object_get(driver, "rules");

    /* ids are unique; every result names a descriptor by id and index */
    size_t i, j;
    json_t *d, *d2, *res;
    json_array_foreach(rules, i, d) {
        json_array_foreach(rules, j, d2) if (i != j)
            cr_assert_str_neq(json_string_value(json_object_get(d, "id")),
                              json_string_value(json_object_get(d2, "id")));
        cr_assert_not_null(
            json_string_value(json_object_get(json_object_get(d, "shortDescription"), "text")));
        json_t *props = json_object_get(d, "properties");
        cr_assert(json_is_string(json_object_get(props, "family")));
        cr_assert(json_is_string(json_object_get(props, "category")));
        cr_assert(json_is_string(json_object_get(props, "severity")));
    }
    json_t *results = json_object_get(run0(doc), "results");
    cr_assert_gt(json_array_size(results), 0);
    json_array_foreach(results, i, res) {
        const char *id = json_string_value(json_object_get(res, "ruleId"));
        json_int_t idx = json_integer_value(json_object_get(res, "ruleIndex"));
        cr_assert_not_null(id);
        cr_assert_lt((size_t)idx, json_array_size(rules));
        cr_assert_str_eq(
            json_string_value(json_object_get(json_array_get(rules, (size_t)idx), "id")), id,
            "ruleIndex %lld names %s", (long long)idx, id);
        const char *lvl = json_string_value(json_object_get(res, "level"));
        const char *verdict =
            json_string_value(json_object_get(json_object_get(res, "properties"), "verdict"));
        /* issue 11: a rule's result has its rule's level (its grade), the
         * model's and the lists' the object's verdict */
        const char *grade = json_string_value(json_object_get(json_object_get(res, "properties"), "grade"));
        if (grade)
            cr_assert_str_eq(lvl, !strcmp(grade, "high") ? "error" : !strcmp(grade, "medium") ? "warning" : "note",
                             "%s: grade %s", id, grade);
        else
            cr_assert_str_eq(lvl, !strcmp(verdict, "malicious") ? "error" : "warning");
        const char *text =
            json_string_value(json_object_get(json_object_get(res, "message"), "text"));
        cr_assert(text && *text);
        cr_assert_not_null(res_region(res), "every result has a region");
    }

    /* the malicious executable: one result per rule hit, one for the model */
    res = find_result(doc, "xmrig_strings", "bin/xmrig");
    cr_assert_not_null(res);
    json_t *reg = res_region(res);
    cr_assert_eq(json_integer_value(json_object_get(reg, "byteOffset")), 4096);
    cr_assert_eq(json_integer_value(json_object_get(reg, "byteLength")), 5);
    json_t *props = json_object_get(res, "properties");
    cr_assert_str_eq(json_string_value(json_object_get(props, "sha256")), SHA_A);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(props, "pools"), 0)), POOL);
    cr_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(props, "wallets"), 0), "address")),
                     WALLET);
    const char *text = json_string_value(json_object_get(json_object_get(res, "message"), "text"));
    cr_assert(strstr(text, "xmrig") && strstr(text, POOL) && strstr(text, WALLET), "%s", text);
    cr_assert_not_null(find_result(doc, "upx_packed", "bin/xmrig"));
    res = find_result(doc, "model", "bin/xmrig");
    cr_assert_not_null(res);
    cr_assert_eq(json_integer_value(json_object_get(res_region(res), "byteLength")), 9026768,
                 "a model finding covers the whole object");

    /* the user rule of the same name is a separate descriptor */
    res = find_result(doc, "xmrig_strings#2", "user/hit");
    cr_assert_not_null(res, "colliding rule names get distinct ids");
    json_t *dd =
        json_array_get(rules, (size_t)json_integer_value(json_object_get(res, "ruleIndex")));
    cr_assert_str_eq(
        json_string_value(json_object_get(json_object_get(dd, "properties"), "namespace")),
        "rules/mine.yar");

    /* members keep the whole chain; hash-list and member-only findings */
    cr_assert_not_null(find_result(doc, "stratum_pool_url", "image.tar!/layer.tar.gz!/usr/bin/x"));
    cr_assert_not_null(find_result(doc, "hash-list", "dropper.sh"));
    cr_assert_not_null(find_result(doc, "verdict", "pkg.tar"));
    cr_assert_not_null(find_result(doc, "stratum_methods", "file:///tmp/x%20y"),
                       "file URIs hold no dot segments");
    cr_assert_not_null(
        find_result(doc, "stratum_methods", "file:///srv/a.zip!/%2E%2E/%2E%2E/etc/passwd"),
        "a member's ../ cannot point the location at another file");
    cr_assert_not_null(find_result(doc, "xmrig_strings", "bad%FFname%C0%AF"));
    cr_assert_null(find_result(doc, "verdict", "ok.bin"), "allowed objects are no finding");
    json_decref(doc);
}

Test(report_sarif, notifications_for_objects_not_scanned) {
    json_t *doc = sarif_samples();
    json_t *inv = json_array_get(json_object_get(run0(doc), "invocations"), 0);
    cr_assert(json_is_true(json_object_get(inv, "executionSuccessful")));
    json_t *notes = json_object_get(inv, "toolExecutionNotifications");
    cr_assert_eq(json_array_size(notes), 4, "error, limit, skipped, incomplete");
    static const struct {
        const char *uri, *level, *id;
    } want[] = {
        {"secret/unreadable", "error", "object-error"},
        {"bomb.zip", "warning", "object-limit"},
        {"enc.zip!/secret.bin", "warning", "object-skipped"},
        {"user/hit", "warning", "object-incomplete"},
    };
    json_t *descs = json_object_get(json_object_get(json_object_get(run0(doc), "tool"), "driver"),
                                    "notifications");
    for (size_t k = 0; k < 4; k++) {
        json_t *n = json_array_get(notes, k);
        cr_assert_str_eq(res_uri(n), want[k].uri);
        cr_assert_str_eq(json_string_value(json_object_get(n, "level")), want[k].level);
        json_t *ref = json_object_get(n, "descriptor");
        cr_assert_str_eq(json_string_value(json_object_get(ref, "id")), want[k].id);
        json_t *d =
            json_array_get(descs, (size_t)json_integer_value(json_object_get(ref, "index")));
        cr_assert_str_eq(json_string_value(json_object_get(d, "id")), want[k].id);
    }
    const char *text = json_string_value(
        json_object_get(json_object_get(json_array_get(notes, 0), "message"), "text"));
    cr_assert_str_eq(text, "secret/unreadable: read: Permission denied.");
    json_t *props = json_object_get(inv, "properties");
    cr_assert_eq(json_integer_value(json_object_get(props, "objects")), N_SAMPLES);
    cr_assert_null(json_object_get(props, "elapsed_s"), "no clock under --sort");
    json_decref(doc);
}

Test(report_sarif, interrupted_run_is_not_successful) {
    ms_verdict *vs[N_SAMPLES];
    size_t n = samples(vs);
    ms_summary s = summarise(vs, n);
    s.interrupted = true;
    char *out = render(&ms_report_sarif, (out_opts){0}, vs, 2, &s, NULL);
    json_t *doc = json_loads(out, 0, NULL);
    cr_assert_not_null(doc);
    json_t *inv = json_array_get(json_object_get(run0(doc), "invocations"), 0);
    cr_assert(json_is_false(json_object_get(inv, "executionSuccessful")));
    json_t *notes = json_object_get(inv, "toolExecutionNotifications");
    cr_assert_str_eq(
        json_string_value(json_object_get(
            json_object_get(json_array_get(notes, json_array_size(notes) - 1), "descriptor"),
            "id")),
        "interrupted");
    json_decref(doc);
    free(out);
    free_all(vs, n);
}

Test(report_sarif, empty_run_and_determinism) {
    ms_summary s = {0};
    char *a = render(&ms_report_sarif, (out_opts){.sort = true}, NULL, 0, &s, NULL);
    json_t *doc = json_loads(a, 0, NULL);
    cr_assert_not_null(doc, "%s", a);
    cr_assert_eq(json_array_size(json_object_get(run0(doc), "results")), 0);
    json_decref(doc);
    char *b = render_samples(&ms_report_sarif, (out_opts){.sort = true}, NULL);
    char *c = render_samples(&ms_report_sarif, (out_opts){.sort = true}, NULL);
    cr_assert_str_eq(b, c);
    free(a), free(b), free(c);
}

/* ---- write errors ---- */

static void expect_write_error(const ms_report_ops *ops) {
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        cr_skip_test("/dev/full is not available");
    ms_verdict *vs[N_SAMPLES];
    size_t n = samples(vs);
    ms_summary s = summarise(vs, n);
    ms_report r = {.ops = ops, .out = f};
    bool failed = false;
    cr_assert_eq(ops->begin(&r), 0);
    for (size_t i = 0; i < n; i++)
        failed |= ops->object(&r, vs[i]) < 0;
    failed |= ops->summary(&r, &s) < 0;
    int e = ops->end(&r);
    cr_assert_lt(e, 0, "%s: end reports the failed write (objects failed: %d)", ops->name, failed);
    fclose(f);
    free_all(vs, n);
}

Test(report_errors, jsonl_end_reports_write_error) {
    expect_write_error(&ms_report_jsonl);
}
Test(report_errors, text_end_reports_write_error) {
    expect_write_error(&ms_report_text);
}
Test(report_errors, sarif_end_reports_write_error) {
    expect_write_error(&ms_report_sarif);
}

/* ---- Microsoft's validator ---- */

static void need_validator(void) {
    if (!t_have_sarif_validator())
        cr_skip_test("SKIP: sarif-multitool not installed "
                     "(npm install -g @microsoft/sarif-multitool)");
}

static void expect_valid(const char *path) {
    char *text = NULL;
    int errors = t_sarif_validate(path, &text);
    cr_log_info("sarif-multitool validate %s:\n%s", path, text ? text : "");
    cr_assert_eq(errors, 0, "sarif-multitool reports %d error(s) in %s:\n%s", errors, path,
                 text ? text : "");
    free(text);
}

Test(report_validator, detects_an_invalid_log) {
    need_validator();
    char *dir = t_mkdtemp();
    /* a relative URI with a space and a result without a message */
    char *p =
        t_write_str(dir, "bad.sarif",
                    "{\"$schema\":\"https://schemastore.azurewebsites.net/schemas/json/"
                    "sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":"
                    "{\"name\":\"x\"}},\"results\":[{\"ruleId\":\"r\",\"locations\":[{"
                    "\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"a b\"}}}]}]}]}");
    char *text = NULL;
    int errors = t_sarif_validate(p, &text);
    cr_assert_gt(errors, 0, "the harness must see the validator's errors:\n%s", text ? text : "");
    free(text);
    t_rmtree(dir);
    free(p), free(dir);
}

Test(report_validator, every_kind_of_result_and_notification) {
    need_validator();
    char *dir = t_mkdtemp();
    char *p = t_path(dir, "all.sarif");
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    ms_verdict *vs[N_SAMPLES];
    size_t n = samples(vs);
    ms_summary s = summarise(vs, n);
    s.interrupted = true;
    ms_report r = {.ops = &ms_report_sarif, .out = f};
    cr_assert_eq(r.ops->begin(&r), 0);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(r.ops->object(&r, vs[i]), 0);
    cr_assert_eq(r.ops->summary(&r, &s), 0);
    cr_assert_eq(r.ops->end(&r), 0);
    cr_assert_eq(fclose(f), 0);
    free_all(vs, n);
    expect_valid(p);
    t_rmtree(dir);
    free(p), free(dir);
}

/* ---- end to end through the binary ---- */

static const char miner_src[] =
    "#include <stdio.h>\n"
    "const char *s[] = {\"XMRig/6.21.0\", \"donate-level\",\n"
    "    \"stratum+tcp://pool.example.com:3333\", \"mining.subscribe\", \"mining.submit\"};\n"
    "int main(int c, char **v) { (void)v; puts(s[c % 5]); return 0; }\n";

typedef struct fixture {
    char *dir, *miner, *clean, *hostile;
} fixture;

static fixture make_fixture(void) {
    fixture fx = {.dir = t_mkdtemp()};
    cr_assert_not_null(fx.dir);
    fx.miner = t_path(fx.dir, "miner");
    if (t_compile("cc", miner_src, fx.miner, NULL) != 0)
        cr_skip_test("cc is not available");
    fx.clean = t_write_str(fx.dir, "notes.txt", "nothing to see here\n");
    size_t len = 0;
    char *bytes = t_read(fx.miner, &len);
    fx.hostile = t_write(fx.dir, "evil\x1b[31m\nname", bytes, len);
    free(bytes);
    return fx;
}

static void free_fixture(fixture *fx) {
    t_rmtree(fx->dir);
    free(fx->dir), free(fx->miner), free(fx->clean), free(fx->hostile);
}

/* A region is the whole file (a finding about all of it) or the first
 * match, whose bytes must then be miner text from the source. */
static void expect_region_in_file(const char *file, json_t *region) {
    size_t len = 0;
    char *data = t_read(file, &len);
    json_int_t off = json_integer_value(json_object_get(region, "byteOffset"));
    json_int_t n = json_integer_value(json_object_get(region, "byteLength"));
    cr_assert(off >= 0 && n > 0 && (size_t)(off + n) <= len, "region %lld+%lld in %zu bytes",
              (long long)off, (long long)n, len);
    if (!(off == 0 && (size_t)n == len))
        cr_assert_not_null(memmem(miner_src, sizeof(miner_src), data + off, (size_t)n),
                           "region bytes %.*s are miner text", (int)n, data + off);
    free(data);
}

/* Run the binary on the fixture's files, -f sarif -o FILE; returns FILE. */
static char *binary_sarif(const fixture *fx) {
    char *out = t_path(fx->dir, "out.sarif");
    t_result res;
    cr_assert_eq(t_minerscan(&res, NULL, "-f", "sarif", "-o", out, fx->miner, fx->clean, NULL), 0);
    cr_assert_eq(res.status, 1, "a finding exits 1; stderr: %s", res.err);
    cr_assert_eq(res.out_len, 0, "-o: nothing on stdout");
    t_result_free(&res);
    return out;
}

Test(report_e2e, sarif_from_the_binary) {
    fixture fx = make_fixture();
    char *out = binary_sarif(&fx);
    json_t *doc = json_load_file(out, 0, NULL);
    cr_assert_not_null(doc);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "version")), "2.1.0");
    json_t *rules =
        json_object_get(json_object_get(json_object_get(run0(doc), "tool"), "driver"), "rules");
    json_t *results = json_object_get(run0(doc), "results");
    cr_assert_gt(json_array_size(results), 0);
    size_t i;
    json_t *r;
    char *want_uri = NULL;
    cr_assert(asprintf(&want_uri, "file://%s", fx.miner) > 0);
    json_array_foreach(results, i, r) {
        json_t *d =
            json_array_get(rules, (size_t)json_integer_value(json_object_get(r, "ruleIndex")));
        cr_assert_str_eq(json_string_value(json_object_get(d, "id")),
                         json_string_value(json_object_get(r, "ruleId")));
        cr_assert_str_eq(res_uri(r), want_uri, "only the miner has findings");
        expect_region_in_file(fx.miner, res_region(r));
    }
    json_decref(doc);
    free(want_uri);
    free(out);
    free_fixture(&fx);
}

Test(report_e2e, jsonl_from_the_binary) {
    fixture fx = make_fixture();
    t_result res;
    cr_assert_eq(
        t_minerscan(&res, NULL, "-f", "jsonl", "--all", fx.miner, fx.clean, fx.hostile, NULL), 0);
    cr_assert_eq(res.status, 1, "stderr: %s", res.err);
    json_t *recs = t_jsonl(res.out);
    cr_assert_not_null(recs, "every line is JSON:\n%s", res.out);
    cr_assert_eq(json_array_size(recs), 4);
    json_t *m = t_find_record(recs, fx.miner);
    cr_assert_not_null(m);
    const char *verdict = json_string_value(json_object_get(m, "verdict"));
    cr_assert(!strcmp(verdict, "malicious") || !strcmp(verdict, "suspicious"), "%s", verdict);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(m, "filetype"), "class")),
                     "elf");
    cr_assert_eq(strlen(json_string_value(json_object_get(m, "sha256"))), 64);
    cr_assert_gt(json_array_size(json_object_get(m, "rules")), 0);
    json_t *h = json_array_get(json_object_get(m, "rules"), 0);
    cr_assert(json_is_integer(json_object_get(h, "offset")));
    json_t *c = t_find_record(recs, fx.clean);
    cr_assert_str_eq(json_string_value(json_object_get(c, "verdict")), "clean");
    cr_assert_not_null(t_find_record(recs, fx.hostile), "the hostile name round-trips exactly");
    json_t *s = t_summary(recs);
    cr_assert_eq(json_integer_value(json_object_get(s, "objects")), 3);
    cr_assert_eq(json_integer_value(json_object_get(s, "clean")), 1);
    cr_assert_eq(json_integer_value(json_object_get(s, "malicious")) +
                     json_integer_value(json_object_get(s, "suspicious")),
                 2);
    json_decref(recs);
    t_result_free(&res);
    free_fixture(&fx);
}

Test(report_e2e, text_from_the_binary_is_sanitised) {
    fixture fx = make_fixture();
    t_result res;
    cr_assert_eq(t_minerscan(&res, NULL, "--all", fx.miner, fx.hostile, NULL), 0);
    cr_assert_eq(res.status, 1);
    for (size_t i = 0; i < res.out_len; i++)
        cr_assert((unsigned char)res.out[i] >= 0x20 || res.out[i] == '\n', "control byte %#x",
                  (unsigned char)res.out[i]);
    cr_assert_not_null(strstr(res.out, "evil\\x1b[31m\\x0aname"), "%s", res.out);
    cr_assert_not_null(strstr(res.out, "\nsummary: objects 2,"), "%s", res.out);
    t_result_free(&res);
    free_fixture(&fx);
}

Test(report_validator, binary_output) {
    need_validator();
    fixture fx = make_fixture();
    char *out = binary_sarif(&fx);
    expect_valid(out);
    free(out);
    free_fixture(&fx);
}
