// The broker interface: named queues of JSON messages, delayed publishing, at-least-once delivery.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "selinon/json.hpp"

namespace selinon {

// One message handed to a consumer; `tag` identifies it for ack().
struct Delivery {
  std::string queue;
  Json body;
  std::uint64_t tag = 0;
};

class Broker {
 public:
  virtual ~Broker() = default;

  // Makes `body` available on `queue` after `delay` (zero: now). Never blocks on consumers.
  virtual void publish(const std::string& queue, Json body,
                       std::chrono::milliseconds delay = std::chrono::milliseconds{0}) = 0;

  // Waits up to `timeout` for the next message of any of `queues` (all queues when empty).
  // Returns nullopt on timeout or once shut down.
  virtual std::optional<Delivery> consume(const std::vector<std::string>& queues,
                                          std::chrono::milliseconds timeout) = 0;

  // Confirms a delivery was handled; an unacknowledged delivery may be delivered again (durable brokers).
  virtual void ack(const Delivery& delivery) = 0;

  // Wakes every blocked consumer; later consume() calls return nullopt at once.
  virtual void shutdown() = 0;

  // Messages published and not yet acknowledged, delayed ones included (0 = quiescent).
  virtual std::size_t pending() const = 0;
};

}  // namespace selinon
