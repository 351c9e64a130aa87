// Foreach scaling: `worker execute fan` over 10k / 50k / 100k items (each task receives the flow's node_args, which
// hold every item), in a child process each, printing wall time and peak memory per size.
//
//   foreach_scaling --worker PATH [--sizes 10000,50000,100000] [--trace text|none] [--check]
//
// --check fails (exit 1) when time or memory grows clearly faster than the number of items: from the smallest to
// the largest size, the per-item cost may at most triple (quadratic growth would multiply it by the size ratio).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Run {
  long items = 0;
  double seconds = 0;
  double rss_mb = 0;
  int status = 0;
};

Run run(const std::string& worker, long items, const std::string& trace) {
  std::string args = "/tmp/selinon-foreach-" + std::to_string(::getpid()) + ".json";
  {
    std::ofstream out(args);
    out << "{\"items\": [";
    for (long i = 0; i < items; ++i) out << (i ? "," : "") << i;
    out << "]}";
  }
  std::fflush(stdout);  // the child must not print this process's buffered lines again
  auto begin = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    std::string at = "@" + args;
    ::execl(worker.c_str(), worker.c_str(), "execute", "fan", "--node-args", at.c_str(), "--trace", trace.c_str(),
            "-c", "2", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  Run r;
  r.items = items;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  r.rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::remove(args.c_str());
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::string worker, trace = "text";
  std::vector<long> sizes = {10000, 50000, 100000};
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--worker" && i + 1 < argc) worker = argv[++i];
    else if (arg == "--trace" && i + 1 < argc) trace = argv[++i];
    else if (arg == "--check") check = true;
    else if (arg == "--sizes" && i + 1 < argc) {
      sizes.clear();
      std::stringstream list(argv[++i]);
      for (std::string item; std::getline(list, item, ',');) sizes.push_back(std::atol(item.c_str()));
    } else {
      std::cerr << "usage: foreach_scaling --worker PATH [--sizes A,B,C] [--trace text|none] [--check]\n";
      return 2;
    }
  }
  std::vector<Run> runs;
  for (long n : sizes) {
    Run r = run(worker, n, trace);
    std::printf("foreach items=%ld tasks=%ld seconds=%.2f max_rss_mb=%.1f us/task=%.2f kb/task=%.2f%s\n", n, 2 * n,
                r.seconds, r.rss_mb, r.seconds * 1e6 / static_cast<double>(2 * n), r.rss_mb * 1024 / static_cast<double>(2 * n),
                r.status == 0 ? "" : " FAILED");
    if (r.status != 0) return 1;
    runs.push_back(r);
  }
  if (!check || runs.size() < 2) return 0;
  const Run& small = runs.front();
  const Run& large = runs.back();
  const double scale = static_cast<double>(large.items) / static_cast<double>(small.items);
  const double time_growth = large.seconds / small.seconds;
  const double memory_growth = large.rss_mb / small.rss_mb;
  std::printf("growth for %.0fx the items: time %.1fx, memory %.1fx (linear: <= %.0fx allowed; quadratic: %.0fx)\n",
              scale, time_growth, memory_growth, 3 * scale, scale * scale);
  bool linear = time_growth <= 3 * scale && memory_growth <= 3 * scale;
  std::puts(linear ? "foreach scaling is linear" : "foreach scaling is NOT linear");
  return linear ? 0 : 1;
}
