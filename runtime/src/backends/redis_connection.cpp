// hiredis behind the small interface the Redis backend needs.
#include "redis_connection.hpp"

#include <sys/time.h>

#include <charconv>
#include <cstring>

#include <hiredis/hiredis.h>

namespace selinon::redis {

namespace {

// Long enough for a script over a large flow state; a server that does not answer within it is treated as lost.
constexpr std::chrono::milliseconds kCommandTimeout{10000};
constexpr std::chrono::milliseconds kConnectTimeout{2000};

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

int to_int(std::string_view text, std::string_view what, std::string_view url) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) {
    throw std::invalid_argument("backend URL " + std::string(url) + ": " + std::string(what) + " '" +
                                std::string(text) + "' is not a number");
  }
  return value;
}

// %XX escapes in the user and password, as URLs write them.
std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int value = 0;
      auto [end, error] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      if (error == std::errc() && end == text.data() + i + 3) {
        out.push_back(static_cast<char>(value));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

Reply take(void* reply) { return Reply(static_cast<redisReply*>(reply)); }

}  // namespace

void ReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

Endpoint parse_url(std::string_view url) {
  constexpr std::string_view plain = "redis://";
  constexpr std::string_view tls = "rediss://";
  if (url.substr(0, tls.size()) == tls) {
    throw std::invalid_argument(
        "backend URL " + std::string(url) +
        ": TLS (rediss://) needs hiredis 1.0 or later built with SSL; this worker links Debian's hiredis " +
        std::to_string(HIREDIS_MAJOR) + "." + std::to_string(HIREDIS_MINOR) +
        ", which has none. Reach a TLS server through a local tunnel (stunnel, spiped) and use redis://");
  }
  if (url.substr(0, plain.size()) != plain) {
    throw std::invalid_argument("backend URL " + std::string(url) + " does not start with redis://");
  }
  Endpoint endpoint;
  std::string_view rest = url.substr(plain.size());
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auto colon = credentials.find(':'); colon != std::string_view::npos) {
      endpoint.user = percent_decoded(credentials.substr(0, colon));
      endpoint.password = percent_decoded(credentials.substr(colon + 1));
    } else {
      endpoint.password = percent_decoded(credentials);  // redis://secret@host, as redis-cli -u reads it
    }
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty()) endpoint.db = to_int(db, "database", url);
  }
  std::string_view host = rest;
  if (!host.empty() && host.front() == '[') {  // [::1]:6379
    auto close = host.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument("backend URL " + std::string(url) + ": no ']'");
    std::string_view after = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!after.empty()) {
      if (after.front() != ':') throw std::invalid_argument("backend URL " + std::string(url) + ": bad port");
      endpoint.port = to_int(after.substr(1), "port", url);
    }
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    endpoint.port = to_int(host.substr(colon + 1), "port", url);
    host = host.substr(0, colon);
  }
  if (!host.empty()) endpoint.host = std::string(host);
  if (endpoint.port == 0 || endpoint.port > 65535) {
    throw std::invalid_argument("backend URL " + std::string(url) + ": port out of range");
  }
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view option = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = option.find('=');
    std::string_view key = option.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : option.substr(eq + 1);
    if (key == "prefix" && !value.empty() && value.find_first_of("{}\n") == std::string_view::npos) {
      endpoint.prefix = std::string(value);
    } else if (key == "retry") {
      endpoint.retry_for = std::chrono::seconds(to_int(value, "retry", url));
    } else {
      throw std::invalid_argument("unknown option '" + std::string(option) + "' in backend URL " + std::string(url) +
                                  " (known: prefix=NAME without braces, retry=SECONDS)");
    }
  }
  return endpoint;
}

std::string_view text(const redisReply* reply) {
  if (reply == nullptr || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_STATUS &&
                           reply->type != REDIS_REPLY_ERROR)) {
    return {};
  }
  return {reply->str, reply->len};
}
bool is_nil(const redisReply* reply) { return reply == nullptr || reply->type == REDIS_REPLY_NIL; }
bool is_error(const redisReply* reply) { return reply != nullptr && reply->type == REDIS_REPLY_ERROR; }
bool is_array(const redisReply* reply) { return reply != nullptr && reply->type == REDIS_REPLY_ARRAY; }
std::size_t size(const redisReply* reply) { return is_array(reply) ? reply->elements : 0; }
const redisReply* at(const redisReply* reply, std::size_t index) {
  return index < size(reply) ? reply->element[index] : nullptr;
}
long long integer(const redisReply* reply) {
  if (reply == nullptr) return 0;
  if (reply->type == REDIS_REPLY_INTEGER) return reply->integer;
  long long value = 0;
  std::string_view t = text(reply);
  std::from_chars(t.data(), t.data() + t.size(), value);
  return value;
}

Connection::Connection(const Endpoint& endpoint) {
  context_ = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, to_timeval(kConnectTimeout));
  if (context_ == nullptr) throw ConnectionError("redis: cannot allocate a connection");
  if (context_->err != 0) {
    std::string what = "redis: cannot connect to " + endpoint.host + ":" + std::to_string(endpoint.port) + ": " +
                       context_->errstr;
    redisFree(context_);
    context_ = nullptr;
    throw ConnectionError(what);
  }
  redisEnableKeepAlive(context_);
  set_timeout(kCommandTimeout);
  try {
    if (!endpoint.password.empty()) {
      if (endpoint.user.empty()) command({"AUTH", endpoint.password});
      else command({"AUTH", endpoint.user, endpoint.password});
    }
    if (endpoint.db != 0) command({"SELECT", std::to_string(endpoint.db)});
  } catch (const ReplyError& error) {
    redisFree(context_);
    context_ = nullptr;
    // A wrong password or database is a configuration error: retrying will not mend it.
    throw std::invalid_argument(std::string("redis: ") + error.what());
  } catch (...) {
    redisFree(context_);
    context_ = nullptr;
    throw;
  }
}

Connection::~Connection() {
  if (context_ != nullptr) redisFree(context_);
}

void Connection::fail(const char* what) {
  broken_ = true;
  throw ConnectionError(std::string("redis: ") + what + ": " + (context_ ? context_->errstr : "no connection"));
}

void Connection::set_timeout(std::chrono::milliseconds timeout) {
  if (redisSetTimeout(context_, to_timeval(timeout)) != REDIS_OK) fail("cannot set a timeout");
}

void Connection::append(const Args& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (std::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  if (broken_) fail("connection broken");
  if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()) != REDIS_OK) {
    fail("cannot queue a command");
  }
}

Reply Connection::read() {
  void* reply = nullptr;
  if (broken_ || redisGetReply(context_, &reply) != REDIS_OK || reply == nullptr) fail("connection lost");
  return take(reply);
}

Reply Connection::command(const Args& args) {
  append(args);
  Reply reply = read();
  if (reply->type == REDIS_REPLY_ERROR) throw ReplyError(std::string(text(reply.get())));
  return reply;
}

std::string Script::sha(Connection& connection) {
  std::lock_guard lock(mutex_);
  if (sha_.empty()) sha_ = std::string(text(connection.command({"SCRIPT", "LOAD", source_}).get()));
  return sha_;
}

void Script::append(Connection& connection, const std::string& hash, const Args& args) {
  Args argv{"EVALSHA", hash, "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  connection.append(argv);
}

void Script::forget() {
  std::lock_guard lock(mutex_);
  sha_.clear();
}

Reply Script::call(Connection& connection, const Args& args) {
  append(connection, sha(connection), args);
  Reply reply = connection.read();
  if (reply->type == REDIS_REPLY_ERROR && text(reply.get()).substr(0, 8) == "NOSCRIPT") {
    // The server restarted and forgot its scripts (they are not persisted): load again, call again. NOSCRIPT
    // means the script did not run, so calling again cannot apply anything twice.
    forget();
    append(connection, sha(connection), args);
    reply = connection.read();
  }
  if (reply->type == REDIS_REPLY_ERROR) throw ReplyError(std::string(text(reply.get())));
  return reply;
}

Pool::Lease::~Lease() {
  if (!connection_ || connection_->broken()) return;
  std::lock_guard lock(pool_->mutex_);
  pool_->idle_.push_back(std::move(connection_));
}

Pool::Lease Pool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(connection));
    }
  }
  return Lease(*this, std::make_unique<Connection>(endpoint_));
}

}  // namespace selinon::redis
