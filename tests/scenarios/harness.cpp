// The scenario harness: one engine, one in-process broker and a recording trace per run; queries over the trace.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <thread>

#include <stdlib.h>
#include <filesystem>

#include <selinon/backends/memory.hpp>
#include <selinon/storages/memory.hpp>

#include "redis_server.hpp"

namespace scenario {

std::string& backend_name() {
  static std::string name = "memory";
  return name;
}

namespace {

using selinon::TraceRecord;

std::string str(const Json& details, const char* key) {
  auto it = details.find(key);
  return it != details.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool flow_matches(const Json& details, std::string_view flow) {
  return flow.empty() || str(details, "flow_name") == flow;
}

// A task implemented by the test.
class FnTask final : public selinon::Task {
 public:
  explicit FnTask(TaskFn fn) : fn_(std::move(fn)) {}
  Json run(const Json& node_args) override { return fn_(node_args, *this); }

 private:
  TaskFn fn_;
};

}  // namespace

RunResult run_flow(const selinon::SystemDescriptor& system, std::string flow, Json node_args,
                   selinon::MockScript mocks, int concurrency) {
  RunOptions options;
  options.concurrency = concurrency;
  return run_flow(system, std::move(flow), std::move(node_args), std::move(mocks), std::move(options));
}

TestBackend::TestBackend() {
  if (backend_name() == "memory") {
    backend = std::make_unique<selinon::MemoryBackend>();
    return;
  }
  if (backend_name() == "redis") {
    // The test process's own redis-server, a key prefix per backend.
    backend = selinon::open_backend(
        selinon::testing::shared_redis_server().url("prefix=" + selinon::testing::unique_redis_prefix()));
    return;
  }
  char pattern[] = "/tmp/selinon-scenario-XXXXXX";
  const char* dir = ::mkdtemp(pattern);
  REQUIRE_MESSAGE(dir != nullptr, "cannot create a temporary directory");
  directory = dir;
  backend = selinon::open_backend(backend_name() + "://" + directory + "/flows.db");
}

TestBackend::~TestBackend() {
  backend.reset();
  if (!directory.empty()) std::filesystem::remove_all(directory);
}

selinon::EngineOptions engine_options(std::shared_ptr<const selinon::MockScript> mocks) {
  selinon::EngineOptions options;
  options.task_source = std::move(mocks);
  options.builtin_storage = [](const selinon::StorageBinding&, const Json& configuration) {
    return std::make_unique<selinon::MemoryStorage>(configuration);
  };
  return options;
}

RunResult run_flow(const selinon::SystemDescriptor& base, std::string flow, Json node_args,
                   selinon::MockScript mocks, RunOptions options) {
  // A copy of the descriptor so tasks written in the test can replace their mocks (the engine keeps a reference,
  // so the copy lives as long as the engine).
  selinon::SystemDescriptor system = base;
  if (!options.tasks.empty()) {
    system.mock_all_tasks = false;  // tasks without `make` still run as mocks
    for (auto& task : system.tasks) {
      auto it = options.tasks.find(std::string(task.name));
      if (it == options.tasks.end()) continue;
      TaskFn fn = it->second;
      task.make = [fn] { return std::make_unique<FnTask>(fn); };
    }
  }

  TestBackend test_backend;
  selinon::Backend& backend = *test_backend.backend;
  auto tracer = std::make_shared<selinon::Tracer>();
  auto sink = std::make_shared<selinon::RecordingTraceSink>();
  tracer->add(sink);
  for (const auto& extra : options.trace_sinks) tracer->add(extra);
  auto script = std::make_shared<const selinon::MockScript>(std::move(mocks));
  selinon::Engine engine(system, backend, tracer, engine_options(script));

  RunResult out;
  std::atomic<bool> stop{false};
  std::thread server([&] { selinon::serve(engine, backend, engine.queues(), options.concurrency, stop); });

  const auto begin = std::chrono::steady_clock::now();
  out.dispatcher_id = engine.start_flow(flow, std::move(node_args));
  auto outcome = backend.wait_flow(out.dispatcher_id, options.timeout);
  if (!outcome || outcome->status == selinon::FlowState::Status::running) {
    out.timed_out = true;
  } else {
    out.status = outcome->status;
    out.result = outcome->result;
    auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin);
    auto left = std::max(std::chrono::milliseconds(1), options.timeout - spent);
    if (!backend.wait_idle(left)) out.timed_out = true;
  }
  stop = true;
  backend.shutdown();
  server.join();
  for (const auto& letter : backend.dead_letters()) {
    out.dead_letters.push_back({{"queue", letter.queue}, {"reason", letter.reason}, {"message", letter.body}});
  }
  out.records = sink->records();
  if (out.timed_out) {
    FAIL_CHECK("flow '" << flow << "' did not end (and the backend did not become idle) within "
                        << options.timeout.count() << " ms on backend " << backend_name());
  }
  return out;
}

selinon::MockBehaviour returns(Json result, double sleep_seconds) {
  selinon::MockBehaviour b;
  b.result = std::move(result);
  b.sleep_seconds = sleep_seconds;
  return b;
}

selinon::MockBehaviour fails(double sleep_seconds) {
  selinon::MockBehaviour b;
  b.always_fail = true;
  b.sleep_seconds = sleep_seconds;
  return b;
}

selinon::MockBehaviour sleeps(double sleep_seconds) { return returns(nullptr, sleep_seconds); }

Json sorted(Json json) {
  if (!json.is_structured()) return json;  // begin() of a scalar would iterate over the scalar itself
  for (auto it = json.begin(); it != json.end(); ++it) *it = sorted(*it);
  if (json.is_array()) std::sort(json.begin(), json.end());
  return json;
}

Json array(const std::vector<std::string>& items) {
  Json out = Json::array();
  for (const auto& item : items) out.push_back(item);
  return out;
}

void check_clean(const RunResult& r) {
  CHECK_FALSE(r.timed_out);
  CHECK(r.dead_letters.empty());
  for (const auto& d : r.dead_letters) MESSAGE("dead letter: " << d.dump());
  for (const auto& e : r.events(TraceEvent::DISPATCHER_FAILURE)) MESSAGE("dispatcher failure: " << e.dump());
  CHECK(r.count_event(TraceEvent::DISPATCHER_FAILURE) == 0);
}

std::vector<std::string> RunResult::tasks_started(std::string_view flow) const {
  std::vector<std::string> out;
  for (const auto& r : records) {
    if (r.event == TraceEvent::TASK_START && flow_matches(r.details, flow)) out.push_back(str(r.details, "task_name"));
  }
  return out;
}

int RunResult::attempts(std::string_view task, std::string_view flow) const {
  int n = 0;
  for (const auto& r : records) {
    if (r.event == TraceEvent::TASK_START && str(r.details, "task_name") == task && flow_matches(r.details, flow)) ++n;
  }
  return n;
}

std::vector<TaskRun> RunResult::runs(std::string_view task, std::string_view flow) const {
  std::vector<TaskRun> out;
  std::set<std::string> seen;
  for (const auto& r : records) {
    if (r.event != TraceEvent::TASK_START || str(r.details, "task_name") != task || !flow_matches(r.details, flow)) {
      continue;
    }
    std::string id = str(r.details, "task_id");
    if (!seen.insert(id).second) continue;  // a retry of a run already listed
    out.push_back({std::string(task), id, str(r.details, "flow_name"), str(r.details, "dispatcher_id"),
                   r.details.value("node_args", Json()), r.details.value("parent", Json())});
  }
  return out;
}

Json RunResult::node_args(std::string_view task, std::size_t n) const {
  auto all = runs(task);
  REQUIRE_MESSAGE(n < all.size(), "task " << task << " has no run #" << n);
  return all[n].node_args;
}

Json RunResult::parent(std::string_view task, std::size_t n) const {
  auto all = runs(task);
  REQUIRE_MESSAGE(n < all.size(), "task " << task << " has no run #" << n);
  return all[n].parent;
}

std::vector<std::string> RunResult::ids(std::string_view task, std::string_view flow) const {
  std::vector<std::string> out;
  for (const auto& run : runs(task, flow)) out.push_back(run.id);
  return out;
}

std::vector<SubflowRun> RunResult::subflows(std::string_view flow) const {
  std::vector<SubflowRun> out;
  for (const auto& r : records) {
    if (r.event != TraceEvent::SUBFLOW_SCHEDULE || str(r.details, "child_flow_name") != flow) continue;
    out.push_back({std::string(flow), str(r.details, "child_dispatcher_id"), str(r.details, "flow_name"),
                   str(r.details, "dispatcher_id"), r.details.value("node_args", Json()),
                   r.details.value("parent", Json())});
  }
  return out;
}

std::vector<Json> RunResult::flow_starts(std::string_view flow) const { return events(TraceEvent::FLOW_START, flow); }

long RunResult::index_of(TraceEvent event, const std::function<bool(const Json&)>& match) const {
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i].event == event && (!match || match(records[i].details))) return static_cast<long>(i);
  }
  return -1;
}

long RunResult::index_of_end(std::string_view x) const {
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    bool task_end = r.event == TraceEvent::TASK_END || r.event == TraceEvent::TASK_FAILURE;
    // A flow failure that will be retried is not the end of that flow run.
    bool flow_end = r.event == TraceEvent::FLOW_END ||
                    (r.event == TraceEvent::FLOW_FAILURE && !r.details.value("will_retry", false));
    if (task_end && (str(r.details, "task_name") == x || str(r.details, "task_id") == x)) return static_cast<long>(i);
    if (flow_end && (str(r.details, "flow_name") == x || str(r.details, "dispatcher_id") == x)) {
      return static_cast<long>(i);
    }
  }
  return -1;
}

long RunResult::index_of_start(std::string_view x) const {
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    if (r.event == TraceEvent::TASK_START && (str(r.details, "task_name") == x || str(r.details, "task_id") == x)) {
      return static_cast<long>(i);
    }
    if (r.event == TraceEvent::FLOW_START && (str(r.details, "flow_name") == x || str(r.details, "dispatcher_id") == x)) {
      return static_cast<long>(i);
    }
  }
  return -1;
}

bool RunResult::happened_before(std::string_view a, std::string_view b) const {
  long end = index_of_end(a);
  long start = index_of_start(b);
  return end >= 0 && start >= 0 && end < start;
}

bool RunResult::ended_before_started(std::string_view a_id, std::string_view b_id) const {
  return happened_before(a_id, b_id);
}

int RunResult::count_event(TraceEvent event, std::string_view flow) const {
  return static_cast<int>(events(event, flow).size());
}

std::vector<Json> RunResult::events(TraceEvent event, std::string_view flow) const {
  std::vector<Json> out;
  for (const auto& r : records) {
    if (r.event == event && flow_matches(r.details, flow)) out.push_back(r.details);
  }
  return out;
}

std::vector<Json> RunResult::fallbacks_started(std::string_view flow) const {
  std::vector<Json> out;
  for (const auto& d : events(TraceEvent::FALLBACK_START, flow)) out.push_back(d.value("fallback", Json()));
  return out;
}

Json RunResult::finished_nodes() const { return result.is_object() ? result.value("finished_nodes", Json::object()) : Json::object(); }

Json RunResult::failed_nodes() const { return result.is_object() ? result.value("failed_nodes", Json::object()) : Json::object(); }

std::vector<std::string> RunResult::finished(std::string_view node) const {
  Json f = finished_nodes();
  auto it = f.find(std::string(node));
  if (it == f.end()) return {};
  return it->get<std::vector<std::string>>();
}

}  // namespace scenario
