// Core edge semantics end to end (spec §3.4, §3.6; upstream test_system_state.py): what starts, when, with which parent.
#include "harness.hpp"
#include "signals.hpp"
#include "systems.hpp"

using namespace scenario;
using selinon::MockScript;
using Names = std::vector<std::string>;

namespace {
const selinon::SystemDescriptor& sys() { return scenario_edges::system(); }
}  // namespace

TEST_CASE("edges: a single starting edge runs its node once with the flow's parent and node_args") {
  auto r = run_flow(sys(), "single_start", Json{{"k", 1}}, {});
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.tasks_started() == Names{"T1"});
  // A starting edge hands over the flow's own parent mapping: {} for a top-level flow.
  CHECK(r.parent("T1") == Json::object());
  CHECK(r.node_args("T1") == Json{{"k", 1}});
  // Tasks carry the id of the dispatcher that started them.
  CHECK(r.runs("T1")[0].dispatcher_id == r.dispatcher_id);
  CHECK(r.finished("T1") == r.ids("T1"));
  CHECK(r.failed_nodes().empty());
}

TEST_CASE("edges: several starting edges all fire at flow start in edge order") {
  auto r = run_flow(sys(), "several_starts", Json{{"k", 1}}, {});
  check_clean(r);
  CHECK(r.succeeded());
  // Concurrency 1 and one queue: start order is edge index order, destinations in `to` order.
  CHECK(r.tasks_started() == Names{"T1", "T2", "T3", "T4"});
  for (const char* t : {"T1", "T2", "T3", "T4"}) {
    CHECK(r.parent(t) == Json::object());
    CHECK(r.node_args(t) == Json{{"k", 1}});
  }
  CHECK(r.count_event(TraceEvent::FLOW_START) == 1);
}

TEST_CASE("edges: a chain runs each node after its predecessor with that predecessor as parent") {
  auto r = run_flow(sys(), "chain", nullptr, {});
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.tasks_started() == Names{"T1", "T2", "T3"});
  CHECK(r.happened_before("T1", "T2"));
  CHECK(r.happened_before("T2", "T3"));
  CHECK(r.parent("T2") == Json::object({{"T1", r.ids("T1")[0]}}));
  CHECK(r.parent("T3") == Json::object({{"T2", r.ids("T2")[0]}}));
  // Upstream test_simple1: node_args stays null all along.
  CHECK(r.node_args("T2").is_null());
  CHECK(r.node_args("T3").is_null());
  // The flow ends only after the last node: FLOW_END follows T3's end.
  CHECK(r.index_of_end("T3") < r.index_of_end("chain"));
  CHECK(r.finished_nodes() == Json{{"T1", r.ids("T1")}, {"T2", r.ids("T2")}, {"T3", r.ids("T3")}});
}

TEST_CASE("edges: 1 to 2 starts both destinations with the same parent") {
  auto r = run_flow(sys(), "one_to_two", nullptr, {});
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.tasks_started() == Names{"T1", "T2", "T3"});
  Json parent = Json::object({{"T1", r.ids("T1")[0]}});
  CHECK(r.parent("T2") == parent);
  CHECK(r.parent("T3") == parent);
  CHECK(r.happened_before("T1", "T2"));
  CHECK(r.happened_before("T1", "T3"));
}

TEST_CASE("edges: the flow waits for its slowest node (T3 finishing first does not end it)") {
  // Upstream test_1_to_2_separate: T2 is slow, T3 finishes first; the flow ends only after T2.
  Signals s;
  RunOptions o = s.options(2);  // T2 holds one worker while the other runs T3
  o.tasks["T2"] = s.waits_for({"NODE_SUCCESSFUL:T3"});
  auto r = run_flow(sys(), "one_to_two", nullptr, {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  REQUIRE(r.index_of_end("T3") >= 0);
  CHECK(r.index_of_end("T3") < r.index_of_end("T2"));
  CHECK(r.index_of_end("T2") < r.index_of_end("one_to_two"));
  CHECK(r.count_event(TraceEvent::FLOW_END) == 1);
}

TEST_CASE("edges: 1 to 3 starts all three children and ends after the last one") {
  Signals s;
  RunOptions o = s.options(3);
  o.tasks["T3"] = s.waits_for({"NODE_SUCCESSFUL:T2", "NODE_SUCCESSFUL:T4"});  // T3 is the last child to end
  auto r = run_flow(sys(), "one_to_three", nullptr, {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  for (const char* t : {"T2", "T4"}) {
    REQUIRE(r.index_of_end(t) >= 0);
    CHECK(r.index_of_end(t) < r.index_of_end("T3"));
  }
  for (const char* t : {"T2", "T3", "T4"}) {
    CHECK(r.count(t) == 1);
    CHECK(r.parent(t) == Json::object({{"T1", r.ids("T1")[0]}}));
    CHECK(r.index_of_end(t) < r.index_of_end("one_to_three"));
  }
}

TEST_CASE("edges: a 2 to 1 join fires once after both sources with both ids as parent") {
  // Upstream test_2_to_1: T3 does not start after only T2 finished; it starts once T1 finished too.
  Signals s;
  RunOptions o = s.options(2);  // T1 holds one worker while the other runs T2
  o.tasks["T1"] = s.waits_for({"NODE_SUCCESSFUL:T2"}, Json{{"x", 1}});
  MockScript m;
  m.set_task("T2", returns(Json{{"y", 2}}));
  auto r = run_flow(sys(), "two_to_one", Json{{"orig", true}}, std::move(m), o);
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("T3") == 1);
  REQUIRE(r.index_of_end("T2") >= 0);
  CHECK(r.index_of_end("T2") < r.index_of_end("T1"));
  CHECK(r.happened_before("T1", "T3"));
  CHECK(r.happened_before("T2", "T3"));
  CHECK(r.parent("T3") == Json::object({{"T1", r.ids("T1")[0]}, {"T2", r.ids("T2")[0]}}));
  // Task results never leak into node_args.
  CHECK(r.node_args("T3") == Json{{"orig", true}});
}

TEST_CASE("edges: separate edges T1 to T3 and T2 to T3 start two T3 instances") {
  // Upstream test_2_to_1_separate: one T3 per source completion, the flow ends after both.
  auto r = run_flow(sys(), "two_to_one_separate", nullptr, {});
  check_clean(r);
  CHECK(r.succeeded());
  REQUIRE(r.count("T3") == 2);
  Json parents = Json::array({r.parent("T3", 0), r.parent("T3", 1)});
  CHECK(sorted(parents) == sorted(Json::array({Json::object({{"T1", r.ids("T1")[0]}}),
                                               Json::object({{"T2", r.ids("T2")[0]}})})));
  CHECK(r.finished("T3").size() == 2);
  CHECK(r.index_of_end(r.ids("T3")[1]) < r.index_of_end("two_to_one_separate"));
}

TEST_CASE("edges: a 3 to 1 join fires once after all three sources") {
  Signals s;
  RunOptions o = s.options(3);
  o.tasks["T2"] = s.waits_for({"NODE_SUCCESSFUL:T1", "NODE_SUCCESSFUL:T3"});  // the join's last source
  auto r = run_flow(sys(), "three_to_one", nullptr, {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("T4") == 1);
  for (const char* t : {"T1", "T2", "T3"}) CHECK(r.happened_before(t, "T4"));
  CHECK(r.parent("T4") ==
        Json::object({{"T1", r.ids("T1")[0]}, {"T2", r.ids("T2")[0]}, {"T3", r.ids("T3")[0]}}));
}

TEST_CASE("edges: a 3 to 1 join with a false condition never starts its node and the flow still succeeds") {
  // Upstream test_3_to_1_fail. The condition is evaluated exactly once: when the last source finishes.
  auto r = run_flow(sys(), "three_to_one_false", Json{{"go", false}}, {});
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("T4") == 0);
  CHECK(r.count_event(TraceEvent::EDGE_COND_FALSE) == 1);
  CHECK(r.finished_nodes().size() == 3);
}

TEST_CASE("edges: a 3 to 1 join with a true condition starts its node") {
  auto r = run_flow(sys(), "three_to_one_false", Json{{"go", true}}, {});
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("T4") == 1);
}

TEST_CASE("edges: 3 to 3 starts every destination once after all sources in to order") {
  auto r = run_flow(sys(), "three_to_three", nullptr, {});
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.tasks_started() == Names{"T1", "T2", "T3", "T4", "T5", "T6"});
  Json parent = Json::object({{"T1", r.ids("T1")[0]}, {"T2", r.ids("T2")[0]}, {"T3", r.ids("T3")[0]}});
  for (const char* t : {"T4", "T5", "T6"}) {
    CHECK(r.count(t) == 1);
    CHECK(r.parent(t) == parent);
    CHECK(r.happened_before("T3", t));
  }
}
