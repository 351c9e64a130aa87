// Selinon's text of a condition (condition_str) and of literals (Python's repr), as traces and plots show them.
#pragma once

#include <string>
#include <vector>

#include "model/model.hpp"

namespace selinon::model {

// e.g. `(fieldEqual(db.get('T1'), key='a', value=5) and (not argsFieldExist(key='zz')))`.
std::string condition_str(const Condition& condition);

// Python's repr() of a JSON literal: 'text', True, None, [1, 2], {'a': 1}.
std::string python_repr(const Json& value);

// A leaf's arguments in the predicate's declared order (the runtime's calling convention), else as written.
std::vector<const Condition::Arg*> ordered_args(const Condition& leaf);

}  // namespace selinon::model
