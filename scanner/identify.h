/*
 * identify.h - classify an object: cheap magic-byte checks first, then
 * libmagic with the magic database built into the binary. One
 * ms_identifier per worker (libmagic handles are not thread-safe).
 */
#ifndef MS_IDENTIFY_H
#define MS_IDENTIFY_H

#include "minerscan.h"

typedef struct ms_identifier ms_identifier;

int ms_identifier_new(ms_identifier **ret);
void ms_identifier_free(ms_identifier *id);

/* Describe data with libmagic and settle its class: cls is the cheap
 * class (ms_identify_fast) the caller already has, so it is computed once
 * per object; text gets the script/config class from the description and
 * the base name (name, may be NULL). *ret_desc points into the identifier
 * and stays valid until the next call on it. Never fails on content:
 * unknown data is MS_CLASS_OTHER with libmagic's "data". */
void ms_identify(ms_identifier *id, const uint8_t *data, size_t size, const char *name, ms_class cls,
                 ms_class *ret_cls, const char **ret_desc);

/* The class without libmagic: executables and archives by their headers,
 * scripts by #!, JSON and XML by their first bytes, other text by its
 * name (.sh, .py, .json, crontab ...) or, for a script with neither #!
 * nor an extension, by its first lines (the kinds libmagic's text tests
 * tell: PHP, Python, Ruby, awk); binary data as "other". libmagic was 85%
 * of a scan of small text files and most of one of documentation; it now
 * runs only for the description of a record that is reported.
 * *ret_text (may be NULL): a script, a config, or other data that is text
 * (ms_identify_is_text), told by the same reading. */
ms_class ms_identify_class(const uint8_t *data, size_t size, const char *name, bool *ret_text);

/* Is it text (no NUL, few control bytes in its first 64 KiB)? */
bool ms_identify_is_text(const uint8_t *data, size_t size);

/* libmagic's description (valid until the next call on id). */
const char *ms_identify_describe(ms_identifier *id, const uint8_t *data, size_t size);

/* Settle a text class from libmagic's description and the name. */
void ms_identify_refine(const char *desc, const char *name, ms_class *cls);

/* The cheap check alone (no libmagic): used by the unpacker and fuzzers. */
ms_class ms_identify_fast(const uint8_t *data, size_t size);

/* The embedded magic database (for --version and tests). */
size_t ms_magic_db_size(void);

#endif
