// Command-line behaviour of selinonc: JSON diagnostics, -Werror / -Wno-NAME / unknown -W switches, inspect,
// version, and that every named warning has a golden case under tests/check/cases.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "diag/warning_policy.hpp"
#include "run_process.hpp"
#include "version.hpp"

namespace {

using selinon::testing::ProcessResult;
using selinon::testing::split_lines;

const std::string fixtures = CLI_FIXTURES;

ProcessResult selinonc(std::vector<std::string> args) {
  args.insert(args.begin(), SELINONC_PATH);
  return selinon::testing::run_process(args);
}

std::string fixture(const std::string& name) { return fixtures + "/" + name; }

}  // namespace

TEST_CASE("json-format-counts") {
  auto r = selinonc({"check", "--format", "json", fixture("errors.yml")});
  CHECK(r.exit_code == 1);
  CHECK(r.err.empty());  // JSON goes to stdout only
  nlohmann::json doc = nlohmann::json::parse(r.out);
  CHECK(doc["errors"] == 2);
  CHECK(doc["warnings"] == 1);
  REQUIRE(doc["diagnostics"].is_array());
  REQUIRE(doc["diagnostics"].size() == 3);
  std::vector<std::string> codes;
  for (const auto& d : doc["diagnostics"]) {
    for (const char* key : {"file", "line", "column", "severity", "code", "message"}) CHECK(d.contains(key));
    CHECK(d["file"] == fixture("errors.yml"));
    codes.push_back(d["code"].get<std::string>() + "@" + std::to_string(d["line"].get<int>()) + ":" +
                    std::to_string(d["column"].get<int>()) + ":" + d["severity"].get<std::string>());
  }
  CHECK(codes == std::vector<std::string>{"unknown-storage@5:14:error", "unknown-node@14:21:error",
                                          "unused-task@6:11:warning"});
}

TEST_CASE("json-format-clean") {
  auto r = selinonc({"check", "--format", "json", fixture("queues.yml")});
  CHECK(r.exit_code == 0);
  nlohmann::json doc = nlohmann::json::parse(r.out);
  CHECK(doc["errors"] == 0);
  CHECK(doc["warnings"] == 0);
  CHECK(doc["diagnostics"].empty());
}

TEST_CASE("json-format-werror-counts-as-error") {
  auto r = selinonc({"check", "--format", "json", "-Werror", fixture("one_warning.yml")});
  CHECK(r.exit_code == 1);
  nlohmann::json doc = nlohmann::json::parse(r.out);
  CHECK(doc["errors"] == 1);
  CHECK(doc["warnings"] == 0);
  REQUIRE(doc["diagnostics"].size() == 1);
  CHECK(doc["diagnostics"][0]["severity"] == "error");
  CHECK(doc["diagnostics"][0]["code"] == "unused-task");
}

TEST_CASE("warning-alone-exits-0") {
  auto r = selinonc({"check", "--color", "never", fixture("one_warning.yml")});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("warning: task 'Unused' is defined but never run in any flow [unused-task]") != std::string::npos);
  CHECK(r.err.find("0 errors and 1 warning generated.") != std::string::npos);
}

TEST_CASE("werror-turns-warning-into-exit-1") {
  for (std::string flag : {"-Werror", "-Werror=unused-task", "--werror"}) {
    CAPTURE(flag);
    auto r = selinonc({"check", "--color", "never", flag, fixture("one_warning.yml")});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(":5:11: error: task 'Unused' is defined but never run in any flow [unused-task]") !=
          std::string::npos);
  }
}

TEST_CASE("werror-with-wno-error-keeps-warning") {
  auto r = selinonc({"check", "--color", "never", "-Werror", "-Wno-error=unused-task", fixture("one_warning.yml")});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("warning:") != std::string::npos);
}

TEST_CASE("wno-name-silences-warning") {
  auto r = selinonc({"check", "--color", "never", "-Wno-unused-task", fixture("one_warning.yml")});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  auto strict = selinonc({"check", "--color", "never", "-Werror", "-Wno-unused-task", fixture("one_warning.yml")});
  CHECK(strict.exit_code == 0);
  CHECK(strict.err.empty());
}

TEST_CASE("unknown-warning-switch-exits-2") {
  for (std::string flag : {"-Wfoo", "-Wno-foo", "-Werror=foo"}) {
    CAPTURE(flag);
    auto r = selinonc({"check", flag, fixture("one_warning.yml")});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("unknown warning 'foo'") != std::string::npos);
    CHECK(r.out.empty());
  }
}

TEST_CASE("bad-usage-exits-2") {
  CHECK(selinonc({"check", "--format", "xml", fixture("one_warning.yml")}).exit_code == 2);
  CHECK(selinonc({"check", fixture("no-such-file.yml")}).exit_code == 2);
  CHECK(selinonc({"frobnicate"}).exit_code == 2);
  CHECK(selinonc({"check"}).exit_code == 2);
}

TEST_CASE("directory-as-nodes-file") {
  auto r = selinonc({"check", "--color", "never", fixtures});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "error: cannot read '" + fixtures +
                     "': it is a directory; give the nodes file first, then flow files or directories "
                     "[file-unreadable]\n1 error and 0 warnings generated.\n");
}

TEST_CASE("flow-files-and-directories") {
  // NODES then flow files or directories (searched for *.yml and *.yaml); the nodes file found again is read once.
  for (std::vector<std::string> files :
       {std::vector<std::string>{fixture("split/nodes.yml"), fixture("split/flows/flow1.yml"),
                                 fixture("split/flows/flow2.yaml")},
        std::vector<std::string>{fixture("split/nodes.yml"), fixture("split/flows")},
        std::vector<std::string>{fixture("split/nodes.yml"), fixture("split")}}) {
    CAPTURE(files.back());
    files.insert(files.begin(), {"check", "--color", "never"});
    auto r = selinonc(files);
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
  }
  // Without its flow files, both listed flows are empty.
  auto alone = selinonc({"check", "--color", "never", fixture("split/nodes.yml")});
  CHECK(alone.exit_code == 1);
  CHECK(alone.err.find("[no-flow-definitions]") != std::string::npos);
}

TEST_CASE("errors-exit-1-and-summary") {
  auto r = selinonc({"check", "--color", "never", fixture("errors.yml")});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("2 errors and 1 warning generated.") != std::string::npos);
}

TEST_CASE("inspect-list-task-queues") {
  auto r = selinonc({"inspect", "--list-task-queues", fixture("queues.yml")});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(split_lines(r.out) == std::vector<std::string>{"Task1:tasks_default", "Task2:fast", "Task3:{DEPLOYMENT}_slow"});
}

TEST_CASE("inspect-list-dispatcher-queues") {
  auto r = selinonc({"inspect", "--list-dispatcher-queues", fixture("queues.yml")});
  CHECK(r.exit_code == 0);
  CHECK(split_lines(r.out) == std::vector<std::string>{"flow1:dispatch"});
}

TEST_CASE("inspect-refuses-invalid-configuration") {
  auto r = selinonc({"inspect", "--list-task-queues", fixture("errors.yml")});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
}

TEST_CASE("version") {
  auto r = selinonc({"version"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == std::string("selinonc ") + SELINON_VERSION + "\nSelinon configuration format " +
                     SELINON_FORMAT_VERSION + " (" + SELINON_FORMAT_CODENAME + ")\n");
  auto flag = selinonc({"--version"});
  CHECK(flag.exit_code == 0);
  CHECK(flag.out.find(SELINON_VERSION) != std::string::npos);
}

TEST_CASE("list-warnings-matches-catalogue") {
  auto r = selinonc({"check", "--list-warnings"});
  CHECK(r.exit_code == 0);
  auto lines = split_lines(r.out);
  const auto& catalogue = selinon::diag::warning_catalogue();
  REQUIRE(lines.size() == catalogue.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    CHECK(lines[i].find("-W" + std::string(catalogue[i].name) + " ") != std::string::npos);
  }
}

TEST_CASE("list-warnings-marks-off-by-default") {
  auto r = selinonc({"check", "--list-warnings"});
  bool seen = false;
  for (const auto& line : split_lines(r.out)) {
    if (line.find("-Wdisabled-edge ") == std::string::npos) {
      CHECK(line.find("(off by default)") == std::string::npos);
      continue;
    }
    seen = true;
    CHECK(line.find("(off by default)") != std::string::npos);
  }
  CHECK(seen);
}

TEST_CASE("inspect-list-disabled-edges") {
  auto r = selinonc({"inspect", "--list-disabled-edges", std::string(CHECK_CASES) + "/lint-disabled-edge.yml"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(split_lines(r.out) == std::vector<std::string>{"flow1: edge 1 from [Task1] to [Task2]"});
  auto none = selinonc({"inspect", "--list-disabled-edges", fixture("queues.yml")});
  CHECK(none.exit_code == 0);
  CHECK(none.out.empty());
}

// The golden suite must prove every lint of `selinonc check`: each catalogue name appears in some `# expect:` line
// as [name].
TEST_CASE("every-warning-has-a-golden-case") {
  std::string expectations;
  for (const auto& entry : std::filesystem::directory_iterator(CHECK_CASES)) {
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("# expect:", 0) == 0 && line.find(" warning: ") != std::string::npos) expectations += line + "\n";
    }
  }
  for (const auto& w : selinon::diag::warning_catalogue()) {
    CAPTURE(w.name);
    CHECK(expectations.find("[" + std::string(w.name) + "]") != std::string::npos);
  }
}
