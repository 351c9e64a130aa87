// Connections to a Redis server with hiredis: the URL a worker is given, one connection per caller at a time from
// a pool, replies owned by RAII, and Lua scripts called by SHA (loaded again after a server restart forgot them).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;
struct redisReply;

namespace selinon::redis {

// redis://[[user]:password@]host[:port][/db][?prefix=NAME&retry=SECONDS]
struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;
  std::string password;
  int db = 0;
  // Every key of a deployment starts with "{prefix}:", one hash tag: the multi-key scripts stay valid on Redis
  // Cluster, and two deployments can share one server.
  std::string prefix = "selinon";
  // How long an operation keeps reconnecting (with backoff) before the worker reports the server unavailable.
  std::chrono::milliseconds retry_for{30000};
};

// Throws std::invalid_argument naming what is wrong with the URL (rediss:// included: see the message).
Endpoint parse_url(std::string_view url);

// The connection failed or broke: nothing is known about a command whose reply did not arrive.
class ConnectionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The server answered with an error reply.
class ReplyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReplyDeleter {
  void operator()(redisReply* reply) const;
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// Read access to replies (RESP2: Lua tables come back as arrays, false as nil).
std::string_view text(const redisReply* reply);  // a string or status; empty for nil
bool is_nil(const redisReply* reply);
bool is_error(const redisReply* reply);
bool is_array(const redisReply* reply);
std::size_t size(const redisReply* reply);
const redisReply* at(const redisReply* reply, std::size_t index);
long long integer(const redisReply* reply);  // an integer, or a string holding one

using Args = std::vector<std::string_view>;

class Connection {
 public:
  explicit Connection(const Endpoint& endpoint);  // connects, AUTH, SELECT; throws ConnectionError
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // One command and its reply. Throws ConnectionError (and breaks the connection) or ReplyError.
  Reply command(const Args& args);
  // Pipelining: queue commands, then read their replies in order (error replies are returned, not thrown).
  void append(const Args& args);
  Reply read();
  // Replies to a blocking command may take `timeout` longer than usual.
  void set_timeout(std::chrono::milliseconds timeout);
  bool broken() const { return broken_; }

 private:
  [[noreturn]] void fail(const char* what);
  redisContext* context_ = nullptr;
  bool broken_ = false;
};

// A Lua script, loaded once per server (SCRIPT LOAD) and called by its SHA.
class Script {
 public:
  explicit Script(std::string source) : source_(std::move(source)) {}
  // EVALSHA with no keys (every key is derived from the prefix in ARGV); loads the script again after NOSCRIPT.
  Reply call(Connection& connection, const Args& args);
  // For pipelines: the SHA (loading the script first if needed; call it before queueing anything), then queue the
  // call; its reply is NOSCRIPT when the server forgot the script meanwhile (forget() and call() again).
  std::string sha(Connection& connection);
  void append(Connection& connection, const std::string& sha, const Args& args);
  void forget();

 private:
  std::string source_;
  std::mutex mutex_;
  std::string sha_;
};

// Connections handed to one caller at a time and returned for the next, unless broken.
class Pool {
 public:
  explicit Pool(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}
  const Endpoint& endpoint() const { return endpoint_; }

  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> connection) : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = default;
    ~Lease();
    Connection& operator*() { return *connection_; }
    Connection* operator->() { return connection_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
  };
  Lease acquire();  // throws ConnectionError when no connection can be made

 private:
  Endpoint endpoint_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace selinon::redis
