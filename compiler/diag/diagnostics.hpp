// Diagnostics: every problem found in a configuration, collected (never thrown) and printed clang-style.
#pragma once

#include <string>
#include <vector>

#include "diag/warning_policy.hpp"
#include "source/source.hpp"

namespace selinon::diag {

enum class Severity { note, warning, error };

struct Diagnostic {
  Severity severity = Severity::error;
  std::string code;  // stable name: an error code, or the warning's -W name
  std::string message;
  parse::Loc loc;
};

// Collects diagnostics in the order they were found; warnings pass through the policy (-Wno-x, -Werror=x).
class DiagnosticSink {
 public:
  explicit DiagnosticSink(WarningPolicy policy = {}) : policy_(std::move(policy)) {}

  void error(const parse::Loc& loc, std::string code, std::string message);
  void warning(const parse::Loc& loc, std::string name, std::string message);
  void note(const parse::Loc& loc, std::string message);

  const std::vector<Diagnostic>& all() const { return diagnostics_; }
  int error_count() const { return errors_; }
  int warning_count() const { return warnings_; }
  bool has_errors() const { return errors_ > 0; }
  // Errors that are not warnings promoted by -Werror: what decides whether later passes can trust the model.
  int genuine_error_count() const { return errors_ - promoted_; }

 private:
  WarningPolicy policy_;
  std::vector<Diagnostic> diagnostics_;
  int errors_ = 0;
  int warnings_ = 0;
  int promoted_ = 0;  // warnings reported as errors (-Werror, -Werror=NAME)
  bool last_dropped_ = false;  // a note after a silenced warning is silenced too
};

// "file:line:col: error: message [code]" plus the quoted line and a caret, as clang prints it.
std::string render_text(const Diagnostic& diagnostic, bool color);
// {"file","line","column","severity","code","message"} per diagnostic, plus counts.
std::string render_json(const std::vector<Diagnostic>& diagnostics, int errors, int warnings);

}  // namespace selinon::diag
