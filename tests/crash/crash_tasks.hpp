// The crash test's tasks: short work, a task that fails its first two runs, a task that always fails.
#pragma once

#include <chrono>
#include <stdexcept>
#include <thread>

#include <selinon/flow_machine.hpp>
#include <selinon/task.hpp>

// Long enough that kills land inside tasks, short enough for 500 flows in well under a minute.
inline void work_a_little() { std::this_thread::sleep_for(std::chrono::milliseconds(2)); }

class Work : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json&) override {
    work_a_little();
    return {{"task", task_name()}, {"id", task_id()}};
  }
};

// Fails on its first two attempts (retried_count travels in the durable message, so this holds across workers).
class Flaky : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json&) override {
    work_a_little();
    if (retried_count() < 2) throw std::runtime_error("flaky: attempt " + std::to_string(retried_count()));
    return {{"attempts", retried_count() + 1}};
  }
};

class Broken : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json&) override {
    work_a_little();
    throw std::runtime_error("broken on purpose");
  }
};

// The foreach of `mix`: node_args["items"].
inline selinon::Json items(const selinon::ConditionContext&, const selinon::Json& node_args) {
  return node_args.is_object() && node_args.contains("items") ? node_args["items"] : selinon::Json::array();
}
