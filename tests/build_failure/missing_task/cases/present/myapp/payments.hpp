// Positive control: both tasks of the build-failure project are implemented, so it builds.
#pragma once

#include <selinon/task.hpp>

class ValidateOrderTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override { return node_args; }
};

class ChargeCardTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override { return node_args; }
};
