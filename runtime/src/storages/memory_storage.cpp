// The in-memory storage (Selinon's InMemoryStorage).
#include "selinon/storages/memory.hpp"

#include <stdexcept>

namespace selinon {

MemoryStorage::MemoryStorage(const Json& configuration) { (void)configuration; }

Json MemoryStorage::retrieve(const std::string& flow_name, const std::string& task_name, const std::string& task_id) {
  std::lock_guard lock(mutex_);
  auto it = records_.find(task_id);
  if (it == records_.end()) {
    throw std::out_of_range("no stored result of " + task_name + " " + task_id + " (flow " + flow_name + ")");
  }
  return it->second;
}

std::string MemoryStorage::store(const Json& node_args, const std::string& flow_name, const std::string& task_name,
                                 const std::string& task_id, const Json& result) {
  (void)node_args, (void)flow_name, (void)task_name;
  std::lock_guard lock(mutex_);
  if (!records_.emplace(task_id, result).second) {
    throw std::logic_error("result of task id " + task_id + " stored twice");
  }
  return task_id;
}

std::size_t MemoryStorage::size() const {
  std::lock_guard lock(mutex_);
  return records_.size();
}

}  // namespace selinon
