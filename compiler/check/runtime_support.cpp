// What this runtime does not do yet: configuration Selinon accepts and selinonc validates, but no generated code or
// runtime acts on. Named (not-supported-yet, storage-not-built-in) rather than dropped silently.
#include <fmt/format.h>

#include "check/check.hpp"

namespace selinon::check {
namespace {

void tasks(const model::System& system, diag::DiagnosticSink& sink) {
  for (const auto& task : system.tasks) {
    if (task.output_schema) {
      sink.warning(task.loc, "not-supported-yet",
                   fmt::format("output_schema of task '{}' is not validated by this runtime yet", task.name));
    }
    if (task.selective_run_function.loc.valid()) {
      sink.warning(task.selective_run_function.loc, "not-supported-yet",
                   fmt::format("selective_run_function of task '{}' is not called by this runtime yet: it has no "
                               "selective runs",
                               task.name));
    }
  }
}

void storages(const model::System& system, diag::DiagnosticSink& sink, bool mock_all_tasks) {
  for (const auto& storage : system.storages) {
    if (!mock_all_tasks && storage.is_selinon_adapter() && !storage.is_in_memory()) {
      sink.warning(storage.loc, "storage-not-built-in",
                   fmt::format("storage '{}' uses Selinon's {}.{}, which this runtime does not provide yet; tasks "
                               "using it fail at run time (use a MOCK_ALL_TASKS build or your own adapter)",
                               storage.name, storage.import, storage.classname));
    }
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
    for (const auto& edge : flow.edges) {
      if (edge.selective) {
        sink.warning(edge.selective->loc, "not-supported-yet",
                     fmt::format("selective runs are not supported by this runtime yet; edge {} of flow '{}' starts "
                                 "its sub-flow as a full run",
                                 edge.index, flow.name));
      }
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

void check_runtime_support(const model::System& system, diag::DiagnosticSink& sink, bool mock_all_tasks) {
  tasks(system, sink);
  storages(system, sink, mock_all_tasks);
  flows(system, sink);
  trace(system.global.trace, sink);
  if (system.global.migration_dir) {
    sink.warning(parse::Loc{}, "not-supported-yet", "migration_dir is ignored: this runtime has no migrations yet");
  }
}

}  // namespace selinon::check
