/*
 * script_score.h - the second signal for scripts (issue 10, part 3): a
 * small logistic model over the tokens of a shell, Python, Perl,
 * PowerShell or JavaScript file, the way the executable model is the
 * second signal beside the rules for programs.
 *
 * The features are counts of behaviour tokens and token pairs (kill -9,
 * crontab -r, setenforce, known_hosts, /dev/tcp/..., chmod +x, ...), each
 * in one behaviour group, plus per-group counts and the number of distinct
 * groups a script touches: a dropper kills, cleans, disables, wipes,
 * spreads and fetches; an admin script does one or two of these. The
 * vocabulary and groups are in script_score.c; the weights are trained by
 * corpus-tools (ms-script-train, corpus-tools/README.md) and compiled in
 * from script_model_data.h.
 *
 * One ms_script_scorer per worker: it owns the feature buffer. The
 * vocabulary itself is static and read-only.
 */
#ifndef MS_SCRIPT_SCORE_H
#define MS_SCRIPT_SCORE_H

#include "minerscan.h"

/* Only this prefix of a script is tokenised: droppers are a few KiB to a
 * few hundred KiB, and one pass over 1 MiB costs about 5 ms, so a huge
 * generated .js in /usr/share cannot make a scan slow. */
#define MS_SCRIPT_MAX_BYTES (1u << 20)

/* A word is cut at this many bytes (its first bytes still count; the
 * long_token feature counts the cut ones: encoded payloads). */
#define MS_SCRIPT_MAX_TOKEN 64

typedef struct ms_script_scorer ms_script_scorer;

/* One token. Words are runs of [A-Za-z0-9_.\-/~$] lower-cased into text
 * (at most MS_SCRIPT_MAX_TOKEN bytes, leading and trailing '.' removed);
 * every other printable ASCII byte is a one-byte punct token; whitespace,
 * control and non-ASCII bytes separate tokens and are not tokens. */
typedef struct ms_script_token {
    const char *text;  /* not NUL-terminated; valid during the callback */
    size_t len;        /* 1 .. MS_SCRIPT_MAX_TOKEN */
    size_t offset;     /* of its first byte in the input */
    size_t full_len;   /* the word's length before cutting */
    bool punct;
} ms_script_token;

typedef int (*ms_script_token_fn)(void *ud, const ms_script_token *t);

/* Tokenise the first MS_SCRIPT_MAX_BYTES of d. fn returns MS_CONTINUE or
 * MS_STOP (ends early, returns 0); a negative return aborts and is
 * returned. Never reads outside d[0..n). */
int ms_script_tokenize(const uint8_t *d, size_t n, ms_script_token_fn fn, void *ud);

int ms_script_scorer_new(ms_script_scorer **ret);
void ms_script_scorer_free(ms_script_scorer *s);

/* The feature schema: names in order, and a hash of them that the
 * compiled-in model must carry (ms-script-train writes it). */
size_t ms_script_features_dim(void);
const char *ms_script_feature_name(size_t i);
const char *ms_script_features_schema_hash(void);

/* The feature vector of d (ms_script_features_dim() values, owned by s,
 * valid until the next call). */
int ms_script_features(ms_script_scorer *s, const uint8_t *d, size_t n, const double **ret_x);

/* Whether the compiled-in model matches this feature schema. */
bool ms_script_model_ok(void);
/* The threshold: a script at or above it is suspicious. */
double ms_script_threshold(void);
/* Model name and version for the run record. */
const char *ms_script_model_version(void);
/* sha256 of its parameters as compiled in (the run record). */
int ms_script_model_digest(char out[65]);

/* What the last script scored (or featurized) does, besides its score:
 * MS_SCRIPT_DELIVERS, it fetches or decodes something (a token of group
 * fetch: curl, wget, a pipe into sh, base64 -d, urlopen, DownloadString,
 * ...); MS_SCRIPT_NAMES_MINING, it names mining (group miner: xmrig,
 * stratum, pool, monero, ...). The verdict policy (verdict.h) lets the
 * score alone flag only a script that delivers something. */
enum { MS_SCRIPT_DELIVERS = 1u << 0, MS_SCRIPT_NAMES_MINING = 1u << 1 };
unsigned ms_script_context(const ms_script_scorer *s);

/* Score d: the probability in [0,1] that it is a dropper. Writes up to
 * max_top contributions that pushed the score up, largest first (feature
 * names are static). MS_E_UNSUPPORTED when no matching model is compiled
 * in. */
int ms_script_score(ms_script_scorer *s, const uint8_t *d, size_t n, double *ret_score,
                    ms_contrib *top, size_t max_top, size_t *ret_n_top);

#endif
