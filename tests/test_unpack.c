/*
 * test_unpack.c - archives and container images (issue 3).
 *
 * Every fixture is written at test time: with libarchive's writer, by hand
 * for the formats libarchive cannot write (rar, cab, lha, rpm), or with
 * python3 for the bombs whose bytes are easier to lay out by hand. The
 * "miner" is a text with XMRig and Stratum strings or a compiled ELF that
 * carries them; nothing is ever run. Each test runs the real binary with
 * -f jsonl and checks the records: the member's full virtual path, its
 * verdict and rule, the verdict folded into the outer file, limits and
 * errors as records, the exit code, and the peak RSS on bombs.
 */
#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "hashes.h"
#include "util.h"

/* An XMRig config.json with a Stratum session logged in it: fires
 * xmrig_config_json (high), stratum_pool_url and stratum_methods. */
static const char MINER[] =
    "{\n"
    "    \"autosave\": true,\n"
    "    \"donate-level\": 1,\n"
    "    \"randomx\": {\"1gb-pages\": true},\n"
    "    \"huge-pages\": true,\n"
    "    \"pools\": [\n"
    "        {\"url\": \"stratum+tcp://pool.example.com:3333\", \"user\": \"worker1\", \"pass\": \"x\"}\n"
    "    ],\n"
    "    \"log\": [\"{\\\"id\\\":1,\\\"method\\\":\\\"mining.subscribe\\\"}\",\n"
    "            \"{\\\"id\\\":4,\\\"method\\\":\\\"mining.submit\\\"}\"]\n"
    "}\n";

/* An executable carrying XMRig's banner, usage line and option names:
 * fires xmrig_strings (high) and the Stratum rules. */
static const char MINER_C[] =
    "#include <stdio.h>\n"
    "static const char *s[] = {\"XMRig 6.21.0\", \"Usage: xmrig [OPTIONS]\",\n"
    "  \"donate.v2.xmrig.com\", \"huge-pages-jit\", \"max-threads-hint\",\n"
    "  \"stratum+tcp://pool.example.com:3333\", \"mining.subscribe\", \"mining.submit\"};\n"
    "int main(int c, char **v) { (void)v; puts(s[c % 8]); return 0; }\n";

/* Peak RSS allowed on any bomb (issue 3). */
#define RSS_LIMIT_KB (512L * 1024)

static char *dir;

static void setup(void) {
    dir = t_mkdtemp();
    cr_assert_not_null(dir);
}

static void teardown(void) {
    t_rmtree(dir);
    free(dir);
}

/* one suite timeout: Criterion leaks on per-test overrides (LeakSanitizer) */
TestSuite(unpack, .init = setup, .fini = teardown, .timeout = 240);

/* ---- building archives ---- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *d, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 4096;
        b->p = realloc(b->p, b->cap);
        cr_assert_not_null(b->p);
    }
    if (n)
        memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void put8(buf *b, unsigned v) {
    uint8_t c = (uint8_t)v;
    put(b, &c, 1);
}

static void put16(buf *b, unsigned v) {
    put8(b, v & 0xff), put8(b, (v >> 8) & 0xff);
}

static void put32(buf *b, uint32_t v) {
    put16(b, v & 0xffff), put16(b, v >> 16);
}

static void put32be(buf *b, uint32_t v) {
    put8(b, v >> 24), put8(b, (v >> 16) & 0xff), put8(b, (v >> 8) & 0xff), put8(b, v & 0xff);
}

static void set16(uint8_t *p, unsigned v) {
    p[0] = v & 0xff, p[1] = (v >> 8) & 0xff;
}

typedef struct ent {
    const char *name;
    const void *data;
    size_t len;
    unsigned type;    /* AE_IFREG when 0 */
    const char *link; /* symlink target, or hard link target when hard */
    bool hard;
} ent;

#define F(n, d, l) ((ent){.name = (n), .data = (d), .len = (l)})

static la_ssize_t buf_write(struct archive *a, void *ud, const void *d, size_t n) {
    (void)a;
    put(ud, d, n);
    return (la_ssize_t)n;
}

/* An archive written by libarchive into memory. fmt and filter are
 * libarchive's names ("ustar", "zip", "7zip"... / "gzip", "zstd"...). */
static uint8_t *la_build(const char *fmt, const char *filter, const char *opts, const char *pass,
                         const ent *e, size_t n, size_t *ret_len) {
    struct archive *a = archive_write_new();
    buf b = {0};
    cr_assert_eq(archive_write_set_format_by_name(a, fmt), ARCHIVE_OK, "format %s: %s", fmt,
                 archive_error_string(a));
    if (filter)
        cr_assert_eq(archive_write_add_filter_by_name(a, filter), ARCHIVE_OK, "filter %s: %s",
                     filter, archive_error_string(a));
    if (opts)
        cr_assert_eq(archive_write_set_options(a, opts), ARCHIVE_OK, "%s: %s", opts,
                     archive_error_string(a));
    if (pass)
        cr_assert_eq(archive_write_set_passphrase(a, pass), ARCHIVE_OK);
    archive_write_set_bytes_in_last_block(a, 1);
    cr_assert_eq(archive_write_open(a, &b, NULL, buf_write, NULL), ARCHIVE_OK, "%s",
                 archive_error_string(a));
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *en = archive_entry_new();
        archive_entry_set_pathname(en, e[i].name);
        archive_entry_set_filetype(en, e[i].type ? e[i].type : AE_IFREG);
        archive_entry_set_perm(en, e[i].type == AE_IFDIR ? 0755 : 0644);
        archive_entry_set_mtime(en, 1700000000, 0);
        if (e[i].link && e[i].hard)
            archive_entry_set_hardlink(en, e[i].link);
        else if (e[i].link)
            archive_entry_set_symlink(en, e[i].link);
        if (!e[i].type || e[i].type == AE_IFREG)
            archive_entry_set_size(en, (la_int64_t)e[i].len);
        if (e[i].type == AE_IFCHR)
            archive_entry_set_rdev(en, 0x0103);
        cr_assert(archive_write_header(a, en) >= ARCHIVE_WARN, "header %s: %s", e[i].name,
                  archive_error_string(a));
        if (e[i].len && (!e[i].type || e[i].type == AE_IFREG))
            cr_assert_eq(archive_write_data(a, e[i].data, e[i].len), (la_ssize_t)e[i].len, "%s",
                         archive_error_string(a));
        archive_entry_free(en);
    }
    cr_assert_eq(archive_write_close(a), ARCHIVE_OK, "%s", archive_error_string(a));
    archive_write_free(a);
    *ret_len = b.n;
    return b.p;
}

/* RAR 1.5-4.x, method "store": marker, main header, one file header per
 * member (CRC16 = low half of the header's CRC32), the data, end block. */
static uint8_t *rar4_build(const ent *e, size_t n, size_t *ret_len) {
    buf b = {0};
    put(&b, "Rar!\x1a\x07\x00", 7);
    uint8_t mh[13] = {0, 0, 0x73, 0, 0, 13, 0};
    set16(mh, ms_crc32(mh + 2, 11) & 0xffff);
    put(&b, mh, sizeof(mh));
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(e[i].name), at = b.n;
        put16(&b, 0);
        put8(&b, 0x74);
        put16(&b, 0x8000);
        put16(&b, (unsigned)(32 + nl));
        put32(&b, (uint32_t)e[i].len);
        put32(&b, (uint32_t)e[i].len);
        put8(&b, 3); /* unix */
        put32(&b, ms_crc32(e[i].data, e[i].len));
        put32(&b, 0x57a10000u); /* DOS time */
        put8(&b, 20);
        put8(&b, 0x30); /* store */
        put16(&b, (unsigned)nl);
        put32(&b, 0100644);
        put(&b, e[i].name, nl);
        set16(b.p + at, ms_crc32(b.p + at + 2, 32 + nl - 2) & 0xffff);
        put(&b, e[i].data, e[i].len);
    }
    uint8_t end[7] = {0, 0, 0x7b, 0x00, 0x40, 7, 0};
    set16(end, ms_crc32(end + 2, 5) & 0xffff);
    put(&b, end, sizeof(end));
    *ret_len = b.n;
    return b.p;
}

static uint16_t crc16_lha(const uint8_t *p, size_t n) {
    uint16_t c = 0;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (uint16_t)((c >> 1) ^ (0xa001u & (0u - (c & 1))));
    }
    return c;
}

/* LHA level-0 headers, method -lh0- (stored). */
static uint8_t *lha_build(const ent *e, size_t n, size_t *ret_len) {
    buf b = {0};
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(e[i].name), at = b.n;
        put8(&b, (unsigned)(22 + nl));
        put8(&b, 0);
        put(&b, "-lh0-", 5);
        put32(&b, (uint32_t)e[i].len);
        put32(&b, (uint32_t)e[i].len);
        put32(&b, 0x57a10000u);
        put8(&b, 0x20);
        put8(&b, 0);
        put8(&b, (unsigned)nl);
        put(&b, e[i].name, nl);
        put16(&b, crc16_lha(e[i].data, e[i].len));
        unsigned sum = 0;
        for (size_t k = at + 2; k < b.n; k++)
            sum += b.p[k];
        b.p[at + 1] = sum & 0xff;
        put(&b, e[i].data, e[i].len);
    }
    put8(&b, 0);
    *ret_len = b.n;
    return b.p;
}

/* Microsoft cabinet, one folder, no compression, 32 KiB CFDATA blocks
 * without checksums. */
static uint8_t *cab_build(const ent *e, size_t n, size_t *ret_len) {
    buf files = {0}, data = {0};
    uint32_t off = 0;
    for (size_t i = 0; i < n; i++) {
        put32(&files, (uint32_t)e[i].len);
        put32(&files, off);
        put16(&files, 0);
        put16(&files, 0x5a21);
        put16(&files, 0x6000);
        put16(&files, 0x20);
        put(&files, e[i].name, strlen(e[i].name) + 1);
        put(&data, e[i].data, e[i].len);
        off += (uint32_t)e[i].len;
    }
    size_t nblocks = (data.n + 32767) / 32768;
    uint32_t start = 36 + 8 + (uint32_t)files.n;
    uint32_t total = start + (uint32_t)(nblocks * 8 + data.n);
    buf b = {0};
    put(&b, "MSCF", 4);
    put32(&b, 0);
    put32(&b, total);
    put32(&b, 0);
    put32(&b, 36 + 8);
    put32(&b, 0);
    put8(&b, 3), put8(&b, 1);
    put16(&b, 1), put16(&b, (unsigned)n), put16(&b, 0), put16(&b, 0), put16(&b, 0);
    put32(&b, start);
    put16(&b, (unsigned)nblocks);
    put16(&b, 0);
    put(&b, files.p, files.n);
    for (size_t k = 0; k < nblocks; k++) {
        size_t len = data.n - k * 32768 > 32768 ? 32768 : data.n - k * 32768;
        put32(&b, 0);
        put16(&b, (unsigned)len), put16(&b, (unsigned)len);
        put(&b, data.p + k * 32768, len);
    }
    free(files.p);
    free(data.p);
    *ret_len = b.n;
    return b.p;
}

/* RPM v3: 96-byte lead, an empty signature header and an empty main header,
 * then the payload, a gzip'd newc cpio (what rpmbuild writes, minus tags). */
static uint8_t *rpm_build(const ent *e, size_t n, size_t *ret_len) {
    size_t plen;
    uint8_t *payload = la_build("newc", "gzip", NULL, NULL, e, n, &plen);
    buf b = {0};
    uint8_t lead[96] = {0xed, 0xab, 0xee, 0xdb, 3, 0, 0, 0, 0, 1};
    memcpy(lead + 10, "miner-1.0-1", 11);
    lead[76] = 0, lead[77] = 1, lead[78] = 0, lead[79] = 5;
    put(&b, lead, sizeof(lead));
    for (int h = 0; h < 2; h++) {
        put(&b, "\x8e\xad\xe8\x01\0\0\0\0", 8);
        put32be(&b, 0);
        put32be(&b, 0);
    }
    put(&b, payload, plen);
    free(payload);
    *ret_len = b.n;
    return b.p;
}

/* A Debian package: ar of debian-binary, control.tar.xz, data.tar.xz. The
 * members go into data.tar.xz under "./". */
static uint8_t *deb_build(const ent *e, size_t n, size_t *ret_len) {
    const char control[] = "Package: miner\nVersion: 1.0\nArchitecture: amd64\n"
                           "Maintainer: test <t@example.com>\nDescription: fixture\n";
    ent c[] = {F("./control", control, sizeof(control) - 1)};
    size_t clen, dlen;
    uint8_t *ctl = la_build("gnutar", "xz", NULL, NULL, c, 1, &clen);
    ent *d = calloc(n, sizeof(*d));
    char **names = calloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        cr_assert(asprintf(&names[i], "./%s", e[i].name) > 0);
        d[i] = e[i];
        d[i].name = names[i];
    }
    uint8_t *data = la_build("gnutar", "xz", NULL, NULL, d, n, &dlen);
    ent a[] = {F("debian-binary", "2.0\n", 4), F("control.tar.xz", ctl, clen),
               F("data.tar.xz", data, dlen)};
    uint8_t *deb = la_build("argnu", NULL, NULL, NULL, a, 3, ret_len);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(d);
    free(ctl);
    free(data);
    return deb;
}

enum kind { K_LA, K_RAW, K_RAR, K_LHA, K_CAB, K_RPM, K_DEB };

enum trunc {
    T_KEEPS,  /* the members before the cut are read, then an error */
    T_LOSES,  /* the index is at the end: nothing is read, an error */
    T_SILENT, /* the format cannot tell (compress has no end marker) */
};

typedef struct fmtcase {
    const char *ext;     /* file name suffix, also the label */
    enum kind kind;
    const char *fmt;     /* libarchive writer format (K_LA) */
    const char *filter;  /* libarchive writer filter (K_LA, K_RAW) */
    const char *opts;    /* libarchive writer options */
    enum trunc trunc;    /* what a truncated copy gives */
} fmtcase;

/* Build fc holding the entries; a raw format holds only the first. */
static uint8_t *build(const fmtcase *fc, const ent *e, size_t n, size_t *len) {
    switch (fc->kind) {
    case K_LA:
        return la_build(fc->fmt, fc->filter, fc->opts, NULL, e, n, len);
    case K_RAW:
        return la_build("raw", fc->filter, fc->opts, NULL, e, 1, len);
    case K_RAR:
        return rar4_build(e, n, len);
    case K_LHA:
        return lha_build(e, n, len);
    case K_CAB:
        return cab_build(e, n, len);
    case K_RPM:
        return rpm_build(e, n, len);
    case K_DEB:
        return deb_build(e, n, len);
    }
    return NULL;
}

/* The virtual path of member `name` of the archive object at `outer`. A raw
 * file's one member is named after the file without its suffix. */
static char *member_path(const fmtcase *fc, const char *outer, const char *name) {
    char *p = NULL;
    if (fc->kind == K_RAW) {
        const char *base = outer;
        for (const char *c = outer; *c; c++)
            if (*c == '/' || *c == '!')
                base = c + 1;
        const char *dot = strrchr(base, '.');
        cr_assert(asprintf(&p, "%s!%.*s", outer, (int)(dot - base), base) > 0);
    } else if (fc->kind == K_LA && !strcmp(fc->fmt, "argnu")) {
        /* ar keeps base names only */
        const char *b = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
        cr_assert(asprintf(&p, "%s!%s", outer, b) > 0);
    } else if (fc->kind == K_DEB) {
        cr_assert(asprintf(&p, "%s!data.tar.xz!./%s", outer, name) > 0);
    } else {
        cr_assert(asprintf(&p, "%s!%s", outer, name) > 0);
    }
    return p;
}

static char *write_file(const char *name, const void *d, size_t n) {
    char *p = t_write(dir, name, d, n);
    cr_assert_not_null(p, "cannot write %s", name);
    return p;
}

/* ---- running ---- */

typedef struct scan {
    t_result res;
    json_t *recs;
    long rss_kb;
    double seconds;
} scan;

/* Run minerscan -f jsonl --no-progress with the arguments (NULL-ended). */
static void run_scan(scan *s, const char *stdin_data, const char *const *args) {
    const char *argv[64];
    size_t n = 0;
    argv[n++] = t_minerscan_path();
    argv[n++] = "-f";
    argv[n++] = "jsonl";
    argv[n++] = "--no-progress";
    for (size_t i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct rusage ru;
    cr_assert_eq(t_run_rusage(argv, stdin_data, 110, &s->res, &ru), 0);
    s->rss_kb = ru.ru_maxrss;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_assert_neq(s->res.status, 137, "minerscan was killed (timeout)");
    cr_assert_lt(s->res.status, 128, "minerscan died with signal %d\n%s", s->res.status - 128,
                 s->res.err);
    cr_assert(!strstr(s->res.err, "Sanitizer") && !strstr(s->res.err, "runtime error"),
              "sanitizer report:\n%.4000s", s->res.err);
    s->recs = t_jsonl(s->res.out);
    cr_assert_not_null(s->recs, "output is not JSON Lines:\n%.2000s", s->res.out);
    cr_assert_not_null(t_summary(s->recs), "no summary record");
}

#define SCAN(s, ...) run_scan((s), NULL, (const char *const[]){__VA_ARGS__, NULL})

static void scan_free(scan *s) {
    json_decref(s->recs);
    t_result_free(&s->res);
}

static const char *str(json_t *rec, const char *key) {
    const char *v = json_string_value(json_object_get(rec, key));
    return v ? v : "";
}

static json_t *record(scan *s, const char *path) {
    json_t *r = t_find_record(s->recs, path);
    cr_assert_not_null(r, "no record for %s in:\n%.4000s", path, s->res.out);
    return r;
}

static void expect(scan *s, const char *path, const char *verdict) {
    json_t *r = record(s, path);
    cr_assert_str_eq(str(r, "verdict"), verdict, "%s: verdict %s, want %s (reason %s)", path,
                     str(r, "verdict"), verdict, str(r, "reason"));
}

static void expect_reason(scan *s, const char *path, const char *verdict, const char *needle) {
    expect(s, path, verdict);
    const char *why = str(record(s, path), "reason");
    cr_assert(strstr(why, needle), "%s: reason '%s' does not name '%s'", path, why, needle);
}

/* The member is the MINER text: malicious, with the XMRig config and
 * Stratum rules. */
static void expect_miner(scan *s, const char *path) {
    expect(s, path, "malicious");
    json_t *r = record(s, path);
    cr_assert(t_has_rule(r, "xmrig_config_json"), "%s: no xmrig_config_json", path);
    cr_assert(t_has_rule(r, "stratum_pool_url"), "%s: no stratum_pool_url", path);
    cr_assert(t_has_rule(r, "stratum_methods"), "%s: no stratum_methods", path);
}

static size_t count_objects(scan *s) {
    size_t i, n = 0;
    json_t *r;
    json_array_foreach(s->recs, i, r) n += !strcmp(str(r, "type"), "object");
    return n;
}

/* ---- one detection test per format, bare and three levels deep ---- */

static const fmtcase formats[] = {
    {"tar", K_LA, "ustar", NULL, NULL, T_KEEPS},
    {"gnu.tar", K_LA, "gnutar", NULL, NULL, T_KEEPS},
    {"pax.tar", K_LA, "pax", NULL, NULL, T_KEEPS},
    {"v7.tar", K_LA, "v7tar", NULL, NULL, T_KEEPS},
    {"tar.gz", K_LA, "ustar", "gzip", NULL, T_KEEPS},
    {"tar.bz2", K_LA, "ustar", "bzip2", "bzip2:compression-level=1", T_KEEPS},
    {"tar.xz", K_LA, "ustar", "xz", NULL, T_KEEPS},
    {"tar.zst", K_LA, "ustar", "zstd", NULL, T_KEEPS},
    {"tar.lz4", K_LA, "ustar", "lz4", "lz4:block-size=4", T_KEEPS},
    {"tar.lzma", K_LA, "ustar", "lzma", NULL, T_KEEPS},
    {"tar.Z", K_LA, "ustar", "compress", NULL, T_KEEPS},
    {"zip", K_LA, "zip", NULL, NULL, T_KEEPS},
    {"jar", K_LA, "zip", NULL, NULL, T_KEEPS},
    {"7z", K_LA, "7zip", NULL, NULL, T_LOSES},
    {"cpio", K_LA, "newc", NULL, NULL, T_KEEPS},
    {"odc.cpio", K_LA, "odc", NULL, NULL, T_KEEPS},
    {"a", K_LA, "argnu", NULL, NULL, T_KEEPS},
    {"deb", K_DEB, NULL, NULL, NULL, T_KEEPS},
    {"rpm", K_RPM, NULL, NULL, NULL, T_KEEPS},
    {"iso", K_LA, "iso9660", NULL, NULL, T_KEEPS},
    {"xar", K_LA, "xar", NULL, NULL, T_KEEPS},
    {"cab", K_CAB, NULL, NULL, NULL, T_KEEPS},
    {"lzh", K_LHA, NULL, NULL, NULL, T_KEEPS},
    {"rar", K_RAR, NULL, NULL, NULL, T_KEEPS},
    {"txt.gz", K_RAW, NULL, "gzip", NULL, T_KEEPS},
    {"txt.bz2", K_RAW, NULL, "bzip2", "bzip2:compression-level=1", T_KEEPS},
    {"txt.xz", K_RAW, NULL, "xz", NULL, T_KEEPS},
    {"txt.zst", K_RAW, NULL, "zstd", NULL, T_KEEPS},
    {"txt.lz4", K_RAW, NULL, "lz4", "lz4:block-size=4", T_KEEPS},
    {"txt.lzma", K_RAW, NULL, "lzma", NULL, T_KEEPS},
    {"txt.lz", K_RAW, NULL, "lzip", NULL, T_KEEPS},
    {"txt.Z", K_RAW, NULL, "compress", NULL, T_SILENT},
};

#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

/* Criterion may run a test in a fresh process image, where pointers in a
 * parameter would not hold: the parameter is an index into formats[]. */
static size_t *format_indexes(void) {
    static size_t idx[N_FORMATS];
    for (size_t i = 0; i < N_FORMATS; i++)
        idx[i] = i;
    return idx;
}

ParameterizedTestParameters(unpack, format) {
    return cr_make_param_array(size_t, format_indexes(), N_FORMATS);
}

static bool same_format(const fmtcase *a, const fmtcase *b) {
    if (!strcmp(a->ext, b->ext))
        return true;
    if (a->kind != K_LA || b->kind != K_LA || strcmp(a->fmt, b->fmt))
        return false;
    return (!a->filter && !b->filter) || (a->filter && b->filter && !strcmp(a->filter, b->filter));
}

/* The two wrappers of a nest: the first two of zip, tar.gz, 7z, cpio that
 * differ from the inner format. */
static void nest_wrappers(const fmtcase *fc, const fmtcase **outer, const fmtcase **mid) {
    static const fmtcase pick[] = {{"zip", K_LA, "zip", NULL, NULL, T_KEEPS},
                                   {"tar.gz", K_LA, "ustar", "gzip", NULL, T_KEEPS},
                                   {"7z", K_LA, "7zip", NULL, NULL, T_LOSES},
                                   {"cpio", K_LA, "newc", NULL, NULL, T_KEEPS}};
    const fmtcase *got[2] = {NULL, NULL};
    size_t k = 0;
    for (size_t i = 0; i < 4 && k < 2; i++)
        if (!same_format(&pick[i], fc))
            got[k++] = &pick[i];
    *outer = got[0];
    *mid = got[1];
}

ParameterizedTest(size_t *fi, unpack, format) {
    const fmtcase *fc = &formats[*fi];
    size_t len;
    ent e[] = {F("bin/miner", MINER, sizeof(MINER) - 1)};
    uint8_t *arc = build(fc, e, 1, &len);

    /* bare */
    char *name = NULL, *want = NULL;
    cr_assert(asprintf(&name, "miner.%s", fc->ext) > 0);
    char *path = write_file(name, arc, len);
    want = member_path(fc, path, "bin/miner");
    scan s;
    SCAN(&s, path);
    expect_miner(&s, want);
    expect(&s, path, "malicious");
    cr_assert_eq(s.res.status, 1, "exit %d", s.res.status);
    scan_free(&s);

    /* three levels of different formats: outer!mid!inner!member */
    const fmtcase *o, *m;
    nest_wrappers(fc, &o, &m);
    char *iname = NULL, *mname = NULL, *oname = NULL;
    cr_assert(asprintf(&iname, "inner.%s", fc->ext) > 0);
    cr_assert(asprintf(&mname, "mid.%s", m->ext) > 0);
    cr_assert(asprintf(&oname, "nest.%s", o->ext) > 0);
    ent ie[] = {F("README", "just a readme\n", 14), F(iname, arc, len)};
    size_t mlen, olen;
    uint8_t *mid = build(m, ie, 2, &mlen);
    ent me[] = {F(mname, mid, mlen)};
    uint8_t *out = build(o, me, 1, &olen);
    char *opath = write_file(oname, out, olen);
    char *inner_v = NULL;
    cr_assert(asprintf(&inner_v, "%s!%s!%s", opath, mname, iname) > 0);
    char *want_n = member_path(fc, inner_v, "bin/miner");
    SCAN(&s, opath);
    expect_miner(&s, want_n);
    expect(&s, inner_v, "malicious");
    expect(&s, opath, "malicious");
    cr_assert_eq(s.res.status, 1);
    scan_free(&s);

    free(arc), free(mid), free(out);
    free(name), free(path), free(want), free(iname), free(mname), free(oname), free(opath);
    free(inner_v), free(want_n);
}

/* ---- truncated archives: what was read, then an error ---- */

static uint8_t *noise(size_t n, unsigned seed) {
    uint8_t *p = malloc(n);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    return p;
}

ParameterizedTestParameters(unpack, truncated) {
    return cr_make_param_array(size_t, format_indexes(), N_FORMATS);
}

ParameterizedTest(size_t *fi, unpack, truncated) {
    const fmtcase *fc = &formats[*fi];
    /* big enough that the cut leaves whole decompressor buffers: libarchive
     * drops a filter's last partial 64 KiB on a truncated stream, and a
     * bzip2 or lz4 block is only decoded whole (hence their small blocks
     * in formats[]) */
    size_t nz = 512 << 10, len;
    uint8_t *z1 = noise(nz, 1), *z2 = noise(nz, 2);
    /* the miner first and whole; a raw file has only one member, so there
     * the miner is followed by noise inside it */
    uint8_t *mixed = malloc(sizeof(MINER) - 1 + nz);
    memcpy(mixed, MINER, sizeof(MINER) - 1);
    memcpy(mixed + sizeof(MINER) - 1, z1, nz);
    ent e[] = {F("a/miner", MINER, sizeof(MINER) - 1), F("b/noise1", z1, nz), F("c/noise2", z2, nz)};
    ent raw[] = {F("miner", mixed, sizeof(MINER) - 1 + nz)};
    uint8_t *arc = build(fc, fc->kind == K_RAW ? raw : e, fc->kind == K_RAW ? 1 : 3, &len);
    char *name = NULL;
    cr_assert(asprintf(&name, "cut.%s", fc->ext) > 0);
    size_t cut = len / 2 + len / 8; /* inside the first noise member */
    char *path = write_file(name, arc, cut);
    char *want = member_path(fc, path, "a/miner");
    scan s;
    SCAN(&s, path);
    json_t *outer = record(&s, path);
    if (fc->trunc != T_SILENT)
        cr_assert(strstr(str(outer, "reason"), "damaged"),
                  "%s: reason '%s' does not say it is damaged", path, str(outer, "reason"));
    if (fc->trunc == T_LOSES) {
        /* 7z keeps its index at the end: nothing can be read, and the
         * file says so; every byte there is was read, so it is damaged,
         * not unscanned (issue 9: exit 0, not 2) */
        expect(&s, path, "damaged");
        cr_assert_eq(s.res.status, 0);
    } else {
        expect_miner(&s, want);
        expect(&s, path, "malicious");
        cr_assert_eq(s.res.status, 1);
    }
    scan_free(&s);
    free(z1), free(z2), free(mixed), free(arc), free(name), free(path), free(want);
}

/* python3 for fixtures; the distribution's interpreter when there is one,
 * since a version-manager shim can cost seconds per start. */
static const char *python3(void) {
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

/* ---- what is and is not a member ---- */

Test(unpack, only_regular_files_are_members) {
    ent e[] = {
        {.name = "d", .type = AE_IFDIR},
        F("d/file", "plain text\n", 11),
        {.name = "d/sym", .type = AE_IFLNK, .link = "file"},
        {.name = "d/hard", .type = AE_IFREG, .link = "d/file", .hard = true},
        {.name = "d/fifo", .type = AE_IFIFO},
        {.name = "d/tty", .type = AE_IFCHR},
    };
    size_t len;
    uint8_t *arc = la_build("pax", NULL, NULL, NULL, e, 6, &len);
    char *path = write_file("kinds.tar", arc, len);
    char *file = NULL;
    cr_assert(asprintf(&file, "%s!d/file", path) > 0);
    scan s;
    SCAN(&s, "--all", path);
    expect(&s, file, "clean");
    expect(&s, path, "clean");
    cr_assert_eq(count_objects(&s), 2, "only the tar and its file are objects:\n%s", s.res.out);
    cr_assert_eq(s.res.status, 0);
    scan_free(&s);
    free(arc), free(path), free(file);
}

/* A static library is an ar archive whose symbol table ("/") and long-name
 * table ("//") are index entries, not members. */
Test(unpack, static_library_members) {
    if (!t_have_program("ar"))
        cr_skip_test("ar (binutils) is not installed");
    char *obj = t_path(dir, "a_rather_long_object_name_for_the_table.o");
    if (t_compile("cc", "int miner_add(int a, int b) { return a + b; }\n", obj, "-c") != 0)
        cr_skip_test("no C compiler");
    char *lib = t_path(dir, "libx.a"), *member = NULL;
    t_result res;
    const char *argv[] = {"ar", "rcs", lib, obj, NULL};
    cr_assert_eq(t_run(argv, NULL, 60, &res), 0);
    cr_assert_eq(res.status, 0, "%s", res.err);
    t_result_free(&res);
    cr_assert(asprintf(&member, "%s!a_rather_long_object_name_for_the_table.o", lib) > 0);
    scan s;
    SCAN(&s, "--all", lib);
    json_t *r = record(&s, member);
    cr_assert_str_eq(str(json_object_get(r, "filetype"), "class"), "elf");
    cr_assert_eq(count_objects(&s), 2, "the library and its object only:\n%s", s.res.out);
    scan_free(&s);
    free(obj), free(lib), free(member);
}

/* raw must not fire on data that is not compressed: an ELF, random bytes, a
 * text mentioning zip magic are one object each. */
Test(unpack, uncompressed_data_is_not_an_archive) {
    char *elf = t_path(dir, "plain-elf");
    if (t_compile("cc", "int main(void){return 0;}\n", elf, NULL) != 0)
        cr_skip_test("no C compiler");
    uint8_t *z = noise(200000, 7);
    char *rnd = write_file("random.bin", z, 200000);
    const char note[] = "a zip ends with PK\x05\x06 and a tar has ustar at 257\n";
    char *txt = write_file("note.txt", note, sizeof(note) - 1);
    scan s;
    SCAN(&s, "--all", elf, rnd, txt);
    cr_assert_eq(count_objects(&s), 3, "no members expected:\n%s", s.res.out);
    expect(&s, rnd, "clean");
    scan_free(&s);
    free(elf), free(z), free(rnd), free(txt);
}

/* A single compressed file without a known suffix: its member is named
 * after the name in the gzip header, or "data". */
Test(unpack, raw_member_names) {
    char *src = write_file("xmrig-config", MINER, sizeof(MINER) - 1);
    char *py = NULL;
    cr_assert(asprintf(&py, "import gzip,shutil\n"
                            "with open('%s','rb') as f, open('%s/blob1','wb') as o, "
                            "gzip.GzipFile(filename='xmrig-config', mode='wb', fileobj=o) as g:"
                            " shutil.copyfileobj(f,g)\n",
                       src, dir) > 0);
    t_result res;
    cr_assert_eq(t_run((const char *const[]){python3(), "-c", py, NULL}, NULL, 60, &res), 0);
    cr_assert_eq(res.status, 0, "%s", res.err);
    t_result_free(&res);
    size_t len;
    ent e[] = {F("x", MINER, sizeof(MINER) - 1)};
    uint8_t *xz = la_build("raw", "xz", NULL, NULL, e, 1, &len);
    char *blob2 = write_file("blob2", xz, len);
    char *blob1 = t_path(dir, "blob1"), *w1 = NULL, *w2 = NULL;
    cr_assert(asprintf(&w1, "%s!xmrig-config", blob1) > 0);
    cr_assert(asprintf(&w2, "%s!data", blob2) > 0);
    scan s;
    SCAN(&s, blob1, blob2);
    expect_miner(&s, w1);
    expect_miner(&s, w2);
    scan_free(&s);
    free(src), free(py), free(xz), free(blob1), free(blob2), free(w1), free(w2);
}

/* Member names are kept as the archive has them: UTF-16 in 7z and UTF-8
 * in zip come out as UTF-8 whatever the locale, and bytes that are not
 * UTF-8 (an old tar) come out as those bytes (path_b64 in the record). */
Test(unpack, member_names_are_kept) {
    cr_assert_not_null(setlocale(LC_CTYPE, "C.UTF-8"), "no C.UTF-8 locale to write the fixture");
    ent u[] = {F("bin/caf\xc3\xa9-\xe7\x9f\xbf.json", MINER, sizeof(MINER) - 1)};
    size_t l7, lz, lt;
    uint8_t *sz = la_build("7zip", NULL, NULL, NULL, u, 1, &l7);
    uint8_t *zip = la_build("zip", NULL, NULL, NULL, u, 1, &lz);
    setlocale(LC_CTYPE, "C");
    ent raw[] = {F("bin/caf\xe9\xff.json", MINER, sizeof(MINER) - 1)};
    uint8_t *tar = la_build("ustar", NULL, NULL, NULL, raw, 1, &lt);
    char *p7 = write_file("names.7z", sz, l7), *pz = write_file("names.zip", zip, lz);
    char *pt = write_file("names.tar", tar, lt), *w7 = NULL, *wz = NULL, *wt = NULL;
    cr_assert(asprintf(&w7, "%s!bin/caf\xc3\xa9-\xe7\x9f\xbf.json", p7) > 0);
    cr_assert(asprintf(&wz, "%s!bin/caf\xc3\xa9-\xe7\x9f\xbf.json", pz) > 0);
    cr_assert(asprintf(&wt, "%s!bin/caf\xe9\xff.json", pt) > 0);
    scan s;
    SCAN(&s, p7, pz, pt);
    expect_miner(&s, w7);
    expect_miner(&s, wz);
    json_t *hit = t_find_record(s.recs, wt);
    cr_assert_not_null(hit, "no record with the raw name:\n%s", s.res.out);
    cr_assert(json_is_string(json_object_get(hit, "path_b64")), "the raw name is in path_b64");
    cr_assert_str_eq(str(hit, "verdict"), "malicious");
    scan_free(&s);
    free(sz), free(zip), free(tar), free(p7), free(pz), free(pt), free(w7), free(wz), free(wt);
}

/* ---- executables with an archive appended (SFX) ---- */

static uint8_t *with_tail(const char *exe, const uint8_t *tail, size_t tlen, size_t *ret_len) {
    size_t n;
    char *img = t_read(exe, &n);
    cr_assert_not_null(img);
    uint8_t *p = malloc(n + tlen);
    memcpy(p, img, n);
    memcpy(p + n, tail, tlen);
    free(img);
    *ret_len = n + tlen;
    return p;
}

Test(unpack, sfx_pe_with_zip) {
    char *exe = t_path(dir, "stub.exe");
    if (!t_have_program("x86_64-w64-mingw32-gcc"))
        cr_skip_test("mingw-w64 is not installed");
    cr_assert_eq(t_compile("x86_64-w64-mingw32-gcc", "int main(void){return 0;}\n", exe, NULL), 0);
    ent e[] = {F("payload/config.txt", MINER, sizeof(MINER) - 1)};
    size_t zlen, len;
    uint8_t *zip = la_build("zip", NULL, NULL, NULL, e, 1, &zlen);
    uint8_t *sfx = with_tail(exe, zip, zlen, &len);
    char *path = write_file("setup.exe", sfx, len), *want = NULL;
    cr_assert(asprintf(&want, "%s!payload/config.txt", path) > 0);
    scan s;
    SCAN(&s, path);
    expect_miner(&s, want);
    json_t *r = record(&s, path);
    cr_assert_str_eq(str(json_object_get(r, "filetype"), "class"), "pe",
                     "the SFX is still scanned as an executable");
    expect(&s, path, "malicious");
    scan_free(&s);
    free(exe), free(zip), free(sfx), free(path), free(want);
}

Test(unpack, sfx_elf_with_7z_and_rar) {
    char *exe = t_path(dir, "stub");
    if (t_compile("cc", "int main(void){return 0;}\n", exe, NULL) != 0)
        cr_skip_test("no C compiler");
    ent e[] = {F("drop/miner.txt", MINER, sizeof(MINER) - 1)};
    size_t alen, len;
    /* 7z after a short SFX config block, as 7-Zip's stubs write it */
    uint8_t *sz = la_build("7zip", NULL, NULL, NULL, e, 1, &alen);
    const char cfg[] = ";!@Install@!UTF-8!\nRunProgram=\"miner.txt\"\n;!@InstallEnd@!\n";
    uint8_t *tail = malloc(sizeof(cfg) - 1 + alen);
    memcpy(tail, cfg, sizeof(cfg) - 1);
    memcpy(tail + sizeof(cfg) - 1, sz, alen);
    uint8_t *sfx = with_tail(exe, tail, sizeof(cfg) - 1 + alen, &len);
    char *p7 = write_file("sfx7", sfx, len), *w7 = NULL;
    free(sfx);
    uint8_t *rar = rar4_build(e, 1, &alen);
    sfx = with_tail(exe, rar, alen, &len);
    char *pr = write_file("sfxrar", sfx, len), *wr = NULL;
    cr_assert(asprintf(&w7, "%s!drop/miner.txt", p7) > 0);
    cr_assert(asprintf(&wr, "%s!drop/miner.txt", pr) > 0);
    scan s;
    SCAN(&s, p7, pr);
    expect_miner(&s, w7);
    expect_miner(&s, wr);
    cr_assert_str_eq(str(json_object_get(record(&s, p7), "filetype"), "class"), "elf");
    scan_free(&s);
    free(exe), free(sz), free(tail), free(sfx), free(rar), free(p7), free(pr), free(w7), free(wr);
}

/* ---- container images ---- */

static char *compile_miner(void) {
    char *p = t_path(dir, "xmrig.elf");
    if (t_compile("cc", MINER_C, p, "-s") != 0)
        cr_skip_test("no C compiler");
    return p;
}

static char *sha256_of(const void *d, size_t n) {
    char *h = malloc(65);
    cr_assert_eq(ms_sha256_hex(d, n, h), 0);
    return h;
}

Test(unpack, docker_save_tarball) {
    char *elf = compile_miner();
    size_t elen, llen, ilen;
    char *img = t_read(elf, &elen);
    ent layer[] = {{.name = "usr/", .type = AE_IFDIR}, {.name = "usr/bin/", .type = AE_IFDIR},
                   F("usr/bin/xmrig", img, elen), F("etc/motd", "hello\n", 6)};
    uint8_t *lt = la_build("pax", NULL, NULL, NULL, layer, 4, &llen);
    char *id = sha256_of(lt, llen), *lname = NULL, *cfgname = NULL, *manifest = NULL;
    const char config[] = "{\"architecture\":\"amd64\",\"os\":\"linux\"}";
    char *cid = sha256_of(config, sizeof(config) - 1);
    cr_assert(asprintf(&lname, "%s/layer.tar", id) > 0);
    cr_assert(asprintf(&cfgname, "%s.json", cid) > 0);
    cr_assert(asprintf(&manifest,
                       "[{\"Config\":\"%s\",\"RepoTags\":[\"evil/app:latest\"],\"Layers\":[\"%s\"]}]",
                       cfgname, lname) > 0);
    char *vname = NULL, *jname = NULL;
    cr_assert(asprintf(&vname, "%s/VERSION", id) > 0);
    cr_assert(asprintf(&jname, "%s/json", id) > 0);
    ent image[] = {F(vname, "1.0", 3), F(jname, "{}", 2), F(lname, lt, llen),
                   F(cfgname, config, sizeof(config) - 1),
                   F("manifest.json", manifest, strlen(manifest)),
                   F("repositories", "{\"evil/app\":{}}", 15)};
    uint8_t *tar = la_build("ustar", NULL, NULL, NULL, image, 6, &ilen);
    char *path = write_file("image.tar", tar, ilen), *want = NULL;
    cr_assert(asprintf(&want, "%s!%s!usr/bin/xmrig", path, lname) > 0);
    scan s;
    SCAN(&s, path);
    expect(&s, want, "malicious");
    cr_assert(t_has_rule(record(&s, want), "xmrig_strings"));
    cr_assert_str_eq(str(json_object_get(record(&s, want), "filetype"), "class"), "elf");
    expect(&s, path, "malicious");
    cr_assert_eq(s.res.status, 1);
    scan_free(&s);
    free(elf), free(img), free(lt), free(id), free(lname), free(cfgname), free(manifest);
    free(cid), free(vname), free(jname), free(tar), free(path), free(want);
}

Test(unpack, oci_image_layout) {
    char *elf = compile_miner();
    size_t elen, llen;
    char *img = t_read(elf, &elen);
    ent layer[] = {F("usr/bin/xmrig", img, elen)};
    uint8_t *lt = la_build("pax", "gzip", NULL, NULL, layer, 1, &llen);
    char *ld = sha256_of(lt, llen);
    const char config[] = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"}}";
    char *cd = sha256_of(config, sizeof(config) - 1), *manifest = NULL, *index = NULL;
    cr_assert(asprintf(&manifest,
                       "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                       "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                       "\"digest\":\"sha256:%s\",\"size\":%zu},\"layers\":[{\"mediaType\":"
                       "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:%s\","
                       "\"size\":%zu}]}",
                       cd, sizeof(config) - 1, ld, llen) > 0);
    char *md = sha256_of(manifest, strlen(manifest));
    cr_assert(asprintf(&index,
                       "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                       "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%s\","
                       "\"size\":%zu}]}",
                       md, strlen(manifest)) > 0);
    char *bl = NULL, *bc = NULL, *bm = NULL;
    cr_assert(asprintf(&bl, "blobs/sha256/%s", ld) > 0);
    cr_assert(asprintf(&bc, "blobs/sha256/%s", cd) > 0);
    cr_assert(asprintf(&bm, "blobs/sha256/%s", md) > 0);
    const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
    ent files[] = {F("oci-layout", layout, sizeof(layout) - 1),
                   F("index.json", index, strlen(index)),
                   F(bm, manifest, strlen(manifest)),
                   F(bc, config, sizeof(config) - 1),
                   F(bl, lt, llen)};

    /* as a directory: its files, as a walker would hand them over */
    char *list = NULL, *want_dir = NULL, *layer_path = NULL;
    size_t lsz = 0;
    FILE *lf = open_memstream(&list, &lsz);
    for (size_t i = 0; i < 5; i++) {
        char *rel = NULL;
        cr_assert(asprintf(&rel, "oci/%s", files[i].name) > 0);
        char *p = write_file(rel, files[i].data, files[i].len);
        fprintf(lf, "%s\n", p);
        if (i == 4)
            layer_path = strdup(p);
        free(p), free(rel);
    }
    fclose(lf);
    cr_assert(asprintf(&want_dir, "%s!usr/bin/xmrig", layer_path) > 0);
    scan s;
    run_scan(&s, list, (const char *const[]){"-", NULL});
    expect(&s, want_dir, "malicious");
    cr_assert(t_has_rule(record(&s, want_dir), "xmrig_strings"));
    expect(&s, layer_path, "malicious");
    cr_assert_eq(s.res.status, 1);
    scan_free(&s);

    /* as an oci-archive tarball */
    size_t tlen;
    uint8_t *tar = la_build("pax", NULL, NULL, NULL, files, 5, &tlen);
    char *path = write_file("oci-image.tar", tar, tlen), *want = NULL;
    cr_assert(asprintf(&want, "%s!%s!usr/bin/xmrig", path, bl) > 0);
    SCAN(&s, path);
    expect(&s, want, "malicious");
    expect(&s, path, "malicious");
    scan_free(&s);

    free(elf), free(img), free(lt), free(ld), free(cd), free(manifest), free(index), free(md);
    free(bl), free(bc), free(bm), free(list), free(want_dir), free(layer_path), free(tar);
    free(path), free(want);
}

/* ---- limits: each hit is a limit record naming it; exit 2 if nothing
 * else was found; members before the hit are still reported ---- */

/* A nest of `levels` zips around the miner: level1.zip!level2.zip!...!miner */
static uint8_t *zip_nest(unsigned levels, const char *payload, size_t plen, size_t *ret_len) {
    size_t len = plen;
    uint8_t *cur = malloc(plen);
    memcpy(cur, payload, plen);
    char name[32];
    snprintf(name, sizeof(name), "miner.txt");
    for (unsigned i = levels; i > 0; i--) {
        ent e[] = {F(name, cur, len)};
        size_t n;
        uint8_t *next = la_build(i % 2 ? "zip" : "ustar", i % 2 ? NULL : "gzip", NULL, NULL, e, 1, &n);
        free(cur);
        cur = next;
        len = n;
        snprintf(name, sizeof(name), "level%u.%s", i, i % 2 ? "zip" : "tgz");
    }
    *ret_len = len;
    return cur;
}

/* The virtual path of level `k` (0 = the file itself) of a zip_nest. */
static char *nest_path(const char *path, unsigned k) {
    char *p = strdup(path);
    for (unsigned i = 1; i <= k; i++) {
        char *q = NULL;
        cr_assert(asprintf(&q, "%s!level%u.%s", p, i + 1, (i + 1) % 2 ? "zip" : "tgz") > 0);
        free(p);
        p = q;
    }
    return p;
}

Test(unpack, limit_max_depth) {
    size_t len;
    uint8_t *nest = zip_nest(5, MINER, sizeof(MINER) - 1, &len);
    char *path = write_file("deep.zip", nest, len);
    scan s;
    SCAN(&s, "--max-depth", "2", path);
    char *at = nest_path(path, 2); /* depth 2: not opened */
    expect_reason(&s, at, "limit", "max-depth 2");
    expect(&s, path, "limit");
    cr_assert_eq(s.res.status, 2);
    /* the levels above the limit were read and say why they are incomplete */
    char *above = nest_path(path, 1);
    expect_reason(&s, above, "limit", "not fully scanned");
    scan_free(&s);
    /* deep enough: found */
    SCAN(&s, "--max-depth", "5", path);
    expect(&s, path, "malicious");
    scan_free(&s);
    free(nest), free(path), free(at), free(above);
}

Test(unpack, limit_max_entries) {
    ent e[10];
    char names[10][16];
    for (int i = 0; i < 10; i++) {
        snprintf(names[i], sizeof(names[i]), "f%02d.txt", i);
        e[i] = F(names[i], "harmless\n", 9);
    }
    size_t len;
    uint8_t *zip = la_build("zip", NULL, NULL, NULL, e, 10, &len);
    char *path = write_file("many.zip", zip, len);
    scan s;
    SCAN(&s, "--max-entries", "5", path);
    expect_reason(&s, path, "limit", "max-entries 5");
    cr_assert_eq(s.res.status, 2);
    scan_free(&s);
    /* members before the limit are reported: a miner first is found */
    e[0] = F("f00.txt", MINER, sizeof(MINER) - 1);
    free(zip);
    zip = la_build("zip", NULL, NULL, NULL, e, 10, &len);
    free(path);
    path = write_file("many2.zip", zip, len);
    char *want = NULL;
    cr_assert(asprintf(&want, "%s!f00.txt", path) > 0);
    SCAN(&s, "--max-entries", "5", path);
    expect_miner(&s, want);
    expect_reason(&s, path, "malicious", "max-entries 5");
    cr_assert_eq(s.res.status, 1);
    scan_free(&s);
    free(zip), free(path), free(want);
}

Test(unpack, limit_max_filesize) {
    size_t big = 300000, len;
    char *text = malloc(big);
    for (size_t i = 0; i < big; i++)
        text[i] = "lorem ipsum dolor sit amet\n"[i % 27];
    /* known size (zip), then unknown size (a raw gzip) */
    ent e[] = {F("big.txt", text, big), F("miner.txt", MINER, sizeof(MINER) - 1)};
    uint8_t *zip = la_build("zip", NULL, NULL, NULL, e, 2, &len);
    char *path = write_file("big.zip", zip, len), *wbig = NULL, *wminer = NULL;
    uint8_t *gz = la_build("raw", "gzip", NULL, NULL, e, 1, &len);
    char *gpath = write_file("big.txt.gz", gz, len), *wgz = NULL;
    cr_assert(asprintf(&wbig, "%s!big.txt", path) > 0);
    cr_assert(asprintf(&wminer, "%s!miner.txt", path) > 0);
    cr_assert(asprintf(&wgz, "%s!big.txt", gpath) > 0);
    scan s;
    SCAN(&s, "--max-filesize", "100000", path, gpath);
    expect_reason(&s, wbig, "limit", "max-filesize 100000");
    expect_miner(&s, wminer); /* the next member is still read */
    expect_reason(&s, wgz, "limit", "max-filesize 100000");
    expect(&s, gpath, "limit");
    scan_free(&s);
    SCAN(&s, "--max-filesize", "100000", gpath);
    cr_assert_eq(s.res.status, 2);
    scan_free(&s);
    free(text), free(zip), free(gz), free(path), free(gpath), free(wbig), free(wminer), free(wgz);
}

Test(unpack, limit_max_archive_bytes) {
    size_t n = 100000, len;
    uint8_t *a = noise(n, 3), *b = noise(n, 4), *c = noise(n, 5);
    ent e[] = {F("miner.txt", MINER, sizeof(MINER) - 1), F("a.bin", a, n), F("b.bin", b, n),
               F("c.bin", c, n)};
    uint8_t *tar = la_build("ustar", "gzip", NULL, NULL, e, 4, &len);
    char *path = write_file("budget.tar.gz", tar, len), *wm = NULL, *wc = NULL;
    cr_assert(asprintf(&wm, "%s!miner.txt", path) > 0);
    cr_assert(asprintf(&wc, "%s!c.bin", path) > 0);
    scan s;
    SCAN(&s, "--max-archive-bytes", "250000", path);
    expect_miner(&s, wm);
    expect_reason(&s, wc, "limit", "max-archive-bytes 250000");
    expect_reason(&s, path, "malicious", "max-archive-bytes 250000");
    scan_free(&s);
    /* shared by all levels: the same tar inside a zip runs out the same way */
    ent z[] = {F("inner.tar.gz", tar, len)};
    size_t zlen;
    uint8_t *zip = la_build("zip", NULL, NULL, NULL, z, 1, &zlen);
    char *zpath = write_file("budget.zip", zip, zlen), *wz = NULL;
    cr_assert(asprintf(&wz, "%s!inner.tar.gz", zpath) > 0);
    SCAN(&s, "--max-archive-bytes", "500000", zpath);
    expect_reason(&s, wz, "malicious", "max-archive-bytes 500000");
    scan_free(&s);
    /* without a miner, a limit alone exits 2 */
    e[0] = F("readme.txt", "hi\n", 3);
    free(tar);
    tar = la_build("ustar", "gzip", NULL, NULL, e, 4, &len);
    free(path);
    path = write_file("budget2.tar.gz", tar, len);
    SCAN(&s, "--max-archive-bytes", "250000", path);
    expect_reason(&s, path, "limit", "max-archive-bytes 250000");
    cr_assert_eq(s.res.status, 2);
    scan_free(&s);
    free(a), free(b), free(c), free(tar), free(path), free(wm), free(wc), free(zip), free(zpath);
    free(wz);
}

Test(unpack, limit_max_ratio) {
    size_t n = 8u << 20, len;
    char *as = malloc(n);
    memset(as, 'A', n);
    ent e[] = {F("aaaa.txt", as, n), F("miner.txt", MINER, sizeof(MINER) - 1)};
    uint8_t *zip = la_build("zip", NULL, NULL, NULL, e, 2, &len);
    char *zpath = write_file("ratio.zip", zip, len);
    uint8_t *tgz = la_build("ustar", "gzip", NULL, NULL, e, 2, &len);
    char *tpath = write_file("ratio.tar.gz", tgz, len);
    uint8_t *gz = la_build("raw", "gzip", NULL, NULL, e, 1, &len);
    char *gpath = write_file("aaaa.txt.gz", gz, len);
    char *w1 = NULL, *w2 = NULL, *w3 = NULL, *m1 = NULL, *m2 = NULL;
    cr_assert(asprintf(&w1, "%s!aaaa.txt", zpath) > 0);
    cr_assert(asprintf(&w2, "%s!aaaa.txt", tpath) > 0);
    cr_assert(asprintf(&w3, "%s!aaaa.txt", gpath) > 0);
    cr_assert(asprintf(&m1, "%s!miner.txt", zpath) > 0);
    cr_assert(asprintf(&m2, "%s!miner.txt", tpath) > 0);
    scan s;
    SCAN(&s, zpath, tpath, gpath);
    expect_reason(&s, w1, "limit", "max-ratio 200");
    expect_reason(&s, w2, "limit", "max-ratio 200");
    expect_reason(&s, w3, "limit", "max-ratio 200");
    expect_miner(&s, m1);
    expect_miner(&s, m2);
    expect(&s, gpath, "limit");
    scan_free(&s);
    /* a ratio limit alone: exit 2 */
    SCAN(&s, gpath);
    cr_assert_eq(s.res.status, 2);
    scan_free(&s);
    /* raised, the same member is read and found clean */
    SCAN(&s, "--all", "--max-ratio", "100000", gpath);
    expect(&s, w3, "clean");
    cr_assert_eq(s.res.status, 0);
    scan_free(&s);
    free(as), free(zip), free(tgz), free(gz), free(zpath), free(tpath), free(gpath);
    free(w1), free(w2), free(w3), free(m1), free(m2);
}

/* ---- encrypted members ---- */

Test(unpack, encrypted_zip) {
    ent e[] = {F("locked/miner.txt", MINER, sizeof(MINER) - 1)};
    size_t l1, l2;
    uint8_t *zc = la_build("zip", NULL, "zip:encryption=zipcrypt", "infected", e, 1, &l1);
    uint8_t *za = la_build("zip", NULL, "zip:encryption=aes256", "infected", e, 1, &l2);
    char *pc = write_file("zipcrypto.zip", zc, l1), *pa = write_file("aes.zip", za, l2);
    char *wc = NULL, *wa = NULL;
    cr_assert(asprintf(&wc, "%s!locked/miner.txt", pc) > 0);
    cr_assert(asprintf(&wa, "%s!locked/miner.txt", pa) > 0);
    scan s;
    SCAN(&s, pc, pa);
    expect_reason(&s, wc, "skipped", "encrypted");
    expect_reason(&s, wa, "skipped", "encrypted");
    expect(&s, pc, "skipped");
    cr_assert_eq(s.res.status, 2, "an encrypted member alone exits 2");
    scan_free(&s);
    SCAN(&s, "--password", "wrong", pc, pa);
    expect_reason(&s, wc, "skipped", "encrypted");
    expect_reason(&s, wa, "skipped", "encrypted");
    cr_assert_eq(s.res.status, 2);
    scan_free(&s);
    SCAN(&s, "--password", "wrong", "--password", "infected", pc, pa);
    expect_miner(&s, wc);
    expect_miner(&s, wa);
    expect(&s, pc, "malicious");
    cr_assert_eq(s.res.status, 1);
    scan_free(&s);
    free(zc), free(za), free(pc), free(pa), free(wc), free(wa);
}

/* libarchive cannot decrypt 7z: a locked 7z is skipped, never clean. */
Test(unpack, encrypted_7z) {
    if (!t_have_program("7z"))
        cr_skip_test("7z (p7zip-full) is not installed");
    char *src = write_file("in/miner.txt", MINER, sizeof(MINER) - 1);
    char *p1 = t_path(dir, "locked.7z"), *p2 = t_path(dir, "hidden.7z");
    t_result res;
    const char *a1[] = {"7z", "a", "-bd", "-pinfected", p1, src, NULL};
    const char *a2[] = {"7z", "a", "-bd", "-pinfected", "-mhe=on", p2, src, NULL};
    cr_assert_eq(t_run(a1, NULL, 60, &res), 0);
    cr_assert_eq(res.status, 0, "%s", res.out);
    t_result_free(&res);
    cr_assert_eq(t_run(a2, NULL, 60, &res), 0);
    cr_assert_eq(res.status, 0, "%s", res.out);
    t_result_free(&res);
    char *w = NULL;
    cr_assert(asprintf(&w, "%s!miner.txt", p1) > 0);
    scan s;
    SCAN(&s, "--password", "infected", p1, p2);
    expect_reason(&s, w, "skipped", "encrypted");
    expect(&s, p1, "skipped");
    expect_reason(&s, p2, "skipped", "encrypted");
    cr_assert_eq(s.res.status, 2);
    scan_free(&s);
    free(src), free(p1), free(p2), free(w);
}

/* ---- bombs: bounded memory, reported limits ---- */

static void expect_bounded(scan *s) {
    cr_log_info("peak RSS %ld KiB, %.2f s", s->rss_kb, s->seconds);
    cr_assert_lt(s->rss_kb, RSS_LIMIT_KB, "peak RSS %ld KiB", s->rss_kb);
}

static void python(const char *script, const char *arg1, const char *arg2) {
    t_result res;
    const char *argv[] = {python3(), "-c", script, arg1, arg2, NULL};
    cr_assert_eq(t_run(argv, NULL, 110, &res), 0);
    cr_assert_eq(res.status, 0, "python3 failed: %s", res.err);
    t_result_free(&res);
}

/* Deflate of N MiB of zeros: one 1 MiB block, byte-aligned by a full flush,
 * repeated; a full flush resets the window, so every copy decodes alike. */
static const char PY_ZERO_ZIP[] =
    "import sys, struct, zlib\n"
    "out, mib = sys.argv[1], int(sys.argv[2])\n"
    "c = zlib.compressobj(9, zlib.DEFLATED, -15)\n"
    "z = bytes(1 << 20)\n"
    "c.compress(z); c.flush(zlib.Z_FULL_FLUSH)\n"
    "blk = c.compress(z) + c.flush(zlib.Z_FULL_FLUSH)\n"
    "data = blk * mib + b'\\x03\\x00'\n"
    "crc = 0\n"
    "for i in range(mib): crc = zlib.crc32(z, crc)\n"
    "size = mib << 20\n"
    "name = b'zeros.bin'\n"
    "lh = struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, 8, 0, 0x5721, crc, len(data), size & 0xffffffff, len(name), 0) + name\n"
    "cd = struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, 0, 8, 0, 0x5721, crc, len(data), size & 0xffffffff, len(name), 0, 0, 0, 0, 0, 0) + name\n"
    "eocd = struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, 1, 1, len(cd), len(lh) + len(data), 0)\n"
    "open(out, 'wb').write(lh + data + cd + eocd)\n";

Test(unpack, bomb_zip_of_2gib_zeros) {
    char *path = t_path(dir, "zeros.zip"), *want = NULL;
    python(PY_ZERO_ZIP, path, "2048");
    cr_assert(asprintf(&want, "%s!zeros.bin", path) > 0);
    scan s;
    /* the ratio stops it while it is read (the member's declared 2 GiB is
     * a claim: the first bytes are read, under the size cap, either way) */
    SCAN(&s, path);
    expect_reason(&s, want, "limit", "max-ratio");
    cr_assert_eq(s.res.status, 2);
    expect_bounded(&s);
    scan_free(&s);
    /* with the ratio lifted, the size cap stops it: the first 64 MiB are
     * held and scanned, the rest is not */
    SCAN(&s, "--max-ratio", "1e6", "--max-filesize", "64M", path);
    expect_reason(&s, want, "limit", "max-filesize");
    cr_assert_eq(s.res.status, 2);
    expect_bounded(&s);
    scan_free(&s);
    /* with the size cap lifted, the ratio stops it while it is read */
    SCAN(&s, "--max-filesize", "4G", path);
    expect_reason(&s, want, "limit", "max-ratio");
    cr_assert_eq(s.res.status, 2);
    expect_bounded(&s);
    scan_free(&s);
    free(path), free(want);
}

Test(unpack, bomb_20_deep_nest) {
    size_t len;
    uint8_t *nest = zip_nest(20, MINER, sizeof(MINER) - 1, &len);
    char *path = write_file("nest20.zip", nest, len);
    scan s;
    SCAN(&s, path);
    char *at = nest_path(path, 16);
    expect_reason(&s, at, "limit", "max-depth 16");
    expect(&s, path, "limit");
    cr_assert_eq(s.res.status, 2);
    expect_bounded(&s);
    scan_free(&s);
    free(nest), free(path), free(at);
}

/* A zip64 with a million empty stored entries, laid out by hand (libarchive's
 * writer takes ten times longer for the same bytes). */
static const char PY_MILLION_ZIP[] =
    "import sys, struct\n"
    "out, n = sys.argv[1], int(sys.argv[2])\n"
    "lh = []; cd = []; off = 0\n"
    "for i in range(n):\n"
    "    name = b'e%07d' % i\n"
    "    h = struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, 0, 0, 0x5721, 0, 0, 0, len(name), 0) + name\n"
    "    cd.append(struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 45, 20, 0, 0, 0, 0x5721, 0, 0, 0, len(name), 0, 0, 0, 0, 0, off) + name)\n"
    "    lh.append(h); off += len(h)\n"
    "cd = b''.join(cd)\n"
    "z64 = struct.pack('<IQHHIIQQQQ', 0x06064b50, 44, 45, 45, 0, 0, n, n, len(cd), off)\n"
    "loc = struct.pack('<IIQI', 0x07064b50, 0, off + len(cd), 1)\n"
    "eocd = struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, 0xffff, 0xffff, 0xffffffff, 0xffffffff, 0)\n"
    "with open(out, 'wb') as f:\n"
    "    f.write(b''.join(lh)); f.write(cd); f.write(z64); f.write(loc); f.write(eocd)\n";

/* Each member costs a YARA scan whatever its size; under ASan that is some
 * twenty times dearer, so the sanitizer build stops earlier. The memory
 * bound does not depend on it: a zip that declares more entries than will
 * be read is never indexed whole. */
#if defined(__SANITIZE_ADDRESS__)
#define MILLION_MAX_ENTRIES "2000"
#else
#define MILLION_MAX_ENTRIES "100000" /* the default */
#endif

Test(unpack, bomb_million_empty_entries) {
    char *path = t_path(dir, "million.zip"), *first = NULL;
    python(PY_MILLION_ZIP, path, "1000000");
    cr_assert(asprintf(&first, "%s!e0000000", path) > 0);
    scan s;
    SCAN(&s, "--max-entries", MILLION_MAX_ENTRIES, path);
    expect_reason(&s, path, "limit", "max-entries " MILLION_MAX_ENTRIES);
    cr_assert_eq(s.res.status, 2);
    expect_bounded(&s);
    scan_free(&s);
    /* the entries before the limit were read: --all lists them, and no more */
    SCAN(&s, "--all", "--max-entries", "100", path);
    expect(&s, first, "clean");
    cr_assert_eq(count_objects(&s), 101);
    scan_free(&s);
    free(path), free(first);
}

/*
 * Overlapping entries (the construction of Fifield's "better zip bomb"):
 * every file's compressed data starts with a stored deflate block that
 * quotes the next file's local header, so all files share one kernel of
 * 32 MiB of zeros. 300 files expand to 9.6 GB from 60 KB; each member is a
 * ratio bomb on its own.
 */
static const char PY_OVERLAP_ZIP[] =
    "import sys, struct, zlib\n"
    "out, n = sys.argv[1], int(sys.argv[2])\n"
    "K = 32 << 20\n"
    "c = zlib.compressobj(9, zlib.DEFLATED, -15)\n"
    "kernel = c.compress(bytes(K)) + c.flush()\n"
    "names = [b'f%04d' % i for i in range(n)]\n"
    "lhlen = 30 + len(names[0])\n"
    "end = (n - 1) * (lhlen + 5) + lhlen + len(kernel)\n"
    "body = b''; cd = b''\n"
    "for i in range(n):\n"
    "    off = i * (lhlen + 5); csize = end - (off + lhlen); usize = (n - 1 - i) * lhlen + K\n"
    "    body += struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, 8, 0, 0x5721, 0, csize, usize, len(names[i]), 0) + names[i]\n"
    "    if i < n - 1: body += struct.pack('<BHH', 0, lhlen, lhlen ^ 0xffff)\n"
    "    cd += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, 0, 8, 0, 0x5721, 0, csize, usize, len(names[i]), 0, 0, 0, 0, 0, off) + names[i]\n"
    "body += kernel\n"
    "eocd = struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, n, n, len(cd), len(body), 0)\n"
    "open(out, 'wb').write(body + cd + eocd)\n";

Test(unpack, bomb_overlapping_entries) {
    char *path = t_path(dir, "overlap.zip"), *first = NULL, *last = NULL;
    python(PY_OVERLAP_ZIP, path, "300");
    cr_assert(asprintf(&first, "%s!f0000", path) > 0);
    cr_assert(asprintf(&last, "%s!f0299", path) > 0);
    scan s;
    SCAN(&s, path);
    expect_reason(&s, first, "limit", "max-ratio 200");
    expect_reason(&s, last, "limit", "max-ratio 200");
    cr_assert_eq(count_objects(&s), 301, "every member is reported");
    expect(&s, path, "limit");
    cr_assert_eq(s.res.status, 2);
    expect_bounded(&s);
    scan_free(&s);
    free(path), free(first), free(last);
}

/* ---- what a clean Debian machine holds (issue 9) ---- */

/* gzip of an empty file (two man pages on a stock system): an empty
 * member, not "Unrecognized archive format" and exit 2 */
Test(unpack, empty_compressed_file_is_an_empty_member) {
    const char *filters[] = {"gzip", "xz", "zstd", "bzip2"}, *ext[] = {"gz", "xz", "zst", "bz2"};
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        size_t len;
        uint8_t *z = la_build("raw", filters[i], NULL, NULL, (ent[]){F("e", "", 0)}, 1, &len);
        char *name = NULL, *member = NULL;
        cr_assert(asprintf(&name, "empty.%s", ext[i]) > 0);
        char *path = write_file(name, z, len);
        cr_assert(asprintf(&member, "%s!empty", path) > 0);
        scan s;
        SCAN(&s, "--all", path);
        expect(&s, path, "clean");
        json_t *m = record(&s, member);
        cr_assert_str_eq(str(m, "verdict"), "clean", "%s", s.res.out);
        cr_assert_eq(json_integer_value(json_object_get(m, "size")), 0);
        cr_assert_eq(s.res.status, 0, "%s: %s", filters[i], s.res.out);
        scan_free(&s);
        free(z), free(name), free(member), free(path);
    }
}

/* 14 bytes that pass for an lzma header (props, dictionary, size, a zero)
 * are not a stream unless they decode: a MATLAB file once ended as an
 * "Lzma library error" record. A real .lzma still is one. */
Test(unpack, lzma_by_header_alone_is_not_an_archive) {
    uint8_t fake[6000];
    memcpy(fake, "\x5d\x00\x00\x10\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00", 14);
    for (size_t i = 14; i < sizeof(fake); i++)
        fake[i] = (uint8_t)(i * 131 + (i >> 3));
    char *path = write_file("test_mat4_le_floats.mat", fake, sizeof(fake));
    scan s;
    SCAN(&s, "--all", path);
    json_t *r = record(&s, path);
    cr_assert_str_eq(str(r, "verdict"), "clean", "%s", s.res.out);
    cr_assert_str_neq(str(json_object_get(r, "filetype"), "class"), "archive");
    cr_assert_eq(count_objects(&s), 1, "no member: %s", s.res.out);
    cr_assert_eq(s.res.status, 0);
    scan_free(&s);
    size_t len;
    uint8_t *z = la_build("raw", "lzma", NULL, NULL, (ent[]){F("m", MINER, sizeof(MINER) - 1)}, 1, &len);
    char *real = write_file("m.lzma", z, len), *member = NULL;
    cr_assert(asprintf(&member, "%s!m", real) > 0);
    SCAN(&s, real);
    expect_miner(&s, member);
    scan_free(&s);
    free(path), free(z), free(real), free(member);
}

/* In a solid stream a member has no compressed bytes of its own: after 1
 * MiB of noise, 2 MiB of zeros come out of what the decoder already read.
 * Measured per member that passed --max-ratio (a stock .deb's data.tar.xz
 * did); measured on the stream it is 3:1, and the member is read. */
Test(unpack, ratio_of_a_solid_stream_is_the_stream_s) {
    size_t nz = 1u << 20, nzero = 2u << 20, len;
    uint8_t *z = noise(nz, 7);
    uint8_t *zeros = calloc(1, nzero);
    ent e[] = {F("a/noise", z, nz), F("b/zeros", zeros, nzero), F("c/miner", MINER, sizeof(MINER) - 1)};
    const char *filters[] = {"xz", "gzip", "zstd"};
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        uint8_t *arc = la_build("ustar", filters[i], NULL, NULL, e, 3, &len);
        char *name = NULL, *zw = NULL, *mw = NULL;
        cr_assert(asprintf(&name, "solid.tar.%s", filters[i]) > 0);
        char *path = write_file(name, arc, len);
        cr_assert(asprintf(&zw, "%s!b/zeros", path) > 0);
        cr_assert(asprintf(&mw, "%s!c/miner", path) > 0);
        scan s;
        SCAN(&s, "--all", path);
        expect(&s, zw, "clean");
        expect_miner(&s, mw);
        cr_assert_eq(s.res.status, 1, "%s: found, and no limit: %s", filters[i], s.res.out);
        scan_free(&s);
        free(arc), free(name), free(zw), free(mw), free(path);
    }
    free(z), free(zeros);
}

/* One miner in an archive is one finding: the member is malicious, the
 * archive "contains" it, and the summary counts the finding once. */
Test(unpack, a_found_member_is_counted_once) {
    size_t len;
    uint8_t *tgz = la_build("ustar", "gzip", NULL, NULL, (ent[]){F("x/miner", MINER, sizeof(MINER) - 1)}, 1, &len);
    char *path = write_file("one.tar.gz", tgz, len), *member = NULL;
    cr_assert(asprintf(&member, "%s!x/miner", path) > 0);
    scan s;
    SCAN(&s, path);
    expect_miner(&s, member);
    json_t *outer = record(&s, path);
    cr_assert_str_eq(str(outer, "verdict"), "malicious");
    cr_assert_str_eq(str(outer, "contains"), "malicious", "%s", s.res.out);
    json_t *sum = t_summary(s.recs);
    cr_assert_eq(json_integer_value(json_object_get(sum, "malicious")), 1, "%s", s.res.out);
    cr_assert_eq(json_integer_value(json_object_get(sum, "containing")), 1);
    cr_assert_eq(json_integer_value(json_object_get(sum, "files")), 1);
    cr_assert_eq(json_integer_value(json_object_get(sum, "members")), 1);
    cr_assert_eq(s.res.status, 1);
    scan_free(&s);
    free(tgz), free(path), free(member);
}
