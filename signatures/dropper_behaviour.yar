/*
 * dropper_behaviour.yar - what cryptojacking droppers DO, for the scripts
 * that never name a miner (issue 10, part 3): they kill whatever else burns
 * the CPU, wipe the other groups' cron entries, users and keys, switch off
 * SELinux, AppArmor, the firewall, the NMI watchdog and the cloud agents,
 * wipe history and logs, spread with harvested SSH keys or through open
 * Docker, kubelet and Redis ports, and fetch the next stage with a renamed
 * curl, bash's /dev/tcp or a hidden file in /tmp.
 *
 * Facts (public dropper collections and write-ups, read, never copied):
 * the LSD/"systemten" and Rocke scripts (ps -ef | grep NAME | awk '{print $2}'
 * | xargs kill -9 repeated for dozens of rival names, crontab -r, chattr -iua);
 * Redis-worm scripts analysed in Chinese incident write-ups (ufw disable,
 * iptables -F, sysctl kernel.nmi_watchdog=0, echo 0 >
 * /proc/sys/kernel/nmi_watchdog, rm /var/log/syslog); Trend Micro on the
 * CVE-2023-22527 campaign (crontab -r of competitors, chattr -i -a on cron
 * files, harvesting id_rsa, ~/.ssh/config and .bash_history for hosts to
 * reach); public SSH-spreading payloads (a loop over known_hosts with
 * ssh -oBatchMode=yes -oConnectTimeout=5 -oStrictHostKeyChecking=no HOST
 * "curl ...|sh" or a base64 command); TeamTNT/Kinsing reports (docker -H
 * tcp://IP:2375 run --privileged -v /:/host, masscan/zgrab/pnscan for 2375,
 * 10250 and 6379, the kubelet /run and /exec endpoints, redis-cli config set
 * dir /var/spool/cron + dbfilename root + save, renamed curl/wget, bash
 * /dev/tcp downloads when no downloader is present); WatchDog and 8220
 * reports (setenforce 0, SELINUX=disabled, disabling the aliyun/qcloud/bcm
 * agents, history -c, unset HISTFILE); Windows droppers (Set-MpPreference
 * -DisableRealtimeMonitoring, Add-MpPreference -ExclusionPath, netsh
 * advfirewall ... state off, wevtutil cl, Get-Process | CPU -gt N |
 * Stop-Process).
 *
 * Each rule wants several weak signals together, so one `iptables -F` or
 * one `pkill` in an admin script never fires: alone a behaviour is "low" or
 * "medium"; spreading with harvested credentials, writing cron through Redis
 * and three different behaviours in one script are "high". The private
 * g_* rules are the behaviour groups that dropper_behaviour_chain counts.
 */

/* ---- killing the competition ---- */

rule dropper_kill_by_cpu
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "medium"
        description = "Kills every process above a CPU share (ps | awk '$3>40' | xargs kill, Get-Process CPU -gt, psutil cpu_percent)"
    strings:
        $sh1 = /ps (aux|-aux|axu|-eo [a-z,%]{1,40}|aux[a-z]{0,3})[^\n]{0,160}awk[^\n]{0,30}\$3 ?>=? ?[0-9]{1,3}(\.[0-9]{1,2})?[^\n]{0,120}kill/ ascii
        $sh2 = /awk[^\n]{0,30}\{ ?if ?\( ?\$3 ?>=? ?[0-9]{1,3}(\.[0-9]{1,2})? ?\)[^\n]{0,120}kill/ ascii
        $ps1 = /Get-Process[^\n]{0,120}\.CPU -gt [0-9]{1,4}[^\n]{0,120}Stop-Process/ ascii nocase wide
        $py1 = /cpu_percent\([^\n]{0,40}\) ?> ?[0-9]{1,3}/ ascii
        $py2 = /(\.kill\(\)|os\.kill\(|\.terminate\(\))/ ascii
    condition:
        filesize < 4MB and (any of ($sh*) or $ps1 or ($py1 and $py2))
}

rule dropper_kill_list
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "medium"
        description = "A long list of processes killed one by one by name (lines of pkill -f X / killall X / ps | grep X | xargs kill, a dozen or more)"
    strings:
        $p = /\n[ \t]{0,8}(sudo )?(pkill|killall)( -9| -KILL| -f| -q| -e){0,3} ['"]?[a-zA-Z0-9._\/-]{2,60}/ ascii
        $g = /grep [^\n|]{2,60}\| ?(grep -v grep ?\| ?)?awk '\{ ?print \$2 ?\}' ?\| ?xargs (-r |-I % )?kill/ ascii
        $t = /taskkill \/f \/im [^\n]{2,40}/ ascii nocase
    condition:
        filesize < 4MB and (#p >= 12 or #g >= 6 or #t >= 8)
}

/* ---- removing the other groups' persistence ---- */

rule dropper_rival_cleanup
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "medium"
        description = "Removes other groups' cron entries, users and SSH keys, unlocking them with chattr first"
    strings:
        $c1 = "crontab -r" ascii
        $c2 = /rm -r?f{1,2}r? \/var\/spool\/cron/ ascii
        $c3 = /rm -r?f{1,2}r? \/etc\/cron\.(d|hourly|daily)\/[a-zA-Z0-9._*-]{1,40}/ ascii
        $c4 = /(echo ?|cat \/dev\/null ?|: ?)> ?\/(etc\/crontab|var\/spool\/cron\/(crontabs\/)?root)/ ascii
        $c5 = /sed -i ['"]\/[^\n]{1,80}\/d['"] \/(etc\/crontab|var\/spool\/cron)/ ascii
        $k1 = /rm -r?f{1,2}r? [^\n]{0,30}\.ssh\/authorized_keys2?/ ascii
        $k2 = /(echo ?|cat \/dev\/null ?)> ?[^\n]{0,30}\.ssh\/authorized_keys/ ascii
        $k3 = /sed -i ['"]\/[^\n]{1,80}\/d['"] [^\n]{0,30}authorized_keys/ ascii
        $u1 = /userdel -r -?f? ?[a-z_][a-z0-9_-]{0,30}/ ascii
        $u2 = /deluser --remove-home [a-z_][a-z0-9_-]{0,30}/ ascii
        $a1 = /chattr -[iaue]{1,4} [^\n]{0,80}(\/etc\/cron|\/var\/spool\/cron|\/etc\/crontab|authorized_keys|\/etc\/passwd|\/etc\/shadow)/ ascii
        $w1 = "schtasks /delete /tn" ascii nocase wide
        $w2 = "Unregister-ScheduledTask" ascii nocase wide
        $w3 = "Get-WmiObject __EventFilter" ascii nocase wide
    condition:
        filesize < 4MB and (
            (any of ($c*) and (any of ($k*) or any of ($u*) or $a1)) or
            (any of ($k*) and any of ($u*)) or
            (2 of ($w*)))
}

/* ---- switching off what would notice ---- */

private rule g_selinux
{
    strings:
        $1 = /setenforce 0/ ascii
        $2 = /s\/SELINUX=enforcing\/SELINUX=(disabled|permissive)\// ascii
        $3 = /echo ['"]?SELINUX=disabled['"]? ?> ?\/etc\/selinux\/config/ ascii
    condition:
        any of them
}

private rule g_apparmor
{
    strings:
        $1 = /(service apparmor stop|systemctl (stop|disable) apparmor|aa-teardown|\/etc\/init\.d\/apparmor stop)/ ascii
    condition:
        any of them
}

private rule g_firewall
{
    strings:
        $1 = "ufw disable" ascii
        $2 = /iptables -F\b/ ascii
        $3 = /iptables -P INPUT ACCEPT/ ascii
        $4 = /systemctl (stop|disable) firewalld/ ascii
        $5 = /netsh (advfirewall set allprofiles state off|firewall set opmode (mode=)?disable)/ ascii nocase wide
    condition:
        any of them
}

private rule g_watchdog
{
    strings:
        $1 = /kernel\.nmi_watchdog ?= ?0/ ascii
        $2 = /echo ['"]?0['"]? ?> ?\/proc\/sys\/kernel\/nmi_watchdog/ ascii
    condition:
        any of them
}

private rule g_agents
{
    strings:
        $1 = "aliyun-service" ascii wide
        $2 = "/usr/local/aegis" ascii wide
        $3 = "AliYunDun" ascii wide
        $4 = "/usr/local/qcloud" ascii wide
        $5 = "YunJing" ascii wide
        $6 = "bcm-agent" ascii wide
        $7 = "cloudmonitor" ascii wide
        $8 = "hostguard" ascii wide fullword
        $9 = /Set-MpPreference -Disable(RealtimeMonitoring|IOAVProtection|BehaviorMonitoring)/ ascii nocase wide
        $10 = /Add-MpPreference -Exclusion(Path|Process)/ ascii nocase wide
    condition:
        any of them
}

rule dropper_defense_off
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "low"
        description = "Switches off two or more of SELinux, AppArmor, the firewall, the NMI watchdog, cloud agents or Defender"
    condition:
        filesize < 4MB and 2 of (g_selinux, g_apparmor, g_firewall, g_watchdog, g_agents)
}

/* ---- wiping traces ---- */

private rule g_wipe
{
    strings:
        $1 = "history -c" ascii wide
        $2 = "unset HISTFILE" ascii wide
        $3 = /HISTFILE=\/dev\/null/ ascii wide
        $4 = /HISTSIZE=0\b/ ascii
        $5 = /rm -r?f{1,2}r? [^\n]{0,20}\.bash_history/ ascii
        $6 = /(echo ?|cat \/dev\/null ?|: ?)> ?[^\n]{0,20}\.bash_history/ ascii
        $7 = /(echo ?|cat \/dev\/null ?|: ?)> ?\/var\/log\/(wtmp|btmp|lastlog|secure|auth\.log|syslog|messages)/ ascii
        $8 = /rm -r?f{1,2}r? \/var\/log\/(wtmp|btmp|lastlog|secure|auth\.log|syslog|messages)/ ascii
        $9 = /wevtutil(\.exe)? cl / ascii nocase wide
        $10 = "Clear-EventLog" ascii nocase wide
        $11 = "HistorySavePath" ascii nocase wide
    condition:
        any of them
}

/* ---- spreading ---- */

rule dropper_ssh_key_spread
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "high"
        description = "Harvests SSH keys and hosts (known_hosts, .bash_history, ~/.ssh/config, id_rsa) and runs a download on every host it can reach"
    strings:
        $h1 = "known_hosts" ascii
        $h2 = ".bash_history" ascii
        $h3 = ".ssh/config" ascii
        $k1 = "id_rsa" ascii
        $k2 = "IdentityFile" ascii
        $k3 = "id_ed25519" ascii
        $o1 = /StrictHostKeyChecking[= ]no/ ascii
        $o2 = /BatchMode[= ]yes/ ascii
        $o3 = "AutoAddPolicy" ascii
        $r1 = /ssh [^\n]{0,200}(curl|wget|cd1|wd1)[^\n]{0,200}\| ?(ba)?sh/ ascii
        $r2 = /ssh [^\n]{0,200}base64[^\n]{0,40}-d[^\n]{0,40}(ba)?sh/ ascii
        $r3 = /exec_command\([^\n]{0,200}(curl|wget)[^\n]{0,200}(\| ?(ba)?sh|chmod)/ ascii
        $r4 = /ssh [^\n]{0,200}(curl|wget)[^\n]{0,200}(-o|-O) ?[^\n]{0,80}(chmod \+x|&& ?\.\/|; ?\.\/)/ ascii
    condition:
        filesize < 4MB and any of ($h*) and any of ($k*) and any of ($o*) and any of ($r*)
}

rule dropper_container_api_spread
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "high"
        description = "Spreads through open Docker or kubelet APIs: scans for them and starts a privileged container or exec that downloads the next stage"
    strings:
        $d1 = /docker -H ?(tcp:\/\/)?[$a-zA-Z0-9{}._-]{1,40}:2375/ ascii
        $d2 = /docker -H ?tcp:\/\/[$a-zA-Z0-9{}._-]{1,40}(:[0-9$a-zA-Z{}_]{1,10})? (run|exec)/ ascii
        $d3 = /:2375\/(v1\.[0-9]{2}\/)?containers\/(create|[a-zA-Z0-9${}_]{1,70}\/(start|exec))/ ascii
        $k1 = /:10250\/(run|exec)\// ascii
        $k2 = /kubectl (--server|-s) [^\n]{0,80}exec/ ascii
        $s1 = /(masscan|zmap|zgrab|pnscan)[^\n]{0,120}(2375|2376|10250)/ ascii
        $s2 = /(2375|2376|10250)[^\n]{0,120}(masscan|zmap|zgrab|pnscan)/ ascii
        $p1 = "--privileged" ascii
        $p2 = /-v \/:\/[a-z]{1,10}/ ascii
        $p3 = "chroot /" ascii
        $f = /(curl|wget|cd1|wd1)[^\n]{0,200}(\| ?(ba)?sh|chmod \+x)/ ascii
    condition:
        filesize < 4MB and (any of ($d*) or any of ($k*)) and $f and (any of ($s*) or any of ($p*))
}

rule dropper_redis_cron_write
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "high"
        description = "Writes a cron job or SSH key through an open Redis (config set dir /var/spool/cron, dbfilename root, save)"
    strings:
        $d1 = /config set dir ['"]?\/(var\/spool\/cron|etc\/cron\.d|root\/\.ssh|var\/spool\/cron\/crontabs)/ ascii nocase
        $f1 = /config set dbfilename ['"]?(root|authorized_keys|[a-z0-9_.-]{1,20})/ ascii nocase
        $s = /\bsave\b/ ascii nocase
        $c = /\*\/?[0-9]{0,2}( \*){4} [^\n]{0,200}(curl|wget|cd1|\/dev\/tcp)/ ascii
        $k = "ssh-rsa " ascii
    condition:
        filesize < 4MB and $d1 and $f1 and $s and ($c or $k)
}

/* ---- fetching the next stage ---- */

rule dropper_devtcp_download
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "medium"
        description = "Downloads over bash's /dev/tcp with a hand-written HTTP GET (a dropper on a host without curl or wget)"
    strings:
        $t = /exec [0-9]{1,2}<>\/dev\/tcp\/[$a-zA-Z0-9{}._-]{1,60}\/[$a-zA-Z0-9{}_]{1,10}/ ascii
        $t2 = /\/dev\/tcp\/[$a-zA-Z0-9{}._-]{1,60}\/[$a-zA-Z0-9{}_]{1,10}/ ascii
        $g = /(printf|echo -e|echo) ['"]GET \/?[^\n]{0,120}HTTP\/1\.[01]/ ascii
        $r1 = />&[0-9]/ ascii
        $r2 = /<&[0-9]/ ascii
        $x1 = /chmod \+?[0-7x]{1,4} / ascii
        $x2 = /\| ?(ba)?sh\b/ ascii
        $x3 = /(ba)?sh [$a-zA-Z0-9{}\/._-]{1,60}/ ascii
    condition:
        filesize < 4MB and ($t or $t2) and $g and any of ($r*) and any of ($x*)
}

rule dropper_hidden_stage_exec
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "medium"
        description = "Downloads a program into a hidden file under /tmp, /var/tmp or /dev/shm, makes it executable and starts it in the background"
    strings:
        $d = /(curl|wget|cd1|wd1|urlretrieve|Invoke-WebRequest)[^\n]{0,200}(-o|-O|--output|, ?['"]) ?['"]?\/(tmp|var\/tmp|dev\/shm)\/(\.[a-zA-Z0-9_-]{1,30}\/)?\.[a-zA-Z0-9_.-]{1,30}/ ascii
        $c = /chmod (\+x|[0-7]?7[0-7]{2}) ['"]?\/(tmp|var\/tmp|dev\/shm)\/(\.[a-zA-Z0-9_-]{1,30}\/)?\.[a-zA-Z0-9_.-]{1,30}/ ascii
        $r1 = /nohup ['"]?\/(tmp|var\/tmp|dev\/shm)\/(\.[a-zA-Z0-9_-]{1,30}\/)?\.[a-zA-Z0-9_.-]{1,30}/ ascii
        $r2 = /\/(tmp|var\/tmp|dev\/shm)\/(\.[a-zA-Z0-9_-]{1,30}\/)?\.[a-zA-Z0-9_.-]{1,30}['"]?( [^\n&]{0,80})? ?(>\/dev\/null 2>&1 )?&/ ascii
        $r3 = /setsid ['"]?\/(tmp|var\/tmp|dev\/shm)\// ascii
    condition:
        filesize < 4MB and $d and $c and any of ($r*)
}

/* ---- the groups and the chain ---- */

private rule g_kill
{
    strings:
        $k = /(pkill|killall|xargs (-r )?kill|kill -9|Stop-Process|taskkill)/ ascii nocase
        $n1 = "kdevtmpfsi" ascii
        $n2 = "kinsing" ascii
        $n3 = "kthreaddi" ascii
        $n4 = "sysupdate" ascii fullword
        $n5 = "networkservice" ascii fullword
        $n6 = "dbused" ascii fullword
        $n7 = "kworkerds" ascii
        $n8 = "sustes" ascii
        $n9 = "zzh" ascii fullword
        $n10 = "solr.sh" ascii
        $n11 = "watchbog" ascii
        $n12 = "sysguard" ascii fullword
        $pt = /(netstat|ss) -[a-z]{2,5}[^\n]{0,40}grep[^\n]{0,20}:(3333|4444|5555|6666|7777|14444|14433|45700|9999)/ ascii
    condition:
        dropper_kill_by_cpu or dropper_kill_list or ($k and (2 of ($n*) or $pt))
}

private rule g_cleanup_weak
{
    strings:
        $1 = "crontab -r" ascii
        $2 = /chattr -[iaue]{1,4} [^\n]{0,80}(\/etc\/cron|\/var\/spool\/cron|\/etc\/crontab|authorized_keys|\/etc\/ld\.so\.preload|\/etc\/passwd)/ ascii
        $3 = /rm -r?f{1,2}r? \/var\/spool\/cron/ ascii
    condition:
        dropper_rival_cleanup or any of them
}

private rule g_defense
{
    condition:
        g_selinux or g_apparmor or g_firewall or g_watchdog or g_agents
}

private rule g_spread
{
    strings:
        $1 = /StrictHostKeyChecking[= ]no/ ascii
        $2 = "known_hosts" ascii
        $3 = /docker -H ?(tcp:\/\/)?[$a-zA-Z0-9{}._-]{1,40}:2375/ ascii
        $4 = /redis-cli [^\n]{0,80}config set/ ascii nocase
        $5 = /(masscan|zmap|pnscan|zgrab) / ascii
    condition:
        dropper_ssh_key_spread or dropper_container_api_spread or dropper_redis_cron_write or
        ($1 and $2) or $3 or $4 or $5
}

private rule g_fetch
{
    strings:
        $1 = /(curl|wget|cd1|wd1)[^\n]{0,200}\| ?(sudo )?(ba)?sh\b/ ascii
        $2 = /(mv|cp) (-f )?(\/usr\/bin\/|\/bin\/)?(curl|wget) (\/usr\/bin\/|\/bin\/|\/tmp\/|\/var\/tmp\/)?[a-z0-9._]{1,12}/ ascii
        $3 = /\/dev\/tcp\/[$a-zA-Z0-9{}._-]{1,60}\/[$a-zA-Z0-9{}_]{1,10}/ ascii
        $4 = /(IEX|Invoke-Expression)[^\n]{0,40}DownloadString/ ascii nocase wide
        $5 = /exec\((urllib|requests)[^\n]{0,120}\)/ ascii
        $6 = /base64 (-d|--decode)[^\n|]{0,40}\| ?(ba)?sh/ ascii
    condition:
        dropper_hidden_stage_exec or dropper_devtcp_download or any of them
}

rule dropper_behaviour_chain
{
    meta:
        family = "cryptojacking-dropper"
        category = "dropper"
        severity = "high"
        description = "Three or more dropper behaviours in one script: killing rivals, removing their persistence, switching off defences, wiping traces, spreading, fetching a stage"
    condition:
        filesize < 4MB and 3 of (g_kill, g_cleanup_weak, g_defense, g_wipe, g_spread, g_fetch)
}
