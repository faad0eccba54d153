/*
 * test_upx.c - UPX unpacking in memory (issue 10).
 *
 * Every fixture is made at test time: a small C program holding XMRig's
 * strings (as in test_signatures.c's xmrig fixture) and a few hundred
 * functions that call each other (so UPX's call-trick filter has calls to
 * rewrite), compiled as ELF x86-64 (cc), ELF i386 (cc -m32), PE32+
 * (x86_64-w64-mingw32-gcc) and PE32 (i686-w64-mingw32-gcc), then packed by
 * the real UPX with every method. Nothing is ever run but the compilers,
 * UPX and minerscan. UPX is `upx` on PATH, else
 * $MS_SOURCE_ROOT/../shared/tools/upx; a test that needs it and finds
 * neither is skipped with the reason.
 *
 * Library tests check the unpacked bytes: an ELF must equal what `upx -d`
 * restores; a PE must hold every original section's bytes at its offset
 * (the import section up to the hints, which UPX does not keep). CLI tests
 * run the binary and check the `prog!upx` records.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "upx.h"
#include "upx_nrv.h"
#include "util.h"

/* ---- fixtures ---- */

/* The ELF formats twice: a dynamic PIE (ET_DYN; its code is too small for
 * UPX to filter) and a static ET_EXEC (libc's code in it: UPX filters it
 * with 0x49). */
typedef enum fmt { F_ELF64, F_ELF64S, F_ELF32, F_ELF32S, F_PE64, F_PE32, F__N } fmt;

static const char *const fmt_name[] = {"elf64", "elf64-static", "elf32", "elf32-static", "pe64", "pe32"};
static const char *const fmt_upx[] = {"linux/amd64", "linux/amd64", "linux/i386", "linux/i386", "win64/pe",
                                      "win32/pe"};

static const char *const methods[] = {"--nrv2b", "--nrv2d", "--nrv2e", "--lzma", "-9", "--best"};
#define N_METHODS (sizeof(methods) / sizeof(methods[0]))

/* The strings of test_signatures.c's xmrig fixture (xmrig_strings). */
static const char MINER_STRINGS[] =
    "\"XMRig\", \"xmrig.com\", \"donate-over-proxy\", \"enable nicehash.com support\", \"cn-lite/0\"";

static char *upx_path(void) {
    if (t_have_program("upx"))
        return strdup("upx");
    const char *root = getenv("MS_SOURCE_ROOT");
    char *p = NULL;
    if (root && asprintf(&p, "%s/../shared/tools/upx", root) > 0 && access(p, X_OK) == 0)
        return p;
    free(p);
    return NULL;
}

static char *need_upx(void) {
    char *u = upx_path();
    if (!u)
        cr_skip_test("UPX not found (neither `upx` on PATH nor $MS_SOURCE_ROOT/../shared/tools/upx)");
    return u;
}

/* The fixture's source: the strings, then n functions each calling two
 * earlier ones (calls and jumps for the filter), used from main. */
static char *program_source(void) {
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    n += (size_t)snprintf(s + n, cap - n,
                          "#include <stdio.h>\nstatic const char *const s[] = {%s};\n"
                          "__attribute__((noinline)) unsigned f0(unsigned x) { return x * 2654435761u; }\n"
                          "__attribute__((noinline)) unsigned f1(unsigned x) { return x ^ (x >> 7); }\n",
                          MINER_STRINGS);
    for (int i = 2; i < 300; i++)
        n += (size_t)snprintf(s + n, cap - n,
                              "__attribute__((noinline)) unsigned f%d(unsigned x) "
                              "{ return x & 1 ? f%d(x + %d) : f%d(x ^ %du) + 1; }\n",
                              i, i - 1, i, i / 2, i * 7);
    n += (size_t)snprintf(s + n, cap - n,
                          "int main(int argc, char **argv) {\n(void)argv;\n"
                          "if (argc > 99) for (unsigned i = 0; i < sizeof(s) / sizeof(s[0]); i++) puts(s[i]);\n"
                          "return (int)(f299((unsigned)argc) & 1);\n}\n");
    cr_assert_lt(n, cap);
    return s;
}

/* Compile the fixture of format f to dir/name (dir/name.exe for a PE);
 * skips when the compiler is missing. */
static char *compile(const char *dir, fmt f, const char *name) {
    static const char *const cc[] = {"cc", "cc", "cc", "cc", "x86_64-w64-mingw32-gcc", "i686-w64-mingw32-gcc"};
    /* PE64 stripped, PE32 with its COFF symbols (an overlay UPX keeps) */
    static const char *const flags[] = {NULL, "-static", "-m32", "-m32 -static", "-s", NULL};
    if (!t_have_program(cc[f]))
        cr_skip_test("%s is not installed: cannot build the %s fixture", cc[f], fmt_name[f]);
    /* mingw's gcc names its output NAME.exe whatever -o says */
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/%s%s", dir, name, f >= F_PE64 ? ".exe" : "") > 0);
    char *src = program_source();
    int r = t_compile(cc[f], src, path, flags[f]);
    free(src);
    if (r != 0 && f != F_ELF64 && f < F_PE64)
        cr_skip_test("cc %s cannot link (gcc-multilib or a static libc missing?)", flags[f]);
    cr_assert_eq(r, 0, "compiling the %s fixture", fmt_name[f]);
    return path;
}

/* Run UPX with method on in, writing out; --force is added when UPX
 * refuses without it (tiny files). */
static void run_upx(const char *upx, const char *method, const char *in, const char *out) {
    t_result res;
    for (int force = 0; force < 2; force++) {
        const char *argv[8];
        int k = 0;
        argv[k++] = upx;
        argv[k++] = "-q";
        if (force)
            argv[k++] = "--force";
        argv[k++] = method;
        argv[k++] = "-o";
        argv[k++] = out;
        argv[k++] = in;
        argv[k] = NULL;
        unlink(out);
        t_run(argv, NULL, 300, &res);
        if (res.status == 0)
            break;
        if (!force)
            t_result_free(&res);
    }
    cr_assert_eq(res.status, 0, "upx %s %s failed: %s", method, in, res.err);
    t_result_free(&res);
}

static char *pack(const char *upx, const char *dir, const char *prog, const char *method, const char *name) {
    char *out = t_path(dir, name);
    run_upx(upx, method, prog, out);
    chmod(out, 0755);
    return out;
}

static uint8_t *slurp(const char *path, size_t *n) {
    uint8_t *d = (uint8_t *)t_read(path, n);
    cr_assert_not_null(d, "reading %s", path);
    return d;
}

static void write_bytes(const char *path, const uint8_t *d, size_t n) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(d, 1, n, f), n);
    fclose(f);
    chmod(path, 0755);
}

static uint16_t g16(const uint8_t *p) {
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t g32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Every section of the original PE (orig) must be in out at its file
 * offset. The import directory's section may differ in the hints (2 bytes
 * before each import name), which UPX does not keep, and in the case of
 * KERNEL32.dll (UPX shares its own upper-case name with the program): there
 * every name of 4 or more characters must be in place instead. */
static void assert_pe_sections(const uint8_t *orig, size_t on, const uint8_t *out, size_t un, const char *what) {
    uint32_t lf = g32(orig + 0x3c);
    cr_assert_lt(lf + 24, on);
    unsigned nsec = g16(orig + lf + 6), optsz = g16(orig + lf + 20);
    const uint8_t *opt = orig + lf + 24;
    uint32_t imp = g32(opt + (g16(opt) == 0x20b ? 112 : 96) + 8);
    const uint8_t *st = opt + optsz;
    cr_assert_gt(nsec, 0);
    for (unsigned i = 0; i < nsec; i++) {
        const uint8_t *s = st + 40 * i;
        uint32_t vs = g32(s + 8), va = g32(s + 12), rs = g32(s + 16), ro = g32(s + 20);
        uint32_t len = vs && vs < rs ? vs : rs;
        if (!len)
            continue;
        cr_assert_leq((uint64_t)ro + len, un, "%s: section %.8s past the end of the output", what, (const char *)s);
        if (imp >= va && imp < va + (vs ? vs : rs)) {
            for (uint32_t k = 0; k < len;) {
                uint32_t l = 0;
                while (k + l < len && orig[ro + k + l] >= 0x20 && orig[ro + k + l] < 0x7f)
                    l++;
                if (l >= 4)
                    cr_assert(strncasecmp((const char *)orig + ro + k, (const char *)out + ro + k, l) == 0,
                              "%s: import section string %.*s not restored", what, (int)l,
                              (const char *)orig + ro + k);
                k += l + 1;
            }
            continue;
        }
        cr_assert(memcmp(orig + ro, out + ro, len) == 0, "%s: section %.8s differs", what, (const char *)s);
    }
}

/* Unpack path with the library; returns 0 or the error, output copied. */
static int lib_unpack(const uint8_t *d, size_t n, uint64_t max_out, uint8_t **ret, size_t *ret_n,
                      ms_upx_info *info, char *why, size_t why_cap) {
    ms_upx *u = NULL;
    cr_assert_eq(ms_upx_new(&u), 0);
    const uint8_t *o = NULL;
    size_t on = 0;
    int r = ms_upx_unpack(u, d, n, max_out, &o, &on, info, why, why_cap);
    if (r == 0) {
        *ret = malloc(on ? on : 1);
        cr_assert_not_null(*ret);
        memcpy(*ret, o, on);
        *ret_n = on;
    }
    ms_upx_free(u);
    return r;
}

/* Check that out is the original program of packed (path), as above. */
static void assert_original(const char *upx, const char *dir, fmt f, const char *orig_path,
                            const char *packed_path, const uint8_t *out, size_t on, const char *what) {
    size_t n;
    uint8_t *orig = slurp(orig_path, &n);
    if (f < F_PE64) {
        char *ref = t_path(dir, "reference");
        unlink(ref);
        const char *argv[] = {upx, "-q", "-d", "-o", ref, packed_path, NULL};
        t_result res;
        t_run(argv, NULL, 120, &res);
        cr_assert_eq(res.status, 0, "upx -d: %s", res.err);
        t_result_free(&res);
        size_t rn;
        uint8_t *r = slurp(ref, &rn);
        cr_assert_eq(on, rn, "%s: %zu bytes unpacked, upx -d gives %zu", what, on, rn);
        cr_assert(memcmp(out, r, rn) == 0, "%s: not the bytes upx -d restores", what);
        /* and upx -d restores the original here */
        cr_assert(rn == n && memcmp(r, orig, n) == 0, "%s: upx -d did not restore the original", what);
        free(r);
        free(ref);
    } else {
        assert_pe_sections(orig, n, out, on, what);
    }
    free(orig);
}

/* ---- library: every format x method ---- */

typedef struct combo {
    fmt f;
    unsigned m;
} combo;

ParameterizedTestParameters(upx, unpack) {
    static combo c[F__N * N_METHODS];
    for (unsigned f = 0; f < F__N; f++)
        for (unsigned m = 0; m < N_METHODS; m++)
            c[f * N_METHODS + m] = (combo){(fmt)f, m};
    return cr_make_param_array(combo, c, sizeof(c) / sizeof(c[0]));
}

ParameterizedTest(combo *c, upx, unpack, .timeout = 120) {
    char *upx = need_upx();
    char *dir = t_mkdtemp();
    char *prog = compile(dir, c->f, "prog");
    char *packed = pack(upx, dir, prog, methods[c->m], "packed");
    size_t n;
    uint8_t *d = slurp(packed, &n);
    cr_assert(ms_upx_candidate(d, n), "%s %s: not a candidate", fmt_name[c->f], methods[c->m]);
    uint8_t *out = NULL;
    size_t on = 0;
    ms_upx_info info;
    char why[256] = "";
    int r = lib_unpack(d, n, 1ull << 30, &out, &on, &info, why, sizeof(why));
    cr_assert_eq(r, 0, "%s %s: %s (%s)", fmt_name[c->f], methods[c->m], ms_strerror(r), why);
    cr_assert_str_eq(info.format, fmt_upx[c->f]);
    cr_assert_not_null(info.method);
    if (strncmp(methods[c->m], "--n", 3) == 0 || strcmp(methods[c->m], "--lzma") == 0)
        cr_assert_str_eq(info.method, methods[c->m] + 2, "%s: method %s", fmt_name[c->f], info.method);
    cr_assert_geq(info.version, 13);
    char what[64];
    snprintf(what, sizeof(what), "%s %s", fmt_name[c->f], methods[c->m]);
    assert_original(upx, dir, c->f, prog, packed, out, on, what);
    /* the output is not a candidate itself (no loop in the engine) */
    cr_assert_not(ms_upx_candidate(out, on), "%s: the unpacked program looks packed", what);

    /* a limit under the output size is MS_E_LIMIT, with a reason */
    uint8_t *o2 = NULL;
    size_t n2 = 0;
    why[0] = 0;
    r = lib_unpack(d, n, on - 1, &o2, &n2, NULL, why, sizeof(why));
    cr_assert_eq(r, MS_E_LIMIT, "%s: max_out %zu gave %d", what, on - 1, r);
    cr_assert(why[0], "no reason for the limit");
    free(out);
    free(d);
    free(packed);
    free(prog);
    t_rmtree(dir);
    free(dir);
    free(upx);
}

/* ---- tampering ---- */

enum { T_MAGIC = 1, T_NAMES = 2, T_PACKHDR = 4 };

typedef struct tcase {
    fmt f;
    unsigned m;     /* index in methods */
    unsigned how;   /* T_* */
} tcase;

/* The PackHeader: the last "UPX!" of an ELF (the trailer), the first one
 * after the section table of a PE; found by its checksum. */
static size_t find_packhdr(const uint8_t *d, size_t n, bool pe) {
    size_t found = SIZE_MAX;
    for (size_t i = 0; i + 32 <= n; i++) {
        if (memcmp(d + i, "UPX!", 4) != 0)
            continue;
        unsigned sum = 0;
        for (int k = 4; k < 31; k++)
            sum += d[i + k];
        if (sum % 251 == d[i + 31] && d[i + 4] >= 11 && d[i + 4] <= 14) {
            found = i;
            if (pe)
                break;
        }
    }
    return found;
}

static void tamper(uint8_t *d, size_t n, bool pe, unsigned how) {
    if (how & T_PACKHDR) {
        size_t p = find_packhdr(d, n, pe);
        cr_assert_neq(p, SIZE_MAX, "no PackHeader found to damage");
        for (int k = 4; k < 32; k++)
            d[p + k] ^= 0x5a;
    }
    if (how & T_MAGIC)
        for (size_t i = 0; i + 4 <= n; i++)
            if (memcmp(d + i, "UPX!", 4) == 0)
                memset(d + i, 0, 4);
    if ((how & T_NAMES) && pe) {
        uint32_t lf = g32(d + 0x3c);
        unsigned nsec = g16(d + lf + 6), optsz = g16(d + lf + 20);
        static const char *const names[] = {".text", ".data", ".rdata", ".idata"};
        for (unsigned i = 0; i < nsec; i++) {
            uint8_t *s = d + lf + 24 + optsz + 40 * i;
            memset(s, 0, 8);
            memcpy(s, names[i % 4], strlen(names[i % 4]));
        }
    }
    if (how & T_NAMES)
        for (size_t i = 0; i + 4 <= n; i++)
            if (memcmp(d + i, "UPX", 3) == 0 && (d[i + 3] == '0' || d[i + 3] == '1' || d[i + 3] == '2'))
                memcpy(d + i, "ABC", 3);
}

ParameterizedTestParameters(upx, tampered) {
    /* NRV2B and LZMA: the tampering is of the container, not the stream */
    static tcase c[F__N * 2 * 4];
    static const unsigned hows[] = {T_MAGIC, T_NAMES, T_PACKHDR, T_MAGIC | T_NAMES | T_PACKHDR};
    static const unsigned ms[] = {0, 3};
    size_t k = 0;
    for (unsigned f = 0; f < F__N; f++)
        for (unsigned m = 0; m < 2; m++)
            for (unsigned h = 0; h < 4; h++)
                c[k++] = (tcase){(fmt)f, ms[m], hows[h]};
    return cr_make_param_array(tcase, c, k);
}

ParameterizedTest(tcase *c, upx, tampered, .timeout = 120) {
    char *upx = need_upx();
    char *dir = t_mkdtemp();
    char *prog = compile(dir, c->f, "prog");
    char *packed = pack(upx, dir, prog, methods[c->m], "packed");
    size_t n;
    uint8_t *d = slurp(packed, &n);
    uint8_t *clean = NULL, *out = NULL;
    size_t cn = 0, on = 0;
    char why[256] = "";
    cr_assert_eq(lib_unpack(d, n, 1ull << 30, &clean, &cn, NULL, why, sizeof(why)), 0, "%s", why);
    tamper(d, n, c->f >= F_PE64, c->how);
    cr_assert(memmem(d, n, "UPX!", 4) == NULL || !(c->how & T_MAGIC));
    char what[96];
    snprintf(what, sizeof(what), "%s %s tamper %u", fmt_name[c->f], methods[c->m], c->how);
    cr_assert(ms_upx_candidate(d, n), "%s: no longer a candidate", what);
    int r = lib_unpack(d, n, 1ull << 30, &out, &on, NULL, why, sizeof(why));
    cr_assert_eq(r, 0, "%s: %s (%s)", what, ms_strerror(r), why);
    cr_assert_eq(on, cn, "%s: %zu bytes, untampered %zu", what, on, cn);
    cr_assert(memcmp(out, clean, cn) == 0, "%s: not the untampered output", what);
    assert_original(upx, dir, c->f, prog, packed, out, on, what);
    free(out);
    free(clean);
    free(d);
    free(packed);
    free(prog);
    t_rmtree(dir);
    free(dir);
    free(upx);
}

/* ---- truncation, hostile bytes ---- */

ParameterizedTestParameters(upx, truncated) {
    static combo c[F__N * 2];
    for (unsigned f = 0; f < F__N; f++)
        for (unsigned m = 0; m < 2; m++)
            c[f * 2 + m] = (combo){(fmt)f, m ? 3 : 0};
    return cr_make_param_array(combo, c, sizeof(c) / sizeof(c[0]));
}

ParameterizedTest(combo *c, upx, truncated, .timeout = 120) {
    char *upx = need_upx();
    char *dir = t_mkdtemp();
    char *prog = compile(dir, c->f, "prog");
    char *packed = pack(upx, dir, prog, methods[c->m], "packed");
    size_t n;
    uint8_t *d = slurp(packed, &n);
    for (unsigned k = 2; k <= 7; k++) {
        size_t cut = n * k / 8;
        uint8_t *t = malloc(cut);
        cr_assert_not_null(t);
        memcpy(t, d, cut);
        uint8_t *out = NULL;
        size_t on = 0;
        char why[256] = "";
        int r = lib_unpack(t, cut, 1ull << 30, &out, &on, NULL, why, sizeof(why));
        cr_assert_eq(r, MS_E_CORRUPT, "%s %s cut at %zu/%zu: %d (%s)", fmt_name[c->f], methods[c->m], cut, n,
                     r, why);
        cr_assert(why[0], "no reason");
        free(t);
    }
    free(d);
    free(packed);
    free(prog);
    t_rmtree(dir);
    free(dir);
    free(upx);
}

Test(upx, hostile_bytes, .timeout = 60) {
    /* garbage, headers only, and every byte flipped in turn in a small
     * fake: never a crash, never success on what is not UPX */
    uint8_t buf[4096];
    srand(1);
    for (int round = 0; round < 2000; round++) {
        for (size_t i = 0; i < sizeof(buf); i++)
            buf[i] = (uint8_t)rand();
        if (round & 1) {
            memcpy(buf, "\177ELF\2\1\1", 7);
            buf[16] = 2;
            buf[18] = 62;
            buf[54] = 56;
            buf[55] = 0;
            buf[56] = 2;
            buf[57] = 0;
            memcpy(buf + 32, "\100\0\0\0\0\0\0\0", 8);
            memcpy(buf + 0x40 + 2 * 56 + 4, "UPX!", 4);
        } else {
            memcpy(buf, "MZ", 2);
            buf[0x3c] = 0x40;
            buf[0x3d] = buf[0x3e] = buf[0x3f] = 0;
            memcpy(buf + 0x40, "PE\0\0\x4c\x01", 6);
        }
        size_t n = (size_t)(rand() % (int)sizeof(buf));
        (void)ms_upx_candidate(buf, n);
        uint8_t *out = NULL;
        size_t on = 0;
        char why[64];
        int r = lib_unpack(buf, n, 1u << 20, &out, &on, NULL, why, sizeof(why));
        cr_assert(r == MS_E_UNSUPPORTED || r == MS_E_CORRUPT || r == MS_E_LIMIT || r == 0, "%d", r);
        cr_assert(r != 0 || on <= (1u << 20));
        free(out);
    }
}

Test(upx, nrv_rejects_bad_streams) {
    uint8_t dst[64];
    size_t out, in;
    /* a match before anything was written: bits 0 (match), 0 1 (gamma 2 =
     * the last offset, 1) at output position 0 */
    const uint8_t back[] = {0x00, 0x00, 0x00, 0x20};
    for (int m = 0; m < 3; m++) {
        static const int ms[] = {MS_UPX_M_NRV2B, MS_UPX_M_NRV2D, MS_UPX_M_NRV2E};
        cr_assert_eq(ms_nrv_decode(ms[m], back, sizeof(back), dst, sizeof(dst), &out, &in), MS_E_CORRUPT);
    }
    /* literals past the output's end: a full output, not a write past it */
    const uint8_t lits[] = {0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'};
    memset(dst, 0x55, sizeof(dst));
    cr_assert_eq(ms_nrv_decode(MS_UPX_M_NRV2B, lits, sizeof(lits), dst, 4, &out, &in), MS_E_LIMIT);
    cr_assert(memcmp(dst, "abcd", 4) == 0 && dst[4] == 0x55);
    /* input that ends before the end marker */
    cr_assert_eq(ms_nrv_decode(MS_UPX_M_NRV2E, lits, 6, dst, sizeof(dst), &out, &in), MS_E_CORRUPT);
    cr_assert_eq(ms_nrv_decode(42, lits, sizeof(lits), dst, sizeof(dst), &out, &in), MS_E_UNSUPPORTED);
}

/* A shared library (UPX 4's other ELF layout: the bytes before the code
 * kept as they are, writable segments uncompressed): what `upx -d` gives,
 * but for the DT_INIT word UPX points at its stub (8 bytes at most). */
Test(upx, shared_library, .timeout = 120) {
    char *upx = need_upx();
    char *dir = t_mkdtemp();
    char *src = program_source();
    char *lib = t_path(dir, "libminer.so");
    /* a constructor: UPX packs only libraries with DT_INIT */
    size_t l = strlen(src);
    src = realloc(src, l + 128);
    strcat(src, "__attribute__((constructor)) static void start(void) { (void)f299(3); }\n");
    cr_assert_eq(t_compile("cc", src, lib, "-shared -fPIC"), 0);
    free(src);
    char *packed = pack(upx, dir, lib, "--nrv2e", "packed.so");
    char *ref = t_path(dir, "ref.so");
    const char *argv[] = {upx, "-q", "-d", "-o", ref, packed, NULL};
    t_result res;
    t_run(argv, NULL, 120, &res);
    cr_assert_eq(res.status, 0, "upx -d: %s", res.err);
    t_result_free(&res);
    size_t n, rn;
    uint8_t *d = slurp(packed, &n), *r = slurp(ref, &rn);
    uint8_t *out = NULL;
    size_t on = 0;
    char why[256] = "";
    cr_assert(ms_upx_candidate(d, n));
    int e = lib_unpack(d, n, 1ull << 30, &out, &on, NULL, why, sizeof(why));
    cr_assert_eq(e, 0, "%s (%s)", ms_strerror(e), why);
    cr_assert_eq(on, rn);
    size_t diff = 0;
    for (size_t i = 0; i < rn; i++)
        diff += out[i] != r[i];
    cr_assert_leq(diff, 8, "%zu bytes differ from upx -d", diff);
    free(out);
    free(d);
    free(r);
    free(ref);
    free(packed);
    free(lib);
    t_rmtree(dir);
    free(dir);
    free(upx);
}

/* ---- crafted packed files: hostile layouts UPX never writes ---- */

/* An NRV2B stream of literals only (a 1 bit and the byte, each), then the
 * end marker (a match whose offset gamma is 0x1000002, byte 0xff): enough
 * to lay out any image a hostile file could hold. */
typedef struct nrvw {
    uint8_t *buf;
    size_t n, cap, word;
    unsigned bits;  /* bits used in the word at buf[word] */
} nrvw;

static void nw_byte(nrvw *w, uint8_t b) {
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 1024;
        w->buf = realloc(w->buf, w->cap);
        cr_assert_not_null(w->buf);
    }
    w->buf[w->n++] = b;
}

static void nw_bit(nrvw *w, unsigned bit) {
    if (w->bits == 0 || w->bits == 32) {
        w->word = w->n;
        for (int i = 0; i < 4; i++)
            nw_byte(w, 0);
        w->bits = 0;
    }
    if (bit)
        w->buf[w->word + 3 - w->bits / 8] |= (uint8_t)(0x80u >> (w->bits % 8));
    w->bits++;
}

static uint8_t *nrv2b_literals(const uint8_t *d, size_t n, size_t *ret_len) {
    nrvw w = {0};
    for (size_t i = 0; i < n; i++) {
        nw_bit(&w, 1);
        nw_byte(&w, d[i]);
    }
    nw_bit(&w, 0);
    /* the gamma of 0x1000002: its 24 bits after the leading 1, each with a
     * stop bit (1 after the last) */
    for (int k = 23; k >= 0; k--) {
        nw_bit(&w, (0x1000002u >> k) & 1);
        nw_bit(&w, k == 0);
    }
    nw_byte(&w, 0xff);
    *ret_len = w.n;
    return w.buf;
}

static void p16(uint8_t *p, unsigned v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void p32(uint8_t *p, uint32_t v) {
    p16(p, v & 0xffff);
    p16(p + 2, v >> 16);
}

/* A PE32 header at p: nsec sections, PE32 optional header, sections from
 * secs (name, vsize, va, rawsize, rawoff). Returns its size. */
static size_t pe32_header(uint8_t *p, unsigned nsec, const uint32_t (*secs)[4], uint32_t entry) {
    memcpy(p, "PE\0\0", 4);
    p16(p + 4, 0x14c);
    p16(p + 6, nsec);
    p16(p + 20, 0xe0);
    p16(p + 22, 0x102);
    uint8_t *o = p + 24;
    p16(o, 0x10b);
    p32(o + 16, entry);
    p32(o + 28, 0x400000);
    p32(o + 32, 0x1000);
    p32(o + 36, 0x200);
    p32(o + 60, 0x200);
    p32(o + 92, 16);
    uint8_t *st = o + 0xe0;
    for (unsigned i = 0; i < nsec; i++) {
        st[40 * i] = 's';
        st[40 * i + 1] = (uint8_t)('0' + i % 10);
        for (int k = 0; k < 4; k++)
            p32(st + 40 * i + 8 + 4 * k, secs[i][k]);
    }
    return 24 + 0xe0 + 40 * nsec;
}

/* A packed PE32 (UPX0, UPX1, a PackHeader, a literal NRV2B stream) whose
 * image is img[0..img_len) followed by the stored header of the given
 * original sections. Returns the file (malloc'd). */
static uint8_t *crafted_pe(const uint8_t *img, size_t img_len, unsigned nsec, const uint32_t (*secs)[4],
                           size_t *ret_n) {
    uint8_t *u = calloc(1, img_len + 0x400);
    cr_assert_not_null(u);
    memcpy(u, img, img_len);
    size_t hdr_at = img_len;
    size_t h = pe32_header(u + hdr_at, nsec, secs, 0x1000);
    p32(u + hdr_at + h, (uint32_t)hdr_at);
    size_t u_len = hdr_at + h + 4;
    size_t c_len;
    uint8_t *c = nrv2b_literals(u, u_len, &c_len);
    size_t n = 0x240 + c_len + 0x200;
    uint8_t *f = calloc(1, n);
    cr_assert_not_null(f);
    f[0] = 'M';
    f[1] = 'Z';
    p32(f + 0x3c, 0x40);
    uint32_t span = (uint32_t)((u_len + 0xfff) & ~0xfffu) + 0x1000;
    const uint32_t pk[2][4] = {{span, 0x1000, 0, 0x200}, {0x1000 + (uint32_t)c_len, 0x1000 + span,
                                (uint32_t)(n - 0x200), 0x200}};
    pe32_header(f + 0x40, 2, pk, 0x1000 + span + (uint32_t)c_len);
    memcpy(f + 0x200, "4.23", 5);
    uint8_t *ph = f + 0x205;
    memcpy(ph, "UPX!", 4);
    ph[4] = 13;
    ph[5] = 9;
    ph[6] = 2;
    ph[7] = 8;
    p32(ph + 16, (uint32_t)u_len);
    p32(ph + 20, (uint32_t)c_len);
    p32(ph + 24, 0);
    unsigned sum = 0;
    for (int i = 4; i < 31; i++)
        sum += ph[i];
    ph[31] = (uint8_t)(sum % 251);
    memcpy(f + 0x225, c, c_len);
    free(c);
    free(u);
    *ret_n = n;
    return f;
}

Test(upx, crafted_literal_stream) {
    /* the encoder above against the decoder: the bytes come back */
    uint8_t d[3000];
    for (size_t i = 0; i < sizeof(d); i++)
        d[i] = (uint8_t)(i * 7 + (i >> 5));
    size_t cn;
    uint8_t *c = nrv2b_literals(d, sizeof(d), &cn);
    uint8_t out[3000];
    size_t on, in;
    cr_assert_eq(ms_nrv_decode(MS_UPX_M_NRV2B, c, cn, out, sizeof(out), &on, &in), 0);
    cr_assert_eq(on, sizeof(d));
    cr_assert_eq(in, cn);
    cr_assert(memcmp(out, d, on) == 0);
    free(c);
}

Test(upx, crafted_pe_sections) {
    uint8_t img[0x300];
    for (size_t i = 0; i < sizeof(img); i++)
        img[i] = (uint8_t)('A' + i % 26);
    /* a well-formed one: the section's bytes come out at its offset */
    const uint32_t ok[1][4] = {{0x300, 0x1000, 0x400, 0x200}};
    size_t n, on = 0;
    uint8_t *f = crafted_pe(img, sizeof(img), 1, ok, &n);
    uint8_t *out = NULL;
    char why[256] = "";
    cr_assert(ms_upx_candidate(f, n));
    int r = lib_unpack(f, n, 1u << 20, &out, &on, NULL, why, sizeof(why));
    cr_assert_eq(r, 0, "%s", why);
    cr_assert_eq(on, 0x600);
    cr_assert(memcmp(out + 0x200, img, 0x300) == 0);
    free(out);
    free(f);

    /* a section over the headers, at offset 0 (fuzz_upx found the copy
     * loop reading the section table it had just overwritten): the bytes
     * it puts where the second entry was would send that section far past
     * the output */
    const uint32_t over[2][4] = {{0x300, 0x1000, 0x400, 0}, {0x10, 0x1100, 0x200, 0x7ff0}};
    uint8_t evil[sizeof(img)];
    memcpy(evil, img, sizeof(evil));
    const size_t e1 = 0x40 + 24 + 0xe0 + 40;
    p32(evil + e1 + 8, 0x10);
    p32(evil + e1 + 12, 0x1000);
    p32(evil + e1 + 16, 0x100);
    p32(evil + e1 + 20, 0x7fff0000);
    f = crafted_pe(evil, sizeof(evil), 2, over, &n);
    out = NULL;
    r = lib_unpack(f, n, 1u << 20, &out, &on, NULL, why, sizeof(why));
    cr_assert(r == 0 || r == MS_E_CORRUPT, "%d %s", r, why);
    free(out);
    free(f);

    /* sections far past any limit: MS_E_LIMIT, nothing allocated */
    const uint32_t far[1][4] = {{0x300, 0x1000, 0x10000000, 0x70000000}};
    f = crafted_pe(img, sizeof(img), 1, far, &n);
    r = lib_unpack(f, n, 1u << 20, &out, &on, NULL, why, sizeof(why));
    cr_assert_eq(r, MS_E_LIMIT, "%d %s", r, why);
    free(f);

    /* a section whose RVA is before the image, or past it: skipped */
    const uint32_t odd[2][4] = {{0x300, 0x10, 0x200, 0x200}, {0x300, 0xfffff000, 0x200, 0x400}};
    f = crafted_pe(img, sizeof(img), 2, odd, &n);
    out = NULL;
    r = lib_unpack(f, n, 1u << 20, &out, &on, NULL, why, sizeof(why));
    cr_assert_eq(r, 0, "%s", why);
    free(out);
    free(f);
}

/* ---- /usr/bin: not UPX ---- */

/* Up to max ELF/PE files of /usr/bin (every k-th by name, so the sample
 * spreads over the alphabet), at least min_size bytes. */
static size_t usr_bin_sample(char **paths, size_t max, size_t min_size, size_t max_size) {
    struct dirent **ents = NULL;
    int ne = scandir("/usr/bin", &ents, NULL, alphasort);
    cr_assert_gt(ne, 0);
    size_t execs = 0;
    char **all = calloc((size_t)ne, sizeof(char *));
    for (int i = 0; i < ne; i++) {
        char *p = t_path("/usr/bin", ents[i]->d_name);
        struct stat st;
        uint8_t h[4] = {0};
        FILE *f = NULL;
        if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size >= min_size &&
            (size_t)st.st_size <= max_size && (f = fopen(p, "rb")) && fread(h, 1, 4, f) == 4 &&
            (memcmp(h, "\177ELF", 4) == 0 || memcmp(h, "MZ", 2) == 0))
            all[execs++] = p;
        else
            free(p);
        if (f)
            fclose(f);
        free(ents[i]);
    }
    free(ents);
    size_t k = execs / max ? execs / max : 1, n = 0;
    for (size_t i = 0; i < execs; i++) {
        if (i % k == 0 && n < max)
            paths[n++] = all[i];
        else
            free(all[i]);
    }
    free(all);
    return n;
}

Test(upx, usr_bin_not_upx, .timeout = 300) {
    char *paths[200];
    size_t n = usr_bin_sample(paths, 200, 64, 64u << 20);
    cr_assert_gt(n, 50, "only %zu programs in /usr/bin", n);
    size_t cands = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        uint8_t *d = slurp(paths[i], &len);
        if (ms_upx_candidate(d, len)) {
            cands++;
            uint8_t *out = NULL;
            size_t on;
            char why[256] = "";
            int r = lib_unpack(d, len, 1ull << 30, &out, &on, NULL, why, sizeof(why));
            cr_assert_eq(r, MS_E_UNSUPPORTED, "%s: %s (%s)", paths[i], ms_strerror(r), why);
        }
        free(d);
        free(paths[i]);
    }
    cr_log_info("%zu programs, %zu candidates", n, cands);
}

/* ---- the CLI: prog!upx ---- */

static json_t *scan_jsonl(t_result *res, const char *path) {
    t_minerscan(res, NULL, "-f", "jsonl", "--all", path, NULL);
    json_t *recs = t_jsonl(res->out);
    cr_assert_not_null(recs, "output is not JSON Lines: %s", res->out);
    return recs;
}

static const char *verdict_of(json_t *rec) {
    return json_string_value(json_object_get(rec, "verdict"));
}

ParameterizedTestParameters(cli, upx_detected) {
    static combo c[F__N * N_METHODS];
    for (unsigned f = 0; f < F__N; f++)
        for (unsigned m = 0; m < N_METHODS; m++)
            c[f * N_METHODS + m] = (combo){(fmt)f, m};
    return cr_make_param_array(combo, c, sizeof(c) / sizeof(c[0]));
}

/* A miner packed with each method x format is malicious through its !upx
 * member, on disk and inside a .tar.gz; packed, its own bytes say nothing
 * (that was the evasion). */
ParameterizedTest(combo *c, cli, upx_detected, .timeout = 180) {
    char *upx = need_upx();
    char *dir = t_mkdtemp();
    char *prog = compile(dir, c->f, "prog");
    char *packed = pack(upx, dir, prog, methods[c->m], "miner.exe");
    t_result res;
    json_t *recs = scan_jsonl(&res, packed);
    cr_assert_eq(res.status, 1, "exit %d: %s", res.status, res.err);
    char *member = NULL;
    cr_assert(asprintf(&member, "%s!upx", packed) > 0);
    json_t *m = t_find_record(recs, member);
    cr_assert_not_null(m, "%s %s: no %s record: %s", fmt_name[c->f], methods[c->m], member, res.out);
    cr_assert_str_eq(verdict_of(m), "malicious");
    cr_assert(t_has_rule(m, "xmrig_strings"), "%s", res.out);
    json_t *top = t_find_record(recs, packed);
    cr_assert_not_null(top);
    cr_assert_str_eq(verdict_of(top), "malicious");
    cr_assert_not(t_has_rule(top, "xmrig_strings"), "the packed bytes themselves hold the strings?");
    json_decref(recs);
    t_result_free(&res);

    /* the same file inside a .tar.gz */
    char *tgz = t_path(dir, "x.tar.gz");
    const char *argv[] = {"tar", "-C", dir, "-czf", tgz, "miner.exe", NULL};
    cr_assert_eq(t_run(argv, NULL, 60, &res), 0);
    cr_assert_eq(res.status, 0);
    t_result_free(&res);
    recs = scan_jsonl(&res, tgz);
    free(member);
    cr_assert(asprintf(&member, "%s!miner.exe!upx", tgz) > 0);
    m = t_find_record(recs, member);
    cr_assert_not_null(m, "no %s record: %s", member, res.out);
    cr_assert_str_eq(verdict_of(m), "malicious");
    cr_assert_not_null(t_find_record(recs, tgz));
    cr_assert_str_eq(verdict_of(t_find_record(recs, tgz)), "malicious");
    cr_assert_eq(res.status, 1);
    json_decref(recs);
    t_result_free(&res);
    free(tgz);
    free(member);
    free(packed);
    free(prog);
    t_rmtree(dir);
    free(dir);
    free(upx);
}

/* A truncated packed program: an error record for prog!upx, the file not
 * clean, exit 2 (nothing found, something not scanned). */
Test(cli, upx_truncated, .timeout = 120) {
    char *upx = need_upx();
    char *dir = t_mkdtemp();
    for (fmt f = F_ELF64; f < F__N; f++) {
        char *prog = compile(dir, f, "prog");
        char *packed = pack(upx, dir, prog, "--lzma", "packed");
        size_t n;
        uint8_t *d = slurp(packed, &n);
        char *cut = t_path(dir, "cut");
        write_bytes(cut, d, n / 2);
        t_result res;
        json_t *recs = scan_jsonl(&res, cut);
        char *member = NULL;
        cr_assert(asprintf(&member, "%s!upx", cut) > 0);
        json_t *m = t_find_record(recs, member);
        cr_assert_not_null(m, "%s: no %s record: %s", fmt_name[f], member, res.out);
        const char *v = verdict_of(m);
        cr_assert(strcmp(v, "error") == 0 || strcmp(v, "limit") == 0, "%s: %s", fmt_name[f], v);
        cr_assert(json_is_string(json_object_get(m, "reason")), "no reason");
        cr_assert_not_null(t_find_record(recs, cut));
        cr_assert_str_neq(verdict_of(t_find_record(recs, cut)), "clean");
        cr_assert_eq(res.status, 2, "%s: exit %d", fmt_name[f], res.status);
        json_decref(recs);
        t_result_free(&res);
        free(member);
        free(cut);
        free(d);
        free(packed);
        free(prog);
    }
    t_rmtree(dir);
    free(dir);
    free(upx);
}

/* 30 programs of /usr/bin packed with UPX: unpacked and scanned, nothing
 * malicious or suspicious (the unpacked program is the distro's own). */
Test(cli, upx_usr_bin_packed_clean, .timeout = 900) {
    char *upx = need_upx();
    char *dir = t_mkdtemp();
    char *paths[60];
    size_t n = usr_bin_sample(paths, 60, 16u << 10, 2u << 20);
    size_t packed = 0, members = 0;
    for (size_t i = 0; i < n; i++) {
        if (packed < 30) {
            char name[32];
            snprintf(name, sizeof(name), "p%02zu", packed);
            char *out = t_path(dir, name);
            const char *argv[] = {upx, "-q", "-o", out, paths[i], NULL};
            t_result res;
            t_run(argv, NULL, 120, &res);
            /* UPX refuses some (already packed, too small, odd layout) */
            if (res.status == 0)
                packed++;
            else
                unlink(out);
            t_result_free(&res);
            free(out);
        }
        free(paths[i]);
    }
    cr_assert_geq(packed, 30, "UPX packed only %zu of %zu programs", packed, n);
    t_result res;
    json_t *recs = scan_jsonl(&res, dir);
    json_t *sum = t_summary(recs);
    cr_assert_not_null(sum);
    size_t i;
    json_t *r;
    json_array_foreach(recs, i, r) {
        const char *p = json_string_value(json_object_get(r, "path"));
        if (p && strstr(p, "!upx"))
            members++;
    }
    cr_assert_geq(members, 30, "only %zu !upx records: %s", members, res.out);
    cr_assert_eq(json_integer_value(json_object_get(sum, "malicious")), 0, "%s", res.out);
    cr_assert_eq(json_integer_value(json_object_get(sum, "suspicious")), 0, "%s", res.out);
    json_decref(recs);
    t_result_free(&res);
    t_rmtree(dir);
    free(dir);
    free(upx);
}
