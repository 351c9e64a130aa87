// Style defaults (Selinon's UserConfig) and the style-file reader with positioned diagnostics.
#include "plot/style.hpp"

#include <fmt/format.h>

#include "parse/yaml_loader.hpp"

namespace selinon::plot {

Attributes::Attributes(std::initializer_list<std::pair<std::string, std::string>> items) {
  for (const auto& [name, value] : items) set(name, value);
}

void Attributes::set(std::string name, std::string value) {
  for (auto& item : items_) {
    if (item.first == name) {
      item.second = std::move(value);
      return;
    }
  }
  items_.emplace_back(std::move(name), std::move(value));
}

void Attributes::merge(const Attributes& over) {
  for (const auto& [name, value] : over.items()) set(name, value);
}

Style Style::defaults() {
  Style s;
  // Selinon writes `arrowType`, which Graphviz does not know (it ignores it); kept so pictures look like Selinon's.
  s.task = {{"style", "filled"}, {"color", "black"}, {"fillcolor", "#66cfa7"}, {"shape", "ellipse"}};
  s.flow = {{"style", "filled"}, {"color", "black"}, {"fillcolor", "#197a9f"}, {"shape", "box3d"}};
  s.condition = {{"style", "filled"}, {"color", "gray"}, {"fillcolor", "#e8e3c8"}, {"shape", "octagon"}};
  s.condition_foreach = {{"style", "filled"}, {"color", "gray"}, {"fillcolor", "#e8e3c8"}, {"shape", "doubleoctagon"}};
  s.storage = {{"style", "filled"}, {"color", "black"}, {"fillcolor", "#894830"}, {"shape", "cylinder"}};
  s.edge = {{"arrowType", "open"}, {"color", "black"}};
  s.store_edge = {{"arrowType", "open"}, {"color", "#894830"}, {"style", "dashed"}};
  s.graph = {};
  s.fallback_edge = {{"arrowType", "open"}, {"color", "#cc1010"}};
  s.fallback_true = {{"style", "filled"}, {"color", "black"}, {"fillcolor", "#5af47b"}, {"shape", "plain"}};
  s.nowait = {{"style", "filled,dashed"}};
  return s;
}

const std::vector<std::pair<std::string_view, Attributes Style::*>>& Style::keys() {
  static const std::vector<std::pair<std::string_view, Attributes Style::*>> keys = {
      {"task", &Style::task},
      {"flow", &Style::flow},
      {"condition", &Style::condition},
      {"condition_foreach", &Style::condition_foreach},
      {"storage", &Style::storage},
      {"edge", &Style::edge},
      {"store_edge", &Style::store_edge},
      {"graph", &Style::graph},
      {"fallback_edge", &Style::fallback_edge},
      {"fallback_true", &Style::fallback_true},
      {"nowait", &Style::nowait},
  };
  return keys;
}

namespace {

using parse::YamlValue;

// A Graphviz attribute value as Python's str() would give it to graphviz (True, 1.5, text).
std::optional<std::string> attribute_text(const YamlValue& v) {
  switch (v.kind) {
    case YamlValue::Kind::string:
    case YamlValue::Kind::integer:
    case YamlValue::Kind::floating: return v.text;
    case YamlValue::Kind::boolean: return std::string(v.bool_value ? "true" : "false");
    default: return std::nullopt;
  }
}

std::string known_keys() {
  std::string out;
  for (const auto& [name, member] : Style::keys()) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

}  // namespace

std::optional<Style> load_style(const std::string& path, parse::SourceManager& sources, diag::DiagnosticSink& sink) {
  std::string error;
  const parse::SourceFile* file = sources.load(path, error);
  if (!file) {
    sink.error(parse::Loc{}, "plot-style",
               fmt::format("unable to load the style configuration file '{}': {}", path, error));
    return std::nullopt;
  }
  auto root = parse::load_yaml(*file, sink);
  if (!root) return std::nullopt;
  Style style = Style::defaults();
  if (root->is_null()) return style;  // an empty file changes nothing
  if (!root->is_map()) {
    sink.error(root->loc, "plot-style",
               fmt::format("a style file is a mapping with a 'style' key, not a {}", parse::kind_name(root->kind)));
    return std::nullopt;
  }
  int errors = sink.error_count();
  const YamlValue* section = nullptr;
  for (const auto& [key, value] : root->entries) {
    if (key.is_string() && key.text == "style") {
      section = &value;
      continue;
    }
    bool style_key = false;
    for (const auto& [name, member] : Style::keys()) style_key = style_key || (key.is_string() && key.text == name);
    sink.warning(key.loc, "ignored-key",
                 style_key ? fmt::format("'{}' is ignored here: style keys go under 'style:', as in Selinon", key.text)
                           : fmt::format("key {} of the style file is ignored (only 'style' is read)",
                                         key.python_repr()));
  }
  if (section == nullptr || section->is_null()) return style;
  if (!section->is_map()) {
    sink.error(section->loc, "plot-style",
               fmt::format("'style' must map style keys ({}) to Graphviz attributes, not be a {}", known_keys(),
                           parse::kind_name(section->kind)));
    return std::nullopt;
  }
  for (const auto& [key, value] : section->entries) {
    Attributes Style::*member = nullptr;
    for (const auto& [name, m] : Style::keys()) {
      if (key.is_string() && key.text == name) member = m;
    }
    if (member == nullptr) {
      sink.error(key.loc, "plot-style",
                 fmt::format("unknown style key {}; the keys are {}", key.python_repr(), known_keys()));
      continue;
    }
    if (value.is_null()) continue;
    if (!value.is_map()) {
      sink.error(value.loc, "plot-style",
                 fmt::format("style '{}' must be a mapping of Graphviz attributes (e.g. {{fillcolor: '#66cfa7'}}), "
                             "not a {}",
                             key.text, parse::kind_name(value.kind)));
      continue;
    }
    for (const auto& [attribute, setting] : value.entries) {
      auto text = attribute_text(setting);
      if (!attribute.is_string() || attribute.text.empty()) {
        sink.error(attribute.loc, "plot-style",
                   fmt::format("a Graphviz attribute name must be a string, not {}", attribute.python_repr()));
      } else if (!text) {
        sink.error(setting.loc, "plot-style",
                   fmt::format("attribute '{}' of style '{}' must be a string, number or boolean, not a {}",
                               attribute.text, key.text, parse::kind_name(setting.kind)));
      } else {
        (style.*member).set(attribute.text, *text);
      }
    }
  }
  if (sink.error_count() > errors) return std::nullopt;
  return style;
}

}  // namespace selinon::plot
