// Backend URLs: the one place that knows every backend built into a worker.
#include <stdexcept>
#include <string>

#include "selinon/backends/memory.hpp"
#include "selinon/backend.hpp"
#if SELINON_HAVE_SQLITE
#include "selinon/backends/sqlite.hpp"
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
  throw std::invalid_argument("unknown backend URL '" + std::string(url) +
                              "' (expected memory or sqlite://PATH, e.g. sqlite://selinon.db)");
}

}  // namespace selinon
