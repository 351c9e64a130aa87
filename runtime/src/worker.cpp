// The worker CLI: execute a flow in-process with a live trace, serve queues until a signal, list the system.
#include "selinon/worker.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "selinon/engine.hpp"
#include "selinon/inproc_broker.hpp"

namespace selinon {
namespace {

std::atomic<bool> g_stop{false};  // set from the signal handler; lock-free atomics are async-signal-safe

extern "C" void on_stop_signal(int) { g_stop.store(true); }

Json parse_node_args(const std::string& text) {
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
    return Json::parse(body);
  } catch (const Json::parse_error& e) {
    throw std::invalid_argument("node arguments are not valid JSON: " + std::string(e.what()));
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
};

std::shared_ptr<const MockScript> load_mocks(const Shared& shared, const SystemDescriptor& system) {
  if (!shared.mock_file.empty()) return std::make_shared<const MockScript>(MockScript::from_file(shared.mock_file));
  if (system.mock_all_tasks) return std::make_shared<const MockScript>();
  return nullptr;
}

int execute(const SystemDescriptor& system, const Shared& shared, const std::string& flow, const std::string& args,
            double timeout_seconds) {
  Json node_args = parse_node_args(args);
  InprocBroker broker;
  auto tracer = make_tracer(shared.trace, std::cout);
  EngineOptions options;
  options.mocks = load_mocks(shared, system);
  Engine engine(system, broker, tracer, options);
  std::string id = engine.start_flow(flow, node_args);
  std::atomic<bool> stop{false};
  std::thread workers([&] { serve(engine, broker, {}, shared.concurrency, stop); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds > 0 ? timeout_seconds : 1e9);
  std::optional<FlowOutcome> outcome;
  while (!g_stop.load() && std::chrono::steady_clock::now() < deadline) {
    outcome = engine.wait(id, std::chrono::milliseconds(100));
    // Done when the flow ended and nothing it started (nowait nodes, orphans) is still queued or running.
    if (outcome && outcome->status != FlowState::Status::running && broker.wait_idle(std::chrono::milliseconds(100))) break;
  }
  stop = true;
  broker.shutdown();
  workers.join();
  outcome = engine.outcome(id);
  bool ok = outcome && outcome->status == FlowState::Status::succeeded;
  bool ended = outcome && outcome->status != FlowState::Status::running;
  std::cerr << "flow " << flow << " " << (ok ? "succeeded" : ended ? "failed" : "did not finish") << "\n";
  if (shared.trace != "json" && outcome) std::cerr << outcome->result.dump(2) << "\n";
  return ok ? 0 : 1;
}

int run(const SystemDescriptor& system, const Shared& shared, const std::vector<std::string>& queues,
        const std::string& start, const std::string& args) {
  InprocBroker broker;
  auto tracer = make_tracer(shared.trace, std::cout);
  EngineOptions options;
  options.mocks = load_mocks(shared, system);
  Engine engine(system, broker, tracer, options);
  if (!start.empty()) engine.start_flow(start, parse_node_args(args));
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::cerr << "worker serving " << (queues.empty() ? std::string("all queues") : std::to_string(queues.size()) + " queue(s)")
            << " with " << shared.concurrency << " thread(s); SIGINT/SIGTERM to stop\n";
  serve(engine, broker, queues, shared.concurrency, g_stop);
  std::cerr << "worker stopped after draining in-flight tasks\n";
  return 0;
}

}  // namespace

int worker_main(int argc, char** argv, const SystemDescriptor& system) {
  CLI::App app{"Selinon worker: runs the flows compiled into this binary."};
  app.require_subcommand(1);
  Shared shared;
  auto shared_options = [&](CLI::App* cmd) {
    cmd->add_option("--trace", shared.trace, "trace output on stdout: text (readable), json (JSON lines with "
                                             "Selinon's event names) or none")
        ->check(CLI::IsMember({"text", "json", "none"}));
    cmd->add_option("--mock", shared.mock_file,
                    "YAML/JSON script replacing tasks: {tasks: {Name: {result: ..., fail_times: N, always_fail: true, "
                    "sleep: SECONDS}}, foreach: {fn: [items]}, predicates: {name: true}}")
        ->check(CLI::ExistingFile);
    cmd->add_option("-c,--concurrency", shared.concurrency, "worker threads")->check(CLI::PositiveNumber);
  };

  std::string flow, node_args;
  double timeout = 0;
  auto* exec = app.add_subcommand("execute", "Run one flow in this process and print its trace; exit status 0 "
                                             "when the flow succeeds, 1 when it fails");
  exec->add_option("flow", flow, "flow to run")->required();
  exec->add_option("-a,--node-args", node_args, "flow arguments as JSON, or @FILE to read them from a file");
  exec->add_option("--timeout", timeout, "give up after this many seconds (default: wait for the flow)");
  shared_options(exec);

  std::vector<std::string> queues;
  std::string start;
  auto* serve_cmd = app.add_subcommand("run", "Serve queues until SIGINT/SIGTERM, finishing in-flight tasks first");
  serve_cmd->add_option("-Q,--queues", queues, "queues to serve (default: every queue of this system)")->delimiter(',');
  serve_cmd->add_option("--start", start, "also start this flow when the worker comes up");
  serve_cmd->add_option("-a,--node-args", node_args, "arguments of the --start flow (JSON or @FILE)");
  shared_options(serve_cmd);

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
    if (*exec) {
      if (!system.flow(flow)) {
        std::cerr << "error: no flow named '" << flow << "' in this worker (see `list`)\n";
        return 2;
      }
      return execute(system, shared, flow, node_args, timeout);
    }
    return run(system, shared, queues, start, node_args);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace selinon
