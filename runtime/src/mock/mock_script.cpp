// Mock scripts: parsing (YAML or JSON) and the scripted task.
#include "selinon/mock.hpp"

#include "selinon/system.hpp"

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace selinon {
namespace {

Json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) out.push_back(yaml_to_json(item));
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& pair : node) out[pair.first.Scalar()] = yaml_to_json(pair.second);
      return out;
    }
    case YAML::NodeType::Scalar:
      break;
  }
  if (node.Tag() == "!") return node.Scalar();  // quoted: always a string
  const std::string& s = node.Scalar();
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  try {
    std::size_t used = 0;
    long long i = std::stoll(s, &used);
    if (used == s.size()) return i;
    double d = std::stod(s, &used);
    if (used == s.size()) return d;
  } catch (const std::exception&) {
  }
  return s;
}

MockBehaviour behaviour_from(const std::string& task, const Json& spec) {
  MockBehaviour b;
  if (!spec.is_object()) {
    throw std::invalid_argument("mock of task '" + task + "' should be a mapping such as {result: ..., fail_times: 1}");
  }
  for (const auto& [key, value] : spec.items()) {
    if (key == "result") {
      b.result = value;
    } else if (key == "fail_times" && value.is_number_integer() && value.get<int>() >= 0) {
      b.fail_times = value.get<int>();
    } else if (key == "always_fail" && value.is_boolean()) {
      b.always_fail = value.get<bool>();
    } else if (key == "fatal" && value.is_boolean()) {
      b.fatal = value.get<bool>();
    } else if (key == "sleep" && value.is_number() && value.get<double>() >= 0) {
      b.sleep_seconds = value.get<double>();
    } else if (key == "error" && value.is_string()) {
      b.error = value.get<std::string>();
    } else {
      throw std::invalid_argument("mock of task '" + task + "': bad or unknown option '" + key +
                                  "' (expected result, fail_times: N, always_fail: true, fatal: true, sleep: SECONDS, "
                                  "error: TEXT)");
    }
  }
  return b;
}

}  // namespace

MockScript MockScript::from_json(const Json& script) {
  MockScript m;
  if (script.is_null()) return m;
  if (!script.is_object()) throw std::invalid_argument("a mock script should be a mapping with tasks/foreach/predicates");
  for (const auto& [key, value] : script.items()) {
    if (key == "tasks") {
      if (!value.is_object()) throw std::invalid_argument("mock 'tasks' should map task names to behaviours");
      for (const auto& [task, spec] : value.items()) m.set_task(task, behaviour_from(task, spec));
    } else if (key == "foreach") {
      if (!value.is_object()) throw std::invalid_argument("mock 'foreach' should map function names to item lists");
      for (const auto& [fn, items] : value.items()) {
        if (!items.is_array() && !items.is_null()) {
          throw std::invalid_argument("mock foreach '" + fn + "' should be a list of items");
        }
        m.set_foreach(fn, items);
      }
    } else if (key == "predicates") {
      if (!value.is_object()) throw std::invalid_argument("mock 'predicates' should map predicate names to true/false");
      for (const auto& [name, v] : value.items()) {
        if (!v.is_boolean()) throw std::invalid_argument("mock predicate '" + name + "' should be true or false");
        m.set_predicate(name, v.get<bool>());
      }
    } else {
      throw std::invalid_argument("unknown mock section '" + key + "' (expected tasks, foreach, predicates)");
    }
  }
  return m;
}

MockScript MockScript::from_file(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw std::invalid_argument("cannot read mock file '" + path + "': " + e.what());
  }
  try {
    return from_json(yaml_to_json(root));
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

void MockScript::set_task(const std::string& task, MockBehaviour behaviour) { tasks_[task] = std::move(behaviour); }

const MockBehaviour* MockScript::task(const std::string& task) const {
  auto it = tasks_.find(task);
  return it == tasks_.end() ? nullptr : &it->second;
}

bool MockScript::next_run_fails(const std::string& task) const {
  const MockBehaviour* b = this->task(task);
  if (!b) return false;
  if (b->always_fail) return true;
  std::lock_guard lock(counts_->mutex);
  return counts_->runs[task]++ < b->fail_times;
}

std::unique_ptr<Task> MockScript::replace(const TaskBinding& task) const {
  if (mocks_task(std::string(task.name)) || !task.make) return std::make_unique<MockTask>(this);
  return nullptr;
}

Json MockScript::foreach_items(std::string_view import, std::string_view function) const {
  auto it = foreach_.find(std::string(import) + "." + std::string(function));
  if (it == foreach_.end()) it = foreach_.find(function);
  return it == foreach_.end() ? Json::array() : it->second;
}

bool MockScript::predicate(std::string_view name) const {
  auto it = predicates_.find(name);
  return it != predicates_.end() && it->second;
}

Json mock_foreach(const ConditionContext& ctx, std::string_view import, std::string_view function) {
  if (!ctx.mocks()) return Json::array();
  return ctx.mocks()->foreach_items(import, function);
}

bool mock_predicate(const ConditionContext& ctx, std::string_view name) {
  return ctx.mocks() != nullptr && ctx.mocks()->predicate(name);
}

Json MockTask::run(const Json& node_args) {
  (void)node_args;
  const MockBehaviour* b = script_->task(task_name());
  if (!b) return nullptr;
  // Sleep in small steps so a run abandoned after its timeout ends soon.
  auto until = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                      std::chrono::duration<double>(b->sleep_seconds));
  while (std::chrono::steady_clock::now() < until && !cancelled()) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - std::chrono::steady_clock::now(),
                                                                              std::chrono::milliseconds(10)));
  }
  if (script_->next_run_fails(task_name())) {
    if (b->fatal) throw FatalTaskError(b->error);
    throw std::runtime_error(b->error);
  }
  return b->result;
}

}  // namespace selinon
