/*
 * runinfo.h - what made a report, and the digest that seals it (issue 13).
 *
 * A report read months later must say which scanner, which rules and
 * which models produced it, on which host, as whom, with which command
 * line, and when; and whether a byte of it changed since. So:
 *
 *  - the first record of every report (text, JSON Lines, SARIF) is the
 *    run record: scanner version and the sha256 of its own executable,
 *    the built-in rule set's digest and size, every user rule file with
 *    the sha256 of the bytes compiled, every hash, allow and indicator
 *    list with its sha256, both models' versions and parameter digests,
 *    libyara's and libmagic's versions, the exact command line, working
 *    directory, host name, kernel, user, pid and start time in UTC. It
 *    is written before the scan, so a report cut short by a crash or a
 *    kill still says what made it. (SARIF, one document written at the
 *    end, carries it in its invocation, start and end time together.)
 *  - the last record (JSON Lines, text) or the last member (SARIF) holds
 *    the end time and the sha256 of every byte of the report before it:
 *    the record's own line for JSON Lines and text; the bytes before
 *    ',"properties":{"reportSha256"' for SARIF. `minerscan --verify-report
 *    FILE` recomputes it.
 *
 * Under --sort the times and the pid are null (the report is then the same
 * bytes run after run, as --sort promises); everything else stays.
 *
 * The digest proves the report was not changed after it was written, not
 * who wrote it: anyone can write a report with a matching digest. Keep the
 * digest (the --case directory's SHA256SUMS) where the report's holder
 * cannot change it, or sign it.
 */
#ifndef MS_RUNINFO_H
#define MS_RUNINFO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "engine.h"
#include "options.h"

typedef struct ms_run_input {
    const char *kind; /* "source", "compiled" (rules); "hashes", "allow", "ioc-file" */
    char *path;
    char sha256[65];  /* "" when the file could not be read again */
} ms_run_input;

typedef struct ms_runinfo {
    char *const *argv;
    int argc;
    bool sort;                    /* no times, no pid */
    struct timespec start, end;   /* CLOCK_REALTIME; end set by ms_runinfo_end */
    char hostname[256];
    char kernel[128];             /* uname -r */
    char kernel_version[256];     /* uname -v */
    char machine[64];             /* uname -m */
    long uid, euid;
    char user[64];                /* the name of uid, "" unknown */
    long pid;
    char cwd[4096];               /* "" unknown */
    char exe[4096];               /* our own executable, "" unknown */
    char exe_sha256[65];          /* "" when it could not be read */
    bool builtin_rules;
    size_t builtin_count;
    char builtin_sha256[65];
    char model_version[96], model_sha256[65];
    char script_version[96], script_sha256[65];
    const char *yara_version;
    int magic_version;
    ms_run_input *inputs;
    size_t n_inputs;
} ms_runinfo;

/* Everything but the end time. argv stays the caller's. Reads our own
 * executable through /proc/self/exe (before the sandbox closes it). */
void ms_runinfo_collect(ms_runinfo *ri, int argc, char *const *argv, const ms_options *o,
                        const ms_engine *e);
void ms_runinfo_free(ms_runinfo *ri);
/* Take the end time (idempotent: the first call counts). */
void ms_runinfo_end(ms_runinfo *ri);

/* "2026-12-01T23:59:01.123Z" (milliseconds); out holds 32 bytes. */
void ms_utc_text(const struct timespec *t, char out[32]);
/* The run record's members as JSON, no braces:
 * "scanner":...,"version":...,... (report_jsonl.c documents them). */
void ms_runinfo_json(FILE *out, const ms_runinfo *ri);
/* The command line as one string, each argument shell-quoted when it
 * needs to be (what a person copies back into a shell). Caller frees. */
char *ms_runinfo_command(const ms_runinfo *ri);

/* The report chain: a FILE that passes every byte to raw and hashes it. */
typedef struct ms_chain ms_chain;
/* NULL when it cannot be made (then out of memory). */
FILE *ms_chain_open(FILE *raw, ms_chain **ret);
/* Flush cooked, then the sha256 of all bytes that passed so far and their
 * number. 0, or < 0 when cooked could not be flushed. */
int ms_chain_sum(ms_chain *c, FILE *cooked, char hex[65], uint64_t *ret_bytes);
/* Close cooked (raw stays open) and free c. < 0 when a write failed. */
int ms_chain_close(FILE *cooked, ms_chain *c);
/* -errno of the first write to raw that failed (ENOSPC, EPIPE...), or 0:
 * what a failed report write says, whatever errno holds by then. */
int ms_chain_error(const ms_chain *c);

/* --verify-report: find the report's seal and check it. */
typedef enum ms_seal_state {
    MS_SEAL_INTACT = 0,  /* the digest matches the bytes before it */
    MS_SEAL_CHANGED,     /* it does not: the report was changed */
    MS_SEAL_MISSING,     /* no seal at the end: cut short, or not ours */
} ms_seal_state;
typedef struct ms_seal {
    const char *format;  /* "jsonl", "text", "sarif", NULL when missing */
    uint64_t sealed;     /* bytes the digest covers */
    char want[65];       /* the digest the report holds */
    char got[65];        /* the digest of those bytes */
} ms_seal;
ms_seal_state ms_seal_check(const uint8_t *d, size_t n, ms_seal *ret);

#endif
