// nowait nodes end to end (spec §3.13; upstream test_nowait.py): started, never waited for, never in the result.
#include "harness.hpp"
#include "signals.hpp"
#include "systems.hpp"

using namespace scenario;
using selinon::MockScript;
using Names = std::vector<std::string>;

namespace {
const selinon::SystemDescriptor& sys() { return scenario_nowait::system(); }
}  // namespace

TEST_CASE("nowait: a flow whose only node is a nowait task ends without waiting for it") {
  Signals s;
  RunOptions o = s.options(2);  // Slow holds one worker while the other runs the dispatcher
  o.tasks["Slow"] = s.waits_for({"FLOW_END:nowait_task"});
  auto r = run_flow(sys(), "nowait_task", nullptr, {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("Slow") == 1);
  // The flow ended before the task did, and the task is nowhere in the result.
  REQUIRE(r.index_of_end("nowait_task") >= 0);
  CHECK(r.index_of_end("nowait_task") < r.index_of_end("Slow"));
  CHECK(r.finished_nodes().empty());
  CHECK(r.result.at("active_nodes").empty());
}

TEST_CASE("nowait: a nowait sub-flow is not waited for") {
  Signals s;
  RunOptions o = s.options(2);  // the child's Slow holds one worker while the other runs the dispatchers
  o.tasks["Slow"] = s.waits_for({"FLOW_END:nowait_flow"});
  auto r = run_flow(sys(), "nowait_flow", nullptr, {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  REQUIRE(r.subflows("nowait_child").size() == 1);
  std::string child = r.subflows("nowait_child")[0].id;
  REQUIRE(r.index_of_end(r.dispatcher_id) >= 0);
  CHECK(r.index_of_end(r.dispatcher_id) < r.index_of_end(child));
  CHECK(r.finished_nodes().empty());
}

TEST_CASE("nowait: inside a flow only the waited-for successor keeps the flow alive") {
  // Upstream test_nowait_in_flow: T1 -> {T2, Slow(nowait)}: after T1 only T2 is active.
  Signals s;
  RunOptions o = s.options(2);  // Slow holds one worker while the other runs T2 and the dispatcher
  o.tasks["Slow"] = s.waits_for({"FLOW_END:nowait_in_flow"});
  auto r = run_flow(sys(), "nowait_in_flow", nullptr, {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("Slow") == 1);
  CHECK(r.parent("Slow") == Json::object({{"T1", r.ids("T1")[0]}}));
  REQUIRE(r.index_of_end("T2") >= 0);
  CHECK(r.index_of_end("T2") < r.index_of_end("nowait_in_flow"));
  CHECK(r.index_of_end("nowait_in_flow") < r.index_of_end("Slow"));
  CHECK(r.finished_nodes() == Json{{"T1", r.ids("T1")}, {"T2", r.ids("T2")}});
}

// A sub-flow's run is dropped once it ends; the completion of a nowait task that outlives it must be ignored as late
// news (as for a top-level flow), not dead-lettered.
TEST_CASE("nowait: a nowait task outliving its sub-flow is ignored quietly") {
  Signals s;
  RunOptions o = s.options(2);  // Slow holds one worker while the other ends the sub-flow and runs T3
  o.tasks["Slow"] = s.waits_for({"TASK_START:T3"});
  auto r = run_flow(sys(), "nowait_parent", nullptr, {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  // The sub-flow ended (so T3 started) while its nowait Slow still ran.
  CHECK(r.happened_before("nowait_in_flow", "T3"));
  REQUIRE(r.index_of_start("T3") >= 0);
  CHECK(r.index_of_start("T3") < r.index_of_end("Slow"));
}

TEST_CASE("nowait: a sub-flow ends and its successor starts while the sub-flow's nowait task still runs") {
  // The observable part of the scenario above that works today (the dead letter aside).
  Signals s;
  RunOptions o = s.options(2);  // Slow holds one worker while the other ends the sub-flow and runs T3
  o.tasks["Slow"] = s.waits_for({"TASK_START:T3"});
  auto r = run_flow(sys(), "nowait_parent", nullptr, {}, o);
  CHECK(r.succeeded());
  CHECK(r.happened_before("nowait_in_flow", "T3"));
  REQUIRE(r.index_of_start("T3") >= 0);
  CHECK(r.index_of_start("T3") < r.index_of_end("Slow"));
}

TEST_CASE("nowait: a nowait fallback is started and the failure counts as handled") {
  Signals s;
  RunOptions o = s.options(2);  // Slow holds one worker while the other runs the dispatcher
  o.tasks["Slow"] = s.waits_for({"FLOW_END:nowait_fallback"});
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "nowait_fallback", nullptr, std::move(m), o);
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.fallbacks_started() == std::vector<Json>{Json::array({"Slow"})});
  CHECK(r.count("Slow") == 1);
  REQUIRE(r.index_of_end("nowait_fallback") >= 0);
  CHECK(r.index_of_end("nowait_fallback") < r.index_of_end("Slow"));
  CHECK(r.failed_nodes().empty());
}
