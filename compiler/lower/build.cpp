// Entry point of the model builder: reads the files, then the nodes document, then every flow document.
#include "lower/build.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "lower/build_nodes.hpp"
#include "parse/yaml_loader.hpp"

namespace selinon::model {
namespace fs = std::filesystem;

ConfigFiles config_files_from_args(const std::vector<std::string>& args) {
  ConfigFiles files;
  if (args.empty()) return files;
  files.nodes = args.front();
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::error_code ec;
    if (fs::is_directory(args[i], ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(args[i], fs::directory_options::follow_directory_symlink, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const auto& path = it->path();
        std::string name = path.filename().string();
        if (!name.empty() && name[0] == '.') {
          if (it->is_directory()) it.disable_recursion_pending();
          continue;
        }
        auto ext = path.extension().string();
        if (it->is_regular_file() && (ext == ".yml" || ext == ".yaml")) found.push_back(path.string());
      }
      std::sort(found.begin(), found.end());
      files.flows.insert(files.flows.end(), found.begin(), found.end());
    } else {
      files.flows.push_back(args[i]);
    }
  }
  return files;
}

namespace {

void read_nodes_document(BuildContext& ctx, const parse::YamlValue& doc, System& system) {
  if (!doc.is_map()) {
    ctx.error(doc.loc, "bad-type",
              "the nodes file should be a mapping with 'tasks', 'flows' and optionally 'storages' and 'global'");
    return;
  }
  for (const auto& [key, value] : doc.entries) {
    bool known = key.is_string() && (key.text == "tasks" || key.text == "flows" || key.text == "storages" ||
                                      key.text == "global" || key.text == "flow-definitions");
    if (!known) {
      ctx.warning(key.loc, "ignored-key",
                  fmt::format("top-level key {} of the nodes file is not known to Selinon and is skipped",
                              key.python_repr()));
    }
  }
  if (const auto* storages = doc.find("storages")) build_storages(ctx, *storages, system);
  if (const auto* global = doc.find("global")) build_global(ctx, *global, system);
  const auto* tasks = doc.find("tasks");
  if (!tasks || tasks->is_null()) {
    ctx.error(tasks ? tasks->loc : doc.loc, "no-tasks",
              "no tasks defined in the system; add a 'tasks:' list (it may be empty: 'tasks: []')");
  } else {
    build_tasks(ctx, *tasks, system);
  }
  const auto* flows = doc.find("flows");
  if (!flows || flows->is_null()) {
    ctx.error(flows ? flows->loc : doc.loc, "no-flows", "no flow listing defined in the nodes file; add a 'flows:' list");
  } else {
    build_flow_list(ctx, *flows, system);
  }
}

void read_flow_document(BuildContext& ctx, const parse::YamlValue& doc, System& system) {
  std::vector<const parse::YamlValue*> parts;
  if (doc.is_seq()) {
    for (const auto& item : doc.items) parts.push_back(&item);
  } else {
    parts.push_back(&doc);
  }
  for (const auto* part : parts) {
    const parse::YamlValue* definitions = part->is_map() ? part->find("flow-definitions") : nullptr;
    if (!definitions || definitions->is_null()) {
      ctx.error(definitions ? definitions->loc : part->loc, "no-flow-definitions",
                "no flow-definitions provided in this flow file; it should hold 'flow-definitions:' with a list");
      continue;
    }
    if (!definitions->is_seq()) {
      ctx.error(definitions->loc, "bad-type", "'flow-definitions' should be a list of flow definitions");
      continue;
    }
    for (const auto& definition : definitions->items) build_flow_definition(ctx, definition, system);
  }
}

void finish(BuildContext& ctx, System& system) {
  for (const auto& flow : system.flows) {
    if (!flow.defined) {
      ctx.error(flow.loc, "empty-flow",
                fmt::format("empty flow: '{}' is listed under 'flows' but no flow file defines its edges", flow.name));
    }
  }
}

}  // namespace

std::optional<System> build_system_from_values(const parse::YamlValue& nodes, const std::vector<parse::YamlValue>& flows,
                                               diag::DiagnosticSink& sink, bool all_flow_files_read) {
  BuildContext ctx(sink);
  System system;
  read_nodes_document(ctx, nodes, system);
  for (const auto& doc : flows) read_flow_document(ctx, doc, system);
  // A flow file that could not be read would make every flow it defines look empty: say it once, not per flow.
  if (all_flow_files_read) finish(ctx, system);
  return system;
}

std::optional<System> build_system(const ConfigFiles& files, parse::SourceManager& sources, diag::DiagnosticSink& sink) {
  const parse::SourceFile* last_loaded = nullptr;
  auto load = [&](const std::string& path) -> std::optional<parse::YamlValue> {
    std::string error;
    const parse::SourceFile* file = sources.load(path, error);
    if (!file) {
      sink.error(parse::Loc{}, "file-unreadable", fmt::format("cannot read '{}': {}", path, error));
      return std::nullopt;
    }
    last_loaded = file;
    return parse::load_yaml(*file, sink);
  };
  if (files.nodes.empty()) {
    sink.error(parse::Loc{}, "no-input", "no configuration files given");
    return std::nullopt;
  }
  auto nodes = load(files.nodes);
  if (!nodes) return std::nullopt;
  // A position with the file but no line: the diagnostic is about the nodes file as a whole.
  const parse::Loc nodes_file{last_loaded, 0, 0, 1};
  std::vector<parse::YamlValue> flow_docs;
  std::vector<std::string> read = {files.nodes};
  // A nodes file that also holds flow definitions is read as a flow file too (once, however it was named).
  if (nodes->is_map() && nodes->find("flow-definitions")) flow_docs.push_back(*nodes);
  bool flow_file_failed = false;
  for (const auto& path : files.flows) {
    std::error_code ec;
    if (fs::equivalent(path, files.nodes, ec)) continue;
    if (std::find(read.begin(), read.end(), path) != read.end()) continue;
    read.push_back(path);
    auto doc = load(path);
    if (!doc) {
      flow_file_failed = true;
      continue;
    }
    flow_docs.push_back(std::move(*doc));
  }
  // Only for a nodes file that is a mapping: otherwise its own error says enough.
  if (flow_docs.empty() && !flow_file_failed && nodes->is_map()) {
    sink.error(nodes_file, "no-flow-definitions",
               "no flow definitions given: pass flow files after this nodes file or add 'flow-definitions' to it");
  }
  // With no flow file read at all, every listed flow would be "empty": the error above says it once.
  auto system = build_system_from_values(*nodes, flow_docs, sink, !flow_file_failed && !flow_docs.empty());
  if (system) system->files = read;
  return system;
}

}  // namespace selinon::model
