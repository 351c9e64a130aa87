// libFuzzer target: one input is one YAML file, run through the whole front end (parse, model, checks, rendering).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "check/check.hpp"
#include "diag/diagnostics.hpp"
#include "lower/build.hpp"
#include "parse/yaml_loader.hpp"
#include "source/source.hpp"

using namespace selinon;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  parse::SourceManager sources;
  diag::DiagnosticSink sink;
  const parse::SourceFile* file =
      sources.add("fuzz.yml", std::string(reinterpret_cast<const char*>(data), size));
  // Alias expansion is bounded by max_nodes, but under ASan and coverage each node costs ~10 us, so an expansion
  // just under the default (2M nodes; ~1.7 s and ~400 MB per million in a release build) reads as a hang. A few-KB
  // input has far fewer nodes without aliases, so the lower bound exercises the same limit code, not other code.
  parse::LoadLimits limits;
  limits.max_nodes = 50'000;
  if (auto doc = parse::load_yaml(*file, sink, limits)) {
    // One file is both the nodes file and a flow file, as `selinonc check single.yml` reads it; this reaches the
    // flow builder and the checks without needing two inputs.
    std::vector<parse::YamlValue> flows{*doc};
    if (auto system = model::build_system_from_values(*doc, flows, sink)) check::check_system(*system, sink);
  }
  // Rendering quotes source lines and user text, so it is part of the attack surface too.
  for (const auto& d : sink.all()) {
    (void)diag::render_text(d, false);
    (void)diag::render_text(d, true);
  }
  (void)diag::render_json(sink.all(), sink.error_count(), sink.warning_count());
  return 0;
}
