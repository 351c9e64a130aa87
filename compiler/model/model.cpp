// Look-ups over the model.
#include "model/model.hpp"

#include <algorithm>

namespace selinon::model {

bool FlowSelector::selects(const std::string& flow) const {
  if (all) return true;
  return std::any_of(flows.begin(), flows.end(), [&](const Name& n) { return n.value == flow; });
}

bool Flow::is_nowait(const std::string& node) const {
  return std::any_of(nowait.begin(), nowait.end(), [&](const Name& n) { return n.value == node; });
}

bool Storage::is_selinon_adapter() const { return import == "selinon" || import.rfind("selinon.", 0) == 0; }

bool Storage::is_in_memory() const {
  return is_selinon_adapter() && (classname == "InMemoryStorage" || classname == "MemoryStorage");
}

bool Edge::disabled() const {
  return condition.kind == Condition::Kind::leaf && condition.predicate == "alwaysFalse";
}

const Task* System::task(const std::string& name) const { return task_index_.find(tasks, name); }
const Flow* System::flow(const std::string& name) const { return flow_index_.find(flows, name); }
const Storage* System::storage(const std::string& name) const { return storage_index_.find(storages, name); }

}  // namespace selinon::model
