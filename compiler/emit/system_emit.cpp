// The system registration: tasks and storages bound to their C++ classes, flows to their machines.
#include <fmt/format.h>

#include <map>
#include <set>

#include "emit/emit.hpp"
#include "emit/names.hpp"
#include "emit/printer.hpp"
#include "version.hpp"

namespace selinon::emit {
namespace {

// Built-in storages of Selinon that this runtime provides.
bool is_memory_storage(const model::Storage& s) {
  return is_selinon_import(s.import) && (s.classname == "InMemoryStorage" || s.classname == "MemoryStorage");
}

std::string raw_json(const nlohmann::json& value) {
  std::string text = value.is_null() ? "{}" : value.dump();
  return cpp_string(text);
}

}  // namespace

std::string system_header(const std::string& ns) {
  return fill(template_text("system.hpp.in"), {{"version", SELINON_VERSION}, {"namespace", ns}});
}

std::string system_source(const model::System& system, bool mock_all, const std::string& ns) {
  Vars vars{{"version", SELINON_VERSION}, {"mock_all", mock_all ? "true" : "false"}, {"namespace", ns}};
  std::string sources;
  for (const auto& f : system.files) sources += (sources.empty() ? "" : ", ") + f;
  vars["sources"] = comment_text(sources.empty() ? "<memory>" : sources);

  std::string flow_includes;
  for (const auto& flow : system.flows) flow_includes += fmt::format("#include \"flows/{}.hpp\"\n", cpp_identifier(flow.name));
  vars["flow_includes"] = flow_includes;

  // User headers, each with the configuration names it provides, so a compile error there names them.
  std::map<std::string, std::vector<std::string>> headers;
  std::string checks;
  if (!mock_all) {
    // Each check is one line: compilers echo the line of an error, so even "'X' was not declared" (no such class
    // in the header) shows the task's message beside it.
    for (const auto& task : system.tasks) {
      headers[header_of_import(task.import)].push_back("task " + task.name);
      checks += fmt::format(
          "static_assert(std::is_base_of_v<selinon::Task, {0}>, {1});\n", cpp_qualified_name(task.classname),
          cpp_string(fmt::format("task '{}' (import '{}'): class {} must derive from selinon::Task", task.name,
                                 task.import, task.classname)));
    }
    for (const auto& storage : system.storages) {
      if (is_selinon_import(storage.import)) continue;
      headers[header_of_import(storage.import)].push_back("storage " + storage.name);
      checks += fmt::format(
          "static_assert(std::is_base_of_v<selinon::DataStorage, {0}>, {1});\n",
          cpp_qualified_name(storage.classname),
          cpp_string(fmt::format("storage '{}' (import '{}'): class {} must derive from selinon::DataStorage",
                                 storage.name, storage.import, storage.classname)));
    }
  }
  std::string user_includes;
  for (const auto& [header, names] : headers) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    user_includes += fmt::format("#include \"{}\"  // {}\n", header, comment_text(list));
  }
  vars["user_includes"] = user_includes;
  if (!checks.empty()) {
    checks = "// One line per check, so any compile error on it shows which task or storage it is about.\n" + checks;
  }
  vars["task_checks"] = checks;

  std::string tasks;
  for (const auto& task : system.tasks) {
    std::string make = mock_all ? "nullptr"
                                : fmt::format("[] {{ return std::unique_ptr<selinon::Task>(std::make_unique<{}>()); }}",
                                              cpp_qualified_name(task.classname));
    tasks += fmt::format(
        "{}{{.name = {}, .queue = {},\n .make = {},\n .storage = {}, .storage_task_name = {}, .storage_readonly = {},\n"
        " .max_retry = {}, .retry_countdown = {}, .throttle_seconds = {}, .timeout_seconds = {}, .output_schema = {}}},",
        tasks.empty() ? "" : "\n", cpp_string(task.name), cpp_string(task.queue), make,
        cpp_string(task.storage ? task.storage->value : ""), cpp_string(task.storage_task_name),
        task.storage_readonly ? "true" : "false", task.max_retry, task.retry_countdown,
        task.throttling ? task.throttling->seconds : 0.0, task.timeout ? *task.timeout : 0.0,
        cpp_string(task.output_schema ? *task.output_schema : ""));
  }
  vars["task_bindings"] = tasks;

  std::string storages;
  for (const auto& storage : system.storages) {
    std::string make;
    if (mock_all || is_memory_storage(storage)) {
      make = "nullptr";  // the runtime's in-memory storage
    } else if (is_selinon_import(storage.import)) {
      make = fmt::format(
          "[](const selinon::Json&) -> std::unique_ptr<selinon::DataStorage> {{\n   throw std::runtime_error({});\n }}",
          cpp_string(fmt::format("storage '{}' ({}.{}) is not available in this runtime", storage.name,
                                 storage.import, storage.classname)));
    } else {
      make = fmt::format(
          "[](const selinon::Json& configuration) -> std::unique_ptr<selinon::DataStorage> {{\n"
          "   return std::make_unique<{}>(configuration);\n }}",
          cpp_qualified_name(storage.classname));
    }
    storages += fmt::format("{}{{.name = {}, .configuration_json = {},\n .make = {}}},", storages.empty() ? "" : "\n",
                            cpp_string(storage.name), raw_json(storage.configuration), make);
  }
  vars["storage_bindings"] = storages;

  std::string flows;
  for (const auto& flow : system.flows) {
    flows += fmt::format("{}{{.machine = &flow_{}::machine(), .queue = {}, .throttle_seconds = {}}},",
                         flows.empty() ? "" : "\n", cpp_identifier(flow.name), cpp_string(flow.queue),
                         flow.throttling ? flow.throttling->seconds : 0.0);
  }
  vars["flow_bindings"] = flows;
  return fill(template_text("system.cpp.in"), vars);
}

}  // namespace selinon::emit
