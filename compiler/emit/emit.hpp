// The C++ back end: one header and source per flow, the system registration, the worker entry point.
#pragma once

#include <string>
#include <vector>

#include "model/model.hpp"

namespace selinon::emit {

struct EmitOptions {
  std::string out_dir;
  bool mock_all = false;        // bind no user code: every task, foreach function and custom predicate is scripted
  std::string depfile;          // Makefile-style dependency file listing the YAML files read
  std::string depfile_target;   // the target named in it (default: <out_dir>/all_flows.cpp)
  std::string cpp_namespace = "selinon_generated";  // several configurations can live in one binary
};

struct EmitResult {
  std::vector<std::string> files;  // every file of the output, changed or not
  int changed = 0;                 // files whose text changed (only those were rewritten)
};

struct FlowFiles {
  std::string header;
  std::string source;
};

FlowFiles flow_files(const model::System& system, const model::Flow& flow, bool mock_all, const std::string& ns);
std::string system_header(const std::string& ns);
std::string system_source(const model::System& system, bool mock_all, const std::string& ns);

// Writes everything under options.out_dir. Throws std::runtime_error when a file cannot be written.
EmitResult emit_system(const model::System& system, const EmitOptions& options);

}  // namespace selinon::emit
