// The result storage interface (Selinon's DataStorage): where task results live, read back by conditions and tasks.
// The adapters (memory, and those of later issues) live in selinon/storages/.
#pragma once

#include <optional>
#include <string>

#include "selinon/json.hpp"

namespace selinon {

class DataStorage {
 public:
  virtual ~DataStorage() = default;
  virtual void connect() {}
  virtual bool is_connected() const { return true; }
  virtual void disconnect() {}
  // Throws when the record does not exist or cannot be read.
  virtual Json retrieve(const std::string& flow_name, const std::string& task_name, const std::string& task_id) = 0;
  // Returns a record id. `task_name` is the task's storage_task_name.
  virtual std::string store(const Json& node_args, const std::string& flow_name, const std::string& task_name,
                            const std::string& task_id, const Json& result) = 0;
  // Called once when a task fails for good; nullopt means "not supported" (traced as STORAGE_OMIT_STORE_ERROR).
  virtual std::optional<std::string> store_error(const Json& node_args, const std::string& flow_name,
                                                 const std::string& task_name, const std::string& task_id,
                                                 const std::string& error) {
    (void)node_args, (void)flow_name, (void)task_name, (void)task_id, (void)error;
    return std::nullopt;
  }
};

}  // namespace selinon
