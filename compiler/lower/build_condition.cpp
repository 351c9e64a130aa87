// Condition trees (spec §2.1-§2.3): leaves bound to source nodes, and/or/not. What a predicate accepts (its
// signature) is checked in check/condition_rules.cpp.
#include <fmt/format.h>

#include "lower/build_nodes.hpp"

namespace selinon::model {
namespace {

struct ConditionBuilder {
  BuildContext& ctx;
  const std::vector<Name>& sources;
  const std::string& flow;
  bool in_failure;

  Condition build(const YamlValue& value, int depth) {
    Condition c;
    c.loc = value.loc;
    if (depth > 64) {
      ctx.error(value.loc, "bad-condition", "condition nested too deeply");
      return c;
    }
    if (!value.truthy()) {
      ctx.error(value.loc, "bad-condition",
                fmt::format("bad condition {}: give a predicate {{name: ...}} or and/or/not of predicates, or remove "
                            "the 'condition' key for an always-true edge",
                            value.python_repr()));
      return c;
    }
    if (!value.is_map()) {
      ctx.error(value.loc, "bad-condition",
                fmt::format("a condition should be a mapping ({{name: ...}}, {{and: [...]}}, {{or: [...]}} or "
                            "{{not: ...}}), got {}",
                            value.python_repr()));
      return c;
    }
    // Selinon's resolution order: name, or, not, and; other operator keys of the same map are ignored.
    if (value.find("name")) return leaf(value);
    for (std::string_view op : {"or", "not", "and"}) {
      const auto* entry = value.find_entry(op);
      if (!entry) continue;
      for (const auto& [key, unused] : value.entries) {
        if (&key != &entry->first) {
          ctx.warning(key.loc, "ignored-key",
                      fmt::format("{} is ignored in a condition that already has '{}' (Selinon reads name, or, not, "
                                  "and in that order); nest them instead",
                                  key.python_repr(), op));
        }
      }
      const YamlValue& operand = entry->second;
      if (op == "not") {
        c.kind = Condition::Kind::negation;
        if (operand.is_seq()) {
          ctx.error(operand.loc, "bad-condition", "'not' takes one condition, not a list");
          return c;
        }
        c.children.push_back(build(operand, depth + 1));
        return c;
      }
      c.kind = op == "or" ? Condition::Kind::any_of : Condition::Kind::all_of;
      if (!operand.is_seq()) {
        ctx.error(operand.loc, "bad-condition", fmt::format("'{}' expects a list of conditions", op));
        return c;
      }
      for (const auto& child : operand.items) c.children.push_back(build(child, depth + 1));
      return c;
    }
    ctx.error(value.loc, "bad-condition",
              fmt::format("unknown predicate {}: a condition needs 'name' (a predicate), 'and', 'or' or 'not'",
                          value.python_repr()));
    return c;
  }

  Condition leaf(const YamlValue& value) {
    Condition c;
    c.kind = Condition::Kind::leaf;
    c.loc = value.loc;
    const YamlValue& name = *value.find("name");
    c.predicate_loc = name.loc;
    if (!name.is_string() || name.text.empty()) {
      ctx.error(name.loc, "bad-condition",
                fmt::format("predicate name should be a string, got {}", name.python_repr()));
      return c;
    }
    c.predicate = name.text;
    ctx.reject_unknown_keys(value, {"name", "node", "args"},
                            [&] { return fmt::format("for predicate '{}' in flow '{}'", c.predicate, flow); });
    if (const YamlValue* node = value.find("node")) {
      if (auto s = ctx.string_of(*node, fmt::format("node of predicate '{}'", c.predicate))) {
        c.node = Name{*s, node->loc};
        bool is_source = false;
        for (const auto& source : sources) is_source = is_source || source.value == *s;
        if (!is_source) {
          ctx.error(node->loc, "predicate-node-not-source",
                    fmt::format("node '{}' in predicate '{}' is not {} of this {}; a predicate can only read a node "
                                "listed in '{}'",
                                *s, c.predicate, in_failure ? "one of the failed nodes" : "a source",
                                in_failure ? "failure" : "edge", in_failure ? "nodes" : "from"));
        } else {
          c.bound_node = *s;
        }
      }
    } else if (sources.size() == 1) {
      c.bound_node = sources.front().value;
    }
    if (const YamlValue* args = value.find("args")) {
      c.has_args_key = true;
      if (!args->is_map()) {
        if (!args->is_null()) {
          ctx.error(args->loc, "bad-condition",
                    fmt::format("args of predicate '{}' should be a mapping of argument names to values",
                                c.predicate));
        }
      } else {
        for (const auto& [key, v] : args->entries) {
          c.args.push_back({key.is_string() ? key.text : key.python_repr(), v.to_json(), key.loc});
        }
      }
    }
    return c;
  }
};

}  // namespace

Condition build_condition(BuildContext& ctx, const YamlValue& value, const std::vector<Name>& sources,
                          const std::string& flow, bool in_failure) {
  ConditionBuilder builder{ctx, sources, flow, in_failure};
  return builder.build(value, 0);
}

}  // namespace selinon::model
