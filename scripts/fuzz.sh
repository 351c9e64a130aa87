#!/usr/bin/env bash
# Builds the libFuzzer target in build-fuzz and fuzzes the front end for SECONDS (default 60); fails on any finding.
#
#   scripts/fuzz.sh [SECONDS]
#
# Environment: SELINON_CONFORMANCE_DIR (default ../shared/conformance beside the repository), SELINON_BUILD_LOCK
# (default /tmp/selinon-build.lock; builds share the machine, so they take turns), FUZZ_MAX_LEN (default 8192).
set -euo pipefail

seconds=${1:-60}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build-fuzz
lock=${SELINON_BUILD_LOCK:-/tmp/selinon-build.lock}
conformance=${SELINON_CONFORMANCE_DIR:-$root/../shared/conformance}
seeds=$root/tests/fuzz/seeds
dict=$root/tests/fuzz/yaml.dict
fuzzer=$build/tests/fuzz/fuzz_frontend

CC=${CC:-clang} CXX=${CXX:-clang++} flock "$lock" cmake -S "$root" -B "$build" -G Ninja -DSELINON_FUZZ=ON \
  -DSELINON_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
flock "$lock" cmake --build "$build" --target fuzz_frontend

# A fresh working corpus every run (build-fuzz is never tracked): conformance configurations, the check cases and
# the committed seeds.
corpus=$build/corpus
artifacts=$build/fuzz-artifacts
rm -rf "$corpus" "$artifacts"
mkdir -p "$corpus" "$artifacts"
copy_yaml() {  # DIR PREFIX: flattens paths into file names so sets with equal names do not overwrite each other
  local dir=$1 prefix=$2 file rel
  while IFS= read -r -d '' file; do
    rel=${file#"$dir"/}
    cp "$file" "$corpus/$prefix-${rel//\//_}"
  done < <(find "$dir" -type f \( -name '*.yml' -o -name '*.yaml' \) -print0)
}
if [ -d "$conformance" ]; then
  copy_yaml "$conformance" conformance
else
  echo "fuzz.sh: warning: no conformance corpus at $conformance; fuzzing from the committed seeds only" >&2
fi
[ -d "$root/tests/check/cases" ] && copy_yaml "$root/tests/check/cases" check
copy_yaml "$seeds" seed
echo "fuzz.sh: corpus of $(find "$corpus" -type f | wc -l) files in $corpus"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
# UBSan only prints and carries on by default; a finding must stop the run like a crash does.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

report() {  # prints every input libFuzzer saved as a finding; true when there was one
  local found=1 f
  for f in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
    [ -e "$f" ] || continue
    echo "fuzz.sh: FAILING INPUT: $f" >&2
    found=0
  done
  return $found
}

# Regression pass: every committed seed once at full size (some are larger than the fuzzing max_len on purpose).
echo "fuzz.sh: running the committed seeds once"
if ! "$fuzzer" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/" "$seeds"/* >"$build/fuzz-seeds.log" 2>&1; then
  tail -n 60 "$build/fuzz-seeds.log" >&2
  report || true
  echo "fuzz.sh: a committed seed fails; the failing input is named above (full log: $build/fuzz-seeds.log)" >&2
  exit 1
fi

echo "fuzz.sh: fuzzing for ${seconds}s (log: $build/fuzz.log)"
status=0
"$fuzzer" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="${FUZZ_MAX_LEN:-8192}" \
  -dict="$dict" -artifact_prefix="$artifacts/" -print_final_stats=1 >"$build/fuzz.log" 2>&1 || status=$?
grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|stat::new_units_added)' \
  "$build/fuzz.log" || true
grep -E '^#[0-9]+[[:space:]]+DONE' "$build/fuzz.log" || true
if report || [ "$status" -ne 0 ]; then
  tail -n 80 "$build/fuzz.log" >&2
  echo "fuzz.sh: FAILED (fuzzer exit status $status); reproduce with: $fuzzer <input>" >&2
  exit 1
fi
echo "fuzz.sh: no crash, leak or timeout in ${seconds}s"
