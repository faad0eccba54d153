/*
 * fuzz_ruleprune.c - the rule reader of scanner/ruleprune.h on arbitrary
 * text. The oracle is libyara itself: when the input compiles and the
 * reader follows it, then for every class the cut text must compile too,
 * to the same rules (names, order, private and global flags), and a rule
 * the reader cuts must be one whose condition it was asked about. The
 * cut text is never longer than the input plus one short condition per
 * rule.
 */
#include <stdint.h>
#include <string.h>
#include <yara.h>

#include "fuzz_util.h"
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
    if (whole)
        yr_rules_destroy(whole);
    free(off);
    ms_prune_free(p);
    free(text);
    return 0;
}
