// Dispatch benchmark: the flows Python Selinon was measured on (tests/bench/selinon_bench, copies of the shared
// benchmark flows) with their trivial C++ tasks, through the engine on each backend, beside a bare thread pool.
//
//   bench_dispatch [--flows a,b] [--backends memory,sqlite,redis] [--threads 1,2] [--workers 1,2] [--scale X]
//                  [--repetitions R] [--redis-url URL] [--worker-threads T]
//
// Each flow is started K times at once from this process (Engine::start_flow); the clock runs from the first start
// until the backend is idle (the last run ended), and every run's record is checked after that.
//   memory: the engine and `serve` with T threads in this process.
//   sqlite: N processes of bench_worker (`run --broker sqlite://PATH -c 1`) on a fresh database file; this process
//           only starts the runs and waits.
//   redis:  the same with `--broker URL?prefix=<fresh> -c T` (T: --worker-threads, 1 by default) on the server of
//           --redis-url (default $SELINON_TEST_BROKER,
//           which with_redis sets); besides, the server's commands (INFO commandstats, scripts' inner commands
//           included) and the workers' round trips while they worked (claims that found nothing left out) per task.
// The floor hands as many empty closures to T threads through one shared queue (dispatch_floor.hpp). Overhead per
// task = runtime seconds per task - floor seconds per task, with as many threads in all (workers x threads).
// Figures are medians of R repetitions. One line per figure, for scripts:
//
//   floor <flow> threads=<T> tasks=<N> tasks/s=<X>
//   bench <flow> backend=<memory|sqlite> workers=<N> threads=<T> flows=<N> tasks=<N> tasks/s=<X> flows/s=<Y>
//   overhead <flow> backend=<memory|sqlite> workers=<N> threads=<T> us/task=<Z>
//   redis <flow> workers=<N> commands/task=<C> round_trips/task=<R>
//
// Exits 1 when any run did not succeed with exactly its expected tasks (the smoke test relies on that only).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <selinon/backends/memory.hpp>
#include <selinon/engine.hpp>
#include <selinon/storages/memory.hpp>

#include "dispatch_floor.hpp"
#include "system.hpp"
#include "worker_processes.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using selinon::Json;

struct Case {
  std::string flow;
  int memory_flows;    // K at --scale 1, about 40,000 tasks each
  int sqlite_flows;    // K at --scale 1 on SQLite: a tenth
  int tasks_per_flow;  // every run must finish exactly these many task instances (sub-flows' tasks included)
  Json node_args;
  // Tasks or conditions read stored results: InMemoryStorage keeps them in the process that ran the task, so the
  // runs only work with every task in one process.
  bool reads_results = false;
};

// The cases of the shared README: node_args and tasks per flow.
std::vector<Case> all_cases() {
  return {
      {"chain20", 2000, 200, 20, nullptr},
      {"fanout20", 1800, 180, 22, nullptr},
      {"fanout100", 400, 40, 102, nullptr},
      {"diamond", 8000, 800, 5, {{"kind", "both"}, {"tag", 1}}, true},
      {"subflow_outer", 6000, 600, 7, {{"x", 1}}},
      {"loop", 3300, 330, 12, {{"iterations", 10}}, true},
  };
}

enum class BackendKind { memory, sqlite, redis };

struct Config {
  BackendKind backend;
  int workers;  // processes
  int threads;  // per process
  const char* name() const {
    return backend == BackendKind::memory ? "memory" : backend == BackendKind::sqlite ? "sqlite" : "redis";
  }
};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Task instances a finished run executed, from its result ({finished_nodes: {name: [ids]}, subflows: {id: result}}):
// an id of a sub-flow counts the tasks of that sub-flow's own result.
int finished_task_count(const Json& result) {
  const auto nodes = result.find("finished_nodes");
  if (nodes == result.end() || !nodes->is_object()) return 0;
  const auto subflows = result.find("subflows");
  int count = 0;
  for (const auto& [name, ids] : nodes->items()) {
    if (!ids.is_array()) continue;
    for (const auto& id : ids) {
      if (subflows != result.end() && id.is_string() && subflows->contains(id.get<std::string>())) {
        count += finished_task_count((*subflows)[id.get<std::string>()]);
      } else {
        ++count;
      }
    }
  }
  return count;
}

selinon::EngineOptions engine_options() {
  selinon::EngineOptions options;
  // BenchStore is Selinon's InMemoryStorage, which the system binds no C++ class to.
  options.builtin_storage = [](const selinon::StorageBinding&, const Json& configuration) {
    return std::make_unique<selinon::MemoryStorage>(configuration);
  };
  return options;
}

// Starts `flows` runs of the case at once and waits until the backend has nothing left to do (the last run ended);
// returns the seconds from the first start to then. Each run's record is checked afterwards, off the clock, so the
// waiting costs the workers nothing. Throws std::runtime_error when a run did not succeed with exactly the expected
// tasks.
double run_flows(selinon::Engine& engine, selinon::Backend& backend, const Case& c, int flows,
                 const std::function<void()>& when_idle = {}) {
  std::vector<std::string> ids;
  ids.reserve(static_cast<std::size_t>(flows));
  const auto start = Clock::now();
  for (int k = 0; k < flows; ++k) ids.push_back(engine.start_flow(c.flow, c.node_args));
  const bool idle = backend.wait_idle(std::chrono::minutes(5));
  const double elapsed = seconds_since(start);
  if (when_idle) when_idle();
  if (!idle) throw std::runtime_error(std::to_string(backend.pending()) + " messages still pending after 5 minutes");
  for (const auto& id : ids) {
    auto record = backend.flow(id);
    if (!record || record->status != selinon::FlowState::Status::succeeded) {
      throw std::runtime_error("flow " + id + (record ? " did not succeed: " + record->result.dump() : " is unknown"));
    }
    const int tasks = finished_task_count(record->result);
    if (tasks != c.tasks_per_flow) {
      throw std::runtime_error("flow " + id + " ran " + std::to_string(tasks) + " tasks, expected " +
                               std::to_string(c.tasks_per_flow));
    }
  }
  return elapsed;
}

double run_memory(const Case& c, int flows, int threads) {
  selinon::MemoryBackend backend;
  selinon::Engine engine(bench_flows::system(), backend, std::make_shared<selinon::Tracer>(), engine_options());
  std::atomic<bool> stop{false};
  std::thread server([&] { selinon::serve(engine, backend, engine.queues(), threads, stop); });
  // Let the workers reach claim() so thread start-up is not timed (the floor's pool is also started untimed).
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::optional<double> elapsed;
  std::string failure;
  try {
    elapsed = run_flows(engine, backend, c, flows);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  stop = true;
  backend.shutdown();
  server.join();
  if (!elapsed) throw std::runtime_error(failure);
  return *elapsed;
}

// A fresh directory for one database, removed with everything in it (the -wal and -shm files too).
class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "selinon-bench-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary directory");
    path_ = pattern;
  }
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

double run_sqlite(const Case& c, int flows, int workers) {
  TempDirectory directory;
  const std::string url = "sqlite://" + (directory.path() / "bench.db").string();
  // Opened first, so the workers find the schema in place.
  auto backend = selinon::open_backend(url);
  selinon::Engine engine(bench_flows::system(), *backend, std::make_shared<selinon::Tracer>(), engine_options());
  // The worker binary of this configuration, as deployed: `run` serves every queue until SIGTERM.
  selinon::bench::WorkerProcesses processes({BENCH_WORKER_PATH, "run", "--broker", url, "-c", "1", "--trace", "none"},
                                            workers, "worker serving");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::optional<double> elapsed;
  std::string failure;
  try {
    elapsed = run_flows(engine, *backend, c, flows);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (std::string stopped = processes.stop(); !stopped.empty()) failure += (failure.empty() ? "" : "; ") + stopped;
  if (!elapsed || !failure.empty()) throw std::runtime_error(failure);
  return *elapsed;
}

// The calls of every command the server executed so far, from `INFO commandstats` (commands of scripts included).
long server_commands(const std::string& url) {
  const std::string command = "redis-cli -u '" + url + "' INFO commandstats";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run redis-cli");
  long calls = 0;
  char line[512];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    const char* at = std::strstr(line, "calls=");
    if (std::strncmp(line, "cmdstat_", 8) == 0 && at != nullptr) calls += std::atol(at + 6);
  }
  if (::pclose(pipe) != 0) throw std::runtime_error("redis-cli INFO commandstats failed on " + url);
  return calls;
}

// The sum of `key=N` over the workers' "backend usage:" lines.
long usage_sum(const std::vector<std::string>& outputs, const std::string& key) {
  long sum = 0;
  for (const auto& text : outputs) {
    const auto line = text.rfind("backend usage:");
    if (line == std::string::npos) continue;
    const auto at = text.find(" " + key + "=", line);
    if (at != std::string::npos) sum += std::atol(text.c_str() + at + key.size() + 2);
  }
  return sum;
}

struct RedisRun {
  double seconds = 0;
  long commands = 0;     // by the server, from the first start until idle
  long round_trips = 0;  // by the workers, claims that found nothing left out
};

RedisRun run_redis(const Case& c, int flows, int workers, int threads, const std::string& server_url) {
  static int run_number = 0;
  const std::string url = server_url + (server_url.find('?') == std::string::npos ? "?" : "&") + "prefix=bench-" +
                          std::to_string(::getpid()) + "-" + std::to_string(++run_number);
  auto backend = selinon::open_backend(url);
  selinon::Engine engine(bench_flows::system(), *backend, std::make_shared<selinon::Tracer>(), engine_options());
  selinon::bench::WorkerProcesses processes(
      {BENCH_WORKER_PATH, "run", "--broker", url, "-c", std::to_string(threads), "--trace", "none"}, workers,
      "worker serving");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  RedisRun run;
  std::string failure;
  bool done = false;
  try {
    const long before = server_commands(server_url);
    run.seconds = run_flows(engine, *backend, c, flows, [&] { run.commands = server_commands(server_url) - before; });
    done = true;
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (std::string stopped = processes.stop(); !stopped.empty()) failure += (failure.empty() ? "" : "; ") + stopped;
  if (!done || !failure.empty()) throw std::runtime_error(failure);
  run.round_trips =
      usage_sum(processes.outputs(), "round_trips") - usage_sum(processes.outputs(), "idle_round_trips");
  return run;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

std::vector<int> positive_list(const std::string& option, const std::string& text) {
  std::vector<int> values;
  for (const auto& item : split_list(text)) {
    const int value = std::stoi(item);
    if (value < 1) throw std::invalid_argument(option + " takes positive numbers");
    values.push_back(value);
  }
  if (values.empty()) throw std::invalid_argument(option + " needs at least one number");
  return values;
}

struct Options {
  std::vector<std::string> flows;  // empty: every case
  bool memory = true;
  bool sqlite = true;
  bool redis = false;
  std::string redis_url;
  int worker_threads = 1;  // -c of each redis worker process
  std::vector<int> threads = {1, 2};
  std::vector<int> workers = {1, 2};
  double scale = 1.0;
  int repetitions = 3;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--flows") {
      o.flows = split_list(value());
    } else if (arg == "--backends") {
      const auto names = split_list(value());
      for (const auto& n : names) {
        if (n != "memory" && n != "sqlite" && n != "redis") throw std::invalid_argument("unknown backend '" + n + "'");
      }
      o.memory = std::find(names.begin(), names.end(), "memory") != names.end();
      o.sqlite = std::find(names.begin(), names.end(), "sqlite") != names.end();
      o.redis = std::find(names.begin(), names.end(), "redis") != names.end();
    } else if (arg == "--worker-threads") {
      o.worker_threads = positive_list(arg, value()).front();
    } else if (arg == "--redis-url") {
      o.redis_url = value();
    } else if (arg == "--threads") {
      o.threads = positive_list(arg, value());
    } else if (arg == "--workers") {
      o.workers = positive_list(arg, value());
    } else if (arg == "--scale") {
      o.scale = std::stod(value());
    } else if (arg == "--repetitions") {
      o.repetitions = std::stoi(value());
    } else {
      throw std::invalid_argument("unknown argument '" + arg +
                                  "' (use --flows a,b --backends memory,sqlite,redis --threads 1,2 --workers 1,2 "
                                  "--scale X --repetitions R --redis-url URL)");
    }
  }
  if (o.redis && o.redis_url.empty()) {
    const char* env = std::getenv("SELINON_TEST_BROKER");
    if (env == nullptr || std::string_view(env).substr(0, 8) != "redis://") {
      throw std::invalid_argument("--backends redis needs --redis-url URL (or $SELINON_TEST_BROKER, as with_redis sets)");
    }
    o.redis_url = env;
  }
  if (o.scale <= 0 || o.repetitions < 1) throw std::invalid_argument("--scale and --repetitions must be positive");
  const auto cases = all_cases();
  for (const auto& f : o.flows) {
    if (std::none_of(cases.begin(), cases.end(), [&](const Case& c) { return c.flow == f; })) {
      throw std::invalid_argument("unknown flow '" + f + "'");
    }
  }
  return o;
}

// Runs each configuration of one case, prints its lines; false when a run failed.
bool bench_case(const Case& c, const std::vector<Config>& configs, const Options& options) {
  const int memory_flows = std::max(1, static_cast<int>(c.memory_flows * options.scale));
  const int sqlite_flows = std::max(1, static_cast<int>(c.sqlite_flows * options.scale));
  const int redis_flows = std::max(1, static_cast<int>(c.memory_flows / 2 * options.scale));
  const long floor_tasks = static_cast<long>(memory_flows) * c.tasks_per_flow;

  // Floor seconds per task for every thread count a configuration uses in all.
  std::vector<std::pair<int, double>> floors;
  auto floor_per_task = [&](int threads) {
    for (const auto& [t, s] : floors) {
      if (t == threads) return s;
    }
    std::vector<double> times;
    for (int r = 0; r < options.repetitions; ++r) times.push_back(selinon::bench::thread_pool_floor(floor_tasks, threads));
    const double seconds = median(times);
    std::printf("floor %s threads=%d tasks=%ld tasks/s=%.0f\n", c.flow.c_str(), threads, floor_tasks,
                static_cast<double>(floor_tasks) / seconds);
    std::fflush(stdout);
    floors.emplace_back(threads, seconds / static_cast<double>(floor_tasks));
    return floors.back().second;
  };

  bool ok = true;
  for (const auto& config : configs) {
    if (config.backend != BackendKind::memory && config.workers > 1 && c.reads_results) {
      std::printf("skip %s backend=%s workers=%d: its tasks read stored results, and InMemoryStorage keeps "
                  "them in the process that ran the task\n", c.flow.c_str(), config.name(), config.workers);
      continue;
    }
    const int flows = config.backend == BackendKind::memory   ? memory_flows
                      : config.backend == BackendKind::sqlite ? sqlite_flows
                                                              : redis_flows;
    const long tasks = static_cast<long>(flows) * c.tasks_per_flow;
    std::vector<double> times;
    std::vector<double> commands, round_trips;
    try {
      for (int r = 0; r < options.repetitions; ++r) {
        if (config.backend == BackendKind::redis) {
          const RedisRun run = run_redis(c, flows, config.workers, config.threads, options.redis_url);
          times.push_back(run.seconds);
          commands.push_back(static_cast<double>(run.commands));
          round_trips.push_back(static_cast<double>(run.round_trips));
        } else {
          times.push_back(config.backend == BackendKind::memory ? run_memory(c, flows, config.threads)
                                                                : run_sqlite(c, flows, config.workers));
        }
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_dispatch: %s backend=%s workers=%d threads=%d: %s\n", c.flow.c_str(), config.name(),
                   config.workers, config.threads, e.what());
      ok = false;
      continue;
    }
    const double seconds = median(times);
    const double floor = floor_per_task(config.workers * config.threads);
    std::printf("bench %s backend=%s workers=%d threads=%d flows=%d tasks=%ld tasks/s=%.0f flows/s=%.0f\n",
                c.flow.c_str(), config.name(), config.workers, config.threads, flows, tasks,
                static_cast<double>(tasks) / seconds, flows / seconds);
    std::printf("overhead %s backend=%s workers=%d threads=%d us/task=%.2f\n", c.flow.c_str(), config.name(),
                config.workers, config.threads, (seconds / static_cast<double>(tasks) - floor) * 1e6);
    if (config.backend == BackendKind::redis) {
      std::printf("redis %s workers=%d commands/task=%.1f round_trips/task=%.2f\n", c.flow.c_str(), config.workers,
                  median(commands) / static_cast<double>(tasks), median(round_trips) / static_cast<double>(tasks));
    }
    std::fflush(stdout);
  }
  return ok;
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

  std::printf("# bench_dispatch: median of %d repetition(s), scale %g, %u hardware threads\n", options.repetitions,
              options.scale, std::thread::hardware_concurrency());
  std::fflush(stdout);
  std::vector<Config> configs;
  if (options.memory) {
    for (int t : options.threads) configs.push_back({BackendKind::memory, 1, t});
  }
  if (options.sqlite) {
    for (int w : options.workers) configs.push_back({BackendKind::sqlite, w, 1});
  }
  if (options.redis) {
    for (int w : options.workers) configs.push_back({BackendKind::redis, w, options.worker_threads});
  }

  int status = 0;
  for (const auto& c : all_cases()) {
    if (!options.flows.empty() && std::find(options.flows.begin(), options.flows.end(), c.flow) == options.flows.end()) {
      continue;
    }
    if (!bench_case(c, configs, options)) status = 1;
  }
  return status;
}
