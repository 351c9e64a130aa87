#!/usr/bin/env bash
# Benchmarks in a Release build (build-release), each printing its figures next to a floor measured in the same run:
#
#   scripts/bench.sh [check] [RUNS]   `selinonc check` on the large configurations beside the bare yaml-cpp parser
#                                     (default 7 runs; every run, the medians and the ratio to the floor)
#   scripts/bench.sh plot [--full]    `selinonc plot` of Selinon's 500-task/1,000-edge flow (Selinon: 91.9 s);
#                                     --full also times dot's full layout (minutes)
#   scripts/bench.sh dispatch [ARGS]  the shared benchmark flows through the runtime on the memory and SQLite
#                                     backends beside a bare thread pool (ARGS go to bench_dispatch,
#                                     e.g. --flows chain20 --backends memory --scale 0.1)
#   scripts/bench.sh foreach [ARGS]   `worker execute` of a foreach over 10k / 50k / 100k items: time and memory
#   scripts/bench.sh redis [ARGS]     on one redis-server it starts: redis-benchmark's rates as the floor, the shared
#                                     flows with 1 and 2 worker processes (commands and round trips per task), and
#                                     the latency of a 3-task chain (ARGS go to bench_dispatch)
#
# Environment: SELINON_BUILD_LOCK (default /tmp/selinon-build.lock; builds share the machine, so they take turns).
set -euo pipefail

mode=check
case "${1:-}" in
  check|plot|dispatch|foreach|redis) mode=$1; shift ;;
esac
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build-release
lock=${SELINON_BUILD_LOCK:-/tmp/selinon-build.lock}

flock "$lock" cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSELINON_BUILD_BENCH=ON \
  -DSELINON_FUZZ=OFF -DSELINON_SANITIZE=OFF >/dev/null
case "$mode" in
  check)
    flock "$lock" cmake --build "$build" --target selinonc bench_check
    "$build/tests/bench/bench_check" --runs "${1:-7}"
    ;;
  plot)
    flock "$lock" cmake --build "$build" --target selinonc bench_plot
    "$build/tests/bench/bench_plot" "$@"
    ;;
  dispatch)
    flock "$lock" cmake --build "$build" --target bench_dispatch
    "$build/tests/bench/bench_dispatch" "$@"
    ;;
  redis)
    flock "$lock" cmake --build "$build" --target bench_dispatch bench_latency with_redis
    "$build/tests/worker/with_redis" bash "$root/scripts/bench-redis.sh" "$build" "$@"
    ;;
  foreach)
    flock "$lock" cmake --build "$build" --target foreach_worker foreach_scaling
    "$build/tests/bench/foreach_scaling" --worker "$build/tests/bench/foreach_worker" --check "$@"
    ;;
esac
