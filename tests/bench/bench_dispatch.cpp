// Dispatch benchmark: trivial (mocked) tasks through the in-process runtime, against a bare thread pool floor.
//
//   bench_dispatch [--threads N] [--scale X] [--repetitions R]
//
// Three flows (tests/bench/dispatch/*.yml): a 20-task chain, a 1 -> 100 -> 1 fan-out/join and a conditional
// diamond. Each is run K times at once on an InprocBroker served by N threads (no trace sinks); the floor is a
// mutex + condition-variable thread pool with the same N threads running as many empty closures as the flows ran
// tasks. dispatch overhead per task = (runtime wall time - floor wall time) / tasks, medians of R repetitions.
// Exits 1 when any flow did not succeed with exactly its expected tasks (the smoke test relies on that only).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <selinon/engine.hpp>
#include <selinon/backends/memory.hpp>
#include <selinon/mock.hpp>
#include <selinon/system.hpp>
#include <selinon/trace.hpp>

// The generated system.hpp files of the three configurations share one name, so their entry points are declared
// here instead of included.
namespace bench_chain {
const selinon::SystemDescriptor& system();
}
namespace bench_fanout {
const selinon::SystemDescriptor& system();
}
namespace bench_diamond {
const selinon::SystemDescriptor& system();
}

namespace {

using Clock = std::chrono::steady_clock;
using selinon::Json;

struct Scenario {
  std::string label;
  const selinon::SystemDescriptor& system;
  std::string flow;
  int flows;           // K at --scale 1
  int tasks_per_flow;  // every run must finish exactly these many task instances
  std::function<Json(int)> node_args;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Task instances a finished flow ran, from its outcome's finished_nodes ({name: [ids]}).
int finished_task_count(const Json& result) {
  int count = 0;
  auto it = result.find("finished_nodes");
  if (it == result.end() || !it->is_object()) return 0;
  for (const auto& [name, ids] : it->items()) count += ids.is_array() ? static_cast<int>(ids.size()) : 0;
  return count;
}

// K runs of the scenario's flow started at once; returns the wall time from the first start to the last end.
// Throws std::runtime_error when a run does not succeed with exactly the expected tasks.
double run_runtime(const Scenario& s, int flows, int threads) {
  selinon::MemoryBackend backend;
  selinon::EngineOptions options;
  options.task_source = std::make_shared<const selinon::MockScript>();  // empty script: every task returns null
  selinon::Engine engine(s.system, backend, std::make_shared<selinon::Tracer>(), std::move(options));
  std::atomic<bool> stop{false};
  std::thread server([&] { selinon::serve(engine, backend, engine.queues(), threads, stop); });
  // Let the workers reach consume() so thread start-up is not timed (the floor's pool is also started untimed).
  std::this_thread::sleep_for(std::chrono::milliseconds(20));

  std::string failure;
  const auto start = Clock::now();
  std::vector<std::string> ids;
  ids.reserve(static_cast<std::size_t>(flows));
  for (int k = 0; k < flows; ++k) ids.push_back(engine.start_flow(s.flow, s.node_args(k)));
  for (const auto& id : ids) {
    auto outcome = backend.wait_flow(id, std::chrono::seconds(120));
    if (!outcome || outcome->status != selinon::FlowState::Status::succeeded) {
      failure = "flow " + id + " did not succeed" + (outcome ? ": " + outcome->result.dump() : std::string());
      break;
    }
    int tasks = finished_task_count(outcome->result);
    if (tasks != s.tasks_per_flow) {
      failure = "flow " + id + " ran " + std::to_string(tasks) + " tasks, expected " +
                std::to_string(s.tasks_per_flow);
      break;
    }
  }
  const double elapsed = seconds_since(start);
  stop = true;
  backend.shutdown();
  server.join();
  if (!failure.empty()) throw std::runtime_error(s.label + ": " + failure);
  return elapsed;
}

// The floor: the least any runtime must spend to hand `closures` units of work to `threads` threads through one
// shared queue.
class ThreadPool {
 public:
  explicit ThreadPool(int threads) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& w : workers_) w.join();
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void submit(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    ready_.notify_one();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

double run_floor(long closures, int threads) {
  ThreadPool pool(threads);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::atomic<long> done{0};
  std::mutex mutex;
  std::condition_variable all_done;
  const auto start = Clock::now();
  for (long i = 0; i < closures; ++i) {
    pool.submit([&] {
      if (done.fetch_add(1) + 1 == closures) {
        std::lock_guard lock(mutex);
        all_done.notify_one();
      }
    });
  }
  {
    std::unique_lock lock(mutex);
    all_done.wait(lock, [&] { return done.load() == closures; });
  }
  return seconds_since(start);
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

struct Options {
  int threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  double scale = 1.0;
  int repetitions = 3;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--threads") o.threads = std::stoi(value());
    else if (arg == "--scale") o.scale = std::stod(value());
    else if (arg == "--repetitions") o.repetitions = std::stoi(value());
    else throw std::invalid_argument("unknown argument '" + arg + "' (use --threads N, --scale X, --repetitions R)");
  }
  if (o.threads < 1 || o.scale <= 0 || o.repetitions < 1) throw std::invalid_argument("values must be positive");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    options = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_dispatch: %s\n", e.what());
    return 2;
  }

  const std::vector<Scenario> scenarios = {
      {"chain (20 tasks)", bench_chain::system(), "chain", 2000, 20, [](int) { return Json::object(); }},
      {"fan-out 1->100->1", bench_fanout::system(), "fanout", 200, 102, [](int) { return Json::object(); }},
      // Alternate branches, so both conditional edges fire equally often.
      {"diamond (cond.)", bench_diamond::system(), "diamond", 5000, 3,
       [](int k) { return Json{{"branch", k % 2 ? "right" : "left"}}; }},
  };

  std::printf("bench_dispatch: %d threads, median of %d repetition(s)\n\n", options.threads, options.repetitions);
  std::printf("%-18s %7s %8s %11s %9s %11s %9s %15s\n", "scenario", "flows", "tasks", "runtime ms", "floor ms",
              "tasks/s", "flows/s", "overhead ns/task");
  int status = 0;
  for (const auto& s : scenarios) {
    const int flows = std::max(1, static_cast<int>(s.flows * options.scale));
    const long tasks = static_cast<long>(flows) * s.tasks_per_flow;
    std::vector<double> runtime_times, floor_times;
    try {
      for (int r = 0; r < options.repetitions; ++r) {
        runtime_times.push_back(run_runtime(s, flows, options.threads));
        floor_times.push_back(run_floor(tasks, options.threads));
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_dispatch: %s\n", e.what());
      status = 1;
      continue;
    }
    const double rt = median(runtime_times), fl = median(floor_times);
    std::printf("%-18s %7d %8ld %11.1f %9.1f %11.0f %9.0f %15.0f\n", s.label.c_str(), flows, tasks, rt * 1e3,
                fl * 1e3, static_cast<double>(tasks) / rt, flows / rt, (rt - fl) * 1e9 / static_cast<double>(tasks));
  }
  return status;
}
