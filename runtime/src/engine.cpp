// The engine: task execution and flow transitions as load -> Step -> commit against the backend.
#include "selinon/engine.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "crash_points.hpp"
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

std::chrono::milliseconds seconds(double s) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000.0 + 0.5));
}

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
  Backend& backend;
  std::shared_ptr<Tracer> tracer;
  EngineOptions options;
  std::unordered_map<std::string_view, const TaskBinding*> tasks;
  std::unordered_map<std::string_view, const FlowBinding*> flows;
  std::unordered_map<std::string, std::string> task_queues;
  std::unordered_map<std::string, std::string> flow_queues;
  std::vector<std::string> all_queues;

  std::mutex storage_mutex;
  std::unordered_map<std::string, std::unique_ptr<DataStorage>> storages;

  // Task runs abandoned after their timeout still hold references into this engine; it waits for them on exit.
  std::shared_ptr<std::atomic<int>> abandoned_runs = std::make_shared<std::atomic<int>>(0);

  Impl(const SystemDescriptor& s, Backend& b, std::shared_ptr<Tracer> t, EngineOptions o)
      : system(s), backend(b), tracer(t ? std::move(t) : std::make_shared<Tracer>()), options(std::move(o)) {
    auto add_queue = [&](const std::string& q) {
      if (std::find(all_queues.begin(), all_queues.end(), q) == all_queues.end()) all_queues.push_back(q);
    };
    for (const auto& task : system.tasks) {
      tasks.emplace(task.name, &task);
      std::string q = expand_env_template(task.queue, "queue of task '" + std::string(task.name) + "'");
      task_queues[std::string(task.name)] = q;
      add_queue(q);
    }
    for (const auto& flow : system.flows) {
      flows.emplace(flow.machine->name, &flow);
      std::string q = expand_env_template(flow.queue, "queue of flow '" + std::string(flow.machine->name) + "'");
      flow_queues[std::string(flow.machine->name)] = q;
      add_queue(q);
    }
  }

  const TaskBinding* task(std::string_view name) const {
    auto it = tasks.find(name);
    return it == tasks.end() ? nullptr : it->second;
  }
  const FlowBinding* flow(std::string_view name) const {
    auto it = flows.find(name);
    return it == flows.end() ? nullptr : it->second;
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
    std::unique_ptr<DataStorage> adapter;
    if (binding->make) adapter = binding->make(configuration);
    else if (options.builtin_storage) adapter = options.builtin_storage(*binding, configuration);
    if (!adapter) throw StorageError("storage '" + std::string(name) + "' has no adapter in this worker");
    trace(TraceEvent::STORAGE_CONNECT, {{"storage_name", std::string(name)}});
    adapter->connect();
    return *storages.emplace(std::string(name), std::move(adapter)).first->second;
  }

  Json read(const std::string& flow_name, const std::string& task_name, const std::string& task_id) const override {
    const TaskBinding* binding = task(task_name);
    if (!binding || binding->storage.empty()) {
      throw StorageError("task '" + task_name + "' has no storage, so its result cannot be read");
    }
    auto* self = const_cast<Impl*>(this);  // storages connect lazily; the reader is logically const
    trace(TraceEvent::STORAGE_RETRIEVE, {{"flow_name", flow_name}, {"task_name", task_name}, {"task_id", task_id},
                                         {"storage_name", std::string(binding->storage)}});
    try {
      return self->storage(binding->storage).retrieve(flow_name, std::string(binding->storage_task_name), task_id);
    } catch (const StorageError&) {
      throw;
    } catch (const std::exception& e) {
      throw StorageError("cannot read the result of " + task_name + " " + task_id + ": " + e.what());
    }
  }

  void dead_letter(const Claim& claim, const std::string& reason) {
    trace(TraceEvent::DISPATCHER_FAILURE, {{"what", reason}, {"queue", claim.queue}});
    backend.dead_letter(claim, reason);
  }

  Outgoing to_flow(const std::string& flow_name, FlowEvent event, std::chrono::milliseconds delay = {}) {
    return Outgoing{flow_queues.at(flow_name), std::move(event), delay};
  }

  // The messages a committed transition sends; its trace events go into `trace` with the transition's own.
  std::vector<Outgoing> outgoing(const FlowMachine& machine, const FlowState& state, std::vector<Action>& actions,
                                 TraceBuffer& trace) {
    std::vector<Outgoing> out;
    out.reserve(actions.size());
    for (auto& action : actions) {
      switch (action.kind) {
        case Action::Kind::run_task: {
          const TaskBinding* binding = task(action.node);
          TaskMessage m{action.node,     state.flow_name, std::move(action.id), state.dispatcher_id,
                        std::move(action.node_args), state.args_revision(), std::move(action.parent), 0};
          auto delay = binding && binding->throttle_seconds > 0
                           ? backend.throttle("task:" + action.node, seconds(binding->throttle_seconds))
                           : std::chrono::milliseconds{0};
          out.push_back(Outgoing{task_queues.at(action.node), std::move(m), delay});
          break;
        }
        case Action::Kind::start_subflow: {
          const FlowBinding* child = flow(action.node);
          FlowEvent e = FlowEvent::start(action.node, std::move(action.id), std::move(action.node_args),
                                         std::move(action.parent));
          e.parent_flow = state.flow_name;
          e.parent_dispatcher = state.dispatcher_id;
          auto delay = child && child->throttle_seconds > 0
                           ? backend.throttle("flow:" + action.node, seconds(child->throttle_seconds))
                           : std::chrono::milliseconds{0};
          out.push_back(to_flow(action.node, std::move(e), delay));
          break;
        }
        case Action::Kind::finish_flow:
        case Action::Kind::fail_flow: {
          if (state.parent_dispatcher.empty()) break;
          bool ok = action.kind == Action::Kind::finish_flow;
          Json result = state.result(machine);
          out.push_back(to_flow(state.parent_flow,
                                FlowEvent::ended(ok, state.parent_flow, state.parent_dispatcher, state.flow_name,
                                                 state.dispatcher_id, ok ? "" : "sub-flow " + state.flow_name + " failed",
                                                 std::move(result))));
          break;
        }
        case Action::Kind::restart_flow: {
          int next = state.retried_count() + 1;
          if (trace.enabled()) {
            Json d = {{"flow_name", state.flow_name}, {"dispatcher_id", state.dispatcher_id},
                      {"retried_count", next}, {"countdown", action.countdown_seconds}};
            if (trace.payloads()) d["node_args"] = state.node_args();
            trace.emit(TraceEvent::FLOW_RETRY, std::move(d));
          }
          out.push_back(to_flow(state.flow_name, FlowEvent::restart(state.flow_name, state.dispatcher_id, next),
                                std::chrono::seconds(action.countdown_seconds)));
          break;
        }
      }
    }
    return out;
  }

  // Commits a transition that changes no flow: acknowledging the claim, perhaps with messages.
  void settle_claim(const Claim* claim, std::vector<Outgoing> messages = {}) {
    if (!claim && messages.empty()) return;
    Transition t;
    t.consumed = claim;
    t.messages = std::move(messages);
    // A lost lease means another worker has this message now: nothing is left to do here.
    if (backend.commit(t) == CommitResult::committed) crash_point("committed");
  }

  void apply(Step& step, const FlowEvent& event) {
    switch (event.kind) {
      case FlowEvent::Kind::start:
      case FlowEvent::Kind::restart:
        step.start();
        break;
      case FlowEvent::Kind::node_succeeded:
        step.node_succeeded(event.node, event.node_id, event.result);
        break;
      case FlowEvent::Kind::node_failed:
        step.node_failed(event.node, event.node_id, event.what, event.result);
        break;
    }
  }

  // The state a start event creates.
  static FlowState fresh_run(const FlowMachine& machine, const FlowEvent& start) {
    FlowState state = FlowState::fresh(machine, start.dispatcher_id, start.node_args);
    state.parent = start.parent;
    state.parent_dispatcher = start.parent_dispatcher;
    state.parent_flow = start.parent_flow;
    return state;
  }

  // Whether the event still changes the run (late news of an ended run, a stale restart: no). Prepares the state
  // of a start or restart.
  bool prepare(FlowSlot& slot, const FlowMachine& machine, const FlowEvent& event) {
    FlowState& state = slot.state();
    if (event.kind == FlowEvent::Kind::start) {
      if (slot.exists()) return false;  // a duplicate start
      state = fresh_run(machine, event);
      state.begin();
      return true;
    }
    if (!slot.exists()) throw std::invalid_argument("no flow run with dispatcher id '" + event.dispatcher_id + "'");
    if (state.status() != FlowState::Status::running) return false;
    state.begin();
    if (event.kind == FlowEvent::Kind::restart) {
      // Only the restart its failure asked for; the flow is idle (nothing active) until then.
      if (event.retried_count != state.retried_count() + 1 || !state.active().empty()) {
        state.rollback();
        return false;
      }
      state.restart(event.retried_count);
    }
    return true;
  }

  // One flow event: load, Step, commit; a lost race loads again and repeats. `claim` is null for start_flow.
  void handle_event(const Claim* claim, const FlowEvent& event) {
    const FlowBinding* binding = flow(event.flow_name);
    if (!binding) throw std::invalid_argument("unknown flow '" + event.flow_name + "'");
    const FlowMachine& machine = *binding->machine;
    for (;;) {
      std::unique_ptr<FlowSlot> slot = backend.load(machine, event.dispatcher_id, event.event_id);
      if (slot->already_applied() || !prepare(*slot, machine, event)) {
        slot.reset();
        settle_claim(claim);
        return;
      }
      FlowState& state = slot->state();
      TraceBuffer trace(tracer.get());
      Step step(machine, state, this, &trace, new_id, options.task_source.get());
      Transition t;
      t.consumed = claim;
      t.flow = slot.get();
      t.event_id = event.event_id;
      try {
        apply(step, event);
        t.messages = outgoing(machine, state, step.actions(), trace);
      } catch (const StorageError& e) {
        // A result could not be read: the same event again later, the state unchanged (Selinon's technical
        // retry, not counted against max_retry).
        state.rollback();
        slot.reset();
        this->trace(TraceEvent::STORAGE_ISSUE,
                    {{"flow_name", event.flow_name}, {"dispatcher_id", event.dispatcher_id}, {"what", e.what()}});
        std::vector<Outgoing> again;
        again.push_back(to_flow(event.flow_name, event, std::chrono::seconds(std::max(1, machine.retry_countdown))));
        settle_claim(claim, std::move(again));
        return;
      } catch (const BackendUnavailable&) {
        throw;  // e.g. throttling state out of reach: not the flow's fault
      } catch (const std::exception& e) {
        // A predicate, foreach function or the configuration itself broke the dispatcher: the flow fails.
        state.rollback();
        trace.discard();
        if (!slot->exists()) {
          state = fresh_run(machine, event);
        }
        state.begin();
        state.set_status(FlowState::Status::failed, e.what());
        trace.emit(TraceEvent::DISPATCHER_FAILURE,
                   {{"flow_name", event.flow_name}, {"dispatcher_id", event.dispatcher_id}, {"what", e.what()}});
        std::vector<Action> fail(1);
        fail[0].kind = Action::Kind::fail_flow;
        t.messages = outgoing(machine, state, fail, trace);
      }
      if (trace.enabled()) t.on_commit = [&trace] { trace.flush(); };
      switch (backend.commit(t)) {
        case CommitResult::committed:
          crash_point("committed");
          return;
        case CommitResult::lease_lost:
          return;  // the slot rolls the state back: the message is someone else's now
        case CommitResult::conflict:
          break;  // another worker changed the run meanwhile: load it again
      }
    }
  }

  void handle_task(const Claim& claim, const TaskMessage& message) {
    const TaskBinding* binding = task(message.task_name);
    if (!binding) throw std::invalid_argument("unknown task '" + message.task_name + "'");
    if (!flow(message.flow_name)) throw std::invalid_argument("unknown flow '" + message.flow_name + "'");
    TaskRunner runner(*binding, message, *this, *tracer, options.task_source.get(),
                      [this](std::string_view name) -> DataStorage& { return storage(name); }, abandoned_runs);
    TaskOutcome outcome = runner.run();
    crash_point("task-ran");
    std::vector<Outgoing> out;
    switch (outcome.kind) {
      case TaskOutcome::Kind::succeeded:
      case TaskOutcome::Kind::failed: {
        bool ok = outcome.kind == TaskOutcome::Kind::succeeded;
        out.push_back(to_flow(message.flow_name, FlowEvent::ended(ok, message.flow_name, message.dispatcher_id,
                                                                  message.task_name, message.task_id, outcome.what)));
        break;
      }
      case TaskOutcome::Kind::retry: {
        TaskMessage again = message;
        again.retried_count = outcome.retried_count;
        out.push_back(Outgoing{claim.queue, std::move(again), outcome.countdown});
        break;
      }
    }
    settle_claim(&claim, std::move(out));
  }
};

Engine::Engine(const SystemDescriptor& system, Backend& backend, std::shared_ptr<Tracer> tracer, EngineOptions options)
    : impl_(std::make_unique<Impl>(system, backend, std::move(tracer), std::move(options))) {}

Engine::~Engine() {
  // Give runs that outlived their timeout a moment to end before the storages they may use go away.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (*impl_->abandoned_runs > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string Engine::start_flow(const std::string& flow, Json node_args) {
  if (!impl_->flow(flow)) throw std::invalid_argument("no flow named '" + flow + "' in this system");
  std::string id = new_id();
  if (impl_->tracer->enabled()) {
    impl_->trace(TraceEvent::FLOW_SCHEDULE, {{"flow_name", flow}, {"dispatcher_id", id}, {"node_args", node_args},
                                             {"queue", impl_->flow_queues.at(flow)}});
  }
  impl_->handle_event(nullptr, FlowEvent::start(flow, id, share(std::move(node_args))));
  return id;
}

void Engine::handle(const Claim& claim) {
  try {
    if (!claim.message) {
      impl_->dead_letter(claim, "malformed message: " + claim.error);
    } else if (const auto* task = std::get_if<TaskMessage>(&*claim.message)) {
      impl_->handle_task(claim, *task);
    } else {
      impl_->handle_event(&claim, std::get<FlowEvent>(*claim.message));
    }
  } catch (const BackendUnavailable&) {
    throw;  // the backend failed, not the message: it stays leased and comes again
  } catch (const std::exception& e) {
    impl_->dead_letter(claim, e.what());
  } catch (...) {
    impl_->dead_letter(claim, "unknown error while handling the message");
  }
}

std::vector<std::string> Engine::queues() const { return impl_->all_queues; }
const std::string& Engine::queue_of_task(const std::string& task) const { return impl_->task_queues.at(task); }
const std::string& Engine::queue_of_flow(const std::string& flow) const { return impl_->flow_queues.at(flow); }

}  // namespace selinon
