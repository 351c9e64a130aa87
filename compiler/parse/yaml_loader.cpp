// One YAML file to one YamlValue: a single pass of yaml-cpp's event parser, syntax errors and extra documents.
#include "parse/yaml_loader.hpp"

#include <fmt/format.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <exception>
#include <sstream>

#include "parse/yaml_tree_builder.hpp"

namespace selinon::parse {
namespace {

// The start of a second document and of its first node: all that matters of it is that it exists.
class SecondDocument : public YAML::EventHandler {
 public:
  YAML::Mark start = YAML::Mark::null_mark();
  YAML::Mark root = YAML::Mark::null_mark();

  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    if (root.is_null()) root = mark;
  }
};

}  // namespace

std::optional<YamlValue> load_yaml(const SourceFile& file, diag::DiagnosticSink& sink, LoadLimits limits) {
  YamlTreeBuilder builder(file, limits);
  SecondDocument second;
  bool more = false;
  try {
    std::istringstream stream(file.text);
    YAML::Parser parser(stream);
    // Never more than two documents: yaml-cpp 0.7 hands out the same empty document forever when a document
    // consumes no token (a file that is just ','), jbeder/yaml-cpp#1040, fixed upstream by #1319.
    if (parser.HandleNextDocument(builder)) more = parser.HandleNextDocument(second);
  } catch (const YAML::Exception& e) {
    Loc loc{&file, e.mark.is_null() ? 1 : e.mark.line + 1, e.mark.is_null() ? 1 : e.mark.column + 1, 1};
    std::string message = e.msg.empty() ? std::string(e.what()) : e.msg;
    if (message == "bad file") message = "YAML nesting too deep or malformed input";
    sink.error(loc, "yaml-syntax", "invalid YAML: " + message);
    return std::nullopt;
  } catch (const std::exception& e) {
    sink.error(Loc{&file, 1, 1, 1}, "yaml-syntax", std::string("invalid YAML: ") + e.what());
    return std::nullopt;
  }
  if (more && second.start.pos == builder.document_start().pos) {
    // No progress: the token at this place can start neither a node nor a document.
    const YAML::Mark& mark = second.start;
    char c = mark.pos >= 0 && static_cast<std::size_t>(mark.pos) < file.text.size() ? file.text[mark.pos] : '?';
    sink.error(Loc{&file, mark.line + 1, mark.column + 1, 1}, "yaml-syntax",
               fmt::format("invalid YAML: unexpected '{}' where a value or document should start", c));
    return std::nullopt;
  }
  if (more) {
    YAML::Mark mark = second.root.is_null() ? second.start : second.root;
    Loc loc = mark.is_null() ? Loc{&file, 1, 1, 1} : Loc{&file, mark.line + 1, mark.column + 1, 1};
    sink.error(loc, "yaml-multiple-documents",
               "expected a single document in the file, but found another document (remove the extra '---')");
    return std::nullopt;
  }
  return builder.finish(sink);
}

}  // namespace selinon::parse
