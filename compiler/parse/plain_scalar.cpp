// PyYAML's resolution of plain scalars (YAML 1.1 booleans, nulls, ints in four bases, sexagesimals, floats).
#include "parse/plain_scalar.hpp"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <utility>

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

// The kind and value of a plain scalar; its text is set by the caller.
YamlValue typed_plain_scalar(const std::string& text) {
  YamlValue v;
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

// Only these can start a null, a boolean or a number: any other plain scalar is a string, which most are.
bool may_be_typed(const std::string& text) {
  if (text.empty()) return true;
  char c = text[0];
  if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') return true;
  // The null and boolean spellings are at most five characters long and start with one of these.
  return text.size() <= 5 && std::string_view("~nNyYtTfFoO").find(c) != std::string_view::npos;
}

}  // namespace

YamlValue resolve_plain_scalar(std::string text) {
  if (!may_be_typed(text)) {
    YamlValue v;
    v.kind = YamlValue::Kind::string;
    v.text = std::move(text);
    return v;
  }
  YamlValue v = typed_plain_scalar(text);
  v.text = std::move(text);
  return v;
}

}  // namespace selinon::parse
