// Golden test of one diagnostics case: runs `selinonc check --color never [args] CASE` and compares the
// diagnostic header lines (path prefix removed) with the case's `# expect:` comments, in order, and the exit
// status with "1 if an error is expected, else 0".
//
//   usage: check_case_runner SELINONC CASE.yml
//
// In the case file:
//   # expect: 12:9: error: <message> [code]   one per diagnostic header line, in output order
//   # expect: error: <message> [code]         a diagnostic without a position
//   # args: -Wno-unused-task                   extra selinonc switches (whitespace separated)
#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "run_process.hpp"

namespace {

using selinon::testing::split_lines;

struct Case {
  std::vector<std::string> expected;
  std::vector<std::string> args;
};

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

Case read_case(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  Case c;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("# expect:", 0) == 0) {
      c.expected.push_back(trim(line.substr(9)));
    } else if (line.rfind("# args:", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string w;
      while (words >> w) c.args.push_back(w);
    }
  }
  return c;
}

bool is_severity_start(const std::string& s) {
  return s.rfind("error: ", 0) == 0 || s.rfind("warning: ", 0) == 0 || s.rfind("note: ", 0) == 0;
}

// The diagnostic header lines without the path; any line that is neither a header, a quoted source line, a caret
// line nor the summary goes to `unexpected` (a crash message, a stray print).
std::vector<std::string> headers(const std::string& err, const std::string& path, std::vector<std::string>& unexpected) {
  static const std::regex positioned(R"(^[0-9]+:[0-9]+: (error|warning|note): .*)");
  static const std::regex quoted(R"(^ *[0-9]+ \| .*|^ +\| .*)");
  static const std::regex summary(R"(^[0-9]+ errors? and [0-9]+ warnings? generated\.$)");
  std::vector<std::string> out;
  for (const auto& line : split_lines(err)) {
    std::string rest = line;
    if (line.rfind(path + ":", 0) == 0) {
      rest = line.substr(path.size() + 1);
      if (std::regex_match(rest, positioned)) {
        out.push_back(rest);
        continue;
      }
      if (rest.rfind(" ", 0) == 0 && is_severity_start(rest.substr(1))) {
        out.push_back(rest.substr(1));
        continue;
      }
    } else if (is_severity_start(line)) {
      out.push_back(line);
      continue;
    } else if (std::regex_match(line, quoted) || std::regex_match(line, summary)) {
      continue;
    }
    unexpected.push_back(line);
  }
  return out;
}

void print_list(const char* title, const std::vector<std::string>& lines) {
  std::cout << title << " (" << lines.size() << "):\n";
  for (const auto& l : lines) std::cout << "    " << l << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: check_case_runner SELINONC CASE.yml\n";
    return 2;
  }
  const std::string selinonc = argv[1];
  const std::string path = argv[2];
  try {
    Case c = read_case(path);
    std::vector<std::string> command = {selinonc, "check", "--color", "never"};
    command.insert(command.end(), c.args.begin(), c.args.end());
    command.push_back(path);
    auto result = selinon::testing::run_process(command);

    std::vector<std::string> unexpected;
    std::vector<std::string> actual = headers(result.err, path, unexpected);
    bool error_expected = false;
    static const std::regex error_line(R"(^([0-9]+:[0-9]+: )?error: .*)");
    for (const auto& e : c.expected) error_expected = error_expected || std::regex_match(e, error_line);
    int wanted_exit = error_expected ? 1 : 0;

    bool ok = true;
    if (result.signal != 0) {
      std::cout << "FAIL: selinonc was killed by signal " << result.signal << "\n";
      ok = false;
    }
    if (actual != c.expected) {
      std::cout << "FAIL: diagnostics differ\n";
      print_list("  expected", c.expected);
      print_list("  actual", actual);
      for (std::size_t i = 0; i < std::max(actual.size(), c.expected.size()); ++i) {
        std::string a = i < actual.size() ? actual[i] : "<none>";
        std::string e = i < c.expected.size() ? c.expected[i] : "<none>";
        if (a != e) {
          std::cout << "  first difference at diagnostic " << i + 1 << ":\n    expected: " << e
                    << "\n    actual:   " << a << "\n";
          break;
        }
      }
      ok = false;
    }
    if (result.exit_code != wanted_exit) {
      std::cout << "FAIL: exit status " << result.exit_code << ", expected " << wanted_exit << "\n";
      ok = false;
    }
    if (!unexpected.empty()) {
      print_list("FAIL: unexpected lines on stderr", unexpected);
      ok = false;
    }
    if (!result.out.empty()) {
      std::cout << "FAIL: unexpected output on stdout:\n" << result.out;
      ok = false;
    }
    if (!ok) {
      std::cout << "---- full stderr of: selinonc check --color never";
      for (std::size_t i = 4; i < command.size(); ++i) std::cout << " " << command[i];
      std::cout << "\n" << result.err;
      return 1;
    }
    std::cout << "ok: " << actual.size() << " diagnostic(s) as expected, exit " << result.exit_code << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cout << "FAIL: " << e.what() << "\n";
    return 1;
  }
}
