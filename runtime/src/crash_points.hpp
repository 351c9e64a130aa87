// Crash points for fault-injection tests. With SELINON_CRASH_POINTS="task-ran=0.05,committed=0.02" in its
// environment a worker kills itself with SIGKILL (no clean-up, as the OOM killer would) at that point with that
// probability. Unset, a crash point costs one branch.
//   claimed    a message was claimed and not yet handled
//   task-ran   a task ran (its result stored) and its outcome is not yet committed
//   committed  a transition was committed and the worker has not yet moved on
#pragma once

#include <string_view>

namespace selinon {

void crash_point(std::string_view name);

}  // namespace selinon
