/*
 * hashes.h - digests with openssl EVP, and hash lists (--hashes known-bad,
 * --allow known-good): one hex sha256, sha1 or md5 per line, optionally
 * followed by white space and a name; '#' starts a comment.
 */
#ifndef MS_HASHES_H
#define MS_HASHES_H

#include "minerscan.h"

typedef struct ms_hashlist ms_hashlist;

/* out must hold 65 bytes. 0 or MS_E_CRYPTO. */
int ms_sha256_hex(const uint8_t *data, size_t size, char out[65]);

/* Load a list. On a malformed line returns MS_E_USAGE with *ret_err =
 * "file:line: message". */
int ms_hashlist_load(const char *path, ms_hashlist **ret, char **ret_err);
void ms_hashlist_free(ms_hashlist *l);
size_t ms_hashlist_count(const ms_hashlist *l);

/* Does data (whose sha256 hex is given) match? Computes sha1/md5 only when
 * the list holds such entries. *ret_name is the entry's name or the list's
 * file name. 1 match, 0 no match, < 0 error. */
int ms_hashlist_match(const ms_hashlist *l, const uint8_t *data, size_t size,
                      const char *sha256_hex, const char **ret_name);

#endif
