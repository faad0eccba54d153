#!/usr/bin/env python3
"""pcaptool.py - capture fixtures for tests/test_capture.c (issue 14).

Nothing here talks to anything but 127.0.0.1/::1, and nothing mines: the
"pool" is a transcript of made-up messages in the shape of the protocol.

  pcaptool.py live DIALECT OUT [--wallet W] [--ipv6] [--nano] [--any LINKTYPE]
      Run a fake pool and a client on loopback (an ephemeral port), capture
      the session with tcpdump -i lo (or -i any -y LINKTYPE) filtered on
      that port, and write OUT (pcap). Waits for tcpdump's "listening on"
      line before connecting, and for a marker datagram to reach OUT before
      stopping it (no sleeps). TLS dialects need CERTDIR with openssl.
  pcaptool.py synth DIALECT OUT [--wallet W] [--split N] [--reorder]
      [--retransmit] [--midstream] [--snaplen N] [--ipv6] [--port P]
      [--dns NAME] [--no-server]
      Write the same transcript as packets made here (no network at all):
      split into N-byte segments, with segments swapped or sent twice.
  pcaptool.py dns NAME OUT [--answer ADDR]
      A DNS question for NAME to 127.0.0.53:53 and its answer.
  pcaptool.py flood N OUT            N connections opened and left open
  pcaptool.py pcapng IN OUT          pcap -> pcapng (SHB, IDB, EPBs)
  pcaptool.py relink KIND IN OUT     Ethernet pcap -> raw | null | loop | sll | sll2
"""
import argparse
import os
import random
import select
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time

AGENT_XMR = "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0"
AGENT_V1 = "cpuminer-test/2.5.1"
BTC_WALLET = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"  # BIP-173 test vector
POOL_NAME = "pool.supportxmr.com"  # a subdomain of a name in signatures/pools.txt
BLOB = "0e0e" + "ab" * 70
SEED = "cd" * 32


def line(s):
    return (s + "\n").encode()


def transcript(dialect, wallet):
    """[(side, bytes)]: 'c' the client sends, 's' the server."""
    if dialect == "v1":
        return [
            ("c", line('{"id":1,"method":"mining.subscribe","params":["%s"]}' % AGENT_V1)),
            ("s", line('{"id":1,"result":[[["mining.set_difficulty","b4b6693b"],'
                       '["mining.notify","ae6812eb"]],"08000002",4],"error":null}')),
            ("c", line('{"id":2,"method":"mining.authorize","params":["%s.rig1","x"]}' % (wallet or BTC_WALLET))),
            ("s", line('{"id":2,"result":true,"error":null}')),
            ("s", line('{"id":null,"method":"mining.set_difficulty","params":[2]}')),
            ("s", line('{"id":null,"method":"mining.notify","params":["bf","4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000",'
                       '"01000000010000","072f736c7573682f000000000100f2052a010000001976a914",'
                       '[],"00000002","1c2ac4af","504e86b9",false]}')),
            ("c", line('{"id":3,"method":"mining.submit","params":["%s.rig1","bf","00000001","504e86ed","b2957c02"]}' % (wallet or BTC_WALLET))),
            ("s", line('{"id":3,"result":true,"error":null}')),
            ("c", line('{"id":4,"method":"mining.submit","params":["%s.rig1","bf","00000002","504e86ed","b2957c03"]}' % (wallet or BTC_WALLET))),
            ("s", line('{"id":4,"result":false,"error":[23,"Low difficulty share",null]}')),
        ]
    if dialect == "xmr":
        return [
            ("c", line('{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"%s","pass":"x",'
                       '"agent":"%s","rigid":"rig7","algo":["rx/0","cn/r"]}}' % (wallet, AGENT_XMR))),
            ("s", line('{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"a1b2c3","job":{"blob":"%s",'
                       '"job_id":"j1","target":"b88d0600","algo":"rx/0","height":3000000,"seed_hash":"%s"},'
                       '"extensions":["algo","keepalive"],"status":"OK"}}' % (BLOB, SEED))),
            ("c", line('{"id":2,"jsonrpc":"2.0","method":"submit","params":{"id":"a1b2c3","job_id":"j1",'
                       '"nonce":"deadbeef","result":"%s"}}' % ("00" * 32))),
            ("s", line('{"id":2,"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}')),
            ("s", line('{"jsonrpc":"2.0","method":"job","params":{"blob":"%s","job_id":"j2",'
                       '"target":"b88d0600","algo":"rx/0","height":3000001,"seed_hash":"%s"}}' % (BLOB, SEED))),
            ("c", line('{"id":3,"jsonrpc":"2.0","method":"keepalived","params":{"id":"a1b2c3"}}')),
            ("s", line('{"id":3,"jsonrpc":"2.0","error":null,"result":{"status":"KEEPALIVED"}}')),
        ]
    if dialect == "xmr-client":  # only the miner's side was captured
        return [x for x in transcript("xmr", wallet) if x[0] == "c"]
    if dialect in ("getwork", "gbt"):
        if dialect == "getwork":
            req = '{"method":"getwork","params":[],"id":0}'
            res = ('{"result":{"midstate":"%s","data":"%s","hash1":"%s","target":"%s"},"error":null,"id":0}'
                   % ("ab" * 32, "00" * 128, "00" * 64, "ff" * 28 + "00000000"))
        else:
            req = '{"id":1,"method":"getblocktemplate","params":[{"rules":["segwit"]}]}'
            res = ('{"result":{"version":536870912,"previousblockhash":"%s","transactions":[],'
                   '"coinbasevalue":625000000,"bits":"17034219","height":840000,"curtime":1713571767},'
                   '"error":null,"id":1}' % ("00" * 8 + "ab" * 24))
        return [
            ("c", ("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: cgminer-test/4.10\r\n"
                   "Authorization: Basic dXNlcjpwYXNz\r\nContent-Type: application/json\r\n"
                   "X-Mining-Extensions: longpoll midstate rollntime\r\nContent-Length: %d\r\n\r\n%s"
                   % (len(req), req)).encode()),
            ("s", ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Long-Polling: /LP\r\n"
                   "Content-Length: %d\r\n\r\n%s" % (len(res), res)).encode()),
        ]
    if dialect == "electrum":  # line-delimited JSON-RPC of a wallet, not mining
        return [
            ("c", line('{"jsonrpc":"2.0","id":0,"method":"server.version","params":["electrum-test 4.5","1.4"]}')),
            ("s", line('{"jsonrpc":"2.0","id":0,"result":["ElectrumX 1.16.0","1.4"]}')),
            ("c", line('{"jsonrpc":"2.0","id":1,"method":"blockchain.headers.subscribe","params":[]}')),
            ("s", line('{"jsonrpc":"2.0","id":1,"result":{"hex":"%s","height":840000}}' % ("00" * 80))),
            ("c", line('{"jsonrpc":"2.0","id":2,"method":"blockchain.scripthash.get_balance","params":["%s"]}' % ("ab" * 32))),
            ("s", line('{"jsonrpc":"2.0","id":2,"result":{"confirmed":0,"unconfirmed":0}}')),
            ("s", line('{"jsonrpc":"2.0","method":"blockchain.headers.subscribe","params":[{"hex":"%s","height":840001}]}' % ("00" * 80))),
        ]
    if dialect == "lsp":  # a language server: JSON-RPC with Content-Length frames
        def frame(s):
            return ("Content-Length: %d\r\n\r\n%s" % (len(s), s)).encode()
        return [
            ("c", frame('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":1234,"rootUri":"file:///src","capabilities":{}}}')),
            ("s", frame('{"jsonrpc":"2.0","id":1,"result":{"capabilities":{"textDocumentSync":1,"hoverProvider":true}}}')),
            ("c", frame('{"jsonrpc":"2.0","method":"initialized","params":{}}')),
            ("c", frame('{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///src/a.c","languageId":"c","version":1,"text":"int main(void){return 0;}"}}}')),
            ("c", frame('{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///src/a.c"},"position":{"line":0,"character":4}}}')),
            ("s", frame('{"jsonrpc":"2.0","id":2,"result":{"contents":"int main(void)"}}')),
        ]
    if dialect == "ethrpc":  # an Ethereum node's HTTP JSON-RPC
        out = []
        for i, (m, p, res) in enumerate([("eth_blockNumber", "[]", '"0x12a05f2"'),
                                         ("eth_getBalance", '["0x%s","latest"]' % ("11" * 20), '"0x0"'),
                                         ("net_version", "[]", '"1"')]):
            req = '{"jsonrpc":"2.0","method":"%s","params":%s,"id":%d}' % (m, p, i + 1)
            res = '{"jsonrpc":"2.0","id":%d,"result":%s}' % (i + 1, res)
            out.append(("c", ("POST / HTTP/1.1\r\nHost: 127.0.0.1:8545\r\nContent-Type: application/json\r\n"
                              "Content-Length: %d\r\n\r\n%s" % (len(req), req)).encode()))
            out.append(("s", ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                              % (len(res), res)).encode()))
        return out
    if dialect == "apt":  # an apt-like download
        rnd = random.Random(14)
        body = bytes(rnd.getrandbits(8) for _ in range(48000))
        rel = b"Origin: Debian\nLabel: Debian\nSuite: stable\nCodename: bookworm\n" * 40
        out = []
        for path, data, ctype in [("/debian/dists/bookworm/InRelease", rel, "text/plain"),
                                  ("/debian/pool/main/h/hello/hello_2.10-3_amd64.deb", body,
                                   "application/vnd.debian.binary-package")]:
            out.append(("c", ("GET %s HTTP/1.1\r\nHost: deb.debian.org\r\nUser-Agent: Debian APT-HTTP/1.3 (2.6.1)\r\n\r\n"
                              % path).encode()))
            out.append(("s", ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                              % (ctype, len(data))).encode() + data))
        return out
    if dialect.startswith("tls"):  # after the handshake: what a miner would send
        return [("c", line('{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"x","pass":"x"}}')),
                ("s", line('{"id":1,"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}'))]
    sys.exit("unknown dialect " + dialect)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        k = sock.recv(n - len(buf))
        if not k:
            raise EOFError("peer closed after %d of %d bytes" % (len(buf), n))
        buf += k
    return buf


def play(sock, steps, me):
    for side, data in steps:
        if side == me:
            sock.sendall(data)
        else:
            recv_exact(sock, len(data))


# ---- live capture on loopback ----

def tls_contexts(dialect, certdir):
    if not dialect.startswith("tls"):
        return None, None, None
    benign = dialect == "tls-benign"
    name = "www.example.org" if benign else POOL_NAME
    cert, key = os.path.join(certdir, name + ".pem"), os.path.join(certdir, name + ".key")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-days", "2", "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name,
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
    srv = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    srv.load_cert_chain(cert, key)
    cli = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cli.check_hostname = False
    cli.verify_mode = ssl.CERT_NONE
    version = ssl.TLSVersion.TLSv1_3 if dialect in ("tls13",) else ssl.TLSVersion.TLSv1_2
    for c in (srv, cli):
        c.minimum_version = version
        c.maximum_version = version
    sni = None if dialect == "tls12-nosni" else name
    return srv, cli, sni


def live(args):
    fam = socket.AF_INET6 if args.ipv6 else socket.AF_INET
    host = "::1" if args.ipv6 else "127.0.0.1"
    steps = transcript(args.dialect, args.wallet)
    srv_ctx, cli_ctx, sni = tls_contexts(args.dialect, args.certdir or os.path.dirname(os.path.abspath(args.out)))
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, 0))
    ls.listen(1)
    ls.settimeout(10)
    port = ls.getsockname()[1]

    cmd = ["tcpdump", "-n", "-U", "--immediate-mode", "-w", args.out]
    cmd += ["-i", "any", "-y", args.any] if args.any else ["-i", "lo"]
    if args.nano:
        cmd += ["--time-stamp-precision=nano"]
    cmd += ["port %d" % port]
    td = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        err = b""
        while b"listening on" not in err:
            if time.monotonic() > deadline or td.poll() is not None:
                sys.exit("tcpdump did not start: " + err.decode(errors="replace"))
            r, _, _ = select.select([td.stderr], [], [], 0.5)
            if r:
                k = os.read(td.stderr.fileno(), 4096)
                if not k:
                    sys.exit("tcpdump exited: " + err.decode(errors="replace"))
                err += k

        failure = []

        def serve():
            try:
                conn, _ = ls.accept()
                conn.settimeout(10)
                if srv_ctx:
                    conn = srv_ctx.wrap_socket(conn, server_side=True)
                play(conn, steps, "s")
                conn.close()
            except Exception as e:  # noqa: BLE001 - reported below
                failure.append("server: %r" % e)

        t = threading.Thread(target=serve)
        t.start()
        cs = socket.create_connection((host, port), timeout=10)
        if cli_ctx:
            cs = cli_ctx.wrap_socket(cs, server_hostname=sni)
        play(cs, steps, "c")
        cs.close()
        t.join(15)
        if failure or t.is_alive():
            sys.exit("session failed: %s" % (failure or "server hung"))
        # the marker: once it is in the file, every packet before it is too
        marker = b"ms-capture-end-%d" % port
        us = socket.socket(fam, socket.SOCK_DGRAM)
        deadline = time.monotonic() + 10
        while True:
            us.sendto(marker, (host, port))
            with open(args.out, "rb") as f:
                if marker in f.read():
                    break
            if time.monotonic() > deadline:
                sys.exit("the marker never reached the capture")
            select.select([], [], [], 0.05)
        us.close()
    finally:
        td.send_signal(signal.SIGINT)
        try:
            td.wait(10)
        except subprocess.TimeoutExpired:
            td.kill()
            td.wait()
        ls.close()
    print(port)


# ---- packets made here ----

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_packet(src, dst, proto, l4, v6):
    if v6:
        return struct.pack("!IHBB16s16s", 6 << 28, len(l4), proto, 64,
                           socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)) + l4
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4


def tcp_seg(sp, dp, seq, ack, flags, data):
    return struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0) + data


def udp_dgram(sp, dp, data):
    return struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data


def eth(frame_ip, v6):
    return b"\0" * 12 + struct.pack("!H", 0x86DD if v6 else 0x0800) + frame_ip


class PcapWriter:
    def __init__(self, path, snaplen=262144, linktype=1):
        self.f = open(path, "wb")
        self.snaplen = snaplen
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
        self.t = 1713571200.0

    def write(self, pkt, dt=0.001):
        self.t += dt
        sec = int(self.t)
        usec = int(round((self.t - sec) * 1e6))
        cap = pkt[:self.snaplen]
        self.f.write(struct.pack("<IIII", sec, usec, len(cap), len(pkt)) + cap)

    def close(self):
        self.f.close()


def dns_msg(name, qid, answer=None, v6=False):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    qtype = 28 if v6 else 1
    if answer is None:
        return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", qtype, 1)
    rdata = socket.inet_pton(socket.AF_INET6 if v6 else socket.AF_INET, answer)
    return (struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + q + struct.pack("!HH", qtype, 1) +
            b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 300, len(rdata)) + rdata)


def write_dns(w, name, client, server, answer, v6):
    qid = 0x4d53
    w.write(eth(ip_packet(client, server, 17, udp_dgram(53001, 53, dns_msg(name, qid, None, v6)), v6), v6))
    w.write(eth(ip_packet(server, client, 17, udp_dgram(53, 53001, dns_msg(name, qid, answer, v6)), v6), v6))


def synth(args):
    v6 = args.ipv6
    cl, sv = ("::2", "::3") if v6 else ("127.0.0.2", "127.0.0.3")
    cp, sp = 40001, args.port
    steps = transcript(args.dialect, args.wallet)
    if args.no_server:
        steps = [s for s in steps if s[0] == "c"]
    w = PcapWriter(args.out, snaplen=args.snaplen or 262144)
    if args.dns:
        write_dns(w, args.dns, cl, "::53" if v6 else "127.0.0.53", sv, v6)
    seq = {"c": 1000, "s": 500000}
    pkts = []

    def send(side, flags, data=b""):
        src, dst, a, b = (cl, sv, cp, sp) if side == "c" else (sv, cl, sp, cp)
        other = "s" if side == "c" else "c"
        pkts.append(eth(ip_packet(src, dst, 6, tcp_seg(a, b, seq[side], seq[other], flags, data), v6), v6))
        seq[side] += len(data) + (1 if flags & 0x03 else 0)

    if not args.midstream:
        send("c", 0x02)
        send("s", 0x12)
        send("c", 0x10)
    for side, data in steps:
        n = args.split or len(data)
        for i in range(0, len(data), n):
            send(side, 0x18, data[i:i + n])
    send("c", 0x11)
    send("s", 0x11)
    send("c", 0x10)
    if args.reorder:  # swap neighbours among the data segments
        first = 0 if args.midstream else 3
        for i in range(first, len(pkts) - 4, 3):
            pkts[i], pkts[i + 1] = pkts[i + 1], pkts[i]
    if args.retransmit:
        first = 0 if args.midstream else 3
        for i in range(len(pkts) - 4, first, -4):
            pkts.insert(i + 1, pkts[i])
    for p in pkts:
        w.write(p)
    w.close()


def flood(args):
    """N connections opened (SYN, SYN-ACK) and never closed."""
    w = PcapWriter(args.out)
    for i in range(args.n):
        a, port = "127.0.%d.%d" % (1 + i // 250 % 250, 1 + i % 250), 1024 + i % 60000
        w.write(eth(ip_packet(a, "127.0.0.3", 6, tcp_seg(port, 3333, 1, 0, 0x02, b""), False), False), 0.0001)
        w.write(eth(ip_packet("127.0.0.3", a, 6, tcp_seg(3333, port, 7, 2, 0x12, b""), False), False), 0.0001)
    w.close()


def dns_cmd(args):
    w = PcapWriter(args.out)
    write_dns(w, args.name, "127.0.0.1", "127.0.0.53", args.answer, False)
    w.close()


# ---- conversions ----

def read_pcap(path):
    with open(path, "rb") as f:
        d = f.read()
    magic = struct.unpack("<I", d[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    else:
        e = ">"
    m, _, _, _, _, snap, lt = struct.unpack(e + "IHHiIII", d[:24])
    nano = m == 0xA1B23C4D
    recs, i = [], 24
    while i + 16 <= len(d):
        sec, frac, cap, orig = struct.unpack(e + "IIII", d[i:i + 16])
        recs.append((sec, frac, orig, d[i + 16:i + 16 + cap]))
        i += 16 + cap
    return lt, snap, nano, recs


def pcapng(args):
    lt, snap, nano, recs = read_pcap(args.inp)

    def block(t, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", t, n) + body + struct.pack("<I", n)

    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    opts = b""
    if nano:
        opts = struct.pack("<HHB", 9, 1, 9) + b"\0\0\0" + struct.pack("<HH", 0, 0)
    out += block(1, struct.pack("<HHI", lt, 0, snap) + opts)
    for sec, frac, orig, data in recs:
        ts = sec * (10 ** 9 if nano else 10 ** 6) + frac
        body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), orig) + data
        out += block(6, body)
    with open(args.out, "wb") as f:
        f.write(out)


def relink(args):
    lt, snap, nano, recs = read_pcap(args.inp)
    if lt != 1:
        sys.exit("relink needs an Ethernet capture")
    kinds = {"raw": 101, "null": 0, "loop": 108, "sll": 113, "sll2": 276}
    new = kinds[args.kind]
    with open(args.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D if nano else 0xA1B2C3D4, 2, 4, 0, 0, snap, new))
        for sec, frac, orig, data in recs:
            et, ip = struct.unpack("!H", data[12:14])[0], data[14:]
            v6 = et == 0x86DD
            if args.kind == "raw":
                hdr = b""
            elif args.kind == "null":
                hdr = struct.pack("<I", 30 if v6 else 2)
            elif args.kind == "loop":
                hdr = struct.pack("!I", 30 if v6 else 2)
            elif args.kind == "sll":
                hdr = struct.pack("!HHH8sH", 0, 772, 6, b"\0" * 8, et)
            else:  # protocol, reserved, ifindex, ARPHRD, packet type, address length, address
                hdr = struct.pack("!HHIHBB8s", et, 0, 1, 772, 0, 6, b"\0" * 8)
            pkt = hdr + ip
            f.write(struct.pack("<IIII", sec, frac, len(pkt), orig - len(data) + len(pkt)) + pkt)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("live")
    p.add_argument("dialect")
    p.add_argument("out")
    p.add_argument("--wallet")
    p.add_argument("--ipv6", action="store_true")
    p.add_argument("--nano", action="store_true")
    p.add_argument("--any", metavar="LINKTYPE")
    p.add_argument("--certdir")
    p = sub.add_parser("synth")
    p.add_argument("dialect")
    p.add_argument("out")
    p.add_argument("--wallet")
    p.add_argument("--split", type=int)
    p.add_argument("--reorder", action="store_true")
    p.add_argument("--retransmit", action="store_true")
    p.add_argument("--midstream", action="store_true")
    p.add_argument("--snaplen", type=int)
    p.add_argument("--ipv6", action="store_true")
    p.add_argument("--port", type=int, default=3333)
    p.add_argument("--dns")
    p.add_argument("--no-server", action="store_true")
    p = sub.add_parser("dns")
    p.add_argument("name")
    p.add_argument("out")
    p.add_argument("--answer", default="127.0.0.3")
    p = sub.add_parser("flood")
    p.add_argument("n", type=int)
    p.add_argument("out")
    p = sub.add_parser("pcapng")
    p.add_argument("inp")
    p.add_argument("out")
    p = sub.add_parser("relink")
    p.add_argument("kind", choices=["raw", "null", "loop", "sll", "sll2"])
    p.add_argument("inp")
    p.add_argument("out")
    args = ap.parse_args()
    {"live": live, "synth": synth, "flood": flood, "dns": dns_cmd, "pcapng": pcapng, "relink": relink}[args.cmd](args)


if __name__ == "__main__":
    main()
