/*
 * report.h - reporters. A reporter sees only ms_verdict and ms_summary,
 * never YARA or libarchive. One writer thread calls them, so a record is
 * always written whole. text, jsonl and sarif are three tables of the same
 * four operations.
 */
#ifndef MS_REPORT_H
#define MS_REPORT_H

#include <stdio.h>

#include "minerscan.h"

typedef struct ms_report ms_report;

typedef struct ms_report_ops {
    const char *name;                    /* "text", "jsonl", "sarif" */
    int (*begin)(ms_report *r);
    int (*object)(ms_report *r, const ms_verdict *v);
    int (*summary)(ms_report *r, const ms_summary *s);
    int (*end)(ms_report *r);            /* flushes; reports write errors */
} ms_report_ops;

struct ms_report {
    const ms_report_ops *ops;
    FILE *out;
    bool explain;          /* text: print model contributions */
    bool color;            /* text: reserved */
    void *state;           /* the reporter's own (sarif buffers results) */
};

extern const ms_report_ops ms_report_text;
extern const ms_report_ops ms_report_jsonl;
extern const ms_report_ops ms_report_sarif;

/* "text" | "jsonl" | "sarif" -> ops, NULL if unknown. */
const ms_report_ops *ms_report_find(const char *name);

/* Helpers shared by reporters (report_util.c). */

/* Write s[0..n) as a JSON string body (no quotes): escapes ", \, control
 * characters; invalid UTF-8 bytes become U+FFFD. */
void ms_json_escape(FILE *out, const char *s, size_t n);
/* Is s[0..n) valid UTF-8 (no overlongs, no surrogates)? */
bool ms_utf8_valid(const char *s, size_t n);
/* Write standard base64 of s[0..n). */
void ms_base64_write(FILE *out, const uint8_t *s, size_t n);
/* Write s[0..n) for a terminal: printable ASCII and valid UTF-8 pass,
 * everything else (control bytes, ESC, DEL, C1, invalid bytes) is written
 * as \xHH, backslash as \\. */
void ms_text_sanitize(FILE *out, const char *s, size_t n);

#endif
