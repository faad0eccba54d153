/*
 * upx.h - UPX-packed programs unpacked in memory (DESIGN.md "Unpacking
 * executables"; issue 10). A packed ELF (i386, x86-64) or PE (PE32, PE32+)
 * of UPX 3.x or 4.x, compressed with NRV2B, NRV2D, NRV2E or LZMA, yields its
 * original program, which the engine scans as the member `prog!upx`.
 *
 * Nothing here trusts one marker: the "UPX!" magic, the UPX0/UPX1 section
 * names and the PackHeader are what tampering changes first, so each is
 * only a hint, and the structure (the l_info/p_info/b_info blocks of an
 * ELF, the section layout and the stored original header of a PE, and the
 * compressed streams themselves, which must decode to exactly the sizes
 * they claim) decides. No code runs and nothing is written to disk.
 */
#ifndef MS_UPX_H
#define MS_UPX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "minerscan.h"

/* One per worker: owns the output buffer (reused across calls). */
typedef struct ms_upx ms_upx;

/* 0 or -ENOMEM. */
int ms_upx_new(ms_upx **ret);
/* Accepts NULL. */
void ms_upx_free(ms_upx *u);

/* Does this ELF or PE look UPX-packed, by a marker or by its structure?
 * Cheap (a few fixed-offset reads, no decompression): it runs on every
 * executable the scanner sees. A true answer is only a candidate;
 * ms_upx_unpack decides. */
bool ms_upx_candidate(const uint8_t *d, size_t n);

typedef struct ms_upx_info {
    const char *format;  /* "linux/i386", "linux/amd64", "win32/pe", "win64/pe"; NULL unknown */
    const char *method;  /* "nrv2b", "nrv2d", "nrv2e", "lzma"; NULL unknown */
    unsigned version;    /* the format version (l_info or PackHeader), 0 unknown */
} ms_upx_info;

/* Unpack the program in d[0..n). max_out caps the output (the caller's
 * --max-filesize). Returns
 *   0                 *ret_data and *ret_size hold the original program, valid
 *                     until the next call on u or ms_upx_free(u);
 *   MS_E_UNSUPPORTED  not UPX after all (the caller reports nothing);
 *   MS_E_CORRUPT      UPX, but it cannot be unpacked;
 *   MS_E_LIMIT        the output would exceed max_out bytes;
 *   -ENOMEM.
 * reason (reason_cap bytes, may be NULL) is set for every non-zero return;
 * info (may be NULL) is filled with what is known, whatever the return.
 *
 * ELF: the bytes `upx -d` restores (byte-identical to the original file);
 * for a shared library all but the DT_INIT word UPX aimed at its stub.
 * PE: the DOS header and stub of the packed file (UPX keeps the
 * original's), the PE header and section table UPX stored, every section at
 * its file offset with its decompressed contents (the call-trick filter
 * undone, the words the base relocations point at put back, the .reloc
 * blocks and the import names and descriptors rewritten), then the packed
 * file's overlay. Measured on mingw-w64 programs packed by UPX 4.2.3 it
 * differs from the original file in the import hints only (UPX does not
 * store them: 0 here; `upx -d` differs in as many bytes). Not restored: the
 * resources UPX keeps uncompressed in its own section (icons, manifest,
 * version; their directory still points there), exports and TLS as UPX
 * moved them, and the header checksum. */
int ms_upx_unpack(ms_upx *u, const uint8_t *d, size_t n, uint64_t max_out,
                  const uint8_t **ret_data, size_t *ret_size, ms_upx_info *info, char *reason,
                  size_t reason_cap);

#endif
