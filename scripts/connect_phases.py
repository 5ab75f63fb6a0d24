#!/usr/bin/env python3
"""connect_phases.py CAPTURE.txt EPMD_PORT PEER_PORT LABEL

Splits the connect workload's time (epmd lookup + handshake + one ping/pong + close,
repeated) into what the peer side (epmd and the BEAM) took to answer and what the
client took to go on, from a loopback capture printed by `tcpdump -n -tt -r`. Every
wait is measured between packets on the wire, so the client's and the peer's shares
of each iteration are told apart without instrumenting either.

Prints one line of median microseconds per phase, then the medians of the sums:
  peer   what epmd and the BEAM took to answer (lookup, status, challenge, ack, pong)
  client everything else in an iteration (the client's own work and the kernel's
         connection set-up), so that iteration = peer + client.
"""
import re
import statistics
import sys

LINE = re.compile(r"^(\d+\.\d+) IP [\d.]+\.(\d+) > [\d.]+\.(\d+): Flags \[([^\]]*)\].*length (\d+)")

# (name, whose) in the order they happen in one iteration.
PHASES = [
    ("epmd_request", "client"),  # epmd SYN -> PORT_PLEASE2 request
    ("epmd_reply", "peer"),  # request -> PORT2_RESP
    ("dial", "client"),  # epmd reply -> the peer's SYN
    ("send_name", "client"),  # SYN -> send_name
    ("status", "peer"),  # send_name -> status
    ("challenge", "peer"),  # status -> challenge
    ("challenge_reply", "client"),  # challenge -> challenge reply
    ("challenge_ack", "peer"),  # reply -> ack
    ("ping", "client"),  # ack -> first distribution packet
    ("pong", "peer"),  # ping -> the peer's answer
    ("close", "client"),  # pong -> the client's FIN
    ("next", "client"),  # FIN -> the next iteration's epmd SYN
]


def conversations(path, epmd_port, peer_port):
    """Packets per TCP conversation with epmd or the peer: (time, from_server, flags, length)."""
    convs = {}
    with open(path) as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            t, src, dst, flags, length = float(m[1]), int(m[2]), int(m[3]), m[4], int(m[5])
            if src in (epmd_port, peer_port):
                key, from_server = (src, dst), True
            elif dst in (epmd_port, peer_port):
                key, from_server = (dst, src), False
            else:
                continue
            convs.setdefault(key, []).append((t, from_server, flags, length))
    by_start = lambda c: c[0][0]
    epmd = sorted((c for k, c in convs.items() if k[0] == epmd_port), key=by_start)
    dist = sorted((c for k, c in convs.items() if k[0] == peer_port), key=by_start)
    return epmd, dist


def first(ts, after):
    return next(t for t in ts if t > after)


def iteration(lookup, conn):
    """The phase boundaries of one epmd lookup and the connection that followed it."""
    lk_client = [t for t, srv, _, n in lookup if n > 0 and not srv]
    lk_server = [t for t, srv, _, n in lookup if n > 0 and srv]
    client = [t for t, srv, _, n in conn if n > 0 and not srv]
    server = [t for t, srv, _, n in conn if n > 0 and srv]
    fin = [t for t, srv, fl, _ in conn if "F" in fl and not srv]
    b = {"epmd_syn": lookup[0][0], "epmd_request": lk_client[0], "epmd_reply": lk_server[0]}
    b["dial"] = conn[0][0]
    b["send_name"] = client[0]
    b["status"] = first(server, b["send_name"])
    b["challenge_reply"] = client[1]
    b["challenge"] = [t for t in server if t < b["challenge_reply"]][-1]
    b["challenge_ack"] = first(server, b["challenge_reply"])
    b["ping"] = first(client, b["challenge_ack"])
    b["pong"] = first(server, b["ping"])
    b["close"] = first(fin, b["pong"])
    return b


def main():
    path, epmd_port, peer_port, label = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    epmd, dist = conversations(path, epmd_port, peer_port)
    its = []
    for conn in dist:
        before = [c for c in epmd if c[0][0] < conn[0][0]]
        try:
            its.append(iteration(before[-1], conn))
        except (IndexError, StopIteration):
            continue  # cut off by the capture's start or end
    rows = []
    for cur, nxt in zip(its, its[1:]):
        order = ["epmd_syn"] + [p for p, _ in PHASES[:-1]]
        row = {p: cur[p] - cur[prev] for prev, p in zip(order, order[1:])}
        row["next"] = nxt["epmd_syn"] - cur["close"]
        row["iteration"] = nxt["epmd_syn"] - cur["epmd_syn"]
        row["peer"] = sum(row[p] for p, who in PHASES if who == "peer")
        row["client"] = sum(row[p] for p, who in PHASES if who == "client")
        rows.append(row)
    if not rows:
        sys.exit(f"connect_phases.py: no complete iteration in {path}")
    med = lambda k: statistics.median(r[k] for r in rows) * 1e6
    print(f"{label}: {len(rows)} iterations, median us: " + " ".join(f"{p}={med(p):.0f}" for p, _ in PHASES))
    print(f"{label}: iteration={med('iteration'):.0f} peer={med('peer'):.0f} client={med('client'):.0f}")


if __name__ == "__main__":
    main()
