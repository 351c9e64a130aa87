// One flow as C++: node enum, condition functions, edge and failure tables, and the transition functions.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "emit/condition_emit.hpp"
#include "emit/emit.hpp"
#include "emit/names.hpp"
#include "emit/printer.hpp"
#include "model/predicates.hpp"
#include "version.hpp"

namespace selinon::emit {
namespace {

using model::Flow;
using model::Name;
using model::System;

std::vector<std::string> nodes_of(const Flow& flow) {
  std::vector<std::string> nodes;
  auto add = [&](const Name& n) {
    if (std::find(nodes.begin(), nodes.end(), n.value) == nodes.end()) nodes.push_back(n.value);
  };
  for (const auto& e : flow.edges) {
    for (const auto& n : e.from) add(n);
    for (const auto& n : e.to) add(n);
  }
  for (const auto& f : flow.failures) {
    for (const auto& n : f.nodes) add(n);
    for (const auto& n : f.fallback) add(n);
  }
  for (const auto& n : flow.nowait) add(n);
  for (const auto& n : flow.eager_failures) add(n);
  return nodes;
}

std::string node_list(const std::vector<Name>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + cpp_identifier(n.value);
  return out;
}

std::string plain_list(const std::vector<Name>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n.value;
  return out.empty() ? "(start)" : out;
}

std::string source_path(const Flow& flow) {
  return flow.definition_loc.valid() ? flow.definition_loc.path() : std::string("<memory>");
}

class FlowEmitter {
 public:
  FlowEmitter(const System& system, const Flow& flow, bool mock_all, std::string ns)
      : system_(system), flow_(flow), mock_all_(mock_all), ns_(std::move(ns)), nodes_(nodes_of(flow)) {}

  FlowFiles emit() {
    Vars vars = common();
    std::string enumerators;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      enumerators += fmt::format("{} = {},  // {}{}", cpp_identifier(nodes_[i]), i,
                                 system_.is_flow(nodes_[i]) ? "sub-flow" : "task", i + 1 < nodes_.size() ? "\n" : "");
    }
    vars["enumerators"] = enumerators;
    FlowFiles files;
    files.header = fill(template_text("flow.hpp.in"), vars);

    vars["includes"] = includes();
    vars["conditions"] = conditions();
    vars["start_body"] = start_body();
    vars["succeeded_cases"] = succeeded_cases();
    vars["failed_cases"] = failed_cases();
    vars["node_specs"] = node_specs();
    vars["edge_specs"] = edge_specs();
    vars["failure_specs"] = failure_specs();
    vars["node_args_from_first"] = flow_.node_args_from_first ? "true" : "false";
    vars["max_retry"] = std::to_string(flow_.max_retry);
    vars["retry_countdown"] = std::to_string(flow_.retry_countdown);
    files.source = fill(template_text("flow.cpp.in"), vars);
    return files;
  }

 private:
  Vars common() const {
    return {{"flow", flow_.name}, {"flow_id", cpp_identifier(flow_.name)}, {"version", SELINON_VERSION}, {"namespace", ns_},
            {"source", comment_text(source_path(flow_))}};
  }

  bool uses_custom_predicates() const {
    bool custom = false;
    std::function<void(const model::Condition&)> visit = [&](const model::Condition& c) {
      if (c.kind == model::Condition::Kind::leaf && !model::builtin_predicate(c.predicate)) custom = true;
      for (const auto& child : c.children) visit(child);
    };
    for (const auto& e : flow_.edges) visit(e.condition);
    for (const auto& f : flow_.failures) visit(f.condition);
    return custom;
  }

  std::string includes() const {
    std::set<std::string> headers;
    bool any_foreach = false;
    for (const auto& e : flow_.edges) {
      if (!e.foreach) continue;
      any_foreach = true;
      if (!mock_all_) headers.insert(header_of_import(e.foreach->function.import));
    }
    bool custom = uses_custom_predicates();
    if (custom && !mock_all_ && system_.global.predicates_module) {
      headers.insert(header_of_import(*system_.global.predicates_module));
    }
    std::string out;
    if (mock_all_ && (any_foreach || custom)) out += "#include <selinon/mock.hpp>\n";
    for (const auto& h : headers) out += fmt::format("#include \"{}\"\n", h);
    return out;
  }

  std::string conditions() {
    std::string out;
    for (const auto& e : flow_.edges) {
      std::string edge_label = fmt::format("edge {}: {} -> {}", e.index, plain_list(e.from), plain_list(e.to));
      if (!e.condition.is_true()) {
        out += condition_function(fmt::format("edge_{}_condition", e.index), edge_label, e.condition, system_, mock_all_);
        out += "\n";
      }
      if (e.foreach) {
        const auto& fn = e.foreach->function;
        out += fmt::format("// {}: foreach {}.{}\nJson edge_{}_foreach(const ConditionContext& ctx) {{\n",
                           comment_text(edge_label), comment_text(fn.import), comment_text(fn.name), e.index);
        if (mock_all_) {
          out += fmt::format("  return selinon::mock_foreach(ctx, {}, {});\n}}\n\n", cpp_string(fn.import),
                             cpp_string(fn.name));
        } else {
          out += fmt::format("  return Json({}(ctx, ctx.node_args()));\n}}\n\n", cpp_qualified_name(fn.name));
        }
      }
    }
    for (std::size_t i = 0; i < flow_.failures.size(); ++i) {
      const auto& f = flow_.failures[i];
      if (f.condition.is_true()) continue;
      std::string label = fmt::format("failure {}: {} -> {}", i, plain_list(f.nodes),
                                      f.fallback_true ? std::string("true") : plain_list(f.fallback));
      out += condition_function(fmt::format("failure_{}_condition", i), label, f.condition, system_, mock_all_);
      out += "\n";
    }
    return out;
  }

  std::string start_body() const {
    std::string out;
    for (const auto& e : flow_.edges) {
      if (!e.is_start()) continue;
      out += fmt::format("{}step.fire_start(edges[{}]);  // -> {}", out.empty() ? "" : "\n", e.index, plain_list(e.to));
    }
    return out.empty() ? "(void)step, (void)edges;" : out;
  }

  std::string succeeded_cases() const {
    std::string out;
    for (const auto& node : nodes_) {
      std::string calls;
      for (const auto& e : flow_.edges) {
        bool source = std::any_of(e.from.begin(), e.from.end(), [&](const Name& n) { return n.value == node; });
        if (!source) continue;
        calls += fmt::format("  step.fire(edges[{}], node, id);  // {} -> {}\n", e.index, plain_list(e.from),
                             plain_list(e.to));
      }
      if (calls.empty()) continue;
      out += fmt::format("case {}:\n{}  break;\n", cpp_identifier(node), calls);
    }
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  bool eager(const std::string& node) const {
    if (flow_.eager_all) return true;
    return std::any_of(flow_.eager_failures.begin(), flow_.eager_failures.end(),
                       [&](const Name& n) { return n.value == node; });
  }

  std::string failed_cases() const {
    std::string out;
    for (const auto& node : nodes_) {
      if (!eager(node)) continue;
      out += fmt::format("case {}:  // eager failure: the flow fails now\n  step.fail_eagerly(node, id);\n  break;\n",
                         cpp_identifier(node));
    }
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  std::string node_specs() const {
    std::string out;
    for (const auto& node : nodes_) {
      std::string fields = fmt::format(".name = {}", cpp_string(node));
      bool is_flow = system_.is_flow(node);
      if (is_flow) fields += ", .is_flow = true";
      if (flow_.is_nowait(node)) fields += ", .nowait = true";
      if (eager(node)) fields += ", .eager = true";
      if (is_flow) {
        if (flow_.propagate_node_args.selects(node)) fields += ", .propagate_node_args = true";
        if (flow_.propagate_parent.selects(node)) fields += ", .propagate_parent = true";
        if (flow_.propagate_finished.selects(node)) fields += ", .propagate_finished = true";
        else if (flow_.propagate_compound_finished.selects(node)) fields += ", .propagate_compound_finished = true";
        if (flow_.propagate_failures.selects(node)) fields += ", .propagate_failures = true";
        else if (flow_.propagate_compound_failures.selects(node)) fields += ", .propagate_compound_failures = true";
        if (flow_.propagate_parent_failures.selects(node)) fields += ", .propagate_parent_failures = true";
      }
      out += fmt::format("{}{{{}}},", out.empty() ? "" : "\n", fields);
    }
    return out;
  }

  std::string edge_specs() {
    std::string out;
    for (const auto& e : flow_.edges) {
      std::string fields = fmt::format(".index = {}, .from = {{{}}}, .to = {{{}}}", e.index, node_list(e.from),
                                       node_list(e.to));
      if (!e.condition.is_true()) {
        fields += fmt::format(",\n .condition = edge_{}_condition, .condition_str = {}", e.index,
                              cpp_string(render_condition(e.condition, system_)));
      }
      if (e.foreach) {
        fields += fmt::format(",\n .foreach = edge_{}_foreach, .foreach_str = {}", e.index,
                              cpp_string("foreach " + e.foreach->function.import + "." + e.foreach->function.name));
        if (e.foreach->propagate_result) fields += ", .foreach_propagate_result = true";
      }
      out += fmt::format("{}{{{}}},", out.empty() ? "" : "\n", fields);
    }
    return out;
  }

  std::string failure_specs() const {
    // Entries naming the same set of nodes share one failure node with several fallbacks, in entry order.
    std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> groups;
    for (std::size_t i = 0; i < flow_.failures.size(); ++i) {
      const auto& f = flow_.failures[i];
      std::vector<std::string> nodes;
      for (const auto& n : f.nodes) nodes.push_back(n.value);
      std::sort(nodes.begin(), nodes.end());
      std::string fallback = f.fallback_true ? ".ignore = true" : fmt::format(".nodes = {{{}}}", node_list(f.fallback));
      if (!f.condition.is_true()) {
        fallback += fmt::format(", .condition = failure_{}_condition, .condition_str = {}", i,
                                cpp_string(render_condition(f.condition, system_)));
      }
      auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == nodes; });
      if (it == groups.end()) {
        groups.push_back({nodes, {}});
        it = groups.end() - 1;
      }
      it->second.push_back("{" + fallback + "}");
    }
    std::string out;
    for (const auto& [nodes, fallbacks] : groups) {
      std::string node_names;
      for (const auto& n : nodes) node_names += (node_names.empty() ? "" : ", ") + cpp_identifier(n);
      std::string fb;
      for (const auto& f : fallbacks) fb += (fb.empty() ? "" : ",\n   ") + f;
      out += fmt::format("{}{{.nodes = {{{}}},\n .fallbacks = {{{}}}}},", out.empty() ? "" : "\n", node_names, fb);
    }
    return out;
  }

  const System& system_;
  const Flow& flow_;
  bool mock_all_;
  std::string ns_;
  std::vector<std::string> nodes_;
};

}  // namespace

FlowFiles flow_files(const model::System& system, const model::Flow& flow, bool mock_all, const std::string& ns) {
  return FlowEmitter(system, flow, mock_all, ns).emit();
}

}  // namespace selinon::emit
