/*
 * script_score.c - tokens, features and the compiled-in logistic model for
 * scripts (script_score.h).
 *
 * The vocabulary below is what droppers do, written as the tokens a
 * shell, Python, Perl or PowerShell script spells them with (facts from the
 * public dropper write-ups quoted in signatures/dropper_behaviour.yar).
 * Every entry has a group; the groups, not single tokens, tell a dropper
 * from an admin script: an init script kills and uses /tmp, an installer
 * fetches with curl, a firewall script flushes iptables, but only a dropper
 * does five of these in one file.
 *
 * Changing the vocabulary changes ms_script_features_schema_hash(): the
 * compiled-in model then no longer matches, ms_script_model_ok() is false,
 * test_script_score fails until the model is retrained
 * (corpus-tools/README.md "Scripts").
 */
#include "script_score.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "hashes.h"
#include "model.h"
#include "obscure.h"
#include "script_model_data.h"

enum group {
    G_KILL,   /* killing processes */
    G_PROC,   /* listing processes and sockets */
    G_CLEAN,  /* removing other groups' cron entries, users, keys */
    G_DEF,    /* SELinux, AppArmor, firewall, watchdog, agents, Defender */
    G_WIPE,   /* history and logs */
    G_SPREAD, /* SSH keys, Docker/kubelet/Redis ports, scanners */
    G_FETCH,  /* downloaders and download-and-run */
    G_EXEC,   /* making executable, starting detached, /tmp */
    G_TUNE,   /* hugepages, MSR */
    G_MINER,  /* the words a miner dropper may still use */
    G_OBF,    /* decoding and evaluating payloads */
    G__N
};

static const char *const group_names[G__N] = {
    "grp:kill", "grp:proc", "grp:clean", "grp:defense", "grp:wipe", "grp:spread",
    "grp:fetch", "grp:exec", "grp:tune",  "grp:miner",   "grp:obf",
};

/* The groups that n_groups counts: the behaviours, not the common tools. */
static const bool group_is_behaviour[G__N] = {
    [G_KILL] = true, [G_CLEAN] = true, [G_DEF] = true, [G_WIPE] = true,
    [G_SPREAD] = true, [G_FETCH] = true, [G_TUNE] = true,
};

enum kind { V_UNI, V_BI, V_PFX };

typedef struct vocab {
    unsigned char kind, group;
    const char *a, *b;
    const char *name;
} vocab;

/* V_UNI matches a word or its base name (after the last '/'); V_BI a word
 * (or its base name) right after another token; V_PFX a word starting
 * with a path. Keys are lower case, as the tokenizer writes them. */
/* The vocabulary lives in data/script_vocab.tsv; the build keeps it out of
 * the binary's plain bytes (gen_strtab.py, obscure.h), and it is decoded
 * once into the table below, read-only from then on. */
#include "script_vocab_data.h"
#define N_VOCAB ((size_t)script_vocab_count)

typedef struct vocab_def {
    unsigned char kind, group;
} vocab_def;
static const vocab_def vocab_defs[N_VOCAB] = script_vocab_EXTRA;

static vocab vocabulary[N_VOCAB];
static char *vocab_text;
static pthread_once_t vocab_once = PTHREAD_ONCE_INIT;

static void vocab_decode(void) {
    vocab_text = ms_strtab_decode(script_vocab_blob, sizeof(script_vocab_blob));
    for (size_t i = 0; i < N_VOCAB; i++) {
        vocab *v = &vocabulary[i];
        char *w = vocab_text + script_vocab_off[i], *sep = strchr(w, '\x1f');
        v->kind = vocab_defs[i].kind;
        v->group = vocab_defs[i].group;
        v->a = w;
        v->b = NULL;
        if (sep) {
            *sep = '\0';
            v->b = sep + 1;
        }
        v->name = v->kind == V_BI    ? ms_xasprintf("bi:%s %s", v->a, v->b)
                  : v->kind == V_PFX ? ms_xasprintf("pfx:%s", v->a)
                                     : ms_xasprintf("tok:%s", v->a);
    }
}
enum { F_N_GROUPS = N_VOCAB + G__N, F_LONG_TOKEN, F_IP_LITERAL, F__N };

/* The hash table of V_UNI and V_BI keys (a bigram's key is "a\x1fb"):
 * open addressing, a power of two at least twice the vocabulary. */
#define TABLE_SIZE 1024
_Static_assert(TABLE_SIZE >= 2 * N_VOCAB, "the key table must stay half empty");

#define KEY_MAX (2 * MS_SCRIPT_MAX_TOKEN + 2)

struct ms_script_scorer {
    int16_t slot[TABLE_SIZE]; /* vocabulary index + 1, 0 empty */
    double x[F__N];
    double count[F__N];
    char prev[MS_SCRIPT_MAX_TOKEN];
    size_t prev_len;
};

static uint32_t fnv(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static size_t make_key(const vocab *v, char *key) {
    size_t a = strlen(v->a);
    memcpy(key, v->a, a);
    if (v->kind != V_BI)
        return a;
    size_t b = strlen(v->b);
    key[a] = '\x1f';
    memcpy(key + a + 1, v->b, b);
    return a + 1 + b;
}

static int lookup(const ms_script_scorer *s, const char *key, size_t n) {
    char buf[KEY_MAX];
    for (uint32_t h = fnv(key, n) & (TABLE_SIZE - 1);; h = (h + 1) & (TABLE_SIZE - 1)) {
        int e = s->slot[h];
        if (!e)
            return -1;
        size_t k = make_key(&vocabulary[e - 1], buf);
        if (k == n && !memcmp(buf, key, n))
            return e - 1;
    }
}

int ms_script_scorer_new(ms_script_scorer **ret) {
    pthread_once(&vocab_once, vocab_decode);
    ms_script_scorer *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    char key[KEY_MAX];
    for (size_t i = 0; i < N_VOCAB; i++) {
        if (vocabulary[i].kind == V_PFX)
            continue;
        size_t n = make_key(&vocabulary[i], key);
        uint32_t h = fnv(key, n) & (TABLE_SIZE - 1);
        while (s->slot[h])
            h = (h + 1) & (TABLE_SIZE - 1);
        s->slot[h] = (int16_t)(i + 1);
    }
    *ret = s;
    return 0;
}

void ms_script_scorer_free(ms_script_scorer *s) {
    free(s);
}

size_t ms_script_features_dim(void) {
    return F__N;
}

const char *ms_script_feature_name(size_t i) {
    pthread_once(&vocab_once, vocab_decode);
    if (i < N_VOCAB)
        return vocabulary[i].name;
    if (i < N_VOCAB + G__N)
        return group_names[i - N_VOCAB];
    switch (i) {
    case F_N_GROUPS:
        return "n_groups";
    case F_LONG_TOKEN:
        return "long_token";
    case F_IP_LITERAL:
        return "ip_literal";
    default:
        return NULL;
    }
}

const char *ms_script_features_schema_hash(void) {
    /* FNV-1a 64 over the names, each ended by '\n', as 16 hex digits in a
     * thread-local buffer (workers may ask at once). */
    static const char hex[] = "0123456789abcdef";
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < F__N; i++) {
        for (const char *p = ms_script_feature_name(i); *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ull;
        h = (h ^ '\n') * 1099511628211ull;
    }
    static _Thread_local char out[17];
    for (int i = 0; i < 16; i++)
        out[i] = hex[(h >> (60 - 4 * i)) & 15];
    out[16] = '\0';
    return out;
}

/* ---- tokenizer ---- */

static bool is_word(uint8_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-' || c == '/' || c == '~' || c == '$';
}

int ms_script_tokenize(const uint8_t *d, size_t n, ms_script_token_fn fn, void *ud) {
    char buf[MS_SCRIPT_MAX_TOKEN];
    if (n > MS_SCRIPT_MAX_BYTES)
        n = MS_SCRIPT_MAX_BYTES;
    size_t i = 0;
    while (i < n) {
        uint8_t c = d[i];
        ms_script_token t = {.text = buf, .offset = i};
        if (is_word(c)) {
            size_t start = i, end;
            while (i < n && is_word(d[i]))
                i++;
            end = i;
            while (start < end && d[start] == '.')
                start++;
            while (end > start && d[end - 1] == '.')
                end--;
            if (start == end)
                continue;
            t.offset = start;
            t.full_len = end - start;
            t.len = t.full_len < MS_SCRIPT_MAX_TOKEN ? t.full_len : MS_SCRIPT_MAX_TOKEN;
            for (size_t k = 0; k < t.len; k++) {
                uint8_t b = d[start + k];
                buf[k] = (char)(b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
            }
        } else if (c > ' ' && c < 0x7f) {
            buf[0] = (char)c;
            t.len = t.full_len = 1;
            t.punct = true;
            i++;
        } else {
            i++;
            continue;
        }
        int r = fn(ud, &t);
        if (r < 0)
            return r;
        if (r == MS_STOP)
            break;
    }
    return 0;
}

/* ---- features ---- */

static void hit(ms_script_scorer *s, int e) {
    if (e < 0)
        return;
    s->count[e] += 1;
    s->count[N_VOCAB + vocabulary[e].group] += 1;
}

static int bigram(ms_script_scorer *s, const char *w, size_t n) {
    char key[KEY_MAX];
    if (!s->prev_len)
        return -1;
    memcpy(key, s->prev, s->prev_len);
    key[s->prev_len] = '\x1f';
    memcpy(key + s->prev_len + 1, w, n);
    return lookup(s, key, s->prev_len + 1 + n);
}

/* A dotted quad at the start of w (after any '/', as in "//198.51.100.7/x"
 * from "http://198.51.100.7/x"), ended by the word's end, '/' or ':'. */
static bool ip_literal(const char *w, size_t n, bool cut) {
    size_t i = 0;
    while (i < n && w[i] == '/')
        i++;
    for (int part = 0; part < 4; part++) {
        size_t digits = 0;
        while (i < n && w[i] >= '0' && w[i] <= '9' && digits < 4) {
            i++;
            digits++;
        }
        if (digits == 0 || digits > 3)
            return false;
        if (part < 3) {
            if (i >= n || w[i] != '.')
                return false;
            i++;
        }
    }
    return i == n ? !cut : w[i] == '/' || w[i] == ':';
}

static int on_token(void *ud, const ms_script_token *t) {
    ms_script_scorer *s = ud;
    const char *w = t->text;
    size_t n = t->len;
    if (!t->punct) {
        const char *base = w;
        size_t bn = n;
        for (size_t k = n; k > 0; k--)
            if (w[k - 1] == '/') {
                base = w + k;
                bn = n - k;
                break;
            }
        int e = lookup(s, w, n);
        hit(s, e);
        if (bn && bn != n) {
            int eb = lookup(s, base, bn);
            if (eb != e)
                hit(s, eb);
        }
        if (w[0] == '/')
            for (size_t v = 0; v < N_VOCAB; v++) {
                size_t pl;
                if (vocabulary[v].kind == V_PFX && n >= (pl = strlen(vocabulary[v].a)) &&
                    !memcmp(w, vocabulary[v].a, pl))
                    hit(s, (int)v);
            }
        int bi = bigram(s, w, n);
        hit(s, bi);
        if (bn && bn != n) {
            int bb = bigram(s, base, bn);
            if (bb != bi)
                hit(s, bb);
        }
        if (t->full_len > MS_SCRIPT_MAX_TOKEN)
            s->count[F_LONG_TOKEN] += 1;
        if (w[0] == '/' || (w[0] >= '0' && w[0] <= '9'))
            s->count[F_IP_LITERAL] += ip_literal(w, n, t->full_len > n);
    } else {
        hit(s, bigram(s, w, n));
    }
    memcpy(s->prev, w, n);
    s->prev_len = n;
    return MS_CONTINUE;
}

int ms_script_features(ms_script_scorer *s, const uint8_t *d, size_t n, const double **ret_x) {
    memset(s->count, 0, sizeof(s->count));
    s->prev_len = 0;
    int r = ms_script_tokenize(d, n, on_token, s);
    if (r < 0)
        return r;
    unsigned groups = 0;
    for (size_t g = 0; g < G__N; g++)
        groups += group_is_behaviour[g] && s->count[N_VOCAB + g] > 0;
    s->count[F_N_GROUPS] = groups;
    for (size_t i = 0; i < F__N; i++)
        s->x[i] = i == F_N_GROUPS ? s->count[i] : log1p(s->count[i]);
    *ret_x = s->x;
    return 0;
}

/* ---- the model ---- */

bool ms_script_model_ok(void) {
    static const size_t dim = MS_SCRIPT_MODEL_DIM; /* a variable: dim 0 must not warn */
    return dim == F__N && !strcmp(MS_SCRIPT_MODEL_SCHEMA_HASH, ms_script_features_schema_hash());
}

double ms_script_threshold(void) {
    return MS_SCRIPT_MODEL_THRESHOLD;
}

const char *ms_script_model_version(void) {
    return MS_SCRIPT_MODEL_VERSION;
}

int ms_script_score(ms_script_scorer *s, const uint8_t *d, size_t n, double *ret_score,
                    ms_contrib *top, size_t max_top, size_t *ret_n_top) {
    static const size_t dim = MS_SCRIPT_MODEL_DIM;
    const double *x = NULL;
    if (dim != F__N)
        return MS_E_UNSUPPORTED;
    int r = ms_script_features(s, d, n, &x);
    if (r < 0)
        return r;
    static const ms_logistic model = {
        .dim = F__N,
        .bias = MS_SCRIPT_MODEL_BIAS,
        .weight = ms_script_model_weight,
        .mean = ms_script_model_mean,
        .scale = ms_script_model_scale,
        .feature = ms_script_feature_name,
    };
    *ret_score = ms_logistic_score(&model, x, top, max_top, ret_n_top);
    return 0;
}

unsigned ms_script_context(const ms_script_scorer *s) {
    unsigned f = 0;
    if (s->count[N_VOCAB + G_FETCH] > 0)
        f |= MS_SCRIPT_DELIVERS;
    if (s->count[N_VOCAB + G_MINER] > 0)
        f |= MS_SCRIPT_NAMES_MINING;
    return f;
}

int ms_script_model_digest(char out[65]) {
    ms_digests want = {0}, got;
    ms_digest_ctx *c = NULL;
    const double head[2] = {MS_SCRIPT_MODEL_BIAS, MS_SCRIPT_MODEL_THRESHOLD};
    int r = ms_digest_begin(&want, &c);
    if (r < 0)
        return r;
    ms_digest_update(c, (const uint8_t *)head, sizeof(head));
    ms_digest_update(c, (const uint8_t *)ms_script_model_weight, sizeof(ms_script_model_weight));
    ms_digest_update(c, (const uint8_t *)ms_script_model_mean, sizeof(ms_script_model_mean));
    ms_digest_update(c, (const uint8_t *)ms_script_model_scale, sizeof(ms_script_model_scale));
    if ((r = ms_digest_end(c, &got)) == 0)
        memcpy(out, got.sha256, 65);
    return r;
}
