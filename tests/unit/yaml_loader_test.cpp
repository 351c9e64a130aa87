// The YAML loader reads what PyYAML's safe loader reads: typed scalars, merge keys, last duplicate key wins.
#include <doctest/doctest.h>

#include "parse/yaml_loader.hpp"

using selinon::diag::DiagnosticSink;
using selinon::parse::load_yaml;
using selinon::parse::resolve_plain_scalar;
using selinon::parse::SourceManager;
using selinon::parse::YamlValue;
using Kind = YamlValue::Kind;

namespace {

struct Loaded {
  SourceManager sources;
  DiagnosticSink sink;
  std::optional<YamlValue> value;
};

std::unique_ptr<Loaded> load(const std::string& text, selinon::parse::LoadLimits limits = {}) {
  auto l = std::make_unique<Loaded>();
  l->value = load_yaml(*l->sources.add("test.yml", text), l->sink, limits);
  return l;
}

}  // namespace

TEST_CASE("plain scalars resolve as YAML 1.1 like PyYAML") {
  CHECK(resolve_plain_scalar("yes").kind == Kind::boolean);
  CHECK(resolve_plain_scalar("Off").bool_value == false);
  CHECK(resolve_plain_scalar("~").kind == Kind::null);
  CHECK(resolve_plain_scalar("").kind == Kind::null);
  CHECK(resolve_plain_scalar("0x1F").int_value == 31);
  CHECK(resolve_plain_scalar("017").int_value == 15);
  CHECK(resolve_plain_scalar("1_000").int_value == 1000);
  CHECK(resolve_plain_scalar("1:30").int_value == 90);
  CHECK(resolve_plain_scalar("1.5").kind == Kind::floating);
  CHECK(resolve_plain_scalar("1e5").kind == Kind::string);  // PyYAML needs a dot in a float
  CHECK(resolve_plain_scalar(".inf").kind == Kind::floating);
  CHECK(resolve_plain_scalar("Task1").kind == Kind::string);
  CHECK(resolve_plain_scalar("99999999999999999999999").kind == Kind::floating);
}

TEST_CASE("quoted scalars stay strings") {
  auto l = load("a: 'yes'\nb: \"12\"\nc: yes\n");
  REQUIRE(l->value);
  CHECK(l->value->find("a")->kind == Kind::string);
  CHECK(l->value->find("b")->text == "12");
  CHECK(l->value->find("c")->kind == Kind::boolean);
}

TEST_CASE("merge keys bring in anchored entries; explicit keys win") {
  auto l = load("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n");
  REQUIRE(l->value);
  const YamlValue* d = l->value->find("d");
  REQUIRE(d);
  CHECK(d->find("x")->int_value == 1);
  CHECK(d->find("y")->int_value == 3);
  CHECK(l->sink.all().empty());
}

TEST_CASE("merge of a list of mappings: earlier mappings win") {
  auto l = load("a: &a {k: 1}\nb: &b {k: 2, m: 3}\nc:\n  <<: [*a, *b]\n");
  REQUIRE(l->value);
  const YamlValue* c = l->value->find("c");
  CHECK(c->find("k")->int_value == 1);
  CHECK(c->find("m")->int_value == 3);
}

TEST_CASE("a repeated key keeps the last value and warns at the repetition") {
  auto l = load("k: 1\nk: 2\n");
  REQUIRE(l->value);
  CHECK(l->value->find("k")->int_value == 2);
  REQUIRE(l->sink.all().size() == 1);
  CHECK(l->sink.all()[0].code == "duplicate-key");
  CHECK(l->sink.all()[0].loc.line == 2);
  CHECK(l->sink.all()[0].loc.column == 1);
}

TEST_CASE("an empty value sits where its key is") {
  auto l = load("edges:\n  - from:\n    to: T\n");
  REQUIRE(l->value);
  const YamlValue& edge = l->value->find("edges")->items.at(0);
  const YamlValue* from = edge.find("from");
  REQUIRE(from);
  CHECK(from->is_null());
  CHECK(from->loc.line == 2);
}

TEST_CASE("syntax errors are diagnostics with a position, not exceptions") {
  auto l = load("a: [1, 2\nb: 3\n");
  CHECK_FALSE(l->value);
  REQUIRE(l->sink.error_count() == 1);
  CHECK(l->sink.all()[0].code == "yaml-syntax");
  CHECK(l->sink.all()[0].loc.line >= 1);
}

TEST_CASE("several documents in one file are rejected as PyYAML's safe_load does") {
  auto l = load("a: 1\n---\nb: 2\n");
  CHECK_FALSE(l->value);
  CHECK(l->sink.all().at(0).code == "yaml-multiple-documents");
  CHECK(l->sink.all().at(0).loc.line == 3);
}

TEST_CASE("a leading document marker is fine") {
  auto l = load("---\na: 1\n");
  REQUIRE(l->value);
  CHECK(l->value->find("a")->int_value == 1);
}

TEST_CASE("recursive aliases and deep nesting are reported, not followed forever") {
  auto recursive = load("&a [*a]\n");
  CHECK_FALSE(recursive->value);
  CHECK(recursive->sink.has_errors());
  auto deep = load(std::string(500, '[') + std::string(500, ']'));
  CHECK_FALSE(deep->value);
  CHECK(deep->sink.has_errors());
}

TEST_CASE("non-data tags are refused like the safe loader refuses them") {
  auto l = load("a: !!python/tuple [1, 2]\n");
  CHECK_FALSE(l->value);
  CHECK(l->sink.all().at(0).code == "yaml-tag");
}

TEST_CASE("an alias of an alias is a full copy, positioned where the anchored text is") {
  auto l = load("a: &a {x: 1}\nb: &b [*a, *a]\nc: *b\n");
  REQUIRE(l->value);
  const YamlValue* c = l->value->find("c");
  REQUIRE(c);
  REQUIRE(c->items.size() == 2);
  CHECK(c->items[1].find("x")->int_value == 1);
  CHECK(c->items[1].find("x")->loc.line == 1);
  CHECK(c->items[1].find("x")->loc.column == 11);
  CHECK(c->loc.line == 2);
  CHECK(l->sink.all().empty());
}

TEST_CASE("merge of a list of aliases whose mappings merge in turn; explicit keys still win") {
  auto l = load("a: &a {x: 1, y: 2}\nb: &b {<<: *a, y: 3, z: 4}\nc:\n  <<: [*b, *a]\n  x: 0\n");
  REQUIRE(l->value);
  const YamlValue* c = l->value->find("c");
  REQUIRE(c);
  CHECK(c->python_repr() == "{'x': 0, 'y': 3, 'z': 4}");
}

TEST_CASE("an anchored scalar used as a key through its alias is the same key") {
  auto l = load("a: &k name\nb: {*k : 2, name: 3}\n");
  REQUIRE(l->value);
  CHECK(l->value->find("b")->python_repr() == "{'name': 3}");
  REQUIRE(l->sink.all().size() == 1);
  CHECK(l->sink.all()[0].code == "duplicate-key");
  CHECK(l->sink.all()[0].loc.line == 2);
  CHECK(l->sink.all()[0].loc.column == 13);
}

TEST_CASE("an alias of the scalar << is a merge key") {
  auto l = load("a: &m <<\nb: &b {x: 1}\nc: {*m : *b, y: 2}\n");
  REQUIRE(l->value);
  CHECK(l->value->find("c")->python_repr() == "{'y': 2, 'x': 1}");
}

TEST_CASE("an alias of an empty value sits at its own key") {
  auto l = load("a: &n\nb: *n\n");
  REQUIRE(l->value);
  CHECK(l->value->find("b")->is_null());
  CHECK(l->value->find("b")->loc.line == 2);
}

TEST_CASE("repeated keys in an anchored mapping warn again wherever it is copied") {
  auto l = load("a: &a {k: 1, k: 2}\nb: *a\nc: {<<: *a}\n");
  REQUIRE(l->value);
  CHECK(l->value->find("c")->find("k")->int_value == 2);
  REQUIRE(l->sink.all().size() == 3);
  for (const auto& d : l->sink.all()) {
    CHECK(d.code == "duplicate-key");
    CHECK(d.loc.column == 14);
  }
}

TEST_CASE("a recursive alias is too deep at the first node past the limit") {
  auto l = load("a: &x {b: *x}\n");
  CHECK_FALSE(l->value);
  REQUIRE(l->sink.all().size() == 1);
  CHECK(l->sink.all()[0].code == "yaml-too-deep");
  CHECK(l->sink.all()[0].loc.line == 1);
  CHECK(l->sink.all()[0].loc.column == 8);  // the key b, one level below its mapping at depth 200
}

TEST_CASE("a copy that nests too deep is reported at the copied node past the limit") {
  selinon::parse::LoadLimits limits;
  limits.max_depth = 3;
  auto l = load("a: &a [[x]]\nb: [*a]\n", limits);
  CHECK_FALSE(l->value);
  REQUIRE(l->sink.all().size() == 1);
  CHECK(l->sink.all()[0].code == "yaml-too-deep");
  CHECK(l->sink.all()[0].loc.line == 1);
  CHECK(l->sink.all()[0].loc.column == 9);
}

TEST_CASE("aliases expanding beyond the node limit are rejected before the copies are made") {
  selinon::parse::LoadLimits limits;
  limits.max_nodes = 50;
  auto l = load("a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nd: !!int bad\n", limits);
  CHECK_FALSE(l->value);
  REQUIRE(l->sink.all().size() == 1);  // the size wins over the tag error after it
  CHECK(l->sink.all()[0].code == "yaml-too-large");
  CHECK(l->sink.all()[0].loc.line == 3);
  CHECK(l->sink.all()[0].loc.column == 4);  // c's sequence, the first part too large; it starts at its anchor
}

TEST_CASE("a file that is only a stray token is a syntax error, not an endless stream of documents") {
  auto l = load(",");
  CHECK_FALSE(l->value);
  REQUIRE(l->sink.all().size() == 1);
  CHECK(l->sink.all()[0].code == "yaml-syntax");
  CHECK(l->sink.all()[0].loc.column == 1);
}

TEST_CASE("a syntax error in a second document is reported as a syntax error") {
  auto l = load("a: 1\n---\nb: [\n");
  CHECK_FALSE(l->value);
  REQUIRE(l->sink.all().size() == 1);
  CHECK(l->sink.all()[0].code == "yaml-syntax");
}

TEST_CASE("text after an indented top-level mapping is not dropped") {
  auto l = load(" a: 1\nb: 2\n");
  CHECK_FALSE(l->value);
  REQUIRE(l->sink.all().size() == 1);
  CHECK(l->sink.all()[0].code == "yaml-multiple-documents");
  CHECK(l->sink.all()[0].loc.line == 2);
}

TEST_CASE("warnings before the first error are kept, later ones are not") {
  auto l = load("k: 1\nk: 2\nt: !!int x\nj: 1\nj: 2\n");
  CHECK_FALSE(l->value);
  REQUIRE(l->sink.all().size() == 2);
  CHECK(l->sink.all()[0].code == "duplicate-key");
  CHECK(l->sink.all()[0].loc.line == 2);
  CHECK(l->sink.all()[1].code == "yaml-tag");
}

TEST_CASE("quoted scalars span their quotes") {
  auto l = load("a: 'abc'\nb: abc\n");
  REQUIRE(l->value);
  CHECK(l->value->find("a")->loc.length == 5);
  CHECK(l->value->find("b")->loc.length == 3);
}
