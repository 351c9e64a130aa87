// Drawing one flow: vertices in order of first use, arrows in configuration order, so output is deterministic.
#include "plot/flow_graph.hpp"

#include <fmt/format.h>

#include <cmath>
#include <set>
#include <unordered_set>
#include <vector>

#include "model/condition_text.hpp"

namespace selinon::plot {

std::string dot_quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': break;
      default: out += c;
    }
  }
  return out + "\"";
}

namespace {

std::string seconds_text(double seconds) {
  if (seconds == std::floor(seconds) && std::fabs(seconds) < 1e15) return fmt::format("{} s", std::int64_t(seconds));
  return fmt::format("{} s", seconds);
}

std::string attribute_list(const Attributes& attributes) {
  std::string out;
  for (const auto& [name, value] : attributes.items()) {
    out += (out.empty() ? "" : " ") + name + "=" + dot_quote(value);
  }
  return out;
}

class FlowGraph {
 public:
  FlowGraph(const model::System& system, const model::Flow& flow, const Style& style)
      : system_(system), flow_(flow), style_(style) {}

  std::string draw(const GraphOptions& options, GraphSize* size) {
    for (const auto& edge : flow_.edges) draw_edge(edge);
    for (std::size_t i = 0; i < flow_.failures.size(); ++i) draw_failure(flow_.failures[i], i);

    bool fast = options.fast_layout == FastLayout::on ||
                (options.fast_layout == FastLayout::automatic && vertex_count_ > options.fast_layout_threshold);
    Attributes graph;
    if (fast) {
      // Measured on a 1,500-vertex flow (tests/bench/bench_plot): dot spends its time in the network simplex that
      // places ~30k virtual vertices of long arrows (18 s), crossing minimisation (2.5 s) and spline routing.
      // Bounding the first two and drawing straight arrows lays it out in about 4 s, with rougher spacing.
      graph = {{"splines", "line"}, {"mclimit", "0.05"}, {"nslimit", "0.05"}, {"nslimit1", "2"}, {"searchsize", "10"}};
    }
    graph.merge(style_.graph);
    std::string out = fmt::format("digraph {} {{\n", dot_quote(flow_.name));
    if (!graph.empty()) out += "  graph [" + attribute_list(graph) + "]\n";
    // Arrows and vertices default to the task and edge styles, as Selinon's node_attr/edge_attr do.
    if (!style_.task.empty()) out += "  node [" + attribute_list(style_.task) + "]\n";
    if (!style_.edge.empty()) out += "  edge [" + attribute_list(style_.edge) + "]\n";
    out += vertices_;
    out += arrows_;
    out += "}\n";
    if (size) *size = GraphSize{vertex_count_, arrow_count_, fast};
    return out;
  }

 private:
  void draw_edge(const model::Edge& edge) {
    std::string condition = fmt::format("_condition_{}_{}", flow_.name, edge.index);
    std::string label = model::condition_str(edge.condition);
    if (edge.foreach) {
      label += fmt::format("\nforeach {}.{}", edge.foreach->function.import, edge.foreach->function.name);
      if (edge.foreach->propagate_result) label += "\n(propagate_result)";
      vertex(condition, label, style_.condition_foreach);
    } else {
      vertex(condition, label, style_.condition);
    }
    for (const auto& from : edge.from) {
      node(from.value);
      arrow(from.value, condition, nullptr, finished_propagation(from.value));
    }
    for (const auto& to : edge.to) {
      node(to.value);
      arrow(condition, to.value, nullptr, start_propagation(to.value));
    }
  }

  void draw_failure(const model::Failure& failure, std::size_t index) {
    std::string condition = fmt::format("_failure_{}_{}", flow_.name, index);
    std::string label = model::condition_str(failure.condition);
    if (failure.propagate_failure) label += "\n(propagate_failure)";
    vertex(condition, label, style_.condition);
    for (const auto& failed : failure.nodes) {
      node(failed.value);
      arrow(failed.value, condition, &style_.fallback_edge, failure_propagation(failed.value));
    }
    if (failure.fallback_true) {
      // One vertex for every `fallback: true` of the flow, as in Selinon (it names the vertex after id(True)).
      vertex("_fallback_true", "True", style_.fallback_true);
      arrow(condition, "_fallback_true", &style_.fallback_edge, {});
    }
    for (const auto& fallback : failure.fallback) {
      node(fallback.value);
      arrow(condition, fallback.value, &style_.fallback_edge, parent_failure_propagation(fallback.value));
    }
  }

  // A task or sub-flow vertex with its storage, drawn the first time the node is used.
  void node(const std::string& name) {
    if (!drawn_.insert(name).second) return;
    const model::Task* task = system_.task(name);
    const model::Flow* subflow = task ? nullptr : system_.flow(name);
    std::vector<std::string> notes;
    if (task) {
      if (task->max_retry > 0) {
        notes.push_back(task->retry_countdown > 0
                            ? fmt::format("max_retry {}, retry_countdown {}", task->max_retry,
                                          seconds_text(task->retry_countdown))
                            : fmt::format("max_retry {}", task->max_retry));
      }
      if (task->throttling) notes.push_back("throttling " + seconds_text(task->throttling->seconds));
      if (task->timeout) notes.push_back("timeout " + seconds_text(*task->timeout));
    } else if (subflow) {
      if (subflow->max_retry > 0) notes.push_back(fmt::format("max_retry {}", subflow->max_retry));
      if (subflow->throttling) notes.push_back("throttling " + seconds_text(subflow->throttling->seconds));
    }
    if (flow_.is_nowait(name)) notes.push_back("nowait");
    std::string label = name;
    for (const auto& note : notes) label += "\n" + note;

    Attributes attributes;
    if (subflow) attributes = style_.flow;  // tasks take the graph's default node style
    if (flow_.is_nowait(name)) attributes.merge(style_.nowait);
    if (label != name) attributes.set("label", label);
    std::string line = "  " + dot_quote(name);
    if (!attributes.empty()) line += " [" + attribute_list(attributes) + "]";
    vertices_ += line + "\n";
    ++vertex_count_;

    if (task && task->storage && system_.storage(task->storage->value)) {
      const std::string& storage = task->storage->value;
      if (drawn_storages_.insert(storage).second) {
        vertices_ += "  " + dot_quote(storage) + " [" + attribute_list(style_.storage) + "]\n";
        ++vertex_count_;
      }
      arrow(name, storage, &style_.store_edge, {});
    }
  }

  void vertex(const std::string& id, const std::string& label, const Attributes& style) {
    if (!drawn_.insert(id).second) return;
    Attributes attributes{{"label", label}};
    attributes.merge(style);
    vertices_ += "  " + dot_quote(id) + " [" + attribute_list(attributes) + "]\n";
    ++vertex_count_;
  }

  void arrow(const std::string& from, const std::string& to, const Attributes* style,
             const std::vector<std::string>& notes) {
    Attributes attributes;
    if (style) attributes = *style;
    if (!notes.empty()) {
      std::string label;
      for (const auto& note : notes) label += (label.empty() ? "" : "\n") + note;
      attributes.set("label", label);
    }
    std::string line = "  " + dot_quote(from) + " -> " + dot_quote(to);
    if (!attributes.empty()) line += " [" + attribute_list(attributes) + "]";
    arrows_ += line + "\n";
    ++arrow_count_;
  }

  // What a started sub-flow receives from this flow (propagate_node_args, propagate_parent).
  std::vector<std::string> start_propagation(const std::string& node) const {
    if (!system_.is_flow(node)) return {};
    std::vector<std::string> notes;
    if (flow_.propagate_node_args.selects(node)) notes.push_back("propagate_node_args");
    if (flow_.propagate_parent.selects(node)) notes.push_back("propagate_parent");
    return notes;
  }

  // What a finished sub-flow hands the nodes after it (propagate_finished, propagate_compound_finished).
  std::vector<std::string> finished_propagation(const std::string& node) const {
    if (!system_.is_flow(node)) return {};
    std::vector<std::string> notes;
    if (flow_.propagate_finished.selects(node)) notes.push_back("propagate_finished");
    if (flow_.propagate_compound_finished.selects(node)) notes.push_back("propagate_compound_finished");
    return notes;
  }

  // What a failed sub-flow hands its fallbacks (propagate_failures, propagate_compound_failures).
  std::vector<std::string> failure_propagation(const std::string& node) const {
    if (!system_.is_flow(node)) return {};
    std::vector<std::string> notes;
    if (flow_.propagate_failures.selects(node)) notes.push_back("propagate_failures");
    if (flow_.propagate_compound_failures.selects(node)) notes.push_back("propagate_compound_failures");
    return notes;
  }

  // A fallback sub-flow receiving the failures of its parent (propagate_parent_failures).
  std::vector<std::string> parent_failure_propagation(const std::string& node) const {
    if (!system_.is_flow(node)) return {};
    if (flow_.propagate_parent_failures.selects(node)) return {"propagate_parent_failures"};
    return {};
  }

  const model::System& system_;
  const model::Flow& flow_;
  const Style& style_;
  std::unordered_set<std::string> drawn_;
  std::unordered_set<std::string> drawn_storages_;
  std::string vertices_;
  std::string arrows_;
  int vertex_count_ = 0;
  int arrow_count_ = 0;
};

}  // namespace

std::string flow_dot(const model::System& system, const model::Flow& flow, const Style& style,
                     const GraphOptions& options, GraphSize* size) {
  return FlowGraph(system, flow, style).draw(options, size);
}

}  // namespace selinon::plot
