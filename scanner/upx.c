/*
 * upx.c - UPX unpacking in memory (see upx.h; issue 10).
 *
 * The formats, as UPX 3.x and 4.x write them for i386 and x86-64 (checked
 * against files packed by UPX 4.2.3 and `upx -d`):
 *
 * PackHeader (32 bytes, little-endian, format version 11..14): "UPX!",
 *   version, format (9 win32/pe, 12 linux/i386, 22 linux/amd64, 36
 *   win64/pe), method (2 NRV2B, 5 NRV2D, 8 NRV2E, 14 LZMA), level, u_adler,
 *   c_adler, u_len, c_len, u_file_size (u32 each), filter, filter_cto,
 *   n_mru, checksum = (sum of bytes 4..30) % 251. A hint only here.
 *
 * ELF: the packed file's own Ehdr and 2-3 Phdrs, then
 *   l_info {u32 l_checksum, "UPX!" l_magic, u16 l_lsize (the stub's size),
 *           u8 l_version, u8 l_format}
 *   p_info {u32 p_progid, u32 p_filesize (the original file's size),
 *           u32 p_blocksize}
 *   then blocks, each a b_info {u32 sz_unc, u32 sz_cpr, u8 b_method,
 *   u8 b_ftid, u8 b_cto8, u8 b_unused} and sz_cpr bytes (stored as they
 *   are when sz_cpr == sz_unc). An extent of the original file is written
 *   as blocks of at most p_blocksize bytes. The first block is the original
 *   Ehdr+Phdrs; then the rest of every PT_LOAD's file bytes, in Phdr order
 *   (the executable one filtered, b_ftid/b_cto8); then the stub (l_lsize
 *   bytes, 4-aligned); then the file's bytes outside every PT_LOAD (the
 *   gaps between them and everything after the last: section headers,
 *   symbols), in file order; then a b_info with sz_unc 0 (end), the
 *   PackHeader and a u32 offset of p_info. UPX 3.x put each gap right
 *   after its PT_LOAD instead; both orders are tried. A shared library
 *   (UPX 4) keeps the original's bytes before its code uncompressed (l_info
 *   sits where the code started) and its writable PT_LOADs uncompressed at
 *   the packed PT_LOAD of the same address.
 *
 * PE: sections UPX0 (no file bytes; the space the program is unpacked
 *   into), UPX1 (the compressed image and the stub, holding the entry
 *   point), and .rsrc or UPX2. The PackHeader sits just before the
 *   compressed stream, near the start of UPX1's file bytes (after a
 *   version string). The stream (c_len bytes) decodes to u_len bytes:
 *   the image from the first section's RVA (rvamin) up, then UPX's import
 *   and relocation tables, the original PE header and section table, and a
 *   u32 offset of that header as the last 4 bytes. The code section
 *   (BaseOfCode, SizeOfCode) is filtered.
 *
 * Filters ("call trick", UPX ids 0x24-0x26, 0x36, 0x46, 0x49): each E8
 * (call) and/or E9 (jmp) - and for 0x49 each 0F 8x (jcc) - whose next
 * byte is the chosen cto8 had its rel32 replaced by the big-endian
 * absolute target + addvalue + (cto8 << 24); undoing it turns that back
 * into a rel32 and skips the 4 bytes.
 *
 * LZMA as UPX stores it: 2 bytes (byte 0: pb in bits 0-2, lc+lp in bits
 * 3-7; byte 1: lp << 4 | lc), then raw LZMA1 data with no header and no
 * size; the size is the block's, and the dictionary is not recorded (it is
 * never larger than the data).
 */
#include "upx.h"

#include <errno.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ms_limits.h"
#include "upx_nrv.h"

/* The largest output unpacked whatever max_out says: real programs are far
 * smaller, sizes fit the int return and offsets stay in 32 bits. */
#define UPX_HARD_MAX (1ULL << 30)

/* The LZMA dictionary allocated at most: UPX's encoder uses at most 8 MiB
 * at --best and never more than the block. */
#define UPX_LZMA_DICT_MAX (64u << 20)

/* How far past the PT_LOAD blocks the gap blocks are looked for when they
 * are not where l_lsize says (a damaged l_info): stubs are under 16 KiB.
 * At most UPX_GAP_TRIES places that look like a block are decoded, so a
 * file full of fake block headers costs a bounded time. */
#define UPX_GAP_SEARCH (64u << 10)
#define UPX_GAP_TRIES 64

/* PE: bytes around the start of UPX1's file data searched for the
 * PackHeader (UPX 4.2 puts it just before or just after that start) and,
 * without one, for the start of the stream. A full decode costs up to the
 * image size, so each place is first probed with UPX_PE_PROBE bytes of
 * output: garbage fails long before that. */
#define UPX_PE_STREAM_SEARCH 96
#define UPX_PE_PROBE (64u << 10)

struct ms_upx {
    uint8_t *buf;   /* the output */
    size_t cap;
    uint8_t *tmp;   /* PE: the decompressed image */
    size_t tmp_cap;
};

int ms_upx_new(ms_upx **ret) {
    ms_upx *u = calloc(1, sizeof(*u));
    if (!u)
        return -ENOMEM;
    *ret = u;
    return 0;
}

void ms_upx_free(ms_upx *u) {
    if (!u)
        return;
    free(u->buf);
    free(u->tmp);
    free(u);
}

static int reserve(uint8_t **buf, size_t *cap, size_t need) {
    if (need <= *cap)
        return 0;
    uint8_t *p = realloc(*buf, need);
    if (!p)
        return -ENOMEM;
    *buf = p;
    *cap = need;
    return 0;
}

static uint16_t le16(const uint8_t *p) {
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p) {
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void put_le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Is [off, off + len) inside a buffer of n bytes? */
static bool in_range(uint64_t off, uint64_t len, uint64_t n) {
    return off <= n && len <= n - off;
}

static const char *method_name(unsigned m) {
    switch (m) {
    case MS_UPX_M_NRV2B: return "nrv2b";
    case MS_UPX_M_NRV2D: return "nrv2d";
    case MS_UPX_M_NRV2E: return "nrv2e";
    case MS_UPX_M_LZMA: return "lzma";
    default: return NULL;
    }
}

static bool method_ok(unsigned m) {
    return method_name(m) != NULL;
}

/* The state of one ms_upx_unpack call. */
typedef struct ctx {
    ms_upx *u;
    const uint8_t *d;
    size_t n;
    uint64_t max_out;
    ms_upx_info *info;
    char why[200];   /* the reason of the attempt that went furthest */
    int why_level;   /* how far it went: 0 nothing, 1 it is UPX, 2 deeper */
} ctx;

static int note(ctx *c, int level, int r, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Keep the reason of the attempt that got furthest (the candidate that
 * really was UPX says more than the ones that were not). */
static int note(ctx *c, int level, int r, const char *fmt, ...) {
    if (level >= c->why_level) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->why, sizeof(c->why), fmt, ap);
        va_end(ap);
        c->why_level = level;
    }
    return r;
}

/* ---- LZMA ---- */

/* Decode UPX's LZMA (2-byte header, raw LZMA1) from src into dst. With
 * exact, exactly dst_len bytes must come out; otherwise as many as decode
 * (the caller does not know the size) and *ret_out says how many. */
static int lzma_decode(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len, bool exact,
                       size_t *ret_out) {
    if (src_len < 3)
        return MS_E_CORRUPT;
    unsigned pb = src[0] & 7u, lp = src[1] >> 4, lc = src[1] & 15u;
    if (pb > 4 || lp > 4 || lc > 8 || (unsigned)(src[0] >> 3) != lc + lp)
        return MS_E_CORRUPT;
    lzma_options_lzma opt;
    memset(&opt, 0, sizeof(opt));
    uint32_t dict = dst_len > UPX_LZMA_DICT_MAX ? UPX_LZMA_DICT_MAX : (uint32_t)dst_len;
    opt.dict_size = dict < LZMA_DICT_SIZE_MIN ? LZMA_DICT_SIZE_MIN : dict;
    opt.lc = lc;
    opt.lp = lp;
    opt.pb = pb;
    lzma_filter filters[2] = {{.id = LZMA_FILTER_LZMA1, .options = &opt},
                              {.id = LZMA_VLI_UNKNOWN, .options = NULL}};
#ifdef LZMA_FILTER_LZMA1EXT
    /* with the size known, the decoder stops there by itself */
    if (exact) {
        filters[0].id = LZMA_FILTER_LZMA1EXT;
        opt.ext_flags = LZMA_LZMA1EXT_ALLOW_EOPM;
        opt.ext_size_low = (uint32_t)dst_len;
        opt.ext_size_high = (uint32_t)((uint64_t)dst_len >> 32);
    }
#endif
    lzma_stream s = LZMA_STREAM_INIT;
    lzma_ret lr = lzma_raw_decoder(&s, filters);
    if (lr == LZMA_MEM_ERROR)
        return -ENOMEM;
    if (lr != LZMA_OK)
        return MS_E_CORRUPT;
    s.next_in = src + 2;
    s.avail_in = src_len - 2;
    s.next_out = dst;
    s.avail_out = dst_len;
    /* one call decodes all it can; a second sees whether it is stuck */
    for (int i = 0; i < 4 && s.avail_out; i++) {
        size_t before = s.avail_out;
        lr = lzma_code(&s, LZMA_FINISH);
        if (lr != LZMA_OK || s.avail_out == before)
            break;
    }
    size_t out = dst_len - s.avail_out;
    lzma_end(&s);
    if (lr == LZMA_MEM_ERROR)
        return -ENOMEM;
    if (exact && out != dst_len)
        return MS_E_CORRUPT;
    *ret_out = out;
    return 0;
}

/* Decode one block to exactly dst_len bytes. Stored blocks (sz_cpr ==
 * sz_unc) are the caller's. */
static int decode_exact(unsigned method, const uint8_t *src, size_t src_len, uint8_t *dst,
                        size_t dst_len) {
    size_t out = 0, in = 0;
    int r;
    if (method == MS_UPX_M_LZMA)
        return lzma_decode(src, src_len, dst, dst_len, true, &out);
    if ((r = ms_nrv_decode((int)method, src, src_len, dst, dst_len, &out, &in)) < 0)
        return r;
    return out == dst_len ? 0 : MS_E_CORRUPT;
}

/* ---- filters ---- */

static bool filter_known(unsigned id) {
    return id == 0 || id == 0x24 || id == 0x25 || id == 0x26 || id == 0x36 || id == 0x46 ||
           id == 0x49;
}

/* Undo a call-trick filter on b[0..len) (see the top of the file). */
static void unfilter(uint8_t *b, size_t len, unsigned id, unsigned cto8, uint32_t addvalue) {
    if (id == 0 || len < 6)
        return;
    bool e8 = id != 0x25, e9 = id != 0x24, jcc = id == 0x49;
    uint32_t cto = (uint32_t)cto8 << 24;
    size_t lastcall = 0;
    for (size_t ic = 0; ic < len - 5; ic++) {
        unsigned op = b[ic];
        bool hit = (e8 && op == 0xe8) || (e9 && op == 0xe9) ||
                   (jcc && ic != lastcall && ic > 0 && b[ic - 1] == 0x0f && op >= 0x80 && op <= 0x8f);
        if (!hit || b[ic + 1] != cto8)
            continue;
        uint32_t jc = be32(b + ic + 1);
        put_le32(b + ic + 1, jc - (uint32_t)ic - 1u - addvalue - cto);
        ic += 4;
        lastcall = ic + 1;
    }
}

/* ---- PackHeader ---- */

typedef struct packhdr {
    unsigned version, format, method, level;
    uint32_t u_len, c_len, u_file_size;
    unsigned filter, cto;
} packhdr;

/* A PackHeader at p (32 bytes available), by its checksum and fields; the
 * magic is not required (it is what tampering zeroes first). */
static bool packhdr_read(const uint8_t *p, packhdr *ph) {
    unsigned sum = 0;
    for (int i = 4; i < 31; i++)
        sum += p[i];
    if (sum % 251 != p[31])
        return false;
    packhdr h = {.version = p[4], .format = p[5], .method = p[6], .level = p[7],
                 .u_len = le32(p + 16), .c_len = le32(p + 20), .u_file_size = le32(p + 24),
                 .filter = p[28], .cto = p[29]};
    if (h.version < 11 || h.version > 14 || !method_ok(h.method) || h.level > 10 || h.u_len == 0 ||
        h.c_len == 0)
        return false;
    if (h.format != 9 && h.format != 12 && h.format != 22 && h.format != 36)
        return false;
    *ph = h;
    return true;
}

/* ---- ELF ---- */

typedef struct elfh {
    bool is64;
    unsigned machine, type;
    uint64_t phoff;
    unsigned phentsize, phnum;
} elfh;

/* A little-endian i386 or x86-64 ELF header in d[0..n). */
static bool elf_header(const uint8_t *d, size_t n, elfh *h) {
    if (n < 52 || memcmp(d, "\177ELF", 4) != 0 || d[5] != 1 || (d[4] != 1 && d[4] != 2))
        return false;
    h->is64 = d[4] == 2;
    if (h->is64 && n < 64)
        return false;
    h->type = le16(d + 16);
    h->machine = le16(d + 18);
    if ((h->is64 && h->machine != 62) || (!h->is64 && h->machine != 3))
        return false;
    h->phoff = h->is64 ? le64(d + 32) : le32(d + 28);
    h->phentsize = le16(d + (h->is64 ? 54 : 42));
    h->phnum = le16(d + (h->is64 ? 56 : 44));
    return h->phentsize == (h->is64 ? 56u : 32u);
}

typedef struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz;
} phdr;

static phdr elf_phdr(const elfh *h, const uint8_t *d, unsigned i) {
    const uint8_t *p = d + h->phoff + (uint64_t)i * h->phentsize;
    phdr r;
    r.type = le32(p);
    r.flags = h->is64 ? le32(p + 4) : le32(p + 24);
    r.offset = h->is64 ? le64(p + 8) : le32(p + 4);
    r.vaddr = h->is64 ? le64(p + 16) : le32(p + 8);
    r.filesz = h->is64 ? le64(p + 32) : le32(p + 16);
    return r;
}

/* An extent of the original file, filled from blocks. */
typedef struct extent {
    uint64_t off, len;
} extent;

#define ELF_MAX_EXTENTS 128

/* Fill out[x->off .. +len) from the blocks at *pos; *pos moves past them. */
static int read_extent(ctx *c, size_t *pos, uint8_t *out, const extent *x, unsigned *method) {
    uint64_t done = 0;
    while (done < x->len) {
        if (!in_range(*pos, 12, c->n))
            return note(c, 2, MS_E_CORRUPT, "block header at %zu past the end of the file", *pos);
        const uint8_t *b = c->d + *pos;
        uint32_t sz_unc = le32(b), sz_cpr = le32(b + 4);
        unsigned m = b[8], ftid = b[9], cto8 = b[10];
        if (sz_unc == 0 || sz_unc > x->len - done || sz_cpr == 0 || sz_cpr > sz_unc)
            return note(c, 2, MS_E_CORRUPT, "block at %zu: sizes %u/%u do not fit the %llu bytes left",
                        *pos, sz_cpr, sz_unc, (unsigned long long)(x->len - done));
        if (!in_range(*pos + 12, sz_cpr, c->n))
            return note(c, 2, MS_E_CORRUPT, "block at %zu: %u compressed bytes past the end of the file",
                        *pos, sz_cpr);
        uint8_t *dst = out + x->off + done;
        if (sz_cpr == sz_unc) {
            memcpy(dst, b + 12, sz_unc);
        } else {
            if (!method_ok(m))
                return note(c, 2, MS_E_CORRUPT, "block at %zu: unknown method %u", *pos, m);
            int r = decode_exact(m, b + 12, sz_cpr, dst, sz_unc);
            if (r == -ENOMEM)
                return r;
            if (r < 0)
                return note(c, 2, MS_E_CORRUPT, "block at %zu: %s data does not decode", *pos,
                            method_name(m));
            *method = m;
        }
        if (ftid) {
            if (!filter_known(ftid))
                return note(c, 2, MS_E_CORRUPT, "block at %zu: unknown filter 0x%02x", *pos, ftid);
            unfilter(dst, sz_unc, ftid, cto8, 0);
        }
        *pos += 12 + (size_t)sz_cpr;
        done += sz_unc;
    }
    return 0;
}

/* Is there a block at p whose data decodes to at most want bytes? (Where
 * the gap blocks start, when l_lsize cannot be trusted.) *tries counts the
 * decodes. */
static bool block_at(ctx *c, size_t p, uint64_t want, uint8_t *scratch, unsigned *tries) {
    if (!in_range(p, 12, c->n))
        return false;
    const uint8_t *b = c->d + p;
    uint32_t sz_unc = le32(b), sz_cpr = le32(b + 4);
    if (sz_unc == 0 || sz_unc > want || sz_cpr == 0 || sz_cpr > sz_unc || !in_range(p + 12, sz_cpr, c->n))
        return false;
    if (sz_cpr == sz_unc)
        return b[8] == 0 || method_ok(b[8]);
    if (!method_ok(b[8]) || *tries >= UPX_GAP_TRIES)
        return false;
    ++*tries;
    return decode_exact(b[8], b + 12, sz_cpr, scratch, sz_unc) == 0;
}

/* One candidate p_info. shlib: the layout UPX 4 writes for a shared
 * library, where the original's bytes before the first executable code
 * (xct_off, where l_info sits) stay uncompressed in the packed file, and
 * writable PT_LOADs are not compressed but kept at their packed PT_LOAD's
 * offset (UPX points DT_INIT at its stub there; that one word is not
 * restored). */
static int elf_try(ctx *c, const elfh *pk, size_t pinfo, bool shlib) {
    const uint8_t *d = c->d;
    int r;
    if (!in_range(pinfo, 24, c->n) || pinfo < 12)
        return MS_E_UNSUPPORTED;
    uint32_t filesize = le32(d + pinfo + 4), blocksize = le32(d + pinfo + 8);
    unsigned lsize = le16(d + pinfo - 12 + 8);
    const uint8_t *b = d + pinfo + 12;
    uint32_t h_unc = le32(b), h_cpr = le32(b + 4);
    unsigned h_m = b[8];
    uint64_t hdr_min = pk->is64 ? 64 : 52;
    if (filesize < hdr_min || h_unc < hdr_min || h_unc > (64u << 10) || h_unc > filesize ||
        h_cpr == 0 || h_cpr > h_unc || !in_range(pinfo + 24, h_cpr, c->n) ||
        (h_cpr < h_unc && !method_ok(h_m)))
        return MS_E_UNSUPPORTED;

    /* the original Ehdr+Phdrs, into the output buffer's head */
    if ((r = reserve(&c->u->buf, &c->u->cap, h_unc)) < 0)
        return r;
    if (h_cpr == h_unc)
        memcpy(c->u->buf, b + 12, h_unc);
    else if ((r = decode_exact(h_m, b + 12, h_cpr, c->u->buf, h_unc)) < 0)
        return r == -ENOMEM ? r : MS_E_UNSUPPORTED;
    elfh o;
    if (!elf_header(c->u->buf, h_unc, &o) || o.is64 != pk->is64 || o.machine != pk->machine ||
        !in_range(o.phoff, (uint64_t)o.phnum * o.phentsize, h_unc))
        return MS_E_UNSUPPORTED;
    /* it is UPX from here on */
    c->info->format = pk->is64 ? "linux/amd64" : "linux/i386";
    c->info->version = d[pinfo - 12 + 10];
    if (h_cpr < h_unc)
        c->info->method = method_name(h_m);
    if (filesize > c->max_out || filesize > UPX_HARD_MAX)
        return note(c, 1, MS_E_LIMIT, "the unpacked program would be %u bytes, over the limit of %llu",
                    filesize, (unsigned long long)c->max_out);

    /* shlib: the original's bytes up to l_info are the packed file's */
    uint64_t keep = h_unc;
    if (shlib) {
        keep = pinfo - 12;
        if (keep < h_unc || keep > filesize)
            return note(c, 1, MS_E_CORRUPT, "not a shared-library layout");
    }

    /* the PT_LOAD extents and the gaps between and after them */
    extent segs[ELF_MAX_EXTENTS], gaps[ELF_MAX_EXTENTS];
    extent kept[ELF_MAX_EXTENTS];   /* shlib: writable segments, from... */
    uint64_t kept_from[ELF_MAX_EXTENTS];  /* ...this offset of the packed file */
    unsigned nkept = 0;
    unsigned nseg = 0, ngap = 0;
    phdr loads[ELF_MAX_EXTENTS];
    unsigned nload = 0;
    for (unsigned i = 0; i < o.phnum; i++) {
        phdr p = elf_phdr(&o, c->u->buf, i);
        if (p.type != 1 /* PT_LOAD */)
            continue;
        if (nload == ELF_MAX_EXTENTS)
            return note(c, 1, MS_E_CORRUPT, "more than %d PT_LOAD segments", ELF_MAX_EXTENTS);
        if (!in_range(p.offset, p.filesz, filesize))
            return note(c, 1, MS_E_CORRUPT, "segment %u lies outside the original's %u bytes", i, filesize);
        loads[nload++] = p;
    }
    for (unsigned i = 0; i < nload; i++) {
        uint64_t lo = loads[i].offset, hi = loads[i].offset + loads[i].filesz;
        if (lo < keep)
            lo = hi < keep ? hi : keep;
        if (shlib && (loads[i].flags & 2 /* PF_W */) && hi > lo) {
            /* the packed PT_LOAD at the same address holds it */
            bool found = false;
            for (unsigned k = 0; k < pk->phnum && !found; k++) {
                phdr q = elf_phdr(pk, c->d, k);
                if (q.type == 1 && q.vaddr == loads[i].vaddr && q.filesz >= loads[i].filesz &&
                    in_range(q.offset + (lo - loads[i].offset), hi - lo, c->n)) {
                    kept[nkept] = (extent){lo, hi - lo};
                    kept_from[nkept++] = q.offset + (lo - loads[i].offset);
                    found = true;
                }
            }
            if (!found)
                return note(c, 1, MS_E_CORRUPT, "writable segment %u has no packed counterpart", i);
        } else if (hi > lo) {
            segs[nseg++] = (extent){lo, hi - lo};
        }
        uint64_t next = i + 1 < nload ? loads[i + 1].offset : filesize;
        if (next > hi && hi >= keep)
            gaps[ngap++] = (extent){hi, next - hi};
    }

    if ((r = reserve(&c->u->buf, &c->u->cap, filesize)) < 0)
        return r;
    uint8_t *out = c->u->buf;
    memset(out + h_unc, 0, filesize - h_unc);
    if (keep > h_unc) {
        if (!in_range(h_unc, keep - h_unc, c->n))
            return note(c, 1, MS_E_CORRUPT, "not a shared-library layout");
        memcpy(out + h_unc, c->d + h_unc, (size_t)(keep - h_unc));
    }
    for (unsigned i = 0; i < nkept; i++)
        memcpy(out + kept[i].off, c->d + kept_from[i], (size_t)kept[i].len);
    unsigned method = h_cpr < h_unc ? h_m : 0;
    size_t start = pinfo + 24 + h_cpr;

    /* UPX 4.x: every PT_LOAD, the stub, then every gap */
    size_t pos = start;
    r = 0;
    for (unsigned i = 0; i < nseg && r == 0; i++)
        r = read_extent(c, &pos, out, &segs[i], &method);
    if (r == -ENOMEM)
        return r;
    if (r == 0 && ngap) {
        size_t guess = (pos + lsize + 3) & ~(size_t)3;
        uint64_t want = gaps[0].len;
        size_t g = SIZE_MAX;
        uint8_t *scratch = NULL;
        size_t scap = 0;
        uint64_t w = want < blocksize || blocksize == 0 ? want : blocksize;
        if (w > (64u << 20))
            w = 64u << 20;
        if ((r = reserve(&scratch, &scap, (size_t)w ? (size_t)w : 1)) < 0)
            return r;
        unsigned tries = 0;
        if (block_at(c, guess, w, scratch, &tries))
            g = guess;
        for (size_t p = pos; g == SIZE_MAX && p < c->n && p - pos < UPX_GAP_SEARCH; p++)
            if (block_at(c, p, w, scratch, &tries))
                g = p;
        free(scratch);
        if (g == SIZE_MAX) {
            r = note(c, 2, MS_E_CORRUPT, "the blocks of the bytes outside the segments are missing");
        } else {
            pos = g;
            for (unsigned i = 0; i < ngap && r == 0; i++)
                r = read_extent(c, &pos, out, &gaps[i], &method);
        }
    }
    if (r == -ENOMEM)
        return r;
    if (r < 0) {
        /* UPX 3.x: each gap right after its PT_LOAD */
        int r3 = 0;
        pos = start;
        unsigned gi = 0;
        for (unsigned i = 0; i < nseg && r3 == 0; i++) {
            r3 = read_extent(c, &pos, out, &segs[i], &method);
            while (r3 == 0 && gi < ngap && gaps[gi].off <= segs[i].off + segs[i].len &&
                   (i + 1 == nseg || gaps[gi].off < segs[i + 1].off))
                r3 = read_extent(c, &pos, out, &gaps[gi++], &method);
        }
        while (r3 == 0 && gi < ngap)
            r3 = read_extent(c, &pos, out, &gaps[gi++], &method);
        if (r3 != 0)
            return r3 == -ENOMEM ? r3 : r;
    }
    if (method)
        c->info->method = method_name(method);
    /* the end block (sz_unc 0) follows, then the PackHeader: a file cut
     * after the last data block is still truncated */
    if (!in_range(pos, 12, c->n))
        return note(c, 2, MS_E_CORRUPT, "truncated: the file ends after the last block, at %zu", c->n);
    return (int)filesize;
}

static int elf_unpack(ctx *c) {
    elfh pk;
    if (!elf_header(c->d, c->n, &pk) || pk.phnum == 0 || pk.phnum > 64 ||
        !in_range(pk.phoff, (uint64_t)pk.phnum * pk.phentsize, c->n))
        return MS_E_UNSUPPORTED;
    /* where p_info may be: after the packed Phdrs and l_info (UPX writes
     * it there), where the file's last word points, after an l_info magic */
    size_t cand[8];
    unsigned nc = 0;
    cand[nc++] = (size_t)(pk.phoff + (uint64_t)pk.phnum * pk.phentsize + 12);
    if (c->n >= 4) {
        uint32_t t = le32(c->d + c->n - 4);
        if (t < c->n)
            cand[nc++] = t;
    }
    size_t scan = c->n < 4096 ? c->n : 4096;
    for (size_t i = 4; i + 4 <= scan && nc < 8; i += 4)
        if (memcmp(c->d + i, "UPX!", 4) == 0)
            cand[nc++] = i + 8;
    int r = MS_E_UNSUPPORTED;
    for (unsigned i = 0; i < nc; i++) {
        bool seen = false;
        for (unsigned j = 0; j < i; j++)
            seen |= cand[j] == cand[i];
        if (seen)
            continue;
        r = elf_try(c, &pk, cand[i], false);
        if (r == MS_E_CORRUPT)
            r = elf_try(c, &pk, cand[i], true);
        if (r >= 0 || r == -ENOMEM || r == MS_E_LIMIT)
            return r;
    }
    return c->why_level ? MS_E_CORRUPT : MS_E_UNSUPPORTED;
}

/* ---- PE ---- */

typedef struct pesec {
    uint32_t vsize, va, rawsize, rawoff;
} pesec;

typedef struct peh {
    uint32_t lfanew;
    unsigned machine, nsec, optsz;
    bool plus;
    uint32_t entry, codebase, codesize, sizeofheaders;
    size_t sectab;  /* offset of the section table */
} peh;

/* A PE32 (i386) or PE32+ (x86-64) header at d[off..n). */
static bool pe_header(const uint8_t *d, size_t n, uint32_t off, peh *h) {
    if (!in_range(off, 24, n) || memcmp(d + off, "PE\0\0", 4) != 0)
        return false;
    h->lfanew = off;
    h->machine = le16(d + off + 4);
    h->nsec = le16(d + off + 6);
    h->optsz = le16(d + off + 20);
    const uint8_t *o = d + off + 24;
    if (!in_range((uint64_t)off + 24, h->optsz, n) || h->optsz < 64 || h->nsec == 0 || h->nsec > 96)
        return false;
    unsigned magic = le16(o);
    h->plus = magic == 0x20b;
    if (!((magic == 0x10b && h->machine == 0x14c) || (h->plus && h->machine == 0x8664)))
        return false;
    h->codesize = le32(o + 4);
    h->entry = le32(o + 16);
    h->codebase = le32(o + 20);
    h->sizeofheaders = le32(o + 60);
    h->sectab = (size_t)off + 24 + h->optsz;
    return in_range(h->sectab, (uint64_t)h->nsec * 40, n);
}

static pesec pe_section(const uint8_t *d, const peh *h, unsigned i) {
    const uint8_t *s = d + h->sectab + (size_t)i * 40;
    return (pesec){.vsize = le32(s + 8), .va = le32(s + 12), .rawsize = le32(s + 16), .rawoff = le32(s + 20)};
}

/* The packed file's layout: UPX0 (no file bytes) then UPX1 (holding the
 * entry point), whatever their names. Returns the index of UPX1, -1. */
static int pe_upx1(const uint8_t *d, size_t n, const peh *h) {
    for (unsigned i = 1; i < h->nsec; i++) {
        pesec s = pe_section(d, h, i), s0 = pe_section(d, h, i - 1);
        if (s0.rawsize == 0 && s0.vsize && s.rawsize && h->entry >= s.va && h->entry - s.va < s.vsize &&
            in_range(s.rawoff, 1, n))
            return (int)i;
    }
    return -1;
}

/* The filter UPX's default picks, and the cto8 that filtered the code in
 * b[0..len): each filtered call's first displacement byte is cto8, so it
 * dominates the byte after E8; unfiltered code spreads it out. */
static bool guess_filter(const uint8_t *b, size_t len, bool plus, unsigned *id, unsigned *cto) {
    uint32_t count[256] = {0}, calls = 0;
    for (size_t i = 0; i + 5 < len; i++)
        if (b[i] == 0xe8) {
            count[b[i + 1]]++;
            calls++;
        }
    unsigned best = 0;
    for (unsigned v = 1; v < 256; v++)
        if (count[v] > count[best])
            best = v;
    /* 0x00 and 0xff are the top bytes of real short displacements */
    if (calls < 16 || best == 0 || best == 0xff || count[best] * 4 < calls)
        return false;
    *id = plus ? 0x49 : 0x26;
    *cto = best;
    return true;
}

/* Where the original header is stored: the last u32 of the image points
 * at it. */
static bool pe_trailer(const uint8_t *img, size_t len, const peh *pk, peh *o) {
    if (len < 4)
        return false;
    uint32_t off = le32(img + len - 4);
    return off < len && pe_header(img, len - 4, off, o) && o->machine == pk->machine;
}

/* Decode the stream at src into u->tmp; with a PackHeader the sizes are
 * known, without one they are found (NRV: the end marker; LZMA: the
 * trailer). Returns the image length or < 0. */
static int pe_decode(ctx *c, const peh *pk, const uint8_t *src, size_t src_len, unsigned method,
                     size_t u_len, size_t cap, peh *o) {
    int r;
    size_t out = 0, in = 0;
    size_t want = u_len ? u_len : cap;
    if ((r = reserve(&c->u->tmp, &c->u->tmp_cap, want ? want : 1)) < 0)
        return r;
    if (u_len) {
        if ((r = decode_exact(method, src, src_len, c->u->tmp, u_len)) < 0)
            return r;
        return pe_trailer(c->u->tmp, u_len, pk, o) ? (int)u_len : MS_E_CORRUPT;
    }
    if (method == MS_UPX_M_LZMA) {
        if ((r = lzma_decode(src, src_len, c->u->tmp, cap, false, &out)) < 0)
            return r;
        /* the stored header and its offset end the image: find them. The
         * decoder runs on past the real end (LZMA has no end marker here)
         * and what it makes there repeats recent bytes, the offset among
         * them, so the end is the first place after the section table
         * that the extra information's sizes allow, not the last match. */
        static const unsigned extra[] = {0, 5, 7, 8, 10, 13, 15};
        for (size_t p = out; p >= 4 && out - p < (1u << 16); p--) {
            if (!pe_trailer(c->u->tmp, p, pk, o))
                continue;
            uint32_t at = le32(c->u->tmp + p - 4);
            size_t tab_end = o->sectab + (size_t)o->nsec * 40;
            for (unsigned k = 0; k < sizeof(extra) / sizeof(extra[0]); k++) {
                size_t l = tab_end + extra[k] + 4;
                if (l <= out && le32(c->u->tmp + l - 4) == at)
                    return (int)l;
            }
        }
        return MS_E_CORRUPT;
    }
    if ((r = ms_nrv_decode((int)method, src, src_len, c->u->tmp, cap, &out, &in)) < 0)
        return r;
    return pe_trailer(c->u->tmp, out, pk, o) ? (int)out : MS_E_CORRUPT;
}

/* UPX's relocation list: the offsets (from rvamin) of the words a base
 * relocation fixes, as deltas from the last (starting at -4): a byte under
 * 0xf0, or 0xf0 | bits 16-19 and a u16, or 0xf0 0 0 and a u32; a 0 byte
 * ends it. UPX stored each such word as big-endian (value - ImageBase -
 * rvamin); this puts the value back and writes the .reloc blocks the
 * linker wrote (a page RVA, a size, u16 entries type << 12 | offset, padded
 * to 4 bytes with a 0 entry), which is what UPX rebuilds. */
static int pe_relocs(ctx *c, uint8_t *img, size_t img_len, size_t list, unsigned width,
                     uint64_t imagebase, uint32_t rvamin, uint32_t rel_rva, uint32_t rel_size) {
    size_t pos = list;
    int64_t pc = -4;
    /* the .reloc section is rewritten only when it lies in the image */
    bool write = rel_rva >= rvamin && rel_size >= 8 && in_range(rel_rva - rvamin, rel_size, img_len);
    size_t w = write ? rel_rva - rvamin : 0, wend = write ? w + rel_size : 0;
    size_t block = SIZE_MAX;   /* where the open block's header is */
    uint32_t page = 0;
    unsigned entries = 0;
    for (;;) {
        if (pos >= img_len)
            return note(c, 2, MS_E_CORRUPT, "the relocation list runs past the image");
        uint32_t dif = img[pos++];
        if (dif == 0)
            break;
        if (dif >= 0xf0) {
            if (!in_range(pos, 2, img_len))
                return note(c, 2, MS_E_CORRUPT, "the relocation list runs past the image");
            dif = (dif & 0x0fu) << 16 | le16(img + pos);
            pos += 2;
            if (dif == 0) {
                if (!in_range(pos, 4, img_len))
                    return note(c, 2, MS_E_CORRUPT, "the relocation list runs past the image");
                dif = le32(img + pos);
                pos += 4;
            }
        }
        if (dif < 4)
            return note(c, 2, MS_E_CORRUPT, "relocation delta %u is not a word apart", dif);
        pc += dif;
        if (!in_range((uint64_t)pc, width, list))
            return note(c, 2, MS_E_CORRUPT, "relocation at %lld is outside the image", (long long)pc);
        uint8_t *q = img + pc;
        if (width == 4) {
            put_le32(q, be32(q) + (uint32_t)imagebase + rvamin);
        } else {
            uint64_t v = (uint64_t)be32(q) << 32 | be32(q + 4);
            v += imagebase + rvamin;
            put_le32(q, (uint32_t)v);
            put_le32(q + 4, (uint32_t)(v >> 32));
        }
        if (!write)
            continue;
        uint32_t rva = (uint32_t)pc + rvamin;
        if (block == SIZE_MAX || (rva & ~0xfffu) != page) {
            if (block != SIZE_MAX) {
                if (entries & 1) {
                    if (w + 2 > wend)
                        return 0;
                    img[w] = img[w + 1] = 0;
                    w += 2;
                    entries++;
                }
                put_le32(img + block + 4, 8 + 2 * entries);
            }
            if (w + 8 > wend) {
                write = false;
                continue;
            }
            block = w;
            page = rva & ~0xfffu;
            put_le32(img + w, page);
            w += 8;
            entries = 0;
        }
        if (w + 2 > wend) {
            write = false;
            continue;
        }
        unsigned e = (width == 4 ? 3u : 10u) << 12 | (rva & 0xfffu);
        img[w] = (uint8_t)e;
        img[w + 1] = (uint8_t)(e >> 8);
        w += 2;
        entries++;
    }
    if (write && block != SIZE_MAX) {
        if ((entries & 1) && w + 2 <= wend) {
            img[w] = img[w + 1] = 0;
            w += 2;
            entries++;
        }
        put_le32(img + block + 4, 8 + 2 * entries);
    }
    return 0;
}

/* A packed file's RVA as a file offset (through its section table). */
static bool pe_rva_to_off(const uint8_t *d, size_t n, const peh *h, uint32_t rva, size_t *ret) {
    for (unsigned i = 0; i < h->nsec; i++) {
        pesec s = pe_section(d, h, i);
        if (rva >= s.va && rva - s.va < s.rawsize && (uint64_t)s.rawoff + (rva - s.va) < n) {
            *ret = (size_t)s.rawoff + (rva - s.va);
            return true;
        }
    }
    return false;
}

/* Write the NUL-terminated string s (at most max bytes) at img[at..). */
static void put_str(uint8_t *img, size_t img_len, uint64_t at, const uint8_t *s, size_t max) {
    size_t l = 0;
    while (l < max && s[l])
        l++;
    if (l == max || !in_range(at, l + 1, img_len))
        return;
    memcpy(img + at, s, l + 1);
}

/* UPX's import list: per DLL a u32 offset of its name (from the packed
 * file's own import directory, where the stub finds it) and a u32 offset
 * of its IAT in the image, then entries (1 and a NUL-terminated name, or
 * 0xff and a u16 ordinal) ended by a 0 byte; a 0 name offset ends the
 * list. UPX leaves the ILT/IAT arrays in the image but clears the names
 * they point at, the DLL names and each descriptor's OriginalFirstThunk
 * and FirstThunk; this writes them back (hints are not stored: 0). */
static int pe_imports(ctx *c, uint8_t *img, size_t img_len, size_t list, const peh *pk, const peh *o,
                      uint32_t rvamin, uint32_t imp_rva) {
    unsigned w = o->plus ? 8 : 4;
    uint32_t pk_imp = 0;
    size_t pdd = (pk->plus ? 112u : 96u) + 8;
    if (pk->optsz >= pdd + 8)
        pk_imp = le32(c->d + pk->lfanew + 24 + pdd);
    if (imp_rva < rvamin || !pk_imp)
        return 0;
    size_t desc = imp_rva - rvamin, pos = list;
    for (unsigned k = 0; k < 4096; k++, desc += 20) {
        if (!in_range(pos, 4, img_len))
            return note(c, 2, MS_E_CORRUPT, "the import list runs past the image");
        uint32_t name_off = le32(img + pos);
        if (name_off == 0)
            return 0;
        if (!in_range(pos, 8, img_len) || !in_range(desc, 20, img_len))
            return note(c, 2, MS_E_CORRUPT, "the import list runs past the image");
        uint32_t iat = le32(img + pos + 4);
        pos += 8;
        size_t noff;
        uint32_t dll_name = le32(img + desc + 12);
        if (pe_rva_to_off(c->d, c->n, pk, pk_imp + name_off, &noff) && dll_name >= rvamin)
            put_str(img, img_len, dll_name - rvamin, c->d + noff, c->n - noff < 256 ? c->n - noff : 256);
        put_le32(img + desc + 16, iat + rvamin);
        size_t j = 0;
        for (;;) {
            if (pos >= img_len)
                return note(c, 2, MS_E_CORRUPT, "the import list runs past the image");
            unsigned t = img[pos++];
            if (t == 0)
                break;
            if (t == 0xff) {
                pos += 2;
            } else if (t == 1) {
                size_t l = 0;
                while (pos + l < img_len && img[pos + l])
                    l++;
                if (pos + l >= img_len)
                    return note(c, 2, MS_E_CORRUPT, "an import name runs past the image");
                uint64_t slot = (uint64_t)iat + (uint64_t)j * w;
                if (in_range(slot, w, img_len)) {
                    uint32_t hn = le32(img + slot);
                    bool by_ord = w == 8 ? (img[slot + 7] & 0x80) : (hn & 0x80000000u);
                    if (!by_ord && hn >= rvamin && in_range(hn - rvamin, 2, img_len)) {
                        img[hn - rvamin] = img[hn - rvamin + 1] = 0;
                        put_str(img, img_len, (uint64_t)hn - rvamin + 2, img + pos, l + 1);
                    }
                }
                pos += l + 1;
            } else {
                return note(c, 2, MS_E_CORRUPT, "import entry kind %u is not UPX's", t);
            }
            j++;
        }
        /* OriginalFirstThunk: the ILT, a copy of the IAT the linker put
         * after the descriptors; found by content near them */
        uint64_t alen = (uint64_t)(j + 1) * w;
        if (le32(img + desc) == 0 && j && in_range(iat, alen, img_len)) {
            size_t from = imp_rva - rvamin, to = from + (1u << 16) < img_len ? from + (1u << 16) : img_len;
            for (size_t p = from; p + alen <= to; p += w)
                if (p != iat && memcmp(img + p, img + iat, (size_t)alen) == 0) {
                    put_le32(img + desc, (uint32_t)p + rvamin);
                    break;
                }
        }
    }
    return 0;
}

static int pe_unpack(ctx *c) {
    const uint8_t *d = c->d;
    size_t n = c->n;
    int r;
    if (n < 64 || d[0] != 'M' || d[1] != 'Z')
        return MS_E_UNSUPPORTED;
    peh pk;
    if (!pe_header(d, n, le32(d + 0x3c), &pk))
        return MS_E_UNSUPPORTED;
    int i1 = pe_upx1(d, n, &pk);
    if (i1 < 0)
        return MS_E_UNSUPPORTED;
    pesec s0 = pe_section(d, &pk, (unsigned)i1 - 1), s1 = pe_section(d, &pk, (unsigned)i1);
    uint32_t rvamin = pe_section(d, &pk, 0).va;
    /* the image is unpacked over UPX0 and UPX1 */
    uint64_t cap = (uint64_t)s1.va + s1.vsize;
    if (cap <= rvamin || s0.va < rvamin)
        return MS_E_UNSUPPORTED;
    cap -= rvamin;
    if (cap > UPX_HARD_MAX)
        return MS_E_UNSUPPORTED;
    size_t raw_end = s1.rawoff + (size_t)(s1.rawsize < n - s1.rawoff ? s1.rawsize : n - s1.rawoff);
    unsigned fmt = pk.plus ? 36 : 9;
    c->info->format = pk.plus ? "win64/pe" : "win32/pe";

    /* the PackHeader: between the section table and UPX1's first bytes */
    packhdr ph = {0};
    size_t ph_off = 0;
    bool have_ph = false;
    size_t lo = pk.sectab + (size_t)pk.nsec * 40;
    size_t hi = s1.rawoff + UPX_PE_STREAM_SEARCH;
    for (size_t p = lo; p + 32 <= n && p < hi && !have_ph; p++)
        if (packhdr_read(d + p, &ph) && ph.format == fmt) {
            have_ph = true;
            ph_off = p;
        }
    if (have_ph) {
        c->info->method = method_name(ph.method);
        c->info->version = ph.version;
    }

    peh o;
    int len = MS_E_CORRUPT;
    unsigned method = 0;
    if (have_ph && ph.u_len > c->max_out && ph.u_len <= cap)
        return note(c, 1, MS_E_LIMIT, "the unpacked image would be %u bytes, over the limit of %llu",
                    ph.u_len, (unsigned long long)c->max_out);
    if (have_ph && ph.u_len <= cap && in_range(ph_off + 32, ph.c_len, n)) {
        method = ph.method;
        len = pe_decode(c, &pk, d + ph_off + 32, ph.c_len, method, ph.u_len, 0, &o);
        if (len == -ENOMEM)
            return len;
    }
    if (len < 0) {
        /* no PackHeader we can trust: the stream starts near the start of
         * UPX1's bytes (after the PackHeader, wherever that was) */
        have_ph = false;
        static const unsigned methods[] = {MS_UPX_M_NRV2E, MS_UPX_M_NRV2B, MS_UPX_M_NRV2D, MS_UPX_M_LZMA};
        if (cap > c->max_out)
            cap = c->max_out;
        uint8_t *pbuf = NULL;
        size_t pcap = 0;
        if ((r = reserve(&pbuf, &pcap, UPX_PE_PROBE)) < 0)
            return r;
        for (size_t p = s1.rawoff; p < raw_end && p < s1.rawoff + UPX_PE_STREAM_SEARCH && len < 0; p++)
            for (unsigned k = 0; k < 4 && len < 0; k++) {
                size_t po = 0, pi = 0;
                int pr;
                if (methods[k] == MS_UPX_M_LZMA) {
                    if (p + 2 > raw_end || (d[p] >> 3) != (d[p + 1] >> 4) + (d[p + 1] & 15))
                        continue;
                    pr = lzma_decode(d + p, raw_end - p, pbuf, UPX_PE_PROBE, false, &po);
                    if (pr == -ENOMEM) {
                        free(pbuf);
                        return pr;
                    }
                    /* no end marker: a real stream runs on into
                     * garbage, so only "decodes this far" tells */
                    if (pr < 0 || po < 4096)
                        continue;
                } else {
                    pr = ms_nrv_decode((int)methods[k], d + p, raw_end - p, pbuf, UPX_PE_PROBE, &po, &pi);
                    if (pr != 0 && pr != MS_E_LIMIT)
                        continue;
                }
                len = pe_decode(c, &pk, d + p, raw_end - p, methods[k], 0, (size_t)cap, &o);
                if (len == -ENOMEM) {
                    free(pbuf);
                    return len;
                }
                if (len >= 0)
                    method = methods[k];
            }
        free(pbuf);
        if (len < 0)
            return note(c, 1, MS_E_CORRUPT, "no compressed image decodes in section %d", i1);
        c->info->method = method_name(method);
    }
    uint8_t *img = c->u->tmp;
    size_t img_len = (size_t)len;
    uint32_t hdr_at = le32(img + img_len - 4);

    /* the code section, unfiltered */
    unsigned fid = have_ph ? ph.filter : 0, cto = have_ph ? ph.cto : 0;
    if (o.codebase >= rvamin && o.codebase - rvamin < hdr_at) {
        size_t cs = o.codebase - rvamin;
        size_t cl = o.codesize < hdr_at - cs ? o.codesize : hdr_at - cs;
        if (!have_ph)
            guess_filter(img + cs, cl, pk.plus, &fid, &cto);
        if (!filter_known(fid))
            return note(c, 2, MS_E_CORRUPT, "unknown filter 0x%02x", fid);
        unfilter(img + cs, cl, fid, cto, o.codebase - rvamin);
    }

    /* the extra information after the stored section table: the import
     * list (u32 offset, u32) and the relocation list (u32 offset, u8 big)
     * when the program had them, then u16 for resources */
    size_t tab_end = hdr_at + 24 + (size_t)o.optsz + (size_t)o.nsec * 40;
    size_t extra = img_len - 4 - tab_end;
    bool has_imp = extra == 8 || extra == 10 || extra == 13 || extra == 15;
    bool has_rel = extra == 5 || extra == 7 || extra == 13 || extra == 15;
    unsigned chars = le16(img + hdr_at + 22);
    if (has_imp) {
        size_t list = le32(img + tab_end);
        size_t dd = (o.plus ? 112u : 96u) + 8;
        uint32_t imp_rva = o.optsz >= dd + 8 ? le32(img + hdr_at + 24 + dd) : 0;
        if (list < hdr_at && (r = pe_imports(c, img, hdr_at, list, &pk, &o, rvamin, imp_rva)) < 0)
            return r;
    }
    if (has_rel && !(chars & 1 /* IMAGE_FILE_RELOCS_STRIPPED */)) {
        size_t list = le32(img + tab_end + (has_imp ? 8 : 0));
        const uint8_t *oh = img + hdr_at + 24;
        uint64_t imagebase = o.plus ? le64(oh + 24) : le32(oh + 28);
        /* the base relocation directory (data directory 5) */
        size_t dd = (o.plus ? 112u : 96u) + 5 * 8;
        uint32_t rel_rva = 0, rel_size = 0;
        if (o.optsz >= dd + 8) {
            rel_rva = le32(oh + dd);
            rel_size = le32(oh + dd + 4);
        }
        if (list < hdr_at && (r = pe_relocs(c, img, hdr_at, list, o.plus ? 8 : 4, imagebase, rvamin,
                                            rel_rva, rel_size)) < 0)
            return r;
    }

    /* the file: headers, then every section at its file offset, then the
     * packed file's overlay (bytes after its last section) */
    uint64_t size = o.sizeofheaders;
    for (unsigned i = 0; i < o.nsec; i++) {
        pesec s = pe_section(img, &o, i);
        if (s.rawsize && (uint64_t)s.rawoff + s.rawsize > size)
            size = (uint64_t)s.rawoff + s.rawsize;
    }
    uint64_t pk_end = 0;
    for (unsigned i = 0; i < pk.nsec; i++) {
        pesec s = pe_section(d, &pk, i);
        if (s.rawsize && (uint64_t)s.rawoff + s.rawsize > pk_end)
            pk_end = (uint64_t)s.rawoff + s.rawsize;
    }
    /* a cut file may still hold the whole stream (UPX1 starts with it),
     * but it is not the file the packer wrote: say so */
    if (pk_end > n)
        return note(c, 2, MS_E_CORRUPT, "truncated: the sections end at %llu, the file at %zu",
                    (unsigned long long)pk_end, n);
    size_t overlay = pk_end < n ? n - (size_t)pk_end : 0;
    uint64_t sections_end = size;
    size += overlay;
    /* the overlay cut short: the PackHeader knows the original's size */
    if (have_ph && size < ph.u_file_size)
        return note(c, 2, MS_E_CORRUPT, "truncated: %llu bytes restored, the original had %u",
                    (unsigned long long)size, ph.u_file_size);
    uint64_t hdr_len = 24 + (uint64_t)o.optsz + (uint64_t)o.nsec * 40;
    if (size < pk.lfanew + hdr_len)
        size = pk.lfanew + hdr_len;
    if (size > c->max_out || size > UPX_HARD_MAX)
        return note(c, 1, MS_E_LIMIT, "the unpacked program would be %llu bytes, over the limit of %llu",
                    (unsigned long long)size, (unsigned long long)c->max_out);
    if ((r = reserve(&c->u->buf, &c->u->cap, (size_t)size)) < 0)
        return r;
    uint8_t *out = c->u->buf;
    memset(out, 0, (size_t)size);
    memcpy(out, d, pk.lfanew);
    memcpy(out + pk.lfanew, img + hdr_at, (size_t)hdr_len);
    /* the table is read from the image: a section placed over the
     * headers (offset 0) overwrites the copy in out */
    for (unsigned i = 0; i < o.nsec; i++) {
        pesec s = pe_section(img, &o, i);
        if (!s.rawsize)
            continue;
        uint64_t take = s.vsize && s.vsize < s.rawsize ? s.vsize : s.rawsize;
        if (s.va < rvamin || s.va - rvamin >= hdr_at)
            continue;
        uint64_t from = s.va - rvamin;
        if (take > hdr_at - from)
            take = hdr_at - from;
        memcpy(out + s.rawoff, img + from, (size_t)take);
    }
    if (overlay)
        memcpy(out + sections_end, d + pk_end, overlay);
    return (int)size;
}

/* ---- candidates ---- */

static bool elf_candidate(const uint8_t *d, size_t n) {
    elfh h;
    if (!elf_header(d, n, &h) || h.phnum == 0 || h.phnum > 16)
        return false;
    uint64_t li = h.phoff + (uint64_t)h.phnum * h.phentsize;
    if (!in_range(li, 36, n))
        return false;
    const uint8_t *l = d + li;
    if (memcmp(l + 4, "UPX!", 4) == 0)
        return true;
    /* structure: p_info then the first b_info holding the original Ehdr */
    uint32_t filesize = le32(l + 16), h_unc = le32(l + 24), h_cpr = le32(l + 28);
    unsigned hm = l[32];
    uint32_t hmin = h.is64 ? 64 : 52;
    if (filesize >= hmin && h_unc >= hmin && h_unc <= 0x4000 && h_unc <= filesize && h_cpr &&
        h_cpr <= h_unc && (method_ok(hm) || h_cpr == h_unc) && (l[33] == 0) &&
        (h_unc - hmin) % h.phentsize == 0)
        return true;
    /* the file's last word points at p_info, after an l_info */
    if (n >= 40) {
        uint32_t t = le32(d + n - 4);
        if (t >= 12 && in_range(t, 24, n) && memcmp(d + t - 8, "UPX!", 4) == 0)
            return true;
    }
    return false;
}

static bool pe_candidate(const uint8_t *d, size_t n) {
    if (n < 64 || d[0] != 'M' || d[1] != 'Z')
        return false;
    peh h;
    if (!pe_header(d, n, le32(d + 0x3c), &h))
        return false;
    for (unsigned i = 0; i < h.nsec; i++)
        if (memcmp(d + h.sectab + (size_t)i * 40, "UPX", 3) == 0)
            return true;
    return pe_upx1(d, n, &h) >= 0;
}

bool ms_upx_candidate(const uint8_t *d, size_t n) {
    if (!d || n < 64)
        return false;
    if (d[0] == 0x7f)
        return elf_candidate(d, n);
    if (d[0] == 'M')
        return pe_candidate(d, n);
    return false;
}

int ms_upx_unpack(ms_upx *u, const uint8_t *d, size_t n, uint64_t max_out,
                  const uint8_t **ret_data, size_t *ret_size, ms_upx_info *info, char *reason,
                  size_t reason_cap) {
    ms_upx_info dummy;
    ctx c = {.u = u, .d = d, .n = n, .max_out = max_out, .info = info ? info : &dummy};
    memset(c.info, 0, sizeof(*c.info));
    int r = MS_E_UNSUPPORTED;
    if (d && n >= 64 && d[0] == 0x7f)
        r = elf_unpack(&c);
    else if (d && n >= 64 && d[0] == 'M')
        r = pe_unpack(&c);
    if (r >= 0) {
        *ret_data = u->buf;
        *ret_size = (size_t)r;
        return 0;
    }
    if (r == MS_E_CORRUPT && !c.why_level)
        note(&c, 0, r, "not a UPX layout that can be unpacked");
    if (r == MS_E_UNSUPPORTED)
        note(&c, 0, r, "no UPX structure found");
    if (r == -ENOMEM)
        note(&c, 0, r, "out of memory");
    if (reason && reason_cap)
        snprintf(reason, reason_cap, "%s", c.why);
    return r;
}
