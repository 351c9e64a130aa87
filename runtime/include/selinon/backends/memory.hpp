// The in-memory backend: the embedded default of `execute`, tests and examples. Queues, timers, flow runs and dead
// letters of one process, with the contract's semantics and no serialisation: messages stay typed values and a
// flow run's state is changed in place under the run's lock, so a transition costs no copy of the run.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "selinon/backend.hpp"

namespace selinon {

// Leases never expire here: a claim is held by a thread of this process until it is handled, and nothing
// outlives the process anyway.
class MemoryBackend final : public Backend {
 public:
  using Clock = std::chrono::steady_clock;

  explicit MemoryBackend(BackendOptions options = {}) : options_(options) {}
  MemoryBackend(const MemoryBackend&) = delete;
  MemoryBackend& operator=(const MemoryBackend&) = delete;
  ~MemoryBackend() override;

  std::string_view name() const override { return "memory"; }
  bool leases_expire() const override { return false; }

  std::optional<Claim> claim(const std::vector<std::string>& queues, std::chrono::milliseconds wait) override;
  bool extend(const Claim& claim) override;
  void release(const Claim& claim, std::chrono::milliseconds delay = {}) override;
  void dead_letter(const Claim& claim, const std::string& reason) override;

  std::unique_ptr<FlowSlot> load(const FlowMachine& machine, const std::string& dispatcher_id,
                                 const std::string& event_id) override;
  CommitResult commit(Transition& transition) override;

  std::chrono::milliseconds throttle(const std::string& key, std::chrono::milliseconds spacing) override;

  std::optional<FlowRecord> flow(const std::string& dispatcher_id) override;
  std::optional<FlowState::Status> status(const std::string& dispatcher_id) override;
  std::vector<DeadLetter> dead_letters() override;
  std::size_t pending() override;
  std::optional<FlowRecord> wait_flow(const std::string& dispatcher_id, std::chrono::milliseconds timeout) override;
  bool wait_idle(std::chrono::milliseconds timeout) override;
  void shutdown() override;
  void enqueue_raw(const std::string& queue, std::string bytes) override;

 private:
  struct Entry {
    std::string queue;
    std::optional<Message> message;  // moved into the claim while claimed
    std::string raw;                 // enqueue_raw: decoded when claimed
    int deliveries = 0;
    std::uint64_t lease = 0;         // non-zero while claimed
  };
  struct Timed {
    Clock::time_point due;
    std::uint64_t seq;
    std::uint64_t handle;
  };
  struct Run {
    std::mutex mutex;  // held by the slot of the transition in progress
    const FlowMachine* machine = nullptr;
    std::optional<FlowState> state;
    std::unordered_set<std::string> applied;
  };
  class Slot;
  friend class Slot;

  static bool later(const Timed& a, const Timed& b);
  // The callers hold mutex_.
  std::uint64_t store(Entry entry, std::chrono::milliseconds delay);
  void schedule(std::uint64_t handle, std::chrono::milliseconds delay);  // ready now, or a timer
  void make_ready(std::uint64_t handle);
  bool promote_due(Clock::time_point now);
  std::optional<std::uint64_t> take(const std::vector<std::string>& queues);
  bool holds_lease(const Claim& claim) const;
  void finished_one();
  FlowRecord record_of(const Run& run) const;
  std::shared_ptr<Run> find_run(const std::string& dispatcher_id);

  BackendOptions options_;

  std::mutex mutex_;  // queues, entries, timers, dead letters, throttling
  std::condition_variable ready_;
  std::condition_variable idle_;
  std::unordered_map<std::uint64_t, Entry> entries_;
  std::map<std::string, std::deque<std::uint64_t>, std::less<>> queues_;
  std::vector<Timed> timers_;  // min-heap on (due, seq)
  std::vector<DeadLetter> dead_letters_;
  std::unordered_map<std::string, Clock::time_point> throttle_next_;
  std::uint64_t next_handle_ = 1;
  std::uint64_t next_seq_ = 0;
  std::uint64_t next_lease_ = 1;
  std::string last_served_;
  bool shut_down_ = false;

  std::mutex runs_mutex_;
  std::condition_variable run_ended_;
  std::unordered_map<std::string, std::shared_ptr<Run>> runs_;
};

}  // namespace selinon
