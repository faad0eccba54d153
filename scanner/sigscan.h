/*
 * sigscan.h - YARA signatures: the built-in compiled rules (embedded in the
 * binary at build time), user rule sources (--rules, each directory searched
 * recursively) and precompiled rule files (--compiled-rules, yarac output),
 * shared read-only by all workers; one YR_SCANNER per rule set per worker.
 *
 * Rule metadata: every entry is copied into the hit (ms_rule_hit.metas),
 * with the rule's tags and its first string matches. The four named fields
 * are filled from our keys first and from the third-party keys users
 * bring after them, so reports name a family for any rule set:
 *   family       "family", else "malware_family", else "malware", else
 *                the last part of Elastic's "threat_name"
 *                (Linux.Cryptominer.Xmrig -> xmrig);
 *   category     "category", else the middle part of "threat_name"
 *                (cryptominer);
 *   severity     "severity" when it is a string (Elastic's numeric
 *                severity stays in metas; verdict.h grades it);
 *   description  "description".
 * Missing metadata reads as "".
 *
 * External variables (what Loki and THOR set per scanned file, so that
 * signature-base's rules load): every user rule source is compiled with
 * five string externals declared, and before each scan every rule set that
 * declares them gets the object's values (ms_sig_object):
 *   filename   the base name: "xmrig" for /opt/x/xmrig and for the member
 *              image.tar!usr/bin/xmrig (a member's own name, never the
 *              archive's);
 *   filepath   the directory part of the (virtual) path, no trailing '/':
 *              "/opt/x", "image.tar!usr/bin"; "" when there is none;
 *   extension  the base name's extension, lower case, with its dot
 *              (".exe"; "" when none), as Loki and THOR give it;
 *   filetype   THOR-style upper-case type from identification: "EXE" (PE),
 *              "ELF", "MACHO", the archive or compression format ("ZIP",
 *              "GZIP", "TAR", "7Z", ...), "SCRIPT", "CONFIG", or "";
 *   owner      the user name owning the file on disk (the uid in decimal
 *              when it has no name); members and decoded blobs get the
 *              owner of the file holding them, since the owner an archive
 *              header records is whatever its maker wrote.
 * -d/--define NAME=VALUE declares more externals or fixes one of these
 * for the whole run (a fixed one is not set per object); VALUE is typed
 * as yara -d types it: true/false a boolean, a decimal integer an
 * integer, a decimal number a float, anything else a string.
 */
#ifndef MS_SIGSCAN_H
#define MS_SIGSCAN_H

#include "cancel.h"
#include "minerscan.h"
#include "options.h"

typedef struct ms_rules ms_rules;
typedef struct ms_sigscan ms_sigscan;

/* libyara global init/finalize, reference counted. */
int ms_yara_init(void);
void ms_yara_finalize(void);

/* Load the built-in rules (unless o->no_builtin_rules), the precompiled
 * files and compile the user rule sources. Every problem of the whole set
 * is collected before it returns, one line each, into *ret_err (caller
 * frees): "FILE:LINE: error: rule NAME: message" for a compile error (the
 * rule when libyara names one), "PATH: No such file or directory" for a
 * path that cannot be read, "FILE: not a compiled YARA rules file" ...
 * Returns MS_E_RULES for those; MS_E_USAGE when nothing would be scanned
 * with: no rule at all (--no-builtin-rules alone) or a --rules PATH that
 * holds no .yar or .yara file. With o->fail_on_warnings a compiler warning
 * (a rule "slowing down scanning") is an error too. */
int ms_rules_load(const ms_options *o, ms_rules **ret, char **ret_err);
void ms_rules_free(ms_rules *r);
size_t ms_rules_count(const ms_rules *r);
/* Does a rule set declare filename, filepath, extension, filetype or
 * owner (what differs between two names of one file)? */
bool ms_rules_use_object_vars(const ms_rules *r);
/* How many cut sets (ruleprune.h) the scans so far have compiled. */
size_t ms_rules_cut_sets(ms_rules *r);
/* The compiler's warnings about user rule sources, one line each
 * ("FILE:LINE: warning: rule NAME: message"); NULL when there are none. */
const char *ms_rules_warnings(const ms_rules *r);
/* Save the rules compiled from --rules sources (not the built-in ones,
 * not --compiled-rules files) as libyara's compiled format, loadable with
 * --compiled-rules or yara -C. MS_E_USAGE when there are no such rules,
 * MS_E_RULES when the file cannot be written. */
int ms_rules_save(const ms_rules *r, const char *path);
/* The version of the built-in rule set: the sha256 of the compiled blob
 * (as libyara reads it) and its number of rules. */
int ms_rules_builtin_version(char digest[65], size_t *ret_count);

/* The user's rule files as loaded (the run record, runinfo.h): kind
 * "source" or "compiled", the path, the sha256 of the bytes libyara was
 * given ("" when they could not be hashed). */
typedef struct ms_rule_input {
    const char *kind;
    const char *path;
    char sha256[65];
} ms_rule_input;
size_t ms_rules_inputs(const ms_rules *r, const ms_rule_input **ret);

/* Calls fn for every rule with its metadata (hit fields, no match). */
typedef int (*ms_rule_fn)(void *ud, const ms_rule_hit *rule);
int ms_rules_foreach(const ms_rules *r, ms_rule_fn fn, void *ud);

int ms_sigscan_new(ms_rules *r, unsigned timeout_s, ms_sigscan **ret);
void ms_sigscan_free(ms_sigscan *s);

/* Objects scanned with an absent set so far (the tests, the bench). */
uint64_t ms_rules_absent_scans(const ms_rules *r);
/* (object, rule set) scans not run: the prefilter found none of the
 * literals the set needs to report anything on the object (litscan.h) */
uint64_t ms_rules_clean_skips(const ms_rules *r);

/* What the external variables say about the next object scanned (see
 * above). NULL fields read as "". */
typedef struct ms_sig_object {
    const char *path;      /* the full (virtual) path, path_len bytes */
    size_t path_len;
    ms_class cls;
    const char *format;    /* archive/compression format name, or NULL */
    int64_t uid;           /* owner of the file on disk, -1 unknown */
    /* Issue 12, members of stored archives: collect where each set's
     * strings match in this object (ms_sigscan_take_absence), and bit i of
     * absent: none of set i's strings match in it (ms_absence_of said so of
     * the member's bytes inside its archive): scan it with the rules that
     * can match such an object only (ruleprune.h, ms_prune_decide_absent). */
    bool spans;
    unsigned absent;
    /* the run's stop channel: the literal search before libyara polls it
     * between steps, a windowed scan between windows; NULL: never stops */
    const ms_cancel *cancel;
} ms_sig_object;

/* Set the externals for the scans that follow (the values are copied). */
void ms_sigscan_set_object(ms_sigscan *s, const ms_sig_object *ob);

/* Scan data; append each matching rule to v->rules. 0, MS_E_TIMEOUT (the
 * hits found so far are kept), MS_E_INTERRUPTED (the object's cancel token
 * was set: the sets scanned to their end are kept, none cut short), or
 * MS_E_YARA. */
int ms_sigscan_scan(ms_sigscan *s, const uint8_t *data, size_t size, ms_verdict *v);

/* Where the strings of the last scan matched, when its object asked for
 * spans; NULL otherwise. The caller frees. */
typedef struct ms_absence ms_absence;
ms_absence *ms_sigscan_take_absence(ms_sigscan *s);
/* Bit i set: set i ran to its end over the object and none of its strings
 * matched within [off, off + len) of it. A member stored in the object at
 * that place then holds none of them either: a match in a slice of the
 * object's bytes is a match in the object (every atom is found, every
 * verification sees at least the slice's bytes), except for the strings
 * ms_prune_decide_absent never cuts. An object scanned in windows speaks
 * only for slices inside one of its blocks. */
unsigned ms_absence_of(const ms_absence *a, uint64_t off, uint64_t len);
void ms_absence_free(ms_absence *a);

/* Given back when a sweep is past [off, off + len) of the object: a big
 * mapped file releases those pages (MADV_DONTNEED), so memory stays
 * bounded by a window whatever the file's size. */
typedef void (*ms_release_fn)(void *ud, uint64_t off, uint64_t len);

/* The same scan over an object too big to hold resident: libyara sees it
 * as blocks of window bytes that overlap by overlap bytes (libyara counts
 * a match found in two blocks at the same offset once, so a string
 * shorter than the overlap is found wherever it lies), and release is
 * called behind each block. filesize and the uint*() functions see the
 * whole object. window 0 or size <= window: ms_sigscan_scan. */
int ms_sigscan_scan_windows(ms_sigscan *s, const uint8_t *data, size_t size, size_t window,
                            size_t overlap, ms_release_fn release, void *ud, ms_verdict *v);

/* The built-in compiled rules blob (generated at build time). */
extern const unsigned char ms_builtin_rules[];
extern const size_t ms_builtin_rules_size;
/* the sources of the blob, in compile order (obscured the same way) */
extern const unsigned char ms_builtin_source[];
extern const size_t ms_builtin_source_size;

#endif
