// Build-failure case: ChargeCardTask exists but is not a selinon::Task.
#pragma once

#include <selinon/task.hpp>

class ValidateOrderTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override { return node_args; }
};

class ChargeCardTask {
 public:
  selinon::Json run(const selinon::Json& node_args) { return node_args; }
};
