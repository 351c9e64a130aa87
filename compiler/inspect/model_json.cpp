// Serialises the model; the layout follows the YAML keys so it reads like a normalised configuration.
#include "inspect/model_json.hpp"

namespace selinon::inspect {
namespace {

using nlohmann::json;

json names(const std::vector<model::Name>& list) {
  json out = json::array();
  for (const auto& n : list) out.push_back(n.value);
  return out;
}

json selector(const model::FlowSelector& s) {
  if (s.all) return true;
  if (s.flows.empty()) return false;
  return names(s.flows);
}

json cache(const model::CacheConfig& c) {
  return {{"name", c.name}, {"import", c.import}, {"configuration", c.configuration}};
}

json location(const model::Loc& loc) {
  if (!loc.valid()) return nullptr;
  return {{"file", loc.path()}, {"line", loc.line}, {"column", loc.column}};
}

}  // namespace

json condition_to_json(const model::Condition& c) {
  using Kind = model::Condition::Kind;
  switch (c.kind) {
    case Kind::always_true: return true;
    case Kind::leaf: {
      json args = json::object();
      for (const auto& a : c.args) args[a.name] = a.value;
      json out = {{"name", c.predicate}, {"args", args}};
      if (!c.bound_node.empty()) out["node"] = c.bound_node;
      return out;
    }
    case Kind::negation: return {{"not", c.children.empty() ? json(nullptr) : condition_to_json(c.children[0])}};
    case Kind::all_of:
    case Kind::any_of: {
      json list = json::array();
      for (const auto& child : c.children) list.push_back(condition_to_json(child));
      return {{c.kind == Kind::all_of ? "and" : "or", list}};
    }
  }
  return nullptr;
}

json model_to_json(const model::System& system) {
  json tasks = json::array();
  for (const auto& t : system.tasks) {
    json task = {{"name", t.name},
                 {"import", t.import},
                 {"classname", t.classname},
                 {"storage", t.storage ? json(t.storage->value) : json(nullptr)},
                 {"storage_task_name", t.storage_task_name},
                 {"storage_readonly", t.storage_readonly},
                 {"output_schema", t.output_schema ? json(*t.output_schema) : json(nullptr)},
                 {"max_retry", t.max_retry},
                 {"retry_countdown", t.retry_countdown},
                 {"queue", t.queue},
                 {"throttling_seconds", t.throttling ? json(t.throttling->seconds) : json(nullptr)},
                 {"selective_run_function",
                  {{"import", t.selective_run_function.import}, {"name", t.selective_run_function.name}}},
                 {"timeout", t.timeout ? json(*t.timeout) : json(nullptr)},
                 {"defined_at", location(t.loc)}};
    tasks.push_back(task);
  }
  json storages = json::array();
  for (const auto& s : system.storages) {
    storages.push_back({{"name", s.name},
                        {"import", s.import},
                        {"classname", s.classname},
                        {"configuration", s.configuration},
                        {"cache", cache(s.cache)},
                        {"defined_at", location(s.loc)}});
  }
  json flows = json::array();
  for (const auto& f : system.flows) {
    json edges = json::array();
    for (const auto& e : f.edges) {
      json edge = {{"index", e.index}, {"from", names(e.from)}, {"to", names(e.to)},
                   {"condition", condition_to_json(e.condition)}};
      if (e.foreach) {
        edge["foreach"] = {{"import", e.foreach->function.import},
                           {"function", e.foreach->function.name},
                           {"propagate_result", e.foreach->propagate_result}};
      }
      if (e.selective) {
        json subsequent = e.selective->run_subsequent_all ? json(true)
                          : e.selective->run_subsequent.empty() ? json(false)
                                                                : names(e.selective->run_subsequent);
        edge["selective"] = {{"tasks", e.selective->tasks},
                             {"run_subsequent", subsequent},
                             {"follow_subflows", e.selective->follow_subflows}};
      }
      edge["defined_at"] = location(e.loc);
      edges.push_back(edge);
    }
    json failures = json::array();
    for (const auto& fl : f.failures) {
      failures.push_back({{"nodes", names(fl.nodes)},
                          {"fallback", fl.fallback_true ? json(true) : names(fl.fallback)},
                          {"condition", condition_to_json(fl.condition)},
                          {"propagate_failure", fl.propagate_failure}});
    }
    flows.push_back({{"name", f.name},
                     {"queue", f.queue},
                     {"edges", edges},
                     {"failures", failures},
                     {"nowait", names(f.nowait)},
                     {"eager_failures", f.eager_all ? json(true) : names(f.eager_failures)},
                     {"cache", cache(f.cache)},
                     {"sampling", {{"name", f.sampling.name}, {"import", f.sampling.import}, {"args", f.sampling.args}}},
                     {"throttling_seconds", f.throttling ? json(f.throttling->seconds) : json(nullptr)},
                     {"node_args_from_first", f.node_args_from_first},
                     {"propagate_node_args", selector(f.propagate_node_args)},
                     {"propagate_parent", selector(f.propagate_parent)},
                     {"propagate_parent_failures", selector(f.propagate_parent_failures)},
                     {"propagate_finished", selector(f.propagate_finished)},
                     {"propagate_compound_finished", selector(f.propagate_compound_finished)},
                     {"propagate_failures", selector(f.propagate_failures)},
                     {"propagate_compound_failures", selector(f.propagate_compound_failures)},
                     {"max_retry", f.max_retry},
                     {"retry_countdown", f.retry_countdown},
                     {"defined_at", location(f.definition_loc)}});
  }
  const auto& g = system.global;
  json trace = {{"logging", g.trace.logging}, {"json", g.trace.json}};
  json functions = json::array();
  for (const auto& fn : g.trace.functions) functions.push_back({{"import", fn.import}, {"name", fn.name}});
  trace["functions"] = functions;
  json trace_storages = json::array();
  for (const auto& ts : g.trace.storages) trace_storages.push_back({{"name", ts.storage.value}, {"method", ts.method}});
  trace["storages"] = trace_storages;
  json sentry = json::array();
  for (const auto& dsn : g.trace.sentry_dsns) sentry.push_back(dsn.value);
  trace["sentry"] = sentry;
  json global = {{"predicates_module", g.predicates_module ? json(*g.predicates_module) : json(nullptr)},
                 {"default_task_queue", g.default_task_queue},
                 {"default_dispatcher_queue", g.default_dispatcher_queue},
                 {"migration_dir", g.migration_dir ? json(*g.migration_dir) : json(nullptr)},
                 {"trace", trace}};
  return {{"tasks", tasks}, {"storages", storages}, {"flows", flows}, {"global", global}, {"files", system.files}};
}

}  // namespace selinon::inspect
