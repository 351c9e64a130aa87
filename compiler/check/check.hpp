// Validation of a built model: Selinon's consistency rules (spec §1.10, §2.7) and selinonc's graph lints.
#pragma once

#include <vector>

#include "diag/diagnostics.hpp"
#include "model/model.hpp"

namespace selinon::check {

struct FlowFacts;

struct CheckOptions {
  bool consistency = true;  // Selinon's _check (skipped by --no-check, as in selinon-cli)
  bool lints = true;
  bool mock_all_tasks = false;  // compile --mock-all-tasks: no storage adapter is bound, built-in or not
};

// Reports every problem found; never stops at the first.
void check_system(const model::System& system, diag::DiagnosticSink& sink, CheckOptions options = {});

// Individual passes (each reports all it finds). `facts` is FlowFacts::of(flow); for the system-wide passes, of
// every flow of system.flows in that order.
void check_flow_rules(const model::System& system, const model::Flow& flow, const FlowFacts& facts,
                      diag::DiagnosticSink& sink);
// Every predicate rule; without `selinon_checks` (--no-check) only those saying what a leaf is: an unknown predicate
// or a result read where there is none, which no generated code could build.
void check_conditions(const model::System& system, const model::Flow& flow, diag::DiagnosticSink& sink,
                      bool selinon_checks = true);
void check_system_rules(const model::System& system, const std::vector<FlowFacts>& facts, diag::DiagnosticSink& sink);
void lint_flow_graph(const model::System& system, const model::Flow& flow, const FlowFacts& facts,
                     diag::DiagnosticSink& sink);
void lint_subflow_recursion(const model::System& system, const std::vector<FlowFacts>& facts,
                            diag::DiagnosticSink& sink);
// Accepted configuration the runtime does not act on yet (run whatever the options: it is about the output).
void check_runtime_support(const model::System& system, diag::DiagnosticSink& sink, bool mock_all_tasks);

}  // namespace selinon::check
