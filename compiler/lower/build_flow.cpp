// Flow definitions (spec §1.7): flow-level keys, edges, failures, sampling, propagate_* selectors.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "lower/build_nodes.hpp"

namespace selinon::model {
namespace {

struct StrategyInfo {
  std::string_view name;
  std::vector<std::string_view> args;
};

const std::vector<StrategyInfo>& builtin_strategies() {
  static const std::vector<StrategyInfo> strategies = {
      {"biexponential_increase", {"start_retry", "max_retry"}},
      {"biexponential_decrease", {"start_retry", "stop_retry"}},
      {"biexponential_adapt", {"start_retry", "max_retry"}},
      {"linear_increase", {"start_retry", "max_retry", "step"}},
      {"linear_adapt", {"start_retry", "max_retry", "step"}},
      {"random", {"start_retry", "max_retry"}},
      {"constant", {"retry"}},
  };
  return strategies;
}

class FlowBuilder {
 public:
  FlowBuilder(BuildContext& ctx, System& system, Flow& flow) : ctx_(ctx), system_(system), flow_(flow) {}

  void build(const YamlValue& def) {
    ctx_.reject_unknown_keys(def,
                             {"name", "edges", "failures", "nowait", "eager_failures", "cache", "sampling",
                              "throttling", "node_args_from_first", "propagate_node_args", "propagate_parent",
                              "propagate_parent_failures", "propagate_finished", "propagate_compound_finished",
                              "propagate_failures", "propagate_compound_failures", "propagate_compound_parent_failures",
                              "queue", "max_retry", "retry_countdown"},
                             fmt::format("for flow '{}'", flow_.name));
    const YamlValue* edges = def.find("edges");
    if (!edges || !edges->is_seq() || edges->items.empty()) {
      ctx_.error(edges ? edges->loc : flow_.definition_loc, "no-edges",
                 fmt::format("no flow edges provided in flow '{}'; 'edges' must be a non-empty list", flow_.name));
    } else {
      for (const auto& item : edges->items) edge(item, static_cast<int>(flow_.edges.size()));
    }
    if (const YamlValue* failures = def.find("failures"); failures && !failures->is_null()) {
      if (!failures->is_seq()) {
        ctx_.error(failures->loc, "bad-failure",
                   fmt::format("'failures' of flow '{}' should be a list of {{nodes, fallback}} entries", flow_.name));
      } else {
        for (const auto& item : failures->items) failure(item);
      }
    }
    if (const YamlValue* nowait = def.find("nowait"); nowait && !nowait->is_null()) {
      flow_.nowait = known_nodes(ctx_.names_of(*nowait, "nowait entry"), "nowait");
    }
    if (const YamlValue* eager = def.find("eager_failures"); eager && !eager->is_null()) {
      if (eager->is_bool()) {
        flow_.eager_all = eager->bool_value;
      } else {
        flow_.eager_failures = known_nodes(ctx_.names_of(*eager, "eager_failures entry"), "eager_failures");
      }
    }
    if (const YamlValue* cache = def.find("cache")) flow_.cache = ctx_.cache_of(*cache, flow_.name, "flow");
    if (const YamlValue* sampling = def.find("sampling")) this->sampling(*sampling);
    if (const YamlValue* throttling = def.find("throttling")) flow_.throttling = ctx_.throttling_of(*throttling, flow_.name);
    if (const YamlValue* v = def.find("node_args_from_first")) {
      flow_.node_args_from_first = v->truthy();
      flow_.node_args_from_first_loc = v->loc;
    }
    selector(def, "propagate_node_args", flow_.propagate_node_args);
    selector(def, "propagate_parent", flow_.propagate_parent);
    selector(def, "propagate_parent_failures", flow_.propagate_parent_failures);
    selector(def, "propagate_finished", flow_.propagate_finished);
    selector(def, "propagate_compound_finished", flow_.propagate_compound_finished);
    selector(def, "propagate_failures", flow_.propagate_failures);
    selector(def, "propagate_compound_failures", flow_.propagate_compound_failures);
    if (def.find("propagate_compound_parent_failures")) {
      // Named by the product's failure model; Selinon has no such key, so it shares propagate_parent_failures.
      FlowSelector compound;
      selector(def, "propagate_compound_parent_failures", compound);
      if (compound.all) flow_.propagate_parent_failures.all = true;
      for (auto& f : compound.flows) flow_.propagate_parent_failures.flows.push_back(f);
      flow_.propagate_parent_failures.given = true;
    }
    if (const YamlValue* queue = def.find("queue"); queue && !queue->is_null()) {
      if (auto s = ctx_.string_of(*queue, fmt::format("queue of flow '{}'", flow_.name));
          s && ctx_.check_template(*queue, fmt::format("queue of flow '{}'", flow_.name))) {
        flow_.queue = *s;
        flow_.queue_loc = queue->loc;
      }
    }
    if (const YamlValue* v = def.find("max_retry")) {
      if (auto n = ctx_.count_of(*v, fmt::format("max_retry of flow '{}'", flow_.name), 0)) flow_.max_retry = *n;
    }
    if (const YamlValue* v = def.find("retry_countdown")) {
      if (auto n = ctx_.count_of(*v, fmt::format("retry_countdown of flow '{}'", flow_.name), 0)) {
        flow_.retry_countdown = *n;
      }
    }
  }

 private:
  // Keeps the names that are tasks or flows of the system, reporting the others.
  std::vector<Name> known_nodes(std::vector<Name> names, std::string_view what) {
    std::vector<Name> known;
    for (auto& n : names) {
      if (system_.is_task(n.value) || system_.is_flow(n.value)) {
        known.push_back(std::move(n));
      } else {
        ctx_.error(n.loc, "unknown-node",
                   fmt::format("{} names '{}', which is not a task or flow of this system", what, n.value));
      }
    }
    return known;
  }

  void edge(const YamlValue& item, int index) {
    Edge e;
    e.index = index;
    e.loc = item.loc;
    if (!item.is_map()) {
      ctx_.error(item.loc, "bad-edge", fmt::format("an edge of flow '{}' should be a mapping with from and to",
                                                   flow_.name));
      flow_.edges.push_back(std::move(e));  // keep indexes stable
      return;
    }
    const YamlValue* from = item.find("from");
    std::vector<Name> written_from;  // as written, unknown names included, so conditions bind without cascades
    if (!from) {
      ctx_.error(item.loc, "edge-missing-from",
                 "edge definition requires 'from' explicitly; leave it empty ('from:') for a starting edge");
    } else if (from->truthy()) {
      written_from = ctx_.names_of(*from, "edge source");
      e.from = known_nodes(written_from, "edge source");
      e.unknown_sources = static_cast<int>(written_from.size() - e.from.size());
    }
    const YamlValue* to = item.find("to");
    if (!to || !to->truthy()) {
      ctx_.error(to ? to->loc : item.loc, "edge-missing-to", "edge definition requires 'to' with at least one node");
    } else {
      e.to = known_nodes(ctx_.names_of(*to, "edge destination"), "edge destination");
    }
    if (const YamlValue* condition = item.find("condition")) {
      e.condition = build_condition(ctx_, *condition, written_from, flow_.name, false);
    }
    if (const YamlValue* foreach = item.find("foreach")) this->foreach(*foreach, e);
    if (const YamlValue* selective = item.find("selective")) this->selective(*selective, e);
    ctx_.reject_unknown_keys(item, {"from", "to", "condition", "foreach", "selective"},
                             [&] { return fmt::format("for an edge in flow '{}'", flow_.name); });
    flow_.edges.push_back(std::move(e));
  }

  void foreach(const YamlValue& value, Edge& e) {
    const YamlValue* function = value.is_map() ? value.find("function") : nullptr;
    const YamlValue* import = value.is_map() ? value.find("import") : nullptr;
    if (!function || !import) {
      ctx_.error(value.loc, "bad-foreach",
                 fmt::format("'foreach' requires 'function' and 'import' in flow '{}', got {}", flow_.name,
                             value.python_repr()));
      return;
    }
    ctx_.reject_unknown_keys(value, {"function", "import", "propagate_result"},
                             fmt::format("for foreach in flow '{}'", flow_.name));
    Foreach f;
    f.loc = value.loc;
    if (auto s = ctx_.string_of(*function, "foreach function name")) f.function.name = *s;
    if (auto s = ctx_.string_of(*import, "foreach import")) f.function.import = *s;
    f.function.loc = function->loc;
    if (const YamlValue* propagate = value.find("propagate_result")) {
      if (auto b = ctx_.bool_of(*propagate, fmt::format("propagate_result of foreach in flow '{}'", flow_.name))) {
        f.propagate_result = *b;
      }
    }
    e.foreach = std::move(f);
  }

  void selective(const YamlValue& value, Edge& e) {
    if (!value.is_map()) {
      ctx_.error(value.loc, "bad-selective",
                 fmt::format("'selective' of an edge in flow '{}' should be a mapping with 'tasks'", flow_.name));
      return;
    }
    ctx_.reject_unknown_keys(value, {"tasks", "run_subsequent", "follow_subflows"},
                             fmt::format("for selective flow run in flow '{}'", flow_.name));
    Selective s;
    s.loc = value.loc;
    const YamlValue* tasks = value.find("tasks");
    if (!tasks) {
      ctx_.error(value.loc, "bad-selective",
                 fmt::format("selective sub-flow runs need 'tasks' (the task names to run) in flow '{}'", flow_.name));
    } else if (!tasks->is_seq() ||
               !std::all_of(tasks->items.begin(), tasks->items.end(), [](const YamlValue& v) { return v.is_string(); })) {
      ctx_.error(tasks->loc, "bad-selective",
                 fmt::format("'tasks' of a selective run should be a list of task names in flow '{}', got {}",
                             flow_.name, tasks->python_repr()));
    } else {
      for (const auto& t : tasks->items) s.tasks.push_back(t.text);
    }
    if (const YamlValue* subsequent = value.find("run_subsequent")) {
      if (subsequent->is_bool()) {
        s.run_subsequent_all = subsequent->bool_value;
      } else if (subsequent->is_seq()) {
        for (auto& n : ctx_.names_of(*subsequent, "run_subsequent entry")) {
          if (!system_.is_flow(n.value)) {
            ctx_.error(n.loc, "unknown-flow", fmt::format("run_subsequent names '{}', which is not a flow", n.value));
          } else {
            s.run_subsequent.push_back(std::move(n));
          }
        }
      } else {
        ctx_.error(subsequent->loc, "bad-selective",
                   fmt::format("'run_subsequent' requires true/false or a list of flow names in flow '{}', got {}",
                               flow_.name, subsequent->python_repr()));
      }
    }
    if (const YamlValue* follow = value.find("follow_subflows")) {
      if (auto b = ctx_.bool_of(*follow, "'follow_subflows'")) s.follow_subflows = *b;
    }
    e.selective = std::move(s);
  }

  void failure(const YamlValue& item) {
    Failure f;
    f.loc = item.loc;
    if (!item.is_map()) {
      ctx_.error(item.loc, "bad-failure",
                 fmt::format("a failure entry of flow '{}' should be a mapping with nodes and fallback", flow_.name));
      return;
    }
    ctx_.reject_unknown_keys(item, {"nodes", "fallback", "condition", "propagate_failure"},
                             [&] { return fmt::format("in a failure of flow '{}'", flow_.name); });
    const YamlValue* nodes = item.find("nodes");
    const YamlValue* fallback = item.find("fallback");
    if (!nodes || nodes->is_null()) {
      ctx_.error(nodes ? nodes->loc : item.loc, "bad-failure",
                 fmt::format("a failure should state 'nodes' to fall back from in flow '{}'", flow_.name));
      return;
    }
    if (nodes->is_seq() && nodes->items.empty()) {
      flow_.failures_without_nodes.push_back(nodes->loc);  // Selinon accepts it; it can never match a failure
      return;
    }
    if (!fallback) {
      ctx_.error(item.loc, "bad-failure", fmt::format("no fallback stated in a failure of flow '{}'; add "
                                                      "'fallback:' (node names, or true to ignore the failure)",
                                                      flow_.name));
      return;
    }
    std::set<std::string> seen;
    const std::vector<Name> written_nodes = ctx_.names_of(*nodes, "failure node");
    for (auto n : written_nodes) {
      if (!seen.insert(n.value).second) {
        ctx_.error(n.loc, "bad-failure",
                   fmt::format("node '{}' is listed twice in the same failure of flow '{}'", n.value, flow_.name));
        continue;
      }
      if (!system_.is_task(n.value) && !system_.is_flow(n.value)) {
        ctx_.error(n.loc, "unknown-node",
                   fmt::format("no such node '{}' in failure of flow '{}'", n.value, flow_.name));
        continue;
      }
      f.nodes.push_back(std::move(n));
    }
    if (fallback->is_bool() && fallback->bool_value) {
      f.fallback_true = true;
    } else if (fallback->is_bool()) {
      ctx_.error(fallback->loc, "unknown-node",
                 fmt::format("'fallback: false' in flow '{}' names no node; give fallback nodes, or 'true' to ignore "
                             "the failure",
                             flow_.name));
    } else if (fallback->is_seq() && fallback->items.empty()) {
      // Selinon accepts it and, starting nothing, absorbs the failure exactly like `fallback: true`.
      f.empty_fallback_loc = fallback->loc;
      f.fallback_true = true;
    } else {
      for (auto& n : ctx_.names_of(*fallback, "fallback node")) {
        if (!system_.is_task(n.value) && !system_.is_flow(n.value)) {
          ctx_.error(n.loc, "unknown-node",
                     fmt::format("no such node '{}' in failure fallback of flow '{}'", n.value, flow_.name));
          continue;
        }
        f.fallback.push_back(std::move(n));
      }
    }
    if (f.nodes.size() == 1 && f.fallback.size() == 1 && f.nodes[0].value == f.fallback[0].value) {
      ctx_.error(f.fallback[0].loc, "cyclic-fallback",
                 fmt::format("node '{}' is its own fallback in flow '{}'; a failed node cannot recover itself",
                             f.nodes[0].value, flow_.name));
    }
    if (const YamlValue* condition = item.find("condition")) {
      f.condition = build_condition(ctx_, *condition, written_nodes, flow_.name, true);
    }
    if (const YamlValue* propagate = item.find("propagate_failure")) {
      if (auto b = ctx_.bool_of(*propagate, "'propagate_failure' of a failure")) {
        f.propagate_failure = *b;
        if (*b && f.fallback_true) {
          ctx_.error(propagate->loc, "bad-failure",
                     fmt::format("misleading failure in flow '{}': propagate_failure and 'fallback: true' cannot be "
                                 "set at the same time",
                                 flow_.name));
        }
      }
    }
    flow_.failures.push_back(std::move(f));
  }

  void sampling(const YamlValue& value) {
    if (!value.truthy()) return;
    if (!value.is_map()) {
      ctx_.error(value.loc, "bad-sampling",
                 fmt::format("sampling strategy of flow '{}' should be a mapping {{name, args}}, got {}", flow_.name,
                             value.python_repr()));
      return;
    }
    ctx_.reject_unknown_keys(value, {"name", "import", "args"},
                             fmt::format("for the sampling strategy of flow '{}'", flow_.name));
    Sampling s;
    s.loc = value.loc;
    s.args = Json::object();
    const YamlValue* name = value.find("name");
    if (!name) {
      ctx_.error(value.loc, "bad-sampling",
                 fmt::format("sampling strategy of flow '{}' has no 'name'", flow_.name));
      return;
    }
    if (auto n = ctx_.string_of(*name, "sampling strategy name")) s.name = *n;
    if (const YamlValue* import = value.find("import")) {
      if (auto i = ctx_.string_of(*import, "sampling strategy import")) s.import = *i;
    }
    std::vector<std::pair<std::string, Loc>> given;
    if (const YamlValue* args = value.find("args"); args && !args->is_null()) {
      if (!args->is_map()) {
        ctx_.error(args->loc, "bad-sampling",
                   fmt::format("arguments of the sampling strategy of flow '{}' should be a mapping, got {}",
                               flow_.name, args->python_repr()));
        return;
      }
      s.args = args->to_json();
      for (const auto& [k, v] : args->entries) given.emplace_back(k.is_string() ? k.text : k.python_repr(), k.loc);
    }
    if (s.import == "selinon.strategies") {
      const auto& all = builtin_strategies();
      auto it = std::find_if(all.begin(), all.end(), [&](const StrategyInfo& i) { return i.name == s.name; });
      if (it == all.end()) {
        ctx_.error(name->loc, "bad-sampling",
                   fmt::format("unknown sampling strategy '{}'; built in are biexponential_increase, "
                               "biexponential_decrease, biexponential_adapt, linear_increase, linear_adapt, random and "
                               "constant",
                               s.name));
        return;
      }
      for (auto arg : it->args) {
        if (!s.args.contains(std::string(arg))) {
          ctx_.error(value.loc, "bad-sampling",
                     fmt::format("sampling strategy '{}' of flow '{}' needs argument '{}'", s.name, flow_.name, arg));
        }
      }
      for (const auto& [arg, loc] : given) {
        if (std::find(it->args.begin(), it->args.end(), arg) == it->args.end()) {
          ctx_.error(loc, "bad-sampling",
                     fmt::format("sampling strategy '{}' takes no argument '{}'", s.name, arg));
        } else if (!s.args[arg].is_number()) {
          ctx_.error(loc, "bad-sampling",
                     fmt::format("argument '{}' of sampling strategy '{}' should be a number", arg, s.name));
        }
      }
    }
    flow_.sampling = std::move(s);
  }

  void selector(const YamlValue& def, std::string_view key, FlowSelector& out) {
    const YamlValue* value = def.find(key);
    if (!value) return;
    out.given = true;
    out.loc = value->loc;
    if (value->is_bool()) {
      out.all = value->bool_value;
      return;
    }
    if (value->is_null()) return;
    for (auto& n : ctx_.names_of(*value, std::string(key) + " entry")) {
      if (!system_.is_flow(n.value)) {
        ctx_.error(n.loc, "unknown-flow",
                   fmt::format("{} of flow '{}' names '{}', which is not a flow of this system", key, flow_.name,
                               n.value));
        continue;
      }
      out.flows.push_back(std::move(n));
    }
  }

  BuildContext& ctx_;
  System& system_;
  Flow& flow_;
};

}  // namespace

void build_flow_definition(BuildContext& ctx, const YamlValue& definition, System& system) {
  if (!definition.is_map()) {
    ctx.error(definition.loc, "bad-type", "a flow definition should be a mapping with name and edges");
    return;
  }
  const YamlValue* name = definition.find("name");
  if (!name || !name->truthy()) {
    ctx.error(definition.loc, "flow-definition-without-name", "no flow name provided in the flow definition");
    return;
  }
  if (!name->is_string()) {
    ctx.error(name->loc, "invalid-name", fmt::format("flow name should be a string, got {}", name->python_repr()));
    return;
  }
  Flow* flow = nullptr;
  for (auto& f : system.flows) {
    if (f.name == name->text) flow = &f;
  }
  if (!flow) {
    ctx.error(name->loc, "unknown-flow",
              fmt::format("flow '{}' is defined here but not listed under 'flows' in the nodes file", name->text));
    return;
  }
  if (flow->defined) {
    ctx.error(name->loc, "duplicate-flow-definition", fmt::format("multiple definitions of flow '{}'", flow->name));
    ctx.sink().note(flow->definition_loc, "previous definition is here");
    return;
  }
  flow->defined = true;
  flow->definition_loc = name->loc;
  FlowBuilder(ctx, system, *flow).build(definition);
}

}  // namespace selinon::model
