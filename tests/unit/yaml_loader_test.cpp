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

std::unique_ptr<Loaded> load(const std::string& text) {
  auto l = std::make_unique<Loaded>();
  l->value = load_yaml(*l->sources.add("test.yml", text), l->sink);
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
