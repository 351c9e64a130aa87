// Build-failure case: the header of import 'myapp.payments' exists but declares no ChargeCardTask.
#pragma once

#include <selinon/task.hpp>

class ValidateOrderTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override { return node_args; }
};
