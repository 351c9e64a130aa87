// Edge conditions end to end (spec §2, §3.6): result predicates, args predicates, and/or/not, constants.
#include "harness.hpp"
#include "systems.hpp"

using namespace scenario;
using selinon::MockScript;
using Names = std::vector<std::string>;

namespace {
const selinon::SystemDescriptor& sys() { return scenario_conditions::system(); }

// Which of `names` ran, in the given order (for comparing sets of started nodes).
Names ran(const RunResult& r, const Names& names) {
  Names out;
  for (const auto& n : names) {
    if (r.count(n) > 0) out.push_back(n);
  }
  return out;
}

const Names kAll = {"A", "B", "B2", "C", "D", "E", "F", "G"};
}  // namespace

TEST_CASE("conditions: result predicates decide each edge from the source's stored result") {
  MockScript m;
  m.set_task("Src", returns(Json{{"status", "ok"}, {"count", 5}, {"tags", {"a", "b"}}, {"nested", {{"deep", 1}}}}));
  auto r = run_flow(sys(), "result_predicates", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  // fieldEqual status=ok, fieldGreater count>3, fieldContain tags∋b and a key path [nested, deep] hold;
  // fieldEqual status=bad and fieldLess count<3 do not.
  CHECK(ran(r, kAll) == Names{"A", "C", "E", "F"});
  CHECK(r.count_event(TraceEvent::EDGE_COND_FALSE) == 2);
  for (const char* t : {"A", "C", "E", "F"}) CHECK(r.parent(t) == Json::object({{"Src", r.ids("Src")[0]}}));
}

TEST_CASE("conditions: a false condition stops its branch and a true one continues it") {
  // The opposite result: B runs (and after it B2), the others do not.
  MockScript m;
  m.set_task("Src", returns(Json{{"status", "bad"}, {"count", 1}, {"tags", Json::array()}}));
  auto r = run_flow(sys(), "result_predicates", nullptr, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(ran(r, kAll) == Names{"B", "B2", "D"});
  CHECK(r.parent("B2") == Json::object({{"B", r.ids("B")[0]}}));
  CHECK(r.happened_before("B", "B2"));
}

TEST_CASE("conditions: args predicates on starting edges read the flow's node_args") {
  auto r = run_flow(sys(), "args_predicates", Json{{"mode", "fast"}, {"n", 2}}, {});
  check_clean(r);
  CHECK(r.succeeded());
  // argsFieldEqual mode=fast, argsFieldGreater n>1, argsIsDict hold; argsFieldExist missing, argsFieldLess n<1 do not.
  CHECK(ran(r, kAll) == Names{"A", "C", "D"});

  auto r2 = run_flow(sys(), "args_predicates", Json{{"mode", "slow"}, {"n", 0}, {"missing", 1}}, {});
  check_clean(r2);
  CHECK(ran(r2, kAll) == Names{"B", "D", "E"});
}

TEST_CASE("conditions: a flow whose starting conditions are all false ends at once with nothing run") {
  auto r = run_flow(sys(), "args_predicates", nullptr, {});
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.tasks_started().empty());
  CHECK(r.count_event(TraceEvent::EDGE_COND_FALSE) == 5);
  CHECK(r.finished_nodes().empty());
}

TEST_CASE("conditions: and/or/not over two named source nodes") {
  MockScript m;
  m.set_task("Src", returns(Json{{"status", "ok"}}));
  m.set_task("Src2", returns(Json{{"level", 2}}));
  auto r = run_flow(sys(), "logic", Json{{"mode", "fast"}}, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  // A: ok and 2 (true); B: ok and 3 (false); C: bad or 2 (true); D: bad or 3 (false); E: not bad (true);
  // F: not ok (false); G: args mode=fast and (2 or not true) (true).
  CHECK(ran(r, kAll) == Names{"A", "C", "E", "G"});
  Json parent = Json::object({{"Src", r.ids("Src")[0]}, {"Src2", r.ids("Src2")[0]}});
  for (const char* t : {"A", "C", "E", "G"}) {
    CHECK(r.count(t) == 1);
    CHECK(r.parent(t) == parent);
  }
}

TEST_CASE("conditions: and/or/not with the other source result flip") {
  MockScript m;
  m.set_task("Src", returns(Json{{"status", "ok"}}));
  m.set_task("Src2", returns(Json{{"level", 3}}));
  auto r = run_flow(sys(), "logic", Json{{"mode", "fast"}}, std::move(m));
  check_clean(r);
  // A false, B true, C false, D true, E true, F false, G: mode=fast and (3==2 or not true) = false.
  CHECK(ran(r, kAll) == Names{"B", "D", "E"});
}

TEST_CASE("conditions: alwaysFalse never starts its node and alwaysTrue always does") {
  auto r = run_flow(sys(), "constants", nullptr, {});
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.tasks_started() == Names{"B"});
}
