/*
 * selfreport.h - is this a report minerscan wrote? (issue 9)
 *
 * A saved report names pools, wallets and rules: scanned as data it came
 * back SUSPICIOUS on the next run, and every scan of a CI workspace that
 * keeps its out.jsonl or out.sarif flagged it. A report is recognised by
 * its whole structure, never by its first line, so a miner's config with a
 * report line prepended is still a miner's config:
 *  - JSON Lines: two lines or more, every non-empty line one complete
 *    JSON object (RFC 8259, strictly) whose first member is "type" with
 *    one of the record types of report_jsonl.c, the first the run record
 *    (runinfo.h). One JSON object alone is never a report: a miner's
 *    config.json with "type" put first would otherwise pass for one;
 *  - SARIF: the whole file is one JSON object with SARIF's top-level
 *    members only, whose runs' tool driver is named "minerscan";
 *  - text: every line is the run line ("run: minerscan ..."), a record
 *    line (a verdict word, a space), an indented detail line ("    key:
 *    ..."), the summary line or the end line ("end: ...").
 */
#ifndef MS_SELFREPORT_H
#define MS_SELFREPORT_H

#include <stddef.h>
#include <stdint.h>

typedef enum ms_report_kind {
    MS_OWN_NONE = 0,
    MS_OWN_JSONL,
    MS_OWN_SARIF,
    MS_OWN_TEXT,
} ms_report_kind;

ms_report_kind ms_own_report(const uint8_t *d, size_t n);

/* "jsonl", "sarif", "text" */
const char *ms_own_report_name(ms_report_kind k);

#endif
