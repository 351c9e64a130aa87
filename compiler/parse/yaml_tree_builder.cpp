// Parser events to YamlValue: scalar tags, merge keys, duplicate keys, aliases, positions, depth and size limits.
#include "parse/yaml_tree_builder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <utility>

namespace selinon::parse {
namespace {

constexpr std::string_view kCoreTag = "tag:yaml.org,2002:";

// An alias of a collection stands in the tree as a collection of the same kind, empty, with the anchor's id in
// int_value (which collections do not use otherwise). The copies are made once the document is known to be valid,
// so a document whose aliases expand beyond max_nodes is rejected without building anything of that size.
YAML::anchor_t placeholder_of(const YamlValue& value) {
  return value.is_scalar() ? YAML::NullAnchor : static_cast<YAML::anchor_t>(value.int_value);
}

bool same_key(const YamlValue& a, const YamlValue& b) {
  if (a.kind != b.kind) {
    // 1 and 1.0 are the same Python dict key; other mixes never are
    if (a.is_number() && b.is_number()) {
      double x = a.is_int() ? static_cast<double>(a.int_value) : a.float_value;
      double y = b.is_int() ? static_cast<double>(b.int_value) : b.float_value;
      return x == y;
    }
    return false;
  }
  switch (a.kind) {
    case YamlValue::Kind::null: return true;
    case YamlValue::Kind::boolean: return a.bool_value == b.bool_value;
    case YamlValue::Kind::integer: return a.int_value == b.int_value;
    case YamlValue::Kind::floating: return a.float_value == b.float_value;
    case YamlValue::Kind::string: return a.text == b.text;
    default: return a.python_repr() == b.python_repr();
  }
}

// Adds entries that are not present yet (merge semantics: what is already there wins).
void merge_missing(YamlValue& into, const YamlValue& from) {
  for (const auto& entry : from.entries) {
    bool present = std::any_of(into.entries.begin(), into.entries.end(),
                               [&](const YamlValue::Entry& existing) { return same_key(existing.first, entry.first); });
    if (!present) into.entries.push_back(entry);
  }
}

}  // namespace

YamlTreeBuilder::YamlTreeBuilder(const SourceFile& file, LoadLimits limits)
    : file_(file),
      limits_(limits),
      has_alias_text_(file.text.find('*') != std::string::npos),
      start_{&file, 1, 1, 1} {
  stack_.reserve(32);
}

void YamlTreeBuilder::OnDocumentStart(const YAML::Mark& mark) { document_start_ = mark; }

const Loc& YamlTreeBuilder::child_fallback() const {
  if (stack_.empty()) return start_;
  const Frame& parent = stack_.back();
  // yaml-cpp places an empty value (`from:`) at the start of the next line; its key is the better place.
  return parent.have_key ? parent.key.loc : parent.value.loc;
}

bool YamlTreeBuilder::at_merge_key(const std::string& tag, const std::string& value) const {
  return !stack_.empty() && stack_.back().value.is_map() && !stack_.back().have_key && tag == "?" && value == "<<";
}

Loc YamlTreeBuilder::mark_loc(const YAML::Mark& mark, int length) const {
  if (mark.is_null() || mark.line < 0) return child_fallback();
  return Loc{&file_, mark.line + 1, mark.column + 1, std::max(1, length)};
}

// What converting a node checks before anything else: the node budget, then the depth.
void YamlTreeBuilder::start_node(const Loc& loc) {
  if (!ok()) return;
  if (++count_ > limits_.max_nodes) {
    fail(loc, "yaml-too-large",
         fmt::format("document expands to more than {} nodes (aliases referring to aliases?)", limits_.max_nodes));
    return;
  }
  if (depth() > limits_.max_depth) {
    fail(loc, "yaml-too-deep", fmt::format("YAML nesting deeper than {} levels", limits_.max_depth));
    return;
  }
  static const std::vector<Loc> none;
  track_firsts(depth(), none, loc);
}

// A node at `at_depth` whose own firsts (below it) are `firsts`, `root` being where it sits: each open anchor learns
// the first node of every level it had not reached yet.
void YamlTreeBuilder::track_firsts(int at_depth, const std::vector<Loc>& firsts, const Loc& root) {
  std::size_t height = firsts.empty() ? 0 : firsts.size() - 1;
  for (YAML::anchor_t id : open_) {
    Anchor& open = anchors_[id];
    std::size_t level = static_cast<std::size_t>(at_depth - open.depth);
    // The path from the anchor down to here has a node on every level above, so `known` is at least `level`.
    std::size_t known = open.firsts.size();
    for (std::size_t k = known - level; k <= height; ++k) open.firsts.push_back(k == 0 ? root : firsts[k]);
  }
}

YamlTreeBuilder::Anchor& YamlTreeBuilder::anchor(YAML::anchor_t id) {
  if (anchors_.size() <= id) anchors_.resize(id + 1);
  return anchors_[id];
}

void YamlTreeBuilder::OnNull(const YAML::Mark&, YAML::anchor_t anchor_id) {
  YamlValue value;
  value.loc = child_fallback();
  start_node(value.loc);
  if (anchor_id != YAML::NullAnchor) {
    Anchor& a = anchor(anchor_id);
    a = Anchor{};
    a.open = false;
    a.null = true;
    a.depth = depth();
    a.firsts = {value.loc};
    a.value = value;
  }
  deliver(std::move(value), 1);
}

void YamlTreeBuilder::OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor_id,
                               const std::string& text) {
  int length = static_cast<int>(text.size()) + (tag == "!" ? 2 : 0);  // a quoted scalar spans its quotes
  Loc loc = mark_loc(mark, length);
  // A merge key is no node of the document: what it brings in is, at the same level.
  bool merge_key = at_merge_key(tag, text);
  if (!merge_key) start_node(loc);
  YamlValue value = ok() ? convert_scalar(tag, text, loc) : YamlValue{};
  if (anchor_id != YAML::NullAnchor) {
    Anchor& a = anchor(anchor_id);
    a = Anchor{};
    a.open = false;
    a.merge_key = tag == "?" && text == "<<";
    a.depth = depth();
    a.firsts = {loc};
    a.value = value;
  }
  deliver(std::move(value), 1, merge_key);
}

YamlValue YamlTreeBuilder::convert_scalar(const std::string& tag, const std::string& text, const Loc& loc) {
  if (tag == "?") {  // the common case, built in place
    YamlValue plain = resolve_plain_scalar(text);
    plain.loc = loc;
    return plain;
  }
  std::string_view core;  // `int` of tag:yaml.org,2002:int (written !!int)
  if (tag.compare(0, kCoreTag.size(), kCoreTag) == 0) core = std::string_view(tag).substr(kCoreTag.size());
  YamlValue v;
  if (tag == "!" || core == "str") {
    v.kind = YamlValue::Kind::string;
    v.text = text;
  } else if (core == "int" || core == "float" || core == "bool" || core == "null") {
    v = resolve_plain_scalar(text);
    bool matches = (core == "int" && v.is_int()) || (core == "float" && v.is_number()) ||
                   (core == "bool" && v.is_bool()) || (core == "null" && v.is_null());
    if (!matches) {
      fail(loc, "yaml-tag", fmt::format("'{}' is not a valid value for the tag !!{}", text, core));
    } else if (core == "float" && v.is_int()) {
      v.kind = YamlValue::Kind::floating;
      v.float_value = static_cast<double>(v.int_value);
    }
  } else {
    tag_ok(tag, "str", loc);
    v.kind = YamlValue::Kind::string;
    v.text = text;
  }
  v.loc = loc;
  return v;
}

bool YamlTreeBuilder::tag_ok(const std::string& tag, const char* expected, const Loc& loc) {
  if (tag.empty() || tag == "?" || tag == "!") return true;
  if (tag.compare(0, kCoreTag.size(), kCoreTag) == 0 && tag.compare(kCoreTag.size(), std::string::npos, expected) == 0) {
    return true;
  }
  fail(loc, "yaml-tag",
       fmt::format("could not determine a constructor for the tag '{}' (only plain data is allowed, as with "
                   "PyYAML's safe loader)",
                   tag));
  return false;
}

void YamlTreeBuilder::OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor_id,
                                      YAML::EmitterStyle::value) {
  begin_collection(YamlValue::Kind::sequence, mark, tag, anchor_id);
}

void YamlTreeBuilder::OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor_id,
                                 YAML::EmitterStyle::value) {
  begin_collection(YamlValue::Kind::mapping, mark, tag, anchor_id);
}

void YamlTreeBuilder::begin_collection(YamlValue::Kind kind, const YAML::Mark& mark, const std::string& tag,
                                       YAML::anchor_t anchor_id) {
  Frame frame;
  frame.value.loc = mark_loc(mark, 1);
  start_node(frame.value.loc);
  if (ok()) tag_ok(tag, kind == YamlValue::Kind::sequence ? "seq" : "map", frame.value.loc);
  frame.value.kind = kind;
  frame.merged.kind = YamlValue::Kind::mapping;
  frame.depth = depth();
  frame.anchor = anchor_id;
  if (anchor_id != YAML::NullAnchor) {
    Anchor& a = anchor(anchor_id);
    a = Anchor{};
    a.depth = frame.depth;
    a.firsts = {frame.value.loc};
    a.warnings_begin = warnings_.size();
    open_.push_back(anchor_id);
  }
  stack_.push_back(std::move(frame));
}

void YamlTreeBuilder::end_collection() {
  Frame frame = std::move(stack_.back());
  stack_.pop_back();
  if (ok() && frame.value.is_map()) merge_missing(frame.value, frame.merged);
  // Below the depth limit a collection counts as one node: the document is rejected for its depth anyway.
  std::size_t size = frame.depth > limits_.max_depth ? 1 : frame.size;
  if (frame.anchor != YAML::NullAnchor) {
    Anchor& a = anchors_[frame.anchor];
    a.open = false;
    a.size = size;
    a.warnings_end = warnings_.size();
    if (ok()) a.value = frame.value;
    open_.pop_back();  // anchors nest like the collections they name
  }
  deliver(std::move(frame.value), size);
}

void YamlTreeBuilder::OnAlias(const YAML::Mark&, YAML::anchor_t anchor_id) {
  const Anchor& a = anchor(anchor_id);
  if (a.open) {  // an alias inside its own anchor: expanding it never ends
    recursive_alias(a);
    deliver(YamlValue{}, 1);
    return;
  }
  bool merge_key = a.merge_key && !stack_.empty() && stack_.back().value.is_map() && !stack_.back().have_key;
  Loc loc = a.null ? child_fallback() : a.firsts.front();
  std::size_t size = depth() > limits_.max_depth ? 1 : a.size;
  if (ok() && !merge_key) {
    count_ += a.size - 1;
    start_node(loc);
    std::size_t height = a.firsts.size() - 1;
    if (ok() && static_cast<std::size_t>(depth()) + height > static_cast<std::size_t>(limits_.max_depth)) {
      std::size_t level = static_cast<std::size_t>(limits_.max_depth + 1 - depth());
      fail(a.firsts[level], "yaml-too-deep", fmt::format("YAML nesting deeper than {} levels", limits_.max_depth));
    }
    if (ok()) {
      track_firsts(depth(), a.firsts, loc);
      // Converting the copy again would warn again about its repeated keys.
      for (std::size_t i = a.warnings_begin; i < a.warnings_end; ++i) {
        Pending warning = warnings_[i];
        warnings_.push_back(std::move(warning));
      }
    }
  }
  YamlValue value;
  if (ok()) {
    if (a.value.is_scalar()) {
      value = a.value;
      value.loc = loc;
    } else {
      value.kind = a.value.kind;
      value.loc = loc;
      value.int_value = static_cast<std::int64_t>(anchor_id);
      ++placeholders_;
    }
  }
  deliver(std::move(value), size, merge_key);
}

// Expanding the alias repeats the anchor's nodes so far, then the anchor again one period deeper: the first node
// past the depth limit is the first node at that level of the repeated prefix.
void YamlTreeBuilder::recursive_alias(const Anchor& a) {
  if (!ok()) return;
  std::size_t period = static_cast<std::size_t>(depth() - a.depth);
  std::size_t level = static_cast<std::size_t>(limits_.max_depth + 1 - depth());
  std::size_t known = a.firsts.size() - 1;
  while (level > known) level -= period;
  fail(a.firsts[level], "yaml-too-deep", fmt::format("YAML nesting deeper than {} levels", limits_.max_depth));
}

void YamlTreeBuilder::deliver(YamlValue&& value, std::size_t size, bool merge_key) {
  if (stack_.empty()) {
    root_ = std::move(value);
    return;
  }
  Frame& parent = stack_.back();
  if (parent.depth <= limits_.max_depth) {
    parent.size = std::min(parent.size + size, limits_.max_nodes + 1);
    // A mapping is counted pair by pair, so one that overflows at a key still counts that key's value first.
    bool at_key = parent.value.is_map() && !parent.have_key;
    if (parent.size > limits_.max_nodes && !overflow_ && !at_key) overflow_ = parent.value.loc;
  }
  if (parent.value.is_map()) {
    if (ok()) {
      add_to_map(parent, std::move(value), merge_key);
    } else {
      parent.have_key = !parent.have_key;
    }
    return;
  }
  if (ok()) parent.value.items.push_back(std::move(value));
}

void YamlTreeBuilder::add_to_map(Frame& frame, YamlValue&& value, bool merge_key) {
  if (!frame.have_key) {
    frame.have_key = true;
    if (!merge_key && !value.is_scalar()) {
      fail(value.loc, "yaml-key", "a mapping key must be a plain value, not a " + std::string(kind_name(value.kind)));
      return;
    }
    frame.key = std::move(value);
    frame.merge = merge_key;
    return;
  }
  frame.have_key = false;
  if (frame.merge) {
    merge_into(frame, resolved(value));
    return;
  }
  for (auto& existing : frame.value.entries) {
    if (same_key(existing.first, frame.key)) {
      warnings_.push_back({frame.key.loc, "duplicate-key",
                           fmt::format("key {} is repeated; the last value wins (first given at line {})",
                                       frame.key.python_repr(), existing.first.loc.line)});
      existing.second = std::move(value);
      return;
    }
  }
  frame.value.entries.emplace_back(std::move(frame.key), std::move(value));
}

void YamlTreeBuilder::merge_into(Frame& frame, const YamlValue& source) {
  if (source.is_map()) {
    merge_missing(frame.merged, source);
    return;
  }
  if (!source.is_seq()) {
    fail(source.loc, "yaml-merge",
         "expected a mapping or list of mappings for merging, but found " + std::string(kind_name(source.kind)));
    return;
  }
  for (const auto& entry : source.items) {
    const YamlValue& item = resolved(entry);
    if (!item.is_map()) {
      fail(item.loc, "yaml-merge", "expected a mapping for merging, but found " + std::string(kind_name(item.kind)));
      return;
    }
    merge_missing(frame.merged, item);
  }
}

// The anchored collection a placeholder stands for (its top level only: nested placeholders stay).
const YamlValue& YamlTreeBuilder::resolved(const YamlValue& value) {
  YAML::anchor_t id = placeholder_of(value);
  return id == YAML::NullAnchor ? value : anchors_[id].value;
}

void YamlTreeBuilder::expand(YamlValue& value) {
  if (YAML::anchor_t id = placeholder_of(value); id != YAML::NullAnchor) {
    Anchor& a = anchors_[id];
    if (!a.expanded) {
      expand(a.value);
      a.expanded = true;
    }
    Loc loc = value.loc;
    value = a.value;
    value.loc = loc;
    return;
  }
  for (auto& item : value.items) expand(item);
  for (auto& entry : value.entries) expand(entry.second);
}

void YamlTreeBuilder::fail(const Loc& loc, std::string code, std::string message) {
  if (!error_) error_ = Pending{loc, std::move(code), std::move(message)};
}

std::optional<YamlValue> YamlTreeBuilder::finish(diag::DiagnosticSink& sink) {
  if (has_alias_text_ && overflow_) {
    sink.error(*overflow_, "yaml-too-large",
               fmt::format("document expands to more than {} nodes (aliases referring to aliases?)",
                           limits_.max_nodes));
    return std::nullopt;
  }
  for (auto& warning : warnings_) sink.warning(warning.loc, std::move(warning.code), std::move(warning.message));
  if (error_) {
    sink.error(error_->loc, std::move(error_->code), std::move(error_->message));
    return std::nullopt;
  }
  if (!root_) {
    YamlValue empty;
    empty.loc = start_;
    return empty;
  }
  if (placeholders_ > 0) expand(*root_);
  return std::move(root_);
}

}  // namespace selinon::parse
