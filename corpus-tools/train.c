/*
 * train.c - L2-regularised logistic regression over standardised features,
 * evaluated the way the model is used: on data it was not trained on.
 *
 *   ms-train [options] FEATURES.tsv...            train, evaluate, write
 *   ms-train --eval-only [options] FEATURES.tsv... evaluate the compiled-in model
 *
 * Options:
 *   --json PATH        write the model (models/<name>.json format)
 *   --report PATH      write the Markdown report (default: stdout)
 *   --name NAME --version V   model name and version (default miner-logreg, date)
 *   --lambda L         L2 strength on the mean weighted log-loss (default 0.1,
 *                      chosen by grouped cross-validation TPR at FPR 1e-4 over
 *                      1e-4 .. 0.3)
 *   --folds K          grouped cross-validation folds (default 5)
 *   --calib PCT        percent of benign groups (packages) held out to choose
 *                      the threshold (default 25); never used for fitting
 *   --fpr F            target false-positive rate for the threshold (1e-4)
 *   --exclude FILE     drop rows whose sha256 is the first column of a line
 *                      of FILE (e.g. the training manifest, so an evaluation
 *                      counts only files the model never saw)
 *   --title TEXT       report title
 *   --hard-weight W    weight of a hard negative (a benign row whose family is
 *                      CATEGORY/PACKAGE, fetch.sh) relative to another benign
 *                      row in fitting (default 20)
 *
 * The report gives false alarms per hard-negative category: out-of-fold
 * scores for the rows fitted on, the final model's for the held-out ones.
 *
 * Rows labelled "gray" are never fitted on; they are scored and listed.
 * Cross-validation folds and the calibration split are made by hashing the
 * group column, so a parent and all its augmented children, or all files of
 * one Debian package, always land on the same side.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "corpus.h"
#include "model.h"
#include "ms_features.h"

typedef struct sample {
    char *meta[CORPUS_COLS];
    double *x;
    int y;          /* 1 miner, 0 benign, -1 gray */
    double wt;      /* fitting weight within its class */
    bool calib;     /* benign held out for the threshold */
    int fold;
    double score;   /* out-of-fold or final score */
} sample;

typedef struct dataset {
    sample *s;
    size_t n, cap;
    size_t dim;
} dataset;

typedef struct model {
    size_t dim;
    double *w, *mean, *scale;
    double bias;
} model;

static void *xmalloc(size_t n) {
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fprintf(stderr, "ms-train: out of memory\n");
        exit(2);
    }
    return p;
}

/* ---- exclusion set ---- */

static int load_exclude(const char *path, corpus_set *s) {
    FILE *in = fopen(path, "r");
    if (!in)
        return -errno;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in) > 0) {
        if (line[0] == '#')
            continue;
        char *t = strpbrk(line, "\t\n");
        if (t)
            *t = '\0';
        if (*line)
            if (corpus_set_add(s, line) < 0) {
                fprintf(stderr, "ms-train: out of memory\n");
                exit(2);
            }
    }
    free(line);
    fclose(in);
    return 0;
}

static int load(const char *path, dataset *ds, const corpus_set *excl, unsigned calib_pct,
                unsigned folds, double hard_weight, unsigned long *n_excluded) {
    FILE *in = fopen(path, "r");
    if (!in)
        return -errno;
    char *line = NULL;
    size_t cap = 0;
    size_t dim = ms_features_dim();
    char **f = xmalloc((CORPUS_COLS + dim + 1) * sizeof(*f));
    int r = 0;
    bool have_schema = false;
    while (getline(&line, &cap, in) > 0) {
        if (!strncmp(line, "#schema\t", 8)) {
            char *fl[3];
            have_schema = true;
            if (corpus_split(line, fl, 3) < 3 || strcmp(fl[2], ms_features_schema_hash())) {
                fprintf(stderr, "ms-train: %s: schema %s, this build has %s; re-run ms-extract\n",
                        path, fl[2], ms_features_schema_hash());
                r = -EINVAL;
                break;
            }
            continue;
        }
        if (line[0] == '#')
            continue;
        size_t nf = corpus_split(line, f, CORPUS_COLS + dim + 1);
        if (nf != CORPUS_COLS + dim)
            continue;
        if (excl && corpus_set_has(excl, f[COL_SHA256])) {
            (*n_excluded)++;
            continue;
        }
        if (ds->n == ds->cap) {
            ds->cap = ds->cap ? ds->cap * 2 : 4096;
            ds->s = realloc(ds->s, ds->cap * sizeof(sample));
            if (!ds->s) {
                r = -ENOMEM;
                break;
            }
        }
        sample *s = &ds->s[ds->n++];
        memset(s, 0, sizeof(*s));
        for (int c = 0; c < CORPUS_COLS; c++)
            s->meta[c] = strdup(f[c]);
        s->x = xmalloc(dim * sizeof(double));
        for (size_t k = 0; k < dim; k++)
            s->x[k] = strtod(f[CORPUS_COLS + k], NULL);
        const char *lab = f[COL_LABEL];
        s->y = !strcmp(lab, "miner") ? 1 : !strcmp(lab, "benign") ? 0 : -1;
        s->wt = s->y == 0 && strchr(f[COL_FAMILY], '/') ? hard_weight : 1;
        uint64_t h = corpus_fnv(f[COL_GROUP]);
        s->calib = s->y == 0 && (h % 100) < calib_pct;
        s->fold = (int)((h >> 20) % folds);
    }
    free(f);
    if (r == 0 && !have_schema) {
        fprintf(stderr, "ms-train: %s: no #schema line: not a table from ms-extract\n", path);
        r = -EINVAL;
    }
    free(line);
    fclose(in);
    ds->dim = dim;
    return r;
}

/* ---- fitting ---- */

static double sigmoid(double z) {
    return 1.0 / (1.0 + exp(-z));
}

static double logit(double p) {
    return log(p / (1 - p));
}

static void model_free(model *m) {
    free(m->w);
    free(m->mean);
    free(m->scale);
}

static double model_z(const model *m, const double *x) {
    double z = m->bias;
    for (size_t j = 0; j < m->dim; j++)
        z += m->w[j] * (x[j] - m->mean[j]) / m->scale[j];
    return z;
}

/* Fit on the samples where use[i]; classes weighted to equal total weight.
 * Newton's method on the mean weighted log-loss + lambda/2 |w|^2 (the bias
 * is not penalised). */
static void fit(const dataset *ds, const bool *use, double lambda, model *m) {
    size_t d = ds->dim, D = d + 1;
    m->dim = d;
    m->w = xmalloc(d * sizeof(double));
    m->mean = xmalloc(d * sizeof(double));
    m->scale = xmalloc(d * sizeof(double));
    double npos = 0, nneg = 0;
    for (size_t i = 0; i < ds->n; i++)
        if (use[i])
            ds->s[i].y ? (npos += ds->s[i].wt) : (nneg += ds->s[i].wt);
    double cpos = npos ? 0.5 / npos : 0, cneg = nneg ? 0.5 / nneg : 0;
    /* standardisation from the (unweighted) training rows */
    double cnt = 0;
    for (size_t i = 0; i < ds->n; i++)
        cnt += use[i];
    for (size_t i = 0; i < ds->n; i++)
        if (use[i])
            for (size_t j = 0; j < d; j++)
                m->mean[j] += ds->s[i].x[j] / cnt;
    for (size_t i = 0; i < ds->n; i++)
        if (use[i])
            for (size_t j = 0; j < d; j++) {
                double t = ds->s[i].x[j] - m->mean[j];
                m->scale[j] += t * t / cnt;
            }
    for (size_t j = 0; j < d; j++)
        m->scale[j] = m->scale[j] > 1e-12 ? sqrt(m->scale[j]) : 1.0;

    double *beta = xmalloc(D * sizeof(double)); /* [bias, w...] */
    double *H = xmalloc(D * D * sizeof(double)), *g = xmalloc(D * sizeof(double));
    double *z = xmalloc(D * sizeof(double));
    for (int it = 0; it < 30; it++) {
        memset(H, 0, D * D * sizeof(double));
        memset(g, 0, D * sizeof(double));
        for (size_t i = 0; i < ds->n; i++) {
            if (!use[i])
                continue;
            const sample *s = &ds->s[i];
            z[0] = 1;
            for (size_t j = 0; j < d; j++)
                z[j + 1] = (s->x[j] - m->mean[j]) / m->scale[j];
            double t = 0;
            for (size_t j = 0; j < D; j++)
                t += beta[j] * z[j];
            double p = sigmoid(t), c = (s->y ? cpos : cneg) * s->wt;
            double r = c * (p - s->y), wgt = c * p * (1 - p);
            if (wgt < 1e-12 * c)
                wgt = 1e-12 * c;
            for (size_t j = 0; j < D; j++) {
                g[j] += r * z[j];
                double wz = wgt * z[j];
                if (wz == 0)
                    continue;
                for (size_t k = 0; k <= j; k++)
                    H[j * D + k] += wz * z[k];
            }
        }
        for (size_t j = 0; j < D; j++)
            for (size_t k = j + 1; k < D; k++)
                H[j * D + k] = H[k * D + j];
        for (size_t j = 1; j < D; j++) {
            g[j] += lambda * beta[j];
            H[j * D + j] += lambda;
        }
        H[0] += 1e-9;
        if (corpus_cholesky_solve(H, g, D) < 0)
            break;
        double step = 0;
        for (size_t j = 0; j < D; j++) {
            beta[j] -= g[j];
            step += g[j] * g[j];
        }
        if (step < 1e-12)
            break;
    }
    m->bias = beta[0];
    for (size_t j = 0; j < d; j++)
        m->w[j] = beta[j + 1];
    free(beta);
    free(H);
    free(g);
    free(z);
}

/* ---- metrics ---- */

static int cmp_desc(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* ROC AUC of scores (Mann-Whitney with ties counted half). */
static double auc(const double *pos, size_t np, const double *neg, size_t nn) {
    if (!np || !nn)
        return NAN;
    double *a = xmalloc(np * sizeof(double)), *b = xmalloc(nn * sizeof(double));
    memcpy(a, pos, np * sizeof(double));
    memcpy(b, neg, nn * sizeof(double));
    qsort(a, np, sizeof(double), cmp_desc);
    qsort(b, nn, sizeof(double), cmp_desc);
    /* count pairs pos > neg by merging descending lists */
    double wins = 0;
    size_t j = 0;
    for (size_t i = np; i-- > 0;) { /* ascending positives */
        while (j < nn && b[nn - 1 - j] < a[i])
            j++;
        size_t ties = 0;
        while (j + ties < nn && b[nn - 1 - j - ties] == a[i])
            ties++;
        wins += (double)j + 0.5 * (double)ties;
    }
    free(a);
    free(b);
    return wins / ((double)np * (double)nn);
}

/* The threshold that keeps the false-positive rate on neg at or below fpr:
 * just above the (floor(fpr*nn)+1)-th highest negative score. */
static double threshold_for(const double *neg, size_t nn, double fpr) {
    if (!nn)
        return 0.5;
    double *b = xmalloc(nn * sizeof(double));
    memcpy(b, neg, nn * sizeof(double));
    qsort(b, nn, sizeof(double), cmp_desc);
    size_t k = (size_t)floor(fpr * (double)nn);
    double t = k < nn ? b[k] : 0;
    free(b);
    return nextafter(t, 2.0);
}

static double tpr_at(const double *pos, size_t np, double t) {
    size_t hit = 0;
    for (size_t i = 0; i < np; i++)
        hit += pos[i] >= t;
    return np ? (double)hit / (double)np : NAN;
}

/* ---- report helpers ---- */

typedef struct scores {
    double *v;
    size_t n;
} scores;

static void push(scores *s, double x) {
    s->v = realloc(s->v, (s->n + 1) * sizeof(double));
    if (!s->v)
        exit(2);
    s->v[s->n++] = x;
}

static const char *kind_of(const sample *s) {
    return s->meta[COL_KIND];
}

/* Per (family, kind) recall at threshold t over samples selected by sel. */
static void family_table(FILE *o, const dataset *ds, const bool *sel, const double *sc, double t) {
    fprintf(o, "| family | kind | samples | detected | recall |\n|---|---|---:|---:|---:|\n");
    /* small quadratic grouping: families are few */
    bool *done = xmalloc(ds->n);
    for (size_t i = 0; i < ds->n; i++) {
        if (!sel[i] || done[i] || ds->s[i].y != 1)
            continue;
        size_t n = 0, hit = 0;
        for (size_t k = i; k < ds->n; k++) {
            if (!sel[k] || ds->s[k].y != 1 || strcmp(ds->s[k].meta[COL_FAMILY], ds->s[i].meta[COL_FAMILY]) ||
                strcmp(kind_of(&ds->s[k]), kind_of(&ds->s[i])))
                continue;
            done[k] = true;
            n++;
            hit += sc[k] >= t;
        }
        fprintf(o, "| %s | %s | %zu | %zu | %.3f |\n", ds->s[i].meta[COL_FAMILY], kind_of(&ds->s[i]), n,
                hit, (double)hit / (double)n);
    }
    free(done);
}

static void roc_summary(FILE *o, const char *what, const dataset *ds, const bool *sel, const double *sc,
                        double shipped_t) {
    scores pos = {0}, neg = {0}, pos_real = {0}, pos_syn = {0};
    for (size_t i = 0; i < ds->n; i++) {
        if (!sel[i] || ds->s[i].y < 0)
            continue;
        if (ds->s[i].y == 0) {
            push(&neg, sc[i]);
            continue;
        }
        push(&pos, sc[i]);
        push(!strcmp(kind_of(&ds->s[i]), "synthetic") ? &pos_syn : &pos_real, sc[i]);
    }
    double t3 = threshold_for(neg.v, neg.n, 1e-3), t4 = threshold_for(neg.v, neg.n, 1e-4);
    fprintf(o, "%s: %zu positives (%zu real or augmented from real, %zu synthetic), %zu benign.\n\n", what,
            pos.n, pos_real.n, pos_syn.n, neg.n);
    fprintf(o, "| positives | ROC AUC | TPR @ FPR 1e-3 | TPR @ FPR 1e-4 |");
    if (shipped_t > 0)
        fprintf(o, " TPR @ shipped threshold |");
    fprintf(o, "\n|---|---:|---:|---:|%s\n", shipped_t > 0 ? "---:|" : "");
    const scores *rows[3] = {&pos, &pos_real, &pos_syn};
    const char *names[3] = {"all", "real + augmented", "synthetic"};
    for (int k = 0; k < 3; k++) {
        if (!rows[k]->n)
            continue;
        fprintf(o, "| %s | %.4f | %.3f | %.3f |", names[k], auc(rows[k]->v, rows[k]->n, neg.v, neg.n),
                tpr_at(rows[k]->v, rows[k]->n, t3), tpr_at(rows[k]->v, rows[k]->n, t4));
        if (shipped_t > 0)
            fprintf(o, " %.3f |", tpr_at(rows[k]->v, rows[k]->n, shipped_t));
        fputc('\n', o);
    }
    if (shipped_t > 0) {
        size_t fp = 0;
        for (size_t i = 0; i < neg.n; i++)
            fp += neg.v[i] >= shipped_t;
        fprintf(o, "\nFalse positives at the shipped threshold %.4f: %zu of %zu benign (%.4f%%).\n",
                shipped_t, fp, neg.n, neg.n ? 100.0 * (double)fp / (double)neg.n : 0.0);
    }
    fputc('\n', o);
    free(pos.v);
    free(neg.v);
    free(pos_real.v);
    free(pos_syn.v);
}

static void top_benign(FILE *o, const dataset *ds, const bool *sel, const double *sc, size_t k, double t) {
    size_t *idx = xmalloc(ds->n * sizeof(size_t));
    size_t n = 0;
    for (size_t i = 0; i < ds->n; i++)
        if (sel[i] && ds->s[i].y == 0)
            idx[n++] = i;
    /* partial selection sort for the k highest */
    fprintf(o, "| score | over threshold | file |\n|---:|---|---|\n");
    for (size_t r = 0; r < k && r < n; r++) {
        size_t best = r;
        for (size_t i = r + 1; i < n; i++)
            if (sc[idx[i]] > sc[idx[best]])
                best = i;
        size_t tmp = idx[r];
        idx[r] = idx[best];
        idx[best] = tmp;
        fprintf(o, "| %.4f | %s | %s |\n", sc[idx[r]], sc[idx[r]] >= t ? "yes" : "no",
                ds->s[idx[r]].meta[COL_SOURCE]);
    }
    fputc('\n', o);
    free(idx);
}

static void gray_table(FILE *o, const dataset *ds, const double *sc, double t) {
    size_t n = 0, hit = 0;
    for (size_t i = 0; i < ds->n; i++)
        if (ds->s[i].y < 0) {
            n++;
            hit += sc[i] >= t;
        }
    if (!n)
        return;
    fprintf(o, "Gray files (legitimate software holding mining code, or tools miners use; never "
               "trained on): %zu, %zu at or over the threshold.\n\n",
            n, hit);
    fprintf(o, "| family | score | file |\n|---|---:|---|\n");
    size_t shown = 0;
    for (size_t i = 0; i < ds->n && shown < 20; i++)
        if (ds->s[i].y < 0 && (sc[i] >= 0.01 || !strcmp(ds->s[i].meta[COL_FAMILY], "winring0"))) {
            fprintf(o, "| %s | %.4f | %s |\n", ds->s[i].meta[COL_FAMILY], sc[i], ds->s[i].meta[COL_SOURCE]);
            shown++;
        }
    fputc('\n', o);
}

/* The hard-negative category of a benign row: its family up to '/'
 * (fetch.sh names them CATEGORY/PACKAGE), or NULL. */
static const char *category_of(const sample *s, size_t *ret_len) {
    const char *f = s->meta[COL_FAMILY], *sl = strchr(f, '/');
    if (s->y != 0 || !sl)
        return NULL;
    *ret_len = (size_t)(sl - f);
    return f;
}

/* False alarms per hard-negative category: sc is the score each row is
 * judged by (out-of-fold or held out), t and strict the thresholds. */
static void category_table(FILE *o, const dataset *ds, const double *sc, double t, double strict) {
    fprintf(o, "| category | files | >= threshold | >= strict | highest | file with the highest |\n"
               "|---|---:|---:|---:|---:|---|\n");
    bool *done = xmalloc(ds->n + 1);
    size_t all_n = 0, all_t = 0, all_s = 0;
    for (size_t i = 0; i < ds->n; i++) {
        size_t len, l2;
        const char *c = category_of(&ds->s[i], &len);
        if (!c || done[i])
            continue;
        size_t n = 0, nt = 0, ns = 0, best = i;
        for (size_t k = i; k < ds->n; k++) {
            const char *c2 = category_of(&ds->s[k], &l2);
            if (!c2 || l2 != len || memcmp(c, c2, len))
                continue;
            done[k] = true;
            n++;
            nt += sc[k] >= t;
            ns += sc[k] >= strict;
            if (sc[k] > sc[best])
                best = k;
        }
        fprintf(o, "| %.*s | %zu | %zu | %zu | %.4f | %s |\n", (int)len, c, n, nt, ns, sc[best],
                ds->s[best].meta[COL_SOURCE]);
        all_n += n, all_t += nt, all_s += ns;
    }
    size_t on = 0, ot = 0, os = 0;
    for (size_t i = 0; i < ds->n; i++)
        if (ds->s[i].y == 0 && !done[i]) {
            on++;
            ot += sc[i] >= t;
            os += sc[i] >= strict;
        }
    fprintf(o, "| all hard negatives | %zu | %zu | %zu | | |\n| other benign | %zu | %zu | %zu | | |\n\n",
            all_n, all_t, all_s, on, ot, os);
    free(done);
}

/* ---- model JSON ---- */

static void json_str(FILE *o, const char *s) {
    fputc('"', o);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(o, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(o, "\\u%04x", *s);
        else
            fputc(*s, o);
    }
    fputc('"', o);
}

static int write_json(const char *path, const model *m, const char *name, const char *version,
                      double t, double strict, const char *manifest_hash, const char *date,
                      size_t n_ben, size_t n_cal, size_t n_real, size_t n_aug, size_t n_syn,
                      double lambda) {
    FILE *o = fopen(path, "w");
    if (!o)
        return -errno;
    fprintf(o, "{\n  \"name\": ");
    json_str(o, name);
    fprintf(o, ",\n  \"version\": ");
    json_str(o, version);
    fprintf(o, ",\n  \"schema_version\": \"%s\",\n  \"schema_hash\": \"%s\",\n", ms_features_schema_version(),
            ms_features_schema_hash());
    fprintf(o, "  \"threshold\": %.17g,\n  \"strict_threshold\": %.17g,\n  \"bias\": %.17g,\n", t, strict,
            m->bias);
    fprintf(o, "  \"provenance\": {\n    \"trainer\": \"corpus-tools/ms-train\",\n");
    fprintf(o, "    \"corpus_manifest_sha256\": \"%s\",\n    \"date\": \"%s\",\n", manifest_hash, date);
    fprintf(o, "    \"lambda\": %.17g,\n", lambda);
    fprintf(o, "    \"counts\": {\"benign_train\": %zu, \"benign_calibration\": %zu, \"positive_real\": %zu, "
               "\"positive_augmented\": %zu, \"positive_synthetic\": %zu}\n  },\n",
            n_ben, n_cal, n_real, n_aug, n_syn);
    fprintf(o, "  \"features\": [\n");
    for (size_t j = 0; j < m->dim; j++)
        fprintf(o, "    {\"name\": \"%s\", \"weight\": %.17g, \"mean\": %.17g, \"scale\": %.17g}%s\n",
                ms_feature_name(j), m->w[j], m->mean[j], m->scale[j], j + 1 < m->dim ? "," : "");
    fprintf(o, "  ]\n}\n");
    return fclose(o) == 0 ? 0 : -errno;
}

/* sha256 over the sorted "sha256 label" lines of the rows used (fitting and
 * calibration): names the corpus a model came from. */
static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void corpus_hash(const dataset *ds, char out[65]) {
    char **l = xmalloc(ds->n * sizeof(char *));
    size_t n = 0, total = 0;
    for (size_t i = 0; i < ds->n; i++) {
        if (ds->s[i].y < 0)
            continue;
        size_t k = strlen(ds->s[i].meta[COL_SHA256]) + strlen(ds->s[i].meta[COL_LABEL]) + 3;
        l[n] = xmalloc(k);
        snprintf(l[n], k, "%s %s\n", ds->s[i].meta[COL_SHA256], ds->s[i].meta[COL_LABEL]);
        total += k;
        n++;
    }
    qsort(l, n, sizeof(char *), cmp_str);
    char *buf = xmalloc(total + 1);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(l[i]);
        memcpy(buf + off, l[i], k);
        off += k;
        free(l[i]);
    }
    corpus_sha256((const uint8_t *)buf, off, out);
    free(buf);
    free(l);
}

/* ---- main ---- */

typedef struct wj {
    size_t j;
    double w;
} wj;

static int cmp_absw(const void *a, const void *b) {
    double x = fabs(((const wj *)a)->w), y = fabs(((const wj *)b)->w);
    return (x < y) - (x > y);
}

int main(int argc, char **argv) {
    const char *json = NULL, *report = NULL, *name = "miner-logreg", *version = NULL, *exclude = NULL;
    const char *title = "minerscan model report";
    /* 20: with the weight 1 of any other benign file, out-of-fold, 19 of the
     * 42 Monero and Litecoin node and wallet files scored over the
     * threshold; 10, 20 or 50 gave none, at the same recall (REPORT.md) */
    double lambda = 0.1, fpr = 1e-4, hard_weight = 20;
    unsigned folds = 5, calib = 25;
    bool eval_only = false;
    int i = 1;
    for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--eval-only")) {
            eval_only = true;
            continue;
        }
        if (i + 1 >= argc)
            break;
        const char *v = argv[++i];
        if (!strcmp(a, "--json"))
            json = v;
        else if (!strcmp(a, "--report"))
            report = v;
        else if (!strcmp(a, "--name"))
            name = v;
        else if (!strcmp(a, "--version"))
            version = v;
        else if (!strcmp(a, "--lambda"))
            lambda = strtod(v, NULL);
        else if (!strcmp(a, "--folds"))
            folds = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--calib"))
            calib = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--fpr"))
            fpr = strtod(v, NULL);
        else if (!strcmp(a, "--exclude"))
            exclude = v;
        else if (!strcmp(a, "--title"))
            title = v;
        else if (!strcmp(a, "--hard-weight"))
            hard_weight = strtod(v, NULL);
        else {
            fprintf(stderr, "ms-train: unknown option %s\n", a);
            return 2;
        }
    }
    if (i >= argc || folds < 2 || calib > 90) {
        fprintf(stderr, "usage: ms-train [--eval-only] [--json P] [--report P] [--exclude F] FEATURES.tsv...\n");
        return 2;
    }
    corpus_set excl = {0};
    if (exclude && load_exclude(exclude, &excl) < 0) {
        fprintf(stderr, "ms-train: %s: %s\n", exclude, strerror(errno));
        return 2;
    }
    dataset ds = {0};
    unsigned long n_excl = 0;
    for (; i < argc; i++) {
        int r = load(argv[i], &ds, exclude ? &excl : NULL, eval_only ? 0 : calib, folds, hard_weight, &n_excl);
        if (r < 0) {
            fprintf(stderr, "ms-train: %s: %s\n", argv[i], strerror(-r));
            return 2;
        }
    }
    FILE *o = report ? fopen(report, "w") : stdout;
    if (!o)
        return 2;
    time_t now = time(NULL);
    char date[32];
    strftime(date, sizeof(date), "%Y-%m-%d", gmtime(&now));
    double *sc = xmalloc((ds.n + 1) * sizeof(double));
    bool *sel = xmalloc(ds.n + 1);
    const ms_model_info *mi = ms_model_get_info();

    fprintf(o, "# %s\n\n", title);
    if (eval_only) {
        if (strcmp(mi->schema_hash, ms_features_schema_hash())) {
            fprintf(stderr, "ms-train: the compiled-in model was trained on schema %s, not %s\n", mi->schema_hash,
                    ms_features_schema_hash());
            return 2;
        }
        for (size_t k = 0; k < ds.n; k++) {
            sc[k] = ms_model_score(ds.s[k].x, NULL, 0, NULL);
            sel[k] = true;
        }
        fprintf(o, "Model %s %s (schema %s), threshold %.4f, strict %.4f. %lu files excluded as seen in "
                   "training.\n\n",
                mi->name, mi->version, mi->schema_hash, mi->threshold, mi->strict_threshold, n_excl);
        roc_summary(o, "Evaluated", &ds, sel, sc, mi->threshold);
        fprintf(o, "## Recall per family at the shipped threshold\n\n");
        family_table(o, &ds, sel, sc, mi->threshold);
        fprintf(o, "\n## False alarms per hard-negative category\n\n");
        category_table(o, &ds, sc, mi->threshold, mi->strict_threshold);
        fprintf(o, "## Highest-scoring benign files\n\n");
        top_benign(o, &ds, sel, sc, 25, mi->threshold);
        gray_table(o, &ds, sc, mi->threshold);
        return o != stdout && fclose(o) != 0 ? 2 : 0;
    }

    /* training rows: not gray, not calibration */
    bool *train = xmalloc(ds.n + 1);
    size_t n_ben = 0, n_cal = 0, n_real = 0, n_aug = 0, n_syn = 0;
    for (size_t k = 0; k < ds.n; k++) {
        sample *s = &ds.s[k];
        train[k] = s->y >= 0 && !s->calib;
        if (s->y == 0)
            s->calib ? n_cal++ : n_ben++;
        if (s->y == 1) {
            const char *kd = kind_of(s);
            !strcmp(kd, "real") ? n_real++ : !strcmp(kd, "synthetic") ? n_syn++ : n_aug++;
        }
    }
    if (!n_ben || !(n_real + n_aug + n_syn)) {
        fprintf(stderr, "ms-train: need benign and miner rows\n");
        return 2;
    }

    /* final model and its threshold from the calibration benign */
    model m = {0};
    fit(&ds, train, lambda, &m);
    scores cal = {0};
    for (size_t k = 0; k < ds.n; k++) {
        sc[k] = sigmoid(model_z(&m, ds.s[k].x));
        if (ds.s[k].y == 0 && ds.s[k].calib)
            push(&cal, sc[k]);
    }
    double t = threshold_for(cal.v, cal.n, fpr);
    if (t < 0.5)
        t = 0.5;
    /* A margin above the highest calibration score: the calibration set is
     * a sample, and the figure that matters is on files never seen. */
    double t_ship = sigmoid(logit(t > 0.999999 ? 0.999999 : t) + 1.0);
    double strict = sigmoid(logit(t_ship) + 4.0);
    if (strict > 0.9999)
        strict = 0.9999;

    char mh[65];
    corpus_hash(&ds, mh);
    char vbuf[64];
    if (!version) {
        snprintf(vbuf, sizeof(vbuf), "%s", date);
        version = vbuf;
    }
    if (json && write_json(json, &m, name, version, t_ship, strict, mh, date, n_ben, n_cal, n_real, n_aug,
                           n_syn, lambda) < 0) {
        fprintf(stderr, "ms-train: %s: %s\n", json, strerror(errno));
        return 2;
    }

    fprintf(o, "Model `%s` version `%s`, feature schema %s (`%s`), %zu features. Trained %s by "
               "`corpus-tools/ms-train` (L2 logistic regression, Newton's method, lambda %g, classes "
               "weighted equally, a hard negative weighted %g times another benign file). Corpus manifest "
               "sha256 `%s`.\n\n",
            name, version, ms_features_schema_version(), ms_features_schema_hash(), m.dim, date, lambda,
            hard_weight, mh);
    fprintf(o, "Data: %zu benign files for fitting, %zu benign files held out (%u%% of packages) to "
               "choose the threshold; positives: %zu real, %zu augmented from real, %zu synthetic "
               "(synthetic and their variants are compiled miner-like programs, not miners; they are "
               "reported apart).\n\n",
            n_ben, n_cal, calib, n_real, n_aug, n_syn);
    fprintf(o, "Threshold: %.6f (FPR <= %g on the held-out benign files gives %.6f; the shipped value "
               "adds a margin of 1 in logit). Strict threshold (malicious without a rule): %.6f.\n\n",
            t_ship, fpr, t, strict);

    fprintf(o, "## Held-out benign (threshold calibration set)\n\n");
    for (size_t k = 0; k < ds.n; k++)
        sel[k] = ds.s[k].y == 0 && ds.s[k].calib;
    size_t fp = 0;
    for (size_t k = 0; k < cal.n; k++)
        fp += cal.v[k] >= t_ship;
    fprintf(o, "%zu of %zu held-out benign files at or over the shipped threshold.\n\n", fp, cal.n);
    top_benign(o, &ds, sel, sc, 10, t_ship);

    /* grouped k-fold CV: out-of-fold scores */
    double *oof = xmalloc((ds.n + 1) * sizeof(double));
    bool *use = xmalloc(ds.n + 1);
    for (unsigned f = 0; f < folds; f++) {
        for (size_t k = 0; k < ds.n; k++)
            use[k] = train[k] && ds.s[k].fold != (int)f;
        model mf = {0};
        fit(&ds, use, lambda, &mf);
        for (size_t k = 0; k < ds.n; k++)
            if (train[k] && ds.s[k].fold == (int)f)
                oof[k] = sigmoid(model_z(&mf, ds.s[k].x));
        model_free(&mf);
        fprintf(stderr, "ms-train: fold %u/%u\n", f + 1, folds);
    }
    fprintf(o, "## False alarms per hard-negative category\n\nEach benign file judged by a model that "
               "never saw it: the out-of-fold score for the files fitted on, the final model's score for "
               "the held-out calibration files; at the shipped threshold %.4f and the strict one %.4f.\n\n",
            t_ship, strict);
    for (size_t k = 0; k < ds.n; k++)
        oof[k] = train[k] ? oof[k] : sc[k];
    category_table(o, &ds, oof, t_ship, strict);
    fprintf(o, "## %u-fold cross-validation, grouped by parent sample / package\n\n", folds);
    roc_summary(o, "Out-of-fold", &ds, train, oof, 0);
    /* recall of out-of-fold scores at the shipped threshold */
    fprintf(o, "Recall per family, out-of-fold, at the shipped threshold:\n\n");
    family_table(o, &ds, train, oof, t_ship);

    /* leave one family out */
    fprintf(o, "\n## Leave one family out\n\nEach positive family is removed from fitting (with every "
               "variant of it); the threshold is chosen again on the held-out benign files the same "
               "way; the table gives the left-out family's recall.\n\n");
    fprintf(o, "| left out | kind | samples | detected | recall | threshold |\n|---|---|---:|---:|---:|---:|\n");
    char **fams = xmalloc((ds.n + 1) * sizeof(char *));
    size_t nf = 0;
    for (size_t k = 0; k < ds.n; k++) {
        if (ds.s[k].y != 1)
            continue;
        bool dup = false;
        for (size_t q = 0; q < nf && !dup; q++)
            dup = !strcmp(fams[q], ds.s[k].meta[COL_FAMILY]);
        if (!dup)
            fams[nf++] = ds.s[k].meta[COL_FAMILY];
    }
    for (size_t q = 0; q < nf; q++) {
        for (size_t k = 0; k < ds.n; k++)
            use[k] = train[k] && !(ds.s[k].y == 1 && !strcmp(ds.s[k].meta[COL_FAMILY], fams[q]));
        model mf = {0};
        fit(&ds, use, lambda, &mf);
        scores c2 = {0};
        for (size_t k = 0; k < ds.n; k++) {
            oof[k] = sigmoid(model_z(&mf, ds.s[k].x));
            if (ds.s[k].y == 0 && ds.s[k].calib)
                push(&c2, oof[k]);
        }
        double tq = threshold_for(c2.v, c2.n, fpr);
        if (tq < 0.5)
            tq = 0.5;
        tq = sigmoid(logit(tq > 0.999999 ? 0.999999 : tq) + 1.0);
        const char *kinds[3] = {"real", "augmented", "synthetic"};
        for (int kk = 0; kk < 3; kk++) {
            size_t n = 0, hit = 0;
            for (size_t k = 0; k < ds.n; k++)
                if (ds.s[k].y == 1 && !strcmp(ds.s[k].meta[COL_FAMILY], fams[q]) &&
                    !strcmp(kind_of(&ds.s[k]), kinds[kk])) {
                    n++;
                    hit += oof[k] >= tq;
                }
            if (n)
                fprintf(o, "| %s | %s | %zu | %zu | %.3f | %.4f |\n", fams[q], kinds[kk], n, hit,
                        (double)hit / (double)n, tq);
        }
        free(c2.v);
        model_free(&mf);
        fprintf(stderr, "ms-train: left out %s\n", fams[q]);
    }

    fprintf(o, "\n## Final model on the training rows (resubstitution, for reference)\n\n");
    family_table(o, &ds, train, sc, t_ship);
    fputc('\n', o);
    gray_table(o, &ds, sc, t_ship);

    fprintf(o, "## Largest weights (on standardised features)\n\n| feature | weight | mean | scale |\n"
               "|---|---:|---:|---:|\n");
    wj *ws = xmalloc(m.dim * sizeof(wj));
    for (size_t j = 0; j < m.dim; j++)
        ws[j] = (wj){j, m.w[j]};
    qsort(ws, m.dim, sizeof(wj), cmp_absw);
    for (size_t j = 0; j < 25 && j < m.dim; j++)
        fprintf(o, "| %s | %+.4f | %.4g | %.4g |\n", ms_feature_name(ws[j].j), ws[j].w, m.mean[ws[j].j],
                m.scale[ws[j].j]);
    fputc('\n', o);
    return o != stdout && fclose(o) != 0 ? 2 : 0;
}
