// The same semantics with four worker threads: only causal order and counts are asserted, never interleavings.
#include <atomic>
#include <memory>
#include <set>
#include <string>

#include "harness.hpp"
#include "signals.hpp"
#include "systems.hpp"

using namespace scenario;
using selinon::MockScript;

TEST_CASE("concurrency: a join with slow sources fires exactly once after both") {
  Signals s;
  RunOptions o = s.options(4);
  std::string first, second;  // the order the sources' successes reach the flow in, where the subcase fixes one
  SUBCASE("T1's success is taken in first") {
    o.tasks["T2"] = s.waits_for({"NODE_SUCCESSFUL:T1"});
    first = "T1";
    second = "T2";
  }
  SUBCASE("both sources run at once") {
    o.tasks["T1"] = s.waits_for({"TASK_START:T2"});
    o.tasks["T2"] = s.waits_for({"TASK_START:T1"});
  }
  SUBCASE("T2's success is taken in first") {
    o.tasks["T1"] = s.waits_for({"NODE_SUCCESSFUL:T2"});
    first = "T2";
    second = "T1";
  }
  auto r = run_flow(scenario_edges::system(), "two_to_one", nullptr, {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  if (!first.empty()) {
    REQUIRE(r.index_of_end(first) >= 0);
    CHECK(r.index_of_end(first) < r.index_of_end(second));
  }
  CHECK(r.count("T3") == 1);
  CHECK(r.happened_before("T1", "T3"));
  CHECK(r.happened_before("T2", "T3"));
  CHECK(r.parent("T3") == Json::object({{"T1", r.ids("T1")[0]}, {"T2", r.ids("T2")[0]}}));
}

TEST_CASE("concurrency: 3 to 3 starts each destination once after all sources") {
  auto r = run_flow(scenario_edges::system(), "three_to_three", nullptr, {}, 4);
  check_clean(r);
  CHECK(r.succeeded());
  for (const char* dst : {"T4", "T5", "T6"}) {
    CHECK(r.count(dst) == 1);
    for (const char* src : {"T1", "T2", "T3"}) CHECK(r.happened_before(src, dst));
  }
}

TEST_CASE("concurrency: the cyclic diamond still forms exactly four T4 combinations") {
  auto t1_runs = std::make_shared<std::atomic<int>>(0);
  RunOptions o;
  o.concurrency = 4;
  o.tasks["T1"] = [t1_runs](const Json&, const selinon::Task&) { return Json{{"iteration", ++*t1_runs}}; };
  o.tasks["T4"] = [t1_runs](const Json&, const selinon::Task&) { return Json{{"again", t1_runs->load() < 2}}; };
  auto r = run_flow(scenario_cycles::system(), "diamond", nullptr, {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  REQUIRE(r.count("T4") == 4);
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& run : r.runs("T4")) {
    pairs.emplace(run.parent.at("T2").get<std::string>(), run.parent.at("T3").get<std::string>());
    CHECK(r.ended_before_started(run.parent.at("T2").get<std::string>(), run.id));
    CHECK(r.ended_before_started(run.parent.at("T3").get<std::string>(), run.id));
  }
  CHECK(pairs.size() == 4);
}

TEST_CASE("concurrency: foreach fan-out starts items x destinations after their source") {
  MockScript m;
  m.set_foreach("three", Json::array({1, 2, 3}));
  Signals s;
  RunOptions o = s.options(4);  // three T2 wait for each other; the fourth worker runs the rest
  o.tasks["T2"] = [&s](const Json&, const selinon::Task&) {
    s.wait("TASK_START:T2", 3);  // the three items' T2 overlap
    return Json();
  };
  auto r = run_flow(scenario_foreach::system(), "foreach_inner", nullptr, std::move(m), o);
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("T2") == 3);
  CHECK(r.count("T3") == 3);
  for (const char* t : {"T2", "T3"}) CHECK(r.happened_before("T1", t));
  CHECK(r.finished("T2").size() == 3);
}

TEST_CASE("concurrency: a failed branch does not stop the others and the flow fails at the end") {
  Signals s;
  RunOptions o = s.options(4);
  o.tasks["T1"] = s.waits_for({"NODE_FAILURE:T2"});  // still running when the flow takes in T2's failure
  MockScript m;
  m.set_task("T2", fails());
  auto r = run_flow(scenario_failures::system(), "independent_branch", nullptr, std::move(m), o);
  check_clean(r);
  CHECK(r.failed());
  REQUIRE(r.index_of_end("T2") >= 0);
  CHECK(r.index_of_end("T2") < r.index_of_end("T1"));
  CHECK(r.count("T3") == 1);
  CHECK(r.index_of_end("T3") < r.index_of(TraceEvent::FLOW_FAILURE));
}

TEST_CASE("concurrency: nested sub-flows propagate their finished nodes") {
  auto r = run_flow(scenario_subflows::system(), "nested_finished", nullptr, {}, 4);
  check_clean(r);
  CHECK(r.succeeded());
  REQUIRE(r.count("TaskX") == 1);
  Json parent = r.parent("TaskX");
  CHECK(parent.at("fin2").at("Task3").size() == 2);
  CHECK(parent.at("fin2").at("fin3").at("Task4").size() == 2);
  CHECK(r.index_of_end(r.subflows("fin3").at(0).id) < r.index_of_end(r.subflows("fin2").at(0).id));
}

TEST_CASE("concurrency: a recursive flow nests three levels and ends innermost first") {
  RunOptions o;
  o.concurrency = 4;
  o.tasks["Counter"] = [](const Json&, const selinon::Task& task) {
    int n = task.parent().contains("Counter") ? task.parent_task_result("Counter").at("n").get<int>() + 1 : 1;
    return Json{{"n", n}};
  };
  auto r = run_flow(scenario_cycles::system(), "recursive_flow", nullptr, {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("Counter") == 3);
  CHECK(r.flow_starts("recursive_flow").size() == 3);
}
