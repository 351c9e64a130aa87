// Backend URLs: the one place that knows every backend built into a worker.
#include <stdexcept>
#include <string>

#include "selinon/backends/memory.hpp"
#include "selinon/backend.hpp"
#if SELINON_HAVE_SQLITE
#include "selinon/backends/sqlite.hpp"
#endif
#if SELINON_HAVE_REDIS
#include "selinon/backends/redis.hpp"
#endif

namespace selinon {

std::unique_ptr<Backend> open_backend(std::string_view url, const BackendOptions& options) {
  if (url == "memory" || url == "memory://") return std::make_unique<MemoryBackend>(options);
  constexpr std::string_view sqlite = "sqlite://";
  if (url.substr(0, sqlite.size()) == sqlite) {
    std::string path(url.substr(sqlite.size()));
    bool full = false;
    if (auto q = path.find('?'); q != std::string::npos) {
      std::string query = path.substr(q + 1);
      path.resize(q);
      if (query == "sync=full") full = true;
      else if (query != "sync=normal") throw std::invalid_argument("unknown option '" + query + "' in backend URL " +
                                                                   std::string(url) + " (known: sync=normal, sync=full)");
    }
    if (path.empty()) throw std::invalid_argument("backend URL " + std::string(url) + " names no database file");
#if SELINON_HAVE_SQLITE
    return std::make_unique<SqliteBackend>(path, options, full);
#else
    (void)full;
    throw std::invalid_argument("this worker was built without the SQLite backend");
#endif
  }
  if (url.substr(0, 8) == "redis://" || url.substr(0, 9) == "rediss://") {
#if SELINON_HAVE_REDIS
    return std::make_unique<RedisBackend>(url, options);
#else
    throw std::invalid_argument("this worker was built without the Redis backend");
#endif
  }
  throw std::invalid_argument("unknown backend URL '" + std::string(url) +
                              "' (expected memory, sqlite://PATH or redis://HOST[:PORT][/DB], e.g. "
                              "sqlite://selinon.db or redis://127.0.0.1:6379/0)");
}

}  // namespace selinon
