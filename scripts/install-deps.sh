#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, only those that are missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  clang libclang-rt-14-dev            # libFuzzer and the sanitizer runtimes
  libyaml-cpp-dev libfmt-dev libcli11-dev libboost-graph-dev doctest-dev nlohmann-json3-dev
  libsqlite3-dev                      # the sqlite backend
  libhiredis-dev redis-server redis-tools  # the redis backend; its tests and benchmarks start their own server
  graphviz libgraphviz-dev            # libgvc: selinonc plot renders SVG/PNG/PDF in-process
  libcurl4-openssl-dev                # the httpStatus predicate's HEAD request
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}"
