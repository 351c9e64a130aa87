// The state of one flow run, a value: the transition reads one and produces the next.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "selinon/json.hpp"

namespace selinon {

struct FlowMachine;

// A started node instance; `node` indexes FlowMachine::nodes.
struct NodeRef {
  int node = 0;
  std::string id;
  bool operator==(const NodeRef&) const = default;
};

struct FlowState {
  enum class Status { running, succeeded, failed };

  std::string flow_name;
  std::string dispatcher_id;
  Json node_args;                 // current arguments (node_args_from_first may replace them)
  Json parent = Json::object();   // parent mapping this flow received (propagate_parent)
  std::string parent_dispatcher;  // empty for a top-level flow
  std::string parent_flow;
  int retried_count = 0;          // flow-level restarts done
  Status status = Status::running;
  std::uint64_t version = 0;      // bumped by every committed transition

  std::vector<NodeRef> active;                       // started, neither finished nor failed, not nowait
  std::vector<std::vector<std::string>> finished;    // per node: successful instance ids, in finish order
  std::vector<std::vector<std::string>> failed;      // per node: failed ids not yet handled by a fallback
  std::vector<int> triggered_edges;                  // edges whose condition was true at least once (sorted)
  std::map<std::string, Json> subflow_results;       // child dispatcher id -> that sub-flow's result

  // A fresh state for `machine` with empty per-node lists.
  static FlowState fresh(const FlowMachine& machine, std::string dispatcher_id, Json node_args);

  bool has_failures() const;
  // A sorted vector, not a std::set: the state is copied on every transition and one allocation beats one per edge.
  void mark_triggered(int edge);
  // Selinon's flow result: {finished_nodes, failed_nodes, active_nodes} by node name, plus the results of finished
  // sub-flows (key "subflows") so a parent can expand them for propagate_finished.
  Json result(const FlowMachine& machine) const;
  Json to_json(const FlowMachine& machine) const;
  static FlowState from_json(const FlowMachine& machine, const Json& json);
};

}  // namespace selinon
