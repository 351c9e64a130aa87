// doctest cases of the sqlite backend on real database files: leases, redelivery, dead letters, atomic commits,
// version conflicts, applied events, delays, shared node_args, malformed bodies, several processes, throttling.
#include <doctest/doctest.h>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "selinon/backends/sqlite.hpp"
#include "selinon/flow_machine.hpp"

using namespace std::chrono_literals;
using selinon::BackendOptions;
using selinon::Claim;
using selinon::CommitResult;
using selinon::FlowEvent;
using selinon::FlowMachine;
using selinon::FlowState;
using selinon::Json;
using selinon::Message;
using selinon::Outgoing;
using selinon::SqliteBackend;
using selinon::TaskMessage;
using selinon::Transition;

namespace fs = std::filesystem;

namespace {

// A fresh directory per test, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "selinon-sqlite-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name = "selinon.db") const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

const FlowMachine& machine() {
  static const FlowMachine flow = [] {
    FlowMachine m;
    m.name = "flow1";
    m.nodes = {{.name = "A"}, {.name = "B"}};
    return m;
  }();
  return flow;
}

BackendOptions options(std::chrono::milliseconds lease = 30s, int max_deliveries = 10) {
  BackendOptions result;
  result.lease = lease;
  result.max_deliveries = max_deliveries;
  return result;
}

TaskMessage task(const std::string& task_id, const std::string& dispatcher_id = "d1",
                 selinon::SharedJson node_args = selinon::share(Json{{"x", 1}}), std::uint64_t revision = 0) {
  TaskMessage message;
  message.task_name = "A";
  message.flow_name = "flow1";
  message.task_id = task_id;
  message.dispatcher_id = dispatcher_id;
  message.node_args = std::move(node_args);
  message.args_revision = revision;
  return message;
}

const TaskMessage& task_of(const Claim& claim) {
  REQUIRE(claim.message.has_value());
  REQUIRE(std::holds_alternative<TaskMessage>(*claim.message));
  return std::get<TaskMessage>(*claim.message);
}

void enqueue(SqliteBackend& backend, Message message, const std::string& queue = "q",
             std::chrono::milliseconds delay = 0ms) {
  Transition transition;
  transition.messages.push_back({queue, std::move(message), delay});
  REQUIRE(backend.commit(transition) == CommitResult::committed);
}

// Starts run `dispatcher_id` of machine() with node_args {"x": 1}: its state version 1 is stored.
void start_flow(SqliteBackend& backend, const std::string& dispatcher_id) {
  auto slot = backend.load(machine(), dispatcher_id, "start");
  REQUIRE_FALSE(slot->exists());
  slot->state() = FlowState::fresh(machine(), dispatcher_id, selinon::share(Json{{"x", 1}}));
  Transition transition;
  transition.flow = slot.get();
  transition.event_id = "start";
  REQUIRE(backend.commit(transition) == CommitResult::committed);
}

// One value from the database, read behind the backend's back.
std::int64_t count_rows(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
  const std::int64_t value = sqlite3_column_int64(statement, 0);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

}  // namespace

TEST_CASE("sqlite backend: a claimed message is acknowledged by the commit that consumes it") {
  TempDir dir;
  SqliteBackend backend(dir.file(), options());
  CHECK(backend.name() == "sqlite");
  enqueue(backend, task("t1"));
  enqueue(backend, task("other"), "elsewhere");
  CHECK(backend.pending() == 2);

  auto claim = backend.claim({"q"}, 0ms);
  REQUIRE(claim);
  CHECK(claim->queue == "q");
  CHECK(claim->delivery_count == 1);
  CHECK(task_of(*claim).task_id == "t1");
  CHECK(selinon::value_of(task_of(*claim).node_args) == Json{{"x", 1}});
  CHECK_FALSE(backend.claim({"q"}, 0ms));  // leased: not claimable again
  CHECK(backend.pending() == 2);           // but still pending

  Transition ack;
  ack.consumed = &*claim;
  CHECK(backend.commit(ack) == CommitResult::committed);
  CHECK(backend.pending() == 1);
  CHECK_FALSE(backend.claim({"q"}, 0ms));

  auto any = backend.claim({}, 0ms);  // no queues: every queue
  REQUIRE(any);
  CHECK(any->queue == "elsewhere");
}

TEST_CASE("sqlite backend: messages of several queues come oldest first") {
  TempDir dir;
  SqliteBackend backend(dir.file(), options());
  enqueue(backend, task("1"), "a");
  enqueue(backend, task("2"), "b");
  enqueue(backend, task("3"), "a");
  std::vector<std::string> order;
  while (auto claim = backend.claim({"b", "a"}, 0ms)) order.push_back(task_of(*claim).task_id);
  CHECK(order == std::vector<std::string>{"1", "2", "3"});

  enqueue(backend, task("4"), "c");
  enqueue(backend, task("5"), "a");
  enqueue(backend, task("6"), "b");
  order.clear();
  while (auto claim = backend.claim({}, 0ms)) order.push_back(task_of(*claim).task_id);  // every queue
  CHECK(order == std::vector<std::string>{"4", "5", "6"});
}

TEST_CASE("sqlite backend: an expired lease delivers the message again, and the first claim is void") {
  TempDir dir;
  SqliteBackend backend(dir.file(), options(50ms));
  enqueue(backend, task("t1"));
  auto first = backend.claim({"q"}, 0ms);
  REQUIRE(first);
  std::this_thread::sleep_for(80ms);
  auto second = backend.claim({"q"}, 0ms);
  REQUIRE(second);
  CHECK(second->delivery_count == 2);
  CHECK(second->handle == first->handle);
  CHECK(second->lease != first->lease);
  CHECK_FALSE(backend.extend(*first));

  Transition late;
  late.consumed = &*first;
  CHECK(backend.commit(late) == CommitResult::lease_lost);
  Transition current;
  current.consumed = &*second;
  CHECK(backend.commit(current) == CommitResult::committed);
  CHECK(backend.pending() == 0);
}

TEST_CASE("sqlite backend: extend keeps a claim past its lease") {
  TempDir dir;
  SqliteBackend backend(dir.file(), options(100ms));
  enqueue(backend, task("t1"));
  auto claim = backend.claim({"q"}, 0ms);
  REQUIRE(claim);
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(40ms);
    CHECK(backend.extend(*claim));
    CHECK_FALSE(backend.claim({"q"}, 0ms));
  }
  Transition ack;
  ack.consumed = &*claim;
  CHECK(backend.commit(ack) == CommitResult::committed);
}

TEST_CASE("sqlite backend: a message delivered max_deliveries times becomes a dead letter") {
  TempDir dir;
  SqliteBackend backend(dir.file(), options(20ms, 2));
  enqueue(backend, task("t1"));
  for (int delivery = 1; delivery <= 2; ++delivery) {
    auto claim = backend.claim({"q"}, 0ms);
    REQUIRE(claim);
    CHECK(claim->delivery_count == delivery);
    std::this_thread::sleep_for(40ms);
  }
  CHECK_FALSE(backend.claim({"q"}, 0ms));
  CHECK(backend.pending() == 0);
  auto letters = backend.dead_letters();
  REQUIRE(letters.size() == 1);
  CHECK(letters[0].queue == "q");
  CHECK(letters[0].delivery_count == 2);
  CHECK(letters[0].reason == "delivered 2 times without being acknowledged");
  CHECK(letters[0].body == selinon::serialise(task("t1")));
}

TEST_CASE("sqlite backend: release gives a claim back without counting a delivery") {
  TempDir dir;
  SqliteBackend backend(dir.file(), options());
  enqueue(backend, task("t1"));
  auto claim = backend.claim({"q"}, 0ms);
  REQUIRE(claim);
  backend.release(*claim);
  auto again = backend.claim({"q"}, 0ms);
  REQUIRE(again);
  CHECK(again->delivery_count == 1);
  CHECK_FALSE(backend.extend(*claim));  // the old lease is void

  backend.release(*again, 100ms);
  CHECK_FALSE(backend.claim({"q"}, 0ms));
  auto later = backend.claim({"q"}, 2s);
  REQUIRE(later);
  CHECK(later->delivery_count == 1);
}

TEST_CASE("sqlite backend: dead_letter acknowledges a claim and keeps its body") {
  TempDir dir;
  SqliteBackend backend(dir.file(), options(30ms));
  enqueue(backend, task("t1"));
  auto claim = backend.claim({"q"}, 0ms);
  REQUIRE(claim);
  backend.dead_letter(*claim, "task A failed for good");
  CHECK(backend.pending() == 0);
  auto letters = backend.dead_letters();
  REQUIRE(letters.size() == 1);
  CHECK(letters[0].reason == "task A failed for good");
  CHECK(letters[0].delivery_count == 1);
  CHECK(selinon::parse_json(letters[0].body, "dead letter")["task_id"] == "t1");

  // A claim whose lease was lost is not someone's to bury.
  enqueue(backend, task("t2"));
  auto stale = backend.claim({"q"}, 0ms);
  REQUIRE(stale);
  std::this_thread::sleep_for(50ms);
  auto current = backend.claim({"q"}, 0ms);
  REQUIRE(current);
  backend.dead_letter(*stale, "too late");
  CHECK(backend.pending() == 1);
  CHECK(backend.dead_letters().size() == 1);
}

TEST_CASE("sqlite backend: flow state round trip, versions and the client record") {
  TempDir dir;
  {
    SqliteBackend backend(dir.file(), options());
    CHECK_FALSE(backend.flow("d1"));
    start_flow(backend, "d1");
    auto slot = backend.load(machine(), "d1", "end:t1");
    REQUIRE(slot->exists());
    CHECK(slot->loaded_version() == 1);
    CHECK_FALSE(slot->already_applied());
    slot->state().activate(0, "t1");
    Transition transition;
    transition.flow = slot.get();
    transition.event_id = "end:t1";
    transition.messages.push_back({"q", task("t2")});
    REQUIRE(backend.commit(transition) == CommitResult::committed);
    CHECK(slot->state().version == 2);
  }
  SqliteBackend reopened(dir.file(), options());  // durable: another backend object sees it all
  auto slot = reopened.load(machine(), "d1", "end:t1");
  REQUIRE(slot->exists());
  CHECK(slot->already_applied());
  CHECK(slot->loaded_version() == 2);
  CHECK(slot->state().is_active("t1"));
  CHECK(slot->state().node_args() == Json{{"x", 1}});
  CHECK_FALSE(reopened.load(machine(), "d1", "end:other")->already_applied());
  CHECK(reopened.pending() == 1);

  slot->state().deactivate(0, "t1");
  slot->state().add_failed(0, "t1");
  slot->state().set_status(FlowState::Status::failed, "boom");
  Transition transition;
  transition.flow = slot.get();
  REQUIRE(reopened.commit(transition) == CommitResult::committed);
  auto record = reopened.flow("d1");
  REQUIRE(record);
  CHECK(record->flow_name == "flow1");
  CHECK(record->status == FlowState::Status::failed);
  CHECK(record->result["error"] == "boom");
  CHECK(record->result["failed_nodes"] == Json{{"A", {"t1"}}});
  CHECK(record->state["node_args"] == Json{{"x", 1}});
  CHECK(record->state["version"] == 3);
}

TEST_CASE("sqlite backend: a commit whose claim lost its lease changes nothing") {
  TempDir dir;
  SqliteBackend backend(dir.file(), options(30ms));
  start_flow(backend, "d1");
  enqueue(backend, FlowEvent::ended(true, "flow1", "d1", "A", "t1"));
  auto stale = backend.claim({"q"}, 0ms);
  REQUIRE(stale);
  std::this_thread::sleep_for(50ms);
  auto current = backend.claim({"q"}, 0ms);
  REQUIRE(current);

  auto slot = backend.load(machine(), "d1", "end:t1");
  slot->state().add_finished(0, "t1");
  Transition transition;
  transition.consumed = &*stale;
  transition.flow = slot.get();
  transition.event_id = "end:t1";
  transition.messages.push_back({"q", task("t2")});
  CHECK(backend.commit(transition) == CommitResult::lease_lost);
  CHECK(slot->state().version == 1);

  CHECK(backend.pending() == 1);  // no outgoing message, the consumed one still there
  auto reloaded = backend.load(machine(), "d1", "end:t1");
  CHECK(reloaded->loaded_version() == 1);
  CHECK_FALSE(reloaded->already_applied());
  CHECK(reloaded->state().finished(0).empty());
  CHECK(backend.flow("d1")->state["version"] == 1);
}

TEST_CASE("sqlite backend: a version conflict changes nothing") {
  TempDir dir;
  SqliteBackend backend(dir.file(), options());
  start_flow(backend, "d1");
  enqueue(backend, FlowEvent::ended(true, "flow1", "d1", "A", "t1"));
  auto claim = backend.claim({"q"}, 0ms);
  REQUIRE(claim);

  auto winner = backend.load(machine(), "d1", "end:t2");
  auto loser = backend.load(machine(), "d1", "end:t1");
  winner->state().add_finished(0, "t2");
  Transition first;
  first.flow = winner.get();
  first.event_id = "end:t2";
  REQUIRE(backend.commit(first) == CommitResult::committed);

  loser->state().add_finished(0, "t1");
  Transition second;
  second.consumed = &*claim;
  second.flow = loser.get();
  second.event_id = "end:t1";
  second.messages.push_back({"q", task("t3")});
  CHECK(backend.commit(second) == CommitResult::conflict);
  CHECK(backend.pending() == 1);  // the consumed message is still there, nothing new
  auto reloaded = backend.load(machine(), "d1", "end:t1");
  CHECK(reloaded->loaded_version() == 2);
  CHECK_FALSE(reloaded->already_applied());
  CHECK(reloaded->state().finished(0) == std::vector<std::string>{"t2"});

  // The retry on the reloaded state goes through, and the claim was still held.
  reloaded->state().add_finished(0, "t1");
  Transition retry;
  retry.consumed = &*claim;
  retry.flow = reloaded.get();
  retry.event_id = "end:t1";
  CHECK(backend.commit(retry) == CommitResult::committed);
  CHECK(backend.pending() == 0);
}

TEST_CASE("sqlite backend: two starts of one run conflict") {
  TempDir dir;
  SqliteBackend backend(dir.file(), options());
  auto first = backend.load(machine(), "d1", "start");
  auto second = backend.load(machine(), "d1", "start");
  first->state() = FlowState::fresh(machine(), "d1", selinon::share(Json(1)));
  second->state() = FlowState::fresh(machine(), "d1", selinon::share(Json(2)));
  Transition a;
  a.flow = first.get();
  a.event_id = "start";
  Transition b;
  b.flow = second.get();
  b.event_id = "start";
  CHECK(backend.commit(a) == CommitResult::committed);
  CHECK(backend.commit(b) == CommitResult::conflict);
  CHECK(backend.load(machine(), "d1", "start")->already_applied());
  CHECK(backend.flow("d1")->state["node_args"] == 1);
}

TEST_CASE("sqlite backend: a delayed message is not claimable before its delay") {
  TempDir dir;
  SqliteBackend backend(dir.file(), options());
  const auto before = std::chrono::steady_clock::now();
  enqueue(backend, task("later"), "q", 150ms);
  enqueue(backend, task("now"));
  auto first = backend.claim({"q"}, 0ms);
  REQUIRE(first);
  CHECK(task_of(*first).task_id == "now");
  CHECK_FALSE(backend.claim({"q"}, 0ms));
  auto delayed = backend.claim({"q"}, 5s);
  REQUIRE(delayed);
  CHECK(task_of(*delayed).task_id == "later");
  CHECK(std::chrono::steady_clock::now() - before >= 140ms);  // wall and steady clocks may differ by a little
}

TEST_CASE("sqlite backend: node_args are stored once per run and shared by the task messages") {
  TempDir dir;
  const std::string path = dir.file();
  {
    SqliteBackend backend(path, options());
    auto slot = backend.load(machine(), "d1", "start");
    slot->state() = FlowState::fresh(machine(), "d1", selinon::share(Json{{"big", "payload"}}));
    Transition transition;
    transition.flow = slot.get();
    transition.event_id = "start";
    for (int i = 0; i < 3; ++i) {
      transition.messages.push_back({"q", task("t" + std::to_string(i), "d1", slot->state().shared_node_args())});
    }
    REQUIRE(backend.commit(transition) == CommitResult::committed);
  }
  CHECK(count_rows(path, "SELECT count(*) FROM node_args") == 1);
  CHECK(count_rows(path, "SELECT count(*) FROM messages WHERE body LIKE '%payload%'") == 0);

  SqliteBackend backend(path, options());  // a process that has never seen them
  auto first = backend.claim({"q"}, 0ms);
  auto second = backend.claim({"q"}, 0ms);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(selinon::value_of(task_of(*first).node_args) == Json{{"big", "payload"}});
  CHECK(task_of(*first).node_args.get() == task_of(*second).node_args.get());
  auto slot = backend.load(machine(), "d1", "x");
  CHECK(slot->state().shared_node_args().get() == task_of(*first).node_args.get());

  // A task message whose run stored no node_args is malformed, not fatal.
  TaskMessage orphan = task("t9", "unknown-run", nullptr, 4);
  backend.enqueue_raw("orphans", selinon::serialise(orphan));
  auto claim = backend.claim({"orphans"}, 0ms);
  REQUIRE(claim);
  CHECK_FALSE(claim->message);
  CHECK(claim->error.find("unknown-run") != std::string::npos);
  CHECK(claim->error.find("not stored") != std::string::npos);
}

TEST_CASE("sqlite backend: a task message committed without its flow stores its own node_args") {
  TempDir dir;
  const std::string path = dir.file();
  {
    SqliteBackend backend(path, options());
    enqueue(backend, task("retry", "d7", selinon::share(Json{{"y", 2}}), 3));
  }
  SqliteBackend backend(path, options());
  auto claim = backend.claim({"q"}, 0ms);
  REQUIRE(claim);
  CHECK(selinon::value_of(task_of(*claim).node_args) == Json{{"y", 2}});
}

TEST_CASE("sqlite backend: malformed bodies are claimed with an error, never a crash") {
  TempDir dir;
  SqliteBackend backend(dir.file(), options());
  const std::string valid = selinon::serialise(task("t1"));
  std::vector<std::string> bodies = {
      "not json at all",
      valid.substr(0, valid.size() / 2),
      R"({"type": "bogus"})",
      R"({"type": "task", "task_name": 7})",
      "[1, 2, 3]",
      "",
      std::string("\0\xff\xfe binary", 10),
      std::string(100000, '[') + std::string(100000, ']'),
  };
  for (const std::string& body : bodies) backend.enqueue_raw("bad", body);
  for (const std::string& body : bodies) {
    auto claim = backend.claim({"bad"}, 0ms);
    REQUIRE(claim);
    CHECK_FALSE(claim->message);
    CHECK_FALSE(claim->error.empty());
    CHECK(claim->raw == body);
    backend.dead_letter(*claim, "malformed: " + claim->error);
  }
  auto letters = backend.dead_letters();
  REQUIRE(letters.size() == bodies.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) CHECK(letters[i].body == bodies[i]);
}

TEST_CASE("sqlite backend: a state that cannot be read fails load with a clear error") {
  TempDir dir;
  const std::string path = dir.file();
  SqliteBackend backend(path, options());
  start_flow(backend, "d1");
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "UPDATE flows SET state = '{\"active_nodes\": 5'", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  CHECK_THROWS_WITH_AS(backend.load(machine(), "d1", "e"), doctest::Contains("flow run d1"), std::runtime_error);
}

TEST_CASE("sqlite backend: two processes claim 2,000 messages, each exactly once") {
  TempDir dir;
  const std::string path = dir.file();
  constexpr int kMessages = 2000;
  {
    SqliteBackend backend(path, options());
    Transition transition;
    for (int i = 0; i < kMessages; ++i) transition.messages.push_back({"q", task(std::to_string(i))});
    REQUIRE(backend.commit(transition) == CommitResult::committed);
  }  // closed before fork(): a child must not inherit an open SQLite connection

  std::vector<pid_t> children;
  for (int child = 0; child < 2; ++child) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int status = 0;
      try {
        SqliteBackend backend(path, options());
        std::ofstream out(dir.file("claimed-" + std::to_string(child)));
        while (auto claim = backend.claim({"q"}, 200ms)) {
          out << std::get<TaskMessage>(*claim->message).task_id << '\n';
          Transition ack;
          ack.consumed = &*claim;
          if (backend.commit(ack) != CommitResult::committed) status = 3;
        }
      } catch (...) {
        status = 2;
      }
      _exit(status);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  std::multiset<std::string> claimed;
  for (int child = 0; child < 2; ++child) {
    std::ifstream in(dir.file("claimed-" + std::to_string(child)));
    for (std::string line; std::getline(in, line);) claimed.insert(line);
  }
  CHECK(claimed.size() == kMessages);
  CHECK(std::set<std::string>(claimed.begin(), claimed.end()).size() == kMessages);
  CHECK(SqliteBackend(path, options()).pending() == 0);
}

TEST_CASE("sqlite backend: several connections may create one new file at once") {
  TempDir dir;
  const std::string path = dir.file();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      try {
        SqliteBackend backend(path, options());
        enqueue(backend, task(std::to_string(i)));
      } catch (...) {
        ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
  CHECK(SqliteBackend(path, options()).pending() == 4);
}

TEST_CASE("sqlite backend: a local commit wakes a waiting claimer; shutdown ends every wait") {
  TempDir dir;
  SqliteBackend backend(dir.file(), options());
  std::optional<Claim> received;
  std::thread claimer([&] { received = backend.claim({"q"}, 10s); });
  std::this_thread::sleep_for(50ms);
  enqueue(backend, task("t1"));
  claimer.join();
  REQUIRE(received);
  CHECK(task_of(*received).task_id == "t1");

  const auto before = std::chrono::steady_clock::now();
  std::thread waiting([&] { CHECK_FALSE(backend.claim({"q"}, 10s)); });
  std::this_thread::sleep_for(50ms);
  backend.shutdown();
  waiting.join();
  CHECK(std::chrono::steady_clock::now() - before < 5s);
  enqueue(backend, task("t2"));
  CHECK_FALSE(backend.claim({"q"}, 0ms));
}

TEST_CASE("sqlite backend: throttle spaces messages of one key") {
  TempDir dir;
  SqliteBackend backend(dir.file(), options());
  CHECK(backend.throttle("task:A", 200ms) == 0ms);
  const auto second = backend.throttle("task:A", 200ms);
  CHECK(second > 150ms);
  CHECK(second <= 200ms);
  const auto third = backend.throttle("task:A", 200ms);
  CHECK(third > 350ms);
  CHECK(third <= 400ms);
  CHECK(backend.throttle("task:B", 200ms) == 0ms);
  std::this_thread::sleep_for(50ms);
  CHECK(SqliteBackend(dir.file(), options()).throttle("task:B", 200ms) > 100ms);  // shared through the file
}

TEST_CASE("sqlite backend: wait_flow and wait_idle see committed changes") {
  TempDir dir;
  SqliteBackend backend(dir.file(), options());
  CHECK_FALSE(backend.wait_flow("d1", 10ms));
  start_flow(backend, "d1");
  auto slot = backend.load(machine(), "d1", "end:t1");
  slot->state().set_status(FlowState::Status::succeeded);
  Transition transition;
  transition.flow = slot.get();
  REQUIRE(backend.commit(transition) == CommitResult::committed);
  auto record = backend.wait_flow("d1", 1s);
  REQUIRE(record);
  CHECK(record->status == FlowState::Status::succeeded);
  CHECK(backend.wait_idle(10ms));
}
