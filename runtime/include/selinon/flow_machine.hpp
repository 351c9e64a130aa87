// What generated flow code provides (a FlowMachine: nodes, edges, failures, transition hooks) and the Step it
// drives. A Step applies one event to one flow state and collects the resulting actions; it never does I/O
// except reading stored results for conditions through the ResultReader.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "selinon/flow_state.hpp"
#include "selinon/json.hpp"
#include "selinon/task.hpp"
#include "selinon/trace.hpp"

namespace selinon {

class TaskSource;

// What a condition or foreach function sees: the results of the source tasks of one combination and the flow's
// node_args.
class ConditionContext {
 public:
  ConditionContext(std::string_view flow_name, const std::vector<std::pair<std::string, std::string>>& sources,
                   const Json& node_args, const ResultReader* reader, const TaskSource* mocks = nullptr);
  // Stored result of source task `task` in this combination. Throws when `task` is not a task source.
  const Json& result(std::string_view task) const;
  const Json& node_args() const { return node_args_; }
  std::string_view flow_name() const { return flow_name_; }
  // The stand-ins for foreach functions and predicates when running scripted (MOCK_ALL_TASKS builds).
  const TaskSource* mocks() const { return mocks_; }

 private:
  std::string_view flow_name_;
  const std::vector<std::pair<std::string, std::string>>& sources_;  // task name -> instance id
  const Json& node_args_;
  const ResultReader* reader_;
  const TaskSource* mocks_;
  mutable std::vector<std::pair<std::string, Json>> cache_;  // a result read once per evaluation
};

using ConditionFn = bool (*)(const ConditionContext&);
using ForeachFn = Json (*)(const ConditionContext&);  // an array of items (null: nothing)

struct NodeSpec {
  std::string_view name = {};
  bool is_flow = false;
  bool nowait = false;
  bool eager = false;
  // Only meaningful for sub-flows: what this flow hands to them / takes from them.
  bool propagate_node_args = false;
  bool propagate_parent = false;
  bool propagate_finished = false;
  bool propagate_compound_finished = false;
  // Failure model: what a fallback learns about this failed sub-flow (its failed nodes, nested or flattened), and
  // whether this node, started as a fallback sub-flow, receives that failure map as its parent.
  bool propagate_failures = false;
  bool propagate_compound_failures = false;
  bool propagate_parent_failures = false;
};

struct EdgeSpec {
  int index = 0;
  std::vector<int> from = {};  // empty: a starting edge
  std::vector<int> to = {};
  ConditionFn condition = nullptr;  // nullptr: always true
  std::string_view condition_str = "True";
  ForeachFn foreach = nullptr;
  std::string_view foreach_str = {};
  bool foreach_propagate_result = false;
};

struct FallbackSpec {
  bool ignore = false;         // `fallback: true`
  std::vector<int> nodes = {};  // nodes to start
  ConditionFn condition = nullptr;
  std::string_view condition_str = "True";
};

// One `failures` entry set: the failed nodes (sorted by name) and its fallbacks in configuration order.
struct FailureSpec {
  std::vector<int> nodes = {};
  std::vector<FallbackSpec> fallbacks = {};
};

class Step;

struct FlowMachine {
  std::string_view name = {};
  std::vector<NodeSpec> nodes;
  std::vector<EdgeSpec> edges;
  std::vector<FailureSpec> failures;
  bool node_args_from_first = false;
  int max_retry = 0;
  int retry_countdown = 0;

  // The generated transition, one function per event kind.
  void (*on_start)(Step&) = nullptr;
  void (*on_node_succeeded)(Step&, int node, const std::string& id) = nullptr;
  void (*on_node_failed)(Step&, int node, const std::string& id) = nullptr;

  int node_index(std::string_view node) const;  // -1 when not a node of this flow
};

// Something the runtime must do once a transition is committed.
struct Action {
  enum class Kind { run_task, start_subflow, finish_flow, fail_flow, restart_flow };
  Kind kind = Kind::run_task;
  std::string node;       // task or sub-flow name
  std::string id;         // its new id (task id / child dispatcher id)
  SharedJson node_args;   // run_task: the flow's (shared); start_subflow: the child's (empty: null)
  Json parent;            // parent mapping handed over (null: none, as Selinon's fallbacks and plain sub-flows)
  int countdown_seconds = 0;  // restart_flow
};

// Makes the ids of new task and sub-flow runs.
using IdSource = std::string (*)();

// Applies one event to a flow state, in place (the caller journals and commits or rolls back the state), and
// collects the resulting actions. Generated hooks call fire()/fire_start()/fail_eagerly(); the engine calls the
// event entry points (start, node_succeeded, node_failed).
class Step {
 public:
  Step(const FlowMachine& machine, FlowState& state, const ResultReader* reader, TraceBuffer* trace, IdSource new_id,
       const TaskSource* mocks = nullptr);

  // Event entry points (used by the engine). They return false when the event no longer applies (a node that is
  // not active: already handled, or orphaned by a restart).
  void start();
  bool node_succeeded(std::string_view node, const std::string& id, const Json& subflow_result = nullptr);
  bool node_failed(std::string_view node, const std::string& id, const std::string& what = {},
                   const Json& subflow_result = nullptr);

  // Called by generated code.
  void fire_start(const EdgeSpec& edge);
  void fire(const EdgeSpec& edge, int finished_node, const std::string& finished_id);
  void fail_eagerly(int node, const std::string& id);

  const std::vector<Action>& actions() const { return actions_; }
  std::vector<Action>& actions() { return actions_; }
  FlowState& state() { return state_; }

 private:
  using Sources = std::vector<std::pair<std::string, std::string>>;
  void fire_combination(const EdgeSpec& edge, const Json& parent, const Sources& sources);
  void start_node(int node, const Json& parent, const Json* forced_node_args, const EdgeSpec* edge);
  void settle();
  bool run_fallbacks();
  void flow_failed();
  // A sub-flow's finished_nodes or failed_nodes, nested or compound (propagate_finished / propagate_failures).
  Json expand_subflow(const std::string& child_id, std::string_view nodes_key, bool compound) const;
  Json failure_parent(const std::vector<int>& failed_nodes) const;
  Json base_details() const;
  bool tracing() const { return trace_ && trace_->enabled(); }
  bool payloads() const { return trace_ && trace_->payloads(); }
  void trace(TraceEvent event, Json details) const;

  const FlowMachine& machine_;
  FlowState& state_;
  const ResultReader* reader_;
  TraceBuffer* trace_;
  IdSource new_id_;
  const TaskSource* mocks_;
  std::vector<Action> actions_;
  bool ended_ = false;
};

}  // namespace selinon
