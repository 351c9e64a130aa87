// FlowState: journaled changes, flow results and (de)serialisation by node name.
#include "selinon/flow_state.hpp"

#include <algorithm>
#include <stdexcept>

#include "selinon/flow_machine.hpp"

namespace selinon {

FlowState FlowState::fresh(const FlowMachine& machine, std::string dispatcher_id, SharedJson node_args) {
  FlowState s;
  s.flow_name = std::string(machine.name);
  s.dispatcher_id = std::move(dispatcher_id);
  s.scalars_.node_args = std::move(node_args);
  s.lists_.finished.resize(machine.nodes.size());
  s.lists_.failed.resize(machine.nodes.size());
  return s;
}

bool FlowState::has_failures() const {
  return std::any_of(lists_.failed.begin(), lists_.failed.end(), [](const auto& ids) { return !ids.empty(); });
}

bool FlowState::nothing_finished() const {
  return std::all_of(lists_.finished.begin(), lists_.finished.end(), [](const auto& ids) { return ids.empty(); });
}

const Json* FlowState::subflow_result(const std::string& child_id) const {
  auto it = lists_.subflow_results.find(child_id);
  return it == lists_.subflow_results.end() ? nullptr : &it->second;
}

FlowState::Lists::Lists(const Lists& other)
    : active(other.active), finished(other.finished), failed(other.failed), triggered_edges(other.triggered_edges),
      subflow_results(other.subflow_results) {
  for (auto it = active.begin(); it != active.end(); ++it) active_index.emplace(it->id, it);
}

FlowState::Lists& FlowState::Lists::operator=(const Lists& other) {
  if (this != &other) *this = Lists(other);
  return *this;
}

FlowState::FlowState(const FlowState& other)
    : flow_name(other.flow_name), dispatcher_id(other.dispatcher_id), parent(other.parent),
      parent_dispatcher(other.parent_dispatcher), parent_flow(other.parent_flow), version(other.version),
      scalars_(other.scalars_), lists_(other.lists_) {}

FlowState& FlowState::operator=(const FlowState& other) {
  if (this != &other) *this = FlowState(other);
  return *this;
}

void FlowState::record(Undo undo) {
  if (journaling_) journal_.push_back(std::move(undo));
}

void FlowState::activate(int node, std::string id) {
  auto it = lists_.active.insert(lists_.active.end(), NodeRef{node, id});
  lists_.active_index.emplace(id, it);
  record({.kind = Undo::Kind::activated, .node = node, .id = std::move(id)});
}

bool FlowState::deactivate(int node, const std::string& id) {
  auto found = lists_.active_index.find(id);
  if (found == lists_.active_index.end() || found->second->node != node) return false;
  auto next = lists_.active.erase(found->second);
  lists_.active_index.erase(found);
  if (journaling_) {
    record({.kind = Undo::Kind::deactivated, .node = node, .id = id,
            .next_id = next == lists_.active.end() ? std::string() : next->id});
  }
  return true;
}

void FlowState::add_finished(int node, std::string id) {
  lists_.finished[static_cast<std::size_t>(node)].push_back(std::move(id));
  record({.kind = Undo::Kind::finished, .node = node});
}

void FlowState::add_failed(int node, std::string id) {
  lists_.failed[static_cast<std::size_t>(node)].push_back(std::move(id));
  record({.kind = Undo::Kind::failed, .node = node});
}

void FlowState::drop_first_failure(int node) {
  auto& ids = lists_.failed[static_cast<std::size_t>(node)];
  if (ids.empty()) return;
  std::string id = std::move(ids.front());
  ids.erase(ids.begin());
  record({.kind = Undo::Kind::failure_dropped, .node = node, .id = std::move(id)});
}

void FlowState::mark_triggered(int edge) {
  auto& edges = lists_.triggered_edges;
  auto it = std::lower_bound(edges.begin(), edges.end(), edge);
  if (it != edges.end() && *it == edge) return;
  edges.insert(it, edge);
  record({.kind = Undo::Kind::triggered, .node = edge});
}

void FlowState::set_subflow_result(const std::string& child_id, Json result) {
  auto [it, inserted] = lists_.subflow_results.try_emplace(child_id);
  std::optional<Json> previous;
  if (!inserted) previous = std::move(it->second);
  it->second = std::move(result);
  record({.kind = Undo::Kind::subflow_result, .id = child_id, .previous = std::move(previous)});
}

void FlowState::set_node_args(SharedJson node_args) {
  scalars_.node_args = std::move(node_args);
  ++scalars_.args_revision;
}

void FlowState::set_status(Status status, std::string error) {
  scalars_.status = status;
  scalars_.error = std::move(error);
}

void FlowState::set_retried_count(int retried_count) { scalars_.retried_count = retried_count; }

void FlowState::clear_active() {
  auto saved = std::make_shared<Lists>();
  saved->active = std::move(lists_.active);
  saved->active_index = std::move(lists_.active_index);
  lists_.active.clear();
  lists_.active_index.clear();
  if (journaling_) {
    journal_.push_back({.kind = Undo::Kind::active_cleared, .lists = std::move(saved)});
  }
}

void FlowState::restart(int retried_count) {
  auto saved = std::make_shared<Lists>(std::move(lists_));
  lists_ = Lists{};
  lists_.finished.resize(saved->finished.size());
  lists_.failed.resize(saved->failed.size());
  scalars_.retried_count = retried_count;
  if (journaling_) journal_.push_back({.kind = Undo::Kind::lists, .lists = std::move(saved)});
}

void FlowState::begin() {
  journal_.clear();
  saved_ = scalars_;
  journaling_ = true;
}

void FlowState::keep() {
  journal_.clear();
  journaling_ = false;
}

void FlowState::rollback() {
  if (!journaling_) return;
  journaling_ = false;
  for (auto undo = journal_.rbegin(); undo != journal_.rend(); ++undo) {
    auto n = static_cast<std::size_t>(undo->node);
    switch (undo->kind) {
      case Undo::Kind::activated: {
        auto found = lists_.active_index.find(undo->id);
        lists_.active.erase(found->second);
        lists_.active_index.erase(found);
        break;
      }
      case Undo::Kind::deactivated: {
        // In reverse order the next instance is active again: whatever removed it later was undone first.
        auto next = undo->next_id.empty() ? lists_.active.end() : lists_.active_index.at(undo->next_id);
        auto it = lists_.active.insert(next, NodeRef{undo->node, undo->id});
        lists_.active_index.emplace(undo->id, it);
        break;
      }
      case Undo::Kind::finished: lists_.finished[n].pop_back(); break;
      case Undo::Kind::failed: lists_.failed[n].pop_back(); break;
      case Undo::Kind::failure_dropped: lists_.failed[n].insert(lists_.failed[n].begin(), undo->id); break;
      case Undo::Kind::triggered: {
        auto& edges = lists_.triggered_edges;
        edges.erase(std::lower_bound(edges.begin(), edges.end(), undo->node));
        break;
      }
      case Undo::Kind::subflow_result:
        if (undo->previous) lists_.subflow_results[undo->id] = std::move(*undo->previous);
        else lists_.subflow_results.erase(undo->id);
        break;
      case Undo::Kind::active_cleared:
        lists_.active = std::move(undo->lists->active);
        lists_.active_index = std::move(undo->lists->active_index);
        break;
      case Undo::Kind::lists: lists_ = std::move(*undo->lists); break;
    }
  }
  journal_.clear();
  scalars_ = saved_;
}

namespace {

Json by_name(const FlowMachine& machine, const std::vector<std::vector<std::string>>& per_node) {
  Json out = Json::object();
  for (std::size_t i = 0; i < per_node.size() && i < machine.nodes.size(); ++i) {
    if (!per_node[i].empty()) out[std::string(machine.nodes[i].name)] = per_node[i];
  }
  return out;
}

std::vector<std::vector<std::string>> from_names(const FlowMachine& machine, const Json& json) {
  std::vector<std::vector<std::string>> out(machine.nodes.size());
  if (!json.is_object()) return out;
  for (const auto& [name, ids] : json.items()) {
    int idx = machine.node_index(name);
    if (idx < 0) throw std::invalid_argument("flow state names unknown node '" + name + "'");
    out[static_cast<std::size_t>(idx)] = ids.get<std::vector<std::string>>();
  }
  return out;
}

const char* status_name(FlowState::Status status) {
  switch (status) {
    case FlowState::Status::running: return "running";
    case FlowState::Status::succeeded: return "succeeded";
    case FlowState::Status::failed: return "failed";
  }
  return "running";
}

}  // namespace

Json FlowState::result(const FlowMachine& machine) const {
  Json active_nodes = Json::array();
  for (const auto& ref : lists_.active) {
    active_nodes.push_back({{"name", std::string(machine.nodes[static_cast<std::size_t>(ref.node)].name)}, {"id", ref.id}});
  }
  // Results of finished and failed sub-flows, so a parent can expand them (propagate_finished/_failures).
  Json subflows = Json::object();
  for (std::size_t i = 0; i < lists_.finished.size() && i < machine.nodes.size(); ++i) {
    if (!machine.nodes[i].is_flow) continue;
    for (const auto* ids : {&lists_.finished[i], &lists_.failed[i]}) {
      for (const auto& id : *ids) {
        if (const Json* r = subflow_result(id)) subflows[id] = *r;
      }
    }
  }
  return {{"finished_nodes", by_name(machine, lists_.finished)},
          {"failed_nodes", by_name(machine, lists_.failed)},
          {"active_nodes", active_nodes},
          {"subflows", subflows}};
}

Json FlowState::to_json(const FlowMachine& machine, bool with_node_args) const {
  Json j = result(machine);
  j["flow_name"] = flow_name;
  j["dispatcher_id"] = dispatcher_id;
  if (with_node_args) j["node_args"] = node_args();
  j["args_revision"] = scalars_.args_revision;
  j["parent"] = parent;
  j["parent_dispatcher"] = parent_dispatcher;
  j["parent_flow"] = parent_flow;
  j["retried_count"] = scalars_.retried_count;
  j["status"] = status_name(scalars_.status);
  if (!scalars_.error.empty()) j["error"] = scalars_.error;
  j["version"] = version;
  j["triggered_edges"] = lists_.triggered_edges;
  Json subflows = Json::object();
  for (const auto& [id, r] : lists_.subflow_results) subflows[id] = r;
  j["subflows"] = std::move(subflows);
  return j;
}

FlowState FlowState::from_json(const FlowMachine& machine, const Json& j, SharedJson node_args) {
  if (!j.is_object()) throw std::invalid_argument("flow state is not a JSON object");
  try {
    if (auto it = j.find("node_args"); it != j.end()) node_args = share(*it);
    FlowState s = fresh(machine, j.at("dispatcher_id").get<std::string>(), std::move(node_args));
    s.parent = j.value("parent", Json());
    s.parent_dispatcher = j.value("parent_dispatcher", "");
    s.parent_flow = j.value("parent_flow", "");
    s.scalars_.retried_count = j.value("retried_count", 0);
    s.scalars_.args_revision = j.value("args_revision", std::uint64_t{0});
    s.scalars_.error = j.value("error", "");
    std::string status = j.value("status", "running");
    s.scalars_.status = status == "succeeded" ? Status::succeeded : status == "failed" ? Status::failed : Status::running;
    s.version = j.value("version", std::uint64_t{0});
    for (const auto& ref : j.value("active_nodes", Json::array())) {
      int idx = machine.node_index(ref.at("name").get<std::string>());
      if (idx < 0) throw std::invalid_argument("flow state names unknown active node");
      s.activate(idx, ref.at("id").get<std::string>());
    }
    s.lists_.finished = from_names(machine, j.value("finished_nodes", Json::object()));
    s.lists_.failed = from_names(machine, j.value("failed_nodes", Json::object()));
    s.lists_.triggered_edges = j.value("triggered_edges", std::vector<int>{});
    std::sort(s.lists_.triggered_edges.begin(), s.lists_.triggered_edges.end());
    const Json subflows = j.value("subflows", Json::object());  // named: items() of a temporary would dangle
    for (const auto& [id, result] : subflows.items()) s.lists_.subflow_results[id] = result;
    return s;
  } catch (const Json::exception& e) {
    throw std::invalid_argument(std::string("flow state of ") + std::string(machine.name) + " is malformed: " + e.what());
  }
}

}  // namespace selinon
