// Selecting flows, writing DOT (only when its text changed) or rendering it, and reporting each file.
#include "plot/plot.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "plot/flow_graph.hpp"
#include "plot/render.hpp"

namespace selinon::plot {
namespace {

namespace fs = std::filesystem;

bool same_text(const fs::path& path, const std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream current;
  current << in.rdbuf();
  return current.str() == text;
}

std::string write_text(const fs::path& path, const std::string& text) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    if (!out) return fmt::format("cannot write '{}'", tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return fmt::format("cannot write '{}': {}", path.string(), ec.message());
  return {};
}

}  // namespace

std::vector<PlottedFlow> plot_system(const model::System& system, const Style& style, const PlotOptions& options,
                                     diag::DiagnosticSink& sink,
                                     const std::function<void(const PlottedFlow&)>& progress) {
  std::vector<const model::Flow*> selected;
  if (options.flows.empty()) {
    for (const auto& flow : system.flows) selected.push_back(&flow);
  } else {
    for (const auto& name : options.flows) {
      if (const auto* flow = system.flow(name)) {
        selected.push_back(flow);
      } else {
        std::string known;
        for (const auto& f : system.flows) known += (known.empty() ? "" : ", ") + f.name;
        sink.error({}, "plot-unknown-flow",
                   fmt::format("--flow '{}' is not a flow of this configuration (its flows: {})", name, known));
      }
    }
  }
  if (sink.has_errors()) return {};
  if (!is_known_format(options.format)) {
    sink.error({}, "plot-format", fmt::format("unknown picture format '{}': use dot, svg, png or pdf", options.format));
    return {};
  }

  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) {
    sink.error({}, "plot-output", fmt::format("cannot create the output directory '{}': {}", options.out_dir,
                                              ec.message()));
    return {};
  }

  std::vector<PlottedFlow> done;
  for (const auto* flow : selected) {
    auto started = std::chrono::steady_clock::now();
    PlottedFlow result;
    result.flow = flow->name;
    result.path = (fs::path(options.out_dir) / (flow->name + "." + options.format)).string();

    GraphSize size;
    std::string dot = flow_dot(system, *flow, style, options.graph, &size);
    result.vertices = size.vertices;
    result.fast_layout = size.fast_layout;

    std::string error;
    if (options.format == "dot") {
      result.changed = !same_text(result.path, dot);
      if (result.changed) error = write_text(result.path, dot);
    } else {
      error = render(dot, options.layout, options.format, result.path);
    }
    if (!error.empty()) {
      sink.error({}, "plot-render", fmt::format("cannot draw flow '{}' as {}: {}", flow->name, options.format, error));
      continue;
    }
    if (result.fast_layout && options.graph.fast_layout == FastLayout::automatic && options.format != "dot") {
      sink.note({}, fmt::format("flow '{}' has {} vertices, so it was laid out with straight arrows and bounded "
                                "crossing minimisation; --layout sfdp is faster still, --fast-layout off gives dot's "
                                "full layout (minutes at this size)",
                                flow->name, result.vertices));
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (progress) progress(result);
    done.push_back(result);
  }
  return done;
}

}  // namespace selinon::plot
