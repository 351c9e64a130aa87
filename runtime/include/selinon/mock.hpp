// Scripted stand-ins for tasks, foreach functions and custom predicates, for running flows without their code.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "selinon/flow_machine.hpp"
#include "selinon/json.hpp"
#include "selinon/task.hpp"
#include "selinon/task_source.hpp"

namespace selinon {

// What one mocked task does on each run.
struct MockBehaviour {
  Json result;              // returned on success
  int fail_times = 0;       // the first N runs of this task (retries included) fail, later ones succeed
  bool always_fail = false;
  bool fatal = false;       // fail with FatalTaskError (skips retries)
  double sleep_seconds = 0; // time spent "working" before returning or failing
  std::string error = "mocked failure";
};

// A mock script: `selinon execute --mock FILE` or built in code by tests.
//   tasks:      {TaskName: {result: ..., fail_times: N, always_fail: true, fatal: true, sleep: 0.5, error: "..."}}
//   foreach:    {function_name: [items...]}           (keyed by function name or import.function)
//   predicates: {custom_predicate_name: true|false}   (custom predicates only; default false)
class MockScript final : public TaskSource {
 public:
  MockScript() = default;
  MockScript(MockScript&&) = default;
  MockScript& operator=(MockScript&&) = default;

  static MockScript from_json(const Json& script);  // throws std::invalid_argument with a readable message
  static MockScript from_file(const std::string& path);  // YAML or JSON

  void set_task(const std::string& task, MockBehaviour behaviour);
  bool mocks_task(const std::string& task) const { return tasks_.count(task) > 0; }
  const MockBehaviour* task(const std::string& task) const;
  // Counts this run and says whether it is one of the failing ones.
  bool next_run_fails(const std::string& task) const;

  void set_foreach(const std::string& function, Json items) { foreach_[function] = std::move(items); }
  void set_predicate(const std::string& name, bool value) { predicates_[name] = value; }

  // TaskSource: a scripted task for every task the script names or the worker has no code for.
  std::unique_ptr<Task> replace(const TaskBinding& task) const override;
  Json foreach_items(std::string_view import, std::string_view function) const override;
  bool predicate(std::string_view name) const override;

 private:
  std::map<std::string, MockBehaviour, std::less<>> tasks_;
  std::map<std::string, Json, std::less<>> foreach_;
  std::map<std::string, bool, std::less<>> predicates_;
  struct RunCounts {
    std::mutex mutex;
    std::map<std::string, int> runs;
  };
  // Behind a pointer so a script stays movable; counts runs so fail_times applies across instances.
  std::unique_ptr<RunCounts> counts_ = std::make_unique<RunCounts>();
};

// The task used for a mocked task: sleeps, fails or returns as scripted. A task absent from the script returns null.
class MockTask final : public Task {
 public:
  // The script outlives its tasks: the engine holding it waits for every task run before it goes.
  explicit MockTask(const MockScript* script) : script_(script) {}
  Json run(const Json& node_args) override;

 private:
  const MockScript* script_;
};

// Hooks the code generated for MOCK_ALL_TASKS builds calls instead of user foreach functions and predicates.
Json mock_foreach(const ConditionContext& ctx, std::string_view import, std::string_view function);
bool mock_predicate(const ConditionContext& ctx, std::string_view name);

}  // namespace selinon
