// node_args_from_first end to end (spec §3.9; upstream test_node_args.py): the first result becomes the node_args.
#include "harness.hpp"
#include "systems.hpp"

using namespace scenario;
using selinon::MockScript;

namespace {
const selinon::SystemDescriptor& sys() { return scenario_node_args::system(); }

MockScript first_returns_42() {
  MockScript m;
  m.set_task("T1", returns(Json{{"x", 42}}));
  return m;
}
}  // namespace

TEST_CASE("node_args: node_args_from_first gives later tasks the first task's result") {
  auto r = run_flow(sys(), "task2task", Json{{"orig", 1}}, first_returns_42());
  check_clean(r);
  CHECK(r.succeeded());
  // The starting task runs with the original node_args, everything after it with T1's stored result.
  CHECK(r.node_args("T1") == Json{{"orig", 1}});
  CHECK(r.node_args("T2") == Json{{"x", 42}});
  CHECK(r.events(TraceEvent::FLOW_END).at(0).at("node_args") == Json{{"x", 42}});
}

TEST_CASE("node_args: node_args_from_first does not reach a sub-flow without propagate_node_args") {
  auto r = run_flow(sys(), "task2flow", Json{{"orig", 1}}, first_returns_42());
  check_clean(r);
  CHECK(r.succeeded());
  REQUIRE(r.subflows("na_child").size() == 1);
  CHECK(r.subflows("na_child")[0].node_args.is_null());
  CHECK(r.node_args("T2").is_null());
}

TEST_CASE("node_args: node_args_from_first reaches a sub-flow with propagate_node_args") {
  auto r = run_flow(sys(), "task2flow_propagate", Json{{"orig", 1}}, first_returns_42());
  check_clean(r);
  CHECK(r.succeeded());
  REQUIRE(r.subflows("na_child").size() == 1);
  CHECK(r.subflows("na_child")[0].node_args == Json{{"x", 42}});
  CHECK(r.node_args("T2") == Json{{"x", 42}});
}

TEST_CASE("node_args: node_args_from_first gives every successor the first result") {
  auto r = run_flow(sys(), "task2tasks", Json{{"orig", 1}}, first_returns_42());
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.node_args("T2") == Json{{"x", 42}});
  CHECK(r.node_args("T3") == Json{{"x", 42}});
}

TEST_CASE("node_args: in a self loop the second run receives the first run's result") {
  // Upstream test_recurse. Inc returns {n: node_args.n + 1}; the loop goes on while n < 2.
  RunOptions o;
  o.tasks["Inc"] = [](const Json& args, const selinon::Task&) { return Json{{"n", args.at("n").get<int>() + 1}}; };
  auto r = run_flow(sys(), "recurse", Json{{"n", 0}}, {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  REQUIRE(r.count("Inc") == 2);
  CHECK(r.node_args("Inc", 0) == Json{{"n", 0}});
  CHECK(r.node_args("Inc", 1) == Json{{"n", 1}});
  // Only the first finished node replaces node_args: the second result ({n: 2}) does not.
  CHECK(r.events(TraceEvent::FLOW_END).at(0).at("node_args") == Json{{"n", 1}});
}
