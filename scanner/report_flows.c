/* report_flows.c - capture flows for the reporters (see report_flows.h). */
#include "report_flows.h"

#include <string.h>

#include "capture.h"
#include "report.h"

void ms_report_flows_json(FILE *out, const ms_iocs *i) {
    fputc('[', out);
    for (size_t k = 0; k < i->n_flows; k++) {
        const ms_flow *f = &i->flows[k];
        char t0[48], t1[48];
        ms_flow_time(f->first_ts, t0, sizeof(t0));
        ms_flow_time(f->last_ts, t1, sizeof(t1));
        fputs(k ? ",{\"proto\":" : "{\"proto\":", out);
        ms_json_cstr(out, f->proto);
        fputs(",\"client\":{\"ip\":", out);
        ms_json_cstr(out, f->client_ip);
        fprintf(out, ",\"port\":%u},\"server\":{\"ip\":", f->client_port);
        ms_json_cstr(out, f->server_ip);
        fprintf(out, ",\"port\":%u,\"name\":", f->server_port);
        ms_json_cstr(out, f->server_name);
        fputs("},\"dialect\":", out);
        ms_json_cstr(out, f->dialect);
        const char *names[] = {"tls", "sni", "cert_name", "wallet", "worker", "login", "agent", "algo"};
        const char *vals[] = {f->tls,    f->sni,   f->cert_name, f->wallet,
                              f->worker, f->login, f->agent,     f->algo};
        for (size_t n = 0; n < sizeof(names) / sizeof(*names); n++) {
            fprintf(out, ",\"%s\":", names[n]);
            ms_json_cstr(out, vals[n]);
        }
        fprintf(out,
                ",\"first_seen\":\"%s\",\"last_seen\":\"%s\",\"bytes_to_server\":%llu,"
                "\"bytes_to_client\":%llu,\"shares\":%llu,\"accepted\":%llu,\"complete\":%s}",
                t0, t1, (unsigned long long)f->bytes_to_server, (unsigned long long)f->bytes_to_client,
                (unsigned long long)f->shares, (unsigned long long)f->accepted,
                f->complete ? "true" : "false");
    }
    fputc(']', out);
}

static void put(FILE *out, const char *label, const char *s) {
    if (!s)
        return;
    fputs(label, out);
    ms_text_sanitize(out, s, strlen(s));
}

void ms_report_flows_text(FILE *out, const ms_iocs *i) {
    for (size_t k = 0; k < i->n_flows; k++) {
        const ms_flow *f = &i->flows[k];
        char t0[48], t1[48];
        ms_flow_time(f->first_ts, t0, sizeof(t0));
        ms_flow_time(f->last_ts, t1, sizeof(t1));
        fputs("    flow:", out);
        put(out, " ", f->proto);
        put(out, " ", f->client_ip);
        fprintf(out, ":%u ->", f->client_port);
        put(out, " ", f->server_ip);
        fprintf(out, ":%u", f->server_port);
        put(out, " name=", f->server_name);
        put(out, " ", f->dialect);
        if (f->proto && !strcmp(f->proto, "tcp"))
            put(out, " tls=", f->tls ? f->tls : "no");
        put(out, " sni=", f->sni);
        put(out, " cert=", f->cert_name);
        put(out, " wallet=", f->wallet);
        put(out, " worker=", f->worker);
        if (!f->wallet)
            put(out, " login=", f->login);
        put(out, " agent=", f->agent);
        put(out, " algo=", f->algo);
        fprintf(out, " %s .. %s bytes %llu/%llu shares %llu (%llu accepted)%s\n", t0, t1,
                (unsigned long long)f->bytes_to_server, (unsigned long long)f->bytes_to_client,
                (unsigned long long)f->shares, (unsigned long long)f->accepted,
                f->complete ? "" : " incomplete");
    }
}
