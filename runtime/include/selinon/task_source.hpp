// Where the code of tasks, foreach functions and custom predicates comes from when it is not the code compiled into
// the worker: a mock script (`--mock`, MOCK_ALL_TASKS builds, tests). The engine knows only this interface.
#pragma once

#include <memory>
#include <string_view>

#include "selinon/json.hpp"
#include "selinon/task.hpp"

namespace selinon {

struct TaskBinding;

class TaskSource {
 public:
  virtual ~TaskSource() = default;
  // The object that runs `task` instead of its compiled code; nullptr to run the compiled code.
  virtual std::unique_ptr<Task> replace(const TaskBinding& task) const = 0;
  // Stand-ins for foreach functions and custom predicates, called by code generated with MOCK_ALL_TASKS.
  virtual Json foreach_items(std::string_view import, std::string_view function) const = 0;
  virtual bool predicate(std::string_view name) const = 0;
};

}  // namespace selinon
