/*
 * live_record.h - the facts --live adds to a record (issue 13): plain
 * data the reporters print, with no knowledge of /proc. A verdict's `live`
 * member points to one of these on process, persistence and host records
 * and is NULL on every other record.
 *
 * Evidence is what --live saw that no rule could (a deleted executable, a
 * connection to a pool port, a hidden process, an immutable crontab). Each
 * item has a stable code from one table (ms_live_code_find) that gives its
 * severity, category and description, plus a text with the values seen.
 * Severities count for the verdict exactly as rule severities do for
 * files: high alone is malicious, medium or two lows suspicious; "info"
 * items are facts for the reader and count for nothing.
 */
#ifndef MS_LIVE_RECORD_H
#define MS_LIVE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "minerscan.h"

typedef enum ms_live_kind {
    MS_LIVE_PROCESS = 1,
    MS_LIVE_PERSISTENCE,
    MS_LIVE_HOST,
} ms_live_kind;

/* "process", "persistence", "host": the JSONL record type. */
const char *ms_live_kind_name(ms_live_kind k);

/* One row of the evidence table. */
typedef struct ms_live_code {
    const char *code;        /* "exe_deleted", ... (stable: a contract) */
    const char *severity;    /* "high" | "medium" | "low" | "info" */
    const char *category;    /* "process" | "network" | "persistence" | "host" */
    const char *description; /* one sentence, the same for every record */
} ms_live_code;

/* The table row of code, NULL if there is none. */
const ms_live_code *ms_live_code_find(const char *code);
/* Every row, for --list-rules style listings and the tests. */
const ms_live_code *ms_live_codes(size_t *ret_n);

typedef struct ms_live_evidence {
    const ms_live_code *code; /* static */
    char *text;               /* what was seen, with its values */
} ms_live_evidence;

/* One socket of a process (from /proc/PID/net/{tcp,tcp6,udp,udp6}). */
typedef struct ms_live_conn {
    const char *proto;    /* static: "tcp", "tcp6", "udp", "udp6" */
    char local[64];       /* "127.0.0.1:3333", "[::1]:3333" */
    char remote[64];      /* "0.0.0.0:0" for a socket with no peer */
    const char *state;    /* static: "established", "listen", ... */
    uint64_t inode;
    const char *match;    /* static evidence code that names it, or NULL */
} ms_live_conn;

struct ms_live_info {
    ms_live_kind kind;

    /* process */
    int pid, ppid;
    long uid;             /* real uid, -1 unknown */
    char *user;           /* name from /etc/passwd, NULL if none */
    char *comm;           /* /proc/PID/comm (stat's name field) */
    char *exe;            /* /proc/PID/exe's target without " (deleted)" */
    bool deleted;         /* the executable's file was deleted */
    bool hidden;          /* missing from the /proc listing but alive */
    char **argv;          /* /proc/PID/cmdline split at NULs */
    size_t argc;
    double start_time;    /* seconds since the epoch, < 0 unknown */
    double cpu_s;         /* user + system CPU seconds, < 0 unknown */
    ms_live_conn *conns;
    size_t n_conns;
    uint64_t mem_bytes;   /* bytes of memory read and scanned */
    unsigned mem_regions; /* mappings scanned */
    unsigned mem_skipped; /* readable mappings not scanned (see mem_note) */
    char *mem_note;       /* what was not read and why, NULL if all was */
    unsigned libs;        /* executable file mappings (libraries) looked at */

    /* persistence */
    const char *location; /* static: "cron", "systemd", "ld.so.preload" ... */
    bool immutable, append_only;

    /* host */
    char *hostname, *kernel;
    long nr_hugepages;    /* -1 unknown */
    int nmi_watchdog;     /* -1 unknown */
    int msr_loaded;       /* -1 unknown, 0, 1 */
    uint64_t processes;   /* processes seen */
    uint64_t hidden_processes;

    ms_live_evidence *ev;
    size_t n_ev;
};

/* A record's facts of that kind with every number "unknown" (-1) and no
 * evidence. 0 or -ENOMEM. */
int ms_live_info_new(ms_live_kind kind, ms_live_info **ret);
/* ms_live_info_free is in minerscan.h (ms_verdict_free calls it). */

/* Add an evidence item: code must be in the table (-EINVAL otherwise),
 * text is printf-style. A code already present is not added twice. */
int ms_live_add_evidence(ms_live_info *l, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool ms_live_has_evidence(const ms_live_info *l, const char *code);

/* The verdict the policy gives v's rule hits and its live evidence
 * together (high: malicious; medium or two lows: suspicious; otherwise
 * clean): ms_verdict_from_rules (verdict.h) over both. */
ms_verdict_kind ms_live_policy(const ms_verdict *v);
/* The same for the evidence alone (what a record says of itself, without
 * the rules its members brought). */
ms_verdict_kind ms_live_policy_evidence(const ms_live_info *l);

#endif
