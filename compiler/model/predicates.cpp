// The built-in predicate table (selinon.predicates), one row per predicate.
#include "model/predicates.hpp"

namespace selinon::model {
namespace {

std::vector<PredicateSignature> make_table() {
  std::vector<PredicateSignature> t;
  auto result = [&](std::string_view name, std::vector<std::string_view> args, std::string_view misleading = {}) {
    t.push_back({name, true, false, std::move(args), misleading});
  };
  auto node_args = [&](std::string_view name, std::vector<std::string_view> args, std::string_view misleading = {}) {
    t.push_back({name, false, true, std::move(args), misleading});
  };
  for (auto n : {"isBool", "isDict", "isFloat", "isInt", "isList", "isNone", "isStr"}) result(n, {});
  result("empty", {}, "'empty' is true when the result is NOT empty (Selinon's behaviour, kept); "
                      "use {not: {name: empty}} to test for an empty result");
  for (auto n : {"fieldExist", "fieldBool", "fieldDict", "fieldFloat", "fieldInt", "fieldList", "fieldNone", "fieldStr"})
    result(n, {"key"});
  for (auto n : {"fieldEqual", "fieldNotEqual", "fieldGreater", "fieldGreaterEqual", "fieldLess", "fieldLessEqual",
                 "fieldContain"})
    result(n, {"key", "value"});
  for (auto n : {"fieldLenEqual", "fieldLenNotEqual", "fieldLenGreater", "fieldLenLess", "fieldLenLessEqual"})
    result(n, {"key", "length"});
  result("fieldLenGreaterEqual", {"key", "length"},
         "'fieldLenGreaterEqual' tests len <= length (Selinon's behaviour, kept); use fieldLenLessEqual to say so, "
         "or {not: {name: fieldLenLess}} for len >= length");
  result("fieldUrlNetloc", {"key", "netloc"});
  result("fieldUrlPath", {"key", "path"});
  result("fieldUrlScheme", {"key", "scheme"});

  for (auto n : {"argsIsBool", "argsIsDict", "argsIsFloat", "argsIsInt", "argsIsList", "argsIsNone", "argsIsStr"})
    node_args(n, {});
  node_args("argsEmpty", {}, "'argsEmpty' is true when node_args are NOT empty (Selinon's behaviour, kept); "
                             "use {not: {name: argsEmpty}} to test for empty node_args");
  for (auto n : {"argsFieldExist", "argsFieldBool", "argsFieldDict", "argsFieldFloat", "argsFieldInt", "argsFieldList",
                 "argsFieldNone", "argsFieldStr"})
    node_args(n, {"key"});
  for (auto n : {"argsFieldEqual", "argsFieldNotEqual", "argsFieldGreater", "argsFieldGreaterEqual", "argsFieldLess",
                 "argsFieldLessEqual", "argsFieldContain"})
    node_args(n, {"key", "value"});
  for (auto n : {"argsFieldLenEqual", "argsFieldLenNotEqual", "argsFieldLenGreater", "argsFieldLenLess",
                 "argsFieldLenLessEqual"})
    node_args(n, {"key", "length"});
  node_args("argsFieldLenGreaterEqual", {"key", "length"},
            "'argsFieldLenGreaterEqual' tests len <= length (Selinon's behaviour, kept); use argsFieldLenLessEqual to "
            "say so, or {not: {name: argsFieldLenLess}} for len >= length");
  node_args("argsFieldUrlNetloc", {"key", "netloc"});
  node_args("argsFieldUrlPath", {"key", "path"});
  node_args("argsFieldUrlScheme", {"key", "scheme"});

  t.push_back({"alwaysTrue", false, false, {}, {}});
  t.push_back({"alwaysFalse", false, false, {}, {}});
  t.push_back({"envExist", false, false, {"env"}, {}});
  t.push_back({"envEqual", false, false, {"env", "value"}, {}});
  t.push_back({"httpStatus", false, false, {"host", "path", "status"}, {}});
  return t;
}

}  // namespace

const std::vector<PredicateSignature>& builtin_predicates() {
  static const std::vector<PredicateSignature> table = make_table();
  return table;
}

const PredicateSignature* builtin_predicate(std::string_view name) {
  for (const auto& p : builtin_predicates()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace selinon::model
