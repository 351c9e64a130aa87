// The one serialisation of messages round-trips every kind, and bad input is refused with a MessageError that
// says what is wrong, never a crash.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "contract_support.hpp"
#include "selinon/message.hpp"

using namespace selinon;
using contract::check_same;

namespace {

std::vector<Message> every_kind() {
  std::vector<Message> all;
  TaskMessage task = contract::sample_task("a1", share({{"x", 1}, {"list", {1, 2}}}), {{"B", "b1"}});
  task.args_revision = 3;
  task.retried_count = 2;
  all.emplace_back(task);
  all.emplace_back(contract::sample_task("a2", share(nullptr)));                   // parent null
  all.emplace_back(contract::sample_task("a3", share(Json::object()), Json::object()));  // parent {}
  all.emplace_back(FlowEvent::start("f", "d1", share({{"k", "v"}})));
  FlowEvent child = FlowEvent::start("f", "d2", share(Json::array()), Json::object());
  child.parent_flow = "parent";
  child.parent_dispatcher = "p1";
  all.emplace_back(child);
  all.emplace_back(FlowEvent::ended(true, "f", "d1", "S", "s1", {}, {{"finished_nodes", {{"A", {"a9"}}}}}));
  all.emplace_back(FlowEvent::ended(false, "f", "d1", "A", "a1", "TimeoutError: too slow"));
  all.emplace_back(FlowEvent::restart("f", "d1", 4));
  return all;
}

std::string nested_arrays(int depth) { return std::string(static_cast<std::size_t>(depth), '[') +
                                              std::string(static_cast<std::size_t>(depth), ']'); }

std::string error_of(const Json& json) {
  try {
    from_json(json);
  } catch (const MessageError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("message: every kind survives serialise and deserialise, node_args embedded") {
  for (const Message& message : every_kind()) {
    CAPTURE(describe(message));
    check_same(deserialise(serialise(message, true)), message);
  }
}

TEST_CASE("message: a task message carries a reference to its node_args, not the node_args") {
  TaskMessage task = contract::sample_task("a1", share({{"big", std::string(1000, 'x')}}));
  task.args_revision = 7;
  const std::string bytes = serialise(task);
  CHECK(bytes.find(std::string(1000, 'x')) == std::string::npos);
  Message back = deserialise(bytes);
  const auto& got = std::get<TaskMessage>(back);
  CHECK(got.node_args == nullptr);  // the backend fills them from its store
  CHECK(got.args_revision == 7);
  TaskMessage want = task;
  want.node_args = nullptr;
  check_same(back, want);
}

TEST_CASE("message: a missing required field is named in the error") {
  struct Case {
    Message message;
    std::vector<const char*> required;
  };
  const std::vector<Case> cases = {
      {contract::sample_task("a1", share(nullptr)), {"type", "task_name", "flow_name", "task_id", "dispatcher_id"}},
      {FlowEvent::start("f", "d1", share(nullptr)), {"type", "event", "event_id", "flow_name", "dispatcher_id"}},
      {FlowEvent::ended(true, "f", "d1", "A", "a1"), {"event_id", "node", "node_id"}},
      {FlowEvent::ended(false, "f", "d1", "A", "a1", "boom"), {"node", "node_id"}},
      {FlowEvent::restart("f", "d1", 1), {"event_id", "retried_count"}},
  };
  for (const auto& c : cases) {
    for (const char* key : c.required) {
      CAPTURE(describe(c.message));
      CAPTURE(key);
      Json json = to_json(c.message, true);
      REQUIRE(json.erase(key) == 1);
      const std::string error = error_of(json);
      CHECK(error.find(std::string("\"") + key + "\"") != std::string::npos);
    }
  }
}

TEST_CASE("message: wrongly typed fields and unknown kinds are refused with a reason") {
  Json task = to_json(contract::sample_task("a1", share(nullptr)));
  task["task_id"] = 5;
  CHECK(error_of(task).find("\"task_id\"") != std::string::npos);
  Json retried = to_json(contract::sample_task("a1", share(nullptr)));
  retried["retried_count"] = -1;
  CHECK(error_of(retried).find("\"retried_count\"") != std::string::npos);
  Json type = to_json(contract::sample_task("a1", share(nullptr)));
  type["type"] = "parcel";
  CHECK(error_of(type).find("parcel") != std::string::npos);
  Json kind = to_json(FlowEvent::restart("f", "d1", 1));
  kind["event"] = "exploded";
  CHECK(error_of(kind).find("exploded") != std::string::npos);
  CHECK_FALSE(error_of(Json::array()).empty());
  CHECK_FALSE(error_of("text").empty());
}

TEST_CASE("message: parse_json refuses input over max_bytes and accepts max_bytes exactly") {
  const InputLimits limits{.max_bytes = 10, .max_depth = 512};
  const std::string ten = R"(["123456"])";
  REQUIRE(ten.size() == 10);
  CHECK(parse_json(ten, "node_args", limits) == Json::array({"123456"}));
  try {
    parse_json(ten + " ", "node_args", limits);
    FAIL("11 bytes accepted with a limit of 10");
  } catch (const MessageError& e) {
    CHECK(std::string(e.what()).find("node_args") != std::string::npos);  // names what was being read
  }
}

TEST_CASE("message: parse_json refuses input deeper than max_depth and accepts max_depth exactly") {
  const InputLimits limits{.max_bytes = 64u << 20, .max_depth = 20};
  CHECK(parse_json(nested_arrays(20), "message", limits).is_array());
  CHECK_THROWS_AS(parse_json(nested_arrays(21), "message", limits), MessageError);
  CHECK_THROWS_AS(parse_json("{\"a\":" + nested_arrays(20) + "}", "message", limits), MessageError);
  // The default limits, far past them: refused, not a stack overflow.
  CHECK_THROWS_AS(parse_json(nested_arrays(100000), "message"), MessageError);
  CHECK_THROWS_AS(deserialise(nested_arrays(100000)), MessageError);
  CHECK_THROWS_AS(parse_json(std::string(100000, '['), "message"), MessageError);
}

TEST_CASE("message: brackets inside strings do not count as depth") {
  const InputLimits limits{.max_bytes = 64u << 20, .max_depth = 2};
  const std::string brackets(100, '[');
  CHECK(parse_json("[\"" + brackets + "\"]", "message", limits) == Json::array({brackets}));
  // An escaped quote does not end the string, an escaped backslash does not escape the quote after it.
  CHECK(parse_json("[\"\\\"" + brackets + "\"]", "message", limits) == Json::array({"\"" + brackets}));
  try {
    parse_json("[\"\\\\\", " + nested_arrays(3) + "]", "message", limits);
    FAIL("an escaped backslash hid the nesting after it");
  } catch (const MessageError& e) {
    CHECK(std::string(e.what()).find("deeper") != std::string::npos);
  }
}

TEST_CASE("message: malformed text is a MessageError") {
  for (const std::string text : {"", "not json", "{\"type\": \"event\", \"event\": \"start\"", "[1, 2", "\"\xff\xfe\"",
                                 "{} trailing"}) {
    CAPTURE(text);
    CHECK_THROWS_AS(deserialise(text), MessageError);
  }
}

TEST_CASE("message: describe names the task or the event and its run") {
  CHECK(describe(contract::sample_task("a1", nullptr)) == "task A a1 of flow f d1");
  CHECK(describe(FlowEvent::restart("f", "d1", 2)) == "event restart:2 of flow f d1");
}
