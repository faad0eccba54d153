/*
 * fuzz_script.c - the script tokenizer and score (scanner/script_score.h)
 * on arbitrary bytes. Checks the tokenizer contract: every token lies in
 * the input (in its first MS_SCRIPT_MAX_BYTES), in order, without overlap;
 * a word is 1..MS_SCRIPT_MAX_TOKEN lower-case word bytes with no '.' at
 * either end and a full length that fits the input; a punct token is one
 * printable non-word byte. Then the features are finite and non-negative
 * and the score, when a model is compiled in, is a probability whose top
 * contributions are positive and sorted.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "script_score.h"

typedef struct seen {
    const uint8_t *d;
    size_t n;
    size_t next; /* first byte a following token may start at */
} seen;

static bool word_byte(uint8_t c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' ||
           c == '/' || c == '~' || c == '$';
}

static int on_token(void *ud, const ms_script_token *t) {
    seen *s = ud;
    size_t lim = s->n < MS_SCRIPT_MAX_BYTES ? s->n : MS_SCRIPT_MAX_BYTES;
    FUZZ_ASSERT(t->len >= 1 && t->len <= MS_SCRIPT_MAX_TOKEN);
    FUZZ_ASSERT(t->full_len >= t->len);
    FUZZ_ASSERT(t->offset >= s->next && t->offset < lim);
    FUZZ_ASSERT(t->full_len <= lim - t->offset);
    if (t->punct) {
        FUZZ_ASSERT(t->len == 1 && t->full_len == 1);
        FUZZ_ASSERT(t->text[0] > ' ' && t->text[0] < 0x7f && !word_byte((uint8_t)t->text[0]));
        FUZZ_ASSERT(!(t->text[0] >= 'A' && t->text[0] <= 'Z'));
        FUZZ_ASSERT((uint8_t)t->text[0] == s->d[t->offset]);
    } else {
        for (size_t i = 0; i < t->len; i++)
            FUZZ_ASSERT(word_byte((uint8_t)t->text[i]));
        FUZZ_ASSERT(t->text[0] != '.');
        FUZZ_ASSERT(t->len < t->full_len || t->text[t->len - 1] != '.');
    }
    s->next = t->offset + t->full_len;
    return MS_CONTINUE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static ms_script_scorer *sc;
    if (!sc && ms_script_scorer_new(&sc) < 0)
        abort();
    seen s = {.d = data, .n = size};
    FUZZ_ASSERT(ms_script_tokenize(data, size, on_token, &s) == 0);

    const double *x = NULL;
    FUZZ_ASSERT(ms_script_features(sc, data, size, &x) == 0);
    for (size_t i = 0; i < ms_script_features_dim(); i++)
        FUZZ_ASSERT(isfinite(x[i]) && x[i] >= 0);

    double score = -1;
    ms_contrib top[8];
    size_t n_top = 0;
    int r = ms_script_score(sc, data, size, &score, top, 8, &n_top);
    if (ms_script_model_ok()) {
        FUZZ_ASSERT(r == 0);
        FUZZ_ASSERT(score >= 0 && score <= 1);
        FUZZ_ASSERT(n_top <= 8);
        for (size_t i = 0; i < n_top; i++) {
            FUZZ_ASSERT(top[i].weight > 0 && top[i].feature);
            FUZZ_ASSERT(i == 0 || top[i - 1].weight >= top[i].weight);
        }
    } else {
        FUZZ_ASSERT(r == MS_E_UNSUPPORTED);
    }
    return 0;
}
