// What this runtime does not do yet: configuration Selinon accepts and selinonc validates, but no generated code or
// runtime acts on. Named (not-supported-yet, storage-not-built-in) rather than dropped silently.
#include <fmt/format.h>

#include "check/check.hpp"

namespace selinon::check {
namespace {

void tasks(const model::System& system, diag::DiagnosticSink& sink) {
  for (const auto& task : system.tasks) {
    if (task.selective_run_function.loc.valid()) {
      sink.warning(task.selective_run_function.loc, "not-supported-yet",
                   fmt::format("selective_run_function of task '{}' is not called by this runtime yet: it has no "
                               "selective runs",
                               task.name));
    }
  }
}

void storages(const model::System& system, diag::DiagnosticSink& sink) {
  for (const auto& storage : system.storages) {
    if (storage.cache_given) {
      sink.warning(storage.cache.loc, "not-supported-yet",
                   fmt::format("the cache of storage '{}' is not used by this runtime yet: results are read from the "
                               "storage every time",
                               storage.name));
    }
  }
}

void flows(const model::System& system, diag::DiagnosticSink& sink) {
  for (const auto& flow : system.flows) {
    if (flow.cache.loc.valid()) {
      sink.warning(flow.cache.loc, "not-supported-yet",
                   fmt::format("the cache of flow '{}' is not used by this runtime yet", flow.name));
    }
  }
}

// The worker picks its trace output on its command line (--trace text|json); `logging: true` is what it does by
// default, every other backend of global.trace is not acted on.
void trace(const model::TraceConfig& trace, diag::DiagnosticSink& sink) {
  if (trace.json) {
    sink.warning(trace.json_loc, "not-supported-yet",
                 "trace backend 'json' of global.trace is not read by this runtime yet; run the worker with "
                 "--trace json for JSON-lines traces");
  }
  for (const auto& fn : trace.functions) {
    sink.warning(fn.loc, "not-supported-yet",
                 fmt::format("trace function '{}' from '{}' is not called by this runtime yet", fn.name, fn.import));
  }
  for (const auto& ts : trace.storages) {
    sink.warning(ts.storage.loc, "not-supported-yet",
                 fmt::format("tracing into storage '{}' is not supported by this runtime yet", ts.storage.value));
  }
  for (const auto& dsn : trace.sentry_dsns) {
    sink.warning(dsn.loc, "not-supported-yet", "Sentry tracing is not supported by this runtime yet");
  }
}

}  // namespace

void check_runtime_support(const model::System& system, diag::DiagnosticSink& sink) {
  tasks(system, sink);
  storages(system, sink);
  flows(system, sink);
  trace(system.global.trace, sink);
}

}  // namespace selinon::check
