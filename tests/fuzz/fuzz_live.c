/*
 * fuzz_live.c - the --live parsers on arbitrary bytes (issue 13): every
 * line as a /proc/net/tcp and tcp6 line and a /proc/PID/maps line, the
 * whole input as /proc/PID/stat and status, as a persistence file of each
 * syntax, as /etc/hosts, /etc/passwd and /etc/ld.so.preload. Then the
 * evidence, arguments and connections that came from the input go into a
 * process record, a persistence record and a host record, which every
 * reporter must write as valid output (fuzz_check_reports).
 *
 * Checks the contracts: a socket's state is 1..12 and its formatted
 * addresses are NUL-terminated; a mapping ends at or after its start and
 * its path is no longer than the line; stat's comm is a C string under
 * 64 bytes; every evidence item has a known code and a text;
 * passwd and preload entries are non-empty C strings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "live_net.h"
#include "live_persist.h"
#include "live_proc.h"
#include "live_record.h"

static void check_evidence(const ms_live_info *li) {
    for (size_t i = 0; i < li->n_ev; i++) {
        FUZZ_ASSERT(li->ev[i].code && ms_live_code_find(li->ev[i].code->code) == li->ev[i].code);
        FUZZ_ASSERT(li->ev[i].text);
    }
}

static void lines(const uint8_t *data, size_t size, ms_live_info *proc) {
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        char line[4096];
        size_t n = len < sizeof(line) - 1 ? len : sizeof(line) - 1;
        memcpy(line, p, n);
        line[n] = '\0';
        for (int v6 = 0; v6 < 2; v6++) {
            ms_sock s;
            if (ms_sock_parse_line(line, v6, v6 ? "tcp6" : "tcp", &s) == 0) {
                FUZZ_ASSERT(s.state >= 1 && s.state <= 12);
                FUZZ_ASSERT(ms_sock_state_name(&s));
                if (proc->n_conns < 64) {
                    ms_live_conn *c = realloc(proc->conns, (proc->n_conns + 1) * sizeof(*c));
                    FUZZ_ASSERT(c);
                    proc->conns = c;
                    ms_live_conn *k = &c[proc->n_conns++];
                    *k = (ms_live_conn){.proto = s.proto, .state = ms_sock_state_name(&s), .inode = s.inode,
                                        .match = ms_pool_port(s.rport) ? "stratum_port" : NULL};
                    ms_sock_format(s.laddr, s.v6, s.lport, k->local, sizeof(k->local));
                    ms_sock_format(s.raddr, s.v6, s.rport, k->remote, sizeof(k->remote));
                    FUZZ_ASSERT(memchr(k->local, '\0', sizeof(k->local)));
                    FUZZ_ASSERT(memchr(k->remote, '\0', sizeof(k->remote)));
                }
            }
        }
        ms_map m;
        /* the raw line, not the copy: a NUL inside it is input too */
        if (ms_map_parse_line(p, len, &m) == 0) {
            FUZZ_ASSERT(m.end >= m.start);
            FUZZ_ASSERT(m.perms[4] == '\0');
            FUZZ_ASSERT(!m.path || strlen(m.path) <= len);
            ms_map_choice ch = ms_map_choose(&m);
            FUZZ_ASSERT(ch >= MS_MAP_SCAN && ch <= MS_MAP_SKIP_UNREADABLE);
            ms_map_clear(&m);
            FUZZ_ASSERT(m.path == NULL);
        }
        p = nl ? nl + 1 : end;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ms_verdict *pv, *fv, *hv;
    pv = ms_verdict_new("/proc/42", 8);
    fv = ms_verdict_new("/etc/cron.d/x", 13);
    hv = ms_verdict_new("host:fuzz", 9);
    FUZZ_ASSERT(ms_live_info_new(MS_LIVE_PROCESS, &pv->live) == 0);
    FUZZ_ASSERT(ms_live_info_new(MS_LIVE_PERSISTENCE, &fv->live) == 0);
    FUZZ_ASSERT(ms_live_info_new(MS_LIVE_HOST, &hv->live) == 0);
    ms_live_info *proc = pv->live, *file = fv->live;
    file->location = "cron";

    lines(data, size, proc);

    ms_proc_stat st;
    if (ms_proc_parse_stat((const char *)data, size, &st) == 0) {
        FUZZ_ASSERT(strlen(st.comm) < sizeof(st.comm));
        FUZZ_ASSERT(st.pid > 0);
        proc->pid = st.pid;
        proc->ppid = st.ppid;
        proc->comm = strdup(st.comm);
        FUZZ_ASSERT(proc->comm);
    }
    long uid;
    int tgid;
    ms_proc_parse_status((const char *)data, size, &uid, &tgid);
    FUZZ_ASSERT(uid >= -1 && tgid >= -1);
    proc->uid = uid;

    /* the input as a command line: NUL-separated arguments */
    for (size_t b = 0, i = 0; i <= size && proc->argc < 64; i++) {
        if (i == size || data[i] == '\0') {
            char **a = realloc(proc->argv, (proc->argc + 1) * sizeof(*a));
            FUZZ_ASSERT(a);
            proc->argv = a;
            a[proc->argc] = malloc(i - b + 1);
            FUZZ_ASSERT(a[proc->argc]);
            memcpy(a[proc->argc], data + b, i - b);
            a[proc->argc][i - b] = '\0';
            proc->argc++;
            b = i + 1;
        }
    }

    for (int syn = MS_SYN_SHELL; syn <= MS_SYN_BINARY; syn++) {
        ms_live_info *li = NULL;
        FUZZ_ASSERT(ms_live_info_new(MS_LIVE_PERSISTENCE, &li) == 0);
        FUZZ_ASSERT(ms_persist_check_lines((ms_persist_syntax)syn, data, size, li) == 0);
        check_evidence(li);
        if (syn == MS_SYN_PRELOAD || syn == MS_SYN_BINARY)
            FUZZ_ASSERT(li->n_ev == 0);
        ms_live_info_free(li);
    }
    FUZZ_ASSERT(ms_persist_check_lines(MS_SYN_CRON_USER, data, size, file) == 0);

    ms_pool_addr *addrs = NULL;
    size_t n_addrs = 0;
    FUZZ_ASSERT(ms_hosts_pool_addrs(data, size, &addrs, &n_addrs) == 0);
    FUZZ_ASSERT(n_addrs <= MS_HOSTS_MAX_ADDRS);
    for (size_t i = 0; i < n_addrs; i++)
        FUZZ_ASSERT(ms_pool_host_known(addrs[i].name, strlen(addrs[i].name)));
    free(addrs);

    ms_passwd *pw = NULL;
    size_t n_pw = 0;
    FUZZ_ASSERT(ms_passwd_parse(data, size, &pw, &n_pw) == 0);
    for (size_t i = 0; i < n_pw; i++)
        FUZZ_ASSERT(pw[i].name && *pw[i].name && pw[i].home && pw[i].uid >= 0);
    if (n_pw && !proc->user) {
        proc->user = strdup(pw[0].name);
        FUZZ_ASSERT(proc->user);
    }
    ms_passwd_free(pw, n_pw);

    char **libs = NULL;
    size_t n_libs = 0;
    FUZZ_ASSERT(ms_preload_parse(data, size, &libs, &n_libs) == 0);
    FUZZ_ASSERT(n_libs <= 64);
    for (size_t i = 0; i < n_libs; i++) {
        FUZZ_ASSERT(libs[i] && *libs[i]);
        free(libs[i]);
    }
    free(libs);

    /* evidence texts from the input, then every reporter writes them */
    size_t n_codes;
    const ms_live_code *codes = ms_live_codes(&n_codes);
    for (size_t i = 0; i < n_codes; i++) {
        ms_live_info *li = !strcmp(codes[i].category, "host")          ? hv->live
                           : !strcmp(codes[i].category, "persistence") ? file
                                                                        : proc;
        int n = size > 200 ? 200 : (int)size;
        FUZZ_ASSERT(ms_live_add_evidence(li, codes[i].code, "%.*s", n, (const char *)data) == 0);
    }
    check_evidence(proc);
    check_evidence(file);
    if (size && data[0] & 1) {
        proc->exe = strndup((const char *)data, size > 300 ? 300 : size);
        FUZZ_ASSERT(proc->exe);
        proc->deleted = data[0] & 2;
    }
    pv->verdict = ms_live_policy(pv);
    fv->verdict = ms_live_policy(fv);
    hv->verdict = ms_live_policy(hv);
    FUZZ_ASSERT(pv->verdict == MS_MALICIOUS && hv->verdict == MS_MALICIOUS);
    ms_verdict *v[] = {pv, fv, hv};
    ms_summary s = {0};
    for (size_t i = 0; i < 3; i++)
        ms_summary_count(&s, v[i]);
    fuzz_check_reports(v, 3, &s, false);
    for (size_t i = 0; i < 3; i++)
        ms_verdict_free(v[i]);
    return 0;
}
