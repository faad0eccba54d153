/*
 * corpus.h - shared pieces of the corpus tools: TSV rows (manifests and
 * feature tables), reading and writing a sample, its sha256.
 *
 * Manifest (fetch.sh, augment, synth.sh): tab-separated, '#' lines ignored,
 *   sha256 label family format group kind source path
 * Feature table (extract): the 8 manifest columns, then one column per
 * feature in schema order; the first line is "#schema\tVERSION\tHASH",
 * the next names the columns.
 */
#ifndef MS_CORPUS_H
#define MS_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CORPUS_COLS 8
enum { COL_SHA256, COL_LABEL, COL_FAMILY, COL_FORMAT, COL_GROUP, COL_KIND, COL_SOURCE, COL_PATH };

/* Split line (modified in place) on tabs into at most max fields; returns
 * the number of fields. The trailing newline is removed. */
size_t corpus_split(char *line, char **fields, size_t max);

/* Read a whole file, at most max bytes (*ret_truncated says if cut).
 * Returns 0 or -errno; *ret_data is malloc'd. */
int corpus_read(const char *path, size_t max, uint8_t **ret_data, size_t *ret_len,
                bool *ret_truncated);

/* Write a whole buffer to path (0644). 0 or -errno. */
int corpus_write(const char *path, const uint8_t *data, size_t len);

/* FNV-1a 64 of a string. */
uint64_t corpus_fnv(const char *s);

/* A set of strings (sha256s), open-addressed. Zero-initialise; free with
 * corpus_set_free. add returns 1 if added, 0 if already there, -ENOMEM. */
typedef struct corpus_set {
    char **h;
    size_t cap, n;
} corpus_set;
int corpus_set_add(corpus_set *s, const char *k);
bool corpus_set_has(const corpus_set *s, const char *k);
void corpus_set_free(corpus_set *s);

/* Lower-case hex sha256 of data into out[65]. */
void corpus_sha256(const uint8_t *data, size_t len, char out[65]);

/* Solve A x = b by Cholesky decomposition, in place: A (n x n, row-major,
 * symmetric positive definite) is overwritten by its factor, b by x. The
 * trainers' Newton step. -EDOM when A is not positive definite. */
int corpus_cholesky_solve(double *A, double *b, size_t n);

#endif
