// Signatures of Selinon's built-in predicates, used to bind and check condition leaves.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace selinon::model {

struct PredicateSignature {
  std::string_view name;
  bool reads_result = false;     // Python parameter `message`: the bound node's stored result
  bool reads_node_args = false;  // Python parameter `node_args`: the flow's arguments
  std::vector<std::string_view> args;  // literal arguments, all required (Selinon ignores defaults)
  // Set for names whose behaviour contradicts the name; kept for compatibility, linted.
  std::string_view misleading;
};

// nullptr when `name` is not a built-in predicate.
const PredicateSignature* builtin_predicate(std::string_view name);
const std::vector<PredicateSignature>& builtin_predicates();

}  // namespace selinon::model
