// FlowState: creation, flow results and (de)serialisation by node name.
#include "selinon/flow_state.hpp"

#include <algorithm>
#include <stdexcept>

#include "selinon/flow_machine.hpp"

namespace selinon {

FlowState FlowState::fresh(const FlowMachine& machine, std::string dispatcher_id, Json node_args) {
  FlowState s;
  s.flow_name = std::string(machine.name);
  s.dispatcher_id = std::move(dispatcher_id);
  s.node_args = std::move(node_args);
  s.finished.resize(machine.nodes.size());
  s.failed.resize(machine.nodes.size());
  return s;
}

void FlowState::mark_triggered(int edge) {
  auto it = std::lower_bound(triggered_edges.begin(), triggered_edges.end(), edge);
  if (it == triggered_edges.end() || *it != edge) triggered_edges.insert(it, edge);
}

bool FlowState::has_failures() const {
  for (const auto& ids : failed) {
    if (!ids.empty()) return true;
  }
  return false;
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

}  // namespace

Json FlowState::result(const FlowMachine& machine) const {
  Json active_nodes = Json::array();
  for (const auto& ref : active) {
    active_nodes.push_back({{"name", std::string(machine.nodes[static_cast<std::size_t>(ref.node)].name)}, {"id", ref.id}});
  }
  // Results of finished and failed sub-flows, so a parent can expand them (propagate_finished/_failures).
  Json subflows = Json::object();
  for (std::size_t i = 0; i < finished.size(); ++i) {
    if (!machine.nodes[i].is_flow) continue;
    for (const auto* ids : {&finished[i], &failed[i]}) {
      for (const auto& id : *ids) {
        auto it = subflow_results.find(id);
        if (it != subflow_results.end()) subflows[id] = it->second;
      }
    }
  }
  return {{"finished_nodes", by_name(machine, finished)},
          {"failed_nodes", by_name(machine, failed)},
          {"active_nodes", active_nodes},
          {"subflows", subflows}};
}

Json FlowState::to_json(const FlowMachine& machine) const {
  Json j = result(machine);
  j["flow_name"] = flow_name;
  j["dispatcher_id"] = dispatcher_id;
  j["node_args"] = node_args;
  j["parent"] = parent;
  j["parent_dispatcher"] = parent_dispatcher;
  j["parent_flow"] = parent_flow;
  j["retried_count"] = retried_count;
  j["status"] = status == Status::running ? "running" : status == Status::succeeded ? "succeeded" : "failed";
  j["version"] = version;
  j["triggered_edges"] = triggered_edges;
  j["subflows"] = subflow_results;
  return j;
}

FlowState FlowState::from_json(const FlowMachine& machine, const Json& j) {
  FlowState s = fresh(machine, j.at("dispatcher_id").get<std::string>(), j.value("node_args", Json()));
  s.parent = j.value("parent", Json::object());
  s.parent_dispatcher = j.value("parent_dispatcher", "");
  s.parent_flow = j.value("parent_flow", "");
  s.retried_count = j.value("retried_count", 0);
  std::string status = j.value("status", "running");
  s.status = status == "succeeded" ? Status::succeeded : status == "failed" ? Status::failed : Status::running;
  s.version = j.value("version", std::uint64_t{0});
  for (const auto& ref : j.value("active_nodes", Json::array())) {
    int idx = machine.node_index(ref.at("name").get<std::string>());
    if (idx < 0) throw std::invalid_argument("flow state names unknown active node");
    s.active.push_back({idx, ref.at("id").get<std::string>()});
  }
  s.finished = from_names(machine, j.value("finished_nodes", Json::object()));
  s.failed = from_names(machine, j.value("failed_nodes", Json::object()));
  s.triggered_edges = j.value("triggered_edges", std::vector<int>{});
  std::sort(s.triggered_edges.begin(), s.triggered_edges.end());
  const Json subflows = j.value("subflows", Json::object());  // named: items() of a temporary would dangle
  for (const auto& [id, result] : subflows.items()) s.subflow_results[id] = result;
  return s;
}

}  // namespace selinon
