// Conditions as C++: one function per condition, built from the predicate primitives of the runtime.
#pragma once

#include <string>

#include "model/model.hpp"

namespace selinon::emit {

// A condition function and what its text needs declared, so a flow's source includes only what it uses.
struct ConditionCode {
  std::string text;              // `bool NAME(const ConditionContext& ctx) { ... }` with comment lines above it
  bool uses_json = false;        // Json constants (`using selinon::Json`)
  bool uses_integers = false;    // std::int64_t / std::uint64_t literals (<cstdint>)
  bool uses_predicates = false;  // the runtime's built-in predicates (<selinon/predicates.hpp>)
};

ConditionCode condition_function(const std::string& name, const std::string& comment,
                                 const model::Condition& condition, const model::System& system, bool mock_all);

}  // namespace selinon::emit
