#!/usr/bin/env bash
# bench_table.sh [BUILD_DIR]
#
# The issue 7 table: the shared harness (../shared/bench) with the BEAM, jinterface,
# ei and otpcpp (blocking, async, with a 24 KiB receive buffer, and without spinning) in one interleaved
# run, every client's peak RSS recorded the same way (scripts/bench_rss.sh), then
# bigbin and pingpong again beside a raw loopback TCP transfer of the same bytes. Needs the anchors'
# dependencies (scripts/install-deps.sh --bench). Also prints the bench peer's CPU per
# message and the client's own CPU in the same runs (scripts/bench_rss.sh measures
# them). Environment: RUNS (default 3),
# WORKDIR (default a fresh temporary copy of the harness), OUT_DIR (default WORKDIR).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$here/build}" && pwd)"
B="$build/otpcpp"
[ -x "$B" ] || { echo "bench_table.sh: no $B (build the project first)" >&2; exit 2; }
shared="$here/../shared/bench"
[ -d "$shared" ] || { echo "bench_table.sh: no $shared" >&2; exit 2; }
work="${WORKDIR:-$(mktemp -d /tmp/otpcpp-bench.XXXXXX)}"
out="${OUT_DIR:-$work}"
mkdir -p "$work" "$out"
cp -r "$shared/." "$work/"
cd "$work"
[ -x build/ei_client ] || ./build.sh
rss="$here/scripts/bench_rss.sh"
jar=${OTP_JAR:-/usr/share/java/OtpErlang.jar}
export CLIENT_beam="$rss erl -noshell -pa $work/build -s beam_client main -extra"
export CLIENT_jinterface="$rss java -cp $work/build:$jar JinterfaceClient"
export CLIENT_ei="$rss $work/build/ei_client"
export CLIENT_otpcpp="$rss $B bench"
export CLIENT_otpcpp_async="$rss $B bench --async --rpc raw --impl otpcpp_async"
# The same client with a 24 KiB receive buffer (node_options::dist_recv_buffer).
export CLIENT_otpcpp_rb="$rss $B bench --recv-buffer 24576 --impl otpcpp_rb"
# The same client with threads that sleep at once when they wait (node_options::spin_wait 0).
export CLIENT_otpcpp_nospin="$rss $B bench --spin-wait 0 --impl otpcpp_nospin"
export CLIENT_rawtcp="$rss $B bench --raw-tcp"
RUNS=${RUNS:-3} ETF=0 IMPLS="beam jinterface ei otpcpp otpcpp_async otpcpp_rb otpcpp_nospin" \
    OUT="$out/results_full.jsonl" ./run_anchors.sh || true
RUNS=${RUNS:-3} ETF=0 WORKLOADS="bigbin pingpong" IMPLS="beam ei otpcpp otpcpp_async rawtcp" \
    OUT="$out/results_tcp.jsonl" ./run_anchors.sh || true
python3 summarize.py "$out/results_full.jsonl" --base ei
python3 summarize.py "$out/results_tcp.jsonl" --base rawtcp
# jq helpers: the median of f over a group, and a number to two decimals.
stats='def median(f): [.[] | f] | sort | .[length/2|floor]; def r2: . * 100 | round / 100;'
echo "peak RSS (kB), median per impl and workload:"
jq -rs "$stats"'group_by(.impl + " " + .workload)[] | select(.[0].peak_rss_kb != null)
        | "\(.[0].impl) \(.[0].workload) \(median(.peak_rss_kb))"' \
    "$out/results_full.jsonl"
# The peer's CPU in the same runs: a workload whose peer is busy for the whole run at
# the same CPU per message whoever the client is has reached the peer's ceiling.
echo "bench peer's CPU: median µs per message, and busy share (its CPU / the client's secs):"
jq -rs "$stats"'map(select(.ok == true and .peer_cpu_s != null and .secs > 0))
        | group_by(.impl + " " + .workload)[]
        | "\(.[0].impl) \(.[0].workload) \(median(.peer_cpu_s * 1e6 / .n) | r2) µs/msg busy \(median(.peer_cpu_s / .secs) | r2)"' \
    "$out/results_full.jsonl"
# The client's own CPU in the same runs (the whole process): bigbin's clients spend
# nearly all of theirs in the kernel's loopback TCP path, whoever they are.
echo "client's CPU: median µs per message user / system, and busy share (its CPU / its secs):"
jq -rs "$stats"'map(select(.ok == true and .client_user_s != null and .secs > 0))
        | group_by(.impl + " " + .workload)[]
        | "\(.[0].impl) \(.[0].workload) \(median(.client_user_s * 1e6 / .n) | r2) / \(median(.client_sys_s * 1e6 / .n) | r2) µs/msg busy \(median((.client_user_s + .client_sys_s) / .secs) | r2)"' \
    "$out/results_full.jsonl" "$out/results_tcp.jsonl"
echo "results in $out"
