// Turning DOT text into a picture with Graphviz: linked libgvc when the build found it, else the `dot` program.
#pragma once

#include <string>

namespace selinon::plot {

// The formats `selinonc plot` writes; "dot" needs no Graphviz at all.
bool is_known_format(const std::string& format);

// How this selinonc renders pictures, for messages and `--help`: "libgvc", "the dot program" or "" (cannot).
std::string renderer_name();

// Lays out `dot` with the Graphviz engine `layout` (dot, sfdp, neato, ...) and writes `format` to `path`.
// The file appears complete or not at all (written beside it, then renamed). Returns an error message, empty on
// success.
std::string render(const std::string& dot, const std::string& layout, const std::string& format,
                   const std::string& path);

}  // namespace selinon::plot
