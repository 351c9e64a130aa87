// Derived facts and graph algorithms over one flow (Boost.Graph for the strongly connected components).
#include "check/flow_facts.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>

#include <map>

namespace selinon::check {

FlowFacts FlowFacts::of(const model::Flow& flow) {
  FlowFacts f;
  for (const auto& edge : flow.edges) {
    for (const auto& n : edge.from) f.sources.insert(n.value);
    for (const auto& n : edge.to) f.destinations.insert(n.value);
  }
  for (const auto& failure : flow.failures) {
    for (const auto& n : failure.nodes) {
      f.sources.insert(n.value);
      f.failure_nodes.insert(n.value);
    }
    for (const auto& n : failure.fallback) f.destinations.insert(n.value);
  }
  f.used = f.sources;
  f.used.insert(f.destinations.begin(), f.destinations.end());
  return f;
}

std::optional<bool> constant_value(const model::Condition& c) {
  using Kind = model::Condition::Kind;
  switch (c.kind) {
    case Kind::always_true: return true;
    case Kind::leaf:
      if (c.predicate == "alwaysTrue") return true;
      if (c.predicate == "alwaysFalse") return false;
      return std::nullopt;
    case Kind::negation: {
      if (c.children.empty()) return std::nullopt;
      auto v = constant_value(c.children.front());
      if (v) return !*v;
      return std::nullopt;
    }
    case Kind::all_of:
    case Kind::any_of: {
      bool is_and = c.kind == Kind::all_of;
      bool all_known = true;
      for (const auto& child : c.children) {
        auto v = constant_value(child);
        if (!v) {
          all_known = false;
        } else if (*v != is_and) {
          return !is_and;  // a false child decides an and, a true child an or
        }
      }
      if (all_known) return is_and;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

bool unconditional(const model::Edge& edge) { return constant_value(edge.condition) == true && !edge.foreach; }

std::set<std::string> startable_nodes(const model::Flow& flow, const std::string& never_finishes, bool disabled_fire) {
  std::set<std::string> started;
  auto finished = [&](const std::string& n) { return started.count(n) && n != never_finishes && !flow.is_nowait(n); };
  bool changed = true;
  while (changed) {
    changed = false;
    for (const auto& edge : flow.edges) {
      if (constant_value(edge.condition) == false && !(disabled_fire && edge.disabled())) continue;
      bool ready = true;
      for (const auto& s : edge.from) ready = ready && finished(s.value);
      if (!ready) continue;
      for (const auto& d : edge.to) changed = started.insert(d.value).second || changed;
    }
    for (const auto& failure : flow.failures) {
      if (constant_value(failure.condition) == false || failure.nodes.empty()) continue;
      bool ready = true;
      for (const auto& n : failure.nodes) ready = ready && started.count(n.value) && !flow.is_nowait(n.value);
      if (!ready) continue;
      for (const auto& d : failure.fallback) changed = started.insert(d.value).second || changed;
    }
  }
  return started;
}

std::vector<std::vector<std::string>> node_cycles(const model::Flow& flow) {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  std::map<std::string, int> index;
  std::vector<std::string> names;
  auto vertex = [&](const std::string& n) {
    auto [it, inserted] = index.emplace(n, static_cast<int>(names.size()));
    if (inserted) names.push_back(n);
    return it->second;
  };
  std::vector<std::pair<int, int>> arcs;
  std::set<int> self_loops;
  for (const auto& edge : flow.edges) {
    for (const auto& s : edge.from) {
      for (const auto& d : edge.to) {
        int a = vertex(s.value), b = vertex(d.value);
        arcs.emplace_back(a, b);
        if (a == b) self_loops.insert(a);
      }
    }
  }
  Graph graph(names.size());
  for (auto [a, b] : arcs) boost::add_edge(static_cast<std::size_t>(a), static_cast<std::size_t>(b), graph);
  std::vector<int> component(names.size());
  int count = names.empty() ? 0 : boost::strong_components(graph, component.data());
  std::vector<std::vector<std::string>> groups(static_cast<std::size_t>(count));
  for (std::size_t v = 0; v < names.size(); ++v) groups[static_cast<std::size_t>(component[v])].push_back(names[v]);
  std::vector<std::vector<std::string>> cycles;
  for (auto& g : groups) {
    if (g.size() > 1 || (g.size() == 1 && self_loops.count(index[g.front()]))) cycles.push_back(std::move(g));
  }
  // Deterministic order: by first appearance in the flow.
  std::sort(cycles.begin(), cycles.end(), [&](const auto& a, const auto& b) {
    auto first = [&](const std::vector<std::string>& g) {
      int m = INT32_MAX;
      for (const auto& n : g) m = std::min(m, index[n]);
      return m;
    };
    return first(a) < first(b);
  });
  for (auto& g : cycles) {
    std::sort(g.begin(), g.end(), [&](const std::string& a, const std::string& b) { return index[a] < index[b]; });
  }
  return cycles;
}

}  // namespace selinon::check
