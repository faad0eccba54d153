/*
 * fuzz_capture.c - the capture reader (capture.c, stratum.c, tlsdns.c,
 * jsontok.c) on arbitrary bytes (issue 14).
 *
 * Input: a pcap or pcapng file is analysed as it is. Anything else is
 * wrapped, so the mutations reach the packet decoders rather than
 * libpcap's header checks: byte 0 picks the link type (Ethernet, raw IP,
 * Linux cooked v1/v2, BSD loopback, DLT_LOOP), and the rest is split into
 * packets at each "PKT!" marker, written as pcap records with increasing
 * time stamps.
 *
 * Checks: the return code is one of those capture.h names, and anything
 * but 0 leaves the verdict incomplete with a reason; every hit is in the
 * "capture" namespace with an offset and length inside the file; pools
 * are deduplicated; flows are at most MS_CAPTURE_MAX_FLOW_RECORDS with
 * proto, endpoints and dialect set and first_seen <= last_seen; the JSON
 * Lines and SARIF reports parse and carry every flow, and the text report
 * holds no control byte but its newlines.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "fuzz_util.h"
#include "report.h"

static uint8_t *wrap(const uint8_t *d, size_t n, size_t *ret_n) {
    static const uint32_t links[] = {1, 101, 113, 276, 0, 108};
    size_t cap = 24 + n + 16 * (n / 4 + 2), len = 0;
    uint8_t *o = malloc(cap);
    FUZZ_ASSERT(o);
    uint32_t hdr[6] = {0xa1b2c3d4, 2 | 4u << 16, 0, 0, 262144, links[n ? d[0] % 6 : 0]};
    memcpy(o, hdr, 24);
    len = 24;
    size_t i = n ? 1 : 0;
    uint32_t ts = 1700000000;
    while (i < n) {
        const uint8_t *m = memmem(d + i, n - i, "PKT!", 4);
        size_t k = m ? (size_t)(m - (d + i)) : n - i;
        uint32_t rec[4] = {ts++, 0, (uint32_t)k, (uint32_t)k};
        memcpy(o + len, rec, 16);
        memcpy(o + len + 16, d + i, k);
        len += 16 + k;
        i += k + (m ? 4 : 0);
    }
    *ret_n = len;
    return o;
}

static char *report(const ms_report_ops *ops, ms_verdict *v) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    FUZZ_ASSERT(f);
    ms_report r = {.ops = ops, .out = f, .sort = true};
    ms_summary s = {0};
    ms_summary_count(&s, v);
    FUZZ_ASSERT(ops->begin(&r) == 0);
    FUZZ_ASSERT(ops->object(&r, v) == 0);
    FUZZ_ASSERT(ops->summary(&r, &s) == 0);
    FUZZ_ASSERT(ops->end(&r) == 0);
    fclose(f);
    return buf;
}

static void check_reports(ms_verdict *v) {
    char *j = report(&ms_report_jsonl, v);
    json_error_t e;
    json_t *rec = json_loadb(j, strcspn(j, "\n"), 0, &e);
    FUZZ_ASSERT(rec);
    json_t *flows = json_object_get(json_object_get(rec, "iocs"), "flows");
    FUZZ_ASSERT(json_array_size(flows) == v->iocs.n_flows);
    json_decref(rec);
    free(j);
    char *s = report(&ms_report_sarif, v);
    json_t *doc = json_loads(s, 0, &e);
    FUZZ_ASSERT(doc);
    json_decref(doc);
    free(s);
    char *t = report(&ms_report_text, v);
    for (const char *p = t; *p; p++)
        FUZZ_ASSERT((unsigned char)*p >= 0x20 || *p == '\n');
    free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static ms_capture *c;
    uint8_t *own = NULL;
    const uint8_t *d = data;
    size_t n = size;
    if (!c)
        FUZZ_ASSERT(ms_capture_new(NULL, &c) == 0);
    if (!ms_capture_candidate(data, size))
        d = own = wrap(data, size, &n);
    ms_verdict *v = NULL;
    v = ms_verdict_new("f.pcap", 6);
    v->size = n;
    int r = ms_capture_analyse(c, d, n, v);
    FUZZ_ASSERT(r == 0 || r == MS_E_CORRUPT || r == MS_E_LIMIT || r == MS_E_UNSUPPORTED);
    if (r != 0)
        FUZZ_ASSERT(v->incomplete && v->reason && *v->reason);
    for (size_t i = 0; i < v->n_rules; i++) {
        const ms_rule_hit *h = &v->rules[i];
        FUZZ_ASSERT(!strcmp(h->ns, "capture") && *h->rule && *h->severity);
        FUZZ_ASSERT(h->has_match && h->offset <= n && h->length <= n - h->offset);
    }
    for (size_t i = 0; i < v->iocs.n_pools; i++)
        for (size_t k = 0; k < i; k++)
            FUZZ_ASSERT(strcmp(v->iocs.pools[i], v->iocs.pools[k]));
    FUZZ_ASSERT(v->iocs.n_flows <= MS_CAPTURE_MAX_FLOW_RECORDS);
    for (size_t i = 0; i < v->iocs.n_flows; i++) {
        const ms_flow *f = &v->iocs.flows[i];
        FUZZ_ASSERT(f->proto && f->client_ip && f->server_ip && f->dialect);
        FUZZ_ASSERT(!strcmp(f->proto, "tcp") || !strcmp(f->proto, "udp"));
        FUZZ_ASSERT(f->first_ts <= f->last_ts);
        FUZZ_ASSERT(f->accepted <= f->shares);
    }
    if (v->n_rules)
        v->verdict = MS_SUSPICIOUS;
    else if (r != 0)
        v->verdict = MS_ERROR;
    check_reports(v);
    ms_verdict_free(v);
    free(own);
    return 0;
}
