// Builds the positioned YamlValue tree straight from yaml-cpp parser events, with PyYAML's semantics and limits.
#pragma once

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "diag/diagnostics.hpp"
#include "parse/yaml_loader.hpp"
#include "parse/yaml_value.hpp"
#include "source/source.hpp"

namespace selinon::parse {

// Receives the events of one document. Its diagnostics are held back until finish(): syntax errors and a second
// document (found later by the caller) come first, then runaway alias expansion, then the first error in document
// order together with the duplicate-key warnings before it, the order in which a tree-walking loader finds them.
class YamlTreeBuilder : public YAML::EventHandler {
 public:
  YamlTreeBuilder(const SourceFile& file, LoadLimits limits);

  void OnDocumentStart(const YAML::Mark& mark) override;
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override;
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override;
  void OnSequenceEnd() override { end_collection(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override;
  void OnMapEnd() override { end_collection(); }

  const YAML::Mark& document_start() const { return document_start_; }
  // Reports what was held back; the document, or nothing when it had an error.
  std::optional<YamlValue> finish(diag::DiagnosticSink& sink);

 private:
  struct Pending {
    Loc loc;
    std::string code;
    std::string message;
  };

  // An anchored node. Every alias is a copy of it, and repeats what converting it again would report.
  struct Anchor {
    YamlValue value;  // complete once `open` is false
    bool open = true;
    bool null = false;       // an alias of a null sits where the alias is
    bool merge_key = false;  // the plain scalar `<<`
    int depth = 0;
    std::size_t size = 1;  // expanded node count, saturating above max_nodes
    // firsts[k]: the first node, in document order, k levels below the anchored node (aliases expanded), so that
    // an alias knows where its copy first goes too deep.
    std::vector<Loc> firsts;
    std::size_t warnings_begin = 0;
    std::size_t warnings_end = 0;
    bool expanded = false;  // `value` holds no placeholder any more
  };

  struct Frame {
    YamlValue value;  // the collection being built
    int depth = 0;
    YAML::anchor_t anchor = YAML::NullAnchor;
    std::size_t size = 1;  // expanded node count so far
    bool have_key = false;
    bool merge = false;  // the pending key is `<<`
    YamlValue key;
    YamlValue merged;  // entries brought in by `<<`, applied after the explicit keys
  };

  int depth() const { return static_cast<int>(stack_.size()); }
  bool ok() const { return !error_; }
  const Loc& child_fallback() const;
  bool at_merge_key(const std::string& tag, const std::string& value) const;
  Loc mark_loc(const YAML::Mark& mark, int length) const;
  void start_node(const Loc& loc);
  void track_firsts(int depth, const std::vector<Loc>& firsts, const Loc& root);
  void begin_collection(YamlValue::Kind kind, const YAML::Mark& mark, const std::string& tag,
                        YAML::anchor_t anchor);
  void end_collection();
  void recursive_alias(const Anchor& anchor);
  void deliver(YamlValue&& value, std::size_t size, bool merge_key = false);
  void add_to_map(Frame& frame, YamlValue&& value, bool merge_key);
  void merge_into(Frame& frame, const YamlValue& source);
  YamlValue convert_scalar(const std::string& tag, const std::string& text, const Loc& loc);
  bool tag_ok(const std::string& tag, const char* expected, const Loc& loc);
  void fail(const Loc& loc, std::string code, std::string message);
  Anchor& anchor(YAML::anchor_t id);
  const YamlValue& resolved(const YamlValue& value);
  void expand(YamlValue& value);

  const SourceFile& file_;
  LoadLimits limits_;
  bool has_alias_text_;  // a '*' anywhere: only aliases make a document bigger than its text
  Loc start_;
  YAML::Mark document_start_;
  std::vector<Frame> stack_;
  std::vector<Anchor> anchors_;       // by yaml-cpp anchor id
  std::vector<YAML::anchor_t> open_;  // anchored collections being built, outermost first
  std::optional<YamlValue> root_;
  std::size_t count_ = 0;  // nodes converted, aliases expanded
  std::size_t placeholders_ = 0;
  std::optional<Pending> error_;
  std::optional<Loc> overflow_;  // the first collection whose expansion exceeds max_nodes
  std::vector<Pending> warnings_;
};

}  // namespace selinon::parse
