#!/usr/bin/env bash
# The main job: builds otpcpp, starts a throwaway local Erlang node (its own epmd on a
# free port, a random cookie), and runs examples/node_demo: a C++ node that pings it,
# calls into it, exchanges messages, is called by it, and sees a link fire. Everything
# started here is stopped by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >&2
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target node_demo >/dev/null
exec examples/run_with_erl.sh "$build/examples/node_demo"

