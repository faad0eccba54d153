/*
 * fuzz_features.c - identification and the ELF/PE feature reader on
 * arbitrary bytes. The bytes are identified (the fast check and libmagic),
 * then features are extracted for the class found and, whatever it was, as
 * ELF and as PE, so truncated and mutated headers reach both parsers.
 * Every feature must be finite and the model score a probability. The
 * byte pass is also run as the scanner runs it while reading, fed in
 * pieces (sizes drawn from the input) through a buffer that holds exactly
 * the bytes read so far and moves, so a read past them is a heap overflow
 * under ASan; the vector must be the one-shot one, bit for bit.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "identify.h"
#include "ms_features.h"
#include "model.h"

static ms_identifier *ident;
static ms_featurizer *feat;

static void cleanup(void) {
    ms_identifier_free(ident);
    ms_featurizer_free(feat);
    ident = NULL;
    feat = NULL;
}

static void check_class(const uint8_t *data, size_t size, ms_class cls) {
    const double *x = NULL;
    int r = ms_features_extract(feat, data, size, cls, &x);
    if (r < 0)
        return;
    size_t dim = ms_features_dim();
    FUZZ_ASSERT(x || dim == 0);
    for (size_t i = 0; i < dim; i++) {
        if (!isfinite(x[i]))
            fprintf(stderr, "feature %zu (%s) = %g\n", i, ms_feature_name(i), x[i]);
        FUZZ_ASSERT(isfinite(x[i]));
    }
    ms_contrib top[16];
    size_t n_top = 0;
    double p = ms_model_score(x, top, 16, &n_top);
    FUZZ_ASSERT(isfinite(p) && p >= 0.0 && p <= 1.0);
    FUZZ_ASSERT(n_top <= 16);
    for (size_t i = 0; i < n_top; i++)
        FUZZ_ASSERT(top[i].feature && isfinite(top[i].weight) && isfinite(top[i].value));
}

static void check_stream(const uint8_t *data, size_t size, ms_class cls) {
    const double *x = NULL;
    size_t dim = ms_features_dim();
    if (ms_features_extract(feat, data, size, cls, &x) < 0)
        return;
    double *ref = malloc(dim * sizeof(double) + 1);
    FUZZ_ASSERT(ref);
    memcpy(ref, x, dim * sizeof(double));
    uint32_t seed = size ? data[0] * 2654435761u + (uint32_t)size : 1;
    uint8_t *buf = NULL;
    size_t avail = 0;
    ms_features_stream_begin(feat, size);
    while (avail < size) {
        seed = seed * 1103515245u + 12345u;
        size_t k = 1 + (seed >> 8) % (seed & 0x100 ? 700 : 70000);
        avail = size - avail < k ? size : avail + k;
        uint8_t *nb = malloc(avail);
        FUZZ_ASSERT(nb);
        memcpy(nb, data, avail);
        free(buf);
        buf = nb;
        ms_features_stream_feed(feat, buf, avail);
    }
    int r = ms_features_stream_end(feat, size ? buf : data, size, cls, &x);
    FUZZ_ASSERT(r == 0);
    FUZZ_ASSERT(!memcmp(ref, x, dim * sizeof(double)));
    free(buf);
    free(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!ident) {
        FUZZ_ASSERT(ms_identifier_new(&ident) == 0);
        FUZZ_ASSERT(ms_featurizer_new(&feat) == 0);
        atexit(cleanup);
    }
    ms_class fast = ms_identify_fast(data, size);
    FUZZ_ASSERT(fast >= MS_CLASS_OTHER && fast < MS_CLASS__MAX);
    ms_class cls = MS_CLASS_OTHER;
    const char *desc = NULL;
    ms_identify(ident, data, size, size & 1 ? "config.json" : "x", fast, &cls, &desc);
    FUZZ_ASSERT(cls >= MS_CLASS_OTHER && cls < MS_CLASS__MAX);
    if (desc)
        FUZZ_ASSERT(strlen(desc) < (1u << 16));
    if (ms_features_dim() == 0)
        return 0;
    check_class(data, size, cls);
    check_stream(data, size, cls);
    if (cls != MS_CLASS_ELF)
        check_class(data, size, MS_CLASS_ELF);
    if (cls != MS_CLASS_PE)
        check_class(data, size, MS_CLASS_PE);
    return 0;
}
