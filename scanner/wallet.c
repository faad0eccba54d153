/*
 * wallet.c - wallet address codecs and checksums: Keccak-256 (written
 * here: OpenSSL 3.0 has SHA3 but not the original Keccak padding Monero
 * uses), Monero's and Bitcoin's base58, base58check with double SHA-256
 * (OpenSSL EVP), bech32/bech32m per BIP173 and BIP350, Ethereum's EIP-55.
 * Wallets are validated before they are reported, because an analyst hands
 * them on.
 */
#include "wallet.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "bytes.h"

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
    if (ms_lower((uint8_t)s[0]) != 'b' || ms_lower((uint8_t)s[1]) != 'c' || s[2] != '1')
        return false;
    size_t nd = len - 3;
    if (nd < 6 + 1)
        return false;
    for (size_t i = 0; i < nd; i++) {
        const char *p = strchr(bech32_charset, ms_lower((uint8_t)s[3 + i]));
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
        if (!ms_is_hex(c))
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
        lc[i] = (char)ms_lower((uint8_t)s[2 + i]);
    ms_keccak256((const uint8_t *)lc, 40, h);
    for (size_t i = 0; i < 40; i++) {
        uint8_t c = (uint8_t)s[2 + i];
        if (ms_is_digit(c))
            continue;
        unsigned nib = (i % 2 == 0) ? (h[i / 2] >> 4) : (h[i / 2] & 15);
        if ((nib >= 8) != (c >= 'A' && c <= 'F'))
            return false;
    }
    return true;
}

