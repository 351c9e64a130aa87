// Messages: their constructors, bounded JSON parsing and the one serialisation every byte-storing backend uses.
#include "selinon/message.hpp"

#include <fmt/format.h>

#include <limits>

namespace selinon {

SharedJson share(Json value) { return std::make_shared<const Json>(std::move(value)); }

const Json& value_of(const SharedJson& json) {
  static const Json null_json;
  return json ? *json : null_json;
}

FlowEvent FlowEvent::start(std::string flow, std::string dispatcher_id, SharedJson node_args, Json parent) {
  FlowEvent e;
  e.kind = Kind::start;
  e.event_id = "start";
  e.flow_name = std::move(flow);
  e.dispatcher_id = std::move(dispatcher_id);
  e.node_args = std::move(node_args);
  e.parent = std::move(parent);
  return e;
}

FlowEvent FlowEvent::ended(bool succeeded, std::string flow, std::string dispatcher_id, std::string node,
                           std::string node_id, std::string what, Json result) {
  FlowEvent e;
  e.kind = succeeded ? Kind::node_succeeded : Kind::node_failed;
  // One id for both outcomes: a node instance ends once, whichever report arrives first wins.
  e.event_id = "end:" + node_id;
  e.flow_name = std::move(flow);
  e.dispatcher_id = std::move(dispatcher_id);
  e.node = std::move(node);
  e.node_id = std::move(node_id);
  e.what = std::move(what);
  e.result = std::move(result);
  return e;
}

FlowEvent FlowEvent::restart(std::string flow, std::string dispatcher_id, int retried_count) {
  FlowEvent e;
  e.kind = Kind::restart;
  e.event_id = "restart:" + std::to_string(retried_count);
  e.flow_name = std::move(flow);
  e.dispatcher_id = std::move(dispatcher_id);
  e.retried_count = retried_count;
  return e;
}

namespace {

const char* kind_name(FlowEvent::Kind kind) {
  switch (kind) {
    case FlowEvent::Kind::start: return "start";
    case FlowEvent::Kind::node_succeeded: return "succeeded";
    case FlowEvent::Kind::node_failed: return "failed";
    case FlowEvent::Kind::restart: return "restart";
  }
  return "?";
}

FlowEvent::Kind kind_of(const std::string& name) {
  if (name == "start") return FlowEvent::Kind::start;
  if (name == "succeeded") return FlowEvent::Kind::node_succeeded;
  if (name == "failed") return FlowEvent::Kind::node_failed;
  if (name == "restart") return FlowEvent::Kind::restart;
  throw MessageError("unknown flow event '" + name + "'");
}

const Json& field(const Json& json, const char* key) {
  auto it = json.find(key);
  if (it == json.end()) throw MessageError(fmt::format("message has no \"{}\"", key));
  return *it;
}

std::string text(const Json& json, const char* key, bool required = true) {
  auto it = json.find(key);
  if (it == json.end()) {
    if (required) throw MessageError(fmt::format("message has no \"{}\"", key));
    return {};
  }
  if (!it->is_string()) throw MessageError(fmt::format("message field \"{}\" is not a string", key));
  return it->get<std::string>();
}

template <typename Int>
Int integer(const Json& json, const char* key) {
  auto it = json.find(key);
  if (it == json.end()) return 0;
  // Unsigned first: a revision may use all 64 bits; anything negative or past Int's range is refused, not wrapped.
  bool fits = it->is_number_unsigned() ? it->get<std::uint64_t>() <= std::numeric_limits<Int>::max()
                                       : it->is_number_integer() && it->get<std::int64_t>() >= 0 &&
                                             static_cast<std::uint64_t>(it->get<std::int64_t>()) <=
                                                 static_cast<std::uint64_t>(std::numeric_limits<Int>::max());
  if (!fits) {
    throw MessageError(fmt::format("message field \"{}\" is not an integer from 0 to {}", key,
                                   std::numeric_limits<Int>::max()));
  }
  return it->get<Int>();
}

Json optional(const Json& json, const char* key) {
  auto it = json.find(key);
  return it == json.end() ? Json() : *it;
}

}  // namespace

std::string describe(const Message& message) {
  if (const auto* task = std::get_if<TaskMessage>(&message)) {
    return fmt::format("task {} {} of flow {} {}", task->task_name, task->task_id, task->flow_name,
                       task->dispatcher_id);
  }
  const auto& event = std::get<FlowEvent>(message);
  return fmt::format("event {} of flow {} {}", event.event_id, event.flow_name, event.dispatcher_id);
}

Json parse_json(std::string_view text, std::string_view what, const InputLimits& limits) {
  if (text.size() > limits.max_bytes) {
    throw MessageError(fmt::format("{}: {} bytes, more than the limit of {}", what, text.size(), limits.max_bytes));
  }
  // nlohmann's parser recurses once per level: measure the depth first so deep input is refused, not a crash.
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limits.max_depth) {
        throw MessageError(fmt::format("{}: nested deeper than the limit of {} levels", what, limits.max_depth));
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    throw MessageError(fmt::format("{}: not valid JSON: {}", what, e.what()));
  }
}

Json to_json(const Message& message, bool embed_node_args) {
  if (const auto* task = std::get_if<TaskMessage>(&message)) {
    Json j = {{"type", "task"},
              {"task_name", task->task_name},
              {"flow_name", task->flow_name},
              {"task_id", task->task_id},
              {"dispatcher_id", task->dispatcher_id},
              {"args_revision", task->args_revision},
              {"parent", task->parent},
              {"retried_count", task->retried_count}};
    if (embed_node_args) j["node_args"] = value_of(task->node_args);
    return j;
  }
  const auto& e = std::get<FlowEvent>(message);
  Json j = {{"type", "event"},
            {"event", kind_name(e.kind)},
            {"event_id", e.event_id},
            {"flow_name", e.flow_name},
            {"dispatcher_id", e.dispatcher_id}};
  switch (e.kind) {
    case FlowEvent::Kind::start:
      // A start carries its node_args: they are the new run's own, stored once when the start is applied.
      j["node_args"] = value_of(e.node_args);
      j["parent"] = e.parent;
      if (!e.parent_dispatcher.empty()) {
        j["parent_flow"] = e.parent_flow;
        j["parent_dispatcher"] = e.parent_dispatcher;
      }
      break;
    case FlowEvent::Kind::node_succeeded:
    case FlowEvent::Kind::node_failed:
      j["node"] = e.node;
      j["node_id"] = e.node_id;
      if (!e.what.empty()) j["what"] = e.what;
      if (!e.result.is_null()) j["result"] = e.result;
      break;
    case FlowEvent::Kind::restart:
      j["retried_count"] = e.retried_count;
      break;
  }
  return j;
}

std::string serialise(const Message& message, bool embed_node_args) { return to_json(message, embed_node_args).dump(); }

Message from_json(const Json& j) {
  if (!j.is_object()) throw MessageError("message is not a JSON object");
  const std::string type = text(j, "type");
  if (type == "task") {
    TaskMessage m;
    m.task_name = text(j, "task_name");
    m.flow_name = text(j, "flow_name");
    m.task_id = text(j, "task_id");
    m.dispatcher_id = text(j, "dispatcher_id");
    m.args_revision = integer<std::uint64_t>(j, "args_revision");
    m.parent = optional(j, "parent");
    m.retried_count = integer<int>(j, "retried_count");
    if (auto it = j.find("node_args"); it != j.end()) m.node_args = share(*it);
    return m;
  }
  if (type != "event") throw MessageError("unknown message type '" + type + "'");
  FlowEvent e;
  e.kind = kind_of(text(j, "event"));
  e.event_id = text(j, "event_id");
  e.flow_name = text(j, "flow_name");
  e.dispatcher_id = text(j, "dispatcher_id");
  switch (e.kind) {
    case FlowEvent::Kind::start:
      e.node_args = share(optional(j, "node_args"));
      e.parent = optional(j, "parent");
      e.parent_flow = text(j, "parent_flow", false);
      e.parent_dispatcher = text(j, "parent_dispatcher", false);
      break;
    case FlowEvent::Kind::node_succeeded:
    case FlowEvent::Kind::node_failed:
      e.node = text(j, "node");
      e.node_id = text(j, "node_id");
      e.what = text(j, "what", false);
      e.result = optional(j, "result");
      break;
    case FlowEvent::Kind::restart:
      field(j, "retried_count");
      e.retried_count = integer<int>(j, "retried_count");
      break;
  }
  return e;
}

Message deserialise(std::string_view bytes, const InputLimits& limits) {
  return from_json(parse_json(bytes, "message", limits));
}

}  // namespace selinon
