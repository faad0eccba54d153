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
 * and bytes hold at least one, and which atoms are in most files.
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
    long files; /* files holding it */
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
    }
    munmap(m, (size_t)st->st_size);
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
    for (i++; i < argc; i++)
        nftw(argv[i], visit, 64, FTW_PHYS);
    printf("files: %ld, %llu MiB; holding an atom: %ld files (%.1f%%), %llu MiB (%.1f%% of bytes); "
           "unreadable %ld\n",
           nfiles, nbytes >> 20, hit_files, nfiles ? 100.0 * (double)hit_files / (double)nfiles : 0.0,
           hit_bytes >> 20, nbytes ? 100.0 * (double)hit_bytes / (double)nbytes : 0.0, unreadable);
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
