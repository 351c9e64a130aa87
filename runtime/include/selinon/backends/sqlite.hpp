// The sqlite backend: queues, leases, flow state and dead letters in one SQLite file (WAL), shared safely by the
// threads of one process and by several worker processes on one machine; a killed worker loses nothing.
#pragma once

#include <memory>
#include <string>

#include "selinon/backend.hpp"

namespace selinon {

class SqliteBackend final : public Backend {
 public:
  // Opens (and creates on first use) the database at `path`. `synchronous_full` also survives power loss, at the
  // cost of an fsync per commit; by default a commit survives the death of any process but maybe not of the
  // machine.
  SqliteBackend(std::string path, BackendOptions options, bool synchronous_full = false);
  ~SqliteBackend() override;
  SqliteBackend(const SqliteBackend&) = delete;
  SqliteBackend& operator=(const SqliteBackend&) = delete;

  std::string_view name() const override { return "sqlite"; }

  std::optional<Claim> claim(const std::vector<std::string>& queues, std::chrono::milliseconds wait) override;
  bool extend(const Claim& claim) override;
  void release(const Claim& claim, std::chrono::milliseconds delay = {}) override;
  void dead_letter(const Claim& claim, const std::string& reason) override;

  std::unique_ptr<FlowSlot> load(const FlowMachine& machine, const std::string& dispatcher_id,
                                 const std::string& event_id) override;
  CommitResult commit(Transition& transition) override;

  std::chrono::milliseconds throttle(const std::string& key, std::chrono::milliseconds spacing) override;

  std::optional<FlowRecord> flow(const std::string& dispatcher_id) override;
  std::vector<DeadLetter> dead_letters() override;
  std::size_t pending() override;

  void shutdown() override;
  void enqueue_raw(const std::string& queue, std::string bytes) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace selinon
