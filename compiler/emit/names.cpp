// Identifier mangling, input file naming and literal rendering for the emitters.
#include "emit/names.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <filesystem>

namespace selinon::emit {

std::string cpp_identifier(std::string_view name) {
  static constexpr std::array<std::string_view, 97> keywords = {
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
      "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr",
      "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default", "delete",
      "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
      "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
      "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
      "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast", "struct",
      "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid", "typename",
      "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq", "final",
      "override", "import", "module", "main"};
  for (auto k : keywords) {
    if (k == name) return std::string(name) + "_";
  }
  return std::string(name);
}

std::string cpp_qualified_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '.') out += "::";
    else out += c;
  }
  return out;
}

std::string header_of_import(std::string_view import) {
  auto ends_with = [&](std::string_view suffix) {
    return import.size() >= suffix.size() && import.substr(import.size() - suffix.size()) == suffix;
  };
  if (ends_with(".h") || ends_with(".hpp") || ends_with(".hh") || ends_with(".hxx")) return std::string(import);
  std::string path(import);
  for (char& c : path) {
    if (c == '.') c = '/';
  }
  return path + ".hpp";
}

std::string comment_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  if (!out.empty() && out.back() == '\\') out += ' ';
  return out;
}

std::string input_name(std::string_view path, const std::vector<std::string>& files) {
  namespace fs = std::filesystem;
  if (files.empty()) return std::string(path);
  std::error_code ec;
  fs::path file = fs::absolute(fs::path(path), ec).lexically_normal();
  fs::path base = fs::absolute(fs::path(files.front()), ec).lexically_normal().parent_path();
  fs::path relative = file.lexically_relative(base);
  // No relative form (another drive): the file name still says which file it is.
  return (relative.empty() ? file.filename() : relative).generic_string();
}

std::string cpp_string(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '?': out += "\\?"; break;  // no trigraph surprises
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\{:03o}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string json_expression(const nlohmann::json& value) {
  using nlohmann::json;
  switch (value.type()) {
    case json::value_t::null: return "Json(nullptr)";
    case json::value_t::boolean: return value.get<bool>() ? "Json(true)" : "Json(false)";
    case json::value_t::number_integer: return fmt::format("Json(std::int64_t{{{}}})", value.get<std::int64_t>());
    case json::value_t::number_unsigned: return fmt::format("Json(std::uint64_t{{{}}})", value.get<std::uint64_t>());
    case json::value_t::number_float: {
      double d = value.get<double>();
      if (!std::isfinite(d)) return fmt::format("Json::parse({})", cpp_string(value.dump()));
      return fmt::format("Json({:.17g})", d).find_first_of(".e") == std::string::npos
                 ? fmt::format("Json({:.17g}.0)", d)
                 : fmt::format("Json({:.17g})", d);
    }
    case json::value_t::string: return fmt::format("Json({})", cpp_string(value.get<std::string>()));
    default: return fmt::format("Json::parse({})", cpp_string(value.dump()));
  }
}

}  // namespace selinon::emit
