// One flow as C++: node enum, condition functions, edge and failure tables, and the transition functions.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "emit/condition_emit.hpp"
#include "emit/emit.hpp"
#include "emit/names.hpp"
#include "emit/printer.hpp"
#include "model/condition_text.hpp"
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

std::string source_path(const System& system, const Flow& flow) {
  return flow.definition_loc.valid() ? input_name(flow.definition_loc.path(), system.files) : std::string("<memory>");
}

// A section rule: `// ---- title ---...` filled to the 120 columns of the project's code.
std::string rule(const std::string& title) {
  std::string out = "// ---- " + title + " ";
  return out + std::string(out.size() < 116 ? 120 - out.size() : 4, '-');
}

// Groups of lines (e.g. includes of one kind) with one blank line between the non-empty ones.
std::string blocks(const std::vector<std::string>& groups) {
  std::string out;
  for (const auto& g : groups) {
    if (g.empty()) continue;
    out += (out.empty() ? "" : "\n") + g;
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
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

    // The functions first: what they use decides the includes and declarations.
    vars["functions"] = functions();
    vars["transition"] = transition();
    vars["includes"] = includes();
    vars["declarations"] = declarations();
    vars["node_specs"] = node_specs();
    vars["edge_specs"] = edge_specs();
    vars["settings"] = settings();
    files.source = squeeze_blank_lines(fill(template_text("flow.cpp.in"), vars));
    return files;
  }

 private:
  Vars common() const {
    return {{"flow", flow_.name}, {"flow_id", cpp_identifier(flow_.name)}, {"version", SELINON_VERSION}, {"namespace", ns_},
            {"source", comment_text(source_path(system_, flow_))}};
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

  bool any_foreach() const {
    return std::any_of(flow_.edges.begin(), flow_.edges.end(), [](const auto& e) { return e.foreach.has_value(); });
  }

  std::string includes() const {
    std::string standard;
    if (uses_integers_) standard += "#include <cstdint>\n";
    if (!succeeded_.empty() || !failed_.empty()) standard += "#include <string>\n";
    bool custom = uses_custom_predicates();
    std::string selinon;
    if (mock_all_ && (any_foreach() || custom)) selinon += "#include <selinon/mock.hpp>\n";
    if (uses_predicates_) selinon += "#include <selinon/predicates.hpp>\n";
    std::set<std::string> headers;
    if (!mock_all_) {
      for (const auto& e : flow_.edges) {
        if (e.foreach) headers.insert(header_of_import(e.foreach->function.import));
      }
      if (custom && system_.global.predicates_module) headers.insert(header_of_import(*system_.global.predicates_module));
    }
    std::string user;
    for (const auto& h : headers) user += fmt::format("#include \"{}\"\n", h);
    return blocks({standard, selinon, user});
  }

  std::string declarations() const {
    std::string out;
    if (functions_ > 0) out += "using selinon::ConditionContext;\n";
    if (uses_json_) out += "using selinon::Json;\n";
    if (uses_predicates_) out += "namespace p = selinon::predicates;\n";
    return blocks({out});
  }

  void add_condition(std::string& out, const std::string& name, const std::string& label,
                     const model::Condition& condition) {
    ConditionCode code = condition_function(name, label, condition, system_, mock_all_);
    out += (out.empty() ? "" : "\n") + code.text;
    uses_json_ = uses_json_ || code.uses_json;
    uses_integers_ = uses_integers_ || code.uses_integers;
    uses_predicates_ = uses_predicates_ || code.uses_predicates;
    ++functions_;
  }

  // The condition and foreach functions of the edges and fallbacks, under a rule naming what they are.
  std::string functions() {
    std::string out;
    bool conditions = false;
    bool foreach = false;
    for (const auto& e : flow_.edges) {
      std::string edge_label = fmt::format("edge {}: {} -> {}", e.index, plain_list(e.from), plain_list(e.to));
      if (!e.condition.is_true()) {
        add_condition(out, fmt::format("edge_{}_condition", e.index), edge_label, e.condition);
        conditions = true;
      }
      if (e.foreach) {
        const auto& fn = e.foreach->function;
        out += fmt::format("{}// {}: foreach {}.{}\nJson edge_{}_foreach(const ConditionContext& ctx) {{\n",
                           out.empty() ? "" : "\n", comment_text(edge_label), comment_text(fn.import),
                           comment_text(fn.name), e.index);
        if (mock_all_) {
          out += fmt::format("  return selinon::mock_foreach(ctx, {}, {});\n}}\n", cpp_string(fn.import),
                             cpp_string(fn.name));
        } else {
          out += fmt::format("  return Json({}(ctx, ctx.node_args()));\n}}\n", cpp_qualified_name(fn.name));
        }
        uses_json_ = true;
        foreach = true;
        ++functions_;
      }
    }
    for (std::size_t i = 0; i < flow_.failures.size(); ++i) {
      const auto& f = flow_.failures[i];
      if (f.condition.is_true()) continue;
      std::string label = fmt::format("failure {}: {} -> {}", i, plain_list(f.nodes),
                                      f.fallback_true ? std::string("true") : plain_list(f.fallback));
      add_condition(out, fmt::format("failure_{}_condition", i), label, f.condition);
      conditions = true;
    }
    if (out.empty()) return out;
    std::string title = conditions && foreach ? "conditions and foreach functions of the edges and fallbacks"
                        : conditions        ? "conditions: one function per edge or fallback with a condition"
                                            : "foreach functions: the items each foreach edge starts its nodes for";
    return rule(title) + "\n" + out;
  }

  // on_start, and on_node_succeeded / on_node_failed only for the flows whose nodes have something to do.
  std::string transition() {
    succeeded_ = succeeded_function();
    failed_ = failed_function();
    std::string out = rule(fmt::format("transition: what each event does to a run of '{}'", comment_text(flow_.name)));
    out += "\n\n";
    std::string starts;
    for (const auto& e : flow_.edges) {
      if (!e.is_start()) continue;
      starts += fmt::format("  step.fire_start(edges[{}]);  // -> {}\n", e.index, plain_list(e.to));
    }
    if (!starts.empty()) {
      out += "// The flow starts: every starting edge whose condition holds starts its nodes.\n"
             "void on_start(selinon::Step& step) {\n"
             "  const auto& edges = machine().edges;\n" +
             starts + "}\n\n";
    }
    out += succeeded_.empty() ? "// No edge leaves a node of this flow: a node that finishes starts nothing.\n\n"
                              : succeeded_;
    out += failed_;
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  // One `if` for a flow with one source node, a `switch` for several; nothing when no edge leaves a node.
  std::string succeeded_function() const {
    std::vector<std::pair<std::string, std::vector<std::string>>> sources;  // node -> its fire() calls
    for (const auto& node : nodes_) {
      std::vector<std::string> calls;
      for (const auto& e : flow_.edges) {
        bool source = std::any_of(e.from.begin(), e.from.end(), [&](const Name& n) { return n.value == node; });
        if (!source) continue;
        calls.push_back(
            fmt::format("step.fire(edges[{}], node, id);  // {} -> {}", e.index, plain_list(e.from), plain_list(e.to)));
      }
      if (!calls.empty()) sources.emplace_back(node, std::move(calls));
    }
    if (sources.empty()) return "";
    std::string body;
    if (sources.size() == 1) {
      const auto& [node, calls] = sources.front();
      if (calls.size() == 1) {
        body = fmt::format("  if (node == {}) {}\n", cpp_identifier(node), calls.front());
      } else {
        body = fmt::format("  if (node == {}) {{\n", cpp_identifier(node));
        for (const auto& c : calls) body += "    " + c + "\n";
        body += "  }\n";
      }
    } else {
      body = "  switch (node) {\n";
      for (const auto& [node, calls] : sources) {
        body += fmt::format("    case {}:\n", cpp_identifier(node));
        for (const auto& c : calls) body += "      " + c + "\n";
        body += "      break;\n";
      }
      body += "    default:\n      break;  // no outgoing edges\n  }\n";
    }
    return "// A node finished: fire each edge it is a source of, once per new combination of finished source "
           "instances.\n"
           "void on_node_succeeded(selinon::Step& step, int node, const std::string& id) {\n"
           "  const auto& edges = machine().edges;\n" +
           body + "}\n\n";
  }

  bool eager(const std::string& node) const {
    if (flow_.eager_all) return true;
    return std::any_of(flow_.eager_failures.begin(), flow_.eager_failures.end(),
                       [&](const Name& n) { return n.value == node; });
  }

  // Eager failure nodes end the flow at once; any other failure waits for the failure entries, so a flow without
  // eager nodes needs no function for it.
  std::string failed_function() const {
    std::vector<std::string> eager_nodes;
    for (const auto& node : nodes_) {
      if (eager(node)) eager_nodes.push_back(cpp_identifier(node));
    }
    if (eager_nodes.empty()) return "";
    const std::string signature = "void on_node_failed(selinon::Step& step, int node, const std::string& id)";
    if (eager_nodes.size() == nodes_.size()) {
      return "// A node failed: every node of this flow is an eager failure node, so the flow fails now.\n" + signature +
             " { step.fail_eagerly(node, id); }\n\n";
    }
    std::string out =
        "// A node failed: an eager failure node ends the flow at once; other failures wait until nothing is active,\n"
        "// then the matching failure entry's fallbacks start (see FlowMachine::failures).\n" +
        signature + " {\n";
    if (eager_nodes.size() == 1) {
      out += fmt::format("  if (node == {}) step.fail_eagerly(node, id);\n", eager_nodes.front());
    } else {
      out += "  switch (node) {\n";
      for (const auto& n : eager_nodes) out += fmt::format("    case {}:\n", n);
      out += "      step.fail_eagerly(node, id);\n      break;\n    default:\n      break;\n  }\n";
    }
    return out + "}\n\n";
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
      std::string fields = fmt::format(".index = {}", e.index);
      if (!e.is_start()) fields += fmt::format(", .from = {{{}}}", node_list(e.from));
      fields += fmt::format(", .to = {{{}}}", node_list(e.to));
      if (!e.condition.is_true()) {
        fields += fmt::format(",\n .condition = edge_{}_condition, .condition_str = {}", e.index,
                              cpp_string(model::condition_str(e.condition)));
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
                                cpp_string(model::condition_str(f.condition)));
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

  // The FlowMachine fields after the edge table: failures, flow settings and hooks, each only when not the default.
  std::string settings() const {
    std::string out;
    if (!flow_.failures.empty()) {
      out += "// A failure waits until nothing is active; then the matching entry's fallbacks start.\n"
             "m.failures = {\n" +
             indented(failure_specs()) + "\n};\n";
    }
    if (flow_.node_args_from_first) out += "m.node_args_from_first = true;\n";
    if (flow_.max_retry != 0) out += fmt::format("m.max_retry = {};\n", flow_.max_retry);
    if (flow_.retry_countdown != 0) out += fmt::format("m.retry_countdown = {};\n", flow_.retry_countdown);
    if (std::any_of(flow_.edges.begin(), flow_.edges.end(), [](const auto& e) { return e.is_start(); })) {
      out += "m.on_start = on_start;\n";
    }
    if (!succeeded_.empty()) out += "m.on_node_succeeded = on_node_succeeded;\n";
    if (!failed_.empty()) out += "m.on_node_failed = on_node_failed;\n";
    if (!out.empty()) out.pop_back();
    return out;
  }

  const System& system_;
  const Flow& flow_;
  bool mock_all_;
  std::string ns_;
  std::vector<std::string> nodes_;
  // What the emitted functions use, collected while emitting them.
  std::string succeeded_;
  std::string failed_;
  int functions_ = 0;
  bool uses_json_ = false;
  bool uses_integers_ = false;
  bool uses_predicates_ = false;
};

}  // namespace

FlowFiles flow_files(const model::System& system, const model::Flow& flow, bool mock_all, const std::string& ns) {
  return FlowEmitter(system, flow, mock_all, ns).emit();
}

}  // namespace selinon::emit
