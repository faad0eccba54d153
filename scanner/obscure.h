/*
 * obscure.h - a keystream that keeps the built-in signature data out of
 * the binary's plain bytes (issue 9). The compiled rules hold every string
 * they look for, the pool list every pool name: left plain, the installed
 * minerscan matched 28 of its own rules, and every third-party rule set
 * that looks for "xmrig" or "stratum+tcp" would flag it too. The build
 * (signatures/rulec, models/gen_header.py's tables) stores them XOR-ed
 * with this keystream and the scanner undoes it as it reads them.
 *
 * Not a cipher: anyone can undo it; it only has to keep a pattern matcher,
 * ours or anybody's, from seeing signature strings in the scanner. A
 * counter-based keystream (splitmix64 of the 8-byte block index) rather
 * than one XOR byte, which YARA's "xor" string modifier would see through,
 * and random access, so a stream can be decoded at any offset.
 */
#ifndef MS_OBSCURE_H
#define MS_OBSCURE_H

#include <stddef.h>
#include <stdint.h>

#define MS_OBSCURE_SEED 0x6d696e657273636eULL /* fixed: the build and the scanner agree */

static inline uint64_t ms_obscure_block(uint64_t i) {
    uint64_t z = MS_OBSCURE_SEED + (i + 1) * 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* XOR buf[0..n) with the keystream from stream offset off (the same call
 * encodes and decodes). */
static inline void ms_obscure(uint8_t *buf, size_t n, uint64_t off) {
    size_t i = 0;
    while (i < n) {
        uint64_t pos = off + i, k = ms_obscure_block(pos / 8);
        for (unsigned b = (unsigned)(pos % 8); b < 8 && i < n; b++, i++)
            buf[i] ^= (uint8_t)(k >> (8 * b));
    }
}

/* A decoded copy of an obscured string table (gen_strtab.py): n bytes,
 * the strings NUL-terminated back to back. Caller frees. */
char *ms_strtab_decode(const uint8_t *blob, size_t n);

#endif
