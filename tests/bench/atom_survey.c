/*
 * atom_survey - how many files of a tree hold at least one of a rule set's
 * atoms (issue 12). Not built by default: ninja -C build tests/atom-survey
 *
 *   atom-survey RULE.yar... -- TREE...
 *
 * libyara finds a string only where one of its atoms (the 1-4 byte pieces
 * the compiler put in the Aho-Corasick automaton) occurs. A prefilter that
 * skips libyara on an object with no atom at all is sound, but it pays
 * only if many objects hold none. This reads the atoms out of the
 * compiled automaton (the trie of valid transitions below the root; a
 * state with a match list ends an atom), searches each regular file for
 * them (no symbolic links followed, as yara -N) and prints how many files
 * and bytes hold at least one, and which atoms are in most files; then
 * the same count for whole strings (below, strings_pass).
 * Per-object externals are defined empty so signature-base-shaped rules
 * compile.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yara.h>

typedef struct {
    uint8_t b[4];
    int len;
    long files;     /* files holding it */
    uint32_t match; /* its state's match list (1-based index into the pool) */
} atom;

static YR_RULES *rules;
static atom *atoms;
static size_t natoms, cap;
static long by_len[YR_MAX_ATOM_LENGTH + 1];
static long nfiles, hit_files, unreadable;
static unsigned long long nbytes, hit_bytes;
static uint8_t *seen;

static void walk(uint32_t state, int depth, uint8_t *path) {
    if (rules->ac_match_table[state]) {
        by_len[depth]++;
        if (natoms == cap) {
            cap = cap ? 2 * cap : 1024;
            atoms = realloc(atoms, cap * sizeof(*atoms));
            if (!atoms)
                abort();
        }
        atom *a = &atoms[natoms++];
        memcpy(a->b, path, (size_t)depth);
        a->len = depth;
        a->files = 0;
        a->match = rules->ac_match_table[state];
    }
    if (depth == YR_MAX_ATOM_LENGTH)
        return;
    for (uint32_t c = 0; c < 256; c++) {
        YR_AC_TRANSITION t = rules->ac_transition_table[state + c + 1];
        if (!YR_AC_INVALID_TRANSITION(t, c + 1)) {
            path[depth] = (uint8_t)c;
            walk(YR_AC_NEXT_STATE(t), depth + 1, path);
        }
    }
}

/* The atoms as lists through next_of[]: one-byte atoms by their byte,
 * longer ones by their first two bytes. */
static long first1[256], first2[65536], *next_of;

static bool try_list(long k, const uint8_t *p, size_t left) {
    bool any = false;
    for (; k >= 0; k = next_of[k]) {
        atom *a = &atoms[k];
        if (seen[k] || (size_t)a->len > left || memcmp(p, a->b, (size_t)a->len))
            continue;
        seen[k] = 1;
        a->files++;
        any = true;
    }
    return any;
}

static bool holds_atoms(const uint8_t *p, size_t n) {
    bool any = false;
    memset(seen, 0, natoms);
    for (size_t i = 0; i < n; i++) {
        any |= try_list(first1[p[i]], p + i, n - i);
        if (i + 1 < n)
            any |= try_list(first2[p[i] | p[i + 1] << 8], p + i, n - i);
    }
    return any;
}

/* The second figure: strings rather than atoms. A literal string (no xor,
 * no base64) counts only where the whole literal occurs (ascii and/or
 * wide, nocase folded); a regex or hex string wherever one of its atoms
 * does. A rule is "possible" when one of its strings is. Rules without
 * strings are left out (named at the start): a file where no rule with
 * strings is possible could skip libyara only if their conditions were
 * decided without it. */
static uint8_t *str_state; /* 0 not looked at, 1 absent, 2 present */
static uint8_t *rule_possible;
static long str_files, str_skip_files, rules_without_strings;
static unsigned long long str_skip_bytes;

/* the file folded to lower case, made when a nocase string needs it */
static uint8_t *folded;
static size_t folded_cap;
static const uint8_t *folded_of;

static uint8_t lower(uint8_t c) {
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c | 0x20) : c;
}

static bool find_lit(const uint8_t *p, size_t n, const uint8_t *lit, size_t len, bool wide, bool nocase) {
    uint8_t pat[2 * 4096];
    size_t m = wide ? 2 * len : len;
    if (!m || m > n)
        return false;
    if (m > sizeof(pat))
        return true; /* not looked for: counted present */
    for (size_t k = 0; k < len; k++) {
        uint8_t c = nocase ? lower(lit[k]) : lit[k];
        if (wide)
            pat[2 * k] = c, pat[2 * k + 1] = 0;
        else
            pat[k] = c;
    }
    if (nocase) {
        if (folded_of != p) {
            if (folded_cap < n) {
                free(folded);
                folded_cap = n;
                folded = malloc(n);
                if (!folded)
                    abort();
            }
            for (size_t i = 0; i < n; i++)
                folded[i] = lower(p[i]);
            folded_of = p;
        }
        p = folded;
    }
    return memmem(p, n, pat, m) != NULL;
}

static void string_seen(const YR_STRING *st, const uint8_t *p, size_t n) {
    uint32_t i = st->idx;
    if (str_state[i])
        return;
    bool present = true;
    if (STRING_IS_LITERAL(st) && !(st->flags & (STRING_FLAGS_XOR | STRING_FLAGS_BASE64 | STRING_FLAGS_BASE64_WIDE))) {
        bool nocase = STRING_IS_NO_CASE(st) != 0;
        present = (STRING_IS_ASCII(st) && find_lit(p, n, st->string, (size_t)st->length, false, nocase)) ||
                  (STRING_IS_WIDE(st) && find_lit(p, n, st->string, (size_t)st->length, true, nocase));
    }
    str_state[i] = present ? 2 : 1;
    if (present)
        rule_possible[st->rule_idx] = 1;
}

static void strings_pass(const uint8_t *p, size_t n) {
    memset(str_state, 0, rules->num_strings);
    memset(rule_possible, 0, rules->num_rules);
    for (size_t k = 0; k < natoms; k++)
        if (seen[k])
            for (YR_AC_MATCH *m = &rules->ac_match_pool[atoms[k].match - 1]; m; m = m->next)
                string_seen(m->string, p, n);
    bool any = false;
    for (uint32_t r = 0; r < rules->num_rules; r++)
        any |= rule_possible[r];
    if (!any) {
        str_skip_files++;
        str_skip_bytes += n;
    }
    str_files++;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *f) {
    (void)f;
    if (type != FTW_F || !S_ISREG(st->st_mode) || st->st_size == 0)
        return 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    if (fd < 0) {
        unreadable++;
        return 0;
    }
    void *m = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        unreadable++;
        return 0;
    }
    nfiles++;
    nbytes += (unsigned long long)st->st_size;
    if (holds_atoms(m, (size_t)st->st_size)) {
        hit_files++;
        hit_bytes += (unsigned long long)st->st_size;
        strings_pass(m, (size_t)st->st_size);
    } else {
        str_files++;
        str_skip_files++;
        str_skip_bytes += (unsigned long long)st->st_size;
    }
    munmap(m, (size_t)st->st_size);
    folded_of = NULL;
    return 0;
}

static int by_files(const void *a, const void *b) {
    long x = ((const atom *)a)->files, y = ((const atom *)b)->files;
    return (x < y) - (x > y);
}

int main(int argc, char **argv) {
    int i = 1;
    if (yr_initialize() != ERROR_SUCCESS)
        return 1;
    YR_COMPILER *c;
    if (yr_compiler_create(&c) != ERROR_SUCCESS)
        return 1;
    static const char *const vars[] = {"filename", "filepath", "extension", "filetype", "owner"};
    for (size_t k = 0; k < sizeof(vars) / sizeof(vars[0]); k++)
        yr_compiler_define_string_variable(c, vars[k], "");
    for (; i < argc && strcmp(argv[i], "--"); i++) {
        FILE *f = fopen(argv[i], "r");
        char ns[32];
        snprintf(ns, sizeof(ns), "ns%d", i);
        if (!f || yr_compiler_add_file(c, f, ns, argv[i])) {
            fprintf(stderr, "atom-survey: %s: cannot be compiled\n", argv[i]);
            return 1;
        }
        fclose(f);
    }
    if (i >= argc - 1) {
        fprintf(stderr, "usage: atom-survey RULE.yar... -- TREE...\n");
        return 2;
    }
    if (yr_compiler_get_rules(c, &rules) != ERROR_SUCCESS)
        return 1;
    uint8_t path[YR_MAX_ATOM_LENGTH];
    walk(0, 0, path);
    printf("atoms: %zu (", natoms);
    for (int l = 0; l <= YR_MAX_ATOM_LENGTH; l++)
        printf("%s%ld of %d bytes", l ? ", " : "", by_len[l], l);
    printf(")\n");
    if (by_len[0]) {
        printf("an empty atom: every object needs libyara\n");
        return 0;
    }
    next_of = malloc((natoms ? natoms : 1) * sizeof(*next_of));
    seen = malloc(natoms ? natoms : 1);
    if (!next_of || !seen)
        abort();
    memset(first1, -1, sizeof(first1));
    memset(first2, -1, sizeof(first2));
    for (size_t k = natoms; k-- > 0;) {
        long *head = atoms[k].len == 1 ? &first1[atoms[k].b[0]] : &first2[atoms[k].b[0] | atoms[k].b[1] << 8];
        next_of[k] = *head;
        *head = (long)k;
    }
    str_state = calloc(rules->num_strings + 1, 1);
    rule_possible = calloc(rules->num_rules + 1, 1);
    if (!str_state || !rule_possible)
        abort();
    for (uint32_t r = 0; r < rules->num_rules; r++)
        if (rules->rules_table[r].strings == NULL) {
            printf("%s %s", rules_without_strings++ ? "," : "without strings (their conditions left out below):",
                   rules->rules_table[r].identifier);
        }
    if (rules_without_strings)
        printf("\n");
    for (i++; i < argc; i++)
        nftw(argv[i], visit, 64, FTW_PHYS);
    printf("files: %ld, %llu MiB; holding an atom: %ld files (%.1f%%), %llu MiB (%.1f%% of bytes); "
           "unreadable %ld\n",
           nfiles, nbytes >> 20, hit_files, nfiles ? 100.0 * (double)hit_files / (double)nfiles : 0.0,
           hit_bytes >> 20, nbytes ? 100.0 * (double)hit_bytes / (double)nbytes : 0.0, unreadable);
    printf("rules: %u (%ld without strings); files where no rule with strings has a present literal string or an atom "
           "of another string: %ld of %ld (%.1f%%), %llu MiB (%.1f%% of bytes)\n",
           rules->num_rules, rules_without_strings, str_skip_files, str_files,
           str_files ? 100.0 * (double)str_skip_files / (double)str_files : 0.0, str_skip_bytes >> 20,
           nbytes ? 100.0 * (double)str_skip_bytes / (double)nbytes : 0.0);
    qsort(atoms, natoms, sizeof(*atoms), by_files);
    printf("in most files:");
    for (size_t k = 0; k < natoms && k < 12; k++) {
        printf(" \"");
        for (int j = 0; j < atoms[k].len; j++) {
            uint8_t ch = atoms[k].b[j];
            if (ch > ' ' && ch < 127 && ch != '"' && ch != '\\')
                putchar(ch);
            else
                printf("\\x%02x", ch);
        }
        printf("\" %ld", atoms[k].files);
    }
    printf("\n");
    yr_rules_destroy(rules);
    yr_compiler_destroy(c);
    yr_finalize();
    return 0;
}
