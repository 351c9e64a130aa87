// System-wide checks: unused tasks and storages, inconsistent task classes, endless sub-flow recursion.
#include <fmt/format.h>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>

#include <deque>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "check/check.hpp"
#include "check/flow_facts.hpp"

namespace selinon::check {

void check_system_rules(const model::System& system, const std::vector<FlowFacts>& facts, diag::DiagnosticSink& sink) {
  std::unordered_set<std::string_view> used;
  for (std::size_t i = 0; i < system.flows.size(); ++i) {
    for (const auto* n : facts[i].first_mention) used.insert(n->value);
    for (const auto& n : system.flows[i].nowait) used.insert(n.value);
  }
  for (const auto& task : system.tasks) {
    if (!used.count(task.name)) {
      sink.warning(task.loc, "unused-task",
                   fmt::format("task '{}' is defined but never run in any flow", task.name));
    }
  }
  std::set<std::string> used_storages;
  for (const auto& task : system.tasks) {
    if (task.storage) used_storages.insert(task.storage->value);
  }
  for (const auto& ts : system.global.trace.storages) used_storages.insert(ts.storage.value);
  for (const auto& storage : system.storages) {
    if (!used_storages.count(storage.name)) {
      sink.warning(storage.loc, "unused-storage", fmt::format("storage '{}' is not used by any task", storage.name));
    }
  }
  std::map<std::pair<std::string, std::string>, const model::Task*> classes;
  for (const auto& task : system.tasks) {
    auto [it, inserted] = classes.emplace(std::make_pair(task.import, task.classname), &task);
    if (inserted) continue;
    const model::Task& first = *it->second;
    if (first.output_schema != task.output_schema) {
      sink.warning(task.loc, "inconsistent-task-class",
                   fmt::format("tasks '{}' and '{}' share class '{}' but have different output_schema", first.name,
                               task.name, task.classname));
    }
    if (first.max_retry != task.max_retry) {
      sink.warning(task.loc, "inconsistent-task-class",
                   fmt::format("tasks '{}' and '{}' share class '{}' but have different max_retry ({} and {})",
                               first.name, task.name, task.classname, first.max_retry, task.max_retry));
    }
  }
}

void lint_subflow_recursion(const model::System& system, const std::vector<FlowFacts>& facts,
                            diag::DiagnosticSink& sink) {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  const auto& flows = system.flows;
  std::unordered_map<std::string_view, std::size_t> index;  // the last flow of a name, as written
  for (std::size_t i = 0; i < flows.size(); ++i) index[flows[i].name] = i;
  Graph graph(flows.size());
  std::vector<std::set<std::size_t>> children(flows.size());
  // Only edges that always fire once reached: a condition or a foreach on the way is how a recursion is meant to
  // end, and Selinon configurations recurse that way on purpose.
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const NodeSet& startable = facts[i].startable();
    for (std::size_t e = 0; e < flows[i].edges.size(); ++e) {
      const auto& arc = facts[i].edges[e];
      if (!arc.unconditional) continue;
      bool reached = true;
      for (int s : arc.from) {
        reached = reached && startable[static_cast<std::size_t>(s)] && !facts[i].nowait[static_cast<std::size_t>(s)];
      }
      if (!reached) continue;
      for (const auto& d : flows[i].edges[e].to) {
        auto it = index.find(d.value);
        if (it != index.end() && children[i].insert(it->second).second) boost::add_edge(i, it->second, graph);
      }
    }
  }
  if (flows.empty()) return;
  std::vector<int> component(flows.size());
  boost::strong_components(graph, component.data());
  std::map<int, int> sizes;
  for (int c : component) ++sizes[c];
  for (std::size_t i = 0; i < flows.size(); ++i) {
    bool recursive = children[i].count(i) || sizes[component[i]] > 1;
    if (!recursive || !flows[i].defined) continue;
    // Shortest way back to itself, for the message.
    std::vector<long> previous(flows.size(), -1);
    std::deque<std::size_t> queue;
    std::vector<std::string> path;
    for (auto c : children[i]) {
      if (previous[c] == -1) {
        previous[c] = static_cast<long>(i);
        queue.push_back(c);
      }
    }
    while (!queue.empty() && previous[i] == -1) {
      auto v = queue.front();
      queue.pop_front();
      for (auto c : children[v]) {
        if (previous[c] == -1) {
          previous[c] = static_cast<long>(v);
          queue.push_back(c);
        }
      }
    }
    std::size_t v = i;
    do {
      path.insert(path.begin(), flows[v].name);
      v = static_cast<std::size_t>(previous[v]);
    } while (v != i && path.size() <= flows.size());
    path.insert(path.begin(), flows[i].name);
    std::string chain;
    for (const auto& p : path) chain += (chain.empty() ? "" : " -> ") + p;
    sink.warning(flows[i].definition_loc, "subflow-recursion",
                 fmt::format("flow '{}' starts itself ({}) with no condition on the way, so the recursion never "
                             "ends; add a condition that ends it",
                             flows[i].name, chain));
  }
}

void check_system(const model::System& system, diag::DiagnosticSink& sink, CheckOptions options) {
  // Warnings promoted by -Werror do not count: -Werror changes severities, never which lints run.
  bool clean_so_far = sink.genuine_error_count() == 0;
  std::vector<FlowFacts> facts;
  facts.reserve(system.flows.size());
  for (const auto& flow : system.flows) facts.push_back(FlowFacts::of(flow));
  for (std::size_t i = 0; i < system.flows.size(); ++i) {
    const auto& flow = system.flows[i];
    if (!flow.defined) continue;
    int before = sink.genuine_error_count();
    if (options.consistency) {
      check_flow_rules(system, flow, facts[i], sink);
    } else {
      check_conditions(system, flow, sink, false);
    }
    // Lints on a flow that already has errors would mostly repeat them in other words.
    if (options.lints && clean_so_far && sink.genuine_error_count() == before) lint_flow_graph(system, flow, facts[i], sink);
  }
  if (options.consistency) check_system_rules(system, facts, sink);
  if (options.lints) lint_subflow_recursion(system, facts, sink);
  // On a configuration with errors these would mostly be about entries already reported.
  if (sink.genuine_error_count() == 0) check_runtime_support(system, sink, options.mock_all_tasks);
}

}  // namespace selinon::check
