// The consumer's task: a selinon::Task built against the installed runtime headers.
#pragma once

#include <selinon/task.hpp>

class GreetTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};
