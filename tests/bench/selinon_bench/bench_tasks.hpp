// The tasks of the shared benchmark flows (`import: bench_tasks`): trivial, so the figures measure dispatch only.
#pragma once

#include <selinon/task.hpp>

// {"task": <its task name>, "ok": true}
class Noop : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

// {"kind": node_args["kind"] (null when absent), "task": <its task name>}
class Classify : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

// {"side": "left"} for a task whose name ends in Left, else {"side": "right"}
class Side : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

// i = the parent L_Step's stored i + 1 (1 after any other parent); {"i": i, "done": i >= node_args["iterations"]}
// with 10 iterations when node_args do not say.
class LoopStep : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};
