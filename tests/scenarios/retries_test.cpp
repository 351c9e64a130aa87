// Task retries (spec §3.15) and flow restarts (spec §3.14.3) end to end.
#include <atomic>
#include <memory>

#include "harness.hpp"
#include "signals.hpp"
#include "systems.hpp"

using namespace scenario;
using selinon::MockBehaviour;
using selinon::MockScript;
using Names = std::vector<std::string>;

namespace {
const selinon::SystemDescriptor& sys() { return scenario_retries::system(); }

MockBehaviour fail_times(int n) {
  MockBehaviour b;
  b.fail_times = n;
  return b;
}
}  // namespace

TEST_CASE("retries: a task failing fewer times than max_retry succeeds under the same id") {
  MockScript m;
  m.set_task("R1", fail_times(2));  // max_retry 2: attempts 1 and 2 fail, attempt 3 succeeds
  auto r = run_flow(sys(), "task_retry_ok", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.attempts("R1") == 3);
  CHECK(r.count("R1") == 1);  // a retried task keeps its id
  CHECK(r.count_event(TraceEvent::TASK_RETRY) == 2);
  CHECK(r.count_event(TraceEvent::TASK_FAILURE) == 0);
  // Its successor starts once, after the successful attempt.
  CHECK(r.count("T2") == 1);
  CHECK(r.happened_before("R1", "T2"));
  CHECK(r.parent("T2") == Json::object({{"R1", r.ids("R1")[0]}}));
}

TEST_CASE("retries: a task failing once with max_retry 2 runs twice") {
  MockScript m;
  m.set_task("R1", fail_times(1));
  auto r = run_flow(sys(), "task_retry_ok", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.attempts("R1") == 2);
}

TEST_CASE("retries: a task failing more times than max_retry fails the flow after max_retry + 1 attempts") {
  MockScript m;
  m.set_task("R2", fail_times(3));
  auto r = run_flow(sys(), "task_retry_exhausted", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.failed());
  CHECK(r.attempts("R2") == 3);
  CHECK(r.count_event(TraceEvent::TASK_RETRY) == 2);
  CHECK(r.count_event(TraceEvent::TASK_FAILURE) == 1);
  CHECK(r.count("T2") == 0);
}

TEST_CASE("retries: a fatal task failure skips the remaining retries") {
  MockScript m;
  MockBehaviour fatal;
  fatal.always_fail = true;
  fatal.fatal = true;
  m.set_task("R3", fatal);  // max_retry 3
  auto r = run_flow(sys(), "task_fatal", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.failed());
  CHECK(r.attempts("R3") == 1);
  CHECK(r.count_event(TraceEvent::TASK_RETRY) == 0);
}

TEST_CASE("retries: a flow with max_retry restarts from scratch and its start tasks run again") {
  MockScript m;
  m.set_task("T1", fail_times(1));  // fails in the first flow attempt only
  auto r = run_flow(sys(), "flow_restart", Json{{"a", 1}}, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  auto starts = r.flow_starts("flow_restart");
  REQUIRE(starts.size() == 2);
  CHECK(starts[0].at("retried_count") == 0);
  CHECK(starts[1].at("retried_count") == 1);
  CHECK(starts[1].at("node_args") == Json{{"a", 1}});
  CHECK(r.count_event(TraceEvent::FLOW_RETRY) == 1);
  auto failure = r.events(TraceEvent::FLOW_FAILURE);
  REQUIRE(failure.size() == 1);
  CHECK(failure[0].at("will_retry") == true);
  // Both start tasks ran twice as new instances; earlier results are not reused.
  REQUIRE(r.count("T1") == 2);
  REQUIRE(r.count("T2") == 2);
  CHECK(r.finished("T1") == Names{r.ids("T1")[1]});
  CHECK(r.finished("T2") == Names{r.ids("T2")[1]});
}

TEST_CASE("retries: a flow failing more often than max_retry fails for good") {
  MockScript m;
  m.set_task("T1", fails());
  auto r = run_flow(sys(), "flow_restart_exhausted", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.failed());
  CHECK(r.flow_starts("flow_restart_exhausted").size() == 3);  // max_retry 2: three attempts
  CHECK(r.count_event(TraceEvent::FLOW_RETRY) == 2);
  auto failures = r.events(TraceEvent::FLOW_FAILURE);
  REQUIRE(failures.size() == 3);
  CHECK(failures[0].at("will_retry") == true);
  CHECK(failures[1].at("will_retry") == true);
  CHECK(failures[2].at("will_retry") == false);
  CHECK(r.count("T1") == 3);
}

TEST_CASE("retries: an eager failure restarts the flow at once and orphans the still running node") {
  // T2 of the first attempt is still running when T1 fails eagerly; the restart runs T1 and T2 again and the
  // orphaned T2's completion does not count.
  Signals s;
  RunOptions o = s.options(3);  // the first T2 holds one worker while the others run T1 and the restart
  o.tasks["T2"] = s.waits_for({"FLOW_RETRY:eager_restart"});  // the second attempt's T2 finds it raised
  MockScript m;
  m.set_task("T1", fail_times(1));
  auto r = run_flow(sys(), "eager_restart", nullptr, std::move(m), o);
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count_event(TraceEvent::EAGER_FAILURE) == 1);
  REQUIRE(r.count("T2") == 2);
  REQUIRE(r.index_of(TraceEvent::FLOW_RETRY) >= 0);
  CHECK(r.index_of(TraceEvent::FLOW_RETRY) < r.index_of_end(r.ids("T2")[0]));
  CHECK(r.finished("T2") == Names{r.ids("T2")[1]});
}

TEST_CASE("retries: a node of the failed attempt finishing before the delayed restart starts nothing") {
  Signals s;
  RunOptions o = s.options(3);  // the first T2 holds one worker while the others run T1 and the dispatcher
  // The first attempt's T2 ends once that attempt has failed, so during the 1 s retry_countdown; the second
  // attempt's T2 finds the signal raised.
  o.tasks["T2"] = s.waits_for({"FLOW_RETRY:eager_restart_delayed"});
  MockScript m;
  m.set_task("T1", fail_times(1));
  auto r = run_flow(sys(), "eager_restart_delayed", nullptr, std::move(m), o);
  check_clean(r);
  CHECK(r.succeeded());
  REQUIRE(r.count("T2") == 2);
  // The scenario itself: the first attempt's T2 ended while the restart was still due.
  long restart = r.index_of(TraceEvent::FLOW_START, [](const Json& d) { return d.value("retried_count", 0) == 1; });
  REQUIRE(r.index_of_end(r.ids("T2")[0]) >= 0);
  CHECK(r.index_of(TraceEvent::FLOW_RETRY) < r.index_of_end(r.ids("T2")[0]));
  CHECK(r.index_of_end(r.ids("T2")[0]) < restart);
  REQUIRE(r.count("T3") == 1);  // only from the second attempt's T2
  CHECK(r.ended_before_started(r.ids("T2")[1], r.ids("T3")[0]));
}

TEST_CASE("retries: a sub-flow restarting on its own looks successful to its parent") {
  MockScript m;
  m.set_task("T1", fail_times(1));
  auto r = run_flow(sys(), "restart_parent", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.flow_starts("restart_child").size() == 2);
  CHECK(r.flow_starts("restart_parent").size() == 1);
  CHECK(r.count_event(TraceEvent::NODE_FAILURE, "restart_parent") == 0);
  CHECK(r.count("T3") == 1);
  CHECK(r.happened_before("restart_child", "T3"));
}

TEST_CASE("retries: a retry requested by the task itself is not counted against max_retry") {
  // T1 has max_retry 0 yet asks for two retries and then succeeds (spec §3.15: user retries never count).
  auto runs = std::make_shared<std::atomic<int>>(0);
  RunOptions o;
  o.tasks["T1"] = [runs](const Json&, const selinon::Task& task) -> Json {
    if (++*runs < 3) task.retry(0);
    return Json{{"done", true}};
  };
  auto r = run_flow(sys(), "flow_restart_exhausted", nullptr, {}, o);
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.attempts("T1") == 3);
  CHECK(r.count("T1") == 1);
  auto retries = r.events(TraceEvent::TASK_RETRY);
  REQUIRE(retries.size() == 2);
  for (const auto& e : retries) CHECK(e.at("user_retry") == true);
  CHECK(r.flow_starts("flow_restart_exhausted").size() == 1);
}
