#!/usr/bin/env bash
# Runs an example program against a throwaway Erlang node: its own epmd on a free port,
# a random cookie, a registered `demo_echo` process. The program gets the node's name
# and the cookie as arguments. Everything started here is killed by PID on exit.
# Usage: run_with_erl.sh PROGRAM
set -euo pipefail
program=$1

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
}
log=$(mktemp)
trap 'cleanup; rm -f "$log"' EXIT

# A free port for a private epmd: let the kernel pick one.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export ERL_EPMD_PORT=$port
epmd -port "$port" &
pids+=($!)

cookie=demo$RANDOM$RANDOM
peer=demo_erl_$$
host=$(hostname -s)
echo "== starting Erlang node $peer@$host (epmd port $port)"
erl -sname "$peer" -setcookie "$cookie" -noinput -start_epmd false -eval '
    Echo = fun Loop() ->
                   receive
                       {crash, Reason} -> exit(Reason);
                       {From, Msg} -> From ! {echoed, Msg}, Loop()
                   end
           end,
    register(demo_echo, spawn(Echo)),
    io:format("demo_echo ready~n").' >"$log" 2>&1 &
pids+=($!)
# The node is reachable before -eval has registered demo_echo: wait for that.
for _ in $(seq 200); do grep -q "demo_echo ready" "$log" && break; sleep 0.1; done
grep -q "demo_echo ready" "$log" || { echo "the Erlang node did not start:" >&2; cat "$log" >&2; exit 1; }

"$program" "$peer@$host" "$cookie"
