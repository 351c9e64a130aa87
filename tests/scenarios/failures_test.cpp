// Failures, fallbacks and eager failures end to end (spec §3.11, §3.12; upstream test_node_failures*.py).
#include "harness.hpp"
#include "signals.hpp"
#include "systems.hpp"

using namespace scenario;
using selinon::MockScript;
using Names = std::vector<std::string>;

namespace {
const selinon::SystemDescriptor& sys() { return scenario_failures::system(); }

// A fallback list as FALLBACK_START reports it.
Json list(std::initializer_list<const char*> names) {
  Json out = Json::array();
  for (const char* n : names) out.push_back(n);
  return out;
}
}  // namespace

TEST_CASE("failures: a failed task without fallback fails the flow and its successors never start") {
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "no_fallback", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.failed());
  CHECK(r.count("T2") == 0);
  CHECK(r.failed_nodes() == Json{{"T1", r.ids("T1")}});
  auto failure = r.events(TraceEvent::FLOW_FAILURE);
  REQUIRE(failure.size() == 1);
  CHECK(failure[0].at("will_retry") == false);
  CHECK(r.count_event(TraceEvent::FLOW_END) == 0);
}

TEST_CASE("failures: independent branches keep running and the flow fails only when nothing is active") {
  // Upstream test_single_failure_finish_wait: T2 fails early; T1 and its successor T3 still run.
  Signals s;
  RunOptions o = s.options(2);  // T1 holds one worker while the other runs T2
  o.tasks["T1"] = s.waits_for({"NODE_FAILURE:T2"});
  MockScript m;
  m.set_task("T2", fails());
  auto r = run_flow(sys(), "independent_branch", nullptr, std::move(m), o);
  check_clean(r);
  CHECK(r.failed());
  REQUIRE(r.index_of_end("T2") >= 0);
  CHECK(r.index_of_end("T2") < r.index_of_end("T1"));
  CHECK(r.count("T3") == 1);
  CHECK(r.happened_before("T1", "T3"));
  CHECK(r.index_of_end("T3") < r.index_of(TraceEvent::FLOW_FAILURE));
  CHECK(r.failed_nodes() == Json{{"T2", r.ids("T2")}});
}

TEST_CASE("failures: fallback true absorbs the failure and the flow succeeds") {
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "fallback_true", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("T2") == 0);
  CHECK(r.fallbacks_started() == std::vector<Json>{true});
  CHECK(r.failed_nodes().empty());
  CHECK(r.finished_nodes().empty());
}

TEST_CASE("failures: a fallback task starts with the flow's node_args and no parent") {
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "fallback_task", Json{{"a", 1}}, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.tasks_started() == Names{"T1", "T3"});
  CHECK(r.fallbacks_started() == std::vector<Json>{list({"T3"})});
  CHECK(r.node_args("T3") == Json{{"a", 1}});
  // Selinon hands fallbacks a null parent; a task message carries it as an empty map.
  CHECK(r.parent("T3").empty());
  CHECK(r.happened_before("T1", "T3"));
  CHECK(r.failed_nodes().empty());
  CHECK(r.finished_nodes() == Json{{"T3", r.ids("T3")}});
}

TEST_CASE("failures: fallback nodes are ordinary nodes whose own edges fire") {
  // Upstream test_single_failure_flow_fallback_start2: [T3, T4] start; T3 -> T5 and T4 -> T6 fire.
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "fallback_two", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.tasks_started() == Names{"T1", "T3", "T4", "T5", "T6"});
  CHECK(r.parent("T5") == Json::object({{"T3", r.ids("T3")[0]}}));
  CHECK(r.parent("T6") == Json::object({{"T4", r.ids("T4")[0]}}));
  CHECK(r.count("T2") == 0);
  CHECK(r.index_of_end("T6") < r.index_of_end("fallback_two"));
}

TEST_CASE("failures: a sub-flow can be a fallback") {
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "fallback_flow", Json{{"a", 1}}, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  REQUIRE(r.subflows("fb_child").size() == 1);
  CHECK(r.subflows("fb_child")[0].parent.is_null());
  CHECK(r.subflows("fb_child")[0].node_args.is_null());  // no propagate_node_args
  CHECK(r.happened_before("T1", "fb_child"));
  CHECK(r.count("T3", "fb_child") == 1);
  CHECK(r.finished("fb_child").size() == 1);
}

TEST_CASE("failures: a sub-flow fallback gets node_args with propagate_node_args") {
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "fallback_flow_args", Json{{"a", 1}}, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  REQUIRE(r.subflows("fb_child").size() == 1);
  CHECK(r.subflows("fb_child")[0].node_args == Json{{"a", 1}});
  CHECK(r.node_args("T3") == Json{{"a", 1}});
}

TEST_CASE("failures: a failed sub-flow is one failed node handled by its parent's fallback") {
  // Upstream test_singe_failure_flow_fallback.
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "subflow_failed", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("T2") == 1);
  CHECK(r.count("T4") == 0);
  CHECK(r.happened_before("failing_child", "T2"));
  auto failures = r.events(TraceEvent::NODE_FAILURE, "subflow_failed");
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].at("node_name") == "failing_child");
  CHECK(r.failed_nodes().empty());
}

TEST_CASE("failures: a failed sub-flow without fallback fails its parent") {
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "subflow_failed_unhandled", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.failed());
  CHECK(r.count("T4") == 0);
  CHECK(r.failed_nodes() == Json{{"failing_child", Names{r.subflows("failing_child").at(0).id}}});
}

TEST_CASE("failures: two failures without fallback fail the flow once both are done") {
  // Upstream test_two_failures_no_fallback: after T1 fails the flow keeps waiting for T2.
  Signals s;
  RunOptions o = s.options(2);  // T2 holds one worker while the other runs T1
  o.tasks["T2"] = s.fails_after({"NODE_FAILURE:T1"});
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "two_failures_no_fallback", nullptr, std::move(m), o);
  check_clean(r);
  CHECK(r.failed());
  REQUIRE(r.index_of_end("T1") >= 0);
  CHECK(r.index_of_end("T1") < r.index_of_end("T2"));
  CHECK(r.index_of_end("T2") < r.index_of(TraceEvent::FLOW_FAILURE));
  CHECK(r.count_event(TraceEvent::FLOW_FAILURE) == 1);
  CHECK(r.failed_nodes() == Json{{"T1", r.ids("T1")}, {"T2", r.ids("T2")}});
}

TEST_CASE("failures: a fallback for two nodes starts once after both failed") {
  // Upstream test_two_failures_fallback_start.
  Signals s;
  RunOptions o = s.options(2);  // T2 holds one worker while the other runs T1
  o.tasks["T2"] = s.fails_after({"NODE_FAILURE:T1"});
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "two_failures_fallback", nullptr, std::move(m), o);
  check_clean(r);
  CHECK(r.succeeded());
  REQUIRE(r.index_of_end("T1") >= 0);
  CHECK(r.index_of_end("T1") < r.index_of_end("T2"));
  CHECK(r.count("T5") == 1);
  CHECK(r.happened_before("T2", "T5"));
  CHECK(r.fallbacks_started() == std::vector<Json>{list({"T5"})});
  CHECK(r.failed_nodes().empty());
}

TEST_CASE("failures: greedy matching picks the single-node entry when only T1 fails") {
  // Docs' fallback_example: {T1, T2} -> F1, {T1} -> F2.
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "fallback_example", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("F2") == 1);
  CHECK(r.count("F1") == 0);
  CHECK(r.fallbacks_started() == std::vector<Json>{list({"F2"})});
}

TEST_CASE("failures: greedy matching picks the larger set when both fail (F1 only)") {
  MockScript m;
  m.set_task("T1", fails());
  m.set_task("T2", fails());
  auto r = run_flow(sys(), "fallback_example", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("F1") == 1);
  CHECK(r.count("F2") == 0);  // T1 was consumed by the larger set
  CHECK(r.fallbacks_started() == std::vector<Json>{list({"F1"})});
}

TEST_CASE("failures: a failing fallback without its own fallback fails the flow") {
  MockScript m;
  m.set_task("T1", fails());
  m.set_task("T2", fails());
  m.set_task("F1", fails());
  auto r = run_flow(sys(), "fallback_example", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.failed());
  CHECK(r.count("F2") == 0);
  CHECK(r.failed_nodes() == Json{{"F1", r.ids("F1")}});
}

TEST_CASE("failures: several failed instances of one node are each handled once nothing is active") {
  // Upstream test_multiple_failured_tasks: two T1 fail, the true fallback applies twice after Slow finished.
  Signals s;
  RunOptions o = s.options(3);  // Slow holds one worker while the others run both T1
  o.tasks["Slow"] = [&s](const Json&, const selinon::Task&) {
    s.wait("NODE_FAILURE:T1", 2);  // the flow has taken in both failures and still waits for Slow
    return Json();
  };
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "failed_instances", nullptr, std::move(m), o);
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("T1") == 2);
  CHECK(r.fallbacks_started() == std::vector<Json>{true, true});
  REQUIRE(r.index_of_end("Slow") >= 0);
  CHECK(r.index_of_end("Slow") < r.index_of(TraceEvent::FALLBACK_START));
  CHECK(r.failed_nodes().empty());
}

TEST_CASE("failures: a sub-flow with several failed tasks is absorbed by a true fallback on its name") {
  // Upstream test_multiple_failures_from_subflow.
  MockScript m;
  m.set_task("T1", fails());
  m.set_task("T2", fails());
  auto r = run_flow(sys(), "multi_from_subflow", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  auto child_failure = r.events(TraceEvent::FLOW_FAILURE, "multi_child_flow");
  REQUIRE(child_failure.size() == 1);
  CHECK(child_failure[0].at("state").at("failed_nodes").size() == 2);
  CHECK(r.fallbacks_started("multi_from_subflow") == std::vector<Json>{true});
}

TEST_CASE("failures: a fallback for a task and two failed sub-flows waits until nothing is active") {
  // Upstream test_flow_failure, reduced: TaskX for {T2, failing_child, failing_child2} starts only after Slow
  // finished, once, with no parent.
  Signals s;
  RunOptions o = s.options(4);  // Slow holds one worker while the others run T2 and both sub-flows
  o.tasks["Slow"] = s.waits_for({"NODE_FAILURE:T2", "NODE_FAILURE:failing_child", "NODE_FAILURE:failing_child2"});
  MockScript m;
  m.set_task("T1", fails());
  m.set_task("T2", fails());
  auto r = run_flow(sys(), "nested_failure", nullptr, std::move(m), o);
  check_clean(r);
  CHECK(r.succeeded());
  REQUIRE(r.count("TaskX") == 1);
  CHECK(r.happened_before("Slow", "TaskX"));
  CHECK(r.happened_before("failing_child", "TaskX"));
  CHECK(r.happened_before("failing_child2", "TaskX"));
  CHECK(r.parent("TaskX").empty());
  auto starts = r.events(TraceEvent::FALLBACK_START, "nested_failure");
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].at("nodes").size() == 3);
  CHECK(r.failed_nodes().empty());
}

TEST_CASE("failures: a failing fallback is handled by its own fallback") {
  MockScript m;
  m.set_task("T1", fails());
  m.set_task("F1", fails());
  auto r = run_flow(sys(), "fallback_on_fallback", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.tasks_started() == Names{"T1", "F1", "F2"});
  CHECK(r.fallbacks_started() == std::vector<Json>{list({"F1"}), list({"F2"})});
  CHECK(r.happened_before("F1", "F2"));
}

TEST_CASE("failures: a fallback rejoins the main path through its own edge") {
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "fallback_rejoins", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.tasks_started() == Names{"T1", "F1", "T2"});
  CHECK(r.parent("T2") == Json::object({{"F1", r.ids("F1")[0]}}));
}

TEST_CASE("failures: a fallback condition on node_args decides whether the fallback starts") {
  // Upstream test_single_failure_cond_true / _false.
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "cond_args", Json{{"recover", true}}, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("T3") == 1);
  CHECK(r.count_event(TraceEvent::FALLBACK_COND_TRUE) == 1);

  MockScript m2;
  m2.set_task("T1", fails());
  auto r2 = run_flow(sys(), "cond_args", Json{{"recover", false}}, std::move(m2));
  check_clean(r2);
  CHECK(r2.failed());
  CHECK(r2.count("T3") == 0);
  CHECK(r2.count_event(TraceEvent::FALLBACK_COND_FALSE) == 1);
  CHECK(r2.fallbacks_started().empty());
  CHECK(r2.failed_nodes() == Json{{"T1", r2.ids("T1")}});
}

TEST_CASE("failures: fallback conditions true false true start the first and third fallback lists") {
  // Upstream test_multi_failures.
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "cond_multi", Json::object(), std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.tasks_started() == Names{"T1", "T3", "T6", "T7"});
  CHECK(r.fallbacks_started() == std::vector<Json>{list({"T3"}), list({"T6", "T7"})});
  CHECK(r.count_event(TraceEvent::FALLBACK_COND_FALSE) == 1);
}

TEST_CASE("failures: an eager failure fails the flow at once without waiting for active nodes") {
  // Upstream test_eager_failures: T2 is eager; the failure state has active {T3}, finished {T1}, failed {T2}. T3
  // finishes after the flow failed, so its successor T4 never starts.
  Signals s;
  RunOptions o = s.options(4);  // T2 and T3 hold two workers while the others run T1 and the dispatcher
  o.tasks["T2"] = s.fails_after({"NODE_SUCCESSFUL:T1"});
  o.tasks["T3"] = s.waits_for({"FLOW_FAILURE:eager"});
  auto r = run_flow(sys(), "eager", nullptr, {}, o);
  check_clean(r);
  CHECK(r.failed());
  CHECK(r.count_event(TraceEvent::EAGER_FAILURE) == 1);
  long failure = r.index_of(TraceEvent::FLOW_FAILURE);
  REQUIRE(failure >= 0);
  CHECK(failure < r.index_of_end("T3"));
  CHECK(r.count("T4") == 0);
  auto state = r.events(TraceEvent::FLOW_FAILURE).at(0).at("state");
  CHECK(state.at("finished_nodes") == Json{{"T1", r.ids("T1")}});
  CHECK(state.at("failed_nodes") == Json{{"T2", r.ids("T2")}});
  CHECK(state.at("active_nodes") == Json::array({Json{{"name", "T3"}, {"id", r.ids("T3")[0]}}}));
}

TEST_CASE("failures: a true fallback does not save the flow from another unhandled failure") {
  MockScript m;
  m.set_task("T1", fails());
  m.set_task("T2", fails());
  auto r = run_flow(sys(), "true_and_unhandled", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.failed());
  CHECK(r.fallbacks_started() == std::vector<Json>{true});
  // T1's failure was absorbed; T2's remains.
  CHECK(r.failed_nodes() == Json{{"T2", r.ids("T2")}});
}

TEST_CASE("failures: a started fallback lets the flow run on and the unhandled failure fails it afterwards") {
  MockScript m;
  m.set_task("T1", fails());
  m.set_task("T2", fails());
  auto r = run_flow(sys(), "partial_fallback", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.failed());
  CHECK(r.count("F1") == 1);
  CHECK(r.index_of_end("F1") < r.index_of(TraceEvent::FLOW_FAILURE));
  CHECK(r.count_event(TraceEvent::FLOW_FAILURE) == 1);
  CHECK(r.failed_nodes() == Json{{"T2", r.ids("T2")}});
  CHECK(r.finished_nodes() == Json{{"F1", r.ids("F1")}});
}
