#!/usr/bin/env bash
# Installs the built otpcpp into a scratch prefix, then configures, builds and runs
# a downstream project that finds it with find_package(otpcpp CONFIG REQUIRED).
# Usage: run_consumer_test.sh <otpcpp build dir> <consumer source dir>
set -euo pipefail
build=$1
consumer=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/consumer"
