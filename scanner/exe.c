/*
 * exe.c - ELF, PE and Mach-O headers (see exe.h for what is read).
 */
#include "exe.h"

#include <string.h>

#include "bytes.h"

static ms_exe_format parse_elf(const uint8_t *d, size_t n, ms_exe *x) {
    if (n < 52 || (d[4] != 1 && d[4] != 2) || (d[5] != 1 && d[5] != 2))
        return MS_EXE_NONE;
    bool w = d[4] == 2, be = d[5] == 2;
    if (n < (w ? 64u : 52u))
        return MS_EXE_NONE;
    x->is64 = w;
    x->be = be;
    x->elf_type = ms_rd16(d + 16, be);
    x->machine = ms_rd16(d + 18, be);
    x->entry = w ? ms_rd64(d + 24, be) : ms_rd32(d + 24, be);
    x->phoff = w ? ms_rd64(d + 32, be) : ms_rd32(d + 28, be);
    x->shoff = w ? ms_rd64(d + 40, be) : ms_rd32(d + 32, be);
    x->phentsize = ms_rd16(d + (w ? 54 : 42), be);
    x->phnum = ms_rd16(d + (w ? 56 : 44), be);
    x->shentsize = ms_rd16(d + (w ? 58 : 46), be);
    x->shnum = ms_rd16(d + (w ? 60 : 48), be);
    x->shstrndx = ms_rd16(d + (w ? 62 : 50), be);
    /* extended numbering: the real counts live in section header 0 */
    uint64_t want = w ? 64 : 40;
    if (x->shoff && x->shentsize >= want && ms_in(n, x->shoff, want)) {
        const uint8_t *s0 = d + x->shoff;
        if (x->shnum == 0)
            x->shnum = w ? ms_rd64(s0 + 32, be) : ms_rd32(s0 + 20, be);
        if (x->shstrndx == 0xffff)
            x->shstrndx = ms_rd32(s0 + (w ? 40 : 24), be);
    } else if (x->shstrndx == 0xffff) {
        x->shstrndx = 0;
    }
    x->format = MS_EXE_ELF;
    return MS_EXE_ELF;
}

static ms_exe_format parse_pe(const uint8_t *d, size_t n, ms_exe *x) {
    if (n < 0x40)
        return MS_EXE_NONE;
    uint64_t pe = ms_rd32le(d + 0x3c);
    if (pe < 0x40 || !ms_in(n, pe, 24) || memcmp(d + pe, "PE\0\0", 4))
        return MS_EXE_NONE;
    const uint8_t *coff = d + pe + 4;
    x->pe_off = pe;
    x->machine = ms_rd16le(coff);
    x->nsec = ms_rd16le(coff + 2);
    x->symptr = ms_rd32le(coff + 8);
    x->opt_size = ms_rd16le(coff + 16);
    x->characteristics = ms_rd16le(coff + 18);
    x->opt_off = pe + 24;
    x->sec_off = x->opt_off + x->opt_size;
    x->format = MS_EXE_PE;
    uint64_t opt = x->opt_off;
    unsigned magic = (unsigned)ms_rdn(d, n, opt, 2, false);
    if (magic != 0x10b && magic != 0x20b)
        return MS_EXE_PE; /* a PE the loader would refuse; callers say malformed */
    x->pe_magic = magic;
    x->is64 = magic == 0x20b;
    x->entry = ms_rdn(d, n, opt + 16, 4, false);
    x->header_size = ms_rdn(d, n, opt + 60, 4, false);
    x->subsystem = (unsigned)ms_rdn(d, n, opt + 68, 2, false);
    uint64_t ndirs = ms_rdn(d, n, opt + (x->is64 ? 108 : 92), 4, false);
    uint64_t dirs = opt + (x->is64 ? 112 : 96);
    if (ndirs > 16)
        ndirs = 16;
    for (uint64_t i = 0; i < ndirs; i++) {
        /* a directory the optional header does not hold is absent */
        if (dirs + 8 * i + 8 > opt + x->opt_size)
            break;
        x->dir_rva[i] = (uint32_t)ms_rdn(d, n, dirs + 8 * i, 4, false);
        x->dir_size[i] = (uint32_t)ms_rdn(d, n, dirs + 8 * i + 4, 4, false);
        x->ndirs = (unsigned)i + 1;
    }
    return MS_EXE_PE;
}

static ms_exe_format parse_macho(const uint8_t *d, size_t n, ms_exe *x) {
    uint32_t m = ms_rd32le(d);
    if (m == 0xfeedface || m == 0xfeedfacf || m == 0xcefaedfe || m == 0xcffaedfe) {
        x->is64 = m == 0xfeedfacf || m == 0xcffaedfe;
        x->be = m == 0xcefaedfe || m == 0xcffaedfe;
        x->format = MS_EXE_MACHO;
        return MS_EXE_MACHO;
    }
    if (n >= 8 && !memcmp(d, "\xca\xfe\xba\xbe", 4) && d[4] == 0 && d[5] == 0 && d[6] == 0 &&
        d[7] > 0 && d[7] < 20) {
        x->be = true;
        x->format = MS_EXE_MACHO;
        return MS_EXE_MACHO;
    }
    return MS_EXE_NONE;
}

ms_exe_format ms_exe_parse(const uint8_t *d, size_t n, ms_exe *ret) {
    memset(ret, 0, sizeof(*ret));
    if (!d || n < 4)
        return MS_EXE_NONE;
    ms_exe_format f = MS_EXE_NONE;
    if (!memcmp(d, "\x7f" "ELF", 4))
        f = parse_elf(d, n, ret);
    else if (d[0] == 'M' && d[1] == 'Z')
        f = parse_pe(d, n, ret);
    else
        f = parse_macho(d, n, ret);
    if (f == MS_EXE_NONE)
        memset(ret, 0, sizeof(*ret));
    return f;
}

bool ms_exe_elf_program(const ms_exe *x) {
    return x->format == MS_EXE_ELF && (x->elf_type == MS_ET_EXEC || x->elf_type == MS_ET_DYN);
}

bool ms_exe_segment_at(const ms_exe *x, const uint8_t *d, size_t n, uint64_t i,
                       ms_exe_segment *ret) {
    bool w = x->is64, be = x->be;
    uint64_t want = w ? 56 : 32, o;
    if (x->format != MS_EXE_ELF || x->phentsize < want || i >= x->phnum)
        return false;
    if (__builtin_mul_overflow(i, (uint64_t)x->phentsize, &o) || __builtin_add_overflow(o, x->phoff, &o) ||
        !ms_in(n, o, want))
        return false;
    const uint8_t *p = d + o;
    ret->type = ms_rd32(p, be);
    ret->flags = ms_rd32(p + (w ? 4 : 24), be);
    ret->offset = w ? ms_rd64(p + 8, be) : ms_rd32(p + 4, be);
    ret->vaddr = w ? ms_rd64(p + 16, be) : ms_rd32(p + 8, be);
    ret->filesz = w ? ms_rd64(p + 32, be) : ms_rd32(p + 16, be);
    ret->memsz = w ? ms_rd64(p + 40, be) : ms_rd32(p + 20, be);
    return true;
}

bool ms_exe_section_at(const ms_exe *x, const uint8_t *d, size_t n, uint64_t i,
                       ms_exe_section *ret) {
    uint64_t o;
    memset(ret, 0, sizeof(*ret));
    if (x->format == MS_EXE_PE) {
        if (i >= x->nsec || __builtin_mul_overflow(i, (uint64_t)40, &o) ||
            __builtin_add_overflow(o, x->sec_off, &o) || !ms_in(n, o, 40))
            return false;
        const uint8_t *s = d + o;
        ret->name = (const char *)s;
        ret->name_len = strnlen((const char *)s, 8);
        ret->vsize = ms_rd32le(s + 8);
        ret->addr = ms_rd32le(s + 12);
        ret->size = ms_rd32le(s + 16);
        ret->offset = ms_rd32le(s + 20);
        ret->flags = ms_rd32le(s + 36);
        return true;
    }
    if (x->format != MS_EXE_ELF)
        return false;
    bool w = x->is64, be = x->be;
    uint64_t want = w ? 64 : 40;
    if (x->shentsize < want || i >= x->shnum || __builtin_mul_overflow(i, (uint64_t)x->shentsize, &o) ||
        __builtin_add_overflow(o, x->shoff, &o) || !ms_in(n, o, want))
        return false;
    const uint8_t *s = d + o;
    ret->name_off = ms_rd32(s, be);
    ret->type = ms_rd32(s + 4, be);
    ret->flags = w ? ms_rd64(s + 8, be) : ms_rd32(s + 8, be);
    ret->addr = w ? ms_rd64(s + 16, be) : ms_rd32(s + 12, be);
    ret->offset = w ? ms_rd64(s + 24, be) : ms_rd32(s + 16, be);
    ret->size = w ? ms_rd64(s + 32, be) : ms_rd32(s + 20, be);
    ret->vsize = ret->size;
    ret->link = ms_rd32(s + (w ? 40 : 24), be);
    return true;
}

/* The furthest end of [off, off + len) inside n, or cur. */
static uint64_t extend(uint64_t cur, size_t n, uint64_t off, uint64_t len) {
    return ms_in(n, off, len) && off + len > cur ? off + len : cur;
}

size_t ms_exe_image_end(const ms_exe *x, const uint8_t *d, size_t n) {
    uint64_t end = 0;
    if (x->format == MS_EXE_PE) {
        uint64_t tab;
        if (__builtin_mul_overflow((uint64_t)x->nsec, (uint64_t)40, &tab) ||
            __builtin_add_overflow(tab, x->sec_off, &end) || end > n)
            return 0;
        ms_exe_section s;
        for (uint64_t i = 0; ms_exe_section_at(x, d, n, i, &s); i++) {
            uint64_t e = s.offset + s.size;
            if (s.size && e > end)
                end = e;
        }
    } else if (x->format == MS_EXE_ELF) {
        bool w = x->is64;
        end = w ? 64 : 52;
        uint64_t tab;
        if (x->phoff && x->phentsize >= (w ? 56u : 32u) &&
            !__builtin_mul_overflow((uint64_t)x->phnum, (uint64_t)x->phentsize, &tab) &&
            ms_in(n, x->phoff, tab)) {
            ms_exe_segment p;
            for (uint64_t i = 0; ms_exe_segment_at(x, d, n, i, &p); i++)
                end = extend(end, n, p.offset, p.filesz);
            end = extend(end, n, x->phoff, tab);
        }
        if (x->shoff && x->shentsize >= (w ? 64u : 40u) &&
            !__builtin_mul_overflow(x->shnum, (uint64_t)x->shentsize, &tab) && ms_in(n, x->shoff, tab)) {
            ms_exe_section s;
            for (uint64_t i = 0; ms_exe_section_at(x, d, n, i, &s); i++)
                if (s.type != 8 /* SHT_NOBITS */)
                    end = extend(end, n, s.offset, s.size);
            end = extend(end, n, x->shoff, tab);
        }
    } else {
        return 0;
    }
    return end > n ? n : (size_t)end;
}
