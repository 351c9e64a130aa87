// Tasks of the foreach scaling benchmark: trivial work, so the figures measure the runtime.
#pragma once

#include <selinon/flow_machine.hpp>
#include <selinon/task.hpp>

class Echo : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json&) override { return nullptr; }
};

inline selinon::Json items(const selinon::ConditionContext&, const selinon::Json& node_args) {
  return node_args.is_object() && node_args.contains("items") ? node_args["items"] : selinon::Json::array();
}
