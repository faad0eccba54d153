/* report_jsonl.c - STUB, being written (issue 2 reporters). */
#include "report.h"

static int begin(ms_report *r) {
    (void)r;
    return 0;
}
static int object(ms_report *r, const ms_verdict *v) {
    ms_text_sanitize(r->out, v->path, v->path_len);
    fprintf(r->out, ": %s", ms_verdict_name(v->verdict));
    for (size_t i = 0; i < v->n_rules; i++)
        fprintf(r->out, " %s", v->rules[i].rule);
    if (v->reason)
        fprintf(r->out, " (%s)", v->reason);
    fputc('\n', r->out);
    return 0;
}
static int summary(ms_report *r, const ms_summary *s) {
    fprintf(r->out, "objects %llu malicious %llu suspicious %llu errors %llu\n",
            (unsigned long long)s->objects, (unsigned long long)s->malicious,
            (unsigned long long)s->suspicious, (unsigned long long)s->errors);
    return 0;
}
static int end(ms_report *r) {
    return fflush(r->out) == 0 && !ferror(r->out) ? 0 : -1;
}
const ms_report_ops ms_report_jsonl = {"jsonl", begin, object, summary, end};
