// The engine: runs tasks and applies flow transitions for every message a worker takes from the broker.
// Each flow run's state is changed under its own lock, one event at a time (per-flow serialisation), and the
// transition's actions are published only after the new state is in place.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "selinon/broker.hpp"
#include "selinon/flow_state.hpp"
#include "selinon/mock.hpp"
#include "selinon/system.hpp"
#include "selinon/trace.hpp"

namespace selinon {

// Raised by result reads that fail; the event is retried later instead of failing the flow.
class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EngineOptions {
  std::shared_ptr<const MockScript> mocks;  // tasks named in it run scripted; with mock_all_tasks, all of them
  std::string dead_letter_queue = "selinon.dead_letter";
};

struct FlowOutcome {
  FlowState::Status status = FlowState::Status::running;
  Json result;  // the flow result once finished or failed
};

class Engine {
 public:
  // Throws std::runtime_error when a queue template names a missing environment variable.
  Engine(const SystemDescriptor& system, Broker& broker, std::shared_ptr<Tracer> tracer, EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Schedules a top-level flow run; returns its dispatcher id. Throws std::invalid_argument for an unknown flow.
  std::string start_flow(const std::string& flow, Json node_args = nullptr);

  // Processes one delivered message (task or flow event). Never throws: malformed messages are published to the
  // dead-letter queue with the reason, failures inside tasks follow the failure rules.
  void handle(const Delivery& delivery);

  // The outcome of a flow run this engine has seen (nullopt: unknown id).
  std::optional<FlowOutcome> outcome(const std::string& dispatcher_id) const;
  // Blocks until the flow run ends or the timeout passes; returns its outcome so far.
  std::optional<FlowOutcome> wait(const std::string& dispatcher_id, std::chrono::milliseconds timeout) const;

  // Every queue of the system after {ENV} expansion (task queues, then flow queues), without duplicates.
  std::vector<std::string> queues() const;
  const std::string& queue_of_task(const std::string& task) const;
  const std::string& queue_of_flow(const std::string& flow) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Serves `queues` (all when empty) with `concurrency` threads until `stop` becomes true; finishes the message in
// hand before returning (graceful drain).
void serve(Engine& engine, Broker& broker, const std::vector<std::string>& queues, int concurrency,
           const std::atomic<bool>& stop);

// Expands {VAR} placeholders ({{ and }} are literal braces). Throws std::runtime_error naming a missing variable.
std::string expand_env_template(std::string_view text, std::string_view what);

}  // namespace selinon
