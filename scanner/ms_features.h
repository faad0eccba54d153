/*
 * features.h - the feature vector the model scores (schema in
 * models/FEATURES.md). One pass over the bytes plus the ELF/PE structure.
 * The same code runs when scanning and in corpus-tools.
 */
#ifndef MS_FEATURES_H
#define MS_FEATURES_H

#include "minerscan.h"

typedef struct ms_featurizer ms_featurizer;

size_t ms_features_dim(void);
const char *ms_feature_name(size_t i);
const char *ms_features_schema_version(void);
const char *ms_features_schema_hash(void);

int ms_featurizer_new(ms_featurizer **ret);
void ms_featurizer_free(ms_featurizer *f);

/* Fill the featurizer's vector (ms_features_dim() doubles) for data.
 * *ret_vec stays valid until the next call. */
int ms_features_extract(ms_featurizer *f, const uint8_t *data, size_t size,
                        ms_class cls, const double **ret_vec);

#endif
