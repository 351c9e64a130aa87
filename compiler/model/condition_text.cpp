// Selinon's text of conditions and literals, shared by the emitted comments and trace strings and by plot labels.
#include "model/condition_text.hpp"

#include "model/predicates.hpp"

namespace selinon::model {
namespace {

using Kind = Condition::Kind;

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(separator) : "") + parts[i];
  return out;
}

}  // namespace

std::vector<const Condition::Arg*> ordered_args(const Condition& leaf) {
  std::vector<const Condition::Arg*> out;
  if (const auto* sig = builtin_predicate(leaf.predicate)) {
    for (auto name : sig->args) {
      for (const auto& a : leaf.args) {
        if (a.name == name) out.push_back(&a);
      }
    }
    return out;
  }
  for (const auto& a : leaf.args) out.push_back(&a);
  return out;
}

std::string python_repr(const Json& v) {
  using nlohmann::json;
  switch (v.type()) {
    case json::value_t::null: return "None";
    case json::value_t::boolean: return v.get<bool>() ? "True" : "False";
    case json::value_t::string: return "'" + v.get<std::string>() + "'";
    case json::value_t::array: {
      std::vector<std::string> parts;
      for (const auto& item : v) parts.push_back(python_repr(item));
      return "[" + join(parts, ", ") + "]";
    }
    case json::value_t::object: {
      std::vector<std::string> parts;
      for (const auto& [k, item] : v.items()) parts.push_back("'" + k + "': " + python_repr(item));
      return "{" + join(parts, ", ") + "}";
    }
    case json::value_t::number_float: {
      std::string s = v.dump();
      return s;
    }
    default: return v.dump();
  }
}

std::string condition_str(const Condition& c) {
  switch (c.kind) {
    case Kind::always_true: return "True";
    case Kind::leaf: {
      std::vector<std::string> parts;
      const auto* sig = builtin_predicate(c.predicate);
      if (sig && sig->reads_result) parts.push_back("db.get('" + c.bound_node + "')");
      for (const auto* a : ordered_args(c)) parts.push_back(a->name + "=" + python_repr(a->value));
      return c.predicate + "(" + join(parts, ", ") + ")";
    }
    case Kind::negation:
      return c.children.empty() ? "(not True)" : "(not " + condition_str(c.children.front()) + ")";
    case Kind::all_of:
    case Kind::any_of: {
      if (c.children.size() == 1) return condition_str(c.children.front());
      if (c.children.empty()) return c.kind == Kind::all_of ? "True" : "False";
      std::vector<std::string> parts;
      for (const auto& child : c.children) parts.push_back(condition_str(child));
      return "(" + join(parts, c.kind == Kind::all_of ? " and " : " or ") + ")";
    }
  }
  return "True";
}

}  // namespace selinon::model
