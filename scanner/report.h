/*
 * report.h - reporters. A reporter sees only ms_verdict and ms_summary,
 * never YARA or libarchive. One writer thread calls them, so a record is
 * always written whole. text, jsonl and sarif are three tables of the same
 * four operations: begin, object (once per reported verdict), summary, end.
 */
#ifndef MS_REPORT_H
#define MS_REPORT_H

#include <stdio.h>

#include "minerscan.h"

typedef struct ms_report ms_report;

typedef struct ms_report_ops {
    const char *name; /* "text", "jsonl", "sarif" */
    int (*begin)(ms_report *r);
    int (*object)(ms_report *r, const ms_verdict *v);
    int (*summary)(ms_report *r, const ms_summary *s);
    /* Writes what is buffered, flushes, frees the reporter's state. < 0 when
     * anything could not be written (ferror or a failed fflush). */
    int (*end)(ms_report *r);
    /* --list-rules: the whole output for the rule set (hits without
     * matches), instead of begin..end. < 0 when it could not be written. */
    int (*list_rules)(ms_report *r, const ms_rule_hit *rules, size_t n);
} ms_report_ops;

struct ms_report {
    const ms_report_ops *ops;
    FILE *out;
    bool explain; /* text: print model contributions */
    bool color;   /* text: reserved */
    bool sort;    /* --sort: no wall-clock figures, output is
                     byte-identical run to run */
    void *state;  /* the reporter's own (sarif buffers results) */
    /* The run record and the seal (runinfo.h): with run set, begin()
     * writes the run record first and end() writes the seal last, the
     * sha256 of every byte that went through out, which is then a chain
     * FILE (ms_chain_open) over raw; the seal itself goes to raw. NULL
     * run: neither (--list-rules, tests of one reporter). */
    struct ms_runinfo *run;
    struct ms_chain *chain;
    FILE *raw;
};

/* For end(): flush out, take the end time, the sha256 and byte count of
 * what went through out. < 0 when out could not be flushed. */
int ms_report_seal(ms_report *r, char hex[65], uint64_t *ret_bytes, char end_utc[32]);

/* end() of a reporter that writes the whole report as it goes (text,
 * jsonl): flushes out; with a run record, seals it (ms_report_seal) and
 * has write_seal put the seal line on raw (end_utc "" under --sort), then
 * flushes raw. -EIO when anything could not be written. */
typedef void (*ms_seal_fn)(FILE *raw, const char *hex, uint64_t bytes, const char *end_utc);
int ms_report_end_sealed(ms_report *r, ms_seal_fn write_seal);

extern const ms_report_ops ms_report_text;
extern const ms_report_ops ms_report_jsonl;
extern const ms_report_ops ms_report_sarif;

/* "text" | "jsonl" | "sarif" -> ops, NULL if unknown. */
const ms_report_ops *ms_report_find(const char *name);

/* The counters of a summary, in the order every format prints them
 * (names as in the JSON Lines contract); ends with a NULL name. */
typedef struct ms_summary_field {
    const char *name;
    size_t off; /* of a uint64_t in ms_summary */
} ms_summary_field;
extern const ms_summary_field ms_summary_fields[];
uint64_t ms_summary_value(const ms_summary *s, const ms_summary_field *f);
/* The fields as JSON members: "objects":N,"files":N,... (no braces). */
void ms_summary_json(FILE *out, const ms_summary *s);

/* Helpers shared by reporters (report_util.c). None of them fails; write
 * errors stay in the FILE and surface at end(). */

/* Length (1-4) of the valid UTF-8 sequence at s[0..n), its code point in
 * *ret_cp; 0 if s does not start with one (strict: no overlong forms, no
 * surrogates, nothing above U+10FFFF). n must be > 0. */
size_t ms_utf8_decode(const char *s, size_t n, uint32_t *ret_cp);
/* Is s[0..n) valid UTF-8 (no overlongs, no surrogates, max U+10FFFF)? */
bool ms_utf8_valid(const char *s, size_t n);
/* Write s[0..n) as a JSON string body (no quotes): escapes ", \, every
 * control character (short escapes or \u00XX), DEL, U+2028 and U+2029;
 * each byte that is not part of valid UTF-8 becomes U+FFFD, so the output
 * is always valid JSON and valid UTF-8. */
void ms_json_escape(FILE *out, const char *s, size_t n);
/* ms_json_escape between quotes. */
void ms_json_string(FILE *out, const char *s, size_t n);
/* A NUL-terminated string between quotes, or null when s is NULL. */
void ms_json_cstr(FILE *out, const char *s);
/* [s0,s1,...]: n strings as ms_json_cstr writes them. */
void ms_json_str_array(FILE *out, char *const *v, size_t n);
/* A double as a JSON number in the fixed format %.6g (locale-independent,
 * so byte-identical run to run); null for NaN and infinities. */
void ms_json_double(FILE *out, double d);
/* Write s[0..n) for a terminal: printable ASCII and valid UTF-8 pass,
 * everything else (control bytes, ESC, DEL, C1 controls, bidi overrides,
 * line/paragraph separators, invalid bytes) is written as \xHH per byte,
 * backslash as \\. No terminal escape can reach the screen. */
void ms_text_sanitize(FILE *out, const char *s, size_t n);
/* Write a path as a URI reference (RFC 3986) that Microsoft's validator
 * accepts: bytes outside the unreserved set and '/' are percent-encoded, so
 * the exact bytes survive; an absolute path becomes file://PATH with its
 * "." and ".." segments resolved (a file URI must not hold them); a
 * relative path stays relative. For an archive member (member true) the
 * chain after the first '!' is written as jar: URLs write it, each level
 * after "!/" with its '/' kept (a.tar!/x/y, a.tar!/layer.tgz!/usr/bin/x),
 * so code-scanning tools show a readable path; "." and ".." segments of
 * member names are encoded (%2E), so a hostile member name such as
 * "../../etc/passwd" cannot make the location resolve to another file. */
void ms_uri_write(FILE *out, const char *path, size_t n, bool member);

/* What reporters say about a rule (report_rules.c, issue 11). */
/* Match bytes as text: printable ASCII as is, '\\' doubled, every other
 * byte \xHH (the form yara -s prints), so any bytes are one safe line. */
void ms_match_data_text(FILE *out, const uint8_t *d, size_t n);
/* The rule's metadata as a JSON object, values typed as the rule wrote
 * them; a key the rule repeats has an array of its values. */
void ms_rule_meta_json(FILE *out, const ms_rule_hit *h);
/* The tags as a JSON array of strings. */
void ms_rule_tags_json(FILE *out, const ms_rule_hit *h);
/* The kept string matches: [{"id","offset","length","data",
 * "data_truncated"}]. */
void ms_rule_strings_json(FILE *out, const ms_rule_hit *h);
/* "grade":"high","grade_source":"score" (verdict.h), no braces. */
void ms_rule_grade_json(FILE *out, const ms_rule_hit *h);
/* The first http(s) "reference" (or "ref", "url", "report") of the rule,
 * NULL when none. */
const char *ms_rule_reference(const ms_rule_hit *h);

#endif
