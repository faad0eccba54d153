/*
 * iocs.h - indicators of compromise: pool URLs and hosts, validated wallet
 * addresses, miner configuration; and base64 blobs decoded for scanning.
 */
#ifndef MS_IOCS_H
#define MS_IOCS_H

#include "minerscan.h"

/* Extract pools, wallets and configuration from data into io (appends,
 * deduplicates, stops at MS_MAX_IOCS). 0 or -ENOMEM. */
int ms_iocs_extract(const uint8_t *data, size_t size, ms_iocs *io);

/* Find base64 runs of at least MS_BASE64_MIN_CHARS in data, decode each
 * and call fn with its byte offset. fn returns MS_CONTINUE/MS_STOP/<0. */
typedef int (*ms_blob_fn)(void *ud, uint64_t offset, const uint8_t *decoded, size_t len);
int ms_base64_blobs(const uint8_t *data, size_t size, ms_blob_fn fn, void *ud);

#endif
