/*
 * droppers.yar - cryptojacking droppers in shell, Python and PowerShell: the
 * steps that install, hide and keep a miner running.
 *
 * Facts (public write-ups, referenced from maltrail's crypto_mining.txt and
 * the projects named): Talos "Rocke: The Champion of Monero Miners" (2018)
 * and Unit 42 on Rocke (removal of Alibaba Cloud "aegis"/"aliyun-service",
 * Tencent "YunJing"/qcloud agents, killing rival miners); Trend Micro on
 * GhostMiner (killing other miners by name and port); TeamTNT/Kinsing
 * reports (kdevtmpfsi, renamed curl/wget, chattr -i on cron and
 * ld.so.preload, history wiping); gianlucaborello/libprocesshider
 * (processhider.c, process_to_filter, /etc/ld.so.preload); m0nad/Diamorphine
 * (diamorphine.c, MAGIC_PREFIX "diamorphine_secret"); xmrig/xmrig
 * scripts/randomx_boost.sh and doc (modprobe msr, wrmsr, vm.nr_hugepages).
 *
 * A single generic step is "low" or "medium"; the verdict adds them up.
 * Killing rivals, removing security agents and rootkit hiding are "high".
 */

rule dropper_kill_competitors
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "high"
        description = "Kills competing miners by process name (kdevtmpfsi, kinsing, xmrig, minerd, ...)"
    strings:
        $k1 = "pkill -f" ascii wide
        $k2 = "killall" ascii wide
        $k3 = "kill -9" ascii wide
        $k4 = "xargs kill" ascii wide
        $k5 = "Stop-Process" ascii wide nocase
        $k6 = "taskkill" ascii wide nocase
        $k7 = "os.kill(" ascii
        $n1 = "kdevtmpfsi" ascii wide
        $n2 = "kinsing" ascii wide
        $n3 = "xmrig" ascii wide nocase
        $n4 = "minerd" ascii wide
        $n5 = "xmr-stak" ascii wide
        $n6 = "cryptonight" ascii wide
        $n7 = "kworkerds" ascii wide
        $n8 = "sustes" ascii wide
        $n9 = "ddgs" ascii wide fullword
        $n10 = "qW3xT" ascii wide
        $n11 = "kthreaddi" ascii wide
        $n12 = "cpuminer" ascii wide
        $n13 = "xmrigDaemon" ascii wide
        $n14 = "Xbash" ascii wide
    condition:
        filesize < 4MB and any of ($k*) and 4 of ($n*)
}

rule dropper_kill_by_port
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "high"
        description = "Kills processes connected to the usual mining-pool ports (netstat/ss | grep :3333 ... | kill)"
    strings:
        $n1 = "netstat -an" ascii
        $n2 = "ss -tnp" ascii
        $n3 = "netstat -tnp" ascii
        $n4 = "netstat -antp" ascii
        $p1 = ":3333" ascii
        $p2 = ":4444" ascii
        $p3 = ":5555" ascii
        $p4 = ":7777" ascii
        $p5 = ":14444" ascii
        $p6 = ":14433" ascii
        $p7 = ":45700" ascii
        $k = "kill" ascii
    condition:
        filesize < 4MB and any of ($n*) and 3 of ($p*) and $k
}

rule dropper_cron_fetch
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "medium"
        description = "Cron persistence that downloads and runs a script every few minutes (curl/wget ... | sh)"
    strings:
        $c1 = /\*\/[0-9]{1,2}( \*){4} [^\n]{0,120}(curl|wget|cd1|wd1)[^\n]{0,200}\|\s{0,3}(ba)?sh\b/ ascii
        $c2 = /\*\/[0-9]{1,2}( \*){4} [^\n]{0,120}(curl|wget)[^\n]{0,200}-O-? [^\n]{0,120}\| ?(ba)?sh\b/ ascii
        $c3 = /(\*|\*\/[0-9]{1,2})( \*){4} [^\n]{0,200}base64 -d[^\n]{0,80}\| ?(ba)?sh\b/ ascii
    condition:
        any of them
}

rule dropper_systemd_fetch
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "medium"
        description = "systemd unit or timer persistence that downloads and pipes a script into a shell"
    strings:
        $s = "[Service]" ascii
        $e = /ExecStart=[^\n]{0,120}(curl|wget)[^\n]{0,200}\| ?(ba)?sh\b/ ascii
        $w = /(echo|cat|printf)[^\n]{0,100}(\/etc\/systemd\/system\/|\/lib\/systemd\/system\/)[a-zA-Z0-9_.-]{1,40}\.service/ ascii
        $d = /(curl|wget)[^\n]{0,200}\| ?(ba)?sh\b/ ascii
    condition:
        ($s and $e) or ($w and $d)
}

rule dropper_ld_preload
{
    meta:
        family = "process-hider"
        category = "dropper"
        severity = "medium"
        description = "Writes a library into /etc/ld.so.preload (the libprocesshider way of hiding a miner)"
    strings:
        $w1 = /(echo|printf)[^\n]{0,200}>>? ?\/etc\/ld\.so\.preload/ ascii
        $w2 = /(cp|mv|cat)[^\n]{0,200}\/etc\/ld\.so\.preload/ ascii
        $w3 = /open\(['"]\/etc\/ld\.so\.preload['"], ?['"][aw]/ ascii
    condition:
        any of them
}

rule dropper_process_hider
{
    meta:
        family = "process-hider"
        category = "dropper"
        severity = "high"
        description = "libprocesshider or Diamorphine rootkit source, build or install step"
    strings:
        $l1 = "process_to_filter" ascii
        $l2 = "libprocesshider" ascii
        $l3 = "processhider.c" ascii
        $r1 = "diamorphine_secret" ascii
        $r2 = "diamorphine.ko" ascii
        $r3 = "diamorphine.c" ascii
        $r4 = "insmod diamorphine" ascii
        $h1 = "readdir" ascii
        $h2 = "/proc/" ascii
        $h3 = "ld.so.preload" ascii
    condition:
        ($l1 and $h1 and $h2) or ($l2 and ($h3 or $l3)) or any of ($r*)
}

rule dropper_chattr_persistence
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "medium"
        description = "chattr -i/+i on cron, ld.so.preload or authorized_keys (unlock, plant, lock)"
    strings:
        $c = /chattr [-+][ia]{1,2} [^\n]{0,80}(\/etc\/ld\.so\.preload|\/var\/spool\/cron|\/etc\/crontab|\/etc\/cron\.d|authorized_keys)/ ascii
    condition:
        $c
}

rule dropper_security_agent_removal
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "high"
        description = "Removes cloud security agents (Alibaba aegis/aliyun-service, Tencent YunJing/qcloud, BCM) before mining"
    strings:
        $a1 = "/usr/local/aegis" ascii wide
        $a2 = "aegis_uninstall" ascii wide
        $a3 = "AliYunDun" ascii wide
        $a4 = "aliyun-service" ascii wide
        $a5 = "/usr/local/qcloud" ascii wide
        $a6 = "YunJing" ascii wide
        $a7 = "stargate" ascii wide fullword
        $a8 = "barad_agent" ascii wide
        $a9 = "cloudmonitor" ascii wide
        $a10 = "bcm-agent" ascii wide
        $a11 = "uninstall.sh" ascii wide
        $v1 = "rm -rf" ascii wide
        $v2 = "pkill" ascii wide
        $v3 = "killall" ascii wide
        $v4 = "systemctl stop" ascii wide
        $v5 = "kill -9" ascii wide
    condition:
        filesize < 4MB and 3 of ($a*) and any of ($v*)
}

rule dropper_cpu_tuning
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "medium"
        description = "Prepares the host for RandomX mining: vm.nr_hugepages, modprobe msr, wrmsr, nmi_watchdog=0"
    strings:
        $h1 = /vm\.nr_hugepages ?= ?[0-9]/ ascii
        $h2 = /sysctl -w vm\.nr_hugepages/ ascii
        $h3 = /echo [0-9]{2,6} ?> ?\/proc\/sys\/vm\/nr_hugepages/ ascii
        $m1 = "modprobe msr" ascii
        $m2 = /wrmsr -a 0x[0-9a-fA-F]{2,4}/ ascii
        $m3 = /wrmsr( -p ?[0-9]{1,3})? 0x1a4/ ascii
        $n1 = "nmi_watchdog=0" ascii
        $n2 = /echo 0 ?> ?\/proc\/sys\/kernel\/nmi_watchdog/ ascii
    condition:
        /* two different kinds of tuning: huge pages alone is what a
         * database's documentation tells its admins (rocksdb's headers) */
        (any of ($h*) and any of ($m*, $n*)) or (any of ($m*) and any of ($n*))
}

rule dropper_base64_pipe_shell
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "medium"
        description = "Decodes a base64 payload straight into a shell (echo ... | base64 -d | sh)"
    strings:
        $b1 = /echo ['"]?[A-Za-z0-9+\/=]{40,}['"]? ?\| ?base64 (-d|--decode)[^\n|]{0,20}\| ?(ba)?sh\b/ ascii
        $b2 = /base64 (-d|--decode)[^\n|]{0,40}\| ?(ba)?sh\b/ ascii
        $b3 = /(curl|wget)[^\n]{0,200}\| ?base64 (-d|--decode)[^\n|]{0,20}\| ?(ba)?sh\b/ ascii
        $p1 = /exec\(base64\.b64decode\(/ ascii
        $p2 = /FromBase64String\([^\n]{0,200}(Invoke-Expression|IEX)/ ascii nocase
        $p3 = /(powershell|pwsh)[^\n]{0,40} -e(nc|ncodedcommand)? [A-Za-z0-9+\/=]{60,}/ ascii nocase
    condition:
        any of them
}

rule dropper_download_pipe_shell
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "low"
        description = "Downloads a script and pipes it into a shell (curl|wget ... | sh), as installers and droppers do"
    strings:
        $d1 = /(curl|wget) [^\n]{0,200}\| ?(sudo )?(ba)?sh\b/ ascii
        $d2 = /(New-Object Net\.WebClient\)\.DownloadString|Invoke-WebRequest)[^\n]{0,200}(IEX|Invoke-Expression)/ ascii nocase
        $d3 = /(IEX|Invoke-Expression) ?\(New-Object Net\.WebClient\)\.DownloadString/ ascii nocase
    condition:
        any of them
}

rule dropper_renamed_downloader
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "medium"
        description = "Renames or copies curl/wget to an innocuous name (TeamTNT-style cd1/wd1) to dodge monitoring"
    strings:
        $r1 = /(mv|cp) (-f )?(\/usr\/bin\/|\/bin\/|\$\(which )(curl|wget)\)? (\/usr\/bin\/|\/bin\/|\/tmp\/)?[a-z0-9._]{1,12}/ ascii
        $r2 = /(mv|cp) (-f )?(\/usr\/bin\/|\/bin\/)?(curl|wget) (\/usr\/bin\/|\/bin\/)?(cd1|wd1|cur|wge|xcurl|xwget|ccurl|wwget)\b/ ascii
    condition:
        any of them
}

rule dropper_log_wiping
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "low"
        description = "Wipes shell history and logs (history -c, HISTFILE, /var/log/wtmp, journal)"
    strings:
        $h1 = "history -c" ascii wide
        $h2 = "unset HISTFILE" ascii wide
        $h3 = "export HISTFILE=/dev/null" ascii wide
        $h4 = /rm -rf? [^\n]{0,20}\.bash_history/ ascii
        $h5 = /(echo|cat \/dev\/null) ?> ?\/var\/log\/(wtmp|btmp|lastlog|secure|auth\.log|syslog|messages)/ ascii
        $h6 = /rm -rf? \/var\/log\/(wtmp|btmp|lastlog|secure|auth\.log|syslog|messages)/ ascii
        $h7 = "journalctl --vacuum" ascii
    condition:
        filesize < 4MB and 2 of them
}

rule dropper_miner_install
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "high"
        description = "A script that downloads a miner and starts it in the background with a pool, or hides it under a system-like name"
    strings:
        $dl = /(curl|wget|cd1|wd1|Invoke-WebRequest|urlretrieve|requests\.get)[^\n]{0,200}(xmrig|minerd|cpuminer|xmr-stak|kdevtmpfsi|kinsing)/ ascii nocase
        $run1 = /nohup [^\n]{0,120}(xmrig|minerd|cpuminer|kdevtmpfsi|\.\/[a-z0-9._-]{1,20}) [^\n]{0,200}(-o|--url|-c|--config)[ =]/ ascii
        $run2 = /(xmrig|minerd|cpuminer)[^\n]{0,200}(-B|--background)\b/ ascii
        $run3 = /chmod \+x [^\n]{0,80}(xmrig|minerd|kdevtmpfsi|kinsing)/ ascii
        $pool1 = "stratum+tcp://" ascii
        $pool2 = "stratum+ssl://" ascii
        $pool3 = "--donate-level" ascii
        $pool4 = "\"donate-level\"" ascii
    condition:
        filesize < 4MB and $dl and any of ($run*) and any of ($pool*)
}
