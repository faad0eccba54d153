/*
 * formats.c - container and compression signatures (see formats.h).
 */
#include "formats.h"

#include <string.h>

#include <lzma.h>

#include "bytes.h"
#include "exe.h"

/* How far into the overlay of a PE or ELF a 7z or rar signature is looked
 * for: SFX stubs put a short configuration block before the archive. */
#define MS_SFX_WINDOW (1u << 20)

static bool has(const uint8_t *d, size_t n, size_t off, const void *m, size_t len) {
    return n >= off && n - off >= len && !memcmp(d + off, m, len);
}

/* Parse a tar numeric field: octal digits, leading spaces, ended by NUL or
 * space. Returns -1 when it is not one. */
static long long tar_octal(const uint8_t *p, size_t n) {
    size_t i = 0;
    long long v = 0;
    bool digits = false;
    while (i < n && p[i] == ' ')
        i++;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
        v = v * 8 + (p[i] - '0');
        digits = true;
    }
    if (!digits)
        return -1;
    for (; i < n; i++)
        if (p[i] != ' ' && p[i] != '\0')
            return -1;
    return v;
}

/*
 * A tar header block (ustar, GNU and v7 alike): 512 bytes whose checksum
 * field (148, 8 bytes, octal) equals the sum of all bytes with the field
 * itself counted as spaces. Old writers summed signed chars; accept either.
 * v7 has no magic, so the checksum and a non-empty name are all there is.
 */
static bool tar_header(const uint8_t *d, size_t n) {
    if (n < 512 || d[0] == '\0')
        return false;
    long long want = tar_octal(d + 148, 8);
    if (want < 0)
        return false;
    long long us = 0, s = 0;
    for (size_t i = 0; i < 512; i++) {
        uint8_t c = (i >= 148 && i < 156) ? ' ' : d[i];
        us += c;
        s += (signed char)c;
    }
    if (want != us && want != s)
        return false;
    /* v7: the size field must be a number too */
    return has(d, n, 257, "ustar", 5) || tar_octal(d + 124, 12) >= 0;
}

/*
 * lzma "alone" (.lzma) has no magic: a properties byte (lc/lp/pb, < 225),
 * a dictionary size that is 2^n or 2^n + 2^(n-1), the uncompressed size or
 * all ones, then the range coder whose first byte is always 0. Checked
 * strictly, since a false hit would feed garbage to the decoder.
 */
static bool lzma_alone_header(const uint8_t *d, size_t n) {
    if (n < 14 || d[0] >= 225 || d[13] != 0)
        return false;
    uint32_t dict = ms_rd32le(d + 1);
    bool ok = false;
    for (unsigned k = 12; k <= 30 && !ok; k++)
        ok = dict == (1u << k) || dict == ((1u << k) | (1u << (k - 1)));
    if (!ok)
        return false;
    uint64_t sz = ms_rd64le(d + 5);
    return sz == UINT64_MAX || sz < (1ULL << 40);
}

/* The header alone is 14 bytes anything can have (a MATLAB v4 file passed
 * it and ended as an "Lzma library error" record on a clean machine), so a
 * candidate must also decode: the first LZMA_PROBE_IN bytes through
 * liblzma give data and no error. A dictionary over LZMA_PROBE_MEM is not
 * allocated for the probe; the header check then stands alone. */
#define LZMA_PROBE_IN 4096u
#define LZMA_PROBE_MEM (64u << 20)
static bool lzma_alone(const uint8_t *d, size_t n) {
    if (!lzma_alone_header(d, n))
        return false;
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_alone_decoder(&s, LZMA_PROBE_MEM) != LZMA_OK)
        return false;
    uint8_t out[4096];
    s.next_in = d;
    s.avail_in = n < LZMA_PROBE_IN ? n : LZMA_PROBE_IN;
    bool ok = false;
    for (int rounds = 0; rounds < 64; rounds++) {
        s.next_out = out;
        s.avail_out = sizeof(out);
        lzma_ret r = lzma_code(&s, LZMA_RUN);
        if (r == LZMA_MEMLIMIT_ERROR) {
            ok = true; /* a big dictionary: as plausible as the header says */
            break;
        }
        if (r == LZMA_STREAM_END) {
            ok = true;
            break;
        }
        if (r != LZMA_OK)
            break;
        if (s.avail_in == 0) {
            ok = s.total_out > 0; /* no error in what there was to decode */
            break;
        }
    }
    lzma_end(&s);
    return ok;
}

/* Old binary cpio: 26-byte header, 0x71c7 in either byte order, a
 * NUL-terminated name of namesize bytes right after it. */
static bool cpio_binary(const uint8_t *d, size_t n) {
    if (n < 28)
        return false;
    bool be;
    if (d[0] == 0xc7 && d[1] == 0x71)
        be = false;
    else if (d[0] == 0x71 && d[1] == 0xc7)
        be = true;
    else
        return false;
    uint16_t namesize = ms_rd16(d + 20, be);
    return namesize >= 2 && (size_t)namesize <= n - 26 && d[26 + namesize - 1] == '\0' &&
           d[26] != '\0';
}

/*
 * The zip end-of-central-directory record, searched backwards over the
 * last 64 KiB + 22 bytes (its comment is at most 65535 bytes). It is only
 * believed when the central directory it points at starts with PK\1\2, or
 * (zip64) when the zip64 locator sits right before it. *ret_start gets the
 * offset where the zip starts (its first local header), which is not 0
 * when something was prepended: an SFX stub, a script. *ret_entries gets
 * the number of entries the directory declares (zip64 included).
 */
static bool zip_eocd(const uint8_t *d, size_t n, size_t *ret_start, uint64_t *ret_entries) {
    if (n < 22)
        return false;
    size_t lo = n > 22 + 65535 ? n - 22 - 65535 : 0;
    /* backwards from the last place a record fits, one 'P' at a time
     * (memrchr: the 64 KiB tail of every file is read here) */
    for (size_t i = n - 22 + 1; i > lo;) {
        const uint8_t *p = memrchr(d + lo, 'P', i - lo);
        if (!p)
            break;
        i = (size_t)(p - d);
        if (memcmp(d + i, "PK\5\6", 4))
            continue;
        uint32_t cd_size = ms_rd32le(d + i + 12), cd_off = ms_rd32le(d + i + 16);
        uint16_t clen = ms_rd16le(d + i + 20);
        if ((size_t)clen > n - i - 22)
            continue;
        if (i >= 20 && !memcmp(d + i - 20, "PK\6\7", 4)) {
            /* zip64: the locator gives the zip64 end record's offset */
            uint64_t z = ms_rd64le(d + i - 20 + 8);
            *ret_start = 0;
            *ret_entries = z < n && n - z >= 56 && !memcmp(d + z, "PK\6\6", 4) ? ms_rd64le(d + z + 32)
                                                                             : UINT64_MAX;
            return true;
        }
        if (cd_size > i || (uint64_t)cd_off > i - cd_size)
            continue;
        size_t cd = i - cd_size;
        if (cd_size > 0 && memcmp(d + cd, "PK\1\2", 4))
            continue;
        *ret_start = cd - cd_off;
        *ret_entries = ms_rd16le(d + i + 10);
        return true;
    }
    return false;
}

/* A 7z start header: signature, version 0.x, and a CRC over the next 20
 * bytes that matches. */
static bool sevenzip_at(const uint8_t *d, size_t n, size_t off) {
    return has(d, n, off, "7z\xbc\xaf\x27\x1c", 6) && n - off >= 32 && d[off + 6] == 0 &&
           ms_crc32(d + off + 12, 20) == ms_rd32le(d + off + 8);
}

static bool rar_at(const uint8_t *d, size_t n, size_t off) {
    return has(d, n, off, "Rar!\x1a\x07\x00", 7) || has(d, n, off, "Rar!\x1a\x07\x01\x00", 8);
}

/* The offset of a 7z or rar archive appended to a PE or ELF image (an SFX),
 * or 0. */
static size_t sfx_offset(const uint8_t *d, size_t n) {
    ms_exe x;
    ms_exe_format f = ms_exe_parse(d, n, &x);
    if (f != MS_EXE_ELF && f != MS_EXE_PE)
        return 0;
    size_t end = ms_exe_image_end(&x, d, n);
    if (!end || end >= n)
        return 0;
    size_t stop = n - end > MS_SFX_WINDOW ? end + MS_SFX_WINDOW : n;
    for (size_t i = end; i + 6 <= stop; i++)
        if ((d[i] == '7' && sevenzip_at(d, n, i)) || (d[i] == 'R' && rar_at(d, n, i)))
            return i;
    return 0;
}

/*
 * Formats recognised at the start of the data. Each entry is a signature
 * at a fixed offset; the few formats without one (v7 tar, lzma, binary
 * cpio) have their own checks below.
 */
static const struct {
    size_t off;
    const char *m;
    size_t len;
    ms_format fmt;
} sigs[] = {
    {0, "\x1f\x8b\x08", 3, MS_FMT_GZIP},         /* gzip (deflate, its only method) */
    {0, "\xfd" "7zXZ\0", 6, MS_FMT_XZ},
    {0, "\x28\xb5\x2f\xfd", 4, MS_FMT_ZSTD},     /* zstd frame */
    {0, "\x04\x22\x4d\x18", 4, MS_FMT_LZ4},      /* lz4 frame */
    {0, "\x02\x21\x4c\x18", 4, MS_FMT_LZ4},      /* lz4 legacy */
    {0, "LZIP", 4, MS_FMT_LZIP},
    {0, "PK\3\4", 4, MS_FMT_ZIP},                 /* zip, jar, apk, whl, docx */
    {0, "PK\5\6", 4, MS_FMT_ZIP},                 /* empty zip */
    {0, "PK\7\x08PK\3\4", 8, MS_FMT_ZIP},         /* spanned-marker zip */
    {0, "7z\xbc\xaf\x27\x1c", 6, MS_FMT_7Z},
    {0, "Rar!\x1a\x07\x00", 7, MS_FMT_RAR},       /* rar 1.5-4 */
    {0, "Rar!\x1a\x07\x01\x00", 8, MS_FMT_RAR},   /* rar5 */
    {0, "070701", 6, MS_FMT_CPIO},                /* cpio newc */
    {0, "070702", 6, MS_FMT_CPIO},                /* cpio newc + crc */
    {0, "070707", 6, MS_FMT_CPIO},                /* cpio odc */
    {0, "!<arch>\n", 8, MS_FMT_AR},               /* ar, deb, static libraries */
    {0, "\xed\xab\xee\xdb", 4, MS_FMT_RPM},      /* rpm lead */
    {0, "MSCF\0\0\0\0", 8, MS_FMT_CAB},
    {0, "xar!\0\x1c", 6, MS_FMT_XAR},             /* header size 28 */
    {0, "WARC/1.", 7, MS_FMT_WARC},
    {32769, "CD001", 5, MS_FMT_ISO9660},          /* volume descriptors */
    {34817, "CD001", 5, MS_FMT_ISO9660},
    {36865, "CD001", 5, MS_FMT_ISO9660},
};

ms_format ms_format_at_start(const uint8_t *d, size_t n) {
    if (!d || n == 0)
        return MS_FMT_NONE;
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        if (has(d, n, sigs[i].off, sigs[i].m, sigs[i].len))
            return sigs[i].fmt;
    /* bzip2: "BZh" + block size, then a block or the end-of-stream magic */
    if (n >= 10 && !memcmp(d, "BZh", 3) && d[3] >= '1' && d[3] <= '9' &&
        (!memcmp(d + 4, "\x31\x41\x59\x26\x53\x59", 6) || !memcmp(d + 4, "\x17\x72\x45\x38\x50\x90", 6)))
        return MS_FMT_BZIP2;
    /* compress (.Z): flags byte holds max code bits 9..16 */
    if (n >= 3 && d[0] == 0x1f && d[1] == 0x9d && (d[2] & 0x1f) >= 9 && (d[2] & 0x1f) <= 16 &&
        !(d[2] & 0x60))
        return MS_FMT_COMPRESS;
    /* lha: "-lh?-"/"-lz?-" method id at offset 2, header level at 20 */
    if (n >= 22 && d[2] == '-' && d[3] == 'l' && (d[4] == 'h' || d[4] == 'z') && d[6] == '-' &&
        d[20] <= 3)
        return MS_FMT_LHA;
    if (tar_header(d, n))
        return MS_FMT_TAR;
    if (lzma_alone(d, n))
        return MS_FMT_LZMA;
    if (cpio_binary(d, n))
        return MS_FMT_CPIO;
    return MS_FMT_NONE;
}

const char *ms_format_name(ms_format f) {
    static const char *const names[MS_FMT__MAX] = {
        [MS_FMT_NONE] = "none",   [MS_FMT_GZIP] = "gzip",   [MS_FMT_BZIP2] = "bzip2",
        [MS_FMT_XZ] = "xz",       [MS_FMT_LZMA] = "lzma",   [MS_FMT_LZIP] = "lzip",
        [MS_FMT_ZSTD] = "zstd",   [MS_FMT_LZ4] = "lz4",     [MS_FMT_COMPRESS] = "compress",
        [MS_FMT_TAR] = "tar",     [MS_FMT_ZIP] = "zip",     [MS_FMT_7Z] = "7z",
        [MS_FMT_RAR] = "rar",     [MS_FMT_CPIO] = "cpio",   [MS_FMT_AR] = "ar",
        [MS_FMT_RPM] = "rpm",     [MS_FMT_CAB] = "cab",     [MS_FMT_XAR] = "xar",
        [MS_FMT_LHA] = "lha",     [MS_FMT_WARC] = "warc",   [MS_FMT_ISO9660] = "iso9660",
    };
    return f > MS_FMT_NONE && f < MS_FMT__MAX ? names[f] : "none";
}

bool ms_format_is_stream(ms_format f) {
    return f >= MS_FMT_GZIP && f <= MS_FMT_COMPRESS;
}

bool ms_format_embedded(const uint8_t *d, size_t n, size_t *ret_off, uint64_t *ret_zip_entries) {
    size_t off = 0;
    uint64_t entries = 0;
    if (!d || n == 0)
        return false;
    if ((off = sfx_offset(d, n))) {
        *ret_off = off;
        *ret_zip_entries = 0;
        return true;
    }
    if (!zip_eocd(d, n, &off, &entries))
        return false;
    *ret_off = off < n && has(d, n, off, "PK\3\4", 4) ? off : 0;
    *ret_zip_entries = entries;
    return true;
}

bool ms_format_candidate(const uint8_t *d, size_t n) {
    size_t off;
    uint64_t entries;
    return ms_format_at_start(d, n) != MS_FMT_NONE || ms_format_embedded(d, n, &off, &entries);
}
