/*
 * features_int.h - what the feature pass (features.c) and its ELF/PE
 * structure readers (features_exe.c) share. Internal to those two files.
 */
#ifndef MS_FEATURES_INT_H
#define MS_FEATURES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ms_features.h"

/* ---- caps: every table read from a file is bounded by these ---- */
#define MAX_SECTIONS 4096u      /* ELF allows 2^32 via SHN_XINDEX */
#define MAX_SEGMENTS 1024u
#define MAX_SYMBOLS (1u << 18)  /* dynamic symbols examined per file */
#define MAX_DLLS 4096u          /* PE import descriptors */
#define MAX_THUNKS (1u << 16)   /* PE imported names, all DLLs together */
#define MAX_NAME 256u           /* longest import or library name looked at */

/* The byte pass's block: window entropies are kept per block. */
#define BLOCK 512u

/* What the structure readers found, for the features extract() sets. */
typedef struct sinfo {
    bool elf, pe, is64, malformed;
    uint32_t nsec, nonstd;
    bool wx, exec_nofile;
    uint64_t exec_bytes;
    double exec_ent, max_ent;
    uint64_t end; /* end of what the headers describe; beyond is overlay */
    bool ep_writable, ep_high, ep_outside, upx;
    bool elf_static, elf_interp, elf_pie, stripped, go;
    bool dll, driver, console, signed_, dotnet, tls;
} sinfo;

/* An imported symbol or a needed library (library true): counted, hashed
 * into the import buckets and matched against the import rules. */
void ms_feat_add_import(ms_featurizer *f, const char *name, size_t len, bool library);

/* Entropy of [off, off + len) from the window entropies of the byte pass
 * (exact for ranges inside one window). */
double ms_feat_range_entropy(const ms_featurizer *f, uint64_t off, uint64_t len);

/* The structure of an ELF or a PE, every table bounds-checked (exe.c reads
 * the headers): sections, segments, entry point, linking, imports. What
 * does not parse sets si->malformed and is left out. */
void ms_feat_parse_elf(ms_featurizer *f, const uint8_t *d, size_t n, sinfo *si);
void ms_feat_parse_pe(ms_featurizer *f, const uint8_t *d, size_t n, sinfo *si);

#endif
