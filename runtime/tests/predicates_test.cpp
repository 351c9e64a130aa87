// The built-in predicates behave like Python Selinon's on JSON values, quirks included.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <string>
#include <thread>

#include "selinon/predicates.hpp"

using selinon::Json;
namespace p = selinon::predicates;

namespace {

Json j(const char* text) { return Json::parse(text); }

// A sample result: nested maps, lists, strings (one with non-ASCII characters), numbers, bool and null.
const Json& sample() {
  static const Json doc = j(R"({
    "a": {"b": [10, 20, {"c": "deep"}], "n": null},
    "i": 1, "f": 1.0, "half": 2.5, "t": true, "z": 0, "s": "hello", "u": "h\u00e9llo\u20ac", "e": "",
    "big": 18446744073709551615, "neg": -3,
    "l": [1, "two", [3]], "d": {"k": 1, "1": "one"}, "url": "https://example.com:8080/a/b?q=1#f"
  })");
  return doc;
}

}  // namespace

// ------------------------------------------------------------------------------------------------------------
// Type predicates and truthiness.
// ------------------------------------------------------------------------------------------------------------

TEST_CASE("isInt is true for integers and booleans but not floats") {
  CHECK(p::isInt(j("1")));
  CHECK(p::isInt(j("-1")));
  CHECK(p::isInt(j("18446744073709551615")));
  CHECK(p::isInt(j("true")));
  CHECK(p::isInt(j("false")));
  CHECK_FALSE(p::isInt(j("1.0")));
  CHECK_FALSE(p::isInt(j("\"1\"")));
  CHECK_FALSE(p::isInt(j("null")));
}

TEST_CASE("isFloat is true only for numbers written with a fraction or exponent") {
  CHECK(p::isFloat(j("1.0")));
  CHECK(p::isFloat(j("1e3")));
  CHECK(p::isFloat(j("-0.5")));
  CHECK_FALSE(p::isFloat(j("1")));
  CHECK_FALSE(p::isFloat(j("true")));
  CHECK_FALSE(p::isFloat(j("\"1.0\"")));
}

TEST_CASE("isBool, isDict, isList, isNone and isStr test the JSON type") {
  CHECK(p::isBool(j("true")));
  CHECK(p::isBool(j("false")));
  CHECK_FALSE(p::isBool(j("1")));
  CHECK(p::isDict(j("{}")));
  CHECK_FALSE(p::isDict(j("[]")));
  CHECK(p::isList(j("[]")));
  CHECK_FALSE(p::isList(j("{}")));
  CHECK_FALSE(p::isList(j("\"ab\"")));
  CHECK(p::isNone(j("null")));
  CHECK_FALSE(p::isNone(j("0")));
  CHECK_FALSE(p::isNone(j("\"\"")));
  CHECK(p::isStr(j("\"\"")));
  CHECK_FALSE(p::isStr(j("1")));
}

TEST_CASE("argsIs* mirror the is* predicates on node_args") {
  CHECK(p::argsIsInt(j("true")));
  CHECK_FALSE(p::argsIsFloat(j("2")));
  CHECK(p::argsIsFloat(j("2.0")));
  CHECK(p::argsIsDict(j("{\"a\": 1}")));
  CHECK(p::argsIsList(j("[1]")));
  CHECK(p::argsIsNone(j("null")));
  CHECK(p::argsIsStr(j("\"x\"")));
  CHECK(p::argsIsBool(j("false")));
  CHECK_FALSE(p::argsIsBool(j("0")));
}

TEST_CASE("empty is Python truthiness: true for NON-empty values") {
  CHECK(p::empty(j("{\"a\": 1}")));
  CHECK(p::empty(j("[0]")));
  CHECK(p::empty(j("\"x\"")));
  CHECK(p::empty(j("1")));
  CHECK(p::empty(j("-0.5")));
  CHECK(p::empty(j("true")));
  CHECK_FALSE(p::empty(j("{}")));
  CHECK_FALSE(p::empty(j("[]")));
  CHECK_FALSE(p::empty(j("\"\"")));
  CHECK_FALSE(p::empty(j("0")));
  CHECK_FALSE(p::empty(j("0.0")));
  CHECK_FALSE(p::empty(j("false")));
  CHECK_FALSE(p::empty(j("null")));
}

TEST_CASE("argsEmpty has the same inverted meaning") {
  CHECK(p::argsEmpty(j("{\"x\": null}")));
  CHECK_FALSE(p::argsEmpty(j("{}")));
  CHECK_FALSE(p::argsEmpty(j("null")));
}

TEST_CASE("alwaysTrue and alwaysFalse are constants") {
  CHECK(p::alwaysTrue());
  CHECK_FALSE(p::alwaysFalse());
}

// ------------------------------------------------------------------------------------------------------------
// Key paths.
// ------------------------------------------------------------------------------------------------------------

TEST_CASE("fieldExist follows a single key or a list of keys") {
  CHECK(p::fieldExist(sample(), "a"));
  CHECK(p::fieldExist(sample(), j(R"(["a", "b", 2, "c"])")));
  CHECK(p::fieldExist(sample(), j(R"(["a", "n"])")));  // present with a null value
  CHECK_FALSE(p::fieldExist(sample(), "missing"));
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["a", "b", 3])")));
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["a", "n", "x"])")));  // None is not subscriptable
}

TEST_CASE("an empty key list designates the message itself") {
  CHECK(p::fieldExist(j("5"), j("[]")));
  CHECK(p::fieldEqual(j("5"), j("[]"), 5));
  CHECK(p::fieldDict(sample(), j("[]")));
}

TEST_CASE("lists are indexed by integers, negative indexes count from the end") {
  CHECK(p::fieldEqual(sample(), j(R"(["a", "b", 0])"), 10));
  CHECK(p::fieldEqual(sample(), j(R"(["a", "b", -3])"), 10));
  CHECK(p::fieldEqual(sample(), j(R"(["a", "b", -1, "c"])"), "deep"));
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["a", "b", -4])")));
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["a", "b", 3])")));
}

TEST_CASE("a list index must be an integer; booleans count as 0 and 1") {
  CHECK(p::fieldEqual(sample(), j(R"(["a", "b", true])"), 20));
  CHECK(p::fieldEqual(sample(), j(R"(["a", "b", false])"), 10));
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["a", "b", 1.0])")));
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["a", "b", "1"])")));
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["a", "b", null])")));
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["a", "b", 18446744073709551615])")));
}

TEST_CASE("object keys must be strings: integers, booleans and null never match") {
  CHECK(p::fieldEqual(sample(), j(R"(["d", "1"])"), "one"));
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["d", 1])")));
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["d", true])")));
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["d", null])")));
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["d", ["k"]])")));  // a list is unhashable
  CHECK_FALSE(p::fieldExist(sample(), j(R"({"k": 1})")));      // so is a dict
}

TEST_CASE("strings are indexed by code point and give one-character strings") {
  CHECK(p::fieldEqual(sample(), j(R"(["s", 0])"), "h"));
  CHECK(p::fieldEqual(sample(), j(R"(["s", -1])"), "o"));
  CHECK(p::fieldEqual(sample(), j(R"(["u", 1])"), "\u00e9"));
  CHECK(p::fieldEqual(sample(), j(R"(["u", -1])"), "\u20ac"));
  CHECK(p::fieldEqual(sample(), j(R"(["s", 1, 0, 0])"), "e"));  // a character indexes to itself
  CHECK(p::fieldStr(sample(), j(R"(["s", 4])")));
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["s", 5])")));
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["s", "x"])")));
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["e", 0])")));
}

TEST_CASE("numbers, booleans and null are not subscriptable") {
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["i", 0])")));
  CHECK_FALSE(p::fieldExist(sample(), j(R"(["t", 0])")));
  CHECK_FALSE(p::fieldExist(j("null"), "a"));
  CHECK_FALSE(p::fieldExist(j("3.5"), 0));
}

TEST_CASE("field type predicates test the value at the key path") {
  CHECK(p::fieldInt(sample(), "i"));
  CHECK(p::fieldInt(sample(), "t"));  // bool is an int
  CHECK(p::fieldInt(sample(), "big"));
  CHECK_FALSE(p::fieldInt(sample(), "f"));
  CHECK(p::fieldFloat(sample(), "f"));
  CHECK_FALSE(p::fieldFloat(sample(), "i"));
  CHECK(p::fieldBool(sample(), "t"));
  CHECK_FALSE(p::fieldBool(sample(), "i"));
  CHECK(p::fieldDict(sample(), "d"));
  CHECK(p::fieldList(sample(), "l"));
  CHECK(p::fieldStr(sample(), "s"));
  CHECK_FALSE(p::fieldStr(sample(), "l"));
  CHECK_FALSE(p::fieldInt(sample(), "missing"));
}

TEST_CASE("fieldNone is true only for a present null") {
  CHECK(p::fieldNone(sample(), j(R"(["a", "n"])")));
  CHECK_FALSE(p::fieldNone(sample(), j(R"(["a", "missing"])")));
  CHECK_FALSE(p::fieldNone(sample(), "z"));
}

TEST_CASE("argsField* type and existence predicates work on node_args") {
  const Json args = j(R"({"id": 7, "tags": ["x"], "meta": {"v": null}, "r": 0.5})");
  CHECK(p::argsFieldExist(args, "id"));
  CHECK_FALSE(p::argsFieldExist(args, "nope"));
  CHECK(p::argsFieldInt(args, "id"));
  CHECK(p::argsFieldList(args, "tags"));
  CHECK(p::argsFieldDict(args, "meta"));
  CHECK(p::argsFieldNone(args, j(R"(["meta", "v"])")));
  CHECK(p::argsFieldFloat(args, "r"));
  CHECK(p::argsFieldStr(args, j(R"(["tags", 0])")));
  CHECK_FALSE(p::argsFieldBool(args, "id"));
}

// ------------------------------------------------------------------------------------------------------------
// Equality.
// ------------------------------------------------------------------------------------------------------------

TEST_CASE("fieldEqual uses Python ==: 1 == 1.0 == true") {
  CHECK(p::fieldEqual(sample(), "i", 1));
  CHECK(p::fieldEqual(sample(), "i", 1.0));
  CHECK(p::fieldEqual(sample(), "i", true));
  CHECK(p::fieldEqual(sample(), "f", 1));
  CHECK(p::fieldEqual(sample(), "t", 1));
  CHECK(p::fieldEqual(sample(), "z", false));
  CHECK(p::fieldEqual(sample(), "half", 2.5));
  CHECK_FALSE(p::fieldEqual(sample(), "i", "1"));
  CHECK_FALSE(p::fieldEqual(sample(), "z", nullptr));
  CHECK_FALSE(p::fieldEqual(sample(), "e", nullptr));
  CHECK(p::fieldEqual(sample(), j(R"(["a", "n"])"), nullptr));
}

TEST_CASE("integer/float equality is exact, without rounding to double") {
  const Json big = j("{\"x\": 9007199254740993}");  // 2**53 + 1
  CHECK_FALSE(p::fieldEqual(big, "x", 9007199254740992.0));
  CHECK(p::fieldEqual(j("{\"x\": 9007199254740992}"), "x", 9007199254740992.0));
  CHECK(p::fieldEqual(sample(), "big", j("18446744073709551615")));
  CHECK_FALSE(p::fieldEqual(sample(), "big", -1));
  CHECK(p::fieldEqual(sample(), "neg", -3.0));
}

TEST_CASE("fieldEqual compares lists and dicts deeply with the same rules") {
  CHECK(p::fieldEqual(sample(), "l", j(R"([1.0, "two", [3.0]])")));
  CHECK(p::fieldEqual(j(R"({"x": [1, 0]})"), "x", j(R"([true, false])")));
  CHECK_FALSE(p::fieldEqual(sample(), "l", j(R"([1, "two"])")));
  CHECK_FALSE(p::fieldEqual(sample(), "l", j(R"([1, "two", [3], 4])")));
  CHECK(p::fieldEqual(sample(), "d", j(R"({"1": "one", "k": 1.0})")));
  CHECK_FALSE(p::fieldEqual(sample(), "d", j(R"({"1": "one", "k": 2})")));
  CHECK_FALSE(p::fieldEqual(sample(), "d", j(R"({"1": "one", "x": 1})")));
  CHECK_FALSE(p::fieldEqual(sample(), "l", j(R"({"1": "one"})")));
  CHECK(p::fieldEqual(j("{\"x\": {}}"), "x", j("{}")));
  CHECK_FALSE(p::fieldEqual(j("{\"x\": {}}"), "x", j("[]")));
}

TEST_CASE("fieldNotEqual is false when the key path is missing") {
  CHECK_FALSE(p::fieldNotEqual(sample(), "missing", 1));
  CHECK_FALSE(p::fieldNotEqual(sample(), j(R"(["l", 9])"), 1));
  CHECK(p::fieldNotEqual(sample(), "i", 2));
  CHECK(p::fieldNotEqual(sample(), "i", "1"));  // different types are simply unequal
  CHECK_FALSE(p::fieldNotEqual(sample(), "i", 1.0));
  CHECK_FALSE(p::fieldNotEqual(sample(), "t", 1));
}

TEST_CASE("argsFieldEqual and argsFieldNotEqual on node_args") {
  const Json args = j(R"({"name": "x", "n": 2})");
  CHECK(p::argsFieldEqual(args, "name", "x"));
  CHECK(p::argsFieldEqual(args, "n", 2.0));
  CHECK_FALSE(p::argsFieldEqual(args, "name", "y"));
  CHECK(p::argsFieldNotEqual(args, "name", "y"));
  CHECK_FALSE(p::argsFieldNotEqual(args, "other", "y"));
}

// ------------------------------------------------------------------------------------------------------------
// Ordering.
// ------------------------------------------------------------------------------------------------------------

TEST_CASE("ordering between numbers mixes ints, floats and bools") {
  CHECK(p::fieldGreater(sample(), "half", 2));
  CHECK(p::fieldGreater(sample(), "half", true));
  CHECK(p::fieldLess(sample(), "i", 1.5));
  CHECK(p::fieldLessEqual(sample(), "i", 1.0));
  CHECK(p::fieldGreaterEqual(sample(), "t", 1));
  CHECK_FALSE(p::fieldGreater(sample(), "t", 1));
  CHECK(p::fieldLess(sample(), "neg", -2.5));
  CHECK(p::fieldGreater(sample(), "big", 1.8e19));
  CHECK(p::fieldLess(sample(), "big", 1.9e19));
  CHECK(p::fieldGreater(j("{\"x\": 9007199254740993}"), "x", 9007199254740992.0));  // exact, not rounded
}

TEST_CASE("ordering strings is lexicographic by code point") {
  CHECK(p::fieldLess(sample(), "s", "help"));
  CHECK(p::fieldGreater(sample(), "s", "hell"));
  CHECK(p::fieldGreater(sample(), "s", "helln"));
  CHECK(p::fieldLess(sample(), "s", "helloo"));
  CHECK(p::fieldGreaterEqual(sample(), "s", "hello"));
  CHECK(p::fieldLess(sample(), "s", "\u00e9"));  // 'h' < U+00E9
  CHECK(p::fieldLess(j("{\"x\": \"\u00ff\"}"), "x", "\u0100"));
  CHECK(p::fieldLess(sample(), "s", "i"));
  CHECK(p::fieldGreater(sample(), "s", "Z"));  // upper case sorts first
}

TEST_CASE("ordering lists compares element-wise, then by length") {
  CHECK(p::fieldLess(sample(), "l", j(R"([2])")));
  CHECK(p::fieldGreater(sample(), "l", j(R"([1, "two"])")));
  CHECK(p::fieldLess(sample(), "l", j(R"([1, "two", [3, 0]])")));
  CHECK(p::fieldLessEqual(sample(), "l", j(R"([1.0, "two", [3]])")));
  CHECK(p::fieldLess(sample(), "l", j(R"([2, 0])")));         // decided before the mismatched types
  CHECK_FALSE(p::fieldLess(sample(), "l", j(R"([1, 2])")));   // "two" < 2 raises
  CHECK_FALSE(p::fieldGreater(sample(), "l", j(R"([1, 2])")));
}

TEST_CASE("ordering mixed types is false in every direction (Python raises TypeError)") {
  CHECK_FALSE(p::fieldGreater(sample(), "s", 1));
  CHECK_FALSE(p::fieldLess(sample(), "s", 1));
  CHECK_FALSE(p::fieldGreaterEqual(sample(), "i", "0"));
  CHECK_FALSE(p::fieldLessEqual(sample(), "i", "0"));
  CHECK_FALSE(p::fieldGreater(sample(), "i", nullptr));
  CHECK_FALSE(p::fieldLessEqual(sample(), j(R"(["a", "n"])"), nullptr));  // None <= None raises too
  CHECK_FALSE(p::fieldGreaterEqual(sample(), "d", j(R"({"1": "one", "k": 1})")));  // dicts are unordered
  CHECK_FALSE(p::fieldLess(sample(), "l", "x"));
  CHECK_FALSE(p::fieldLess(sample(), "missing", 1));
}

TEST_CASE("argsField ordering predicates on node_args") {
  const Json args = j(R"({"n": 5, "s": "b"})");
  CHECK(p::argsFieldGreater(args, "n", 4));
  CHECK(p::argsFieldGreaterEqual(args, "n", 5.0));
  CHECK(p::argsFieldLess(args, "s", "c"));
  CHECK(p::argsFieldLessEqual(args, "s", "b"));
  CHECK_FALSE(p::argsFieldLess(args, "s", 3));
  CHECK_FALSE(p::argsFieldGreater(args, "n", 5));
}

// ------------------------------------------------------------------------------------------------------------
// Containment.
// ------------------------------------------------------------------------------------------------------------

TEST_CASE("fieldContain on strings is a substring test") {
  CHECK(p::fieldContain(sample(), "s", "ell"));
  CHECK(p::fieldContain(sample(), "s", ""));
  CHECK(p::fieldContain(sample(), "u", "\u20ac"));
  CHECK_FALSE(p::fieldContain(sample(), "s", "xyz"));
  CHECK_FALSE(p::fieldContain(sample(), "s", 1));  // 'in <string>' requires a string
  CHECK_FALSE(p::fieldContain(sample(), "s", j(R"(["h"])")));
}

TEST_CASE("fieldContain on lists uses Python == on the elements") {
  CHECK(p::fieldContain(sample(), "l", 1));
  CHECK(p::fieldContain(sample(), "l", 1.0));
  CHECK(p::fieldContain(sample(), "l", true));
  CHECK(p::fieldContain(sample(), "l", "two"));
  CHECK(p::fieldContain(sample(), "l", j("[3]")));
  CHECK_FALSE(p::fieldContain(sample(), "l", 3));  // not nested
  CHECK_FALSE(p::fieldContain(sample(), "l", "1"));
}

TEST_CASE("fieldContain on dicts tests the keys, not the values") {
  CHECK(p::fieldContain(sample(), "d", "k"));
  CHECK(p::fieldContain(sample(), "d", "1"));
  CHECK_FALSE(p::fieldContain(sample(), "d", 1));  // JSON keys are strings
  CHECK_FALSE(p::fieldContain(sample(), "d", "one"));
  CHECK_FALSE(p::fieldContain(sample(), "d", j("[\"k\"]")));
}

TEST_CASE("fieldContain on numbers, booleans, null or a missing path is false") {
  CHECK_FALSE(p::fieldContain(sample(), "i", 1));
  CHECK_FALSE(p::fieldContain(sample(), "t", true));
  CHECK_FALSE(p::fieldContain(sample(), j(R"(["a", "n"])"), nullptr));
  CHECK_FALSE(p::fieldContain(sample(), "missing", "x"));
}

TEST_CASE("argsFieldContain on node_args") {
  const Json args = j(R"({"tags": ["a", "b"], "text": "abc", "m": {"x": 1}})");
  CHECK(p::argsFieldContain(args, "tags", "b"));
  CHECK(p::argsFieldContain(args, "text", "bc"));
  CHECK(p::argsFieldContain(args, "m", "x"));
  CHECK_FALSE(p::argsFieldContain(args, "tags", "c"));
}

// ------------------------------------------------------------------------------------------------------------
// Lengths.
// ------------------------------------------------------------------------------------------------------------

TEST_CASE("len counts Unicode code points of strings, elements of lists and keys of dicts") {
  CHECK(p::fieldLenEqual(sample(), "s", 5));
  CHECK(p::fieldLenEqual(sample(), "u", 6));  // 9 bytes of UTF-8
  CHECK(p::fieldLenEqual(j("{\"x\": \"\U0001F600\"}"), "x", 1));
  CHECK(p::fieldLenEqual(sample(), "l", 3));
  CHECK(p::fieldLenEqual(sample(), "d", 2));
  CHECK(p::fieldLenEqual(sample(), "e", 0));
  CHECK(p::fieldLenEqual(sample(), "l", 3.0));
  CHECK_FALSE(p::fieldLenEqual(sample(), "l", "3"));
}

TEST_CASE("len of numbers, booleans and null fails, so every fieldLen* is false") {
  CHECK_FALSE(p::fieldLenEqual(sample(), "i", 1));
  CHECK_FALSE(p::fieldLenNotEqual(sample(), "i", 1));
  CHECK_FALSE(p::fieldLenLess(sample(), "t", 9));
  CHECK_FALSE(p::fieldLenGreater(sample(), j(R"(["a", "n"])"), -1));
  CHECK_FALSE(p::fieldLenNotEqual(sample(), "missing", 1));
}

TEST_CASE("fieldLenNotEqual, fieldLenGreater and fieldLenLess compare the length") {
  CHECK(p::fieldLenNotEqual(sample(), "s", 4));
  CHECK_FALSE(p::fieldLenNotEqual(sample(), "s", 5));
  CHECK(p::fieldLenNotEqual(sample(), "s", "5"));  // 5 != "5" in Python
  CHECK(p::fieldLenGreater(sample(), "s", 4));
  CHECK(p::fieldLenGreater(sample(), "s", 4.5));
  CHECK_FALSE(p::fieldLenGreater(sample(), "s", 5));
  CHECK(p::fieldLenLess(sample(), "l", 4));
  CHECK_FALSE(p::fieldLenLess(sample(), "l", 3));
  CHECK_FALSE(p::fieldLenLess(sample(), "l", "4"));  // int < str raises
  CHECK(p::fieldLenGreater(sample(), "l", true));
}

TEST_CASE("fieldLenGreaterEqual computes len <= length (Selinon's exported implementation)") {
  CHECK(p::fieldLenGreaterEqual(sample(), "s", 5));
  CHECK(p::fieldLenGreaterEqual(sample(), "s", 6));
  CHECK_FALSE(p::fieldLenGreaterEqual(sample(), "s", 4));  // len >= 4 holds, but the predicate says no
  CHECK(p::argsFieldLenGreaterEqual(sample(), "l", 10));
  CHECK_FALSE(p::argsFieldLenGreaterEqual(sample(), "l", 2));
}

TEST_CASE("fieldLenLessEqual computes len <= length (its documented meaning)") {
  CHECK(p::fieldLenLessEqual(sample(), "s", 5));
  CHECK(p::fieldLenLessEqual(sample(), "s", 5.5));
  CHECK_FALSE(p::fieldLenLessEqual(sample(), "s", 4));
  CHECK(p::argsFieldLenLessEqual(sample(), "d", 2));
  CHECK_FALSE(p::argsFieldLenLessEqual(sample(), "d", 1));
  CHECK_FALSE(p::fieldLenLessEqual(sample(), "s", nullptr));
}

TEST_CASE("argsFieldLen* on node_args") {
  const Json args = j(R"({"items": [1, 2, 3], "name": "\u00e4b"})");
  CHECK(p::argsFieldLenEqual(args, "items", 3));
  CHECK(p::argsFieldLenNotEqual(args, "items", 2));
  CHECK(p::argsFieldLenGreater(args, "items", 2));
  CHECK(p::argsFieldLenLess(args, "name", 3));
  CHECK(p::argsFieldLenEqual(args, "name", 2));
  CHECK_FALSE(p::argsFieldLenEqual(args, "missing", 0));
}

// ------------------------------------------------------------------------------------------------------------
// URLs (urllib.parse.urlparse).
// ------------------------------------------------------------------------------------------------------------

namespace {
Json url_doc(const char* url) { return Json{{"u", url}}; }
}  // namespace

TEST_CASE("a full URL splits into scheme, netloc and path") {
  CHECK(p::fieldUrlScheme(sample(), "url", "https"));
  CHECK(p::fieldUrlNetloc(sample(), "url", "example.com:8080"));
  CHECK(p::fieldUrlPath(sample(), "url", "/a/b"));
  CHECK_FALSE(p::fieldUrlPath(sample(), "url", "/a/b?q=1#f"));
  CHECK_FALSE(p::fieldUrlNetloc(sample(), "url", "example.com"));
}

TEST_CASE("a URL without a scheme is all path") {
  const Json doc = url_doc("no-scheme/path");
  CHECK(p::fieldUrlScheme(doc, "u", ""));
  CHECK(p::fieldUrlNetloc(doc, "u", ""));
  CHECK(p::fieldUrlPath(doc, "u", "no-scheme/path"));
}

TEST_CASE("the scheme is lower-cased, the netloc is kept as written") {
  const Json doc = url_doc("HTTP://X.org");
  CHECK(p::fieldUrlScheme(doc, "u", "http"));
  CHECK_FALSE(p::fieldUrlScheme(doc, "u", "HTTP"));
  CHECK(p::fieldUrlNetloc(doc, "u", "X.org"));
  CHECK(p::fieldUrlPath(doc, "u", ""));
}

TEST_CASE("only letters, digits, '+', '-' and '.' after a leading letter form a scheme") {
  CHECK(p::fieldUrlScheme(url_doc("svn+ssh://h/p"), "u", "svn+ssh"));
  CHECK(p::fieldUrlScheme(url_doc("1http://h/p"), "u", ""));
  CHECK(p::fieldUrlPath(url_doc("1http://h/p"), "u", "1http://h/p"));
  CHECK(p::fieldUrlScheme(url_doc("a_b:x"), "u", ""));
  CHECK(p::fieldUrlScheme(url_doc("localhost:8080"), "u", "localhost"));  // Python >= 3.9
  CHECK(p::fieldUrlPath(url_doc("localhost:8080"), "u", "8080"));
  CHECK(p::fieldUrlPath(url_doc("mailto:me@x.org"), "u", "me@x.org"));
  CHECK(p::fieldUrlScheme(url_doc(":x"), "u", ""));
}

TEST_CASE("the netloc ends at the first '/', '?' or '#'") {
  CHECK(p::fieldUrlNetloc(url_doc("//host?x=1"), "u", "host"));
  CHECK(p::fieldUrlPath(url_doc("//host?x=1"), "u", ""));
  CHECK(p::fieldUrlNetloc(url_doc("http://u:pw@host#frag"), "u", "u:pw@host"));
  CHECK(p::fieldUrlNetloc(url_doc("http:/not-netloc"), "u", ""));
  CHECK(p::fieldUrlPath(url_doc("http:/not-netloc"), "u", "/not-netloc"));
  CHECK(p::fieldUrlPath(url_doc("/p#a?b"), "u", "/p"));
}

TEST_CASE("';params' of the last path segment are not part of the path for params schemes") {
  CHECK(p::fieldUrlPath(url_doc("http://h/a;x/b;type=i"), "u", "/a;x/b"));
  CHECK(p::fieldUrlPath(url_doc("ftp://h/file;type=a"), "u", "/file"));
  CHECK(p::fieldUrlPath(url_doc("path;p"), "u", "path"));
  CHECK(p::fieldUrlPath(url_doc("git://h/a;b"), "u", "/a;b"));  // git does not use params
}

TEST_CASE("leading control characters and spaces are stripped, tabs and newlines removed") {
  CHECK(p::fieldUrlScheme(url_doc("  https://h/p"), "u", "https"));
  CHECK(p::fieldUrlNetloc(url_doc("ht\ttp://h\n/p"), "u", "h"));
  CHECK(p::fieldUrlPath(url_doc("http://h/p "), "u", "/p "));
}

TEST_CASE("bracketed hosts must be IPv6 or IPvFuture, else urlparse raises") {
  CHECK(p::fieldUrlNetloc(url_doc("http://[::1]:80/x"), "u", "[::1]:80"));
  CHECK(p::fieldUrlNetloc(url_doc("http://[fe80::1%eth0]/"), "u", "[fe80::1%eth0]"));
  CHECK(p::fieldUrlNetloc(url_doc("http://[v1.x]/"), "u", "[v1.x]"));
  CHECK_FALSE(p::fieldUrlPath(url_doc("http://[::1/x"), "u", "/x"));
  CHECK_FALSE(p::fieldUrlPath(url_doc("http://::1]/x"), "u", "/x"));
  CHECK_FALSE(p::fieldUrlPath(url_doc("http://[1.2.3.4]/x"), "u", "/x"));
  CHECK_FALSE(p::fieldUrlPath(url_doc("http://[example]/x"), "u", "/x"));
  CHECK_FALSE(p::fieldUrlPath(url_doc("http://[v1.]/x"), "u", "/x"));
}

TEST_CASE("netlocs with characters that NFKC-normalise to delimiters make urlparse raise") {
  CHECK_FALSE(p::fieldUrlScheme(url_doc("http://a\u2100b/x"), "u", "http"));  // U+2100 -> "a/c"
  CHECK_FALSE(p::fieldUrlScheme(url_doc("http://x\uff0fy/"), "u", "http"));
  CHECK(p::fieldUrlNetloc(url_doc("http://b\u00fccher.de/x"), "u", "b\u00fccher.de"));
  CHECK(p::fieldUrlPath(url_doc("http://h/\u2100"), "u", "/\u2100"));  // only the netloc is checked
}

TEST_CASE("non-string values and non-string expectations never match") {
  CHECK_FALSE(p::fieldUrlPath(sample(), "i", ""));
  CHECK_FALSE(p::fieldUrlPath(sample(), j(R"(["a", "n"])"), ""));
  CHECK_FALSE(p::fieldUrlScheme(sample(), "url", nullptr));
  CHECK_FALSE(p::fieldUrlNetloc(sample(), "missing", ""));
  CHECK(p::fieldUrlPath(url_doc(""), "u", ""));
}

TEST_CASE("argsFieldUrl* on node_args") {
  const Json args = j(R"({"repo": {"url": "git+ssh://git@github.com/a/b.git"}})");
  CHECK(p::argsFieldUrlScheme(args, j(R"(["repo", "url"])"), "git+ssh"));
  CHECK(p::argsFieldUrlNetloc(args, j(R"(["repo", "url"])"), "git@github.com"));
  CHECK(p::argsFieldUrlPath(args, j(R"(["repo", "url"])"), "/a/b.git"));
  CHECK_FALSE(p::argsFieldUrlPath(args, "repo", "/a/b.git"));
}

// ------------------------------------------------------------------------------------------------------------
// Environment.
// ------------------------------------------------------------------------------------------------------------

TEST_CASE("envExist reads the environment at call time") {
  ::unsetenv("SELINON_PRED_TEST_VAR");
  CHECK_FALSE(p::envExist("SELINON_PRED_TEST_VAR"));
  ::setenv("SELINON_PRED_TEST_VAR", "", 1);
  CHECK(p::envExist("SELINON_PRED_TEST_VAR"));  // set but empty still exists
  ::unsetenv("SELINON_PRED_TEST_VAR");
  CHECK_FALSE(p::envExist("SELINON_PRED_TEST_VAR"));
}

TEST_CASE("envExist is false for names that cannot be environment keys") {
  CHECK_FALSE(p::envExist(1));
  CHECK_FALSE(p::envExist(nullptr));
  CHECK_FALSE(p::envExist(""));
  ::setenv("SELINON_PRED_EQ", "x=y", 1);
  CHECK_FALSE(p::envExist("SELINON_PRED_EQ=x"));  // getenv would match the "NAME=" prefix
  ::unsetenv("SELINON_PRED_EQ");
}

TEST_CASE("envEqual compares the value as a string") {
  ::setenv("SELINON_PRED_TEST_VAR", "42", 1);
  CHECK(p::envEqual("SELINON_PRED_TEST_VAR", "42"));
  CHECK_FALSE(p::envEqual("SELINON_PRED_TEST_VAR", 42));  // "42" == 42 is false
  CHECK_FALSE(p::envEqual("SELINON_PRED_TEST_VAR", "4"));
  CHECK_FALSE(p::envEqual(42, "42"));
  ::unsetenv("SELINON_PRED_TEST_VAR");
  CHECK_FALSE(p::envEqual("SELINON_PRED_TEST_VAR", "42"));
  CHECK_FALSE(p::envEqual("SELINON_PRED_TEST_VAR", nullptr));
}

// ------------------------------------------------------------------------------------------------------------
// httpStatus.
// ------------------------------------------------------------------------------------------------------------

namespace {

// A socket listening on the loopback address of `family` (ephemeral port) that nobody accepts from.
class Listener {
 public:
  explicit Listener(int family = AF_INET) : family_(family) {
    fd_ = ::socket(family, SOCK_STREAM, 0);
    sockaddr_storage addr{};
    socklen_t len = 0;
    if (family == AF_INET6) {
      auto& in6 = reinterpret_cast<sockaddr_in6&>(addr);
      in6.sin6_family = AF_INET6;
      in6.sin6_addr = in6addr_loopback;
      len = sizeof in6;
    } else {
      auto& in4 = reinterpret_cast<sockaddr_in&>(addr);
      in4.sin_family = AF_INET;
      in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof in4;
    }
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0 && ::listen(fd_, 1) == 0 &&
          ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    port_ = ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(addr).sin6_port
                                     : reinterpret_cast<sockaddr_in&>(addr).sin_port);
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool ok() const { return ok_; }
  int fd() const { return fd_; }
  unsigned short port() const { return port_; }
  std::string host() const {
    return (family_ == AF_INET6 ? "[::1]:" : "127.0.0.1:") + std::to_string(port_);
  }
  // A client connected (and waits in the backlog).
  bool contacted() const {
    pollfd pfd{fd_, POLLIN, 0};
    return ::poll(&pfd, 1, 0) == 1;
  }

 private:
  int family_;
  int fd_ = -1;
  bool ok_ = false;
  unsigned short port_ = 0;
};

// A Listener whose thread answers one connection with a canned response.
class OneShotServer {
 public:
  explicit OneShotServer(std::string response, bool respond = true, int family = AF_INET)
      : listener_(family), response_(std::move(response)) {
    REQUIRE(listener_.ok());
    thread_ = std::thread([this, respond] { serve(respond); });
  }
  OneShotServer(const OneShotServer&) = delete;
  OneShotServer& operator=(const OneShotServer&) = delete;
  ~OneShotServer() {
    if (thread_.joinable()) thread_.join();
  }

  std::string host() const { return listener_.host(); }
  unsigned short port() const { return listener_.port(); }
  // The request as received; valid after the predicate returned and the server thread finished.
  std::string request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

 private:
  // Accepts one client (giving up after 10 s so a test never hangs), reads the request head, answers.
  void serve(bool respond) {
    pollfd pfd{listener_.fd(), POLLIN, 0};
    if (::poll(&pfd, 1, 10'000) != 1) return;
    const int client = ::accept(listener_.fd(), nullptr, nullptr);
    if (client < 0) return;
    char buf[4096];
    while (request_.find("\r\n\r\n") == std::string::npos) {
      pollfd cp{client, POLLIN, 0};
      if (::poll(&cp, 1, 10'000) != 1) break;
      const ssize_t got = ::recv(client, buf, sizeof buf, 0);
      if (got <= 0) break;
      request_.append(buf, static_cast<std::size_t>(got));
    }
    if (respond) {
      (void)::send(client, response_.data(), response_.size(), MSG_NOSIGNAL);
    } else {
      pollfd cp{client, POLLIN, 0};
      (void)::poll(&cp, 1, 10'000);  // stay silent until the client gives up and closes
    }
    ::close(client);
  }

  Listener listener_;
  std::string response_;
  std::string request_;
  std::thread thread_;
};

// A port on 127.0.0.1 that nothing listens on (bound once to get a free number, then closed).
unsigned short closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("httpStatus is true when the HEAD answer has the expected status") {
  OneShotServer server("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  CHECK(p::httpStatus(server.host(), "/missing", 404));
  const std::string request = server.request();
  CHECK(request.rfind("HEAD /missing HTTP/1.1\r\n", 0) == 0);
  CHECK(request.find("\r\nHost: " + server.host() + "\r\n") != std::string::npos);
  CHECK(request.find("\r\nConnection: close\r\n") != std::string::npos);
  CHECK(request.find("\r\nAccept-Encoding: identity\r\n") != std::string::npos);
  CHECK(request.find("\r\nAccept:") == std::string::npos);  // http.client sends no Accept header
}

TEST_CASE("httpStatus resolves host names and tries every address") {
  OneShotServer server("HTTP/1.1 418 I'm a teapot\r\n\r\n");
  const std::string host = "localhost:" + server.host().substr(server.host().find(':') + 1);
  CHECK(p::httpStatus(host, "/", 418));  // localhost may resolve to ::1 first, where nothing listens
  CHECK(server.request().find("\r\nHost: " + host + "\r\n") != std::string::npos);
}

TEST_CASE("httpStatus is false for another status") {
  OneShotServer server("HTTP/1.0 404 Not Found\r\n\r\n");
  CHECK_FALSE(p::httpStatus(server.host(), "/", 200));
}

TEST_CASE("httpStatus compares the status with Python ==") {
  OneShotServer a("HTTP/1.1 200 OK\r\n\r\n");
  CHECK(p::httpStatus(a.host(), "/", 200.0));
  OneShotServer b("HTTP/1.1 200 OK\r\n\r\n");
  CHECK_FALSE(p::httpStatus(b.host(), "/", "200"));
}

TEST_CASE("httpStatus prefixes a missing '/' and sends '/' for an empty path") {
  OneShotServer a("HTTP/1.0 204 No Content\r\n\r\n");
  CHECK(p::httpStatus(a.host(), "health", 204));
  CHECK(a.request().rfind("HEAD /health HTTP/1.1\r\n", 0) == 0);
  OneShotServer b("HTTP/1.0 204 No Content\r\n\r\n");
  CHECK(p::httpStatus(b.host(), "", 204));
  CHECK(b.request().rfind("HEAD / HTTP/1.1\r\n", 0) == 0);
}

TEST_CASE("httpStatus skips interim 100 responses and accepts a status line without reason") {
  OneShotServer a("HTTP/1.1 100 Continue\r\nX: y\r\n\r\nHTTP/1.1 302\r\n\r\n");
  CHECK(p::httpStatus(a.host(), "/", 302));
}

TEST_CASE("httpStatus is false for malformed answers") {
  OneShotServer a("garbage\r\n\r\n");
  CHECK_FALSE(p::httpStatus(a.host(), "/", 200));
  OneShotServer b("HTTP/2.0 200 OK\r\n\r\n");  // http.client: UnknownProtocol
  CHECK_FALSE(p::httpStatus(b.host(), "/", 200));
  OneShotServer c("HTTP/1.1 99 Low\r\n\r\n");
  CHECK_FALSE(p::httpStatus(c.host(), "/", 99));
  OneShotServer d("");  // closed without an answer
  CHECK_FALSE(p::httpStatus(d.host(), "/", 200));
}

TEST_CASE("httpStatus is false quickly when nothing listens on the port") {
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(p::httpStatus("127.0.0.1:" + std::to_string(closed_port()), "/", 200));
  CHECK(seconds_since(start) < 2.0);
}

TEST_CASE("httpStatus gives up at its time budget when the server never answers") {
  OneShotServer silent("", /*respond=*/false);
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(p::detail::httpStatusWithin(silent.host(), "/", 200, std::chrono::milliseconds(300)));
  const double elapsed = seconds_since(start);
  CHECK(elapsed >= 0.25);
  CHECK(elapsed < 2.0);
}

TEST_CASE("httpStatus rejects bad arguments without any network access") {
  CHECK_FALSE(p::httpStatus(80, "/", 200));
  CHECK_FALSE(p::httpStatus("127.0.0.1:http", "/", 200));    // nonnumeric port
  CHECK_FALSE(p::httpStatus("127.0.0.1:70000", "/", 200));   // port out of range
  CHECK_FALSE(p::httpStatus("bad host", "/", 200));          // control characters and spaces
  CHECK_FALSE(p::httpStatus("", "/", 200));
  CHECK_FALSE(p::httpStatus("127.0.0.1:1", "/a b", 200));    // a space in the path
  CHECK_FALSE(p::httpStatus("127.0.0.1:1", 5, 200));         // a non-string path
}

TEST_CASE("httpStatus sends the path byte for byte, fragment and dot segments included") {
  OneShotServer server("HTTP/1.0 200 OK\r\n\r\n");
  CHECK(p::httpStatus(server.host(), "/a/../b?q=1#frag", 200));
  CHECK(server.request().rfind("HEAD /a/../b?q=1#frag HTTP/1.1\r\n", 0) == 0);
}

TEST_CASE("httpStatus returns a redirect as it is, without following it") {
  Listener target;
  const std::string location = "http://" + target.host() + "/";
  OneShotServer a("HTTP/1.1 302 Found\r\nLocation: " + location + "\r\nContent-Length: 0\r\n\r\n");
  CHECK(p::httpStatus(a.host(), "/", 302));
  OneShotServer b("HTTP/1.1 301 Moved Permanently\r\nLocation: " + location + "\r\n\r\n");
  CHECK_FALSE(p::httpStatus(b.host(), "/", 200));
  CHECK_FALSE(target.contacted());
}

TEST_CASE("httpStatus returns an interim status other than 100, as getresponse() does") {
  OneShotServer server("HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\n\r\n");
  CHECK(p::httpStatus(server.host(), "/", 103));
}

TEST_CASE("httpStatus connects directly even when http_proxy is set") {
  Listener proxy;
  ::setenv("http_proxy", ("http://" + proxy.host()).c_str(), 1);
  ::setenv("HTTP_PROXY", ("http://" + proxy.host()).c_str(), 1);
  OneShotServer server("HTTP/1.1 200 OK\r\n\r\n");
  CHECK(p::httpStatus(server.host(), "/", 200));
  ::unsetenv("http_proxy");
  ::unsetenv("HTTP_PROXY");
  CHECK_FALSE(proxy.contacted());
}

TEST_CASE("httpStatus reaches a bracketed IPv6 host and names it so in Host") {
  if (!Listener(AF_INET6).ok()) {
    MESSAGE("no IPv6 loopback here; skipped");
    return;
  }
  OneShotServer server("HTTP/1.1 204 No Content\r\n\r\n", true, AF_INET6);
  CHECK(p::httpStatus(server.host(), "/", 204));
  CHECK(server.request().find("\r\nHost: " + server.host() + "\r\n") != std::string::npos);
}

namespace {
std::size_t thread_count() {
  const std::filesystem::path tasks("/proc/self/task");
  return static_cast<std::size_t>(
      std::distance(std::filesystem::directory_iterator(tasks), std::filesystem::directory_iterator()));
}
}  // namespace

TEST_CASE("httpStatus is false for a name that does not resolve, and leaves no resolver thread behind") {
  const std::size_t before = thread_count();
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(p::detail::httpStatusWithin("no-such-host.invalid", "/", 200, std::chrono::seconds(3)));
  CHECK(seconds_since(start) < 3.5);
  CHECK(thread_count() == before);
}

TEST_CASE("httpStatus never reads a host as URL parts such as user@host") {
  Listener listener;
  CHECK_FALSE(p::httpStatus("user@" + listener.host(), "/", 200));
  CHECK_FALSE(p::httpStatus("127.0.0.1/x:" + std::to_string(listener.port()), "/", 200));
  CHECK_FALSE(p::httpStatus("127.0.0.1%41:" + std::to_string(listener.port()), "/", 200));
  CHECK_FALSE(listener.contacted());
}

TEST_CASE("httpStatus with a budget of nothing is false without a connection") {
  Listener listener;
  CHECK_FALSE(p::detail::httpStatusWithin(listener.host(), "/", 200, std::chrono::milliseconds(0)));
  CHECK_FALSE(p::detail::httpStatusWithin(listener.host(), "/", 200, std::chrono::milliseconds(-5)));
  CHECK_FALSE(listener.contacted());
}
