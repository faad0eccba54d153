/*
 * script_train.c - train and measure the script score (scanner/script_score.c).
 *
 *   ms-script-train --positives P.tsv --benign DIR... [options]
 *
 * Positives: the manifest gen_droppers.py writes (label family style group
 * path; '#' lines ignored). Benign: every file under each --benign DIR
 * (not following symlinks, not crossing mounts) that the scanner's own
 * identify calls a script (MS_CLASS_SCRIPT), deduplicated by sha256, so
 * the negatives are exactly the objects the engine hook would score.
 *
 * Benign files are split by their directory (FNV of the parent path), so
 * one package's scripts land on one side: 50% fit, 25% calibration (the
 * threshold), 25% test. The test quarter is never fitted on and never used
 * to choose anything: its false-alarm rate is the figure to trust.
 *
 * The model: L2-regularised logistic regression on standardised features,
 * Newton's method, positives and negatives weighted to equal total weight.
 * The threshold: the score of the calibration quantile at --fpr (default
 * 1e-3) plus --margin in logit (default 1), at least the highest
 * calibration benign score plus a hair: no calibration file is over it.
 *
 * Reported (Markdown, --report): 5-fold cross-validated recall (folds by
 * sample) per style and leave-one-style-out recall (the style out of
 * fitting, threshold chosen again), each at the threshold; the false-alarm
 * rate on calibration and test; the test files over the threshold; the
 * largest weights.
 *
 * Options:
 *   --header PATH   write the model as C (scanner/script_model_data.h)
 *   --report PATH   the Markdown report (default: stdout)
 *   --lambda L      L2 strength on the mean weighted log-loss (default 0.01)
 *   --fpr F         calibration false-positive target (default 1e-3)
 *   --margin M      logits added to the calibration threshold (default 1)
 *   --version V     model version string (default: today's date)
 *   --dump PATH     the feature table (TSV), for inspection and --features
 *   --features PATH train from a --dump table instead of reading files
 *                   (seconds instead of minutes: walking /usr is the cost)
 *   --sweep         first print leave-one-style-out recall for lambdas
 *                   0.001 .. 1 (how the default was chosen)
 */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "corpus.h"
#include "identify.h"
#include "script_score.h"

typedef struct row {
    char *family, *style, *group, *path;
    int y;        /* 1 dropper, 0 benign */
    int split;    /* benign: 0 fit, 1 calibration, 2 test */
    int fold;     /* positives: 0..4 */
    bool miner_word;
    double *x;
    double z;     /* out-of-fold logit, then the final model's */
} row;

static row *rows;
static size_t n_rows, cap_rows, dim;
static ms_script_scorer *scorer;
static corpus_set seen;
static unsigned long n_candidates, n_dupes;

static void *xmalloc(size_t n) {
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fprintf(stderr, "ms-script-train: out of memory\n");
        exit(2);
    }
    return p;
}

static char *xstrdup(const char *s) {
    char *p = strdup(s);
    if (!p) {
        fprintf(stderr, "ms-script-train: out of memory\n");
        exit(2);
    }
    return p;
}

static int miner_group_index(void) {
    for (size_t i = 0; i < dim; i++)
        if (!strcmp(ms_script_feature_name(i), "grp:miner"))
            return (int)i;
    return -1;
}

static row *add_row(const uint8_t *d, size_t n) {
    if (n_rows == cap_rows) {
        cap_rows = cap_rows ? cap_rows * 2 : 4096;
        rows = realloc(rows, cap_rows * sizeof(*rows));
        if (!rows) {
            fprintf(stderr, "ms-script-train: out of memory\n");
            exit(2);
        }
    }
    row *r = &rows[n_rows++];
    memset(r, 0, sizeof(*r));
    const double *x = NULL;
    if (ms_script_features(scorer, d, n, &x) < 0) {
        fprintf(stderr, "ms-script-train: features failed\n");
        exit(2);
    }
    r->x = xmalloc(dim * sizeof(double));
    memcpy(r->x, x, dim * sizeof(double));
    int mg = miner_group_index();
    r->miner_word = mg >= 0 && x[mg] > 0;
    return r;
}

static int load_positives(const char *path) {
    FILE *in = fopen(path, "r");
    if (!in)
        return -errno;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in) > 0) {
        char *f[6];
        if (line[0] == '#' || corpus_split(line, f, 6) != 5)
            continue;
        uint8_t *d = NULL;
        size_t n = 0;
        bool cut = false;
        if (corpus_read(f[4], MS_SCRIPT_MAX_BYTES, &d, &n, &cut) < 0) {
            fprintf(stderr, "ms-script-train: cannot read %s\n", f[4]);
            continue;
        }
        row *r = add_row(d, n);
        free(d);
        r->y = 1;
        r->family = xstrdup(f[1]);
        r->style = xstrdup(f[2]);
        r->group = xstrdup(f[3]);
        r->path = xstrdup(f[4]);
        r->fold = (int)((corpus_fnv(f[3]) >> 16) % 5);
    }
    free(line);
    fclose(in);
    return 0;
}

/* A table written by --dump: label style split path, then the features;
 * its header must name this build's features in order. */
static int load_dump(const char *path) {
    FILE *in = fopen(path, "r");
    if (!in)
        return -errno;
    char *line = NULL;
    size_t cap = 0;
    char **f = xmalloc((dim + 5) * sizeof(*f));
    int r = 0, mg = miner_group_index();
    bool header = true;
    while (getline(&line, &cap, in) > 0) {
        size_t nf = corpus_split(line, f, dim + 5);
        if (header) {
            header = false;
            for (size_t j = 0; j < dim && r == 0; j++)
                if (nf != dim + 4 || strcmp(f[4 + j], ms_script_feature_name(j)))
                    r = -EINVAL;
            if (r < 0) {
                fprintf(stderr, "ms-script-train: %s was dumped with other features; extract again\n", path);
                break;
            }
            continue;
        }
        if (nf != dim + 4)
            continue;
        if (n_rows == cap_rows) {
            cap_rows = cap_rows ? cap_rows * 2 : 4096;
            rows = realloc(rows, cap_rows * sizeof(*rows));
            if (!rows) {
                r = -ENOMEM;
                break;
            }
        }
        row *w = &rows[n_rows++];
        memset(w, 0, sizeof(*w));
        w->x = xmalloc(dim * sizeof(double));
        for (size_t j = 0; j < dim; j++)
            w->x[j] = strtod(f[4 + j], NULL);
        w->y = atoi(f[0]) == 1;
        w->style = xstrdup(f[1]);
        w->family = xstrdup(f[1]);
        w->split = atoi(f[2]);
        w->path = xstrdup(f[3]);
        const char *slash = strrchr(f[3], '/');
        w->group = w->y ? xstrdup(slash ? slash + 1 : f[3])
                        : (slash ? strndup(f[3], (size_t)(slash - f[3])) : xstrdup("."));
        w->fold = (int)((corpus_fnv(w->group) >> 16) % 5);
        w->miner_word = mg >= 0 && w->x[mg] > 0;
    }
    free(f);
    free(line);
    fclose(in);
    return r;
}

static int on_file(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)ftw;
    if (type != FTW_F || !S_ISREG(st->st_mode) || st->st_size == 0)
        return 0;
    n_candidates++;
    uint8_t *d = NULL;
    size_t n = 0;
    bool cut = false;
    if (corpus_read(path, MS_SCRIPT_MAX_BYTES, &d, &n, &cut) < 0)
        return 0;
    const char *base = strrchr(path, '/');
    /* the scanner's own class decision: the model is fitted on what it scores */
    if (ms_identify_class(d, n, base ? base + 1 : path, NULL) != MS_CLASS_SCRIPT) {
        free(d);
        return 0;
    }
    char sha[65];
    corpus_sha256(d, n, sha);
    if (corpus_set_add(&seen, sha) == 0) {
        n_dupes++;
        free(d);
        return 0;
    }
    row *r = add_row(d, n);
    free(d);
    r->y = 0;
    r->family = xstrdup("benign");
    r->style = xstrdup("benign");
    r->path = xstrdup(path);
    const char *slash = strrchr(path, '/');
    r->group = slash ? strndup(path, (size_t)(slash - path)) : xstrdup(".");
    unsigned h = (unsigned)(corpus_fnv(r->group) % 100);
    r->split = h < 50 ? 0 : h < 75 ? 1 : 2;
    return 0;
}

/* ---- fitting ---- */

typedef struct model {
    double *w, *mean, *scale, bias;
} model;

static double sigmoid(double z) {
    return 1.0 / (1.0 + exp(-z));
}

static double model_z(const model *m, const double *x) {
    double z = m->bias;
    for (size_t j = 0; j < dim; j++)
        if (m->scale[j] > 0)
            z += m->w[j] * (x[j] - m->mean[j]) / m->scale[j];
    return z;
}

/* Fit on the rows use[] marks. */
static void fit(const bool *use, double lambda, model *m) {
    size_t D = dim + 1;
    m->w = xmalloc(dim * sizeof(double));
    m->mean = xmalloc(dim * sizeof(double));
    m->scale = xmalloc(dim * sizeof(double));
    double npos = 0, nneg = 0;
    for (size_t i = 0; i < n_rows; i++)
        if (use[i])
            *(rows[i].y ? &npos : &nneg) += 1;
    for (size_t j = 0; j < dim; j++) {
        double s = 0, s2 = 0, c = 0;
        for (size_t i = 0; i < n_rows; i++)
            if (use[i]) {
                s += rows[i].x[j];
                s2 += rows[i].x[j] * rows[i].x[j];
                c++;
            }
        m->mean[j] = s / c;
        double v = s2 / c - m->mean[j] * m->mean[j];
        m->scale[j] = v > 1e-12 ? sqrt(v) : 0;
    }
    double wp = 0.5 / npos, wn = 0.5 / nneg; /* equal total weight, sum 1 */
    double *beta = xmalloc(D * sizeof(double)), *g = xmalloc(D * sizeof(double));
    double *H = xmalloc(D * D * sizeof(double)), *xs = xmalloc(D * sizeof(double));
    for (int it = 0; it < 50; it++) {
        memset(g, 0, D * sizeof(double));
        memset(H, 0, D * D * sizeof(double));
        for (size_t i = 0; i < n_rows; i++) {
            if (!use[i])
                continue;
            for (size_t j = 0; j < dim; j++)
                xs[j] = m->scale[j] > 0 ? (rows[i].x[j] - m->mean[j]) / m->scale[j] : 0;
            xs[dim] = 1;
            double z = 0;
            for (size_t j = 0; j < D; j++)
                z += beta[j] * xs[j];
            double p = sigmoid(z), wi = rows[i].y ? wp : wn;
            double e = wi * (p - rows[i].y), h = wi * p * (1 - p);
            for (size_t j = 0; j < D; j++) {
                if (xs[j] == 0)
                    continue;
                g[j] += e * xs[j];
                for (size_t k = 0; k <= j; k++)
                    H[j * D + k] += h * xs[j] * xs[k];
            }
        }
        for (size_t j = 0; j < D; j++)
            for (size_t k = 0; k < j; k++)
                H[k * D + j] = H[j * D + k];
        for (size_t j = 0; j < dim; j++) {
            g[j] += lambda * beta[j];
            H[j * D + j] += lambda;
        }
        H[dim * D + dim] += 1e-9;
        if (corpus_cholesky_solve(H, g, D) < 0) {
            fprintf(stderr, "ms-script-train: Hessian not positive definite\n");
            exit(2);
        }
        double step = 0;
        for (size_t j = 0; j < D; j++) {
            beta[j] -= g[j];
            step += fabs(g[j]);
        }
        if (step < 1e-8)
            break;
    }
    memcpy(m->w, beta, dim * sizeof(double));
    m->bias = beta[dim];
    free(beta);
    free(g);
    free(H);
    free(xs);
}

static void model_free(model *m) {
    free(m->w);
    free(m->mean);
    free(m->scale);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The threshold logit from the calibration benign rows' logits (in z). */
static double choose_threshold(double fpr, double margin) {
    size_t n = 0;
    for (size_t i = 0; i < n_rows; i++)
        n += rows[i].y == 0 && rows[i].split == 1;
    double *z = xmalloc((n ? n : 1) * sizeof(double));
    n = 0;
    for (size_t i = 0; i < n_rows; i++)
        if (rows[i].y == 0 && rows[i].split == 1)
            z[n++] = rows[i].z;
    qsort(z, n, sizeof(double), cmp_double);
    size_t k = (size_t)floor((double)n * (1 - fpr));
    if (k >= n)
        k = n - 1;
    double t = z[k] + margin;
    if (t <= z[n - 1])
        t = z[n - 1] + 1e-6;
    free(z);
    return t;
}

static void score_rows(const model *m, const bool *which) {
    for (size_t i = 0; i < n_rows; i++)
        if (!which || which[i])
            rows[i].z = model_z(m, rows[i].x);
}

/* ---- report ---- */

static const char *styles[64];
static size_t n_styles;

static void collect_styles(void) {
    for (size_t i = 0; i < n_rows; i++) {
        if (!rows[i].y)
            continue;
        size_t k = 0;
        while (k < n_styles && strcmp(styles[k], rows[i].style))
            k++;
        if (k == n_styles && n_styles < 64)
            styles[n_styles++] = rows[i].style;
    }
}

int main(int argc, char **argv) {
    bool sweep = false;
    const char *from = NULL;
    const char *pos = NULL, *header = NULL, *report = NULL, *version = NULL, *dump = NULL;
    const char *roots[16];
    size_t n_roots = 0;
    double lambda = 0.01, fpr = 1e-3, margin = 1.0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--positives") && v)
            pos = argv[++i];
        else if (!strcmp(a, "--benign") && v && n_roots < 16)
            roots[n_roots++] = argv[++i];
        else if (!strcmp(a, "--header") && v)
            header = argv[++i];
        else if (!strcmp(a, "--report") && v)
            report = argv[++i];
        else if (!strcmp(a, "--lambda") && v)
            lambda = strtod(argv[++i], NULL);
        else if (!strcmp(a, "--fpr") && v)
            fpr = strtod(argv[++i], NULL);
        else if (!strcmp(a, "--margin") && v)
            margin = strtod(argv[++i], NULL);
        else if (!strcmp(a, "--version") && v)
            version = argv[++i];
        else if (!strcmp(a, "--features") && v)
            from = argv[++i];
        else if (!strcmp(a, "--sweep"))
            sweep = true;
        else if (!strcmp(a, "--dump") && v)
            dump = argv[++i];
        else {
            fprintf(stderr, "usage: ms-script-train --positives P.tsv --benign DIR... [--header H] "
                            "[--report R.md] [--lambda L] [--fpr F] [--margin M] [--version V] [--dump T]\n");
            return 2;
        }
    }
    if (!from && (!pos || !n_roots)) {
        fprintf(stderr, "ms-script-train: --positives and at least one --benign (or --features) are needed\n");
        return 2;
    }
    char today[32];
    time_t now = time(NULL);
    strftime(today, sizeof(today), "%Y-%m-%d", gmtime(&now));
    if (!version)
        version = today;
    dim = ms_script_features_dim();
    if (ms_script_scorer_new(&scorer) < 0) {
        fprintf(stderr, "ms-script-train: cannot set up the scorer\n");
        return 2;
    }
    size_t n_pos = 0;
    if (from) {
        int r = load_dump(from);
        if (r < 0) {
            fprintf(stderr, "ms-script-train: %s: %s\n", from, strerror(-r));
            return 2;
        }
        for (size_t i = 0; i < n_rows; i++)
            n_pos += rows[i].y;
        roots[n_roots++] = from;
    } else {
        int r = load_positives(pos);
        if (r < 0) {
            fprintf(stderr, "ms-script-train: %s: %s\n", pos, strerror(-r));
            return 2;
        }
        n_pos = n_rows;
        for (size_t i = 0; i < n_roots; i++)
            nftw(roots[i], on_file, 32, FTW_PHYS | FTW_MOUNT);
    }
    size_t n_ben = n_rows - n_pos;
    fprintf(stderr, "ms-script-train: %zu positives, %zu benign scripts (%lu files seen, %lu duplicates)\n",
            n_pos, n_ben, n_candidates, n_dupes);
    if (!n_pos || !n_ben)
        return 2;
    collect_styles();

    if (dump) {
        FILE *o = fopen(dump, "w");
        if (o) {
            fprintf(o, "label\tstyle\tsplit\tpath");
            for (size_t j = 0; j < dim; j++)
                fprintf(o, "\t%s", ms_script_feature_name(j));
            fputc('\n', o);
            for (size_t i = 0; i < n_rows; i++) {
                fprintf(o, "%d\t%s\t%d\t%s", rows[i].y, rows[i].style, rows[i].split, rows[i].path);
                for (size_t j = 0; j < dim; j++)
                    fprintf(o, "\t%.4g", rows[i].x[j]);
                fputc('\n', o);
            }
            fclose(o);
        }
    }

    bool *use = xmalloc(n_rows * sizeof(bool)), *held = xmalloc(n_rows * sizeof(bool));
    if (sweep) {
        /* leave-one-style-out recall and calibration false alarms for a
         * range of lambdas (the choice of --lambda is reported from this) */
        static const double lams[] = {0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1};
        for (size_t li = 0; li < sizeof(lams) / sizeof(lams[0]); li++) {
            double hit = 0, n = 0, worst = 1;
            for (size_t s = 0; s < n_styles; s++) {
                double sh = 0, sn = 0;
                for (size_t i = 0; i < n_rows; i++) {
                    use[i] = rows[i].y ? strcmp(rows[i].style, styles[s]) != 0 : rows[i].split == 0;
                    held[i] = (rows[i].y && !use[i]) || (!rows[i].y && rows[i].split == 1);
                }
                model sm;
                fit(use, lams[li], &sm);
                score_rows(&sm, held);
                double st = choose_threshold(fpr, margin);
                for (size_t i = 0; i < n_rows; i++)
                    if (rows[i].y && !use[i]) {
                        sn++;
                        sh += rows[i].z >= st;
                    }
                model_free(&sm);
                hit += sh;
                n += sn;
                if (sh / sn < worst)
                    worst = sh / sn;
            }
            fprintf(stderr, "sweep: lambda %g: leave-one-style-out recall %.3f, worst style %.3f\n", lams[li],
                    hit / n, worst);
        }
    }
    double cv_hit[64] = {0}, cv_n[64] = {0}, lo_hit[64] = {0}, lo_n[64] = {0};
    double cv_free_hit = 0, cv_free_n = 0;

    /* 5-fold CV over positives (benign fit rows always in; the threshold
     * chosen on calibration each time) */
    for (int k = 0; k < 5; k++) {
        for (size_t i = 0; i < n_rows; i++) {
            use[i] = rows[i].y ? rows[i].fold != k : rows[i].split == 0;
            held[i] = (rows[i].y && rows[i].fold == k) || (!rows[i].y && rows[i].split == 1);
        }
        model m;
        fit(use, lambda, &m);
        score_rows(&m, held);
        double t = choose_threshold(fpr, margin);
        for (size_t i = 0; i < n_rows; i++) {
            if (!rows[i].y || rows[i].fold != k)
                continue;
            size_t s = 0;
            while (strcmp(styles[s], rows[i].style))
                s++;
            cv_n[s]++;
            cv_hit[s] += rows[i].z >= t;
            if (!rows[i].miner_word) {
                cv_free_n++;
                cv_free_hit += rows[i].z >= t;
            }
        }
        model_free(&m);
    }
    /* leave one style out */
    for (size_t s = 0; s < n_styles; s++) {
        for (size_t i = 0; i < n_rows; i++) {
            use[i] = rows[i].y ? strcmp(rows[i].style, styles[s]) != 0 : rows[i].split == 0;
            held[i] = (rows[i].y && !use[i]) || (!rows[i].y && rows[i].split == 1);
        }
        model m;
        fit(use, lambda, &m);
        score_rows(&m, held);
        double t = choose_threshold(fpr, margin);
        for (size_t i = 0; i < n_rows; i++)
            if (rows[i].y && !use[i]) {
                lo_n[s]++;
                lo_hit[s] += rows[i].z >= t;
            }
        model_free(&m);
    }
    /* the final model: every positive, the benign fit half */
    for (size_t i = 0; i < n_rows; i++)
        use[i] = rows[i].y || rows[i].split == 0;
    model m;
    fit(use, lambda, &m);
    score_rows(&m, NULL);
    double t = choose_threshold(fpr, margin);
    double thr = sigmoid(t);
    size_t cal_n = 0, cal_fp = 0, test_n = 0, test_fp = 0, fit_n = 0, fit_fp = 0;
    for (size_t i = 0; i < n_rows; i++) {
        if (rows[i].y)
            continue;
        bool over = rows[i].z >= t;
        if (rows[i].split == 0) {
            fit_n++;
            fit_fp += over;
        } else if (rows[i].split == 1) {
            cal_n++;
            cal_fp += over;
        } else {
            test_n++;
            test_fp += over;
        }
    }

    FILE *out = report ? fopen(report, "w") : stdout;
    if (!out) {
        fprintf(stderr, "ms-script-train: %s: %s\n", report, strerror(errno));
        return 2;
    }
    fprintf(out, "# The script score: training report\n\n");
    fprintf(out, "Made by `ms-script-train` (corpus-tools/script_train.c), model version %s, schema %s, "
                 "%zu features, lambda %g, calibration FPR target %g + %g logit.\n\n",
            version, ms_script_features_schema_hash(), dim, lambda, fpr, margin);
    fprintf(out, "Positives: %zu SYNTHETIC droppers from corpus-tools/gen_droppers.py (%zu styles). "
                 "Benign: %zu distinct scripts (identify class `script`) under", n_pos, n_styles, n_ben);
    for (size_t i = 0; i < n_roots; i++)
        fprintf(out, " `%s`", roots[i]);
    fprintf(out, " of the training machine, split by directory: %zu fit, %zu calibration, %zu test.\n\n",
            fit_n, cal_n, test_n);
    fprintf(out, "Threshold: **%.6f** (logit %.3f).\n\n", thr, t);
    fprintf(out, "## Recall per style (at the threshold chosen without the held-out samples)\n\n");
    fprintf(out, "| style | 5-fold CV recall | leave-one-style-out recall |\n|---|---|---|\n");
    double tcv = 0, ncv = 0, tlo = 0, nlo = 0;
    for (size_t s = 0; s < n_styles; s++) {
        fprintf(out, "| %s | %.3f (%.0f/%.0f) | %.3f (%.0f/%.0f) |\n", styles[s], cv_hit[s] / cv_n[s], cv_hit[s],
                cv_n[s], lo_hit[s] / lo_n[s], lo_hit[s], lo_n[s]);
        tcv += cv_hit[s];
        ncv += cv_n[s];
        tlo += lo_hit[s];
        nlo += lo_n[s];
    }
    fprintf(out, "| **all** | %.3f | %.3f |\n\n", tcv / ncv, tlo / nlo);
    fprintf(out, "Samples that name no miner at all (no token of group `miner`): 5-fold CV recall %.3f "
                 "(%.0f/%.0f).\n\n", cv_free_n ? cv_free_hit / cv_free_n : 0, cv_free_hit, cv_free_n);
    fprintf(out, "## False alarms of the final model on benign scripts\n\n");
    fprintf(out, "| split | scripts | over the threshold | rate |\n|---|---|---|---|\n");
    fprintf(out, "| fit (trained on) | %zu | %zu | %.5f |\n", fit_n, fit_fp, fit_n ? (double)fit_fp / (double)fit_n : 0);
    fprintf(out, "| calibration (threshold) | %zu | %zu | %.5f |\n", cal_n, cal_fp, cal_n ? (double)cal_fp / (double)cal_n : 0);
    fprintf(out, "| **test (never used)** | %zu | %zu | %.5f |\n\n", test_n, test_fp,
            test_n ? (double)test_fp / (double)test_n : 0);
    if (test_fp) {
        fprintf(out, "Test files over the threshold:\n\n");
        for (size_t i = 0; i < n_rows; i++)
            if (!rows[i].y && rows[i].split == 2 && rows[i].z >= t)
                fprintf(out, "- `%s` (%.4f)\n", rows[i].path, sigmoid(rows[i].z));
        fputc('\n', out);
    }
    fprintf(out, "Highest-scoring benign scripts (any split):\n\n");
    bool *taken = xmalloc(n_rows * sizeof(bool));
    for (int rank = 0; rank < 10; rank++) {
        size_t bi = SIZE_MAX;
        for (size_t i = 0; i < n_rows; i++)
            if (!rows[i].y && !taken[i] && (bi == SIZE_MAX || rows[i].z > rows[bi].z))
                bi = i;
        if (bi == SIZE_MAX)
            break;
        taken[bi] = true;
        fprintf(out, "- `%s` split %d: %.4f\n", rows[bi].path, rows[bi].split, sigmoid(rows[bi].z));
    }
    free(taken);
    fprintf(out, "\n## The largest weights (standardised)\n\n| feature | weight |\n|---|---|\n");
    bool *done = xmalloc(dim * sizeof(bool));
    for (int rank = 0; rank < 25; rank++) {
        size_t bj = SIZE_MAX;
        for (size_t j = 0; j < dim; j++)
            if (!done[j] && (bj == SIZE_MAX || fabs(m.w[j]) > fabs(m.w[bj])))
                bj = j;
        if (bj == SIZE_MAX)
            break;
        done[bj] = true;
        fprintf(out, "| `%s` | %+.3f |\n", ms_script_feature_name(bj), m.w[bj]);
    }
    free(done);
    if (out != stdout)
        fclose(out);

    if (header) {
        FILE *h = fopen(header, "w");
        if (!h) {
            fprintf(stderr, "ms-script-train: %s: %s\n", header, strerror(errno));
            return 2;
        }
        fprintf(h, "/* generated by corpus-tools ms-script-train (models/SCRIPT_REPORT.md); do not edit */\n");
        fprintf(h, "#define MS_SCRIPT_MODEL_VERSION \"script-logreg %s\"\n", version);
        fprintf(h, "#define MS_SCRIPT_MODEL_SCHEMA_HASH \"%s\"\n", ms_script_features_schema_hash());
        fprintf(h, "#define MS_SCRIPT_MODEL_THRESHOLD %.17g\n", thr);
        fprintf(h, "#define MS_SCRIPT_MODEL_BIAS %.17g\n", m.bias);
        fprintf(h, "#define MS_SCRIPT_MODEL_DIM %zu\n", dim);
        const char *names[3] = {"weight", "mean", "scale"};
        const double *vals[3] = {m.w, m.mean, m.scale};
        for (int k = 0; k < 3; k++) {
            fprintf(h, "static const double ms_script_model_%s[MS_SCRIPT_MODEL_DIM + 1] = {\n", names[k]);
            for (size_t j = 0; j < dim; j++)
                fprintf(h, "    %.17g, /* %s */\n", vals[k][j], ms_script_feature_name(j));
            fprintf(h, "    0};\n");
        }
        fclose(h);
    }
    model_free(&m);
    fprintf(stderr, "ms-script-train: threshold %.6f; CV recall %.3f, LOSO recall %.3f; test FPR %zu/%zu\n", thr,
            tcv / ncv, tlo / nlo, test_fp, test_n);
    return 0;
}
