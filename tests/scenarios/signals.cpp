// Signals: a counter per name behind one mutex, and the trace sink that raises "<TRACE_EVENT>:<node>".
#include "signals.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>

namespace scenario {
namespace {

std::string trace_node(const Json& details) {
  for (const char* key : {"task_name", "node_name", "flow_name"}) {
    auto it = details.find(key);
    if (it != details.end() && it->is_string()) return it->get<std::string>();
  }
  return {};
}

}  // namespace

void Signals::raise(const std::string& name) {
  {
    std::lock_guard lock(mutex_);
    ++counts_[name];
  }
  raised_.notify_all();
}

void Signals::wait(const std::string& name, int times) {
  std::unique_lock lock(mutex_);
  auto reached = [&] {
    auto it = counts_.find(name);
    return it != counts_.end() && it->second >= times;
  };
  if (raised_.wait_for(lock, timeout_, reached)) return;
  std::string seen;
  for (const auto& [raised, n] : counts_) seen += (seen.empty() ? "" : ", ") + raised + " x" + std::to_string(n);
  auto it = counts_.find(name);
  int got = it == counts_.end() ? 0 : it->second;
  lock.unlock();
  // Also from a worker thread: doctest's assertions are thread-safe while the test case runs.
  FAIL_CHECK("signal '" << name << "' was raised " << got << " of " << times << " times within "
                        << timeout_.count() << " ms; raised so far: [" << seen << "]");
  throw std::runtime_error("signal '" + name + "' never came");
}

int Signals::count(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(name);
  return it == counts_.end() ? 0 : it->second;
}

RunOptions Signals::options(int concurrency) {
  RunOptions options;
  options.concurrency = concurrency;
  options.trace_sinks.push_back(std::make_shared<selinon::CallbackTraceSink>([this](const selinon::TraceRecord& r) {
    raise(std::string(selinon::trace_event_name(r.event)) + ":" + trace_node(r.details));
  }));
  return options;
}

TaskFn Signals::waits_for(std::vector<std::string> names, Json result) {
  return [this, names = std::move(names), result = std::move(result)](const Json&, const selinon::Task&) {
    for (const auto& name : names) wait(name);
    return result;
  };
}

TaskFn Signals::fails_after(std::vector<std::string> names) {
  return [this, names = std::move(names)](const Json&, const selinon::Task& task) -> Json {
    for (const auto& name : names) wait(name);
    throw std::runtime_error("scripted failure of " + task.task_name());
  };
}

}  // namespace scenario
