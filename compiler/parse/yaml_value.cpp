// YamlValue helpers: look-ups, Python-style truthiness and repr, conversion to JSON.
#include "parse/yaml_value.hpp"

#include <fmt/format.h>

#include <cmath>

namespace selinon::parse {

YamlValue::YamlValue() = default;
YamlValue::YamlValue(const YamlValue&) = default;
YamlValue::YamlValue(YamlValue&&) noexcept = default;
YamlValue& YamlValue::operator=(const YamlValue&) = default;
YamlValue& YamlValue::operator=(YamlValue&&) noexcept = default;
YamlValue::~YamlValue() = default;

bool YamlValue::truthy() const {
  switch (kind) {
    case Kind::null: return false;
    case Kind::boolean: return bool_value;
    case Kind::integer: return int_value != 0;
    case Kind::floating: return float_value != 0.0;
    case Kind::string: return !text.empty();
    case Kind::sequence: return !items.empty();
    case Kind::mapping: return !entries.empty();
  }
  return false;
}

const YamlValue::Entry* YamlValue::find_entry(std::string_view key) const {
  if (kind != Kind::mapping) return nullptr;
  for (const auto& entry : entries) {
    if (entry.first.kind == Kind::string && entry.first.text == key) return &entry;
  }
  return nullptr;
}

const YamlValue* YamlValue::find(std::string_view key) const {
  const Entry* entry = find_entry(key);
  return entry ? &entry->second : nullptr;
}

std::string YamlValue::python_repr() const {
  switch (kind) {
    case Kind::null: return "None";
    case Kind::boolean: return bool_value ? "True" : "False";
    case Kind::integer: return std::to_string(int_value);
    case Kind::floating: {
      if (std::isnan(float_value)) return "nan";
      if (std::isinf(float_value)) return float_value > 0 ? "inf" : "-inf";
      std::string s = fmt::format("{}", float_value);
      if (s.find_first_of(".eE") == std::string::npos) s += ".0";
      return s;
    }
    case Kind::string: return "'" + text + "'";
    case Kind::sequence: {
      std::string out = "[";
      for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i].python_repr();
      return out + "]";
    }
    case Kind::mapping: {
      std::string out = "{";
      for (std::size_t i = 0; i < entries.size(); ++i) {
        out += (i ? ", " : "") + entries[i].first.python_repr() + ": " + entries[i].second.python_repr();
      }
      return out + "}";
    }
  }
  return "None";
}

nlohmann::json YamlValue::to_json() const {
  switch (kind) {
    case Kind::null: return nullptr;
    case Kind::boolean: return bool_value;
    case Kind::integer: return int_value;
    case Kind::floating: return float_value;
    case Kind::string: return text;
    case Kind::sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : items) out.push_back(item.to_json());
      return out;
    }
    case Kind::mapping: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [key, value] : entries) {
        out[key.kind == Kind::string ? key.text : key.python_repr()] = value.to_json();
      }
      return out;
    }
  }
  return nullptr;
}

std::string_view kind_name(YamlValue::Kind kind) {
  switch (kind) {
    case YamlValue::Kind::null: return "null";
    case YamlValue::Kind::boolean: return "boolean";
    case YamlValue::Kind::integer: return "integer";
    case YamlValue::Kind::floating: return "float";
    case YamlValue::Kind::string: return "string";
    case YamlValue::Kind::sequence: return "list";
    case YamlValue::Kind::mapping: return "mapping";
  }
  return "value";
}

}  // namespace selinon::parse
