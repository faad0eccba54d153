/*
 * Mining protocols: Stratum v1 method names and the xmrig-style JSON-RPC,
 * and pool URLs. Protocol strings alone are "medium": wallets, pool proxies
 * and monitoring tools speak them too.
 */

rule stratum_methods
{
    meta:
        family = "stratum"
        category = "protocol"
        severity = "medium"
        description = "Stratum v1 mining protocol method names"
    strings:
        $m1 = "mining.subscribe" ascii wide
        $m2 = "mining.authorize" ascii wide
        $m3 = "mining.notify" ascii wide
        $m4 = "mining.submit" ascii wide
        $m5 = "mining.set_difficulty" ascii wide
        $m6 = "mining.set_extranonce" ascii wide
    condition:
        2 of them
}

rule stratum_pool_url
{
    meta:
        family = "stratum"
        category = "pool"
        severity = "medium"
        description = "A stratum pool URL (stratum+tcp://, stratum+ssl://, stratum2+tcp://)"
    strings:
        $u = /stratum2?\+(tcp|ssl|tls):\/\/[a-zA-Z0-9._-]{3,128}(:[0-9]{2,5})?/ ascii wide
    condition:
        $u
}
