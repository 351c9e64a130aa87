// Conditions as C++: one function per condition, built from the predicate primitives of the runtime.
#pragma once

#include <string>

#include "model/model.hpp"

namespace selinon::emit {

// Selinon's rendering of a condition (its condition_str), e.g. `(fieldEqual(db.get('T1'), key='a', value=5) and
// (not argsFieldExist(key='zz')))`; used in traces and plots.
std::string render_condition(const model::Condition& condition, const model::System& system);

// A condition function and what its text needs declared, so a flow's source includes only what it uses.
struct ConditionCode {
  std::string text;              // `bool NAME(const ConditionContext& ctx) { ... }` with comment lines above it
  bool uses_json = false;        // Json constants (`using selinon::Json`)
  bool uses_integers = false;    // std::int64_t / std::uint64_t literals (<cstdint>)
  bool uses_predicates = false;  // the runtime's built-in predicates (<selinon/predicates.hpp>)
};

ConditionCode condition_function(const std::string& name, const std::string& comment,
                                 const model::Condition& condition, const model::System& system, bool mock_all);

// Python's repr() of a JSON literal: 'text', True, None, [1, 2], {'a': 1}.
std::string python_repr(const nlohmann::json& value);

}  // namespace selinon::emit
