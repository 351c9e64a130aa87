// The backend contract: queues with leases, flow state with versions, and one atomic commit of a transition's
// effects. Every backend (memory, sqlite, redis...) implements it; the engine knows nothing else.
//
// The guarantees the engine builds on (docs/durability.md argues them crash point by crash point):
//  - A claimed message is leased, not removed: unless acknowledged before the lease ends it is delivered again,
//    with a higher delivery count; past BackendOptions::max_deliveries it becomes a dead letter instead.
//  - commit() applies a Transition all or nothing: the flow's new state (only if its version is still the loaded
//    one), the applied event id, every outgoing message and the acknowledgement of the consumed claim (only if
//    that claim still holds its lease).
//  - An event id recorded for a flow run is never applied again (load() reports it).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "selinon/flow_state.hpp"
#include "selinon/json.hpp"
#include "selinon/message.hpp"

namespace selinon {

struct FlowMachine;

// The backend cannot be reached (a server down, a connection lost past the backend's retries). The message being
// handled is not at fault: it is not set aside but stays leased, to be delivered again.
class BackendUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct BackendOptions {
  // How long a claim is held before the message is delivered again (a worker that died holds it no longer).
  // Workers extend the leases of tasks that run longer.
  std::chrono::milliseconds lease{30000};
  // Deliveries of one message without an acknowledgement before it is set aside as a dead letter.
  int max_deliveries = 10;
  InputLimits limits;
};

// A message taken from a queue under a lease.
struct Claim {
  std::string queue;
  std::optional<Message> message;  // empty when the stored bytes could not be decoded
  std::string error;               // then: why
  std::string raw;                 // then: the bytes as stored
  int delivery_count = 1;          // 1 on the first delivery
  std::uint64_t handle = 0;        // backend-private: the message
  std::uint64_t lease = 0;         // backend-private: this delivery (a redelivery gets another)
};

struct Outgoing {
  std::string queue;
  Message message;
  std::chrono::milliseconds delay{0};
};

// A flow run loaded for one transition: the memory backend hands out the live state under the run's lock, a
// durable backend a private copy. The engine changes state() in place and commits, or lets the slot go.
class FlowSlot {
 public:
  virtual ~FlowSlot() = default;
  // False for a run that was never started (a start event creates it).
  bool exists() const { return exists_; }
  // The event being handled was applied to this run before (a duplicate or a redelivery): drop it.
  bool already_applied() const { return already_applied_; }
  FlowState& state() { return *state_; }
  std::uint64_t loaded_version() const { return loaded_version_; }

 protected:
  bool exists_ = false;
  bool already_applied_ = false;
  FlowState* state_ = nullptr;
  std::uint64_t loaded_version_ = 0;
};

// Everything one step of work changes, applied by commit() at once.
struct Transition {
  const Claim* consumed = nullptr;  // acknowledged (nullptr: work not started by a message, e.g. start_flow)
  FlowSlot* flow = nullptr;         // its state is written with version loaded_version() + 1 (nullptr: none)
  std::string event_id;             // recorded as applied to `flow`
  std::vector<Outgoing> messages;   // enqueued; delayed ones become claimable after their delay
  // Called once the commit has been made, before this process can claim any of its messages: the transition's
  // trace goes out then, so a trace never shows an effect before its cause nor a transition that was not made
  // (a process killed right after the commit leaves that transition's lines missing).
  std::function<void()> on_commit;
};

enum class CommitResult {
  committed,
  conflict,    // the flow's version moved since load(): reload and handle the event again
  lease_lost,  // the consumed claim was delivered to someone else meanwhile: its work is theirs now, drop it
};

struct DeadLetter {
  std::string queue;
  std::string reason;
  std::string body;  // the message as serialised (or the raw bytes of a malformed one)
  int delivery_count = 0;
};

// What a client (start --wait, status) sees of a flow run.
struct FlowRecord {
  std::string flow_name;
  FlowState::Status status = FlowState::Status::running;
  Json result;  // Selinon's flow result, plus "error" after a dispatcher failure
  Json state;   // the whole state by node names (FlowState::to_json)
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;
  // False when claims are never taken away (one process holds everything): workers then renew no leases.
  virtual bool leases_expire() const { return true; }

  // Claims the next due message of `queues` (every queue when empty), waiting up to `wait` for one. No queue can
  // starve another: SQLite serves the oldest due message first, memory goes round the queues.
  // nullopt after the wait or once shut down.
  virtual std::optional<Claim> claim(const std::vector<std::string>& queues, std::chrono::milliseconds wait) = 0;
  // Renews the claim's lease; false when it was lost already.
  virtual bool extend(const Claim& claim) = 0;
  // Gives the claim back, claimable again after `delay` (a worker that stops before handling it).
  virtual void release(const Claim& claim, std::chrono::milliseconds delay = {}) = 0;
  // Acknowledges the claim and keeps its message as a dead letter with `reason`, in one step.
  virtual void dead_letter(const Claim& claim, const std::string& reason) = 0;

  // Loads a flow run for a transition handling `event_id`. Throws std::runtime_error when the stored state
  // cannot be read for `machine`.
  virtual std::unique_ptr<FlowSlot> load(const FlowMachine& machine, const std::string& dispatcher_id,
                                         const std::string& event_id) = 0;
  virtual CommitResult commit(Transition& transition) = 0;

  // The delay that keeps messages of `key` at least `spacing` apart, across every worker of this backend.
  virtual std::chrono::milliseconds throttle(const std::string& key, std::chrono::milliseconds spacing) = 0;

  // Read-only views for clients and tests.
  virtual std::optional<FlowRecord> flow(const std::string& dispatcher_id) = 0;
  // The run's status alone: cheap however big the run is (flow() renders the whole state).
  virtual std::optional<FlowState::Status> status(const std::string& dispatcher_id);
  virtual std::vector<DeadLetter> dead_letters() = 0;
  // Messages stored and not yet acknowledged: queued, delayed and claimed (0: nothing left to do).
  virtual std::size_t pending() = 0;

  // Blocks until the run has ended (or `timeout`); its record then, nullopt for an unknown id.
  virtual std::optional<FlowRecord> wait_flow(const std::string& dispatcher_id, std::chrono::milliseconds timeout);
  // Blocks until pending() == 0 (true) or `timeout` (false).
  virtual bool wait_idle(std::chrono::milliseconds timeout);
  // Wakes every claim(); later ones return nullopt at once.
  virtual void shutdown() = 0;

  // Stores bytes on a queue as they are, for tools and poison tests; they are decoded when claimed.
  virtual void enqueue_raw(const std::string& queue, std::string bytes) = 0;

  // What this backend did so far, as "key=value" pairs for logs and benchmarks ("" when it counts nothing), e.g.
  // redis: "round_trips=N idle_round_trips=M".
  virtual std::string usage() const { return {}; }
};

// Opens a backend by URL: "memory" (or "memory://"), "sqlite://PATH" (sqlite:///abs/path or sqlite://rel/path),
// "redis://[[user]:password@]host[:port][/db][?prefix=NAME&retry=SECONDS]".
// Throws std::invalid_argument for an unknown scheme or a backend not built into this worker.
std::unique_ptr<Backend> open_backend(std::string_view url, const BackendOptions& options = {});

}  // namespace selinon
