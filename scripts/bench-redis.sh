#!/usr/bin/env bash
# The Redis benchmark, run by `scripts/bench.sh redis` inside with_redis (which started a redis-server and set
# $SELINON_TEST_BROKER): the floor first, then the flows, then latency, all on that one server.
#   bench-redis.sh BUILD_DIR [bench_dispatch ARGS]
set -euo pipefail
build=$1
shift
url=$SELINON_TEST_BROKER
port=${url#redis://127.0.0.1:}
port=${port%%/*}

echo "# redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on 127.0.0.1:$port"
# The floor: what the server does with trivial commands from one client. Pipelined 16 deep (its best rate), and
# one at a time (the cost of a round trip, which no task can go below without batching).
floor() {  # name pipeline command...
  local name=$1 pipeline=$2
  shift 2
  local rate
  rate=$(redis-benchmark -p "$port" -n 200000 -P "$pipeline" -q "$@" | tr '\r' '\n' | grep 'requests per second' |
         tail -1 | sed 's/.*: \([0-9.]*\) requests per second.*/\1/')
  echo "floor redis-benchmark command=$name pipeline=$pipeline ops/s=${rate%.*}"
}
floor LPUSH 16 -t lpush
floor RPOP 16 -t rpop
floor XADD 16 XADD benchstream '*' f v
floor XADD 1 XADD benchstream '*' f v
redis-cli -p "$port" DEL benchstream mylist > /dev/null

# 4 threads per worker: a worker on Redis mostly waits for round trips, which its threads then share.
"$build/tests/bench/bench_dispatch" --backends redis --workers 1,2 --worker-threads 4 "$@"
"$build/tests/bench/bench_latency" --broker "$url" --workers 2 --flows 1000
