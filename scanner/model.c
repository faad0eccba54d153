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

double ms_model_score(const double *x, ms_contrib *top, size_t max_top, size_t *ret_n_top) {
    double z = MS_MODEL_BIAS;
    size_t n_top = 0;
    static const size_t dim = MS_MODEL_DIM; /* a variable: dim 0 must not warn */
    for (size_t i = 0; i < dim; i++) {
        double s = ms_model_scale[i] != 0 ? (x[i] - ms_model_mean[i]) / ms_model_scale[i] : 0;
        double c = ms_model_weight[i] * s;
        z += c;
        if (c <= 0 || max_top == 0)
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
        top[pos] = (ms_contrib){.feature = ms_model_feature_names[i], .value = x[i], .weight = c};
        if (n_top < max_top)
            n_top++;
    }
    if (ret_n_top)
        *ret_n_top = n_top;
    return 1.0 / (1.0 + exp(-z));
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
