// The compiled scenario configurations: each configs/<name>.yml is a library exposing scenario_<name>::system().
#pragma once

#include <selinon/system.hpp>

// Declared here rather than through each library's generated "system.hpp": every one of those has the same file
// name, so only one of them could be included.
namespace scenario_edges { const selinon::SystemDescriptor& system(); }
namespace scenario_conditions { const selinon::SystemDescriptor& system(); }
namespace scenario_cycles { const selinon::SystemDescriptor& system(); }
namespace scenario_foreach { const selinon::SystemDescriptor& system(); }
namespace scenario_nowait { const selinon::SystemDescriptor& system(); }
namespace scenario_subflows { const selinon::SystemDescriptor& system(); }
namespace scenario_node_args { const selinon::SystemDescriptor& system(); }
namespace scenario_failures { const selinon::SystemDescriptor& system(); }
namespace scenario_retries { const selinon::SystemDescriptor& system(); }
namespace scenario_failure_model { const selinon::SystemDescriptor& system(); }
namespace scenario_custom_predicates { const selinon::SystemDescriptor& system(); }
