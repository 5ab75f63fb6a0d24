#!/usr/bin/env bash
# Installs every Debian 12 package otpcpp needs to build and test; idempotent.
# Usage: scripts/install-deps.sh [--bench] [--docs]
#   --bench  also what ../shared/bench needs (erlang-dev, jinterface, a JDK, jq)
#   --docs   also OTP's own HTML docs and sources (erlang-doc, erlang-src)
set -euo pipefail

packages=(
    g++ cmake ninja-build pkg-config git
    libboost-dev libssl-dev zlib1g-dev libspdlog-dev libfmt-dev
    libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev
    erlang-nox clang libclang-rt-14-dev clang-format procps
)
for arg in "$@"; do
    case $arg in
        --bench) packages+=(erlang-dev erlang-jinterface default-jdk-headless jq python3 gcc) ;;
        --docs) packages+=(erlang-doc erlang-src) ;;
        *) echo "install-deps.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps.sh: all ${#packages[@]} packages already installed" >&2
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
echo "install-deps.sh: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
