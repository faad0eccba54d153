/*
 * unpack.h - archives and compressed files through libarchive, in memory
 * (DESIGN.md "Archives"). One ms_unpacker per worker; it keeps one member
 * buffer per nesting depth, reused across objects.
 */
#ifndef MS_UNPACK_H
#define MS_UNPACK_H

#include "minerscan.h"
#include "options.h"

typedef struct ms_unpacker ms_unpacker;

/* Accounting shared by all levels below one top-level file. */
typedef struct ms_budget {
    uint64_t expanded;   /* bytes expanded so far, all levels */
} ms_budget;

typedef struct ms_member {
    const char *name;     /* the member's path inside this archive, raw */
    size_t name_len;
    const uint8_t *data;  /* valid during the callback only */
    size_t size;
    int status;           /* 0: data is the whole member; MS_E_LIMIT,
                             MS_E_ENCRYPTED, MS_E_CORRUPT: an event about
                             this member, data may be NULL */
    const char *reason;   /* text for a non-zero status */
} ms_member;

/* Return MS_CONTINUE, MS_STOP, or < 0 (abort). */
typedef int (*ms_member_fn)(void *ud, const ms_member *m);

int ms_unpacker_new(const ms_options *o, ms_unpacker **ret);
void ms_unpacker_free(ms_unpacker *u);

/* Is this worth handing to libarchive? Cheap magic-byte test: archive and
 * compression formats, and PE/ELF with an appended archive (SFX). */
bool ms_unpack_candidate(const uint8_t *data, size_t size);

/* Iterate the members of the archive in data. depth is the depth of the
 * archive object itself (0 for a file on disk). Returns 0 when every member
 * was read; when reading stopped early, a negative code (MS_E_CORRUPT,
 * MS_E_LIMIT, ...) and *ret_reason (points into u, valid until the next
 * call at this depth) says why. Data that is not an archive returns
 * MS_E_UNSUPPORTED without calling fn. */
int ms_unpack(ms_unpacker *u, const uint8_t *data, size_t size, unsigned depth,
              ms_budget *budget, ms_member_fn fn, void *ud, const char **ret_reason);

#endif
