// What the backend contract, message and flow state tests share: a small flow machine, sample messages and a
// field-by-field comparison of messages.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <variant>

#include "selinon/flow_machine.hpp"
#include "selinon/message.hpp"

namespace selinon::contract {

// Nodes A, B, C (tasks) and S (a sub-flow), four edges. Static: a backend may keep a pointer to the machine of a
// run it holds (the memory backend does), so the machine must outlive every backend of the test.
inline const FlowMachine& test_machine() {
  static const FlowMachine machine = [] {
    FlowMachine m;
    m.name = "f";
    m.nodes = {{.name = "A"}, {.name = "B"}, {.name = "C"}, {.name = "S", .is_flow = true}};
    m.edges = {{.index = 0, .to = {0}}, {.index = 1, .from = {0}, .to = {1}}, {.index = 2, .from = {1}, .to = {2}},
               {.index = 3, .from = {2}, .to = {3}}};
    return m;
  }();
  return machine;
}

inline TaskMessage sample_task(std::string task_id, SharedJson node_args, Json parent = nullptr) {
  TaskMessage t;
  t.task_name = "A";
  t.flow_name = "f";
  t.task_id = std::move(task_id);
  t.dispatcher_id = "d1";
  t.node_args = std::move(node_args);
  t.parent = std::move(parent);
  return t;
}

// A node_succeeded event told apart by its node id: the messages of ordering tests.
inline FlowEvent numbered(int n) {
  return FlowEvent::ended(true, "f", "d1", "A", "a" + std::to_string(n));
}
inline std::string node_id_of(const Message& message) { return std::get<FlowEvent>(message).node_id; }

// Every field, node_args by value (whether they are shared is checked where it matters).
inline void check_same(const Message& got, const Message& want) {
  REQUIRE(got.index() == want.index());
  if (const auto* w = std::get_if<TaskMessage>(&want)) {
    const auto& g = std::get<TaskMessage>(got);
    CHECK(g.task_name == w->task_name);
    CHECK(g.flow_name == w->flow_name);
    CHECK(g.task_id == w->task_id);
    CHECK(g.dispatcher_id == w->dispatcher_id);
    CHECK(value_of(g.node_args) == value_of(w->node_args));
    CHECK(g.args_revision == w->args_revision);
    CHECK(g.parent == w->parent);
    CHECK(g.parent.type() == w->parent.type());  // null and {} are different parents
    CHECK(g.retried_count == w->retried_count);
    return;
  }
  const auto& w = std::get<FlowEvent>(want);
  const auto& g = std::get<FlowEvent>(got);
  CHECK(g.kind == w.kind);
  CHECK(g.event_id == w.event_id);
  CHECK(g.flow_name == w.flow_name);
  CHECK(g.dispatcher_id == w.dispatcher_id);
  CHECK(g.node == w.node);
  CHECK(g.node_id == w.node_id);
  CHECK(g.what == w.what);
  CHECK(g.result == w.result);
  CHECK(value_of(g.node_args) == value_of(w.node_args));
  CHECK(g.parent == w.parent);
  CHECK(g.parent.type() == w.parent.type());
  CHECK(g.parent_flow == w.parent_flow);
  CHECK(g.parent_dispatcher == w.parent_dispatcher);
  CHECK(g.retried_count == w.retried_count);
}

}  // namespace selinon::contract
