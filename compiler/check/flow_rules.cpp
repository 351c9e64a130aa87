// Selinon's per-flow consistency rules (spec §1.10), every violation reported.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "check/check.hpp"
#include "check/flow_facts.hpp"
#include "model/predicates.hpp"

namespace selinon::check {
namespace {

using model::Flow;
using model::Name;
using model::System;

void check_edges(const System& system, const Flow& flow, diag::DiagnosticSink& sink) {
  int starts_with_args_from_first = 0;
  for (const auto& edge : flow.edges) {
    if (edge.is_start() && flow.node_args_from_first) {
      ++starts_with_args_from_first;
      if (edge.to.size() > 1) {
        sink.error(edge.to[1].loc, "node-args-from-first",
                   fmt::format("flow '{}' sets node_args_from_first, so its starting edge may start only one node; "
                               "node arguments cannot come from multiple starting nodes",
                               flow.name));
      } else if (!edge.to.empty() && system.is_flow(edge.to[0].value)) {
        sink.error(edge.to[0].loc, "node-args-from-first",
                   fmt::format("flow '{}' sets node_args_from_first, but its starting node '{}' is a sub-flow; node "
                               "arguments can only come from a task's result",
                               flow.name, edge.to[0].value));
      }
    }
    for (auto n_it = edge.from.begin(); n_it != edge.from.end(); ++n_it) {
      const Name& n = *n_it;
      // A few sources per edge: a scan of those before beats building a set.
      if (std::any_of(edge.from.begin(), n_it, [&](const Name& m) { return m.value == n.value; })) {
        sink.error(n.loc, "duplicate-source",
                   fmt::format("node '{}' is listed more than once in 'from' of this edge in flow '{}'", n.value,
                               flow.name));
      }
    }
    if (edge.foreach && edge.foreach->propagate_result) {
      for (const auto& d : edge.to) {
        if (system.is_task(d.value)) {
          sink.error(d.loc, "foreach-propagate-result",
                     fmt::format("foreach with propagate_result in flow '{}' requires every destination to be a flow, "
                                 "but '{}' is a task",
                                 flow.name, d.value));
        } else if (flow.propagate_node_args.selects(d.value)) {
          sink.error(d.loc, "foreach-propagate-result",
                     fmt::format("sub-flow '{}' gets both the foreach item (propagate_result) and propagate_node_args "
                                 "in flow '{}'; drop one of them",
                                 d.value, flow.name));
        }
      }
    }
    // Selinon's rule is deliberately coarse: any read-only node bound in a condition that reads results.
    bool reads_result = false;
    for_each_leaf(edge.condition, [&](const model::Condition& leaf) {
      const auto* sig = model::builtin_predicate(leaf.predicate);
      reads_result = reads_result || (sig && sig->reads_result);
    });
    if (reads_result) {
      std::set<std::string> reported;
      for_each_leaf(edge.condition, [&](const model::Condition& leaf) {
        const model::Task* task = system.task(leaf.bound_node);
        if (task && task->storage_readonly && reported.insert(task->name).second) {
          sink.error(leaf.node ? leaf.node->loc : leaf.predicate_loc, "readonly-result",
                     fmt::format("cannot inspect results of node '{}' in flow '{}': it is configured with a read-only "
                                 "storage, so its results are never stored",
                                 task->name, flow.name));
        }
      });
    }
    if (edge.selective) {
      if (edge.to.size() > 1) {
        sink.error(edge.to[1].loc, "selective-destination",
                   fmt::format("a selective edge in flow '{}' must have exactly one destination (a flow)", flow.name));
      } else if (!edge.to.empty() && !system.is_flow(edge.to[0].value)) {
        sink.error(edge.to[0].loc, "selective-destination",
                   fmt::format("cannot run a selective flow in flow '{}': destination '{}' is not a flow", flow.name,
                               edge.to[0].value));
      }
    }
  }
  if (starts_with_args_from_first > 1) {
    sink.error(flow.node_args_from_first_loc, "node-args-from-first",
               fmt::format("flow '{}' sets node_args_from_first but has {} starting edges; node arguments cannot "
                           "come from multiple starting nodes",
                           flow.name, starts_with_args_from_first));
  }
  bool has_start = false;
  // A starting edge whose destinations are missing or unknown still counts: that error is reported already.
  for (const auto& edge : flow.edges) has_start = has_start || edge.is_start();
  if (!has_start && !flow.edges.empty()) {
    sink.error(flow.definition_loc, "no-start-edge",
               fmt::format("no starting node found in flow '{}'; add an edge with an empty 'from:'", flow.name));
  }
}

void check_nowait_and_eager(const System& system, const Flow& flow, const FlowFacts& facts,
                            diag::DiagnosticSink& sink) {
  for (const auto& n : flow.nowait) {
    if (facts.is_source(n.value)) {
      sink.error(n.loc, "nowait-dependency",
                 fmt::format("node '{}' is marked 'nowait' but other nodes depend on it in flow '{}'; nobody waits for "
                             "a nowait node, so it cannot be a source of an edge or failure",
                             n.value, flow.name));
    } else if (!facts.is_destination(n.value)) {
      sink.error(n.loc, "nowait-never-started",
                 fmt::format("node '{}' is marked 'nowait' but it is never started in flow '{}'", n.value, flow.name));
    }
  }
  for (const auto& n : flow.eager_failures) {
    if (!facts.is_used(n.value)) {
      sink.error(n.loc, "eager-failure",
                 fmt::format("node '{}' is marked as an eager failure node in flow '{}', but it is not present in the "
                             "flow",
                             n.value, flow.name));
    } else if (flow.is_nowait(n.value)) {
      sink.error(n.loc, "eager-failure",
                 fmt::format("node '{}' is marked as an eager failure node in flow '{}', but it is also 'nowait', so "
                             "its failure is never observed",
                             n.value, flow.name));
    } else if (facts.is_failure_node(n.value)) {
      sink.error(n.loc, "eager-failure",
                 fmt::format("node '{}' is marked as an eager failure node in flow '{}', but it has a fallback, so it "
                             "cannot stop the flow eagerly",
                             n.value, flow.name));
    }
  }
  (void)system;
}

void check_disjoint(const Flow& flow, const model::FlowSelector& a, std::string_view a_name,
                    const model::FlowSelector& b, std::string_view b_name, diag::DiagnosticSink& sink) {
  if (!a.any() || !b.any()) return;
  if (a.all || b.all) {
    sink.error(b.loc, "propagate",
               fmt::format("{} and {} overlap in flow '{}': with 'true' on either, list the flows of each separately",
                           a_name, b_name, flow.name));
    return;
  }
  for (const auto& n : b.flows) {
    if (a.selects(n.value)) {
      sink.error(n.loc, "propagate",
                 fmt::format("cannot mark node '{}' for both {} and {} in flow '{}'", n.value, a_name, b_name,
                             flow.name));
    }
  }
}

void check_propagation(const System& system, const Flow& flow, const FlowFacts& facts, diag::DiagnosticSink& sink) {
  for (const auto* sel : {&flow.propagate_finished, &flow.propagate_compound_finished}) {
    std::string_view key = sel == &flow.propagate_finished ? "propagate_finished" : "propagate_compound_finished";
    for (const auto& n : sel->flows) {
      if (!facts.is_source(n.value)) {
        sink.error(n.loc, "propagate",
                   fmt::format("{} names sub-flow '{}', but no edge of flow '{}' has it as a source, so its finished "
                               "nodes have nowhere to go",
                               key, n.value, flow.name));
      }
    }
  }
  for (const auto* sel : {&flow.propagate_failures, &flow.propagate_compound_failures}) {
    std::string_view key = sel == &flow.propagate_failures ? "propagate_failures" : "propagate_compound_failures";
    for (const auto& n : sel->flows) {
      if (!facts.is_source(n.value)) {
        sink.error(n.loc, "propagate",
                   fmt::format("node '{}' stated in {} is not started in flow '{}'", n.value, key, flow.name));
      } else if (!facts.is_failure_node(n.value)) {
        sink.error(n.loc, "propagate",
                   fmt::format("node '{}' stated in {} has no fallback that would handle its failure in flow '{}'",
                               n.value, key, flow.name));
      }
    }
  }
  for (const auto& n : flow.propagate_parent.flows) {
    if (!facts.is_destination(n.value)) {
      sink.error(n.loc, "propagate",
                 fmt::format("sub-flow '{}' should receive its parent nodes, but flow '{}' never starts it", n.value,
                             flow.name));
    }
  }
  check_disjoint(flow, flow.propagate_finished, "propagate_finished", flow.propagate_compound_finished,
                 "propagate_compound_finished", sink);
  check_disjoint(flow, flow.propagate_failures, "propagate_failures", flow.propagate_compound_failures,
                 "propagate_compound_failures", sink);
  (void)system;
}

void check_not_started_sources(const System& system, const Flow& flow, const FlowFacts& facts,
                               diag::DiagnosticSink& sink) {
  for (int id : facts.sources) {
    const std::string& node = facts.name(id);
    if (!facts.destination[static_cast<std::size_t>(id)] && system.is_task(node)) {
      sink.error(facts.first_mention[static_cast<std::size_t>(id)]->loc, "not-started-dependency",
                 fmt::format("task '{}' is a source in flow '{}' but no edge or fallback ever starts it", node,
                             flow.name));
    }
  }
}

}  // namespace

void check_flow_rules(const System& system, const Flow& flow, const FlowFacts& facts, diag::DiagnosticSink& sink) {
  check_edges(system, flow, sink);
  check_conditions(system, flow, sink);
  check_nowait_and_eager(system, flow, facts, sink);
  check_propagation(system, flow, facts, sink);
  check_not_started_sources(system, flow, facts, sink);
}

}  // namespace selinon::check
