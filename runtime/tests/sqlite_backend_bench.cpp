// Micro benchmark of the sqlite backend: claim + commit round trips per second on one thread, the backend's share
// of a task's cost (a task costs about two claims and two commits: its task message and its flow event).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "selinon/backends/sqlite.hpp"
#include "selinon/flow_machine.hpp"

using namespace std::chrono_literals;
using namespace selinon;
namespace fs = std::filesystem;

namespace {

const FlowMachine& machine() {
  static const FlowMachine flow = [] {
    FlowMachine m;
    m.name = "flow1";
    m.nodes = {{.name = "A"}, {.name = "B"}};
    return m;
  }();
  return flow;
}

TaskMessage task(int i, const SharedJson& node_args) {
  TaskMessage message;
  message.task_name = "A";
  message.flow_name = "flow1";
  message.task_id = "task-" + std::to_string(i);
  message.dispatcher_id = "d1";
  message.node_args = node_args;
  message.parent = Json{{"B", "task-" + std::to_string(i - 1)}};
  return message;
}

double per_second(int count, std::chrono::steady_clock::duration elapsed) {
  return count / std::chrono::duration<double>(elapsed).count();
}

// A chain: each claim is acknowledged by a commit that enqueues the next message.
double chain(SqliteBackend& backend, int count) {
  const SharedJson node_args = share(Json{{"x", 1}});
  Transition first;
  first.messages.push_back({"q", task(0, node_args)});
  backend.commit(first);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1; i <= count; ++i) {
    auto claim = backend.claim({"q"}, 1s);
    if (!claim) throw std::runtime_error("nothing to claim");
    Transition next;
    next.consumed = &*claim;
    next.messages.push_back({"q", task(i, node_args)});
    if (backend.commit(next) != CommitResult::committed) throw std::runtime_error("commit failed");
  }
  return per_second(count, std::chrono::steady_clock::now() - start);
}

// A flow event per round: claim it, load the run, change it, commit the state with the next event.
double transitions(SqliteBackend& backend, int count) {
  auto slot = backend.load(machine(), "flow-d", "start");
  slot->state() = FlowState::fresh(machine(), "flow-d", share(Json{{"x", 1}}));
  Transition start;
  start.flow = slot.get();
  start.event_id = "start";
  start.messages.push_back({"events", FlowEvent::ended(true, "flow1", "flow-d", "A", "id-0")});
  backend.commit(start);
  const auto begin = std::chrono::steady_clock::now();
  for (int i = 1; i <= count; ++i) {
    auto claim = backend.claim({"events"}, 1s);
    if (!claim) throw std::runtime_error("nothing to claim");
    const auto& event = std::get<FlowEvent>(*claim->message);
    auto run = backend.load(machine(), event.dispatcher_id, event.event_id);
    run->state().activate(0, "id-" + std::to_string(i));
    run->state().deactivate(0, "id-" + std::to_string(i));  // a state that stays small: the backend's cost only
    Transition next;
    next.consumed = &*claim;
    next.flow = run.get();
    next.event_id = event.event_id;
    next.messages.push_back({"events", FlowEvent::ended(true, "flow1", "flow-d", "A", "id-" + std::to_string(i))});
    if (backend.commit(next) != CommitResult::committed) throw std::runtime_error("commit failed");
  }
  return per_second(count, std::chrono::steady_clock::now() - begin);
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 20000;
  const fs::path dir = fs::temp_directory_path() / ("selinon-sqlite-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  try {
    {
      SqliteBackend backend((dir / "normal.db").string(), BackendOptions{});
      std::printf("sqlite claim+commit: %.0f/s\n", chain(backend, count));
      std::printf("sqlite claim+load+commit of a flow state: %.0f/s\n", transitions(backend, count));
    }
    {
      SqliteBackend backend((dir / "full.db").string(), BackendOptions{}, true);
      std::printf("sqlite claim+commit (synchronous=FULL): %.0f/s\n", chain(backend, count / 10));
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "sqlite_backend_bench: %s\n", error.what());
    fs::remove_all(dir);
    return 1;
  }
  fs::remove_all(dir);
  return 0;
}
