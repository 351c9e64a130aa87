// yaml-cpp to YamlValue: scalar resolution, merge keys, duplicate keys, positions, limits.
#include "parse/yaml_loader.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <sstream>
#include <string_view>
#include <unordered_map>

namespace selinon::parse {
namespace {

bool is_bool_true(const std::string& s) {
  return s == "yes" || s == "Yes" || s == "YES" || s == "true" || s == "True" || s == "TRUE" || s == "on" ||
         s == "On" || s == "ON";
}
bool is_bool_false(const std::string& s) {
  return s == "no" || s == "No" || s == "NO" || s == "false" || s == "False" || s == "FALSE" || s == "off" ||
         s == "Off" || s == "OFF";
}
bool is_null_text(const std::string& s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

std::string without_underscores(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != '_') out += c;
  }
  return out;
}

// Sexagesimal (base 60) numbers such as 1:30 are YAML 1.1 integers; PyYAML still honours them.
double parse_sexagesimal(const std::string& s) {
  double sign = 1;
  std::string body = s;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    if (body[0] == '-') sign = -1;
    body = body.substr(1);
  }
  double value = 0;
  std::size_t start = 0;
  while (true) {
    std::size_t colon = body.find(':', start);
    std::string part = body.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    value = value * 60 + std::stod(part);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return sign * value;
}

// PyYAML's implicit int and float patterns, matched by hand: libstdc++'s std::regex recurses once per character,
// so a long run of digits in a plain scalar overflowed the stack.
class Scan {
 public:
  explicit Scan(std::string_view s) : s_(s) {}
  bool done() const { return i_ == s_.size(); }
  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool eat_sign() { return eat('-') || eat('+'); }
  bool eat_prefix(std::string_view p) {
    if (s_.substr(i_, p.size()) != p) return false;
    i_ += p.size();
    return true;
  }
  template <class Pred>
  std::size_t eat_while(Pred pred) {
    std::size_t start = i_;
    while (i_ < s_.size() && pred(s_[i_])) ++i_;
    return i_ - start;
  }
  template <class Pred>
  bool eat_one(Pred pred) {
    if (i_ < s_.size() && pred(s_[i_])) {
      ++i_;
      return true;
    }
    return false;
  }
  // [0-5]?[0-9]: taking two digits when possible is safe, as a ':' '.' or the end must follow either way.
  bool eat_base60_digits() {
    if (i_ + 1 < s_.size() && s_[i_] >= '0' && s_[i_] <= '5' && is_digit(s_[i_ + 1])) {
      i_ += 2;
      return true;
    }
    return eat_one(is_digit);
  }
  // (?::[0-5]?[0-9])+
  bool eat_base60_groups() {
    int groups = 0;
    while (eat(':')) {
      if (!eat_base60_digits()) return false;
      ++groups;
    }
    return groups > 0;
  }
  // (?:[eE][-+][0-9]+)?$
  bool exponent_then_end() {
    if (done()) return true;
    if (!eat('e') && !eat('E')) return false;
    if (!eat_sign()) return false;
    return eat_while(is_digit) > 0 && done();
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_digit_(char c) { return is_digit(c) || c == '_'; }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
bool matches_int(std::string_view text) {
  Scan s(text);
  s.eat_sign();
  if (s.eat_prefix("0b")) return s.eat_while([](char c) { return c == '0' || c == '1' || c == '_'; }) > 0 && s.done();
  if (s.eat_prefix("0x")) {
    return s.eat_while([](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == '_'; }) > 0 &&
           s.done();
  }
  if (s.eat('0')) return s.done() || (s.eat_while([](char c) { return (c >= '0' && c <= '7') || c == '_'; }) > 0 && s.done());
  if (!s.eat_one([](char c) { return c >= '1' && c <= '9'; })) return false;
  s.eat_while(Scan::is_digit_);
  return s.done();
}

// [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
bool matches_base60_int(std::string_view text) {
  Scan s(text);
  s.eat_sign();
  if (!s.eat_one([](char c) { return c >= '1' && c <= '9'; })) return false;
  s.eat_while(Scan::is_digit_);
  return s.eat_base60_groups() && s.done();
}

// [-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)? | \.[0-9_]+(?:[eE][-+][0-9]+)? | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
bool matches_float(std::string_view text) {
  Scan s(text);
  bool has_sign = s.eat_sign();
  std::string_view body = text.substr(has_sign ? 1 : 0);
  if (body == ".inf" || body == ".Inf" || body == ".INF") return true;
  if (body == ".nan" || body == ".NaN" || body == ".NAN") return !has_sign;
  if (s.eat('.')) return !has_sign && s.eat_while(Scan::is_digit_) > 0 && s.exponent_then_end();
  if (!s.eat_one(Scan::is_digit)) return false;
  s.eat_while(Scan::is_digit_);
  if (!s.eat('.')) return false;
  s.eat_while(Scan::is_digit_);
  return s.exponent_then_end();
}

// [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
bool matches_base60_float(std::string_view text) {
  Scan s(text);
  s.eat_sign();
  if (!s.eat_one(Scan::is_digit)) return false;
  s.eat_while(Scan::is_digit_);
  if (!s.eat_base60_groups() || !s.eat('.')) return false;
  s.eat_while(Scan::is_digit_);
  return s.done();
}

}  // namespace

YamlValue resolve_plain_scalar(const std::string& text) {
  YamlValue v;
  v.text = text;
  if (is_null_text(text)) {
    v.kind = YamlValue::Kind::null;
    return v;
  }
  if (is_bool_true(text) || is_bool_false(text)) {
    v.kind = YamlValue::Kind::boolean;
    v.bool_value = is_bool_true(text);
    return v;
  }
  char first = text[0];
  bool numeric_start = (first >= '0' && first <= '9') || first == '-' || first == '+' || first == '.';
  if (numeric_start) {
    std::string digits = without_underscores(text);
    try {
      if (matches_int(text)) {
        std::string body = digits;
        bool negative = false;
        if (body[0] == '-' || body[0] == '+') {
          negative = body[0] == '-';
          body = body.substr(1);
        }
        int base = 10;
        if (body.rfind("0b", 0) == 0) {
          base = 2;
          body = body.substr(2);
        } else if (body.rfind("0x", 0) == 0) {
          base = 16;
          body = body.substr(2);
        } else if (body.size() > 1 && body[0] == '0') {
          base = 8;
        }
        std::size_t used = 0;
        unsigned long long magnitude = 0;
        bool fits = true;
        try {
          magnitude = std::stoull(body.empty() ? "0" : body, &used, base);
        } catch (const std::out_of_range&) {
          fits = false;  // Python has big integers; a double keeps the magnitude at least
        }
        if (!fits) {
          v.kind = YamlValue::Kind::floating;
          double big = 0;
          for (char ch : body) big = big * base + (std::isdigit(static_cast<unsigned char>(ch)) ? ch - '0' : std::tolower(ch) - 'a' + 10);
          v.float_value = negative ? -big : big;
          return v;
        }
        if (magnitude <= static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max())) {
          v.kind = YamlValue::Kind::integer;
          v.int_value = negative ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
          return v;
        }
        v.kind = YamlValue::Kind::floating;  // beyond 64 bits: keep the magnitude, lose precision
        v.float_value = negative ? -static_cast<double>(magnitude) : static_cast<double>(magnitude);
        return v;
      }
      if (matches_base60_int(text)) {
        double value = parse_sexagesimal(digits);
        // Casting a double beyond the 64-bit range is undefined; keep such a value as a float, as for big ints.
        if (std::fabs(value) < 9.2e18) {
          v.kind = YamlValue::Kind::integer;
          v.int_value = static_cast<std::int64_t>(value);
        } else {
          v.kind = YamlValue::Kind::floating;
          v.float_value = value;
        }
        return v;
      }
      if (matches_float(text)) {
        v.kind = YamlValue::Kind::floating;
        std::string lower = digits;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower.find("inf") != std::string::npos) {
          v.float_value = lower[0] == '-' ? -std::numeric_limits<double>::infinity()
                                          : std::numeric_limits<double>::infinity();
        } else if (lower.find("nan") != std::string::npos) {
          v.float_value = std::numeric_limits<double>::quiet_NaN();
        } else {
          v.float_value = std::stod(digits);
        }
        return v;
      }
      if (matches_base60_float(text)) {
        v.kind = YamlValue::Kind::floating;
        v.float_value = parse_sexagesimal(digits);
        return v;
      }
    } catch (const std::exception&) {
      // out of range for stoull/stod: PyYAML would still produce a number; a string is the safe fallback here
    }
  }
  v.kind = YamlValue::Kind::string;
  return v;
}

namespace {

class Converter {
 public:
  Converter(const SourceFile& file, diag::DiagnosticSink& sink, LoadLimits limits)
      : file_(file), sink_(sink), limits_(limits) {}

  bool failed() const { return failed_; }

  YamlValue convert(const YAML::Node& node, int depth, const Loc* fallback_loc) {
    YamlValue out;
    out.loc = loc_of(node, fallback_loc);
    if (failed_) return out;
    // Only aliases ('*') make a document bigger than its text; without any, the running count below suffices.
    bool too_large =
        depth == 0 && file_.text.find('*') != std::string::npos && expanded_size(node, 0) > limits_.max_nodes;
    if (too_large || ++count_ > limits_.max_nodes) {
      fail(too_large && overflow_ ? *overflow_ : out.loc, "yaml-too-large",
           fmt::format("document expands to more than {} nodes (aliases referring to aliases?)", limits_.max_nodes));
      return out;
    }
    if (depth > limits_.max_depth) {
      fail(out.loc, "yaml-too-deep", fmt::format("YAML nesting deeper than {} levels", limits_.max_depth));
      return out;
    }
    const std::string& tag = node.Tag();
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = YamlValue::Kind::null;
        if (!tag_ok(tag, "null", out.loc)) return out;
        return out;
      case YAML::NodeType::Scalar:
        return convert_scalar(node, out.loc);
      case YAML::NodeType::Sequence:
        if (!tag_ok(tag, "seq", out.loc)) return out;
        out.kind = YamlValue::Kind::sequence;
        for (const auto& child : node) {
          out.items.push_back(convert(child, depth + 1, &out.loc));
          if (failed_) return out;
        }
        return out;
      case YAML::NodeType::Map:
        if (!tag_ok(tag, "map", out.loc)) return out;
        return convert_map(node, depth, out);
    }
    return out;
  }

 private:
  // Node count of `node` with every alias expanded, saturating above max_nodes. Memoized per distinct yaml-cpp node
  // (all uses of an anchor share one), so a "billion laughs" document is rejected in time proportional to its text
  // instead of after converting max_nodes nodes. A recursive alias counts once here; the depth limit stops it.
  std::size_t expanded_size(const YAML::Node& node, int depth) {
    if ((!node.IsSequence() && !node.IsMap()) || depth > limits_.max_depth) return 1;
    int key = node.Mark().pos;
    for (const auto& [known, size] : sizes_[key]) {
      if (known.is(node)) return size;
    }
    std::size_t slot = sizes_[key].size();
    sizes_[key].emplace_back(node, 1);  // what a recursive alias sees while this node is in progress
    std::size_t total = 1;
    auto add = [&](const YAML::Node& child) {
      total = std::min(total + expanded_size(child, depth + 1), limits_.max_nodes + 1);
    };
    for (const auto& child : node) {
      if (node.IsMap()) {
        add(child.first);
        add(child.second);
      } else {
        add(child);
      }
      if (total > limits_.max_nodes) break;
    }
    sizes_[key][slot].second = total;
    // Post-order, so the first node to overflow is the smallest one: the place to show.
    if (total > limits_.max_nodes && !overflow_) overflow_ = loc_of(node, nullptr);
    return total;
  }

  Loc loc_of(const YAML::Node& node, const Loc* fallback) const {
    YAML::Mark mark = node.Mark();
    // yaml-cpp places an empty value (`from:`) at the start of the next line; the key is the better place.
    if (node.IsNull() && fallback != nullptr) return *fallback;
    if (mark.is_null() || mark.line < 0) return fallback ? *fallback : Loc{&file_, 0, 0, 1};
    Loc loc{&file_, mark.line + 1, mark.column + 1, 1};
    if (node.IsScalar()) {
      int length = static_cast<int>(node.Scalar().size());
      if (node.Tag() == "!") length += 2;  // quotes
      loc.length = std::max(1, length);
    }
    return loc;
  }

  bool tag_ok(const std::string& tag, std::string_view expected, const Loc& loc) {
    if (tag.empty() || tag == "?" || tag == "!") return true;
    if (tag == "tag:yaml.org,2002:" + std::string(expected)) return true;
    fail(loc, "yaml-tag",
         fmt::format("could not determine a constructor for the tag '{}' (only plain data is allowed, as with "
                     "PyYAML's safe loader)",
                     tag));
    return false;
  }

  YamlValue convert_scalar(const YAML::Node& node, const Loc& loc) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    YamlValue v;
    if (tag == "?") {
      v = resolve_plain_scalar(text);
    } else if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      v.kind = YamlValue::Kind::string;
      v.text = text;
    } else if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
               tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") {
      v = resolve_plain_scalar(text);
      std::string wanted = tag.substr(std::string("tag:yaml.org,2002:").size());
      bool matches = (wanted == "int" && v.is_int()) || (wanted == "float" && v.is_number()) ||
                     (wanted == "bool" && v.is_bool()) || (wanted == "null" && v.is_null());
      if (!matches) {
        fail(loc, "yaml-tag", fmt::format("'{}' is not a valid value for the tag !!{}", text, wanted));
      } else if (wanted == "float" && v.is_int()) {
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

  static bool is_merge_key(const YAML::Node& key) {
    return key.IsScalar() && key.Tag() == "?" && key.Scalar() == "<<";
  }

  // Adds entries that are not present yet (merge semantics: what is already there wins).
  static void merge_missing(YamlValue& into, const YamlValue& from) {
    for (const auto& entry : from.entries) {
      bool present = false;
      for (const auto& existing : into.entries) {
        if (same_key(existing.first, entry.first)) {
          present = true;
          break;
        }
      }
      if (!present) into.entries.push_back(entry);
    }
  }

  static bool same_key(const YamlValue& a, const YamlValue& b) {
    if (a.kind != b.kind) {
      // 1 and 1.0 and True are the same Python dict key; other mixes never are
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

  YamlValue convert_map(const YAML::Node& node, int depth, YamlValue& out) {
    out.kind = YamlValue::Kind::mapping;
    YamlValue merged;  // entries brought in by `<<`, applied after explicit keys
    merged.kind = YamlValue::Kind::mapping;
    for (const auto& pair : node) {
      if (is_merge_key(pair.first)) {
        Loc key_loc = loc_of(pair.first, &out.loc);
        YamlValue source = convert(pair.second, depth + 1, &key_loc);
        if (failed_) return out;
        if (source.is_map()) {
          merge_missing(merged, source);
        } else if (source.is_seq()) {
          for (const auto& item : source.items) {
            if (!item.is_map()) {
              fail(item.loc, "yaml-merge", "expected a mapping for merging, but found " +
                                               std::string(kind_name(item.kind)));
              return out;
            }
            merge_missing(merged, item);
          }
        } else {
          fail(source.loc, "yaml-merge",
               "expected a mapping or list of mappings for merging, but found " + std::string(kind_name(source.kind)));
          return out;
        }
        continue;
      }
      YamlValue key = convert(pair.first, depth + 1, &out.loc);
      if (failed_) return out;
      if (!key.is_scalar()) {
        fail(key.loc, "yaml-key", "a mapping key must be a plain value, not a " + std::string(kind_name(key.kind)));
        return out;
      }
      YamlValue value = convert(pair.second, depth + 1, &key.loc);
      if (failed_) return out;
      bool replaced = false;
      for (auto& existing : out.entries) {
        if (same_key(existing.first, key)) {
          sink_.warning(key.loc, "duplicate-key",
                        fmt::format("key {} is repeated; the last value wins (first given at line {})",
                                    key.python_repr(), existing.first.loc.line));
          existing.second = std::move(value);
          replaced = true;
          break;
        }
      }
      if (!replaced) out.entries.emplace_back(std::move(key), std::move(value));
    }
    merge_missing(out, merged);
    return out;
  }

  void fail(const Loc& loc, std::string code, std::string message) {
    sink_.error(loc, std::move(code), std::move(message));
    failed_ = true;
  }

  const SourceFile& file_;
  diag::DiagnosticSink& sink_;
  LoadLimits limits_;
  std::size_t count_ = 0;
  bool failed_ = false;
  std::unordered_map<int, std::vector<std::pair<YAML::Node, std::size_t>>> sizes_;  // by source offset
  std::optional<Loc> overflow_;
};

}  // namespace

namespace {

// Where each document of a stream starts, and where its root node is. yaml-cpp 0.7's LoadAll loops forever,
// allocating a null document per turn, when a document consumes no token: a file that is just ',' exhausts memory
// (jbeder/yaml-cpp#1040, fixed upstream by #1319). So documents are counted with this instead, up to the second.
class DocumentCounter : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  std::vector<YAML::Mark> roots;

  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
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
    if (roots.size() < starts.size()) roots.push_back(mark);
  }
};

// False when `text` surely holds the one document whose root is `root`: a block collection ends only at a directive,
// a document marker or the end of the text, so with neither after its start nothing else can follow. Then the
// single parse of Load is enough; otherwise the documents are counted (a second scan of the text).
bool may_hold_more_documents(const std::string& text, const YAML::Node& root) {
  if (!(root.IsMap() || root.IsSequence()) || root.Style() != YAML::EmitterStyle::Block) return true;
  std::string_view rest = std::string_view(text).substr(static_cast<std::size_t>(std::max(0, root.Mark().pos)));
  for (std::size_t eol = rest.find('\n'); eol != std::string_view::npos; eol = rest.find('\n', eol + 1)) {
    std::string_view line = rest.substr(eol + 1, 4);
    if (line.substr(0, 1) == "%") return true;
    bool marker = line.substr(0, 3) == "---" || line.substr(0, 3) == "...";
    if (marker && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r' || line[3] == '\n')) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<YamlValue> load_yaml(const SourceFile& file, diag::DiagnosticSink& sink, LoadLimits limits) {
  std::vector<YAML::Node> documents;
  DocumentCounter counter;
  try {
    YAML::Node first = YAML::Load(file.text);  // parses the first document only, so it cannot loop
    if (!may_hold_more_documents(file.text, first)) {
      documents.push_back(first);
    } else {
      std::istringstream stream(file.text);
      YAML::Parser parser(stream);
      while (counter.starts.size() < 2 && parser.HandleNextDocument(counter)) {
      }
      if (counter.starts.size() == 2 && counter.starts[0].pos == counter.starts[1].pos) {
        // No progress: the token at this place can start neither a node nor a document.
        const YAML::Mark& mark = counter.starts[1];
        char c = mark.pos >= 0 && static_cast<std::size_t>(mark.pos) < file.text.size() ? file.text[mark.pos] : '?';
        sink.error(Loc{&file, mark.line + 1, mark.column + 1, 1}, "yaml-syntax",
                   fmt::format("invalid YAML: unexpected '{}' where a value or document should start", c));
        return std::nullopt;
      }
      if (counter.starts.size() == 1) documents.push_back(first);
    }
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
  if (counter.starts.size() > 1) {
    Loc loc{&file, 1, 1, 1};
    YAML::Mark mark = counter.roots.size() > 1 ? counter.roots[1] : counter.starts[1];
    if (!mark.is_null()) loc = Loc{&file, mark.line + 1, mark.column + 1, 1};
    sink.error(loc, "yaml-multiple-documents",
               "expected a single document in the file, but found another document (remove the extra '---')");
    return std::nullopt;
  }
  Loc start{&file, 1, 1, 1};
  if (documents.empty()) {
    YamlValue empty;
    empty.loc = start;
    return empty;
  }
  Converter converter(file, sink, limits);
  YamlValue root;
  try {
    root = converter.convert(documents.front(), 0, &start);
  } catch (const YAML::Exception& e) {
    sink.error(start, "yaml-syntax", std::string("invalid YAML: ") + e.what());
    return std::nullopt;
  }
  if (converter.failed()) return std::nullopt;
  return root;
}

}  // namespace selinon::parse
