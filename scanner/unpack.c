/*
 * unpack.c - archives and compressed files through libarchive, in memory
 * (DESIGN.md "Archives", issue 3).
 *
 * Every archive is read from memory (archive_read_open_memory) and every
 * member is read into a buffer owned by the unpacker, one buffer per
 * nesting depth: while the member of depth d is being scanned, it may be an
 * archive whose own members go to the buffer of depth d + 1. Nothing is
 * written to disk and no external program is run.
 *
 * What libarchive is allowed to do is narrower than its *_all() helpers:
 *
 *  - Filters: gzip, bzip2, xz, lzma, lzip, zstd, lz4, compress, rpm - but
 *    each only if this libarchive has it built in. A filter that is not
 *    built in falls back to running an external program (lrzip, lzop and
 *    grzip always do); a scanner of hostile files never forks a
 *    decompressor, so those are not registered.
 *  - Formats: tar, cpio, ar, zip, 7z, rar, rar5, iso9660, cab, xar, lha,
 *    warc, and raw for single compressed files. Not mtree: an mtree spec
 *    names files on the local disk and libarchive opens them, so a hostile
 *    spec could make us read (and report on) /etc/shadow.
 *  - raw only counts when a compression filter was detected: raw accepts
 *    any bytes, and an uncompressed blob is not an archive.
 *
 * Limits (ms_limits.h, ms_options.limits) are checked while reading, never
 * after: a member over --max-filesize is not read, a member whose expansion
 * ratio passes --max-ratio is stopped as soon as it does, and every byte
 * expanded at any depth is charged to the top-level file's ms_budget. Each
 * hit is reported (an event on the member or the archive's return value),
 * and members read before it have already been handed over.
 */
#include "unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "cancel.h"
#include "formats.h"
#include "ms_limits.h"

/* A member buffer above this is freed after the member, so a worker does not
 * keep hundreds of MB because of one big member (same rule as the engine). */
#define MS_UNPACK_KEEP_BUFFER (64u << 20)

/* Consecutive unreadable headers after which an archive is given up, and
 * consecutive empty data blocks after which a member is. */
#define MS_UNPACK_MAX_BAD_HEADERS 16
#define MS_UNPACK_MAX_STALLS 1024

typedef struct level {
    uint8_t *buf;        /* member data of this depth */
    size_t cap;
    char *name;          /* the synthesised name of a raw member */
    size_t name_cap;
    char reason[384];    /* why this depth's archive stopped */
    char mreason[384];   /* text of the current member event */
} level;

enum {
    F_GZIP = 1u << 0,
    F_BZIP2 = 1u << 1,
    F_XZ = 1u << 2,
    F_LZMA = 1u << 3,
    F_LZIP = 1u << 4,
    F_ZSTD = 1u << 5,
    F_LZ4 = 1u << 6,
    F_COMPRESS = 1u << 7,
    F_RPM = 1u << 8,
};

static const struct {
    unsigned bit;
    int (*add)(struct archive *);
} filters[] = {
    {F_GZIP, archive_read_support_filter_gzip},
    {F_BZIP2, archive_read_support_filter_bzip2},
    {F_XZ, archive_read_support_filter_xz},
    {F_LZMA, archive_read_support_filter_lzma},
    {F_LZIP, archive_read_support_filter_lzip},
    {F_ZSTD, archive_read_support_filter_zstd},
    {F_LZ4, archive_read_support_filter_lz4},
    {F_COMPRESS, archive_read_support_filter_compress},
    {F_RPM, archive_read_support_filter_rpm},
};

struct ms_unpacker {
    const ms_options *o;
    unsigned filters;    /* F_* built into this libarchive */
    level **lv;          /* by depth; pointers stay put when lv grows */
    size_t n_lv;
    uint64_t held;       /* bytes of every level's buffer, all depths */
    char depth_reason[64];
    locale_t utf8;       /* LC_CTYPE for libarchive's name conversions */
};

int ms_unpacker_new(const ms_options *o, ms_unpacker **ret) {
    ms_unpacker *u = calloc(1, sizeof(*u));
    struct archive *a = NULL;
    if (!u)
        return -ENOMEM;
    u->o = o;
    if (!(a = archive_read_new())) {
        ms_unpacker_free(u);
        return -ENOMEM;
    }
    /* ARCHIVE_WARN means "through an external program": never use those. */
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
        if (filters[i].add(a) == ARCHIVE_OK)
            u->filters |= filters[i].bit;
    archive_read_free(a);
    /* libarchive converts names (7z and rar keep UTF-16, zip may flag
     * UTF-8) to the thread's locale; in the C locale every non-ASCII name
     * fails to convert and is lost. Not fatal if there is no C.UTF-8. */
    u->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    *ret = u;
    return 0;
}

void ms_unpacker_free(ms_unpacker *u) {
    if (!u)
        return;
    for (size_t i = 0; i < u->n_lv; i++) {
        if (!u->lv[i])
            continue;
        free(u->lv[i]->buf);
        free(u->lv[i]->name);
        free(u->lv[i]);
    }
    free(u->lv);
    if (u->utf8)
        freelocale(u->utf8);
    free(u);
}

/* ---- budgets shared by all levels ---- */

double ms_monotonic_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

bool ms_budget_expired(ms_budget *b) {
    if (b->exhausted)
        return true;
    if (b->deadline > 0 && ms_monotonic_s() > b->deadline)
        b->exhausted = MS_BUDGET_TIME;
    return b->exhausted != 0;
}

struct ms_memgate {
    pthread_mutex_t lock; /* held by the one scan allowed past the share */
};

int ms_memgate_new(ms_memgate **ret) {
    ms_memgate *g = calloc(1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    pthread_mutex_init(&g->lock, NULL);
    *ret = g;
    return 0;
}

void ms_memgate_free(ms_memgate *g) {
    if (!g)
        return;
    pthread_mutex_destroy(&g->lock);
    free(g);
}

/* Free the buffer of a level not in use. */
static void drop_buffer(ms_unpacker *u, level *L) {
    u->held -= L->cap;
    free(L->buf);
    L->buf = NULL;
    L->cap = 0;
}

void ms_unpack_end_scan(ms_unpacker *u, ms_budget *b) {
    /* between top-level files no level is in use: keep the share at most,
     * so a worker without the gate never holds more than its share */
    for (size_t i = u->n_lv; i > 0 && u->held > MS_WORKER_SHARE; i--)
        if (u->lv[i - 1] && u->lv[i - 1]->cap)
            drop_buffer(u, u->lv[i - 1]);
    if (b->big && b->gate)
        pthread_mutex_unlock(&b->gate->lock);
    b->big = false;
}

static level *get_level(ms_unpacker *u, unsigned depth) {
    if (depth >= u->n_lv) {
        size_t n = (size_t)depth + 1;
        level **lv = realloc(u->lv, n * sizeof(*lv));
        if (!lv)
            return NULL;
        for (size_t i = u->n_lv; i < n; i++)
            lv[i] = NULL;
        u->lv = lv;
        u->n_lv = n;
    }
    if (!u->lv[depth])
        u->lv[depth] = calloc(1, sizeof(level));
    return u->lv[depth];
}

bool ms_unpack_candidate(const uint8_t *data, size_t size) {
    return ms_format_candidate(data, size);
}

/* Where libarchive should start reading: past an SFX stub when a 7z or rar
 * follows the image (libarchive only looks for those in a fixed window),
 * at the first local header of a zip with something prepended.
 * *ret_zip_entries gets the entry count a zip declares (0 otherwise). */
static size_t archive_start(const uint8_t *d, size_t n, uint64_t *ret_zip_entries) {
    size_t off = 0;
    uint64_t entries = 0;
    ms_format f = ms_format_at_start(d, n);
    *ret_zip_entries = 0;
    if (f != MS_FMT_NONE && f != MS_FMT_ZIP)
        return 0;
    if (!ms_format_embedded(d, n, &off, &entries))
        return 0;
    *ret_zip_entries = entries;
    return off;
}

/* ---- the name of a raw member ---- */

static int set_name(level *L, const char *s, size_t len) {
    if (len + 1 > L->name_cap) {
        char *p = realloc(L->name, len + 1);
        if (!p)
            return -ENOMEM;
        L->name = p;
        L->name_cap = len + 1;
    }
    memcpy(L->name, s, len);
    L->name[len] = '\0';
    return 0;
}

/* The file name stored in a gzip header (FNAME), if any. */
static bool gzip_fname(const uint8_t *d, size_t n, const char **ret, size_t *ret_len) {
    if (n < 10 || d[0] != 0x1f || d[1] != 0x8b || !(d[3] & 0x08))
        return false;
    size_t p = 10;
    if (d[3] & 0x04) { /* FEXTRA */
        if (n < 12)
            return false;
        p = 12 + (size_t)ms_rd16le(d + 10);
    }
    if (p >= n)
        return false;
    const uint8_t *z = memchr(d + p, '\0', n - p);
    if (!z || z == d + p)
        return false;
    /* the base name only: the header is attacker-controlled */
    const uint8_t *s = d + p;
    for (const uint8_t *q = s; q < z; q++)
        if (*q == '/')
            s = q + 1;
    if (s == z)
        return false;
    *ret = (const char *)s;
    *ret_len = (size_t)(z - s);
    return true;
}

/*
 * A single compressed file has one member and no name of its own: it is
 * named after the outer object without its compression suffix ("x.gz" ->
 * "x", "x.tgz" -> "x.tar"), else after the name in the gzip header, else
 * "data".
 */
static int raw_member_name(level *L, const char *outer, size_t outer_len, const uint8_t *d,
                           size_t n) {
    static const struct {
        const char *suffix, *repl;
    } sfx[] = {
        {".tgz", ".tar"}, {".taz", ".tar"}, {".tbz2", ".tar"}, {".tbz", ".tar"}, {".txz", ".tar"},
        {".tlz", ".tar"}, {".tzst", ".tar"}, {".gz", ""},      {".gzip", ""},    {".z", ""},
        {".bz2", ""},     {".bz", ""},      {".xz", ""},       {".lzma", ""},    {".lz", ""},
        {".zst", ""},     {".zstd", ""},    {".lz4", ""},
    };
    if (outer && outer_len) {
        for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
            size_t k = strlen(sfx[i].suffix), r = strlen(sfx[i].repl);
            if (outer_len <= k || strncasecmp(outer + outer_len - k, sfx[i].suffix, k))
                continue;
            size_t base = outer_len - k;
            int e = set_name(L, outer, base + r);
            if (e < 0)
                return e;
            memcpy(L->name + base, sfx[i].repl, r);
            return 0;
        }
    }
    const char *g;
    size_t glen;
    if (gzip_fname(d, n, &g, &glen))
        return set_name(L, g, glen);
    return set_name(L, "data", 4);
}

/* ---- reading ---- */

/* One ms_unpack call. */
typedef struct run {
    ms_unpacker *u;
    level *L;
    unsigned depth;
    const ms_limits *lim;
    ms_budget *budget;
    struct archive *a;
    const uint8_t *in;   /* the archive's bytes, as given to libarchive */
    size_t in_size;
    bool cheap_skip;     /* skipping a member costs no decompression */
    bool solid;          /* members come out of one compressed stream (a
                            filter, or a solid 7z/rar/cab block) */
    uint64_t expanded;   /* bytes of the members handed over so far */
    ms_member_fn fn;
    void *ud;
    locale_t caller;     /* the caller's locale, restored around fn */
} run;

static const char *la_error(struct archive *a) {
    const char *s = archive_error_string(a);
    return s && *s ? s : "unknown libarchive error";
}

/* Charge n expanded bytes; true when the top-level file's budget is spent. */
static bool charge(run *R, size_t n) {
    R->budget->expanded = ms_sat_add_u64(R->budget->expanded, n);
    return R->budget->expanded > R->lim->max_archive_bytes;
}

static bool budget_spent(const run *R) {
    return R->budget->expanded >= R->lim->max_archive_bytes;
}

static int stop_budget(run *R) {
    snprintf(R->L->reason, sizeof(R->L->reason), "max-archive-bytes %llu",
             (unsigned long long)R->lim->max_archive_bytes);
    return MS_E_LIMIT;
}

/*
 * Get past the rest of the current member's data. Where that is free (an
 * uncompressed, non-solid archive: tar, zip, cpio...) libarchive skips it;
 * in a compressed stream or a solid block skipping means decompressing, so
 * it is done here in chunks that are charged to the budget, and stops
 * when the budget is spent. Returns 0 or MS_E_LIMIT; read errors are left
 * for the next header to report.
 */
static int skip_data(run *R) {
    if (R->cheap_skip) {
        archive_read_data_skip(R->a);
        return 0;
    }
    for (unsigned stalls = 0;;) {
        const void *blk;
        size_t n;
        la_int64_t off;
        int k = archive_read_data_block(R->a, &blk, &n, &off);
        if (k == ARCHIVE_EOF || k < ARCHIVE_WARN || (k == ARCHIVE_WARN && n == 0))
            return 0;
        if (n == 0 && ++stalls > MS_UNPACK_MAX_STALLS)
            return 0;
        if (n)
            stalls = 0;
        if (charge(R, n))
            return stop_budget(R);
        if (ms_budget_expired(R->budget)) {
            snprintf(R->L->reason, sizeof(R->L->reason), "max-time %u", R->lim->max_time);
            return MS_E_LIMIT;
        }
    }
}

static int event_at(run *R, const char *name, size_t name_len, int status, uint64_t size,
                    const uint8_t *data, size_t len, uint64_t read) {
    ms_member m = {
        .name = name,
        .name_len = name_len,
        .data = data,
        .size = data ? len : (size > SIZE_MAX ? SIZE_MAX : (size_t)size),
        .status = status,
        .reason = R->L->mreason,
        .read = read,
        .has_read = !data && read > 0,
    };
    if (R->caller)
        uselocale(R->caller);
    int r = R->fn(R->ud, &m);
    if (R->caller)
        uselocale(R->u->utf8);
    return r;
}

static int event(run *R, const char *name, size_t name_len, int status, uint64_t size,
                 const uint8_t *data, size_t len) {
    return event_at(R, name, name_len, status, size, data, len, 0);
}

/* An event on a member stopped after read bytes, not handed over. */
static int event_read(run *R, const char *name, size_t name_len, int status, uint64_t size,
                      uint64_t read) {
    return event_at(R, name, name_len, status, size, NULL, 0, read);
}

/* Make the level buffer hold at least need bytes (need <= max_filesize),
 * keeping its first len bytes. Doubles, so a member of unknown size costs
 * O(size) copies; glibc moves large blocks with mremap, not memcpy.
 *
 * Memory (ms_limits.h MS_WORKER_SHARE, --max-memory): every level's
 * buffer counts, all depths together. Past the worker's share, the idle
 * buffers of deeper levels go first; then the scan takes the engine's gate
 * (one worker at a time holds more than its share) and may hold up to
 * --max-memory. A member that would need more gets less room: MS_E_LIMIT
 * when even need does not fit, and the caller stops the member there. */
static int reserve(run *R, size_t need, size_t len) {
    level *L = R->L;
    ms_unpacker *u = R->u;
    if (need <= L->cap)
        return 0;
    uint64_t lim64 = R->lim->max_filesize;
    size_t limit = lim64 >= SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)lim64;
    size_t ncap = L->cap < (64u << 10) ? (64u << 10) : L->cap;
    while (ncap < need && ncap <= limit / 2)
        ncap *= 2;
    if (ncap > limit)
        ncap = limit;
    if (ncap < need)
        ncap = need;
    uint64_t others = u->held - L->cap; /* every other level's buffer */
    if (others + ncap > MS_WORKER_SHARE) {
        for (size_t i = R->depth + 1; i < u->n_lv; i++)
            if (u->lv[i] && u->lv[i]->cap)
                drop_buffer(u, u->lv[i]);
        others = u->held - L->cap;
    }
    if (others + ncap > MS_WORKER_SHARE && !R->budget->big && R->budget->gate) {
        pthread_mutex_lock(&R->budget->gate->lock);
        R->budget->big = true;
    }
    uint64_t allowed = R->budget->big || !R->budget->gate ? R->lim->max_memory : MS_WORKER_SHARE;
    if (allowed < MS_WORKER_SHARE)
        allowed = MS_WORKER_SHARE;
    if (others + ncap > allowed) {
        ncap = others < allowed ? (size_t)(allowed - others) : 0;
        if (ncap < need)
            return MS_E_LIMIT;
    }
    uint8_t *b;
    if (len == 0) {
        /* nothing to keep: do not let realloc copy the previous member */
        drop_buffer(u, L);
        b = malloc(ncap);
    } else {
        b = realloc(L->buf, ncap);
    }
    if (!b)
        return -ENOMEM;
    u->held = u->held - L->cap + ncap;
    L->buf = b;
    L->cap = ncap;
    return 0;
}

static void release_in(ms_unpacker *u, level *L) {
    if (L->cap > MS_UNPACK_KEEP_BUFFER)
        drop_buffer(u, L);
}

/* Has the member passed --max-ratio? In an archive whose members are
 * compressed one by one (zip), a member's compressed size is what
 * libarchive consumed of the raw input since its header. In a solid stream
 * (tar.xz, a 7z block) a member has no compressed bytes of its own: the
 * decoder reads ahead in large blocks, and a member of a stock .deb's
 * data.tar.xz once "took" 148 compressed bytes for 1 MiB. There the ratio
 * is of everything the stream has given so far to everything it has
 * consumed, which is what a bomb inflates and a real archive does not.
 * Where the consumed size cannot be told (a seek backwards) the whole
 * input is the compressed size: a lower bound, never a false alarm. */
static bool ratio_exceeded(const run *R, size_t len, int64_t p0) {
    double max = R->lim->max_ratio;
    uint64_t out = R->solid ? ms_sat_add_u64(R->expanded, len) : len;
    if (!(max > 0) || out <= MS_RATIO_MIN_BYTES)
        return false;
    int64_t c = archive_filter_bytes(R->a, -1) - (R->solid ? 0 : p0);
    double denom = c > 0 ? (double)c : (double)(R->in_size ? R->in_size : 1);
    return (double)out > max * denom;
}

/*
 * Read the current member into the level buffer and hand it over (or the
 * event that stopped it). Returns 0 to go on with the next member,
 * MS_CONTINUE-style values from fn are folded in; < 0 stops the archive
 * (R->L->reason says why, or it is fn's error).
 */
static int do_member(run *R, struct archive_entry *e, const char *name, size_t name_len) {
    level *L = R->L;
    const ms_limits *lim = R->lim;
    bool size_set = archive_entry_size_is_set(e) && archive_entry_size(e) >= 0;
    uint64_t declared = size_set ? (uint64_t)archive_entry_size(e) : 0;
    bool encrypted = archive_entry_is_data_encrypted(e) > 0;
    int r;

    if (encrypted && R->u->o->n_passwords == 0) {
        snprintf(L->mreason, sizeof(L->mreason), "encrypted");
        if ((r = event(R, name, name_len, MS_E_ENCRYPTED, declared, NULL, 0)) != MS_CONTINUE &&
            r != MS_SKIP)
            return r;
        archive_read_data_skip(R->a);
        return 0;
    }
    if (budget_spent(R)) {
        snprintf(L->mreason, sizeof(L->mreason), "max-archive-bytes %llu",
                 (unsigned long long)lim->max_archive_bytes);
        r = event(R, name, name_len, MS_E_LIMIT, declared, NULL, 0);
        return r < 0 ? r : stop_budget(R);
    }

    /* Blocks rather than archive_read_data(): a read that fails part-way
     * through a copy loses the bytes already copied, and a truncated
     * member's beginning is worth scanning. Offsets may jump (sparse
     * files): a hole is not data and is not held (the go source's tar test
     * data holds 60 GB sparse members with a few KiB of data each), so
     * the member's bytes are its data blocks, end to end.
     * Past --max-filesize the rest is not held: the first max-filesize
     * bytes are scanned and the member is a limit record, as a file too
     * big for memory would be (issue 9: the same cap, the same meaning). */
    size_t len = 0;
    uint64_t pos = 0; /* where the member's data has reached, holes included */
    int64_t p0 = archive_filter_bytes(R->a, -1);
    int status = 0;
    /* A member stored without compression in an archive read from memory
     * comes back as one block that points into the archive's own bytes:
     * it is handed over from there, not copied. Nested uncompressed
     * archives (image.tar!layer.tar!usr/bin/x, tar in tar in tar.gz) then
     * cost no memory per level; copying them made a 2 MB tar.gz of three
     * nested 250 MB tars peak at 1 GiB. */
    const uint8_t *direct = NULL;
    unsigned stalls = 0;
    bool fatal = false, capped = false;
    L->mreason[0] = '\0';
    /* a declared size is a claim, not a fact: only a hint (and no room
     * for it is no reason to stop: the reads below say) */
    if (size_set && (r = reserve(R, declared < MS_UNPACK_KEEP_BUFFER ? (size_t)declared
                                                                   : MS_UNPACK_KEEP_BUFFER,
                                 0)) < 0 && r != MS_E_LIMIT)
        return r;
    bool memory_cut = false;
    for (;;) {
        const void *blk = NULL;
        size_t n = 0;
        la_int64_t off = 0;
        int k = archive_read_data_block(R->a, &blk, &n, &off);
        if (k == ARCHIVE_EOF)
            break;
        if (k < ARCHIVE_WARN || (k == ARCHIVE_WARN && n == 0)) {
            if (encrypted) {
                snprintf(L->mreason, sizeof(L->mreason), "encrypted: %s", la_error(R->a));
                r = event(R, name, name_len, MS_E_ENCRYPTED, declared, NULL, 0);
                release_in(R->u, L);
                return r < 0 || r == MS_STOP ? r : 0;
            }
            /* WARN: read to the end but damaged (a bad CRC); FAILED: this
             * member is lost, the next may be fine; FATAL: the end. */
            status = MS_E_CORRUPT;
            fatal = k == ARCHIVE_FATAL;
            snprintf(L->mreason, sizeof(L->mreason), "%s", la_error(R->a));
            break;
        }
        if (k == ARCHIVE_WARN) {
            status = MS_E_CORRUPT;
            snprintf(L->mreason, sizeof(L->mreason), "%s", la_error(R->a));
        }
        if (off < 0 || (uint64_t)off < pos) {
            status = MS_E_CORRUPT;
            snprintf(L->mreason, sizeof(L->mreason), "data blocks out of order");
            break;
        }
        pos = (uint64_t)off + n;
        if (n == 0) {
            /* an empty block: a format that never ends is not a hang */
            if (++stalls > MS_UNPACK_MAX_STALLS) {
                status = MS_E_CORRUPT;
                snprintf(L->mreason, sizeof(L->mreason), "no progress reading the member");
                break;
            }
            continue;
        }
        stalls = 0;
        if (ms_cancelled(R->budget->cancel)) {
            snprintf(L->reason, sizeof(L->reason), "interrupted");
            release_in(R->u, L);
            return MS_E_INTERRUPTED;
        }
        if (ms_budget_expired(R->budget)) {
            /* one member that takes the top-level file's whole time */
            snprintf(L->mreason, sizeof(L->mreason), "max-time %u: stopped after %zu bytes",
                     lim->max_time, len);
            snprintf(L->reason, sizeof(L->reason), "max-time %u", lim->max_time);
            r = event_read(R, name, name_len, MS_E_LIMIT, declared, len);
            release_in(R->u, L);
            return r < 0 ? r : MS_E_LIMIT;
        }
        /* every check before the copy */
        if ((uint64_t)len + n > lim->max_filesize) {
            n = (size_t)(lim->max_filesize - len);
            capped = true;
        }
        /* A member stopped by a limit part-way says how much of it was
         * read (issue 15: a member stopped early showed size 0). Its
         * bytes are not scanned: a ratio bomb's are the bomb. */
        if (charge(R, n)) {
            snprintf(L->mreason, sizeof(L->mreason), "max-archive-bytes %llu: stopped after %zu bytes",
                     (unsigned long long)lim->max_archive_bytes, len);
            r = event_read(R, name, name_len, MS_E_LIMIT, declared, len);
            release_in(R->u, L);
            return r < 0 ? r : stop_budget(R);
        }
        if (ratio_exceeded(R, len + n, p0)) {
            int64_t c = archive_filter_bytes(R->a, -1) - p0;
            snprintf(L->mreason, sizeof(L->mreason),
                     "max-ratio %g: stopped after %llu bytes from %lld compressed", lim->max_ratio,
                     (unsigned long long)(len + n), (long long)(c > 0 ? c : 0));
            r = event_read(R, name, name_len, MS_E_LIMIT, declared, (uint64_t)len + n);
            release_in(R->u, L);
            if (r < 0 || r == MS_STOP)
                return r;
            return skip_data(R);
        }
        uintptr_t b = (uintptr_t)blk, in = (uintptr_t)R->in;
        if (len == 0 && off == 0 && b >= in && b - in <= R->in_size && n <= R->in_size - (b - in)) {
            direct = blk;
            len = n;
        } else {
            if (direct) {
                /* a second block after all: copy the first one */
                if ((r = reserve(R, len, 0)) == MS_E_LIMIT) {
                    memory_cut = true;
                    break;
                }
                if (r < 0)
                    return r;
                memcpy(L->buf, direct, len);
                direct = NULL;
            }
            if ((r = reserve(R, len + n, len)) == MS_E_LIMIT) {
                memory_cut = true;
                break;
            }
            if (r < 0)
                return r;
            memcpy(L->buf + len, blk, n);
            len += n;
        }
        if (capped) {
            snprintf(L->mreason, sizeof(L->mreason),
                     "max-filesize %llu: member is %s%llu bytes, the first %zu were scanned",
                     (unsigned long long)lim->max_filesize, size_set ? "" : "over ",
                     (unsigned long long)(size_set ? declared : lim->max_filesize), len);
            status = MS_E_LIMIT;
            break;
        }
    }

    if (memory_cut) {
        /* what is held is scanned; the rest is read past, not held */
        snprintf(L->mreason, sizeof(L->mreason),
                 "max-memory %llu: members held at once would pass it, the first %zu bytes were scanned",
                 (unsigned long long)lim->max_memory, len);
        status = MS_E_LIMIT;
        capped = true;
    }
    const uint8_t *bytes = direct ? direct : L->buf ? L->buf : (const uint8_t *)"";
    R->expanded = ms_sat_add_u64(R->expanded, len);
    r = event(R, name, name_len, status, len, bytes, len);
    release_in(R->u, L);
    if (r < 0 || r == MS_STOP)
        return r;
    if (fatal) {
        snprintf(L->reason, sizeof(L->reason), "%s", L->mreason);
        return MS_E_CORRUPT;
    }
    /* what is past the cap is decompressed and charged, not held */
    return capped ? skip_data(R) : 0;
}

/*
 * A mapped archive, handed to libarchive in pieces that point into it (no
 * copy, as archive_read_open_memory does), with seek for the formats that
 * read an index first (zip's central directory, 7z's header). Behind the
 * reader, what it has passed by MEM_LAG is given back through release: a
 * mapped multi-gigabyte image is read with a window or two resident. A
 * backwards seek re-reads; given-back pages fault in again. The pieces are
 * a window long, so a stored member inside one still comes back as one
 * block pointing into the archive (do_member hands it over uncopied).
 * Archives in memory (members) are opened with archive_read_open_memory.
 */
#define MEM_PIECE MS_WINDOW
#define MEM_LAG MS_WINDOW

typedef struct memsrc {
    const uint8_t *p;
    size_t n, pos;
    size_t released; /* [0, released) given back */
    void (*release)(void *ud, uint64_t off, uint64_t len);
    void *ud;
    uint64_t base;   /* offset of p in the object release knows */
} memsrc;

static la_ssize_t mem_read(struct archive *a, void *ud, const void **buf) {
    (void)a;
    memsrc *m = ud;
    /* all of it at once when nothing is given back (bytes in memory): a
     * stored member is then one block inside it, handed over uncopied */
    size_t k = !m->release || m->n - m->pos < MEM_PIECE ? m->n - m->pos : MEM_PIECE;
    *buf = m->p + m->pos;
    m->pos += k;
    if (m->release && m->pos > MEM_LAG && m->pos - MEM_LAG > m->released + MEM_LAG) {
        size_t to = m->pos - MEM_LAG;
        m->release(m->ud, m->base + m->released, to - m->released);
        m->released = to;
    }
    return (la_ssize_t)k;
}

static la_int64_t mem_skip(struct archive *a, void *ud, la_int64_t request) {
    (void)a;
    memsrc *m = ud;
    size_t left = m->n - m->pos;
    size_t k = request < 0 ? 0 : (uint64_t)request < left ? (size_t)request : left;
    m->pos += k;
    return (la_int64_t)k;
}

static la_int64_t mem_seek(struct archive *a, void *ud, la_int64_t offset, int whence) {
    (void)a;
    memsrc *m = ud;
    int64_t to = whence == SEEK_SET ? offset : whence == SEEK_CUR ? (int64_t)m->pos + offset
                                                                   : (int64_t)m->n + offset;
    if (to < 0)
        return ARCHIVE_FATAL;
    m->pos = (uint64_t)to > m->n ? m->n : (size_t)to;
    return (la_int64_t)m->pos;
}

/* Every archive is opened here, also those in memory: libarchive 3.6's
 * archive_read_open_memory() goes on to archive_read_open1() when its own
 * allocation in archive_read_set_callback_data() failed, and crashes (the
 * allocation-failure sweep); here that failure is -ENOMEM. */
static int mem_open(struct archive *a, memsrc *m) {
    if (archive_read_set_read_callback(a, mem_read) != ARCHIVE_OK ||
        archive_read_set_skip_callback(a, mem_skip) != ARCHIVE_OK ||
        archive_read_set_seek_callback(a, mem_seek) != ARCHIVE_OK ||
        archive_read_set_callback_data(a, m) != ARCHIVE_OK)
        return -ENOMEM;
    return archive_read_open1(a) == ARCHIVE_OK ? 0 : MS_E_CORRUPT;
}

/*
 * A reader for data in memory. Format bidders read ahead through the
 * decompressor, some of them tens of KiB (iso9660 looks at 32 KiB and
 * beyond); on a truncated stream that read-ahead fails and takes the
 * whole bid down. So when a filtered stream finds no format, it is read
 * again with only the formats that bid on the first bytes (streaming):
 * tar, cpio, ar, zip's local headers and raw.
 */
static struct archive *reader_new(const ms_unpacker *u, bool streaming) {
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
        if (u->filters & filters[i].bit)
            filters[i].add(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_cpio(a);
    archive_read_support_format_ar(a);
    if (streaming) {
        archive_read_support_format_zip_streamable(a);
    } else {
        archive_read_support_format_zip(a);
        archive_read_support_format_7zip(a);
        archive_read_support_format_rar(a);
        archive_read_support_format_rar5(a);
        archive_read_support_format_iso9660(a);
        archive_read_support_format_cab(a);
        archive_read_support_format_xar(a);
        archive_read_support_format_lha(a);
        archive_read_support_format_warc(a);
    }
    archive_read_support_format_raw(a);
    /* a compressed stream of nothing (gzip of an empty file) is an empty
     * member, not "Unrecognized archive format" */
    archive_read_support_format_empty(a);
    for (size_t i = 0; i < u->o->n_passwords; i++)
        if (u->o->passwords[i] && archive_read_add_passphrase(a, u->o->passwords[i]) != ARCHIVE_OK) {
            archive_read_free(a);
            return NULL;
        }
    return a;
}

/* The index tables of an ar archive (a static library's symbol table and
 * long-name table) are entries to libarchive, not members. */
static bool ar_index(const char *name) {
    return name && (!strcmp(name, "/") || !strcmp(name, "//") || !strcmp(name, "/SYM64/") ||
                    !strncmp(name, "__.SYMDEF", 9));
}

static bool is_member_type(struct archive_entry *e) {
    switch (archive_entry_filetype(e)) {
    case AE_IFDIR:
    case AE_IFLNK:
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
    case AE_IFSOCK:
        return false;
    default:
        break;
    }
    /* a hard link is a second name for a member already seen, unless the
     * format put the data on it (cpio puts it on the last link) */
    if (archive_entry_hardlink(e) && archive_entry_size_is_set(e) && archive_entry_size(e) == 0)
        return false;
    return true;
}

int ms_unpack(ms_unpacker *u, const uint8_t *data, size_t size, const char *name,
              size_t name_len, unsigned depth, void (*give_back)(void *ud, uint64_t off, uint64_t len),
              void *release_ud, ms_budget *budget, ms_member_fn fn, void *ud,
              const char **ret_reason) {
    const ms_limits *lim = &u->o->limits;
    uint64_t entries = 0;
    unsigned bad = 0;
    bool first = true, raw = false, ar = false, last_encrypted = false;
    int r = 0;

    if (!data || size == 0)
        return MS_E_UNSUPPORTED;
    if (depth >= lim->max_depth) {
        /* before get_level: the depth sizes an array */
        snprintf(u->depth_reason, sizeof(u->depth_reason), "max-depth %u", lim->max_depth);
        *ret_reason = u->depth_reason;
        return MS_E_LIMIT;
    }
    level *L = get_level(u, depth);
    if (!L)
        return -ENOMEM;
    L->reason[0] = '\0';
    run R = {.u = u, .L = L, .depth = depth, .lim = lim, .budget = budget, .fn = fn, .ud = ud};
    if (u->utf8)
        R.caller = uselocale(u->utf8);
    uint64_t zip_entries;
    size_t off = archive_start(data, size, &zip_entries);
    R.in = data + off;
    R.in_size = size - off;
    /* libarchive reads a zip's whole central directory before the first
     * member, some 200 bytes of memory per entry: a zip that declares more
     * entries than we will read is read by its local headers instead */
    bool streaming = zip_entries > lim->max_entries;
again:
    if (!(R.a = reader_new(u, streaming))) {
        r = -ENOMEM;
        goto out;
    }
    memsrc src = {.p = data + off, .n = size - off, .release = give_back, .ud = release_ud, .base = off};
    int opened = mem_open(R.a, &src);
    if (opened == -ENOMEM) {
        r = -ENOMEM;
        goto out;
    }
    if (opened < 0) {
        /* only a compression filter reads at open: its stream is damaged */
        snprintf(L->reason, sizeof(L->reason), "%s", la_error(R.a));
        r = MS_E_CORRUPT;
        goto out;
    }

    for (;;) {
        struct archive_entry *e = NULL;
        int h = archive_read_next_header(R.a, &e);
        if (h == ARCHIVE_EOF)
            break;
        if (first) {
            first = false;
            int fmt = archive_format(R.a) & ARCHIVE_FORMAT_BASE_MASK;
            bool filtered = archive_filter_count(R.a) > 1;
            if (fmt == 0 && filtered) {
                /* raw takes anything a filter gives: the filter failed,
                 * perhaps only on a bidder's long read-ahead */
                snprintf(L->reason, sizeof(L->reason), "%s", la_error(R.a));
                if (!streaming) {
                    archive_read_free(R.a);
                    R.a = NULL;
                    streaming = true;
                    first = true;
                    goto again;
                }
                r = MS_E_CORRUPT;
                goto out;
            }
            if (fmt == 0 || (fmt == ARCHIVE_FORMAT_RAW && !filtered)) {
                r = MS_E_UNSUPPORTED;
                goto out;
            }
            raw = fmt == ARCHIVE_FORMAT_RAW;
            ar = fmt == ARCHIVE_FORMAT_AR;
            R.solid = filtered || fmt == ARCHIVE_FORMAT_7ZIP || fmt == ARCHIVE_FORMAT_RAR ||
                      fmt == ARCHIVE_FORMAT_RAR_V5 || fmt == ARCHIVE_FORMAT_CAB;
            R.cheap_skip = !R.solid;
            if (raw && (r = raw_member_name(L, name, name_len, data + off, size - off)) < 0)
                goto out;
        }
        if (h == ARCHIVE_FATAL) {
            snprintf(L->reason, sizeof(L->reason), "%s", la_error(R.a));
            /* encrypted headers, or the end of a member that could not be
             * decrypted, stop the reader: that is not corruption */
            r = archive_read_has_encrypted_entries(R.a) > 0 && (entries == 0 || last_encrypted)
                    ? MS_E_ENCRYPTED
                    : MS_E_CORRUPT;
            goto out;
        }
        if (h == ARCHIVE_RETRY) {
            if (++bad > MS_UNPACK_MAX_BAD_HEADERS) {
                snprintf(L->reason, sizeof(L->reason), "%s", la_error(R.a));
                r = MS_E_CORRUPT;
                goto out;
            }
            continue;
        }
        if (++entries > lim->max_entries) {
            snprintf(L->reason, sizeof(L->reason), "max-entries %llu",
                     (unsigned long long)lim->max_entries);
            r = MS_E_LIMIT;
            goto out;
        }
        const char *mname = raw ? L->name : archive_entry_pathname(e);
        if (!mname)
            mname = archive_entry_pathname_utf8(e);
        size_t mlen = mname ? strlen(mname) : 0;
        if (h == ARCHIVE_FAILED) {
            /* this entry is lost; the format says the next may be fine */
            snprintf(L->mreason, sizeof(L->mreason), "%s", la_error(R.a));
            int k = event(&R, mname, mlen, MS_E_CORRUPT, 0, NULL, 0);
            if (k < 0 || k == MS_STOP) {
                r = k < 0 ? k : MS_E_INTERRUPTED;
                goto out;
            }
            if (++bad > MS_UNPACK_MAX_BAD_HEADERS) {
                snprintf(L->reason, sizeof(L->reason), "%s", L->mreason);
                r = MS_E_CORRUPT;
                goto out;
            }
            continue;
        }
        bad = 0;
        if (!is_member_type(e) || (ar && ar_index(mname))) {
            if ((r = skip_data(&R)) < 0)
                goto out;
            continue;
        }
        last_encrypted = archive_entry_is_data_encrypted(e) > 0;
        r = do_member(&R, e, mname, mlen);
        if (r == MS_STOP) {
            snprintf(L->reason, sizeof(L->reason), "interrupted");
            r = MS_E_INTERRUPTED;
        }
        if (r < 0)
            goto out;
    }
    if (first && archive_filter_count(R.a) > 1 &&
        (archive_format(R.a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_EMPTY) {
        if ((r = raw_member_name(L, name, name_len, data + off, size - off)) < 0)
            goto out;
        L->mreason[0] = '\0';
        r = event(&R, L->name, strlen(L->name), 0, 0, (const uint8_t *)"", 0);
        if (r < 0)
            goto out;
    }
    r = 0;
out:
    if (r < 0 && r != MS_E_UNSUPPORTED && !L->reason[0])
        snprintf(L->reason, sizeof(L->reason), "%s", ms_strerror(r));
    archive_read_free(R.a);
    if (R.caller)
        uselocale(R.caller);
    if (r < 0)
        *ret_reason = L->reason;
    return r;
}
