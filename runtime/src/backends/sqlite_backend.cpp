// The sqlite backend. Every write is part of one short BEGIN IMMEDIATE transaction, so processes sharing the file
// queue for the write lock (busy_timeout) instead of deadlocking on a read-to-write upgrade. Within one process the
// one connection is serialised by a mutex, the writes of threads that arrive together share a transaction (group
// commit: the cost of a transaction is its locks and page writes, not its statements), and commits wake the
// claimers of the process at once.
#include "selinon/backends/sqlite.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include <sqlite3.h>

#include "selinon/flow_machine.hpp"
#include "sqlite_db.hpp"
#include "stored_run.hpp"

namespace selinon {

namespace {

using std::chrono::milliseconds;
using sqlite::Run;
using sqlite::Statement;
using sqlite::Transaction;

constexpr std::int64_t kSchemaVersion = 1;

// visible_at is when a message can next be claimed: its due time while queued, the end of its lease while claimed,
// so one index serves new messages, delayed ones and expired leases alike. Times are wall-clock milliseconds,
// the clock the processes sharing the file have in common. One index only: every index on messages is written
// again by every claim and every commit.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY,
  queue TEXT NOT NULL,
  body BLOB NOT NULL,
  visible_at INTEGER NOT NULL,
  lease INTEGER NOT NULL DEFAULT 0,
  deliveries INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS messages_by_queue ON messages (queue, visible_at);
CREATE TABLE IF NOT EXISTS flows (
  dispatcher_id TEXT PRIMARY KEY,
  flow_name TEXT NOT NULL,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  args_revision INTEGER NOT NULL,
  state TEXT NOT NULL,
  result TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS node_args (
  dispatcher_id TEXT NOT NULL,
  revision INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (dispatcher_id, revision)
);
CREATE TABLE IF NOT EXISTS applied_events (
  dispatcher_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  PRIMARY KEY (dispatcher_id, event_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY,
  queue TEXT NOT NULL,
  reason TEXT NOT NULL,
  body BLOB NOT NULL,
  deliveries INTEGER NOT NULL,
  dead_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS throttle (
  key TEXT PRIMARY KEY,
  next_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

constexpr milliseconds kBusyTimeout{10000};
constexpr milliseconds kFirstPoll{1};
constexpr milliseconds kLongestPoll{20};
constexpr std::size_t kNodeArgsCacheSize = 1024;

std::int64_t now_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t to_int(std::uint64_t value) { return static_cast<std::int64_t>(value); }

using SqliteSlot = stored::CopiedSlot;
using stored::capped;
using stored::NodeArgsKey;
using stored::status_text;

// A claimed row, decoded outside the connection's lock.
struct Taken {
  std::string queue;
  std::string body;
  int deliveries = 0;
  std::uint64_t id = 0;
  std::uint64_t lease = 0;
};

}  // namespace

struct SqliteBackend::Impl {
  Impl(const std::string& path, BackendOptions backend_options, bool synchronous_full);

  std::optional<Taken> take(const std::vector<std::string>& queues, std::optional<std::int64_t>& next_due);
  // The earliest message of `queues` (every queue when empty), due or not: (id, visible_at).
  std::optional<std::pair<std::int64_t, std::int64_t>> earliest(const std::vector<std::string>& queues);
  Claim decode(Taken taken);
  // A dead letter's body: the message with its node_args inline, so it can be read (and replayed) on its own;
  // the stored bytes when they cannot be decoded. Called under db_mutex.
  std::string self_contained(const std::string& stored);
  // The node_args of a flow run's revision, shared by every message and state of this process that names it.
  // Throws MessageError when they are not stored.
  SharedJson node_args_of(const std::string& dispatcher_id, std::uint64_t revision);
  std::uint64_t new_lease();
  void wake_claimers();
  // Applies `apply` inside a write transaction, with the writes other threads queued meanwhile; `apply` runs under
  // db_mutex (so it must not take it) and returns false to undo its own changes. Rethrows what `apply` threw, or
  // the transaction's failure.
  // `after` runs once the transaction is committed, still under db_mutex: no thread of this process can claim
  // what the write enqueued before it has run.
  void write(const std::function<bool()>& apply, const std::function<void()>* after = nullptr);
  struct Write {
    const std::function<bool()>* apply = nullptr;
    const std::function<void()>* after = nullptr;
    std::exception_ptr error;
    bool kept = false;
    bool done = false;
  };
  void run_batch(const std::vector<Write*>& batch);

  BackendOptions options;

  std::mutex db_mutex;  // guards the connection, its statements and `tokens`
  sqlite::Database db;
  Statement savepoint{db, "SAVEPOINT one_write"};
  Statement release_savepoint{db, "RELEASE one_write"};
  Statement undo_savepoint{db, "ROLLBACK TO one_write"};
  Statement next_in_queue{db, "SELECT id, visible_at FROM messages WHERE queue = ?1 ORDER BY visible_at, id LIMIT 1"};
  // The queues holding messages, one index seek each (a skip scan of messages_by_queue).
  Statement queues_in_use{db,
                          "WITH RECURSIVE used(name) AS (SELECT (SELECT min(queue) FROM messages) UNION ALL "
                          "SELECT (SELECT min(queue) FROM messages WHERE queue > name) FROM used "
                          "WHERE name IS NOT NULL) SELECT name FROM used WHERE name IS NOT NULL"};
  Statement lease_message{db,
                          "UPDATE messages SET lease = ?2, visible_at = ?3, deliveries = deliveries + 1 WHERE id = ?1 "
                          "RETURNING queue, body, deliveries"};
  Statement delete_message{db, "DELETE FROM messages WHERE id = ?1"};
  Statement acknowledge{db, "DELETE FROM messages WHERE id = ?1 AND lease = ?2"};
  Statement take_back{db, "DELETE FROM messages WHERE id = ?1 AND lease = ?2 RETURNING queue, deliveries"};
  Statement extend_lease{db, "UPDATE messages SET visible_at = ?3 WHERE id = ?1 AND lease = ?2"};
  // A release gives the message back unharmed: not a failed delivery, and the old lease is void.
  Statement give_back{db,
                      "UPDATE messages SET visible_at = ?3, lease = 0, deliveries = max(deliveries - 1, 0) "
                      "WHERE id = ?1 AND lease = ?2"};
  Statement enqueue{db, "INSERT INTO messages (queue, body, visible_at) VALUES (?1, ?2, ?3)"};
  Statement bury{db,
                 "INSERT INTO dead_letters (queue, reason, body, deliveries, dead_at) VALUES (?1, ?2, ?3, ?4, ?5)"};
  Statement select_status{db, "SELECT status FROM flows WHERE dispatcher_id = ?1"};
  Statement select_flow{db, "SELECT version, args_revision, state FROM flows WHERE dispatcher_id = ?1"};
  Statement select_record{db,
                          "SELECT flow_name, status, result, state, args_revision FROM flows WHERE dispatcher_id = ?1"};
  Statement insert_flow{db,
                        "INSERT INTO flows (dispatcher_id, flow_name, version, status, args_revision, state, result) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING"};
  Statement update_flow{db,
                        "UPDATE flows SET flow_name = ?2, version = ?3, status = ?4, args_revision = ?5, state = ?6, "
                        "result = ?7 WHERE dispatcher_id = ?1 AND version = ?8"};
  Statement select_applied{db, "SELECT 1 FROM applied_events WHERE dispatcher_id = ?1 AND event_id = ?2"};
  Statement insert_applied{db,
                           "INSERT INTO applied_events (dispatcher_id, event_id) VALUES (?1, ?2) "
                           "ON CONFLICT DO NOTHING"};
  Statement select_node_args{db, "SELECT body FROM node_args WHERE dispatcher_id = ?1 AND revision = ?2"};
  Statement insert_node_args{db, "INSERT OR IGNORE INTO node_args (dispatcher_id, revision, body) VALUES (?1, ?2, ?3)"};
  Statement select_throttle{db, "SELECT next_ms FROM throttle WHERE key = ?1"};
  Statement upsert_throttle{db,
                            "INSERT INTO throttle (key, next_ms) VALUES (?1, ?2) "
                            "ON CONFLICT (key) DO UPDATE SET next_ms = excluded.next_ms"};
  Statement select_dead{db, "SELECT queue, reason, body, deliveries FROM dead_letters ORDER BY id"};
  Statement count_messages{db, "SELECT count(*) FROM messages"};
  std::mt19937_64 tokens;
  std::atomic<bool> found_last_time{false};  // the last take() found a message

  std::mutex batch_mutex;  // guards the queue of writes and batch_running
  std::condition_variable batch_done;
  std::vector<Write*> queued_writes;
  bool batch_running = false;

  std::mutex wake_mutex;  // guards generation and stopped for the condition variable
  std::condition_variable wake;
  std::uint64_t generation = 0;  // bumped by every local change that may make a message claimable
  bool stopped = false;

  stored::NodeArgsCache node_args_cache{kNodeArgsCacheSize};
};

namespace {

// The schema must exist before the statements above can be prepared, so it is created by a connection of its own.
void create_schema(const std::string& path) {
  sqlite::Database db(path, kBusyTimeout);
  // Switching a new file to WAL takes an exclusive lock that SQLite may refuse at once while another process does
  // the same; retry within the busy timeout.
  const auto give_up = std::chrono::steady_clock::now() + kBusyTimeout;
  std::string mode;
  for (;;) {
    try {
      Statement journal(db, "PRAGMA journal_mode = WAL");
      Run run(journal);
      if (run->step()) mode = std::string(run->column_text(0));
      break;
    } catch (const sqlite::Error& error) {
      if ((error.code() & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() > give_up) throw;
      std::this_thread::sleep_for(milliseconds(5));
    }
  }
  if (mode != "wal" && mode != "memory") {
    throw std::runtime_error("sqlite backend: " + path + " cannot use write-ahead logging (journal mode " + mode +
                             ")");
  }
  Transaction transaction(db, Transaction::Kind::write);
  std::int64_t version = 0;
  {
    Statement user_version(db, "PRAGMA user_version");
    Run run(user_version);
    if (run->step()) version = run->column_int(0);
  }
  if (version > kSchemaVersion) {
    throw std::runtime_error("sqlite backend: " + path + " has schema version " + std::to_string(version) +
                             ", newer than this worker's " + std::to_string(kSchemaVersion));
  }
  if (version < kSchemaVersion) {
    db.exec(kSchema);
    db.exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
  }
  transaction.commit();
}

const std::string& created(const std::string& path) {
  create_schema(path);
  return path;
}

}  // namespace

SqliteBackend::Impl::Impl(const std::string& path, BackendOptions backend_options, bool synchronous_full)
    : options(std::move(backend_options)), db(created(path), kBusyTimeout), tokens(std::random_device{}()) {
  // NORMAL in WAL mode: a commit survives the death of any process; only power loss may drop the last ones.
  db.exec(synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
}

std::uint64_t SqliteBackend::Impl::new_lease() {
  // Random rather than counted: the processes sharing the file hand out leases independently. Positive and
  // nonzero, since 0 marks a message not leased.
  return (tokens() >> 2) | 1;
}

std::optional<std::pair<std::int64_t, std::int64_t>> SqliteBackend::Impl::earliest(
    const std::vector<std::string>& queues) {
  std::optional<std::pair<std::int64_t, std::int64_t>> best;
  auto consider = [&](Statement& statement) {
    if (!statement.step()) return;
    std::pair<std::int64_t, std::int64_t> candidate{statement.column_int(0), statement.column_int(1)};
    if (!best || std::pair(candidate.second, candidate.first) < std::pair(best->second, best->first)) {
      best = candidate;
    }
  };
  std::vector<std::string> every_queue;
  if (queues.empty()) {
    Run run(queues_in_use);
    while (run->step()) every_queue.emplace_back(run->column_text(0));
  }
  // One index seek per queue: an IN list would collect every due message of the queues before ordering them.
  for (const std::string& queue : queues.empty() ? every_queue : queues) {
    Run run(next_in_queue);
    run->bind_text(1, queue);
    consider(next_in_queue);
  }
  return best;
}

std::optional<Taken> SqliteBackend::Impl::take(const std::vector<std::string>& queues,
                                               std::optional<std::int64_t>& next_due) {
  // While nothing was found, look first without the write lock: idle pollers must not queue up behind the
  // committers of other processes. While messages are found, that look would only double the locking.
  if (!found_last_time) {
    std::lock_guard lock(db_mutex);
    auto candidate = earliest(queues);
    if (!candidate || candidate->second > now_ms()) {
      if (candidate) next_due = candidate->second;
      return std::nullopt;
    }
  }
  std::optional<Taken> taken;
  write([&] {
    for (;;) {
      const std::int64_t now = now_ms();
      auto candidate = earliest(queues);  // again: another process may have taken it meanwhile
      if (!candidate || candidate->second > now) {
        if (candidate) next_due = candidate->second;
        return true;  // keeps the dead letters set aside below
      }
      Taken leased;
      leased.id = static_cast<std::uint64_t>(candidate->first);
      leased.lease = new_lease();
      {
        Run run(lease_message);
        run->bind(1, candidate->first).bind(2, to_int(leased.lease)).bind(3, now + options.lease.count());
        if (!run->step()) return true;  // cannot happen under the write lock; never spin on it
        leased.queue = std::string(run->column_text(0));
        leased.body = std::string(run->column_blob(1));
        leased.deliveries = static_cast<int>(run->column_int(2));
      }
      if (leased.deliveries <= options.max_deliveries) {
        taken = std::move(leased);
        return true;
      }
      const int delivered = leased.deliveries - 1;
      {
        Run run(bury);
        run->bind_text(1, leased.queue)
            .bind_text(2, "delivered " + std::to_string(delivered) + " times without being acknowledged")
            .bind_blob(3, self_contained(leased.body))
            .bind(4, delivered)
            .bind(5, now);
        run->step();
      }
      Run run(delete_message);
      run->bind(1, candidate->first);
      run->step();
    }
  });
  found_last_time = taken.has_value();
  return taken;
}

void SqliteBackend::Impl::write(const std::function<bool()>& apply, const std::function<void()>* after) {
  Write mine;
  mine.apply = &apply;
  mine.after = after;
  std::unique_lock lock(batch_mutex);
  queued_writes.push_back(&mine);
  batch_done.wait(lock, [&] { return mine.done || !batch_running; });
  if (!mine.done) {
    // No batch is running: this thread writes every queued write, its own among them.
    std::vector<Write*> batch;
    batch.swap(queued_writes);
    batch_running = true;
    lock.unlock();
    run_batch(batch);
    lock.lock();
    for (Write* write : batch) write->done = true;
    batch_running = false;
    batch_done.notify_all();
  }
  if (mine.error) std::rethrow_exception(mine.error);
}

void SqliteBackend::Impl::run_batch(const std::vector<Write*>& batch) {
  std::lock_guard lock(db_mutex);
  auto fail_all = [&](const std::exception_ptr& error) {
    for (Write* write : batch) {
      if (!write->error) write->error = error;
    }
  };
  try {
    db.begin(true);
  } catch (...) {
    fail_all(std::current_exception());
    return;
  }
  // Alone, a write that gives up rolls the transaction back; in company, only its savepoint.
  const bool shared = batch.size() > 1;
  auto step = [](Statement& statement) {
    Run run(statement);
    run->step();
  };
  std::exception_ptr ended;  // the transaction ended early: the writes after it cannot run
  for (Write* write : batch) {
    if (ended) {
      write->error = ended;
      continue;
    }
    try {
      if (shared) step(savepoint);
      const bool keep = (*write->apply)();
      write->kept = keep;
      if (shared) {
        if (!keep) step(undo_savepoint);
        step(release_savepoint);
      } else if (!keep) {
        db.rollback();
      }
    } catch (...) {
      write->error = std::current_exception();
      try {
        if (shared && db.in_transaction()) {
          step(undo_savepoint);
          step(release_savepoint);
        } else {
          db.rollback();
        }
      } catch (...) {
        db.rollback();
      }
      if (!db.in_transaction()) ended = write->error;
    }
  }
  if (!db.in_transaction()) return;
  try {
    db.commit();
  } catch (...) {
    db.rollback();
    fail_all(std::current_exception());
    return;
  }
  for (Write* write : batch) {
    if (write->kept && !write->error && write->after) (*write->after)();
  }
}

SharedJson SqliteBackend::Impl::node_args_of(const std::string& dispatcher_id, std::uint64_t revision) {
  NodeArgsKey key{dispatcher_id, revision};
  if (auto cached = node_args_cache.find(key)) return *cached;
  std::string body;
  {
    std::lock_guard lock(db_mutex);
    Run run(select_node_args);
    run->bind_text(1, dispatcher_id).bind(2, to_int(revision));
    if (!run->step()) {
      throw MessageError("the node_args of flow run " + dispatcher_id + " (revision " + std::to_string(revision) +
                         ") are not stored");
    }
    body = std::string(run->column_text(0));
  }
  return node_args_cache.remember(std::move(key), share(parse_json(body, "node_args", options.limits)));
}

std::string SqliteBackend::Impl::self_contained(const std::string& stored) {
  try {
    Message message = deserialise(stored, options.limits);
    if (auto* task = std::get_if<TaskMessage>(&message); task != nullptr && !task->node_args) {
      Run run(select_node_args);
      run->bind_text(1, task->dispatcher_id).bind(2, to_int(task->args_revision));
      if (!run->step()) return stored;
      task->node_args = share(parse_json(run->column_text(0), "node_args", options.limits));
    }
    return serialise(message, true);
  } catch (const MessageError&) {
    return stored;
  }
}

Claim SqliteBackend::Impl::decode(Taken taken) {
  Claim claim;
  claim.queue = std::move(taken.queue);
  claim.delivery_count = taken.deliveries;
  claim.handle = taken.id;
  claim.lease = taken.lease;
  try {
    Message message = deserialise(taken.body, options.limits);
    if (auto* task = std::get_if<TaskMessage>(&message); task != nullptr && !task->node_args) {
      task->node_args = node_args_of(task->dispatcher_id, task->args_revision);
    }
    claim.message = std::move(message);
  } catch (const MessageError& error) {
    claim.error = error.what();
    claim.raw = std::move(taken.body);
  } catch (const sqlite::Error&) {
    throw;  // the database failed, not the message: it stays leased and is delivered again
  } catch (const std::exception& error) {
    // Whatever bad bytes make the decoder throw, they are set aside rather than stop the worker.
    claim.error = std::string("undecodable message: ") + error.what();
    claim.raw = std::move(taken.body);
  }
  return claim;
}

void SqliteBackend::Impl::wake_claimers() {
  {
    std::lock_guard lock(wake_mutex);
    ++generation;
  }
  wake.notify_all();
}

SqliteBackend::SqliteBackend(std::string path, BackendOptions options, bool synchronous_full)
    : impl_(std::make_unique<Impl>(path, std::move(options), synchronous_full)) {}

SqliteBackend::~SqliteBackend() = default;

std::optional<Claim> SqliteBackend::claim(const std::vector<std::string>& queues, milliseconds wait) {
  // Saturated: a wait of milliseconds::max() means "for ever", not an overflow into the past.
  const auto deadline = std::chrono::steady_clock::now() + std::min(wait, milliseconds(std::int64_t{1} << 40));
  milliseconds poll = kFirstPoll;
  for (;;) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(impl_->wake_mutex);
      if (impl_->stopped) return std::nullopt;
      seen = impl_->generation;
    }
    std::optional<std::int64_t> next_due;
    std::optional<Taken> taken = impl_->take(queues, next_due);
    if (taken) return impl_->decode(std::move(*taken));

    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    // Other processes notify nobody: poll them with a backoff, but never past a delayed message's due time.
    std::chrono::steady_clock::duration sleep = std::min<std::chrono::steady_clock::duration>(poll, deadline - now);
    if (next_due) sleep = std::min<std::chrono::steady_clock::duration>(sleep, milliseconds(*next_due - now_ms()));
    sleep = std::max<std::chrono::steady_clock::duration>(sleep, {});
    std::unique_lock lock(impl_->wake_mutex);
    if (impl_->wake.wait_for(lock, sleep, [&] { return impl_->stopped || impl_->generation != seen; })) {
      poll = kFirstPoll;
    } else {
      poll = std::min(poll * 2, kLongestPoll);
    }
  }
}

bool SqliteBackend::extend(const Claim& claim) {
  bool held = false;
  impl_->write([&] {
    Run run(impl_->extend_lease);
    run->bind(1, to_int(claim.handle)).bind(2, to_int(claim.lease)).bind(3, now_ms() + impl_->options.lease.count());
    run->step();
    held = impl_->db.changes() > 0;
    return true;
  });
  return held;
}

void SqliteBackend::release(const Claim& claim, milliseconds delay) {
  impl_->write([&] {
    Run run(impl_->give_back);
    run->bind(1, to_int(claim.handle)).bind(2, to_int(claim.lease)).bind(3, now_ms() + capped(delay));
    run->step();
    return true;
  });
  impl_->wake_claimers();
}

void SqliteBackend::dead_letter(const Claim& claim, const std::string& reason) {
  // As the memory backend keeps it: the message with its node_args inline, or the raw bytes of a malformed one.
  const std::string letter = claim.message ? serialise(*claim.message, true) : claim.raw;
  impl_->write([&] {
    std::string queue;
    std::int64_t deliveries = 0;
    {
      Run run(impl_->take_back);
      run->bind(1, to_int(claim.handle)).bind(2, to_int(claim.lease));
      if (!run->step()) return true;  // the lease was lost: the message is someone else's now
      queue = std::string(run->column_text(0));
      deliveries = run->column_int(1);
    }
    Run run(impl_->bury);
    run->bind_text(1, queue).bind_text(2, reason).bind_blob(3, letter).bind(4, deliveries).bind(5, now_ms());
    run->step();
    return true;
  });
}

std::unique_ptr<FlowSlot> SqliteBackend::load(const FlowMachine& machine, const std::string& dispatcher_id,
                                              const std::string& event_id) {
  auto slot = std::make_unique<SqliteSlot>(machine, dispatcher_id);
  std::optional<std::string> state_text;
  std::uint64_t version = 0;
  std::uint64_t args_revision = 0;
  bool applied = false;
  {
    std::lock_guard lock(impl_->db_mutex);
    Transaction snapshot(impl_->db, Transaction::Kind::read);
    {
      Run run(impl_->select_flow);
      run->bind_text(1, dispatcher_id);
      if (run->step()) {
        version = static_cast<std::uint64_t>(run->column_int(0));
        args_revision = static_cast<std::uint64_t>(run->column_int(1));
        state_text = std::string(run->column_text(2));
      }
    }
    if (!event_id.empty()) {
      Run run(impl_->select_applied);
      run->bind_text(1, dispatcher_id).bind_text(2, event_id);
      applied = run->step();
    }
    snapshot.commit();
  }
  slot->set_applied(applied);
  if (state_text) {
    try {
      SharedJson node_args = impl_->node_args_of(dispatcher_id, args_revision);
      slot->loaded(FlowState::from_json(machine, Json::parse(*state_text), std::move(node_args)), version,
                   args_revision);
    } catch (const sqlite::Error&) {
      throw;
    } catch (const std::exception& error) {
      throw std::runtime_error("sqlite backend: the stored state of flow run " + dispatcher_id + " (" +
                               std::string(machine.name) + ") cannot be read: " + error.what());
    }
  }
  return slot;
}

CommitResult SqliteBackend::commit(Transition& transition) {
  SqliteSlot* slot = nullptr;
  if (transition.flow != nullptr) {
    slot = dynamic_cast<SqliteSlot*>(transition.flow);
    if (slot == nullptr) throw std::invalid_argument("sqlite backend: commit of a flow slot it did not load");
  }

  // Everything that needs no database is prepared before the connection is taken.
  struct Row {
    const std::string* queue;
    std::string body;
    std::int64_t delay;
  };
  std::vector<Row> rows;
  rows.reserve(transition.messages.size());
  std::vector<std::pair<NodeArgsKey, std::string>> task_node_args;  // not known to be stored yet
  std::optional<NodeArgsKey> flow_args_key;
  if (slot != nullptr) flow_args_key = NodeArgsKey{slot->dispatcher_id(), slot->state().args_revision()};
  for (const Outgoing& outgoing : transition.messages) {
    rows.push_back({&outgoing.queue, serialise(outgoing.message), capped(outgoing.delay)});
    // A task message normally references the node_args its flow's commit stores; one that does not (a retry
    // committed without its flow) stores its own, once.
    if (const auto* task = std::get_if<TaskMessage>(&outgoing.message); task != nullptr && task->node_args) {
      NodeArgsKey key{task->dispatcher_id, task->args_revision};
      if (key != flow_args_key && !impl_->node_args_cache.find(key) &&
          std::none_of(task_node_args.begin(), task_node_args.end(), [&](const auto& e) { return e.first == key; })) {
        task_node_args.emplace_back(std::move(key), task->node_args->dump());
      }
    }
  }

  std::string state_text;
  std::string result_text;
  std::string node_args_text;
  bool store_node_args = false;
  std::uint64_t previous_version = 0;
  if (slot != nullptr) {
    FlowState& state = slot->state();
    previous_version = state.version;
    state.version = slot->loaded_version() + 1;
    state_text = state.to_json(slot->machine(), false).dump();
    Json result = state.result(slot->machine());
    if (!state.error().empty()) result["error"] = state.error();
    result_text = result.dump();
    store_node_args = !slot->exists() || state.args_revision() != slot->loaded_args_revision();
    if (store_node_args) node_args_text = state.node_args().dump();
  }
  // A transition that does not commit leaves the state's version as it was.
  struct VersionGuard {
    SqliteSlot* slot;
    std::uint64_t previous;
    bool keep = false;
    ~VersionGuard() {
      if (slot != nullptr && !keep) slot->state().version = previous;
    }
  } version_guard{slot, previous_version};

  CommitResult result = CommitResult::committed;
  impl_->write([&] {
    sqlite::Database& db = impl_->db;
    const std::int64_t now = now_ms();
    if (transition.consumed != nullptr) {
      Run run(impl_->acknowledge);
      run->bind(1, to_int(transition.consumed->handle)).bind(2, to_int(transition.consumed->lease));
      run->step();
      if (db.changes() == 0) {
        result = CommitResult::lease_lost;
        return false;
      }
    }
    if (slot != nullptr) {
      const FlowState& state = slot->state();
      Run run(slot->exists() ? impl_->update_flow : impl_->insert_flow);
      run->bind_text(1, slot->dispatcher_id())
          .bind_text(2, state.flow_name.empty() ? std::string(slot->machine().name) : state.flow_name)
          .bind(3, to_int(state.version))
          .bind_text(4, status_text(state.status()))
          .bind(5, to_int(state.args_revision()))
          .bind_text(6, state_text)
          .bind_text(7, result_text);
      if (slot->exists()) run->bind(8, to_int(slot->loaded_version()));
      run->step();
      if (db.changes() == 0) {  // moved since load(), or created meanwhile
        result = CommitResult::conflict;
        return false;
      }
      if (store_node_args) {
        Run args(impl_->insert_node_args);
        args->bind_text(1, slot->dispatcher_id()).bind(2, to_int(state.args_revision())).bind_text(3, node_args_text);
        args->step();
      }
      if (!transition.event_id.empty()) {
        Run applied(impl_->insert_applied);
        applied->bind_text(1, slot->dispatcher_id()).bind_text(2, transition.event_id);
        applied->step();
        if (db.changes() == 0) {
          result = CommitResult::conflict;
          return false;
        }
      }
    }
    for (const auto& [key, text] : task_node_args) {
      Run run(impl_->insert_node_args);
      run->bind_text(1, key.first).bind(2, to_int(key.second)).bind_text(3, text);
      run->step();
    }
    for (const Row& row : rows) {
      Run run(impl_->enqueue);
      run->bind_text(1, *row.queue).bind_blob(2, row.body).bind(3, now + row.delay);
      run->step();
    }
    return true;
  }, transition.on_commit ? &transition.on_commit : nullptr);
  if (result != CommitResult::committed) return result;
  version_guard.keep = true;

  // Claims of this process share the very node_args the committed state holds.
  if (slot != nullptr && slot->state().shared_node_args()) {
    impl_->node_args_cache.remember(*flow_args_key, slot->state().shared_node_args());
  }
  for (const Outgoing& outgoing : transition.messages) {
    if (const auto* task = std::get_if<TaskMessage>(&outgoing.message); task != nullptr && task->node_args) {
      impl_->node_args_cache.remember({task->dispatcher_id, task->args_revision}, task->node_args);
    }
  }
  if (!rows.empty()) impl_->wake_claimers();
  return CommitResult::committed;
}

milliseconds SqliteBackend::throttle(const std::string& key, milliseconds spacing) {
  if (spacing <= milliseconds::zero()) return milliseconds::zero();
  std::int64_t now = 0;
  std::int64_t due = 0;
  impl_->write([&] {
    now = now_ms();
    due = now;
    {
      Run run(impl_->select_throttle);
      run->bind_text(1, key);
      if (run->step()) due = std::max(run->column_int(0), now);
    }
    Run run(impl_->upsert_throttle);
    run->bind_text(1, key).bind(2, due + spacing.count());
    run->step();
    return true;
  });
  return milliseconds(due - now);
}

std::optional<FlowRecord> SqliteBackend::flow(const std::string& dispatcher_id) {
  FlowRecord record;
  std::string result_text;
  std::string state_text;
  std::uint64_t args_revision = 0;
  {
    std::lock_guard lock(impl_->db_mutex);
    Run run(impl_->select_record);
    run->bind_text(1, dispatcher_id);
    if (!run->step()) return std::nullopt;
    record.flow_name = std::string(run->column_text(0));
    record.status = stored::status_of(run->column_text(1), dispatcher_id, "sqlite");
    result_text = std::string(run->column_text(2));
    state_text = std::string(run->column_text(3));
    args_revision = static_cast<std::uint64_t>(run->column_int(4));
  }
  try {
    record.result = Json::parse(result_text);
    record.state = Json::parse(state_text);
    // The client sees the whole state, as the memory backend shows it: node_args included.
    record.state["node_args"] = value_of(impl_->node_args_of(dispatcher_id, args_revision));
  } catch (const sqlite::Error&) {
    throw;
  } catch (const std::exception& error) {
    throw std::runtime_error("sqlite backend: the stored record of flow run " + dispatcher_id +
                             " cannot be read: " + error.what());
  }
  return record;
}

std::optional<FlowState::Status> SqliteBackend::status(const std::string& dispatcher_id) {
  std::lock_guard lock(impl_->db_mutex);
  Run run(impl_->select_status);
  run->bind_text(1, dispatcher_id);
  if (!run->step()) return std::nullopt;
  return stored::status_of(run->column_text(0), dispatcher_id, "sqlite");
}

std::vector<DeadLetter> SqliteBackend::dead_letters() {
  std::vector<DeadLetter> letters;
  std::lock_guard lock(impl_->db_mutex);
  Run run(impl_->select_dead);
  while (run->step()) {
    letters.push_back({std::string(run->column_text(0)), std::string(run->column_text(1)),
                       std::string(run->column_blob(2)), static_cast<int>(run->column_int(3))});
  }
  return letters;
}

std::size_t SqliteBackend::pending() {
  std::lock_guard lock(impl_->db_mutex);
  Run run(impl_->count_messages);
  run->step();
  return static_cast<std::size_t>(run->column_int(0));
}

void SqliteBackend::shutdown() {
  {
    std::lock_guard lock(impl_->wake_mutex);
    impl_->stopped = true;
  }
  impl_->wake.notify_all();
}

void SqliteBackend::enqueue_raw(const std::string& queue, std::string bytes) {
  impl_->write([&] {
    Run run(impl_->enqueue);
    run->bind_text(1, queue).bind_blob(2, bytes).bind(3, now_ms());
    run->step();
    return true;
  });
  impl_->wake_claimers();
}

}  // namespace selinon
