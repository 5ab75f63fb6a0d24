#!/usr/bin/env bash
# bench_rss.sh CMD [ARGS...]
#
# Runs one client of the shared benchmark (../shared/bench) and adds its peak RSS to
# the JSON line it prints, as "peak_rss_kb" (GNU time's maximum resident set size of
# the client process), so that the BEAM's, the JVM's, ei's and otpcpp's memory are
# measured the same way in one run. Used as the harness's CLIENT_<impl>, e.g.
#   CLIENT_beam="scripts/bench_rss.sh erl -noshell -pa $BENCH/build -s beam_client main -extra"
# (scripts/bench_table.sh sets all of them). The exit status is the client's.
set -uo pipefail
[ $# -ge 1 ] || { echo "usage: bench_rss.sh CMD [ARGS...]" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench_rss.sh: jq is needed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_rss.sh: GNU time (/usr/bin/time) is needed" >&2; exit 2; }
rss=$(mktemp)
out=$(mktemp)
trap 'rm -f "$rss" "$out"' EXIT
/usr/bin/time -f %M -o "$rss" "$@" >"$out"
status=$?
kb=$(tail -1 "$rss")
while IFS= read -r line; do
    if [[ $line == \{* ]] && [[ $kb =~ ^[0-9]+$ ]]; then
        echo "$line" | jq -c --argjson kb "$kb" '. + {peak_rss_kb: $kb}'
    else
        echo "$line"
    fi
done <"$out"
exit $status
