// The in-memory backend: queues and timers behind one mutex, flow runs behind one lock each.
#include "selinon/backends/memory.hpp"

#include <algorithm>

#include "selinon/flow_machine.hpp"

namespace selinon {
namespace {

using Clock = MemoryBackend::Clock;

// nullopt means "never": adding a huge timeout to now() would overflow.
std::optional<Clock::time_point> deadline_after(std::chrono::milliseconds timeout) {
  const auto now = Clock::now();
  if (timeout <= std::chrono::milliseconds::zero()) return now;
  const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - now);
  if (timeout >= room) return std::nullopt;
  return now + timeout;
}

}  // namespace

// The live state of a run, under the run's lock until the slot goes; uncommitted changes are rolled back then.
class MemoryBackend::Slot final : public FlowSlot {
 public:
  Slot(std::shared_ptr<Run> run, const std::string& event_id) : run_(std::move(run)), lock_(run_->mutex) {
    exists_ = run_->state.has_value();
    if (!exists_) run_->state.emplace();
    state_ = &*run_->state;
    loaded_version_ = state_->version;
    already_applied_ = !event_id.empty() && run_->applied.count(event_id) > 0;
  }
  ~Slot() override {
    if (committed_) return;
    if (!exists_) run_->state.reset();
    else run_->state->rollback();
  }
  Run& run() { return *run_; }
  void committed() { committed_ = true; }

 private:
  std::shared_ptr<Run> run_;
  std::unique_lock<std::mutex> lock_;
  bool committed_ = false;
};

MemoryBackend::~MemoryBackend() { shutdown(); }

bool MemoryBackend::later(const Timed& a, const Timed& b) { return a.due != b.due ? a.due > b.due : a.seq > b.seq; }

std::uint64_t MemoryBackend::store(Entry entry, std::chrono::milliseconds delay) {
  const std::uint64_t handle = next_handle_++;
  entries_.emplace(handle, std::move(entry));
  schedule(handle, delay);
  return handle;
}

void MemoryBackend::schedule(std::uint64_t handle, std::chrono::milliseconds delay) {
  if (delay <= std::chrono::milliseconds::zero()) {
    make_ready(handle);
    return;
  }
  timers_.push_back(Timed{deadline_after(delay).value_or(Clock::time_point::max()), next_seq_++, handle});
  std::push_heap(timers_.begin(), timers_.end(), later);
  // Claimers sleep until the earliest due time they saw; they must learn about an earlier one.
  if (timers_.front().handle == handle) ready_.notify_all();
}

void MemoryBackend::make_ready(std::uint64_t handle) {
  queues_.try_emplace(entries_.at(handle).queue).first->second.push_back(handle);
  // notify_all: the woken claimer might not read this queue, and the right one would sleep on.
  ready_.notify_all();
}

bool MemoryBackend::promote_due(Clock::time_point now) {
  bool moved = false;
  while (!timers_.empty() && timers_.front().due <= now) {
    std::pop_heap(timers_.begin(), timers_.end(), later);
    make_ready(timers_.back().handle);
    timers_.pop_back();
    moved = true;
  }
  return moved;
}

std::optional<std::uint64_t> MemoryBackend::take(const std::vector<std::string>& queues) {
  auto take_from = [&](auto it) {
    std::uint64_t handle = it->second.front();
    it->second.pop_front();
    last_served_ = it->first;
    return handle;
  };
  // Round-robin over the queues, starting after the one served last, so a busy queue cannot starve another.
  if (queues.empty()) {
    const auto start = queues_.upper_bound(last_served_);
    for (auto it = start; it != queues_.end(); ++it) {
      if (!it->second.empty()) return take_from(it);
    }
    for (auto it = queues_.begin(); it != start; ++it) {
      if (!it->second.empty()) return take_from(it);
    }
    return std::nullopt;
  }
  const auto count = queues.size();
  const auto last = std::find(queues.begin(), queues.end(), last_served_);
  const auto first = last == queues.end() ? 0 : static_cast<std::size_t>(last - queues.begin()) + 1;
  for (std::size_t i = 0; i < count; ++i) {
    const auto it = queues_.find(queues[(first + i) % count]);
    if (it != queues_.end() && !it->second.empty()) return take_from(it);
  }
  return std::nullopt;
}

std::optional<Claim> MemoryBackend::claim(const std::vector<std::string>& queues, std::chrono::milliseconds wait) {
  const auto deadline = deadline_after(wait);
  std::unique_lock lock(mutex_);
  for (;;) {
    if (shut_down_) return std::nullopt;
    const auto now = Clock::now();
    if (promote_due(now)) ready_.notify_all();
    if (auto handle = take(queues)) {
      Entry& entry = entries_.at(*handle);
      Claim claim;
      claim.queue = entry.queue;
      claim.handle = *handle;
      claim.lease = entry.lease = next_lease_++;
      claim.delivery_count = ++entry.deliveries;
      if (entry.message) {
        claim.message = std::move(entry.message);
        entry.message.reset();
      } else {
        try {
          claim.message = deserialise(entry.raw, options_.limits);
        } catch (const MessageError& e) {
          claim.error = e.what();
          claim.raw = entry.raw;
        }
      }
      return claim;
    }
    if (deadline && now >= *deadline) return std::nullopt;
    // No timer thread: the earliest due time bounds the sleep so that whoever wakes promotes it.
    auto wake = deadline;
    if (!timers_.empty() && (!wake || timers_.front().due < *wake)) wake = timers_.front().due;
    if (wake) ready_.wait_until(lock, *wake);
    else ready_.wait(lock);
  }
}

bool MemoryBackend::holds_lease(const Claim& claim) const {
  auto it = entries_.find(claim.handle);
  return it != entries_.end() && it->second.lease == claim.lease && claim.lease != 0;
}

bool MemoryBackend::extend(const Claim& claim) {
  std::lock_guard lock(mutex_);
  return holds_lease(claim);
}

void MemoryBackend::release(const Claim& claim, std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  if (!holds_lease(claim)) return;
  auto node = entries_.extract(claim.handle);
  Entry& entry = node.mapped();
  entry.lease = 0;
  --entry.deliveries;  // a give-back is not a failed delivery
  if (claim.message) entry.message = claim.message;
  entries_.insert(std::move(node));
  schedule(claim.handle, delay);
}

void MemoryBackend::finished_one() {
  if (entries_.empty()) idle_.notify_all();
}

void MemoryBackend::dead_letter(const Claim& claim, const std::string& reason) {
  std::lock_guard lock(mutex_);
  if (!holds_lease(claim)) return;
  // Serialised before the entry goes: if that throws (a value that is not valid UTF-8), the message stays.
  DeadLetter letter{claim.queue, reason, claim.message ? serialise(*claim.message, true) : claim.raw,
                    claim.delivery_count};
  entries_.erase(claim.handle);
  dead_letters_.push_back(std::move(letter));
  finished_one();
}

std::unique_ptr<FlowSlot> MemoryBackend::load(const FlowMachine& machine, const std::string& dispatcher_id,
                                              const std::string& event_id) {
  std::shared_ptr<Run> run;
  {
    std::lock_guard lock(runs_mutex_);
    auto& slot = runs_[dispatcher_id];
    if (!slot) slot = std::make_shared<Run>();
    run = slot;
  }
  auto slot = std::make_unique<Slot>(run, event_id);
  if (!slot->run().machine) slot->run().machine = &machine;
  return slot;
}

CommitResult MemoryBackend::commit(Transition& transition) {
  auto* slot = static_cast<Slot*>(transition.flow);
  bool ended = false;
  {
    std::lock_guard lock(mutex_);
    if (transition.consumed) {
      if (!holds_lease(*transition.consumed)) return CommitResult::lease_lost;
      entries_.erase(transition.consumed->handle);
    }
    if (slot) {
      Run& run = slot->run();
      FlowState& state = *run.state;
      state.version = slot->loaded_version() + 1;
      state.keep();
      if (!transition.event_id.empty()) run.applied.insert(transition.event_id);
      slot->committed();
      ended = state.status() != FlowState::Status::running;
    }
    if (transition.on_commit) transition.on_commit();
    for (auto& out : transition.messages) {
      if (shut_down_) break;  // nobody would ever claim it, and counting it would keep pending() > 0
      store(Entry{std::move(out.queue), std::move(out.message), {}, 0, 0}, out.delay);
    }
    finished_one();
  }
  if (ended) {
    std::lock_guard lock(runs_mutex_);
    run_ended_.notify_all();
  }
  return CommitResult::committed;
}

std::chrono::milliseconds MemoryBackend::throttle(const std::string& key, std::chrono::milliseconds spacing) {
  if (spacing <= std::chrono::milliseconds::zero()) return std::chrono::milliseconds{0};
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  auto [it, first] = throttle_next_.emplace(key, now + spacing);
  if (first) return std::chrono::milliseconds{0};
  const auto due = std::max(it->second, now);
  it->second = due + spacing;
  return std::chrono::duration_cast<std::chrono::milliseconds>(due - now);
}

FlowRecord MemoryBackend::record_of(const Run& run) const {
  const FlowState& state = *run.state;
  FlowRecord record;
  record.flow_name = state.flow_name;
  record.status = state.status();
  record.result = state.result(*run.machine);
  if (!state.error().empty()) record.result["error"] = state.error();
  record.state = state.to_json(*run.machine);
  return record;
}

std::shared_ptr<MemoryBackend::Run> MemoryBackend::find_run(const std::string& dispatcher_id) {
  std::lock_guard lock(runs_mutex_);
  auto it = runs_.find(dispatcher_id);
  return it == runs_.end() ? nullptr : it->second;
}

std::optional<FlowRecord> MemoryBackend::flow(const std::string& dispatcher_id) {
  auto run = find_run(dispatcher_id);
  if (!run) return std::nullopt;
  std::lock_guard lock(run->mutex);
  if (!run->state) return std::nullopt;
  return record_of(*run);
}

std::optional<FlowState::Status> MemoryBackend::status(const std::string& dispatcher_id) {
  auto run = find_run(dispatcher_id);
  if (!run) return std::nullopt;
  std::lock_guard lock(run->mutex);
  if (!run->state) return std::nullopt;
  return run->state->status();
}

std::optional<FlowRecord> MemoryBackend::wait_flow(const std::string& dispatcher_id, std::chrono::milliseconds timeout) {
  const auto deadline = deadline_after(timeout);
  for (;;) {
    auto now = status(dispatcher_id);
    if (!now) return std::nullopt;
    if (*now != FlowState::Status::running) break;
    std::unique_lock lock(runs_mutex_);
    if (deadline && Clock::now() >= *deadline) break;
    // Bounded: a run may end between the check above and this wait.
    auto wake = std::min(deadline.value_or(Clock::time_point::max()), Clock::now() + std::chrono::milliseconds(50));
    run_ended_.wait_until(lock, wake);
  }
  return flow(dispatcher_id);
}

std::vector<DeadLetter> MemoryBackend::dead_letters() {
  std::lock_guard lock(mutex_);
  return dead_letters_;
}

std::size_t MemoryBackend::pending() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

bool MemoryBackend::wait_idle(std::chrono::milliseconds timeout) {
  const auto deadline = deadline_after(timeout);
  std::unique_lock lock(mutex_);
  const auto done = [this] { return entries_.empty() || shut_down_; };
  if (deadline) idle_.wait_until(lock, *deadline, done);
  else idle_.wait(lock, done);
  return entries_.empty();
}

void MemoryBackend::shutdown() {
  std::lock_guard lock(mutex_);
  shut_down_ = true;
  ready_.notify_all();
  idle_.notify_all();
}

void MemoryBackend::enqueue_raw(const std::string& queue, std::string bytes) {
  std::lock_guard lock(mutex_);
  store(Entry{queue, std::nullopt, std::move(bytes), 0, 0}, {});
}

}  // namespace selinon
