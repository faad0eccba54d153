/*
 * fuzz_ruleprune.c - the rule reader of scanner/ruleprune.h on arbitrary
 * text. The oracle is libyara itself: when the input compiles and the
 * reader follows it, then for every class the cut text must compile too,
 * to the same rules (names, order, private and global flags), and a rule
 * the reader cuts must be one whose condition it was asked about. The
 * cut text is never longer than the input plus one short condition per
 * rule. The absent set (ms_prune_decide_absent) compiles to the same rules
 * too, and on data where no string of the whole set matches it gives the
 * whole set's hits. The prefilter's decision (ms_prune_class_quiet over
 * the literals litscan.h finds) is never "quiet" on data where libyara
 * matches a rule that is not private: probes are the input itself, its
 * case swapped, and plain bytes.
 */
#include <stdint.h>
#include <string.h>
#include <yara.h>

#include "fuzz_util.h"
#include "litscan.h"
#include "ruleprune.h"

static void no_messages(int level, const char *file, int line, const YR_RULE *rule, const char *msg, void *ud) {
    (void)level, (void)file, (void)line, (void)rule, (void)msg, (void)ud;
}

static const char *no_includes(const char *name, const char *from, const char *ns, void *ud) {
    (void)name, (void)from, (void)ns, (void)ud;
    return NULL;
}

static YR_RULES *compile(const char *text) {
    YR_COMPILER *c = NULL;
    YR_RULES *r = NULL;
    if (yr_compiler_create(&c) != ERROR_SUCCESS)
        return NULL;
    yr_compiler_set_callback(c, no_messages, NULL);
    yr_compiler_set_include_callback(c, no_includes, NULL, NULL);
    if (yr_compiler_add_string(c, text, "fuzz") == 0 && yr_compiler_get_rules(c, &r) != ERROR_SUCCESS)
        r = NULL;
    yr_compiler_destroy(c);
    return r;
}

/* The rules that matched one scan (by index) and whether any string did. */
typedef struct {
    uint8_t *hit;
    size_t n;
    bool strings;
} outcome;

static int on_scan(YR_SCAN_CONTEXT *ctx, int message, void *data, void *ud) {
    outcome *o = ud;
    if (message == CALLBACK_MSG_RULE_MATCHING) {
        size_t i = (size_t)((const YR_RULE *)data - ctx->rules->rules_table);
        if (i < o->n)
            o->hit[i] = 1;
    } else if (message == CALLBACK_MSG_SCAN_FINISHED) {
        for (uint32_t k = 0; k < ctx->rules->num_strings; k++)
            if (ctx->matches[k].head || ctx->unconfirmed_matches[k].head)
                o->strings = true;
    }
    return CALLBACK_CONTINUE;
}

static void scan(YR_RULES *r, const uint8_t *d, size_t n, outcome *o) {
    memset(o->hit, 0, o->n);
    o->strings = false;
    /* private rules are reported too: the flags below ask for all */
    yr_rules_scan_mem(r, d, n, SCAN_FLAGS_REPORT_RULES_MATCHING, on_scan, o, 1);
}

/* The absent set of p for text: compiled, the same rules as whole, and on
 * each probe where no string of whole matched, the same hits. */
static void check_absent(ms_prune *p, YR_RULES *whole, size_t n, uint8_t *off) {
    size_t cut = ms_prune_decide_absent(p, off);
    FUZZ_ASSERT(cut <= n);
    char *t = ms_prune_text(p, 0, off);
    FUZZ_ASSERT(!t == !cut);
    if (!t || !whole) {
        free(t);
        return;
    }
    YR_RULES *a = compile(t);
    FUZZ_ASSERT(a != NULL);
    size_t nr = 0;
    for (const YR_RULE *r = whole->rules_table; !RULE_IS_NULL(r); r++)
        nr++;
    outcome ow = {.hit = calloc(nr + 1, 1), .n = nr}, oa = {.hit = calloc(nr + 1, 1), .n = nr};
    static uint8_t probes[3][300];
    memset(probes[1], 'A', sizeof(probes[1]));
    for (size_t i = 0; i < sizeof(probes[2]); i++)
        probes[2][i] = (uint8_t)(i * 37 + 11);
    static const size_t sizes[] = {0, 16, 300, 300};
    for (size_t k = 0; k < 4; k++) {
        const uint8_t *d = probes[k < 2 ? 0 : k - 1];
        scan(whole, d, sizes[k], &ow);
        if (ow.strings)
            continue; /* only objects with no string matched */
        scan(a, d, sizes[k], &oa);
        FUZZ_ASSERT(!memcmp(ow.hit, oa.hit, nr));
    }
    free(ow.hit);
    free(oa.hit);
    yr_rules_destroy(a);
    free(t);
}

static void add_literal(void *ud, const uint8_t *l, size_t n, bool nocase, size_t set) {
    FUZZ_ASSERT(ms_litscan_add(ud, l, n, nocase, (uint32_t)set));
}

/* On each probe, the class's prefilter says quiet only when libyara
 * reports no rule that is not private. */
static void check_clean(ms_prune *p, YR_RULES *whole, size_t n, const char *text, size_t size) {
    size_t nr = 0;
    for (const YR_RULE *r = whole->rules_table; !RULE_IS_NULL(r); r++)
        nr++;
    FUZZ_ASSERT(nr == n);
    uint8_t *swapped = malloc(size + 1), *plain = malloc(300);
    for (size_t i = 0; i < size; i++) {
        uint8_t c = (uint8_t)text[i];
        swapped[i] = (uint8_t)(((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ? c ^ 0x20 : c);
    }
    memset(plain, 'A', 300);
    const uint8_t *probe[] = {(const uint8_t *)text, swapped, plain, (const uint8_t *)"" "ELF"};
    const size_t len[] = {size, size, 300, 6};
    outcome o = {.hit = calloc(nr + 1, 1), .n = nr};
    uint8_t *off = calloc(n + 1, 1), *seen = NULL;
    for (size_t k = 0; k < sizeof(probe) / sizeof(probe[0]); k++) {
        ms_head head = ms_head_of(probe[k], len[k]);
        uint64_t min = ms_prune_sizes[ms_prune_size_class(len[k])];
        ms_prune_class *c = ms_prune_class_new(p, head, min);
        ms_litscan *m = ms_litscan_new();
        ms_prune_decide(p, head, min, off);
        for (size_t i = 0; i < n; i++)
            if (!off[i])
                ms_prune_literals(p, i, add_literal, m);
        ms_litscan_seal(m);
        seen = realloc(seen, ms_prune_lit_sets(p) + 1);
        memset(seen, 0, ms_prune_lit_sets(p) + 1);
        ms_litscan_find(m, probe[k], len[k], seen);
        if (ms_prune_class_quiet(c, seen)) {
            scan(whole, probe[k], len[k], &o);
            size_t i = 0;
            for (const YR_RULE *r = whole->rules_table; !RULE_IS_NULL(r); r++, i++)
                FUZZ_ASSERT(!o.hit[i] || RULE_IS_PRIVATE(r));
        }
        ms_litscan_free(m);
        ms_prune_class_free(c);
    }
    free(seen);
    free(off);
    free(o.hit);
    free(swapped);
    free(plain);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    return yr_initialize() == ERROR_SUCCESS ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 65536 || memchr(data, 0, size))
        return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    ms_prune *p = ms_prune_new();
    bool followed = ms_prune_add(p, text, size, "fuzz");
    size_t n = ms_prune_rules(p);
    FUZZ_ASSERT(followed || n == 0);
    YR_RULES *whole = followed ? compile(text) : NULL;
    uint8_t *off = calloc(n + 1, 1);
    for (int h = 0; h < MS_HEAD_N; h++)
        for (int k = 0; k < MS_PRUNE_SIZES; k++) {
            size_t cut = ms_prune_decide(p, (ms_head)h, ms_prune_sizes[k], off);
            FUZZ_ASSERT(cut <= n);
            char *t = ms_prune_text(p, 0, off);
            FUZZ_ASSERT(!t == !cut || !followed);
            if (!t)
                continue;
            FUZZ_ASSERT(strlen(t) <= size + n * 32);
            if (whole) {
                YR_RULES *c = compile(t);
                FUZZ_ASSERT(c != NULL);
                const YR_RULE *a = whole->rules_table, *b = c->rules_table;
                for (; !RULE_IS_NULL(a) && !RULE_IS_NULL(b); a++, b++) {
                    FUZZ_ASSERT(!strcmp(a->identifier, b->identifier));
                    FUZZ_ASSERT(RULE_IS_PRIVATE(a) == RULE_IS_PRIVATE(b));
                    FUZZ_ASSERT(RULE_IS_GLOBAL(a) == RULE_IS_GLOBAL(b));
                }
                FUZZ_ASSERT(RULE_IS_NULL(a) && RULE_IS_NULL(b));
                yr_rules_destroy(c);
            }
            free(t);
        }
    if (followed)
        check_absent(p, whole, n, off);
    if (whole)
        check_clean(p, whole, n, text, size);
    if (whole)
        yr_rules_destroy(whole);
    free(off);
    ms_prune_free(p);
    free(text);
    return 0;
}
