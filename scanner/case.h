/*
 * case.h - --case DIR, the evidence directory, and --verify-report
 * (issue 13).
 *
 * --case DIR makes DIR (mode 0700; an existing DIR must be empty: a case
 * is never overwritten) and writes there, and nowhere else:
 *   report.jsonl      the report (report.txt or report.sarif with
 *                     --format), sealed (runinfo.h);
 *   scanner.sha256    the sha256 of the minerscan executable that ran, in
 *                     sha256sum's format ("HEX  PATH": `sha256sum -c` checks
 *                     the binary on the stick still is that one);
 *   log.txt           what the run said on standard error, each line with
 *                     its UTC time, between a start and an end line (the
 *                     command line, the exit status);
 *   SHA256SUMS        written last: the sha256 of the three files above
 *                     (`cd DIR && sha256sum -c SHA256SUMS`).
 * Every file is created exclusively (O_EXCL, no symlink followed) before
 * the scan starts and the sandbox closes the file system for writing.
 *
 * --verify-report PATH checks a report's seal, or for a case directory its
 * SHA256SUMS and its report's seal, and says what it found.
 */
#ifndef MS_CASE_H
#define MS_CASE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "runinfo.h"

typedef struct ms_case {
    const char *dir;
    int dirfd;
    dev_t dev;             /* DIR's, for the walk to leave it out */
    ino_t ino;
    FILE *report, *log, *sums, *exe;
    const char *report_name;
} ms_case;

/* Make DIR and its files. format: "text" | "jsonl" | "sarif". 0, or < 0
 * with a one-line message in err. */
int ms_case_open(ms_case *c, const char *dir, const char *format, char *err, size_t err_cap);
/* The run record is known: scanner.sha256 and the log's start line. */
void ms_case_start(ms_case *c, const ms_runinfo *ri);
/* One line of the log: the time, then msg (a trailing newline dropped). */
void ms_case_log(ms_case *c, const char *msg);
/* The end line, SHA256SUMS, everything flushed to the disk and closed.
 * The report's FILE must be flushed already (the reporter's end()). < 0
 * when anything could not be written. */
int ms_case_close(ms_case *c, int exit_status);

/* --verify-report: prints one line per thing checked to out. Exit status:
 * 0 everything intact, 1 something changed, 2 nothing to check (no seal,
 * cannot read). */
int ms_verify_report(const char *path, FILE *out);

#endif
