#!/usr/bin/env bash
# receive_window.sh [BUILD_DIR]
#
# What the BEAM source's TCP sender does during the receive workload: runs ei, otpcpp
# and otpcpp with a 24 KiB receive buffer against a bench peer of its own, interleaved,
# and samples the peer's socket (`ss -ti`) every 0.25 s: bytes and segments sent since
# the last sample, bytes per segment, congestion window, the send window the client
# advertises, and how long the sender was limited by it. Many small segments mean one
# per message (each write sent at once); few large ones, writes merged while the sender
# waited for its congestion or receive window (docs/performance.md, session 15).
# Needs the anchors' dependencies (scripts/install-deps.sh --bench). Environment: RUNS
# (default 2), N (messages per run, default 1500000), IMPLS (default "ei otpcpp
# otpcpp_rb").
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$here/build}" && pwd)"
B="$build/otpcpp"
[ -x "$B" ] || { echo "receive_window.sh: no $B (build the project first)" >&2; exit 2; }
. "$here/scripts/own_bench_peer.sh"
own_bench_peer windowpeer

client() { # impl: the command that runs it
    case "$1" in
        ei) echo "$work/build/ei_client" ;;
        otpcpp) echo "$B bench --epmd-port $ERL_EPMD_PORT" ;;
        otpcpp_rb) echo "$B bench --epmd-port $ERL_EPMD_PORT --recv-buffer 24576" ;;
        *) echo "receive_window.sh: unknown impl $1" >&2; exit 2 ;;
    esac
}
field() { grep -o " $1:[^ ]*" <<<"$2" | head -1 | cut -d: -f2; }
for run in $(seq "${RUNS:-2}"); do
    for impl in ${IMPLS:-ei otpcpp otpcpp_rb}; do
        $(client "$impl") --workload receive --peer "windowpeer@$host" --cookie "$cookie" \
            --n "${N:-1500000}" >"$work/$impl-$run.json" 2>/dev/null &
        pid=$!
        echo "run $run, $impl:"
        bytes=0 segs=0
        while kill -0 "$pid" 2>/dev/null; do
            sleep 0.25
            s=" $(ss -tni state established "( sport = :$peer_port )" | tail -n +2 | tr -s ' \n\t' ' ')"
            b=$(field bytes_sent "$s") n=$(field segs_out "$s")
            [ -n "$b" ] && [ -n "$n" ] || continue
            db=$((b - bytes)) dn=$((n - segs))
            [ "$dn" -gt 0 ] && awk -v db="$db" -v dn="$dn" -v c="$(field cwnd "$s")" \
                -v w="$(field snd_wnd "$s")" -v l="$(field rwnd_limited "$s")" 'BEGIN {
                printf "  %6.1f MB %7d segments %6d B/segment  cwnd %-4s snd_wnd %-8s rwnd_limited %s\n",
                    db / 1e6, dn, db / dn, c, w, l }'
            bytes=$b segs=$n
        done
        wait "$pid" || true
        echo "  $(tail -1 "$work/$impl-$run.json")"
    done
done
