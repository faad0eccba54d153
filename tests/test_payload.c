/*
 * test_payload.c - payloads inside executables (issue 10, scanner/payload.c):
 * a program that carries another program, compressed in its data or
 * appended, or as a second ELF inside it, has that payload scanned as a
 * member "prog!payload@OFFSET", which finds what the carrier hides; and
 * the ordinary programs of /usr/bin carry nothing that is flagged.
 * Programs are compiled here and never run.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "payload.h"
#include "util.h"

TestSuite(payload, .init = t_tmp_setup, .fini = t_tmp_teardown, .timeout = 240);

/* An xmrig build's strings, behind a carrier that holds none of them. */
static const char miner_c[] =
    "static const char *s[] = {\"XMRig/6.21.0\", \"donate-level\", \"randomx\",\n"
    "  \"donate.v2.xmrig.com\", \"max-threads-hint\", \"huge-pages-jit\",\n"
    "  \"use pool\", \"new job from\", \"stratum+tcp://pool.example.com:3333\",\n"
    "  \"mining.subscribe\", \"mining.submit\", 0};\n"
    "int main(int c, char **v) { return s[c][0] == v[0][0]; }\n";

static const char config_json[] =
    "{\"autosave\": true, \"donate-level\": 0, \"cpu\": {\"huge-pages\": true},\n"
    " \"randomx\": {\"1gb-pages\": true},\n"
    " \"pools\": [{\"url\": \"stratum+tcp://pool.example.com:3333\", \"user\": \"worker1\", \"pass\": \"x\"}]}\n";

static void run(const char *cmd) {
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* A C program whose one array holds the bytes of file blob. */
static char *carrier(const char *name, const char *blob) {
    size_t n = 0;
    char *b = t_read(blob, &n);
    cr_assert_not_null(b);
    size_t cap = n * 6 + 512, o = 0;
    char *src = malloc(cap);
    o += (size_t)snprintf(src + o, cap - o, "const unsigned char payload[%zu] = {", n);
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(src + o, cap - o, "%u,", (unsigned char)b[i]);
    o += (size_t)snprintf(src + o, cap - o, "};\nint main(int c, char **v) { return payload[c] == v[0][0]; }\n");
    char *out = t_path(t_tmp, name);
    if (t_compile("cc", src, out, NULL) != 0)
        cr_skip_test("no C compiler");
    free(src);
    free(b);
    return out;
}

static json_t *scan(t_result *res, const char *path) {
    cr_assert_eq(t_minerscan(res, NULL, "-f", "jsonl", "--all", path, NULL), 0);
    json_t *recs = t_jsonl(res->out);
    cr_assert_not_null(recs, "%s", res->out);
    return recs;
}

/* The member whose path starts with prefix!payload@ */
static json_t *payload_member(json_t *recs, const char *prefix) {
    size_t i, n = strlen(prefix);
    json_t *r;
    json_array_foreach(recs, i, r) {
        const char *p = json_string_value(json_object_get(r, "path"));
        if (p && !strncmp(p, prefix, n) && !strncmp(p + n, "!payload@", 9))
            return r;
    }
    return NULL;
}

static const char *verdict(json_t *r) {
    return json_string_value(json_object_get(r, "verdict"));
}

Test(payload, compressed_config_in_a_programs_data) {
    char *cfg = t_write_str(t_tmp, "config.json", config_json), *cmd = NULL;
    const char *kinds[] = {"gzip -9 -c", "xz -c", "zstd -q -c", "bzip2 -c"};
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        char name[32];
        snprintf(name, sizeof(name), "blob%zu", k);
        char *blob = t_path(t_tmp, name);
        cr_assert(asprintf(&cmd, "%s '%s' > '%s'", kinds[k], cfg, blob) > 0);
        if (system(cmd) != 0) {
            free(cmd), free(blob);
            continue;
        }
        free(cmd);
        snprintf(name, sizeof(name), "carrier%zu", k);
        char *prog = carrier(name, blob);
        t_result res;
        json_t *recs = scan(&res, prog);
        json_t *m = payload_member(recs, prog);
        cr_assert_not_null(m, "%s: no payload member:\n%s", kinds[k], res.out);
        cr_assert_str_eq(verdict(m), "malicious", "%s: %s", kinds[k], json_dumps(m, 0));
        cr_assert_str_eq(verdict(t_find_record(recs, prog)), "malicious", "the carrier contains it");
        cr_assert_eq(res.status, 1);
        json_decref(recs);
        t_result_free(&res);
        free(blob), free(prog);
    }
    free(cfg);
}

Test(payload, appended_stream_and_an_elf_inside) {
    char *miner = t_path(t_tmp, "miner");
    if (t_compile("cc", miner_c, miner, NULL) != 0)
        cr_skip_test("no C compiler");
    /* a second ELF inside a program's data */
    char *prog = carrier("dropper", miner);
    t_result res;
    json_t *recs = scan(&res, prog);
    json_t *m = payload_member(recs, prog);
    cr_assert_not_null(m, "no payload member:\n%s", res.out);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(m, "filetype"), "class")), "elf");
    cr_assert_str_eq(verdict(m), "malicious", "%s", json_dumps(m, 0));
    json_decref(recs);
    t_result_free(&res);
    /* an xz stream appended to a clean program */
    char *clean = t_path(t_tmp, "clean"), *cmd = NULL;
    if (t_compile("cc", "int main(void) { return 0; }\n", clean, NULL) != 0)
        cr_skip_test("no C compiler");
    char *cfg = t_write_str(t_tmp, "c.json", config_json), *app = t_path(t_tmp, "appended");
    cr_assert(asprintf(&cmd, "cat '%s' > '%s' && xz -c '%s' >> '%s'", clean, app, cfg, app) > 0);
    run(cmd);
    free(cmd);
    recs = scan(&res, app);
    m = payload_member(recs, app);
    cr_assert_not_null(m, "no payload member:\n%s", res.out);
    cr_assert_str_eq(verdict(m), "malicious", "%s", json_dumps(m, 0));
    json_decref(recs);
    t_result_free(&res);
    free(miner), free(prog), free(clean), free(cfg), free(app);
}

/* A header alone is not a payload: magic bytes with broken fields, and a
 * stream that does not decode, give no member and no error. */
Test(payload, look_alikes_give_nothing) {
    uint8_t d[4096] = {0};
    memcpy(d + 100, "\x1f\x8b\x08\xff", 4);                /* reserved flags set */
    memcpy(d + 300, "\xfd" "7zXZ\0\0\x01\0\0\0\0", 12);  /* bad CRC */
    memcpy(d + 500, "\x28\xb5\x2f\xfd\x08", 5);            /* reserved bit */
    memcpy(d + 700, "\x1f\x8b\x08\x00\0\0\0\0\x00\x03garbage", 17); /* a valid header, no stream */
    memcpy(d + 900, "\x7f" "ELF", 4);                      /* a magic, no header */
    ms_payload p[MS_PAYLOAD_MAX];
    size_t next;
    size_t n = ms_payloads_find(d, sizeof(d), 0, sizeof(d), p, MS_PAYLOAD_MAX, &next);
    cr_assert_eq(n, 1, "only the valid gzip header is a candidate, found %zu", n);
    cr_assert_eq(p[0].off, 700);
    /* and it decodes to nothing: the scan has no member and no error */
    char *bin = t_write(t_tmp, "data.bin", d, sizeof(d));
    char *clean = t_path(t_tmp, "host"), *cmd = NULL, *prog = t_path(t_tmp, "host2");
    if (t_compile("cc", "int main(void) { return 0; }\n", clean, NULL) != 0)
        cr_skip_test("no C compiler");
    cr_assert(asprintf(&cmd, "cat '%s' '%s' > '%s'", clean, bin, prog) > 0);
    run(cmd);
    free(cmd);
    t_result res;
    json_t *recs = scan(&res, prog);
    cr_assert_null(payload_member(recs, prog), "%s", res.out);
    cr_assert_eq(res.status, 0, "%s", res.out);
    json_decref(recs);
    t_result_free(&res);
    free(bin), free(clean), free(prog);
}

/* Where a header lies does not matter: at every offset of a buffer (every
 * alignment, the last position a header fits, a search window that starts
 * or ends beside it), each kind is found exactly there, once. The search
 * skips 16 positions at a time where it can; this is what would catch a
 * header lost at a block's edge. */
Test(payload, found_at_every_offset) {
    static const struct {
        const char *hdr;
        size_t len;
        const char *format;
    } kinds[] = {
        {"\x1f\x8b\x08\x00\0\0\0\0\x00\x03", 10, "gzip"},
        {"\x28\xb5\x2f\xfd\x00", 5, "zstd"},
        {"\x04\x22\x4d\x18\x40\x40", 6, "lz4"},
        {"BZh9\x31\x41\x59\x26\x53\x59", 10, "bzip2"},
    };
    enum { N = 200, HDR = 32 };
    uint8_t d[N];
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        for (size_t off = 0; off + HDR <= N; off++) {
            /* the filler holds every first byte of a key without its second */
            for (size_t j = 0; j < N; j++)
                d[j] = (uint8_t)"\x1f\xfd\x28\x04\x42\x7f\x4d\x00"[j % 8];
            memcpy(d + off, kinds[k].hdr, kinds[k].len);
            ms_payload p[MS_PAYLOAD_MAX];
            size_t next;
            size_t n = ms_payloads_find(d, N, 0, N, p, MS_PAYLOAD_MAX, &next);
            cr_assert_eq(n, 1, "%s at %zu: %zu candidates", kinds[k].format, off, n);
            cr_assert_eq(p[0].off, off, "%s at %zu found at %llu", kinds[k].format, off,
                         (unsigned long long)p[0].off);
            cr_assert_str_eq(p[0].format, kinds[k].format);
            /* a window that starts at it finds it; one that ends at it does not */
            cr_assert_eq(ms_payloads_find(d, N, off, N, p, MS_PAYLOAD_MAX, &next), 1);
            cr_assert_eq(ms_payloads_find(d, N, 0, off, p, MS_PAYLOAD_MAX, &next), 0, "%s at %zu",
                         kinds[k].format, off);
        }
    }
}

/* The programs of /usr/bin: whatever payloads they carry, nothing flagged
 * and no limit or error from them. */
Test(payload, usr_bin_carries_nothing_flagged) {
    t_result res;
    cr_assert_eq(t_minerscan(&res, NULL, "-f", "jsonl", "-j2", "/usr/bin", NULL), 0);
    json_t *recs = t_jsonl(res.out);
    cr_assert_not_null(recs);
    size_t i, payloads = 0;
    json_t *r;
    json_array_foreach(recs, i, r) {
        const char *p = json_string_value(json_object_get(r, "path"));
        if (p && strstr(p, "!payload@")) {
            payloads++;
            cr_assert_str_eq(verdict(r), "clean", "%s", json_dumps(r, 0));
        }
    }
    json_t *sum = t_summary(recs);
    cr_assert_eq(json_integer_value(json_object_get(sum, "malicious")) +
                     json_integer_value(json_object_get(sum, "suspicious")) +
                     json_integer_value(json_object_get(sum, "containing")),
                 0, "%s", json_dumps(sum, 0));
    cr_assert_eq(json_integer_value(json_object_get(sum, "limits")), 0, "%s", json_dumps(sum, 0));
    cr_log_info("/usr/bin: %zu payload records reported", payloads);
    json_decref(recs);
    t_result_free(&res);
}
