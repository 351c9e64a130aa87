// Selinon's built-in edge-condition predicates, reproducing Python Selinon's semantics on JSON values.
//
// Generated flow code calls these directly. Conventions (relied upon by the code generator):
//   * result predicates take the bound node's stored result first (`message`), node-args predicates take the
//     flow's node_args first (`node_args`); the remaining parameters are the literal `args` of the YAML leaf in the
//     order of compiler/model/predicates.cpp;
//   * every argument is the JSON literal as written in YAML; `key` is one key or a list of keys (a key path);
//   * no predicate throws: any failure Python would raise (missing key, wrong type, comparing a string with a
//     number, ...) makes the predicate false.
// Semantics follow CPython 3.11: `1 == 1.0`, booleans are integers, ordering across types fails, `in` is
// substring / element / dict-key membership, len() counts code points, URLs are split like urllib.parse.urlparse.
#pragma once

#include <chrono>

#include "selinon/json.hpp"

namespace selinon::predicates {

// --- result predicates (`message` = stored result of the bound node) ---

bool isBool(const Json& message);
bool isDict(const Json& message);
bool isFloat(const Json& message);
bool isInt(const Json& message);  // true for booleans too (Python: bool is an int)
bool isList(const Json& message);
bool isNone(const Json& message);
bool isStr(const Json& message);
bool empty(const Json& message);  // Python truthiness: true for NON-empty results (Selinon's naming, kept)

bool fieldExist(const Json& message, const Json& key);
bool fieldBool(const Json& message, const Json& key);
bool fieldDict(const Json& message, const Json& key);
bool fieldFloat(const Json& message, const Json& key);
bool fieldInt(const Json& message, const Json& key);
bool fieldList(const Json& message, const Json& key);
bool fieldNone(const Json& message, const Json& key);
bool fieldStr(const Json& message, const Json& key);

bool fieldEqual(const Json& message, const Json& key, const Json& value);
bool fieldNotEqual(const Json& message, const Json& key, const Json& value);  // false when the key path is missing
bool fieldGreater(const Json& message, const Json& key, const Json& value);
bool fieldGreaterEqual(const Json& message, const Json& key, const Json& value);
bool fieldLess(const Json& message, const Json& key, const Json& value);
bool fieldLessEqual(const Json& message, const Json& key, const Json& value);
bool fieldContain(const Json& message, const Json& key, const Json& value);

bool fieldLenEqual(const Json& message, const Json& key, const Json& length);
bool fieldLenNotEqual(const Json& message, const Json& key, const Json& length);
bool fieldLenGreater(const Json& message, const Json& key, const Json& length);
bool fieldLenGreaterEqual(const Json& message, const Json& key, const Json& length);  // len <= length (Selinon bug)
bool fieldLenLess(const Json& message, const Json& key, const Json& length);
bool fieldLenLessEqual(const Json& message, const Json& key, const Json& length);  // len <= length

bool fieldUrlNetloc(const Json& message, const Json& key, const Json& netloc);
bool fieldUrlPath(const Json& message, const Json& key, const Json& path);
bool fieldUrlScheme(const Json& message, const Json& key, const Json& scheme);

// --- node-args predicates (`node_args` = the flow's node_args) ---

bool argsIsBool(const Json& node_args);
bool argsIsDict(const Json& node_args);
bool argsIsFloat(const Json& node_args);
bool argsIsInt(const Json& node_args);
bool argsIsList(const Json& node_args);
bool argsIsNone(const Json& node_args);
bool argsIsStr(const Json& node_args);
bool argsEmpty(const Json& node_args);  // true for NON-empty node_args (Selinon's naming, kept)

bool argsFieldExist(const Json& node_args, const Json& key);
bool argsFieldBool(const Json& node_args, const Json& key);
bool argsFieldDict(const Json& node_args, const Json& key);
bool argsFieldFloat(const Json& node_args, const Json& key);
bool argsFieldInt(const Json& node_args, const Json& key);
bool argsFieldList(const Json& node_args, const Json& key);
bool argsFieldNone(const Json& node_args, const Json& key);
bool argsFieldStr(const Json& node_args, const Json& key);

bool argsFieldEqual(const Json& node_args, const Json& key, const Json& value);
bool argsFieldNotEqual(const Json& node_args, const Json& key, const Json& value);
bool argsFieldGreater(const Json& node_args, const Json& key, const Json& value);
bool argsFieldGreaterEqual(const Json& node_args, const Json& key, const Json& value);
bool argsFieldLess(const Json& node_args, const Json& key, const Json& value);
bool argsFieldLessEqual(const Json& node_args, const Json& key, const Json& value);
bool argsFieldContain(const Json& node_args, const Json& key, const Json& value);

bool argsFieldLenEqual(const Json& node_args, const Json& key, const Json& length);
bool argsFieldLenNotEqual(const Json& node_args, const Json& key, const Json& length);
bool argsFieldLenGreater(const Json& node_args, const Json& key, const Json& length);
bool argsFieldLenGreaterEqual(const Json& node_args, const Json& key, const Json& length);  // len <= length (bug)
bool argsFieldLenLess(const Json& node_args, const Json& key, const Json& length);
bool argsFieldLenLessEqual(const Json& node_args, const Json& key, const Json& length);  // len <= length

bool argsFieldUrlNetloc(const Json& node_args, const Json& key, const Json& netloc);
bool argsFieldUrlPath(const Json& node_args, const Json& key, const Json& path);
bool argsFieldUrlScheme(const Json& node_args, const Json& key, const Json& scheme);

// --- predicates needing neither a result nor node_args ---

bool alwaysTrue();
bool alwaysFalse();
bool envExist(const Json& env);                    // the variable is set now (read at call time)
bool envEqual(const Json& env, const Json& value);  // set and equal to `value` (a string)
// Plain-HTTP `HEAD path` to `host` ("name" or "name:port") answers `status`; any error or a 5 s overrun => false.
bool httpStatus(const Json& host, const Json& path, const Json& status);

namespace detail {
// httpStatus with an explicit overall time budget (resolution, connect, send and read), for tests and tuning.
bool httpStatusWithin(const Json& host, const Json& path, const Json& status, std::chrono::milliseconds budget);
}  // namespace detail

}  // namespace selinon::predicates
