// Sub-flows and propagation end to end (spec §3.7, §3.8; upstream test_flow.py, test_propagate.py).
#include "harness.hpp"
#include "systems.hpp"

using namespace scenario;
using selinon::MockScript;
using Names = std::vector<std::string>;

namespace {
const selinon::SystemDescriptor& sys() { return scenario_subflows::system(); }

// The only run of `task` inside the flow run `dispatcher_id`.
TaskRun run_in(const RunResult& r, const std::string& task, const std::string& dispatcher_id) {
  std::vector<TaskRun> found;
  for (const auto& run : r.runs(task)) {
    if (run.dispatcher_id == dispatcher_id) found.push_back(run);
  }
  REQUIRE(found.size() == 1);
  return found[0];
}

// Ids of `task` in the flow run `dispatcher_id`.
std::vector<std::string> ids_in(const RunResult& r, const std::string& task, const std::string& dispatcher_id) {
  std::vector<std::string> out;
  for (const auto& run : r.runs(task)) {
    if (run.dispatcher_id == dispatcher_id) out.push_back(run.id);
  }
  return out;
}
}  // namespace

TEST_CASE("subflows: a task after a sub-flow starts only after the sub-flow finished") {
  // Upstream test_simple_flow: Task1 -> flow2 -> Task2, no propagation flags.
  auto r = run_flow(sys(), "simple_flow", Json{{"a", 1}}, {});
  check_clean(r);
  CHECK(r.succeeded());
  auto children = r.subflows("flow2");
  REQUIRE(children.size() == 1);
  // Without propagate_node_args / propagate_parent the sub-flow gets null for both.
  CHECK(children[0].node_args.is_null());
  CHECK(children[0].parent.is_null());
  // The child run itself starts with a null parent too (as Selinon), not an empty map.
  auto child_starts = r.flow_starts("flow2");
  REQUIRE(child_starts.size() == 1);
  CHECK(child_starts[0].at("parent").is_null());
  CHECK(children[0].parent_dispatcher_id == r.dispatcher_id);
  CHECK(r.happened_before("Task1", "flow2"));
  CHECK(r.happened_before("flow2", "Task2"));
  CHECK(r.count("Task3", "flow2") == 1);
  CHECK(r.node_args("Task3").is_null());
  // A sub-flow source not selected by propagate_finished contributes nothing to the parent map.
  CHECK(r.parent("Task2") == Json::object());
  CHECK(r.finished("flow2") == Names{children[0].id});
  CHECK(r.finished_nodes().size() == 3);
}

TEST_CASE("subflows: propagate_node_args true hands node_args to every sub-flow") {
  auto r = run_flow(sys(), "args_true", Json{{"a", 1}}, {});
  check_clean(r);
  CHECK(r.succeeded());
  for (const char* f : {"flowA", "flowB"}) {
    REQUIRE(r.subflows(f).size() == 1);
    CHECK(r.subflows(f)[0].node_args == Json{{"a", 1}});
    CHECK(r.subflows(f)[0].parent.is_null());
  }
  CHECK(r.node_args("Task2") == Json{{"a", 1}});
  CHECK(r.node_args("Task3") == Json{{"a", 1}});
}

TEST_CASE("subflows: propagate_node_args as a list hands node_args only to the listed sub-flow") {
  auto r = run_flow(sys(), "args_list", Json{{"a", 1}}, {});
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.subflows("flowA")[0].node_args == Json{{"a", 1}});
  CHECK(r.subflows("flowB")[0].node_args.is_null());
  CHECK(r.node_args("Task2") == Json{{"a", 1}});  // in flowA
  CHECK(r.node_args("Task3").is_null());          // in flowB
}

TEST_CASE("subflows: propagate_parent true hands the edge's parent map to sub-flows and their starting tasks") {
  auto r = run_flow(sys(), "parent_true", Json{{"a", 1}}, {});
  check_clean(r);
  CHECK(r.succeeded());
  Json parent = Json::object({{"Task1", r.ids("Task1")[0]}});
  for (const char* f : {"flowA", "flowB"}) {
    REQUIRE(r.subflows(f).size() == 1);
    CHECK(r.subflows(f)[0].parent == parent);
    CHECK(r.subflows(f)[0].node_args.is_null());  // node_args are not propagated
    CHECK(r.flow_starts(f)[0].at("parent") == parent);
  }
  // Inside the sub-flow that mapping is the parent of its starting tasks.
  CHECK(r.parent("Task2") == parent);
  CHECK(r.parent("Task3") == parent);
}

TEST_CASE("subflows: propagate_parent and propagate_node_args as lists select one sub-flow") {
  // Upstream test_propagate_parent_flow: both only for flowA; flowB gets null for both.
  auto r = run_flow(sys(), "parent_list", Json{{"a", 1}}, {});
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.subflows("flowA")[0].parent == Json::object({{"Task1", r.ids("Task1")[0]}}));
  CHECK(r.subflows("flowA")[0].node_args == Json{{"a", 1}});
  CHECK(r.subflows("flowB")[0].parent.is_null());
  CHECK(r.subflows("flowB")[0].node_args.is_null());
  CHECK(r.parent("Task3") == Json::object());
}

TEST_CASE("subflows: propagate_finished gives the nested finished-nodes map of the sub-flow") {
  // Upstream test_propagate_parent: TaskX from [fin2, Task2] gets
  // {Task2: id, fin2: {Task2: [..], Task3: [.., ..], fin3: {Task2: [..], Task4: [.., ..]}}}.
  auto r = run_flow(sys(), "nested_finished", nullptr, {});
  check_clean(r);
  CHECK(r.succeeded());
  REQUIRE(r.count("TaskX") == 1);
  std::string fin2 = r.subflows("fin2").at(0).id;
  std::string fin3 = r.subflows("fin3").at(0).id;
  Json expected = {
      {"Task2", run_in(r, "Task2", r.dispatcher_id).id},
      {"fin2",
       {{"Task2", array(ids_in(r, "Task2", fin2))},
        {"Task3", array(ids_in(r, "Task3", fin2))},
        {"fin3", {{"Task2", array(ids_in(r, "Task2", fin3))}, {"Task4", array(ids_in(r, "Task4", fin3))}}}}}};
  CHECK(sorted(r.parent("TaskX")) == sorted(expected));
  CHECK(r.parent("TaskX").at("fin2").at("Task3").size() == 2);
  CHECK(r.happened_before("fin2", "TaskX"));
}

TEST_CASE("subflows: propagate_compound_finished flattens every nested task into one map") {
  // Upstream test_propagate_parent_2: fin2 -> {Task2: [2 ids], Task3: [2 ids], Task4: [2 ids]}.
  auto r = run_flow(sys(), "compound_finished", nullptr, {});
  check_clean(r);
  CHECK(r.succeeded());
  std::string fin2 = r.subflows("fin2").at(0).id;
  std::string fin3 = r.subflows("fin3").at(0).id;
  Names task2 = ids_in(r, "Task2", fin2);
  for (const auto& id : ids_in(r, "Task2", fin3)) task2.push_back(id);
  Json expected = {{"Task2", run_in(r, "Task2", r.dispatcher_id).id},
                   {"fin2",
                    {{"Task2", array(task2)},
                     {"Task3", array(ids_in(r, "Task3", fin2))},
                     {"Task4", array(ids_in(r, "Task4", fin3))}}}};
  CHECK(sorted(r.parent("TaskX")) == sorted(expected));
  CHECK(r.parent("TaskX").at("fin2").at("Task2").size() == 2);
}

TEST_CASE("subflows: nested and compound propagation mix in one parent map and unselected sub-flows add nothing") {
  // Upstream test_propagate_compound_mixed: mix2 nested (keeps its mix4 sub-map), mix3 compound (mix4 merged).
  auto r = run_flow(sys(), "mixed_finished", nullptr, {});
  check_clean(r);
  CHECK(r.succeeded());
  std::string mix2 = r.subflows("mix2").at(0).id;
  std::string mix3 = r.subflows("mix3").at(0).id;
  std::string mix4_of_2, mix4_of_3;
  for (const auto& c : r.subflows("mix4")) (c.parent_dispatcher_id == mix2 ? mix4_of_2 : mix4_of_3) = c.id;
  REQUIRE(!mix4_of_2.empty());
  REQUIRE(!mix4_of_3.empty());
  std::string task2 = run_in(r, "Task2", r.dispatcher_id).id;
  Json expected = {
      {"Task2", task2},
      {"mix2", {{"Task2", array(ids_in(r, "Task2", mix2))}, {"mix4", {{"Task4", array(ids_in(r, "Task4", mix4_of_2))}}}}},
      {"mix3", {{"Task3", array(ids_in(r, "Task3", mix3))}, {"Task4", array(ids_in(r, "Task4", mix4_of_3))}}}};
  CHECK(sorted(r.parent("TaskX")) == sorted(expected));
  // `plain` is a source of TaskY's edge but not selected by either flag: its name is absent.
  CHECK(r.parent("TaskY") == Json::object({{"Task2", task2}}));
}

TEST_CASE("subflows: a throttled task is scheduled no more often than its throttling period") {
  // Upstream test_throttle (for a task): the second scheduling of Throttled is delayed by about 300 ms.
  auto r = run_flow(sys(), "throttle_tasks", nullptr, {}, 2);
  check_clean(r);
  CHECK(r.succeeded());
  std::vector<std::chrono::system_clock::time_point> starts;
  for (const auto& rec : r.records) {
    if (rec.event == TraceEvent::TASK_START && rec.details.at("task_name") == "Throttled") starts.push_back(rec.time);
  }
  REQUIRE(starts.size() == 2);
  // Measured from the (top-level) flow's start, which precedes the first scheduling: the first start may be late
  // under load, the second one cannot be early.
  CHECK(starts[1] - r.records.at(static_cast<std::size_t>(r.index_of(TraceEvent::FLOW_START))).time >=
        std::chrono::milliseconds(290));
}

TEST_CASE("subflows: a throttled sub-flow is started no more often than its throttling period") {
  // Upstream test_throttle: the first scheduling has no countdown, the second one waits.
  auto r = run_flow(sys(), "throttle_flows", nullptr, {}, 2);
  check_clean(r);
  CHECK(r.succeeded());
  std::vector<std::chrono::system_clock::time_point> starts;
  for (const auto& rec : r.records) {
    if (rec.event == TraceEvent::FLOW_START && rec.details.at("flow_name") == "throttled") starts.push_back(rec.time);
  }
  REQUIRE(starts.size() == 2);
  // Measured from the (top-level) flow's start, which precedes the first scheduling: the first start may be late
  // under load, the second one cannot be early.
  CHECK(starts[1] - r.records.at(static_cast<std::size_t>(r.index_of(TraceEvent::FLOW_START))).time >=
        std::chrono::milliseconds(290));
  CHECK(r.finished("throttled").size() == 2);
}
