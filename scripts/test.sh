#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds, runs CTest.
#
# First the unit and integration tests run under each sanitizer build (AddressSanitizer
# with UBSan, then ThreadSanitizer), then everything (fuzzing and install tests too) in
# the normal build, so the output ends with CTest's summary of the full suite.
#
# Usage: scripts/test.sh
# Env:   BUILD_DIR (default build), SANITIZERS (default "address;undefined thread";
#        "none" skips those passes), CTEST_ARGS (extra arguments for the final ctest)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=${BUILD_DIR:-build}
jobs=$(nproc)
sanitizers=${SANITIZERS:-"address;undefined thread"}

# The executables the unit and integration labels need.
test_targets=(otpcpp_term_tests otpcpp_protocol_tests otpcpp_runtime_tests otpcpp_integration_tests otpcpp_cli
              otpcpp_fuzz_replay)

if [ "$sanitizers" != none ]; then
    for san in $sanitizers; do
        dir="$build-san-${san//;/-}"
        echo "== tests under -fsanitize=${san//;/,} ($dir)"
        cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOTPCPP_SANITIZE="$san"
        cmake --build "$dir" -j "$jobs" --target "${test_targets[@]}"
        (cd "$dir" && ctest --output-on-failure -j "$jobs" -L "unit|integration")
    done
fi

echo "== all tests ($build)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOTPCPP_SANITIZE=
cmake --build "$build" -j "$jobs"
cd "$build"
# shellcheck disable=SC2086
ctest --output-on-failure -j "$jobs" ${CTEST_ARGS:-}
