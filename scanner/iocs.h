/*
 * iocs.h - indicators of compromise: pool URLs and hosts, validated wallet
 * addresses, miner configuration; and base64 blobs decoded for scanning.
 *
 * Everything here reads at most size bytes, allocates a bounded amount per
 * call, and never fails on hostile input: what does not parse is skipped.
 */
#ifndef MS_IOCS_H
#define MS_IOCS_H

#include <stdbool.h>

#include "minerscan.h"
#include "ms_limits.h"


/* Extract pools, wallets and configuration from data into io (appends,
 * deduplicates, stops at MS_MAX_IOCS). 0 or -ENOMEM.
 *
 *  - pools: stratum URLs (stratum+tcp/ssl/tls, stratum1+/stratum2+,
 *    stratum://, stratums://) normalised to scheme://host[:port] with the
 *    user part dropped; host:port given to -o/--url, a config "url" or
 *    "pool_address"; host:port with a usual pool port and a mining word in
 *    the host name.
 *  - wallets: Monero (standard, integrated, subaddress; Keccak checksum),
 *    Bitcoin (base58check P2PKH/P2SH, bech32/bech32m segwit v0/v1+),
 *    Ethereum (0x + 40 hex, EIP-55 checked when mixed case) only near a
 *    mining word. Anything that does not validate is dropped.
 *  - config: from xmrig JSON (pools[].url/user/pass/tls, algo/coin,
 *    donate-level), xmr-stak pools.txt, and miner command lines (-o/--url,
 *    -u/--user, -p/--pass, -a/--algo, --coin, --donate-level, --tls). The
 *    first value seen wins. */
int ms_iocs_extract(const uint8_t *data, size_t size, ms_iocs *io);

/* Find base64 runs of at least MS_BASE64_MIN_CHARS in data, decode each
 * and call fn with its byte offset. A run may wrap over lines of 40 or
 * more characters (PEM/MIME style) and then decodes as one blob; runs of
 * hex digits only are not base64 payloads and are skipped. At most
 * MS_BASE64_MAX_BLOBS blobs and MS_BASE64_MAX_BYTES decoded bytes per call.
 * fn returns MS_CONTINUE/MS_STOP/<0; returns 0, -ENOMEM or fn's error. */
typedef int (*ms_blob_fn)(void *ud, uint64_t offset, const uint8_t *decoded, size_t len);
int ms_base64_blobs(const uint8_t *data, size_t size, ms_blob_fn fn, void *ud);

/* ---- building blocks, exported for the tests ---- */

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
