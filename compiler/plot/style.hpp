// Plot styles: the Graphviz attributes of each kind of vertex and arrow, Selinon's defaults merged with a style file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "diag/diagnostics.hpp"
#include "source/source.hpp"

namespace selinon::plot {

// Graphviz attributes in a fixed order, so the DOT text is the same for the same input.
class Attributes {
 public:
  Attributes() = default;
  Attributes(std::initializer_list<std::pair<std::string, std::string>> items);

  // Replaces the value of an attribute already present, appends a new one otherwise (Python's dict.update).
  void set(std::string name, std::string value);
  void merge(const Attributes& over);
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct Style {
  // The keys of Selinon's style file (spec §5.4), with its defaults.
  Attributes task, flow, condition, condition_foreach, storage, edge, store_edge, graph, fallback_edge, fallback_true;
  // Not in Selinon: merged over a node's own style when the flow does not wait for it (`nowait`).
  Attributes nowait;

  static Style defaults();
  // The style key names in the order they are documented, with the member each one sets.
  static const std::vector<std::pair<std::string_view, Attributes Style::*>>& keys();
};

// Reads a style file (Selinon's format: a top-level `style:` mapping of key -> {attribute: value}) and merges it over
// the defaults. Problems are reported to `sink` with their position; nullopt when the file is unusable.
std::optional<Style> load_style(const std::string& path, parse::SourceManager& sources, diag::DiagnosticSink& sink);

}  // namespace selinon::plot
