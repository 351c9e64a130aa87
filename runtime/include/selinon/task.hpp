// The base class of user tasks: run(node_args) -> JSON, with access to parent results and the task's storage.
#pragma once

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "selinon/json.hpp"
#include "selinon/storage.hpp"

namespace selinon {

// Thrown by a task to fail at once, skipping its remaining retries.
class FatalTaskError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by Task::retry(); deliberately not a std::exception so `catch (const std::exception&)` in user code
// does not swallow it. Such retries do not count towards max_retry (as in Selinon).
struct RetryRequest {
  int countdown_seconds = 0;
};

// Reads stored results of other tasks (implemented by the runtime).
class ResultReader {
 public:
  virtual ~ResultReader() = default;
  virtual Json read(const std::string& flow_name, const std::string& task_name, const std::string& task_id) const = 0;
};

struct TaskContext {
  std::string task_name;
  std::string flow_name;
  std::string task_id;
  std::string dispatcher_id;
  Json parent = Json::object();
  int retried_count = 0;
  DataStorage* storage = nullptr;
  const ResultReader* results = nullptr;
  // Set when the task ran past its `timeout`: the runtime has already failed it and will ignore its result.
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
};

class Task {
 public:
  virtual ~Task() = default;
  virtual Json run(const Json& node_args) = 0;

  const std::string& task_name() const { return context().task_name; }
  const std::string& flow_name() const { return context().flow_name; }
  const std::string& task_id() const { return context().task_id; }
  const std::string& dispatcher_id() const { return context().dispatcher_id; }
  const Json& parent() const { return context().parent; }
  int retried_count() const { return context().retried_count; }
  // True once this run exceeded its timeout; long-running tasks should check it and return early.
  bool cancelled() const { return context().cancelled && context().cancelled->load(); }
  // The task's storage adapter, or nullptr when it has none.
  DataStorage* storage() const { return context().storage; }

  // Result of a parent task (a source of the edge that started this task). Throws std::out_of_range if absent.
  Json parent_task_result(const std::string& task) const;
  // Result of a task inside a parent sub-flow (propagate_finished); `flows` is the path of nested flow names.
  Json parent_flow_result(const std::vector<std::string>& flows, const std::string& task, int index = -1) const;

  // Re-runs this task (same id) after `countdown_seconds`; not counted towards max_retry.
  [[noreturn]] void retry(int countdown_seconds = 0) const { throw RetryRequest{countdown_seconds}; }

  // Used by the runtime before run().
  void bind(const TaskContext* context) { context_ = context; }

 private:
  const TaskContext& context() const;
  const TaskContext* context_ = nullptr;
};

}  // namespace selinon
