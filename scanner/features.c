/* features.c - STUB, being written (issue 5). */
#include "ms_features.h"

#include <errno.h>
#include <stdlib.h>

struct ms_featurizer {
    double v[1];
};

size_t ms_features_dim(void) {
    return 0;
}
const char *ms_feature_name(size_t i) {
    (void)i;
    return "";
}
const char *ms_features_schema_version(void) {
    return "0";
}
const char *ms_features_schema_hash(void) {
    return "none";
}
int ms_featurizer_new(ms_featurizer **ret) {
    ms_featurizer *f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    *ret = f;
    return 0;
}
void ms_featurizer_free(ms_featurizer *f) {
    free(f);
}
int ms_features_extract(ms_featurizer *f, const uint8_t *data, size_t size, ms_class cls,
                        const double **ret_vec) {
    (void)data, (void)size, (void)cls;
    *ret_vec = f->v;
    return 0;
}
