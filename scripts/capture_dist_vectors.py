#!/usr/bin/env python3
"""Captures distribution packets sent by a real erl (run once; output is committed).

A throw-away Python node completes the handshake with erl under three flag sets
(pass-through; atom-cache header + fragments; fragments alone), calls `rex` the
C-node way ({Pid, {call, M, F, A, user}}) and records every packet erl sends back.
Output: `<mode>.config flags=<hex> peer=<node> us=<node>` and `<mode>.<n> <hex>` lines
(packet bodies without their u32 length).
Usage: scripts/capture_dist_vectors.py > tests/vectors/dist_vectors.txt
"""
import hashlib, os, signal, socket, struct, subprocess, time

HOST = socket.gethostname().split(".")[0]
COOKIE = "distcookie"
BASE = 0x4075F0FBC  # OTP 26 mandatory set + monitors, exit payload, send_sender, seqtrace, digest
MODES = {"passthrough": BASE, "header": BASE | 0x2000 | 0x800000, "fragments": BASE | 0x800000}

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
def frame2(b): return struct.pack(">H", len(b)) + b
def recv_exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d: raise EOFError
        b += d
    return b
def recv2(s): return recv_exact(s, struct.unpack(">H", recv_exact(s, 2))[0])
def recv4(s): return recv_exact(s, struct.unpack(">I", recv_exact(s, 4))[0])

# A minimal ETF encoder for what the capture sends.
def atom(a): b = a.encode(); return bytes([119, len(b)]) + b
def tup(*xs): return bytes([104, len(xs)]) + b"".join(xs)
def nil(): return bytes([106])
def small(i): return bytes([97, i])
def integer(i): return bytes([98]) + struct.pack(">i", i)
def lst(*xs): return bytes([108]) + struct.pack(">I", len(xs)) + b"".join(xs) + nil() if xs else nil()
def pid(node, i, ser, cre): return bytes([88]) + atom(node) + struct.pack(">III", i, ser, cre)

procs = []
try:
    eport = free_port()
    procs.append(subprocess.Popen(["epmd", "-port", str(eport)]))
    time.sleep(0.4)
    env = dict(os.environ, ERL_EPMD_PORT=str(eport))
    procs.append(subprocess.Popen(["erl", "-sname", "srv", "-setcookie", COOKIE, "-noinput"], env=env))
    port = None
    for _ in range(100):
        try:
            s = socket.create_connection(("127.0.0.1", eport)); s.sendall(frame2(b"zsrv")); r = s.recv(100); s.close()
            if len(r) > 4 and r[1] == 0: port = struct.unpack(">H", r[2:4])[0]; break
        except OSError: pass
        time.sleep(0.1)
    srv = f"srv@{HOST}"
    for mode, flags in MODES.items():
        me = f"py{mode}@{HOST}"
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(frame2(b"N" + struct.pack(">QIH", flags, 7, len(me)) + me.encode()))
        assert recv2(s) == b"sok"
        ch = recv2(s); their = struct.unpack(">I", ch[9:13])[0]
        s.sendall(frame2(b"r" + struct.pack(">I", 1) + hashlib.md5((COOKIE + str(their)).encode()).digest()))
        assert recv2(s)[0:1] == b"a"
        print(f"{mode}.config flags={hex(flags)} peer={srv} us={me}")
        header = flags & (0x2000 | 0x800000)
        me_pid = pid(me, 1, 0, 7)
        def send_reg(to, msg):
            ctl = tup(small(6), me_pid, atom(""), atom(to))
            body = (b"\x83\x44\x00" + ctl + msg) if header else (b"p\x83" + ctl + b"\x83" + msg)
            s.sendall(struct.pack(">I", len(body)) + body)
        calls = [tup(atom("call"), atom("erlang"), atom("node"), nil(), atom("user")),
                 tup(atom("call"), atom("binary"), atom("copy"), lst(bytes([109, 0, 0, 0, 1, 7]), integer(150000)), atom("user")),
                 tup(atom("call"), atom("erlang"), atom("node"), nil(), atom("user")),
                 tup(atom("call"), atom("erlang"), atom("make_tuple"), lst(small(3), atom("\u00e9t\u00e9")), atom("user"))]
        n = 0
        for c in calls:
            send_reg("rex", tup(me_pid, c))
            while True:
                pkt = recv4(s)
                if not pkt: continue  # a tick
                n += 1
                print(f"{mode}.{n} {pkt.hex()}")
                if pkt[:2] != b"\x83\x45" and not (pkt[:2] == b"\x83\x46" and pkt[10:18] != b"\x00" * 7 + b"\x01"):
                    if pkt[:2] != b"\x83\x46" or pkt[17] == 1: break
        s.close()
        time.sleep(0.3)
finally:
    for p in procs:
        try: os.kill(p.pid, signal.SIGKILL); p.wait()
        except ProcessLookupError: pass
