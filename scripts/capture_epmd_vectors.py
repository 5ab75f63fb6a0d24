#!/usr/bin/env python3
"""Captures epmd wire vectors from the real epmd and erl (run once; output is committed).

Starts a private `epmd -relaxed_command_check` and a fake epmd listener, points real
`erl -sname` nodes at them, and records each request and reply as hex lines:
    <name> <hex>
Usage: scripts/capture_epmd_vectors.py > tests/vectors/epmd_vectors.txt
"""
import os, random, signal, socket, struct, subprocess, sys, time

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def req(port, body, keep=False, wait=0.3):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(struct.pack(">H", len(body)) + body)
    s.settimeout(wait if keep else 3)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d: break
            out += d
            if keep: break
    except socket.timeout:
        pass
    return (out, s) if keep else (s.close() or out)

def emit(name, data): print(f"{name} {data.hex()}")

procs = []
def cleanup():
    for p in procs:
        try: os.kill(p.pid, signal.SIGKILL); p.wait()
        except ProcessLookupError: pass

try:
    eport = free_port()
    procs.append(subprocess.Popen(["epmd", "-port", str(eport), "-relaxed_command_check"]))
    time.sleep(0.5)
    env = dict(os.environ, ERL_EPMD_PORT=str(eport))
    cookie = "c%08d" % random.randrange(10**8)
    node = subprocess.Popen(["erl", "-sname", "srv", "-setcookie", cookie, "-noinput",
                             "-kernel", "inet_dist_listen_min", "43135", "inet_dist_listen_max", "43135"], env=env)
    procs.append(node)
    for _ in range(100):
        if b"srv" in req(eport, b"n"): break
        time.sleep(0.1)

    # What we send and what the real epmd answers.
    alive = b"x" + struct.pack(">HBBHHH", 9999, 72, 0, 6, 5, 4) + b"cpp1" + struct.pack(">H", 0)
    emit("alive2_req_hidden", alive)
    r, keep1 = req(eport, alive, keep=True)
    emit("alive2_x_resp_ok_creation_masked", r[:2])  # creation varies per run
    dup, keep2 = req(eport, alive, keep=True)
    emit("alive2_x_resp_duplicate", dup)
    old = b"x" + struct.pack(">HBBHHH", 9998, 77, 0, 5, 5, 4) + b"old5" + struct.pack(">H", 0)
    r5, keep3 = req(eport, old, keep=True)
    emit("alive2_resp_old_ok_prefix", r5[:2])
    emit("port_please2_req_srv", b"zsrv")
    emit("port2_resp_srv", req(eport, b"zsrv"))
    emit("port2_resp_cpp1", req(eport, b"zcpp1"))
    emit("port2_resp_missing", req(eport, b"znope"))
    emit("names_req", b"n")
    emit("names_resp", req(eport, b"n"))
    emit("dump_resp", req(eport, b"d"))
    keep3.close(); time.sleep(0.2)
    emit("dump_resp_after_close", req(eport, b"d"))
    emit("stop_resp_missing", req(eport, b"snope"))
    emit("stop_resp_cpp1", req(eport, b"scpp1"))
    empty = b"x" + struct.pack(">HBBHHH", 9997, 77, 0, 6, 5, 0) + struct.pack(">H", 0)
    emit("alive2_resp_empty_name", req(eport, empty))
    keep1.close(); keep2.close()

    # What a real erl node sends to epmd: a fake epmd records its ALIVE2_REQ.
    fport = free_port()
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", fport)); ls.listen(4); ls.settimeout(20)
    env2 = dict(os.environ, ERL_EPMD_PORT=str(fport))
    for flags, label in ((["-sname", "rec"], "erl_alive2_req_visible"),
                         (["-sname", "rec", "-hidden"], "erl_alive2_req_hidden")):
        p = subprocess.Popen(["erl", *flags, "-setcookie", cookie, "-noinput",
                              "-kernel", "inet_dist_listen_min", "43136", "inet_dist_listen_max", "43136"], env=env2)
        procs.append(p)
        c, _ = ls.accept()
        data = c.recv(4096)
        emit(label, data[2:])
        c.sendall(b"v\x00" + struct.pack(">I", 0x6B0592E4))
        time.sleep(0.5)
        c.close(); os.kill(p.pid, signal.SIGKILL); p.wait()
    sys.stdout.flush()
    emit("kill_resp", req(eport, b"k"))
finally:
    cleanup()
