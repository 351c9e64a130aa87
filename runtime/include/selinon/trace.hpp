// Trace events (Selinon's catalogue, same names and numbering) and the sinks that receive them.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string_view>
#include <vector>

#include "selinon/json.hpp"

namespace selinon {

// Numbering is Selinon's (0-based position), which tools and its tests rely on.
enum class TraceEvent : int {
  DISPATCHER_WAKEUP = 0, FLOW_SCHEDULE, FLOW_START, TASK_SCHEDULE, TASK_START, SUBFLOW_SCHEDULE, TASK_END,
  NODE_SUCCESSFUL, TASK_DISCARD_RESULT, TASK_FAILURE, TASK_RETRY, FLOW_FAILURE, DISPATCHER_FAILURE, NODE_FAILURE,
  FALLBACK_START, DISPATCHER_RETRY, FLOW_END, STORAGE_CONNECT, STORAGE_DISCONNECT, STORAGE_RETRIEVE,
  STORAGE_RETRIEVED, STORAGE_STORE, STORAGE_STORED, EDGE_COND_FALSE, FOREACH_RESULT, NODE_STATE_CACHE_GET,
  NODE_STATE_CACHE_ADD, NODE_STATE_CACHE_MISS, NODE_STATE_CACHE_HIT, TASK_RESULT_CACHE_GET, TASK_RESULT_CACHE_ADD,
  TASK_RESULT_CACHE_MISS, TASK_RESULT_CACHE_HIT, SELECTIVE_OMIT_EDGE, SELECTIVE_OMIT_NODE, SELECTIVE_RUN_FUNC,
  SELECTIVE_TASK_REUSE, STORAGE_STORE_ERROR, STORAGE_OMIT_STORE_ERROR, FALLBACK_COND_FALSE, FALLBACK_COND_TRUE,
  NODE_STATE_CACHE_ISSUE, TASK_RESULT_CACHE_ISSUE, STORAGE_ISSUE, RESULT_BACKEND_ISSUE, FLOW_RETRY, MIGRATION,
  MIGRATION_SKEW, MIGRATION_TAINTED_FLOW, MIGRATION_ERROR, EAGER_FAILURE, STORAGE_DELETE, STORAGE_DELETED,
};
inline constexpr int kTraceEventCount = 53;

std::string_view trace_event_name(TraceEvent event);
// Selinon logs these at warning level (JSON tracer: to stderr).
bool trace_event_is_warning(TraceEvent event);

struct TraceRecord {
  TraceEvent event;
  Json details;
  std::chrono::system_clock::time_point time;
};

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void emit(const TraceRecord& record) = 0;
  // False for sinks that never read the bulky fields (node_args, parent, results of every task): the runtime then
  // leaves them out, so tracing a foreach of 100,000 tasks does not copy the flow's node_args 100,000 times.
  virtual bool wants_payloads() const { return true; }
};

// Fans events out to every sink; a sink that throws is reported once to stderr and the others still run.
class Tracer {
 public:
  void add(std::shared_ptr<TraceSink> sink);
  bool enabled() const { return !sinks_.empty(); }
  // Some sink wants node_args, parents and results in the details.
  bool payloads() const { return payloads_; }
  void emit(TraceEvent event, Json details) const;
  void emit(const TraceRecord& record) const;

 private:
  std::vector<std::shared_ptr<TraceSink>> sinks_;
  bool payloads_ = false;
};

// The events of one transition, held back until it is committed: a transition that is rolled back or handled
// again after a lost race leaves no trace, so the trace shows each applied transition once.
class TraceBuffer {
 public:
  explicit TraceBuffer(const Tracer* tracer) : tracer_(tracer && tracer->enabled() ? tracer : nullptr) {}
  bool enabled() const { return tracer_ != nullptr; }
  bool payloads() const { return tracer_ && tracer_->payloads(); }
  void emit(TraceEvent event, Json details);
  void flush();
  void discard() { records_.clear(); }

 private:
  const Tracer* tracer_;
  std::vector<TraceRecord> records_;
};

// One JSON object per line, as Selinon's JSON tracer: {"details", "event", "node", "time"}.
class JsonLinesTraceSink final : public TraceSink {
 public:
  explicit JsonLinesTraceSink(std::ostream& out) : out_(out) {}
  void emit(const TraceRecord& record) override;

 private:
  std::ostream& out_;
  std::mutex mutex_;
};

// A readable live trace for people: one line per event that matters, with flow and node names.
class TextTraceSink final : public TraceSink {
 public:
  explicit TextTraceSink(std::ostream& out, bool color = false) : out_(out), color_(color) {}
  void emit(const TraceRecord& record) override;
  bool wants_payloads() const override { return false; }

 private:
  std::ostream& out_;
  bool color_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

class CallbackTraceSink final : public TraceSink {
 public:
  explicit CallbackTraceSink(std::function<void(const TraceRecord&)> fn) : fn_(std::move(fn)) {}
  void emit(const TraceRecord& record) override { fn_(record); }

 private:
  std::function<void(const TraceRecord&)> fn_;
};

// Keeps every record in memory, in order; for tests and for tools that inspect a run afterwards.
class RecordingTraceSink final : public TraceSink {
 public:
  void emit(const TraceRecord& record) override;
  std::vector<TraceRecord> records() const;

 private:
  mutable std::mutex mutex_;
  std::vector<TraceRecord> records_;
};

}  // namespace selinon
