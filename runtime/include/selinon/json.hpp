// JSON is the value type of node arguments, task results, parent maps and messages.
#pragma once

#include <nlohmann/json.hpp>

namespace selinon {
using Json = nlohmann::json;
}  // namespace selinon
