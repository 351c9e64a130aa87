// One flow as a Graphviz DOT graph, drawn as Selinon's `plot` draws it, plus what Selinon leaves out.
#pragma once

#include <string>

#include "model/model.hpp"
#include "plot/style.hpp"

namespace selinon::plot {

enum class FastLayout { automatic, on, off };

struct GraphOptions {
  // Graphviz attributes that make huge flows lay out in seconds (straight arrows, bounded crossing minimisation);
  // applied below the style's `graph` attributes, so a style file can still override each of them. `automatic`
  // uses them above `fast_layout_threshold` vertices: dot's full layout of a 1,500-vertex flow takes minutes.
  FastLayout fast_layout = FastLayout::automatic;
  int fast_layout_threshold = 400;
};

// What drawing produced besides the text, so the caller can tell the user.
struct GraphSize {
  int vertices = 0;
  int arrows = 0;
  bool fast_layout = false;
};

// DOT text for `flow`: an intermediate condition vertex per edge (foreach edges as double octagons naming their
// function), tasks, sub-flows, storages with dashed store arrows, failure entries with fallback arrows (`fallback:
// true` to a shared "True" vertex); nowait nodes, retried, throttled and timed-out nodes annotated, propagate_*
// options written on the arrows of the sub-flows they select. Byte-identical for the same model and style.
std::string flow_dot(const model::System& system, const model::Flow& flow, const Style& style,
                     const GraphOptions& options = {}, GraphSize* size = nullptr);

// A DOT double-quoted string: quotes and backslashes escaped, newlines as Graphviz's centred line break.
std::string dot_quote(const std::string& text);

}  // namespace selinon::plot
