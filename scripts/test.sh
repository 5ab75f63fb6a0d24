#!/usr/bin/env bash
# The whole test suite: installs dependencies, configures, builds, runs CTest.
# Usage: scripts/test.sh            (build dir: build/)
# Env:   BUILD_DIR, OTPCPP_SANITIZE ("address;undefined" or "thread"), CTEST_ARGS
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=${BUILD_DIR:-build}
jobs=$(nproc)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DOTPCPP_SANITIZE="${OTPCPP_SANITIZE:-}"
cmake --build "$build" -j "$jobs"
cd "$build"
# shellcheck disable=SC2086
ctest --output-on-failure -j "$jobs" ${CTEST_ARGS:-}
