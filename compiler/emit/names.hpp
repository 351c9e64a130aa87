// Names and literals in emitted C++: identifiers, headers of imports, input files, string and JSON literals.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace selinon::emit {

// A node or flow name as a C++ identifier (keywords get a trailing underscore).
std::string cpp_identifier(std::string_view name);
// A configured C++ name (`ns::Class`, or Python-style `ns.Class`) as a qualified C++ name.
std::string cpp_qualified_name(std::string_view name);
// `myapp.tasks` -> `myapp/tasks.hpp`; a name already ending in .h/.hpp is a header path as it is.
std::string header_of_import(std::string_view import);
// How generated text names an input file: relative to the nodes file's directory (the nodes file itself by its
// name), with `/` separators, so two checkouts generate the same text.
std::string input_name(std::string_view path, const std::vector<std::string>& files);
// A C++ string literal with everything escaped.
std::string cpp_string(std::string_view text);
// A C++ expression building the JSON value (scalars directly, containers through Json::parse).
std::string json_expression(const nlohmann::json& value);
// Text safe inside a `//` comment: one line, no trailing backslash (which would splice the next line in).
std::string comment_text(std::string_view text);

}  // namespace selinon::emit
