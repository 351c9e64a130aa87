#!/usr/bin/env bash
# Builds everything and runs the dinner example: checks its configuration with selinonc.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)"
echo "== selinonc check examples/dinner"
build/compiler/selinonc check examples/dinner/nodes.yml examples/dinner/flows
echo "== selinonc inspect --list-queues"
build/compiler/selinonc inspect examples/dinner/nodes.yml examples/dinner/flows --list-queues
