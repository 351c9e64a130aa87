// Source files and positions: every model element points back to the YAML text it came from.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace selinon::parse {

struct SourceFile {
  std::string path;
  std::string text;
  std::vector<std::size_t> line_starts;  // offset of each line, so diagnostics can quote it

  SourceFile(std::string path_, std::string text_);
  // 1-based line; empty when out of range.
  std::string_view line(int number) const;
};

// A position in a source file: 1-based line and column, and how many characters the token spans.
struct Loc {
  const SourceFile* file = nullptr;
  int line = 0;
  int column = 0;
  int length = 1;

  bool valid() const { return file != nullptr && line > 0; }
  std::string path() const { return file ? file->path : std::string{"<unknown>"}; }
};

// Owns every file read in one compilation; locations stay valid as long as it lives.
class SourceManager {
 public:
  // Reads a file from disk; returns nullptr and fills `error` when it cannot be read.
  const SourceFile* load(const std::string& path, std::string& error);
  const SourceFile* add(std::string path, std::string text);

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

}  // namespace selinon::parse
