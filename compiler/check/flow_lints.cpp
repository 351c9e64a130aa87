// Graph lints of one flow (named warnings): unreachable nodes, dead edges, endless cycles, impossible and empty
// failure entries, propagate_* options with nothing to act on.
#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "check/check.hpp"
#include "check/flow_facts.hpp"

namespace selinon::check {
namespace {

using model::Flow;
using model::System;

// "'a', 'b' and 'c'" for messages.
std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " and " : ", ";
    out += "'" + names[i] + "'";
  }
  return out;
}

std::size_t at(int id) { return static_cast<std::size_t>(id); }

// `switched_on`: the nodes startable if the disabled edges fired; a node that only they start is switched off on
// purpose, and reporting it would bury the one disabled-edge warning under its consequences.
void lint_reachability(const Flow& flow, const FlowFacts& facts, const NodeSet& startable, const NodeSet& switched_on,
                       diag::DiagnosticSink& sink) {
  for (int node : facts.destinations) {
    if (startable[at(node)] || switched_on[at(node)]) continue;
    const model::Name* where = facts.first_destination[at(node)];
    sink.warning(where ? where->loc : flow.definition_loc, "unreachable-node",
                 fmt::format("node '{}' can never be started in flow '{}': every edge or fallback that starts it "
                             "waits for a node that never finishes or has an always-false condition",
                             facts.name(node), flow.name));
  }
  for (std::size_t e = 0; e < flow.edges.size(); ++e) {
    const auto& edge = flow.edges[e];
    const auto& arc = facts.edges[e];
    if (arc.disabled) {
      sink.warning(edge.condition.loc, "disabled-edge",
                   fmt::format("edge {} of flow '{}' is disabled: its condition is alwaysFalse, so it and what only it "
                               "starts never run",
                               edge.index, flow.name));
      continue;
    }
    if (arc.never) {
      sink.warning(edge.condition.loc, "edge-never-fires",
                   fmt::format("edge {} of flow '{}' never fires: its condition is always false", edge.index,
                               flow.name));
      continue;
    }
    for (std::size_t i = 0; i < edge.from.size(); ++i) {
      int s = arc.from[i];
      if (!startable[at(s)] && !facts.destination[at(s)]) {
        sink.warning(edge.from[i].loc, "edge-never-fires",
                     fmt::format("edge {} of flow '{}' never fires: its source '{}' is never started in this flow",
                                 edge.index, flow.name, edge.from[i].value));
        break;
      }
    }
  }
}

void lint_cycles(const Flow& flow, const FlowFacts& facts, const std::vector<std::vector<int>>& cycles,
                 const NodeSet& startable, diag::DiagnosticSink& sink) {
  NodeSet endless(facts.size(), 0);  // nodes of cycles that never stop by themselves
  bool any_endless = false;
  NodeSet members(facts.size(), 0);
  for (const auto& group : cycles) {
    bool reachable = false;
    for (int n : group) reachable = reachable || startable[at(n)];
    if (!reachable) continue;
    for (int n : group) members[at(n)] = 1;
    const model::Edge* first_internal = nullptr;
    bool all_unconditional = true;
    for (std::size_t e = 0; e < flow.edges.size(); ++e) {
      const auto& arc = facts.edges[e];
      bool from_in = false, to_in = false;
      for (int s : arc.from) from_in = from_in || members[at(s)];
      for (int d : arc.to) to_in = to_in || members[at(d)];
      if (!from_in || !to_in) continue;
      if (!first_internal) first_internal = &flow.edges[e];
      all_unconditional = all_unconditional && arc.unconditional;
    }
    for (int n : group) members[at(n)] = 0;
    if (!first_internal || !all_unconditional) continue;
    for (int n : group) endless[at(n)] = 1;
    any_endless = true;
    std::vector<std::string> names;
    names.reserve(group.size());
    for (int n : group) names.push_back(facts.name(n));
    sink.warning(first_internal->loc, "cycle-without-exit",
                 fmt::format("the cycle through {} in flow '{}' has no condition on any of its edges: once started it "
                             "runs forever and the flow never finishes; add a condition that ends the loop",
                             quoted_list(names), flow.name));
  }
  if (!any_endless) return;
  // Nodes outside the cycle whose success always leads into it.
  std::vector<int> doomed(facts.size(), -1);  // node -> node of the cycle it leads to
  bool changed = true;
  while (changed) {
    changed = false;
    for (const auto& arc : facts.edges) {
      if (arc.from.size() != 1 || !arc.unconditional) continue;
      int source = arc.from.front();
      if (endless[at(source)] || doomed[at(source)] >= 0 || !startable[at(source)]) continue;
      for (int d : arc.to) {
        if (endless[at(d)] || doomed[at(d)] >= 0) {
          doomed[at(source)] = endless[at(d)] ? d : doomed[at(d)];
          changed = true;
          break;
        }
      }
    }
  }
  for (std::size_t e = 0; e < flow.edges.size(); ++e) {
    const auto& arc = facts.edges[e];
    if (arc.from.size() != 1) continue;
    int source = arc.from.front();
    if (doomed[at(source)] < 0) continue;
    sink.warning(flow.edges[e].from.front().loc, "never-finishes",
                 fmt::format("once '{}' finishes, flow '{}' can never finish: it always leads into the endless cycle "
                             "through '{}'",
                             facts.name(source), flow.name, facts.name(doomed[at(source)])));
    doomed[at(source)] = -1;
  }
}

// Failure entries Selinon accepts but that say nothing: `nodes: []` never applies, `fallback: []` silently absorbs
// the failure. Reported in the order the entries are written.
void lint_failure_entries(const Flow& flow, diag::DiagnosticSink& sink) {
  struct Finding {
    const parse::Loc* loc;
    bool no_nodes;
  };
  std::vector<Finding> findings;
  for (const auto& loc : flow.failures_without_nodes) findings.push_back({&loc, true});
  for (const auto& f : flow.failures) {
    if (f.empty_fallback_loc.valid()) findings.push_back({&f.empty_fallback_loc, false});
  }
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.loc->line, a.loc->column) < std::tie(b.loc->line, b.loc->column);
  });
  for (const auto& finding : findings) {
    if (finding.no_nodes) {
      sink.warning(*finding.loc, "impossible-failure",
                   fmt::format("a failure entry with 'nodes: []' in flow '{}' can never apply; list the nodes whose "
                               "failure it handles",
                               flow.name));
    } else {
      sink.warning(*finding.loc, "empty-fallback",
                   fmt::format("'fallback: []' in flow '{}' starts nothing and silently ignores the failure, like "
                               "'fallback: true'; write true to say so, or name fallback nodes",
                               flow.name));
    }
  }
}

void lint_failures(const Flow& flow, const FlowFacts& facts, const std::vector<std::vector<int>>& cycles,
                   const NodeSet& startable, const NodeSet& switched_on, diag::DiagnosticSink& sink) {
  NodeSet cyclic(facts.size(), 0);
  for (const auto& g : cycles) {
    for (int n : g) cyclic[at(n)] = 1;
  }
  // A node whose single starting point is one edge (no foreach, not in a cycle) runs at most once per flow run.
  std::vector<int> starts(facts.size(), 0);
  for (std::size_t e = 0; e < flow.edges.size(); ++e) {
    for (int d : facts.edges[e].to) starts[at(d)] += flow.edges[e].foreach ? 2 : 1;
  }
  for (const auto& arc : facts.failures) {
    for (int d : arc.to) ++starts[at(d)];
  }
  auto runs_once = [&](int node) { return !cyclic[at(node)] && starts[at(node)] == 1; };
  for (std::size_t k = 0; k < flow.failures.size(); ++k) {
    const auto& failure = flow.failures[k];
    const auto& ids = facts.failures[k].from;
    bool reported = false;
    for (std::size_t i = 0; i < failure.nodes.size(); ++i) {
      int n = ids[i];
      if (facts.destination[at(n)] && !startable[at(n)] && !switched_on[at(n)]) {
        sink.warning(failure.nodes[i].loc, "impossible-failure",
                     fmt::format("'{}' is never started in flow '{}', so this failure entry can never apply",
                                 failure.nodes[i].value, flow.name));
        reported = true;
        break;
      }
    }
    if (reported || failure.nodes.size() < 2) continue;
    for (std::size_t i = 0; i < failure.nodes.size() && !reported; ++i) {
      const std::string& a = failure.nodes[i].value;
      if (!runs_once(ids[i])) continue;
      NodeSet without_a = startable_nodes(facts, ids[i]);
      for (std::size_t j = 0; j < failure.nodes.size(); ++j) {
        const std::string& b = failure.nodes[j].value;
        if (i == j || without_a[at(ids[j])]) continue;
        sink.warning(failure.nodes[j].loc, "impossible-failure",
                     fmt::format("'{}' and '{}' can never fail together in flow '{}': '{}' only starts after '{}' "
                                 "succeeded, so this failure entry can never apply",
                                 a, b, flow.name, b, a));
        reported = true;
        break;
      }
    }
  }
}

void lint_propagation(const System& system, const Flow& flow, const FlowFacts& facts, diag::DiagnosticSink& sink) {
  bool starts_subflow = false;
  for (int d : facts.destinations) starts_subflow = starts_subflow || system.is_flow(facts.name(d));
  bool subflow_source = false;
  for (int s : facts.sources) subflow_source = subflow_source || system.is_flow(facts.name(s));
  struct Option {
    std::string_view key;
    const model::FlowSelector* selector;
    bool needs_source;  // acts on sub-flows used as sources rather than started ones
  };
  const Option options[] = {{"propagate_node_args", &flow.propagate_node_args, false},
                            {"propagate_parent", &flow.propagate_parent, false},
                            {"propagate_parent_failures", &flow.propagate_parent_failures, false},
                            {"propagate_finished", &flow.propagate_finished, true},
                            {"propagate_compound_finished", &flow.propagate_compound_finished, true}};
  for (const auto& option : options) {
    const auto& sel = *option.selector;
    if (sel.all && !(option.needs_source ? subflow_source : starts_subflow)) {
      sink.warning(sel.loc, "propagate-not-subflow",
                   fmt::format("{} has no effect: flow '{}' {} no sub-flow", option.key, flow.name,
                               option.needs_source ? "waits for" : "starts"));
    }
    if (option.key != "propagate_node_args" && option.key != "propagate_parent_failures") continue;
    for (const auto& n : sel.flows) {
      if (!facts.is_destination(n.value)) {
        sink.warning(n.loc, "propagate-not-subflow",
                     fmt::format("{} names '{}', but flow '{}' never starts it as a sub-flow", option.key, n.value,
                                 flow.name));
      }
    }
  }
  for (const auto& edge : flow.edges) {
    bool carries_finished = false;
    for (const auto& s : edge.from) {
      carries_finished = carries_finished || (system.is_flow(s.value) && (flow.propagate_finished.selects(s.value) ||
                                                                          flow.propagate_compound_finished.selects(s.value)));
    }
    if (!carries_finished || edge.to.size() != 1 || !system.is_flow(edge.to[0].value)) continue;
    if (!flow.propagate_parent.selects(edge.to[0].value)) {
      sink.warning(edge.to[0].loc, "propagate-finished-without-parent",
                   fmt::format("finished nodes of a sub-flow are propagated into this edge, but its destination "
                               "'{}' does not get propagate_parent, so they are dropped",
                               edge.to[0].value));
    }
  }
}

}  // namespace

void lint_flow_graph(const System& system, const Flow& flow, const FlowFacts& facts, diag::DiagnosticSink& sink) {
  lint_failure_entries(flow, sink);
  const NodeSet& startable = facts.startable();
  NodeSet switched_on = startable_nodes(facts, -1, true);
  std::vector<std::vector<int>> cycles = node_cycles(facts);
  lint_reachability(flow, facts, startable, switched_on, sink);
  lint_cycles(flow, facts, cycles, startable, sink);
  lint_failures(flow, facts, cycles, startable, switched_on, sink);
  lint_propagation(system, flow, facts, sink);
}

}  // namespace selinon::check
