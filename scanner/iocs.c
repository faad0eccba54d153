/*
 * iocs.c - indicators of compromise (issue 4) and base64 blobs.
 *
 * The input is hostile: any bytes, any size. Every scanner here walks the
 * buffer once or a bounded number of times, looks at most a fixed window
 * around a hit, copies at most a fixed number of bytes into stack buffers
 * and allocates only through ms_iocs_add_* (capped at MS_MAX_IOCS) and the
 * base64 decode buffer (capped at MS_BASE64_MAX_BYTES).
 *
 * Wallets are validated before they are reported, because an analyst hands
 * them on: Monero with its Keccak-256 checksum (Keccak written here: OpenSSL
 * 3.0 has SHA3 but not the original Keccak padding Monero uses), Bitcoin
 * base58check with double SHA-256 (OpenSSL EVP), bech32/bech32m per BIP173
 * and BIP350, Ethereum only next to a mining word, EIP-55 checked.
 */
#include "iocs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "ms_limits.h"

/* Longest token, value or host we copy out; longer ones are not IOCs. */
#define MAX_TOKEN 512
/* How far around an Ethereum address we look for a mining word. */
#define ETH_CONTEXT 256
/* How far after "pools" an xmrig config keeps its first pool. */
#define POOLS_WINDOW (64u * 1024u)

/* ---- small helpers ---- */

static bool is_alnum(uint8_t c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(uint8_t c) {
    return c >= '0' && c <= '9';
}

static bool is_hex(uint8_t c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static uint8_t lower(uint8_t c) {
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static bool host_char(uint8_t c) {
    return is_alnum(c) || c == '.' || c == '-' || c == '_';
}

/* Case-insensitive search of needle (lower case) in d[from, to). */
static const uint8_t *find_ci(const uint8_t *d, size_t from, size_t to, const char *needle) {
    size_t n = strlen(needle);
    if (n == 0 || to < n || from > to - n)
        return NULL;
    for (size_t i = from; i + n <= to; i++) {
        if (lower(d[i]) != (uint8_t)needle[0])
            continue;
        size_t k = 1;
        while (k < n && lower(d[i + k]) == (uint8_t)needle[k])
            k++;
        if (k == n)
            return d + i;
    }
    return NULL;
}

/* Case-sensitive search (memmem is GNU, and we build with _GNU_SOURCE). */
static const uint8_t *find_cs(const uint8_t *d, size_t from, size_t to, const char *needle) {
    size_t n = strlen(needle);
    if (from >= to)
        return NULL;
    return memmem(d + from, to - from, needle, n);
}

/* ---- Keccak-256 ---- */

static const uint64_t keccak_rc[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};
/* rho rotations and pi lane order, walked along the (x, y) -> (y, 2x+3y)
 * orbit starting at lane 1 (FIPS 202 section 3.2.2-3.2.3). */
static const unsigned keccak_rot[24] = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                                        27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
static const unsigned keccak_pi[24] = {10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                                       15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};

static uint64_t rotl64(uint64_t x, unsigned n) {
    return (x << n) | (x >> (64 - n));
}

static void keccak_f1600(uint64_t a[25]) {
    for (int round = 0; round < 24; round++) {
        uint64_t c[5], t;
        for (int x = 0; x < 5; x++)
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (int x = 0; x < 5; x++) {
            t = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
            for (int y = 0; y < 25; y += 5)
                a[y + x] ^= t;
        }
        t = a[1];
        for (int i = 0; i < 24; i++) {
            unsigned j = keccak_pi[i];
            uint64_t b = a[j];
            a[j] = rotl64(t, keccak_rot[i]);
            t = b;
        }
        for (int y = 0; y < 25; y += 5) {
            for (int x = 0; x < 5; x++)
                c[x] = a[y + x];
            for (int x = 0; x < 5; x++)
                a[y + x] = c[x] ^ (~c[(x + 1) % 5] & c[(x + 2) % 5]);
        }
        a[0] ^= keccak_rc[round];
    }
}

static void keccak_absorb_block(uint64_t st[25], const uint8_t *blk, size_t rate) {
    for (size_t i = 0; i < rate / 8; i++) {
        uint64_t lane = 0;
        for (int b = 7; b >= 0; b--)
            lane = (lane << 8) | blk[i * 8 + (size_t)b];
        st[i] ^= lane;
    }
    keccak_f1600(st);
}

void ms_keccak_sponge256(const uint8_t *in, size_t len, uint8_t pad, uint8_t out[32]) {
    enum { RATE = 136 };
    uint64_t st[25] = {0};
    uint8_t last[RATE];
    while (len >= RATE) {
        keccak_absorb_block(st, in, RATE);
        in += RATE;
        len -= RATE;
    }
    memset(last, 0, sizeof(last));
    if (len)
        memcpy(last, in, len);
    last[len] ^= pad;
    last[RATE - 1] ^= 0x80;
    keccak_absorb_block(st, last, RATE);
    for (int i = 0; i < 32; i++)
        out[i] = (uint8_t)(st[i / 8] >> (8 * (i % 8)));
}

void ms_keccak256(const uint8_t *in, size_t len, uint8_t out[32]) {
    ms_keccak_sponge256(in, len, 0x01, out); /* original Keccak padding, not SHA-3's 0x06 */
}

/* ---- base58 ---- */

static const char b58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static int b58_digit(uint8_t c) {
    const char *p = c ? strchr(b58_alphabet, c) : NULL;
    return p ? (int)(p - b58_alphabet) : -1;
}

/* Characters Monero uses for a block of n bytes (n = 0..8). */
static const size_t xmr_block_chars[9] = {0, 2, 3, 5, 6, 7, 9, 10, 11};

size_t ms_xmr_base58_encode(const uint8_t *in, size_t len, char *out, size_t cap) {
    size_t full = len / 8, rest = len % 8;
    size_t need = full * 11 + xmr_block_chars[rest];
    if (need + 1 > cap)
        return 0;
    char *o = out;
    for (size_t b = 0; b <= full; b++) {
        size_t n = b < full ? 8 : rest;
        if (n == 0)
            break;
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++)
            v = (v << 8) | in[b * 8 + i];
        size_t chars = xmr_block_chars[n];
        for (size_t i = chars; i > 0; i--) {
            o[i - 1] = b58_alphabet[v % 58];
            v /= 58;
        }
        o += chars;
    }
    *o = '\0';
    return need;
}

int ms_xmr_base58_decode(const char *s, size_t len, uint8_t *out, size_t cap) {
    size_t full = len / 11, rest = len % 11, rest_bytes = 0;
    if (rest) {
        size_t k;
        for (k = 1; k <= 8 && xmr_block_chars[k] != rest; k++)
            ;
        if (k > 8)
            return -1;
        rest_bytes = k;
    }
    size_t total = full * 8 + rest_bytes;
    if (total > cap || total > INT32_MAX)
        return -1;
    for (size_t b = 0; b * 11 < len; b++) {
        size_t chars = b < full ? 11 : rest, n = b < full ? 8 : rest_bytes;
        unsigned __int128 v = 0;
        for (size_t i = 0; i < chars; i++) {
            int d = b58_digit((uint8_t)s[b * 11 + i]);
            if (d < 0)
                return -1;
            v = v * 58 + (unsigned)d;
        }
        if (n < 8 && (v >> (8 * n)) != 0)
            return -1;
        if (n == 8 && (v >> 64) != 0)
            return -1;
        for (size_t i = n; i > 0; i--) {
            out[b * 8 + i - 1] = (uint8_t)v;
            v >>= 8;
        }
    }
    return (int)total;
}

size_t ms_btc_base58_encode(const uint8_t *in, size_t len, char *out, size_t cap) {
    uint8_t digits[256];
    size_t nd = 0, zeros = 0;
    if (len > 128)
        return 0;
    while (zeros < len && in[zeros] == 0)
        zeros++;
    for (size_t i = zeros; i < len; i++) {
        unsigned carry = in[i];
        for (size_t j = 0; j < nd; j++) {
            carry += (unsigned)digits[j] << 8;
            digits[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        while (carry) {
            digits[nd++] = (uint8_t)(carry % 58);
            carry /= 58;
        }
    }
    if (zeros + nd + 1 > cap)
        return 0;
    size_t o = 0;
    for (size_t i = 0; i < zeros; i++)
        out[o++] = '1';
    for (size_t i = nd; i > 0; i--)
        out[o++] = b58_alphabet[digits[i - 1]];
    out[o] = '\0';
    return o;
}

int ms_btc_base58_decode(const char *s, size_t len, uint8_t *out, size_t cap) {
    uint8_t bytes[128];
    size_t nb = 0, zeros = 0;
    if (len == 0 || len > 128)
        return -1;
    while (zeros < len && s[zeros] == '1')
        zeros++;
    for (size_t i = zeros; i < len; i++) {
        int d = b58_digit((uint8_t)s[i]);
        if (d < 0)
            return -1;
        unsigned carry = (unsigned)d;
        for (size_t j = 0; j < nb; j++) {
            carry += (unsigned)bytes[j] * 58;
            bytes[j] = (uint8_t)carry;
            carry >>= 8;
        }
        while (carry) {
            if (nb == sizeof(bytes))
                return -1;
            bytes[nb++] = (uint8_t)carry;
            carry >>= 8;
        }
    }
    if (zeros + nb > cap)
        return -1;
    memset(out, 0, zeros);
    for (size_t i = 0; i < nb; i++)
        out[zeros + i] = bytes[nb - 1 - i];
    return (int)(zeros + nb);
}

/* ---- wallet validators ---- */

bool ms_wallet_valid_xmr(const char *s, size_t len) {
    uint8_t raw[80], h[32];
    if (len != 95 && len != 106)
        return false;
    int n = ms_xmr_base58_decode(s, len, raw, sizeof(raw));
    if (n != 69 && n != 77)
        return false;
    /* Network bytes (varints below 128, so one byte): mainnet 18 standard,
     * 19 integrated, 42 subaddress; testnet 53/54/63; stagenet 24/25/36.
     * An integrated address carries an 8-byte payment id (77 bytes). */
    uint8_t tag = raw[0];
    bool integrated = tag == 19 || tag == 54 || tag == 25;
    bool plain = tag == 18 || tag == 42 || tag == 53 || tag == 63 || tag == 24 || tag == 36;
    if (!((integrated && n == 77) || (plain && n == 69)))
        return false;
    ms_keccak256(raw, (size_t)n - 4, h);
    return memcmp(h, raw + n - 4, 4) == 0;
}

static bool sha256d(const uint8_t *in, size_t len, uint8_t out[32]) {
    uint8_t h1[32];
    unsigned l1 = 0, l2 = 0;
    if (EVP_Digest(in, len, h1, &l1, EVP_sha256(), NULL) != 1 || l1 != 32)
        return false;
    return EVP_Digest(h1, 32, out, &l2, EVP_sha256(), NULL) == 1 && l2 == 32;
}

bool ms_wallet_valid_btc_base58(const char *s, size_t len) {
    uint8_t raw[64], h[32];
    if (len < 26 || len > 35 || (s[0] != '1' && s[0] != '3'))
        return false;
    int n = ms_btc_base58_decode(s, len, raw, sizeof(raw));
    if (n != 25 || (raw[0] != 0x00 && raw[0] != 0x05))
        return false;
    if (!sha256d(raw, 21, h))
        return false;
    return memcmp(h, raw + 21, 4) == 0;
}

static const char bech32_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t bech32_polymod(const uint8_t *v, size_t n) {
    static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint32_t chk = 1;
    for (size_t i = 0; i < n; i++) {
        uint8_t top = (uint8_t)(chk >> 25);
        chk = ((chk & 0x1ffffff) << 5) ^ v[i];
        for (int b = 0; b < 5; b++)
            if ((top >> b) & 1)
                chk ^= gen[b];
    }
    return chk;
}

bool ms_wallet_valid_bech32(const char *s, size_t len) {
    uint8_t v[128], data[90];
    bool has_lower = false, has_upper = false;
    if (len < 14 || len > 90)
        return false;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c < 33 || c > 126)
            return false;
        has_lower |= c >= 'a' && c <= 'z';
        has_upper |= c >= 'A' && c <= 'Z';
    }
    if (has_lower && has_upper)
        return false;
    /* Only Bitcoin mainnet addresses: hrp "bc", separator '1'. */
    if (lower((uint8_t)s[0]) != 'b' || lower((uint8_t)s[1]) != 'c' || s[2] != '1')
        return false;
    size_t nd = len - 3;
    if (nd < 6 + 1)
        return false;
    for (size_t i = 0; i < nd; i++) {
        const char *p = strchr(bech32_charset, lower((uint8_t)s[3 + i]));
        if (!p || !s[3 + i])
            return false;
        data[i] = (uint8_t)(p - bech32_charset);
    }
    /* hrp expansion: high bits, 0, low bits */
    size_t nv = 0;
    v[nv++] = 'b' >> 5;
    v[nv++] = 'c' >> 5;
    v[nv++] = 0;
    v[nv++] = 'b' & 31;
    v[nv++] = 'c' & 31;
    memcpy(v + nv, data, nd);
    nv += nd;
    uint32_t pm = bech32_polymod(v, nv);
    bool bech32m = pm == 0x2bc830a3;
    if (pm != 1 && !bech32m)
        return false;
    uint8_t witver = data[0];
    if (witver > 16)
        return false;
    /* convert the 5-bit program to bytes, no padding allowed */
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t plen = 0;
    for (size_t i = 1; i < nd - 6; i++) {
        acc = (acc << 5) | data[i];
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            plen++;
        }
    }
    if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
        return false;
    if (plen < 2 || plen > 40)
        return false;
    if (witver == 0)
        return !bech32m && (plen == 20 || plen == 32);
    return bech32m;
}

bool ms_wallet_valid_eth(const char *s, size_t len) {
    bool has_lower = false, has_upper = false;
    if (len != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return false;
    for (size_t i = 2; i < 42; i++) {
        uint8_t c = (uint8_t)s[i];
        if (!is_hex(c))
            return false;
        has_lower |= c >= 'a' && c <= 'f';
        has_upper |= c >= 'A' && c <= 'F';
    }
    size_t zeros = 0;
    for (size_t i = 2; i < 42; i++)
        zeros += s[i] == '0';
    if (zeros == 40)
        return false; /* the zero address is a placeholder, not a wallet */
    if (!(has_lower && has_upper))
        return true;
    /* EIP-55: a letter is upper case iff its nibble of keccak256(lower hex) >= 8 */
    char lc[40];
    uint8_t h[32];
    for (size_t i = 0; i < 40; i++)
        lc[i] = (char)lower((uint8_t)s[2 + i]);
    ms_keccak256((const uint8_t *)lc, 40, h);
    for (size_t i = 0; i < 40; i++) {
        uint8_t c = (uint8_t)s[2 + i];
        if (is_digit(c))
            continue;
        unsigned nib = (i % 2 == 0) ? (h[i / 2] >> 4) : (h[i / 2] & 15);
        if ((nib >= 8) != (c >= 'A' && c <= 'F'))
            return false;
    }
    return true;
}

/* ---- wallets in a buffer ---- */

static const char *const mining_words[] = {
    "stratum", "ethash", "etchash", "eth_submitlogin", "wallet", "pool", "miner", "mining",
    "--user", "\"user\"", "-u ", "ethermine", "nanopool", "2miners", "nicehash", "hashrate", NULL,
};

/* A mining word starts at d[i] and ends by d[to]. */
static bool mining_word_at(const uint8_t *d, size_t i, size_t to) {
    /* the first letters of the words: most bytes are none of them */
    if (!memchr("sewpm-\"n2h", lower(d[i]), 10))
        return false;
    for (const char *const *w = mining_words; *w; w++) {
        size_t n = strlen(*w);
        if (lower(d[i]) != (uint8_t)(*w)[0] || n > to - i)
            continue;
        size_t k = 1;
        while (k < n && lower(d[i + k]) == (uint8_t)(*w)[k])
            k++;
        if (k == n)
            return true;
    }
    return false;
}

#define MINING_WORD_MAX 15 /* strlen("eth_submitlogin") */

/* What the context search of one buffer has seen. Candidates come in
 * order, so their windows only move right: each byte is looked at about
 * once, however many addresses sit close together (a window per candidate,
 * searched afresh, cost 30x the rest of the extraction on a dense list). */
typedef struct context_scan {
    size_t done;   /* positions below this have been looked at */
    size_t hit;    /* where the rightmost mining word seen starts */
    bool have_hit;
} context_scan;

/* A mining word within ETH_CONTEXT bytes of d[pos, pos+len). */
static bool mining_context(const uint8_t *d, size_t size, size_t pos, size_t len, context_scan *c) {
    size_t from = pos > ETH_CONTEXT ? pos - ETH_CONTEXT : 0;
    size_t to = pos + len + ETH_CONTEXT < size ? pos + len + ETH_CONTEXT : size;
    if (c->have_hit && c->hit >= from)
        return true;
    /* a word may have been cut short by the last window's end: look again there */
    size_t start = c->done > from + MINING_WORD_MAX ? c->done - MINING_WORD_MAX : from;
    for (size_t i = start; i < to; i++)
        if (mining_word_at(d, i, to)) {
            c->hit = i;
            c->have_hit = true;
        }
    if (to > c->done)
        c->done = to;
    return c->have_hit && c->hit >= from;
}

static int add_wallet_run(const uint8_t *d, size_t size, size_t pos, size_t len, context_scan *ctx,
                          ms_iocs *io) {
    char buf[128];
    const char *coin = NULL;
    const char *s = (const char *)d + pos;
    if (len < 14 || len >= sizeof(buf))
        return 0;
    if ((len == 95 || len == 106) && ms_wallet_valid_xmr(s, len))
        coin = "xmr";
    else if (len >= 26 && len <= 35 && (s[0] == '1' || s[0] == '3') && ms_wallet_valid_btc_base58(s, len))
        coin = "btc";
    else if (len <= 90 && (s[0] == 'b' || s[0] == 'B') && ms_wallet_valid_bech32(s, len))
        coin = "btc";
    else if (len == 42 && ms_wallet_valid_eth(s, len) && mining_context(d, size, pos, len, ctx))
        coin = "eth";
    if (!coin)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return ms_iocs_add_wallet(io, coin, buf);
}

static int scan_wallets(const uint8_t *d, size_t size, ms_iocs *io) {
    context_scan ctx = {0};
    size_t i = 0;
    while (i < size && io->n_wallets < MS_MAX_IOCS) {
        if (!is_alnum(d[i])) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < size && is_alnum(d[i]))
            i++;
        int r = add_wallet_run(d, size, start, i - start, &ctx, io);
        if (r < 0)
            return r;
    }
    return 0;
}

/* ---- pools ---- */

static bool valid_host(const char *h, size_t n) {
    bool letter = false, dot = false;
    if (n == 0 || n > 253 || h[0] == '.' || h[0] == '-' || h[n - 1] == '.' || h[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)h[i];
        if (!host_char(c))
            return false;
        letter |= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        dot |= c == '.';
        if (c == '.' && i + 1 < n && h[i + 1] == '.')
            return false;
    }
    return dot || letter;
}

static bool valid_port(const char *p, size_t n) {
    if (n == 0 || n > 5)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((uint8_t)p[i]))
            return false;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    return v > 0 && v <= 65535;
}

/* Parse "host:port" (the whole of v). Writes lower-case host:port to out. */
static bool parse_hostport(const char *v, size_t n, char *out, size_t cap) {
    const char *colon = memchr(v, ':', n);
    if (!colon)
        return false;
    size_t hl = (size_t)(colon - v), pl = n - hl - 1;
    if (!valid_host(v, hl) || !valid_port(colon + 1, pl) || hl + pl + 2 > cap)
        return false;
    for (size_t i = 0; i < hl; i++)
        out[i] = (char)lower((uint8_t)v[i]);
    out[hl] = ':';
    memcpy(out + hl + 1, colon + 1, pl);
    out[hl + 1 + pl] = '\0';
    return true;
}

/* Parse a stratum URL at d[pos] (pos points at "stratum", any case).
 * Writes scheme://host[:port] to out, *ret_len = bytes consumed, *ret_tls.
 * The user part ("wallet.worker:pass@") is dropped from the pool. */
static bool parse_stratum_url(const uint8_t *d, size_t size, size_t pos, char *out, size_t cap,
                              size_t *ret_len, int *ret_tls) {
    char scheme[24];
    size_t i = pos, sl = 0;
    while (i < size && sl < sizeof(scheme) - 1 && (is_alnum(d[i]) || d[i] == '+')) {
        scheme[sl++] = (char)lower(d[i]);
        i++;
    }
    scheme[sl] = '\0';
    if (i + 3 > size || memcmp(d + i, "://", 3) != 0)
        return false;
    static const char *const schemes[] = {
        "stratum",        "stratums",       "stratumss",       "stratum+tcp",  "stratum+ssl",
        "stratum+tls",    "stratum+tls12",  "stratum1+tcp",    "stratum1+ssl", "stratum1+tls",
        "stratum1+tls12", "stratum2+tcp",   "stratum2+ssl",    "stratum2+tls", "stratum2+tls12",
        NULL,
    };
    bool known = false;
    for (const char *const *s = schemes; *s; s++)
        known |= !strcmp(scheme, *s);
    if (!known)
        return false;
    i += 3;
    /* authority: up to '/', whitespace, quote or a control byte */
    size_t a0 = i;
    while (i < size && i - a0 < MAX_TOKEN && d[i] > ' ' && d[i] < 127 && d[i] != '/' && d[i] != '"' &&
           d[i] != '\'' && d[i] != '<' && d[i] != '>' && d[i] != '\\')
        i++;
    size_t a1 = i, h0 = a0;
    for (size_t k = a0; k < a1; k++)
        if (d[k] == '@')
            h0 = k + 1;
    size_t h1 = h0;
    while (h1 < a1 && host_char(d[h1]))
        h1++;
    if (!valid_host((const char *)d + h0, h1 - h0))
        return false;
    size_t p0 = h1, p1 = h1;
    if (p0 < a1 && d[p0] == ':') {
        p0++;
        p1 = p0;
        while (p1 < a1 && is_digit(d[p1]))
            p1++;
        if (!valid_port((const char *)d + p0, p1 - p0))
            p0 = p1 = h1;
    }
    int n = snprintf(out, cap, "%s://", scheme);
    if (n < 0 || (size_t)n + (h1 - h0) + (p1 - p0) + 2 > cap)
        return false;
    for (size_t k = h0; k < h1; k++)
        out[n++] = (char)lower(d[k]);
    if (p1 > p0) {
        out[n++] = ':';
        memcpy(out + n, d + p0, p1 - p0);
        n += (int)(p1 - p0);
    }
    out[n] = '\0';
    *ret_len = a1 - pos;
    *ret_tls = (strstr(scheme, "ssl") || strstr(scheme, "tls") || !strcmp(scheme, "stratums") ||
                !strcmp(scheme, "stratumss"))
                   ? 1
                   : 0;
    return true;
}

/* Every stratum URL in the buffer. A URL seen here says nothing of the
 * miner's TLS setting (a binary holds its donate pools too); only a pool
 * given to -o or a config "url" does. */
static int scan_stratum_urls(const uint8_t *d, size_t size, ms_iocs *io) {
    size_t i = 0;
    char url[MAX_TOKEN + 32];
    while (io->n_pools < MS_MAX_IOCS) {
        const uint8_t *p = find_ci(d, i, size, "stratum");
        if (!p)
            break;
        size_t pos = (size_t)(p - d), used = 0;
        int tls = -1;
        if (pos > 0 && is_alnum(d[pos - 1])) {
            i = pos + 7;
            continue;
        }
        if (parse_stratum_url(d, size, pos, url, sizeof(url), &used, &tls)) {
            int r = ms_iocs_add_pool(io, url);
            if (r < 0)
                return r;
            i = pos + used;
        } else {
            i = pos + 7;
        }
    }
    return 0;
}

/* host:port with a usual pool port and a mining word in the host name. */
static int scan_pool_ports(const uint8_t *d, size_t size, ms_iocs *io) {
    static const char *const ports[] = {"3333", "3334", "4444", "5555", "7777", "14433",
                                        "14444", "10128", "20128", "45560", "45700", NULL};
    static const char *const words[] = {"pool", "xmr", "mine", "mining", "hash", "monero",
                                        "stratum", "coin", NULL};
    char hp[300];
    for (size_t i = 1; i + 1 < size && io->n_pools < MS_MAX_IOCS; i++) {
        if (d[i] != ':' || !is_digit(d[i + 1]) || !host_char(d[i - 1]))
            continue;
        size_t p1 = i + 1;
        while (p1 < size && p1 - i <= 6 && is_digit(d[p1]))
            p1++;
        if (p1 < size && (is_alnum(d[p1]) || d[p1] == '.'))
            continue;
        bool usual = false;
        for (const char *const *p = ports; *p; p++)
            usual |= strlen(*p) == p1 - i - 1 && !memcmp(d + i + 1, *p, p1 - i - 1);
        if (!usual)
            continue;
        size_t h0 = i;
        while (h0 > 0 && i - h0 < 253 && host_char(d[h0 - 1]))
            h0--;
        /* part of a URL: the URL scanner reports it with its scheme */
        if (h0 > 0 && (d[h0 - 1] == '/' || d[h0 - 1] == '@'))
            continue;
        if (!parse_hostport((const char *)d + h0, p1 - h0, hp, sizeof(hp)))
            continue;
        bool mining = false;
        for (const char *const *w = words; *w && !mining; w++)
            mining = strstr(hp, *w) != NULL;
        if (!mining || !strchr(hp, '.'))
            continue;
        int r = ms_iocs_add_pool(io, hp);
        if (r < 0)
            return r;
    }
    return 0;
}

/* A pool given as a config value or an -o argument: a stratum URL or
 * host:port. Adds it and returns 1, 0 when v is not a pool. */
static int add_pool_value(const char *v, size_t n, ms_iocs *io, int *tls) {
    char out[MAX_TOKEN + 32];
    size_t used = 0;
    int t = -1;
    if (n >= 7 && !strncasecmp(v, "stratum", 7)) {
        if (!parse_stratum_url((const uint8_t *)v, n, 0, out, sizeof(out), &used, &t))
            return 0;
        if (tls && *tls < 0)
            *tls = t;
    } else if (!parse_hostport(v, n, out, sizeof(out))) {
        return 0;
    }
    int r = ms_iocs_add_pool(io, out);
    return r < 0 ? r : 1;
}

/* ---- configuration: JSON ---- */

static int set_str(char **dst, const char *v, size_t n) {
    if (*dst || n == 0)
        return 0;
    char *s = malloc(n + 1);
    if (!s)
        return -ENOMEM;
    memcpy(s, v, n);
    s[n] = '\0';
    *dst = s;
    return 0;
}

typedef enum { JV_NONE, JV_STRING, JV_NUMBER, JV_TRUE, JV_FALSE, JV_NULL, JV_OTHER } jv_type;

/* Find "key" : value in d[from, to) and decode a scalar value into buf
 * (strings unescaped for \" \\ \/, capped at cap-1 bytes). Returns the
 * type and sets *ret_end past the value; JV_NONE when the key is absent.
 * This is a key finder, not a JSON parser: configs are small and often
 * not quite JSON (xmr-stak's have comments), so structure is not checked. */
static jv_type json_value(const uint8_t *d, size_t from, size_t to, const char *key, char *buf,
                          size_t cap, size_t *ret_len, size_t *ret_end) {
    char pat[64];
    int pn = snprintf(pat, sizeof(pat), "\"%s\"", key);
    if (pn < 0 || (size_t)pn >= sizeof(pat))
        return JV_NONE;
    size_t i = from;
    for (;;) {
        const uint8_t *p = find_cs(d, i, to, pat);
        if (!p)
            return JV_NONE;
        size_t k = (size_t)(p - d) + (size_t)pn;
        i = k;
        while (k < to && (d[k] == ' ' || d[k] == '\t' || d[k] == '\r' || d[k] == '\n'))
            k++;
        if (k >= to || d[k] != ':')
            continue;
        k++;
        while (k < to && (d[k] == ' ' || d[k] == '\t' || d[k] == '\r' || d[k] == '\n'))
            k++;
        if (k >= to)
            return JV_NONE;
        size_t n = 0;
        jv_type t;
        if (d[k] == '"') {
            k++;
            while (k < to && d[k] != '"') {
                uint8_t c = d[k++];
                if (c == '\\' && k < to) {
                    c = d[k++];
                    if (c != '"' && c != '\\' && c != '/')
                        c = '?';
                }
                if (c < ' ')
                    break;
                if (n + 1 < cap)
                    buf[n++] = (char)c;
            }
            if (k >= to || d[k] != '"')
                continue;
            k++;
            t = JV_STRING;
        } else if (is_digit(d[k]) || d[k] == '-') {
            while (k < to && (is_digit(d[k]) || d[k] == '-' || d[k] == '.') && n + 1 < cap)
                buf[n++] = (char)d[k++];
            t = JV_NUMBER;
        } else if (to - k >= 4 && !memcmp(d + k, "true", 4)) {
            k += 4;
            t = JV_TRUE;
        } else if (to - k >= 5 && !memcmp(d + k, "false", 5)) {
            k += 5;
            t = JV_FALSE;
        } else if (to - k >= 4 && !memcmp(d + k, "null", 4)) {
            k += 4;
            t = JV_NULL;
        } else {
            t = JV_OTHER;
        }
        if (cap)
            buf[n < cap ? n : cap - 1] = '\0';
        *ret_len = n;
        *ret_end = k;
        return t;
    }
}

/* First key in [from,to) whose value has the wanted type (skips "algo": null). */
static jv_type json_find(const uint8_t *d, size_t from, size_t to, const char *key, jv_type want,
                         char *buf, size_t cap, size_t *ret_len) {
    size_t i = from, end = 0;
    for (int guard = 0; guard < 64; guard++) {
        jv_type t = json_value(d, i, to, key, buf, cap, ret_len, &end);
        if (t == JV_NONE)
            return JV_NONE;
        if (t == want || (want == JV_TRUE && t == JV_FALSE))
            return t;
        i = end;
    }
    return JV_NONE;
}

static int parse_json_config(const uint8_t *d, size_t size, ms_iocs *io, int *tls) {
    char v[MAX_TOKEN];
    size_t n = 0;
    int r;
    ms_miner_config *c = &io->config;

    /* xmrig: "pools": [ { "url", "user", "pass", "tls", "algo", "coin" } ] */
    const uint8_t *pools = find_cs(d, 0, size, "\"pools\"");
    if (pools) {
        size_t from = (size_t)(pools - d);
        size_t to = size - from > POOLS_WINDOW ? from + POOLS_WINDOW : size;
        if (json_find(d, from, to, "url", JV_STRING, v, sizeof(v), &n) == JV_STRING &&
            (r = add_pool_value(v, n, io, tls)) < 0)
            return r;
        if (json_find(d, from, to, "user", JV_STRING, v, sizeof(v), &n) == JV_STRING &&
            (r = set_str(&c->user, v, n)) < 0)
            return r;
        if (json_find(d, from, to, "pass", JV_STRING, v, sizeof(v), &n) == JV_STRING &&
            (r = set_str(&c->pass, v, n)) < 0)
            return r;
        jv_type t = json_find(d, from, to, "tls", JV_TRUE, v, sizeof(v), &n);
        if (c->tls < 0 && (t == JV_TRUE || t == JV_FALSE))
            c->tls = t == JV_TRUE;
        if (json_find(d, from, to, "algo", JV_STRING, v, sizeof(v), &n) == JV_STRING &&
            (r = set_str(&c->algo, v, n)) < 0)
            return r;
        if (json_find(d, from, to, "coin", JV_STRING, v, sizeof(v), &n) == JV_STRING &&
            (r = set_str(&c->algo, v, n)) < 0)
            return r;
    }
    if (c->donate_level < 0 && json_find(d, 0, size, "donate-level", JV_NUMBER, v, sizeof(v), &n) == JV_NUMBER) {
        long dl = strtol(v, NULL, 10);
        if (dl >= 0 && dl <= 100)
            c->donate_level = (int)dl;
    }
    if (pools || c->donate_level >= 0) {
        if (json_find(d, 0, size, "algo", JV_STRING, v, sizeof(v), &n) == JV_STRING &&
            (r = set_str(&c->algo, v, n)) < 0)
            return r;
        if (json_find(d, 0, size, "coin", JV_STRING, v, sizeof(v), &n) == JV_STRING &&
            (r = set_str(&c->algo, v, n)) < 0)
            return r;
    }

    /* xmr-stak pools.txt: pool_address, wallet_address, pool_password, use_tls, currency */
    if (json_find(d, 0, size, "pool_address", JV_STRING, v, sizeof(v), &n) == JV_STRING) {
        if ((r = add_pool_value(v, n, io, tls)) < 0)
            return r;
        if (json_find(d, 0, size, "wallet_address", JV_STRING, v, sizeof(v), &n) == JV_STRING &&
            (r = set_str(&c->user, v, n)) < 0)
            return r;
        if (json_find(d, 0, size, "pool_password", JV_STRING, v, sizeof(v), &n) == JV_STRING &&
            (r = set_str(&c->pass, v, n)) < 0)
            return r;
        jv_type t = json_find(d, 0, size, "use_tls", JV_TRUE, v, sizeof(v), &n);
        if (c->tls < 0 && (t == JV_TRUE || t == JV_FALSE))
            c->tls = t == JV_TRUE;
        if (json_find(d, 0, size, "currency", JV_STRING, v, sizeof(v), &n) == JV_STRING &&
            (r = set_str(&c->algo, v, n)) < 0)
            return r;
    }
    return 0;
}

/* ---- configuration: command lines ---- */

typedef struct {
    size_t off, len;
} token;

/* Tokens are separated by whitespace, quotes, commas, brackets and shell
 * punctuation, so `xmrig -o h:1 -u W`, a Python ["-o", "h:1"] list and a
 * systemd ExecStart= line all read the same. */
static bool tok_sep(uint8_t c) {
    return c <= ' ' || c >= 127 || c == '"' || c == '\'' || c == ',' || c == '[' || c == ']' ||
           c == '(' || c == ')' || c == '`' || c == '\\' || c == ';' || c == '|' || c == '&' ||
           c == '{' || c == '}';
}

static bool tok_is(const uint8_t *d, token t, const char *s) {
    size_t n = strlen(s);
    return t.len == n && !memcmp(d + t.off, s, n);
}

/* "--opt=value": value of a long option given with '=' */
static bool tok_eq(const uint8_t *d, token t, const char *opt, token *val) {
    size_t n = strlen(opt);
    if (t.len <= n + 1 || memcmp(d + t.off, opt, n) != 0 || d[t.off + n] != '=')
        return false;
    val->off = t.off + n + 1;
    val->len = t.len - n - 1;
    return true;
}

static bool plain_value(const uint8_t *d, token v, size_t max) {
    if (v.len == 0 || v.len > max || d[v.off] == '-' || d[v.off] == '$')
        return false;
    for (size_t i = 0; i < v.len; i++)
        if (d[v.off + i] < ' ' || d[v.off + i] >= 127)
            return false;
    return true;
}

/* Apply one option of a miner command line; *i may advance past its value. */
static int apply_option(const uint8_t *d, const token *tk, size_t nt, size_t *i, ms_iocs *io, int *tls) {
    ms_miner_config *c = &io->config;
    token t = tk[*i], v = {0, 0};
    bool has = false;
    enum { O_NONE, O_USER, O_PASS, O_ALGO, O_DONATE, O_TLS } kind = O_NONE;
    static const struct {
        const char *s, *l;
        int kind;
    } opts[] = {
        {"-u", "--user", O_USER},          {"-p", "--pass", O_PASS},
        {"-a", "--algo", O_ALGO},          {NULL, "--coin", O_ALGO},
        {NULL, "--donate-level", O_DONATE}, {NULL, "--tls", O_TLS},
    };
    for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]) && kind == O_NONE; k++) {
        if ((opts[k].s && tok_is(d, t, opts[k].s)) || tok_is(d, t, opts[k].l)) {
            kind = opts[k].kind;
            if (kind != O_TLS && *i + 1 < nt) {
                v = tk[*i + 1];
                has = true;
            }
        } else if (tok_eq(d, t, opts[k].l, &v)) {
            kind = opts[k].kind;
            has = kind != O_TLS;
        }
    }
    if (kind == O_TLS) {
        if (c->tls < 0) /* an explicit flag beats the URL scheme */
            c->tls = 1;
        return 0;
    }
    if (kind == O_NONE || !has)
        return 0;
    if (v.off >= t.off + t.len) /* the value was the next token: skip it */
        (*i)++;
    const char *s = (const char *)d + v.off;
    switch (kind) {
    case O_USER:
        return plain_value(d, v, 256) ? set_str(&c->user, s, v.len) : 0;
    case O_PASS:
        return plain_value(d, v, 128) ? set_str(&c->pass, s, v.len) : 0;
    case O_ALGO:
        return plain_value(d, v, 32) ? set_str(&c->algo, s, v.len) : 0;
    case O_DONATE:
        if (c->donate_level < 0 && v.len >= 1 && v.len <= 3) {
            int dl = 0;
            for (size_t k = 0; k < v.len; k++) {
                if (!is_digit(d[v.off + k]))
                    return 0;
                dl = dl * 10 + (d[v.off + k] - '0');
            }
            if (dl <= 100)
                c->donate_level = dl;
        }
        return 0;
    default:
        return 0;
    }
}

#define CMD_RING 64      /* tokens remembered before a pool option */
#define CMD_BEFORE 24    /* of which this many are read as options */
#define CMD_AFTER 48     /* tokens after a pool option read as options */

/* Miner command lines: a -o/--url (or -P for ethminer) whose value is a
 * pool opens a window of tokens around it in which -u/-p/-a/--algo/--coin/
 * --donate-level/--tls are read. Elsewhere, "-p" and "-o" mean anything. */
static int parse_cmdlines(const uint8_t *d, size_t size, ms_iocs *io, int *tls) {
    token ring[CMD_RING];
    size_t nring = 0, after = 0, i = 0, cmd_start = 0;
    int r;
    while (i < size) {
        /* A command ends at ';', '|', '&' or a newline that does not
         * continue it (a trailing '\\', ',' or an open '[' / '('): options
         * of the previous command (mkdir -p) are not the miner's. */
        bool boundary = false;
        uint8_t last = 0;
        while (i < size && tok_sep(d[i])) {
            uint8_t c = d[i];
            if (c == ';' || c == '|' || c == '&')
                boundary = true;
            else if (c == '\n' && last != '\\' && last != ',' && last != '[' && last != '(')
                boundary = true;
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '"' && c != '\'')
                last = c;
            i++;
        }
        if (boundary) {
            cmd_start = nring;
            after = 0;
        }
        if (i >= size)
            break;
        size_t s = i;
        while (i < size && !tok_sep(d[i]))
            i++;
        token t = {s, i - s};
        if (t.len > MAX_TOKEN)
            continue;
        ring[nring % CMD_RING] = t;
        nring++;

        /* is the previous token -o/--url/-P and this one a pool? */
        bool opened = false;
        token v;
        if (nring >= 2) {
            token prev = ring[(nring - 2) % CMD_RING];
            if (tok_is(d, prev, "-o") || tok_is(d, prev, "--url") || tok_is(d, prev, "-P")) {
                if ((r = add_pool_value((const char *)d + t.off, t.len, io, tls)) < 0)
                    return r;
                opened = r == 1;
            }
        }
        if (!opened && tok_eq(d, t, "--url", &v)) {
            if ((r = add_pool_value((const char *)d + v.off, v.len, io, tls)) < 0)
                return r;
            opened = r == 1;
        }
        if (opened) {
            /* read the options before the pool, then keep reading after it */
            size_t first = nring > CMD_BEFORE ? nring - CMD_BEFORE : 0;
            if (first < cmd_start)
                first = cmd_start;
            token win[CMD_BEFORE];
            size_t nw = 0;
            for (size_t k = first; k < nring; k++)
                win[nw++] = ring[k % CMD_RING];
            for (size_t k = 0; k < nw; k++)
                if ((r = apply_option(d, win, nw, &k, io, tls)) < 0)
                    return r;
            after = CMD_AFTER;
            continue;
        }
        if (after > 0) {
            after--;
            /* options take their value from the next token: peek it */
            size_t j = i;
            while (j < size && tok_sep(d[j]))
                j++;
            size_t e = j;
            while (e < size && !tok_sep(d[e]) && e - j <= MAX_TOKEN)
                e++;
            token pair[2] = {t, {j, e - j}};
            size_t k = 0, np = e > j ? 2 : 1;
            if ((r = apply_option(d, pair, np, &k, io, tls)) < 0)
                return r;
        }
    }
    return 0;
}

/* ---- the extractor ---- */

int ms_iocs_extract(const uint8_t *data, size_t size, ms_iocs *io) {
    int r, url_tls = -1;
    if (!data || size == 0)
        return 0;
    if ((r = parse_json_config(data, size, io, &url_tls)) < 0)
        return r;
    if ((r = parse_cmdlines(data, size, io, &url_tls)) < 0)
        return r;
    if ((r = scan_stratum_urls(data, size, io)) < 0)
        return r;
    if ((r = scan_pool_ports(data, size, io)) < 0)
        return r;
    if ((r = scan_wallets(data, size, io)) < 0)
        return r;
    /* no explicit tls setting: the scheme of the configured pool tells */
    if (io->config.tls < 0 && url_tls >= 0)
        io->config.tls = url_tls;
    return 0;
}

/* ---- base64 blobs ---- */

static int b64_value(uint8_t c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
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
    uint8_t *buf = NULL;
    size_t blobs = 0, total = 0, i = 0;
    int r = 0;
    if (!data || !fn)
        return 0;
    while (i < size && blobs < MS_BASE64_MAX_BLOBS && total < MS_BASE64_MAX_BYTES) {
        if (b64_value(data[i]) < 0) {
            i++;
            continue;
        }
        /* A base64 payload is a word of its own: not the tail of a longer
         * token such as a URL path or an identifier with '_' or '-'. */
        if (i > 0 && (data[i - 1] == '_' || data[i - 1] == '-' || data[i - 1] == '.' ||
                      data[i - 1] == '%' || data[i - 1] == '\\')) {
            while (i < size && b64_value(data[i]) >= 0)
                i++;
            continue;
        }
        size_t start = i, chars = 0, line = 0;
        bool non_hex = false;
        for (;;) {
            while (i < size && b64_value(data[i]) >= 0) {
                non_hex |= !is_hex(data[i]);
                i++;
                chars++;
                line++;
            }
            /* a wrapped line (PEM/MIME, >= MS_BASE64_MIN_CHARS) continues */
            size_t j = i;
            if (j < size && data[j] == '\r')
                j++;
            if (line >= MS_BASE64_MIN_CHARS && j < size && data[j] == '\n' && j + 1 < size &&
                b64_value(data[j + 1]) >= 0) {
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
        if (chars < MS_BASE64_MIN_CHARS || !non_hex)
            continue;
        /* A payload larger than what is left of the budget is decoded in
         * part: the head of an embedded binary still carries its strings. */
        size_t cap = chars / 4 * 3 + 3;
        if (cap > MS_BASE64_MAX_BYTES - total)
            cap = MS_BASE64_MAX_BYTES - total;
        uint8_t *nb = realloc(buf, cap);
        if (!nb) {
            r = -ENOMEM;
            break;
        }
        buf = nb;
        size_t n = b64_decode(data, start, end, buf, cap);
        if (n == 0)
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
