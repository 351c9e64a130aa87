// The backend contract's default waits: polling, for backends that cannot be told when something changed.
#include "selinon/backend.hpp"

#include <thread>

namespace selinon {
namespace {

// Short at first (a flow that is about to end), longer later (a client waiting for a long flow).
std::chrono::milliseconds backoff(std::chrono::milliseconds current) {
  return std::min(std::chrono::milliseconds(50), current * 2);
}

}  // namespace

std::optional<FlowState::Status> Backend::status(const std::string& dispatcher_id) {
  auto record = flow(dispatcher_id);
  if (!record) return std::nullopt;
  return record->status;
}

std::optional<FlowRecord> Backend::wait_flow(const std::string& dispatcher_id, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::chrono::milliseconds pause{1};
  for (;;) {
    auto now = status(dispatcher_id);
    if (!now) return std::nullopt;
    if (*now != FlowState::Status::running || std::chrono::steady_clock::now() >= deadline) return flow(dispatcher_id);
    std::this_thread::sleep_for(pause);
    pause = backoff(pause);
  }
}

bool Backend::wait_idle(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::chrono::milliseconds pause{1};
  for (;;) {
    if (pending() == 0) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = backoff(pause);
  }
}

}  // namespace selinon
