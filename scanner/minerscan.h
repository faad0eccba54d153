/*
 * minerscan.h - the umbrella header of libminerscan.
 *
 * libminerscan is an internal library: a static library that the CLI, the
 * tests, the fuzzers and corpus-tools link, with no installed headers and no
 * ABI. So it makes no visibility claims (no export macro, no
 * -fvisibility=hidden): every header under scanner/ is usable by those
 * four, and nothing outside this repository links it (README "Hacking").
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
 *  - Memory: bookkeeping allocations end the process when memory is gone
 *    (alloc.h), so the record and IOC functions below cannot fail; buffers
 *    whose size the input chooses are checked and become records.
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

#include "ms_version.h"

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
const char *ms_strerror(int r);

/* Tri-state returned by every callback. */
enum { MS_CONTINUE = 0, MS_SKIP = 1, MS_STOP = 2 };

/* Verdicts, ordered so that a larger value is "worse" (worst-of merging). */
typedef enum ms_verdict_kind {
    MS_CLEAN = 0,
    MS_DAMAGED = 1,    /* read to its end, but its structure is broken (a
                          corrupt archive, a member cut short): nothing was
                          found and nothing that exists was left unread */
    MS_SKIPPED = 2,
    MS_LIMIT = 3,
    MS_ERROR = 4,
    MS_SUSPICIOUS = 5,
    MS_MALICIOUS = 6,
} ms_verdict_kind;

const char *ms_verdict_name(ms_verdict_kind k);

/* File classes from identification (DESIGN.md "Identify"). */
typedef enum ms_class {
    MS_CLASS_OTHER = 0,
    MS_CLASS_ELF,
    MS_CLASS_PE,
    MS_CLASS_MACHO,
    MS_CLASS_SCRIPT,
    MS_CLASS_CONFIG,
    MS_CLASS_ARCHIVE,
    MS_CLASS_REPORT,   /* a report minerscan wrote (selfreport.h) */
    MS_CLASS__MAX,
} ms_class;

const char *ms_class_name(ms_class c);

/* One metadata entry of a rule, as the rule wrote it (YARA metadata are
 * strings, integers or booleans; a key may repeat). */
typedef enum ms_meta_type { MS_META_STRING, MS_META_INT, MS_META_BOOL } ms_meta_type;
typedef struct ms_rule_meta {
    char *key;
    ms_meta_type type;
    char *str;         /* MS_META_STRING */
    int64_t num;       /* MS_META_INT; MS_META_BOOL: 0 or 1 */
} ms_rule_meta;

/* One string match of a hit: the string's identifier ("$a"), where it
 * matched and its first bytes (at most MS_MATCH_DATA_MAX of them). */
typedef struct ms_string_match {
    char *id;
    uint64_t offset;
    uint64_t length;   /* the whole match, even when data is cut */
    uint8_t *data;
    size_t data_len;
} ms_string_match;

/* One rule hit, copied out of libyara so no later stage sees YARA. */
typedef struct ms_rule_hit {
    char *rule;
    char *ns;          /* namespace: "builtin" or the user rule file */
    char *family;      /* metadata, "" when absent (sigscan.h says which
                          third-party keys fill it) */
    char *category;
    char *severity;    /* the rule's own "severity" string, "" when absent
                          (verdict.h ms_rule_grade reads every grading key) */
    char *description;
    uint64_t offset;   /* first match: byte offset and length */
    uint64_t length;
    bool has_match;    /* false for condition-only rules */
    ms_rule_meta *metas;        /* every metadata entry, in rule order */
    size_t n_metas;
    char **tags;                /* the rule's tags */
    size_t n_tags;
    ms_string_match *matches;   /* the first MS_MATCHES_MAX matches, by offset */
    size_t n_matches;
    uint64_t matches_total;     /* all matches libyara reported */
} ms_rule_hit;

/* A metadata value of h by key (the first one), NULL when absent. */
const ms_rule_meta *ms_rule_hit_meta(const ms_rule_hit *h, const char *key);

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
    struct ms_flow *flows; /* flows of a capture with a finding (capture.h) */
    size_t n_flows;
} ms_iocs;

void ms_iocs_init(ms_iocs *i);
void ms_iocs_clear(ms_iocs *i);
/* Append a pool/wallet unless already present (at most MS_MAX_IOCS). */
void ms_iocs_add_pool(ms_iocs *i, const char *pool);
void ms_iocs_add_wallet(ms_iocs *i, const char *coin, const char *address);
/* Fold src into dst (pools, wallets, unset config fields). */
void ms_iocs_merge(ms_iocs *dst, const ms_iocs *src);

/* Facts of a --live record (live_record.h): a process, a persistence file
 * or the host. */
typedef struct ms_live_info ms_live_info;
void ms_live_info_free(ms_live_info *l);

/* The record of one reported object. Plain data, owned by the record. */
typedef struct ms_verdict {
    char *path;            /* full virtual path, raw bytes, NUL-terminated:
                              the top-level path as given, then "!" and
                              each member name with its "!" and "\" written
                              as "\!" and "\\" (the display form) */
    size_t path_len;
    char **chain;          /* the path's components, raw and unescaped: the
                              top-level path, then each member name;
                              n_chain >= 1 once set (NULL: [path]) */
    size_t n_chain;
    ms_verdict_kind verdict; /* the worst of its own and its members' */
    ms_verdict_kind contains; /* when the verdict comes from its members
                              (suspicious or malicious ones, worse than
                              its own evidence): that verdict; else clean */
    bool is_member;        /* an archive member (or decoded blob) */
    bool is_dir;           /* a directory the walker reports on */
    int depth;             /* 0 for a file given or walked */
    uint64_t size;
    bool has_sha256;
    char sha256[65];
    ms_class cls;
    char *description;     /* libmagic description, NULL if not identified */
    ms_rule_hit *rules;
    size_t n_rules;
    bool has_model;
    const char *model_name; /* static: "executable" (NULL means it too) or "script" */
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
    bool linked;           /* the copy of an earlier name's record (a hard
                              link to the same file): its bytes were not
                              read again (pool.c) */
} ms_verdict;

/* A record for path[0..path_len) (raw bytes), verdict clean, no evidence;
 * its chain is the one component path. */
ms_verdict *ms_verdict_new(const char *path, size_t path_len);
/* A record for a member named name[0..name_len) (raw bytes) of parent:
 * the chain is the parent's plus name, the path the parent's, "!" and
 * name with "!" and "\" escaped. */
ms_verdict *ms_verdict_new_member(const ms_verdict *parent, const char *name, size_t name_len);
void ms_verdict_free(ms_verdict *v);
/* A copy of top-level record src named path (rules, model, indicators,
 * reasons; not the --live facts nor a capture's flows). */
ms_verdict *ms_verdict_clone_as(const ms_verdict *src, const char *path, size_t path_len);
/* Set the reason (printf-style). Keeps the first reason if one is set. */
void ms_verdict_set_reason(ms_verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Copy a rule hit in, unless the same rule (name and namespace) is there
 * or MS_MAX_RULE_HITS are. */
void ms_verdict_add_rule(ms_verdict *v, const ms_rule_hit *hit);
/* A deep copy of src into dst (strings "" for NULL; at most the limits of
 * ms_limits.h of metas, tags and matches); ms_rule_hit_clear frees what a
 * copy holds. */
void ms_rule_hit_copy(ms_rule_hit *dst, const ms_rule_hit *src);
void ms_rule_hit_clear(ms_rule_hit *h);

/* Summary counts of a run. Every object reaches exactly one counter of
 * clean/damaged/malicious/suspicious/containing/errors/skipped/limits: an
 * archive flagged only because of a member counts as "containing", so one
 * finding is counted once. */
typedef struct ms_summary {
    uint64_t objects;      /* all records: files + members + directories */
    uint64_t files;        /* top-level files (given or walked) */
    uint64_t members;      /* archive members and decoded objects */
    uint64_t directories;  /* directories reported on (skipped, unreadable) */
    uint64_t bytes;        /* bytes read from top-level files */
    uint64_t clean;
    uint64_t damaged;
    uint64_t malicious;
    uint64_t suspicious;
    uint64_t containing;   /* flagged only through a member */
    uint64_t errors;
    uint64_t skipped;
    uint64_t limits;
    uint64_t incomplete;   /* objects not fully scanned */
    uint64_t linked;       /* records copied from an earlier name of the
                              same file (a hard link), not read again */
    double elapsed_s;
    bool interrupted;
    bool abandoned;        /* not a record field: a hurried stop (cancel.h)
                              left workers running; the caller must end
                              the process, not free the engine */
} ms_summary;

void ms_summary_count(ms_summary *s, const ms_verdict *v);

#endif
