#!/usr/bin/env bash
# Regenerates the pictures of the dinner flows shown in README.md (docs/images/*.svg) with the build's selinonc.
#
#   scripts/plot-readme.sh [BUILD_DIR]     (default: build-release, then build)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-}
if [ -z "$build" ]; then
  for b in "$root/build-release" "$root/build"; do [ -x "$b/compiler/selinonc" ] && build=$b && break; done
fi
[ -n "$build" ] && [ -x "$build/compiler/selinonc" ] || { echo "plot-readme: build selinonc first" >&2; exit 1; }
"$build/compiler/selinonc" plot "$root/examples/dinner/nodes.yml" "$root/examples/dinner/flows" \
  --format svg -o "$root/docs/images"
