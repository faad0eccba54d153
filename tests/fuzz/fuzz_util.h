/*
 * fuzz_util.h - what the fuzz targets share: the small limits they run
 * with, an engine made once per process, invariant checks on the records
 * the engine emits, and a reporter round trip that checks the output of
 * every reporter for one set of verdicts.
 *
 * A failed check calls abort(), which libFuzzer reports as a crash and the
 * replay main as a test failure, with the condition on stderr.
 */
#ifndef MS_FUZZ_UTIL_H
#define MS_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "minerscan.h"
#include "options.h"

/* The libFuzzer entry point each target defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(c)                                                                        \
    do {                                                                                      \
        if (!(c)) {                                                                           \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c);         \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

/* Default options with limits small enough that one input stays fast:
 * a bomb must hit a limit within the libFuzzer timeout and RSS limit. */
const ms_options *fuzz_options(void);

/* The engine (built-in rules, model) for fuzz_options(), made on first
 * use and freed at exit. */
ms_engine *fuzz_engine(void);

/* Checks on one emitted record that hold for any input (see fuzz_util.c). */
void fuzz_check_verdict(const ms_verdict *v, const ms_options *o);

/* Run the text, jsonl and sarif reporters over v[0..n) and summary s into
 * memory and check each output: JSON Lines and SARIF parse as JSON (valid
 * UTF-8 included), paths round-trip, text holds no control bytes and no
 * line breaks that came from the data. */
void fuzz_check_reports(ms_verdict *const *v, size_t n, const ms_summary *s, bool explain);

#endif
