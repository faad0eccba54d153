/*
 * webminers.yar - in-browser miners: CoinHive, CryptoLoot, JSECoin, CoinImp,
 * webminerpool, and WebAssembly CryptoNight modules.
 *
 * Facts: keraf/NoCoin src/blacklist.txt (coinhive.com, coin-hive.com,
 * authedmine.com, crypto-loot.com, jsecoin.com, coinimp.com ...), also
 * quoted in maltrail's crypto_mining.txt; the CoinHive JS API
 * (CoinHive.Anonymous, CoinHive.User, coinhive.min.js) and CryptoLoot's
 * (CRLT.Anonymous); CoinImp's Client.Anonymous loader from
 * www.hostingcloud.racing; notgiven688/webminerpool (webmr.js, startMining,
 * throttleMiner); the WebAssembly binary magic "\0asm" (WebAssembly spec).
 *
 * A bare domain is not enough: ad-block and tracker lists (NoCoin, browser
 * block lists) carry these domains by the hundred. The rules want a loader
 * URL ending in a script or an API call.
 */

rule webminer_coinhive
{
    meta:
        family = "coinhive"
        category = "webminer"
        severity = "high"
        description = "CoinHive / AuthedMine browser miner loader or API calls"
    strings:
        $s1 = "coinhive.min.js" ascii wide nocase
        $s2 = "CoinHive.Anonymous" ascii wide
        $s3 = "CoinHive.User" ascii wide
        $s4 = "CoinHive.Token" ascii wide
        $s5 = "coinhive.com/lib" ascii wide nocase
        $s6 = "authedmine.com/lib" ascii wide nocase
        $s7 = "coin-hive.com/lib" ascii wide nocase
    condition:
        any of them
}

rule webminer_cryptoloot
{
    meta:
        family = "cryptoloot"
        category = "webminer"
        severity = "high"
        description = "CryptoLoot browser miner loader or API calls"
    strings:
        $s1 = "CRLT.Anonymous" ascii wide
        $s2 = "CryptoLoot.Anonymous" ascii wide
        $s3 = "crypto-loot.com/lib" ascii wide nocase
        $s4 = /cryptoloot\.pro\/[a-zA-Z0-9\/_.-]{0,60}\.js/ ascii wide nocase
        $s5 = "statdynamic.com/lib" ascii wide nocase
    condition:
        any of them
}

rule webminer_jsecoin
{
    meta:
        family = "jsecoin"
        category = "webminer"
        severity = "high"
        description = "JSECoin browser miner loader"
    strings:
        $s1 = "load.jsecoin.com/load/" ascii wide nocase
        $s2 = /jsecoin\.com\/[a-zA-Z0-9\/]{0,40}\.js/ ascii wide nocase
    condition:
        any of them
}

rule webminer_coinimp
{
    meta:
        family = "coinimp"
        category = "webminer"
        severity = "high"
        description = "CoinImp browser miner: its Client.Anonymous loader and script hosts"
    strings:
        $h1 = /www\.hostingcloud\.racing\/[A-Za-z0-9]{2,16}\.js/ ascii wide nocase
        $h2 = "coinimp.com" ascii wide nocase
        $h3 = /www\.freecontent\.bid\/[A-Za-z0-9]{2,16}\.js/ ascii wide nocase
        $c = /new Client\.Anonymous\(['"][0-9a-f]{32,64}['"]/ ascii wide
    condition:
        any of ($h1, $h3) or ($c and any of ($h*)) or ($h2 and $c)
}

rule webminer_webminerpool
{
    meta:
        family = "webminerpool"
        category = "webminer"
        severity = "high"
        description = "webminerpool browser miner (webmr.js, startMining, throttleMiner)"
    strings:
        $n1 = "webminerpool" ascii wide nocase
        $n2 = "webmr.js" ascii wide
        $f1 = "startMining(" ascii wide
        $f2 = "throttleMiner" ascii wide
        $f3 = "stopMining(" ascii wide
        $f4 = "totalhashes" ascii wide
    condition:
        any of ($n*) and 2 of ($f*)
}

rule webminer_wasm_cryptonight
{
    meta:
        family = "wasm-cryptonight"
        category = "webminer"
        severity = "high"
        description = "WebAssembly module implementing CryptoNight (a browser miner's hashing core)"
    strings:
        $c1 = "cryptonight" ascii nocase
        $c2 = "cn_slow_hash" ascii
        $c3 = "cryptonight_hash" ascii
        $k1 = "keccak" ascii nocase
        $k2 = "groestl" ascii nocase
        $k3 = "skein" ascii nocase
        $k4 = "blake256" ascii nocase
        $k5 = "oaes_" ascii
    condition:
        uint32(0) == 0x6d736100 and any of ($c*) and 2 of ($k*)
}

rule webminer_js_cryptonight
{
    meta:
        family = "wasm-cryptonight"
        category = "webminer"
        severity = "medium"
        description = "JavaScript that loads a CryptoNight WebAssembly module and throttles worker threads"
    strings:
        $w = "WebAssembly.instantiate" ascii wide
        $c1 = "cryptonight" ascii wide nocase
        $c2 = "cn_hash" ascii wide
        $t1 = "throttle" ascii wide
        $t2 = "hashesPerSecond" ascii wide
        $t3 = "new Worker(" ascii wide
        $t4 = "stratum" ascii wide nocase
    condition:
        $w and any of ($c*) and 2 of ($t*)
}
