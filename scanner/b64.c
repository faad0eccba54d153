/*
 * b64.c - base64: finding and decoding blobs in scanned text (issue 4), and
 * the encoder the reporters use for path_b64. One alphabet, one place.
 */
#include "b64.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "bytes.h"
#include "exe.h"
#include "formats.h"
#include "minerscan.h"
#include "ms_limits.h"

/* A decoded blob is scanned when it is something: text (a script, a
 * command, a config: what droppers hide), or bytes a format starts with
 * (an executable, an archive, a compressed stream). A random token decodes
 * to noise that no rule and no reader would make anything of, and was
 * reported as a member of every config holding a key or a long id. */
static bool worth_scanning(const uint8_t *d, size_t n) {
    ms_exe x;
    if (ms_exe_parse(d, n, &x) != MS_EXE_NONE || (n >= 4 && !memcmp(d, "\x7f" "ELF", 4)) ||
        ms_format_at_start(d, n) != MS_FMT_NONE || (n >= 4 && !memcmp(d, "\0asm", 4)))
        return true;
    size_t look = n < 512 ? n : 512, text = 0;
    for (size_t i = 0; i < look; i++)
        text += (d[i] >= 0x20 && d[i] < 0x7f) || d[i] == '\n' || d[i] == '\r' || d[i] == '\t' ||
                d[i] >= 0x80; /* UTF-8 text is text too */
    return text * 100 >= look * 90;
}

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* ---- base64 blobs ---- */

/* Per byte: its value (the low 6 bits) and its kinds: B64 of the
 * alphabet; NONHEX of it and not a hex digit; NOT58 one of the six
 * characters base58 leaves out. */
enum { B64 = 1 << 8, NONHEX = 1 << 9, NOT58 = 1 << 10 };
static const uint16_t b64_kind[256] = {
    ['A'] = B64 | 0, ['B'] = B64 | 1, ['C'] = B64 | 2, ['D'] = B64 | 3, ['E'] = B64 | 4,
    ['F'] = B64 | 5, ['G'] = B64 | NONHEX | 6, ['H'] = B64 | NONHEX | 7,
    ['I'] = B64 | NONHEX | NOT58 | 8, ['J'] = B64 | NONHEX | 9, ['K'] = B64 | NONHEX | 10,
    ['L'] = B64 | NONHEX | 11, ['M'] = B64 | NONHEX | 12, ['N'] = B64 | NONHEX | 13,
    ['O'] = B64 | NONHEX | NOT58 | 14, ['P'] = B64 | NONHEX | 15, ['Q'] = B64 | NONHEX | 16,
    ['R'] = B64 | NONHEX | 17, ['S'] = B64 | NONHEX | 18, ['T'] = B64 | NONHEX | 19,
    ['U'] = B64 | NONHEX | 20, ['V'] = B64 | NONHEX | 21, ['W'] = B64 | NONHEX | 22,
    ['X'] = B64 | NONHEX | 23, ['Y'] = B64 | NONHEX | 24, ['Z'] = B64 | NONHEX | 25,
    ['a'] = B64 | 26, ['b'] = B64 | 27, ['c'] = B64 | 28, ['d'] = B64 | 29, ['e'] = B64 | 30,
    ['f'] = B64 | 31, ['g'] = B64 | NONHEX | 32, ['h'] = B64 | NONHEX | 33,
    ['i'] = B64 | NONHEX | 34, ['j'] = B64 | NONHEX | 35, ['k'] = B64 | NONHEX | 36,
    ['l'] = B64 | NONHEX | NOT58 | 37, ['m'] = B64 | NONHEX | 38, ['n'] = B64 | NONHEX | 39,
    ['o'] = B64 | NONHEX | 40, ['p'] = B64 | NONHEX | 41, ['q'] = B64 | NONHEX | 42,
    ['r'] = B64 | NONHEX | 43, ['s'] = B64 | NONHEX | 44, ['t'] = B64 | NONHEX | 45,
    ['u'] = B64 | NONHEX | 46, ['v'] = B64 | NONHEX | 47, ['w'] = B64 | NONHEX | 48,
    ['x'] = B64 | NONHEX | 49, ['y'] = B64 | NONHEX | 50, ['z'] = B64 | NONHEX | 51,
    ['0'] = B64 | NOT58 | 52, ['1'] = B64 | 53, ['2'] = B64 | 54, ['3'] = B64 | 55,
    ['4'] = B64 | 56, ['5'] = B64 | 57, ['6'] = B64 | 58, ['7'] = B64 | 59, ['8'] = B64 | 60,
    ['9'] = B64 | 61, ['+'] = B64 | NONHEX | NOT58 | 62, ['/'] = B64 | NONHEX | NOT58 | 63,
};

static int b64_value(uint8_t c) {
    return b64_kind[c] & B64 ? b64_kind[c] & 63 : -1;
}

/* Decode the base64 characters of d[from, to) (newlines skipped, '='
 * ends it) into out, at most max bytes; returns the byte count. */
static size_t b64_decode(const uint8_t *d, size_t from, size_t to, uint8_t *out, size_t max) {
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t n = 0;
    for (size_t i = from; i < to && n < max; i++) {
        int v = b64_value(d[i]);
        if (d[i] == '=')
            break;
        if (v < 0)
            continue;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return n;
}

int ms_base64_blobs(const uint8_t *data, size_t size, ms_blob_fn fn, void *ud) {
    return ms_base64_blobs_from(data, size, size, fn, ud);
}

int ms_base64_blobs_from(const uint8_t *data, size_t size, size_t stop, ms_blob_fn fn, void *ud) {
    uint8_t *buf = NULL;
    size_t blobs = 0, total = 0, i = 0;
    int r = 0;
    if (!data || !fn)
        return 0;
    if (stop > size)
        stop = size;
    while (i < stop && blobs < MS_BASE64_MAX_BLOBS && total < MS_BASE64_MAX_BYTES) {
        if (!(b64_kind[data[i]] & B64)) {
            i++;
            continue;
        }
        /* A base64 payload is a word of its own: not the tail of a longer
         * token such as a URL path or an identifier with '_' or '-'. */
        if (i > 0 && (data[i - 1] == '_' || data[i - 1] == '-' || data[i - 1] == '.' ||
                      data[i - 1] == '%' || data[i - 1] == '\\')) {
            while (i < size && (b64_kind[data[i]] & B64))
                i++;
            continue;
        }
        /* A run is taken only when its first line has MS_BASE64_MIN_CHARS
         * characters: from the last of those back to the first byte out of
         * the alphabet, and past it (no run that starts before it holds
         * them all). In prose that skips most of a 40-byte stretch for
         * the length of a word or two: each word was a run. */
        if (size - i < MS_BASE64_MIN_CHARS)
            break;
        size_t m = i + MS_BASE64_MIN_CHARS - 1;
        while (m > i && (b64_kind[data[m]] & B64))
            m--;
        if (m > i) {
            i = m + 1;
            continue;
        }
        size_t start = i, chars = 0, line = 0;
        unsigned kinds = 0; /* of the run's characters */
        for (;;) {
            while (i < size && (b64_kind[data[i]] & B64)) {
                kinds |= b64_kind[data[i]];
                i++;
                chars++;
                line++;
            }
            /* a wrapped line (PEM/MIME, >= MS_BASE64_MIN_CHARS) continues */
            size_t j = i;
            if (j < size && data[j] == '\r')
                j++;
            if (line >= MS_BASE64_MIN_CHARS && j < size && data[j] == '\n' && j + 1 < size &&
                (b64_kind[data[j + 1]] & B64)) {
                i = j + 1;
                line = 0;
                continue;
            }
            break;
        }
        size_t end = i;
        while (i < size && data[i] == '=' && i - end < 2)
            i++;
        /* the run must end the word: "abc...xyz_foo" is an identifier */
        if (i < size && (data[i] == '_' || data[i] == '-' || data[i] == '.' || data[i] == '%'))
            continue;
        if (chars < MS_BASE64_MIN_CHARS || !(kinds & NONHEX))
            continue;
        /* base64 of 4n characters, or 4n+2, 4n+3 without padding; 4n+1
         * characters cannot be base64, and padding must complete a quad */
        size_t pad = i - end;
        if (chars % 4 == 1 || (pad && (chars + pad) % 4 != 0))
            continue;
        /* a wallet address, a key in base58: none of the six characters
         * base58 leaves out, which a base64 payload of this length holds
         * with a probability of 1 - (58/64)^n (0.98 at 40, 0.9999 at 95) */
        if (!(kinds & NOT58) && chars < MS_BASE64_B58_CHARS)
            continue;
        /* A payload larger than what is left of the budget is decoded in
         * part: the head of an embedded binary still carries its strings. */
        size_t cap = chars / 4 * 3 + 3;
        if (cap > MS_BASE64_MAX_BYTES - total)
            cap = MS_BASE64_MAX_BYTES - total;
        /* bounded by MS_BASE64_MAX_BYTES: bookkeeping by alloc.h's rule */
        buf = ms_xrealloc(buf, cap);
        size_t n = b64_decode(data, start, end, buf, cap);
        if (n == 0 || !worth_scanning(buf, n))
            continue;
        blobs++;
        total += n;
        int k = fn(ud, (uint64_t)start, buf, n);
        if (k < 0) {
            r = k;
            break;
        }
        if (k == MS_STOP)
            break;
    }
    free(buf);
    return r;
}

void ms_base64_write(FILE *out, const uint8_t *s, size_t n) {
    const char *tab = b64_alphabet;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        fputc(tab[v >> 18], out);
        fputc(tab[(v >> 12) & 63], out);
        fputc(tab[(v >> 6) & 63], out);
        fputc(tab[v & 63], out);
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)s[i] << 16;
        fputc(tab[v >> 18], out);
        fputc(tab[(v >> 12) & 63], out);
        fputs("==", out);
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
        fputc(tab[v >> 18], out);
        fputc(tab[(v >> 12) & 63], out);
        fputc(tab[(v >> 6) & 63], out);
        fputc('=', out);
    }
}
