/*
 * extract.c - feature vectors of a manifest, with the scanner's own
 * feature code (libminerscan), so training sees exactly what scanning sees.
 *
 *   ms-extract [-o OUT.tsv] MANIFEST...        (- reads a manifest from stdin)
 *   ms-extract --list ROOT LABEL FAMILY GROUP KIND SOURCE-PREFIX
 *
 * --list prints manifest lines (corpus.h) for the ELF and PE files under
 * ROOT, by the scanner's own magic check, without following symlinks; GROUP
 * "self" means each file's own sha256. fetch.sh and eval.sh use it: one
 * process instead of `file` and `sha256sum` per file.
 *
 * Output: the feature table described in corpus.h. Files are deduplicated
 * by sha256 (the first manifest line wins), files that are not ELF or PE by
 * the scanner's own check are dropped, and both are counted on stderr.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "corpus.h"
#include "identify.h"
#include "ms_features.h"
#include "ms_limits.h"

/* The scanner scores a file on disk whole, whatever its size (it maps it
 * and sweeps it in windows), so training reads whole files too, and the
 * manifest's sha256 is the file's: the CUDA libraries of the hard
 * negatives are 287 and 541 MB. The cap only bounds what one file may take
 * here (the corpus tools hold a file in memory). */
#define EXTRACT_MAX_READ ((size_t)4 << 30)

static const char *l_root, *l_label, *l_family, *l_group, *l_kind, *l_src;

static int list_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)ftw;
    if (type != FTW_F || !S_ISREG(st->st_mode) || st->st_size < 64)
        return 0;
    uint8_t *d = NULL;
    size_t len = 0;
    if (corpus_read(path, EXTRACT_MAX_READ, &d, &len, NULL) < 0)
        return 0;
    ms_class cls = ms_identify_fast(d, len);
    if (cls == MS_CLASS_ELF || cls == MS_CLASS_PE) {
        char sha[65];
        corpus_sha256(d, len, sha);
        size_t rl = strlen(l_root);
        const char *rel = !strncmp(path, l_root, rl) && path[rl] == '/' ? path + rl + 1 : path;
        if (!strpbrk(path, "\t\n"))
            printf("%s\t%s\t%s\t%s\t%s\t%s\t%s%s\t%s\n", sha, l_label, l_family,
                   cls == MS_CLASS_ELF ? "elf" : "pe", strcmp(l_group, "self") ? l_group : sha, l_kind,
                   l_src, rel, path);
    }
    free(d);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 8 && !strcmp(argv[1], "--list")) {
        l_root = argv[2], l_label = argv[3], l_family = argv[4], l_group = argv[5];
        l_kind = argv[6], l_src = argv[7];
        return nftw(l_root, list_one, 32, FTW_PHYS) < 0 ? 2 : 0;
    }
    const char *outp = NULL;
    int i = 1;
    if (argc > 2 && !strcmp(argv[1], "-o")) {
        outp = argv[2];
        i = 3;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: ms-extract [-o OUT.tsv] MANIFEST...\n");
        return 2;
    }
    FILE *out = outp ? fopen(outp, "w") : stdout;
    if (!out) {
        fprintf(stderr, "ms-extract: %s: %s\n", outp, strerror(errno));
        return 2;
    }
    ms_featurizer *fz = NULL;
    if (ms_featurizer_new(&fz) < 0)
        return 2;
    size_t dim = ms_features_dim();
    fprintf(out, "#schema\t%s\t%s\n", ms_features_schema_version(), ms_features_schema_hash());
    fprintf(out, "#sha256\tlabel\tfamily\tformat\tgroup\tkind\tsource\tpath");
    for (size_t k = 0; k < dim; k++)
        fprintf(out, "\t%s", ms_feature_name(k));
    fputc('\n', out);

    corpus_set s = {0};
    unsigned long n_ok = 0, n_dup = 0, n_other = 0, n_err = 0;
    char *line = NULL;
    size_t cap = 0;
    for (; i < argc; i++) {
        FILE *in = strcmp(argv[i], "-") ? fopen(argv[i], "r") : stdin;
        if (!in) {
            fprintf(stderr, "ms-extract: %s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        while (getline(&line, &cap, in) > 0) {
            char *f[CORPUS_COLS + 1];
            if (line[0] == '#' || corpus_split(line, f, CORPUS_COLS + 1) < CORPUS_COLS)
                continue;
            int a = corpus_set_add(&s, f[COL_SHA256]);
            if (a < 0)
                return 2;
            if (a == 0) {
                n_dup++;
                continue;
            }
            uint8_t *data = NULL;
            size_t len = 0;
            int r = corpus_read(f[COL_PATH], EXTRACT_MAX_READ, &data, &len, NULL);
            if (r < 0) {
                fprintf(stderr, "ms-extract: %s: %s\n", f[COL_PATH], strerror(-r));
                n_err++;
                continue;
            }
            ms_class cls = ms_identify_fast(data, len);
            if (cls != MS_CLASS_ELF && cls != MS_CLASS_PE) {
                free(data);
                n_other++;
                continue;
            }
            const double *x = NULL;
            if ((r = ms_features_extract(fz, data, len, cls, &x)) < 0) {
                free(data);
                n_err++;
                continue;
            }
            free(data);
            for (int c = 0; c < CORPUS_COLS; c++)
                fprintf(out, "%s%s", c ? "\t" : "", f[c]);
            for (size_t k = 0; k < dim; k++)
                fprintf(out, "\t%.6g", x[k]);
            fputc('\n', out);
            n_ok++;
        }
        if (in != stdin)
            fclose(in);
    }
    free(line);
    corpus_set_free(&s);
    ms_featurizer_free(fz);
    fprintf(stderr, "ms-extract: %lu vectors, %lu duplicates, %lu not ELF/PE, %lu unreadable\n",
            n_ok, n_dup, n_other, n_err);
    if (out != stdout && fclose(out) != 0)
        return 2;
    return 0;
}
