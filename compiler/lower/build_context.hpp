// Shared helpers of the model builders: typed reads of YAML values that report what is wrong and where.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "diag/diagnostics.hpp"
#include "model/model.hpp"
#include "parse/yaml_value.hpp"

namespace selinon::model {

using parse::YamlValue;

class BuildContext {
 public:
  explicit BuildContext(diag::DiagnosticSink& sink) : sink_(sink) {}

  diag::DiagnosticSink& sink() { return sink_; }
  void error(const Loc& loc, std::string code, std::string message) {
    sink_.error(loc, std::move(code), std::move(message));
  }
  void warning(const Loc& loc, std::string name, std::string message) {
    sink_.warning(loc, std::move(name), std::move(message));
  }

  // Reports every key of `map` that is not in `allowed`; `where` completes "unknown option ... <where>".
  void reject_unknown_keys(const YamlValue& map, std::initializer_list<std::string_view> allowed,
                           std::string_view where);
  // The same with `where` made only when a key is reported: formatting it for every edge or task costs more than
  // the check.
  template <typename Where, typename = std::enable_if_t<std::is_invocable_v<Where&>>>
  void reject_unknown_keys(const YamlValue& map, std::initializer_list<std::string_view> allowed, Where&& where) {
    if (has_unknown_key(map, allowed)) reject_unknown_keys(map, allowed, std::string_view(where()));
  }

  // A string value; reports `what` must be a string otherwise.
  std::optional<std::string> string_of(const YamlValue& value, std::string_view what);
  std::optional<bool> bool_of(const YamlValue& value, std::string_view what);
  // A non-negative integer (null means `fallback`); booleans count as 0/1 as in Python.
  std::optional<int> count_of(const YamlValue& value, std::string_view what, int fallback);

  // A name or a list of names (Selinon accepts either). Non-string items are reported.
  std::vector<Name> names_of(const YamlValue& value, std::string_view what);

  // A {ENV} queue template: checks the braces the way Python's str.format would read them.
  bool check_template(const YamlValue& value, std::string_view what);

  std::optional<Throttling> throttling_of(const YamlValue& value, std::string_view owner);
  CacheConfig cache_of(const YamlValue& value, std::string_view owner, std::string_view kind);

 private:
  static bool has_unknown_key(const YamlValue& map, std::initializer_list<std::string_view> allowed);

  diag::DiagnosticSink& sink_;
};

bool is_valid_node_name(std::string_view name);

}  // namespace selinon::model
