// The dinner example's storages: a kitchen keeps results in memory, keyed by task id.
#pragma once

#include <selinon/storages/memory.hpp>

// One adapter class per storage name of nodes.yml (classname defaults to the storage name).
class KitchenStorage : public selinon::DataStorage {
 public:
  explicit KitchenStorage(const selinon::Json& configuration) : configuration_(configuration) {}
  selinon::Json retrieve(const std::string& flow_name, const std::string& task_name,
                         const std::string& task_id) override {
    return memory_.retrieve(flow_name, task_name, task_id);
  }
  std::string store(const selinon::Json& node_args, const std::string& flow_name, const std::string& task_name,
                    const std::string& task_id, const selinon::Json& result) override {
    return memory_.store(node_args, flow_name, task_name, task_id, result);
  }

 private:
  selinon::Json configuration_;  // e.g. {max_temperature: 250} for the oven
  selinon::MemoryStorage memory_;
};

class Oven : public KitchenStorage {
  using KitchenStorage::KitchenStorage;
};
class Fridge : public KitchenStorage {
  using KitchenStorage::KitchenStorage;
};
class Basket : public KitchenStorage {
  using KitchenStorage::KitchenStorage;
};
