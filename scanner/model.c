/* model.c - the compiled-in logistic model (weights from model_data.h). */
#include "model.h"

#include <math.h>
#include <string.h>

#include "hashes.h"

#include "ms_features.h"
#include "model_data.h"

static const ms_model_info info = {
    .name = MS_MODEL_NAME,
    .version = MS_MODEL_VERSION,
    .schema_hash = MS_MODEL_SCHEMA_HASH,
    .threshold = MS_MODEL_THRESHOLD,
    .strict_threshold = MS_MODEL_STRICT_THRESHOLD,
};

const ms_model_info *ms_model_get_info(void) {
    return &info;
}

double ms_logistic_score(const ms_logistic *m, const double *x, ms_contrib *top, size_t max_top,
                         size_t *ret_n_top) {
    double z = m->bias;
    size_t n_top = 0;
    for (size_t i = 0; i < m->dim; i++) {
        double s = m->scale[i] != 0 ? (x[i] - m->mean[i]) / m->scale[i] : 0;
        double c = m->weight[i] * s;
        z += c;
        if (c <= 0 || max_top == 0 || !top)
            continue;
        /* insertion into the top list, largest first */
        size_t pos = n_top;
        while (pos > 0 && top[pos - 1].weight < c)
            pos--;
        if (pos >= max_top)
            continue;
        size_t last = n_top < max_top ? n_top : max_top - 1;
        for (size_t k = last; k > pos; k--)
            top[k] = top[k - 1];
        top[pos] = (ms_contrib){.feature = m->feature(i), .value = x[i], .weight = c};
        if (n_top < max_top)
            n_top++;
    }
    if (ret_n_top)
        *ret_n_top = n_top;
    return 1.0 / (1.0 + exp(-z));
}

static const char *feature_name(size_t i) {
    return ms_model_feature_names[i];
}

double ms_model_score(const double *x, ms_contrib *top, size_t max_top, size_t *ret_n_top) {
    static const ms_logistic model = {
        .dim = MS_MODEL_DIM,
        .bias = MS_MODEL_BIAS,
        .weight = ms_model_weight,
        .mean = ms_model_mean,
        .scale = ms_model_scale,
        .feature = feature_name,
    };
    return ms_logistic_score(&model, x, top, max_top, ret_n_top);
}

/* The parameters the scores are made of, as the binary holds them:
 * weights, means, scales, bias and thresholds (little-endian doubles). */
int ms_model_digest(char out[65]) {
    ms_digests want = {0}, got;
    ms_digest_ctx *c = NULL;
    const double head[3] = {MS_MODEL_BIAS, MS_MODEL_THRESHOLD, MS_MODEL_STRICT_THRESHOLD};
    int r = ms_digest_begin(&want, &c);
    if (r < 0)
        return r;
    ms_digest_update(c, (const uint8_t *)head, sizeof(head));
    ms_digest_update(c, (const uint8_t *)ms_model_weight, sizeof(ms_model_weight));
    ms_digest_update(c, (const uint8_t *)ms_model_mean, sizeof(ms_model_mean));
    ms_digest_update(c, (const uint8_t *)ms_model_scale, sizeof(ms_model_scale));
    if ((r = ms_digest_end(c, &got)) == 0)
        memcpy(out, got.sha256, 65);
    return r;
}
