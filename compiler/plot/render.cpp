// Graphviz rendering. Linked libgvc needs no external process; the `dot` program is the fallback for builds without it.
#include "plot/render.hpp"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

#ifdef SELINON_HAVE_GVC
#include <graphviz/gvc.h>
#endif

extern char** environ;

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SELINON_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(SELINON_ASAN)
// Graphviz 2.42, fontconfig and pango keep caches for the life of the process and never free them; without this,
// LeakSanitizer fails every sanitizer build that draws a picture. Only those libraries are exempt.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libfontconfig.so\nleak:libgvc.so\nleak:libgvplugin_\nleak:libpango\nleak:libcairo.so\n"
         "leak:libglib-2.0.so\nleak:libgobject-2.0.so\nleak:libcgraph.so\n";
}
#endif

namespace selinon::plot {

bool is_known_format(const std::string& format) {
  return format == "dot" || format == "svg" || format == "png" || format == "pdf";
}

namespace {

namespace fs = std::filesystem;

std::string temporary_beside(const std::string& path) { return path + ".tmp" + std::to_string(getpid()); }

std::string finish(const std::string& tmp, const std::string& path) {
  std::error_code ec;
  if (!fs::exists(tmp, ec) || fs::file_size(tmp, ec) == 0) {
    fs::remove(tmp, ec);
    return "Graphviz produced no output";
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return fmt::format("cannot write '{}': {}", path, ec.message());
  }
  return {};
}

#ifdef SELINON_HAVE_GVC
// Graphviz reports problems through a process-wide callback; collect them for the message instead of stderr.
std::string graphviz_errors;
int collect_error(char* message) {
  graphviz_errors += message;
  return 0;
}

std::string render_with_gvc(const std::string& dot, const std::string& layout, const std::string& format,
                            const std::string& path) {
  static std::mutex mutex;  // libgvc keeps global state
  std::lock_guard lock(mutex);
  graphviz_errors.clear();
  agseterrf(collect_error);
  agseterr(AGERR);
  // One context for the whole process: Graphviz 2.42 keeps a font cache across contexts, so freeing one and making
  // the next reads freed memory in the text-size code (found by AddressSanitizer on the second flow).
  struct Context {
    GVC_t* gvc = gvContext();
    ~Context() {
      if (gvc) gvFreeContext(gvc);
    }
  };
  static Context context;
  GVC_t* gvc = context.gvc;
  if (gvc == nullptr) return "Graphviz could not start (gvContext failed)";
  std::string error;
  Agraph_t* graph = agmemread(dot.c_str());
  std::string tmp = temporary_beside(path);
  if (graph == nullptr) {
    error = "Graphviz rejected the DOT text: " + graphviz_errors;
  } else if (gvLayout(gvc, graph, layout.c_str()) != 0) {
    error = fmt::format("Graphviz has no layout engine '{}' or it failed: {}", layout, graphviz_errors);
  } else {
    if (gvRenderFilename(gvc, graph, format.c_str(), tmp.c_str()) != 0) {
      error = fmt::format("Graphviz cannot write {} here (is its plugin installed?): {}", format, graphviz_errors);
    }
    gvFreeLayout(gvc, graph);
  }
  if (graph) agclose(graph);
  while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
  if (!error.empty()) {
    std::error_code ec;
    fs::remove(tmp, ec);
    return error;
  }
  return finish(tmp, path);
}
#endif

// The `dot` executable on PATH, or empty.
std::string dot_program() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / "dot";
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

std::string render_with_program(const std::string& program, const std::string& dot, const std::string& layout,
                                const std::string& format, const std::string& path) {
  std::string tmp = temporary_beside(path);
  std::string input = tmp + ".dot";
  {
    std::ofstream out(input, std::ios::binary);
    out << dot;
    if (!out) return fmt::format("cannot write '{}'", input);
  }
  std::string engine = "-K" + layout, type = "-T" + format, output = "-o" + tmp;
  std::vector<char*> argv = {const_cast<char*>(program.c_str()), engine.data(), type.data(), output.data(),
                             input.data(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv.data(), environ);
  std::error_code ec;
  if (rc != 0) {
    fs::remove(input, ec);
    return fmt::format("cannot run '{}': {}", program, std::strerror(rc));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  fs::remove(input, ec);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fs::remove(tmp, ec);
    return fmt::format("'{}' failed (its messages are above)", program);
  }
  return finish(tmp, path);
}

// SELINON_PLOT_RENDERER=dot makes a libgvc build run the program instead (how the tests cover both paths).
bool use_gvc() {
#ifdef SELINON_HAVE_GVC
  const char* forced = std::getenv("SELINON_PLOT_RENDERER");
  return forced == nullptr || std::string(forced) != "dot";
#else
  return false;
#endif
}

}  // namespace

std::string renderer_name() {
  if (use_gvc()) return "libgvc";
  return dot_program().empty() ? std::string{} : std::string{"the dot program"};
}

std::string render(const std::string& dot, const std::string& layout, const std::string& format,
                   const std::string& path) {
#ifdef SELINON_HAVE_GVC
  if (use_gvc()) return render_with_gvc(dot, layout, format, path);
#endif
  std::string program = dot_program();
  if (program.empty()) {
    return fmt::format(
        "rendering {} needs Graphviz: this selinonc renders with the `dot` program and finds none on PATH: install Graphviz (Debian: apt-get install graphviz) or write DOT with --format dot",
        format);
  }
  return render_with_program(program, dot, layout, format, path);
}

}  // namespace selinon::plot
