// Collecting and printing diagnostics.
#include "diag/diagnostics.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace selinon::diag {

void DiagnosticSink::error(const parse::Loc& loc, std::string code, std::string message) {
  diagnostics_.push_back({Severity::error, std::move(code), std::move(message), loc});
  ++errors_;
  last_dropped_ = false;
}

void DiagnosticSink::warning(const parse::Loc& loc, std::string name, std::string message) {
  if (!policy_.enabled(name)) {
    last_dropped_ = true;
    return;
  }
  last_dropped_ = false;
  if (policy_.is_error(name)) {
    diagnostics_.push_back({Severity::error, std::move(name), std::move(message), loc});
    ++errors_;
    ++promoted_;
    return;
  }
  diagnostics_.push_back({Severity::warning, std::move(name), std::move(message), loc});
  ++warnings_;
}

void DiagnosticSink::note(const parse::Loc& loc, std::string message) {
  if (last_dropped_) return;
  diagnostics_.push_back({Severity::note, {}, std::move(message), loc});
}

namespace {

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::note: return "note";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "error";
}

std::string_view severity_color(Severity s) {
  switch (s) {
    case Severity::note: return "\033[1;36m";
    case Severity::warning: return "\033[1;35m";
    case Severity::error: return "\033[1;31m";
  }
  return "";
}

}  // namespace

std::string render_text(const Diagnostic& d, bool color) {
  const char* bold = color ? "\033[1m" : "";
  const char* reset = color ? "\033[0m" : "";
  std::string out;
  std::string where = d.loc.valid() ? fmt::format("{}:{}:{}: ", d.loc.path(), d.loc.line, d.loc.column)
                                    : (d.loc.file ? d.loc.path() + ": " : std::string{});
  out += fmt::format("{}{}{}{}: {}{}{}", bold, where, color ? severity_color(d.severity) : "", severity_name(d.severity),
                     reset, bold, d.message);
  if (!d.code.empty()) out += fmt::format(" [{}]", d.code);
  out += reset;
  out += '\n';
  if (d.loc.valid()) {
    std::string_view line = d.loc.file->line(d.loc.line);
    if (!line.empty()) {
      std::string gutter = fmt::format("{:>5}", d.loc.line);
      out += fmt::format("{} | {}\n", gutter, line);
      std::string pad;
      for (int i = 0; i + 1 < d.loc.column && static_cast<std::size_t>(i) < line.size(); ++i) {
        pad += line[static_cast<std::size_t>(i)] == '\t' ? '\t' : ' ';
      }
      int length = std::max(1, d.loc.length);
      std::size_t available = line.size() >= pad.size() ? line.size() - pad.size() : 1;
      if (static_cast<std::size_t>(length) > available) length = static_cast<int>(std::max<std::size_t>(1, available));
      std::string marker = "^" + std::string(static_cast<std::size_t>(length - 1), '~');
      out += fmt::format("{} | {}{}{}{}\n", std::string(gutter.size(), ' '), pad, color ? "\033[1;32m" : "", marker,
                         reset);
    }
  }
  return out;
}

std::string render_json(const std::vector<Diagnostic>& diagnostics, int errors, int warnings) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& d : diagnostics) {
    list.push_back({{"file", d.loc.file ? d.loc.path() : std::string{}},
                    {"line", d.loc.line},
                    {"column", d.loc.column},
                    {"severity", std::string(severity_name(d.severity))},
                    {"code", d.code},
                    {"message", d.message}});
  }
  nlohmann::json doc = {{"diagnostics", list}, {"errors", errors}, {"warnings", warnings}};
  // Messages quote the user's text, which need not be valid UTF-8 (yaml-cpp does not check); strict dumping throws.
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace selinon::diag
