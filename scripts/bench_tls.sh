#!/usr/bin/env bash
# bench_tls.sh: the shared bench harness over TLS. Makes a throwaway CA and a node
# certificate for this host (openssl), writes one -ssl_dist_optfile, and runs
# ../shared/bench/run_anchors.sh with the peer, the BEAM client and `otpcpp bench` all on
# `-proto_dist inet_tls` (jinterface and ei cannot speak TLS distribution). Plain-TCP
# runs of the same clients go in the same interleaved run for reference.
#
#   scripts/bench_tls.sh [BUILD_DIR]      (default build-rel, then build)
# Knobs: RUNS (default 3), WORKLOADS, BENCH_SRC (default ../shared/bench), OUT.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-}"
if [ -z "$build" ]; then
    for b in build-rel build; do [ -x "$root/$b/otpcpp" ] && { build="$root/$b"; break; }; done
fi
[ -x "${build:-}/otpcpp" ] || { echo "bench_tls.sh: no otpcpp binary (build first)" >&2; exit 2; }
src="${BENCH_SRC:-$root/../shared/bench}"
work="$(mktemp -d /tmp/otpcpp-bench-tls.XXXXXX)"
trap 'rm -rf "$work/pki"' EXIT
cp -r "$src" "$work/bench"
pki="$work/pki"
mkdir -p "$pki"
host="$(hostname -s)"

# A CA and one node certificate (both EKUs: a node dials and accepts), EC P-256.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=otpcpp bench CA" -keyout "$pki/ca.key" -out "$pki/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$host" \
    -keyout "$pki/node.key" -out "$pki/node.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' \
    "$host" >"$pki/ext.cnf"
openssl x509 -req -in "$pki/node.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
    -CAcreateserial -days 2 -extfile "$pki/ext.cnf" -out "$pki/node.pem" 2>/dev/null
conf="$pki/dist_tls.conf"
cat >"$conf" <<EOF
[{server, [{certfile, "$pki/node.pem"}, {keyfile, "$pki/node.key"},
           {cacertfile, "$pki/ca.pem"}, {verify, verify_peer},
           {fail_if_no_peer_cert, true}]},
 {client, [{certfile, "$pki/node.pem"}, {keyfile, "$pki/node.key"},
           {cacertfile, "$pki/ca.pem"}, {verify, verify_peer}]}].
EOF

cd "$work/bench"
[ -d build ] || ./build.sh >/dev/null
tls="-proto_dist inet_tls -ssl_dist_optfile $conf"
export PEER_ERL_FLAGS="$tls"
export CLIENT_beamtls="erl -noshell $tls -pa $work/bench/build -s beam_client main -extra"
export CLIENT_otpcpptls="$build/otpcpp bench --impl otpcpptls --tls $conf"
export IMPLS="beamtls otpcpptls"
# 1 MiB echoes run at tens of MB/s over OTP's TLS: fewer of them, so a run fits the
# harness's 300 s per client.
export N_beamtls_bigbin="${N_beamtls_bigbin:-2000}" N_otpcpptls_bigbin="${N_otpcpptls_bigbin:-2000}"
export ETF=0 NOBUILD=1 RUNS="${RUNS:-3}"
export OUT="${OUT:-$work/results_tls.jsonl}"
echo "bench_tls.sh: results in $OUT" >&2
./run_anchors.sh
