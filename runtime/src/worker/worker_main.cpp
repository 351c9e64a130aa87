// The worker command line: execute a flow in-process; serve, start and inspect flows on a durable backend.
#include "selinon/worker.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "selinon/backend.hpp"
#include "selinon/engine.hpp"
#include "selinon/mock.hpp"
#include "selinon/storages/memory.hpp"

namespace selinon {
namespace {

std::atomic<bool> g_stop{false};  // set from the signal handler; lock-free atomics are async-signal-safe

extern "C" void on_stop_signal(int) { g_stop.store(true); }

const char* kDefaultBroker = "sqlite://selinon.db";

Json parse_node_args(const std::string& text, const InputLimits& limits) {
  if (text.empty()) return nullptr;
  std::string body = text;
  if (text[0] == '@') {
    std::ifstream in(text.substr(1));
    if (!in) throw std::invalid_argument("cannot read node arguments file '" + text.substr(1) + "'");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    body = buffer.str();
  }
  try {
    return parse_json(body, "node arguments", limits);
  } catch (const MessageError& e) {
    throw std::invalid_argument(e.what());
  }
}

std::shared_ptr<Tracer> make_tracer(const std::string& mode, std::ostream& out) {
  auto tracer = std::make_shared<Tracer>();
  if (mode == "json") tracer->add(std::make_shared<JsonLinesTraceSink>(out));
  if (mode == "text") tracer->add(std::make_shared<TextTraceSink>(out, isatty(fileno(stdout)) != 0));
  return tracer;
}

struct Shared {
  std::string trace = "text";
  std::string mock_file;
  int concurrency = 1;
  std::string broker;
  double lease_seconds = 30;
  int max_deliveries = 10;
  std::size_t max_bytes = InputLimits{}.max_bytes;
  int max_depth = InputLimits{}.max_depth;

  BackendOptions backend_options() const {
    BackendOptions o;
    o.lease = std::chrono::milliseconds(static_cast<std::int64_t>(lease_seconds * 1000));
    o.max_deliveries = max_deliveries;
    o.limits = InputLimits{max_bytes, max_depth};
    return o;
  }
};

EngineOptions engine_options(const Shared& shared, const SystemDescriptor& system) {
  EngineOptions options;
  if (!shared.mock_file.empty()) {
    options.task_source = std::make_shared<const MockScript>(MockScript::from_file(shared.mock_file));
  } else if (system.mock_all_tasks) {
    options.task_source = std::make_shared<const MockScript>();
  }
  options.builtin_storage = [](const StorageBinding&, const Json& configuration) -> std::unique_ptr<DataStorage> {
    return std::make_unique<MemoryStorage>(configuration);
  };
  return options;
}

const char* status_word(FlowState::Status status) {
  switch (status) {
    case FlowState::Status::running: return "running";
    case FlowState::Status::succeeded: return "finished";
    case FlowState::Status::failed: return "failed";
  }
  return "running";
}

int execute(const SystemDescriptor& system, const Shared& shared, const std::string& flow, const std::string& args,
            double timeout_seconds) {
  auto backend = open_backend(shared.broker.empty() ? "memory" : shared.broker, shared.backend_options());
  if (backend->name() != "memory") {
    std::cerr << "note: execute runs the flow in this process; its messages and state go to " << shared.broker << "\n";
  }
  Json node_args = parse_node_args(args, shared.backend_options().limits);
  auto tracer = make_tracer(shared.trace, std::cout);
  Engine engine(system, *backend, tracer, engine_options(shared, system));
  std::string id = engine.start_flow(flow, std::move(node_args));
  std::atomic<bool> stop{false};
  std::thread workers([&] { serve(engine, *backend, engine.queues(), shared.concurrency, stop); });
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration<double>(timeout_seconds > 0 ? timeout_seconds : 1e9);
  while (!g_stop.load() && std::chrono::steady_clock::now() < deadline) {
    auto status = backend->status(id);
    // Done when the flow ended and nothing it started (nowait nodes, orphans) is still queued or running.
    if (status && *status != FlowState::Status::running && backend->wait_idle(std::chrono::milliseconds(100))) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  backend->shutdown();
  workers.join();
  auto record = backend->flow(id);
  bool ok = record && record->status == FlowState::Status::succeeded;
  bool ended = record && record->status != FlowState::Status::running;
  std::cerr << "flow " << flow << " " << (ok ? "succeeded" : ended ? "failed" : "did not finish") << "\n";
  if (shared.trace != "json" && record) std::cerr << record->result.dump(2) << "\n";
  for (const auto& letter : backend->dead_letters()) {
    std::cerr << "dead letter on " << letter.queue << ": " << letter.reason << "\n";
  }
  return ok ? 0 : 1;
}

int run(const SystemDescriptor& system, const Shared& shared, std::vector<std::string> queues,
        const std::string& start, const std::string& args) {
  auto backend = open_backend(shared.broker, shared.backend_options());
  auto tracer = make_tracer(shared.trace, std::cout);
  Engine engine(system, *backend, tracer, engine_options(shared, system));
  for (auto& q : queues) q = expand_env_template(q, "queue");
  if (queues.empty()) queues = engine.queues();
  if (!start.empty()) {
    std::string id = engine.start_flow(start, parse_node_args(args, shared.backend_options().limits));
    std::cerr << "started flow " << start << " " << id << "\n";
  }
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::cerr << "worker serving " << queues.size() << " queue(s) of " << shared.broker << " with "
            << shared.concurrency << " thread(s); SIGINT/SIGTERM to stop\n";
  serve(engine, *backend, queues, shared.concurrency, g_stop, shared.backend_options().lease);
  std::cerr << "worker stopped after finishing the messages in hand\n";
  if (std::string usage = backend->usage(); !usage.empty()) std::cerr << "backend usage: " << usage << "\n";
  return 0;
}

void print_record(const std::string& id, const FlowRecord& record) {
  std::cout << "status: " << status_word(record.status) << "\n";
  std::cout << "flow: " << record.flow_name << "\nid: " << id << "\n";
  std::cout << record.state.dump(2) << "\n";
}

int start_command(const SystemDescriptor& system, const Shared& shared, const std::string& flow,
                  const std::string& args, bool wait, double timeout_seconds) {
  auto backend = open_backend(shared.broker, shared.backend_options());
  auto tracer = make_tracer("none", std::cout);
  Engine engine(system, *backend, tracer, engine_options(shared, system));
  std::string id = engine.start_flow(flow, parse_node_args(args, shared.backend_options().limits));
  std::cout << id << std::endl;  // alone on the first line: scripts read it
  if (!wait) return 0;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration<double>(timeout_seconds > 0 ? timeout_seconds : 1e9);
  while (!g_stop.load() && std::chrono::steady_clock::now() < deadline) {
    auto status = backend->status(id);
    if (status && *status != FlowState::Status::running) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto record = backend->flow(id);
  if (!record) {
    std::cout << "status: unknown\n";
    return 1;
  }
  print_record(id, *record);
  return record->status == FlowState::Status::succeeded ? 0 : 1;
}

int status_command(const Shared& shared, const std::string& id) {
  auto backend = open_backend(shared.broker, shared.backend_options());
  auto record = backend->flow(id);
  if (!record) {
    std::cout << "status: unknown\n";
    std::cerr << "error: no flow run with id '" << id << "' in " << shared.broker << "\n";
    return 2;
  }
  print_record(id, *record);
  return 0;
}

int dead_letters_command(const Shared& shared) {
  auto backend = open_backend(shared.broker, shared.backend_options());
  auto letters = backend->dead_letters();
  std::cout << "dead letters: " << letters.size() << "\n";
  for (const auto& l : letters) {
    std::cout << Json{{"queue", l.queue}, {"reason", l.reason}, {"deliveries", l.delivery_count}, {"body", l.body}}.dump()
              << "\n";
  }
  return 0;
}

}  // namespace

int worker_main(int argc, char** argv, const SystemDescriptor& system) {
  CLI::App app{"Selinon worker: runs the flows compiled into this binary.\n"
               "Backends (--broker): memory (in this process only), sqlite://PATH (durable, shared by the worker "
               "processes of one machine), redis://[[user]:password@]host[:port][/db][?prefix=NAME&retry=SECONDS] "
               "(durable, shared by workers on many machines; retry: seconds to reconnect before giving up, 30 by "
               "default). Default for run/start/status: $SELINON_BROKER, else " +
               std::string(kDefaultBroker) + "."};
  app.require_subcommand(1);
  Shared shared;
  const char* env_broker = std::getenv("SELINON_BROKER");
  const std::string durable_default = env_broker ? env_broker : kDefaultBroker;
  auto broker_option = [&](CLI::App* cmd) {
    cmd->add_option("-b,--broker", shared.broker, "backend URL: memory, sqlite://PATH or redis://HOST[:PORT][/DB] (default: " + durable_default + ")");
    cmd->add_option("--lease", shared.lease_seconds,
                    "seconds a claimed message is held before it is delivered again (renewed while a task runs)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--max-deliveries", shared.max_deliveries,
                    "deliveries without an acknowledgement before a message becomes a dead letter")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--max-input-bytes", shared.max_bytes, "largest node_args or message accepted")
        ->capture_default_str();
    cmd->add_option("--max-input-depth", shared.max_depth, "deepest nesting of node_args or messages accepted")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
  };
  auto task_options = [&](CLI::App* cmd) {
    cmd->add_option("--trace", shared.trace, "trace output on stdout: text (readable), json (JSON lines with "
                                             "Selinon's event names) or none")
        ->check(CLI::IsMember({"text", "json", "none"}))
        ->capture_default_str();
    cmd->add_option("--mock", shared.mock_file,
                    "YAML/JSON script replacing tasks: {tasks: {Name: {result: ..., fail_times: N, always_fail: true, "
                    "sleep: SECONDS}}, foreach: {fn: [items]}, predicates: {name: true}}")
        ->check(CLI::ExistingFile);
    cmd->add_option("-c,--concurrency", shared.concurrency, "worker threads")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
  };

  std::string flow, node_args, id;
  double timeout = 0;
  bool wait = false;
  auto* exec = app.add_subcommand("execute", "Run one flow in this process and print its trace; exit status 0 "
                                             "when the flow succeeds, 1 when it fails");
  exec->add_option("flow", flow, "flow to run")->required();
  exec->add_option("-a,--node-args", node_args, "flow arguments as JSON, or @FILE to read them from a file");
  exec->add_option("--timeout", timeout, "give up after this many seconds (default: wait for the flow)");
  task_options(exec);
  exec->add_option("-b,--broker", shared.broker, "backend URL (default: memory)");

  std::vector<std::string> queues;
  std::string start;
  auto* serve_cmd = app.add_subcommand("run", "Serve queues until SIGINT/SIGTERM, finishing the messages in hand "
                                              "first; a killed worker's messages are delivered again after --lease");
  serve_cmd->add_option("-Q,--queues", queues, "queues to serve, {ENV} expanded (default: every queue of this system)")
      ->delimiter(',');
  serve_cmd->add_option("--start", start, "also start this flow when the worker comes up");
  serve_cmd->add_option("-a,--node-args", node_args, "arguments of the --start flow (JSON or @FILE)");
  task_options(serve_cmd);
  broker_option(serve_cmd);

  auto* start_cmd = app.add_subcommand("start", "Start a flow on the backend and print its id alone on the first "
                                                "line; with --wait, then its status and state (exit 0 on success)");
  start_cmd->add_option("flow", flow, "flow to start")->required();
  start_cmd->add_option("-a,--node-args", node_args, "flow arguments as JSON, or @FILE");
  start_cmd->add_flag("--wait", wait, "wait until the flow ends (workers must be serving its queues)");
  start_cmd->add_option("--timeout", timeout, "with --wait: give up after this many seconds (exit 1)");
  broker_option(start_cmd);

  auto* status_cmd = app.add_subcommand("status", "Print `status: running|finished|failed` on the first line, "
                                                  "then the flow's state");
  status_cmd->add_option("id", id, "the flow's id, as printed by start")->required();
  broker_option(status_cmd);

  auto* dead_cmd = app.add_subcommand("dead-letters", "List the messages set aside as dead letters, with reasons");
  broker_option(dead_cmd);

  auto* list = app.add_subcommand("list", "List the flows and tasks of this worker with their queues");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    if (*list) {
      for (const auto& f : system.flows) std::cout << "flow " << f.machine->name << "\tqueue=" << f.queue << "\n";
      for (const auto& t : system.tasks) std::cout << "task " << t.name << "\tqueue=" << t.queue << "\n";
      return 0;
    }
    if ((*exec || *start_cmd) && !system.flow(flow)) {
      std::cerr << "error: no flow named '" << flow << "' in this worker (see `list`)\n";
      return 2;
    }
    if (*exec) return execute(system, shared, flow, node_args, timeout);
    if (shared.broker.empty()) shared.broker = durable_default;
    if (*start_cmd) return start_command(system, shared, flow, node_args, wait, timeout);
    if (*status_cmd) return status_command(shared, id);
    if (*dead_cmd) return dead_letters_command(shared);
    return run(system, shared, queues, start, node_args);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace selinon
