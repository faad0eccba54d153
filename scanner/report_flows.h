/*
 * report_flows.h - capture flows (capture.h ms_flow) for the reporters:
 * the JSON form that JSON Lines (iocs.flows) and SARIF (result
 * properties.flows) share, and the text lines.
 */
#ifndef MS_REPORT_FLOWS_H
#define MS_REPORT_FLOWS_H

#include <stdio.h>

#include "minerscan.h"

/* A JSON array of i's flows, in the form report_jsonl.c documents. */
void ms_report_flows_json(FILE *out, const ms_iocs *i);
/* One "    flow: ..." line per flow, sanitised for a terminal. */
void ms_report_flows_text(FILE *out, const ms_iocs *i);

#endif
