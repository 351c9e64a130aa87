// Builds the model from YAML files: parse, then read every section into typed values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "diag/diagnostics.hpp"
#include "model/model.hpp"
#include "parse/yaml_value.hpp"
#include "source/source.hpp"

namespace selinon::model {

// The configuration files: one nodes file and any number of flow files (Selinon's -n and -f).
// A nodes file that also holds `flow-definitions` contributes them too, so a single file can be given alone.
struct ConfigFiles {
  std::string nodes;
  std::vector<std::string> flows;
};

// Expands arguments as `selinonc FILES...` takes them: the first is the nodes file, the rest flow files or
// directories (searched recursively for *.yml / *.yaml, in name order).
ConfigFiles config_files_from_args(const std::vector<std::string>& args);

// Reads and models the system. Returns nullopt only when nothing sensible could be built (unreadable nodes file,
// YAML syntax error); otherwise returns the model even if `sink` received errors, so all problems get reported.
std::optional<System> build_system(const ConfigFiles& files, parse::SourceManager& sources, diag::DiagnosticSink& sink);

// Builds from YAML already in memory (tests and the fuzzer): `nodes` and flow documents.
std::optional<System> build_system_from_values(const parse::YamlValue& nodes, const std::vector<parse::YamlValue>& flows,
                                               diag::DiagnosticSink& sink, bool all_flow_files_read = true);

}  // namespace selinon::model
