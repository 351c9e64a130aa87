// The benchmark tasks, as the shared README specifies them.
#include "bench_tasks.hpp"

#include <string_view>

using selinon::Json;

namespace {

Json arg(const Json& node_args, const char* key) {
  if (!node_args.is_object()) return nullptr;
  auto it = node_args.find(key);
  return it == node_args.end() ? Json() : *it;
}

}  // namespace

Json Noop::run(const Json&) { return {{"task", task_name()}, {"ok", true}}; }

Json Classify::run(const Json& node_args) { return {{"kind", arg(node_args, "kind")}, {"task", task_name()}}; }

Json Side::run(const Json&) { return {{"side", std::string_view(task_name()).ends_with("Left") ? "left" : "right"}}; }

Json LoopStep::run(const Json& node_args) {
  int i = 1;
  if (parent().contains("L_Step")) i = parent_task_result("L_Step").at("i").get<int>() + 1;
  const Json iterations = arg(node_args, "iterations");
  const int limit = iterations.is_number_integer() ? iterations.get<int>() : 10;
  return {{"i", i}, {"done", i >= limit}};
}
