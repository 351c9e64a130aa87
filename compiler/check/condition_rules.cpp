// Predicate leaves against their signatures (spec §2.7): results readable, arguments exactly those declared.
#include <fmt/format.h>

#include <algorithm>

#include "check/check.hpp"
#include "check/flow_facts.hpp"
#include "model/predicates.hpp"

namespace selinon::check {
namespace {

void check_leaf(const model::System& system, const model::Flow& flow, const model::Condition& leaf,
                bool in_failure, diag::DiagnosticSink& sink) {
  const auto* sig = model::builtin_predicate(leaf.predicate);
  if (!sig) return;  // custom predicates are checked by the C++ compiler against their declaration
  // Failure conditions that read results are rejected while building the model already.
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

void check_conditions(const model::System& system, const model::Flow& flow, diag::DiagnosticSink& sink) {
  for (const auto& edge : flow.edges) {
    for_each_leaf(edge.condition, [&](const model::Condition& leaf) { check_leaf(system, flow, leaf, false, sink); });
  }
  // Selinon skips failure conditions here and fails at run time instead; checking them is strictly earlier.
  for (const auto& failure : flow.failures) {
    for_each_leaf(failure.condition, [&](const model::Condition& leaf) { check_leaf(system, flow, leaf, true, sink); });
  }
}

}  // namespace selinon::check
