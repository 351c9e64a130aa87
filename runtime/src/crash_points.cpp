// Crash points: parsed once from the environment; a hit raises SIGKILL.
#include "crash_points.hpp"

#include <csignal>
#include <cstdlib>
#include <map>
#include <random>
#include <string>

namespace selinon {
namespace {

std::map<std::string, double, std::less<>> parse(const char* spec) {
  std::map<std::string, double, std::less<>> points;
  std::string text = spec ? spec : "";
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    std::size_t eq = item.find('=');
    if (eq != std::string::npos) points[item.substr(0, eq)] = std::atof(item.c_str() + eq + 1);
    start = end + 1;
  }
  return points;
}

const std::map<std::string, double, std::less<>>& points() {
  static const auto configured = parse(std::getenv("SELINON_CRASH_POINTS"));
  return configured;
}

}  // namespace

void crash_point(std::string_view name) {
  const auto& configured = points();
  if (configured.empty()) return;
  auto it = configured.find(name);
  if (it == configured.end()) return;
  thread_local std::mt19937_64 random{std::random_device{}()};
  if (std::uniform_real_distribution<double>(0, 1)(random) < it->second) std::raise(SIGKILL);
}

}  // namespace selinon
