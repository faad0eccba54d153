/*
 * payload.h - programs that carry another program (issue 10): compressed
 * streams in their data or appended to them (gzip, xz, zstd, lz4 frames,
 * bzip2), and a second ELF or PE inside them (Go's embed, a dropper's
 * resource, a binary appended to a loader). Each candidate becomes a
 * member of the executable, scanned like an archive member.
 *
 * Precision: a candidate is a whole header, checked field by field (a
 * gzip header's flags and OS byte, an xz stream header's CRC32, a zstd
 * frame's descriptor, an ELF or PE header that exe.c parses and whose
 * image fits), never a magic alone; the unpacker then has to decode it to
 * something before anything is reported, and a stream that does not
 * decode is dropped quietly (the bytes were scanned as the executable's).
 * Cost: one pass over the object looking at the few bytes that can start
 * a candidate, bounded by MS_PAYLOAD_MAX candidates per object.
 */
#ifndef MS_PAYLOAD_H
#define MS_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Candidates examined per object: a program with more embedded streams
 * than this is a container, and its archive members cover it. */
#define MS_PAYLOAD_MAX 16

typedef enum ms_payload_kind {
    MS_PAYLOAD_STREAM,     /* a compressed stream: hand [off, end) to the unpacker */
    MS_PAYLOAD_EXECUTABLE, /* an ELF or PE image: [off, off + len) is one */
} ms_payload_kind;

typedef struct ms_payload {
    ms_payload_kind kind;
    uint64_t off;
    uint64_t len; /* STREAM: to the end of the object (the decoder stops
                     at the stream's end); EXECUTABLE: the image */
    const char *format; /* "gzip", "xz", "zstd", "lz4", "bzip2", "elf", "pe" */
} ms_payload;

/* Find the payloads of an executable d[0..n) that start in [from, to)
 * (its own headers are below from; a big object is searched a window at a
 * time). Fills up to max entries of out in order of offset; returns how
 * many. *ret_next gets where the next search should start (past the last
 * executable found, whose contents are its own to search). */
size_t ms_payloads_find(const uint8_t *d, size_t n, size_t from, size_t to, ms_payload *out, size_t max,
                        size_t *ret_next);

/* The length of the xz stream or zstd frame at d[0..n), 0 when it does
 * not decode to its end within n bytes (libarchive's decoders read on past
 * a stream's end, and fail on the program bytes that follow it). zstd:
 * walked by its block headers; xz: decoded, its output thrown away (up to
 * max_out bytes, past which 0). Other formats: n. */
uint64_t ms_payload_stream_len(const uint8_t *d, size_t n, const char *format, uint64_t max_out);

#endif
