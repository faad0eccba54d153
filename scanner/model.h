/*
 * model.h - the compiled-in logistic model over ms_features.
 */
#ifndef MS_MODEL_H
#define MS_MODEL_H

#include "minerscan.h"

typedef struct ms_model_info {
    const char *name;
    const char *version;
    const char *schema_hash;   /* must equal ms_features_schema_hash() */
    double threshold;          /* suspicious at or above */
    double strict_threshold;   /* malicious at or above */
} ms_model_info;

const ms_model_info *ms_model_get_info(void);

/* Score x (ms_features_dim() values). Writes up to max_top contributions
 * that pushed the score up, largest first, into top; *ret_n_top their
 * number. Returns the probability in [0,1]. */
double ms_model_score(const double *x, ms_contrib *top, size_t max_top, size_t *ret_n_top);

/* A standardised logistic model, the form of both compiled-in models (this
 * one and the script model, script_score.h): the score is 1 / (1 + e^-z),
 * z = bias + the sum of weight[i] * (x[i] - mean[i]) / scale[i] (0 where
 * scale[i] is 0). */
typedef struct ms_logistic {
    size_t dim;
    double bias;
    const double *weight, *mean, *scale;
    const char *(*feature)(size_t i); /* the (static) name of feature i */
} ms_logistic;

/* Score x (m->dim values) as ms_model_score does; top may be NULL. */
double ms_logistic_score(const ms_logistic *m, const double *x, ms_contrib *top, size_t max_top,
                         size_t *ret_n_top);

/* sha256 of the model's parameters as compiled in (the run record). */
int ms_model_digest(char out[65]);

#endif
