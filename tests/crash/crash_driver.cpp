// Crash test driver: worker processes serve flows on one backend (a SQLite database, or a redis-server the driver
// starts) while they are killed with SIGKILL (or kill themselves at crash points); afterwards every flow must have
// its expected outcome, every task must have run at least once, no transition may appear twice in the trace, and
// nothing may be left as a dead letter.
//
//   crash_driver --worker PATH [--backend sqlite|redis] [--flows 500] [--workers 2]
//                [--mode kill|faults|poison|restart] [--kill-every MS] [--server-signal term|kill]
//                [--timeout 240] [--keep]
//
// kill:    every 0.5-1 s (or every --kill-every ms) one worker, picked at random, gets SIGKILL and is started again.
// faults:  workers run with SELINON_CRASH_POINTS (task-ran, committed, claimed) and are started again when they die.
// poison:  malformed, truncated and unknown messages are put on the queues first (on Redis also stream entries and
//          delayed-set members that are not ours); each must end as a dead letter with its reason while the flows
//          complete.
// restart: (redis) the server runs with an AOF (appendfsync everysec) and is stopped with SIGTERM (or SIGKILL:
//          --server-signal kill) and started again twice while the workers serve; every flow must still complete.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <selinon/backend.hpp>
#include <selinon/engine.hpp>

#include "redis_server.hpp"

namespace crash {
const selinon::SystemDescriptor& system();
}

namespace {

using selinon::Json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Options {
  std::string worker;
  int flows = 500;
  int workers = 2;
  std::string mode = "kill";
  std::string backend = "sqlite";
  int kill_every_ms = 0;  // 0: at random, 0.5-1 s apart
  int server_signal = SIGTERM;
  double timeout_seconds = 240;
  bool keep = false;
};

struct Expected {
  std::string flow;
  int items = 0;
};

class Workers {
 public:
  Workers(const Options& options, std::string url, fs::path dir) : options_(options), url_(std::move(url)), dir_(std::move(dir)) {
    for (int i = 0; i < options_.workers; ++i) pids_.push_back(spawn(i));
  }
  ~Workers() { stop(); }

  void kill_one(std::mt19937& random) {
    int i = std::uniform_int_distribution<int>(0, options_.workers - 1)(random);
    ::kill(pids_[static_cast<std::size_t>(i)], SIGKILL);
    ::waitpid(pids_[static_cast<std::size_t>(i)], nullptr, 0);
    ++kills_;
    pids_[static_cast<std::size_t>(i)] = spawn(i);
  }

  // Faults mode: workers that killed themselves are started again.
  void revive() {
    for (int i = 0; i < options_.workers; ++i) {
      int status = 0;
      if (::waitpid(pids_[static_cast<std::size_t>(i)], &status, WNOHANG) > 0) {
        if (WIFSIGNALED(status)) ++kills_;
        pids_[static_cast<std::size_t>(i)] = spawn(i);
      }
    }
  }

  void stop() {
    for (pid_t pid : pids_) {
      if (pid > 0) ::kill(pid, SIGTERM);
    }
    for (pid_t& pid : pids_) {
      if (pid > 0) ::waitpid(pid, nullptr, 0);
      pid = -1;
    }
  }

  int kills() const { return kills_; }
  int incarnations() const { return incarnation_; }

 private:
  pid_t spawn(int slot) {
    int n = incarnation_++;
    fs::path trace = dir_ / ("worker-" + std::to_string(slot) + "-" + std::to_string(n) + ".jsonl");
    fs::path log = dir_ / ("worker-" + std::to_string(slot) + "-" + std::to_string(n) + ".log");
    std::cout.flush();  // the child must not write this process's buffered output again
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
      std::freopen(trace.c_str(), "w", stdout);
      std::freopen(log.c_str(), "w", stderr);
      if (options_.mode == "faults") ::setenv("SELINON_CRASH_POINTS", "task-ran=0.01,committed=0.01,claimed=0.005", 1);
      ::execl(options_.worker.c_str(), options_.worker.c_str(), "run", "--broker", url_.c_str(), "-c", "2", "--trace",
              "json", "--lease", "1", "--max-input-bytes", "1000000", static_cast<char*>(nullptr));
      std::perror("exec worker");
      ::_exit(127);
    }
    return pid;
  }

  const Options& options_;
  std::string url_;
  fs::path dir_;
  std::vector<pid_t> pids_;
  int kills_ = 0;
  int incarnation_ = 0;
};

// Every trace line of every process; a line cut short by SIGKILL is skipped.
std::vector<Json> read_traces(const fs::path& dir) {
  std::vector<Json> lines;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".jsonl") continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      try {
        lines.push_back(Json::parse(line));
      } catch (const Json::exception&) {
      }
    }
  }
  return lines;
}

std::string text(const Json& d, const char* key) {
  auto it = d.find(key);
  return it != d.end() && it->is_string() ? it->get<std::string>() : std::string();
}

class Checker {
 public:
  void fail(const std::string& what) {
    if (failures_++ < 20) std::cout << "FAIL " << what << "\n";
  }
  int failures() const { return failures_; }

 private:
  int failures_ = 0;
};

int count_ids(const Json& result, const char* key, const char* node) {
  const Json& nodes = result.value(key, Json::object());
  return nodes.contains(node) ? static_cast<int>(nodes[node].size()) : 0;
}

void check_outcomes(selinon::Backend& backend, const std::map<std::string, Expected>& expected, Checker& check,
                    std::set<std::string>& finished_tasks) {
  for (const auto& [id, want] : expected) {
    auto record = backend.flow(id);
    if (!record) {
      check.fail("flow " + id + " has no record");
      continue;
    }
    const Json& r = record->result;
    auto collect = [&](const Json& result) {
      const Json finished = result.value("finished_nodes", Json::object());  // named: items() of a temporary dangles
      for (const auto& [name, ids] : finished.items()) {
        if (name == "inner") continue;
        for (const auto& task_id : ids) finished_tasks.insert(task_id.get<std::string>());
      }
    };
    collect(r);
    if (want.flow == "doomed") {
      if (record->status != selinon::FlowState::Status::failed) check.fail("doomed flow " + id + " did not fail");
      if (count_ids(r, "failed_nodes", "Broken") != 1) check.fail("doomed flow " + id + ": " + r.dump());
      continue;
    }
    if (record->status != selinon::FlowState::Status::succeeded) {
      check.fail("flow " + id + " did not succeed: " + r.dump());
      continue;
    }
    std::map<std::string, int> want_counts = {{"Start", 1}, {"Left", 1}, {"Right", 1}, {"Join", 1},
                                              {"Item", want.items}, {"inner", 1}, {"Flaky", 1}, {"Rescue", 1}};
    for (const auto& [node, n] : want_counts) {
      if (count_ids(r, "finished_nodes", node.c_str()) != n) {
        check.fail("flow " + id + " finished " + std::to_string(count_ids(r, "finished_nodes", node.c_str())) + " " +
                   node + ", expected " + std::to_string(n));
      }
    }
    if (!r.value("failed_nodes", Json::object()).empty()) check.fail("flow " + id + " left failures: " + r.dump());
    for (const auto& child : r["finished_nodes"].value("inner", Json::array())) {
      auto inner = backend.flow(child.get<std::string>());
      if (!inner || inner->status != selinon::FlowState::Status::succeeded) {
        check.fail("sub-flow " + child.get<std::string>() + " of " + id + " did not succeed");
      } else {
        collect(inner->result);
      }
    }
  }
}

// No transition twice: each of these keys may appear at most once in all traces together.
void check_trace(const std::vector<Json>& lines, const std::set<std::string>& finished_tasks, Checker& check,
                 int& task_runs) {
  std::map<std::string, int> seen;
  std::set<std::string> ended_tasks;
  for (const auto& line : lines) {
    const std::string event = text(line, "event");
    const Json& d = line.value("details", Json::object());
    std::string key;
    if (event == "NODE_SUCCESSFUL" || event == "NODE_FAILURE") key = text(d, "dispatcher_id") + "/" + text(d, "node_id");
    else if (event == "TASK_SCHEDULE") key = "schedule/" + text(d, "task_id");
    else if (event == "SUBFLOW_SCHEDULE") key = "schedule/" + text(d, "child_dispatcher_id");
    else if (event == "FLOW_START") key = "start/" + text(d, "dispatcher_id") + "/" + d.value("retried_count", Json(0)).dump();
    else if (event == "FLOW_END" || event == "FLOW_FAILURE") key = "end/" + text(d, "dispatcher_id");
    else if (event == "TASK_END" || event == "TASK_FAILURE") ended_tasks.insert(text(d, "task_id"));
    if (event == "TASK_START") ++task_runs;
    if (!key.empty() && ++seen[key] == 2) check.fail("applied twice: " + event + " " + key);
  }
  for (const auto& id : finished_tasks) {
    if (!ended_tasks.count(id)) check.fail("task " + id + " is finished in its flow but never ran to its end");
  }
}

struct Poison {
  std::string queue;
  std::string bytes;
  std::string reason;  // a part of the dead letter's reason
};

std::vector<Poison> poison_messages() {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  std::string big = R"({"type":"task","pad":")" + std::string(2 << 20, 'x') + R"("})";
  return {
      {"crash_tasks", "this is not JSON", "not valid JSON"},
      {"crash_tasks", R"({"type":"task","task_name":"Start","flow_na)", "not valid JSON"},
      {"crash_flows", R"({"type":"telegram","text":"hello"})", "unknown message type"},
      {"crash_flows", R"({"type":"event","event":"start","flow_name":"mix"})", "no \"event_id\""},
      {"crash_tasks", R"({"type":"task","task_name":"NoSuchTask","flow_name":"mix","task_id":"t1","dispatcher_id":"d1","node_args":null})",
       "unknown task 'NoSuchTask'"},
      {"crash_flows", R"({"type":"event","event":"succeeded","event_id":"end:x","flow_name":"mix","dispatcher_id":"nobody","node":"Start","node_id":"x"})",
       "no flow run with dispatcher id 'nobody'"},
      {"crash_flows", R"({"type":"event","event":"explode","event_id":"e","flow_name":"mix","dispatcher_id":"d"})",
       "unknown flow event"},
      {"crash_tasks", deep, "nested deeper than the limit"},
      {"crash_tasks", big, "more than the limit"},
      {"crash_tasks", R"({"type":"task","task_name":"Start","flow_name":"mix","task_id":"t2","dispatcher_id":"d2","args_revision":0})",
       "node_args"},
  };
}

void check_poison(selinon::Backend& backend, const std::vector<Poison>& poison, Checker& check) {
  auto dead = backend.dead_letters();
  if (dead.size() != poison.size()) {
    check.fail(std::to_string(dead.size()) + " dead letters for " + std::to_string(poison.size()) + " poison messages");
  }
  for (const auto& p : poison) {
    bool found = false;
    for (const auto& d : dead) found = found || (d.queue == p.queue && d.reason.find(p.reason) != std::string::npos);
    if (!found) check.fail("no dead letter with reason containing '" + p.reason + "' on " + p.queue);
  }
  for (const auto& d : dead) std::cout << "dead letter on " << d.queue << ": " << d.reason.substr(0, 160) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--worker") options.worker = next();
    else if (arg == "--flows") options.flows = std::atoi(next().c_str());
    else if (arg == "--workers") options.workers = std::atoi(next().c_str());
    else if (arg == "--mode") options.mode = next();
    else if (arg == "--backend") options.backend = next();
    else if (arg == "--kill-every") options.kill_every_ms = std::atoi(next().c_str());
    else if (arg == "--server-signal") options.server_signal = next() == "kill" ? SIGKILL : SIGTERM;
    else if (arg == "--timeout") options.timeout_seconds = std::atof(next().c_str());
    else if (arg == "--keep") options.keep = true;
    else {
      std::cerr << "usage: crash_driver --worker PATH [--backend sqlite|redis] [--flows N] [--workers N]\n"
                   "                    [--mode kill|faults|poison|restart] [--kill-every MS] [--timeout S] [--keep]\n";
      return 2;
    }
  }
  if (options.backend != "sqlite" && options.backend != "redis") {
    std::cerr << "crash_driver: --backend must be sqlite or redis\n";
    return 2;
  }
  if (options.mode == "restart" && options.backend != "redis") {
    std::cerr << "crash_driver: --mode restart restarts a redis-server: it needs --backend redis\n";
    return 2;
  }
  char pattern[] = "/tmp/selinon-crash-XXXXXX";
  fs::path dir = ::mkdtemp(pattern);
  std::optional<selinon::testing::RedisServer> redis;
  std::string url = "sqlite://" + (dir / "crash.db").string();
  if (options.backend == "redis") {
    selinon::testing::RedisServerOptions server_options;
    server_options.aof = options.mode == "restart";
    redis.emplace(server_options);
    url = redis->url();
  }
  std::cout << "crash test: " << options.flows << " flows, " << options.workers << " workers, mode " << options.mode
            << ", backend " << options.backend << ", in " << dir << "\n";

  std::ofstream driver_trace(dir / "driver.jsonl");
  auto tracer = std::make_shared<selinon::Tracer>();
  tracer->add(std::make_shared<selinon::JsonLinesTraceSink>(driver_trace));
  auto backend = selinon::open_backend(url);
  selinon::Engine engine(crash::system(), *backend, tracer);

  Checker check;
  int task_runs = 0, kills = 0, incarnations = 0;
  const auto begin = Clock::now();
  std::map<std::string, Expected> expected;
  std::mt19937 random(12345);
  auto poison = options.mode == "poison" ? poison_messages() : std::vector<Poison>{};
  for (const auto& p : poison) backend->enqueue_raw(p.queue, p.bytes);
  if (options.mode == "poison" && redis) {
    // What other clients may leave on the streams: entries without our fields, and a delayed member not ours.
    auto cli = [&](const std::string& command) {
      const std::string line = "redis-cli -p " + std::to_string(redis->port()) + " " + command + " > /dev/null";
      if (std::system(line.c_str()) != 0) check.fail("could not run: " + line);
    };
    cli("XADD '{selinon}:q:crash_tasks' '*' junk 1");
    cli("XADD '{selinon}:q:crash_flows' '*' b '{}' extra field");
    cli("ZADD '{selinon}:delayed' 0 'not ours'");
    poison.push_back({"crash_tasks", "", "a stream entry without a message"});
    poison.push_back({"crash_flows", "", "a stream entry without a message"});
    poison.push_back({"", "", "not a delayed message of this backend"});
  }
  {
    Workers workers(options, url, dir);
    for (int i = 0; i < options.flows; ++i) {
      Expected e;
      if (i % 10 == 9) {
        e.flow = "doomed";
        expected[engine.start_flow("doomed")] = e;
      } else {
        e.flow = "mix";
        e.items = 1 + i % 5;
        Json items = Json::array();
        for (int k = 0; k < e.items; ++k) items.push_back(k);
        expected[engine.start_flow("mix", {{"items", items}})] = e;
      }
    }
    auto deadline = begin + std::chrono::duration<double>(options.timeout_seconds);
    std::size_t ended = 0;
    int restarts = 0;
    while (Clock::now() < deadline) {
      if (options.mode == "kill") {
        const int pause = options.kill_every_ms > 0 ? options.kill_every_ms
                                                    : std::uniform_int_distribution<int>(500, 1000)(random);
        std::this_thread::sleep_for(std::chrono::milliseconds(pause));
        workers.kill_one(random);
      } else if (options.mode == "restart") {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        // Twice, once a quarter and once half of the flows have ended.
        if (restarts < 2 && ended * 4 >= expected.size() * static_cast<std::size_t>(restarts + 1)) {
          redis->stop(options.server_signal);
          std::cout << "crash test: redis-server stopped (" << (options.server_signal == SIGKILL ? "SIGKILL" : "SIGTERM")
                    << ") with " << ended << " of " << expected.size() << " flows ended\n";
          std::this_thread::sleep_for(std::chrono::milliseconds(1500));
          redis->start();
          ++restarts;
        }
      } else if (options.mode == "poison") {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        workers.revive();
      }
      ended = 0;
      for (const auto& [id, want] : expected) {
        auto status = backend->status(id);
        if (status && *status != selinon::FlowState::Status::running) ++ended;
      }
      if (ended == expected.size() && backend->pending() == 0) break;
    }
    if (ended != expected.size()) check.fail(std::to_string(expected.size() - ended) + " flows did not end in time");
    if (options.mode == "restart" && restarts < 2) check.fail("the server was restarted " + std::to_string(restarts) + " times, not 2");
    kills = workers.kills();
    incarnations = workers.incarnations();
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();

  std::set<std::string> finished_tasks;
  check_outcomes(*backend, expected, check, finished_tasks);
  if (options.mode == "poison") {
    check_poison(*backend, poison, check);
  } else if (auto dead = backend->dead_letters(); !dead.empty()) {
    check.fail(std::to_string(dead.size()) + " dead letters, first: " + dead.front().reason);
  }
  if (backend->pending() != 0) check.fail(std::to_string(backend->pending()) + " messages left on the queues");
  driver_trace.flush();
  check_trace(read_traces(dir), finished_tasks, check, task_runs);

  std::cout << "crash test: " << expected.size() << " flows ended in " << elapsed << " s; " << kills
            << " workers killed (" << incarnations << " started); " << finished_tasks.size() << " tasks finished, "
            << task_runs << " task runs (" << task_runs - static_cast<int>(finished_tasks.size())
            << " beyond one per task: retries, failures and redeliveries)\n";
  if (!options.keep && check.failures() == 0) fs::remove_all(dir);
  std::cout << (check.failures() == 0 ? "crash test passed\n" : "crash test FAILED (files kept in " + dir.string() + ")\n");
  return check.failures() == 0 ? 0 : 1;
}
