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

std::string raw_json(const nlohmann::json& value) {
  std::string text = value.is_null() ? "{}" : value.dump();
  return cpp_string(text);
}

}  // namespace

std::string system_header(const std::string& ns) {
  return fill(template_text("system.hpp.in"), {{"version", SELINON_VERSION}, {"namespace", ns}});
}

std::string system_source(const model::System& system, bool mock_all, const std::string& ns) {
  Vars vars{{"version", SELINON_VERSION}, {"namespace", ns}};
  std::string sources;
  for (const auto& f : system.files) sources += "//   " + comment_text(input_name(f, system.files)) + "\n";
  vars["sources"] = sources.empty() ? "//   <memory>" : sources.substr(0, sources.size() - 1);

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
      if (storage.is_selinon_adapter()) continue;
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
  if (!user_includes.empty()) user_includes.pop_back();
  vars["user_includes"] = user_includes;
  if (!checks.empty()) {
    checks = "// One line per check, so any compile error on it shows which task or storage it is about.\n" + checks;
  }
  if (!checks.empty()) checks.pop_back();
  vars["task_checks"] = checks;

  std::string tasks;
  for (const auto& task : system.tasks) {
    // One line for the name and queue, one for the factory, one for the settings; each field only when not default.
    std::string entry = fmt::format("{{.name = {}, .queue = {}", cpp_string(task.name), cpp_string(task.queue));
    if (!mock_all) {
      entry += fmt::format(",\n .make = []() -> std::unique_ptr<selinon::Task> {{ return std::make_unique<{}>(); }}",
                           cpp_qualified_name(task.classname));
    }
    std::vector<std::string> settings;
    if (task.storage) {
      settings.push_back(fmt::format(".storage = {}, .storage_task_name = {}", cpp_string(task.storage->value),
                                     cpp_string(task.storage_task_name)));
      if (task.storage_readonly) settings.push_back(".storage_readonly = true");
    }
    if (task.max_retry != 0) settings.push_back(fmt::format(".max_retry = {}", task.max_retry));
    if (task.retry_countdown != 0) settings.push_back(fmt::format(".retry_countdown = {}", task.retry_countdown));
    if (task.throttling) settings.push_back(fmt::format(".throttle_seconds = {}", task.throttling->seconds));
    if (task.timeout) settings.push_back(fmt::format(".timeout_seconds = {}", *task.timeout));
    if (task.output_schema) settings.push_back(".output_schema = " + cpp_string(*task.output_schema));
    std::string joined;
    for (const auto& field : settings) joined += (joined.empty() ? "" : ", ") + field;
    if (!joined.empty()) entry += ",\n " + joined;
    tasks += (tasks.empty() ? "" : "\n") + entry + "},";
  }

  std::string storages;
  for (const auto& storage : system.storages) {
    std::string make;
    if (mock_all || storage.is_in_memory()) {
      make = "nullptr";  // the runtime's in-memory storage
    } else if (storage.is_selinon_adapter()) {
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
    std::string entry =
        fmt::format("{{.name = {}, .configuration_json = {}", cpp_string(storage.name), raw_json(storage.configuration));
    // Without a factory the runtime stores results in memory.
    entry += make == "nullptr" ? "},  // in memory" : ",\n .make = " + make + "},";
    storages += (storages.empty() ? "" : "\n") + entry;
  }

  std::string flows;
  for (const auto& flow : system.flows) {
    std::string throttle =
        flow.throttling ? fmt::format(", .throttle_seconds = {}", flow.throttling->seconds) : std::string();
    flows += fmt::format("{}{{.machine = &flow_{}::machine(), .queue = {}{}}},", flows.empty() ? "" : "\n",
                         cpp_identifier(flow.name), cpp_string(flow.queue), throttle);
  }

  std::string descriptor;
  if (mock_all) descriptor += "s.mock_all_tasks = true;\n";
  auto table = [&](const std::string& field, const std::string& entries) {
    if (!entries.empty()) descriptor += fmt::format("s.{} = {{\n{}\n}};\n", field, indented(entries));
  };
  table("tasks", tasks);
  table("storages", storages);
  table("flows", flows);
  if (!descriptor.empty()) descriptor.pop_back();
  vars["descriptor"] = descriptor;

  // Standard and runtime headers for what the code above uses.
  bool factories = !mock_all && !system.tasks.empty();
  bool unavailable_storage = false;
  for (const auto& storage : system.storages) {
    if (mock_all || storage.is_in_memory()) continue;
    factories = true;
    if (storage.is_selinon_adapter()) unavailable_storage = true;
  }
  std::string standard;
  if (factories) standard += "#include <memory>\n";
  if (unavailable_storage) standard += "#include <stdexcept>\n";
  if (!checks.empty()) standard += "#include <type_traits>\n";
  std::string runtime;
  if (!mock_all && !system.storages.empty()) runtime += "#include <selinon/storage.hpp>\n";
  if (!mock_all && !system.tasks.empty()) runtime += "#include <selinon/task.hpp>\n";
  vars["includes"] = standard + (standard.empty() || runtime.empty() ? "" : "\n") + runtime;
  return squeeze_blank_lines(fill(template_text("system.cpp.in"), vars));
}

}  // namespace selinon::emit
