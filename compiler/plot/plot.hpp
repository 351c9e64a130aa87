// `selinonc plot`: one picture per flow, written into a directory.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "diag/diagnostics.hpp"
#include "model/model.hpp"
#include "plot/flow_graph.hpp"
#include "plot/style.hpp"

namespace selinon::plot {

struct PlotOptions {
  std::string out_dir = ".";
  std::string format = "svg";          // dot, svg, png, pdf
  std::string layout = "dot";          // the Graphviz layout engine
  std::vector<std::string> flows;      // empty: every flow
  GraphOptions graph;
};

struct PlottedFlow {
  std::string flow;
  std::string path;
  int vertices = 0;
  bool changed = true;  // false when a DOT file already had this text (not rewritten, so builds stay incremental)
  bool fast_layout = false;
  double seconds = 0;
};

// Draws the selected flows. Unknown flow names and rendering failures are errors in `sink` (positionless); a flow
// that fails to render leaves no file behind. `progress` hears about each flow as it is written.
std::vector<PlottedFlow> plot_system(const model::System& system, const Style& style, const PlotOptions& options,
                                     diag::DiagnosticSink& sink,
                                     const std::function<void(const PlottedFlow&)>& progress = {});

}  // namespace selinon::plot
