# own_bench_peer.sh: sourced by the scripts that study one workload against a bench peer
# of their own (connect_phases.sh, receive_window.sh).
#
# own_bench_peer NAME [ERL_FLAGS...] copies the shared harness (../shared/bench) into a
# fresh $work, builds its anchors if needed, and starts an epmd on a random port
# (exported as ERL_EPMD_PORT) and the bench peer NAME@$host with a random $cookie; both
# are stopped by PID when the calling script exits. Sets work, cookie, host, peer_port.
own_bench_peer() {
    local name=$1
    shift
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    work="$(mktemp -d "/tmp/otpcpp-$name.XXXXXX")"
    cp -r "$root/../shared/bench/." "$work/"
    (cd "$work" && { [ -x build/ei_client ] || ./build.sh >build.log 2>&1; })
    export ERL_EPMD_PORT=$((20000 + RANDOM % 20000))
    cookie="$name$RANDOM$RANDOM"
    host="$(hostname -s)"
    own_bench_peer_pids=()
    trap 'for p in "${own_bench_peer_pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
    epmd -port "$ERL_EPMD_PORT" >"$work/epmd.log" 2>&1 &
    own_bench_peer_pids+=($!)
    for _ in $(seq 50); do epmd -port "$ERL_EPMD_PORT" -names >/dev/null 2>&1 && break; sleep 0.1; done
    (cd "$work" && exec erl -sname "$name" -setcookie "$cookie" -noinput "$@" -pa build \
        -s bench_peer start >peer.log 2>&1) &
    own_bench_peer_pids+=($!)
    for _ in $(seq 100); do grep -q "bench_peer ready" "$work/peer.log" && break; sleep 0.2; done
    peer_port=$(epmd -port "$ERL_EPMD_PORT" -names | awk -v n="$name" '$2 == n {print $5}')
    [ -n "$peer_port" ] || { echo "the bench peer did not start" >&2; cat "$work/peer.log" >&2; return 1; }
}
