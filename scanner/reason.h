/*
 * reason.h - the reason of a record as a code a program can switch on
 * (issue 15: "strings that are a contract"). The English reason stays for
 * people; beside it the JSON Lines record carries
 *     "reason_code": {"code": "max-filesize", "limit": 268435456}
 * The codes and their parameters are listed in reason.c (and in the
 * contract at the top of report_jsonl.c). They are read from the reason
 * texts the stages write, in this one place, so a stage that words a
 * reason differently is caught by the table's test (tests/test_report.c
 * reason_codes_*), not by a user's parser.
 */
#ifndef MS_REASON_H
#define MS_REASON_H

#include <stdbool.h>
#include <stdint.h>

#include "minerscan.h"

#define MS_REASON_MAX_PARAMS 3

typedef enum ms_param_kind { MS_PARAM_INT, MS_PARAM_NUM, MS_PARAM_STR, MS_PARAM_BOOL } ms_param_kind;

typedef struct ms_reason_param {
    const char *name;     /* static */
    ms_param_kind kind;
    uint64_t u;           /* MS_PARAM_INT; MS_PARAM_BOOL: 0 or 1 */
    double num;           /* MS_PARAM_NUM */
    char str[96];         /* MS_PARAM_STR: the text (cut to fit) */
} ms_reason_param;

typedef struct ms_reason_code {
    const char *code;     /* static; "other" for a reason no entry knows */
    ms_reason_param params[MS_REASON_MAX_PARAMS];
    unsigned n_params;
} ms_reason_code;

/* The code of reason (NULL: false is returned, there is no code). */
bool ms_reason_code_of(const char *reason, ms_verdict_kind verdict, ms_reason_code *ret);

#endif
