// The front end as one call: read the files, build the model, run the checks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "check/check.hpp"
#include "diag/diagnostics.hpp"
#include "lower/build.hpp"
#include "model/model.hpp"
#include "source/source.hpp"

namespace selinon {

struct FrontEnd {
  parse::SourceManager sources;
  diag::DiagnosticSink sink;
  std::optional<model::System> system;

  explicit FrontEnd(diag::WarningPolicy policy = {}) : sink(std::move(policy)) {}

  // True when the configuration has no errors (warnings allowed).
  bool run(const model::ConfigFiles& files, check::CheckOptions options = {}) {
    system = model::build_system(files, sources, sink);
    if (system) check::check_system(*system, sink, options);
    return system.has_value() && !sink.has_errors();
  }
};

}  // namespace selinon
