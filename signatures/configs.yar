/*
 * configs.yar - miner configurations: xmrig config.json, xmr-stak
 * pools.txt/config.txt, and miner command lines in scripts, cron lines and
 * systemd units.
 *
 * Facts: xmrig/xmrig src/core/config/Config_default.h and src/config.json
 * (keys "pools", "url", "user", "pass", "donate-level", "randomx",
 * "huge-pages", "rig-id", "nicehash", "tls"), xmrig/xmrig
 * src/core/config/usage.h (-o/--url, -u/--user, -p/--pass, -a/--algo,
 * --coin, --donate-level, --nicehash, --tls, --cpu-max-threads-hint);
 * fireice-uk/xmr-stak xmrstak/pools.tpl ("pool_list", "pool_address",
 * "wallet_address", "pool_password", "use_nicehash", "use_tls",
 * "pool_weight", "currency") and xmrstak/config.tpl ("call_timeout",
 * "retry_time", "giveup_limit", "verbose_level", "h_print_time",
 * "daemon_mode", "flush_stdout").
 */

rule xmrig_config_json
{
    meta:
        family = "xmrig"
        category = "config"
        severity = "high"
        description = "XMRig config.json: pools[] with url/user/pass plus donate-level, randomx or huge-pages settings"
    strings:
        $p = /"pools"\s{0,8}:\s{0,8}\[/ ascii
        $url = /"url"\s{0,4}:\s{0,4}"/ ascii
        $user = /"user"\s{0,4}:\s{0,4}"/ ascii
        $pass = /"pass"\s{0,4}:/ ascii
        $k1 = "\"donate-level\"" ascii
        $k2 = "\"randomx\"" ascii
        $k3 = "\"huge-pages\"" ascii
        $k4 = "\"donate-over-proxy\"" ascii
        $k5 = "\"rig-id\"" ascii
        $k6 = "\"nicehash\"" ascii
        $k7 = "\"max-threads-hint\"" ascii
    condition:
        $p and $url and $user and $pass and 2 of ($k*)
}

rule xmrstak_config
{
    meta:
        family = "xmr-stak"
        category = "config"
        severity = "high"
        description = "xmr-stak pools.txt / config.txt: pool_list with pool_address and wallet_address, or its config keys"
    strings:
        $l = "\"pool_list\"" ascii
        $a = "\"pool_address\"" ascii
        $w = "\"wallet_address\"" ascii
        $p1 = "\"pool_password\"" ascii
        $p2 = "\"use_nicehash\"" ascii
        $p3 = "\"pool_weight\"" ascii
        $p4 = "\"currency\"" ascii
        $c1 = "\"call_timeout\"" ascii
        $c2 = "\"giveup_limit\"" ascii
        $c3 = "\"h_print_time\"" ascii
        $c4 = "\"verbose_level\"" ascii
        $c5 = "\"daemon_mode\"" ascii
        $c6 = "\"flush_stdout\"" ascii
    condition:
        ($l and $a and $w and 1 of ($p*)) or 5 of ($c*)
}

rule miner_cmdline
{
    meta:
        family = "miner-cli"
        category = "config"
        severity = "high"
        description = "A miner command line: -o/--url with a stratum pool and -u/--user with a wallet or login"
    strings:
        $o1 = /(-o|--url)[ =]{1,4}stratum[12]?\+(tcp|ssl|tls):\/\/[a-zA-Z0-9._-]{3,100}:[0-9]{2,5}/ ascii wide
        /* without a stratum scheme, only the usual pool ports: "--url h:8080
         * -u TOKEN" is a curl call, not a miner */
        $o2 = /--url[ =][a-zA-Z0-9._-]{3,100}:(3333|3334|4444|5555|6666|7777|8888|9999|10128|14433|14444|20128|45560|45700)\b/ ascii wide
        $o3 = /-o +[a-zA-Z0-9._-]{3,100}\.[a-z]{2,10}:(3333|3334|4444|5555|6666|7777|8888|9999|10128|14433|14444|20128|45560|45700) / ascii wide
        $u1 = /-u +[0-9A-Za-z]{30,110}/ ascii wide
        $u2 = /--user[ =][0-9A-Za-z]{30,110}/ ascii wide
        $d = /--donate-level[ =]?[0-9]/ ascii wide
        $a1 = /--algo[ =](rx\/0|rx\/wow|cn\/r|cn\/0|cryptonight|randomx|kawpow|ethash|argon2)/ ascii wide
        $a2 = /-a +(rx\/0|rx\/wow|cn\/r|cn\/0|cryptonight|randomx|kawpow|ethash)/ ascii wide
        $n = "--nicehash" ascii wide
        $c = /--coin[ =](monero|XMR|xmr)/ ascii wide
    condition:
        (any of ($o*) and any of ($u*)) or
        ($o1 and 1 of ($d, $a1, $a2, $n, $c)) or
        ($d and 1 of ($a1, $a2, $c) and any of ($o*))
}

rule miner_cmdline_flags
{
    meta:
        family = "miner-cli"
        category = "config"
        severity = "medium"
        description = "Miner flags in a script: --donate-level, --algo rx/0 or cryptonight, --nicehash, --coin monero"
    strings:
        $d = /--donate-level[ =]?[0-9]/ ascii wide
        $a1 = /--algo[ =](rx\/0|rx\/wow|cn\/r|cn\/0|cryptonight|randomx|kawpow)/ ascii wide
        $a2 = /-a +(rx\/0|rx\/wow|cn\/r|cn\/0|cryptonight|randomx)\b/ ascii wide
        $c = /--coin[ =](monero|XMR|xmr)/ ascii wide
        $t = "--cpu-max-threads-hint" ascii wide
        $m = "--randomx-mode" ascii wide
    condition:
        2 of them
}

rule miner_cron_entry
{
    meta:
        family = "miner-cli"
        category = "config"
        severity = "high"
        description = "A cron line that (re)starts a miner or points at a stratum pool"
    strings:
        $cron = /(\*|\*\/[0-9]{1,2})( \*){4} [^\n]{0,200}(xmrig|minerd|cpuminer|xmr-stak|kdevtmpfsi|kinsing|stratum\+tcp|stratum\+ssl|--donate-level)/ ascii
        $reboot = /@reboot [^\n]{0,200}(xmrig|minerd|cpuminer|xmr-stak|kdevtmpfsi|kinsing|stratum\+tcp|--donate-level)/ ascii
    condition:
        any of them
}

rule miner_systemd_unit
{
    meta:
        family = "miner-cli"
        category = "config"
        severity = "high"
        description = "A systemd unit whose ExecStart runs a miner (name, stratum URL or miner flags)"
    strings:
        $s = "[Service]" ascii
        $e = /ExecStart=[^\n]{0,200}(xmrig|minerd|cpuminer|xmr-stak|ccminer|kdevtmpfsi|stratum\+tcp|stratum\+ssl|--donate-level|--algo[ =]rx)/ ascii
    condition:
        $s and $e
}
