// Worker processes of the dispatch benchmark: `WORKER run --broker URL` started and stopped as a group.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace selinon::bench {

class WorkerProcesses {
 public:
  // Starts `count` processes of `argv` and returns once each has written `ready_line` to stderr (then it serves).
  // Throws std::runtime_error when one cannot start or exits first; the ones started are stopped then.
  WorkerProcesses(const std::vector<std::string>& argv, int count, const std::string& ready_line);
  // Stops the workers that still run (stop()).
  ~WorkerProcesses();
  WorkerProcesses(const WorkerProcesses&) = delete;
  WorkerProcesses& operator=(const WorkerProcesses&) = delete;

  // SIGTERM to every worker (they finish the message in hand), then waits for them. Returns "" when each exited
  // with status 0, else what each of the others reported on stderr.
  std::string stop();
  // What each stopped worker wrote to stderr (its last lines report the backend's usage).
  const std::vector<std::string>& outputs() const { return outputs_; }

 private:
  struct Worker {
    pid_t pid = -1;
    int stderr_fd = -1;
    std::string stderr_text;  // read by `drain` until the process closes it
    std::thread drain;
  };
  void start_one(const std::vector<std::string>& argv, const std::string& ready_line);

  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::string> outputs_;
};

}  // namespace selinon::bench
