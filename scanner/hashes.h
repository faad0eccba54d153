/*
 * hashes.h - digests with openssl EVP, and hash lists (--hashes known-bad,
 * --allow known-good): one hex sha256, sha1 or md5 per line, optionally
 * followed by white space and a name, or by ';' and a comment (Loki's and
 * signature-base's iocs/hash-iocs.txt form, HASH;COMMENT); '#' starts a
 * comment line.
 */
#ifndef MS_HASHES_H
#define MS_HASHES_H

#include <stdbool.h>
#include <stdio.h>

#include "minerscan.h"

typedef struct ms_hashlist ms_hashlist;

/* out must hold 65 bytes. 0 or MS_E_CRYPTO. */
int ms_sha256_hex(const uint8_t *data, size_t size, char out[65]);

/* Load a list. On a malformed line returns MS_E_USAGE with *ret_err =
 * "file:line: message". */
int ms_hashlist_load(const char *path, ms_hashlist **ret, char **ret_err);
void ms_hashlist_free(ms_hashlist *l);
size_t ms_hashlist_count(const ms_hashlist *l);

/* The digests of one object: sha256 always, sha1 and md5 when a list
 * holds such entries (ms_hashlist_needs). */
typedef struct ms_digests {
    bool want_sha1, want_md5;
    char sha256[65], sha1[41], md5[33];
} ms_digests;

/* Add to want the digests l needs besides sha256. */
void ms_hashlist_needs(const ms_hashlist *l, ms_digests *want);

/* Does an object with these digests match? *ret_name is the entry's name
 * or the list's file name. 1 match, 0 no match. */
int ms_hashlist_match(const ms_hashlist *l, const ms_digests *d, const char **ret_name);

/* The digests of an object fed in pieces (a big file is hashed in the
 * windows it is swept in). begin takes want's flags; end fills ret's hex
 * strings and frees c; abandon frees c without a result. */
typedef struct ms_digest_ctx ms_digest_ctx;
int ms_digest_begin(const ms_digests *want, ms_digest_ctx **ret);
int ms_digest_update(ms_digest_ctx *c, const uint8_t *d, size_t n);
int ms_digest_end(ms_digest_ctx *c, ms_digests *ret);
void ms_digest_abandon(ms_digest_ctx *c);
/* The sha256 of what was fed so far, c kept going (the report chain of
 * runinfo.h). 0 or MS_E_CRYPTO. */
int ms_digest_peek(const ms_digest_ctx *c, char sha256[65]);

/* The sha256 of a stream's remaining bytes (read to its end); 0, -errno
 * of the read, or MS_E_CRYPTO. */
int ms_sha256_stream(FILE *f, char out[65]);
/* The sha256 of a file's bytes. 0 or -errno (or MS_E_CRYPTO). */
int ms_sha256_file(const char *path, char out[65]);

#endif
