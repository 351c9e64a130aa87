#!/usr/bin/env bash
# Regenerates the golden files of the emitted C++ (tests/golden/) after an intended change to the emitter.
# Usage: scripts/update-golden.sh [BUILD_DIR]   (default: build, configured as scripts/run-tests.sh does)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
if [ ! -f "$build/CTestTestfile.cmake" ]; then
  echo "update-golden: $build is not a configured build directory (cmake -S . -B $build -G Ninja)" >&2
  exit 1
fi
cmake --build "$build" --target selinonc
# The golden tests themselves write the files, so they are generated exactly as the tests compare them.
(cd "$build" && SELINON_UPDATE_GOLDEN=1 ctest -R '^golden/' --output-on-failure)
git status --short tests/golden
