#!/usr/bin/env python3
"""capture_traffic.py OUT MB [SEG] - record MB megabytes of mixed loopback traffic
with tcpdump for tests/bench/capture.sh: bulk downloads (most of the
bytes), apt-like HTTP, Stratum sessions of both dialects (the fake pool of
tests/capture/pcaptool.py). SEG (default 65536) is the size of each bulk
write; with 1400 and TCP_NODELAY every write is one Ethernet-sized packet,
as on a real link (loopback otherwise sends 64 KiB segments). Only
127.0.0.1; bounded in count."""
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "capture"))
import pcaptool  # noqa: E402


def listener():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    s.settimeout(30)
    return s


def serve(ls, n, handler):
    for _ in range(n):
        c, _ = ls.accept()
        c.settimeout(30)
        handler(c)
        c.close()


def main():
    out, mb = sys.argv[1], int(sys.argv[2])
    seg = int(sys.argv[3]) if len(sys.argv) > 3 else 1 << 16
    bulk, small = listener(), listener()
    ports = [bulk.getsockname()[1], small.getsockname()[1]]
    td = subprocess.Popen(["tcpdump", "-n", "-i", "lo", "-B", "65536", "-w", out,
                           "port %d or port %d" % tuple(ports)], stderr=subprocess.PIPE)
    err = b""
    while b"listening on" not in err:
        r, _, _ = select.select([td.stderr], [], [], 10)
        if not r:
            sys.exit("tcpdump did not start")
        err += os.read(td.stderr.fileno(), 4096)
    chunk = os.urandom(seg)
    n_bulk = max(1, mb // 16)

    def bulk_handler(c):
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range((16 << 20) // seg):  # 16 MB a connection
            c.sendall(chunk)

    sessions = [pcaptool.transcript(d, "4x") for d in ("v1", "xmr", "apt", "electrum", "getwork")]
    n_small = 200

    def small_handler(c):
        steps = sessions[small_handler.k % len(sessions)]
        small_handler.k += 1
        pcaptool.play(c, steps, "s")
    small_handler.k = 0

    t1 = threading.Thread(target=serve, args=(bulk, n_bulk, bulk_handler))
    t2 = threading.Thread(target=serve, args=(small, n_small, small_handler))
    t1.start()
    t2.start()
    for i in range(max(n_bulk, n_small)):
        if i < n_bulk:
            c = socket.create_connection(("127.0.0.1", ports[0]), timeout=30)
            left = 16 << 20
            while left > 0:
                k = c.recv(1 << 20)
                if not k:
                    break
                left -= len(k)
            c.close()
        if i < n_small:
            c = socket.create_connection(("127.0.0.1", ports[1]), timeout=30)
            pcaptool.play(c, sessions[i % len(sessions)], "c")
            c.close()
    t1.join()
    t2.join()
    time.sleep(1)  # bench only: let tcpdump drain its buffer (drops only change the figures)
    td.send_signal(signal.SIGINT)
    td.wait(30)


if __name__ == "__main__":
    main()
