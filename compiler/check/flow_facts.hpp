// Facts about one flow derived from its edges and failures, computed once and shared by the checks and lints.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/model.hpp"

namespace selinon::check {

// A set of the nodes of one flow, indexed by FlowFacts' node ids (1 = member).
using NodeSet = std::vector<char>;

struct FlowFacts {
  // An edge or a failure entry over node ids, each list parallel to the model's.
  struct Arc {
    std::vector<int> from;  // edge sources / failure nodes
    std::vector<int> to;    // edge destinations / fallback nodes
    bool never = false;     // the condition is constantly false
    bool disabled = false;  // an edge switched off on purpose (model::Edge::disabled)
    bool unconditional = false;
  };

  // Every node an edge or failure entry names gets an id, in order of first mention (each edge's from and to, then
  // each failure's nodes and fallback); the checks report in the order they did with the names.
  std::vector<const model::Name*> first_mention;
  std::vector<const model::Name*> first_destination;  // first `to` or fallback naming the node; nullptr if none
  std::vector<Arc> edges;                              // parallel to flow.edges
  std::vector<Arc> failures;                           // parallel to flow.failures
  NodeSet source;        // a `from` node or a failure node
  NodeSet destination;   // a `to` node or a fallback node
  NodeSet failure_node;  // named in some failure's nodes
  NodeSet nowait;
  std::vector<int> sources;       // ids of the sources, sorted by name
  std::vector<int> destinations;  // ids of the destinations, sorted by name

  static FlowFacts of(const model::Flow& flow);

  std::size_t size() const { return first_mention.size(); }
  const std::string& name(int id) const { return first_mention[static_cast<std::size_t>(id)]->value; }
  int id(std::string_view name) const;  // -1 when no edge or failure names it
  bool is_source(std::string_view n) const { return has(source, n); }
  bool is_destination(std::string_view n) const { return has(destination, n); }
  bool is_used(std::string_view n) const { return id(n) >= 0; }
  bool is_failure_node(std::string_view n) const { return has(failure_node, n); }
  // startable_nodes(*this), computed on first use: several checks ask for it.
  const NodeSet& startable() const;

 private:
  bool has(const NodeSet& set, std::string_view n) const {
    int i = id(n);
    return i >= 0 && set[static_cast<std::size_t>(i)];
  }

  std::unordered_map<std::string_view, int> ids_;
  mutable std::optional<NodeSet> startable_;
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

// Nodes that can ever be started in a run of the flow: a fixpoint over edges (all sources finished) and
// fallbacks (all failure nodes started), ignoring edges whose condition is constantly false.
// `never_finishes` is a node id treated as started but never successful (used to ask "what if it fails");
// `disabled_fire` counts edges switched off with alwaysFalse as firing (what the flow does with its switches on).
NodeSet startable_nodes(const FlowFacts& facts, int never_finishes = -1, bool disabled_fire = false);

// Strongly connected groups of node ids over the flow's edges (source -> destination); Boost.Graph. Groups are
// ordered, and ids within a group, by first appearance of the node in a source -> destination pair.
std::vector<std::vector<int>> node_cycles(const FlowFacts& facts);

}  // namespace selinon::check
