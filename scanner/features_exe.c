/*
 * features_exe.c - the ELF and PE structure the model scores: sections
 * (names, sizes, entropy, permissions), segments, the entry point, linking
 * (static, PIE, interpreter), packer marks and imports (DT_NEEDED and the
 * undefined dynamic symbols; the PE import directory). exe.c decodes the
 * headers and reads the tables entry by entry; every offset and size taken
 * from the file is checked against the buffer before use, and every table
 * is bounded by the caps of features_int.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "exe.h"
#include "features_int.h"

/* ---- bounded readers ---- */

static bool in(size_t n, uint64_t off, uint64_t len) {
    return off <= n && len <= n - off;
}

typedef struct rd {
    const uint8_t *d;
    size_t n;
    bool be;
} rd;

static uint64_t u(const rd *r, uint64_t off, unsigned width) {
    if (!in(r->n, off, width))
        return 0;
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++) {
        unsigned sh = r->be ? 8 * (width - 1 - i) : 8 * i;
        v |= (uint64_t)r->d[off + i] << sh;
    }
    return v;
}

/* A NUL-terminated name at off, at most MAX_NAME bytes; NULL if it does
 * not end inside the buffer or the cap. */
static const char *name_at(const rd *r, uint64_t off, uint64_t limit, size_t *ret_len) {
    if (off >= r->n || off >= limit)
        return NULL;
    size_t max = r->n - (size_t)off;
    if (limit - off < max)
        max = (size_t)(limit - off);
    if (max > MAX_NAME)
        max = MAX_NAME;
    const uint8_t *s = r->d + off;
    const uint8_t *z = memchr(s, 0, max);
    if (!z)
        return NULL;
    *ret_len = (size_t)(z - s);
    return (const char *)s;
}

/* ---- structure ---- */


static bool has_prefix(const char *s, size_t n, const char *p) {
    size_t k = strlen(p);
    return n >= k && !memcmp(s, p, k);
}

static bool std_elf_section(const char *s, size_t n) {
    static const char *const pfx[] = {
        ".text", ".data", ".rodata", ".bss", ".init", ".fini", ".plt", ".got", ".dyn",
        ".rel", ".note", ".gnu", ".debug", ".zdebug", ".eh_frame", ".gcc_except", ".comment",
        ".interp", ".symtab", ".strtab", ".shstrtab", ".hash", ".ctors", ".dtors", ".jcr",
        ".tm_clone", ".tdata", ".tbss", ".go", ".noptr", ".typelink", ".itablink", ".stapsdt",
        ".probes", ".sframe", ".lbss", ".ldata", ".lrodata", ".preinit", ".ARM", ".llvm",
        ".gopclntab", ".gosymtab", ".stab", ".plt.sec", "__libc", "__", ".fini_array",
    };
    if (n == 0)
        return true;
    for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++)
        if (has_prefix(s, n, pfx[i]))
            return true;
    return false;
}

static bool std_pe_section(const char *s, size_t n) {
    static const char *const names[] = {
        ".text", ".data", ".rdata", ".bss", ".idata", ".edata", ".pdata", ".xdata", ".rsrc",
        ".reloc", ".tls", ".CRT", ".debug", ".didat", ".00cfg", ".gfids", ".textbss", ".sdata",
        ".buildid", ".gehcont", ".retplne", ".voltbl", "INIT", "PAGE", ".orpc", ".giats",
        ".sbss", ".srdata", ".reloc", ".gnu_deb", ".eh_fram", "/",
    };
    if (n == 0)
        return true;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (has_prefix(s, n, names[i]))
            return true;
    return false;
}

static bool upx_name(const char *s, size_t n) {
    return has_prefix(s, n, "UPX") || has_prefix(s, n, ".upx") || has_prefix(s, n, ".UPX");
}

/* ELF: sections (or, without them, segments), linking, entry point, DT_NEEDED
 * and the undefined dynamic symbols. */
void ms_feat_parse_elf(ms_featurizer *f, const uint8_t *d, size_t n, sinfo *si) {
    ms_exe x;
    si->elf = true;
    si->is64 = n >= 52 && d[4] == 2;
    if (ms_exe_parse(d, n, &x) != MS_EXE_ELF) {
        si->malformed = true;
        return;
    }
    rd r = {.d = d, .n = n, .be = x.be};
    bool w = x.is64;
    uint64_t type = x.elf_type, entry = x.entry;
    uint64_t shoff = x.shoff, shentsize = x.shentsize, shnum = x.shnum, shstrndx = x.shstrndx;
    uint64_t phoff = x.phoff, phentsize = x.phentsize, phnum = x.phnum;
    uint64_t want_ph = w ? 56 : 32, want_sh = w ? 64 : 40;
    si->end = w ? 64 : 52;

    /* segments */
    bool have_dynamic = false;
    uint64_t ep_seg_flags = 0;
    bool ep_in_seg = false;
    if (phnum && phentsize < want_ph)
        si->malformed = true;
    else if (phnum > MAX_SEGMENTS)
        si->malformed = true;
    else {
        for (uint64_t i = 0; i < phnum; i++) {
            ms_exe_segment sg;
            if (!ms_exe_segment_at(&x, d, n, i, &sg)) {
                si->malformed = true;
                break;
            }
            uint64_t pt = sg.type, pflags = sg.flags, poff = sg.offset, vaddr = sg.vaddr;
            uint64_t filesz = sg.filesz, memsz = sg.memsz;
            if (pt == 3)
                si->elf_interp = true;
            if (pt == 2)
                have_dynamic = true;
            if (pt == 1) {
                if ((pflags & 3) == 3)
                    si->wx = true;
                if (entry >= vaddr && entry - vaddr < memsz) {
                    ep_in_seg = true;
                    ep_seg_flags = pflags;
                }
                if (poff <= n && filesz <= n - poff && poff + filesz > si->end)
                    si->end = poff + filesz;
            }
        }
        if (phoff <= n && phnum * phentsize <= n - phoff && phoff + phnum * phentsize > si->end)
            si->end = phoff + phnum * phentsize;
    }
    si->elf_static = !have_dynamic && (type == 2 || type == 3);
    si->elf_pie = type == 3 && si->elf_interp;

    /* sections (exe.c resolved the extended numbering) */
    bool have_symtab = false, ep_in_sec = false;
    if (shnum && (shentsize < want_sh || shnum > MAX_SECTIONS || shoff > n ||
                  shnum * shentsize > n - shoff)) {
        si->malformed = true;
        shnum = 0;
    }
    if (shnum) {
        uint64_t end = shoff + shnum * shentsize;
        if (end > si->end)
            si->end = end;
    }
    uint64_t stroff = 0, strsize = 0;
    ms_exe_section sec;
    if (shnum && shstrndx < shnum && ms_exe_section_at(&x, d, n, shstrndx, &sec)) {
        stroff = sec.offset;
        strsize = sec.size;
        if (!in(n, stroff, strsize))
            stroff = strsize = 0;
    }
    uint64_t dynsym_i = UINT64_MAX, dynamic_i = UINT64_MAX;
    for (uint64_t i = 1; i < shnum && ms_exe_section_at(&x, d, n, i, &sec); i++) {
        uint64_t nm = sec.name_off, st = sec.type, fl = sec.flags, addr = sec.addr;
        uint64_t off = sec.offset, size = sec.size;
        size_t nlen = 0;
        const char *name = strsize ? name_at(&r, stroff + nm, stroff + strsize, &nlen) : NULL;
        si->nsec++;
        if (name) {
            if (!std_elf_section(name, nlen))
                si->nonstd++;
            if (upx_name(name, nlen))
                si->upx = true;
            if (has_prefix(name, nlen, ".go.buildinfo") || has_prefix(name, nlen, ".gopclntab"))
                si->go = true;
        }
        if (st == 2)
            have_symtab = true;
        if (st == 11 && dynsym_i == UINT64_MAX)
            dynsym_i = i;
        if (st == 6 && dynamic_i == UINT64_MAX)
            dynamic_i = i;
        bool exec = fl & 4, write = fl & 1, alloc = fl & 2;
        bool nobits = st == 8;
        if (exec && write)
            si->wx = true;
        bool file_ok = !nobits && in(n, off, size);
        if (!nobits && size && !file_ok)
            si->malformed = true;
        if (file_ok && size && off + size > si->end)
            si->end = off + size;
        double ent = file_ok ? ms_feat_range_entropy(f, off, size) : 0;
        if (file_ok && size >= BLOCK && ent > si->max_ent)
            si->max_ent = ent;
        if (exec) {
            if (nobits || size == 0)
                si->exec_nofile = true;
            if (file_ok)
                si->exec_bytes += size;
            if (ent > si->exec_ent)
                si->exec_ent = ent;
        }
        if (alloc && entry >= addr && entry - addr < size && !ep_in_sec) {
            ep_in_sec = true;
            si->ep_writable = write;
            si->ep_high = ent >= 7.0;
            if (!exec)
                si->ep_outside = true;
        }
    }
    if (!ep_in_sec && ep_in_seg) {
        si->ep_writable = ep_seg_flags & 2;
        if (!(ep_seg_flags & 1))
            si->ep_outside = true;
    }
    if (!ep_in_sec && !ep_in_seg && entry && (type == 2 || type == 3))
        si->ep_outside = true;
    si->stripped = !have_symtab;

    /* dynamic symbols: the undefined ones are imports */
    ms_exe_section ds, ls;
    if (dynsym_i != UINT64_MAX && ms_exe_section_at(&x, d, n, dynsym_i, &ds)) {
        uint64_t off = ds.offset, size = ds.size, link = ds.link;
        uint64_t entsize = w ? 24 : 16;
        if (link < shnum && in(n, off, size) && ms_exe_section_at(&x, d, n, link, &ls)) {
            uint64_t soff = ls.offset, ssize = ls.size;
            if (in(n, soff, ssize)) {
                uint64_t count = size / entsize;
                if (count > MAX_SYMBOLS)
                    count = MAX_SYMBOLS;
                for (uint64_t k = 1; k < count; k++) {
                    uint64_t so = off + k * entsize;
                    uint64_t nm = u(&r, so, 4);
                    uint64_t shndx = u(&r, so + (w ? 6 : 14), 2);
                    if (shndx != 0)
                        continue;
                    size_t nlen = 0;
                    const char *name = name_at(&r, soff + nm, soff + ssize, &nlen);
                    if (name)
                        ms_feat_add_import(f, name, nlen, false);
                }
            }
        }
    }
    /* DT_NEEDED */
    if (dynamic_i != UINT64_MAX && ms_exe_section_at(&x, d, n, dynamic_i, &ds)) {
        uint64_t off = ds.offset, size = ds.size, link = ds.link;
        uint64_t entsize = w ? 16 : 8;
        if (link < shnum && in(n, off, size) && ms_exe_section_at(&x, d, n, link, &ls)) {
            uint64_t soff = ls.offset, ssize = ls.size;
            uint64_t count = size / entsize;
            if (count > MAX_SEGMENTS * 4)
                count = MAX_SEGMENTS * 4;
            for (uint64_t k = 0; k < count && in(n, soff, ssize); k++) {
                uint64_t tag = u(&r, off + k * entsize, w ? 8 : 4);
                if (tag == 0)
                    break;
                if (tag != 1)
                    continue;
                uint64_t val = u(&r, off + k * entsize + (w ? 8 : 4), w ? 8 : 4);
                size_t nlen = 0;
                const char *name = name_at(&r, soff + val, soff + ssize, &nlen);
                if (name)
                    ms_feat_add_import(f, name, nlen, true);
            }
        }
    }
}

typedef struct pesec {
    uint64_t va, vsize, raw, rawsize, flags;
} pesec;

static bool rva_to_off(const pesec *s, size_t ns, uint64_t hdr_size, uint64_t rva, uint64_t *ret) {
    for (size_t i = 0; i < ns; i++) {
        uint64_t span = s[i].vsize > s[i].rawsize ? s[i].vsize : s[i].rawsize;
        if (rva >= s[i].va && rva - s[i].va < span) {
            if (rva - s[i].va >= s[i].rawsize)
                return false;
            *ret = s[i].raw + (rva - s[i].va);
            return true;
        }
    }
    if (rva < hdr_size) {
        *ret = rva;
        return true;
    }
    return false;
}

#define PE_MAX_SECTIONS 96u /* the loader's own limit */

void ms_feat_parse_pe(ms_featurizer *f, const uint8_t *d, size_t n, sinfo *si) {
    rd r = {.d = d, .n = n};
    ms_exe x;
    si->pe = true;
    if (ms_exe_parse(d, n, &x) != MS_EXE_PE) {
        si->malformed = true;
        return;
    }
    uint64_t nsec = x.nsec, symptr = x.symptr;
    si->dll = x.characteristics & 0x2000;
    if (!x.pe_magic) {
        si->malformed = true;
        return;
    }
    si->is64 = x.is64;
    uint64_t entry = x.entry, hdr_size = x.header_size, subsys = x.subsystem;
    const uint32_t *dir_rva = x.dir_rva, *dir_size = x.dir_size;
    si->driver = subsys == 1;
    si->console = subsys == 3;
    si->signed_ = dir_rva[4] && dir_size[4];
    si->dotnet = dir_rva[14] && dir_size[14];
    si->tls = dir_rva[9] && dir_size[9];
    si->stripped = symptr == 0 && !(dir_rva[6] && dir_size[6]);

    pesec sec[PE_MAX_SECTIONS];
    size_t ns = 0;
    if (nsec > PE_MAX_SECTIONS) {
        si->malformed = true;
        nsec = PE_MAX_SECTIONS;
    }
    si->end = x.sec_off + nsec * 40;
    bool ep_found = false;
    for (uint64_t i = 0; i < nsec; i++) {
        ms_exe_section hs;
        if (!ms_exe_section_at(&x, d, n, i, &hs)) {
            si->malformed = true;
            break;
        }
        const char *name = hs.name;
        size_t nlen = hs.name_len;
        pesec s = {.vsize = hs.vsize, .va = hs.addr, .rawsize = hs.size, .raw = hs.offset, .flags = hs.flags};
        if (s.rawsize && !in(n, s.raw, s.rawsize)) {
            si->malformed = true;
            s.rawsize = s.raw <= n ? n - s.raw : 0;
        }
        sec[ns++] = s;
        si->nsec++;
        if (!std_pe_section(name, nlen))
            si->nonstd++;
        if (upx_name(name, nlen))
            si->upx = true;
        bool exec = s.flags & 0x20000000, write = s.flags & 0x80000000;
        if (exec && write)
            si->wx = true;
        if (s.rawsize && s.raw + s.rawsize > si->end)
            si->end = s.raw + s.rawsize;
        double ent = s.rawsize ? ms_feat_range_entropy(f, s.raw, s.rawsize) : 0;
        if (s.rawsize >= BLOCK && ent > si->max_ent)
            si->max_ent = ent;
        if (exec || (s.flags & 0x20)) {
            if (s.rawsize == 0)
                si->exec_nofile = true;
            si->exec_bytes += s.rawsize;
            if (ent > si->exec_ent)
                si->exec_ent = ent;
        }
        uint64_t span = s.vsize > s.rawsize ? s.vsize : s.rawsize;
        if (!ep_found && entry >= s.va && entry - s.va < span) {
            ep_found = true;
            si->ep_writable = write;
            si->ep_high = ent >= 7.0;
            if (!exec && !(s.flags & 0x20))
                si->ep_outside = true;
        }
    }
    if (!ep_found && entry)
        si->ep_outside = true;
    /* The certificate table sits after the sections and is no overlay. */
    if (si->signed_ && dir_rva[4] <= n && dir_size[4] <= n - dir_rva[4] &&
        dir_rva[4] + dir_size[4] > si->end)
        si->end = dir_rva[4] + dir_size[4];

    /* imports */
    uint64_t ioff;
    if (!dir_rva[1] || !rva_to_off(sec, ns, hdr_size, dir_rva[1], &ioff))
        return;
    unsigned thunks = 0;
    unsigned tw = si->is64 ? 8 : 4;
    for (unsigned k = 0; k < MAX_DLLS; k++) {
        uint64_t o = ioff + (uint64_t)k * 20;
        if (!in(n, o, 20)) {
            si->malformed = true;
            break;
        }
        uint64_t oft = u(&r, o, 4), name_rva = u(&r, o + 12, 4), ft = u(&r, o + 16, 4);
        if (!oft && !name_rva && !ft)
            break;
        uint64_t noff;
        size_t nlen = 0;
        const char *name;
        if (rva_to_off(sec, ns, hdr_size, name_rva, &noff) &&
            (name = name_at(&r, noff, n, &nlen)))
            ms_feat_add_import(f, name, nlen, true);
        uint64_t toff;
        if (!rva_to_off(sec, ns, hdr_size, oft ? oft : ft, &toff))
            continue;
        for (; thunks < MAX_THUNKS; thunks++, toff += tw) {
            if (!in(n, toff, tw))
                break;
            uint64_t t = u(&r, toff, tw);
            if (t == 0)
                break;
            if (t >> (tw * 8 - 1))
                continue; /* by ordinal */
            uint64_t hoff;
            if (!rva_to_off(sec, ns, hdr_size, t & 0x7fffffff, &hoff))
                continue;
            if ((name = name_at(&r, hoff + 2, n, &nlen)))
                ms_feat_add_import(f, name, nlen, false);
        }
    }
}

