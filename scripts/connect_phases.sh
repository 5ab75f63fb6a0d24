#!/usr/bin/env bash
# connect_phases.sh [BUILD_DIR]
#
# Where the connect workload's time goes: runs ei, otpcpp and otpcpp --async against
# one bench peer of the shared harness (../shared/bench), interleaved, while tcpdump
# records the loopback traffic, and prints per client the median time of each phase,
# split into what epmd and the BEAM took to answer and what the client took
# (scripts/connect_phases.py). The peer's part bounds every client: an iteration
# cannot take less than it.
# Needs root for the capture, tcpdump, and the anchors' dependencies
# (scripts/install-deps.sh --bench). Environment: RUNS (default 3), N (connections
# per run, default 1000), IMPLS (default "ei otpcpp otpcpp_async").
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$here/build}" && pwd)"
B="$build/otpcpp"
[ -x "$B" ] || { echo "connect_phases.sh: no $B (build the project first)" >&2; exit 2; }
command -v tcpdump >/dev/null || { echo "connect_phases.sh: tcpdump is needed" >&2; exit 2; }
work="$(mktemp -d /tmp/otpcpp-phases.XXXXXX)"
cp -r "$here/../shared/bench/." "$work/"
cd "$work"
[ -x build/ei_client ] || ./build.sh >build.log 2>&1

# An epmd and a peer of our own, on a port nothing else uses, stopped by PID.
export ERL_EPMD_PORT=$((20000 + RANDOM % 20000))
cookie="phases$RANDOM$RANDOM"
host="$(hostname -s)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
epmd -port "$ERL_EPMD_PORT" >epmd.log 2>&1 &
pids+=($!)
for _ in $(seq 50); do epmd -port "$ERL_EPMD_PORT" -names >/dev/null 2>&1 && break; sleep 0.1; done
erl -sname phasepeer -setcookie "$cookie" -noinput -pa build -s bench_peer start >peer.log 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "bench_peer ready" peer.log && break; sleep 0.2; done
peer_port=$(epmd -port "$ERL_EPMD_PORT" -names | awk '$2 == "phasepeer" {print $5}')
[ -n "$peer_port" ] || { echo "connect_phases.sh: the peer did not start" >&2; cat peer.log; exit 1; }

client() { # impl: the command that runs it
    case "$1" in
        ei) echo "$work/build/ei_client" ;;
        otpcpp) echo "$B bench --epmd-port $ERL_EPMD_PORT" ;;
        otpcpp_async) echo "$B bench --epmd-port $ERL_EPMD_PORT --async" ;;
        *) echo "connect_phases.sh: unknown impl $1" >&2; exit 2 ;;
    esac
}
for run in $(seq "${RUNS:-3}"); do
    for impl in ${IMPLS:-ei otpcpp otpcpp_async}; do
        cap="$work/$impl-$run"
        tcpdump -i lo -n -w "$cap.pcap" "port $ERL_EPMD_PORT or port $peer_port" 2>/dev/null &
        dump=$!
        sleep 1
        line=$($(client "$impl") --workload connect --peer "phasepeer@$host" --cookie "$cookie" \
                   --n "${N:-1000}" | tail -1)
        sleep 0.5
        kill -INT "$dump"
        wait "$dump" || true
        echo "run $run: $line"
        tcpdump -n -tt -r "$cap.pcap" 2>/dev/null >"$cap.txt"
        python3 "$here/scripts/connect_phases.py" "$cap.txt" "$ERL_EPMD_PORT" "$peer_port" "$impl"
    done
done
echo "captures in $work"
