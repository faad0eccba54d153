/*
 * payload.c - compressed streams and executables inside an executable
 * (see payload.h). Header facts: gzip RFC 1952; xz "The .xz File Format"
 * 1.0.4 (stream header: magic, two flag bytes, their CRC32); zstd RFC
 * 8878 (frame header descriptor); the LZ4 frame format 1.6.x (FLG and BD
 * bytes); bzip2's "BZh" + block size + block magic 0x314159265359.
 */
#include "payload.h"

#include <string.h>

#include <lzma.h>

#include "bytes.h"
#include "exe.h"

/* The bytes a candidate's header needs to be checked. */
#define HEADER_MIN 32

static bool gzip_at(const uint8_t *p) {
    /* 1f 8b 08, reserved flag bits clear, XFL 0/2/4, a known OS */
    return p[0] == 0x1f && p[1] == 0x8b && p[2] == 8 && !(p[3] & 0xe0) && (p[8] == 0 || p[8] == 2 || p[8] == 4) &&
           (p[9] <= 13 || p[9] == 255);
}

static bool xz_at(const uint8_t *p) {
    return !memcmp(p, "\xfd" "7zXZ\0", 6) && p[6] == 0 && (p[7] == 0 || p[7] == 1 || p[7] == 4 || p[7] == 10) &&
           ms_crc32(p + 6, 2) == ms_rd32le(p + 8);
}

static bool zstd_at(const uint8_t *p) {
    /* frame header descriptor: bit 3 reserved */
    return !memcmp(p, "\x28\xb5\x2f\xfd", 4) && !(p[4] & 0x08);
}

static bool lz4_at(const uint8_t *p) {
    /* FLG: version 01, reserved bit 1 clear; BD: block size 4..7, the rest clear */
    return !memcmp(p, "\x04\x22\x4d\x18", 4) && (p[4] >> 6) == 1 && !(p[4] & 0x02) && !(p[5] & 0x8f) &&
           ((p[5] >> 4) & 7) >= 4;
}

static bool bzip2_at(const uint8_t *p) {
    return !memcmp(p, "BZh", 3) && p[3] >= '1' && p[3] <= '9' && !memcmp(p + 4, "\x31\x41\x59\x26\x53\x59", 6);
}

/* An executable image at d[0..n): its length, or 0. Programs and shared
 * libraries only (relocatable objects are the members of every static
 * library, found as archive members already). */
static uint64_t exe_at(const uint8_t *d, size_t n, const char **ret_format) {
    ms_exe x;
    ms_exe_format f = ms_exe_parse(d, n, &x);
    if (f == MS_EXE_ELF && !ms_exe_elf_program(&x))
        return 0;
    if (f == MS_EXE_PE && !x.pe_magic)
        return 0;
    if (f != MS_EXE_ELF && f != MS_EXE_PE)
        return 0;
    size_t end = ms_exe_image_end(&x, d, n);
    /* an image that is only headers is a coincidence in data */
    if (end < 1024)
        return 0;
    *ret_format = f == MS_EXE_ELF ? "elf" : "pe";
    return end;
}

/* Can a candidate's header start at p? Its first two bytes as one key,
 * tested before anything else: in machine code 0x04, 0x28, 'B' and 'M'
 * are common opcodes and operands, and a jump on the first byte alone
 * sent one byte in thirty to a header check (38% of a /usr/bin scan's CPU
 * went to this loop). */
static inline bool may_start(const uint8_t *p) {
    switch ((unsigned)p[0] << 8 | p[1]) {
    case 0x1f8b: /* gzip */
    case 0xfd37: /* xz "\xfd7zXZ" */
    case 0x28b5: /* zstd */
    case 0x0422: /* lz4 */
    case 0x425a: /* bzip2 "BZh" */
    case 0x7f45: /* ELF */
    case 0x4d5a: /* PE "MZ" */
        return true;
    default:
        return false;
    }
}

#if defined(__SSE2__)
#include <emmintrin.h>

/* The first i in [i, lim) where may_start can be true, or a position
 * with fewer than 16 left before lim (the caller's byte loop does those;
 * lim itself when none are left),
 * 16 positions at a time: both bytes of each key compared at once. Reads
 * d[i .. i + 16]: the caller's lim keeps HEADER_MIN bytes after it. */
static size_t next_lead(const uint8_t *d, size_t i, size_t lim) {
    /* the keys' bytes, broadcast once: built inside the loop from a
     * table, each was rebuilt at every 16 bytes (4 instructions apiece;
     * this loop was 9% of a scan of /usr/lib's CPU). 'B' and 'M' share
     * their second byte 'Z'. */
    const __m128i f_gz = _mm_set1_epi8(0x1f), s_gz = _mm_set1_epi8((char)0x8b);
    const __m128i f_xz = _mm_set1_epi8((char)0xfd), s_xz = _mm_set1_epi8(0x37);
    const __m128i f_zs = _mm_set1_epi8(0x28), s_zs = _mm_set1_epi8((char)0xb5);
    const __m128i f_lz = _mm_set1_epi8(0x04), s_lz = _mm_set1_epi8(0x22);
    const __m128i f_bz = _mm_set1_epi8(0x42), f_mz = _mm_set1_epi8(0x4d), s_z = _mm_set1_epi8(0x5a);
    const __m128i f_elf = _mm_set1_epi8(0x7f), s_elf = _mm_set1_epi8(0x45);
    for (; i + 16 <= lim; i += 16) {
        __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)(d + i));
        __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(d + i + 1));
        __m128i m = _mm_and_si128(_mm_cmpeq_epi8(v0, f_gz), _mm_cmpeq_epi8(v1, s_gz));
        m = _mm_or_si128(m, _mm_and_si128(_mm_cmpeq_epi8(v0, f_xz), _mm_cmpeq_epi8(v1, s_xz)));
        m = _mm_or_si128(m, _mm_and_si128(_mm_cmpeq_epi8(v0, f_zs), _mm_cmpeq_epi8(v1, s_zs)));
        m = _mm_or_si128(m, _mm_and_si128(_mm_cmpeq_epi8(v0, f_lz), _mm_cmpeq_epi8(v1, s_lz)));
        m = _mm_or_si128(m, _mm_and_si128(_mm_or_si128(_mm_cmpeq_epi8(v0, f_bz), _mm_cmpeq_epi8(v0, f_mz)),
                                          _mm_cmpeq_epi8(v1, s_z)));
        m = _mm_or_si128(m, _mm_and_si128(_mm_cmpeq_epi8(v0, f_elf), _mm_cmpeq_epi8(v1, s_elf)));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask)
            return i + (size_t)__builtin_ctz(mask);
    }
    return i;
}
#else
static size_t next_lead(const uint8_t *d, size_t i, size_t lim) {
    (void)d, (void)lim;
    return i;
}
#endif

size_t ms_payloads_find(const uint8_t *d, size_t n, size_t from, size_t to, ms_payload *out, size_t max,
                        size_t *ret_next) {
    size_t k = 0, i = from;
    if (to > n)
        to = n;
    *ret_next = to;
    if (!d || n < HEADER_MIN || max == 0)
        return 0;
    size_t lim = to < n - HEADER_MIN + 1 ? to : n - HEADER_MIN + 1;
    for (; i < lim && k < max; i++) {
        i = next_lead(d, i, lim);
        if (i >= lim)
            break;
        const uint8_t *p = d + i;
        if (!may_start(p))
            continue;
        const char *fmt = NULL;
        uint64_t len = 0;
        switch (p[0]) {
        case 0x1f:
            fmt = gzip_at(p) ? "gzip" : NULL;
            break;
        case 0xfd:
            fmt = xz_at(p) ? "xz" : NULL;
            break;
        case 0x28:
            fmt = zstd_at(p) ? "zstd" : NULL;
            break;
        case 0x04:
            fmt = lz4_at(p) ? "lz4" : NULL;
            break;
        case 'B':
            fmt = bzip2_at(p) ? "bzip2" : NULL;
            break;
        case 0x7f:
        case 'M':
            if ((p[0] == 0x7f && !memcmp(p, "\x7f" "ELF", 4)) || (p[0] == 'M' && p[1] == 'Z'))
                len = exe_at(p, n - i, &fmt);
            break;
        default:
            continue;
        }
        if (!fmt)
            continue;
        if (len) {
            out[k++] = (ms_payload){.kind = MS_PAYLOAD_EXECUTABLE, .off = i, .len = len, .format = fmt};
            i += (size_t)len - 1; /* what it holds is its own to search */
        } else {
            out[k++] = (ms_payload){.kind = MS_PAYLOAD_STREAM, .off = i, .len = n - i, .format = fmt};
            i += HEADER_MIN - 1;
        }
    }
    if (i > *ret_next)
        *ret_next = i;
    return k;
}

/* A zstd frame (RFC 8878): the header (descriptor, window, dictionary id,
 * content size), then blocks of 3-byte headers (last flag, type, size;
 * an RLE block holds 1 byte), then a 4-byte checksum when the descriptor
 * says so. */
static uint64_t zstd_len(const uint8_t *d, size_t n) {
    if (n < 6)
        return 0;
    uint8_t fhd = d[4];
    unsigned fcs_flag = fhd >> 6, single = (fhd >> 5) & 1, checksum = (fhd >> 2) & 1, dict = fhd & 3;
    static const unsigned dict_bytes[4] = {0, 1, 2, 4};
    unsigned fcs = fcs_flag == 0 ? (single ? 1u : 0u) : fcs_flag == 1 ? 2u : fcs_flag == 2 ? 4u : 8u;
    uint64_t p = 5 + (single ? 0 : 1) + dict_bytes[dict] + fcs;
    for (unsigned blocks = 0; blocks < (1u << 20); blocks++) {
        if (!ms_in(n, p, 3))
            return 0;
        uint32_t h = (uint32_t)d[p] | (uint32_t)d[p + 1] << 8 | (uint32_t)d[p + 2] << 16;
        unsigned last = h & 1, type = (h >> 1) & 3;
        uint64_t size = h >> 3;
        if (type == 3)
            return 0; /* reserved */
        p += 3 + (type == 1 ? 1 : size);
        if (p > n)
            return 0;
        if (last)
            return checksum ? (ms_in(n, p, 4) ? p + 4 : 0) : p;
    }
    return 0;
}

static uint64_t xz_len(const uint8_t *d, size_t n, uint64_t max_out) {
    lzma_stream s = LZMA_STREAM_INIT;
    uint8_t out[16384];
    uint64_t len = 0;
    if (lzma_stream_decoder(&s, 256u << 20, 0) != LZMA_OK)
        return 0;
    s.next_in = d;
    s.avail_in = n;
    for (;;) {
        s.next_out = out;
        s.avail_out = sizeof(out);
        lzma_ret r = lzma_code(&s, LZMA_FINISH);
        if (r == LZMA_STREAM_END) {
            len = s.total_in;
            break;
        }
        if (r != LZMA_OK || s.total_out > max_out)
            break;
    }
    lzma_end(&s);
    return len;
}

uint64_t ms_payload_stream_len(const uint8_t *d, size_t n, const char *format, uint64_t max_out) {
    if (!strcmp(format, "zstd"))
        return zstd_len(d, n);
    if (!strcmp(format, "xz"))
        return xz_len(d, n, max_out);
    return n;
}
