// The Redis backend. Correctness rests on the scripts alone (redis_scripts.cpp): a commit applies only if its
// claim is still held under its lease, its run still has the loaded version and its event was not applied. What
// this file adds is speed that does not weaken that: claims come in batches, flow events come with their run's
// state (so a load costs no round trip), states this process committed are remembered (a batch of events of one
// run does not conflict with itself), and node_args are fetched once per run and revision.
#include "selinon/backends/redis.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "redis_connection.hpp"
#include "redis_scripts.hpp"
#include "stored_run.hpp"
#include "selinon/flow_machine.hpp"

namespace selinon {

namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using redis::Args;

constexpr std::size_t kBatch = 8;           // messages one claim takes at most
constexpr milliseconds kLongestBlock{25};   // the listener looks again for due delayed messages this often
constexpr milliseconds kLongestIdleWait{200};  // another idle claimer (woken early when claims come)
constexpr std::size_t kStateCacheSize = 4096;
constexpr std::size_t kLargestCachedState = 256 << 10;  // larger states (big foreach runs) are read again
constexpr std::size_t kSnapshotLimit = 16384;
constexpr std::size_t kNodeArgsCacheSize = 1024;

// Stream entry ids ("ms-seq") packed into a Claim's handle: 44 bits of milliseconds, 20 of sequence.
std::uint64_t pack_id(std::string_view id) {
  auto dash = id.find('-');
  if (dash == std::string_view::npos) throw std::runtime_error("redis backend: bad stream id " + std::string(id));
  std::uint64_t ms = std::stoull(std::string(id.substr(0, dash)));
  std::uint64_t seq = std::stoull(std::string(id.substr(dash + 1)));
  if (seq >= (1u << 20) || ms >= (std::uint64_t{1} << 44)) {
    throw std::runtime_error("redis backend: stream id " + std::string(id) + " out of range");
  }
  return ms << 20 | seq;
}
std::string unpack_id(std::uint64_t handle) {
  return std::to_string(handle >> 20) + "-" + std::to_string(handle & ((1u << 20) - 1));
}

std::string u64(std::uint64_t value) { return std::to_string(value); }

// What a claim brought along of a flow event's run, as stored when the message was claimed.
struct Snapshot {
  bool exists = false;
  std::uint64_t version = 0;
  std::string state;
  std::uint64_t args_revision = 0;
  bool applied = false;
};

using RedisSlot = stored::CopiedSlot;
using stored::capped;
using stored::NodeArgsKey;
using stored::status_text;

// A claimed entry before decoding.
struct Taken {
  std::string queue;
  std::string id;
  int deliveries = 1;  // counting earlier deliveries given back
  int lease = 1;       // the entry's delivery count in the group
  std::optional<std::string> body;
  std::string dispatcher_id;
  std::string event_id;
  std::string foreign_fields;  // an entry that is not one of ours, rendered
  std::optional<Snapshot> snapshot;
};

// The backend this thread claims from and its queues: a commit this thread makes brings along its next claim.
std::atomic<std::uint64_t> next_instance{1};  // backends by number: an address can be reused by the next one

struct ClaimingThread {
  std::uint64_t owner = 0;
  std::vector<std::string> queues;
};
thread_local ClaimingThread claiming_thread;

std::string hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "host";
  return name;
}

bool transient(std::string_view error) {
  // The server is starting (loading its AOF), busy with a script, or failing over: the command did not run.
  for (std::string_view prefix : {"LOADING", "BUSY", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "READONLY"}) {
    if (error.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

}  // namespace

struct RedisBackend::Impl {
  Impl(std::string_view url, BackendOptions backend_options)
      : options(backend_options), endpoint(redis::parse_url(url)), pool(endpoint) {
    std::random_device device;
    random.seed((std::uint64_t{device()} << 32) ^ device());
    consumer = hostname() + ":" + std::to_string(::getpid()) + ":" + u64(random() & 0xffffffffu);
  }

  // Runs `f` on a connection, reconnecting with backoff while the server cannot be reached. After a failure
  // with the command possibly sent, `f` runs again only when `repeatable`: the scripts refuse a second
  // application of a guarded commit, so most operations are.
  template <typename F>
  auto with_connection(F&& f, bool repeatable = true) {
    milliseconds backoff{5};
    const auto give_up = Clock::now() + endpoint.retry_for;
    for (;;) {
      std::string failure;
      {
        std::optional<redis::Pool::Lease> lease;
        try {
          lease.emplace(pool.acquire());
        } catch (const redis::ConnectionError& error) {
          failure = error.what();
        }
        if (lease) {
          try {
            return f(**lease);
          } catch (const redis::ConnectionError& error) {
            if (!repeatable) {
              throw BackendUnavailable(std::string(error.what()) +
                                       " (a write of unknown outcome, not repeated: it is not guarded)");
            }
            failure = error.what();
          } catch (const redis::ReplyError& error) {
            if (!transient(error.what())) throw std::runtime_error(std::string("redis backend: ") + error.what());
            failure = error.what();
          }
        }
      }
      if (Clock::now() >= give_up || stopped.load()) {
        throw BackendUnavailable("redis backend: " + endpoint.host + ":" + std::to_string(endpoint.port) +
                                 " unavailable: " + failure);
      }
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, milliseconds(1000));
    }
  }

  struct Request {
    redis::Script* script = nullptr;
    const Args* args = nullptr;
    redis::Reply reply;
    std::exception_ptr error;
    bool done = false;
  };

  // Script calls of concurrent threads share a round trip: the first thread to find no batch in flight sends
  // every call queued meanwhile in one pipeline and hands each its reply (group commit, as in the sqlite backend).
  // Every call that comes here is safe to send again after a lost connection (the scripts' guards refuse a second
  // application).
  redis::Reply call(redis::Script& script, const Args& args) {
    Request mine;
    mine.script = &script;
    mine.args = &args;
    submit({&mine});
    if (mine.error) std::rethrow_exception(mine.error);
    return std::move(mine.reply);
  }

  // Several calls in one round trip, in this order; each request holds its reply or error afterwards.
  void submit(std::initializer_list<Request*> requests) {
    Request& mine = **requests.begin();
    std::unique_lock lock(batch_mutex);
    for (Request* request : requests) queued.push_back(request);
    batch_done.wait(lock, [&] { return mine.done || !batch_running; });
    if (!mine.done) {
      std::vector<Request*> batch;
      batch.swap(queued);
      batch_running = true;
      lock.unlock();
      run_batch(batch);
      lock.lock();
      for (Request* request : batch) request->done = true;
      batch_running = false;
      batch_done.notify_all();
    }
  }

  void run_batch(const std::vector<Request*>& batch) {
    ++round_trips;
    std::vector<Request*> again;  // NOSCRIPT or a transient error: that call did not run
    try {
      with_connection([&](redis::Connection& c) {
        std::vector<std::string> shas;
        shas.reserve(batch.size());
        for (Request* request : batch) shas.push_back(request->script->sha(c));  // before anything is queued
        for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->script->append(c, shas[i], *batch[i]->args);
        again.clear();
        for (Request* request : batch) {
          request->reply = c.read();
          request->error = nullptr;
          if (!redis::is_error(request->reply.get())) continue;
          const std::string error(redis::text(request->reply.get()));
          request->reply.reset();
          if (error.substr(0, 8) == "NOSCRIPT") {
            request->script->forget();
            again.push_back(request);
          } else if (transient(error)) {
            again.push_back(request);
          } else {
            request->error = std::make_exception_ptr(std::runtime_error("redis backend: " + error));
          }
        }
        return 0;
      });
    } catch (...) {
      for (Request* request : batch) request->error = std::current_exception();
      return;
    }
    for (Request* request : again) {
      try {
        ++round_trips;
        request->reply =
            with_connection([&](redis::Connection& c) { return request->script->call(c, *request->args); });
      } catch (...) {
        request->error = std::current_exception();
      }
    }
  }

  // ---- claims
  std::vector<Taken> fetch(const std::vector<std::string>& queues, std::optional<std::int64_t>& wait_ms,
                           std::vector<std::string>& used);
  struct ClaimArgs {
    std::string count;
    std::string reclaim;
    Args args;  // points into the strings above and the queues given
  };
  // Fills `out` in place: its Args point into its own strings.
  void claim_args(ClaimArgs& out, const std::vector<std::string>& queues, std::size_t count);
  std::vector<Taken> parse_claim(const redisReply* reply, const std::vector<std::string>& queues,
                                 std::optional<std::int64_t>& wait_ms, std::vector<std::string>& used);
  // Decoded claims into the buffer, round the queues; wakes idle claimers when there is more than one.
  void buffer_claims(std::vector<Taken> taken);
  std::vector<Taken> block(const std::vector<std::string>& queues, milliseconds timeout);
  std::vector<Claim> decode(std::vector<Taken> taken);
  std::optional<std::pair<Claim, Clock::time_point>> from_buffer(const std::vector<std::string>& queues);
  // Claims taken in a batch and never handed out go back at once, not after their lease.
  void give_back_buffer(RedisBackend& backend);
  void wait_for_commits();
  // A claim past max_deliveries is set aside, not handed out.
  bool over_limit(const Claim& claim);

  // ---- node_args and states
  SharedJson node_args_of(const std::string& dispatcher_id, std::uint64_t revision);
  void remember_state(const std::string& dispatcher_id, Snapshot snapshot);
  void forget_state(const std::string& dispatcher_id);

  bool registered(const std::string& queue) {
    std::lock_guard lock(queues_mutex);
    return registered_queues.count(queue) > 0;
  }
  void set_registered(const std::string& queue) {
    std::lock_guard lock(queues_mutex);
    registered_queues.insert(queue);
  }

  std::string key(std::string_view name) const { return "{" + endpoint.prefix + "}:" + std::string(name); }
  std::string uid() {
    std::lock_guard lock(random_mutex);
    return u64(random());
  }

  const std::uint64_t instance = next_instance++;
  BackendOptions options;
  redis::Endpoint endpoint;
  redis::Pool pool;
  std::string consumer;
  std::atomic<bool> stopped{false};
  std::atomic<std::uint64_t> round_trips{0};
  std::atomic<std::uint64_t> idle_round_trips{0};

  redis::Script claim_script{redis::scripts::claim};
  redis::Script commit_script{redis::scripts::commit};
  redis::Script release_script{redis::scripts::release};
  redis::Script bury_script{redis::scripts::bury};
  redis::Script extend_script{redis::scripts::extend};
  redis::Script throttle_script{redis::scripts::throttle};
  redis::Script pending_script{redis::scripts::pending};
  redis::Script enqueue_raw_script{redis::scripts::enqueue_raw};

  std::mutex random_mutex;
  std::mt19937_64 random;

  std::mutex batch_mutex;  // guards queued and batch_running
  std::condition_variable batch_done;
  std::vector<Request*> queued;
  bool batch_running = false;

  // Queues this process added to the set of queues (the first message to a queue registers it).
  std::mutex queues_mutex;
  std::set<std::string> registered_queues;

  // Claims taken in a batch and not yet handed out, oldest first, with when they were taken.
  std::mutex buffer_mutex;
  std::deque<std::pair<Claim, Clock::time_point>> buffer;
  Clock::time_point last_reclaim{};

  // Snapshots that came with claimed flow events, by (dispatcher id, event id); taken by the load that follows.
  std::mutex snapshot_mutex;
  std::map<std::pair<std::string, std::string>, Snapshot> snapshots;
  // The last state this process committed per run (a newer snapshot wins), least recently used first.
  std::list<std::string> state_order;
  std::unordered_map<std::string, std::pair<Snapshot, std::list<std::string>::iterator>> states;

  stored::NodeArgsCache node_args_cache{kNodeArgsCacheSize};

  // Idle claimers: one listens in a blocking read, the others wait for wake_waiters() (claims in the buffer, the
  // listener done, shutdown).
  std::mutex wait_mutex;
  std::condition_variable wait_cv;
  bool listening = false;
  std::uint64_t wait_generation = 0;
  void wake_waiters() {
    {
      std::lock_guard lock(wait_mutex);
      ++wait_generation;
    }
    wait_cv.notify_all();
  }

  // Commits with an on_commit in flight, by ticket: a claim waits for those that began before its reply came,
  // so no message is handed out before its transition's trace (contract: on_commit).
  std::mutex gate_mutex;
  std::condition_variable gate_done;
  std::set<std::uint64_t> in_flight;
  std::uint64_t next_ticket = 0;
};

namespace {

std::optional<std::string> optional_text(const redisReply* reply) {
  if (redis::is_nil(reply)) return std::nullopt;
  return std::string(redis::text(reply));
}

}  // namespace

void RedisBackend::Impl::claim_args(ClaimArgs& out, const std::vector<std::string>& queues, std::size_t count) {
  out.count = std::to_string(count);
  // Claims of dead workers are looked for a few times per lease, not on every claim.
  out.reclaim = "0";
  {
    std::lock_guard lock(buffer_mutex);
    if (Clock::now() - last_reclaim >= options.lease / 4) {
      last_reclaim = Clock::now();
      out.reclaim = std::to_string(std::max<std::int64_t>(1, options.lease.count()));
    }
  }
  out.args = {endpoint.prefix, consumer, out.count, out.reclaim, "1"};
  for (const auto& q : queues) out.args.push_back(q);
}

std::vector<Taken> RedisBackend::Impl::fetch(const std::vector<std::string>& queues,
                                             std::optional<std::int64_t>& wait_ms, std::vector<std::string>& used) {
  ClaimArgs args;
  claim_args(args, queues, kBatch);
  redis::Reply reply = call(claim_script, args.args);
  return parse_claim(reply.get(), queues, wait_ms, used);
}

std::vector<Taken> RedisBackend::Impl::parse_claim(const redisReply* r, const std::vector<std::string>& queues,
                                                   std::optional<std::int64_t>& wait_ms,
                                                   std::vector<std::string>& used) {
  const long long now = redis::integer(redis::at(r, 0));
  if (!redis::is_nil(redis::at(r, 1))) wait_ms = redis::integer(redis::at(r, 1)) - now;
  if (const redisReply* names = redis::at(r, 2); redis::is_array(names)) {
    for (std::size_t i = 0; i < redis::size(names); ++i) used.emplace_back(redis::text(redis::at(names, i)));
  } else {
    used = queues;
  }
  std::vector<Taken> taken;
  for (std::size_t i = 3; i < redis::size(r); ++i) {
    const redisReply* row = redis::at(r, i);
    Taken t;
    t.queue = std::string(redis::text(redis::at(row, 0)));
    t.id = std::string(redis::text(redis::at(row, 1)));
    t.lease = static_cast<int>(redis::integer(redis::at(row, 2)));
    t.deliveries = t.lease + static_cast<int>(redis::integer(redis::at(row, 3)));
    t.body = optional_text(redis::at(row, 4));
    if (auto f = optional_text(redis::at(row, 5))) t.dispatcher_id = *f;
    if (auto e = optional_text(redis::at(row, 6))) t.event_id = *e;
    if (const redisReply* fields = redis::at(row, 7); redis::is_array(fields)) {
      Json rendered = Json::object();
      for (std::size_t k = 0; k + 1 < redis::size(fields); k += 2) {
        rendered[std::string(redis::text(redis::at(fields, k)))] = std::string(redis::text(redis::at(fields, k + 1)));
      }
      t.foreign_fields = rendered.dump(-1, ' ', false, Json::error_handler_t::replace);
    }
    if (t.body && !t.dispatcher_id.empty()) {
      Snapshot s;
      if (auto v = optional_text(redis::at(row, 8))) {
        s.exists = true;
        s.version = std::stoull(*v);
        s.state = optional_text(redis::at(row, 9)).value_or("");
        s.args_revision = std::stoull(optional_text(redis::at(row, 10)).value_or("0"));
        s.applied = redis::integer(redis::at(row, 11)) == 1;
      }
      t.snapshot = std::move(s);
    }
    taken.push_back(std::move(t));
  }
  return taken;
}

std::vector<Taken> RedisBackend::Impl::block(const std::vector<std::string>& queues, milliseconds timeout) {
  // XREADGROUP BLOCK cannot run inside a script; entries it returns come without a snapshot.
  const std::string count = std::to_string(kBatch);
  const std::string block_ms = std::to_string(std::max<std::int64_t>(1, timeout.count()));
  Args args{"XREADGROUP", "GROUP", "selinon", consumer, "COUNT", count, "BLOCK", block_ms, "STREAMS"};
  std::vector<std::string> keys;
  keys.reserve(queues.size());
  for (const auto& q : queues) keys.push_back(key("q:" + q));
  for (const auto& k : keys) args.push_back(k);
  for (std::size_t i = 0; i < queues.size(); ++i) args.push_back(">");
  ++round_trips;
  redis::Reply reply = with_connection([&](redis::Connection& c) -> redis::Reply {
    try {
      return c.command(args);
    } catch (const redis::ReplyError& error) {
      // NOGROUP: a queue nobody claimed from yet; the next fetch creates its group.
      if (std::string_view(error.what()).substr(0, 7) == "NOGROUP") return nullptr;
      throw;
    }
  });
  std::vector<Taken> taken;
  const std::string stream_prefix = key("q:");
  for (std::size_t s = 0; s < redis::size(reply.get()); ++s) {
    const redisReply* stream = redis::at(reply.get(), s);
    std::string queue(redis::text(redis::at(stream, 0)).substr(stream_prefix.size()));
    const redisReply* entries = redis::at(stream, 1);
    for (std::size_t e = 0; e < redis::size(entries); ++e) {
      const redisReply* entry = redis::at(entries, e);
      const redisReply* fields = redis::at(entry, 1);
      Taken t;
      t.queue = queue;
      t.id = std::string(redis::text(redis::at(entry, 0)));
      Json rendered = Json::object();
      std::size_t known = 0;
      int earlier = 0;
      for (std::size_t k = 0; k + 1 < redis::size(fields); k += 2) {
        std::string_view name = redis::text(redis::at(fields, k));
        std::string value(redis::text(redis::at(fields, k + 1)));
        rendered[std::string(name)] = value;
        if (name == "b") t.body = value, ++known;
        else if (name == "f") t.dispatcher_id = value, ++known;
        else if (name == "e") t.event_id = value, ++known;
        else if (name == "d") earlier = std::atoi(value.c_str()), ++known;
      }
      if (!t.body || known * 2 != redis::size(fields)) {
        t.body.reset();
        t.foreign_fields = rendered.dump(-1, ' ', false, Json::error_handler_t::replace);
      }
      t.deliveries = 1 + earlier;
      taken.push_back(std::move(t));
    }
  }
  return taken;
}

std::vector<Claim> RedisBackend::Impl::decode(std::vector<Taken> taken) {
  // The node_args of task messages this process has not seen yet, fetched in one pipeline.
  std::vector<std::optional<Message>> messages(taken.size());
  std::vector<std::string> errors(taken.size());
  std::vector<NodeArgsKey> missing;
  for (std::size_t i = 0; i < taken.size(); ++i) {
    Taken& t = taken[i];
    if (!t.body) {
      errors[i] = "a stream entry without a message (fields " + t.foreign_fields + ")";
      continue;
    }
    try {
      messages[i] = deserialise(*t.body, options.limits);
      if (auto* task = std::get_if<TaskMessage>(&*messages[i]); task != nullptr && !task->node_args) {
        NodeArgsKey k{task->dispatcher_id, task->args_revision};
        if (auto cached = node_args_cache.find(k)) task->node_args = *cached;
        else if (std::find(missing.begin(), missing.end(), k) == missing.end()) missing.push_back(std::move(k));
      }
    } catch (const MessageError& error) {
      errors[i] = error.what();
      messages[i].reset();
    } catch (const std::exception& error) {
      errors[i] = std::string("undecodable message: ") + error.what();
      messages[i].reset();
    }
  }
  if (!missing.empty()) {
    ++round_trips;
    std::vector<std::optional<std::string>> bodies = with_connection([&](redis::Connection& c) {
      std::vector<std::string> keys;
      std::vector<std::string> revisions;
      for (const auto& [id, revision] : missing) {
        keys.push_back(key("args:" + id));
        revisions.push_back(u64(revision));
      }
      for (std::size_t i = 0; i < missing.size(); ++i) c.append({"HGET", keys[i], revisions[i]});
      std::vector<std::optional<std::string>> out;
      for (std::size_t i = 0; i < missing.size(); ++i) out.push_back(optional_text(c.read().get()));
      return out;
    });
    for (std::size_t i = 0; i < missing.size(); ++i) {
      if (!bodies[i]) continue;
      try {
        node_args_cache.remember(missing[i], share(parse_json(*bodies[i], "node_args", options.limits)));
      } catch (const MessageError&) {
      }
    }
    for (std::size_t i = 0; i < taken.size(); ++i) {
      if (!messages[i]) continue;
      if (auto* task = std::get_if<TaskMessage>(&*messages[i]); task != nullptr && !task->node_args) {
        if (auto cached = node_args_cache.find({task->dispatcher_id, task->args_revision})) {
          task->node_args = *cached;
        } else {
          errors[i] = "the node_args of flow run " + task->dispatcher_id + " (revision " +
                      u64(task->args_revision) + ") are not stored";
          messages[i].reset();
        }
      }
    }
  }

  std::vector<Claim> claims;
  claims.reserve(taken.size());
  for (std::size_t i = 0; i < taken.size(); ++i) {
    Taken& t = taken[i];
    Claim claim;
    claim.queue = std::move(t.queue);
    claim.delivery_count = t.deliveries;
    claim.handle = pack_id(t.id);
    claim.lease = static_cast<std::uint64_t>(t.lease);
    if (messages[i]) {
      claim.message = std::move(messages[i]);
      if (t.snapshot && !t.event_id.empty()) {
        std::lock_guard lock(snapshot_mutex);
        // A snapshot no load takes (its message went to the dead letters) must not pile up.
        if (snapshots.size() >= kSnapshotLimit) snapshots.clear();
        snapshots[{t.dispatcher_id, t.event_id}] = std::move(*t.snapshot);
      }
    } else {
      claim.error = errors[i];
      claim.raw = t.body ? std::move(*t.body) : std::move(t.foreign_fields);
    }
    claims.push_back(std::move(claim));
  }
  return claims;
}

std::optional<std::pair<Claim, Clock::time_point>> RedisBackend::Impl::from_buffer(
    const std::vector<std::string>& queues) {
  std::optional<std::pair<Claim, Clock::time_point>> found;
  {
    std::lock_guard lock(buffer_mutex);
    for (auto it = buffer.begin(); it != buffer.end(); ++it) {
      if (queues.empty() || std::find(queues.begin(), queues.end(), it->first.queue) != queues.end()) {
        found = std::move(*it);
        buffer.erase(it);
        break;
      }
    }
  }
  return found;
}

void RedisBackend::Impl::give_back_buffer(RedisBackend& backend) {
  std::deque<std::pair<Claim, Clock::time_point>> unused;
  {
    std::lock_guard lock(buffer_mutex);
    unused.swap(buffer);
  }
  for (auto& [claim, when] : unused) {
    try {
      backend.release(claim);
    } catch (const std::exception&) {
      // The server is gone: the lease runs out and another worker takes them.
    }
  }
}

void RedisBackend::Impl::buffer_claims(std::vector<Taken> taken) {
  wait_for_commits();
  // Round the queues: a backlog on one does not hold back the others within a batch.
  std::map<std::string, std::deque<Taken>> by_queue;
  std::vector<std::string> order;
  for (auto& t : taken) {
    if (!by_queue.count(t.queue)) order.push_back(t.queue);
    by_queue[t.queue].push_back(std::move(t));
  }
  std::vector<Taken> fair;
  for (bool more = true; more;) {
    more = false;
    for (const auto& q : order) {
      auto& list = by_queue[q];
      if (list.empty()) continue;
      fair.push_back(std::move(list.front()));
      list.pop_front();
      more = true;
    }
  }
  std::vector<Claim> claims = decode(std::move(fair));
  {
    std::lock_guard lock(buffer_mutex);
    const auto now = Clock::now();
    for (auto& c : claims) buffer.emplace_back(std::move(c), now);
  }
  if (claims.size() > 1) wake_waiters();
}

void RedisBackend::Impl::wait_for_commits() {
  std::unique_lock lock(gate_mutex);
  const std::uint64_t seen = next_ticket;
  gate_done.wait(lock, [&] { return in_flight.empty() || *in_flight.begin() > seen; });
}

bool RedisBackend::Impl::over_limit(const Claim& claim) { return claim.delivery_count > options.max_deliveries; }

SharedJson RedisBackend::Impl::node_args_of(const std::string& dispatcher_id, std::uint64_t revision) {
  NodeArgsKey k{dispatcher_id, revision};
  if (auto cached = node_args_cache.find(k)) return *cached;
  ++round_trips;
  std::optional<std::string> body = with_connection([&](redis::Connection& c) {
    return optional_text(c.command({"HGET", key("args:" + dispatcher_id), u64(revision)}).get());
  });
  if (!body) {
    throw MessageError("the node_args of flow run " + dispatcher_id + " (revision " + u64(revision) +
                       ") are not stored");
  }
  return node_args_cache.remember(std::move(k), share(parse_json(*body, "node_args", options.limits)));
}

void RedisBackend::Impl::remember_state(const std::string& dispatcher_id, Snapshot snapshot) {
  std::lock_guard lock(snapshot_mutex);
  if (auto it = states.find(dispatcher_id); it != states.end()) {
    state_order.erase(it->second.second);
    states.erase(it);
  }
  state_order.push_back(dispatcher_id);
  states.emplace(dispatcher_id, std::make_pair(std::move(snapshot), std::prev(state_order.end())));
  if (states.size() > kStateCacheSize) {
    states.erase(state_order.front());
    state_order.pop_front();
  }
}

void RedisBackend::Impl::forget_state(const std::string& dispatcher_id) {
  std::lock_guard lock(snapshot_mutex);
  if (auto it = states.find(dispatcher_id); it != states.end()) {
    state_order.erase(it->second.second);
    states.erase(it);
  }
}

RedisBackend::RedisBackend(std::string_view url, BackendOptions options)
    : impl_(std::make_unique<Impl>(url, std::move(options))) {}

RedisBackend::~RedisBackend() {
  try {
    shutdown();
  } catch (...) {
  }
}

std::uint64_t RedisBackend::round_trips() const { return impl_->round_trips.load(); }
std::uint64_t RedisBackend::idle_round_trips() const { return impl_->idle_round_trips.load(); }
std::string RedisBackend::usage() const {
  return "round_trips=" + u64(round_trips()) + " idle_round_trips=" + u64(idle_round_trips());
}

std::optional<FlowRecord> RedisBackend::wait_flow(const std::string& dispatcher_id, milliseconds timeout) {
  const auto deadline = Clock::now() + std::min(timeout, milliseconds(std::int64_t{1} << 40));
  const std::string ended = impl_->key("ended:" + dispatcher_id);
  for (;;) {
    auto now = status(dispatcher_id);
    if (!now) return std::nullopt;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (*now != FlowState::Status::running || left <= milliseconds::zero()) return flow(dispatcher_id);
    // BLPOP takes whole or fractional seconds; slices of at most one keep a lost notification cheap.
    const double slice = static_cast<double>(std::min(left, milliseconds(1000)).count()) / 1000.0;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", std::max(slice, 0.001));
    ++impl_->round_trips;
    impl_->with_connection([&](redis::Connection& c) {
      redis::Reply popped = c.command({"BLPOP", ended, seconds});
      // Pushed back for any other client waiting on the same run.
      if (!redis::is_nil(popped.get())) c.command({"LPUSH", ended, "1"});
      return 0;
    });
  }
}

std::optional<Claim> RedisBackend::claim(const std::vector<std::string>& queues, milliseconds wait) {
  if (claiming_thread.owner != impl_->instance || claiming_thread.queues != queues) {
    claiming_thread.owner = impl_->instance;
    claiming_thread.queues = queues;
  }
  const auto deadline = Clock::now() + std::min(wait, milliseconds(std::int64_t{1} << 40));
  for (;;) {
    if (impl_->stopped) {
      impl_->give_back_buffer(*this);
      return std::nullopt;
    }
    if (auto buffered = impl_->from_buffer(queues)) {
      Claim& claim = buffered->first;
      if (impl_->over_limit(claim)) {
        dead_letter(claim, "delivered " + std::to_string(claim.delivery_count - 1) +
                               " times without being acknowledged");
        continue;
      }
      // Its lease has been running since the batch came: renew it before the handling starts.
      if (Clock::now() - buffered->second > impl_->options.lease / 2 && !extend(claim)) continue;
      return std::move(claim);
    }
    std::optional<std::int64_t> next_due;
    std::vector<std::string> used;
    std::vector<Taken> taken;
    // One thread of the process at a time waits in a blocking read (the listener); the other idle threads wait
    // here, and are woken as soon as claims are in the buffer, so none waits out a blocking read while work is
    // at hand.
    struct Listening {
      explicit Listening(Impl* owner) : impl(owner) {}
      Listening(const Listening&) = delete;
      Listening& operator=(const Listening&) = delete;
      Impl* impl;
      ~Listening() {
        {
          std::lock_guard lock(impl->wait_mutex);
          impl->listening = false;
          ++impl->wait_generation;
        }
        impl->wait_cv.notify_all();
      }
    };
    std::optional<Listening> listening;
    try {
      std::uint64_t seen = 0;
      {
        std::lock_guard lock(impl_->wait_mutex);
        seen = impl_->wait_generation;
      }
      taken = impl_->fetch(queues, next_due, used);
      if (taken.empty()) ++impl_->idle_round_trips;
      const auto now = Clock::now();
      if (taken.empty() && now < deadline && !impl_->stopped) {
        auto slice = std::min(std::chrono::duration_cast<milliseconds>(deadline - now), kLongestBlock);
        if (next_due) slice = std::min(slice, milliseconds(std::max<std::int64_t>(1, *next_due)));
        std::unique_lock lock(impl_->wait_mutex);
        if (!impl_->listening && !used.empty()) {
          impl_->listening = true;
          listening.emplace(impl_.get());
          lock.unlock();
          taken = impl_->block(used, slice);
          if (taken.empty()) ++impl_->idle_round_trips;
        } else {
          const auto idle = std::min(std::chrono::duration_cast<milliseconds>(deadline - now), kLongestIdleWait);
          impl_->wait_cv.wait_for(lock, idle, [&] { return impl_->stopped || impl_->wait_generation != seen; });
        }
      }
    } catch (const BackendUnavailable&) {
      if (Clock::now() >= deadline) throw;
      continue;
    }
    if (!taken.empty()) {
      impl_->buffer_claims(std::move(taken));
      continue;
    }
    if (Clock::now() >= deadline) return std::nullopt;
  }
}

bool RedisBackend::extend(const Claim& claim) {
  try {
    ++impl_->round_trips;
    redis::Reply reply = impl_->with_connection([&](redis::Connection& c) {
      return impl_->extend_script.call(c, {impl_->endpoint.prefix, impl_->consumer, claim.queue,
                                           unpack_id(claim.handle), u64(claim.lease)});
    });
    return redis::integer(reply.get()) == 1;
  } catch (const BackendUnavailable&) {
    return false;  // unknown: the commit's lease check decides
  }
}

void RedisBackend::release(const Claim& claim, milliseconds delay) {
  impl_->call(impl_->release_script, {impl_->endpoint.prefix, impl_->consumer, claim.queue, unpack_id(claim.handle),
                                      u64(claim.lease), std::to_string(capped(delay)), impl_->uid()});
}

void RedisBackend::dead_letter(const Claim& claim, const std::string& reason) {
  std::string letter = claim.raw;
  int deliveries = claim.delivery_count;
  if (claim.message) {
    letter = serialise(*claim.message, true);  // with its node_args inline, readable and replayable on its own
  }
  if (impl_->over_limit(claim)) deliveries = claim.delivery_count - 1;  // the delivery that was refused
  impl_->call(impl_->bury_script, {impl_->endpoint.prefix, impl_->consumer, claim.queue, unpack_id(claim.handle),
                                   u64(claim.lease), reason, letter, std::to_string(deliveries)});
}

std::unique_ptr<FlowSlot> RedisBackend::load(const FlowMachine& machine, const std::string& dispatcher_id,
                                             const std::string& event_id) {
  auto slot = std::make_unique<RedisSlot>(machine, dispatcher_id);
  std::optional<Snapshot> snapshot;
  {
    std::lock_guard lock(impl_->snapshot_mutex);
    if (auto it = impl_->snapshots.find({dispatcher_id, event_id}); it != impl_->snapshots.end()) {
      snapshot = std::move(it->second);
      impl_->snapshots.erase(it);
    }
    // A state this process committed since the claim is newer than the claim's snapshot.
    if (auto it = impl_->states.find(dispatcher_id);
        snapshot && it != impl_->states.end() && it->second.first.version > snapshot->version) {
      const bool applied = snapshot->applied;
      snapshot = it->second.first;
      snapshot->applied = applied;  // as of the claim; the commit checks it again
    }
  }
  if (!snapshot) {
    ++impl_->round_trips;
    snapshot = impl_->with_connection([&](redis::Connection& c) {
      const std::string flow_key = impl_->key("flow:" + dispatcher_id);
      redis::Reply fields = c.command({"HMGET", flow_key, "v", "st", "r", "a:" + event_id});
      Snapshot s;
      if (auto v = optional_text(redis::at(fields.get(), 0))) {
        s.exists = true;
        s.version = std::stoull(*v);
        s.state = optional_text(redis::at(fields.get(), 1)).value_or("");
        s.args_revision = std::stoull(optional_text(redis::at(fields.get(), 2)).value_or("0"));
      }
      s.applied = !event_id.empty() && !redis::is_nil(redis::at(fields.get(), 3));
      return s;
    });
  }
  slot->set_applied(snapshot->applied);
  if (snapshot->exists) {
    try {
      SharedJson node_args = impl_->node_args_of(dispatcher_id, snapshot->args_revision);
      slot->loaded(FlowState::from_json(machine, Json::parse(snapshot->state), std::move(node_args)),
                   snapshot->version, snapshot->args_revision);
    } catch (const BackendUnavailable&) {
      throw;
    } catch (const std::exception& error) {
      throw std::runtime_error("redis backend: the stored state of flow run " + dispatcher_id + " (" +
                               std::string(machine.name) + ") cannot be read: " + error.what());
    }
  }
  return slot;
}

CommitResult RedisBackend::commit(Transition& transition) {
  RedisSlot* slot = nullptr;
  if (transition.flow != nullptr) {
    slot = dynamic_cast<RedisSlot*>(transition.flow);
    if (slot == nullptr) throw std::invalid_argument("redis backend: commit of a flow slot it did not load");
  }
  std::deque<std::string> owned;  // what the arguments point into (a deque: growing moves no element)
  auto keep = [&](std::string value) -> std::string_view { return owned.emplace_back(std::move(value)); };

  Args args{impl_->endpoint.prefix, impl_->consumer};
  if (const Claim* consumed = transition.consumed) {
    args.push_back(consumed->queue);
    args.push_back(keep(unpack_id(consumed->handle)));
    args.push_back(keep(u64(consumed->lease)));
  } else {
    args.insert(args.end(), {"", "", ""});
  }

  std::uint64_t previous_version = 0;
  std::string state_text;
  if (slot != nullptr) {
    FlowState& state = slot->state();
    previous_version = state.version;
    state.version = slot->loaded_version() + 1;
    state_text = state.to_json(slot->machine(), false).dump();
    const bool store_node_args = !slot->exists() || state.args_revision() != slot->loaded_args_revision();
    args.push_back(slot->dispatcher_id());
    args.push_back(keep(slot->exists() ? u64(slot->loaded_version()) : "0"));
    args.push_back(keep(u64(state.version)));
    args.push_back(keep(state.flow_name.empty() ? std::string(slot->machine().name) : state.flow_name));
    args.push_back(status_text(state.status()));
    args.push_back(keep(u64(state.args_revision())));
    args.push_back(state_text);
    args.push_back("");  // the client record is derived from the state when read (result_of)
    args.push_back(transition.event_id);
    args.push_back(store_node_args ? "1" : "0");
    args.push_back(keep(store_node_args ? state.node_args().dump() : std::string()));
  } else {
    args.insert(args.end(), {"", "0", "0", "", "", "0", "", "", "", "0", ""});
  }
  // A slot that does not commit keeps the version it was loaded with.
  struct VersionGuard {
    RedisSlot* slot;
    std::uint64_t previous;
    bool keep = false;
    ~VersionGuard() {
      if (slot != nullptr && !keep) slot->state().version = previous;
    }
  } version_guard{slot, previous_version};

  // Task messages normally reference node_args their run's commit stores; one that does not (a retry committed
  // without its run) stores its own, once.
  std::vector<std::pair<NodeArgsKey, std::string>> task_node_args;
  std::optional<NodeArgsKey> flow_args_key;
  if (slot != nullptr) flow_args_key = NodeArgsKey{slot->dispatcher_id(), slot->state().args_revision()};
  for (const Outgoing& outgoing : transition.messages) {
    if (const auto* task = std::get_if<TaskMessage>(&outgoing.message); task != nullptr && task->node_args) {
      NodeArgsKey k{task->dispatcher_id, task->args_revision};
      if (k != flow_args_key && !impl_->node_args_cache.find(k) &&
          std::none_of(task_node_args.begin(), task_node_args.end(), [&](const auto& e) { return e.first == k; })) {
        task_node_args.emplace_back(std::move(k), task->node_args->dump());
      }
    }
  }
  args.push_back(keep(std::to_string(task_node_args.size())));
  for (const auto& [k, text] : task_node_args) {
    args.push_back(k.first);
    args.push_back(keep(u64(k.second)));
    args.push_back(text);
  }
  args.push_back(keep(std::to_string(transition.messages.size())));
  for (const Outgoing& outgoing : transition.messages) {
    if (outgoing.queue.find('\n') != std::string::npos) {
      throw std::invalid_argument("redis backend: queue name with a line break: " + outgoing.queue);
    }
    args.push_back(outgoing.queue);
    args.push_back(keep(std::to_string(capped(outgoing.delay))));
    const auto* event = std::get_if<FlowEvent>(&outgoing.message);
    // The ids let a claim bring the run's state along; ids with line breaks (never generated) go without.
    const bool prefetchable = event != nullptr && event->dispatcher_id.find('\n') == std::string::npos &&
                              event->event_id.find('\n') == std::string::npos;
    args.push_back(prefetchable ? std::string_view(event->dispatcher_id) : std::string_view());
    args.push_back(prefetchable ? std::string_view(event->event_id) : std::string_view());
    args.push_back(keep(serialise(outgoing.message)));
    args.push_back(keep(outgoing.delay.count() > 0 ? impl_->uid() : std::string()));
    args.push_back(impl_->registered(outgoing.queue) ? "0" : "1");
  }

  std::optional<std::uint64_t> ticket;
  if (transition.on_commit) {
    std::lock_guard lock(impl_->gate_mutex);
    ticket = ++impl_->next_ticket;
    impl_->in_flight.insert(*ticket);
  }
  auto open_gate = [&] {
    if (!ticket) return;
    const std::uint64_t mine = *ticket;
    ticket.reset();  // once
    {
      std::lock_guard lock(impl_->gate_mutex);
      impl_->in_flight.erase(mine);
    }
    impl_->gate_done.notify_all();
  };

  std::string outcome;
  try {
    // A guarded commit (a claim or a run) is refused a second time, so it may be sent again after a lost reply.
    const bool guarded = transition.consumed != nullptr || slot != nullptr;
    if (!guarded) ++impl_->round_trips;
    // A process that is serving takes its next message in the same round trip, when it has none at hand.
    // Only in a thread that claims (it comes back for the claim at once), so no claim waits in the buffer while
    // its thread does something else.
    std::vector<std::string> serving;
    if (guarded && claiming_thread.owner == impl_->instance) {
      std::lock_guard lock(impl_->buffer_mutex);
      if (impl_->buffer.empty()) serving = claiming_thread.queues;
    }
    Impl::Request commit_request;
    commit_request.script = &impl_->commit_script;
    commit_request.args = &args;
    Impl::Request claim_request;
    Impl::ClaimArgs claim_args;
    redis::Reply reply;
    if (!guarded) {
      reply = impl_->with_connection([&](redis::Connection& c) { return impl_->commit_script.call(c, args); }, false);
    } else if (serving.empty()) {
      reply = impl_->call(impl_->commit_script, args);
    } else {
      impl_->claim_args(claim_args, serving, 1);
      claim_request.script = &impl_->claim_script;
      claim_request.args = &claim_args.args;
      impl_->submit({&commit_request, &claim_request});
      if (commit_request.error) std::rethrow_exception(commit_request.error);
      reply = std::move(commit_request.reply);
    }
    outcome = std::string(redis::text(reply.get()));
    if (outcome == "committed" && transition.on_commit) transition.on_commit();
    open_gate();
    if (claim_request.reply) {
      std::optional<std::int64_t> next_due;
      std::vector<std::string> used;
      std::vector<Taken> taken = impl_->parse_claim(claim_request.reply.get(), serving, next_due, used);
      if (!taken.empty()) impl_->buffer_claims(std::move(taken));
    }
  } catch (...) {
    open_gate();
    throw;
  }

  if (outcome == "lease_lost") return CommitResult::lease_lost;
  if (outcome == "conflict") {
    if (slot != nullptr) impl_->forget_state(slot->dispatcher_id());
    return CommitResult::conflict;
  }
  if (outcome != "committed") throw std::runtime_error("redis backend: the commit script answered " + outcome);
  version_guard.keep = true;
  for (const Outgoing& outgoing : transition.messages) impl_->set_registered(outgoing.queue);

  if (slot != nullptr && state_text.size() > kLargestCachedState) impl_->forget_state(slot->dispatcher_id());
  if (slot != nullptr && state_text.size() <= kLargestCachedState) {
    Snapshot committed;
    committed.exists = true;
    committed.version = slot->state().version;
    committed.state = std::move(state_text);
    committed.args_revision = slot->state().args_revision();
    impl_->remember_state(slot->dispatcher_id(), std::move(committed));
    if (slot->state().shared_node_args()) impl_->node_args_cache.remember(*flow_args_key, slot->state().shared_node_args());
  }
  for (const Outgoing& outgoing : transition.messages) {
    if (const auto* task = std::get_if<TaskMessage>(&outgoing.message); task != nullptr && task->node_args) {
      impl_->node_args_cache.remember({task->dispatcher_id, task->args_revision}, task->node_args);
    }
  }
  return CommitResult::committed;
}

milliseconds RedisBackend::throttle(const std::string& key, milliseconds spacing) {
  if (spacing <= milliseconds::zero()) return milliseconds::zero();
  redis::Reply reply = impl_->call(impl_->throttle_script, {impl_->endpoint.prefix, key, std::to_string(capped(spacing))});
  return milliseconds(redis::integer(reply.get()));
}

namespace {

// A run's client record (FlowState::result, plus "error") from its stored state, which holds the same lists: the
// commit need not render and send it every time.
Json result_of(const Json& state) {
  Json result = {{"finished_nodes", state.value("finished_nodes", Json::object())},
                 {"failed_nodes", state.value("failed_nodes", Json::object())},
                 {"active_nodes", state.value("active_nodes", Json::array())},
                 {"subflows", Json::object()}};
  // Results of the sub-flow runs that ended (the state keeps them by child id).
  const Json subflows = state.value("subflows", Json::object());
  for (const char* list : {"finished_nodes", "failed_nodes"}) {
    for (const auto& [node, ids] : result[list].items()) {
      for (const auto& id : ids) {
        if (id.is_string() && subflows.contains(id.get<std::string>())) {
          result["subflows"][id.get<std::string>()] = subflows[id.get<std::string>()];
        }
      }
    }
  }
  if (state.contains("error")) result["error"] = state["error"];
  return result;
}

}  // namespace

std::optional<FlowRecord> RedisBackend::flow(const std::string& dispatcher_id) {
  ++impl_->round_trips;
  redis::Reply reply = impl_->with_connection([&](redis::Connection& c) {
    return c.command({"HMGET", impl_->key("flow:" + dispatcher_id), "n", "s", "st", "r"});
  });
  const redisReply* r = reply.get();
  if (redis::is_nil(redis::at(r, 1))) return std::nullopt;
  FlowRecord record;
  record.flow_name = std::string(redis::text(redis::at(r, 0)));
  record.status = stored::status_of(redis::text(redis::at(r, 1)), dispatcher_id, "redis");
  try {
    record.state = Json::parse(redis::text(redis::at(r, 2)));
    record.result = result_of(record.state);
    record.state["node_args"] =
        value_of(impl_->node_args_of(dispatcher_id, std::stoull(std::string(redis::text(redis::at(r, 3))))));
  } catch (const BackendUnavailable&) {
    throw;
  } catch (const std::exception& error) {
    throw std::runtime_error("redis backend: the stored record of flow run " + dispatcher_id +
                             " cannot be read: " + error.what());
  }
  return record;
}

std::optional<FlowState::Status> RedisBackend::status(const std::string& dispatcher_id) {
  ++impl_->round_trips;
  redis::Reply reply = impl_->with_connection(
      [&](redis::Connection& c) { return c.command({"HGET", impl_->key("flow:" + dispatcher_id), "s"}); });
  if (redis::is_nil(reply.get())) return std::nullopt;
  return stored::status_of(redis::text(reply.get()), dispatcher_id, "redis");
}

std::vector<DeadLetter> RedisBackend::dead_letters() {
  ++impl_->round_trips;
  redis::Reply reply = impl_->with_connection(
      [&](redis::Connection& c) { return c.command({"XRANGE", impl_->key("dead"), "-", "+"}); });
  std::vector<DeadLetter> letters;
  for (std::size_t i = 0; i < redis::size(reply.get()); ++i) {
    const redisReply* fields = redis::at(redis::at(reply.get(), i), 1);
    DeadLetter letter;
    for (std::size_t k = 0; k + 1 < redis::size(fields); k += 2) {
      std::string_view name = redis::text(redis::at(fields, k));
      std::string value(redis::text(redis::at(fields, k + 1)));
      if (name == "q") letter.queue = std::move(value);
      else if (name == "r") letter.reason = std::move(value);
      else if (name == "b") letter.body = std::move(value);
      else if (name == "n") letter.delivery_count = std::atoi(value.c_str());
    }
    letters.push_back(std::move(letter));
  }
  return letters;
}

std::size_t RedisBackend::pending() {
  redis::Reply reply = impl_->call(impl_->pending_script, {impl_->endpoint.prefix});
  return static_cast<std::size_t>(redis::integer(reply.get()));
}

void RedisBackend::shutdown() {
  impl_->stopped = true;
  impl_->wake_waiters();
  impl_->give_back_buffer(*this);
}

void RedisBackend::enqueue_raw(const std::string& queue, std::string bytes) {
  // Not guarded by anything: after a lost reply it is not sent again (it might enqueue the bytes twice).
  ++impl_->round_trips;
  impl_->with_connection(
      [&](redis::Connection& c) { return impl_->enqueue_raw_script.call(c, {impl_->endpoint.prefix, queue, bytes}); },
      false);
}

}  // namespace selinon
