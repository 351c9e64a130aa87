// Template filling with indentation-aware substitution (the idea of protoc's io::Printer).
#include "emit/printer.hpp"

#include <stdexcept>

namespace selinon::emit {

std::string fill(std::string_view text, const Vars& vars) {
  std::string out;
  std::size_t line_start = 0;  // in `out`, for the indentation of multi-line values
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '$') {
      out += c;
      if (c == '\n') line_start = out.size();
      ++i;
      continue;
    }
    std::size_t end = text.find('$', i + 1);
    if (end == std::string_view::npos) throw std::logic_error("unterminated $placeholder in template");
    std::string name(text.substr(i + 1, end - i - 1));
    i = end + 1;
    if (name.empty()) {
      out += '$';  // `$$` is a literal dollar
      continue;
    }
    auto it = vars.find(name);
    if (it == vars.end()) throw std::logic_error("template placeholder $" + name + "$ has no value");
    std::string indent;
    for (std::size_t k = line_start; k < out.size() && (out[k] == ' ' || out[k] == '\t'); ++k) indent += out[k];
    const std::string& value = it->second;
    for (std::size_t k = 0; k < value.size(); ++k) {
      out += value[k];
      if (value[k] == '\n' && k + 1 < value.size() && value[k + 1] != '\n') out += indent;
    }
    if (value.empty()) {
      // An empty block on a line of its own leaves no blank line behind.
      bool only_indent = out.size() - line_start == indent.size();
      if (only_indent && i < text.size() && text[i] == '\n') {
        out.resize(line_start);
        ++i;
      }
    }
  }
  return out;
}

std::string indented(std::string_view text) {
  std::string out = "  ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}

std::string squeeze_blank_lines(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = text.find('\n', i);
    std::string_view line = text.substr(i, end == std::string_view::npos ? std::string_view::npos : end + 1 - i);
    i += line.size();
    if (line == "\n" && out.ends_with("\n\n")) continue;
    out += line;
  }
  return out;
}

}  // namespace selinon::emit
