#!/usr/bin/env python3
"""Captures distribution-handshake transcripts against a real erl (run once; committed).

A throw-away Python peer runs each handshake with a fixed challenge of its own, so a
transcript replays deterministically: the state machines under test get the same
configuration and must write exactly the bytes the Python peer wrote.
Output lines: `<case>.<step> <direction> <hex>` (direction `out` = written by the role
under test, `in` = read from erl), plus `<case>.config <key>=<value> ...` lines.
Usage: scripts/capture_handshake_vectors.py > tests/vectors/handshake_vectors.txt
"""
import hashlib, os, signal, socket, struct, subprocess, sys, time

HOST = socket.gethostname().split(".")[0]
COOKIE = "transcriptcookie"
OUR_FLAGS = 0x4075F0FBC   # OTP 26 mandatory + monitors, exit payload, send_sender, seqtrace, digest
OUR_CREATION = 0x11223344
OUR_CHALLENGE = 0x5EED5EED

def digest(ch, cookie): return hashlib.md5((cookie + str(ch)).encode()).digest()
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
def frame(b): return struct.pack(">H", len(b)) + b
def recv_msg(s):
    hdr = b""
    while len(hdr) < 2:
        d = s.recv(2 - len(hdr))
        if not d: return None
        hdr += d
    n = struct.unpack(">H", hdr)[0]; body = b""
    while len(body) < n:
        d = s.recv(n - len(body))
        if not d: return None
        body += d
    return hdr + body
def emit(case, step, direction, data): print(f"{case}.{step} {direction} {data.hex()}")
def config(case, **kv): print(f"{case}.config " + " ".join(f"{k}={v}" for k, v in kv.items()))

procs = []
try:
    eport = free_port()
    procs.append(subprocess.Popen(["epmd", "-port", str(eport)]))
    time.sleep(0.4)
    env = dict(os.environ, ERL_EPMD_PORT=str(eport))
    srv = f"srv@{HOST}"
    procs.append(subprocess.Popen(["erl", "-sname", "srv", "-setcookie", COOKIE, "-noinput"], env=env))
    def srv_port():
        s = socket.create_connection(("127.0.0.1", eport)); s.sendall(frame(b"zsrv"))
        r = s.recv(100); s.close()
        return struct.unpack(">H", r[2:4])[0] if len(r) > 4 and r[1] == 0 else None
    for _ in range(100):
        port = srv_port()
        if port: break
        time.sleep(0.1)

    def initiate(case, name, flags, cookie, answer_alive=b"strue", keep=False):
        s = socket.create_connection(("127.0.0.1", port))
        config(case, our_name=name, our_flags=hex(flags), our_creation=hex(OUR_CREATION if not flags & (1 << 33) else 0),
               peer_name=srv, cookie=cookie, challenge=hex(OUR_CHALLENGE))
        m = b"N" + struct.pack(">QIH", flags, OUR_CREATION if not flags & (1 << 33) else 0, len(name)) + name.encode()
        s.sendall(frame(m)); emit(case, 1, "out", frame(m))
        st = recv_msg(s); emit(case, 2, "in", st or b"")
        if st is None or st[2:] in (b"snot_allowed", b"snok"): s.close(); return None
        step = 3
        if st[2:] == b"salive":
            s.sendall(frame(answer_alive)); emit(case, step, "out", frame(answer_alive)); step += 1
            if answer_alive == b"sfalse": s.close(); return None
        ch = recv_msg(s); emit(case, step, "in", ch); step += 1
        their = struct.unpack(">I", ch[2 + 9:2 + 13])[0]
        r = b"r" + struct.pack(">I", OUR_CHALLENGE) + digest(their, cookie)
        s.sendall(frame(r)); emit(case, step, "out", frame(r)); step += 1
        ack = recv_msg(s); emit(case, step, "in", ack or b"")
        if keep: return s
        s.close(); return None

    py = f"py@{HOST}"
    initiate("init_ok", py, OUR_FLAGS, COOKIE)
    time.sleep(0.3)
    initiate("init_wrong_cookie", py, OUR_FLAGS, "wrongcookie")
    time.sleep(0.3)
    initiate("init_not_allowed", py, OUR_FLAGS & ~0x1000000 & ~0x4000000, COOKIE)   # no HANDSHAKE_23
    time.sleep(0.3)
    first = initiate("init_first", f"dup@{HOST}", OUR_FLAGS, COOKIE, keep=True)
    time.sleep(0.3)
    initiate("init_alive", f"dup@{HOST}", OUR_FLAGS, COOKIE)
    first.close(); time.sleep(0.3)
    initiate("init_named", HOST, OUR_FLAGS | (1 << 33), COOKIE)
    time.sleep(0.3)

    # Acceptor role: register a Python node with epmd, let erl connect to it.
    def accept(case, alive, cookie, erl_cookie):
        ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", 0)); ls.listen(1); lport = ls.getsockname()[1]
        reg = socket.create_connection(("127.0.0.1", eport))
        reg.sendall(frame(b"x" + struct.pack(">HBBHHH", lport, 72, 0, 6, 5, len(alive)) + alive.encode() + b"\0\0"))
        reg.recv(16)
        me = f"{alive}@{HOST}"
        p = subprocess.Popen(["erl", "-sname", f"c{case[-4:]}", "-setcookie", erl_cookie, "-noinput", "-eval",
                              f"io:format(\"~p~n\", [net_adm:ping('{me}')]), halt()."], env=env,
                             stdout=subprocess.PIPE)
        procs.append(p)
        ls.settimeout(20); c, _ = ls.accept()
        config(case, our_name=me, our_flags=hex(OUR_FLAGS), our_creation=hex(OUR_CREATION),
               cookie=cookie, challenge=hex(OUR_CHALLENGE))
        nm = recv_msg(c); emit(case, 1, "in", nm)
        st = frame(b"sok"); c.sendall(st); emit(case, 2, "out", st)
        ch = frame(b"N" + struct.pack(">QIIH", OUR_FLAGS, OUR_CHALLENGE, OUR_CREATION, len(me)) + me.encode())
        c.sendall(ch); emit(case, 3, "out", ch)
        r = recv_msg(c); emit(case, 4, "in", r)
        their = struct.unpack(">I", r[3:7])[0]
        if r[7:23] == digest(OUR_CHALLENGE, cookie):
            a = frame(b"a" + digest(their, cookie)); c.sendall(a); emit(case, 5, "out", a)
        time.sleep(0.5)
        c.close(); reg.close(); ls.close()
        out = p.communicate(timeout=20)[0].decode().strip()
        print(f"# {case}: erl's net_adm:ping printed {out}")

    accept("acc_ok", "pyacc", COOKIE, COOKIE)
    accept("acc_wrong_cookie", "pyacc2", COOKIE, "othercookie")
finally:
    for p in procs:
        try: os.kill(p.pid, signal.SIGKILL); p.wait()
        except ProcessLookupError: pass
