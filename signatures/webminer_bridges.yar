/*
 * webminer_bridges.yar - the server half and the new hashing cores of
 * browser mining (issue 10, part 3): CoinHive-style stratum proxies in Node,
 * generic WebSocket-to-Stratum bridges, and RandomX built to WebAssembly.
 *
 * Facts: cazala/coin-hive-stratum and x25/coinhive-stratum-mining-proxy
 * (READMEs and sources): the browser speaks a JSON protocol over a WebSocket
 * whose messages have a "type" of auth / authed / job / submit /
 * hash_accepted, with params site_key, job_id, nonce, result, hashes; the
 * proxy turns them into Stratum "login" / "submit" / "keepalived" requests
 * on a TCP socket (net.Socket / net.connect) to the pool, and the page
 * points the miner at it with CoinHive.CONFIG.WEBSOCKET_SHARDS. Public
 * WebSocket-to-Stratum bridges built with the `ws` module (WebSocket.Server)
 * that forward mining.subscribe / mining.authorize / mining.submit.
 * tevador/RandomX's C API (randomx_alloc_cache, randomx_init_cache,
 * randomx_create_vm, randomx_calculate_hash, randomx_get_flags), which the
 * public WebAssembly builds (emcc of RandomX, WebRandomX) export or keep in
 * their name section; the WebAssembly magic "\0asm".
 *
 * A WebSocket server, a TCP client or a JSON "submit" are each ordinary;
 * the rules want the bridge: both sockets and the mining messages.
 */

rule webminer_stratum_ws_bridge
{
    meta:
        family = "stratum-ws-bridge"
        category = "webminer"
        severity = "high"
        description = "A WebSocket-to-Stratum bridge (Node): a WebSocket server for browsers and a TCP socket to a pool that relays login/submit/job"
    strings:
        $w1 = "WebSocket.Server" ascii
        $w2 = "new WebSocketServer" ascii
        $w3 = /require\(['"](ws|websocket|uws)['"]\)/ ascii
        $w4 = /from ['"]ws['"]/ ascii
        $n1 = "net.connect(" ascii
        $n2 = "net.createConnection(" ascii
        $n3 = "new net.Socket(" ascii
        $n4 = /require\(['"]net['"]\)/ ascii
        $m1 = "mining.subscribe" ascii
        $m2 = "mining.authorize" ascii
        $m3 = "mining.submit" ascii
        $m4 = "keepalived" ascii
        $m5 = /['"]method['"]? ?: ?['"]login['"]/ ascii
        $m6 = /['"]method['"]? ?: ?['"]submit['"]/ ascii
        $m7 = "job_id" ascii
        $m8 = "nonce" ascii fullword
    condition:
        filesize < 4MB and any of ($w*) and 2 of ($n*) and 3 of ($m*)
}

rule webminer_coinhive_proxy
{
    meta:
        family = "coinhive-proxy"
        category = "webminer"
        severity = "high"
        description = "A CoinHive-protocol proxy or page that redirects the CoinHive miner to its own pool (auth/authed/hash_accepted, WEBSOCKET_SHARDS)"
    strings:
        $s = "WEBSOCKET_SHARDS" ascii wide
        $t1 = "hash_accepted" ascii wide
        $t2 = "authed" ascii wide fullword
        $t3 = "site_key" ascii wide
        $t4 = "job_id" ascii wide
        $t5 = "keepalived" ascii wide
        $ws = /ws(s)?:\/\/[a-zA-Z0-9._-]{1,80}(:[0-9]{2,5})?/ ascii wide
    condition:
        filesize < 4MB and (($s and $ws) or ($t1 and $t2 and 2 of ($t3, $t4, $t5)))
}

rule webminer_wasm_randomx
{
    meta:
        family = "wasm-randomx"
        category = "webminer"
        severity = "medium"
        description = "WebAssembly module holding the RandomX proof of work (a browser miner's hashing core, or a verifier)"
    strings:
        $r1 = "randomx_calculate_hash" ascii
        $r2 = "randomx_create_vm" ascii
        $r3 = "randomx_init_cache" ascii
        $r4 = "randomx_alloc_cache" ascii
        $r5 = "randomx_get_flags" ascii
        $r6 = "randomx_init_dataset" ascii
        $r7 = "randomx_calculate_hash_first" ascii
    condition:
        uint32(0) == 0x6d736100 and 2 of them
}

rule webminer_js_randomx
{
    meta:
        family = "wasm-randomx"
        category = "webminer"
        severity = "high"
        description = "JavaScript that runs a RandomX WebAssembly core in workers and takes jobs from a pool over a WebSocket"
    strings:
        $r = "randomx" ascii wide nocase
        $a1 = "WebAssembly.instantiate" ascii wide
        $a2 = ".wasm" ascii wide
        $w1 = "new Worker(" ascii wide
        $w2 = "hardwareConcurrency" ascii wide
        $j1 = "seed_hash" ascii wide
        $j2 = "job_id" ascii wide
        $j3 = "hashrate" ascii wide nocase
        $s = "new WebSocket(" ascii wide
    condition:
        filesize < 4MB and $r and any of ($a*) and any of ($w*) and 2 of ($j*) and $s
}
