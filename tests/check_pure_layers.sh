#!/usr/bin/env bash
# The pure layers (L0 terms, L1 protocol) must not do I/O: no Asio, no sockets, no
# logging, no clock and no random numbers (architecture.md). Fails listing offenders.
# Usage: check_pure_layers.sh <source root> <file>...   (files relative to src/)
set -u
root=$1; shift
bad=0
for f in "$@"; do
    for h in "${f%.cpp}.hpp" "$f"; do
        [ -f "$root/src/$h" ] || continue
        if grep -nE '#include *[<"](boost/asio|spdlog|sys/socket|netinet|random>|chrono>)' "$root/src/$h"; then
            echo "check_pure_layers: $h is in a pure layer but includes I/O, logging, clock or random" >&2
            bad=1
        fi
        if grep -nE '(steady_clock|system_clock|std::random_device|RAND_bytes)' "$root/src/$h"; then
            echo "check_pure_layers: $h reads a clock or random source" >&2
            bad=1
        fi
    done
done
[ $bad = 0 ] && echo "check_pure_layers: $# files clean"
exit $bad
