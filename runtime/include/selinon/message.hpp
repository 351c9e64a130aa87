// The messages workers exchange through a backend: task messages and flow events, as typed values, and their one
// serialisation (for backends that store bytes; the in-memory backend passes the values themselves).
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

#include "selinon/json.hpp"

namespace selinon {

// A flow run's node_args, stored once per run and shared by every task message of the run (never copied per task).
using SharedJson = std::shared_ptr<const Json>;
SharedJson share(Json value);
const Json& value_of(const SharedJson& json);  // null for an empty pointer

// Run one task of a flow run. Its node_args are the flow run's, referenced by (dispatcher_id, args_revision): a
// durable backend stores them once and resolves the reference when the message is claimed.
struct TaskMessage {
  std::string task_name;
  std::string flow_name;
  std::string task_id;
  std::string dispatcher_id;
  SharedJson node_args;
  std::uint64_t args_revision = 0;
  Json parent;  // {source task: id, sub-flow: {...}}; null for fallback tasks, as in Selinon
  int retried_count = 0;
};

// Something that happened to a flow run. `event_id` is derived from what happened (see the constructors), so a
// duplicate of an applied event carries the same id and is dropped by the flow run.
struct FlowEvent {
  enum class Kind { start, node_succeeded, node_failed, restart };
  Kind kind = Kind::start;
  std::string event_id;
  std::string flow_name;
  std::string dispatcher_id;

  // node_succeeded / node_failed: the node instance that ended (a task or a sub-flow run).
  std::string node;
  std::string node_id;
  std::string what;  // node_failed: why
  Json result;       // a sub-flow's flow result; null for tasks

  // start / restart
  SharedJson node_args;  // start only
  Json parent;           // start only: what the parent handed over (null when nothing was)
  std::string parent_flow;
  std::string parent_dispatcher;
  int retried_count = 0;

  static FlowEvent start(std::string flow, std::string dispatcher_id, SharedJson node_args, Json parent = nullptr);
  static FlowEvent ended(bool succeeded, std::string flow, std::string dispatcher_id, std::string node,
                         std::string node_id, std::string what = {}, Json result = nullptr);
  static FlowEvent restart(std::string flow, std::string dispatcher_id, int retried_count);
};

using Message = std::variant<TaskMessage, FlowEvent>;

// The queue-independent identity of a message, for dead letters and logs: "task T id" or "event E of flow F id".
std::string describe(const Message& message);

// A message that cannot be decoded: truncated, not JSON, too deep or too large, or naming fields wrongly.
class MessageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bounds on decoded input (messages and node_args from the command line); past them input is rejected with a clear
// error rather than exhausting the stack or the memory.
struct InputLimits {
  std::size_t max_bytes = 64u << 20;
  int max_depth = 512;
};

// Parses JSON text within `limits`. Throws MessageError naming `what` and the first limit exceeded.
Json parse_json(std::string_view text, std::string_view what, const InputLimits& limits = {});

// The serialised form: one JSON object, {"type": "task"|"event", ...}. A task message carries its node_args
// reference, not the node_args; with `embed_node_args` they are written inline ("node_args"), for backends that
// keep no separate store.
Json to_json(const Message& message, bool embed_node_args = false);
std::string serialise(const Message& message, bool embed_node_args = false);
// Throws MessageError saying what is wrong. Task messages without inline node_args come back with node_args empty;
// the backend fills them from its store.
Message from_json(const Json& json);
Message deserialise(std::string_view bytes, const InputLimits& limits = {});

}  // namespace selinon
