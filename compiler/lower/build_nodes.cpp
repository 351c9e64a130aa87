// The nodes file: storages, global settings, tasks and the flow list (spec §1.2-§1.6).
#include "lower/build_nodes.hpp"

#include <fmt/format.h>

namespace selinon::model {
namespace {

const Storage* find_storage(const System& system, const std::string& name) { return system.storage(name); }

// `kind` is what is being added ("task" or "flow"); the advice depends on whether it clashes with its own kind.
void report_duplicate_node(BuildContext& ctx, const System& system, const std::string& name, const Loc& loc,
                           std::string_view kind) {
  if (const Task* task = system.task(name)) {
    ctx.error(loc, "duplicate-node",
              kind == "task" ? fmt::format("task '{}' is defined twice; rename or remove one of the definitions", name)
                             : fmt::format("a task named '{}' already exists; task and flow names share one name "
                                           "space, rename one of them",
                                           name));
    ctx.sink().note(task->loc, fmt::format("task '{}' is defined here", name));
  } else if (const Flow* flow = system.flow(name)) {
    ctx.error(loc, "duplicate-node",
              kind == "flow" ? fmt::format("flow '{}' is listed twice under 'flows'; remove one of the entries", name)
                             : fmt::format("a flow named '{}' already exists; task and flow names share one name "
                                           "space, rename one of them",
                                           name));
    ctx.sink().note(flow->loc, fmt::format("flow '{}' is listed here", name));
  }
}

}  // namespace

void build_storages(BuildContext& ctx, const YamlValue& list, System& system) {
  if (list.is_null()) return;
  if (!list.is_seq()) {
    ctx.error(list.loc, "bad-type", "'storages' should be a list of storage definitions");
    return;
  }
  for (const auto& entry : list.items) {
    if (!entry.is_map()) {
      ctx.error(entry.loc, "bad-type", "a storage definition should be a mapping with name, import and configuration");
      continue;
    }
    Storage storage;
    storage.loc = entry.loc;
    const YamlValue* name = entry.find("name");
    if (!name || !name->truthy()) {
      ctx.error(entry.loc, "missing-key", "storage name definition is mandatory; add 'name:' to this storage");
      continue;
    }
    auto name_text = ctx.string_of(*name, "storage name");
    if (!name_text) continue;
    storage.name = *name_text;
    storage.loc = name->loc;
    ctx.reject_unknown_keys(entry, {"name", "import", "classname", "configuration", "cache"},
                            fmt::format("for storage '{}'", storage.name));
    const YamlValue* import = entry.find("import");
    if (!import || !import->truthy()) {
      ctx.error(storage.loc, "missing-key",
                fmt::format("storage import definition is mandatory, storage '{}'; add 'import:' naming its module "
                            "(header)",
                            storage.name));
    } else if (auto s = ctx.string_of(*import, fmt::format("import of storage '{}'", storage.name))) {
      storage.import = *s;
    }
    storage.classname = storage.name;
    if (const YamlValue* cls = entry.find("classname")) {
      if (auto s = ctx.string_of(*cls, fmt::format("classname of storage '{}'", storage.name))) storage.classname = *s;
    }
    const YamlValue* configuration = entry.find("configuration");
    if (!configuration || !configuration->truthy()) {
      ctx.error(configuration ? configuration->loc : storage.loc, "missing-key",
                fmt::format("storage configuration definition is mandatory and may not be empty, storage '{}'",
                            storage.name));
    } else {
      storage.configuration = configuration->to_json();
    }
    if (const YamlValue* cache = entry.find("cache")) {
      storage.cache = ctx.cache_of(*cache, storage.name, "storage");
      storage.cache_given = true;
    }
    if (const Storage* previous = find_storage(system, storage.name)) {
      ctx.error(storage.loc, "duplicate-storage",
                fmt::format("storage '{}' is defined twice; Python Selinon would bind tasks to the first definition "
                            "but run with the last, so rename or remove one",
                            storage.name));
      ctx.sink().note(previous->loc, "first definition is here");
      continue;
    }
    system.storages.push_back(std::move(storage));
  }
}

void build_trace(BuildContext& ctx, const YamlValue& value, System& system) {
  TraceConfig& trace = system.global.trace;
  if (value.is_null()) {
    ctx.error(value.loc, "bad-trace",
              "trace is not defined properly in the global section: give false, or a list of backends such as "
              "[{logging: true}, {json: true}]");
    return;
  }
  if (value.is_bool() && !value.bool_value) return;
  std::vector<const YamlValue*> entries;
  if (value.is_seq()) {
    for (const auto& item : value.items) entries.push_back(&item);
  } else {
    entries.push_back(&value);
  }
  for (const YamlValue* entry : entries) {
    if (!entry->is_map()) {
      ctx.error(entry->loc, "bad-trace",
                fmt::format("a trace entry should be a mapping such as {{logging: true}}, got {}",
                            entry->python_repr()));
      continue;
    }
    for (const auto& [key, v] : entry->entries) {
      if (!key.is_string() ||
          (key.text != "logging" && key.text != "function" && key.text != "storage" && key.text != "sentry" &&
           key.text != "json")) {
        ctx.warning(key.loc, "ignored-key",
                    fmt::format("trace option {} is not known and is ignored (known: logging, json, function, "
                                "storage, sentry)",
                                key.python_repr()));
      }
    }
    if (const YamlValue* logging = entry->find("logging")) {
      if (logging->is_bool() && logging->bool_value) {
        trace.logging = true;
      } else if (!(logging->is_bool())) {
        ctx.warning(logging->loc, "ignored-key",
                    fmt::format("trace option 'logging' is {}, which is ignored; only 'logging: true' enables the logging tracer",
                                logging->python_repr()));
      }
    }
    if (const YamlValue* function = entry->find("function")) {
      if (!function->is_map()) {
        ctx.error(function->loc, "bad-trace",
                  fmt::format("configuration of the trace function expects a mapping {{import, name}}, got {}",
                              function->python_repr()));
      } else {
        ctx.reject_unknown_keys(*function, {"import", "name"}, "for the trace function");
        const YamlValue* import = function->find("import");
        const YamlValue* name = function->find("name");
        if (!import) ctx.error(function->loc, "missing-key", "expected 'import' in the trace function configuration");
        if (!name) ctx.error(function->loc, "missing-key", "expected 'name' in the trace function configuration");
        if (import && name) {
          auto i = ctx.string_of(*import, "trace function import");
          auto n = ctx.string_of(*name, "trace function name");
          if (i && n) trace.functions.push_back({*i, *n, function->loc});
        }
      }
    }
    if (const YamlValue* storage = entry->find("storage")) {
      if (!storage->is_map()) {
        ctx.error(storage->loc, "bad-trace",
                  fmt::format("configuration of storage trace expects a mapping {{name, method}}, got {}",
                              storage->python_repr()));
      } else {
        ctx.reject_unknown_keys(*storage, {"name", "method"}, "for storage tracing");
        const YamlValue* name = storage->find("name");
        if (!name) {
          ctx.error(storage->loc, "missing-key", "expected storage 'name' in the tracing configuration");
        } else if (auto n = ctx.string_of(*name, "trace storage name")) {
          TraceStorage ts{{*n, name->loc}, "trace"};
          if (const YamlValue* method = storage->find("method")) {
            if (auto m = ctx.string_of(*method, "trace storage method")) ts.method = *m;
          }
          if (!system.storage(*n)) {
            ctx.error(name->loc, "unknown-storage",
                      fmt::format("storage '{}' used for tracing is not defined under 'storages'", *n));
          }
          trace.storages.push_back(std::move(ts));
        }
      }
    }
    if (const YamlValue* sentry = entry->find("sentry")) {
      if (!sentry->is_map()) {
        ctx.error(sentry->loc, "bad-trace",
                  fmt::format("configuration of Sentry tracing expects a mapping {{dsn}}, got {}", sentry->python_repr()));
      } else {
        ctx.reject_unknown_keys(*sentry, {"dsn"}, "for Sentry tracing");
        const YamlValue* dsn = sentry->find("dsn");
        if (!dsn || !dsn->is_string() || dsn->text.empty()) {
          ctx.error(dsn ? dsn->loc : sentry->loc, "bad-trace", "Sentry's dsn has to be a non-empty string");
        } else {
          trace.sentry_dsns.push_back({dsn->text, dsn->loc});
        }
      }
    }
    if (const YamlValue* json = entry->find("json")) {
      if (auto b = ctx.bool_of(*json, "'json' trace option"); b && *b && !trace.json) {
        trace.json = true;
        trace.json_loc = json->loc;
      }
    }
  }
}

void build_global(BuildContext& ctx, const YamlValue& map, System& system) {
  if (map.is_null()) return;
  if (!map.is_map()) {
    ctx.error(map.loc, "bad-type", "'global' should be a mapping of global settings");
    return;
  }
  ctx.reject_unknown_keys(map,
                          {"predicates_module", "default_task_queue", "default_dispatcher_queue", "migration_dir",
                           "trace"},
                          "in the global configuration section");
  Global& global = system.global;
  if (const YamlValue* v = map.find("predicates_module")) {
    if (auto s = ctx.string_of(*v, "predicates_module")) global.predicates_module = *s;
  }
  if (const YamlValue* v = map.find("default_task_queue")) {
    if (auto s = ctx.string_of(*v, "default_task_queue"); s && ctx.check_template(*v, "default task queue")) {
      global.default_task_queue = *s;
    }
  }
  if (const YamlValue* v = map.find("default_dispatcher_queue")) {
    if (auto s = ctx.string_of(*v, "default_dispatcher_queue"); s && ctx.check_template(*v, "default dispatcher queue")) {
      global.default_dispatcher_queue = *s;
    }
  }
  if (const YamlValue* v = map.find("migration_dir")) {
    if (auto s = ctx.string_of(*v, "migration_dir"); s && ctx.check_template(*v, "migration directory")) {
      global.migration_dir = *s;
    }
  }
  if (const YamlValue* v = map.find("trace")) build_trace(ctx, *v, system);
}

namespace {

void build_task(BuildContext& ctx, const YamlValue& entry, System& system) {
  const YamlValue* name = entry.find("name");
  if (!name || !name->truthy()) {
    ctx.error(name ? name->loc : entry.loc, "missing-key", "task name definition is mandatory; add 'name:'");
    return;
  }
  if (!name->is_string() || !is_valid_node_name(name->text)) {
    ctx.error(name->loc, "invalid-name",
              fmt::format("invalid node name {}; task and flow names must match [_a-zA-Z][_a-zA-Z0-9]*",
                          name->python_repr()));
    return;
  }
  Task task;
  task.name = name->text;
  task.loc = name->loc;
  ctx.reject_unknown_keys(entry,
                          {"name", "import", "classname", "storage", "storage_task_name", "storage_readonly",
                           "storage_read_only", "output_schema", "max_retry", "retry_countdown", "queue", "throttling",
                           "selective_run_function", "timeout"},
                          [&] { return fmt::format("for task '{}'", task.name); });
  const YamlValue* import = entry.find("import");
  if (!import || !import->truthy()) {
    ctx.error(task.loc, "missing-key",
              fmt::format("task import definition is mandatory for task '{}'; add 'import:' naming its module "
                          "(header)",
                          task.name));
  } else if (auto s = ctx.string_of(*import, fmt::format("import path of task '{}'", task.name))) {
    task.import = *s;
  }
  task.classname = task.name;
  if (const YamlValue* cls = entry.find("classname")) {
    if (auto s = ctx.string_of(*cls, fmt::format("classname of task '{}'", task.name))) task.classname = *s;
  }
  if (const YamlValue* storage = entry.find("storage"); storage && !storage->is_null()) {
    if (auto s = ctx.string_of(*storage, fmt::format("storage of task '{}'", task.name))) {
      if (!system.storage(*s)) {
        ctx.error(storage->loc, "unknown-storage",
                  fmt::format("storage '{}' of task '{}' is not defined under 'storages'", *s, task.name));
      }
      task.storage = Name{*s, storage->loc};
    }
  }
  task.storage_task_name = task.name;
  if (const YamlValue* alias = entry.find("storage_task_name")) {
    if (!task.storage) {
      ctx.error(alias->loc, "storage-task-name-without-storage",
                fmt::format("storage_task_name given for task '{}', but the task has no storage assigned", task.name));
    } else if (auto s = ctx.string_of(*alias, fmt::format("storage_task_name of task '{}'", task.name))) {
      task.storage_task_name = *s;
    }
  }
  const YamlValue* readonly = entry.find("storage_readonly");
  const YamlValue* read_only = entry.find("storage_read_only");
  if (readonly && read_only) {
    ctx.error(read_only->loc, "duplicate-option",
              fmt::format("task '{}' gives both storage_readonly and storage_read_only; they are two spellings of one "
                          "option, keep one",
                          task.name));
  }
  if (const YamlValue* flag = readonly ? readonly : read_only) {
    if (auto b = ctx.bool_of(*flag, fmt::format("storage read-only flag of task '{}'", task.name))) {
      task.storage_readonly = *b;
    }
  }
  if (const YamlValue* schema = entry.find("output_schema"); schema && !schema->is_null()) {
    if (auto s = ctx.string_of(*schema, fmt::format("output schema of task '{}'", task.name))) task.output_schema = *s;
  }
  const YamlValue* max_retry = entry.find("max_retry");
  if (max_retry) {
    if (auto n = ctx.count_of(*max_retry, fmt::format("max_retry of task '{}'", task.name), 0)) task.max_retry = *n;
  }
  if (const YamlValue* countdown = entry.find("retry_countdown")) {
    if (auto n = ctx.count_of(*countdown, fmt::format("retry_countdown of task '{}'", task.name), 0)) {
      task.retry_countdown = *n;
      if (task.max_retry == 0 && !countdown->is_null()) {
        ctx.warning(countdown->loc, "retry-countdown-without-retry",
                    fmt::format("retry_countdown of task '{}' has no effect because max_retry is 0", task.name));
      }
    }
  }
  task.queue = system.global.default_task_queue;
  if (const YamlValue* queue = entry.find("queue"); queue && !queue->is_null()) {
    if (auto s = ctx.string_of(*queue, fmt::format("queue of task '{}'", task.name));
        s && ctx.check_template(*queue, fmt::format("queue of task '{}'", task.name))) {
      task.queue = *s;
      task.queue_loc = queue->loc;
    }
  }
  if (const YamlValue* throttling = entry.find("throttling")) task.throttling = ctx.throttling_of(*throttling, task.name);
  if (const YamlValue* fn = entry.find("selective_run_function"); fn && fn->truthy()) {
    if (!fn->is_map()) {
      ctx.error(fn->loc, "bad-type",
                fmt::format("selective_run_function of task '{}' should be a mapping {{name, import}}", task.name));
    } else {
      ctx.reject_unknown_keys(*fn, {"name", "import"},
                              fmt::format("for the selective run function of task '{}'", task.name));
      task.selective_run_function.loc = fn->loc;
      if (const YamlValue* n = fn->find("name")) {
        if (auto s = ctx.string_of(*n, "selective run function name")) task.selective_run_function.name = *s;
      }
      if (const YamlValue* i = fn->find("import")) {
        if (auto s = ctx.string_of(*i, "selective run function import")) task.selective_run_function.import = *s;
      }
    }
  }
  if (const YamlValue* timeout = entry.find("timeout"); timeout && !timeout->is_null()) {
    double seconds = timeout->is_int() ? static_cast<double>(timeout->int_value) : timeout->float_value;
    if (!timeout->is_number() || !(seconds > 0)) {
      ctx.error(timeout->loc, "bad-type",
                fmt::format("timeout of task '{}' should be a positive number of seconds, got {}", task.name,
                            timeout->python_repr()));
    } else {
      task.timeout = seconds;
    }
  }
  if (system.task(task.name)) {
    report_duplicate_node(ctx, system, task.name, task.loc, "task");
    return;
  }
  system.tasks.push_back(std::move(task));
}

}  // namespace

void build_tasks(BuildContext& ctx, const YamlValue& list, System& system) {
  if (!list.is_seq()) {
    ctx.error(list.loc, "bad-type", "'tasks' should be a list of task definitions");
    return;
  }
  for (const auto& entry : list.items) {
    if (!entry.is_map()) {
      ctx.error(entry.loc, "bad-type", "a task definition should be a mapping with at least name and import");
      continue;
    }
    build_task(ctx, entry, system);
  }
}

void build_flow_list(BuildContext& ctx, const YamlValue& list, System& system) {
  if (!list.is_seq()) {
    ctx.error(list.loc, "bad-type", "'flows' should be a list of flow names");
    return;
  }
  for (const auto& item : list.items) {
    if (!item.is_string() || !is_valid_node_name(item.text)) {
      ctx.error(item.loc, "invalid-name",
                fmt::format("invalid node name {}; task and flow names must match [_a-zA-Z][_a-zA-Z0-9]*",
                            item.python_repr()));
      continue;
    }
    if (system.task(item.text) || system.flow(item.text)) {
      report_duplicate_node(ctx, system, item.text, item.loc, "flow");
      continue;
    }
    Flow flow;
    flow.name = item.text;
    flow.loc = item.loc;
    flow.queue = system.global.default_dispatcher_queue;
    system.flows.push_back(std::move(flow));
  }
}

}  // namespace selinon::model
