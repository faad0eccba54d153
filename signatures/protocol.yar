/*
 * protocol.yar - mining protocols: Stratum v1 method names, the xmrig-style
 * JSON-RPC (login/job/submit with blob, target, seed_hash, algo), getwork and
 * getblocktemplate; in code, in plaintext captures and in logs.
 *
 * Facts: Stratum v1 method names from the Stratum documentation and every
 * miner's client (ckolivas/cgminer util.c, pooler/cpuminer util.c); the
 * xmrig JSON-RPC from xmrig/xmrig src/base/net/stratum/Client.cpp ("login",
 * "agent", "rigid", "job", "blob", "job_id", "target", "seed_hash", "algo",
 * "submit", "nonce", "result"); getwork from pooler/cpuminer cpu-miner.c.
 *
 * Protocol names alone are "medium": wallets, pool software and monitoring
 * tools speak them too. A capture with both sides of a session is "high".
 */

rule stratum_methods
{
    meta:
        family = "stratum"
        category = "protocol"
        severity = "medium"
        description = "Stratum v1 mining protocol method names (mining.subscribe/authorize/notify/submit/...)"
    strings:
        $m1 = "mining.subscribe" ascii wide
        $m2 = "mining.authorize" ascii wide
        $m3 = "mining.notify" ascii wide
        $m4 = "mining.submit" ascii wide
        $m5 = "mining.set_difficulty" ascii wide
        $m6 = "mining.set_extranonce" ascii wide
        $m7 = "mining.extranonce.subscribe" ascii wide
    condition:
        2 of them
}

rule stratum_session_capture
{
    meta:
        family = "stratum"
        category = "protocol"
        severity = "high"
        description = "Plaintext Stratum session (capture or log): JSON-RPC subscribe/authorize requests and notify/submit traffic"
    strings:
        $req1 = /"method"\s{0,3}:\s{0,3}"mining\.subscribe"/ ascii
        $req2 = /"method"\s{0,3}:\s{0,3}"mining\.authorize"/ ascii
        $req3 = /"method"\s{0,3}:\s{0,3}"mining\.notify"/ ascii
        $req4 = /"method"\s{0,3}:\s{0,3}"mining\.submit"/ ascii
        $req5 = /"method"\s{0,3}:\s{0,3}"mining\.set_difficulty"/ ascii
        $p = "\"params\"" ascii
    condition:
        $p and 3 of ($req*)
}

rule xmrig_jsonrpc_session
{
    meta:
        family = "stratum"
        category = "protocol"
        severity = "high"
        description = "Monero-style stratum session (xmrig/xmr-stak): login request and job with blob/target/seed_hash"
    strings:
        $login = /"method"\s{0,3}:\s{0,3}"login"/ ascii
        $submit = /"method"\s{0,3}:\s{0,3}"submit"/ ascii
        $job = /"method"\s{0,3}:\s{0,3}"job"/ ascii
        $k1 = "\"blob\"" ascii
        $k2 = "\"job_id\"" ascii
        $k3 = "\"target\"" ascii
        $k4 = "\"seed_hash\"" ascii
        $k5 = "\"agent\"" ascii
        $k6 = "\"algo\"" ascii
    condition:
        $login and ($submit or $job) and 4 of ($k*)
}

rule xmrig_jsonrpc_fields
{
    meta:
        family = "stratum"
        category = "protocol"
        severity = "medium"
        description = "Monero-style stratum job fields (blob, job_id, target, seed_hash) next to a login or submit method"
    strings:
        $m1 = /"method"\s{0,3}:\s{0,3}"(login|submit|keepalived)"/ ascii
        $k1 = "\"blob\"" ascii
        $k2 = "\"job_id\"" ascii
        $k3 = "\"seed_hash\"" ascii
        $k4 = "\"target\"" ascii
    condition:
        $m1 and 3 of ($k*)
}

rule getwork_rpc
{
    meta:
        family = "bitcoin-rpc"
        category = "protocol"
        severity = "low"
        description = "getwork / getblocktemplate mining RPC requests (solo mining or an old miner)"
    strings:
        $g1 = /"method"\s{0,3}:\s{0,3}"getwork"/ ascii
        $g2 = /"method"\s{0,3}:\s{0,3}"getblocktemplate"/ ascii
        $g3 = "X-Long-Polling" ascii
        $g4 = "X-Mining-Extensions" ascii
    condition:
        any of ($g1, $g2) or ($g3 and $g4)
}
