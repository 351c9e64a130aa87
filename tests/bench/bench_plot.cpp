// bench_plot: times `selinonc plot` on the configuration Python Selinon's plot was measured on (one flow of 500 tasks
// and 1,000 edges: 1,500 vertices to lay out; Selinon 1.4: 91.9 s) for DOT only and for each way of laying it out.
//
//   bench_plot [--selinonc PATH] [--full]   (--full also times dot's full layout, which takes minutes)
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "large_config.hpp"
#include "run_process.hpp"

namespace {

namespace fs = std::filesystem;

// Wall seconds of one run, or a negative number when it failed (its output is then in `log`).
double timed_run(const std::vector<std::string>& argv, std::string& log) {
  auto started = std::chrono::steady_clock::now();
  auto result = selinon::testing::run_process(argv);
  log = result.out + result.err;
  if (result.exit_code != 0) return -1;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string selinonc = SELINONC_PATH;
  bool full = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--selinonc" && i + 1 < argc) {
      selinonc = argv[++i];
    } else if (a == "--full") {
      full = true;
    } else {
      fmt::print(stderr, "usage: bench_plot [--selinonc PATH] [--full]\n");
      return 2;
    }
  }
  fs::path dir = fs::temp_directory_path() / fmt::format("selinon-bench-plot-{}", getpid());
  selinon::bench::LargeConfigShape shape;
  shape.flows = 1;  // Selinon's measurement: every task and edge in one flow
  auto stats = selinon::bench::write_large_config(dir, shape);
  fmt::print("input: one flow of {} tasks and {} edges ({} with conditions)\n", stats.tasks, stats.edges,
             stats.conditions);
  fmt::print("floor: Python Selinon 1.4 `plot` (svg) on this configuration: 91.9 s\n");

  struct Case {
    std::string name;
    std::vector<std::string> args;
  };
  std::vector<Case> cases = {
      {"dot text only", {"--format", "dot"}},
      {"svg, default (fast layout above 400 vertices)", {"--format", "svg"}},
      {"svg, --layout sfdp", {"--format", "svg", "--layout", "sfdp"}},
  };
  if (full) cases.push_back({"svg, --fast-layout off (dot's full layout)", {"--format", "svg", "--fast-layout", "off"}});
  int failures = 0;
  for (const auto& c : cases) {
    std::vector<std::string> command = {selinonc, "plot", (dir / "nodes.yml").string(), (dir / "flows").string(),
                                        "-o", (dir / "out").string()};
    command.insert(command.end(), c.args.begin(), c.args.end());
    std::string log;
    double seconds = timed_run(command, log);
    if (seconds < 0) {
      fmt::print("bench plot {:<48} FAILED:\n{}\n", c.name, log);
      ++failures;
      continue;
    }
    fmt::print("bench plot {:<48} {:8.2f} s   (Selinon 91.9 s / this: {:.1f})\n", c.name, seconds, 91.9 / seconds);
  }
  fs::remove_all(dir);
  return failures == 0 ? 0 : 1;
}
