// The system a generated configuration registers: its tasks, storages and flows, with their settings.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "selinon/flow_machine.hpp"
#include "selinon/storage.hpp"
#include "selinon/task.hpp"

namespace selinon {

struct TaskBinding {
  std::string_view name = {};
  std::string_view queue = {};  // may hold {ENV} placeholders, expanded when the engine starts
  // Creates the user's task object; empty in builds where every task is mocked.
  std::function<std::unique_ptr<Task>()> make = {};
  std::string_view storage = {};  // empty: none
  std::string_view storage_task_name = {};
  bool storage_readonly = false;
  int max_retry = 0;
  int retry_countdown = 0;
  double throttle_seconds = 0;
  double timeout_seconds = 0;  // 0: no timeout
  std::string_view output_schema = {};
};

struct StorageBinding {
  std::string_view name = {};
  std::string_view configuration_json = {};
  // Empty: the runtime keeps the results in memory.
  std::function<std::unique_ptr<DataStorage>(const Json& configuration)> make = {};
};

struct FlowBinding {
  const FlowMachine* machine = nullptr;
  std::string_view queue = {};
  double throttle_seconds = 0;
};

struct SystemDescriptor {
  std::vector<TaskBinding> tasks;
  std::vector<StorageBinding> storages;
  std::vector<FlowBinding> flows;
  bool mock_all_tasks = false;  // built with MOCK_ALL_TASKS: no task code linked

  const TaskBinding* task(std::string_view name) const;
  const FlowBinding* flow(std::string_view name) const;
  const StorageBinding* storage(std::string_view name) const;
};

}  // namespace selinon
