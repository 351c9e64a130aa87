#!/usr/bin/env bash
# Regenerates the golden DOT files of tests/plot/golden from the build's selinonc, after an intended change to the
# drawing; review `git diff tests/plot/golden` before committing.
#
#   scripts/update-plot-golden.sh [BUILD_DIR]     (default: build)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
sets=$build/tests/plot/plot_golden_sets.txt
[ -f "$sets" ] || { echo "update-plot-golden: $sets is missing; configure and build $build first" >&2; exit 1; }
cmake --build "$build" --target selinonc
while read -r id files; do
  [ -n "$id" ] || continue
  cmake -DSELINONC="$build/compiler/selinonc" -DOUT="$build/tests/plot/golden/$id" \
        -DGOLDEN="$root/tests/plot/golden/$id" "-DFILES=$files" -DUPDATE=ON -P "$root/tests/plot/plot_golden.cmake"
  echo "updated tests/plot/golden/$id"
done < "$sets"
