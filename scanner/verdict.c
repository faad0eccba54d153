/*
 * verdict.c - the verdict policy (see verdict.h).
 */
#include "verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int severity_rank(const char *s) {
    if (!s || !strcmp(s, "medium") || !*s)
        return 2; /* user rules without severity count as medium */
    if (!strcmp(s, "high"))
        return 3;
    if (!strcmp(s, "low"))
        return 1;
    return 2;
}

ms_verdict_kind ms_verdict_from_rules(const ms_rule_hit *rules, size_t n) {
    int lows = 0, best = 0;
    for (size_t i = 0; i < n; i++) {
        int s = severity_rank(rules[i].severity);
        if (s == 1)
            lows++;
        if (s > best)
            best = s;
    }
    if (best == 3)
        return MS_MALICIOUS;
    if (best == 2 || lows >= 2)
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
        bool agrees = e->n_rules > 0 || e->has_iocs;
        if (e->score >= e->strict && agrees && d->verdict < MS_MALICIOUS) {
            raise(d, MS_MALICIOUS);
            say(d, "model score %.3f over the strict threshold %.3f, and %s agree", e->score, e->strict,
                e->n_rules ? "rules" : "its IOCs");
        } else if (e->score >= e->threshold && d->verdict < MS_SUSPICIOUS) {
            raise(d, MS_SUSPICIOUS);
            say(d, "model score %.3f over the threshold %.3f", e->score, e->threshold);
        }
    }
    if (e->script_scored && e->partial == MS_CLEAN && e->script_score >= e->script_threshold &&
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
