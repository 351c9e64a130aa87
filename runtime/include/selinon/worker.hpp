// The worker command line that every generated worker binary runs: execute, run, list.
#pragma once

#include "selinon/system.hpp"

namespace selinon {

// `worker execute FLOW ...`, `worker run --queues ...`, `worker list`; returns the process exit status.
int worker_main(int argc, char** argv, const SystemDescriptor& system);

}  // namespace selinon
