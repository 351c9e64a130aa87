// Warning names and the -W switch grammar (modelled on clang and re2c).
#include "diag/warning_policy.hpp"

#include <algorithm>

namespace selinon::diag {

const std::vector<WarningInfo>& warning_catalogue() {
  static const std::vector<WarningInfo> catalogue = {
      {"duplicate-key", "a mapping repeats a key; the last value wins, as in PyYAML"},
      {"ignored-key", "a key that Selinon reads past without using it"},
      {"unused-task", "a task that no flow uses"},
      {"unused-storage", "a storage that no task uses"},
      {"inconsistent-task-class", "tasks sharing one class disagree on output_schema or max_retry"},
      {"retry-countdown-without-retry", "retry_countdown given while max_retry is 0"},
      {"misleading-predicate", "a built-in predicate whose behaviour contradicts its name (kept for compatibility)"},
      {"unreachable-node", "a node of a flow that can never be started"},
      {"edge-never-fires", "an edge whose sources can never all finish or whose condition is always false"},
      {"never-finishes", "a node after which the flow can never finish (it leads into a cycle with no exit)"},
      {"cycle-without-exit", "a cycle whose edges are all unconditional, so it never stops by itself"},
      {"impossible-failure", "a failure entry whose nodes can never all fail in one run"},
      {"empty-fallback", "'fallback: []' starts nothing and silently absorbs the failure"},
      {"propagate-not-subflow", "a propagate_* option names a flow that this flow never starts"},
      {"propagate-finished-without-parent", "propagate_finished feeds a sub-flow that does not get propagate_parent"},
      {"subflow-recursion", "a flow starts itself, directly or through other flows, with no condition on the way"},
      {"disabled-edge", "an edge switched off with 'condition: {name: alwaysFalse}'", true},
      {"storage-not-built-in", "a Selinon built-in storage this runtime does not provide yet"},
      {"not-supported-yet", "a Selinon feature the runtime accepts but does not act on yet"},
  };
  return catalogue;
}

bool is_known_warning(std::string_view name) {
  const auto& all = warning_catalogue();
  return std::any_of(all.begin(), all.end(), [&](const WarningInfo& w) { return w.name == name; });
}

bool is_off_by_default(std::string_view name) {
  const auto& all = warning_catalogue();
  return std::any_of(all.begin(), all.end(), [&](const WarningInfo& w) { return w.name == name && w.off_by_default; });
}

bool WarningPolicy::enabled(std::string_view name) const {
  std::string key(name);
  if (disabled_.count(key)) return false;
  return enabled_.count(key) || !is_off_by_default(name);
}

std::optional<std::string> WarningPolicy::apply(std::string_view flag) {
  auto known = [](std::string_view name) -> std::optional<std::string> {
    if (is_known_warning(name)) return std::nullopt;
    return "unknown warning '" + std::string(name) + "' (see `selinonc check --list-warnings`)";
  };
  if (flag.rfind("-W", 0) != 0) return "not a warning switch: '" + std::string(flag) + "'";
  std::string_view body = flag.substr(2);
  if (body == "error") {
    all_errors_ = true;
    return std::nullopt;
  }
  if (body == "all") {
    disabled_.clear();  // off-by-default warnings stay off unless named
    return std::nullopt;
  }
  if (body.rfind("error=", 0) == 0) {
    std::string name(body.substr(6));
    if (auto err = known(name)) return err;
    errors_.insert(name);
    not_errors_.erase(name);
    enabled_.insert(name);  // as in GCC and clang, -Werror=NAME also turns NAME on
    disabled_.erase(name);
    return std::nullopt;
  }
  if (body.rfind("no-error=", 0) == 0) {
    std::string name(body.substr(9));
    if (auto err = known(name)) return err;
    not_errors_.insert(name);
    errors_.erase(name);
    return std::nullopt;
  }
  if (body.rfind("no-", 0) == 0) {
    std::string name(body.substr(3));
    if (auto err = known(name)) return err;
    disabled_.insert(name);
    enabled_.erase(name);
    return std::nullopt;
  }
  if (auto err = known(body)) return err;
  disabled_.erase(std::string(body));
  enabled_.insert(std::string(body));
  return std::nullopt;
}

bool WarningPolicy::is_error(std::string_view name) const {
  std::string key(name);
  if (not_errors_.count(key)) return false;
  return all_errors_ || errors_.count(key) > 0;
}

}  // namespace selinon::diag
