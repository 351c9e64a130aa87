// Typed reads of YAML values with clear diagnostics.
#include "lower/build_context.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace selinon::model {

bool is_valid_node_name(std::string_view name) {
  if (name.empty()) return false;
  auto ident_start = [](char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!ident_start(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(), [&](char c) { return ident_start(c) || (c >= '0' && c <= '9'); });
}

namespace {

bool known_key(const YamlValue& key, std::initializer_list<std::string_view> allowed) {
  return key.is_string() && std::find(allowed.begin(), allowed.end(), key.text) != allowed.end();
}

}  // namespace

bool BuildContext::has_unknown_key(const YamlValue& map, std::initializer_list<std::string_view> allowed) {
  if (!map.is_map()) return false;
  for (const auto& entry : map.entries) {
    if (!known_key(entry.first, allowed)) return true;
  }
  return false;
}

void BuildContext::reject_unknown_keys(const YamlValue& map, std::initializer_list<std::string_view> allowed,
                                       std::string_view where) {
  if (!has_unknown_key(map, allowed)) return;
  std::string allowed_text;
  for (auto key : allowed) allowed_text += (allowed_text.empty() ? "" : ", ") + std::string(key);
  for (const auto& [key, value] : map.entries) {
    if (!known_key(key, allowed)) {
      error(key.loc, "unknown-key",
            fmt::format("unknown option {} {}; expected one of: {}", key.python_repr(), where, allowed_text));
    }
  }
}

std::optional<std::string> BuildContext::string_of(const YamlValue& value, std::string_view what) {
  if (value.is_string()) return value.text;
  error(value.loc, "bad-type", fmt::format("{} should be a string, got {} ({})", what, value.python_repr(),
                                           parse::kind_name(value.kind)));
  return std::nullopt;
}

std::optional<bool> BuildContext::bool_of(const YamlValue& value, std::string_view what) {
  if (value.is_bool()) return value.bool_value;
  error(value.loc, "bad-type", fmt::format("{} should be true or false, got {} ({})", what, value.python_repr(),
                                           parse::kind_name(value.kind)));
  return std::nullopt;
}

std::optional<int> BuildContext::count_of(const YamlValue& value, std::string_view what, int fallback) {
  if (value.is_null()) return fallback;
  if (value.is_bool()) return value.bool_value ? 1 : 0;
  if (value.is_int() && value.int_value >= 0 && value.int_value <= 1'000'000'000) {
    return static_cast<int>(value.int_value);
  }
  error(value.loc, "bad-type",
        fmt::format("{} should be zero or a positive integer, got {}", what, value.python_repr()));
  return std::nullopt;
}

std::vector<Name> BuildContext::names_of(const YamlValue& value, std::string_view what) {
  std::vector<Name> names;
  auto take = [&](const YamlValue& item) {
    if (item.is_string()) {
      names.push_back({item.text, item.loc});
    } else {
      error(item.loc, "bad-type",
            fmt::format("{} should name a node, got {} ({})", what, item.python_repr(), parse::kind_name(item.kind)));
    }
  };
  if (value.is_seq()) {
    for (const auto& item : value.items) take(item);
  } else {
    take(value);
  }
  return names;
}

bool BuildContext::check_template(const YamlValue& value, std::string_view what) {
  const std::string& text = value.text;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '{') {
      if (i + 1 < text.size() && text[i + 1] == '{') {
        ++i;
        continue;
      }
      std::size_t close = text.find('}', i);
      std::string var = close == std::string::npos ? std::string{} : text.substr(i + 1, close - i - 1);
      if (close == std::string::npos || var.empty() || !is_valid_node_name(var)) {
        error(value.loc, "bad-template",
              fmt::format("{} '{}' has a malformed {{ENV_VAR}} placeholder; write {{NAME}} for an environment "
                          "variable and {{{{ or }}}} for a literal brace",
                          what, text));
        return false;
      }
      i = close;
    } else if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        ++i;
        continue;
      }
      error(value.loc, "bad-template",
            fmt::format("{} '{}' has a single '}}'; write }}}} for a literal brace", what, text));
      return false;
    }
  }
  return true;
}

std::optional<Throttling> BuildContext::throttling_of(const YamlValue& value, std::string_view owner) {
  if (!value.truthy()) return std::nullopt;
  if (!value.is_map()) {
    error(value.loc, "bad-throttling",
          fmt::format("throttling of '{}' should be a mapping of time units, e.g. {{seconds: 5}}", owner));
    return std::nullopt;
  }
  static const std::vector<std::pair<std::string_view, double>> units = {
      {"days", 86400.0},      {"seconds", 1.0},    {"microseconds", 1e-6}, {"milliseconds", 1e-3},
      {"minutes", 60.0},      {"hours", 3600.0},   {"weeks", 604800.0}};
  Throttling t;
  t.loc = value.loc;
  bool ok = true;
  for (const auto& entry : value.entries) {
    // Not a structured binding: clang before 16 cannot capture one in the lambda below.
    const YamlValue& key = entry.first;
    const YamlValue& amount = entry.second;
    auto unit = std::find_if(units.begin(), units.end(),
                             [&](const auto& u) { return key.is_string() && u.first == key.text; });
    if (unit == units.end()) {
      error(key.loc, "bad-throttling",
            fmt::format("wrong throttling unit {} in '{}'; expected days, seconds, microseconds, milliseconds, "
                        "minutes, hours or weeks",
                        key.python_repr(), owner));
      ok = false;
      continue;
    }
    if (!amount.is_number() || (amount.is_int() ? amount.int_value < 0 : !(amount.float_value >= 0))) {
      error(amount.loc, "bad-throttling",
            fmt::format("throttling {} of '{}' should be a non-negative number, got {}", key.text, owner,
                        amount.python_repr()));
      ok = false;
      continue;
    }
    t.seconds += unit->second * (amount.is_int() ? static_cast<double>(amount.int_value) : amount.float_value);
  }
  if (!ok || t.seconds <= 0) return std::nullopt;
  return t;
}

CacheConfig BuildContext::cache_of(const YamlValue& value, std::string_view owner, std::string_view kind) {
  CacheConfig cache;
  cache.loc = value.loc;
  if (!value.is_map()) {
    error(value.loc, "bad-cache",
          fmt::format("{} cache for '{}' should be a mapping with name, import and configuration, got {}", kind, owner,
                      value.python_repr()));
    return cache;
  }
  reject_unknown_keys(value, {"name", "import", "configuration"}, fmt::format("in the cache of '{}'", owner));
  if (const auto* name = value.find("name")) {
    if (auto s = string_of(*name, fmt::format("cache name of '{}'", owner))) cache.name = *s;
  }
  if (const auto* import = value.find("import")) {
    if (auto s = string_of(*import, fmt::format("cache import of '{}'", owner))) cache.import = *s;
  }
  if (const auto* configuration = value.find("configuration")) {
    if (!configuration->is_map()) {
      error(configuration->loc, "bad-cache",
            fmt::format("cache configuration of '{}' should be a mapping of constructor arguments, got {}", owner,
                        configuration->python_repr()));
    } else {
      cache.configuration = configuration->to_json();
    }
  }
  return cache;
}

}  // namespace selinon::model
