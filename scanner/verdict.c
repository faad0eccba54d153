/*
 * verdict.c - the verdict policy (see verdict.h).
 */
#include "verdict.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "script_score.h"

/* The bands of score and of Elastic's numeric severity (verdict.h). */
#define GRADE_HIGH_AT 75
#define GRADE_MEDIUM_AT 60
#define GRADE_LOW_AT 40

static ms_grade band(int64_t v) {
    return v >= GRADE_HIGH_AT ? MS_GRADE_HIGH : v >= GRADE_MEDIUM_AT ? MS_GRADE_MEDIUM
                                            : v >= GRADE_LOW_AT      ? MS_GRADE_LOW
                                                                     : MS_GRADE_INFO;
}

static bool word_is(const char *s, const char *const *words) {
    for (; *words; words++)
        if (!strcasecmp(s, *words))
            return true;
    return false;
}

/* Our severity string: true with *g when it is one we know. */
static bool severity_word(const char *s, ms_grade *g) {
    static const char *const high[] = {"critical", "high", NULL}, *const med[] = {"medium", "moderate", NULL},
                             *const low[] = {"low", NULL}, *const info[] = {"info", "informational", "none", NULL};
    if (!s || !*s)
        return false;
    if (word_is(s, high))
        *g = MS_GRADE_HIGH;
    else if (word_is(s, med))
        *g = MS_GRADE_MEDIUM;
    else if (word_is(s, low))
        *g = MS_GRADE_LOW;
    else if (word_is(s, info))
        *g = MS_GRADE_INFO;
    else
        return false;
    return true;
}

/* An integer meta, or a string meta that is one (score = "75"). */
static bool meta_int(const ms_rule_meta *m, int64_t *v) {
    if (!m)
        return false;
    if (m->type == MS_META_INT) {
        *v = m->num;
        return true;
    }
    if (m->type != MS_META_STRING || !m->str || !*m->str)
        return false;
    char *end = NULL;
    errno = 0;
    long long x = strtoll(m->str, &end, 10);
    if (errno || *end)
        return false;
    *v = x;
    return true;
}

/* The first meta of key with the given type. */
static const ms_rule_meta *meta_typed(const ms_rule_hit *h, const char *key, ms_meta_type type) {
    for (size_t i = 0; i < h->n_metas; i++)
        if (h->metas[i].key && !strcmp(h->metas[i].key, key) && h->metas[i].type == type)
            return &h->metas[i];
    return NULL;
}

ms_grade ms_rule_grade(const ms_rule_hit *h, ms_grade_source *ret_source) {
    static const char *const info_tags[] = {"info", "informational", "hunting", "hunt", "notice", "test",
                                            "experimental", NULL};
    static const char *const bad_tags[] = {"malware", "miner", "cryptominer", "coinminer", "trojan", "backdoor",
                                           "ransomware", "rat", "apt", "webshell", "dropper", "exploit",
                                           "hacktool", NULL};
    ms_grade g = MS_GRADE_INFO;
    ms_grade_source src = MS_GRADE_FROM_NONE;
    int64_t v;
    const ms_rule_meta *m;

    if (severity_word(h->severity, &g)) {
        src = MS_GRADE_FROM_SEVERITY;
    } else if (meta_int(ms_rule_hit_meta(h, "score"), &v)) {
        g = band(v);
        src = MS_GRADE_FROM_SCORE;
    } else if ((m = meta_typed(h, "severity", MS_META_INT)) && meta_int(m, &v)) {
        g = band(v);
        src = MS_GRADE_FROM_ELASTIC;
    } else if ((m = meta_typed(h, "threat_name", MS_META_STRING)) && m->str && *m->str) {
        g = MS_GRADE_MEDIUM;
        src = MS_GRADE_FROM_THREAT;
    } else {
        bool info = false, bad = false;
        for (size_t i = 0; i < h->n_tags; i++) {
            info |= h->tags[i] && word_is(h->tags[i], info_tags);
            bad |= h->tags[i] && word_is(h->tags[i], bad_tags);
        }
        if (info || bad) {
            g = info ? MS_GRADE_INFO : MS_GRADE_MEDIUM;
            src = MS_GRADE_FROM_TAGS;
        }
    }
    if (ret_source)
        *ret_source = src;
    return g;
}

const char *ms_grade_name(ms_grade g) {
    switch (g) {
    case MS_GRADE_HIGH:
        return "high";
    case MS_GRADE_MEDIUM:
        return "medium";
    case MS_GRADE_LOW:
        return "low";
    case MS_GRADE_INFO:
        break;
    }
    return "info";
}

const char *ms_grade_source_name(ms_grade_source s) {
    switch (s) {
    case MS_GRADE_FROM_SEVERITY:
        return "severity";
    case MS_GRADE_FROM_SCORE:
        return "score";
    case MS_GRADE_FROM_ELASTIC:
        return "elastic_severity";
    case MS_GRADE_FROM_THREAT:
        return "threat_name";
    case MS_GRADE_FROM_TAGS:
        return "tags";
    case MS_GRADE_FROM_NONE:
        break;
    }
    return "none";
}

ms_verdict_kind ms_verdict_from_rules(const ms_rule_hit *rules, size_t n) {
    int lows = 0;
    ms_grade best = MS_GRADE_INFO;
    for (size_t i = 0; i < n; i++) {
        ms_grade g = ms_rule_grade(&rules[i], NULL);
        if (g == MS_GRADE_LOW)
            lows++;
        if (g > best)
            best = g;
    }
    if (best == MS_GRADE_HIGH)
        return MS_MALICIOUS;
    if (best == MS_GRADE_MEDIUM || lows >= 2)
        return MS_SUSPICIOUS;
    return MS_CLEAN;
}

static void raise(ms_decision *d, ms_verdict_kind k) {
    if (k > d->verdict)
        d->verdict = k;
}

static void say(ms_decision *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(ms_decision *d, const char *fmt, ...) {
    if (d->reason[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
    va_end(ap);
}

/* The reason of a problem (error, limit, skipped...). The reason in front
 * is the one of the verdict: a worse problem found later goes before the
 * one said first (issue 15: an "error" record said "limit: ..."). *said is
 * the kind of the reason in front. */
static void say_problem(ms_decision *d, ms_verdict_kind *said, ms_verdict_kind k, const char *text) {
    if (!d->reason[0]) {
        snprintf(d->reason, sizeof(d->reason), "%s", text);
        *said = k;
    } else if (k > *said && *said < MS_SUSPICIOUS) {
        char old[sizeof(d->reason)];
        memcpy(old, d->reason, sizeof(old));
        size_t cap = sizeof(d->reason) - 1, a = strlen(text), b = strlen(old);
        if (a > cap)
            a = cap;
        memcpy(d->reason, text, a);
        if (a + 2 <= cap) {
            memcpy(d->reason + a, "; ", 2);
            a += 2;
            if (b > cap - a)
                b = cap - a;
            memcpy(d->reason + a, old, b);
            a += b;
        }
        d->reason[a] = '\0';
        *said = k;
    }
}

void ms_decide(const ms_evidence *e, ms_decision *d) {
    ms_verdict_kind said = MS_CLEAN;
    char member[64];
    d->verdict = MS_CLEAN;
    d->contains = MS_CLEAN;
    d->reason[0] = '\0';
    if (e->partial != MS_CLEAN) {
        raise(d, e->partial);
        say_problem(d, &said, e->partial, e->partial_reason ? e->partial_reason : "not read to its end");
    }
    if (e->scan_problem != MS_CLEAN) {
        raise(d, e->scan_problem);
        say_problem(d, &said, e->scan_problem, e->scan_problem_reason ? e->scan_problem_reason : "scan failed");
    }
    raise(d, ms_verdict_from_rules(e->rules, e->n_rules));
    if (e->scored && e->partial == MS_CLEAN) {
        /* issue 11: a graded rule agrees (an informational one says
         * nothing about the object, so it does not) */
        bool graded = false;
        for (size_t i = 0; i < e->n_rules && !graded; i++)
            graded = ms_rule_grade(&e->rules[i], NULL) != MS_GRADE_INFO;
        bool agrees = graded || e->has_iocs;
        if (e->score >= e->strict && agrees && d->verdict < MS_MALICIOUS) {
            raise(d, MS_MALICIOUS);
            say(d, "model score %.3f over the strict threshold %.3f, and %s agree", e->score, e->strict,
                graded ? "rules" : "its IOCs");
        } else if (e->score >= e->threshold && d->verdict < MS_SUSPICIOUS) {
            raise(d, MS_SUSPICIOUS);
            say(d, "model score %.3f over the threshold %.3f", e->score, e->threshold);
        }
    }
    bool in_context = (e->script_context & MS_SCRIPT_NAMES_MINING) || e->has_iocs ||
                      ((e->script_context & MS_SCRIPT_DELIVERS) && e->script_size <= MS_SCRIPT_ALONE_MAX);
    if (e->script_scored && e->partial == MS_CLEAN && e->script_score >= e->script_threshold && in_context &&
        d->verdict < MS_SUSPICIOUS) {
        raise(d, MS_SUSPICIOUS);
        say(d, "script score %.3f over the threshold %.3f", e->script_score, e->script_threshold);
    }
    if (d->reason[0] && said == MS_CLEAN)
        said = d->verdict; /* a finding's reason stays in front */
    if (e->known_bad)
        raise(d, MS_MALICIOUS);
    if (e->unpack_problem != MS_CLEAN) {
        raise(d, e->unpack_problem);
        say_problem(d, &said, e->unpack_problem, e->unpack_reason ? e->unpack_reason : "members not scanned");
    }
    if (e->have_children && e->children > d->verdict) {
        if (e->children >= MS_SUSPICIOUS) {
            say(d, "a member is %s", ms_verdict_name(e->children));
            d->contains = e->children;
        } else if (e->children == MS_DAMAGED) {
            say(d, "a member is damaged");
        } else {
            snprintf(member, sizeof(member), "a member was not fully scanned (%s)", ms_verdict_name(e->children));
            say_problem(d, &said, e->children, member);
        }
        d->verdict = e->children;
    }
    if (e->allowed_by && d->verdict >= MS_SUSPICIOUS) {
        char was[32];
        snprintf(was, sizeof(was), "%s", ms_verdict_name(d->verdict));
        snprintf(d->reason, sizeof(d->reason), "allowed by %s (would be %s)", e->allowed_by, was);
        d->verdict = MS_CLEAN;
        d->contains = MS_CLEAN;
    }
}
