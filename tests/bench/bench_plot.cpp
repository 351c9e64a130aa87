// bench_plot: times `selinonc plot` on the configuration Python Selinon's plot was measured on (one flow of 500 tasks
// and 1,000 edges: 1,500 vertices to lay out; Selinon 1.4: 91.9 s) for DOT only and for each way of laying it out.
//
//   bench_plot [--selinonc PATH] [--full]   (--full also times dot's full layout, which takes minutes)
#include <sys/resource.h>
#include <sys/wait.h>
#include <spawn.h>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "large_config.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;

// Wall seconds of one run (output to `log`), or a negative number when it failed.
double timed_run(const std::vector<std::string>& argv, const fs::path& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  auto started = std::chrono::steady_clock::now();
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
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
    double seconds = timed_run(command, dir / "log.txt");
    if (seconds < 0) {
      fmt::print("bench plot {:<48} FAILED (see {})\n", c.name, (dir / "log.txt").string());
      ++failures;
      continue;
    }
    fmt::print("bench plot {:<48} {:8.2f} s   (Selinon 91.9 s / this: {:.1f})\n", c.name, seconds, 91.9 / seconds);
  }
  if (failures == 0) fs::remove_all(dir);
  return failures == 0 ? 0 : 1;
}
