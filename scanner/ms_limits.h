/*
 * limits.h - every cap minerscan enforces, in one place, and checked size
 * arithmetic. Each default can be overridden on the command line; the
 * comment says why the default is what it is and what it costs.
 */
#ifndef MS_LIMITS_H
#define MS_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Archive nesting depth (--max-depth). ClamAV uses 17; real images nest
 * image.tar!layer.tar.gz!app.jar!lib.jar, i.e. 4-5 levels. Each level costs
 * one libarchive reader and one member buffer. */
#define MS_DEFAULT_MAX_DEPTH 16

/* Entries read per archive (--max-entries). Big distro images have ~50k
 * files per layer; a zip with 1M empty entries is a bomb that costs time. */
#define MS_DEFAULT_MAX_ENTRIES 100000ULL

/* Bytes of one file or member scanned (--max-filesize). A member is held in
 * memory while it is scanned, so this bounds per-worker memory: the read
 * buffer alone is this size, so at 512 MiB a 4 GiB disk image peaked at
 * 527 MiB RSS (issue 6 wants under 512 MiB). Miner binaries are 2-10 MiB;
 * ClamAV's default is 100 MiB. */
#define MS_DEFAULT_MAX_FILESIZE (256ULL << 20)

/* Bytes expanded from one top-level file, all levels together
 * (--max-archive-bytes). Stops zip bombs that stay under the member cap. */
#define MS_DEFAULT_MAX_ARCHIVE_BYTES (4ULL << 30)

/* Expansion ratio of a member to its compressed size, enforced for members
 * over MS_RATIO_MIN_BYTES (--max-ratio). Real data rarely compresses over
 * 100:1; zeros compress 1000:1. */
#define MS_DEFAULT_MAX_RATIO 200.0
#define MS_RATIO_MIN_BYTES (1ULL << 20)

/* Directory depth of the walker. Deeper trees are reported as a limit on
 * the directory, not followed; 4096 levels needs about 4096 open fds at most
 * if every level kept one, so the walker keeps at most MS_WALK_MAX_FDS open. */
#define MS_DEFAULT_MAX_DIR_DEPTH 4096
#define MS_WALK_MAX_FDS 64

/* Objects scanned below one top-level file, all levels together
 * (--max-objects), and its wall-clock seconds (--max-time). --max-entries
 * is per archive and the byte budget counts member bytes, so a 595 KB zip
 * of 700 overlapping members, each a zip of 65 535 empty entries, made
 * 45.9 million objects in 437 s within every other limit (issue 15). A
 * distro image holds ~50 000 files per layer; each object costs at least
 * a libmagic and a YARA call, some 10 us. */
#define MS_DEFAULT_MAX_OBJECTS 1000000ULL
#define MS_DEFAULT_MAX_TIME 600

/* Bytes of archive members one worker holds in memory at once, all
 * nesting depths together (MS_WORKER_SHARE), and the one worker at a time
 * that may hold more, up to --max-memory. Members are held while scanned
 * and each depth has its buffer: a 6.6 MB tar.gz alternating tar and gz
 * around 8 x 200 MiB held 1.69 GB, two of them with -j2 3.37 GB (issue
 * 15). With these, member bytes held stay under max-memory + (workers - 1)
 * x MS_WORKER_SHARE; a member that needs more is scanned as far as it fits
 * and reported as a limit. */
#define MS_DEFAULT_MAX_MEMORY (512ULL << 20)
#define MS_WORKER_SHARE (64ULL << 20)

/* Seconds libyara may spend on one object before the scan is cut. */
#define MS_DEFAULT_SCAN_TIMEOUT 60

/* Files larger than this are scanned one at a time across all workers,
 * and a worker frees a read buffer larger than this after the file. A
 * file's bytes are in memory while it is scanned; /usr/lib holds several
 * 100+ MB libraries, and two of them at once put -j2 over 250 MB peak. */
#define MS_BIG_OBJECT (32ULL << 20)

/* Regular files at least this big are mapped (mmap) rather than read into
 * a buffer: no copy, and no buffer of the file's size. Smaller ones cost
 * less to read than to map. */
#define MS_MAP_MIN (64u << 10)

/* A mapped object bigger than this is swept in windows of this size by
 * every stage that reads all of it (YARA, the feature pass, the digests,
 * IOCs, base64, libarchive), each giving the pages behind it back, so the
 * scanner's memory stays near one window whatever the file's size: a
 * 600 MB CUDA library and a 4 GiB disk image are scanned to their end with
 * the default limits (issue 9). */
#define MS_WINDOW (32u << 20)

/* Windows overlap by this much, so a string that straddles a window
 * boundary is still seen whole: libyara counts a match found in two
 * blocks at the same offset once. YARA matches are far shorter. */
#define MS_WINDOW_OVERLAP (64u << 10)

/* Paths queued between the walker and the workers. Bounds memory whatever
 * the size of the tree: the walker waits when the queue is full. */
#define MS_QUEUE_SLOTS 1024

/* Bytes of a base64 blob before it is decoded and scanned (issue 4). */
#define MS_BASE64_MIN_CHARS 40

/* Runs made only of base58 characters shorter than this are not decoded
 * (wallet addresses are 26..106 characters; see b64.c). */
#define MS_BASE64_B58_CHARS 128

/* Base64 decoding caps per object (issue 4): blobs handed to the callback,
 * and decoded bytes in total. A script with thousands of base64 lines (a
 * certificate bundle, an embedded image) costs at most this much. */
#define MS_BASE64_MAX_BLOBS 64
#define MS_BASE64_MAX_BYTES (16u << 20)

/* Features: how many rule hits or IOCs we copy out per object at most. */
#define MS_MAX_RULE_HITS 256
#define MS_MAX_IOCS 256

/* What a rule hit keeps of its matches (issue 11): the first
 * MS_MATCHES_MAX string matches by offset, each with its first
 * MS_MATCH_DATA_MAX bytes, and at most MS_RULE_METAS_MAX metadata entries
 * and MS_RULE_TAGS_MAX tags. An analyst needs the first matches to see why
 * a rule fired; a rule matching a string 10^5 times in a big file must not
 * make a 10 MB record (256 hits x 16 matches x 64 bytes = 256 KiB at most). */
#define MS_MATCHES_MAX 16
#define MS_MATCH_DATA_MAX 64
#define MS_RULE_METAS_MAX 64
#define MS_RULE_TAGS_MAX 32

static inline bool ms_add_overflow_u64(uint64_t a, uint64_t b, uint64_t *ret) {
    return __builtin_add_overflow(a, b, ret);
}

static inline bool ms_mul_overflow_size(size_t a, size_t b, size_t *ret) {
    return __builtin_mul_overflow(a, b, ret);
}

static inline bool ms_add_overflow_size(size_t a, size_t b, size_t *ret) {
    return __builtin_add_overflow(a, b, ret);
}

/* Saturating add for byte counters that must never wrap. */
static inline uint64_t ms_sat_add_u64(uint64_t a, uint64_t b) {
    uint64_t r;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

#endif
