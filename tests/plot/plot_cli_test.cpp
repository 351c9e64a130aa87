// Command-line behaviour of `selinonc plot`: style files merged over the defaults, positioned style errors, flow
// selection, determinism and incremental rewriting, annotations, and a clear message when rendering is impossible.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "run_process.hpp"

namespace {

namespace fs = std::filesystem;
using selinon::testing::ProcessResult;

const std::string fixtures = PLOT_FIXTURES;
const std::string features = fixtures + "/configs/features.yml";

ProcessResult selinonc(std::vector<std::string> args) {
  args.insert(args.begin(), {SELINONC_PATH, "plot", "--color", "never"});
  return selinon::testing::run_process(args);
}

// A fresh output directory per test case.
std::string work_dir(const std::string& name) {
  fs::path dir = fs::path(PLOT_WORK) / name;
  fs::remove_all(dir);
  return dir.string();
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("style-file-merges-over-defaults") {
  std::string out = work_dir("style");
  auto r = selinonc({features, "--format", "dot", "-o", out, "--style", fixtures + "/styles/custom.yml"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::string dot = read(fs::path(out) / "main.dot");
  // A changed attribute replaces the default in place, a new one is appended, untouched defaults stay.
  CHECK(contains(dot, "node [style=\"filled\" color=\"black\" fillcolor=\"#ff0000\" shape=\"ellipse\" "
                      "fontname=\"Helvetica\"]"));
  CHECK(contains(dot, "graph [rankdir=\"LR\"]"));
  CHECK(contains(dot, "edge [arrowType=\"open\" color=\"blue\"]"));
  CHECK(contains(dot, "\"Notify\" [style=\"filled,dotted\" label=\"Notify\\ntimeout 30 s\\nnowait\"]"));
  CHECK(contains(dot, "\"_fallback_true\" [label=\"True\" style=\"filled\" color=\"black\" fillcolor=\"yellow\" "
                      "shape=\"plain\"]"));
  // Styles not in the file keep Selinon's defaults.
  CHECK(contains(dot, "fillcolor=\"#894830\" shape=\"cylinder\""));
  // The --config spelling of selinon-cli is accepted too.
  auto again = selinonc({features, "--format", "dot", "-o", out, "-c", fixtures + "/styles/custom.yml"});
  CHECK(again.exit_code == 0);
}

TEST_CASE("style-file-errors-are-positioned") {
  std::string out = work_dir("bad-style");
  auto r = selinonc({features, "--format", "dot", "-o", out, "--style", fixtures + "/styles/bad_key.yml"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "styles/bad_key.yml:4:3: error: unknown style key 'tasks'; the keys are task, flow,"));
  CHECK(contains(r.err, "[plot-style]"));
  CHECK(!fs::exists(fs::path(out) / "main.dot"));  // nothing drawn with a broken style

  r = selinonc({features, "--format", "dot", "-o", out, "--style", fixtures + "/styles/bad_value.yml"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "styles/bad_value.yml:3:16: error: attribute 'fillcolor' of style 'condition' must be a "
                        "string, number or boolean, not a list"));

  r = selinonc({features, "--format", "dot", "-o", out, "--style", fixtures + "/styles/not_mapping.yml"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "styles/not_mapping.yml:2:9: error: style 'flow' must be a mapping of Graphviz attributes"));

  fs::create_directories(out);
  std::string broken = out + "/broken.yml";
  std::ofstream(broken) << "style:\n  task: {fillcolor: red\n";
  r = selinonc({features, "--format", "dot", "-o", out, "--style", broken});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "broken.yml:3:1: error: invalid YAML"));
}

TEST_CASE("style-keys-outside-style-are-ignored-with-a-warning") {
  std::string out = work_dir("top-level-style");
  fs::create_directories(out);
  std::string style = out + "/style.yml";
  std::ofstream(style) << "task:\n  fillcolor: red\n";
  auto r = selinonc({features, "--format", "dot", "-o", out, "--style", style});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "style.yml:1:1: warning: 'task' is ignored here: style keys go under 'style:'"));
  CHECK(!contains(read(fs::path(out) / "main.dot"), "red"));
}

TEST_CASE("every-flow-or-the-named-ones") {
  std::string out = work_dir("select");
  auto r = selinonc({features, "--format", "dot", "-o", out});
  REQUIRE(r.exit_code == 0);
  CHECK(fs::exists(fs::path(out) / "main.dot"));
  CHECK(fs::exists(fs::path(out) / "child.dot"));

  out = work_dir("select-one");
  r = selinonc({features, "--format", "dot", "-o", out, "--flow", "child"});
  REQUIRE(r.exit_code == 0);
  CHECK(fs::exists(fs::path(out) / "child.dot"));
  CHECK(!fs::exists(fs::path(out) / "main.dot"));

  // --flow takes one name, so the configuration may come after it.
  out = work_dir("select-before-files");
  r = selinonc({"--flow", "child", "--format", "dot", "-o", out, features});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(fs::exists(fs::path(out) / "child.dot"));
  CHECK(!fs::exists(fs::path(out) / "main.dot"));

  r = selinonc({features, "--format", "dot", "-o", out, "--flow", "nope"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "--flow 'nope' is not a flow of this configuration (its flows: main, child)"));
}

TEST_CASE("dot-is-deterministic-and-rewritten-only-when-changed") {
  std::string out = work_dir("determinism");
  auto first = selinonc({features, "--format", "dot", "-o", out});
  REQUIRE(first.exit_code == 0);
  std::string text = read(fs::path(out) / "main.dot");
  auto mtime = fs::last_write_time(fs::path(out) / "main.dot");
  auto second = selinonc({features, "--format", "dot", "-o", out});
  REQUIRE(second.exit_code == 0);
  CHECK(read(fs::path(out) / "main.dot") == text);
  CHECK(fs::last_write_time(fs::path(out) / "main.dot") == mtime);
  CHECK(contains(second.err, "unchanged " + out + "/main.dot"));
}

TEST_CASE("annotations-users-need") {
  std::string out = work_dir("annotations");
  auto r = selinonc({features, "--format", "dot", "-o", out});
  REQUIRE(r.exit_code == 0);
  std::string dot = read(fs::path(out) / "main.dot");
  CHECK(contains(dot, "\"Fetch\" [label=\"Fetch\\nmax_retry 3, retry_countdown 10 s\"]"));
  CHECK(contains(dot, "\"Parse\" [label=\"Parse\\nthrottling 5 s\"]"));
  CHECK(contains(dot, "label=\"Notify\\ntimeout 30 s\\nnowait\""));
  CHECK(contains(dot, "\"child\" [style=\"filled\" color=\"black\" fillcolor=\"#197a9f\" shape=\"box3d\" "
                      "label=\"child\\nmax_retry 2\"]"));
  // propagate_* on the arrows of the sub-flow they select.
  CHECK(contains(dot, "\"_condition_main_2\" -> \"child\" [label=\"propagate_node_args\\npropagate_parent\"]"));
  CHECK(contains(dot, "\"child\" -> \"_condition_main_3\" [label=\"propagate_finished\"]"));
  CHECK(contains(dot, "\"child\" -> \"_failure_main_1\" [arrowType=\"open\" color=\"#cc1010\" "
                      "label=\"propagate_failures\"]"));
  // Foreach edges name their function in a double octagon; quotes in a condition are escaped for DOT.
  CHECK(contains(dot, "foreach app.foreach.items\" style=\"filled\" color=\"gray\" fillcolor=\"#e8e3c8\" "
                      "shape=\"doubleoctagon\""));
  CHECK(contains(dot, "value='ok \\\"quoted\\\"'"));
  // A storage is drawn once, with one dashed arrow per task that uses it.
  CHECK(contains(dot, "\"Fetch\" -> \"Cache\" [arrowType=\"open\" color=\"#894830\" style=\"dashed\"]"));
  CHECK(contains(dot, "\"Parse\" -> \"Cache\" [arrowType=\"open\" color=\"#894830\" style=\"dashed\"]"));
}

TEST_CASE("configuration-errors-stop-the-plot") {
  std::string out = work_dir("config-error");
  fs::create_directories(out);
  std::string config = out + "/bad.yml";
  std::ofstream(config) << "tasks:\n  - name: A\n    import: x\nflows: [f]\nflow-definitions:\n  - name: f\n"
                           "    edges:\n      - from:\n        to: B\n";
  auto r = selinonc({config, "--format", "dot", "-o", out});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "bad.yml:9:13: error:"));
  CHECK(!fs::exists(fs::path(out) / "f.dot"));
}

TEST_CASE("no-renderer-is-a-clear-error-and-leaves-no-file") {
  std::string out = work_dir("no-renderer");
  const char* path = std::getenv("PATH");
  std::string saved = path ? path : "";
  setenv("SELINON_PLOT_RENDERER", "dot", 1);
  setenv("PATH", "/nonexistent", 1);
  auto r = selinonc({features, "--format", "svg", "-o", out});
  setenv("PATH", saved.c_str(), 1);
  unsetenv("SELINON_PLOT_RENDERER");
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "rendering svg needs Graphviz"));
  CHECK(contains(r.err, "--format dot"));
  CHECK(!fs::exists(fs::path(out) / "main.svg"));
  for (const auto& entry : fs::directory_iterator(out)) FAIL("left behind: " << entry.path());
}

TEST_CASE("unknown-format-is-a-usage-error") {
  auto r = selinonc({features, "--format", "gif", "-o", work_dir("gif")});
  CHECK(r.exit_code == 2);
}

TEST_CASE("png-and-pdf-render") {
  std::string out = work_dir("formats");
  for (std::string format : {"png", "pdf"}) {
    auto r = selinonc({features, "--format", format, "-o", out, "--flow", "main"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    std::string data = read(fs::path(out) / ("main." + format));
    CHECK(data.substr(0, 4) == (format == "png" ? std::string("\x89PNG") : std::string("%PDF")));
  }
}
