// The flow state's journal: rollback() restores exactly the state of begin() (the order of active nodes
// included), keep() keeps, and a copy is a state of its own.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "contract_support.hpp"
#include "selinon/flow_state.hpp"

using namespace selinon;
using contract::test_machine;

namespace {

constexpr int A = 0, B = 1, C = 2, S = 3;

// A run well under way: active nodes out of start order by node, finished and failed ids, a sub-flow result.
FlowState busy_state() {
  FlowState s = FlowState::fresh(test_machine(), "d1", share({{"x", 1}}));
  s.parent = {{"P", "p1"}};
  s.activate(B, "b1");
  s.activate(A, "a2");
  s.activate(C, "c1");
  s.activate(A, "a3");
  s.add_finished(A, "a1");
  s.add_failed(B, "b0");
  s.add_failed(B, "b00");
  s.mark_triggered(1);
  s.set_subflow_result("s1", {{"finished_nodes", Json::object()}});
  return s;
}

std::vector<std::string> active_ids(const FlowState& s) {
  std::vector<std::string> ids;
  for (const auto& ref : s.active()) ids.push_back(ref.id);
  return ids;
}

// The index and the list of active nodes agree, the one thing to_json cannot see.
void check_index(const FlowState& s) {
  for (const auto& ref : s.active()) CHECK(s.is_active(ref.id));
}

}  // namespace

TEST_CASE("flow state: rollback undoes every kind of change, in mixed orders") {
  const FlowMachine& m = test_machine();
  FlowState s = busy_state();
  const Json before = s.to_json(m);
  const auto active_before = active_ids(s);

  SUBCASE("changes to active nodes around a clear_active") {
    s.begin();
    CHECK(s.deactivate(A, "a2"));
    s.activate(B, "b2");
    CHECK_FALSE(s.deactivate(B, "a3"));  // the wrong node: nothing changes
    CHECK(s.deactivate(C, "c1"));
    s.clear_active();
    s.activate(C, "c2");
    CHECK(s.deactivate(C, "c2"));
    s.activate(A, "a4");
    s.add_finished(A, "a2");
    s.rollback();
  }
  SUBCASE("lists, results, node_args and status") {
    s.begin();
    s.add_finished(B, "b1");
    s.add_failed(C, "c1");
    s.drop_first_failure(B);
    s.drop_first_failure(B);
    s.drop_first_failure(B);  // nothing left: no change
    s.add_failed(B, "b3");
    s.mark_triggered(0);
    s.mark_triggered(3);
    s.mark_triggered(1);  // triggered already
    s.set_subflow_result("s1", "replaced");
    s.set_subflow_result("s2", {{"new", true}});
    s.set_node_args(share({{"x", 2}}));
    s.set_status(FlowState::Status::failed, "dispatcher broke");
    s.set_retried_count(3);
    s.rollback();
  }
  SUBCASE("a restart between changes") {
    s.begin();
    CHECK(s.deactivate(B, "b1"));
    s.add_finished(B, "b1");
    s.mark_triggered(2);
    s.restart(1);
    CHECK(s.active().empty());
    CHECK(s.nothing_finished());
    s.activate(A, "a10");
    s.add_finished(A, "a10");
    s.add_failed(A, "a11");
    s.set_subflow_result("s9", 1);
    s.clear_active();
    s.restart(2);
    s.activate(B, "b10");
    s.rollback();
  }
  SUBCASE("every active node deactivated, last first, then new ones") {
    s.begin();
    CHECK(s.deactivate(A, "a3"));
    CHECK(s.deactivate(C, "c1"));
    CHECK(s.deactivate(A, "a2"));
    CHECK(s.deactivate(B, "b1"));
    s.activate(C, "c5");
    s.activate(B, "b5");
    CHECK(s.deactivate(C, "c5"));
    s.rollback();
  }

  CHECK(s.to_json(m) == before);
  CHECK(active_ids(s) == active_before);
  CHECK(s.retried_count() == 0);
  CHECK(s.status() == FlowState::Status::running);
  check_index(s);
  // The restored index is usable: the next transition can deactivate a restored node.
  CHECK(s.deactivate(A, "a2"));
  CHECK(active_ids(s) == std::vector<std::string>{"b1", "c1", "a3"});
}

TEST_CASE("flow state: random transitions roll back to exactly where they began") {
  const FlowMachine& m = test_machine();
  std::mt19937 random(20240601);  // fixed: a failure can be replayed
  FlowState s = busy_state();
  int next_id = 0;
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(random); };
  for (int transition = 0; transition < 300; ++transition) {
    const Json before = s.to_json(m);
    const auto active_before = active_ids(s);
    const bool keep = pick(3) == 0;  // now and then a kept transition, so the state keeps changing
    s.begin();
    for (int change = pick(12); change >= 0; --change) {
      const int node = pick(4);
      switch (pick(12)) {
        case 0:
        case 1: s.activate(node, "n" + std::to_string(next_id++)); break;
        case 2:
        case 3:
          if (!s.active().empty()) {
            auto it = s.active().begin();
            std::advance(it, pick(static_cast<int>(s.active().size())));
            const NodeRef ref = *it;
            CHECK(s.deactivate(ref.node, ref.id));
            if (pick(2) == 0) s.add_finished(ref.node, ref.id);
            else s.add_failed(ref.node, ref.id);
          }
          break;
        case 4: s.drop_first_failure(node); break;
        case 5: s.mark_triggered(pick(4)); break;
        case 6: s.set_subflow_result("s" + std::to_string(pick(3)), next_id++); break;
        case 7: s.set_node_args(share({{"x", next_id++}})); break;
        case 8: s.set_status(pick(2) == 0 ? FlowState::Status::failed : FlowState::Status::succeeded, "e"); break;
        case 9: if (pick(4) == 0) s.clear_active(); break;
        case 10: if (pick(4) == 0) s.restart(s.retried_count() + 1); break;
        default: s.set_retried_count(pick(5)); break;
      }
    }
    if (keep) {
      s.keep();
      continue;
    }
    s.rollback();
    CAPTURE(transition);
    REQUIRE(s.to_json(m) == before);
    REQUIRE(active_ids(s) == active_before);
    check_index(s);
  }
}

TEST_CASE("flow state: keep() keeps the changes, and a later rollback returns to them") {
  const FlowMachine& m = test_machine();
  FlowState s = busy_state();
  s.begin();
  CHECK(s.deactivate(A, "a2"));
  s.add_finished(A, "a2");
  s.set_status(FlowState::Status::succeeded);
  s.keep();
  const Json kept = s.to_json(m);
  CHECK(kept["finished_nodes"]["A"] == Json::array({"a1", "a2"}));
  CHECK(kept["status"] == "succeeded");

  s.rollback();  // no journal: nothing to undo
  CHECK(s.to_json(m) == kept);

  s.begin();
  s.activate(B, "b9");
  s.restart(1);
  s.set_status(FlowState::Status::running);
  s.rollback();
  CHECK(s.to_json(m) == kept);
  CHECK(s.status() == FlowState::Status::succeeded);
}

TEST_CASE("flow state: a copy is independent of the original") {
  const FlowMachine& m = test_machine();
  FlowState original = busy_state();
  const Json before = original.to_json(m);

  SUBCASE("copy constructed") {
    FlowState copy = original;
    CHECK(copy.to_json(m) == before);
    CHECK(copy.deactivate(A, "a2"));  // an id active in both: only the copy's goes
    copy.activate(C, "c9");
    copy.add_finished(A, "a2");
    copy.clear_active();
    copy.activate(B, "b9");
    CHECK(original.to_json(m) == before);
    CHECK(original.is_active("a2"));
    CHECK_FALSE(original.is_active("b9"));
    CHECK(copy.is_active("b9"));
    CHECK_FALSE(copy.is_active("a2"));
    CHECK(original.deactivate(C, "c1"));  // the original's index still points into its own list
    CHECK(active_ids(original) == std::vector<std::string>{"b1", "a2", "a3"});
    CHECK(active_ids(copy) == std::vector<std::string>{"b9"});
  }
  SUBCASE("copy assigned") {
    FlowState copy = FlowState::fresh(m, "other", nullptr);
    copy = original;
    CHECK(copy.deactivate(B, "b1"));
    CHECK(original.is_active("b1"));
    CHECK(original.deactivate(B, "b1"));
    CHECK(active_ids(original) == active_ids(copy));
  }
}

TEST_CASE("flow state: to_json and from_json round-trip a state") {
  const FlowMachine& m = test_machine();
  FlowState s = busy_state();
  s.version = 4;
  s.set_status(FlowState::Status::failed, "why");
  const Json json = s.to_json(m);
  CHECK(FlowState::from_json(m, json).to_json(m) == json);
  // Without node_args in the stored form, they are the ones handed over.
  SharedJson args = share({{"x", 1}});
  FlowState back = FlowState::from_json(m, s.to_json(m, false), args);
  CHECK(back.shared_node_args() == args);
  CHECK(back.to_json(m) == json);
  CHECK_THROWS_AS(FlowState::from_json(m, {{"dispatcher_id", "d"}, {"finished_nodes", {{"Z", {"z1"}}}}}),
                  std::invalid_argument);
}
