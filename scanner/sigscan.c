/*
 * sigscan.c - YARA. The built-in rules are compiled at build time
 * (signatures/rulec) and loaded here from the blob embedded in the binary;
 * user rules (--rules) are compiled at start-up, each file in its own
 * namespace named after the file. The YR_RULES are shared read-only; each
 * worker owns one YR_SCANNER per rule set (libyara's threading model).
 */
#include "sigscan.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yara.h>

#include "alloc.h"
#include "formats.h"
#include "hashes.h"
#include "litscan.h"
#include "ms_limits.h"
#include "obscure.h"
#include "ruleprune.h"

#define MS_MAX_RULE_SETS 64
/* the sets an absence bit mask (ms_sig_object.absent) can name */
#define MS_ABSENT_SETS 32
/* matches kept per set for one object's spans: past it, the object's
 * members are scanned with the whole set (4 MiB of spans; an archive
 * nested in another holds its own while its parent's are kept) */
#define MS_SPANS_MAX (1u << 18)
/* the cut sets of a rule set: one per (head, size class) (ruleprune.h),
 * and the absent set (ms_prune_decide_absent): for an object holding none
 * of the set's strings */
#define MS_CLASS_KEYS (MS_HEAD_N * MS_PRUNE_SIZES)
#define MS_ABSENT_KEY MS_CLASS_KEYS
#define MS_CUT_KEYS (MS_CLASS_KEYS + 1)

typedef struct rule_info rule_info;

/* what a class's objects are searched for before libyara (prefilter()) */
struct prefilter {
    ms_litscan *lits;      /* the literals of the class's rules, by literal set */
    ms_prune_class *rules; /* and what their presence leaves possible */
    size_t sets;           /* literal sets (ms_prune_lit_sets) */
    uint64_t tried, spared; /* bytes searched, and those libyara was spared */
    uint64_t tried_objects; /* objects searched */
};

enum set_kind { SET_BUILTIN, SET_COMPILED, SET_SOURCE };

typedef struct rule_set {
    YR_RULES *rules;
    enum set_kind kind;
    unsigned vars; /* bit i: declares per_object_vars[i] as a string */
    /* Issue 12: the sources the set was compiled from (NULL for compiled
     * rules), to compile it again cut to what can match an object's kind.
     * file_path[i] NULL: the text only (the built-in sources); a file the
     * reader cannot follow is compiled from its path, as at first. */
    ms_prune *prune;
    char **file_ns, **file_path;
    size_t user_first; /* the first of the user's files (--save-rules) */
    pthread_mutex_t lock;
    YR_RULES *cut[MS_CUT_KEYS]; /* NULL: not decided yet; rules: nothing cut */
    uint8_t *off[MS_CUT_KEYS];  /* the rules cut in cut[k], when it was compiled */
    bool owned[MS_CUT_KEYS];
    uint64_t seen[MS_CUT_KEYS]; /* the work scanned with the whole set, by class */
    uint64_t need[MS_CUT_KEYS]; /* the work after which the cut set pays */
    /* the prefilter of each class (prefilter()): decided at its first
     * object; NULL: the set may report on an object without literals */
    bool pre_done[MS_CLASS_KEYS];
    struct prefilter *pre[MS_CLASS_KEYS];
} rule_set;

static void prefilter_free(struct prefilter *f) {
    if (f) {
        ms_litscan_free(f->lits);
        ms_prune_class_free(f->rules);
        free(f);
    }
}

struct ms_rules {
    rule_set sets[MS_MAX_RULE_SETS];
    const ms_options *o; /* the externals of a cut set's compiler */
    /* cut sets (cut_rules): made once they pay; MINERSCAN_RULE_CUT=always
     * at a class's first object (the tests that prove the hits equal),
     * =off never, and no prefilter either (to compare) */
    enum { CUT_WHEN_IT_PAYS, CUT_ALWAYS, CUT_OFF } cut;
    size_t n_sets;
    size_t n_rules;
    char *warnings;
    ms_rule_input *inputs; /* every file the rules were read from */
    size_t n_inputs;
    uint64_t absent_scans; /* objects scanned with an absent set */
    uint64_t clean_skips;  /* (object, set) scans the prefilter spared */
};

/* Where the strings of each set matched in one scan (ms_absence_of). */
typedef struct spans {
    uint64_t *v; /* pairs [start, end) */
    size_t n, cap;
    bool ok;       /* complete: the scan reached its end with every match kept */
    bool too_many; /* libyara stopped recording a string's matches */
} spans;

struct ms_absence {
    size_t n_sets;
    /* a windowed scan's blocks, [k * window, k * window + window +
     * overlap): a match is found only inside one (window 0: one block) */
    uint64_t window, overlap, size;
    spans set[MS_MAX_RULE_SETS];
};

struct ms_sigscan {
    ms_rules *rs;
    YR_SCANNER *scanners[MS_MAX_RULE_SETS];
    YR_SCANNER *cut[MS_MAX_RULE_SETS][MS_CUT_KEYS]; /* made on first use */
    /* the next object: collect its spans; bit i: set i's strings are
     * known to be absent from it (ms_sig_object) */
    bool want_spans;
    unsigned absent_sets;
    ms_absence *abs; /* the spans being collected, until taken */
    spans *cur_spans;
    int timeout;
    unsigned vars[MS_MAX_RULE_SETS];
    size_t n;
    ms_verdict *cur;
    int cb_error;
    rule_info *ri;
    /* the externals of the next object: filename, filepath, extension,
     * filetype, owner (of owner_uid) */
    char *val[5];
    int64_t owner_uid;
    const ms_cancel *cancel; /* of the next object (ms_sig_object) */
    const bool *cut_short; /* the windowed scan running stopped early */
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

/* Accumulated messages, one line each. */
typedef struct {
    char *buf;
    size_t len;
    int errors;
} msglog;

static void msglog_addf(msglog *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msglog_addf(msglog *l, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    char *b = realloc(l->buf, l->len + (size_t)n + 2);
    if (!b)
        return;
    l->buf = b;
    va_start(ap, fmt);
    vsnprintf(b + l->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    l->len += (size_t)n;
    b[l->len++] = '\n';
    b[l->len] = '\0';
}

/* A problem with a path (no line to point at): "PATH: message". */
static void path_error(msglog *l, const char *path, const char *msg) {
    msglog_addf(l, "%s: %s", path, msg);
    l->errors++;
}

typedef struct {
    msglog *errors, *warnings;
} compile_logs;

/* libyara's callback. The rule is the one being parsed when libyara has
 * one (it does for most semantic errors: an undefined identifier, a slow
 * string), so the line says which rule of a big file to look at. */
static void on_compile_message(int level, const char *file, int line, const YR_RULE *rule,
                               const char *message, void *ud) {
    compile_logs *c = ud;
    bool warn = level == YARA_ERROR_LEVEL_WARNING;
    msglog *l = warn ? c->warnings : c->errors;
    const char *name = rule && rule->identifier ? rule->identifier : NULL;
    if (name)
        msglog_addf(l, "%s:%d: %s: rule %s: %s", file ? file : "?", line, warn ? "warning" : "error", name,
                    message);
    else
        msglog_addf(l, "%s:%d: %s: %s", file ? file : "?", line, warn ? "warning" : "error", message);
    l->errors++;
}

static bool is_rule_file(const char *name) {
    size_t n = strlen(name);
    return (n > 4 && !strcmp(name + n - 4, ".yar")) || (n > 5 && !strcmp(name + n - 5, ".yara"));
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct strlist {
    char **v;
    size_t n;
} strlist;

static int strlist_add(strlist *l, char *s) {
    if (!s)
        return -ENOMEM;
    char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
    if (!v) {
        free(s);
        return -ENOMEM;
    }
    v[l->n++] = s;
    l->v = v;
    return 0;
}

static void strlist_free(strlist *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static char *join_path(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (p) {
        memcpy(p, dir, a);
        size_t k = a;
        if (k == 0 || p[k - 1] != '/')
            p[k++] = '/';
        memcpy(p + k, name, b + 1);
    }
    return p;
}

/* How deep a --rules directory is searched. Rule collections nest two or
 * three levels (reversinglabs-yara-rules: yara/<platform>/<file>); the
 * bound is only there so a directory loop through a bind mount ends. */
#define MS_RULE_DIR_DEPTH 32

/* Collect a --rules PATH: a file as given, or every *.yar and *.yara file
 * below a directory, in sorted order so that rule order and namespaces are
 * stable. Hidden entries are skipped and symbolic links inside the
 * directory are not followed (as the walker does). The walk is a work list
 * of directories, not recursion. A directory that holds no rule file is
 * MS_E_USAGE (it would scan with nothing and say "clean"). */
static int collect_rule_files(const char *path, strlist *files, msglog *log) {
    struct stat st;
    struct pending {
        char *dir;
        unsigned level;
    } *todo = NULL;
    size_t n_todo = 0, cap_todo = 0, first = files->n;
    int r = 0;
    if (stat(path, &st) < 0) {
        path_error(log, path, strerror(errno));
        return 0;
    }
    if (!S_ISDIR(st.st_mode))
        return strlist_add(files, strdup(path));
    char *top = strdup(path);
    if (!top)
        return -ENOMEM;
    todo = ms_xmalloc(sizeof(*todo) * (cap_todo = 16));
    todo[n_todo++] = (struct pending){top, 0};
    while (n_todo > 0 && r == 0) {
        struct pending cur = todo[--n_todo];
        DIR *d = opendir(cur.dir);
        if (!d) {
            path_error(log, cur.dir, strerror(errno));
            free(cur.dir);
            continue;
        }
        struct dirent *de;
        while (r == 0 && (de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            char *full = join_path(cur.dir, de->d_name);
            struct stat es;
            if (!full) {
                r = -ENOMEM;
                break;
            }
            if (lstat(full, &es) < 0) {
                free(full);
            } else if (S_ISDIR(es.st_mode) && cur.level + 1 < MS_RULE_DIR_DEPTH) {
                if (n_todo == cap_todo)
                    todo = ms_xrealloc(todo, sizeof(*todo) * (cap_todo *= 2));
                todo[n_todo++] = (struct pending){full, cur.level + 1};
            } else if ((S_ISREG(es.st_mode) || S_ISLNK(es.st_mode)) && is_rule_file(de->d_name)) {
                r = strlist_add(files, full);
            } else {
                free(full);
            }
        }
        closedir(d);
        free(cur.dir);
    }
    for (size_t i = 0; i < n_todo; i++)
        free(todo[i].dir);
    free(todo);
    if (r == 0 && files->n == first) {
        path_error(log, path, "no *.yar or *.yara rule files in this directory or below it");
        return MS_E_USAGE;
    }
    if (files->n > first)
        qsort(files->v + first, files->n - first, sizeof(char *), cmp_str);
    return r;
}

static size_t count_rules(YR_RULES *rules) {
    size_t n = 0;
    YR_RULE *rule;
    yr_rules_foreach(rules, rule) n += !RULE_IS_PRIVATE(rule);
    return n;
}

/* A compiled rules file starts with "YARA" and the format version. */
static bool is_compiled_file(const char *path) {
    char magic[4];
    FILE *f = fopen(path, "rbe");
    bool yes = false;
    if (f) {
        yes = fread(magic, 1, 4, f) == 4 && !memcmp(magic, "YARA", 4);
        fclose(f);
    }
    return yes;
}

static const char *const per_object_vars[] = {"filename", "filepath", "extension", "filetype", "owner"};
enum { N_VARS = sizeof(per_object_vars) / sizeof(per_object_vars[0]) };

/* -d NAME=VALUE, typed as yara -d types it. */
static int define_one(YR_COMPILER *c, const char *name, const char *value) {
    char *end = NULL;
    if (!strcmp(value, "true") || !strcmp(value, "false"))
        return yr_compiler_define_boolean_variable(c, name, !strcmp(value, "true"));
    errno = 0;
    long long i = strtoll(value, &end, 10);
    if (*value && !*end && !errno)
        return yr_compiler_define_integer_variable(c, name, i);
    errno = 0;
    double f = strtod(value, &end);
    if (*value && !*end && !errno && strchr(value, '.'))
        return yr_compiler_define_float_variable(c, name, f);
    return yr_compiler_define_string_variable(c, name, value);
}

static bool defined_by_user(const ms_options *o, const char *name) {
    size_t n = strlen(name);
    for (size_t i = 0; i < o->n_defines; i++)
        if (!strncmp(o->defines[i], name, n) && o->defines[i][n] == '=')
            return true;
    return false;
}

/* A compiler with the externals declared: the user's -d first (they may
 * fix a per-object one), then each per-object one not fixed, as "". */
static int new_compiler(const ms_options *o, compile_logs *logs, YR_COMPILER **ret) {
    YR_COMPILER *c = NULL;
    if (yr_compiler_create(&c) != ERROR_SUCCESS)
        ms_oom(); /* it fails for want of memory only (alloc.h) */
    yr_compiler_set_callback(c, on_compile_message, logs);
    for (size_t i = 0; i < o->n_defines; i++) {
        const char *eq = strchr(o->defines[i], '=');
        char name[128];
        if (!eq || eq == o->defines[i] || (size_t)(eq - o->defines[i]) >= sizeof(name)) {
            path_error(logs->errors, o->defines[i], "--define needs NAME=VALUE");
            continue;
        }
        memcpy(name, o->defines[i], (size_t)(eq - o->defines[i]));
        name[eq - o->defines[i]] = '\0';
        if (define_one(c, name, eq + 1) != ERROR_SUCCESS)
            path_error(logs->errors, o->defines[i], "could not define this external variable");
    }
    for (size_t i = 0; i < N_VARS; i++)
        if (!defined_by_user(o, per_object_vars[i]) &&
            yr_compiler_define_string_variable(c, per_object_vars[i], "") != ERROR_SUCCESS) {
            yr_compiler_destroy(c);
            return -ENOMEM;
        }
    *ret = c;
    return 0;
}

/* Remember a rule file and the sha256 of the bytes read (f at its start;
 * left there). A file that cannot be hashed is named with an empty
 * digest: the rules still load, the run record says so. */
static void add_input(ms_rules *rs, const char *kind, const char *path, FILE *f) {
    ms_rule_input *in = ms_xrealloc(rs->inputs, (rs->n_inputs + 1) * sizeof(*in));
    rs->inputs = in;
    in += rs->n_inputs++;
    *in = (ms_rule_input){.kind = kind, .path = ms_xstrdup(path)};
    int r = f ? ms_sha256_stream(f, in->sha256) : ms_sha256_file(path, in->sha256);
    if (r < 0)
        in->sha256[0] = '\0';
    if (f)
        rewind(f);
}

static int add_set(ms_rules *rs, YR_RULES *set, enum set_kind kind, const ms_options *o) {
    if (rs->n_sets >= MS_MAX_RULE_SETS) {
        yr_rules_destroy(set);
        return MS_E_USAGE;
    }
    rule_set *t = &rs->sets[rs->n_sets++];
    *t = (rule_set){.rules = set, .kind = kind};
    pthread_mutex_init(&t->lock, NULL);
    /* which per-object externals this set declares (and -d did not fix) */
    for (size_t i = 0; i < N_VARS; i++) {
        if (kind == SET_BUILTIN || defined_by_user(o, per_object_vars[i]))
            continue;
        for (const YR_EXTERNAL_VARIABLE *x = set->ext_vars_table; x && !EXTERNAL_VARIABLE_IS_NULL(x); x++)
            if (x->identifier && !strcmp(x->identifier, per_object_vars[i]) &&
                (x->type == EXTERNAL_VARIABLE_TYPE_STRING || x->type == EXTERNAL_VARIABLE_TYPE_MALLOC_STRING))
                t->vars |= 1u << i;
    }
    rs->n_rules += count_rules(set);
    return 0;
}

static int load_compiled(ms_rules *rs, const char *path, const ms_options *o, msglog *log) {
    YR_RULES *set = NULL;
    int e = yr_rules_load(path, &set);
    char msg[160];
    switch (e) {
    case ERROR_SUCCESS:
        add_input(rs, "compiled", path, NULL);
        return add_set(rs, set, SET_COMPILED, o);
    case ERROR_COULD_NOT_OPEN_FILE:
        path_error(log, path, errno ? strerror(errno) : "could not open");
        return 0;
    case ERROR_INSUFFICIENT_MEMORY:
        ms_oom(); /* alloc.h */
    case ERROR_UNSUPPORTED_FILE_VERSION:
        snprintf(msg, sizeof(msg),
                 "compiled rules of another YARA version: recompile them with yarac %s, or give the "
                 "sources with --rules", YR_VERSION);
        path_error(log, path, msg);
        return 0;
    default:
        path_error(log, path, "not a compiled YARA rules file (yarac output); rule sources go to --rules");
        return 0;
    }
}

/* The sources of a set being built, for ruleprune (see rule_set). */
typedef struct {
    ms_prune *prune;
    char **ns, **path;
    size_t n, user_first;
} srcset;

static void sources_add(srcset *q, const char *text, size_t len, const char *ns, const char *path) {
    if (!q->prune)
        q->prune = ms_prune_new();
    q->ns = ms_xrealloc(q->ns, (q->n + 1) * sizeof(*q->ns));
    q->path = ms_xrealloc(q->path, (q->n + 1) * sizeof(*q->path));
    q->ns[q->n] = ms_xstrdup(ns);
    q->path[q->n] = path ? ms_xstrdup(path) : NULL;
    q->n++;
    ms_prune_add(q->prune, text, len, ns);
}

/* The built-in sources, decoded from the binary, as the first file (the
 * user's come after): their text, owned by q's reader. */
static const char *sources_add_builtin(srcset *q) {
    char *t = ms_xmalloc(ms_builtin_source_size + 1);
    memcpy(t, ms_builtin_source, ms_builtin_source_size);
    ms_obscure((uint8_t *)t, ms_builtin_source_size, 0);
    t[ms_builtin_source_size] = '\0';
    sources_add(q, t, ms_builtin_source_size, "builtin", NULL);
    free(t);
    q->user_first = q->n;
    return ms_prune_source(q->prune, q->n - 1);
}

static void sources_free(srcset *q) {
    for (size_t i = 0; i < q->n; i++) {
        free(q->ns[i]);
        free(q->path[i]);
    }
    free(q->ns);
    free(q->path);
    ms_prune_free(q->prune);
    *q = (srcset){0};
}

/* the set just added takes the sources */
static void sources_give(ms_rules *rs, srcset *q) {
    rule_set *t = &rs->sets[rs->n_sets - 1];
    t->prune = q->prune;
    t->file_ns = q->ns;
    t->file_path = q->path;
    t->user_first = q->user_first;
    *q = (srcset){0};
}

/* A file's whole text (f at its start; left at its end). */
static char *read_all(FILE *f, size_t *ret_len) {
    size_t cap = 8192, n = 0, k;
    char *b = ms_xmalloc(cap);
    while ((k = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 == cap)
            b = ms_xrealloc(b, cap *= 2);
    }
    if (ferror(f)) {
        free(b);
        return NULL;
    }
    b[n] = '\0';
    *ret_len = n;
    return b;
}

/* Compile the sources into one rule set, after the built-in sources when
 * with_builtin (issue 12: one libyara pass over each object instead of
 * one per set; the built-in rules keep their namespace). libyara refuses
 * further files on a compiler that has seen an error, so after the first
 * bad file each of the others is compiled alone (same externals), only to
 * report its errors too: one run names every broken file. */
static int compile_sources(ms_rules *rs, const ms_options *o, const strlist *src, bool with_builtin,
                           msglog *errors, msglog *warnings) {
    YR_COMPILER *c = NULL;
    compile_logs logs = {errors, warnings};
    srcset q = {0};
    int r, before = errors->errors;
    if ((r = new_compiler(o, &logs, &c)) < 0)
        return r;
    bool broken = errors->errors > before;
    if (with_builtin && yr_compiler_add_string(c, sources_add_builtin(&q), "builtin") != 0)
        broken = true;
    for (size_t i = 0; i < src->n; i++) {
        FILE *f = fopen(src->v[i], "re");
        if (!f) {
            path_error(errors, src->v[i], strerror(errno));
            continue;
        }
        add_input(rs, "source", src->v[i], f);
        if (!broken) {
            int e0 = errors->errors;
            size_t len = 0;
            char *text = read_all(f, &len);
            rewind(f);
            yr_compiler_add_file(c, f, src->v[i], src->v[i]);
            broken = errors->errors > e0;
            if (text)
                sources_add(&q, text, len, src->v[i], src->v[i]);
            else
                path_error(errors, src->v[i], strerror(errno ? errno : EIO));
            free(text);
        } else {
            YR_COMPILER *alone = NULL;
            msglog ignored = {0};
            compile_logs only = {errors, &ignored};
            if ((r = new_compiler(o, &only, &alone)) == 0) {
                yr_compiler_add_file(alone, f, src->v[i], src->v[i]);
                yr_compiler_destroy(alone);
            }
            free(ignored.buf);
        }
        fclose(f);
        if (r < 0)
            break;
    }
    if (r == 0 && errors->errors == before) {
        YR_RULES *set = NULL;
        if (yr_compiler_get_rules(c, &set) != ERROR_SUCCESS)
            r = -ENOMEM;
        else if ((r = add_set(rs, set, SET_SOURCE, o)) == 0)
            sources_give(rs, &q);
    }
    sources_free(&q);
    yr_compiler_destroy(c);
    return r;
}

static int load_builtin(YR_RULES **ret) {
    memstream m = {.p = ms_builtin_rules, .len = ms_builtin_rules_size, .obscured = true};
    YR_STREAM st = {.user_data = &m, .read = memstream_read};
    int e = yr_rules_load_stream(&st, ret);
    if (e == ERROR_INSUFFICIENT_MEMORY)
        ms_oom(); /* alloc.h: not bad rules, no memory */
    return e == ERROR_SUCCESS ? 0 : MS_E_RULES;
}

int ms_rules_load(const ms_options *o, ms_rules **ret, char **ret_err) {
    ms_rules *rs = calloc(1, sizeof(*rs));
    msglog log = {0}, warnings = {0};
    strlist files = {0}, sources = {0};
    bool usage = false;
    int r = 0;

    if (!rs)
        return -ENOMEM;
    rs->o = o;
    const char *cut = getenv("MINERSCAN_RULE_CUT");
    rs->cut = !cut || !*cut ? CUT_WHEN_IT_PAYS : !strcmp(cut, "always") ? CUT_ALWAYS : CUT_OFF;
    for (size_t i = 0; i < o->n_rules; i++) {
        r = collect_rule_files(o->rules[i], &files, &log);
        if (r == MS_E_USAGE)
            usage = true;
        else if (r < 0)
            goto out;
    }
    r = 0;
    /* a compiled file given to --rules is loaded as compiled: users hand
     * yarac output to the option they know */
    strlist compiled = {0};
    for (size_t i = 0; i < files.n; i++) {
        strlist *to = is_compiled_file(files.v[i]) ? &compiled : &sources;
        if ((r = strlist_add(to, strdup(files.v[i]))) < 0) {
            strlist_free(&compiled);
            goto out;
        }
    }
    /* the built-in rules: compiled with the user's sources when there are
     * any (one libyara pass), else the blob compiled at build time; apart
     * too when a user file's namespace (its path) is theirs, "builtin" */
    bool join = sources.n > 0;
    for (size_t i = 0; i < sources.n; i++)
        join &= strcmp(sources.v[i], "builtin") != 0;
    if (!o->no_builtin_rules && !join) {
        YR_RULES *set = NULL;
        if (load_builtin(&set) < 0) {
            path_error(&log, "(built-in rules)", "could not load the compiled rules");
            r = MS_E_RULES;
        } else if ((r = add_set(rs, set, SET_BUILTIN, o)) == 0) {
            srcset q = {0};
            sources_add_builtin(&q);
            sources_give(rs, &q);
        }
    }
    for (size_t i = 0; r == 0 && i < o->n_compiled_rules; i++)
        r = load_compiled(rs, o->compiled_rules[i], o, &log);
    for (size_t i = 0; r == 0 && i < compiled.n; i++)
        r = load_compiled(rs, compiled.v[i], o, &log);
    strlist_free(&compiled);
    if (r < 0)
        goto out;
    if (sources.n > 0 && (r = compile_sources(rs, o, &sources, join && !o->no_builtin_rules, &log, &warnings)) < 0)
        goto out;
    if (o->fail_on_warnings && warnings.errors) {
        msglog_addf(&log, "%.*s(--fail-on-warnings: the warnings above are errors)",
                    (int)warnings.len, warnings.buf);
        log.errors++;
    }
    if (log.errors) {
        r = usage ? MS_E_USAGE : MS_E_RULES;
        goto out;
    }
    if (rs->n_rules == 0) {
        path_error(&log, "minerscan",
                   o->no_builtin_rules && !o->n_rules && !o->n_compiled_rules
                       ? "--no-builtin-rules leaves no rules: give --rules PATH or --compiled-rules FILE"
                       : "the rules given hold no rule to scan with");
        r = MS_E_USAGE;
        goto out;
    }
    rs->warnings = warnings.buf;
    warnings.buf = NULL;
    *ret = rs;
    rs = NULL;
out:
    if (r < 0 && ret_err)
        *ret_err = log.buf, log.buf = NULL;
    free(log.buf);
    free(warnings.buf);
    strlist_free(&files);
    strlist_free(&sources);
    ms_rules_free(rs);
    return r;
}

void ms_rules_free(ms_rules *r) {
    if (!r)
        return;
    for (size_t i = 0; i < r->n_sets; i++) {
        rule_set *t = &r->sets[i];
        for (size_t k = 0; k < MS_CUT_KEYS; k++) {
            if (t->owned[k])
                yr_rules_destroy(t->cut[k]);
            free(t->off[k]);
        }
        if (t->rules)
            yr_rules_destroy(t->rules);
        for (size_t f = 0; t->prune && f < ms_prune_files(t->prune); f++) {
            free(t->file_ns[f]);
            free(t->file_path[f]);
        }
        free(t->file_ns);
        free(t->file_path);
        ms_prune_free(t->prune);
        for (size_t k = 0; k < MS_CLASS_KEYS; k++)
            prefilter_free(t->pre[k]);
        pthread_mutex_destroy(&t->lock);
    }
    free(r->warnings);
    for (size_t i = 0; i < r->n_inputs; i++)
        free((char *)r->inputs[i].path);
    free(r->inputs);
    free(r);
}

size_t ms_rules_inputs(const ms_rules *r, const ms_rule_input **ret) {
    *ret = r->inputs;
    return r->n_inputs;
}

bool ms_rules_use_object_vars(const ms_rules *r) {
    for (size_t i = 0; i < r->n_sets; i++)
        if (r->sets[i].vars)
            return true;
    return false;
}

size_t ms_rules_cut_sets(ms_rules *r) {
    size_t n = 0;
    for (size_t i = 0; i < r->n_sets; i++) {
        pthread_mutex_lock(&r->sets[i].lock);
        for (size_t k = 0; k < MS_CUT_KEYS; k++)
            n += r->sets[i].owned[k];
        pthread_mutex_unlock(&r->sets[i].lock);
    }
    return n;
}

uint64_t ms_rules_absent_scans(const ms_rules *r) {
    return __atomic_load_n(&r->absent_scans, __ATOMIC_RELAXED);
}

uint64_t ms_rules_clean_skips(const ms_rules *r) {
    return __atomic_load_n(&r->clean_skips, __ATOMIC_RELAXED);
}

size_t ms_rules_count(const ms_rules *r) {
    return r->n_rules;
}

const char *ms_rules_warnings(const ms_rules *r) {
    return r->warnings;
}

/* Compile the set's files from first on again, each cut where off says
 * (NULL: as they are). NULL when libyara refuses the result. */
static YR_RULES *compile_again(const ms_rules *rs, const rule_set *t, const uint8_t *off, size_t first) {
    msglog errors = {0}, warnings = {0};
    compile_logs logs = {&errors, &warnings};
    YR_COMPILER *c = NULL;
    YR_RULES *set = NULL;
    if (new_compiler(rs->o, &logs, &c) < 0)
        return NULL;
    for (size_t i = first; !errors.errors && i < ms_prune_files(t->prune); i++) {
        char *text = off ? ms_prune_text(t->prune, i, off) : NULL;
        if (text || ms_prune_followed(t->prune, i) || !t->file_path[i]) {
            /* a file the reader followed has no include: its text is the file */
            yr_compiler_add_string(c, text ? text : ms_prune_source(t->prune, i), t->file_ns[i]);
        } else {
            /* includes resolve from the file's directory */
            FILE *f = fopen(t->file_path[i], "re");
            if (!f)
                errors.errors++;
            else {
                yr_compiler_add_file(c, f, t->file_ns[i], t->file_path[i]);
                fclose(f);
            }
        }
        free(text);
    }
    if (!errors.errors && yr_compiler_get_rules(c, &set) != ERROR_SUCCESS)
        set = NULL;
    yr_compiler_destroy(c);
    free(errors.buf);
    free(warnings.buf);
    return set;
}

int ms_rules_save(const ms_rules *r, const char *path) {
    for (size_t i = 0; i < r->n_sets; i++) {
        const rule_set *t = &r->sets[i];
        if (t->kind != SET_SOURCE)
            continue;
        if (!t->prune || t->user_first == 0)
            return yr_rules_save(t->rules, path) == ERROR_SUCCESS ? 0 : MS_E_RULES;
        /* the user's files only: the built-in rules were compiled with them */
        YR_RULES *own = compile_again(r, t, NULL, t->user_first);
        if (!own)
            return MS_E_RULES;
        int e = yr_rules_save(own, path);
        yr_rules_destroy(own);
        return e == ERROR_SUCCESS ? 0 : MS_E_RULES;
    }
    return MS_E_USAGE;
}

/* ---- cut sets (issue 12, ruleprune.h) ---- */

/* The set to scan an object of class key with: the rules cut to what can
 * match the class, compiled once and shared by the workers, or the whole
 * set (the hits are the same either way). Key MS_ABSENT_KEY is the class
 * of objects holding none of the set's strings (stored members, sigscan.h).
 *
 * A cut set costs a compile (about 0.17 ms per rule: half a second for
 * 3000) and saves libyara time in proportion to the rules cut, the bytes
 * and the objects of the class (measured on this machine: 0.6 ns per
 * rule per MB, 50 ns per rule per object). So a class is decided at its
 * first object (cheap: ruleprune reads no bytes) and compiled once its
 * work (bytes + MS_CUT_OBJECT_WORK per object) reaches
 * MS_CUT_WORK x (rules / rules cut): a few files never pay for it. */
#define MS_CUT_WORK (256ull << 20)
#define MS_CUT_OBJECT_WORK (80u << 10)

static YR_RULES *cut_rules(ms_rules *rs, rule_set *t, unsigned key, size_t size) {
    if (!t->prune || rs->cut == CUT_OFF)
        return t->rules;
    YR_RULES *r = __atomic_load_n(&t->cut[key], __ATOMIC_ACQUIRE);
    if (r)
        return r;
    uint64_t work = __atomic_add_fetch(&t->seen[key], (uint64_t)size + MS_CUT_OBJECT_WORK, __ATOMIC_RELAXED);
    if (work < __atomic_load_n(&t->need[key], __ATOMIC_RELAXED))
        return t->rules;
    /* another worker is deciding or compiling: this object takes the
     * whole set rather than wait */
    if (pthread_mutex_trylock(&t->lock) != 0)
        return t->rules;
    size_t n = ms_prune_rules(t->prune);
    if (!t->cut[key] && !t->off[key]) {
        t->off[key] = ms_xcalloc(n ? n : 1, 1);
        size_t ncut = key == MS_ABSENT_KEY ? ms_prune_decide_absent(t->prune, t->off[key])
                      : ms_prune_decide(t->prune, (ms_head)(key / MS_PRUNE_SIZES),
                                        ms_prune_sizes[key % MS_PRUNE_SIZES], t->off[key]);
        if (ncut == 0)
            __atomic_store_n(&t->cut[key], t->rules, __ATOMIC_RELEASE);
        else if (rs->cut == CUT_WHEN_IT_PAYS)
            __atomic_store_n(&t->need[key], (uint64_t)((double)MS_CUT_WORK * (double)n / (double)ncut),
                             __ATOMIC_RELAXED);
    }
    if (!t->cut[key] && work >= t->need[key]) {
        /* another class may cut the same rules: one compiled set */
        for (size_t k = 0; k < MS_CUT_KEYS && !r; k++)
            if (k != key && t->owned[k] && !memcmp(t->off[k], t->off[key], n))
                r = t->cut[k];
        if (!r && (r = compile_again(rs, t, t->off[key], 0)))
            t->owned[key] = true;
        if (!r)
            r = t->rules; /* libyara refused the cut text: the whole set, same hits */
        __atomic_store_n(&t->cut[key], r, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&t->lock);
    return r ? r : t->rules;
}

/* ---- the prefilter (issue 12, litscan.h) ---- */

static void add_literal(void *ud, const uint8_t *l, size_t n, bool nocase, size_t set) {
    /* rulelits.h bounds every literal inside litscan.h's */
    if (!ms_litscan_add(ud, l, n, nocase, (uint32_t)set))
        abort();
}

/* The prefilter of class key: the literals of the rules the class keeps
 * (ms_prune_decide), when some presence of them leaves the set nothing to
 * report (ms_prune_class_quiet); NULL otherwise. */
static struct prefilter *make_prefilter(const rule_set *t, unsigned key) {
    const ms_prune *p = t->prune;
    ms_head head = (ms_head)(key / MS_PRUNE_SIZES);
    uint64_t min = ms_prune_sizes[key % MS_PRUNE_SIZES];
    size_t n = ms_prune_rules(p);
    if (!ms_prune_complete(p))
        return NULL; /* rules the reader does not know */
    struct prefilter *f = ms_xcalloc(1, sizeof(*f));
    f->rules = ms_prune_class_new(p, head, min);
    f->sets = ms_prune_lit_sets(p);
    uint8_t *none = ms_xcalloc(f->sets ? f->sets : 1, 1);
    bool useful = ms_prune_class_quiet(f->rules, none);
    free(none);
    if (!useful) {
        prefilter_free(f);
        return NULL;
    }
    uint8_t *off = ms_xcalloc(n ? n : 1, 1);
    ms_prune_decide(p, head, min, off);
    f->lits = ms_litscan_new();
    for (size_t i = 0; i < n; i++)
        if (!off[i])
            ms_prune_literals(p, i, add_literal, f->lits);
    ms_litscan_seal(f->lits);
    free(off);
    return f;
}

/* The prefilter of set t for class key (make_prefilter), decided at the
 * class's first object; NULL while another worker holds the set's lock
 * (the object is scanned as without one) */
static struct prefilter *prefilter(ms_rules *rs, rule_set *t, unsigned key) {
    if (!t->prune || rs->cut == CUT_OFF)
        return NULL;
    if (__atomic_load_n(&t->pre_done[key], __ATOMIC_ACQUIRE))
        return t->pre[key];
    if (pthread_mutex_trylock(&t->lock) != 0)
        return NULL;
    if (!t->pre_done[key]) {
        t->pre[key] = make_prefilter(t, key);
        __atomic_store_n(&t->pre_done[key], true, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&t->lock);
    return t->pre[key];
}

int ms_rules_builtin_version(char digest[65], size_t *ret_count) {
    ms_digests want = {0}, got;
    ms_digest_ctx *c = NULL;
    uint8_t chunk[4096];
    YR_RULES *set = NULL;
    int r;
    if ((r = ms_digest_begin(&want, &c)) < 0)
        return r;
    for (size_t off = 0; off < ms_builtin_rules_size; off += sizeof(chunk)) {
        size_t n = ms_builtin_rules_size - off < sizeof(chunk) ? ms_builtin_rules_size - off : sizeof(chunk);
        memcpy(chunk, ms_builtin_rules + off, n);
        ms_obscure(chunk, n, off);
        if ((r = ms_digest_update(c, chunk, n)) < 0) {
            ms_digest_abandon(c);
            return r;
        }
    }
    if ((r = ms_digest_end(c, &got)) < 0)
        return r;
    if ((r = load_builtin(&set)) < 0)
        return r;
    *ret_count = count_rules(set);
    yr_rules_destroy(set);
    memcpy(digest, got.sha256, 65);
    return 0;
}

/* Copy what a rule says into h: the four named fields (see sigscan.h),
 * every metadata entry and the tags. The strings point into libyara's
 * rules, which outlive the hit until ms_verdict_add_rule copies it; metas
 * and tags are arrays of rule_info. */
struct rule_info {
    ms_rule_meta metas[MS_RULE_METAS_MAX];
    char *tags[MS_RULE_TAGS_MAX];
    char family[64], category[64];
    ms_string_match matches[MS_MATCHES_MAX];
};

/* Elastic's threat_name is PLATFORM.CATEGORY.FAMILY
 * ("Linux.Cryptominer.Xmrig"): part k (0-based) of three or more, in lower
 * case; false when the name has fewer parts or the part does not fit. */
static bool threat_part(const char *t, int k, char *out, size_t cap) {
    const char *part[8];
    size_t len[8], n = 0;
    for (const char *p = t; n < 8;) {
        part[n] = p;
        len[n] = strcspn(p, ".");
        p += len[n];
        n++;
        if (!*p)
            break;
        p++;
    }
    if (n < 3)
        return false;
    size_t i = k == 2 ? n - 1 : (size_t)k;
    if (len[i] == 0 || len[i] >= cap)
        return false;
    for (size_t j = 0; j < len[i]; j++)
        out[j] = (char)tolower((unsigned char)part[i][j]);
    out[len[i]] = '\0';
    return true;
}

static void rule_meta(const YR_RULE *rule, ms_rule_hit *h, rule_info *ri) {
    const YR_META *meta;
    const char *family = NULL, *alt_family = NULL, *threat = NULL;
    h->family = h->category = h->severity = h->description = "";
    h->metas = ri->metas;
    h->tags = ri->tags;
    yr_rule_metas_foreach(rule, meta) {
        if (h->n_metas < MS_RULE_METAS_MAX) {
            ms_rule_meta *m = &ri->metas[h->n_metas++];
            m->key = (char *)meta->identifier;
            m->type = meta->type == META_TYPE_STRING ? MS_META_STRING
                      : meta->type == META_TYPE_BOOLEAN ? MS_META_BOOL
                                                        : MS_META_INT;
            m->str = meta->type == META_TYPE_STRING ? (char *)meta->string : NULL;
            m->num = meta->integer;
        }
        if (meta->type != META_TYPE_STRING)
            continue;
        if (!strcmp(meta->identifier, "family"))
            family = meta->string;
        else if (!alt_family && (!strcmp(meta->identifier, "malware_family") || !strcmp(meta->identifier, "malware")))
            alt_family = meta->string;
        else if (!strcmp(meta->identifier, "threat_name"))
            threat = meta->string;
        else if (!strcmp(meta->identifier, "category"))
            h->category = (char *)meta->string;
        else if (!strcmp(meta->identifier, "severity"))
            h->severity = (char *)meta->string;
        else if (!strcmp(meta->identifier, "description"))
            h->description = (char *)meta->string;
    }
    if (family && *family)
        h->family = (char *)family;
    else if (alt_family && *alt_family)
        h->family = (char *)alt_family;
    else if (threat && threat_part(threat, 2, ri->family, sizeof(ri->family)))
        h->family = ri->family;
    if (!*h->category && threat && threat_part(threat, 1, ri->category, sizeof(ri->category)))
        h->category = ri->category;
    const char *tag;
    yr_rule_tags_foreach(rule, tag) {
        if (h->n_tags < MS_RULE_TAGS_MAX)
            ri->tags[h->n_tags++] = (char *)tag;
    }
}

static const char *ns_name(const YR_RULE *rule) {
    return rule->ns && rule->ns->name ? rule->ns->name : "";
}

int ms_rules_foreach(const ms_rules *r, ms_rule_fn fn, void *ud) {
    rule_info *ri = malloc(sizeof(*ri));
    int k = 0;
    if (!ri)
        return -ENOMEM;
    for (size_t i = 0; i < r->n_sets && k == 0; i++) {
        const YR_RULE *rule;
        yr_rules_foreach(r->sets[i].rules, rule) {
            if (RULE_IS_PRIVATE(rule)) /* a building block of other rules */
                continue;
            ms_rule_hit h = {.rule = (char *)rule->identifier, .ns = (char *)ns_name(rule)};
            rule_meta(rule, &h, ri);
            k = fn(ud, &h);
            if (k != 0)
                break;
        }
    }
    free(ri);
    return k < 0 ? k : 0;
}

/* ---- scanning ---- */

/* A scanner over rules, as every scanner of a worker is set up. */
static YR_SCANNER *new_scanner(YR_RULES *rules, int timeout) {
    YR_SCANNER *sc = NULL;
    int ce = yr_scanner_create(rules, &sc);
    if (ce == ERROR_INSUFFICIENT_MEMORY)
        ms_oom(); /* alloc.h */
    if (ce != ERROR_SUCCESS)
        return NULL;
    /* libyara 4.2 does not check these callocs of yr_scanner_create:
     * one that fails leaves NULL and the first scan writes through it
     * (the allocation-failure sweep of tests/test_harden.c) */
    if (!sc->rule_matches_flags || !sc->ns_unsatisfied_flags || !sc->strings_temp_disabled || !sc->matches ||
        !sc->unconfirmed_matches)
        ms_oom();
    yr_scanner_set_timeout(sc, timeout);
    yr_scanner_set_flags(sc, SCAN_FLAGS_REPORT_RULES_MATCHING);
    return sc;
}

int ms_sigscan_new(ms_rules *rs, unsigned timeout_s, ms_sigscan **ret) {
    ms_sigscan *s = calloc(1, sizeof(*s));
    if (!s || !(s->ri = malloc(sizeof(*s->ri)))) {
        free(s);
        return -ENOMEM;
    }
    s->rs = rs;
    s->timeout = (int)timeout_s;
    for (size_t i = 0; i < rs->n_sets; i++) {
        if (!(s->scanners[i] = new_scanner(rs->sets[i].rules, s->timeout))) {
            ms_sigscan_free(s);
            return MS_E_YARA;
        }
        s->vars[i] = rs->sets[i].vars;
        s->n++;
    }
    *ret = s;
    return 0;
}

/* The scanner of set i for an object of class key (cut_rules). */
static YR_SCANNER *scanner_for(ms_sigscan *s, size_t i, unsigned key, size_t size) {
    rule_set *t = &s->rs->sets[i];
    YR_RULES *r = cut_rules(s->rs, t, key, size);
    if (r == t->rules)
        return s->scanners[i];
    if (!s->cut[i][key] && !(s->cut[i][key] = new_scanner(r, s->timeout)))
        return s->scanners[i];
    return s->cut[i][key];
}

void ms_sigscan_free(ms_sigscan *s) {
    if (!s)
        return;
    ms_absence_free(s->abs);
    for (size_t i = 0; i < s->n; i++) {
        yr_scanner_destroy(s->scanners[i]);
        for (size_t k = 0; k < MS_CUT_KEYS; k++)
            if (s->cut[i][k])
                yr_scanner_destroy(s->cut[i][k]);
    }
    for (size_t i = 0; i < N_VARS; i++)
        free(s->val[i]);
    free(s->ri);
    free(s);
}

/* THOR-style file types (sigscan.h). */
static const char *thor_filetype(ms_class cls, const char *format) {
    switch (cls) {
    case MS_CLASS_PE:
        return "EXE";
    case MS_CLASS_ELF:
        return "ELF";
    case MS_CLASS_MACHO:
        return "MACHO";
    case MS_CLASS_SCRIPT:
        return "SCRIPT";
    case MS_CLASS_CONFIG:
        return "CONFIG";
    case MS_CLASS_ARCHIVE:
        return format ? format : "ARCHIVE";
    default:
        return "";
    }
}

static void set_val(ms_sigscan *s, int i, const char *p, size_t n) {
    free(s->val[i]);
    s->val[i] = ms_xmemdup0(p, n);
}

/* owner: looked up only when a rule set declares it, and cached (a walk
 * meets few owners; an NSS look-up per file would read /etc/passwd per
 * file). */
static void owner_name(ms_sigscan *s, int64_t uid) {
    bool wanted = false;
    for (size_t i = 0; i < s->n; i++)
        wanted |= (s->vars[i] & (1u << 4)) != 0;
    if (!wanted || uid < 0) {
        set_val(s, 4, "", 0);
        return;
    }
    if (s->val[4] && s->owner_uid == uid)
        return;
    char buf[1024], name[64];
    struct passwd pw, *res = NULL;
    if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res && res->pw_name)
        snprintf(name, sizeof(name), "%s", res->pw_name);
    else
        snprintf(name, sizeof(name), "%lld", (long long)uid);
    set_val(s, 4, name, strlen(name));
    s->owner_uid = uid;
}

void ms_sigscan_set_object(ms_sigscan *s, const ms_sig_object *ob) {
    s->want_spans = ob->spans;
    s->cancel = ob->cancel;
    s->absent_sets = ob->absent;
    const char *p = ob->path ? ob->path : "";
    size_t n = ob->path ? ob->path_len : 0, base = n;
    /* a member's own name: after the last '/' or '!' */
    while (base > 0 && p[base - 1] != '/' && p[base - 1] != '!')
        base--;
    size_t dir = base > 0 ? base - 1 : 0;
    set_val(s, 0, p + base, n - base);
    set_val(s, 1, p, dir);
    const char *dot = NULL;
    for (size_t i = base; i < n; i++)
        if (p[i] == '.')
            dot = p + i;
    set_val(s, 2, dot && dot > p + base ? dot : "", dot && dot > p + base ? (size_t)(p + n - dot) : 0);
    for (char *c = s->val[2]; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    const char *ft = thor_filetype(ob->cls, ob->format);
    set_val(s, 3, ft, strlen(ft));
    for (char *c = s->val[3]; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    owner_name(s, ob->uid);
}

/* The first MS_MATCHES_MAX non-private matches of rule, by offset. */
static void collect_matches(YR_SCAN_CONTEXT *ctx, YR_RULE *rule, ms_rule_hit *h, rule_info *ri) {
    YR_STRING *string;
    h->matches = ri->matches;
    yr_rule_strings_foreach(rule, string) {
        /* libyara 4.2 allocates YR_MATCH from its notebook without
         * alignment; copy each one out instead of dereferencing it. */
        const YR_MATCH *mp = ctx->matches[string->idx].head;
        while (mp) {
            YR_MATCH match;
            memcpy(&match, mp, sizeof(match));
            uint64_t off = (uint64_t)(match.base + match.offset);
            if (!h->has_match || off < h->offset) {
                h->offset = off;
                h->length = (uint64_t)match.match_length;
                h->has_match = true;
            }
            mp = match.next;
            if (match.is_private)
                continue;
            h->matches_total++;
            /* insertion into a sorted, bounded array */
            size_t k = h->n_matches;
            if (k == MS_MATCHES_MAX) {
                if (off >= ri->matches[k - 1].offset)
                    continue;
                k--;
            } else {
                h->n_matches++;
            }
            while (k > 0 && ri->matches[k - 1].offset > off) {
                ri->matches[k] = ri->matches[k - 1];
                k--;
            }
            size_t dl = match.data_length > 0 ? (size_t)match.data_length : 0;
            ri->matches[k] = (ms_string_match){
                .id = (char *)string->identifier, .offset = off, .length = (uint64_t)match.match_length,
                .data = (uint8_t *)match.data, .data_len = dl < MS_MATCH_DATA_MAX ? dl : MS_MATCH_DATA_MAX};
        }
    }
}

/* Every match of every string of the scan's set, confirmed or not (a
 * chained string's parts), into sp. */
static void collect_spans(YR_SCAN_CONTEXT *ctx, spans *sp) {
    for (int pass = 0; pass < 2 && sp->ok; pass++) {
        const YR_MATCHES *ms = pass ? ctx->unconfirmed_matches : ctx->matches;
        for (uint32_t k = 0; k < ctx->rules->num_strings && sp->ok; k++) {
            for (const YR_MATCH *mp = ms[k].head; mp;) {
                YR_MATCH m;
                memcpy(&m, mp, sizeof(m)); /* unaligned in libyara 4.2's notebook */
                if (sp->n == MS_SPANS_MAX) {
                    sp->ok = false; /* bounded memory: the members are scanned whole */
                    break;
                }
                if (sp->n == sp->cap) {
                    sp->cap = sp->cap ? sp->cap * 2 : 64;
                    sp->v = ms_xrealloc(sp->v, sp->cap * 2 * sizeof(*sp->v));
                }
                uint64_t at = (uint64_t)(m.base + m.offset);
                sp->v[2 * sp->n] = at;
                sp->v[2 * sp->n + 1] = at + (m.match_length > 0 ? (uint64_t)m.match_length : 1);
                sp->n++;
                mp = m.next;
            }
        }
    }
}

static int on_scan(YR_SCAN_CONTEXT *ctx, int message, void *data, void *ud) {
    ms_sigscan *s = ud;
    if (s->cur_spans && message == CALLBACK_MSG_TOO_MANY_MATCHES)
        s->cur_spans->too_many = true; /* libyara stopped recording that string */
    if (s->cur_spans && message == CALLBACK_MSG_SCAN_FINISHED && !s->cur_spans->too_many &&
        !(s->cut_short && *s->cut_short)) {
        /* only a scan that got here has all its matches */
        s->cur_spans->ok = true;
        collect_spans(ctx, s->cur_spans);
    }
    if (message != CALLBACK_MSG_RULE_MATCHING)
        return CALLBACK_CONTINUE;
    /* a scan cut short at a window saw part of the object: its conditions
     * (a `not $x`, a count) do not speak for the whole */
    if (s->cut_short && *s->cut_short)
        return CALLBACK_CONTINUE;
    YR_RULE *rule = data;
    ms_rule_hit h = {.rule = (char *)rule->identifier, .ns = (char *)ns_name(rule)};
    rule_meta(rule, &h, s->ri);
    collect_matches(ctx, rule, &h, s->ri);
    ms_verdict_add_rule(s->cur, &h);
    return CALLBACK_CONTINUE;
}

/* The externals of set i for the current object. */
static void define_vars(ms_sigscan *s, size_t i, YR_SCANNER *sc) {
    for (size_t k = 0; k < N_VARS; k++)
        if (s->vars[i] & (1u << k))
            yr_scanner_define_string_variable(sc, per_object_vars[k], s->val[k] ? s->val[k] : "");
}

/* The blocks of a windowed scan: [k*window, k*window + window + overlap),
 * each fetched as it is reached; the one before is given back to the
 * caller (its release hook) since no string match needs it any more.
 * The run's stop ends the sweep before the next block (stopped). */
typedef struct windows {
    YR_MEMORY_BLOCK block;
    const uint8_t *data;
    size_t size, window, overlap;
    uint64_t next;       /* base of the next block */
    ms_release_fn release;
    void *ud;
    const ms_cancel *cancel;
    bool stopped;
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
    if (ms_cancelled(w->cancel)) {
        w->stopped = true;
        return NULL;
    }
    return win_at(w, w->next);
}

static uint64_t win_size(YR_MEMORY_BLOCK_ITERATOR *it) {
    return ((windows *)it->context)->size;
}

/* The literal search goes in steps, from MS_PRE_STEP bytes doubling up
 * to MS_PRE_STEP_MAX: between two it ends once the set may report (a
 * literal seen stays seen, so the rest cannot make the object quiet
 * again), or when the run stops. A small object is one step. */
#define MS_PRE_STEP ((size_t)64 << 10)
#define MS_PRE_STEP_MAX ((size_t)4 << 20)

enum pre_result { PRE_QUIET, PRE_LOUD, PRE_STOPPED };

/* Has set t nothing to report on the object, given which of its
 * literals occur in it (f)? *searched: the bytes searched to decide. In
 * windows, each window's pages are given back once searched past, as the
 * scan does. */
static enum pre_result quiet_object(const struct prefilter *f, const windows *w, bool blocks,
                                    uint64_t *searched) {
    uint8_t *seen = ms_xcalloc(f->sets ? f->sets : 1, 1);
    enum pre_result r = PRE_QUIET;
    size_t step = MS_PRE_STEP;
    uint64_t at = 0, released = 0;
    /* literal sets newly seen since the set was last asked: none, no
     * change (and with none seen at all the set is quiet: prefilter()) */
    size_t fresh = 0;
    while (at < w->size) {
        size_t n = w->size - at < step ? (size_t)(w->size - at) : step;
        /* a literal that starts in this step ends in the next
         * MS_LITSCAN_MAX - 1 bytes (it is found again from there, once) */
        size_t len = w->size - at < n + MS_LITSCAN_MAX - 1 ? (size_t)(w->size - at) : n + MS_LITSCAN_MAX - 1;
        fresh += ms_litscan_find(f->lits, w->data + at, len, seen);
        at += n;
        for (; blocks && w->release && released + w->window <= at; released += w->window)
            w->release(w->ud, released, w->window);
        if (at == w->size)
            break;
        if (ms_cancelled(w->cancel)) {
            r = PRE_STOPPED;
            break;
        }
        if (fresh && !ms_prune_class_quiet(f->rules, seen)) {
            r = PRE_LOUD;
            break;
        }
        fresh = 0;
        if (step < MS_PRE_STEP_MAX)
            step *= 2;
    }
    if (r == PRE_QUIET && fresh && !ms_prune_class_quiet(f->rules, seen))
        r = PRE_LOUD;
    /* the last, partial window of a quiet object: no scan comes after */
    for (; r == PRE_QUIET && blocks && w->release && released < w->size; released += w->window)
        w->release(w->ud, released, w->window);
    free(seen);
    *searched = at;
    return r;
}

/* The search costs a seventh to a fifth of libyara's pass over the same
 * bytes (bench machine, the largest libraries: 0.5 ns a byte against
 * about 3.6 with the built-in rules; 1.3 against about 6 with 3000
 * generated ones; text costs it three times more): it pays while it
 * spares libyara a third of the bytes it searched or more. A class tries
 * it on its first MS_PRE_TRIAL bytes searched and its first
 * MS_PRE_TRIAL_OBJECTS objects; once it stops paying it is not tried
 * again. Objects as well as bytes: the largest
 * class holds few objects, and one loud 100 MB program first (node, in
 * /usr/bin) must not decide for the libraries after it (libLLVM, quiet:
 * 0.8 s of libyara when the class gave up after node alone).
 * MINERSCAN_RULE_CUT=always always searches (the tests). */
#define MS_PRE_TRIAL (16ull << 20)
#define MS_PRE_TRIAL_OBJECTS 8

static bool prefilter_pays(const ms_rules *rs, const struct prefilter *f) {
    uint64_t tried = __atomic_load_n(&f->tried, __ATOMIC_RELAXED);
    return rs->cut == CUT_ALWAYS || tried < MS_PRE_TRIAL ||
           __atomic_load_n(&f->tried_objects, __ATOMIC_RELAXED) < MS_PRE_TRIAL_OBJECTS ||
           __atomic_load_n(&f->spared, __ATOMIC_RELAXED) * 3 >= tried;
}

static int scan_one(YR_SCANNER *sc, const uint8_t *data, size_t size, windows *w) {
    if (!w)
        return yr_scanner_scan_mem(sc, data, size);
    YR_MEMORY_BLOCK_ITERATOR it = {.context = w, .first = win_first, .next = win_next,
                                   .file_size = win_size};
    w->block = (YR_MEMORY_BLOCK){.context = w, .fetch_data = win_fetch};
    return yr_scanner_scan_mem_blocks(sc, &it);
}

int ms_sigscan_scan_windows(ms_sigscan *s, const uint8_t *data, size_t size, size_t window, size_t overlap,
                            ms_release_fn release, void *ud, ms_verdict *v) {
    int r = 0;
    windows w = {.data = data, .size = size, .window = window, .overlap = overlap, .release = release,
                 .ud = ud, .cancel = s->cancel};
    bool blocks = window && size > window;
    s->cur = v;
    s->cb_error = 0;
    /* the object's class: what its first bytes are, how big it is */
    unsigned key = (unsigned)ms_head_of(data, size) * MS_PRUNE_SIZES + ms_prune_size_class(size);
    /* spans are collected from a set that searched every string an absent
     * member may hold: the whole set, or its absent set when this object is
     * absent itself (its cut rules' strings are known absent from all of
     * it); in windows, they speak only for members inside one window's
     * block (a match across two blocks past their overlap is not found) */
    bool want_spans = s->want_spans;
    unsigned absent_sets = s->absent_sets;
    s->want_spans = false; /* the next object's, set again with it */
    s->absent_sets = 0;
    ms_absence_free(s->abs);
    s->abs = want_spans ? ms_xcalloc(1, sizeof(*s->abs)) : NULL;
    if (s->abs) {
        s->abs->n_sets = s->n;
        s->abs->window = blocks ? window : 0;
        s->abs->overlap = overlap;
        s->abs->size = size;
    }
    for (size_t i = 0; i < s->n; i++) {
        /* none of the literals the set needs to report on the class: no
         * scan (an object collecting spans is scanned for every string) */
        struct prefilter *pre = want_spans ? NULL : prefilter(s->rs, &s->rs->sets[i], key);
        if (pre && prefilter_pays(s->rs, pre)) {
            uint64_t searched = 0;
            enum pre_result q = quiet_object(pre, &w, blocks, &searched);
            __atomic_add_fetch(&pre->tried, searched, __ATOMIC_RELAXED);
            __atomic_add_fetch(&pre->tried_objects, 1, __ATOMIC_RELAXED);
            if (q == PRE_STOPPED) {
                r = MS_E_INTERRUPTED;
                break;
            }
            if (q == PRE_QUIET) {
                __atomic_add_fetch(&pre->spared, (uint64_t)size, __ATOMIC_RELAXED);
                __atomic_add_fetch(&s->rs->clean_skips, 1, __ATOMIC_RELAXED);
                continue;
            }
        }
        /* the absent set, once it pays (the whole set until then), or the
         * whole set for spans, or the class's cut set */
        YR_SCANNER *sc;
        if (i < MS_ABSENT_SETS && (absent_sets & (1u << i))) {
            sc = scanner_for(s, i, MS_ABSENT_KEY, size);
            if (sc != s->scanners[i])
                __atomic_add_fetch(&s->rs->absent_scans, 1, __ATOMIC_RELAXED);
        } else if (want_spans) {
            sc = s->scanners[i];
        } else {
            sc = scanner_for(s, i, key, size);
        }
        yr_scanner_set_callback(sc, on_scan, s);
        define_vars(s, i, sc);
        s->cur_spans = s->abs ? &s->abs->set[i] : NULL;
        s->cut_short = blocks ? &w.stopped : NULL;
        w.stopped = false;
        int e = scan_one(sc, data, size, blocks ? &w : NULL);
        if (s->cur_spans && e != ERROR_SUCCESS)
            s->cur_spans->ok = false;
        s->cur_spans = NULL;
        s->cut_short = NULL;
        if (s->cb_error) {
            r = s->cb_error;
            break;
        }
        if (w.stopped) {
            r = MS_E_INTERRUPTED;
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

static int cmp_span(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

ms_absence *ms_sigscan_take_absence(ms_sigscan *s) {
    ms_absence *a = s->abs;
    s->abs = NULL;
    for (size_t i = 0; a && i < a->n_sets; i++) {
        spans *sp = &a->set[i];
        if (!sp->ok || sp->n == 0)
            continue;
        /* sorted by start, then merged: disjoint and in order */
        qsort(sp->v, sp->n, 2 * sizeof(*sp->v), cmp_span);
        size_t k = 0;
        for (size_t j = 1; j < sp->n; j++) {
            if (sp->v[2 * j] <= sp->v[2 * k + 1]) {
                if (sp->v[2 * j + 1] > sp->v[2 * k + 1])
                    sp->v[2 * k + 1] = sp->v[2 * j + 1];
            } else {
                k++;
                sp->v[2 * k] = sp->v[2 * j];
                sp->v[2 * k + 1] = sp->v[2 * j + 1];
            }
        }
        sp->n = k + 1;
    }
    return a;
}

unsigned ms_absence_of(const ms_absence *a, uint64_t off, uint64_t len) {
    unsigned bits = 0;
    if (!a || off > a->size || len > a->size - off)
        return 0;
    if (a->window) {
        /* inside the block that starts at or before it (blocks start at
         * each multiple of window and run overlap bytes further) */
        uint64_t start = off / a->window * a->window;
        if (off + len > start + a->window + a->overlap)
            return 0;
    }
    for (size_t i = 0; a && i < a->n_sets && i < MS_ABSENT_SETS && len > 0; i++) {
        const spans *sp = &a->set[i];
        if (!sp->ok)
            continue;
        /* the first span that ends after off: absent unless it starts
         * before off + len */
        size_t lo = 0, hi = sp->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (sp->v[2 * mid + 1] <= off)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == sp->n || sp->v[2 * lo] >= off + len)
            bits |= 1u << i;
    }
    return bits;
}

void ms_absence_free(ms_absence *a) {
    if (!a)
        return;
    for (size_t i = 0; i < a->n_sets; i++)
        free(a->set[i].v);
    free(a);
}

int ms_sigscan_scan(ms_sigscan *s, const uint8_t *data, size_t size, ms_verdict *v) {
    return ms_sigscan_scan_windows(s, data, size, 0, 0, NULL, NULL, v);
}
