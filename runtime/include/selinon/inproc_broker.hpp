// The in-process broker: the runtime's embedded default, shared by every worker thread of one process.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "selinon/broker.hpp"

namespace selinon {

// Thread-safe for any number of producers and consumers. Nothing is durable: a delivery counts as
// done once consumed, ack() only ends its "in flight" state for pending()/wait_idle().
//
// Lifetime: call shutdown() and join every thread blocked in consume()/wait_idle() before destroying it.
class InprocBroker final : public Broker {
 public:
  using Clock = std::chrono::steady_clock;

  InprocBroker() = default;
  InprocBroker(const InprocBroker&) = delete;
  InprocBroker& operator=(const InprocBroker&) = delete;
  ~InprocBroker() override = default;

  // Ignored after shutdown(): nobody would ever consume it, and counting it would keep pending() > 0.
  void publish(const std::string& queue, Json body,
               std::chrono::milliseconds delay = std::chrono::milliseconds{0}) override;

  // Like publish() with an absolute due time; messages due at the same instant keep publish order.
  void publish_at(const std::string& queue, Json body, Clock::time_point due);

  // Round-robin over `queues` (every known queue when empty), starting after the queue served last,
  // so one busy queue cannot starve another; FIFO within a queue.
  std::optional<Delivery> consume(const std::vector<std::string>& queues,
                                  std::chrono::milliseconds timeout) override;

  // Unknown or already acknowledged tags are ignored, so a double ack cannot corrupt pending().
  void ack(const Delivery& delivery) override;

  // Also wakes wait_idle(); messages still queued or delayed stay counted by pending().
  void shutdown() override;

  std::size_t pending() const override;

  // Blocks until pending() == 0 (true), or until `timeout` passes or shutdown() is called, returning
  // whether pending() == 0 then. Delayed messages only become deliverable through consume(), so
  // quiescence needs running consumers.
  bool wait_idle(std::chrono::milliseconds timeout);

 private:
  struct Timed {
    Clock::time_point due;
    std::uint64_t seq;  // publish order among equal due times
    std::string queue;
    Json body;
  };

  using QueueMap = std::map<std::string, std::deque<Json>, std::less<>>;

  // Heap order for std::push_heap/pop_heap: the front is the earliest (due, seq).
  static bool later(const Timed& a, const Timed& b);

  // The callers hold mutex_.
  bool promote_due(Clock::time_point now);
  std::optional<Delivery> take(const std::vector<std::string>& queues);
  std::optional<Delivery> take_from(QueueMap::iterator it);

  mutable std::mutex mutex_;
  std::condition_variable ready_;  // consumers: a message became available, the earliest timer moved, or shutdown
  std::condition_variable idle_;   // wait_idle(): pending_ reached 0, or shutdown

  QueueMap queues_;
  std::vector<Timed> timers_;  // min-heap on (due, seq)
  std::unordered_set<std::uint64_t> in_flight_;
  std::size_t pending_ = 0;  // queued + delayed + in flight
  std::uint64_t next_seq_ = 0;
  std::uint64_t next_tag_ = 1;  // 0 stays "no delivery", Delivery's default
  std::string last_served_;
  bool shut_down_ = false;
};

}  // namespace selinon
