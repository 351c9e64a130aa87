// Task execution (spec §3.15): success stores the result, exceptions retry up to max_retry, then fail.
#include "task_runner.hpp"

#include <exception>
#include <future>
#include <thread>

#include <fmt/format.h>

namespace selinon {

TaskRunner::TaskRunner(const TaskBinding& binding, const TaskMessage& message, const ResultReader& results,
                       const Tracer& tracer, const TaskSource* task_source,
                       std::function<DataStorage&(std::string_view)> storage,
                       std::shared_ptr<std::atomic<int>> abandoned_runs)
    : binding_(binding), message_(message), results_(results), tracer_(tracer), task_source_(task_source),
      storage_(std::move(storage)), abandoned_runs_(std::move(abandoned_runs)) {}

namespace {

// Thrown when a task exceeds its timeout; handled like any task failure (so it may be retried).
struct TaskTimeout : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace

Json TaskRunner::run_task(std::shared_ptr<TaskContext> context) {
  std::shared_ptr<Task> task = instantiate();
  task->bind(context.get());
  if (binding_.timeout_seconds <= 0) return task->run(value_of(message_.node_args));
  // C++ cannot stop a thread from outside: a task past its timeout is failed at once and left to finish on its
  // own thread (it can notice through cancelled()); its result is discarded and the worker thread moves on.
  auto outcome = std::make_shared<std::promise<Json>>();
  std::future<Json> future = outcome->get_future();
  auto abandoned = abandoned_runs_;
  if (abandoned) ++*abandoned;
  std::thread([task, context, outcome, abandoned, node_args = message_.node_args] {
    try {
      outcome->set_value(task->run(value_of(node_args)));
    } catch (...) {
      outcome->set_exception(std::current_exception());
    }
    if (abandoned) --*abandoned;
  }).detach();
  auto limit = std::chrono::duration<double>(binding_.timeout_seconds);
  if (future.wait_for(limit) == std::future_status::timeout) {
    context->cancelled->store(true);
    throw TaskTimeout(fmt::format("task {} exceeded its timeout of {} s", message_.task_name, binding_.timeout_seconds));
  }
  return future.get();
}

Json TaskRunner::details() const {
  if (!tracer_.enabled()) return Json();  // untraced workers skip building event payloads (hot path)
  Json d = {{"flow_name", message_.flow_name}, {"task_name", message_.task_name}, {"task_id", message_.task_id},
            {"dispatcher_id", message_.dispatcher_id}};
  if (tracer_.payloads()) {
    d["node_args"] = value_of(message_.node_args);
    d["parent"] = message_.parent;
  }
  return d;
}

void TaskRunner::trace(TraceEvent event, Json d) const {
  if (tracer_.enabled()) tracer_.emit(event, std::move(d));
}

std::unique_ptr<Task> TaskRunner::instantiate() const {
  if (task_source_) {
    if (auto replacement = task_source_->replace(binding_)) return replacement;
  }
  if (!binding_.make) {
    throw FatalTaskError("task " + std::string(binding_.name) + " has no code in this worker (built with "
                         "MOCK_ALL_TASKS, and no mock script given)");
  }
  return binding_.make();
}

TaskOutcome TaskRunner::failure(const std::string& what, bool retryable) {
  if (retryable && message_.retried_count < binding_.max_retry) {
    TaskOutcome retry{TaskOutcome::Kind::retry, what, message_.retried_count + 1,
                      std::chrono::seconds(binding_.retry_countdown)};
    Json d = details();
    d["what"] = what;
    d["retried_count"] = retry.retried_count;
    d["retry_countdown"] = binding_.retry_countdown;
    d["max_retry"] = binding_.max_retry;
    d["user_retry"] = false;
    trace(TraceEvent::TASK_RETRY, std::move(d));
    return retry;
  }
  Json d = details();
  d["what"] = what;
  d["retried_count"] = message_.retried_count;
  trace(TraceEvent::TASK_FAILURE, std::move(d));
  if (!binding_.storage.empty() && !binding_.storage_readonly) {
    try {
      auto record = storage_(binding_.storage)
                        .store_error(value_of(message_.node_args), message_.flow_name, std::string(binding_.storage_task_name),
                                     message_.task_id, what);
      Json s = details();
      s["storage_name"] = std::string(binding_.storage);
      if (record) {
        s["record_id"] = *record;
        trace(TraceEvent::STORAGE_STORE_ERROR, std::move(s));
      } else {
        trace(TraceEvent::STORAGE_OMIT_STORE_ERROR, std::move(s));
      }
    } catch (const std::exception& e) {
      trace(TraceEvent::STORAGE_ISSUE, {{"task_name", message_.task_name}, {"what", e.what()}});
    }
  }
  return TaskOutcome{TaskOutcome::Kind::failed, what, message_.retried_count, {}};
}

TaskOutcome TaskRunner::run() {
  trace(TraceEvent::TASK_START, details());
  auto context = std::make_shared<TaskContext>();
  context->task_name = message_.task_name;
  context->flow_name = message_.flow_name;
  context->task_id = message_.task_id;
  context->dispatcher_id = message_.dispatcher_id;
  context->parent = message_.parent;
  context->retried_count = message_.retried_count;
  context->results = &results_;
  try {
    if (!binding_.storage.empty()) context->storage = &storage_(binding_.storage);
    Json result = run_task(context);
    if (!binding_.storage.empty() && !binding_.storage_readonly) {
      std::string record = context->storage->store(value_of(message_.node_args), message_.flow_name,
                                                  std::string(binding_.storage_task_name), message_.task_id, result);
      if (tracer_.enabled()) {
        Json d = details();
        d["storage_name"] = std::string(binding_.storage);
        d["record_id"] = record;
        trace(TraceEvent::STORAGE_STORE, std::move(d));
      }
    } else if (!result.is_null() && tracer_.enabled()) {
      Json d = details();
      d["result"] = std::move(result);
      trace(TraceEvent::TASK_DISCARD_RESULT, std::move(d));
    }
    // Untraced workers build no event payloads: this is the hot path of every task.
    if (tracer_.enabled()) {
      Json d = details();
      d["storage"] = binding_.storage.empty() ? Json() : Json(std::string(binding_.storage));
      trace(TraceEvent::TASK_END, std::move(d));
    }
    return TaskOutcome{};
  } catch (const RetryRequest& request) {
    Json d = details();
    d["user_retry"] = true;
    d["retry_countdown"] = request.countdown_seconds;
    d["retried_count"] = message_.retried_count;
    trace(TraceEvent::TASK_RETRY, std::move(d));
    return TaskOutcome{TaskOutcome::Kind::retry, "retry requested", message_.retried_count,
                       std::chrono::seconds(request.countdown_seconds)};
  } catch (const FatalTaskError& e) {
    return failure(std::string("FatalTaskError: ") + e.what(), false);
  } catch (const std::exception& e) {
    return failure(e.what(), true);
  } catch (...) {
    return failure("unknown exception (not derived from std::exception)", true);
  }
}

}  // namespace selinon
