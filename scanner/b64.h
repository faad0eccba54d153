/*
 * b64.h - base64 (RFC 4648, standard alphabet): blobs found in scanned
 * text and decoded for scanning, and the encoder for reports.
 */
#ifndef MS_B64_H
#define MS_B64_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Find base64 runs of at least MS_BASE64_MIN_CHARS in data, decode each
 * and call fn with its byte offset. A run may wrap over lines of 40 or
 * more characters (PEM/MIME style) and then decodes as one blob; runs of
 * hex digits only are not base64 payloads and are skipped. At most
 * MS_BASE64_MAX_BLOBS blobs and MS_BASE64_MAX_BYTES decoded bytes per call.
 * fn returns MS_CONTINUE/MS_STOP/<0; returns 0 or fn's error. */
typedef int (*ms_blob_fn)(void *ud, uint64_t offset, const uint8_t *decoded, size_t len);
int ms_base64_blobs(const uint8_t *data, size_t size, ms_blob_fn fn, void *ud);

/* The same for the runs that start before stop (they may run on to size):
 * a window of a big object, whose overlap the next window owns. */
int ms_base64_blobs_from(const uint8_t *data, size_t size, size_t stop, ms_blob_fn fn, void *ud);

/* Write standard base64 (RFC 4648, padded) of s[0..n). Write errors stay
 * in the FILE. */
void ms_base64_write(FILE *out, const uint8_t *s, size_t n);

#endif
