// doctest's main for the scenario tests; --backend=NAME picks the backend they run on (default: memory).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <string_view>

#include "harness.hpp"

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.substr(0, 10) == "--backend=") scenario::backend_name() = std::string(arg.substr(10));
  }
  doctest::Context context(argc, argv);
  return context.run();
}
