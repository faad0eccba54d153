/*
 * minerscan.h - the umbrella header of libminerscan.
 *
 * Conventions (project-wide, see README "Hacking"):
 *
 *  - Errors: functions return int. 0 or more is success; below 0 is failure,
 *    either -errno for system errors or one of enum ms_err (all <= -1000).
 *    ms_strerror() turns either into text. Output parameters are named ret_*
 *    and are written only on success. The library never prints; main.c does.
 *  - Ownership: ms_x_new(..., ms_x **ret) creates, ms_x_free(x) destroys and
 *    accepts NULL and half-built objects. Functions clean up through a single
 *    "out:" label (the libyara style); no compiler extensions beyond C11.
 *  - Callbacks return MS_CONTINUE, MS_SKIP or MS_STOP; a negative value is an
 *    error and aborts the iteration, which then returns that value.
 *  - Problems with one object are data (a verdict with a reason), never a
 *    failure of the run.
 */
#ifndef MINERSCAN_H
#define MINERSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_PUBLIC __attribute__((visibility("default")))

#define MS_VERSION "0.1.0"

enum ms_err {
    MS_E_LIMIT = -1001,       /* a configured limit was hit */
    MS_E_ENCRYPTED = -1002,   /* encrypted content, no password fits */
    MS_E_CORRUPT = -1003,     /* malformed or truncated input */
    MS_E_RULES = -1004,       /* YARA rules did not compile or load */
    MS_E_MAGIC = -1005,       /* libmagic failed */
    MS_E_YARA = -1006,        /* libyara failed during a scan */
    MS_E_USAGE = -1007,       /* bad option or argument */
    MS_E_TIMEOUT = -1008,     /* per-object scan timeout */
    MS_E_UNSUPPORTED = -1009, /* format or feature not supported */
    MS_E_CRYPTO = -1010,      /* openssl failed */
    MS_E_INTERRUPTED = -1011, /* the run was interrupted (SIGINT) */
};

/* Text for a return code (-errno or enum ms_err). Never NULL. */
MS_PUBLIC const char *ms_strerror(int r);

/* Tri-state returned by every callback. */
enum { MS_CONTINUE = 0, MS_SKIP = 1, MS_STOP = 2 };

/* Verdicts, ordered so that a larger value is "worse" (worst-of merging). */
typedef enum ms_verdict_kind {
    MS_CLEAN = 0,
    MS_SKIPPED = 1,
    MS_LIMIT = 2,
    MS_ERROR = 3,
    MS_SUSPICIOUS = 4,
    MS_MALICIOUS = 5,
} ms_verdict_kind;

MS_PUBLIC const char *ms_verdict_name(ms_verdict_kind k);

/* File classes from identification (DESIGN.md "Identify"). */
typedef enum ms_class {
    MS_CLASS_OTHER = 0,
    MS_CLASS_ELF,
    MS_CLASS_PE,
    MS_CLASS_MACHO,
    MS_CLASS_SCRIPT,
    MS_CLASS_CONFIG,
    MS_CLASS_ARCHIVE,
    MS_CLASS__MAX,
} ms_class;

MS_PUBLIC const char *ms_class_name(ms_class c);

/* One rule hit, copied out of libyara so no later stage sees YARA. */
typedef struct ms_rule_hit {
    char *rule;
    char *ns;          /* namespace: "builtin" or the user rule file */
    char *family;      /* metadata, "" when absent */
    char *category;
    char *severity;    /* "high" | "medium" | "low" */
    char *description;
    uint64_t offset;   /* first match: byte offset and length */
    uint64_t length;
    bool has_match;    /* false for condition-only rules */
} ms_rule_hit;

/* One feature's contribution to a model score (for --explain). */
typedef struct ms_contrib {
    const char *feature; /* static name from the feature schema */
    double value;        /* raw feature value */
    double weight;       /* contribution to the logit: w * standardised x */
} ms_contrib;

typedef struct ms_wallet {
    char *coin;    /* "xmr", "btc", "eth", ... */
    char *address;
} ms_wallet;

/* Miner configuration read from a config, a command line or a script. */
typedef struct ms_miner_config {
    char *algo;        /* NULL when unknown */
    char *user;
    char *pass;
    int donate_level;  /* -1 when unknown */
    int tls;           /* -1 unknown, 0 no, 1 yes */
} ms_miner_config;

typedef struct ms_iocs {
    char **pools;      /* URLs or host:port, deduplicated, in first-seen order */
    size_t n_pools;
    ms_wallet *wallets;
    size_t n_wallets;
    ms_miner_config config;
} ms_iocs;

MS_PUBLIC void ms_iocs_init(ms_iocs *i);
MS_PUBLIC void ms_iocs_clear(ms_iocs *i);
/* Append a pool/wallet unless already present. 0 or -ENOMEM. */
MS_PUBLIC int ms_iocs_add_pool(ms_iocs *i, const char *pool);
MS_PUBLIC int ms_iocs_add_wallet(ms_iocs *i, const char *coin, const char *address);
/* Fold src into dst (pools, wallets, unset config fields). */
MS_PUBLIC int ms_iocs_merge(ms_iocs *dst, const ms_iocs *src);

/* Facts of a --live record (live_record.h): a process, a persistence file
 * or the host. */
typedef struct ms_live_info ms_live_info;
MS_PUBLIC void ms_live_info_free(ms_live_info *l);

/* The record of one reported object. Plain data, owned by the record. */
typedef struct ms_verdict {
    char *path;            /* full virtual path, raw bytes, NUL-terminated */
    size_t path_len;
    ms_verdict_kind verdict;
    bool is_member;        /* an archive member (or decoded blob) */
    int depth;             /* 0 for a file given or walked */
    uint64_t size;
    bool has_sha256;
    char sha256[65];
    ms_class cls;
    char *description;     /* libmagic description, NULL if not identified */
    ms_rule_hit *rules;
    size_t n_rules;
    bool has_model;
    double score;
    double threshold;
    ms_contrib *top;       /* the features that pushed the score up */
    size_t n_top;
    ms_iocs iocs;
    char *reason;          /* why: "limit: max-depth 16", "encrypted", strerror */
    char *hash_list;       /* --hashes list that matched, NULL if none */
    char *allowed_by;      /* --allow list that matched, NULL if none */
    bool incomplete;       /* not fully scanned (error, limit, encrypted):
                              the run exits 2 if nothing was found */
    uint64_t seq;          /* arrival order, for stable sorting */
    ms_live_info *live;    /* --live facts (live_record.h), NULL on files */
} ms_verdict;

MS_PUBLIC int ms_verdict_new(const char *path, size_t path_len, ms_verdict **ret);
MS_PUBLIC void ms_verdict_free(ms_verdict *v);
/* Set the reason (printf-style). Keeps the first reason if one is set. */
MS_PUBLIC int ms_verdict_set_reason(ms_verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
MS_PUBLIC int ms_verdict_add_rule(ms_verdict *v, const ms_rule_hit *hit);

/* Summary counts of a run. Every object reaches exactly one counter of
 * clean/malicious/suspicious/errors/skipped/limits. */
typedef struct ms_summary {
    uint64_t objects;      /* all objects: files + members */
    uint64_t files;        /* top-level files (given or walked) */
    uint64_t bytes;        /* bytes read from top-level files */
    uint64_t clean;
    uint64_t malicious;
    uint64_t suspicious;
    uint64_t errors;
    uint64_t skipped;
    uint64_t limits;
    uint64_t incomplete;   /* objects not fully scanned */
    double elapsed_s;
    bool interrupted;
} ms_summary;

MS_PUBLIC void ms_summary_count(ms_summary *s, const ms_verdict *v);

#endif
