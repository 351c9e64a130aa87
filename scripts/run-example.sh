#!/usr/bin/env bash
# Builds everything and runs the dinner example: checks its configuration, then executes dinnerFlow in-process
# (the embedded default broker) with its C++ tasks and prints the live trace.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build-release -j "$(nproc)" --target selinonc dinner_worker
echo "== selinonc check examples/dinner"
build-release/compiler/selinonc check examples/dinner/nodes.yml examples/dinner/flows
echo "== dinner_worker execute dinnerFlow"
build-release/examples/dinner/dinner_worker execute dinnerFlow --node-args @examples/dinner/node_args.json
