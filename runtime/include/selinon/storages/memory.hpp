// Selinon's InMemoryStorage: results kept in this process, keyed by task id.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "selinon/storage.hpp"

namespace selinon {

// Storing one id twice is an error, as in Selinon.
class MemoryStorage final : public DataStorage {
 public:
  explicit MemoryStorage(const Json& configuration = Json::object());
  Json retrieve(const std::string& flow_name, const std::string& task_name, const std::string& task_id) override;
  std::string store(const Json& node_args, const std::string& flow_name, const std::string& task_name,
                    const std::string& task_id, const Json& result) override;
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Json> records_;
};

}  // namespace selinon
