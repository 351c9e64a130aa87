// Derived facts and graph algorithms over one flow (Boost.Graph for the strongly connected components).
#include "check/flow_facts.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>

#include <algorithm>

namespace selinon::check {

FlowFacts FlowFacts::of(const model::Flow& flow) {
  FlowFacts f;
  f.ids_.reserve(flow.edges.size() * 2 + flow.failures.size());
  auto node = [&f](const model::Name& n) {
    auto [it, inserted] = f.ids_.emplace(n.value, static_cast<int>(f.first_mention.size()));
    if (inserted) {
      f.first_mention.push_back(&n);
      f.first_destination.push_back(nullptr);
    }
    return it->second;
  };
  auto destination = [&](const model::Name& n) {
    int id = node(n);
    auto& first = f.first_destination[static_cast<std::size_t>(id)];
    if (!first) first = &n;
    return id;
  };
  f.edges.reserve(flow.edges.size());
  for (const auto& edge : flow.edges) {
    Arc arc;
    arc.from.reserve(edge.from.size());
    arc.to.reserve(edge.to.size());
    for (const auto& n : edge.from) arc.from.push_back(node(n));
    for (const auto& n : edge.to) arc.to.push_back(destination(n));
    auto value = constant_value(edge.condition);
    arc.never = value == false;
    arc.disabled = edge.disabled();
    arc.unconditional = value == true && !edge.foreach;
    f.edges.push_back(std::move(arc));
  }
  f.failures.reserve(flow.failures.size());
  for (const auto& failure : flow.failures) {
    Arc arc;
    for (const auto& n : failure.nodes) arc.from.push_back(node(n));
    for (const auto& n : failure.fallback) arc.to.push_back(destination(n));
    arc.never = constant_value(failure.condition) == false;
    f.failures.push_back(std::move(arc));
  }
  std::size_t count = f.first_mention.size();
  f.source.assign(count, 0);
  f.destination.assign(count, 0);
  f.failure_node.assign(count, 0);
  f.nowait.assign(count, 0);
  for (const auto& arc : f.edges) {
    for (int s : arc.from) f.source[static_cast<std::size_t>(s)] = 1;
    for (int d : arc.to) f.destination[static_cast<std::size_t>(d)] = 1;
  }
  for (const auto& arc : f.failures) {
    for (int s : arc.from) f.source[static_cast<std::size_t>(s)] = f.failure_node[static_cast<std::size_t>(s)] = 1;
    for (int d : arc.to) f.destination[static_cast<std::size_t>(d)] = 1;
  }
  for (const auto& n : flow.nowait) {
    int id = f.id(n.value);
    if (id >= 0) f.nowait[static_cast<std::size_t>(id)] = 1;
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (f.source[i]) f.sources.push_back(static_cast<int>(i));
    if (f.destination[i]) f.destinations.push_back(static_cast<int>(i));
  }
  // The order the checks report them in: by name.
  auto by_name = [&f](int a, int b) { return f.name(a) < f.name(b); };
  std::sort(f.sources.begin(), f.sources.end(), by_name);
  std::sort(f.destinations.begin(), f.destinations.end(), by_name);
  return f;
}

int FlowFacts::id(std::string_view name) const {
  auto it = ids_.find(name);
  return it == ids_.end() ? -1 : it->second;
}

const NodeSet& FlowFacts::startable() const {
  if (!startable_) startable_ = startable_nodes(*this);
  return *startable_;
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

NodeSet startable_nodes(const FlowFacts& facts, int never_finishes, bool disabled_fire) {
  NodeSet started(facts.size(), 0);
  auto at = [](int id) { return static_cast<std::size_t>(id); };
  auto finished = [&](int n) { return started[at(n)] && n != never_finishes && !facts.nowait[at(n)]; };
  auto start = [&](const std::vector<int>& nodes, bool& changed) {
    for (int d : nodes) {
      if (!started[at(d)]) {
        started[at(d)] = 1;
        changed = true;
      }
    }
  };
  // Arcs that fired stay fired (the started set only grows), so each sweep skips them.
  std::vector<char> edge_done(facts.edges.size(), 0), failure_done(facts.failures.size(), 0);
  bool changed = true;
  while (changed) {
    changed = false;
    for (std::size_t e = 0; e < facts.edges.size(); ++e) {
      const auto& edge = facts.edges[e];
      if (edge_done[e] || (edge.never && !(disabled_fire && edge.disabled))) continue;
      bool ready = true;
      for (int s : edge.from) ready = ready && finished(s);
      if (!ready) continue;
      edge_done[e] = 1;
      start(edge.to, changed);
    }
    for (std::size_t i = 0; i < facts.failures.size(); ++i) {
      const auto& failure = facts.failures[i];
      if (failure_done[i] || failure.never || failure.from.empty()) continue;
      bool ready = true;
      for (int n : failure.from) ready = ready && started[at(n)] && !facts.nowait[at(n)];
      if (!ready) continue;
      failure_done[i] = 1;
      start(failure.to, changed);
    }
  }
  return started;
}

std::vector<std::vector<int>> node_cycles(const FlowFacts& facts) {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  // Vertices are numbered by first appearance in a source -> destination pair, which orders the result.
  std::vector<int> vertex_of(facts.size(), -1);
  std::vector<int> ids;
  auto vertex = [&](int id) {
    auto& v = vertex_of[static_cast<std::size_t>(id)];
    if (v < 0) {
      v = static_cast<int>(ids.size());
      ids.push_back(id);
    }
    return v;
  };
  std::vector<std::pair<int, int>> arcs;
  std::vector<char> self_loop;
  for (const auto& edge : facts.edges) {
    for (int s : edge.from) {
      for (int d : edge.to) {
        int a = vertex(s), b = vertex(d);
        arcs.emplace_back(a, b);
        if (a == b) {
          if (self_loop.size() <= static_cast<std::size_t>(a)) self_loop.resize(static_cast<std::size_t>(a) + 1, 0);
          self_loop[static_cast<std::size_t>(a)] = 1;
        }
      }
    }
  }
  Graph graph(ids.size());
  for (auto [a, b] : arcs) boost::add_edge(static_cast<std::size_t>(a), static_cast<std::size_t>(b), graph);
  std::vector<int> component(ids.size());
  int count = ids.empty() ? 0 : boost::strong_components(graph, component.data());
  // Vertices in increasing order, so each group is sorted and groups come in order of their first vertex.
  std::vector<std::vector<int>> groups(static_cast<std::size_t>(count));
  std::vector<int> first_vertex(static_cast<std::size_t>(count), -1);
  for (std::size_t v = 0; v < ids.size(); ++v) {
    auto c = static_cast<std::size_t>(component[v]);
    if (first_vertex[c] < 0) first_vertex[c] = static_cast<int>(v);
    groups[c].push_back(static_cast<int>(v));
  }
  auto is_cycle = [&](const std::vector<int>& g) {
    auto v = static_cast<std::size_t>(g.front());
    return g.size() > 1 || (v < self_loop.size() && self_loop[v]);
  };
  std::vector<std::size_t> order;
  for (std::size_t c = 0; c < groups.size(); ++c) {
    if (is_cycle(groups[c])) order.push_back(c);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return first_vertex[a] < first_vertex[b]; });
  std::vector<std::vector<int>> cycles;
  cycles.reserve(order.size());
  for (auto c : order) {
    auto& g = groups[c];
    for (auto& v : g) v = ids[static_cast<std::size_t>(v)];
    cycles.push_back(std::move(g));
  }
  return cycles;
}

}  // namespace selinon::check
