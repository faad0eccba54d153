/*
 * live_record.c - the --live record facts and the evidence table
 * (live_record.h).
 *
 * Severities are chosen so that a clean host stays clean: a fact that is
 * also true of ordinary machines (a daemon still running after a package
 * upgrade deleted its binary, huge pages for a database, a connection to
 * port 8888) is low or info, and only combinations or facts with no
 * ordinary explanation (a process hidden from /proc, a connection to an
 * address /etc/hosts gives a pool host) reach medium or high.
 */
#include "live_record.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "verdict.h"

static const ms_live_code codes[] = {
    /* process */
    {"exe_deleted", "low", "process",
     "The program's file was deleted after it started (miners delete themselves; package upgrades also leave this)"},
    {"exe_memfd", "medium", "process",
     "The program runs from an anonymous memory file (memfd): fileless execution"},
    {"exe_in_tmp", "low", "process", "The program runs from /tmp, /var/tmp or /dev/shm"},
    {"exe_hidden_dir", "low", "process",
     "The program runs from a hidden directory (a path component starting with a dot)"},
    {"hidden_process", "high", "process",
     "A live process that the /proc directory listing leaves out (kernel rootkits such as Diamorphine hide processes this way)"},
    {"hidden_from_readdir", "high", "process",
     "A process that getdents64 lists but readdir() leaves out: a preloaded library filters /proc (a process hider)"},
    {"ld_preload_env", "low", "process", "LD_PRELOAD is set in the process environment"},
    {"memory_model_ignored", "info", "process",
     "The model scored a memory mapping; scores on memory decide nothing (the model was trained on files)"},
    /* network */
    {"stratum_port", "low", "network", "A connection to a usual mining-pool (Stratum) port"},
    {"pool_port_connection", "medium", "network",
     "A connection to the port of a pool that the process's command line, environment or memory names"},
    {"pool_address_connection", "high", "network",
     "A connection to the address of a pool that the process names as an IP address"},
    {"pool_host_connection", "high", "network",
     "A connection to an address that /etc/hosts gives a known mining-pool host (signatures/pools.txt)"},
    /* persistence */
    {"runs_from_tmp", "medium", "persistence",
     "A persistence entry runs a program from /tmp, /var/tmp or /dev/shm"},
    {"download_pipe", "medium", "persistence",
     "A persistence entry downloads a script and runs it (a download piped into a shell)"},
    {"immutable", "medium", "persistence",
     "The file is immutable (chattr +i): nobody, root included, can change or delete it until chattr -i"},
    {"append_only", "medium", "persistence", "The file is append-only (chattr +a)"},
    {"ld_so_preload", "medium", "persistence",
     "/etc/ld.so.preload loads a library into every program (process hiders hide miners this way)"},
    {"preloaded_library", "medium", "persistence", "A library that /etc/ld.so.preload loads into every program"},
    {"preload_missing", "low", "persistence", "/etc/ld.so.preload names a library that does not exist"},
    /* host */
    {"hugepages", "low", "host", "vm.nr_hugepages is set (RandomX miners reserve huge pages; so do databases)"},
    {"msr_module", "low", "host", "The msr module is loaded (XMRig writes CPU MSRs to speed up RandomX)"},
    {"nmi_watchdog_off", "info", "host",
     "kernel.nmi_watchdog is 0 (droppers turn it off; it is also off on many virtual machines)"},
    {"hidden_processes", "high", "host", "Processes are hidden from the /proc listing"},
};

const ms_live_code *ms_live_codes(size_t *ret_n) {
    *ret_n = sizeof(codes) / sizeof(codes[0]);
    return codes;
}

const ms_live_code *ms_live_code_find(const char *code) {
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (!strcmp(codes[i].code, code))
            return &codes[i];
    return NULL;
}

const char *ms_live_kind_name(ms_live_kind k) {
    switch (k) {
    case MS_LIVE_PROCESS:
        return "process";
    case MS_LIVE_PERSISTENCE:
        return "persistence";
    case MS_LIVE_HOST:
        return "host";
    }
    return "object";
}

int ms_live_info_new(ms_live_kind kind, ms_live_info **ret) {
    ms_live_info *l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->kind = kind;
    l->pid = l->ppid = -1;
    l->uid = -1;
    l->start_time = l->cpu_s = -1;
    l->nr_hugepages = -1;
    l->nmi_watchdog = -1;
    l->msr_loaded = -1;
    *ret = l;
    return 0;
}

void ms_live_info_free(ms_live_info *l) {
    if (!l)
        return;
    free(l->user);
    free(l->comm);
    free(l->exe);
    for (size_t i = 0; i < l->argc; i++)
        free(l->argv[i]);
    free(l->argv);
    free(l->conns);
    free(l->mem_note);
    free(l->hostname);
    free(l->kernel);
    for (size_t i = 0; i < l->n_ev; i++)
        free(l->ev[i].text);
    free(l->ev);
    free(l);
}

bool ms_live_has_evidence(const ms_live_info *l, const char *code) {
    for (size_t i = 0; l && i < l->n_ev; i++)
        if (!strcmp(l->ev[i].code->code, code))
            return true;
    return false;
}

int ms_live_add_evidence(ms_live_info *l, const char *code, const char *fmt, ...) {
    const ms_live_code *c = ms_live_code_find(code);
    char *text = NULL;
    va_list ap;
    int r = 0;

    if (!c)
        return -EINVAL;
    if (ms_live_has_evidence(l, code))
        return 0;
    va_start(ap, fmt);
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0) {
        text = NULL;
        r = -ENOMEM;
        goto out;
    }
    ms_live_evidence *ev = realloc(l->ev, (l->n_ev + 1) * sizeof(*ev));
    if (!ev) {
        r = -ENOMEM;
        goto out;
    }
    l->ev = ev;
    ev[l->n_ev++] = (ms_live_evidence){.code = c, .text = text};
    text = NULL;
out:
    free(text);
    return r;
}

/* The rules and every evidence item that counts (not "info") as one list
 * of severities for the one policy of verdict.h. */
ms_verdict_kind ms_live_policy(const ms_verdict *v) {
    size_t n_ev = v->live ? v->live->n_ev : 0, n = 0;
    if (n_ev == 0)
        return ms_verdict_from_rules(v->rules, v->n_rules);
    ms_rule_hit *all = ms_xcalloc(v->n_rules + n_ev, sizeof(*all));
    for (size_t i = 0; i < v->n_rules; i++)
        all[n++] = v->rules[i];
    for (size_t i = 0; i < n_ev; i++)
        if (strcmp(v->live->ev[i].code->severity, "info"))
            all[n++] = (ms_rule_hit){.severity = (char *)v->live->ev[i].code->severity};
    ms_verdict_kind k = ms_verdict_from_rules(all, n);
    free(all);
    return k;
}

ms_verdict_kind ms_live_policy_evidence(const ms_live_info *l) {
    ms_verdict v = {.live = (ms_live_info *)l};
    return ms_live_policy(&v);
}
