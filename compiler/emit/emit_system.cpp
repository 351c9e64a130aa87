// Writes the generated files: only those whose text changed, so builds stay incremental; plus a depfile.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "emit/emit.hpp"
#include "emit/names.hpp"
#include "emit/printer.hpp"
#include "version.hpp"

namespace selinon::emit {
namespace fs = std::filesystem;

namespace {

bool write_if_changed(const fs::path& path, const std::string& text) {
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream current;
      current << in.rdbuf();
      if (current.str() == text) return false;
    }
  }
  fs::create_directories(path.parent_path());
  fs::path temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + temporary.string());
    out << text;
    if (!out) throw std::runtime_error("cannot write " + temporary.string());
  }
  fs::rename(temporary, path);  // readers never see a half-written file
  return true;
}

std::string escape_make(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == ' ' || c == '#') out += '\\';
    if (c == '$') out += '$';
    out += c;
  }
  return out;
}

}  // namespace

EmitResult emit_system(const model::System& system, const EmitOptions& options) {
  EmitResult result;
  fs::path dir(options.out_dir);
  auto put = [&](const fs::path& relative, const std::string& text) {
    fs::path path = dir / relative;
    if (write_if_changed(path, text)) ++result.changed;
    result.files.push_back(path.string());
  };
  std::string unity;
  for (const auto& flow : system.flows) {
    FlowFiles files = flow_files(system, flow, options.mock_all, options.cpp_namespace);
    std::string id = cpp_identifier(flow.name);
    put(fs::path("flows") / (id + ".hpp"), files.header);
    put(fs::path("flows") / (id + ".cpp"), files.source);
    unity += fmt::format("#include \"flows/{}.cpp\"\n", id);
  }
  if (!unity.empty()) unity.pop_back();
  put("all_flows.cpp", fill(template_text("all_flows.cpp.in"), {{"version", SELINON_VERSION}, {"includes", unity}}));
  put("system.hpp", system_header(options.cpp_namespace));
  put("system.cpp", system_source(system, options.mock_all, options.cpp_namespace));
  put("worker_main.cpp",
      fill(template_text("worker_main.cpp.in"), {{"version", SELINON_VERSION}, {"namespace", options.cpp_namespace}}));
  if (!options.depfile.empty()) {
    std::string target = options.depfile_target.empty() ? (dir / "all_flows.cpp").string() : options.depfile_target;
    std::string text = escape_make(target) + ":";
    for (const auto& f : system.files) text += " \\\n  " + escape_make(fs::absolute(f).string());
    text += "\n";
    write_if_changed(options.depfile, text);
  }
  return result;
}

}  // namespace selinon::emit
