// Graph lints of one flow (named warnings): unreachable nodes, dead edges, endless cycles, impossible and empty
// failure entries, propagate_* options with nothing to act on.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
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

const model::Name* first_destination(const Flow& flow, const std::string& node) {
  for (const auto& e : flow.edges) {
    for (const auto& n : e.to) if (n.value == node) return &n;
  }
  for (const auto& f : flow.failures) {
    for (const auto& n : f.fallback) if (n.value == node) return &n;
  }
  return nullptr;
}

// `switched_on`: the nodes startable if the disabled edges fired; a node that only they start is switched off on
// purpose, and reporting it would bury the one disabled-edge warning under its consequences.
void lint_reachability(const Flow& flow, const FlowFacts& facts, const std::set<std::string>& startable,
                       const std::set<std::string>& switched_on, diag::DiagnosticSink& sink) {
  for (const auto& node : facts.destinations) {
    if (startable.count(node) || switched_on.count(node)) continue;
    const model::Name* where = first_destination(flow, node);
    sink.warning(where ? where->loc : flow.definition_loc, "unreachable-node",
                 fmt::format("node '{}' can never be started in flow '{}': every edge or fallback that starts it "
                             "waits for a node that never finishes or has an always-false condition",
                             node, flow.name));
  }
  for (const auto& edge : flow.edges) {
    if (edge.disabled()) {
      sink.warning(edge.condition.loc, "disabled-edge",
                   fmt::format("edge {} of flow '{}' is disabled: its condition is alwaysFalse, so it and what only it "
                               "starts never run",
                               edge.index, flow.name));
      continue;
    }
    if (constant_value(edge.condition) == false) {
      sink.warning(edge.condition.loc, "edge-never-fires",
                   fmt::format("edge {} of flow '{}' never fires: its condition is always false", edge.index,
                               flow.name));
      continue;
    }
    for (const auto& s : edge.from) {
      if (!startable.count(s.value) && !facts.destinations.count(s.value)) {
        sink.warning(s.loc, "edge-never-fires",
                     fmt::format("edge {} of flow '{}' never fires: its source '{}' is never started in this flow",
                                 edge.index, flow.name, s.value));
        break;
      }
    }
  }
}

void lint_cycles(const Flow& flow, const std::set<std::string>& startable, diag::DiagnosticSink& sink) {
  std::set<std::string> endless;  // nodes of cycles that never stop by themselves
  for (const auto& group : node_cycles(flow)) {
    std::set<std::string> members(group.begin(), group.end());
    bool reachable = false;
    for (const auto& n : group) reachable = reachable || startable.count(n);
    if (!reachable) continue;
    const model::Edge* first_internal = nullptr;
    bool all_unconditional = true;
    for (const auto& edge : flow.edges) {
      bool from_in = false, to_in = false;
      for (const auto& s : edge.from) from_in = from_in || members.count(s.value);
      for (const auto& d : edge.to) to_in = to_in || members.count(d.value);
      if (!from_in || !to_in) continue;
      if (!first_internal) first_internal = &edge;
      all_unconditional = all_unconditional && unconditional(edge);
    }
    if (!first_internal || !all_unconditional) continue;
    endless.insert(group.begin(), group.end());
    sink.warning(first_internal->loc, "cycle-without-exit",
                 fmt::format("the cycle through {} in flow '{}' has no condition on any of its edges: once started it "
                             "runs forever and the flow never finishes; add a condition that ends the loop",
                             quoted_list(group), flow.name));
  }
  if (endless.empty()) return;
  // Nodes outside the cycle whose success always leads into it.
  std::map<std::string, std::string> doomed;  // node -> node of the cycle it leads to
  bool changed = true;
  while (changed) {
    changed = false;
    for (const auto& edge : flow.edges) {
      if (edge.from.size() != 1 || !unconditional(edge)) continue;
      const std::string& source = edge.from.front().value;
      if (endless.count(source) || doomed.count(source) || !startable.count(source)) continue;
      for (const auto& d : edge.to) {
        if (endless.count(d.value) || doomed.count(d.value)) {
          doomed[source] = endless.count(d.value) ? d.value : doomed[d.value];
          changed = true;
          break;
        }
      }
    }
  }
  for (const auto& edge : flow.edges) {
    if (edge.from.size() != 1) continue;
    auto it = doomed.find(edge.from.front().value);
    if (it == doomed.end()) continue;
    sink.warning(edge.from.front().loc, "never-finishes",
                 fmt::format("once '{}' finishes, flow '{}' can never finish: it always leads into the endless cycle "
                             "through '{}'",
                             it->first, flow.name, it->second));
    doomed.erase(it);
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

// A node whose single starting point is one edge (no foreach, not in a cycle) runs at most once per flow run.
bool runs_once(const Flow& flow, const std::string& node, const std::set<std::string>& cyclic) {
  if (cyclic.count(node)) return false;
  int starts = 0;
  for (const auto& e : flow.edges) {
    for (const auto& d : e.to) {
      if (d.value == node) starts += e.foreach ? 2 : 1;
    }
  }
  for (const auto& f : flow.failures) {
    for (const auto& d : f.fallback) if (d.value == node) ++starts;
  }
  return starts == 1;
}

void lint_failures(const Flow& flow, const FlowFacts& facts, const std::set<std::string>& startable,
                   const std::set<std::string>& switched_on, diag::DiagnosticSink& sink) {
  std::set<std::string> cyclic;
  for (const auto& g : node_cycles(flow)) cyclic.insert(g.begin(), g.end());
  for (const auto& failure : flow.failures) {
    bool reported = false;
    for (const auto& n : failure.nodes) {
      if (facts.destinations.count(n.value) && !startable.count(n.value) && !switched_on.count(n.value)) {
        sink.warning(n.loc, "impossible-failure",
                     fmt::format("'{}' is never started in flow '{}', so this failure entry can never apply",
                                 n.value, flow.name));
        reported = true;
        break;
      }
    }
    if (reported || failure.nodes.size() < 2) continue;
    for (std::size_t i = 0; i < failure.nodes.size() && !reported; ++i) {
      const std::string& a = failure.nodes[i].value;
      if (!runs_once(flow, a, cyclic)) continue;
      std::set<std::string> without_a = startable_nodes(flow, a);
      for (std::size_t j = 0; j < failure.nodes.size(); ++j) {
        const std::string& b = failure.nodes[j].value;
        if (i == j || without_a.count(b)) continue;
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
  for (const auto& d : facts.destinations) starts_subflow = starts_subflow || system.is_flow(d);
  bool subflow_source = false;
  for (const auto& s : facts.sources) subflow_source = subflow_source || system.is_flow(s);
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
      if (!facts.destinations.count(n.value)) {
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

void lint_flow_graph(const System& system, const Flow& flow, diag::DiagnosticSink& sink) {
  lint_failure_entries(flow, sink);
  FlowFacts facts = FlowFacts::of(flow);
  std::set<std::string> startable = startable_nodes(flow);
  std::set<std::string> switched_on = startable_nodes(flow, {}, true);
  lint_reachability(flow, facts, startable, switched_on, sink);
  lint_cycles(flow, startable, sink);
  lint_failures(flow, facts, startable, switched_on, sink);
  lint_propagation(system, flow, facts, sink);
}

}  // namespace selinon::check
