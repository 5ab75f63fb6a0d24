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
# An epmd and a peer of our own, on a port nothing else uses, stopped by PID.
. "$here/scripts/own_bench_peer.sh"
own_bench_peer phasepeer
cd "$work"

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
