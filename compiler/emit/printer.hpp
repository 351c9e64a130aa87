// Fills a template: `$name$` placeholders take values; a multi-line value is indented to its placeholder's column.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace selinon::emit {

using Vars = std::map<std::string, std::string>;

// Throws std::logic_error on a placeholder without a value (a bug in the emitter, never in user input).
std::string fill(std::string_view text, const Vars& vars);

// Each line of `text` two columns further in (a table's entries inside its braces).
std::string indented(std::string_view text);

// Runs of blank lines squeezed to one: optional blocks of a template may come out empty without leaving gaps.
std::string squeeze_blank_lines(std::string_view text);

// The text of a template from templates/ (embedded into selinonc at build time).
std::string_view template_text(std::string_view name);

}  // namespace selinon::emit
