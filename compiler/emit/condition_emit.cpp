// Renders condition trees: Selinon's condition strings and the C++ functions the flow code calls.
#include "emit/condition_emit.hpp"

#include <fmt/format.h>

#include "emit/names.hpp"
#include "model/condition_text.hpp"
#include "model/predicates.hpp"

namespace selinon::emit {
namespace {

using Kind = model::Condition::Kind;

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(separator) : "") + parts[i];
  return out;
}

struct ExpressionBuilder {
  const model::System& system;
  bool mock_all;
  std::vector<std::string> constants;  // `static const Json aN = ...;  // name` lines
  bool uses_ctx = false;
  bool uses_integers = false;
  bool uses_predicates = false;

  std::string constant(const nlohmann::json& value, const std::string& label) {
    std::string name = fmt::format("a{}", constants.size());
    std::string expression = json_expression(value);
    if (expression.find("int64_t") != std::string::npos) uses_integers = true;
    constants.push_back(fmt::format("static const Json {} = {};  // {}", name, expression, comment_text(label)));
    return name;
  }

  std::string leaf(const model::Condition& c) {
    const auto* sig = model::builtin_predicate(c.predicate);
    if (!sig) {
      uses_ctx = true;
      if (mock_all) return fmt::format("selinon::mock_predicate(ctx, {})", cpp_string(c.predicate));
      nlohmann::json args = nlohmann::json::object();
      for (const auto& a : c.args) args[a.name] = a.value;
      return fmt::format("{}(ctx, {})", c.predicate, constant(args, c.predicate + " args"));
    }
    uses_predicates = true;
    std::vector<std::string> call_args;
    uses_ctx = uses_ctx || sig->reads_result || sig->reads_node_args;
    if (sig->reads_result) call_args.push_back(fmt::format("ctx.result({})", cpp_string(c.bound_node)));
    if (sig->reads_node_args) call_args.push_back("ctx.node_args()");
    for (const auto* a : model::ordered_args(c)) call_args.push_back(constant(a->value, a->name));
    return fmt::format("p::{}({})", c.predicate, join(call_args, ", "));
  }

  std::string expression(const model::Condition& c) {
    switch (c.kind) {
      case Kind::always_true: return "true";
      case Kind::leaf: return leaf(c);
      case Kind::negation: return c.children.empty() ? "false" : "!" + wrapped(c.children.front());
      case Kind::all_of:
      case Kind::any_of: {
        if (c.children.empty()) return c.kind == Kind::all_of ? "true" : "false";
        if (c.children.size() == 1) return expression(c.children.front());
        std::vector<std::string> parts;
        for (const auto& child : c.children) parts.push_back(wrapped(child));
        return join(parts, c.kind == Kind::all_of ? " && " : " || ");
      }
    }
    return "true";
  }

  std::string wrapped(const model::Condition& c) {
    std::string e = expression(c);
    bool compound = (c.kind == Kind::all_of || c.kind == Kind::any_of) && c.children.size() > 1;
    return compound ? "(" + e + ")" : e;
  }
};

}  // namespace

ConditionCode condition_function(const std::string& name, const std::string& comment,
                                 const model::Condition& condition, const model::System& system, bool mock_all) {
  ExpressionBuilder builder{system, mock_all, {}};
  std::string expression = builder.expression(condition);
  // A condition on constants alone (e.g. alwaysTrue()) leaves the context unnamed: no unused-parameter warning.
  bool uses_ctx = builder.uses_ctx;
  ConditionCode code;
  code.text = fmt::format("// {}\n//   {}\nbool {}(const ConditionContext&{}) {{\n", comment_text(comment),
                          comment_text(model::condition_str(condition)), name, uses_ctx ? " ctx" : "");
  for (const auto& line : builder.constants) code.text += "  " + line + "\n";
  code.text += "  return " + expression + ";\n}\n";
  code.uses_json = !builder.constants.empty();
  code.uses_integers = builder.uses_integers;
  code.uses_predicates = builder.uses_predicates;
  return code;
}

}  // namespace selinon::emit
