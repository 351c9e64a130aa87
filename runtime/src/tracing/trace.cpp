// Trace event names, the tracer fan-out and the built-in sinks.
#include "selinon/trace.hpp"

#include <unistd.h>

#include <array>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace selinon {
namespace {

constexpr std::array<std::string_view, kTraceEventCount> kNames = {
    "DISPATCHER_WAKEUP", "FLOW_SCHEDULE", "FLOW_START", "TASK_SCHEDULE", "TASK_START", "SUBFLOW_SCHEDULE",
    "TASK_END", "NODE_SUCCESSFUL", "TASK_DISCARD_RESULT", "TASK_FAILURE", "TASK_RETRY", "FLOW_FAILURE",
    "DISPATCHER_FAILURE", "NODE_FAILURE", "FALLBACK_START", "DISPATCHER_RETRY", "FLOW_END", "STORAGE_CONNECT",
    "STORAGE_DISCONNECT", "STORAGE_RETRIEVE", "STORAGE_RETRIEVED", "STORAGE_STORE", "STORAGE_STORED",
    "EDGE_COND_FALSE", "FOREACH_RESULT", "NODE_STATE_CACHE_GET", "NODE_STATE_CACHE_ADD", "NODE_STATE_CACHE_MISS",
    "NODE_STATE_CACHE_HIT", "TASK_RESULT_CACHE_GET", "TASK_RESULT_CACHE_ADD", "TASK_RESULT_CACHE_MISS",
    "TASK_RESULT_CACHE_HIT", "SELECTIVE_OMIT_EDGE", "SELECTIVE_OMIT_NODE", "SELECTIVE_RUN_FUNC",
    "SELECTIVE_TASK_REUSE", "STORAGE_STORE_ERROR", "STORAGE_OMIT_STORE_ERROR", "FALLBACK_COND_FALSE",
    "FALLBACK_COND_TRUE", "NODE_STATE_CACHE_ISSUE", "TASK_RESULT_CACHE_ISSUE", "STORAGE_ISSUE",
    "RESULT_BACKEND_ISSUE", "FLOW_RETRY", "MIGRATION", "MIGRATION_SKEW", "MIGRATION_TAINTED_FLOW", "MIGRATION_ERROR",
    "EAGER_FAILURE", "STORAGE_DELETE", "STORAGE_DELETED"};

std::string hostname() {
  char buffer[256] = {0};
  if (gethostname(buffer, sizeof(buffer) - 1) != 0) return "localhost";
  return buffer;
}

std::string utc_timestamp(std::chrono::system_clock::time_point t) {
  auto seconds = std::chrono::system_clock::to_time_t(t);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%d %H:%M:%S") << '.' << std::setw(6) << std::setfill('0') << micros;
  return out.str();
}

std::string short_id(const Json& id) {
  if (!id.is_string()) return "?";
  std::string s = id.get<std::string>();
  return s.size() > 8 ? s.substr(0, 8) : s;
}

}  // namespace

std::string_view trace_event_name(TraceEvent event) {
  auto index = static_cast<std::size_t>(event);
  return index < kNames.size() ? kNames[index] : "UNKNOWN";
}

bool trace_event_is_warning(TraceEvent e) {
  switch (e) {
    case TraceEvent::TASK_DISCARD_RESULT: case TraceEvent::TASK_FAILURE: case TraceEvent::TASK_RETRY:
    case TraceEvent::FLOW_FAILURE: case TraceEvent::DISPATCHER_FAILURE: case TraceEvent::NODE_FAILURE:
    case TraceEvent::STORAGE_OMIT_STORE_ERROR: case TraceEvent::NODE_STATE_CACHE_ISSUE:
    case TraceEvent::TASK_RESULT_CACHE_ISSUE: case TraceEvent::STORAGE_ISSUE: case TraceEvent::RESULT_BACKEND_ISSUE:
    case TraceEvent::FLOW_RETRY: case TraceEvent::MIGRATION_SKEW: case TraceEvent::MIGRATION_ERROR:
    case TraceEvent::EAGER_FAILURE:
      return true;
    default:
      return false;
  }
}

void Tracer::add(std::shared_ptr<TraceSink> sink) {
  payloads_ = payloads_ || sink->wants_payloads();
  sinks_.push_back(std::move(sink));
}

void Tracer::emit(TraceEvent event, Json details) const {
  emit(TraceRecord{event, std::move(details), std::chrono::system_clock::now()});
}

void TraceBuffer::emit(TraceEvent event, Json details) {
  if (tracer_) records_.push_back(TraceRecord{event, std::move(details), std::chrono::system_clock::now()});
}

void TraceBuffer::flush() {
  if (tracer_) {
    for (const auto& record : records_) tracer_->emit(record);
  }
  records_.clear();
}

void Tracer::emit(const TraceRecord& record) const {
  const TraceEvent event = record.event;
  for (const auto& sink : sinks_) {
    try {
      sink->emit(record);
    } catch (const std::exception& e) {
      std::cerr << "selinon: trace sink failed on " << trace_event_name(event) << ": " << e.what() << "\n";
    } catch (...) {
      std::cerr << "selinon: trace sink failed on " << trace_event_name(event) << "\n";
    }
  }
}

void JsonLinesTraceSink::emit(const TraceRecord& record) {
  static const std::string host = hostname();
  Json line = {{"details", record.details},
               {"event", std::string(trace_event_name(record.event))},
               {"node", host},
               {"time", utc_timestamp(record.time)}};
  std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::lock_guard lock(mutex_);
  out_ << text << '\n';
  out_.flush();
}

void TextTraceSink::emit(const TraceRecord& r) {
  const Json& d = r.details;
  auto s = [&](const char* key) { return d.contains(key) && d[key].is_string() ? d[key].get<std::string>() : std::string(); };
  std::string line;
  switch (r.event) {
    case TraceEvent::FLOW_START:
      line = "flow " + s("flow_name") + " [" + short_id(d["dispatcher_id"]) + "] started, node_args=" + d["node_args"].dump();
      break;
    case TraceEvent::TASK_SCHEDULE:
      line = "  " + s("flow_name") + ": schedule task " + s("task_name") + " [" + short_id(d["task_id"]) + "]";
      break;
    case TraceEvent::SUBFLOW_SCHEDULE:
      line = "  " + s("flow_name") + ": start sub-flow " + s("child_flow_name") + " [" + short_id(d["child_dispatcher_id"]) + "]";
      break;
    case TraceEvent::TASK_START:
      line = "    task " + s("task_name") + " [" + short_id(d["task_id"]) + "] running";
      break;
    case TraceEvent::TASK_END:
      line = "    task " + s("task_name") + " [" + short_id(d["task_id"]) + "] done";
      break;
    case TraceEvent::TASK_RETRY:
      line = "    task " + s("task_name") + " [" + short_id(d["task_id"]) + "] will retry (" + s("what") + ")";
      break;
    case TraceEvent::TASK_FAILURE:
      line = "    task " + s("task_name") + " [" + short_id(d["task_id"]) + "] FAILED: " + s("what");
      break;
    case TraceEvent::EDGE_COND_FALSE:
      line = "  " + s("flow_name") + ": edge " + d.value("edge", Json()).dump() + " not taken, condition false: " + s("condition");
      break;
    case TraceEvent::FOREACH_RESULT:
      line = "  " + s("flow_name") + ": foreach of edge " + d.value("edge", Json()).dump() + " gave " + d["result"].dump();
      break;
    case TraceEvent::FALLBACK_START:
      line = "  " + s("flow_name") + ": fallback " + d["fallback"].dump() + " for failed " + d["nodes"].dump();
      break;
    case TraceEvent::EAGER_FAILURE:
      line = "  " + s("flow_name") + ": eager failure of " + s("node_name");
      break;
    case TraceEvent::FLOW_END:
      line = "flow " + s("flow_name") + " [" + short_id(d["dispatcher_id"]) + "] finished";
      break;
    case TraceEvent::FLOW_FAILURE:
      line = "flow " + s("flow_name") + " [" + short_id(d["dispatcher_id"]) + "] FAILED" +
             (d.value("will_retry", false) ? " (will retry)" : "");
      break;
    case TraceEvent::FLOW_RETRY:
      line = "flow " + s("flow_name") + " [" + short_id(d["dispatcher_id"]) + "] restarts";
      break;
    case TraceEvent::DISPATCHER_FAILURE:
      line = "dispatcher failure in " + s("flow_name") + ": " + s("what");
      break;
    case TraceEvent::STORAGE_ISSUE:
      line = "storage issue: " + s("what");
      break;
    default:
      return;
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_);
  std::ostringstream stamp;
  stamp << std::setw(7) << std::fixed << std::setprecision(3) << static_cast<double>(elapsed.count()) / 1000.0 << "s ";
  bool warn = trace_event_is_warning(r.event);
  std::lock_guard lock(mutex_);
  out_ << stamp.str() << (color_ && warn ? "\033[1;31m" : "") << line << (color_ && warn ? "\033[0m" : "") << '\n';
  out_.flush();
}

void RecordingTraceSink::emit(const TraceRecord& record) {
  std::lock_guard lock(mutex_);
  records_.push_back(record);
}

std::vector<TraceRecord> RecordingTraceSink::records() const {
  std::lock_guard lock(mutex_);
  return records_;
}

}  // namespace selinon
