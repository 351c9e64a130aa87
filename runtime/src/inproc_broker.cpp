// The in-process broker: queues, timer heap and condition-variable waits behind one mutex.
#include "selinon/inproc_broker.hpp"

#include <algorithm>
#include <utility>

namespace selinon {

namespace {

using Clock = InprocBroker::Clock;

// nullopt means "never": adding a huge timeout (e.g. milliseconds::max()) to now() would overflow.
std::optional<Clock::time_point> deadline_after(std::chrono::milliseconds timeout) {
  const auto now = Clock::now();
  if (timeout <= std::chrono::milliseconds::zero()) {
    return now;
  }
  const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - now);
  if (timeout >= room) {
    return std::nullopt;
  }
  return now + timeout;
}

}  // namespace

void InprocBroker::publish(const std::string& queue, Json body, std::chrono::milliseconds delay) {
  // Saturate rather than overflow, so an absurd delay means "effectively never".
  const auto due = deadline_after(delay).value_or(Clock::time_point::max());
  publish_at(queue, std::move(body), due);
}

void InprocBroker::publish_at(const std::string& queue, Json body, Clock::time_point due) {
  std::lock_guard lock(mutex_);
  if (shut_down_) {
    return;
  }
  ++pending_;
  const auto now = Clock::now();
  if (due <= now) {
    // Timers already due were published earlier than this message: let them go first.
    promote_due(now);
    queues_.try_emplace(queue).first->second.push_back(std::move(body));
    // notify_all, not notify_one: the woken consumer might not read this queue and the right one would sleep on.
    ready_.notify_all();
    return;
  }
  const auto seq = next_seq_++;
  timers_.push_back(Timed{due, seq, queue, std::move(body)});
  std::push_heap(timers_.begin(), timers_.end(), later);
  if (timers_.front().seq == seq) {
    // Consumers sleep until the earliest due time they saw; they must learn about an earlier one.
    ready_.notify_all();
  }
}

std::optional<Delivery> InprocBroker::consume(const std::vector<std::string>& queues,
                                              std::chrono::milliseconds timeout) {
  const auto deadline = deadline_after(timeout);
  std::unique_lock lock(mutex_);
  for (;;) {
    if (shut_down_) {
      return std::nullopt;
    }
    const auto now = Clock::now();
    if (promote_due(now)) {
      // This consumer takes at most one and may not read those queues: give the others their chance.
      ready_.notify_all();
    }
    if (auto delivery = take(queues)) {
      return delivery;
    }
    if (deadline && now >= *deadline) {
      return std::nullopt;
    }
    // No timer thread: the earliest due time bounds the sleep so that whoever wakes promotes it.
    auto wake = deadline;
    if (!timers_.empty() && (!wake || timers_.front().due < *wake)) {
      wake = timers_.front().due;
    }
    if (wake) {
      ready_.wait_until(lock, *wake);
    } else {
      ready_.wait(lock);
    }
  }
}

void InprocBroker::ack(const Delivery& delivery) {
  std::lock_guard lock(mutex_);
  if (in_flight_.erase(delivery.tag) == 0) {
    return;
  }
  if (--pending_ == 0) {
    idle_.notify_all();
  }
}

void InprocBroker::shutdown() {
  std::lock_guard lock(mutex_);
  shut_down_ = true;
  ready_.notify_all();
  idle_.notify_all();
}

std::size_t InprocBroker::pending() const {
  std::lock_guard lock(mutex_);
  return pending_;
}

bool InprocBroker::wait_idle(std::chrono::milliseconds timeout) {
  const auto deadline = deadline_after(timeout);
  std::unique_lock lock(mutex_);
  const auto done = [this] { return pending_ == 0 || shut_down_; };
  if (deadline) {
    idle_.wait_until(lock, *deadline, done);
  } else {
    idle_.wait(lock, done);
  }
  return pending_ == 0;
}

bool InprocBroker::later(const Timed& a, const Timed& b) {
  return a.due != b.due ? a.due > b.due : a.seq > b.seq;
}

bool InprocBroker::promote_due(Clock::time_point now) {
  bool moved = false;
  while (!timers_.empty() && timers_.front().due <= now) {
    std::pop_heap(timers_.begin(), timers_.end(), later);
    Timed& timed = timers_.back();
    queues_.try_emplace(std::move(timed.queue)).first->second.push_back(std::move(timed.body));
    timers_.pop_back();
    moved = true;
  }
  return moved;
}

std::optional<Delivery> InprocBroker::take(const std::vector<std::string>& queues) {
  if (queues.empty()) {
    // std::map keeps names sorted, so "after the last served" is a stable rotation point.
    const auto start = queues_.upper_bound(last_served_);
    for (auto it = start; it != queues_.end(); ++it) {
      if (!it->second.empty()) {
        return take_from(it);
      }
    }
    for (auto it = queues_.begin(); it != start; ++it) {
      if (!it->second.empty()) {
        return take_from(it);
      }
    }
    return std::nullopt;
  }
  const auto count = queues.size();
  const auto last = std::find(queues.begin(), queues.end(), last_served_);
  const auto first = last == queues.end() ? 0 : static_cast<std::size_t>(last - queues.begin()) + 1;
  for (std::size_t i = 0; i < count; ++i) {
    // find(), not operator[]: asking for a queue must not create it.
    const auto it = queues_.find(queues[(first + i) % count]);
    if (it != queues_.end() && !it->second.empty()) {
      return take_from(it);
    }
  }
  return std::nullopt;
}

std::optional<Delivery> InprocBroker::take_from(QueueMap::iterator it) {
  Delivery delivery{it->first, std::move(it->second.front()), next_tag_++};
  it->second.pop_front();
  in_flight_.insert(delivery.tag);
  last_served_ = it->first;
  return delivery;
}

}  // namespace selinon
