// The engine: runs tasks and applies flow transitions for the messages workers claim from a backend. It keeps no
// state between messages: every flow event is load -> Step -> commit against the backend, so any worker of any
// process can take any message, and a worker that dies mid-way leaves only uncommitted work, which is redone.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "selinon/backend.hpp"
#include "selinon/system.hpp"
#include "selinon/task_source.hpp"
#include "selinon/trace.hpp"

namespace selinon {

// Raised by result reads that fail; the event is retried later instead of failing the flow.
class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EngineOptions {
  // Replaces tasks, foreach functions and predicates (mock scripts); nullptr: the compiled code runs.
  std::shared_ptr<const TaskSource> task_source;
  // Makes the adapter of a storage the system binds no C++ class to (Selinon's built-in storages).
  std::function<std::unique_ptr<DataStorage>(const StorageBinding&, const Json& configuration)> builtin_storage;
};

class Engine {
 public:
  // Throws std::runtime_error when a queue template names a missing environment variable.
  Engine(const SystemDescriptor& system, Backend& backend, std::shared_ptr<Tracer> tracer, EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Starts a top-level flow run (its start transition is committed before this returns); returns its dispatcher
  // id. Throws std::invalid_argument for an unknown flow.
  std::string start_flow(const std::string& flow, Json node_args = nullptr);

  // Handles one claimed message and ends its claim: committed, dead-lettered or (lost lease) dropped. Never
  // throws: malformed or unknown messages become dead letters with the reason, task failures follow the
  // failure rules.
  void handle(const Claim& claim);

  // Every queue of the system after {ENV} expansion (task queues, then flow queues), without duplicates.
  std::vector<std::string> queues() const;
  const std::string& queue_of_task(const std::string& task) const;
  const std::string& queue_of_flow(const std::string& flow) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Serves `queues` (all when empty) with `concurrency` threads until `stop` becomes true; each thread finishes the
// message in hand before returning (graceful drain), and leases of long tasks are renewed meanwhile.
void serve(Engine& engine, Backend& backend, const std::vector<std::string>& queues, int concurrency,
           const std::atomic<bool>& stop, std::chrono::milliseconds lease = std::chrono::seconds(30));

// Expands {VAR} placeholders ({{ and }} are literal braces). Throws std::runtime_error naming a missing variable.
std::string expand_env_template(std::string_view text, std::string_view what);

}  // namespace selinon
