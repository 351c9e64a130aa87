#!/usr/bin/env bash
# The whole test suite, as CI runs it: a -Werror build with ctest, the same tests under ASan+UBSan, then a
# bounded libFuzzer run of the front end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc)
# Many tests wait (on timers, on worker processes, on servers starting): one more test than cores keeps both busy.
test_jobs=$((jobs + 1))
echo "== build (-Wall -Wextra -Werror) and test"
# No debug info in the -Werror build (it would only slow the compile); line tables for sanitizer stack traces.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0" -DSELINON_WERROR=ON
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure -j "$test_jobs")

echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer and test"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" -DSELINON_WERROR=ON \
      -DSELINON_SANITIZE=ON \
      -DSELINON_BUILD_BENCH=OFF
cmake --build build-asan -j "$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest --output-on-failure -j "$test_jobs")

if [ -x scripts/fuzz.sh ]; then
  echo "== fuzz the front end for ${SELINON_FUZZ_SECONDS:-60} s"
  scripts/fuzz.sh "${SELINON_FUZZ_SECONDS:-60}"
fi
