// The state of one flow run. A transition changes it in place through the methods below, which keep an undo
// journal: a transition that cannot complete (a result that cannot be read yet, a lost commit race) is rolled
// back in time proportional to what it changed, not to the size of the run (a foreach of 100,000 nodes).
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "selinon/json.hpp"
#include "selinon/message.hpp"

namespace selinon {

struct FlowMachine;

// A started node instance; `node` indexes FlowMachine::nodes.
struct NodeRef {
  int node = 0;
  std::string id;
  bool operator==(const NodeRef&) const = default;
};

class FlowState {
 public:
  enum class Status { running, succeeded, failed };

  std::string flow_name;
  std::string dispatcher_id;
  Json parent;                    // what the parent handed over (null when nothing was, as in Selinon)
  std::string parent_dispatcher;  // empty for a top-level flow
  std::string parent_flow;
  std::uint64_t version = 0;      // bumped by every committed transition

  FlowState() = default;
  FlowState(FlowState&&) = default;
  FlowState& operator=(FlowState&&) = default;
  // A copy holds the state, not a transition in progress: it starts with no journal of its own.
  FlowState(const FlowState& other);
  FlowState& operator=(const FlowState& other);

  // A fresh state for `machine` with empty per-node lists.
  static FlowState fresh(const FlowMachine& machine, std::string dispatcher_id, SharedJson node_args);

  // ---- reading
  Status status() const { return scalars_.status; }
  int retried_count() const { return scalars_.retried_count; }
  const Json& node_args() const { return value_of(scalars_.node_args); }
  const SharedJson& shared_node_args() const { return scalars_.node_args; }
  // Bumped whenever node_args change (node_args_from_first), so task messages can reference a revision.
  std::uint64_t args_revision() const { return scalars_.args_revision; }
  const std::string& error() const { return scalars_.error; }  // a dispatcher failure's reason
  // Started, neither finished nor failed, not nowait; in start order.
  const std::list<NodeRef>& active() const { return lists_.active; }
  bool is_active(const std::string& id) const { return lists_.active_index.count(id) > 0; }
  const std::vector<std::string>& finished(int node) const { return lists_.finished[static_cast<std::size_t>(node)]; }
  // Failed ids of `node` not yet handled by a fallback.
  const std::vector<std::string>& failed(int node) const { return lists_.failed[static_cast<std::size_t>(node)]; }
  bool has_failures() const;
  bool nothing_finished() const;
  const std::vector<int>& triggered_edges() const { return lists_.triggered_edges; }
  const Json* subflow_result(const std::string& child_id) const;

  // ---- changing (journaled)
  void activate(int node, std::string id);
  bool deactivate(int node, const std::string& id);  // false when that instance is not active
  void add_finished(int node, std::string id);
  void add_failed(int node, std::string id);
  void drop_first_failure(int node);
  void mark_triggered(int edge);
  void set_subflow_result(const std::string& child_id, Json result);
  void set_node_args(SharedJson node_args);
  void set_status(Status status, std::string error = {});
  // Orphans every active node (a flow that will be restarted).
  void clear_active();
  // A restart: a new attempt with empty per-node lists; node_args, parent and identity stay.
  void restart(int retried_count);
  void set_retried_count(int retried_count);

  // ---- transitions
  void begin();     // starts a journal
  void rollback();  // undoes every change since begin()
  void keep();      // forgets the journal: the changes stay

  // ---- results and serialisation
  // Selinon's flow result: {finished_nodes, failed_nodes, active_nodes} by node name, plus the results of finished
  // sub-flows (key "subflows") so a parent can expand them for propagate_finished.
  Json result(const FlowMachine& machine) const;
  // The whole state by node names; node_args only with `with_node_args` (durable backends store them apart).
  Json to_json(const FlowMachine& machine, bool with_node_args = true) const;
  // Throws std::invalid_argument naming what is wrong. Without "node_args" in `json` they are `node_args`.
  static FlowState from_json(const FlowMachine& machine, const Json& json, SharedJson node_args = nullptr);

 private:
  // Everything a restart replaces; moved whole into the journal so a rolled-back restart costs no copy.
  struct Lists {
    std::list<NodeRef> active;
    std::unordered_map<std::string, std::list<NodeRef>::iterator> active_index;
    std::vector<std::vector<std::string>> finished;
    std::vector<std::vector<std::string>> failed;
    std::vector<int> triggered_edges;  // sorted
    std::unordered_map<std::string, Json> subflow_results;

    Lists() = default;
    Lists(Lists&&) = default;
    Lists& operator=(Lists&&) = default;
    // A copy indexes its own list: copied iterators would point into the original.
    Lists(const Lists& other);
    Lists& operator=(const Lists& other);
  };
  struct Scalars {
    Status status = Status::running;
    int retried_count = 0;
    SharedJson node_args;
    std::uint64_t args_revision = 0;
    std::string error;
  };
  struct Undo {
    enum class Kind {
      activated, deactivated, finished, failed, failure_dropped, triggered, subflow_result, active_cleared, lists
    };
    Kind kind = Kind::activated;
    int node = 0;
    std::string id = {};
    std::string next_id = {};             // deactivated: the active instance it stood before (empty: the last)
    std::optional<Json> previous = {};    // subflow_result: the value it replaced
    std::shared_ptr<Lists> lists = {};    // active_cleared / lists: what clear_active() / restart() replaced
  };
  void record(Undo undo);

  Scalars scalars_;
  Lists lists_;
  bool journaling_ = false;
  Scalars saved_;
  std::vector<Undo> journal_;
};

}  // namespace selinon
