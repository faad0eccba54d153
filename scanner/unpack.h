/*
 * unpack.h - archives and compressed files through libarchive, in memory
 * (DESIGN.md "Archives"). One ms_unpacker per worker; it keeps one member
 * buffer per nesting depth, reused across objects. Nothing is ever written
 * to disk and no external program is ever run.
 */
#ifndef MS_UNPACK_H
#define MS_UNPACK_H

#include "minerscan.h"
#include "options.h"

typedef struct ms_unpacker ms_unpacker;

/* Accounting shared by all levels below one top-level file. The caller
 * zeroes it before each top-level file. */
typedef struct ms_budget {
    uint64_t expanded;   /* bytes expanded so far, all levels */
    const struct ms_cancel *cancel; /* the run's; checked between blocks */
    uint64_t objects;    /* objects begun below the top-level file */
    double deadline;     /* CLOCK_MONOTONIC seconds when --max-time ends */
    int exhausted;       /* 0, or why the scan of the file stops:
                            MS_BUDGET_OBJECTS, MS_BUDGET_TIME */
    struct ms_memgate *gate; /* the engine's (see ms_memgate below) */
    bool big;            /* this scan holds the gate: it may hold members
                            past MS_WORKER_SHARE, up to --max-memory */
} ms_budget;

enum { MS_BUDGET_OBJECTS = 1, MS_BUDGET_TIME = 2 };

/* Seconds on CLOCK_MONOTONIC. */
double ms_monotonic_s(void);

/* Has the top-level file spent its time (checked between data blocks and
 * before every object)? Sets b->exhausted. */
bool ms_budget_expired(ms_budget *b);

/* The one-big-holder gate shared by every worker of an engine: a worker
 * holds member bytes up to MS_WORKER_SHARE on its own; past that it takes
 * the gate (waiting for the worker that has it to finish its top-level
 * file), and may then hold up to --max-memory. */
typedef struct ms_memgate ms_memgate;
int ms_memgate_new(ms_memgate **ret);
void ms_memgate_free(ms_memgate *g);
/* At the end of a top-level scan: the unpacker gives back what it holds
 * past the share, and the gate is released if this scan held it. */
void ms_unpack_end_scan(ms_unpacker *u, ms_budget *b);

typedef struct ms_member {
    const char *name;     /* the member's path inside this archive, raw
                             bytes, not NUL-terminated */
    size_t name_len;
    const uint8_t *data;  /* valid during the callback only */
    size_t size;          /* bytes in data; for an event without data the
                             declared size when the format gives one */
    int status;           /* 0: data is the whole member.
                             MS_E_LIMIT: with data, its first
                             --max-filesize bytes; without, an event
                             (read says how far it got).
                             MS_E_ENCRYPTED: an event, data NULL.
                             MS_E_CORRUPT: the member could not be read to
                             its end; data holds what was read (may be NULL
                             when nothing was) and is worth scanning. */
    const char *reason;   /* text for a non-zero status */
    bool has_read;        /* an event on a member stopped part-way: */
    uint64_t read;        /* the bytes expanded before it stopped */
} ms_member;

/* Return MS_CONTINUE, MS_STOP, or < 0 (abort). */
typedef int (*ms_member_fn)(void *ud, const ms_member *m);

/* o must outlive the unpacker (limits and passwords are read from it). */
int ms_unpacker_new(const ms_options *o, ms_unpacker **ret);
void ms_unpacker_free(ms_unpacker *u);

/* Is this worth handing to libarchive? Cheap magic-byte test: archive and
 * compression formats, a zip with anything prepended (its end record is
 * found near the end), and PE/ELF with an appended 7z or rar (SFX). A PE or
 * ELF that passes is still scanned as an executable by the caller. */
bool ms_unpack_candidate(const uint8_t *data, size_t size);

/* Iterate the members of the archive in data. name/name_len is the base
 * name of the archive object (it names the only member of a single
 * compressed file: "x.gz" gives "x"; may be NULL). depth is the depth of
 * the archive object itself (0 for a file on disk); the members are at
 * depth + 1 and fn may recurse into ms_unpack at depth + 1 with a member's
 * data. Returns 0 when every member was read; when reading stopped early,
 * MS_E_CORRUPT, MS_E_LIMIT, MS_E_ENCRYPTED (the headers are encrypted),
 * MS_E_INTERRUPTED (fn returned MS_STOP) or fn's negative code, and
 * *ret_reason (points into u, valid until the next call at this depth) says
 * why. Members read before the stop have been handed to fn. Data that no
 * supported format recognises returns MS_E_UNSUPPORTED without calling fn. */
/* release (may be NULL) is called with ud behind the reader as it goes
 * through data, so a mapped file of any size costs only what is being
 * read (see ms_release_fn in sigscan.h). */
int ms_unpack(ms_unpacker *u, const uint8_t *data, size_t size, const char *name,
              size_t name_len, unsigned depth, void (*release)(void *ud, uint64_t off, uint64_t len),
              void *release_ud, ms_budget *budget, ms_member_fn fn, void *ud,
              const char **ret_reason);

#endif
