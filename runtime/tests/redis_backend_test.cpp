// What the Redis backend adds to the contract: its URLs, AUTH and database selection against a real redis-server,
// and a server restarted under a worker.
#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "backends/redis_connection.hpp"
#include "contract_support.hpp"
#include "redis_server.hpp"
#include "selinon/backend.hpp"

using namespace selinon;
using namespace std::chrono_literals;

TEST_CASE("redis URLs: host, port, database, credentials, options") {
  redis::Endpoint e = redis::parse_url("redis://example.org:6390/3");
  CHECK(e.host == "example.org");
  CHECK(e.port == 6390);
  CHECK(e.db == 3);
  CHECK(e.password.empty());
  CHECK(e.prefix == "selinon");

  e = redis::parse_url("redis://:s%40cret@10.0.0.1/0");
  CHECK(e.host == "10.0.0.1");
  CHECK(e.port == 6379);
  CHECK(e.user.empty());
  CHECK(e.password == "s@cret");

  e = redis::parse_url("redis://worker:pw@[::1]:7000/2?prefix=prod&retry=5");
  CHECK(e.host == "::1");
  CHECK(e.port == 7000);
  CHECK(e.user == "worker");
  CHECK(e.password == "pw");
  CHECK(e.db == 2);
  CHECK(e.prefix == "prod");
  CHECK(e.retry_for == 5s);

  e = redis::parse_url("redis://");
  CHECK(e.host == "127.0.0.1");
  CHECK(e.port == 6379);

  CHECK_THROWS_WITH_AS(redis::parse_url("redis://h:99999/0"), doctest::Contains("port out of range"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(redis::parse_url("redis://h/x"), doctest::Contains("database 'x' is not a number"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(redis::parse_url("redis://h/0?prefix={a}"), doctest::Contains("unknown option"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(redis::parse_url("rediss://h/0"), doctest::Contains("TLS"), std::invalid_argument);
}

TEST_CASE("a password-protected server: the right password works, a wrong one is a clear error") {
  testing::RedisServerOptions options;
  options.password = "letmein";
  testing::RedisServer server(options);
  const std::string base = "127.0.0.1:" + std::to_string(server.port());
  {
    auto backend = open_backend("redis://:letmein@" + base + "/1");
    backend->enqueue_raw("q", "hello");
    CHECK(backend->pending() == 1);
    // Database 1 is not database 2: the same prefix there sees nothing.
    auto other = open_backend("redis://:letmein@" + base + "/2");
    CHECK(other->pending() == 0);
  }
  auto wrong = open_backend("redis://:guess@" + base + "/1");
  CHECK_THROWS_WITH_AS(wrong->pending(), doctest::Contains("WRONGPASS"), std::invalid_argument);
  auto none = open_backend("redis://" + base + "/1?retry=1");
  CHECK_THROWS_WITH(none->pending(), doctest::Contains("NOAUTH"));
}

TEST_CASE("a server that is down: operations retry, then report it unavailable; a restarted one is used again") {
  testing::RedisServerOptions options;
  options.aof = true;
  testing::RedisServer server(options);
  auto backend = open_backend(server.url("retry=2"));
  Transition t;
  t.messages = {{"q", contract::numbered(1)}};
  REQUIRE(backend->commit(t) == CommitResult::committed);

  server.stop();
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(backend->pending(), BackendUnavailable);
  CHECK(std::chrono::steady_clock::now() - start >= 1900ms);  // it kept trying for the retry budget

  server.start();  // the AOF brings the message back
  CHECK(backend->pending() == 1);
  std::optional<Claim> claim = backend->claim({"q"}, 5s);
  REQUIRE(claim.has_value());
  REQUIRE(claim->message.has_value());
  CHECK(contract::node_id_of(*claim->message) == "a1");
}
