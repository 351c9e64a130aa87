// Look-ups over a system descriptor.
#include "selinon/system.hpp"

namespace selinon {

const TaskBinding* SystemDescriptor::task(std::string_view name) const {
  for (const auto& t : tasks) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const FlowBinding* SystemDescriptor::flow(std::string_view name) const {
  for (const auto& f : flows) {
    if (f.machine->name == name) return &f;
  }
  return nullptr;
}

const StorageBinding* SystemDescriptor::storage(std::string_view name) const {
  for (const auto& s : storages) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace selinon
