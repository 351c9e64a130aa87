// bench_check: times `selinonc check` on two generated large configurations next to the floor, yaml-cpp's bare event
// parser (YAML::Parser + a no-op EventHandler) reading the same files, and prints the ratio.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "large_config.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;

struct Options {
  int runs = 7;
  std::string selinonc = SELINONC_PATH;
  std::string out;  // empty: a temporary directory, removed afterwards
  std::string self;  // this program, run with --parse-only as the floor
};

// Runs `argv` with stdout and stderr sent to `log`; returns the exit status (-1 when it could not run or was killed).
// `cpu_ms` gets the child's user + system time: on a shared machine it varies far less than the wall time.
int run(const std::vector<std::string>& argv, const fs::path& log, double* cpu_ms = nullptr) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) < 0 || !WIFEXITED(status)) return -1;
  auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
  if (cpu_ms) *cpu_ms = ms(usage.ru_utime) + ms(usage.ru_stime);
  return WEXITSTATUS(status);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool parse_args(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--runs") {
      options.runs = std::atoi(value().c_str());
      if (options.runs < 1) return false;
    } else if (a == "--selinonc") {
      options.selinonc = value();
    } else if (a == "--out") {
      options.out = value();
    } else {
      return false;
    }
  }
  return !options.selinonc.empty();
}

// The floor: what parsing alone costs, as a process like selinonc (`bench_check --parse-only FILE...`): start, read
// each whole file, parse it from memory, exit. The same parse timed inside this process, warm, is printed beside it.
class NoOpHandler : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

double parse_all_ms(const std::vector<std::string>& texts) {
  auto start = std::chrono::steady_clock::now();
  for (const auto& text : texts) {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    NoOpHandler handler;
    while (parser.HandleNextDocument(handler)) {
    }
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int parse_only(int argc, char** argv) {
  std::vector<std::string> texts;
  for (int i = 2; i < argc; ++i) texts.push_back(read_file(argv[i]));
  parse_all_ms(texts);
  return 0;
}

struct Result {
  double check_ms = 0;
  double floor_ms = 0;
  double warm_ms = 0;
  double check_cpu_ms = 0;  // user + system: on a shared machine it varies far less than the wall time
  double floor_cpu_ms = 0;
};

// Generates one configuration under `dir`, then times `selinonc check` on it and the bare parser on its files.
bool bench_one(const Options& options, const std::string& label, const selinon::bench::LargeConfigShape& shape,
               const fs::path& dir, Result& result) {
  auto stats = selinon::bench::write_large_config(dir, shape);
  fmt::print("{}: {} tasks, {} flows, {} edges ({} with conditions, {} sub-flow edges), {} failures; "
             "{} files, {} bytes in {}\n",
             label, stats.tasks, stats.flows, stats.edges, stats.conditions, stats.subflow_edges, stats.failures,
             stats.files, stats.bytes, dir.string());

  std::vector<std::string> command = {options.selinonc, "check", "--color", "never", (dir / "nodes.yml").string(),
                                      (dir / "flows").string()};
  fs::path log = dir / "selinonc.log";
  // An untimed first run checks the input is valid and warms the page cache for the timed ones.
  int status = run(command, log);
  std::string output = read_file(log);
  if (status != 0) {
    fmt::print(stderr, "bench_check: selinonc check exited with {} on the generated configuration:\n{}", status,
               output);
    return false;
  }
  fmt::print("check: exit 0{}\n", output.empty() ? ", no diagnostics" : ", diagnostics:\n" + output);

  std::vector<std::string> floor_command = {options.self, "--parse-only", (dir / "nodes.yml").string()};
  for (const auto& entry : fs::directory_iterator(dir / "flows")) floor_command.push_back(entry.path().string());
  std::vector<std::string> texts;
  for (std::size_t i = 2; i < floor_command.size(); ++i) texts.push_back(read_file(floor_command[i]));
  std::vector<double> ms;
  std::vector<double> cpu;
  std::vector<double> floor;
  std::vector<double> warm;
  std::vector<double> floor_cpu;
  for (int i = 0; i < options.runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    double cpu_ms = 0;
    status = run(command, log, &cpu_ms);
    auto end = std::chrono::steady_clock::now();
    if (status != 0) {
      fmt::print(stderr, "bench_check: run {} exited with {}\n", i + 1, status);
      return false;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    cpu.push_back(cpu_ms);
    start = std::chrono::steady_clock::now();
    double floor_cpu_ms = 0;
    if (run(floor_command, log, &floor_cpu_ms) != 0) {
      fmt::print(stderr, "bench_check: the parser floor failed on run {}\n", i + 1);
      return false;
    }
    floor.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    floor_cpu.push_back(floor_cpu_ms);
    warm.push_back(parse_all_ms(texts));
    fmt::print("run {}: {:.1f} ms (cpu {:.1f} ms), parser floor {:.1f} ms (in-process, warm: {:.1f} ms)\n", i + 1,
               ms.back(), cpu_ms, floor.back(), warm.back());
  }
  auto [min, max] = std::minmax_element(ms.begin(), ms.end());
  result.check_ms = median(ms);
  result.floor_ms = median(floor);
  result.warm_ms = median(warm);
  result.check_cpu_ms = median(cpu);
  result.floor_cpu_ms = median(floor_cpu);
  fmt::print("selinonc check over {} runs: median {:.1f} ms, min {:.1f} ms, max {:.1f} ms (median cpu {:.1f} ms)\n",
             ms.size(), result.check_ms, *min, *max, median(cpu));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--parse-only") return parse_only(argc, argv);
  Options options;
  options.self = fs::read_symlink("/proc/self/exe").string();
  if (!parse_args(argc, argv, options)) {
    fmt::print(stderr, "usage: bench_check [--runs N (default 7)] [--selinonc PATH] [--out DIR]\n       bench_check --parse-only FILE...\n");
    return 2;
  }
  bool temporary = options.out.empty();
  fs::path dir = temporary ? fs::temp_directory_path() / fmt::format("selinon-bench-{}", getpid()) : fs::path(options.out);
  // One big flow (long edge lists, one file) and many flows (many files, a big nodes file).
  std::vector<std::pair<std::string, selinon::bench::LargeConfigShape>> shapes = {
      {"one-flow", {500, 1, 1000, 5, 0x5e1170}},
      {"fifty-flows", {2500, 50, 5000, 5, 0x5e1170}},
  };
  std::vector<Result> results(shapes.size());
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (!bench_one(options, shapes[i].first, shapes[i].second, dir / shapes[i].first, results[i])) return 1;
  }
  fmt::print("\nmedians: selinonc check vs. the bare yaml-cpp event parser on the same files\n");
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const auto& shape = shapes[i].second;
    const Result& r = results[i];
    fmt::print("  {:<12} {:>5} tasks {:>3} flows: check {:7.1f} ms, parser floor {:7.1f} ms, ratio {:.2f}x; "
               "cpu {:.1f} / {:.1f} ms, ratio {:.2f}x; in-process parse {:.1f} ms\n",
               shapes[i].first, shape.tasks, shape.flows, r.check_ms, r.floor_ms, r.check_ms / r.floor_ms,
               r.check_cpu_ms, r.floor_cpu_ms, r.check_cpu_ms / r.floor_cpu_ms, r.warm_ms);
  }
  if (temporary) fs::remove_all(dir);
  return 0;
}
