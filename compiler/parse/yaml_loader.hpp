// Reads a YAML file with yaml-cpp's event parser into a YamlValue tree, the way PyYAML's safe loader would read it.
#pragma once

#include <optional>

#include "diag/diagnostics.hpp"
#include "parse/plain_scalar.hpp"
#include "parse/yaml_value.hpp"
#include "source/source.hpp"

namespace selinon::parse {

struct LoadLimits {
  int max_depth = 200;                  // deeper nesting is rejected instead of exhausting the stack
  std::size_t max_nodes = 2'000'000;    // alias expansion beyond this is rejected ("billion laughs")
};

// Parses one YAML document. Syntax errors, unsupported tags, several documents in one file and
// runaway alias expansion are reported to `sink` with their position; the result is then empty.
// Repeated mapping keys keep the last value (as PyYAML) and raise a duplicate-key warning; merge keys
// (`<<: *anchor` or `<<: [*a, *b]`) are expanded with explicit keys taking precedence.
std::optional<YamlValue> load_yaml(const SourceFile& file, diag::DiagnosticSink& sink, LoadLimits limits = {});

}  // namespace selinon::parse
