// Facts about one flow derived from its edges and failures, shared by the checks and lints.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/model.hpp"

namespace selinon::check {

struct FlowFacts {
  std::set<std::string> sources;       // every `from` node and every failure node
  std::set<std::string> destinations;  // every `to` node and every fallback node
  std::set<std::string> used;          // both
  std::set<std::string> failure_nodes;

  static FlowFacts of(const model::Flow& flow);
};

// True/false when a condition's value is known without running it (alwaysTrue/alwaysFalse folded through
// and/or/not), nullopt when it depends on data.
std::optional<bool> constant_value(const model::Condition& condition);

// An edge that fires whenever its sources finish: no condition that can be false and no foreach (which may
// iterate zero times).
bool unconditional(const model::Edge& edge);

// Calls `visit` for every leaf of a condition tree.
template <typename Visit>
void for_each_leaf(const model::Condition& condition, Visit&& visit) {
  if (condition.kind == model::Condition::Kind::leaf) {
    visit(condition);
    return;
  }
  for (const auto& child : condition.children) for_each_leaf(child, visit);
}

// Nodes that can ever be started in a run of `flow`: a fixpoint over edges (all sources finished) and
// fallbacks (all failure nodes started), ignoring edges whose condition is constantly false.
// `never_finishes` names a node treated as started but never successful (used to ask "what if it fails");
// `disabled_fire` counts edges switched off with alwaysFalse as firing (what the flow does with its switches on).
std::set<std::string> startable_nodes(const model::Flow& flow, const std::string& never_finishes = {},
                                      bool disabled_fire = false);

// Strongly connected groups of nodes over the flow's edges (source -> destination); Boost.Graph.
std::vector<std::vector<std::string>> node_cycles(const model::Flow& flow);

}  // namespace selinon::check
