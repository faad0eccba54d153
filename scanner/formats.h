/*
 * formats.h - the one table of container and compression signatures.
 *
 * Identification (class "archive") and the unpacker (what is handed to
 * libarchive) ask the same question here, so nothing is an archive to one
 * and data to the other. The checks are strict: a false hit feeds garbage
 * to a decoder and ends as an error record on a clean file (a MATLAB file
 * once passed a three-byte "lzma" check), so every format without a long
 * magic is checked by its structure (tar checksum, lzma properties, cpio
 * name length, bzip2 block magic, 7z start-header CRC).
 */
#ifndef MS_FORMATS_H
#define MS_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ms_format {
    MS_FMT_NONE = 0,
    /* single compressed streams */
    MS_FMT_GZIP,
    MS_FMT_BZIP2,
    MS_FMT_XZ,
    MS_FMT_LZMA,
    MS_FMT_LZIP,
    MS_FMT_ZSTD,
    MS_FMT_LZ4,
    MS_FMT_COMPRESS,
    /* archives */
    MS_FMT_TAR,
    MS_FMT_ZIP,
    MS_FMT_7Z,
    MS_FMT_RAR,
    MS_FMT_CPIO,
    MS_FMT_AR,
    MS_FMT_RPM,
    MS_FMT_CAB,
    MS_FMT_XAR,
    MS_FMT_LHA,
    MS_FMT_WARC,
    MS_FMT_ISO9660,
    MS_FMT__MAX,
} ms_format;

/* The format whose signature d starts with, or MS_FMT_NONE. */
ms_format ms_format_at_start(const uint8_t *d, size_t n);

/* Short name ("gzip", "tar", ...); "none" for MS_FMT_NONE. */
const char *ms_format_name(ms_format f);

/* Is f a single compressed stream (one member, named after the outer
 * object) rather than an archive of named members? */
bool ms_format_is_stream(ms_format f);

/* An archive that does not start at offset 0: a zip with something
 * prepended (found by its end-of-central-directory record, which is only
 * believed when the central directory it points at is there), or a 7z or
 * rar appended to a PE or ELF image (an SFX: searched for in the first
 * MS_SFX_WINDOW bytes after the image). *ret_off gets where libarchive
 * should start reading (0 when a zip's prefix cannot be skipped: libarchive
 * then finds the end record itself); *ret_zip_entries the entry count a zip
 * declares (zip64 included; 0 for the others). */
bool ms_format_embedded(const uint8_t *d, size_t n, size_t *ret_off, uint64_t *ret_zip_entries);

/* Is d worth handing to libarchive: a signature at its start, or an
 * embedded archive as above? */
bool ms_format_candidate(const uint8_t *d, size_t n);

#endif
