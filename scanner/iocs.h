/*
 * iocs.h - indicators of compromise: pool URLs and hosts, validated wallet
 * addresses (wallet.h checks them), miner configuration; the ms_iocs
 * container lives in minerscan.h.
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
 * deduplicates, stops at MS_MAX_IOCS).
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
void ms_iocs_extract(const uint8_t *data, size_t size, ms_iocs *io);

#endif
