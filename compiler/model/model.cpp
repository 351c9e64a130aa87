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

const Task* System::task(const std::string& name) const { return task_index_.find(tasks, name); }
const Flow* System::flow(const std::string& name) const { return flow_index_.find(flows, name); }
const Storage* System::storage(const std::string& name) const { return storage_index_.find(storages, name); }

}  // namespace selinon::model
