// Runs one task message: instantiates the task (or its stand-in), runs it, stores its result, decides about retries.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "selinon/message.hpp"
#include "selinon/system.hpp"
#include "selinon/task_source.hpp"
#include "selinon/trace.hpp"

namespace selinon {

struct TaskOutcome {
  enum class Kind { succeeded, failed, retry };
  Kind kind = Kind::succeeded;
  std::string what;                     // failed: why
  int retried_count = 0;                // retry: the count the next attempt carries
  std::chrono::milliseconds countdown{0};
};

class TaskRunner {
 public:
  TaskRunner(const TaskBinding& binding, const TaskMessage& message, const ResultReader& results,
             const Tracer& tracer, const TaskSource* task_source,
             std::function<DataStorage&(std::string_view)> storage,
             std::shared_ptr<std::atomic<int>> abandoned_runs = nullptr);
  TaskOutcome run();

 private:
  std::unique_ptr<Task> instantiate() const;
  // Runs the task, on its own thread when it has a timeout. Throws what the task threw, or TaskTimeout.
  Json run_task(std::shared_ptr<TaskContext> context);
  TaskOutcome failure(const std::string& what, bool retryable);
  Json details() const;
  void trace(TraceEvent event, Json details) const;

  const TaskBinding& binding_;
  const TaskMessage& message_;
  const ResultReader& results_;
  const Tracer& tracer_;
  const TaskSource* task_source_;
  std::function<DataStorage&(std::string_view)> storage_;
  std::shared_ptr<std::atomic<int>> abandoned_runs_;  // runs still going after their timeout (engine waits for them)
};

}  // namespace selinon
