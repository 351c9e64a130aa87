// The named lint warnings of selinonc and the -W switches that silence or promote them.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace selinon::diag {

struct WarningInfo {
  std::string_view name;
  std::string_view summary;
  // Reported only when asked for with -WNAME: lints about deliberate choices that a configuration makes often.
  bool off_by_default = false;
};

// Every warning selinonc can emit, in the order `selinonc check --list-warnings` prints them.
const std::vector<WarningInfo>& warning_catalogue();
bool is_known_warning(std::string_view name);
bool is_off_by_default(std::string_view name);

class WarningPolicy {
 public:
  // Applies one switch: -Wno-NAME, -WNAME, -Wall (every on-by-default warning on), -Werror, -Werror=NAME, -Wno-error=NAME.
  // Returns an error text when the switch names no known warning.
  std::optional<std::string> apply(std::string_view flag);

  bool enabled(std::string_view name) const;
  bool is_error(std::string_view name) const;

 private:
  std::set<std::string> disabled_;
  std::set<std::string> enabled_;  // off-by-default warnings asked for
  std::set<std::string> errors_;
  std::set<std::string> not_errors_;
  bool all_errors_ = false;
};

}  // namespace selinon::diag
