// Predicate leaves against their signatures (spec §2.7), every predicate rule in one place: known or custom,
// misleading names, results readable (not in failures, from one task with a storage), arguments exactly those declared.
#include <fmt/format.h>

#include <algorithm>

#include "check/check.hpp"
#include "check/flow_facts.hpp"
#include "model/predicates.hpp"

namespace selinon::check {
namespace {

// `start_edge`: the leaf is on an edge with no source at all (it cannot read a result).
// `selinon_checks`: also Selinon's _check rules, which --no-check skips; the rules before them say what a leaf
// is (without them the generated code would not build) and hold whatever the options.
void check_leaf(const model::System& system, const model::Flow& flow, const model::Condition& leaf,
                bool in_failure, bool start_edge, bool selinon_checks, diag::DiagnosticSink& sink) {
  if (leaf.predicate.empty()) return;  // not a predicate name, reported while lowering
  const auto* sig = model::builtin_predicate(leaf.predicate);
  if (!sig) {
    // Custom predicates are checked by the C++ compiler against their declaration.
    if (!system.global.predicates_module) {
      sink.error(leaf.predicate_loc, "unknown-predicate",
                 fmt::format("unknown predicate '{}'; it is not a built-in predicate and no "
                             "global.predicates_module is configured for custom ones",
                             leaf.predicate));
    }
    return;
  }
  if (!sig->misleading.empty()) sink.warning(leaf.predicate_loc, "misleading-predicate", std::string(sig->misleading));
  if (sig->reads_result && in_failure) {
    sink.error(leaf.predicate_loc, "failure-condition-reads-result",
               fmt::format("predicate '{}' reads a task result, but failure conditions cannot inspect results of "
                           "failed tasks in flow '{}'; use node_args or environment predicates",
                           leaf.predicate, flow.name));
  } else if (sig->reads_result && leaf.bound_node.empty() && !leaf.node) {
    sink.error(leaf.predicate_loc, "predicate-needs-node",
               start_edge ? fmt::format("predicate '{}' reads a task result, but a starting edge has no source node to "
                                        "read from",
                                        leaf.predicate)
                          : fmt::format("predicate '{}' reads a task result, but the edge has several sources; say "
                                        "which one with 'node:'",
                                        leaf.predicate));
  }
  if (!selinon_checks) return;
  if (sig->reads_result && !in_failure && !leaf.bound_node.empty()) {
    if (system.is_flow(leaf.bound_node)) {
      sink.error(leaf.predicate_loc, "result-of-subflow",
                 fmt::format("predicate '{}' reads the result of '{}', but results of sub-flows cannot be used in "
                             "predicates",
                             leaf.predicate, leaf.bound_node));
    } else if (const model::Task* task = system.task(leaf.bound_node); task && !task->storage) {
      sink.error(leaf.predicate_loc, "result-without-storage",
                 fmt::format("predicate '{}' reads the result of task '{}', which has no storage assigned; give the "
                             "task a 'storage:' so its result is kept",
                             leaf.predicate, leaf.bound_node));
    }
  }
  for (auto wanted : sig->args) {
    bool given = std::any_of(leaf.args.begin(), leaf.args.end(), [&](const auto& a) { return a.name == wanted; });
    if (!given) {
      sink.error(leaf.predicate_loc, "predicate-args",
                 fmt::format("argument '{}' of predicate '{}' is not specified in flow '{}'", wanted, leaf.predicate,
                             flow.name));
    }
  }
  for (const auto& arg : leaf.args) {
    if (std::find(sig->args.begin(), sig->args.end(), arg.name) == sig->args.end()) {
      std::string expected;
      for (auto a : sig->args) expected += (expected.empty() ? "" : ", ") + std::string(a);
      sink.error(arg.loc, "predicate-args",
                 fmt::format("invalid argument '{}' for predicate '{}' in flow '{}' ({})", arg.name, leaf.predicate,
                             flow.name, expected.empty() ? "it takes no arguments" : "it takes " + expected));
    }
  }
}

}  // namespace

void check_conditions(const model::System& system, const model::Flow& flow, diag::DiagnosticSink& sink,
                      bool selinon_checks) {
  for (const auto& edge : flow.edges) {
    for_each_leaf(edge.condition,
                  [&](const model::Condition& leaf) { check_leaf(system, flow, leaf, false, edge.is_start(), selinon_checks, sink); });
  }
  // Selinon skips failure conditions here and fails at run time instead; checking them is strictly earlier.
  for (const auto& failure : flow.failures) {
    for_each_leaf(failure.condition,
                  [&](const model::Condition& leaf) { check_leaf(system, flow, leaf, true, false, selinon_checks, sink); });
  }
}

}  // namespace selinon::check
