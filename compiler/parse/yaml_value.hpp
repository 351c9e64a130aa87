// The raw YAML tree: typed scalars resolved the way PyYAML's safe loader does, each node with its position.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "source/source.hpp"

namespace selinon::parse {

class YamlValue {
 public:
  enum class Kind { null, boolean, integer, floating, string, sequence, mapping };
  using Entry = std::pair<YamlValue, YamlValue>;

  Kind kind = Kind::null;
  Loc loc;
  std::string text;  // scalar text as written (for messages); for strings, the string itself
  bool bool_value = false;
  std::int64_t int_value = 0;
  double float_value = 0.0;
  std::vector<YamlValue> items;   // sequence
  std::vector<Entry> entries;     // mapping: unique keys, first-seen order (duplicates resolved by the loader)

  // Defined out of line: with implicit ones, clang (libstdc++) instantiates std::pair<YamlValue, YamlValue> while
  // YamlValue is still incomplete and rejects the header; GCC happens to accept it.
  YamlValue();
  YamlValue(const YamlValue&);
  YamlValue(YamlValue&&) noexcept;
  YamlValue& operator=(const YamlValue&);
  YamlValue& operator=(YamlValue&&) noexcept;
  ~YamlValue();

  bool is_null() const { return kind == Kind::null; }
  bool is_string() const { return kind == Kind::string; }
  bool is_bool() const { return kind == Kind::boolean; }
  bool is_int() const { return kind == Kind::integer; }
  bool is_number() const { return kind == Kind::integer || kind == Kind::floating; }
  bool is_seq() const { return kind == Kind::sequence; }
  bool is_map() const { return kind == Kind::mapping; }
  bool is_scalar() const { return !is_seq() && !is_map(); }

  // Python truthiness, since Selinon tests many values with `if not value`.
  bool truthy() const;

  // Mapping look-up by string key; nullptr when absent or when this is not a mapping.
  const YamlValue* find(std::string_view key) const;
  const Entry* find_entry(std::string_view key) const;

  // The value as Python would print it with repr(): 'text', True, None, [1, 2], {'a': 1}.
  std::string python_repr() const;
  // Plain data, for configuration blobs and predicate arguments.
  nlohmann::json to_json() const;
};

std::string_view kind_name(YamlValue::Kind kind);

}  // namespace selinon::parse
