// Resolution of plain (unquoted, untagged) YAML scalars to typed values, as YAML 1.1 / PyYAML does it.
#pragma once

#include <string>

#include "parse/yaml_value.hpp"

namespace selinon::parse {

// Resolves the text of a plain (unquoted, untagged) scalar as YAML 1.1 / PyYAML does; the result keeps the text.
YamlValue resolve_plain_scalar(std::string text);

}  // namespace selinon::parse
