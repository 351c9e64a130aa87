// Selinon's built-in predicates: Python (CPython 3.11) semantics of subscripting, ==, <, in, len and urlparse on JSON.
#include "selinon/predicates.hpp"

#include "http_client.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <compare>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace selinon::predicates {
namespace {

// ============================================================================================================
// UTF-8: Python indexes and measures strings in code points, nlohmann stores UTF-8 bytes.
// ============================================================================================================

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U; }

std::size_t code_point_count(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return !is_continuation_byte(c); }));
}

// The code point number `index` (0-based) as a UTF-8 string.
std::string code_point_at(const std::string& s, std::size_t index) {
  std::size_t seen = 0;
  for (std::size_t pos = 0; pos < s.size(); ++pos) {
    if (is_continuation_byte(s[pos])) continue;
    if (seen++ != index) continue;
    std::size_t end = pos + 1;
    while (end < s.size() && is_continuation_byte(s[end])) ++end;
    return s.substr(pos, end - pos);
  }
  return {};
}

// ============================================================================================================
// Numbers: Python compares int/float/bool exactly (no rounding of big integers to double).
// ============================================================================================================

__extension__ using Int128 = __int128;  // holds every int64 and uint64 exactly

bool is_py_number(const Json& v) { return v.is_number() || v.is_boolean(); }

struct PyNumber {
  bool is_float = false;
  Int128 integer = 0;
  double real = 0.0;
};

PyNumber to_py_number(const Json& v) {
  if (v.is_boolean()) return {false, v.get<bool>() ? 1 : 0, 0.0};
  if (v.is_number_unsigned()) return {false, static_cast<Int128>(v.get<std::uint64_t>()), 0.0};
  if (v.is_number_integer()) return {false, static_cast<Int128>(v.get<std::int64_t>()), 0.0};
  return {true, 0, v.get<double>()};
}

std::partial_ordering compare_ints(Int128 a, Int128 b) {
  if (a < b) return std::partial_ordering::less;
  if (a > b) return std::partial_ordering::greater;
  return std::partial_ordering::equivalent;
}

// Exact int-vs-float ordering, like CPython's float_richcompare.
std::partial_ordering compare_int_float(Int128 i, double d) {
  if (std::isnan(d)) return std::partial_ordering::unordered;
  if (d >= 0x1p64) return std::partial_ordering::less;  // above every uint64
  if (d < -0x1p63) return std::partial_ordering::greater;  // below every int64
  const double whole = std::trunc(d);
  const auto by_whole = compare_ints(i, static_cast<Int128>(whole));
  if (by_whole != 0) return by_whole;
  return 0.0 <=> d - whole;  // same whole part: the fraction decides
}

std::partial_ordering compare_numbers(const Json& a, const Json& b) {
  const PyNumber x = to_py_number(a);
  const PyNumber y = to_py_number(b);
  if (!x.is_float && !y.is_float) return compare_ints(x.integer, y.integer);
  if (x.is_float && y.is_float) return x.real <=> y.real;
  if (!x.is_float) return compare_int_float(x.integer, y.real);
  const auto reversed = compare_int_float(y.integer, x.real);
  if (reversed == std::partial_ordering::less) return std::partial_ordering::greater;
  if (reversed == std::partial_ordering::greater) return std::partial_ordering::less;
  return reversed;
}

// ============================================================================================================
// Python ==, ordering, truthiness, len() and `in` on JSON values.
// ============================================================================================================

bool py_equal(const Json& a, const Json& b);

bool arrays_equal(const Json& a, const Json& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!py_equal(a[i], b[i])) return false;
  }
  return true;
}

bool objects_equal(const Json& a, const Json& b) {
  if (a.size() != b.size()) return false;
  for (auto it = a.begin(); it != a.end(); ++it) {
    const auto other = b.find(it.key());
    if (other == b.end() || !py_equal(it.value(), *other)) return false;
  }
  return true;
}

// Python `a == b`: numbers (bools included) by value, containers deeply, different types never equal.
bool py_equal(const Json& a, const Json& b) {
  if (is_py_number(a) && is_py_number(b)) return compare_numbers(a, b) == 0;
  if (a.type() != b.type()) return false;
  if (a.is_array()) return arrays_equal(a, b);
  if (a.is_object()) return objects_equal(a, b);
  return a == b;  // null, string, binary
}

std::optional<std::partial_ordering> py_order(const Json& a, const Json& b);

// Python list ordering: the first position whose elements differ (by ==) decides, else the lengths do.
std::optional<std::partial_ordering> order_arrays(const Json& a, const Json& b) {
  const std::size_t common = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (!py_equal(a[i], b[i])) return py_order(a[i], b[i]);
  }
  return compare_ints(static_cast<Int128>(a.size()), static_cast<Int128>(b.size()));
}

std::partial_ordering order_strings(const std::string& a, const std::string& b) {
  const int c = a.compare(b);  // unsigned byte order of UTF-8 == code point order
  if (c < 0) return std::partial_ordering::less;
  return c > 0 ? std::partial_ordering::greater : std::partial_ordering::equivalent;
}

// Python's <, <=, >, >= as one three-way comparison; nullopt where Python raises TypeError.
std::optional<std::partial_ordering> py_order(const Json& a, const Json& b) {
  if (is_py_number(a) && is_py_number(b)) return compare_numbers(a, b);
  if (a.is_string() && b.is_string()) {
    return order_strings(a.get_ref<const std::string&>(), b.get_ref<const std::string&>());
  }
  if (a.is_array() && b.is_array()) return order_arrays(a, b);
  return std::nullopt;
}

enum class Op { eq, ne, lt, le, gt, ge };

// `a <op> b` in Python; a TypeError counts as false.
bool py_compare(const Json& a, const Json& b, Op op) {
  if (op == Op::eq) return py_equal(a, b);
  if (op == Op::ne) return !py_equal(a, b);
  const auto order = py_order(a, b);
  if (!order) return false;
  switch (op) {
    case Op::lt: return *order < 0;
    case Op::le: return *order <= 0;
    case Op::gt: return *order > 0;
    case Op::ge: return *order >= 0;
    default: return false;
  }
}

// Python bool(v).
bool py_truthy(const Json& v) {
  switch (v.type()) {
    case Json::value_t::boolean: return v.get<bool>();
    case Json::value_t::number_integer: return v.get<std::int64_t>() != 0;
    case Json::value_t::number_unsigned: return v.get<std::uint64_t>() != 0;
    case Json::value_t::number_float: return v.get<double>() != 0.0;  // NaN is truthy, as in Python
    case Json::value_t::string: return !v.get_ref<const std::string&>().empty();
    case Json::value_t::array:
    case Json::value_t::object: return !v.empty();
    case Json::value_t::binary: return !v.get_binary().empty();
    default: return false;  // null, discarded
  }
}

// Python len(v); nullopt where Python raises TypeError.
std::optional<std::size_t> py_len(const Json& v) {
  if (v.is_string()) return code_point_count(v.get_ref<const std::string&>());
  if (v.is_array() || v.is_object()) return v.size();
  if (v.is_binary()) return v.get_binary().size();
  return std::nullopt;
}

// Python `item in container`: substring, list element (==) or dict key; false where Python raises.
bool py_contains(const Json& container, const Json& item) {
  if (container.is_string()) {
    return item.is_string() &&
           container.get_ref<const std::string&>().find(item.get_ref<const std::string&>()) != std::string::npos;
  }
  if (container.is_array()) {
    return std::any_of(container.begin(), container.end(), [&](const Json& e) { return py_equal(e, item); });
  }
  if (container.is_object()) return item.is_string() && container.contains(item.get_ref<const std::string&>());
  return false;
}

// ============================================================================================================
// Key paths: reduce(lambda m, k: m[k], key if isinstance(key, list) else [key], message).
// ============================================================================================================

// A Python integer subscript (bools are ints); nullopt for anything else or out of any index range.
std::optional<std::int64_t> py_index(const Json& k) {
  if (k.is_boolean()) return k.get<bool>() ? 1 : 0;
  if (k.is_number_unsigned()) {
    const auto u = k.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;  // IndexError in Python too
    return static_cast<std::int64_t>(u);
  }
  if (k.is_number_integer()) return k.get<std::int64_t>();
  return std::nullopt;  // float, str, None, list, dict: TypeError
}

// Python's negative indexing; nullopt means IndexError.
std::optional<std::size_t> normalize_index(std::int64_t index, std::size_t size) {
  const auto n = static_cast<std::int64_t>(size);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return std::nullopt;
  return static_cast<std::size_t>(index);
}

// container[k]; a string subscript yields a new one-character string kept in `scratch`. nullptr on any error.
const Json* subscript(const Json& container, const Json& k, Json& scratch) {
  if (container.is_object()) {
    if (!k.is_string()) return nullptr;  // JSON object keys are strings: 1, True, None... raise KeyError
    const auto it = container.find(k.get_ref<const std::string&>());
    return it == container.end() ? nullptr : &*it;
  }
  const auto index = py_index(k);
  if (!index) return nullptr;
  if (container.is_array()) {
    const auto pos = normalize_index(*index, container.size());
    return pos ? &container[*pos] : nullptr;
  }
  if (container.is_string()) {
    const auto& s = container.get_ref<const std::string&>();
    const auto pos = normalize_index(*index, code_point_count(s));
    if (!pos) return nullptr;
    std::string ch = code_point_at(s, *pos);  // computed before `scratch` (maybe `container`) is overwritten
    scratch = std::move(ch);
    return &scratch;
  }
  return nullptr;  // numbers, bools, None are not subscriptable
}

// The value at key path `key` inside `root`, or nullptr when Python would raise.
const Json* lookup(const Json& root, const Json& key, Json& scratch) {
  if (!key.is_array()) return subscript(root, key, scratch);
  const Json* current = &root;
  for (const Json& k : key) {
    current = subscript(*current, k, scratch);
    if (current == nullptr) return nullptr;
  }
  return current;
}

template <typename Test>
bool field_test(const Json& root, const Json& key, Test test) {
  try {
    Json scratch;
    const Json* value = lookup(root, key, scratch);
    return value != nullptr && test(*value);
  } catch (...) {
    return false;  // predicates never throw (e.g. allocation failure)
  }
}

bool field_compare(const Json& root, const Json& key, const Json& value, Op op) {
  return field_test(root, key, [&](const Json& v) { return py_compare(v, value, op); });
}

bool field_len_compare(const Json& root, const Json& key, const Json& length, Op op) {
  return field_test(root, key, [&](const Json& v) {
    const auto len = py_len(v);
    return len.has_value() && py_compare(Json(static_cast<std::uint64_t>(*len)), length, op);
  });
}

bool field_contain(const Json& root, const Json& key, const Json& value) {
  return field_test(root, key, [&](const Json& v) { return py_contains(v, value); });
}

bool is_int(const Json& v) { return v.is_number_integer() || v.is_boolean(); }  // is_number_integer: signed+unsigned

// ============================================================================================================
// urllib.parse.urlparse (CPython 3.11.7): only scheme, netloc and path are needed.
// ============================================================================================================

struct UrlParts {
  std::string scheme;
  std::string netloc;
  std::string path;
};

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(char c) { return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_scheme_char(char c) { return is_ascii_alpha(c) || is_ascii_digit(c) || c == '+' || c == '-' || c == '.'; }

// urlsplit first strips leading C0 controls and spaces and removes every tab, CR and LF.
std::string sanitize_url(std::string_view url) {
  std::size_t start = 0;
  while (start < url.size() && static_cast<unsigned char>(url[start]) <= 0x20) ++start;
  std::string out;
  for (char c : url.substr(start)) {
    if (c != '\t' && c != '\r' && c != '\n') out.push_back(c);
  }
  return out;
}

// Splits "scheme:" off when everything before the first ':' is a valid scheme; returns the lower-cased scheme.
std::string take_scheme(std::string& url) {
  const std::size_t colon = url.find(':');
  if (colon == std::string::npos || colon == 0 || !is_ascii_alpha(url[0])) return {};
  if (!std::all_of(url.begin(), url.begin() + static_cast<std::ptrdiff_t>(colon), is_scheme_char)) return {};
  std::string scheme = url.substr(0, colon);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](char c) { return is_ascii_alpha(c) ? static_cast<char>(c | 0x20) : c; });
  url.erase(0, colon + 1);
  return scheme;
}

// ipaddress.ip_address(h) is an IPv6 address (optionally with a non-empty "%scope").
bool is_ipv6_address(const std::string& host) {
  const std::size_t percent = host.find('%');
  std::string address = host.substr(0, percent);
  if (percent != std::string::npos) {
    const std::string scope = host.substr(percent + 1);
    if (scope.empty() || scope.find('%') != std::string::npos) return false;
  }
  in6_addr parsed{};
  return inet_pton(AF_INET6, address.c_str(), &parsed) == 1;
}

// re.match(r"\Av[a-fA-F0-9]+\..+\Z", h)
bool is_ipvfuture(const std::string& host) {
  std::size_t pos = 1;
  while (pos < host.size() && is_hex_digit(host[pos])) ++pos;
  if (pos == 1 || pos >= host.size() || host[pos] != '.') return false;
  return pos + 1 < host.size();  // '\n' was already removed by sanitize_url
}

// _check_bracketed_host on the text between the first '[' and the following ']'.
bool bracketed_host_ok(const std::string& netloc) {
  const std::string after_open = netloc.substr(netloc.find('[') + 1);
  const std::string host = after_open.substr(0, after_open.find(']'));
  if (!host.empty() && host[0] == 'v') return is_ipvfuture(host);
  return is_ipv6_address(host);  // IPv4 or anything else in brackets raises ValueError
}

// _checknetloc: characters whose NFKC form contains one of "/?#@:" (Unicode 14 list) make urlsplit raise.
bool netloc_survives_nfkc(const std::string& netloc) {
  static constexpr std::array<std::string_view, 19> kExpandToDelimiters = {
      "\u2047", "\u2048", "\u2049", "\u2100", "\u2101", "\u2105", "\u2106", "\u2a74", "\ufe13", "\ufe16",
      "\ufe55", "\ufe56", "\ufe5f", "\ufe6b", "\uff03", "\uff0f", "\uff1a", "\uff1f", "\uff20"};
  return std::none_of(kExpandToDelimiters.begin(), kExpandToDelimiters.end(),
                      [&](std::string_view c) { return netloc.find(c) != std::string::npos; });
}

// Splits "//netloc" off the front; false where urlsplit raises ValueError.
bool take_netloc(std::string& url, std::string& netloc) {
  if (url.rfind("//", 0) != 0) return true;
  const std::size_t end = std::min(url.size(), url.find_first_of("/?#", 2));
  netloc = url.substr(2, end - 2);
  url.erase(0, end);
  const bool has_open = netloc.find('[') != std::string::npos;
  const bool has_close = netloc.find(']') != std::string::npos;
  if (has_open != has_close) return false;  // "Invalid IPv6 URL"
  return !has_open || bracketed_host_ok(netloc);
}

bool uses_params(const std::string& scheme) {
  static constexpr std::array<std::string_view, 16> kSchemes = {
      "", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtsps", "rtspu", "sip", "sips",
      "mms", "sftp", "tel"};
  return std::find(kSchemes.begin(), kSchemes.end(), scheme) != kSchemes.end();
}

// urlparse's _splitparams: ";params" of the last path segment are not part of the path.
std::string strip_params(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::size_t semicolon = path.find(';', slash == std::string::npos ? 0 : slash);
  return semicolon == std::string::npos ? path : path.substr(0, semicolon);
}

std::optional<UrlParts> py_urlparse(std::string_view raw) {
  UrlParts parts;
  std::string url = sanitize_url(raw);
  parts.scheme = take_scheme(url);
  if (!take_netloc(url, parts.netloc)) return std::nullopt;
  url = url.substr(0, url.find('#'));  // fragment
  url = url.substr(0, url.find('?'));  // query
  if (!netloc_survives_nfkc(parts.netloc)) return std::nullopt;
  parts.path = uses_params(parts.scheme) ? strip_params(url) : url;
  return parts;
}

// urlparse(value).<component> == expected; non-string values make urlparse return bytes, never equal to a str.
bool field_url(const Json& root, const Json& key, const Json& expected, std::string UrlParts::*component) {
  return field_test(root, key, [&](const Json& v) {
    if (!v.is_string()) return false;
    const auto parts = py_urlparse(v.get_ref<const std::string&>());
    return parts.has_value() && py_equal(Json((*parts).*component), expected);
  });
}

// ============================================================================================================
// Environment.
// ============================================================================================================

// os.environ[name] as of now; nullopt when unset or `name` could not be a key of os.environ.
std::optional<std::string> env_value(const Json& name) {
  if (!name.is_string()) return std::nullopt;  // Python raises TypeError here; a predicate must not
  const auto& n = name.get_ref<const std::string&>();
  if (n.empty() || n.find('=') != std::string::npos || n.find('\0') != std::string::npos) return std::nullopt;
  const char* value = std::getenv(n.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

// ============================================================================================================
// Result predicates.
// ============================================================================================================

bool isBool(const Json& message) { return message.is_boolean(); }
bool isDict(const Json& message) { return message.is_object(); }
bool isFloat(const Json& message) { return message.is_number_float(); }
bool isInt(const Json& message) { return is_int(message); }
bool isList(const Json& message) { return message.is_array(); }
bool isNone(const Json& message) { return message.is_null(); }
bool isStr(const Json& message) { return message.is_string(); }
bool empty(const Json& message) { return py_truthy(message); }

bool fieldExist(const Json& message, const Json& key) {
  return field_test(message, key, [](const Json&) { return true; });
}
bool fieldBool(const Json& message, const Json& key) { return field_test(message, key, isBool); }
bool fieldDict(const Json& message, const Json& key) { return field_test(message, key, isDict); }
bool fieldFloat(const Json& message, const Json& key) { return field_test(message, key, isFloat); }
bool fieldInt(const Json& message, const Json& key) { return field_test(message, key, isInt); }
bool fieldList(const Json& message, const Json& key) { return field_test(message, key, isList); }
bool fieldNone(const Json& message, const Json& key) { return field_test(message, key, isNone); }
bool fieldStr(const Json& message, const Json& key) { return field_test(message, key, isStr); }

bool fieldEqual(const Json& message, const Json& key, const Json& value) {
  return field_compare(message, key, value, Op::eq);
}
bool fieldNotEqual(const Json& message, const Json& key, const Json& value) {
  return field_compare(message, key, value, Op::ne);
}
bool fieldGreater(const Json& message, const Json& key, const Json& value) {
  return field_compare(message, key, value, Op::gt);
}
bool fieldGreaterEqual(const Json& message, const Json& key, const Json& value) {
  return field_compare(message, key, value, Op::ge);
}
bool fieldLess(const Json& message, const Json& key, const Json& value) {
  return field_compare(message, key, value, Op::lt);
}
bool fieldLessEqual(const Json& message, const Json& key, const Json& value) {
  return field_compare(message, key, value, Op::le);
}
bool fieldContain(const Json& message, const Json& key, const Json& value) {
  return field_contain(message, key, value);
}

bool fieldLenEqual(const Json& message, const Json& key, const Json& length) {
  return field_len_compare(message, key, length, Op::eq);
}
bool fieldLenNotEqual(const Json& message, const Json& key, const Json& length) {
  return field_len_compare(message, key, length, Op::ne);
}
bool fieldLenGreater(const Json& message, const Json& key, const Json& length) {
  return field_len_compare(message, key, length, Op::gt);
}
// Selinon exports the "<=" implementation under this name; generated flows must behave the same.
bool fieldLenGreaterEqual(const Json& message, const Json& key, const Json& length) {
  return field_len_compare(message, key, length, Op::le);
}
bool fieldLenLess(const Json& message, const Json& key, const Json& length) {
  return field_len_compare(message, key, length, Op::lt);
}
bool fieldLenLessEqual(const Json& message, const Json& key, const Json& length) {
  return field_len_compare(message, key, length, Op::le);
}

bool fieldUrlNetloc(const Json& message, const Json& key, const Json& netloc) {
  return field_url(message, key, netloc, &UrlParts::netloc);
}
bool fieldUrlPath(const Json& message, const Json& key, const Json& path) {
  return field_url(message, key, path, &UrlParts::path);
}
bool fieldUrlScheme(const Json& message, const Json& key, const Json& scheme) {
  return field_url(message, key, scheme, &UrlParts::scheme);
}

// ============================================================================================================
// Node-args predicates: the same functions applied to the flow's node_args.
// ============================================================================================================

bool argsIsBool(const Json& node_args) { return isBool(node_args); }
bool argsIsDict(const Json& node_args) { return isDict(node_args); }
bool argsIsFloat(const Json& node_args) { return isFloat(node_args); }
bool argsIsInt(const Json& node_args) { return isInt(node_args); }
bool argsIsList(const Json& node_args) { return isList(node_args); }
bool argsIsNone(const Json& node_args) { return isNone(node_args); }
bool argsIsStr(const Json& node_args) { return isStr(node_args); }
bool argsEmpty(const Json& node_args) { return empty(node_args); }

bool argsFieldExist(const Json& node_args, const Json& key) { return fieldExist(node_args, key); }
bool argsFieldBool(const Json& node_args, const Json& key) { return fieldBool(node_args, key); }
bool argsFieldDict(const Json& node_args, const Json& key) { return fieldDict(node_args, key); }
bool argsFieldFloat(const Json& node_args, const Json& key) { return fieldFloat(node_args, key); }
bool argsFieldInt(const Json& node_args, const Json& key) { return fieldInt(node_args, key); }
bool argsFieldList(const Json& node_args, const Json& key) { return fieldList(node_args, key); }
bool argsFieldNone(const Json& node_args, const Json& key) { return fieldNone(node_args, key); }
bool argsFieldStr(const Json& node_args, const Json& key) { return fieldStr(node_args, key); }

bool argsFieldEqual(const Json& node_args, const Json& key, const Json& value) {
  return fieldEqual(node_args, key, value);
}
bool argsFieldNotEqual(const Json& node_args, const Json& key, const Json& value) {
  return fieldNotEqual(node_args, key, value);
}
bool argsFieldGreater(const Json& node_args, const Json& key, const Json& value) {
  return fieldGreater(node_args, key, value);
}
bool argsFieldGreaterEqual(const Json& node_args, const Json& key, const Json& value) {
  return fieldGreaterEqual(node_args, key, value);
}
bool argsFieldLess(const Json& node_args, const Json& key, const Json& value) {
  return fieldLess(node_args, key, value);
}
bool argsFieldLessEqual(const Json& node_args, const Json& key, const Json& value) {
  return fieldLessEqual(node_args, key, value);
}
bool argsFieldContain(const Json& node_args, const Json& key, const Json& value) {
  return fieldContain(node_args, key, value);
}

bool argsFieldLenEqual(const Json& node_args, const Json& key, const Json& length) {
  return fieldLenEqual(node_args, key, length);
}
bool argsFieldLenNotEqual(const Json& node_args, const Json& key, const Json& length) {
  return fieldLenNotEqual(node_args, key, length);
}
bool argsFieldLenGreater(const Json& node_args, const Json& key, const Json& length) {
  return fieldLenGreater(node_args, key, length);
}
// Same "<=" as fieldLenGreaterEqual (Selinon's export bug, kept).
bool argsFieldLenGreaterEqual(const Json& node_args, const Json& key, const Json& length) {
  return fieldLenGreaterEqual(node_args, key, length);
}
bool argsFieldLenLess(const Json& node_args, const Json& key, const Json& length) {
  return fieldLenLess(node_args, key, length);
}
bool argsFieldLenLessEqual(const Json& node_args, const Json& key, const Json& length) {
  return fieldLenLessEqual(node_args, key, length);
}

bool argsFieldUrlNetloc(const Json& node_args, const Json& key, const Json& netloc) {
  return fieldUrlNetloc(node_args, key, netloc);
}
bool argsFieldUrlPath(const Json& node_args, const Json& key, const Json& path) {
  return fieldUrlPath(node_args, key, path);
}
bool argsFieldUrlScheme(const Json& node_args, const Json& key, const Json& scheme) {
  return fieldUrlScheme(node_args, key, scheme);
}

// ============================================================================================================
// Other predicates.
// ============================================================================================================

bool alwaysTrue() { return true; }
bool alwaysFalse() { return false; }

bool envExist(const Json& env) {
  try {
    return env_value(env).has_value();
  } catch (...) {
    return false;
  }
}

bool envEqual(const Json& env, const Json& value) {
  try {
    const auto current = env_value(env);
    return current.has_value() && py_equal(Json(*current), value);
  } catch (...) {
    return false;
  }
}

bool httpStatus(const Json& host, const Json& path, const Json& status) {
  return detail::httpStatusWithin(host, path, status, std::chrono::seconds(5));
}

namespace detail {
bool httpStatusWithin(const Json& host, const Json& path, const Json& status, std::chrono::milliseconds budget) {
  try {
    if (!host.is_string()) return false;
    std::string request_path = "/";  // http.client sends "/" for any falsy path (None, "", 0, [], ...)
    if (py_truthy(path)) {
      if (!path.is_string()) return false;
      request_path = path.get<std::string>();
    }
    const auto answer = http::head_status(host.get<std::string>(), request_path, budget);
    return answer.has_value() && py_equal(Json(static_cast<std::int64_t>(*answer)), status);
  } catch (...) {
    return false;  // predicates never throw (e.g. allocation failure)
  }
}
}  // namespace detail

}  // namespace selinon::predicates
