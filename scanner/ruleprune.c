/*
 * ruleprune.c - see ruleprune.h. A reader of YARA source just deep enough
 * to find each rule, where its strings start and its condition's tokens,
 * and a three-valued evaluator of the condition for a class of objects.
 * Everything it does not recognise is "unknown", which keeps the rule.
 */
#include "ruleprune.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "rulelits.h"

const uint64_t ms_prune_sizes[MS_PRUNE_SIZES] = {
    0, 1u << 20, 4u << 20, 16u << 20, 64u << 20, 256u << 20,
};

unsigned ms_prune_size_class(uint64_t size) {
    unsigned k = 0;
    while (k + 1 < MS_PRUNE_SIZES && size >= ms_prune_sizes[k + 1])
        k++;
    return k;
}

/* the Mach-O magics as the first four bytes */
static const uint8_t macho[4][4] = {
    {0xfe, 0xed, 0xfa, 0xce}, {0xfe, 0xed, 0xfa, 0xcf}, {0xce, 0xfa, 0xed, 0xfe}, {0xcf, 0xfa, 0xed, 0xfe}};
static const uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};

ms_head ms_head_of(const uint8_t *d, size_t n) {
    if (n < 4)
        return MS_HEAD_ANY;
    if (!memcmp(d, elf_magic, 4))
        return MS_HEAD_ELF;
    if (d[0] == 'M' && d[1] == 'Z')
        return MS_HEAD_MZ;
    for (int i = 0; i < 4; i++)
        if (!memcmp(d, macho[i], 4))
            return MS_HEAD_ANY;
    return MS_HEAD_OTHER;
}

/* ---- tokens ---- */

typedef enum { T_END, T_IDENT, T_NUM, T_LP, T_RP, T_OP, T_OTHER } ttype;

typedef struct {
    ttype t;
    const char *s; /* into the file's text */
    size_t n;
    uint64_t v;    /* T_NUM */
    bool big;      /* T_NUM that did not fit */
} tok;

typedef struct {
    const char *name; /* "$a", "$" (anonymous), into the file's text */
    size_t n;
    /* its literal sets (rulelits.h), numbered over the whole set: it may
     * match only where each has a literal; none: it may match anywhere */
    size_t set_first, sets;
} pstr;

typedef struct {
    char *name, *ns;
    size_t cut, end; /* where the rewrite starts (strings: or condition:) and after '}' */
    tok *cond;
    size_t ncond;
    /* a string whose matches in a slice of an object need not be matches
     * in the object (ms_prune_decide_absent): fullword, a regex with an
     * anchor or a word boundary (^ $ \b \B), or a condition with at/in
     * (libyara verifies a string used only with `at N` at offset N) */
    bool sensitive;
    bool is_private;
    /* the literals of its strings (rulelits.h), p->lits[lit_first, +lit_n) */
    size_t lit_first, lit_n;
    pstr *strs;
    size_t nstr, scap;
} prule;

typedef struct {
    uint8_t b[2 * MS_LIT_MAX]; /* a wide form is twice as long */
    uint8_t n;
    bool nocase;
    size_t set; /* the literal set it belongs to (pstr.set_first...) */
} plit;

typedef struct {
    char *text;
    size_t len;
    bool ok;
    size_t first, n; /* its rules */
} pfile;

struct ms_prune {
    pfile *files;
    size_t nf;
    prule *rules;
    size_t nr, cap;
    plit *lits;
    size_t nl, lcap;
    size_t nsets; /* literal sets over all rules */
};

static bool is_id0(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_id(char c) {
    return is_id0(c) || (c >= '0' && c <= '9');
}

typedef struct {
    const char *s;
    size_t n, i;
    bool bad;
} lex;

static void skip_ws(lex *x) {
    while (x->i < x->n) {
        char c = x->s[x->i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            x->i++;
        } else if (c == '/' && x->i + 1 < x->n && x->s[x->i + 1] == '/') {
            while (x->i < x->n && x->s[x->i] != '\n')
                x->i++;
        } else if (c == '/' && x->i + 1 < x->n && x->s[x->i + 1] == '*') {
            const char *e = NULL;
            for (size_t k = x->i + 2; k + 1 < x->n; k++)
                if (x->s[k] == '*' && x->s[k + 1] == '/') {
                    e = x->s + k;
                    break;
                }
            if (!e) {
                x->bad = true;
                x->i = x->n;
                return;
            }
            x->i = (size_t)(e - x->s) + 2;
        } else {
            return;
        }
    }
}

/* an identifier at i (after skip_ws), or length 0 */
static size_t ident_at(const lex *x, size_t i) {
    size_t k = i;
    if (k < x->n && is_id0(x->s[k]))
        while (k < x->n && is_id(x->s[k]))
            k++;
    return k - i;
}

static bool word_is(const char *s, size_t n, const char *w) {
    return strlen(w) == n && !memcmp(s, w, n);
}

/* a quoted string or a regex from i (its opening char): past its end */
static void skip_delimited(lex *x, char close) {
    x->i++;
    while (x->i < x->n && x->s[x->i] != close) {
        if (x->s[x->i] == '\\')
            x->i++;
        if (x->s[x->i] == '\n' && close == '"') {
            x->bad = true;
            return;
        }
        x->i++;
    }
    if (x->i >= x->n) {
        x->bad = true;
        return;
    }
    x->i++;
    if (close == '/')
        while (x->i < x->n && is_id(x->s[x->i]))
            x->i++; /* flags: i s */
}

static bool expect_char(lex *x, char c) {
    skip_ws(x);
    if (x->i < x->n && x->s[x->i] == c) {
        x->i++;
        return true;
    }
    x->bad = true;
    return false;
}

/* the next identifier, or false */
static bool next_ident(lex *x, const char **s, size_t *n) {
    skip_ws(x);
    size_t k = ident_at(x, x->i);
    if (!k)
        return false;
    *s = x->s + x->i;
    *n = k;
    x->i += k;
    return true;
}

/* "meta"/"strings"/"condition" followed by ':' at the cursor? (not consumed) */
static bool section_ahead(lex *x, const char *name) {
    skip_ws(x);
    size_t k = ident_at(x, x->i);
    if (!word_is(x->s + x->i, k, name))
        return false;
    lex y = *x;
    y.i += k;
    skip_ws(&y);
    return y.i < y.n && y.s[y.i] == ':';
}

static bool parse_number(const char *s, size_t n, uint64_t *v, bool *big) {
    uint64_t r = 0, base = 10;
    size_t i = 0;
    *big = false;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        base = 16, i = 2;
    else if (n > 2 && s[0] == '0' && s[1] == 'o')
        base = 8, i = 2;
    uint64_t mult = 1;
    if (base == 10 && n > 2 && (s[n - 2] == 'K' || s[n - 2] == 'M') && s[n - 1] == 'B') {
        mult = s[n - 2] == 'K' ? 1024 : 1024 * 1024;
        n -= 2;
    }
    if (i >= n)
        return false;
    for (; i < n; i++) {
        int d;
        char c = s[i];
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return false;
        if ((uint64_t)d >= base)
            return false;
        if (r > (UINT64_MAX - (uint64_t)d) / base)
            *big = true;
        r = r * base + (uint64_t)d;
    }
    if (mult > 1 && r > UINT64_MAX / mult)
        *big = true;
    *v = r * mult;
    return true;
}

static void push_tok(tok **v, size_t *n, size_t *cap, tok t) {
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *v = ms_xrealloc(*v, *cap * sizeof(**v));
    }
    (*v)[(*n)++] = t;
}

/* The condition's tokens up to the rule's closing brace (consumed). */
static tok *lex_condition(lex *x, size_t *ret_n) {
    tok *v = NULL;
    size_t n = 0, cap = 0;
    bool after_matches = false;
    for (;;) {
        skip_ws(x);
        if (x->bad || x->i >= x->n) {
            x->bad = true;
            break;
        }
        const char *s = x->s + x->i;
        char c = *s;
        if (c == '}') {
            x->i++;
            break;
        }
        tok t = {.t = T_OTHER, .s = s, .n = 1};
        size_t k;
        if (c == '/' && after_matches) {
            size_t st = x->i;
            skip_delimited(x, '/');
            t.n = x->i - st;
            after_matches = false;
            push_tok(&v, &n, &cap, t);
            continue;
        }
        if (c == '"') {
            size_t st = x->i;
            skip_delimited(x, '"');
            t.n = x->i - st;
            push_tok(&v, &n, &cap, t);
            continue;
        }
        if (c == '{' || c == '/') {
            x->bad = true; /* not in a condition this reader follows */
            break;
        }
        if ((k = ident_at(x, x->i)) > 0) {
            t.t = T_IDENT, t.n = k;
            after_matches = word_is(s, k, "matches");
        } else if (c >= '0' && c <= '9') {
            k = 0;
            while (x->i + k < x->n && is_id(s[k]))
                k++;
            t.t = T_NUM, t.n = k;
            if (!parse_number(s, k, &t.v, &t.big))
                t.t = T_OTHER;
        } else if (c == '$' || c == '#' || c == '@' || (c == '!' && !(x->i + 1 < x->n && s[1] == '='))) {
            k = 1;
            while (x->i + k < x->n && (is_id(s[k]) || s[k] == '*'))
                k++;
            t.n = k;
        } else if (c == '(') {
            t.t = T_LP;
        } else if (c == ')') {
            t.t = T_RP;
        } else if ((c == '<' || c == '>' || c == '=' || c == '!') && x->i + 1 < x->n && s[1] == '=') {
            t.t = T_OP, t.n = 2;
        } else if ((c == '<' || c == '>') && x->i + 1 < x->n && s[1] == c) {
            t.n = 2; /* a shift */
        } else if (c == '<' || c == '>') {
            t.t = T_OP;
        }
        x->i += t.n;
        if (t.t != T_IDENT)
            after_matches = false;
        push_tok(&v, &n, &cap, t);
    }
    push_tok(&v, &n, &cap, (tok){.t = T_END});
    *ret_n = n;
    return v;
}

/* Does the regex body s[0..n) (between its slashes) hold an anchor or a
 * word boundary: ^ or $ outside a class, \b or \B? Read as libyara's
 * parser reads it: a backslash takes the next byte, a class runs to its
 * first ']' that is not its first byte. */
static bool regex_sensitive(const char *s, size_t n) {
    bool in_class = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\') {
            if (i + 1 < n && (s[i + 1] == 'b' || s[i + 1] == 'B') && !in_class)
                return true;
            i++;
        } else if (in_class) {
            if (c == ']')
                in_class = false;
        } else if (c == '[') {
            in_class = true;
            /* [^]...] and []...]: the first ']' is a member */
            if (i + 1 < n && s[i + 1] == '^')
                i++;
            if (i + 1 < n && s[i + 1] == ']')
                i++;
        } else if (c == '^' || c == '$') {
            return true;
        }
    }
    return false;
}

static void add_lit(ms_prune *p, const ms_lit *l, bool wide, bool nocase, size_t set) {
    if (p->nl == p->lcap) {
        p->lcap = p->lcap ? p->lcap * 2 : 64;
        p->lits = ms_xrealloc(p->lits, p->lcap * sizeof(*p->lits));
    }
    plit *d = &p->lits[p->nl++];
    d->nocase = nocase;
    d->set = set;
    d->n = 0;
    for (size_t k = 0; k < l->n; k++) {
        d->b[d->n++] = l->b[k];
        if (wide)
            d->b[d->n++] = 0;
    }
}

/* A string definition's value and modifiers (x at the value): sets
 * r->sensitive when the string is (prule.sensitive), adds its literals to
 * the rule's and their sets to q. */
static void read_string_def(lex *x, prule *r, ms_prune *p, pstr *q) {
    skip_ws(x);
    if (x->i >= x->n) {
        x->bad = true;
        return;
    }
    char c = x->s[x->i];
    size_t body = x->i + 1, body_n = 0;
    bool nocase = false;
    if (c == '"') {
        skip_delimited(x, '"');
        if (!x->bad)
            body_n = x->i - 1 - body;
    } else if (c == '/') {
        skip_delimited(x, '/');
        if (!x->bad) {
            size_t e = x->i;
            while (e > body && x->s[e - 1] != '/')
                e--; /* back over the flags to the closing slash */
            for (size_t k = e; k < x->i; k++)
                nocase |= x->s[k] == 'i';
            body_n = e > body ? e - 1 - body : 0;
            if (e > body && regex_sensitive(x->s + body, body_n))
                r->sensitive = true;
        }
    } else if (c == '{') {
        while (x->i < x->n && x->s[x->i] != '}')
            x->i++;
        if (x->i >= x->n)
            x->bad = true;
        else
            body_n = x->i++ - body;
    } else {
        x->bad = true;
        return;
    }
    /* modifiers: ascii wide nocase fullword private xor(...) base64("...") */
    bool ascii = false, wide = false, encoded = false;
    for (;;) {
        skip_ws(x);
        size_t k = ident_at(x, x->i);
        if (!k || section_ahead(x, "condition"))
            break;
        const char *m = x->s + x->i;
        if (word_is(m, k, "fullword"))
            r->sensitive = true;
        else if (word_is(m, k, "ascii"))
            ascii = true;
        else if (word_is(m, k, "wide"))
            wide = true;
        else if (word_is(m, k, "nocase"))
            nocase = true;
        else if (!word_is(m, k, "private"))
            encoded = true; /* xor, base64, base64wide, what this reader does not know */
        x->i += k;
        skip_ws(x);
        if (x->i < x->n && x->s[x->i] == '(') {
            x->i++;
            while (!x->bad && x->i < x->n && x->s[x->i] != ')') {
                if (x->s[x->i] == '"')
                    skip_delimited(x, '"');
                else
                    x->i++;
            }
            if (!expect_char(x, ')'))
                return;
        }
    }
    ms_litsets sets;
    const char *b = x->s + body;
    bool got = !x->bad && !encoded &&
               (c == '"' ? ms_lits_text(b, body_n, &sets) : c == '/' ? ms_lits_regex(b, body_n, &sets)
                                                                     : ms_lits_hex(b, body_n, &sets));
    if (!got || (c == '{' && (ascii || wide || nocase)))
        return;
    q->set_first = p->nsets;
    q->sets = sets.n;
    for (size_t k = 0; k < sets.n; k++, p->nsets++)
        for (size_t j = 0; j < sets.set[k].n; j++) {
            if (ascii || !wide)
                add_lit(p, &sets.set[k].v[j], false, nocase, p->nsets);
            if (wide)
                add_lit(p, &sets.set[k].v[j], true, nocase, p->nsets);
        }
}

static void skip_meta_value(lex *x) {
    skip_ws(x);
    if (x->i >= x->n) {
        x->bad = true;
        return;
    }
    if (x->s[x->i] == '"') {
        skip_delimited(x, '"');
        return;
    }
    if (x->s[x->i] == '-')
        x->i++;
    size_t k = 0;
    while (x->i + k < x->n && is_id(x->s[x->i + k]))
        k++;
    if (!k)
        x->bad = true;
    x->i += k;
}

static char *dup_n(const char *s, size_t n) {
    char *d = ms_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static bool tok_is_word(const tok *t, const char *w) {
    return t->t == T_IDENT && word_is(t->s, t->n, w);
}

/* One rule from its first keyword; false when it cannot be followed. */
static bool parse_rule(lex *x, prule *r, ms_prune *p) {
    const char *w;
    size_t wn;
    if (!next_ident(x, &w, &wn))
        return false;
    r->lit_first = p->nl;
    while (word_is(w, wn, "global") || word_is(w, wn, "private")) {
        r->is_private |= word_is(w, wn, "private");
        if (!next_ident(x, &w, &wn))
            return false;
    }
    if (!word_is(w, wn, "rule") || !next_ident(x, &w, &wn))
        return false;
    r->name = dup_n(w, wn);
    skip_ws(x);
    if (x->i < x->n && x->s[x->i] == ':') {
        x->i++;
        while (next_ident(x, &w, &wn)) {
        }
    }
    if (!expect_char(x, '{'))
        return false;
    if (section_ahead(x, "meta")) {
        next_ident(x, &w, &wn);
        expect_char(x, ':');
        while (!x->bad && !section_ahead(x, "strings") && !section_ahead(x, "condition")) {
            if (!next_ident(x, &w, &wn) || !expect_char(x, '='))
                return false;
            skip_meta_value(x);
        }
    }
    skip_ws(x);
    r->cut = x->i;
    if (section_ahead(x, "strings")) {
        next_ident(x, &w, &wn);
        expect_char(x, ':');
        while (!x->bad && !section_ahead(x, "condition")) {
            skip_ws(x);
            if (x->i >= x->n || x->s[x->i] != '$')
                return false;
            size_t name = x->i++;
            while (x->i < x->n && is_id(x->s[x->i]))
                x->i++; /* $1 is a name too */
            if (r->nstr == r->scap) {
                r->scap = r->scap ? r->scap * 2 : 8;
                r->strs = ms_xrealloc(r->strs, r->scap * sizeof(*r->strs));
            }
            r->strs[r->nstr++] = (pstr){.name = x->s + name, .n = x->i - name};
            if (!expect_char(x, '='))
                return false;
            read_string_def(x, r, p, &r->strs[r->nstr - 1]);
        }
    }
    if (x->bad || !section_ahead(x, "condition"))
        return false;
    next_ident(x, &w, &wn);
    expect_char(x, ':');
    r->cond = lex_condition(x, &r->ncond);
    r->end = x->i;
    r->lit_n = p->nl - r->lit_first;
    for (size_t i = 0; i < r->ncond; i++)
        if (tok_is_word(&r->cond[i], "at") || tok_is_word(&r->cond[i], "in"))
            r->sensitive = true;
    return !x->bad;
}

ms_prune *ms_prune_new(void) {
    return ms_xcalloc(1, sizeof(ms_prune));
}

void ms_prune_free(ms_prune *p) {
    if (!p)
        return;
    for (size_t i = 0; i < p->nr; i++) {
        free(p->rules[i].name);
        free(p->rules[i].ns);
        free(p->rules[i].cond);
        free(p->rules[i].strs);
    }
    for (size_t i = 0; i < p->nf; i++)
        free(p->files[i].text);
    free(p->rules);
    free(p->files);
    free(p->lits);
    free(p);
}

bool ms_prune_add(ms_prune *p, const char *text, size_t len, const char *ns) {
    p->files = ms_xrealloc(p->files, (p->nf + 1) * sizeof(*p->files));
    pfile *f = &p->files[p->nf++];
    *f = (pfile){.text = dup_n(text, len), .len = len, .first = p->nr};
    size_t nl0 = p->nl, ns0 = p->nsets;
    lex x = {.s = f->text, .n = len};
    bool ok = true;
    for (;;) {
        skip_ws(&x);
        if (x.bad) {
            ok = false;
            break;
        }
        if (x.i >= x.n)
            break;
        size_t k = ident_at(&x, x.i);
        if (word_is(x.s + x.i, k, "import")) {
            x.i += k;
            skip_ws(&x);
            if (x.i >= x.n || x.s[x.i] != '"') {
                ok = false;
                break;
            }
            skip_delimited(&x, '"');
            continue;
        }
        if (!k || word_is(x.s + x.i, k, "include")) {
            ok = false;
            break;
        }
        if (p->nr == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 32;
            p->rules = ms_xrealloc(p->rules, p->cap * sizeof(*p->rules));
        }
        prule *r = &p->rules[p->nr];
        *r = (prule){0};
        bool good = parse_rule(&x, r, p);
        p->nr++;
        r->ns = ms_xstrdup(ns);
        if (!good) {
            ok = false;
            break;
        }
    }
    if (!ok) {
        /* the file is kept whole and its rules are unknown to others */
        for (size_t i = f->first; i < p->nr; i++) {
            free(p->rules[i].name);
            free(p->rules[i].ns);
            free(p->rules[i].cond);
            free(p->rules[i].strs);
        }
        p->nl = nl0;
        p->nsets = ns0;
        p->nr = f->first;
    }
    f->ok = ok;
    f->n = p->nr - f->first;
    return ok;
}

size_t ms_prune_files(const ms_prune *p) {
    return p->nf;
}

const char *ms_prune_source(const ms_prune *p, size_t file) {
    return p->files[file].text;
}

bool ms_prune_followed(const ms_prune *p, size_t file) {
    return p->files[file].ok;
}

size_t ms_prune_rules(const ms_prune *p) {
    return p->nr;
}

/* ---- three-valued evaluation ---- */

enum { F = 0, T = 1, U = 2 };

static int tri_not(int a) {
    return a == U ? U : !a;
}

typedef struct {
    const tok *t;
    size_t i;
    ms_head head;
    uint64_t min_size;
    const ms_prune *p;
    size_t rule;      /* the rule being decided: references look before it */
    const int *value; /* the decided rules' values */
    bool absent;      /* ms_prune_decide_absent: no string matched */
    bool clean;       /* ms_prune_decide_clean: none of the literals occurs */
    const uint8_t *seen; /* with clean: by literal set, one of its literals occurs */
    bool bad;
} ev;

static const tok *cur(const ev *e) {
    return &e->t[e->i];
}

static bool tok_word(const tok *t, const char *w) {
    return t->t == T_IDENT && word_is(t->s, t->n, w);
}

static bool terminator(const tok *t) {
    return t->t == T_END || t->t == T_RP || tok_word(t, "and") || tok_word(t, "or");
}

static bool tok_op(const tok *t, const char *op) {
    return t->t == T_OP && word_is(t->s, t->n, op);
}

/* uintW(0) == c (be: big-endian), for the class */
static int head_equals(ms_head h, unsigned w, bool be, uint64_t c) {
    if (c >> (8 * w))
        return F; /* the value cannot be */
    uint8_t b[4];
    for (unsigned k = 0; k < w; k++)
        b[k] = (uint8_t)(c >> (8 * (be ? w - 1 - k : k)));
    size_t known = 0;
    const uint8_t *kb = NULL;
    switch (h) {
    case MS_HEAD_ELF:
        kb = elf_magic, known = 4;
        break;
    case MS_HEAD_MZ:
        kb = (const uint8_t *)"MZ", known = 2;
        break;
    case MS_HEAD_OTHER:
        if (w >= 2 && b[0] == 'M' && b[1] == 'Z')
            return F;
        if (w == 4 && !memcmp(b, elf_magic, 4))
            return F;
        for (int i = 0; w == 4 && i < 4; i++)
            if (!memcmp(b, macho[i], 4))
                return F;
        return U;
    default:
        return U;
    }
    for (unsigned k = 0; k < w && k < known; k++)
        if (b[k] != kb[k])
            return F;
    return w <= known ? T : U;
}

static int ev_or(ev *e);

/* past one operand this reader does not decide: up to the next and/or or
 * unmatched ')' at its own depth */
static int skip_operand(ev *e) {
    int depth = 0;
    for (; cur(e)->t != T_END; e->i++) {
        const tok *t = cur(e);
        if (t->t == T_LP)
            depth++;
        else if (t->t == T_RP) {
            if (depth == 0)
                break;
            depth--;
        } else if (depth == 0 && (tok_word(t, "and") || tok_word(t, "or")))
            break;
    }
    return U;
}

static int find_rule(const ev *e, const tok *t) {
    const prule *self = &e->p->rules[e->rule];
    for (size_t k = e->rule; k-- > 0;) {
        const prule *r = &e->p->rules[k];
        if (word_is(t->s, t->n, r->name) && !strcmp(r->ns, self->ns))
            return e->value[k];
    }
    return U;
}

/* Can string q match, given which literal sets had a literal (seen, NULL:
 * none)? */
static bool may_match(const pstr *q, const uint8_t *seen) {
    if (q->sets == 0)
        return true;
    for (size_t k = 0; k < q->sets; k++)
        if (!seen || !seen[q->set_first + k])
            return false;
    return true;
}

static bool is_str_tok(const tok *t, char sigil) {
    return t->t == T_OTHER && t->n > 1 && t->s[0] == sigil;
}

/* The rule's strings that t names ($a, $a*, #a; every one for `them`):
 * how many, and how many may match: none when no string of the set
 * matched, those without literals when none of the literals occurs
 * (ev.clean). */
static void strings_named(const ev *e, const tok *t, size_t *total, size_t *may) {
    const prule *r = &e->p->rules[e->rule];
    bool them = tok_word(t, "them"), wild = !them && t->s[t->n - 1] == '*';
    size_t len = them ? 0 : wild ? t->n - 2 : t->n - 1; /* the name past the sigil */
    for (size_t k = 0; k < r->nstr; k++) {
        const pstr *q = &r->strs[k];
        bool named = them || (wild ? q->n - 1 >= len && !memcmp(q->name + 1, t->s + 1, len)
                                   : q->n - 1 == len && !memcmp(q->name + 1, t->s + 1, len));
        if (named) {
            (*total)++;
            *may += e->clean && may_match(q, e->seen);
        }
    }
}

/* With no string of the set matched (ev.absent), or none of the literals
 * (ev.clean, strings_named): an expression over strings or rules that is
 * then false, consumed: `$a` or `$a*` alone, `$a at N`, `$a in (...)`;
 * `#a >= N`, `#a == N` (N > 0),
 * `#a > N`; `any of`, `all of`, `N of` (N > 0) over `them`, a list of
 * strings `($a, $b*)` or of rules `(r1, r2)`. -1, nothing consumed, for
 * anything else (`#a == 0`, `not` is for the caller, `for ...`, `none
 * of`, `0 of`). */
static int absent_atom(ev *e) {
    const tok *t = cur(e);
    size_t total = 0, may = 0;
    if (is_str_tok(t, '$')) {
        /* $a, $a*, $a at N, $a in (...): false when $a matches nowhere */
        const tok *u = &t[1];
        bool wild = t->s[t->n - 1] == '*';
        if (!wild && tok_word(u, "at") && u[1].t == T_NUM) {
            u += 2;
        } else if (!wild && tok_word(u, "in") && u[1].t == T_LP) {
            int depth = 0;
            for (u++; u->t != T_END; u++) {
                depth += u->t == T_LP;
                if (u->t == T_RP && --depth == 0)
                    break;
            }
            if (u->t == T_END)
                return -1;
            u++;
        }
        if (!terminator(u))
            return -1;
        strings_named(e, t, &total, &may);
        if (total == 0 || may > 0)
            return -1;
        e->i = (size_t)(u - e->t);
        return F;
    }
    /* t[1] is an operator, not the end: t[2] is there, and t[3] after a number */
    if (is_str_tok(t, '#') && t->s[t->n - 1] != '*' && t[1].t == T_OP && t[2].t == T_NUM && !t[2].big &&
        terminator(&t[3]) && (tok_op(&t[1], ">") || ((tok_op(&t[1], ">=") || tok_op(&t[1], "==")) && t[2].v > 0))) {
        strings_named(e, t, &total, &may);
        if (total == 0 || may > 0)
            return -1;
        e->i += 3;
        return F;
    }
    bool any = tok_word(t, "any"), all = tok_word(t, "all");
    if (!(any || all || (t->t == T_NUM && !t->big && t->v > 0)) || !tok_word(&t[1], "of"))
        return -1;
    uint64_t need = any ? 1 : t->v;
    const tok *u = &t[2];
    size_t rules = 0, live = 0; /* rules listed, and those not false */
    if (tok_word(u, "them")) {
        strings_named(e, u, &total, &may);
        u++;
    } else if (u->t == T_LP) {
        u++;
        bool listed = false;
        while (is_str_tok(u, '$') || (u->t == T_IDENT && !tok_word(u, "them"))) {
            listed = true;
            if (u->t == T_IDENT) {
                rules++;
                live += find_rule(e, u) != F;
            } else {
                strings_named(e, u, &total, &may);
            }
            u++;
            if (u->t == T_OTHER && u->n == 1 && u->s[0] == ',')
                u++;
            else
                break;
        }
        if (!listed || u->t != T_RP || (rules && total))
            return -1;
        u++;
    } else {
        return -1;
    }
    if (!terminator(u))
        return -1;
    size_t n = rules ? rules : total, can = rules ? live : may;
    if (n == 0)
        return -1;
    if (all ? can == n : can >= need)
        return -1;
    e->i = (size_t)(u - e->t);
    return F;
}

static int ev_atom(ev *e) {
    size_t start = e->i;
    const tok *t = cur(e);
    if (e->absent && t->t != T_LP) {
        int v = absent_atom(e);
        if (v >= 0)
            return v;
    }
    if (t->t == T_LP) {
        e->i++;
        int v = ev_or(e);
        if (cur(e)->t != T_RP) {
            e->bad = true;
            return U;
        }
        e->i++;
        if (terminator(cur(e)))
            return v;
        e->i = start; /* (a + b) < c ...: not a boolean group */
        return skip_operand(e);
    }
    const tok *n1 = t[0].t != T_END ? &t[1] : t, *n2 = n1->t != T_END ? &n1[1] : n1;
    if (tok_word(t, "filesize") && (tok_op(n1, "<") || tok_op(n1, "<=")) && n2->t == T_NUM && !n2->big &&
        terminator(&n2[1])) {
        e->i += 3;
        bool lt = tok_op(n1, "<");
        if (lt ? e->min_size >= n2->v : e->min_size > n2->v)
            return F;
        return U;
    }
    static const struct {
        const char *name;
        unsigned w;
        bool be;
    } ints[] = {{"uint8", 1, false}, {"uint16", 2, false}, {"uint32", 4, false}, {"uint8be", 1, true},
                {"uint16be", 2, true}, {"uint32be", 4, true}};
    for (size_t k = 0; k < sizeof(ints) / sizeof(ints[0]); k++) {
        if (!tok_word(t, ints[k].name))
            continue;
        /* NAME ( 0 ) ==|!= NUM */
        const tok *a = &t[1];
        if (a[0].t == T_LP && a[1].t == T_NUM && a[1].v == 0 && !a[1].big && a[2].t == T_RP &&
            (tok_op(&a[3], "==") || tok_op(&a[3], "!=")) && a[4].t == T_NUM && !a[4].big && terminator(&a[5])) {
            int v = head_equals(e->head, ints[k].w, ints[k].be, a[4].v);
            e->i += 6;
            return tok_op(&a[3], "==") ? v : tri_not(v);
        }
    }
    if (t->t == T_IDENT && terminator(n1)) {
        if (tok_word(t, "true") || tok_word(t, "false")) {
            e->i++;
            return tok_word(t, "true") ? T : F;
        }
        static const char *const kw[] = {"them", "filesize", "entrypoint", "and", "or", "not", NULL};
        bool keyword = false;
        for (const char *const *k = kw; *k; k++)
            keyword |= tok_word(t, *k);
        if (!keyword) {
            e->i++;
            return find_rule(e, t);
        }
    }
    return skip_operand(e);
}

static int ev_not(ev *e) {
    if (tok_word(cur(e), "not")) {
        e->i++;
        return tri_not(ev_not(e));
    }
    return ev_atom(e);
}

static int ev_and(ev *e) {
    int v = ev_not(e);
    while (!e->bad && tok_word(cur(e), "and")) {
        e->i++;
        int w = ev_not(e);
        v = (v == F || w == F) ? F : (v == T && w == T) ? T : U;
    }
    return v;
}

static int ev_or(ev *e) {
    int v = ev_and(e);
    while (!e->bad && tok_word(cur(e), "or")) {
        e->i++;
        int w = ev_and(e);
        v = (v == T || w == T) ? T : (v == F && w == F) ? F : U;
    }
    return v;
}

size_t ms_prune_decide(const ms_prune *p, ms_head head, uint64_t min_size, uint8_t *off) {
    int *value = ms_xcalloc(p->nr ? p->nr : 1, sizeof(int));
    size_t n = 0;
    for (size_t i = 0; i < p->nr; i++) {
        ev e = {.t = p->rules[i].cond, .head = head, .min_size = min_size, .p = p, .rule = i, .value = value};
        int v = ev_or(&e);
        if (e.bad || cur(&e)->t != T_END)
            v = U; /* not followed to its end: unknown */
        value[i] = v;
        off[i] = v == F;
        n += off[i];
    }
    free(value);
    return n;
}

/* rule i, decided in the clean mode (ms_prune_decide_clean), seen: the
 * literal sets that had a literal (NULL: none) */
static int clean_value(const ms_prune *p, size_t i, ms_head head, uint64_t min_size, const int *value,
                       const uint8_t *seen) {
    ev e = {.t = p->rules[i].cond, .head = head, .min_size = min_size, .p = p, .rule = i, .value = value,
            .absent = true, .clean = true, .seen = seen};
    int v = ev_or(&e);
    return e.bad || cur(&e)->t != T_END ? U : v;
}

struct ms_prune_class {
    const ms_prune *p;
    ms_head head;
    uint64_t min_size;
    uint8_t *cls;   /* off for the class (ms_prune_decide) */
    int *value;     /* each rule when no literal occurs */
    uint8_t *refs;  /* the rule's condition names a rule */
    bool quiet;
};

ms_prune_class *ms_prune_class_new(const ms_prune *p, ms_head head, uint64_t min_size) {
    ms_prune_class *c = ms_xcalloc(1, sizeof(*c));
    size_t n = p->nr ? p->nr : 1;
    *c = (ms_prune_class){.p = p, .head = head, .min_size = min_size, .cls = ms_xcalloc(n, 1),
                          .value = ms_xcalloc(n, sizeof(int)), .refs = ms_xcalloc(n, 1), .quiet = true};
    ms_prune_decide(p, head, min_size, c->cls);
    for (size_t i = 0; i < p->nr; i++) {
        const prule *r = &p->rules[i];
        c->value[i] = c->cls[i] ? F : clean_value(p, i, head, min_size, c->value, NULL);
        if (c->value[i] != F && !r->is_private)
            c->quiet = false;
        for (size_t k = 0; k < r->ncond && !c->refs[i]; k++)
            for (size_t j = 0; j < i && r->cond[k].t == T_IDENT; j++)
                if (word_is(r->cond[k].s, r->cond[k].n, p->rules[j].name) && !strcmp(p->rules[j].ns, r->ns)) {
                    c->refs[i] = 1;
                    break;
                }
    }
    return c;
}

void ms_prune_class_free(ms_prune_class *c) {
    if (!c)
        return;
    free(c->cls);
    free(c->value);
    free(c->refs);
    free(c);
}

size_t ms_prune_decide_clean(const ms_prune *p, ms_head head, uint64_t min_size, uint8_t *off) {
    ms_prune_class *c = ms_prune_class_new(p, head, min_size);
    size_t n = 0;
    for (size_t i = 0; i < p->nr; i++)
        n += off[i] = c->value[i] == F;
    ms_prune_class_free(c);
    return n;
}

bool ms_prune_class_quiet(const ms_prune_class *c, const uint8_t *seen) {
    const ms_prune *p = c->p;
    if (!c->quiet)
        return false;
    int *value = ms_xmalloc((p->nr ? p->nr : 1) * sizeof(int));
    bool quiet = true;
    for (size_t i = 0; i < p->nr && quiet; i++) {
        const prule *r = &p->rules[i];
        bool again = c->refs[i];
        for (size_t k = 0; k < r->nstr && !again; k++)
            again = r->strs[k].sets && may_match(&r->strs[k], seen);
        value[i] = c->cls[i] ? F : again ? clean_value(p, i, c->head, c->min_size, value, seen) : c->value[i];
        quiet = value[i] == F || r->is_private;
    }
    free(value);
    return quiet;
}

bool ms_prune_complete(const ms_prune *p) {
    for (size_t i = 0; i < p->nf; i++)
        if (!p->files[i].ok)
            return false;
    return true;
}

bool ms_prune_private(const ms_prune *p, size_t rule) {
    return p->rules[rule].is_private;
}

void ms_prune_literals(const ms_prune *p, size_t rule, ms_prune_lit_fn fn, void *ud) {
    const prule *r = &p->rules[rule];
    for (size_t k = 0; k < r->lit_n; k++) {
        const plit *l = &p->lits[r->lit_first + k];
        fn(ud, l->b, l->n, l->nocase, l->set);
    }
}

size_t ms_prune_lit_sets(const ms_prune *p) {
    return p->nsets;
}

size_t ms_prune_decide_absent(const ms_prune *p, uint8_t *off) {
    int *value = ms_xcalloc(p->nr ? p->nr : 1, sizeof(int));
    size_t n = 0;
    for (size_t i = 0; i < p->nr; i++) {
        int v = U;
        if (!p->rules[i].sensitive) {
            ev e = {.t = p->rules[i].cond, .head = MS_HEAD_ANY, .p = p, .rule = i, .value = value, .absent = true};
            v = ev_or(&e);
            if (e.bad || cur(&e)->t != T_END)
                v = U;
        }
        value[i] = v;
        off[i] = v == F;
        n += off[i];
    }
    free(value);
    return n;
}

char *ms_prune_text(const ms_prune *p, size_t file, const uint8_t *off) {
    const pfile *f = &p->files[file];
    if (!f->ok)
        return NULL;
    bool any = false;
    for (size_t i = 0; i < f->n; i++)
        any |= off[f->first + i] != 0;
    if (!any)
        return NULL;
    static const char cut[] = "condition:\n        false\n}";
    char *out = ms_xmalloc(f->len + f->n * sizeof(cut) + 1);
    size_t o = 0, prev = 0;
    for (size_t i = 0; i < f->n; i++) {
        const prule *r = &p->rules[f->first + i];
        if (!off[f->first + i])
            continue;
        memcpy(out + o, f->text + prev, r->cut - prev);
        o += r->cut - prev;
        memcpy(out + o, cut, sizeof(cut) - 1);
        o += sizeof(cut) - 1;
        prev = r->end;
    }
    memcpy(out + o, f->text + prev, f->len - prev);
    o += f->len - prev;
    out[o] = '\0';
    return out;
}
