#!/usr/bin/env bash
# Builds the libFuzzer targets in a separate clang build and fuzzes the ETF codec.
#
# Usage: fuzz/run_fuzz.sh <srcdir> <builddir> <seconds> [clang++] [cmake] [generator]
#
# The main build may use g++, which has no libFuzzer, so this configures its own
# build of otpcpp_term + the fuzz target in <builddir>/fuzz-build with clang,
# ASan + UBSan and coverage instrumentation, then runs the fuzzer for <seconds>
# on a fresh copy of the seed corpus (fuzz/corpus). Exits non-zero on any crash,
# sanitizer report, leak, timeout or out-of-memory; the reproducer lands in
# <builddir>/fuzz-work/artifacts/ (replay it with otpcpp_fuzz_replay <file>).
# Env: FUZZ_JOBS (build parallelism, default 2), FUZZ_EXTRA_ARGS (more libFuzzer flags),
#      FUZZ_CMAKE_ARGS (more configure arguments, e.g.
#      "-DOTPCPP_FUZZ_EXTRA_FLAGS=-fno-sanitize=alignment" to look past a known finding).
set -euo pipefail

if [ $# -lt 3 ]; then
    echo "usage: $0 <srcdir> <builddir> <seconds> [clang++] [cmake] [generator]" >&2
    exit 2
fi
src=$(cd "$1" && pwd)
mkdir -p "$2"
build=$(cd "$2" && pwd)
secs=$3
cxx=${4:-clang++}
cmake_bin=${5:-cmake}
generator=${6:-}
# The C compiler matters only for CMake's project() check, but keep it clang too.
cc=${cxx/clang++/clang}

fbuild=$build/fuzz-build
work=$build/fuzz-work
target=otpcpp_etf_roundtrip_fuzzer

gen_args=()
if [ -n "$generator" ]; then
    gen_args=(-G "$generator")
elif command -v ninja >/dev/null; then
    gen_args=(-G Ninja)
fi
# A build dir configured with another generator cannot be reused.
if [ -f "$fbuild/CMakeCache.txt" ] && [ ${#gen_args[@]} -gt 0 ] &&
    ! grep -q "^CMAKE_GENERATOR:INTERNAL=${gen_args[1]}\$" "$fbuild/CMakeCache.txt"; then
    rm -rf "$fbuild"
fi

echo "run_fuzz: configuring the clang fuzz build in $fbuild" >&2
# shellcheck disable=SC2086
# -O1 without NDEBUG: assertions stay on and the sanitizers see through most inlining.
"$cmake_bin" -S "$src" -B "$fbuild" "${gen_args[@]}" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DOTPCPP_BUILD_FUZZ=ON -DOTPCPP_BUILD_TESTS=OFF -DOTPCPP_BUILD_TOOLS=OFF \
    -DOTPCPP_SANITIZE="address;undefined" -DOTPCPP_FUZZ_EXTRA_FLAGS= ${FUZZ_CMAKE_ARGS:-} >"$build/fuzz-configure.log" 2>&1 || {
    cat "$build/fuzz-configure.log" >&2
    exit 1
}
echo "run_fuzz: building $target" >&2
"$cmake_bin" --build "$fbuild" --target "$target" -j "${FUZZ_JOBS:-2}" >"$build/fuzz-build.log" 2>&1 || {
    tail -n 60 "$build/fuzz-build.log" >&2
    exit 1
}

# A fresh copy each run: the seeds are never modified and every run starts alike.
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$src"/fuzz/corpus/* "$work/corpus/"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log=$work/fuzz.log
echo "run_fuzz: fuzzing for ${secs}s, log in $log" >&2
rc=0
# shellcheck disable=SC2086
"$fbuild/fuzz/$target" "$work/corpus" \
    -dict="$src/fuzz/etf.dict" \
    -max_total_time="$secs" -max_len=4096 -rss_limit_mb=2048 -timeout=25 \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
    ${FUZZ_EXTRA_ARGS:-} >"$log" 2>&1 || rc=$?

findings=$(find "$work/artifacts" -type f | wc -l)
if [ "$rc" -ne 0 ] || [ "$findings" -ne 0 ]; then
    tail -n 120 "$log" >&2
    echo "run_fuzz: FAILED (exit $rc, $findings artifact(s) in $work/artifacts)" >&2
    ls -l "$work/artifacts" >&2
    exit 1
fi
# The summary: corpus growth, coverage and speed.
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$log" >&2 || true
grep -E '^stat::' "$log" >&2 || true
echo "run_fuzz: OK, no findings in ${secs}s" >&2
