// The dispatcher semantics of Selinon (spec §3.4-§3.13) applied to one event: edges fire per combination of
// finished source instances, foreach fans out, failures wait until nothing is active and then the largest
// matching failure entry's fallbacks start; a flow ends when nothing is active.
#include <algorithm>
#include <stdexcept>

#include "selinon/flow_machine.hpp"

namespace selinon {

int FlowMachine::node_index(std::string_view node) const {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].name == node) return static_cast<int>(i);
  }
  return -1;
}

ConditionContext::ConditionContext(std::string_view flow_name,
                                   const std::vector<std::pair<std::string, std::string>>& sources,
                                   const Json& node_args, const ResultReader* reader, const TaskSource* mocks)
    : flow_name_(flow_name), sources_(sources), node_args_(node_args), reader_(reader), mocks_(mocks) {}

const Json& ConditionContext::result(std::string_view task) const {
  for (const auto& [name, value] : cache_) {
    if (name == task) return value;
  }
  for (const auto& [name, id] : sources_) {
    if (name != task) continue;
    if (!reader_) throw std::logic_error("no result storage available to read '" + name + "'");
    cache_.emplace_back(name, reader_->read(std::string(flow_name_), name, id));
    return cache_.back().second;
  }
  throw std::out_of_range("'" + std::string(task) + "' is not a source task of this edge");
}

Step::Step(const FlowMachine& machine, FlowState& state, const ResultReader* reader, TraceBuffer* trace,
           IdSource new_id, const TaskSource* mocks)
    : machine_(machine), state_(state), reader_(reader), trace_(trace), new_id_(new_id), mocks_(mocks) {}

Json Step::base_details() const {
  return {{"flow_name", state_.flow_name}, {"dispatcher_id", state_.dispatcher_id}};
}

void Step::trace(TraceEvent event, Json details) const {
  if (tracing()) trace_->emit(event, std::move(details));
}

void Step::start() {
  if (tracing()) {
    Json d = base_details();
    d["node_args"] = state_.node_args();
    d["parent"] = state_.parent;
    d["retried_count"] = state_.retried_count();
    trace(TraceEvent::FLOW_START, std::move(d));
  }
  if (machine_.on_start) machine_.on_start(*this);
  settle();
}

void Step::fire_start(const EdgeSpec& edge) {
  static const Sources no_sources;
  ConditionContext ctx(state_.flow_name, no_sources, state_.node_args(), reader_, mocks_);
  if (edge.condition && !edge.condition(ctx)) {
    if (tracing()) {
      Json d = base_details();
      d["edge"] = edge.index;
      d["condition"] = edge.condition_str;
      d["nodes_from"] = Json::array();
      trace(TraceEvent::EDGE_COND_FALSE, std::move(d));
    }
    return;
  }
  state_.mark_triggered(edge.index);
  fire_combination(edge, state_.parent, no_sources);
}

void Step::fire(const EdgeSpec& edge, int finished_node, const std::string& finished_id) {
  // Instances per source: the node that just finished with its new instance, every other source with all of its
  // earlier finished instances (so each combination is formed exactly once).
  std::vector<const std::vector<std::string>*> lists;
  std::vector<std::string> just_finished{finished_id};
  for (int source : edge.from) {
    const auto& ids = source == finished_node ? just_finished : state_.finished(source);
    if (ids.empty()) return;
    lists.push_back(&ids);
  }
  std::vector<std::size_t> pick(lists.size(), 0);
  while (true) {
    Json parent = Json::object();
    Sources sources;
    for (std::size_t i = 0; i < lists.size(); ++i) {
      const NodeSpec& spec = machine_.nodes[static_cast<std::size_t>(edge.from[i])];
      const std::string& id = (*lists[i])[pick[i]];
      std::string name(spec.name);
      if (spec.is_flow) {
        if (spec.propagate_finished) parent[name] = expand_subflow(id, "finished_nodes", false);
        else if (spec.propagate_compound_finished) parent[name] = expand_subflow(id, "finished_nodes", true);
      } else {
        parent[name] = id;
        sources.emplace_back(std::move(name), id);
      }
    }
    ConditionContext ctx(state_.flow_name, sources, state_.node_args(), reader_, mocks_);
    if (!edge.condition || edge.condition(ctx)) {
      state_.mark_triggered(edge.index);
      fire_combination(edge, parent, sources);
    } else if (tracing()) {
      Json d = base_details();
      d["edge"] = edge.index;
      d["condition"] = edge.condition_str;
      d["parent"] = parent;
      trace(TraceEvent::EDGE_COND_FALSE, std::move(d));
    }
    // Next combination; the first source varies slowest, as itertools.product.
    std::size_t i = lists.size();
    while (i > 0) {
      --i;
      if (++pick[i] < lists[i]->size()) break;
      pick[i] = 0;
      if (i == 0) return;
    }
    if (lists.empty()) return;
  }
}

void Step::fire_combination(const EdgeSpec& edge, const Json& parent, const Sources& sources) {
  if (!edge.foreach) {
    for (int d : edge.to) start_node(d, parent, nullptr, &edge);
    return;
  }
  ConditionContext ctx(state_.flow_name, sources, state_.node_args(), reader_, mocks_);
  Json items = edge.foreach(ctx);
  if (tracing()) {
    Json d = base_details();
    d["edge"] = edge.index;
    d["foreach_str"] = edge.foreach_str;
    d["result"] = items;
    trace(TraceEvent::FOREACH_RESULT, std::move(d));
  }
  if (items.is_null()) return;
  if (!items.is_array()) throw std::runtime_error("foreach function of edge " + std::to_string(edge.index) +
                                                  " returned " + std::string(items.type_name()) + ", not a list");
  for (const auto& item : items) {
    for (int d : edge.to) start_node(d, parent, edge.foreach_propagate_result ? &item : nullptr, &edge);
  }
}

void Step::start_node(int node, const Json& parent, const Json* forced_node_args, const EdgeSpec* edge) {
  const NodeSpec& spec = machine_.nodes[static_cast<std::size_t>(node)];
  const bool fallback = edge == nullptr;
  Action action;
  action.node = std::string(spec.name);
  action.id = new_id_();
  if (spec.is_flow) {
    action.kind = Action::Kind::start_subflow;
    if (forced_node_args) action.node_args = share(*forced_node_args);
    else if (spec.propagate_node_args) action.node_args = state_.shared_node_args();
    bool hand_parent = fallback ? spec.propagate_parent_failures : spec.propagate_parent;
    if (hand_parent && parent.is_object()) action.parent = parent;
  } else {
    action.kind = Action::Kind::run_task;
    action.node_args = state_.shared_node_args();
    // Selinon hands fallbacks no parent; the failure details of propagate_failures are the one addition.
    if (!fallback || !parent.empty()) action.parent = parent.is_object() ? parent : Json::object();
  }
  if (tracing()) {
    Json d = base_details();
    d[spec.is_flow ? "child_flow_name" : "task_name"] = action.node;
    d[spec.is_flow ? "child_dispatcher_id" : "task_id"] = action.id;
    if (payloads()) {
      d["node_args"] = value_of(action.node_args);
      d["parent"] = action.parent;
    }
    d["condition_str"] = edge ? Json(edge->condition_str) : Json();
    d["foreach_str"] = edge && edge->foreach ? Json(edge->foreach_str) : Json();
    d["edge"] = edge ? Json(edge->index) : Json();
    trace(spec.is_flow ? TraceEvent::SUBFLOW_SCHEDULE : TraceEvent::TASK_SCHEDULE, std::move(d));
  }
  if (!spec.nowait) state_.activate(node, action.id);
  actions_.push_back(std::move(action));
}

bool Step::node_succeeded(std::string_view node, const std::string& id, const Json& subflow_result) {
  int idx = machine_.node_index(node);
  if (idx < 0) throw std::invalid_argument("'" + std::string(node) + "' is not a node of flow " + state_.flow_name);
  // Not active: already applied, or from a previous attempt of a restarted flow.
  if (!state_.deactivate(idx, id)) return false;
  const NodeSpec& spec = machine_.nodes[static_cast<std::size_t>(idx)];
  if (tracing()) {
    Json d = base_details();
    d["node_name"] = std::string(node);
    d["node_id"] = id;
    trace(TraceEvent::NODE_SUCCESSFUL, std::move(d));
  }
  if (spec.is_flow && !subflow_result.is_null()) state_.set_subflow_result(id, subflow_result);
  if (machine_.node_args_from_first && !spec.is_flow && state_.active().empty() && state_.nothing_finished()) {
    if (!reader_) throw std::logic_error("node_args_from_first needs a result storage");
    state_.set_node_args(share(reader_->read(state_.flow_name, std::string(node), id)));
  }
  if (machine_.on_node_succeeded) machine_.on_node_succeeded(*this, idx, id);
  state_.add_finished(idx, id);
  settle();
  return true;
}

bool Step::node_failed(std::string_view node, const std::string& id, const std::string& what,
                       const Json& subflow_result) {
  int idx = machine_.node_index(node);
  if (idx < 0) throw std::invalid_argument("'" + std::string(node) + "' is not a node of flow " + state_.flow_name);
  if (!state_.deactivate(idx, id)) return false;
  if (tracing()) {
    Json d = base_details();
    d["node_name"] = std::string(node);
    d["node_id"] = id;
    d["what"] = what;
    trace(TraceEvent::NODE_FAILURE, std::move(d));
  }
  state_.add_failed(idx, id);
  // Kept so fallbacks can be told what failed inside (propagate_failures / propagate_compound_failures).
  if (machine_.nodes[static_cast<std::size_t>(idx)].is_flow && !subflow_result.is_null()) {
    state_.set_subflow_result(id, subflow_result);
  }
  if (machine_.on_node_failed) machine_.on_node_failed(*this, idx, id);
  if (!ended_) settle();
  return true;
}

void Step::fail_eagerly(int node, const std::string& id) {
  if (tracing()) {
    Json d = base_details();
    d["node_name"] = std::string(machine_.nodes[static_cast<std::size_t>(node)].name);
    d["node_id"] = id;
    trace(TraceEvent::EAGER_FAILURE, std::move(d));
  }
  flow_failed();
}

void Step::settle() {
  if (ended_ || !state_.active().empty()) return;
  if (state_.has_failures()) {
    bool started = run_fallbacks();
    if (!started && state_.has_failures()) {
      flow_failed();
      return;
    }
    if (!state_.active().empty()) return;
  }
  ended_ = true;
  state_.set_status(FlowState::Status::succeeded);
  Action action;
  action.kind = Action::Kind::finish_flow;
  action.node = state_.flow_name;
  action.id = state_.dispatcher_id;
  if (tracing()) {
    Json d = base_details();
    d["state"] = state_.result(machine_);
    d["node_args"] = state_.node_args();
    trace(TraceEvent::FLOW_END, std::move(d));
  }
  actions_.push_back(std::move(action));
}

bool Step::run_fallbacks() {
  // Failed node names, sorted by name: failure entries are matched greedily, larger sets first, ties broken by
  // the lexicographic order of the sorted names (itertools.combinations order).
  std::vector<int> failed;
  for (std::size_t i = 0; i < machine_.nodes.size(); ++i) {
    if (!state_.failed(static_cast<int>(i)).empty()) failed.push_back(static_cast<int>(i));
  }
  std::sort(failed.begin(), failed.end(), [&](int a, int b) {
    return machine_.nodes[static_cast<std::size_t>(a)].name < machine_.nodes[static_cast<std::size_t>(b)].name;
  });
  auto still_failed = [&](const std::vector<int>& set) {
    return std::all_of(set.begin(), set.end(), [&](int n) { return !state_.failed(n).empty(); });
  };
  static const Sources no_sources;
  bool started_any = false;
  for (std::size_t size = failed.size(); size >= 1; --size) {
    std::vector<bool> mask(failed.size(), false);
    std::fill(mask.begin(), mask.begin() + static_cast<long>(size), true);
    do {
      std::vector<int> combination;
      for (std::size_t i = 0; i < failed.size(); ++i) {
        if (mask[i]) combination.push_back(failed[i]);
      }
      const FailureSpec* entry = nullptr;
      for (const auto& f : machine_.failures) {
        if (f.nodes == combination) entry = &f;
      }
      if (!entry) continue;
      while (still_failed(combination)) {
        bool matched = false;
        bool keep_going = true;
        for (const auto& fallback : entry->fallbacks) {
          ConditionContext ctx(state_.flow_name, no_sources, state_.node_args(), reader_, mocks_);
          bool ok = !fallback.condition || fallback.condition(ctx);
          if (tracing()) {
            Json d = base_details();
            Json nodes = Json::array();
            for (int n : combination) {
              nodes.push_back({{"name", std::string(machine_.nodes[static_cast<std::size_t>(n)].name)},
                               {"id", state_.failed(n).front()}});
            }
            d["nodes"] = nodes;
            Json fb = Json::array();
            for (int n : fallback.nodes) fb.push_back(std::string(machine_.nodes[static_cast<std::size_t>(n)].name));
            d["fallback"] = fallback.ignore ? Json(true) : fb;
            d["condition_str"] = fallback.condition_str;
            trace(ok ? TraceEvent::FALLBACK_COND_TRUE : TraceEvent::FALLBACK_COND_FALSE, d);
            if (ok) trace(TraceEvent::FALLBACK_START, d);
          }
          if (!ok) continue;
          matched = true;
          if (fallback.ignore) continue;
          for (int n : fallback.nodes) {
            start_node(n, failure_parent(combination), nullptr, nullptr);
            // A nowait fallback is never observed: wait for the next round before evaluating more (as Selinon).
            if (machine_.nodes[static_cast<std::size_t>(n)].nowait) keep_going = false;
            else started_any = true;
          }
        }
        if (matched) {
          for (int n : combination) state_.drop_first_failure(n);
        }
        if (!keep_going) return started_any;
        if (!matched) break;
      }
    } while (std::prev_permutation(mask.begin(), mask.end()));
  }
  return started_any;
}

void Step::flow_failed() {
  ended_ = true;
  bool will_retry = state_.retried_count() < machine_.max_retry;
  if (tracing()) {
    Json d = base_details();
    d["state"] = state_.result(machine_);
    d["will_retry"] = will_retry;
    d["retried_count"] = state_.retried_count();
    trace(TraceEvent::FLOW_FAILURE, std::move(d));
  }
  Action action;
  action.node = state_.flow_name;
  action.id = state_.dispatcher_id;
  if (will_retry) {
    // Until the restart (after retry_countdown) nothing of this attempt may advance the flow: nodes still running
    // are orphaned, as in Selinon, and their late results are ignored.
    state_.clear_active();
    action.kind = Action::Kind::restart_flow;
    action.countdown_seconds = machine_.retry_countdown;
  } else {
    state_.set_status(FlowState::Status::failed);
    action.kind = Action::Kind::fail_flow;
  }
  actions_.push_back(std::move(action));
}

Json Step::expand_subflow(const std::string& child_id, std::string_view nodes_key, bool compound) const {
  const Json* child = state_.subflow_result(child_id);
  if (!child) return Json::object();
  // Recursion over the nested results carried in each flow result ("subflows": id -> result): an id found there is
  // a sub-flow, expanded into a map of its own (nested) or into the same map (compound); task ids are listed.
  std::function<void(const Json&, Json&)> collect = [&](const Json& result, Json& out) {
    const Json& subflows = result.contains("subflows") ? result["subflows"] : Json::object();
    // A named local, not `result.value(...).items()` in the loop header: the range-for keeps only the items()
    // proxy alive, not the temporary Json it points into, so the loop would read freed memory.
    const Json nodes = result.value(std::string(nodes_key), Json::object());
    for (const auto& [name, ids] : nodes.items()) {
      for (const auto& id : ids) {
        std::string key = id.is_string() ? id.get<std::string>() : std::string();
        if (subflows.contains(key)) {
          if (compound) {
            collect(subflows[key], out);
          } else {
            Json& sub = out[name];
            if (!sub.is_object()) sub = Json::object();
            collect(subflows[key], sub);
          }
        } else {
          Json& list = out[name];
          if (!list.is_array()) list = Json::array();
          list.push_back(id);
        }
      }
    }
  };
  Json out = Json::object();
  collect(*child, out);
  return out;
}

}  // namespace selinon

namespace selinon {

// Selinon starts fallbacks with no parent. Here a fallback learns which failed sub-flows' nodes failed when the flow
// asks for it: {subflow: {task: [ids], nested_flow: {...}}} (propagate_failures) or flattened
// (propagate_compound_failures). Without those options the map stays empty, as in Selinon.
Json Step::failure_parent(const std::vector<int>& failed_nodes) const {
  Json parent = Json::object();
  for (int n : failed_nodes) {
    const NodeSpec& spec = machine_.nodes[static_cast<std::size_t>(n)];
    if (!spec.is_flow || !(spec.propagate_failures || spec.propagate_compound_failures)) continue;
    const auto& ids = state_.failed(n);
    if (ids.empty()) continue;
    parent[std::string(spec.name)] = expand_subflow(ids.front(), "failed_nodes", spec.propagate_compound_failures);
  }
  return parent;
}

}  // namespace selinon
