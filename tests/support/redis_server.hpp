// A redis-server of a test's own: on a free loopback port, in a temporary directory, stopped and removed at the
// end (and killed with the test process if that dies first). Tests never share a developer's or CI's server.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace selinon::testing {

struct RedisServerOptions {
  bool aof = false;       // appendonly yes, appendfsync everysec: survives a restart
  std::string password;   // requirepass: clients must AUTH
};

class RedisServer {
 public:
  using Options = RedisServerOptions;

  explicit RedisServer(Options options = {}) : options_(options) {
    std::string pattern = (std::filesystem::temp_directory_path() / "selinon-redis-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a directory for redis-server");
    dir_ = pattern;
    for (int attempt = 0;; ++attempt) {
      port_ = free_port();
      try {
        start();
        return;
      } catch (const std::exception&) {
        if (attempt == 4) throw;  // another process took the port in between: pick another
      }
    }
  }
  ~RedisServer() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::string url(const std::string& query = {}) const {
    return "redis://127.0.0.1:" + std::to_string(port_) + "/0" + (query.empty() ? "" : "?" + query);
  }

  // Starts the server (again, on the same port and directory) and waits until it answers PING.
  void start() {
    if (pid_ > 0) return;
    const std::string port = std::to_string(port_);
    std::vector<std::string> args = {"redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", dir_.string(),
                                     "--save", "", "--appendonly", options_.aof ? "yes" : "no", "--appendfsync",
                                     "everysec", "--logfile", (dir_ / "redis.log").string(), "--daemonize", "no"};
    if (!options_.password.empty()) {
      args.push_back("--requirepass");
      args.push_back(options_.password);
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp("redis-server", argv.data());
      ::_exit(127);
    }
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!answers_ping()) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error(WIFEXITED(status) && WEXITSTATUS(status) == 127
                                     ? "redis-server is not installed: run scripts/install-deps.sh"
                                     : "redis-server did not start on port " + port + " (see " +
                                           (dir_ / "redis.log").string() + ")");
      }
      if (std::chrono::steady_clock::now() > give_up) {
        stop(SIGKILL);
        throw std::runtime_error("redis-server did not answer on port " + port + " within 20 s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // Stops the server with `signal` (SIGTERM: a clean shutdown that flushes the AOF; SIGKILL: a crash).
  void stop(int signal = SIGTERM) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  static int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      if (fd >= 0) ::close(fd);
      throw std::runtime_error("no free loopback port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
  }

  bool answers_ping() const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port_));
    bool ok = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
      const char ping[] = "PING\r\n";
      char reply[64] = {};
      timeval timeout{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      if (::write(fd, ping, sizeof ping - 1) == static_cast<ssize_t>(sizeof ping - 1)) {
        ssize_t n = ::read(fd, reply, sizeof reply - 1);
        // -LOADING while an AOF is read back; -NOAUTH: up, and asking for the password.
        ok = n >= 5 && (std::string(reply, 5) == "+PONG" || std::string(reply, std::min<ssize_t>(n, 7)) == "-NOAUTH");
      }
    }
    ::close(fd);
    return ok;
  }

  Options options_;
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// One server per test process, started on first use: the contract and scenario suites give every test a prefix
// of its own on it.
inline RedisServer& shared_redis_server() {
  static RedisServer server;
  return server;
}

inline std::string unique_redis_prefix() {
  static int counter = 0;
  return "t" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
}

}  // namespace selinon::testing
