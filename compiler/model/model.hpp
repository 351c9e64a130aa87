// The typed model of a Selinon system: built once from YAML by lower/build_*.cpp, then only read.
// Every element keeps the source position it came from, so checks and emitters can point at it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "source/source.hpp"

namespace selinon::model {

using parse::Loc;
using Json = nlohmann::json;

// A name as written in the configuration (a node, storage or flow reference) and where it was written.
struct Name {
  std::string value;
  Loc loc;
};

// A piece of user code named by `import` + a name (`classname`, `function`, `name`): a C++ header + symbol.
struct CodeRef {
  std::string import;
  std::string name;
  Loc loc;
};

struct CacheConfig {
  std::string name = "LRU";
  std::string import = "selinon.caches";
  Json configuration = Json{{"max_cache_size", 0}};
  Loc loc;
};

struct Storage {
  std::string name;
  Loc loc;
  std::string import;
  std::string classname;
  Json configuration;
  CacheConfig cache;
  bool cache_given = false;

  // One of Selinon's own adapters (import selinon or selinon.*), and among them the in-memory one this runtime has.
  bool is_selinon_adapter() const;
  bool is_in_memory() const;
};

// Minimum spacing between two schedulings of the same node.
struct Throttling {
  double seconds = 0;
  Loc loc;
};

struct Task {
  std::string name;
  Loc loc;
  std::string import;
  std::string classname;
  std::optional<Name> storage;
  std::string storage_task_name;
  bool storage_readonly = false;
  std::optional<std::string> output_schema;
  int max_retry = 0;
  int retry_countdown = 0;
  std::string queue;  // may hold {ENV} placeholders, expanded when a worker starts
  Loc queue_loc;
  std::optional<Throttling> throttling;
  CodeRef selective_run_function{"selinon.routines", "always_run", {}};
  std::optional<double> timeout;  // extension: seconds before a running task is failed
};

// A condition tree; a missing `condition` is an always-true tree.
struct Condition {
  enum class Kind { always_true, leaf, all_of, any_of, negation };
  struct Arg {
    std::string name;
    Json value;
    Loc loc;
  };

  Kind kind = Kind::always_true;
  Loc loc;
  // leaf
  std::string predicate;
  Loc predicate_loc;
  std::optional<Name> node;  // `node:` as written
  std::string bound_node;    // the source node the leaf reads from (explicit, or the single source); may be empty
  std::vector<Arg> args;
  bool has_args_key = false;
  // and / or / not
  std::vector<Condition> children;

  bool is_true() const { return kind == Kind::always_true; }
};

struct Foreach {
  CodeRef function;
  bool propagate_result = false;
  Loc loc;
};

struct Selective {
  std::vector<std::string> tasks;
  bool run_subsequent_all = false;
  std::vector<Name> run_subsequent;  // when a list of flows is given
  bool follow_subflows = false;
  Loc loc;
};

struct Edge {
  int index = 0;  // position in `edges`; part of the persisted-state contract
  Loc loc;
  std::vector<Name> from;  // empty: a starting edge
  std::vector<Name> to;
  Condition condition;
  std::optional<Foreach> foreach;
  std::optional<Selective> selective;
  int unknown_sources = 0;  // `from` names that are no node (reported, left out of `from`)

  // An edge whose sources were all unknown names is not a starting edge, it just has no valid source.
  bool is_start() const { return from.empty() && unknown_sources == 0; }
  // Switched off on purpose: the condition is the bare leaf `{name: alwaysFalse}`, how configurations turn a branch
  // off. A false condition composed with and/or/not is not a switch but most likely a mistake.
  bool disabled() const;
};

struct Failure {
  Loc loc;
  std::vector<Name> nodes;
  bool fallback_true = false;  // `fallback: true`: the failure is ignored
  Loc empty_fallback_loc;      // `fallback: []`, which Selinon treats as `fallback: true` (linted)
  std::vector<Name> fallback;
  Condition condition;
  bool propagate_failure = false;
};

// Value of the propagate_* family: false, true (every sub-flow) or a list of flow names.
struct FlowSelector {
  bool all = false;
  std::vector<Name> flows;
  Loc loc;
  bool given = false;

  bool selects(const std::string& flow) const;
  bool any() const { return all || !flows.empty(); }
};

struct Sampling {
  std::string name = "biexponential_increase";
  std::string import = "selinon.strategies";
  Json args = Json{{"start_retry", 2}, {"max_retry", 120}};
  Loc loc;
};

struct Flow {
  std::string name;
  Loc loc;             // where it is listed under `flows`
  Loc definition_loc;  // where its definition starts
  bool defined = false;
  std::vector<Edge> edges;
  std::vector<Failure> failures;
  std::vector<Loc> failures_without_nodes;  // `nodes: []` entries: accepted by Selinon, never apply, not lowered
  std::vector<Name> nowait;
  bool eager_all = false;
  std::vector<Name> eager_failures;
  CacheConfig cache;
  Sampling sampling;
  std::optional<Throttling> throttling;
  bool node_args_from_first = false;
  Loc node_args_from_first_loc;
  FlowSelector propagate_node_args;
  FlowSelector propagate_parent;
  FlowSelector propagate_parent_failures;
  FlowSelector propagate_finished;
  FlowSelector propagate_compound_finished;
  FlowSelector propagate_failures;
  FlowSelector propagate_compound_failures;
  std::string queue;
  Loc queue_loc;
  int max_retry = 0;
  int retry_countdown = 0;

  bool is_nowait(const std::string& node) const;
};

struct TraceStorage {
  Name storage;
  std::string method = "trace";
};

struct TraceConfig {
  bool logging = false;
  bool json = false;
  Loc json_loc;  // the first `json: true`
  std::vector<CodeRef> functions;
  std::vector<TraceStorage> storages;
  std::vector<Name> sentry_dsns;
};

struct Global {
  std::optional<std::string> predicates_module;
  std::string default_task_queue = "celery";
  std::string default_dispatcher_queue = "celery";
  std::optional<std::string> migration_dir;
  TraceConfig trace;
};

// Look-up by name in one of the System's lists (the first entry of that name). The lists only grow while the model
// is built and never change after, so the index takes in new entries on the next look-up instead of being rebuilt;
// an entry found under another name (a list changed some other way) drops the index and starts over.
class NameIndex {
 public:
  template <typename T>
  const T* find(const std::vector<T>& items, const std::string& name) const {
    if (indexed_ > items.size()) clear();
    for (; indexed_ < items.size(); ++indexed_) positions_.emplace(items[indexed_].name, indexed_);
    auto it = positions_.find(name);
    if (it == positions_.end()) return nullptr;
    if (items[it->second].name == name) return &items[it->second];
    clear();
    return find(items, name);
  }

 private:
  void clear() const {
    positions_.clear();
    indexed_ = 0;
  }

  mutable std::unordered_map<std::string, std::size_t> positions_;
  mutable std::size_t indexed_ = 0;
};

// The whole system. Order of tasks, flows and storages is the configuration's order.
struct System {
  std::vector<Storage> storages;
  std::vector<Task> tasks;
  std::vector<Flow> flows;
  Global global;
  std::vector<std::string> files;  // every YAML file read, for depfiles

  const Task* task(const std::string& name) const;
  const Flow* flow(const std::string& name) const;
  const Storage* storage(const std::string& name) const;
  bool is_task(const std::string& name) const { return task(name) != nullptr; }
  bool is_flow(const std::string& name) const { return flow(name) != nullptr; }

 private:
  NameIndex task_index_;
  NameIndex flow_index_;
  NameIndex storage_index_;
};

}  // namespace selinon::model
