/*
 * exe.h - the one bounded reader of executable headers (ELF, PE, Mach-O).
 *
 * Identification, the unpacker's SFX finder, the feature pass, the engine's
 * model gate and the UPX unpacker all read the same facts from here, so a
 * file is a PE (or an ELF program) for all of them or for none. Only the
 * headers are decoded at parse time; the tables (ELF program and section
 * headers, PE sections) are read entry by entry, each entry checked against
 * the buffer before a byte of it is read. Nothing here allocates.
 *
 * Formats, as far as they are read here:
 *  - ELF: e_ident (class 1/2, data 1/2), then the 52- or 64-byte header;
 *    e_shnum == 0 with e_shoff set, and e_shstrndx == SHN_XINDEX, take the
 *    real values from section header 0 (the extended numbering).
 *  - PE: "MZ", e_lfanew at 0x3c (at least 0x40, as the DOS header is 64
 *    bytes), "PE\0\0", the 20-byte COFF header, the optional header whose
 *    magic is 0x10b (PE32) or 0x20b (PE32+), its data directories (at most
 *    16), then NumberOfSections 40-byte section headers.
 *  - Mach-O: the thin magics in both byte orders and the fat header (which
 *    shares 0xcafebabe with Java class files: a fat header lists a handful
 *    of architectures, a class file has a major version of 45 or more).
 */
#ifndef MS_EXE_H
#define MS_EXE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ms_exe_format {
    MS_EXE_NONE = 0,
    MS_EXE_ELF,
    MS_EXE_PE,
    MS_EXE_MACHO,
} ms_exe_format;

/* ELF e_type values the callers tell apart. */
enum { MS_ET_REL = 1, MS_ET_EXEC = 2, MS_ET_DYN = 3, MS_ET_CORE = 4 };

typedef struct ms_exe {
    ms_exe_format format;
    bool is64;          /* ELFCLASS64, PE32+, 64-bit Mach-O */
    bool be;            /* big-endian ELF */
    uint64_t entry;     /* ELF e_entry; PE AddressOfEntryPoint (an RVA) */
    unsigned machine;   /* ELF e_machine; PE COFF Machine */

    /* ELF */
    unsigned elf_type;  /* e_type */
    uint64_t phoff, shoff;
    unsigned phentsize, phnum;
    unsigned shentsize;
    uint64_t shnum, shstrndx; /* extended numbering resolved */

    /* PE */
    uint64_t pe_off;    /* offset of "PE\0\0" */
    uint64_t opt_off;   /* optional header */
    unsigned opt_size;
    unsigned pe_magic;  /* 0x10b, 0x20b; 0 when the optional header is cut */
    unsigned characteristics;
    unsigned subsystem;
    uint64_t header_size;  /* SizeOfHeaders */
    uint64_t symptr;       /* PointerToSymbolTable */
    uint64_t sec_off;      /* first section header */
    unsigned nsec;         /* NumberOfSections as the header says */
    unsigned ndirs;        /* data directories read, at most 16 */
    uint32_t dir_rva[16], dir_size[16];
} ms_exe;

/* PE data directory indices. */
enum { MS_PE_DIR_IMPORT = 1, MS_PE_DIR_SECURITY = 4, MS_PE_DIR_DEBUG = 6, MS_PE_DIR_TLS = 9,
       MS_PE_DIR_CLR = 14 };

/* Decode the headers of d. Returns the format (also in ret->format), or
 * MS_EXE_NONE when d is none of them or its fixed headers do not fit: an
 * ELF needs its whole header, a PE its DOS header, signature and COFF
 * header (a cut optional header leaves pe_magic 0), a Mach-O its magic. */
ms_exe_format ms_exe_parse(const uint8_t *d, size_t n, ms_exe *ret);

/* Is this ELF a program or shared library (ET_EXEC, ET_DYN), as opposed to
 * a relocatable object or a core dump? */
bool ms_exe_elf_program(const ms_exe *x);

/* One ELF program header, one ELF section header or one PE section header:
 * the fields the callers read, in a common shape. */
typedef struct ms_exe_segment {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz;
} ms_exe_segment;

typedef struct ms_exe_section {
    const char *name;   /* PE: the 8-byte field (not NUL-terminated); ELF: NULL */
    size_t name_len;    /* PE: strnlen of it */
    uint32_t name_off;  /* ELF sh_name */
    uint32_t type;      /* ELF sh_type; PE 0 */
    uint64_t flags;     /* ELF sh_flags; PE Characteristics */
    uint64_t addr;      /* ELF sh_addr; PE VirtualAddress */
    uint64_t offset;    /* ELF sh_offset; PE PointerToRawData */
    uint64_t size;      /* ELF sh_size; PE SizeOfRawData */
    uint64_t vsize;     /* PE VirtualSize; ELF sh_size */
    uint64_t link;      /* ELF sh_link */
} ms_exe_section;

/* Entry i of the ELF program header table. false when the table's entry
 * size is too small for the class or entry i does not fit in d. */
bool ms_exe_segment_at(const ms_exe *x, const uint8_t *d, size_t n, uint64_t i,
                       ms_exe_segment *ret);

/* Entry i of the ELF section header table or of the PE section table.
 * false when it does not fit (or the ELF entry size is too small). */
bool ms_exe_section_at(const ms_exe *x, const uint8_t *d, size_t n, uint64_t i,
                       ms_exe_section *ret);

/* Where the file ends by the headers' own account, for finding what was
 * appended to it (an SFX archive, a payload): ELF, the furthest file extent
 * of its program headers, sections (but SHT_NOBITS) and both header tables;
 * PE, the end of its last section's raw data (or of its section table).
 * The Authenticode certificate is not part of the image here: an archive
 * may follow it. 0 when the tables do not fit (a PE section table past the
 * end) or x is not ELF/PE; never more than n. */
size_t ms_exe_image_end(const ms_exe *x, const uint8_t *d, size_t n);

#endif
