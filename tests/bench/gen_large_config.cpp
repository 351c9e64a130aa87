// gen_large_config OUTDIR: writes the benchmark configuration (nodes.yml + flows/) and prints its size.
#include <fmt/format.h>

#include <exception>

#include "large_config.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: gen_large_config OUTDIR\n");
    return 2;
  }
  try {
    auto stats = selinon::bench::write_large_config(argv[1]);
    fmt::print("tasks={} flows={} edges={} conditions={} subflow_edges={} failures={} files={} bytes={}\n",
               stats.tasks, stats.flows, stats.edges, stats.conditions, stats.subflow_edges, stats.failures,
               stats.files, stats.bytes);
  } catch (const std::exception& e) {
    fmt::print(stderr, "gen_large_config: {}\n", e.what());
    return 1;
  }
  return 0;
}
