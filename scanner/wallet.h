/*
 * wallet.h - wallet address codecs and validators (wallet.c). Pure
 * functions over the bytes given; nothing allocates.
 */
#ifndef MS_WALLET_H
#define MS_WALLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Keccak-256 as Monero and Ethereum use it: Keccak-f[1600], rate 136,
 * the original Keccak padding (0x01 ... 0x80), not SHA3-256's 0x06. */
void ms_keccak256(const uint8_t *in, size_t len, uint8_t out[32]);
/* The same sponge with another domain padding byte: 0x06 gives SHA3-256,
 * which lets the tests check the permutation against OpenSSL. */
void ms_keccak_sponge256(const uint8_t *in, size_t len, uint8_t pad, uint8_t out[32]);

/* Monero's base58: 8-byte blocks encoded as 11 characters, the last
 * partial block as the fewest characters that hold it. Encode writes a
 * NUL-terminated string and returns its length, or 0 if cap is too small.
 * Decode returns the byte count, or -1 when s is not valid Monero base58
 * or does not fit in cap. */
size_t ms_xmr_base58_encode(const uint8_t *in, size_t len, char *out, size_t cap);
int ms_xmr_base58_decode(const char *s, size_t len, uint8_t *out, size_t cap);

/* Bitcoin's base58 (one big number). Same return conventions. */
size_t ms_btc_base58_encode(const uint8_t *in, size_t len, char *out, size_t cap);
int ms_btc_base58_decode(const char *s, size_t len, uint8_t *out, size_t cap);

/* Validators of one candidate (exactly len characters, no NUL needed). */
bool ms_wallet_valid_xmr(const char *s, size_t len);
bool ms_wallet_valid_btc_base58(const char *s, size_t len);
bool ms_wallet_valid_bech32(const char *s, size_t len);
/* "0x" + 40 hex; mixed case must satisfy the EIP-55 checksum. */
bool ms_wallet_valid_eth(const char *s, size_t len);

#endif
