/*
 * object.h - what every stage after a source scans (DESIGN.md "Objects").
 *
 * A file on disk, an archive member and a decoded base64 blob reach the
 * engine as the same thing: bytes, a name, what the source knows of the
 * object's size, and whether the bytes are all of it. The sources hold the
 * bytes under the caps of ms_limits.h (a file read through a buffer and a
 * member obey --max-filesize alike) and say in status why they stopped;
 * the engine turns that into the record in one place (object_problem in
 * engine.c) and the verdict policy (verdict.h) decides what it means.
 */
#ifndef MS_OBJECT_H
#define MS_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "minerscan.h"

typedef enum ms_origin {
    MS_ORIGIN_FILE,    /* a file given or walked; name is its path */
    MS_ORIGIN_MEMBER,  /* an archive member; name is its path in the archive */
    MS_ORIGIN_DECODED, /* a base64 blob; name is "base64@OFFSET" */
} ms_origin;

typedef struct ms_object {
    ms_origin origin;
    const char *name;       /* raw bytes, not NUL-terminated */
    size_t name_len;
    const uint8_t *data;    /* the bytes held; NULL when none were */
    size_t size;            /* bytes in data */
    uint64_t declared_size; /* what the source says the object's size is
                               (st_size, the archive header); 0 unknown */
    int status;             /* 0: data is the whole object.
                               MS_E_LIMIT, MS_E_CORRUPT, -errno: data is
                               only a prefix of it (maybe empty);
                               MS_E_ENCRYPTED: not read at all */
    const char *reason;     /* text for a non-zero status */
    bool has_read;          /* no data, but the source read this many bytes */
    uint64_t read;          /* before it stopped: the record's size */
    bool self;              /* a copy of the running minerscan (engine.c,
                               self_copy): not evidence of anything */
    bool mapped;            /* data is a read-only mapping of a file: a
                               stage that sweeps it gives its pages back
                               behind it (object_release in engine.c) */
    /* Called once every stage has run, before the verdict: 0, or < 0 with
     * why filled when the object changed under the scan (a file that
     * shrank or grew); NULL for sources that cannot change. */
    int (*verify)(const struct ms_object *o, char *why, size_t why_cap);
    void *verify_ud;
    int64_t uid;            /* a file's owner (the YARA external "owner",
                               sigscan.h); 0 in members, which take their
                               file's */
    unsigned absent;        /* a stored member: bit i, none of rule set i's
                               strings matched where it lies in its archive
                               (ms_absence_of, sigscan.h) */
} ms_object;

#endif
