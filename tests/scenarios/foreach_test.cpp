// foreach end to end (spec §3.10; upstream test_foreach.py): fan-out counts, order, what destinations receive.
#include <set>

#include "harness.hpp"
#include "systems.hpp"

using namespace scenario;
using selinon::MockScript;
using Names = std::vector<std::string>;

namespace {
const selinon::SystemDescriptor& sys() { return scenario_foreach::system(); }

Json range(int n) {
  Json items = Json::array();
  for (int i = 0; i < n; ++i) items.push_back(i);
  return items;
}
}  // namespace

TEST_CASE("foreach: on a starting edge starts one node per item (20 T1)") {
  MockScript m;
  m.set_foreach("twenty", range(20));
  auto r = run_flow(sys(), "foreach_start", Json{{"a", 1}}, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count("T1") == 20);
  // Tasks never see the item: they get the flow's node_args and (starting edge) the flow's parent.
  for (const auto& run : r.runs("T1")) {
    CHECK(run.node_args == Json{{"a", 1}});
    CHECK(run.parent == Json::object());
  }
  auto results = r.events(TraceEvent::FOREACH_RESULT);
  REQUIRE(results.size() == 1);
  CHECK(results[0].at("result") == range(20));
  CHECK(r.finished("T1").size() == 20);
}

TEST_CASE("foreach: on an inner edge starts items x destinations with items outer and destinations inner") {
  MockScript m;
  m.set_foreach("three", Json::array({"x", "y", "z"}));
  auto r = run_flow(sys(), "foreach_inner", Json{{"a", 1}}, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.tasks_started() == Names{"T1", "T2", "T3", "T2", "T3", "T2", "T3"});
  Json parent = Json::object({{"T1", r.ids("T1")[0]}});
  for (const char* t : {"T2", "T3"}) {
    for (const auto& run : r.runs(t)) {
      CHECK(run.parent == parent);
      CHECK(run.node_args == Json{{"a", 1}});
    }
  }
}

TEST_CASE("foreach: propagate_result hands each item to its sub-flow as node_args in order") {
  MockScript m;
  m.set_foreach("twenty", range(20));
  auto r = run_flow(sys(), "foreach_propagate", Json{{"a", 1}}, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  auto children = r.subflows("foreach_child");
  REQUIRE(children.size() == 20);
  std::set<std::string> child_ids;
  for (int i = 0; i < 20; ++i) {
    CHECK(children[static_cast<std::size_t>(i)].node_args == i);
    CHECK(children[static_cast<std::size_t>(i)].parent.is_null());
    child_ids.insert(children[static_cast<std::size_t>(i)].id);
  }
  // Inside each child the item is the flow's node_args, so its task sees it.
  std::set<int> seen;
  for (const auto& run : r.runs("T2", "foreach_child")) {
    CHECK(child_ids.count(run.dispatcher_id) == 1);
    seen.insert(run.node_args.get<int>());
  }
  CHECK(seen.size() == 20);
  // The parent ends after every child.
  for (const auto& c : children) CHECK(r.index_of_end(c.id) < r.index_of_end(r.dispatcher_id));
  CHECK(r.finished("foreach_child").size() == 20);
}

TEST_CASE("foreach: an empty or null item list starts nothing and the flow ends") {
  for (Json items : {Json::array(), Json()}) {
    CAPTURE(items);
    MockScript m;
    m.set_foreach("nothing", items);
    auto r = run_flow(sys(), "foreach_empty", nullptr, std::move(m));
    check_clean(r);
    CHECK(r.succeeded());
    CHECK(r.tasks_started() == Names{"T1"});
    CHECK(r.count_event(TraceEvent::FOREACH_RESULT) == 1);
  }
}

TEST_CASE("foreach: the function is called only when the edge condition holds") {
  MockScript m;
  m.set_foreach("three", Json::array({1, 2, 3}));
  auto r = run_flow(sys(), "foreach_guarded", Json{{"go", false}}, std::move(m));
  check_clean(r);
  CHECK(r.succeeded());
  CHECK(r.count_event(TraceEvent::FOREACH_RESULT) == 0);
  CHECK(r.count("T2") == 0);

  MockScript m2;
  m2.set_foreach("three", Json::array({1, 2, 3}));
  auto r2 = run_flow(sys(), "foreach_guarded", Json{{"go", true}}, std::move(m2));
  check_clean(r2);
  CHECK(r2.count_event(TraceEvent::FOREACH_RESULT) == 1);
  CHECK(r2.count("T2") == 3);
}
