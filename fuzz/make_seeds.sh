#!/usr/bin/env bash
# Regenerates the fuzz seed corpus (fuzz/corpus/*.etf) with this machine's erl.
# Usage: fuzz/make_seeds.sh [outdir]   (default: fuzz/corpus beside this script)
# Local pids, refs and ports depend on the run, so the seeds' bytes differ slightly
# between regenerations; that is fine for seeds. Files named regress_* are fuzzer
# findings kept as regression inputs; they are not regenerated and stay.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/corpus}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
erlc -o "$work" "$here/make_seeds.erl"
mkdir -p "$out"
find "$out" -maxdepth 1 -name '*.etf' ! -name 'regress_*' -delete
erl -noshell -pa "$work" -run make_seeds main "$out"
