// Worker processes: posix_spawn with stderr on a pipe, read until the ready line and drained afterwards so a
// chatty worker never blocks on a full pipe.
#include "worker_processes.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace selinon::bench {
namespace {

// Reads what is there (blocking); false at the end of the stream.
bool read_some(int fd, std::string& into) {
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      into.append(buffer, static_cast<std::size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

std::string exit_description(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("signal ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace

WorkerProcesses::WorkerProcesses(const std::vector<std::string>& argv, int count, const std::string& ready_line) {
  try {
    for (int i = 0; i < count; ++i) start_one(argv, ready_line);
  } catch (...) {
    stop();
    throw;
  }
}

WorkerProcesses::~WorkerProcesses() { stop(); }

void WorkerProcesses::start_one(const std::vector<std::string>& argv, const std::string& ready_line) {
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto worker = std::make_unique<Worker>();
  const int rc = posix_spawn(&worker->pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(err_pipe[0]);
    throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(rc));
  }
  worker->stderr_fd = err_pipe[0];
  Worker& w = *worker;
  workers_.push_back(std::move(worker));
  while (w.stderr_text.find(ready_line) == std::string::npos) {
    if (!read_some(w.stderr_fd, w.stderr_text)) {
      throw std::runtime_error(argv[0] + " stopped before serving: " + w.stderr_text);
    }
  }
  w.drain = std::thread([&w] {
    while (read_some(w.stderr_fd, w.stderr_text)) {
    }
  });
}

std::string WorkerProcesses::stop() {
  for (auto& w : workers_) {
    if (w->pid > 0) ::kill(w->pid, SIGTERM);
  }
  std::string failures;
  for (auto& w : workers_) {
    std::string failure;
    if (w->pid > 0) {
      int status = 0;
      while (::waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
      }
      w->pid = -1;
      if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) failure = "worker ended with " + exit_description(status);
    }
    // The pipe ends with the process (every other copy of it is close-on-exec), so the drain ends too.
    if (w->drain.joinable()) w->drain.join();
    if (w->stderr_fd >= 0) ::close(w->stderr_fd);
    w->stderr_fd = -1;
    if (!failure.empty()) failures += failure + ":\n" + w->stderr_text;
    outputs_.push_back(w->stderr_text);
  }
  workers_.clear();
  return failures;
}

}  // namespace selinon::bench
