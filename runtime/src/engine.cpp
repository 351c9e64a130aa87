// The engine: task execution, flow events, per-flow serialisation, sub-flow wiring, dead letters.
#include "selinon/engine.hpp"

#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "selinon/flow_machine.hpp"
#include "task_runner.hpp"

namespace selinon {
namespace {

using Clock = std::chrono::steady_clock;

// 15 characters of a 64-letter alphabet: 90 random bits (collisions are negligible even after 2^40 ids) and short
// enough for std::string's small-buffer storage, so ids cost no allocation when states and messages are copied.
std::string new_id() {
  thread_local std::mt19937_64 generator{std::random_device{}() ^
                                         static_cast<std::uint64_t>(Clock::now().time_since_epoch().count())};
  static constexpr char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
  std::string id(15, '0');
  std::uint64_t a = generator(), b = generator();
  for (std::size_t i = 0; i < 15; ++i) {
    std::uint64_t& source = i < 8 ? a : b;
    id[i] = alphabet[source & 63];
    source >>= 6;
  }
  return id;
}

struct FlowRun {
  std::mutex mutex;
  const FlowBinding* binding = nullptr;
  FlowState state;
  bool started = false;
};

}  // namespace

std::string expand_env_template(std::string_view text, std::string_view what) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    std::size_t close = text.find('}', i);
    if (close == std::string_view::npos) throw std::runtime_error(std::string(what) + ": unbalanced '{' in '" + std::string(text) + "'");
    std::string var(text.substr(i + 1, close - i - 1));
    const char* value = std::getenv(var.c_str());
    if (!value) {
      throw std::runtime_error(std::string(what) + " '" + std::string(text) + "' needs environment variable " + var +
                               ", which is not set");
    }
    out += value;
    i = close;
  }
  return out;
}

struct Engine::Impl : ResultReader {
  const SystemDescriptor& system;
  Broker& broker;
  std::shared_ptr<Tracer> tracer;
  EngineOptions options;
  std::unordered_map<std::string, std::string> task_queues;
  std::unordered_map<std::string, std::string> flow_queues;
  std::vector<std::string> all_queues;

  std::mutex storage_mutex;
  std::unordered_map<std::string, std::unique_ptr<DataStorage>> storages;

  mutable std::mutex runs_mutex;
  mutable std::condition_variable outcome_changed;
  std::unordered_map<std::string, std::shared_ptr<FlowRun>> runs;
  // Sub-flow runs that ended and were dropped from `runs`: late news for them (a nowait task outliving its flow, a
  // node orphaned by an eager failure) is ignored, not dead-lettered.
  std::unordered_set<std::string> ended_children;
  std::unordered_map<std::string, FlowOutcome> outcomes;  // top-level flows only

  // Task runs abandoned after their timeout still hold references into this engine; it waits for them on exit.
  std::shared_ptr<std::atomic<int>> abandoned_runs = std::make_shared<std::atomic<int>>(0);

  std::mutex throttle_mutex;
  std::unordered_map<std::string, Clock::time_point> throttle_next;

  Impl(const SystemDescriptor& s, Broker& b, std::shared_ptr<Tracer> t, EngineOptions o)
      : system(s), broker(b), tracer(t ? std::move(t) : std::make_shared<Tracer>()), options(std::move(o)) {
    auto add_queue = [&](const std::string& q) {
      if (std::find(all_queues.begin(), all_queues.end(), q) == all_queues.end()) all_queues.push_back(q);
    };
    for (const auto& task : system.tasks) {
      std::string q = expand_env_template(task.queue, "queue of task '" + std::string(task.name) + "'");
      task_queues[std::string(task.name)] = q;
      add_queue(q);
    }
    for (const auto& flow : system.flows) {
      std::string q = expand_env_template(flow.queue, "queue of flow '" + std::string(flow.machine->name) + "'");
      flow_queues[std::string(flow.machine->name)] = q;
      add_queue(q);
    }
  }

  void trace(TraceEvent e, Json details) const {
    if (tracer->enabled()) tracer->emit(e, std::move(details));
  }

  DataStorage& storage(std::string_view name) {
    std::lock_guard lock(storage_mutex);
    auto it = storages.find(std::string(name));
    if (it != storages.end()) return *it->second;
    const StorageBinding* binding = system.storage(name);
    if (!binding) throw StorageError("storage '" + std::string(name) + "' is not part of this system");
    Json configuration = Json::parse(binding->configuration_json);
    std::unique_ptr<DataStorage> adapter = binding->make ? binding->make(configuration)
                                                         : std::make_unique<MemoryStorage>(configuration);
    trace(TraceEvent::STORAGE_CONNECT, {{"storage_name", std::string(name)}});
    adapter->connect();
    return *storages.emplace(std::string(name), std::move(adapter)).first->second;
  }

  Json read(const std::string& flow_name, const std::string& task_name, const std::string& task_id) const override {
    const TaskBinding* task = system.task(task_name);
    if (!task || task->storage.empty()) {
      throw StorageError("task '" + task_name + "' has no storage, so its result cannot be read");
    }
    auto* self = const_cast<Impl*>(this);  // storages connect lazily; the reader is logically const
    trace(TraceEvent::STORAGE_RETRIEVE, {{"flow_name", flow_name}, {"task_name", task_name}, {"task_id", task_id},
                                         {"storage_name", std::string(task->storage)}});
    try {
      return self->storage(task->storage).retrieve(flow_name, std::string(task->storage_task_name), task_id);
    } catch (const StorageError&) {
      throw;
    } catch (const std::exception& e) {
      throw StorageError("cannot read the result of " + task_name + " " + task_id + ": " + e.what());
    }
  }

  std::chrono::milliseconds throttle(const std::string& key, double seconds) {
    if (seconds <= 0) return std::chrono::milliseconds{0};
    std::lock_guard lock(throttle_mutex);
    auto now = Clock::now();
    auto spacing = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    auto [it, first] = throttle_next.emplace(key, now + spacing);
    if (first) return std::chrono::milliseconds{0};
    auto due = std::max(it->second, now);
    it->second = due + spacing;
    return std::chrono::duration_cast<std::chrono::milliseconds>(due - now);
  }

  void dead_letter(const Delivery& delivery, const std::string& reason) {
    trace(TraceEvent::DISPATCHER_FAILURE, {{"what", reason}, {"queue", delivery.queue}});
    broker.publish(options.dead_letter_queue,
                   Json{{"reason", reason}, {"queue", delivery.queue}, {"message", delivery.body}});
  }

  std::shared_ptr<FlowRun> find_run(const std::string& id) {
    std::lock_guard lock(runs_mutex);
    auto it = runs.find(id);
    return it == runs.end() ? nullptr : it->second;
  }

  void publish_event(const std::string& flow, Json event, std::chrono::milliseconds delay = {}) {
    event["type"] = "event";
    event["flow_name"] = flow;
    broker.publish(flow_queues.at(flow), std::move(event), delay);
  }

  void record_outcome(const FlowState& state, const Json& result) {
    if (!state.parent_dispatcher.empty()) return;
    std::lock_guard lock(runs_mutex);
    outcomes[state.dispatcher_id] = FlowOutcome{state.status, result};
    outcome_changed.notify_all();
  }

  void apply_actions(FlowRun& run, const std::vector<Action>& actions) {
    FlowState& state = run.state;
    for (const auto& action : actions) {
      switch (action.kind) {
        case Action::Kind::run_task: {
          const TaskBinding* task = system.task(action.node);
          Json message = {{"type", "task"},          {"task_name", action.node},   {"flow_name", state.flow_name},
                          {"task_id", action.id},    {"dispatcher_id", state.dispatcher_id},
                          {"node_args", action.node_args}, {"parent", action.parent}, {"retried_count", 0}};
          broker.publish(task_queues.at(action.node), std::move(message),
                         throttle("task:" + action.node, task ? task->throttle_seconds : 0));
          break;
        }
        case Action::Kind::start_subflow: {
          const FlowBinding* child = system.flow(action.node);
          Json event = {{"event", "start"},       {"dispatcher_id", action.id},     {"node_args", action.node_args},
                        {"parent", action.parent}, {"parent_dispatcher", state.dispatcher_id},
                        {"parent_flow", state.flow_name}, {"retried_count", 0}};
          publish_event(action.node, std::move(event), throttle("flow:" + action.node, child ? child->throttle_seconds : 0));
          break;
        }
        case Action::Kind::finish_flow:
        case Action::Kind::fail_flow: {
          bool ok = action.kind == Action::Kind::finish_flow;
          record_outcome(state, action.result);
          if (!state.parent_dispatcher.empty()) {
            Json event = {{"event", ok ? "succeeded" : "failed"}, {"dispatcher_id", state.parent_dispatcher},
                          {"node", state.flow_name}, {"node_id", state.dispatcher_id}, {"result", action.result},
                          {"what", ok ? "" : "sub-flow " + state.flow_name + " failed"}};
            publish_event(state.parent_flow, std::move(event));
          }
          break;
        }
        case Action::Kind::restart_flow: {
          Json event = {{"event", "restart"}, {"dispatcher_id", state.dispatcher_id},
                        {"retried_count", state.retried_count + 1}};
          trace(TraceEvent::FLOW_RETRY, {{"flow_name", state.flow_name}, {"dispatcher_id", state.dispatcher_id},
                                         {"retried_count", state.retried_count + 1},
                                         {"countdown", action.countdown_seconds}, {"node_args", state.node_args}});
          publish_event(state.flow_name, std::move(event), std::chrono::seconds(action.countdown_seconds));
          break;
        }
      }
    }
  }

  // Runs `change` on a copy of the run's state; commits it and publishes its actions only if it completes.
  template <typename Change>
  void transition(FlowRun& run, const Json& event, Change&& change) {
    const FlowMachine& machine = *run.binding->machine;
    FlowState next = run.state;
    Step step(machine, next, this, tracer.get(), new_id, options.mocks.get());
    try {
      change(step);
    } catch (const StorageError& e) {
      // A result could not be read: try the same event again later with the state unchanged (Selinon's
      // technical retry; not counted against max_retry).
      trace(TraceEvent::STORAGE_ISSUE, {{"flow_name", run.state.flow_name}, {"dispatcher_id", run.state.dispatcher_id},
                                        {"what", e.what()}});
      int seconds = std::max(1, machine.retry_countdown);
      publish_event(run.state.flow_name, event, std::chrono::seconds(seconds));
      return;
    } catch (const std::exception& e) {
      // A predicate, foreach function or the configuration itself broke the dispatcher: the flow fails.
      trace(TraceEvent::DISPATCHER_FAILURE, {{"flow_name", run.state.flow_name},
                                             {"dispatcher_id", run.state.dispatcher_id}, {"what", e.what()}});
      run.state.status = FlowState::Status::failed;
      Action fail;
      fail.kind = Action::Kind::fail_flow;
      fail.result = run.state.result(machine);
      fail.result["error"] = e.what();
      ++run.state.version;
      apply_actions(run, {fail});
      return;
    }
    ++next.version;
    run.state = std::move(next);
    apply_actions(run, step.actions());
  }

  void handle_event(const Delivery& delivery) {
    const Json& m = delivery.body;
    const std::string kind = m.at("event").get<std::string>();
    const std::string flow = m.at("flow_name").get<std::string>();
    const std::string id = m.at("dispatcher_id").get<std::string>();
    const FlowBinding* binding = system.flow(flow);
    if (!binding) throw std::invalid_argument("unknown flow '" + flow + "'");
    if (kind == "start") {
      std::shared_ptr<FlowRun> run;
      {
        std::lock_guard lock(runs_mutex);
        auto& slot = runs[id];
        if (!slot) slot = std::make_shared<FlowRun>();
        run = slot;
      }
      std::lock_guard lock(run->mutex);
      if (run->started) return;  // a redelivered start
      run->started = true;
      run->binding = binding;
      run->state = FlowState::fresh(*binding->machine, id, m.value("node_args", Json()));
      run->state.parent = m.value("parent", Json());
      if (!run->state.parent.is_object()) run->state.parent = Json::object();
      run->state.parent_dispatcher = m.value("parent_dispatcher", "");
      run->state.parent_flow = m.value("parent_flow", "");
      run->state.retried_count = m.value("retried_count", 0);
      transition(*run, m, [](Step& step) { step.start(); });
      return;
    }
    std::shared_ptr<FlowRun> run = find_run(id);
    if (!run) {
      {
        std::lock_guard lock(runs_mutex);
        if (ended_children.count(id)) return;
      }
      throw std::invalid_argument("no flow run with dispatcher id '" + id + "'");
    }
    std::lock_guard lock(run->mutex);
    if (run->state.status != FlowState::Status::running && kind != "restart") return;  // late news of an ended run
    if (kind == "restart") {
      FlowState fresh = FlowState::fresh(*binding->machine, id, run->state.node_args);
      fresh.parent = run->state.parent;
      fresh.parent_dispatcher = run->state.parent_dispatcher;
      fresh.parent_flow = run->state.parent_flow;
      fresh.retried_count = m.value("retried_count", run->state.retried_count + 1);
      fresh.version = run->state.version;
      run->state = std::move(fresh);
      transition(*run, m, [](Step& step) { step.start(); });
    } else if (kind == "succeeded") {
      const std::string node = m.at("node").get<std::string>();
      const std::string node_id = m.at("node_id").get<std::string>();
      Json result = m.value("result", Json());
      transition(*run, m, [&](Step& step) { step.node_succeeded(node, node_id, result); });
    } else if (kind == "failed") {
      const std::string node = m.at("node").get<std::string>();
      const std::string node_id = m.at("node_id").get<std::string>();
      const std::string what = m.value("what", "");
      Json result = m.value("result", Json());
      transition(*run, m, [&](Step& step) { step.node_failed(node, node_id, what, result); });
    } else {
      throw std::invalid_argument("unknown flow event '" + kind + "'");
    }
    if (run->state.status != FlowState::Status::running && !run->state.parent_dispatcher.empty()) {
      // The parent holds this sub-flow's result now; nothing will ask for the child's state again.
      std::lock_guard runs_lock(runs_mutex);
      runs.erase(id);
      ended_children.insert(id);
    }
  }

  void handle_task(const Delivery& delivery) {
    TaskMessage message = TaskMessage::from_json(delivery.body);
    const TaskBinding* binding = system.task(message.task_name);
    if (!binding) throw std::invalid_argument("unknown task '" + message.task_name + "'");
    if (!system.flow(message.flow_name)) throw std::invalid_argument("unknown flow '" + message.flow_name + "'");
    TaskRunner runner(*binding, message, *this, *tracer, options.mocks, system.mock_all_tasks,
                      [this](std::string_view name) -> DataStorage& { return storage(name); }, abandoned_runs);
    TaskOutcome outcome = runner.run();
    switch (outcome.kind) {
      case TaskOutcome::Kind::succeeded:
        publish_event(message.flow_name, {{"event", "succeeded"}, {"dispatcher_id", message.dispatcher_id},
                                          {"node", message.task_name}, {"node_id", message.task_id}});
        break;
      case TaskOutcome::Kind::failed:
        publish_event(message.flow_name, {{"event", "failed"}, {"dispatcher_id", message.dispatcher_id},
                                          {"node", message.task_name}, {"node_id", message.task_id},
                                          {"what", outcome.what}});
        break;
      case TaskOutcome::Kind::retry: {
        Json again = delivery.body;
        again["retried_count"] = outcome.retried_count;
        broker.publish(delivery.queue, std::move(again), outcome.countdown);
        break;
      }
    }
  }
};

Engine::Engine(const SystemDescriptor& system, Broker& broker, std::shared_ptr<Tracer> tracer, EngineOptions options)
    : impl_(std::make_unique<Impl>(system, broker, std::move(tracer), std::move(options))) {}

Engine::~Engine() {
  // Give runs that outlived their timeout a moment to end before the storages they may use go away.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (*impl_->abandoned_runs > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string Engine::start_flow(const std::string& flow, Json node_args) {
  if (!impl_->system.flow(flow)) throw std::invalid_argument("no flow named '" + flow + "' in this system");
  std::string id = new_id();
  {
    std::lock_guard lock(impl_->runs_mutex);
    impl_->outcomes[id] = FlowOutcome{FlowState::Status::running, nullptr};
  }
  impl_->trace(TraceEvent::FLOW_SCHEDULE, {{"flow_name", flow}, {"dispatcher_id", id}, {"node_args", node_args},
                                           {"queue", impl_->flow_queues.at(flow)}});
  impl_->publish_event(flow, {{"event", "start"}, {"dispatcher_id", id}, {"node_args", std::move(node_args)},
                              {"parent", Json::object()}, {"retried_count", 0}});
  return id;
}

void Engine::handle(const Delivery& delivery) {
  try {
    const Json& m = delivery.body;
    if (!m.is_object() || !m.contains("type") || !m["type"].is_string()) {
      throw std::invalid_argument("not a Selinon message (no \"type\")");
    }
    const std::string type = m["type"].get<std::string>();
    if (type == "event") {
      impl_->handle_event(delivery);
    } else if (type == "task") {
      impl_->handle_task(delivery);
    } else {
      throw std::invalid_argument("unknown message type '" + type + "'");
    }
  } catch (const std::exception& e) {
    impl_->dead_letter(delivery, e.what());
  } catch (...) {
    impl_->dead_letter(delivery, "unknown error while handling the message");
  }
}

std::optional<FlowOutcome> Engine::outcome(const std::string& dispatcher_id) const {
  std::lock_guard lock(impl_->runs_mutex);
  auto it = impl_->outcomes.find(dispatcher_id);
  if (it == impl_->outcomes.end()) return std::nullopt;
  return it->second;
}

std::optional<FlowOutcome> Engine::wait(const std::string& dispatcher_id, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->runs_mutex);
  impl_->outcome_changed.wait_for(lock, timeout, [&] {
    auto it = impl_->outcomes.find(dispatcher_id);
    return it == impl_->outcomes.end() || it->second.status != FlowState::Status::running;
  });
  auto it = impl_->outcomes.find(dispatcher_id);
  if (it == impl_->outcomes.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Engine::queues() const { return impl_->all_queues; }
const std::string& Engine::queue_of_task(const std::string& task) const { return impl_->task_queues.at(task); }
const std::string& Engine::queue_of_flow(const std::string& flow) const { return impl_->flow_queues.at(flow); }

void serve(Engine& engine, Broker& broker, const std::vector<std::string>& queues, int concurrency,
           const std::atomic<bool>& stop) {
  std::vector<std::thread> workers;
  for (int i = 0; i < std::max(1, concurrency); ++i) {
    workers.emplace_back([&] {
      while (!stop.load()) {
        auto delivery = broker.consume(queues, std::chrono::milliseconds(100));
        if (!delivery) continue;
        engine.handle(*delivery);
        broker.ack(*delivery);
      }
    });
  }
  for (auto& w : workers) w.join();
}

}  // namespace selinon
