// Failure handling a worker must survive: timeouts, anything thrown, throttled starts, failure details for fallbacks.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <selinon/engine.hpp>

#include "harness.hpp"
#include "systems.hpp"

using namespace scenario;
using selinon::FlowState;

namespace {

const selinon::SystemDescriptor& sys() { return scenario_failure_model::system(); }

}  // namespace

TEST_CASE("a task past its timeout fails while the worker keeps serving other flows") {
  selinon::MockScript mocks;
  mocks.set_task("SlowTask", sleeps(5.0));  // far beyond its 0.3 s timeout
  auto script = std::make_shared<const selinon::MockScript>(std::move(mocks));
  TestBackend test_backend;
  selinon::Backend& backend = *test_backend.backend;
  auto tracer = std::make_shared<selinon::Tracer>();
  auto recording = std::make_shared<selinon::RecordingTraceSink>();
  tracer->add(recording);
  auto begin = std::chrono::steady_clock::now();
  {
    selinon::Engine engine(sys(), backend, tracer, engine_options(script));
    std::atomic<bool> stop{false};
    std::thread workers([&] { selinon::serve(engine, backend, engine.queues(), 2, stop); });
    std::string slow = engine.start_flow("slow_flow");
    std::string quick = engine.start_flow("quick_flow");
    auto quick_outcome = backend.wait_flow(quick, std::chrono::seconds(3));
    auto slow_outcome = backend.wait_flow(slow, std::chrono::seconds(3));
    // The same worker still takes new work after the timeout.
    std::string again = engine.start_flow("quick_flow");
    auto again_outcome = backend.wait_flow(again, std::chrono::seconds(3));
    stop = true;
    backend.shutdown();
    workers.join();
    REQUIRE(quick_outcome);
    REQUIRE(slow_outcome);
    REQUIRE(again_outcome);
    CHECK(quick_outcome->status == FlowState::Status::succeeded);
    CHECK(slow_outcome->status == FlowState::Status::failed);
    CHECK(again_outcome->status == FlowState::Status::succeeded);
  }
  // Neither waited for the 5 s sleep: the abandoned run noticed cancelled() and ended early too.
  CHECK(std::chrono::steady_clock::now() - begin < std::chrono::seconds(4));
  long quick_end = -1, slow_failure = -1;
  auto records = recording->records();
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& d = records[i].details;
    if (records[i].event == selinon::TraceEvent::FLOW_END && d.value("flow_name", "") == "quick_flow" && quick_end < 0) {
      quick_end = static_cast<long>(i);
    }
    if (records[i].event == selinon::TraceEvent::TASK_FAILURE && d.value("task_name", "") == "SlowTask") {
      slow_failure = static_cast<long>(i);
      CHECK(d.value("what", "").find("timeout") != std::string::npos);
    }
  }
  REQUIRE(quick_end >= 0);
  REQUIRE(slow_failure >= 0);
  CHECK(quick_end < slow_failure);  // served while SlowTask was still running
}

TEST_CASE("a timed-out task is retried like any failure, then fails the flow") {
  selinon::MockScript mocks;
  mocks.set_task("SlowRetriedTask", sleeps(2.0));
  RunResult r = run_flow(sys(), "slow_retried_flow", nullptr, std::move(mocks));
  CHECK(r.failed());
  CHECK(r.attempts("SlowRetriedTask") == 2);  // max_retry: 1
  CHECK(r.count_event(selinon::TraceEvent::TASK_RETRY) == 1);
  CHECK(r.count_event(selinon::TraceEvent::TASK_FAILURE) == 1);
}

TEST_CASE("a task throwing something that is not a std::exception is a task failure handled by its fallback") {
  RunOptions options;
  options.tasks["ThrowsAnything"] = [](const Json&, const selinon::Task&) -> Json { throw 42; };
  RunResult r = run_flow(sys(), "odd_throw_flow", nullptr, selinon::MockScript{}, options);
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("Fallback") == 1);
  auto failures = r.events(selinon::TraceEvent::TASK_FAILURE);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].value("what", "").find("not derived from std::exception") != std::string::npos);
}

TEST_CASE("throttling spaces the starts of the same task") {
  selinon::MockScript mocks;
  mocks.set_foreach("three_items", Json::array({1, 2, 3}));
  RunResult r = run_flow(sys(), "throttled_flow", nullptr, std::move(mocks), 3);
  check_clean(r);
  CHECK(r.succeeded());
  std::vector<std::chrono::system_clock::time_point> starts;
  for (const auto& rec : r.records) {
    if (rec.event == selinon::TraceEvent::TASK_START && rec.details.value("task_name", "") == "Throttled") {
      starts.push_back(rec.time);
    }
  }
  REQUIRE(starts.size() == 3);
  // 300 ms apart (allowing a little for clock granularity); never sooner, however many threads are free.
  CHECK(starts[1] - starts[0] >= std::chrono::milliseconds(250));
  CHECK(starts[2] - starts[1] >= std::chrono::milliseconds(250));
}

TEST_CASE("propagate_failures hands a fallback the failed nodes of a failed sub-flow, nested") {
  selinon::MockScript mocks;
  mocks.set_task("Inner1", fails());
  RunResult r = run_flow(sys(), "outer_nested_flow", nullptr, std::move(mocks));
  check_clean(r);
  CHECK(r.succeeded());
  REQUIRE(r.count("Fallback") == 1);
  Json parent = r.parent("Fallback");
  REQUIRE(parent.contains("inner_flow"));
  CHECK(parent["inner_flow"]["Inner1"] == array(r.ids("Inner1")));
  CHECK_FALSE(parent["inner_flow"].contains("Inner2"));  // it succeeded
}

TEST_CASE("propagate_compound_failures flattens the failed nodes; without either option the parent is null") {
  selinon::MockScript compound_mocks;
  compound_mocks.set_task("Inner2", fails());
  RunResult compound = run_flow(sys(), "outer_compound_flow", nullptr, std::move(compound_mocks));
  CHECK(compound.succeeded());
  CHECK(compound.parent("Fallback") == Json{{"inner_flow", {{"Inner2", array(compound.ids("Inner2"))}}}});

  selinon::MockScript silent_mocks;
  silent_mocks.set_task("Inner2", fails());
  RunResult silent = run_flow(sys(), "outer_silent_flow", nullptr, std::move(silent_mocks));
  CHECK(silent.succeeded());
  CHECK(silent.parent("Fallback").is_null());  // as Selinon: fallbacks get no parent by default
}

TEST_CASE("custom predicates decide edges (scripted in a mock build) and combine with built-in ones") {
  selinon::MockScript weekend;
  weekend.set_predicate("isWeekend", true);
  RunResult a = run_flow(scenario_custom_predicates::system(), "custom_flow", Json{{"go", 1}}, std::move(weekend));
  check_clean(a);
  CHECK(a.count("T2") == 1);
  CHECK(a.count("T3") == 0);

  RunResult b = run_flow(scenario_custom_predicates::system(), "custom_flow", Json{{"go", 1}}, selinon::MockScript{});
  check_clean(b);
  CHECK(b.count("T2") == 0);  // unscripted custom predicates are false
  CHECK(b.count("T3") == 1);
}
