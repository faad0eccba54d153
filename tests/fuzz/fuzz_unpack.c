/*
 * fuzz_unpack.c - the archive unpacker alone on arbitrary bytes, with
 * small limits, recursing into members the way the engine does (a member
 * that is itself an archive candidate is unpacked one level deeper, with
 * the same budget). Checks the member contract of unpack.h and that the
 * limits hold: no member is larger than max-filesize, no archive yields
 * more than max-entries members, an archive at max-depth is refused by
 * ms_unpack itself, and the bytes handed out (those of members cut short
 * included) stay within max-archive-bytes.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "unpack.h"

typedef struct ctx {
    ms_unpacker *u;
    ms_budget *budget;
    unsigned depth;     /* depth of the archive being read */
    uint64_t members;   /* members of this archive seen */
    uint64_t *total;    /* bytes handed out, all levels */
} ctx;

static int on_member(void *ud, const ms_member *m);

static int unpack_level(ms_unpacker *u, const uint8_t *data, size_t size, unsigned depth,
                        ms_budget *budget, uint64_t *total) {
    const ms_options *o = fuzz_options();
    ctx c = {.u = u, .budget = budget, .depth = depth, .total = total};
    const char *why = NULL;
    /* an outer name sometimes, so raw_member_name's suffix table runs too */
    static const char *const names[] = {NULL, "x.tgz", "y.tar.xz", "Z.GZ", "w.tzst", "v.bz2"};
    const char *name = names[size % (sizeof(names) / sizeof(names[0]))];
    int r = ms_unpack(u, data, size, name, name ? strlen(name) : 0, depth, NULL, NULL, budget, on_member, &c, &why);
    FUZZ_ASSERT(r <= 0);
    if (depth >= o->limits.max_depth) /* ms_unpack's own refusal, not ours */
        FUZZ_ASSERT(r == MS_E_LIMIT && c.members == 0);
    if (r == MS_E_UNSUPPORTED)
        FUZZ_ASSERT(c.members == 0);
    if (r < 0 && why)
        FUZZ_ASSERT(strlen(why) < 4096);
    /* the members reported, limit events included, stay bounded */
    FUZZ_ASSERT(c.members <= o->limits.max_entries + 1);
    return r;
}

static int on_member(void *ud, const ms_member *m) {
    ctx *c = ud;
    const ms_options *o = fuzz_options();
    FUZZ_ASSERT(m);
    FUZZ_ASSERT(m->name || m->name_len == 0);
    if (m->name)
        FUZZ_ASSERT(memchr(m->name, '\0', m->name_len) == NULL);
    c->members++;
    if (m->status != 0) {
        FUZZ_ASSERT(m->status < 0);
        /* a member cut short carries what was read; the engine scans it */
        if (m->status != MS_E_CORRUPT || !m->data)
            return MS_CONTINUE;
    }
    FUZZ_ASSERT(m->data || m->size == 0);
    FUZZ_ASSERT(m->size <= o->limits.max_filesize);
    *c->total += m->size;
    FUZZ_ASSERT(*c->total <= o->limits.max_archive_bytes);
    /* touch every byte: a short buffer is an ASan report here */
    volatile uint8_t x = 0;
    for (size_t i = 0; i < m->size; i++)
        x ^= m->data[i];
    (void)x;
    if (ms_unpack_candidate(m->data, m->size))
        unpack_level(c->u, m->data, m->size, c->depth + 1, c->budget, c->total);
    return MS_CONTINUE;
}

static ms_unpacker *unpacker;

static void free_unpacker(void) {
    ms_unpacker_free(unpacker);
    unpacker = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!unpacker) {
        FUZZ_ASSERT(ms_unpacker_new(fuzz_options(), &unpacker) == 0);
        atexit(free_unpacker);
    }
    ms_budget budget = {0};
    uint64_t total = 0;
    (void)ms_unpack_candidate(data, size);
    /* not only candidates: ms_unpack must refuse what is not an archive */
    unpack_level(unpacker, data, size, 0, &budget, &total);
    return 0;
}
