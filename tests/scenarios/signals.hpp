// Named one-shot events: a scripted task waits until another node has reached a given point instead of sleeping,
// so the causal order a scenario needs holds on every backend, however fast or slow its workers are.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "harness.hpp"

namespace scenario {

// Tasks run on worker threads of the test process, so in-process waiting works for every backend. A task that
// blocks until another node reaches a point holds its worker meanwhile: such runs need concurrency >= 2.
//
// Besides names raised by test code, every trace record of a run started with options() raises
// "<TRACE_EVENT>:<node>", node being the record's task_name, else its node_name, else its flow_name:
//   "TASK_START:T3"          T3 is running (raised before its code starts)
//   "NODE_SUCCESSFUL:T3"     T3's flow has taken in that T3 succeeded (NODE_FAILURE: that it failed)
//   "FLOW_END:chain"         the dispatcher of flow `chain` has ended it (FLOW_FAILURE, FLOW_RETRY likewise)
// A trace signal is raised after the run has recorded its record, so whatever a task does once woken is recorded
// later. Prefer NODE_SUCCESSFUL / NODE_FAILURE to TASK_END / TASK_FAILURE when a flow must have *seen* an
// outcome: a task's end and its flow learning of it are separate steps, and another outcome may come in between.
class Signals {
 public:
  // A wait longer than `timeout` fails the test; generous, since it only bounds a scenario gone wrong.
  explicit Signals(std::chrono::milliseconds timeout = std::chrono::seconds(20)) : timeout_(timeout) {}
  Signals(const Signals&) = delete;
  Signals& operator=(const Signals&) = delete;

  // Counts one more occurrence of `name`; a raised name stays raised.
  void raise(const std::string& name);
  // Blocks until `name` has been raised `times` times. Past the timeout it fails the current test and throws,
  // so a task waiting in vain fails rather than hangs its worker.
  void wait(const std::string& name, int times = 1);
  int count(const std::string& name) const;

  // Options for run_flow whose trace raises signals (see above). This object must outlive that run.
  RunOptions options(int concurrency);

  // Task code: waits for each of `names` in turn, then returns `result` (fails_after: then fails).
  TaskFn waits_for(std::vector<std::string> names, Json result = nullptr);
  TaskFn fails_after(std::vector<std::string> names);

 private:
  std::chrono::milliseconds timeout_;
  mutable std::mutex mutex_;
  std::condition_variable raised_;
  std::map<std::string, int> counts_;
};

}  // namespace scenario
