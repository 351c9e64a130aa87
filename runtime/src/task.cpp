// Task helpers: reading parent results.
#include "selinon/task.hpp"

#include <stdexcept>

namespace selinon {

const TaskContext& Task::context() const {
  if (!context_) throw std::logic_error("task used outside of a run (no context bound)");
  return *context_;
}

Json Task::parent_task_result(const std::string& task) const {
  const TaskContext& c = context();
  if (!c.parent.is_object() || !c.parent.contains(task) || !c.parent[task].is_string()) {
    throw std::out_of_range("task '" + task + "' is not a parent of " + c.task_name);
  }
  if (!c.results) throw std::logic_error("no result reader bound");
  return c.results->read(c.flow_name, task, c.parent[task].get<std::string>());
}

Json Task::parent_flow_result(const std::vector<std::string>& flows, const std::string& task, int index) const {
  const TaskContext& c = context();
  const Json* node = &c.parent;
  for (const auto& flow : flows) {
    if (!node->is_object() || !node->contains(flow)) {
      throw std::out_of_range("flow '" + flow + "' is not among the parent nodes of " + c.task_name);
    }
    node = &(*node)[flow];
  }
  if (!node->is_object() || !node->contains(task) || !(*node)[task].is_array() || (*node)[task].empty()) {
    throw std::out_of_range("task '" + task + "' did not finish in the parent sub-flow of " + c.task_name);
  }
  const Json& ids = (*node)[task];
  long n = static_cast<long>(ids.size());
  long i = index < 0 ? n + index : index;
  if (i < 0 || i >= n) throw std::out_of_range("index " + std::to_string(index) + " out of range for " + task);
  if (!c.results) throw std::logic_error("no result reader bound");
  return c.results->read(flows.empty() ? c.flow_name : flows.back(), task, ids[static_cast<std::size_t>(i)].get<std::string>());
}

}  // namespace selinon
