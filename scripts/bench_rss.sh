#!/usr/bin/env bash
# bench_rss.sh CMD [ARGS...]
#
# Runs one client of the shared benchmark (../shared/bench) and adds its peak RSS to
# the JSON line it prints, as "peak_rss_kb" (GNU time's maximum resident set size of
# the client process), so that the BEAM's, the JVM's, ei's and otpcpp's memory are
# measured the same way in one run. Used as the harness's CLIENT_<impl>, e.g.
#   CLIENT_beam="scripts/bench_rss.sh erl -noshell -pa $BENCH/build -s beam_client main -extra"
# (scripts/bench_table.sh sets all of them). The exit status is the client's.
#
# It also adds "peer_cpu_s", the CPU time (user + system) the bench peer's BEAM used
# while the client ran, when exactly one BEAM runs with -sname $BENCH_PEER_NAME
# (default benchpeer): divided by "secs" it shows whether the peer, not the client,
# was the limit in that very run. And "client_user_s" and "client_sys_s", the client
# process's own CPU time (all of it, start-up included): a client busy for the whole
# run, most of it in the kernel, is at the machine's ceiling rather than its own.
set -uo pipefail
[ $# -ge 1 ] || { echo "usage: bench_rss.sh CMD [ARGS...]" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench_rss.sh: jq is needed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_rss.sh: GNU time (/usr/bin/time) is needed" >&2; exit 2; }
peer_cpu_ticks() { # pid: utime + stime, from the fields after the command's ")"
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    echo "${stat##*) }" | awk '{print $12 + $13}'
}
peer=$(pgrep -f -- "beam.*-sname ${BENCH_PEER_NAME:-benchpeer}( |$)" || true)
[[ $peer =~ ^[0-9]+$ ]] || peer=""
before=""
[ -n "$peer" ] && before=$(peer_cpu_ticks "$peer")
rss=$(mktemp)
out=$(mktemp)
trap 'rm -f "$rss" "$out"' EXIT
/usr/bin/time -f "%M %U %S" -o "$rss" "$@" >"$out"
status=$?
read -r kb user sys < <(tail -1 "$rss")
cpu=null
if [ -n "$before" ] && after=$(peer_cpu_ticks "$peer"); then
    cpu=$(awk -v a="$after" -v b="$before" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", (a - b) / hz}')
fi
while IFS= read -r line; do
    if [[ $line == \{* ]] && [[ $kb =~ ^[0-9]+$ ]]; then
        echo "$line" | jq -c --argjson kb "$kb" --argjson cpu "$cpu" --argjson u "${user:-null}" \
            --argjson s "${sys:-null}" \
            '. + {peak_rss_kb: $kb} + (if $cpu == null then {} else {peer_cpu_s: $cpu} end)
               + (if $u == null then {} else {client_user_s: $u, client_sys_s: $s} end)'
    else
        echo "$line"
    fi
done <"$out"
exit $status
