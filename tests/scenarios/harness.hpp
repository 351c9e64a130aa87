// Runs one flow of a compiled configuration in-process (InprocBroker + Engine) and queries its trace.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include <selinon/backend.hpp>
#include <selinon/engine.hpp>
#include <selinon/mock.hpp>
#include <selinon/system.hpp>
#include <selinon/trace.hpp>

namespace scenario {

using selinon::Json;
using selinon::TraceEvent;

// Task code written in a test (for results that depend on earlier runs, e.g. loop counters).
using TaskFn = std::function<Json(const Json& node_args, const selinon::Task& task)>;

struct RunOptions {
  int concurrency = 1;
  std::chrono::milliseconds timeout{10000};
  std::map<std::string, TaskFn> tasks;  // these tasks run this code instead of their mock
  std::vector<std::shared_ptr<selinon::TraceSink>> trace_sinks;  // see every record, after the run has recorded it
};

// The backend every scenario runs on ("memory", "sqlite"): the suite is the backends' conformance suite.
// Chosen with --backend=NAME on the test binary's command line.
std::string& backend_name();

// A fresh backend of that kind (SQLite: a database in a temporary directory removed afterwards).
struct TestBackend {
  TestBackend();
  ~TestBackend();
  std::string directory;
  std::unique_ptr<selinon::Backend> backend;
};

// Engine options of a scenario: the mock script as task source, memory result storages.
selinon::EngineOptions engine_options(std::shared_ptr<const selinon::MockScript> mocks);

// One run of a task (its first attempt's TASK_START; retries keep the id).
struct TaskRun {
  std::string task;
  std::string id;
  std::string flow;           // the flow that started it
  std::string dispatcher_id;  // that flow run's id
  Json node_args;
  Json parent;
};

// One start of a sub-flow as its parent scheduled it (SUBFLOW_SCHEDULE): what was handed over.
struct SubflowRun {
  std::string flow;
  std::string id;             // the child's dispatcher id
  std::string parent_flow;
  std::string parent_dispatcher_id;
  Json node_args;             // null unless propagated
  Json parent;                // null unless propagate_parent
};

struct RunResult {
  std::string dispatcher_id;
  selinon::FlowState::Status status = selinon::FlowState::Status::running;
  Json result;  // {finished_nodes, failed_nodes, active_nodes, ...}
  bool timed_out = false;
  std::vector<selinon::TraceRecord> records;
  std::vector<Json> dead_letters;

  bool succeeded() const { return status == selinon::FlowState::Status::succeeded; }
  bool failed() const { return status == selinon::FlowState::Status::failed; }

  // TASK_START task names in trace order (retries included); `flow` limits them to tasks of that flow.
  std::vector<std::string> tasks_started(std::string_view flow = {}) const;
  // TASK_START records of `task` (attempts, retries included).
  int attempts(std::string_view task, std::string_view flow = {}) const;
  // Distinct runs of `task` (by id), in start order.
  std::vector<TaskRun> runs(std::string_view task, std::string_view flow = {}) const;
  int count(std::string_view task, std::string_view flow = {}) const {
    return static_cast<int>(runs(task, flow).size());
  }
  Json node_args(std::string_view task, std::size_t n = 0) const;
  Json parent(std::string_view task, std::size_t n = 0) const;
  std::vector<std::string> ids(std::string_view task, std::string_view flow = {}) const;

  // Sub-flow starts of `flow` as scheduled by their parents, in order.
  std::vector<SubflowRun> subflows(std::string_view flow) const;
  // FLOW_START records of `flow` (restarts included), in order.
  std::vector<Json> flow_starts(std::string_view flow) const;

  // Causal order by name: the first end (TASK_END / FLOW_END) of node `a` precedes the first start (TASK_START /
  // FLOW_START) of node `b`. False when either never happened.
  bool happened_before(std::string_view a, std::string_view b) const;
  // The same for one instance each (task id or dispatcher id).
  bool ended_before_started(std::string_view a_id, std::string_view b_id) const;
  // Position of the first record matching, or -1.
  long index_of(TraceEvent event, const std::function<bool(const Json&)>& match = {}) const;
  long index_of_end(std::string_view node_or_id) const;    // TASK_END/TASK_FAILURE/FLOW_END/FLOW_FAILURE
  long index_of_start(std::string_view node_or_id) const;  // TASK_START/FLOW_START
  int count_event(TraceEvent event, std::string_view flow = {}) const;
  std::vector<Json> events(TraceEvent event, std::string_view flow = {}) const;

  // FALLBACK_START records' "fallback" values (a list of node names, or true), in order.
  std::vector<Json> fallbacks_started(std::string_view flow = {}) const;

  Json finished_nodes() const;
  Json failed_nodes() const;
  // Ids in the outcome's finished_nodes for `node` (empty when absent).
  std::vector<std::string> finished(std::string_view node) const;
};

// Runs `flow` with `node_args` until it ends and the broker is idle (or the timeout passes, which fails the
// current test). Every task absent from `mocks` (and from options.tasks) returns null.
RunResult run_flow(const selinon::SystemDescriptor& system, std::string flow, Json node_args,
                   selinon::MockScript mocks, int concurrency = 1);
RunResult run_flow(const selinon::SystemDescriptor& system, std::string flow, Json node_args,
                   selinon::MockScript mocks, RunOptions options);

// Mock script helpers.
selinon::MockBehaviour returns(Json result, double sleep_seconds = 0);
selinon::MockBehaviour fails(double sleep_seconds = 0);
selinon::MockBehaviour sleeps(double sleep_seconds);

// `json` with every array sorted (recursively): for parent maps whose id lists have no significant order.
Json sorted(Json json);
// A JSON array of strings.
Json array(const std::vector<std::string>& items);

// Every run should be free of dead letters and dispatcher failures unless a test says otherwise.
void check_clean(const RunResult& r);

}  // namespace scenario

// Readable failure messages for lists of names.
template <>
struct doctest::StringMaker<std::vector<std::string>> {
  static doctest::String convert(const std::vector<std::string>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
    return (out + "]").c_str();
  }
};
