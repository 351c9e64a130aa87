// Task execution (spec §3.15): success stores the result, exceptions retry up to max_retry, then fail.
#include "task_runner.hpp"

#include <exception>

namespace selinon {

TaskMessage TaskMessage::from_json(const Json& j) {
  TaskMessage m;
  m.task_name = j.at("task_name").get<std::string>();
  m.flow_name = j.at("flow_name").get<std::string>();
  m.task_id = j.at("task_id").get<std::string>();
  m.dispatcher_id = j.at("dispatcher_id").get<std::string>();
  m.node_args = j.value("node_args", Json());
  m.parent = j.value("parent", Json::object());
  m.retried_count = j.value("retried_count", 0);
  return m;
}

TaskRunner::TaskRunner(const TaskBinding& binding, const TaskMessage& message, const ResultReader& results,
                       const Tracer& tracer, std::shared_ptr<const MockScript> mocks, bool mock_all,
                       std::function<DataStorage&(std::string_view)> storage)
    : binding_(binding), message_(message), results_(results), tracer_(tracer), mocks_(std::move(mocks)),
      mock_all_(mock_all), storage_(std::move(storage)) {}

Json TaskRunner::details() const {
  return {{"flow_name", message_.flow_name}, {"task_name", message_.task_name}, {"task_id", message_.task_id},
          {"dispatcher_id", message_.dispatcher_id}, {"node_args", message_.node_args}, {"parent", message_.parent}};
}

void TaskRunner::trace(TraceEvent event, Json d) const {
  if (tracer_.enabled()) tracer_.emit(event, std::move(d));
}

std::unique_ptr<Task> TaskRunner::instantiate() const {
  std::string name(binding_.name);
  if (mocks_ && mocks_->mocks_task(name)) return std::make_unique<MockTask>(mocks_);
  if (mock_all_ || !binding_.make) {
    return std::make_unique<MockTask>(mocks_ ? mocks_ : std::make_shared<const MockScript>());
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
                        .store_error(message_.node_args, message_.flow_name, std::string(binding_.storage_task_name),
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
  TaskContext context;
  context.task_name = message_.task_name;
  context.flow_name = message_.flow_name;
  context.task_id = message_.task_id;
  context.dispatcher_id = message_.dispatcher_id;
  context.parent = message_.parent;
  context.retried_count = message_.retried_count;
  context.results = &results_;
  try {
    if (!binding_.storage.empty()) context.storage = &storage_(binding_.storage);
    std::unique_ptr<Task> task = instantiate();
    task->bind(&context);
    Json result = task->run(message_.node_args);
    if (!binding_.storage.empty() && !binding_.storage_readonly) {
      std::string record = context.storage->store(message_.node_args, message_.flow_name,
                                                  std::string(binding_.storage_task_name), message_.task_id, result);
      Json d = details();
      d["storage_name"] = std::string(binding_.storage);
      d["record_id"] = record;
      trace(TraceEvent::STORAGE_STORE, std::move(d));
    } else if (!result.is_null()) {
      Json d = details();
      d["result"] = result;
      trace(TraceEvent::TASK_DISCARD_RESULT, std::move(d));
    }
    Json d = details();
    d["storage"] = binding_.storage.empty() ? Json() : Json(std::string(binding_.storage));
    trace(TraceEvent::TASK_END, std::move(d));
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
