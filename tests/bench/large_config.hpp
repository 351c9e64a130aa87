// Deterministic generator of a large, valid Selinon configuration (nodes.yml + flows/*.yml) for benchmarks and tests.
#pragma once

#include <cstdint>
#include <filesystem>

namespace selinon::bench {

// What to generate. Tasks and edges are split evenly over the flows; each flow owns its own tasks, so every task is
// used exactly once and the checker has no unused-task warning to give.
struct LargeConfigShape {
  int tasks = 500;
  int flows = 50;
  int edges = 1000;
  int storages = 5;
  std::uint64_t seed = 0x5e1170;
};

struct LargeConfigStats {
  int tasks = 0;
  int flows = 0;
  int edges = 0;
  int conditions = 0;      // edges with a condition
  int subflow_edges = 0;   // edges that start a sub-flow or wait for one
  int failures = 0;
  int files = 0;
  std::uintmax_t bytes = 0;
};

// Writes `dir`/nodes.yml and `dir`/flows/flow_NN.yml (directories created, old files replaced). Same shape, same
// bytes. Throws std::invalid_argument for a shape that cannot be made valid, std::runtime_error on I/O errors.
LargeConfigStats write_large_config(const std::filesystem::path& dir, const LargeConfigShape& shape = {});

}  // namespace selinon::bench
