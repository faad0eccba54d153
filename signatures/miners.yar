/*
 * Miner families: distinctive strings of their builds (ELF and PE).
 * Metadata contract: family, category, severity (high|medium|low), description.
 */

rule xmrig_strings
{
    meta:
        family = "xmrig"
        category = "miner"
        severity = "high"
        description = "XMRig CPU/GPU miner: its banner, option names and donate strings"
    strings:
        $name1 = "XMRig" ascii wide
        $name2 = "xmrig" ascii wide
        $opt1 = "donate-level" ascii
        $opt2 = "--randomx-1gb-pages" ascii
        $opt3 = "randomx" ascii
        $opt4 = "\"coin\"" ascii
        $msg1 = "use pool" ascii
        $msg2 = "net      use pool" ascii
        $msg3 = "new job from" ascii
        $msg4 = "accepted (" ascii
        $msg5 = "speed 10s/60s/15m" ascii
        $don1 = "donate.v2.xmrig.com" ascii
        $don2 = "donate.ssl.xmrig.com" ascii
    condition:
        (any of ($name*) and (2 of ($opt*, $msg*, $don*))) or any of ($don*) or 3 of ($msg*)
}

rule xmrstak_strings
{
    meta:
        family = "xmr-stak"
        category = "miner"
        severity = "high"
        description = "xmr-stak / xmr-stak-rx miner: its name, config file names and messages"
    strings:
        $name1 = "xmr-stak" ascii wide nocase
        $cfg1 = "pools.txt" ascii
        $cfg2 = "cpu.txt" ascii
        $cfg3 = "\"pool_address\"" ascii
        $cfg4 = "\"wallet_address\"" ascii
        $msg1 = "Mining coin:" ascii
        $msg2 = "Pool logged in." ascii
        $msg3 = "donate-level" ascii
        $msg4 = "fireice-uk" ascii
    condition:
        $name1 and 2 of ($cfg*, $msg*)
}
