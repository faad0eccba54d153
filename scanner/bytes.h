/*
 * bytes.h - reading integers and classifying bytes of untrusted data: the
 * one place for the little helpers every parser needs. Readers take a
 * pointer the caller has already bounds-checked (ms_in says whether a range
 * fits); nothing here reads past what it is given.
 */
#ifndef MS_BYTES_H
#define MS_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Does [off, off + len) lie inside a buffer of n bytes? Written so that no
 * addition can wrap, whatever off and len a hostile header holds. */
static inline bool ms_in(size_t n, uint64_t off, uint64_t len) {
    return off <= n && len <= n - off;
}

static inline uint16_t ms_rd16le(const uint8_t *p) {
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t ms_rd32le(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ms_rd64le(const uint8_t *p) {
    return (uint64_t)ms_rd32le(p) | (uint64_t)ms_rd32le(p + 4) << 32;
}

static inline uint16_t ms_rd16(const uint8_t *p, bool be) {
    return be ? (uint16_t)(p[0] << 8 | p[1]) : ms_rd16le(p);
}

static inline uint32_t ms_rd32(const uint8_t *p, bool be) {
    return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
              : ms_rd32le(p);
}

static inline uint64_t ms_rd64(const uint8_t *p, bool be) {
    return be ? (uint64_t)ms_rd32(p, true) << 32 | ms_rd32(p + 4, true) : ms_rd64le(p);
}

/* A width-byte (1..8) unsigned integer at off, or 0 when it does not fit:
 * for header walkers that treat a field past the end as absent. */
static inline uint64_t ms_rdn(const uint8_t *d, size_t n, uint64_t off, unsigned width, bool be) {
    if (!ms_in(n, off, width))
        return 0;
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++) {
        unsigned sh = be ? 8 * (width - 1 - i) : 8 * i;
        v |= (uint64_t)d[off + i] << sh;
    }
    return v;
}

/* CRC-32 (the zip, xz, 7z and rar polynomial), bitwise: for the few bytes
 * of a header, never for data in bulk. */
static inline uint32_t ms_crc32(const void *d, size_t n) {
    const uint8_t *p = d;
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static inline bool ms_is_digit(uint8_t c) {
    return c >= '0' && c <= '9';
}

static inline bool ms_is_alpha(uint8_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool ms_is_alnum(uint8_t c) {
    return ms_is_digit(c) || ms_is_alpha(c);
}

static inline bool ms_is_hex(uint8_t c) {
    return ms_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* a hex digit's value, or -1 */
static inline int ms_hexval(int c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static inline uint8_t ms_lower(uint8_t c) {
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

#endif
