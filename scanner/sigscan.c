/*
 * sigscan.c - YARA. The built-in rules are compiled at build time
 * (signatures/rulec) and loaded here from the blob embedded in the binary;
 * user rules (--rules) are compiled at start-up, each file in its own
 * namespace named after the file. The YR_RULES are shared read-only; each
 * worker owns one YR_SCANNER per rule set (libyara's threading model).
 */
#include "sigscan.h"

#include "alloc.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yara.h>

#include "ms_limits.h"
#include "obscure.h"

#define MS_MAX_RULE_SETS 64

struct ms_rules {
    YR_RULES *sets[MS_MAX_RULE_SETS];
    size_t n_sets;
    size_t n_rules;
};

struct ms_sigscan {
    YR_SCANNER *scanners[MS_MAX_RULE_SETS];
    size_t n;
    ms_verdict *cur;
    int cb_error;
};

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned init_count;

int ms_yara_init(void) {
    int r = 0;
    pthread_mutex_lock(&init_lock);
    int e = init_count == 0 ? yr_initialize() : ERROR_SUCCESS;
    if (e == ERROR_INSUFFICIENT_MEMORY)
        ms_oom(); /* start-up bookkeeping: the allocation policy, alloc.h */
    if (e != ERROR_SUCCESS)
        r = MS_E_YARA;
    else
        init_count++;
    pthread_mutex_unlock(&init_lock);
    return r;
}

void ms_yara_finalize(void) {
    pthread_mutex_lock(&init_lock);
    if (init_count > 0 && --init_count == 0)
        yr_finalize();
    pthread_mutex_unlock(&init_lock);
}

/* ---- loading ---- */

typedef struct {
    const unsigned char *p;
    size_t len, pos;
    bool obscured; /* XOR-ed with obscure.h's keystream (the built-in blob) */
} memstream;

static size_t memstream_read(void *ptr, size_t size, size_t count, void *ud) {
    memstream *m = ud;
    if (size == 0)
        return 0;
    size_t avail = (m->len - m->pos) / size;
    if (count > avail)
        count = avail;
    memcpy(ptr, m->p + m->pos, count * size);
    if (m->obscured)
        ms_obscure(ptr, count * size, m->pos);
    m->pos += count * size;
    return count;
}

/* Accumulated compiler messages, "file:line: message\n" each. */
typedef struct {
    char *buf;
    size_t len;
    int errors;
} msglog;

static void msglog_add(msglog *l, const char *file, int line, const char *level, const char *msg) {
    int n = snprintf(NULL, 0, "%s:%d: %s: %s\n", file ? file : "?", line, level, msg);
    if (n < 0)
        return;
    char *b = realloc(l->buf, l->len + (size_t)n + 1);
    if (!b)
        return;
    l->buf = b;
    snprintf(b + l->len, (size_t)n + 1, "%s:%d: %s: %s\n", file ? file : "?", line, level, msg);
    l->len += (size_t)n;
}

static void on_compile_message(int level, const char *file, int line, const YR_RULE *rule,
                               const char *message, void *ud) {
    (void)rule;
    msglog *l = ud;
    if (level == YARA_ERROR_LEVEL_WARNING)
        return; /* user rules may be slow; that is their author's call */
    l->errors++;
    msglog_add(l, file, line, "error", message);
}

static bool is_rule_file(const char *name) {
    size_t n = strlen(name);
    return (n > 4 && !strcmp(name + n - 4, ".yar")) || (n > 5 && !strcmp(name + n - 5, ".yara"));
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect a --rules PATH: a file, or the .yar and .yara files of a directory
 * (sorted, so rule order and namespaces are stable). */
static int collect_rule_files(const char *path, char ***files, size_t *n, msglog *log) {
    struct stat st;
    if (stat(path, &st) < 0) {
        msglog_add(log, path, 0, "error", strerror(errno));
        log->errors++;
        return MS_E_RULES;
    }
    if (!S_ISDIR(st.st_mode)) {
        char **f = realloc(*files, (*n + 1) * sizeof(*f));
        if (!f || !(f[*n] = strdup(path)))
            return -ENOMEM;
        *files = f;
        (*n)++;
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        msglog_add(log, path, 0, "error", strerror(errno));
        log->errors++;
        return MS_E_RULES;
    }
    size_t first = *n;
    struct dirent *de;
    int r = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || !is_rule_file(de->d_name))
            continue;
        char **f = realloc(*files, (*n + 1) * sizeof(*f));
        if (!f) {
            r = -ENOMEM;
            break;
        }
        *files = f;
        size_t len = strlen(path) + strlen(de->d_name) + 2;
        if (!(f[*n] = malloc(len))) {
            r = -ENOMEM;
            break;
        }
        snprintf(f[*n], len, "%s/%s", path, de->d_name);
        (*n)++;
    }
    closedir(d);
    if (*n > first)
        qsort(*files + first, *n - first, sizeof(char *), cmp_str);
    return r;
}

static size_t count_rules(YR_RULES *rules) {
    size_t n = 0;
    YR_RULE *rule;
    yr_rules_foreach(rules, rule) n += !RULE_IS_PRIVATE(rule);
    return n;
}

int ms_rules_load(const ms_options *o, ms_rules **ret, char **ret_err) {
    ms_rules *rs = calloc(1, sizeof(*rs));
    msglog log = {0};
    char **files = NULL;
    size_t n_files = 0;
    YR_COMPILER *compiler = NULL;
    int r = 0;

    if (!rs)
        return -ENOMEM;
    if (!o->no_builtin_rules) {
        memstream m = {.p = ms_builtin_rules, .len = ms_builtin_rules_size, .obscured = true};
        YR_STREAM st = {.user_data = &m, .read = memstream_read};
        int e = yr_rules_load_stream(&st, &rs->sets[rs->n_sets]);
        if (e == ERROR_INSUFFICIENT_MEMORY)
            ms_oom(); /* alloc.h: not a bad rule file, no memory */
        if (e != ERROR_SUCCESS) {
            msglog_add(&log, "(built-in rules)", 0, "error", "could not load the compiled rules");
            r = MS_E_RULES;
            goto out;
        }
        rs->n_rules += count_rules(rs->sets[rs->n_sets]);
        rs->n_sets++;
    }
    for (size_t i = 0; i < o->n_rules; i++)
        if ((r = collect_rule_files(o->rules[i], &files, &n_files, &log)) < 0)
            goto out;
    if (n_files > 0) {
        if (yr_compiler_create(&compiler) != ERROR_SUCCESS)
            ms_oom(); /* it fails for want of memory only */
        yr_compiler_set_callback(compiler, on_compile_message, &log);
        for (size_t i = 0; i < n_files; i++) {
            FILE *f = fopen(files[i], "r");
            if (!f) {
                msglog_add(&log, files[i], 0, "error", strerror(errno));
                log.errors++;
                continue;
            }
            /* libyara refuses further files after an error; stop there. */
            yr_compiler_add_file(compiler, f, files[i], files[i]);
            fclose(f);
            if (log.errors)
                break;
        }
        if (log.errors) {
            r = MS_E_RULES;
            goto out;
        }
        if (yr_compiler_get_rules(compiler, &rs->sets[rs->n_sets]) != ERROR_SUCCESS) {
            r = MS_E_RULES;
            goto out;
        }
        rs->n_rules += count_rules(rs->sets[rs->n_sets]);
        rs->n_sets++;
    }
    *ret = rs;
    rs = NULL;
out:
    if (log.errors && r == 0)
        r = MS_E_RULES;
    if (r < 0 && ret_err)
        *ret_err = log.buf, log.buf = NULL;
    free(log.buf);
    for (size_t i = 0; i < n_files; i++)
        free(files[i]);
    free(files);
    if (compiler)
        yr_compiler_destroy(compiler);
    ms_rules_free(rs);
    return r;
}

void ms_rules_free(ms_rules *r) {
    if (!r)
        return;
    for (size_t i = 0; i < r->n_sets; i++)
        if (r->sets[i])
            yr_rules_destroy(r->sets[i]);
    free(r);
}

size_t ms_rules_count(const ms_rules *r) {
    return r->n_rules;
}

static void rule_meta(const YR_RULE *rule, ms_rule_hit *h) {
    const YR_META *meta;
    yr_rule_metas_foreach(rule, meta) {
        if (meta->type != META_TYPE_STRING)
            continue;
        if (!strcmp(meta->identifier, "family"))
            h->family = (char *)meta->string;
        else if (!strcmp(meta->identifier, "category"))
            h->category = (char *)meta->string;
        else if (!strcmp(meta->identifier, "severity"))
            h->severity = (char *)meta->string;
        else if (!strcmp(meta->identifier, "description"))
            h->description = (char *)meta->string;
    }
}

static const char *ns_name(const YR_RULE *rule) {
    return rule->ns && rule->ns->name ? rule->ns->name : "";
}

int ms_rules_foreach(const ms_rules *r, ms_rule_fn fn, void *ud) {
    for (size_t i = 0; i < r->n_sets; i++) {
        const YR_RULE *rule;
        yr_rules_foreach(r->sets[i], rule) {
            if (RULE_IS_PRIVATE(rule)) /* a building block of other rules */
                continue;
            ms_rule_hit h = {.rule = (char *)rule->identifier, .ns = (char *)ns_name(rule)};
            rule_meta(rule, &h);
            int k = fn(ud, &h);
            if (k < 0)
                return k;
            if (k == MS_STOP)
                return 0;
        }
    }
    return 0;
}

/* ---- scanning ---- */

int ms_sigscan_new(ms_rules *rs, unsigned timeout_s, ms_sigscan **ret) {
    ms_sigscan *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    for (size_t i = 0; i < rs->n_sets; i++) {
        int e = yr_scanner_create(rs->sets[i], &s->scanners[i]);
        if (e == ERROR_INSUFFICIENT_MEMORY)
            ms_oom(); /* alloc.h */
        if (e != ERROR_SUCCESS) {
            ms_sigscan_free(s);
            return MS_E_YARA;
        }
        s->n++;
        yr_scanner_set_timeout(s->scanners[i], (int)timeout_s);
        yr_scanner_set_flags(s->scanners[i], SCAN_FLAGS_REPORT_RULES_MATCHING);
    }
    *ret = s;
    return 0;
}

void ms_sigscan_free(ms_sigscan *s) {
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        yr_scanner_destroy(s->scanners[i]);
    free(s);
}

static int on_scan(YR_SCAN_CONTEXT *ctx, int message, void *data, void *ud) {
    ms_sigscan *s = ud;
    if (message != CALLBACK_MSG_RULE_MATCHING)
        return CALLBACK_CONTINUE;
    YR_RULE *rule = data;
    ms_rule_hit h = {.rule = (char *)rule->identifier, .ns = (char *)ns_name(rule)};
    rule_meta(rule, &h);
    YR_STRING *string;
    yr_rule_strings_foreach(rule, string) {
        /* libyara 4.2 allocates YR_MATCH from its notebook without
         * alignment; copy each one out instead of dereferencing it. */
        const YR_MATCH *mp = ctx->matches[string->idx].head;
        while (mp) {
            YR_MATCH match;
            memcpy(&match, mp, sizeof(match));
            uint64_t off = (uint64_t)(match.base + match.offset);
            if (!h.has_match || off < h.offset) {
                h.offset = off;
                h.length = (uint64_t)match.match_length;
                h.has_match = true;
            }
            mp = match.next;
        }
    }
    ms_verdict_add_rule(s->cur, &h);
    return CALLBACK_CONTINUE;
}

/* The blocks of a windowed scan: [k*window, k*window + window + overlap),
 * each fetched as it is reached; the one before is given back to the
 * caller (its release hook) since no string match needs it any more. */
typedef struct windows {
    YR_MEMORY_BLOCK block;
    const uint8_t *data;
    size_t size, window, overlap;
    uint64_t next;       /* base of the next block */
    ms_release_fn release;
    void *ud;
} windows;

static const uint8_t *win_fetch(YR_MEMORY_BLOCK *b) {
    windows *w = b->context;
    return w->data + b->base;
}

static YR_MEMORY_BLOCK *win_at(windows *w, uint64_t base) {
    if (base >= w->size)
        return NULL;
    w->block.base = base;
    w->block.size = w->size - base < w->window + w->overlap ? w->size - base : w->window + w->overlap;
    w->next = base + w->window;
    return &w->block;
}

static YR_MEMORY_BLOCK *win_first(YR_MEMORY_BLOCK_ITERATOR *it) {
    return win_at(it->context, 0);
}

static YR_MEMORY_BLOCK *win_next(YR_MEMORY_BLOCK_ITERATOR *it) {
    windows *w = it->context;
    if (w->release && w->next >= w->window)
        w->release(w->ud, w->next - w->window, w->window);
    if (w->next >= w->size || w->block.base + w->block.size >= w->size)
        return NULL;
    return win_at(w, w->next);
}

static uint64_t win_size(YR_MEMORY_BLOCK_ITERATOR *it) {
    return ((windows *)it->context)->size;
}

static int scan_one(ms_sigscan *s, size_t i, const uint8_t *data, size_t size, windows *w) {
    if (!w)
        return yr_scanner_scan_mem(s->scanners[i], data, size);
    YR_MEMORY_BLOCK_ITERATOR it = {.context = w, .first = win_first, .next = win_next,
                                   .file_size = win_size};
    w->block = (YR_MEMORY_BLOCK){.context = w, .fetch_data = win_fetch};
    return yr_scanner_scan_mem_blocks(s->scanners[i], &it);
}

int ms_sigscan_scan_windows(ms_sigscan *s, const uint8_t *data, size_t size, size_t window, size_t overlap,
                            ms_release_fn release, void *ud, ms_verdict *v) {
    int r = 0;
    windows w = {.data = data, .size = size, .window = window, .overlap = overlap, .release = release,
                 .ud = ud};
    bool blocks = window && size > window;
    s->cur = v;
    s->cb_error = 0;
    for (size_t i = 0; i < s->n; i++) {
        yr_scanner_set_callback(s->scanners[i], on_scan, s);
        int e = scan_one(s, i, data, size, blocks ? &w : NULL);
        if (s->cb_error) {
            r = s->cb_error;
            break;
        }
        if (e == ERROR_SCAN_TIMEOUT)
            r = MS_E_TIMEOUT;
        else if (e == ERROR_INSUFFICIENT_MEMORY)
            r = -ENOMEM;
        else if (e != ERROR_SUCCESS && e != ERROR_TOO_MANY_MATCHES)
            r = MS_E_YARA;
    }
    s->cur = NULL;
    return r;
}

int ms_sigscan_scan(ms_sigscan *s, const uint8_t *data, size_t size, ms_verdict *v) {
    return ms_sigscan_scan_windows(s, data, size, 0, 0, NULL, NULL, v);
}
