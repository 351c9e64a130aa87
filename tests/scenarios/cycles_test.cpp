// Cycles end to end (spec §3.6 "Cycles", §7.1.1): self loops, all combinations in the cyclic diamond, upstream's
// recursive graphs and a recursive sub-flow. Loops are bounded by conditions on results of tasks coded here.
#include <atomic>
#include <memory>
#include <set>

#include "harness.hpp"
#include "systems.hpp"

using namespace scenario;
using selinon::MockScript;
using Names = std::vector<std::string>;

namespace {
const selinon::SystemDescriptor& sys() { return scenario_cycles::system(); }

// Counter: 1 when started without a Counter parent, else the parent Counter's n + 1 (read from storage).
Json counter(const Json&, const selinon::Task& task) {
  int n = task.parent().contains("Counter") ? task.parent_task_result("Counter").at("n").get<int>() + 1 : 1;
  return Json{{"n", n}};
}

// A task that says "again" on its first run only.
TaskFn again_once() {
  auto runs = std::make_shared<std::atomic<int>>(0);
  return [runs](const Json&, const selinon::Task&) { return Json{{"again", ++*runs == 1}}; };
}
}  // namespace

TEST_CASE("cycles: a self loop re-runs its node for every finished instance until the condition fails") {
  RunOptions o;
  o.tasks["Counter"] = counter;
  auto r = run_flow(sys(), "self_loop", nullptr, {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  // n = 1, 2, 3; the loop condition n < 3 is false only for the third.
  auto runs = r.runs("Counter");
  REQUIRE(runs.size() == 3);
  CHECK(runs[0].parent == Json::object());
  CHECK(runs[1].parent == Json::object({{"Counter", runs[0].id}}));
  CHECK(runs[2].parent == Json::object({{"Counter", runs[1].id}}));
  CHECK(r.ended_before_started(runs[0].id, runs[1].id));
  CHECK(r.ended_before_started(runs[1].id, runs[2].id));
  CHECK(r.count_event(TraceEvent::EDGE_COND_FALSE) == 1);
  CHECK(r.finished("Counter") == r.ids("Counter"));
}

TEST_CASE("cycles: the cyclic diamond forms every combination (four T4 after two iterations)") {
  // T1 -> {T2, T3} -> T4 -> T1; T4 asks for another iteration while T1 ran fewer than twice. Every T4 after the
  // second T1 therefore says stop, whatever the interleaving.
  auto t1_runs = std::make_shared<std::atomic<int>>(0);
  RunOptions o;
  o.tasks["T1"] = [t1_runs](const Json&, const selinon::Task&) { return Json{{"iteration", ++*t1_runs}}; };
  o.tasks["T4"] = [t1_runs](const Json&, const selinon::Task&) { return Json{{"again", t1_runs->load() < 2}}; };
  auto r = run_flow(sys(), "diamond", nullptr, {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("T1") == 2);
  CHECK(r.count("T2") == 2);
  CHECK(r.count("T3") == 2);
  REQUIRE(r.count("T4") == 4);
  // The four parents are exactly T2 ids × T3 ids, each pair once.
  std::set<std::pair<std::string, std::string>> pairs, expected;
  for (const auto& run : r.runs("T4")) pairs.emplace(run.parent.at("T2").get<std::string>(), run.parent.at("T3").get<std::string>());
  for (const auto& a : r.ids("T2")) {
    for (const auto& b : r.ids("T3")) expected.emplace(a, b);
  }
  CHECK(pairs == expected);
  // The second T1 was started by the first T4 (the only one that said "again").
  CHECK(r.parent("T1", 1) == Json::object({{"T4", r.ids("T4")[0]}}));
  CHECK(r.parent("T4", 0) == Json::object({{"T2", r.ids("T2")[0]}, {"T3", r.ids("T3")[0]}}));
  CHECK(r.parent("T2", 1) == Json::object({{"T1", r.ids("T1")[1]}}));
  CHECK(r.finished("T4").size() == 4);
}

TEST_CASE("cycles: upstream 1 to 2 recursive runs the loop twice and keeps string node_args") {
  // T1 -> {T2, T3}, T3 -> T1 (once).
  RunOptions o;
  o.tasks["T3"] = again_once();
  auto r = run_flow(sys(), "recursive_1_to_2", "some string", {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.tasks_started() == Names{"T1", "T2", "T3", "T1", "T2", "T3"});
  for (const char* t : {"T1", "T2", "T3"}) {
    REQUIRE(r.count(t) == 2);
    CHECK(r.node_args(t, 0) == "some string");
    CHECK(r.node_args(t, 1) == "some string");
  }
  CHECK(r.parent("T1", 1) == Json::object({{"T3", r.ids("T3")[0]}}));
  CHECK(r.finished("T1").size() == 2);
}

TEST_CASE("cycles: upstream 2 to 1 recursive combines the first T1 with the second T2") {
  // [T1, T2] -> T3, T3 -> T2 (once): the second T3 pairs the only T1 with the new T2.
  RunOptions o;
  o.tasks["T3"] = again_once();
  auto r = run_flow(sys(), "recursive_2_to_1", nullptr, {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("T1") == 1);
  REQUIRE(r.count("T2") == 2);
  REQUIRE(r.count("T3") == 2);
  std::string t1 = r.ids("T1")[0];
  auto t2 = r.ids("T2");
  auto t3 = r.ids("T3");
  CHECK(r.parent("T3", 0) == Json::object({{"T1", t1}, {"T2", t2[0]}}));
  CHECK(r.parent("T2", 1) == Json::object({{"T3", t3[0]}}));
  CHECK(r.parent("T3", 1) == Json::object({{"T1", t1}, {"T2", t2[1]}}));
  CHECK(r.ended_before_started(t3[0], t2[1]));
}

TEST_CASE("cycles: a flow may start itself recursively (propagate_parent carries the counter down)") {
  RunOptions o;
  o.tasks["Counter"] = counter;
  auto r = run_flow(sys(), "recursive_flow", nullptr, {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  auto starts = r.flow_starts("recursive_flow");
  REQUIRE(starts.size() == 3);
  auto children = r.subflows("recursive_flow");
  REQUIRE(children.size() == 2);
  auto counters = r.runs("Counter");
  REQUIRE(counters.size() == 3);
  // Each level's Counter runs in its own flow run and gets the previous level's Counter as parent.
  CHECK(counters[0].dispatcher_id == r.dispatcher_id);
  CHECK(counters[1].dispatcher_id == children[0].id);
  CHECK(counters[2].dispatcher_id == children[1].id);
  CHECK(children[0].parent == Json::object({{"Counter", counters[0].id}}));
  CHECK(children[1].parent == Json::object({{"Counter", counters[1].id}}));
  CHECK(counters[1].parent == Json::object({{"Counter", counters[0].id}}));
  CHECK(counters[2].parent == Json::object({{"Counter", counters[1].id}}));
  // A parent level ends only after its child: the innermost ends first, the top-level flow last.
  CHECK(r.index_of_end(children[1].id) < r.index_of_end(children[0].id));
  CHECK(r.index_of_end(children[0].id) < r.index_of_end(r.dispatcher_id));
  CHECK(r.finished("recursive_flow") == Names{children[0].id});
}
