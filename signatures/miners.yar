/*
 * miners.yar - miner families, from strings their builds carry in the code
 * (usage text, config keys, algorithm tables, log formats), never from file
 * names, so a renamed binary is still found. ELF, PE and Mach-O.
 *
 * Metadata contract (DESIGN.md "Signatures"): family, category, severity
 * (high | medium | low), description. "high" alone makes a malicious verdict,
 * so every high rule here needs several family-specific strings together.
 *
 * Where the facts come from (public sources, read with the search tool):
 *  - xmrig/xmrig: src/version.h (APP_ID "xmrig", APP_NAME "XMRig",
 *    APP_DOMAIN "xmrig.com"), src/core/config/usage.h (help text),
 *    src/core/config/Config_default.h (config keys), src/base/crypto/
 *    Algorithm.cpp (algorithm names), src/backend/cuda/wrappers/CudaLib.cpp
 *    (plugin symbols, "libxmrig-cuda.so"/"xmrig-cuda.dll"),
 *    maltrail crypto_mining.txt (donate.v2/donate.ssl.xmrig.com).
 *  - xmrig/xmrig-proxy: its config.json keys ("custom-diff", "access-log-file").
 *  - fireice-uk/xmr-stak: xmrstak/misc/executor.cpp (report headers, dev pool
 *    messages), xmrstak/pools.tpl (pool_address, wallet_address, ...).
 *  - pooler/cpuminer: cpu-miner.c (PROGRAM_NAME "minerd", usage, "(yay!!!)").
 *  - tpruvot/cpuminer-multi, JayDDee/cpuminer-opt: miner.h usage text.
 *  - tpruvot/ccminer: ccminer.cpp usage text.
 *  - ckolivas/cgminer, luke-jr/bfgminer: program names, conf file names.
 *  - ethereum-mining/ethminer: PoolURI schemes, eth_* RPC names.
 *  - closed-source GPU miners (NBMiner, T-Rex, PhoenixMiner, lolMiner,
 *    TeamRedMiner, SRBMiner-Multi, GMiner, nanominer): the names and
 *    algorithm names of their public release repositories (NebuTech/NBMiner,
 *    trexminer/T-Rex, Lolliedieb/lolMiner-releases, todxx/teamredminer,
 *    doktor83/SRBMiner-Multi, develsoftware/GMinerRelease, nanopool/nanominer).
 *  - kinsing/kdevtmpfsi, sysrv: public incident write-ups (names of the
 *    dropped xmrig builds); the rule still needs xmrig code strings.
 */

/* An ELF, PE or Mach-O (32/64-bit, either byte order) file: what every rule
 * here looks in. Private: never reported, never listed. */
private rule executable
{
    condition:
        uint32(0) == 0x464c457f or uint16(0) == 0x5a4d or uint32(0) == 0xfeedface or
        uint32(0) == 0xfeedfacf or uint32(0) == 0xcefaedfe or uint32(0) == 0xcffaedfe
}

rule xmrig_strings
{
    meta:
        family = "xmrig"
        category = "miner"
        severity = "high"
        description = "XMRig miner build: its name with its usage text, config keys or donate pools"
    strings:
        $id1 = "XMRig" ascii wide fullword
        $id2 = "xmrig.com" ascii wide
        $id3 = "Usage: xmrig [OPTIONS]" ascii
        $x1 = "donate-over-proxy" ascii wide
        $x2 = "enable nicehash.com support" ascii
        $x3 = "threads count to initialize RandomX dataset" ascii
        $x4 = "scratchpad_prefetch_mode" ascii
        $x5 = "huge-pages-jit" ascii
        $x6 = "max-threads-hint" ascii
        $x7 = "donate.v2.xmrig.com" ascii wide
        $x8 = "donate.ssl.xmrig.com" ascii wide
        $x9 = "astrobwt-max-size" ascii
        $x10 = "cn-lite/0" ascii
        $x11 = "donate level, default" ascii
    condition:
        executable and
        ($id3 or (any of ($id*) and 2 of ($x*)) or 4 of ($x*))
}

rule xmrig_algorithm_table
{
    meta:
        family = "xmrig"
        category = "miner"
        severity = "high"
        description = "Renamed XMRig-derived build: XMRig's algorithm table without its name"
    strings:
        $a1 = "cn/half" ascii
        $a2 = "cn/rwz" ascii
        $a3 = "cn/zls" ascii
        $a4 = "cn/double" ascii
        $a5 = "cn-heavy/xhv" ascii
        $a6 = "cn-pico/tlo" ascii
        $a7 = "rx/wow" ascii
        $a8 = "rx/arq" ascii
        $a9 = "argon2/chukwa" ascii
        $a10 = "cn/ccx" ascii
        $a11 = "rx/keva" ascii
        $a12 = "cn-heavy/tube" ascii
    condition:
        executable and
        6 of them
}

rule xmrig_botnet_build
{
    meta:
        family = "xmrig"
        category = "miner"
        severity = "high"
        description = "XMRig build renamed by a botnet (kinsing/kdevtmpfsi, sysrv, ...) holding xmrig code strings"
    strings:
        $n1 = "kdevtmpfsi" ascii
        $n2 = "kinsing" ascii
        $n3 = "kthreaddi" ascii
        $n4 = "sysrv" ascii
        $n5 = "kworkerds" ascii
        $c1 = "randomx" ascii
        $c2 = "rx/0" ascii
        $c3 = "donate-level" ascii
        $c4 = "nicehash" ascii
        $c5 = "cn/r" ascii
        $c6 = "huge-pages" ascii
    condition:
        executable and any of ($n*) and 3 of ($c*)
}

rule xmrig_proxy
{
    meta:
        family = "xmrig-proxy"
        category = "miner"
        severity = "high"
        description = "XMRig-Proxy, the stratum proxy that aggregates XMRig workers"
    strings:
        $n1 = "xmrig-proxy" ascii wide
        $n2 = "XMRig-Proxy" ascii wide
        $k1 = "custom-diff" ascii
        $k2 = "access-log-file" ascii
        $k3 = "nicehash" ascii
        $k4 = "donate-level" ascii
        $k5 = "\"workers\"" ascii
    condition:
        executable and any of ($n*) and 3 of ($k*)
}

rule xmrig_gpu_plugin
{
    meta:
        family = "xmrig"
        category = "miner"
        severity = "high"
        description = "XMRig GPU plugin (xmrig-cuda, xmrig-nvidia, xmrig-amd): its exported hashing API"
    strings:
        $n1 = "xmrig-cuda" ascii wide
        $n2 = "xmrig-nvidia" ascii wide
        $n3 = "xmrig-amd" ascii wide
        $s1 = "pluginVersion" ascii
        $s2 = "rxPrepare" ascii
        $s3 = "rxHash" ascii
        $s4 = "cnHash" ascii
        $s5 = "deviceUlong" ascii
        $s6 = "kawPowHash" ascii
        $s7 = "astroBWTHash" ascii
        $g1 = "cudaMalloc" ascii
        $g2 = "nvrtcCompileProgram" ascii
        $g3 = "clCreateKernel" ascii
        $g4 = "cuModuleLoad" ascii
        /* the miner itself dlsym()s the same names: its usage text and
         * config keys tell it apart from the plugin */
        $m1 = "donate-over-proxy" ascii
        $m2 = "URL of mining server" ascii
    condition:
        executable and
        ((any of ($n*) and 2 of ($s*)) or 4 of ($s*)) and any of ($g*) and not any of ($m*)
}

rule xmrstak_strings
{
    meta:
        family = "xmr-stak"
        category = "miner"
        severity = "high"
        description = "xmr-stak / xmr-stak-rx miner: report headers, dev-pool messages and config keys"
    strings:
        $n1 = "xmr-stak" ascii wide
        $n2 = "fireice-uk" ascii
        $r1 = "HASHRATE REPORT" ascii
        $r2 = "RESULT REPORT" ascii
        $r3 = "CONNECTION REPORT" ascii
        $r4 = "Pool-side hashes" ascii
        $r5 = "Top 10 best results found" ascii
        $r6 = "Connecting to dev pool" ascii
        $r7 = "Switching back to user pool" ascii
        $k1 = "pool_address" ascii
        $k2 = "wallet_address" ascii
        $k3 = "use_nicehash" ascii
    condition:
        executable and
        ((any of ($n*) and 2 of ($r*, $k*)) or 4 of ($r*))
}

rule cpuminer_minerd
{
    meta:
        family = "cpuminer"
        category = "miner"
        severity = "high"
        description = "pooler's cpuminer (minerd) and its forks: usage text and share log lines"
    strings:
        $u1 = "Usage: minerd [OPTIONS]" ascii
        $u2 = "scrypt(1024, 1, 1)" ascii
        $u3 = "disable X-Long-Polling support" ascii
        $u4 = "URL of mining server" ascii
        $u5 = "username:password pair for mining server" ascii
        $l1 = "(yay!!!)" ascii
        $l2 = "(booooo)" ascii
        $l3 = "khash/s" ascii
    condition:
        executable and
        ($u1 or ($l1 and $l2) or 3 of ($u*, $l3))
}

rule cpuminer_multi
{
    meta:
        family = "cpuminer-multi"
        category = "miner"
        severity = "high"
        description = "tpruvot's cpuminer-multi: its name with the cpuminer usage text"
    strings:
        $n1 = "cpuminer-multi" ascii wide
        $u1 = "Usage: cpuminer [OPTIONS]" ascii
        $u2 = "URL of mining server" ascii
        $u3 = "password for mining server" ascii
        $u4 = "cryptonight" ascii
    condition:
        executable and $n1 and 2 of ($u*)
}

rule cpuminer_opt
{
    meta:
        family = "cpuminer-opt"
        category = "miner"
        severity = "high"
        description = "JayDDee's cpuminer-opt: its algorithm list and solo-mining options"
    strings:
        $n1 = "cpuminer-opt" ascii wide nocase
        $u1 = "payout address for solo mining" ascii
        $u2 = "lyra2z330" ascii
        $u3 = "yespowerr16" ascii
        $u4 = "x16rv2" ascii
        $u5 = "URL of mining server" ascii
        $u6 = "yescryptr16" ascii
    condition:
        executable and (($n1 and 2 of ($u*)) or 4 of ($u*))
}

rule ccminer_gpu
{
    meta:
        family = "ccminer"
        category = "miner"
        severity = "high"
        description = "ccminer (CUDA miner): usage text and CUDA options"
    strings:
        $u1 = "Usage: ccminer [OPTIONS]" ascii
        $n1 = "ccminer" ascii fullword
        $o1 = "Comma separated list of CUDA devices to use" ascii
        $o2 = "number of miner threads (default: number of nVidia GPUs)" ascii
        $o3 = "URL of mining server" ascii
        $o4 = "--cuda-schedule" ascii
    condition:
        executable and ($u1 or ($n1 and 2 of ($o*)))
}

rule cgminer_bfgminer
{
    meta:
        family = "cgminer"
        category = "miner"
        severity = "high"
        description = "cgminer / bfgminer (ASIC/FPGA miners): names, config files and stratum handling"
    strings:
        $n1 = "cgminer" ascii fullword
        $n2 = "bfgminer" ascii fullword
        $n3 = "BFGMiner" ascii fullword
        $c1 = "cgminer.conf" ascii
        $c2 = "bfgminer.conf" ascii
        $s1 = "mining.subscribe" ascii
        $s2 = "mining.notify" ascii
        $s3 = "stratum+tcp://" ascii
        $s4 = "getblocktemplate" ascii
        $s5 = "--api-listen" ascii
    condition:
        executable and
        (any of ($c*) or any of ($n*)) and 3 of ($s*)
}

rule ethminer_gpu
{
    meta:
        family = "ethminer"
        category = "miner"
        severity = "high"
        description = "ethminer (Ethash GPU miner): name, pool URI schemes and eth_ work RPC"
    strings:
        $n1 = "ethminer" ascii wide fullword
        $s1 = "stratum1+tcp" ascii
        $s2 = "stratum2+tcp" ascii
        $s3 = "eth_submitWork" ascii
        $s4 = "eth_getWork" ascii
        $s5 = "eth_submitHashrate" ascii
        $s6 = "--farm-recheck" ascii
        $s7 = "ethash" ascii nocase
    condition:
        executable and $n1 and 3 of ($s*)
}

rule gpu_miner_closed_source
{
    meta:
        family = "gpu-miner"
        category = "miner"
        severity = "high"
        description = "Closed-source GPU miners (NBMiner, T-Rex, PhoenixMiner, lolMiner, TeamRedMiner, SRBMiner-Multi, GMiner, nanominer): brand name plus mining algorithms and stratum"
    strings:
        $b1 = "NBMiner" ascii wide
        $b2 = "T-Rex" ascii wide fullword
        $b3 = "PhoenixMiner" ascii wide
        $b4 = "lolMiner" ascii wide
        $b5 = "TeamRedMiner" ascii wide nocase
        $b6 = "SRBMiner" ascii wide
        $b7 = "GMiner" ascii wide fullword
        $b8 = "nanominer" ascii wide
        $a1 = "ethash" ascii nocase
        $a2 = "kawpow" ascii nocase
        $a3 = "etchash" ascii nocase
        $a4 = "autolykos" ascii nocase
        $a5 = "octopus" ascii nocase
        $a6 = "equihash" ascii nocase
        $a7 = "cuckatoo" ascii nocase
        $a8 = "beamhash" ascii nocase
        $a9 = "randomx" ascii nocase
        $p1 = "stratum+tcp" ascii nocase
        $p2 = "stratum+ssl" ascii nocase
        $p3 = "mining.subscribe" ascii
        $p4 = "eth_submitLogin" ascii
    condition:
        executable and
        any of ($b*) and 2 of ($a*) and any of ($p*)
}

rule cryptonight_randomx_code
{
    meta:
        family = "generic-miner"
        category = "miner"
        severity = "medium"
        description = "Executable with CryptoNight/RandomX hashing code names and a stratum client"
    strings:
        $h1 = "cryptonight" ascii nocase
        $h2 = "randomx_" ascii
        $h3 = "RandomX" ascii fullword
        $s1 = "mining.subscribe" ascii
        $s2 = "stratum+tcp" ascii
        $s3 = "\"job_id\"" ascii
        $s4 = "\"seed_hash\"" ascii
    condition:
        executable and 1 of ($h*) and 2 of ($s*)
}
