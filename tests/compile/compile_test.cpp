// Instantiates the system of every conformance set compiled by tests/compile and checks its flow machines.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include <selinon/system.hpp>

namespace {

// Every flow is registered under its own name, has edges, and its edges name only its own nodes; it has the
// transition hooks its tables need (the runtime skips a missing one, so a flow without them emits none).
void check_system(const selinon::SystemDescriptor& system) {
  CHECK(system.mock_all_tasks);
  REQUIRE_FALSE(system.flows.empty());
  for (const auto& binding : system.flows) {
    REQUIRE(binding.machine != nullptr);
    const selinon::FlowMachine& machine = *binding.machine;
    INFO("flow '" << std::string(machine.name) << "'");
    CHECK_FALSE(machine.name.empty());
    CHECK(system.flow(machine.name) == &binding);
    CHECK_FALSE(machine.edges.empty());
    // Double parentheses: doctest cannot print function pointers, so the comparison is not decomposed.
    auto any_edge = [&](bool starting) {
      return std::any_of(machine.edges.begin(), machine.edges.end(),
                         [&](const auto& e) { return e.from.empty() == starting; });
    };
    bool any_eager = std::any_of(machine.nodes.begin(), machine.nodes.end(), [](const auto& n) { return n.eager; });
    CHECK((machine.on_start != nullptr));
    CHECK(any_edge(true));
    CHECK((machine.on_node_succeeded != nullptr) == any_edge(false));
    CHECK((machine.on_node_failed != nullptr) == any_eager);
    const int node_count = static_cast<int>(machine.nodes.size());
    for (const auto& edge : machine.edges) {
      CHECK_FALSE(edge.to.empty());
      for (int node : edge.from) CHECK((node >= 0 && node < node_count));
      for (int node : edge.to) CHECK((node >= 0 && node < node_count));
    }
    for (const auto& node : machine.nodes) CHECK(machine.node_index(node.name) >= 0);
  }
}

}  // namespace

// Each set's system() lives in its own namespace (its generated system.hpp files share one name, so they are
// declared here instead of included).
#define SELINON_CONFORMANCE_SET(id, label)                   \
  namespace conformance_##id {                               \
  const selinon::SystemDescriptor& system();                 \
  }                                                          \
  TEST_CASE(label) { check_system(conformance_##id::system()); }
#include "conformance_sets.inc"
