// Fills a template: `$name$` placeholders take values; a multi-line value is indented to its placeholder's column.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace selinon::emit {

using Vars = std::map<std::string, std::string>;

// Throws std::logic_error on a placeholder without a value (a bug in the emitter, never in user input).
std::string fill(std::string_view text, const Vars& vars);

// The text of a template from templates/ (embedded into selinonc at build time).
std::string_view template_text(std::string_view name);

}  // namespace selinon::emit
