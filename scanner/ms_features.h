/*
 * ms_features.h - the feature vector the model scores (schema and its
 * version in models/FEATURES.md). One pass over the bytes plus the ELF/PE
 * structure parsed by our own bounds-checked readers. The same code runs
 * when scanning and in corpus-tools, so training and scanning never drift.
 */
#ifndef MS_FEATURES_H
#define MS_FEATURES_H

#include "minerscan.h"

typedef struct ms_featurizer ms_featurizer;

/* Number of features; 0 would mean "no model". */
size_t ms_features_dim(void);
/* Name of feature i (schema order), "" when i is out of range. */
const char *ms_feature_name(size_t i);
/* Schema version: bumped by hand when the meaning of a feature changes
 * without its name changing. */
const char *ms_features_schema_version(void);
/* 16 hex digits: FNV-1a 64 over the version and the ordered feature names.
 * Any rename, insertion, removal or reordering changes it, and a model
 * trained on another schema is then refused by the engine. */
const char *ms_features_schema_hash(void);

/* A featurizer holds the per-worker scratch state (match tables, vector,
 * window entropies). Not thread-safe; make one per thread. */
int ms_featurizer_new(ms_featurizer **ret);
void ms_featurizer_free(ms_featurizer *f);

/* Fill the featurizer's vector (ms_features_dim() doubles) for data.
 * cls says how to parse the structure (MS_CLASS_ELF, MS_CLASS_PE; any other
 * class gets only the byte features). Malformed structure is not an error:
 * what can be read is used, the rest stays 0 and the "malformed" feature is
 * set. *ret_vec stays valid until the next call. */
int ms_features_extract(ms_featurizer *f, const uint8_t *data, size_t size,
                        ms_class cls, const double **ret_vec);

/* The same vector, with the byte pass done while the object is read, on
 * bytes still in the cache: stream_begin(size) with the size the object
 * will have, stream_feed(data, avail) after each read with the bytes read
 * so far (data may move between calls), then stream_end() on all of them.
 * stream_end() gives exactly what ms_features_extract() gives: when the
 * object did not end up with the size announced, or nothing was begun, it
 * does the whole pass itself. ms_features_extract() and stream_abandon()
 * drop a stream in progress. */
void ms_features_stream_begin(ms_featurizer *f, size_t size);
void ms_features_stream_feed(ms_featurizer *f, const uint8_t *data, size_t avail);
int ms_features_stream_end(ms_featurizer *f, const uint8_t *data, size_t size,
                           ms_class cls, const double **ret_vec);
void ms_features_stream_abandon(ms_featurizer *f);

/* Index of a feature by name, or -1. For tests and corpus-tools. */
int ms_feature_index(const char *name);

#endif
