// What the durable backends (sqlite, redis) share about stored flow runs: the private copy a load hands out, the
// status words they store, the bound on delays, and the cache of node_args by run and revision.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "selinon/backend.hpp"
#include "selinon/flow_machine.hpp"

namespace selinon::stored {

// A private copy of a flow run's state, written back by commit() under its version.
class CopiedSlot final : public FlowSlot {
 public:
  CopiedSlot(const FlowMachine& machine, std::string dispatcher_id)
      : machine_(&machine), dispatcher_id_(std::move(dispatcher_id)) {
    state_ = &owned_;
  }
  void loaded(FlowState state, std::uint64_t version, std::uint64_t args_revision) {
    owned_ = std::move(state);
    owned_.version = version;
    exists_ = true;
    loaded_version_ = version;
    loaded_args_revision_ = args_revision;
  }
  void set_applied(bool applied) { already_applied_ = applied; }

  const FlowMachine& machine() const { return *machine_; }
  const std::string& dispatcher_id() const { return dispatcher_id_; }
  std::uint64_t loaded_args_revision() const { return loaded_args_revision_; }

 private:
  const FlowMachine* machine_;
  std::string dispatcher_id_;
  std::uint64_t loaded_args_revision_ = 0;
  FlowState owned_;
};

inline std::string_view status_text(FlowState::Status status) {
  switch (status) {
    case FlowState::Status::running: return "running";
    case FlowState::Status::succeeded: return "succeeded";
    case FlowState::Status::failed: return "failed";
  }
  return "running";
}

// `backend` names the backend in the error about a status word it does not know.
inline FlowState::Status status_of(std::string_view text, const std::string& dispatcher_id, std::string_view backend) {
  if (text == "running") return FlowState::Status::running;
  if (text == "succeeded") return FlowState::Status::succeeded;
  if (text == "failed") return FlowState::Status::failed;
  throw std::runtime_error(std::string(backend) + " backend: flow run " + dispatcher_id + " has an unknown status '" +
                           std::string(text) + "'");
}

// Delays in milliseconds, at most about 35 years: an absurd delay (milliseconds::max()) means "effectively never",
// not an overflow into "due now".
inline std::int64_t capped(std::chrono::milliseconds delay) {
  return std::clamp<std::int64_t>(delay.count(), 0, std::int64_t{1} << 40);
}

using NodeArgsKey = std::pair<std::string, std::uint64_t>;  // (dispatcher id, args revision)

// node_args this process has seen, by run and revision, the oldest forgotten first: every message and state of
// the process that names them shares one value.
class NodeArgsCache {
 public:
  explicit NodeArgsCache(std::size_t capacity) : capacity_(capacity) {}

  std::optional<SharedJson> find(const NodeArgsKey& key) {
    std::lock_guard lock(mutex_);
    if (auto it = values_.find(key); it != values_.end()) return it->second;
    return std::nullopt;
  }
  // The first value stored for a key wins, so every holder shares one.
  SharedJson remember(NodeArgsKey key, SharedJson value) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = values_.emplace(key, std::move(value));
    if (inserted) {
      order_.push_back(std::move(key));
      if (order_.size() > capacity_) {
        values_.erase(order_.front());
        order_.pop_front();
      }
    }
    return it->second;
  }

 private:
  std::size_t capacity_;
  std::mutex mutex_;
  std::map<NodeArgsKey, SharedJson> values_;
  std::deque<NodeArgsKey> order_;  // oldest first
};

}  // namespace selinon::stored
