#!/usr/bin/env bash
# Builds selinonc and bench_check in Release (build-release) and times `selinonc check` on the large configurations
# next to the bare yaml-cpp parser (the floor).
#
#   scripts/bench.sh [RUNS]     (default 7; prints every run, the medians and the ratio to the floor)
#
# Environment: SELINON_BUILD_LOCK (default /tmp/selinon-build.lock; builds share the machine, so they take turns).
set -euo pipefail

runs=${1:-7}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build-release
lock=${SELINON_BUILD_LOCK:-/tmp/selinon-build.lock}

flock "$lock" cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSELINON_BUILD_BENCH=ON \
  -DSELINON_FUZZ=OFF -DSELINON_SANITIZE=OFF >/dev/null
flock "$lock" cmake --build "$build" --target selinonc bench_check
"$build/tests/bench/bench_check" --runs "$runs"
