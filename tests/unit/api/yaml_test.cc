#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api.h"

namespace cubelet::api {
namespace {

Json One(std::string_view yaml) {
  auto docs = ParseYamlDocuments(yaml, "t.yaml");
  if (!docs.ok()) return Json("ERROR: " + docs.status().message());
  if (docs->size() != 1) return Json("ERROR: documents: " + std::to_string(docs->size()));
  return (*docs)[0].json;
}

TEST(YamlTest, ScalarsResolveLikeGoYamlV2) {
  const Json j = One(R"(
s: hello
q: "8080"
sq: 'true'
i: 8080
neg: -12
oct: 0644
hex: 0x1F
bin: 0b101
under: 1_000
f: 1.5
fint: 80.0
exp: 1e3
t1: true
t2: yes
t3: On
f1: false
f2: no
f3: off
n1: null
n2: ~
n3:
ts: 2024-01-01T00:00:00Z
ver: 1.2.3
str: !!str 123
)");
  EXPECT_EQ(j["s"], "hello");
  EXPECT_EQ(j["q"], "8080");
  EXPECT_EQ(j["sq"], "true");
  EXPECT_EQ(j["i"], 8080);
  EXPECT_EQ(j["neg"], -12);
  EXPECT_EQ(j["oct"], 420);
  EXPECT_EQ(j["hex"], 31);
  EXPECT_EQ(j["bin"], 5);
  EXPECT_EQ(j["under"], 1000);
  EXPECT_EQ(j["f"], 1.5);
  EXPECT_TRUE(j["fint"].is_number_integer());
  EXPECT_EQ(j["fint"], 80);
  EXPECT_EQ(j["exp"], 1000);
  for (const char* k : {"t1", "t2", "t3"}) EXPECT_EQ(j[k], true) << k;
  for (const char* k : {"f1", "f2", "f3"}) EXPECT_EQ(j[k], false) << k;
  for (const char* k : {"n1", "n2", "n3"}) EXPECT_TRUE(j[k].is_null()) << k;
  EXPECT_EQ(j["ts"], "2024-01-01T00:00:00Z");
  EXPECT_EQ(j["ver"], "1.2.3");
  EXPECT_EQ(j["str"], "123");
}

TEST(YamlTest, KeysBecomeStrings) {
  const Json j = One("on: a\n1: b\n\"x\": c\n");
  EXPECT_EQ(j["true"], "a");
  EXPECT_EQ(j["1"], "b");
  EXPECT_EQ(j["x"], "c");
}

TEST(YamlTest, DuplicateKeysAreErrors) {
  EXPECT_EQ(One("a: 1\nb: 2\na: 3\n"),
            "ERROR: t.yaml:3: yaml: key \"a\" already set in map (first at line 1)");
}

TEST(YamlTest, SyntaxErrorsCarryTheLine) {
  const std::string err = One("a: 1\nb: [1, 2\nc: 3\n").get<std::string>();
  EXPECT_THAT(err, ::testing::StartsWith("ERROR: t.yaml:"));
  EXPECT_THAT(err, ::testing::HasSubstr("yaml: "));
  EXPECT_THAT(One("a: .inf\n").get<std::string>(),
              ::testing::HasSubstr("t.yaml:1: yaml: unsupported value .inf"));
}

TEST(YamlTest, MergeKeysAndAnchors) {
  const Json j = One(R"(
base: &base {a: 1, b: 2}
derived:
  <<: *base
  b: 3
list: &l [x, z]
again: *l
)");
  EXPECT_EQ(j["derived"], Json({{"b", 3}, {"a", 1}}));
  EXPECT_EQ(j["again"], Json({"x", "z"}));
}

TEST(YamlTest, AliasBombIsRefused) {
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) bomb += (k ? ", *a" : "*a") + std::to_string(i - 1);
    bomb += "]\n";
  }
  EXPECT_THAT(One(bomb).get<std::string>(), ::testing::HasSubstr("too many nodes"));
}

TEST(YamlTest, RecursiveAliasIsAnErrorNotACrash) {
  EXPECT_THAT(One("a: &x\n  b: *x\n").get<std::string>(), ::testing::HasSubstr("nests too deeply"));
}

TEST(YamlTest, DeepNestingIsAnErrorNotACrash) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_THAT(One(deep).get<std::string>(), ::testing::StartsWith("ERROR: "));
}

TEST(YamlTest, InputsYamlCppWouldLoopOnAreErrors) {
  // yaml-cpp 0.7 never returns from LoadAll on these (upstream issue 1040).
  for (const char* text : {"{},", "[],b", "{},b"}) {
    EXPECT_THAT(One(text).get<std::string>(), ::testing::StartsWith("ERROR: t.yaml: yaml: "))
        << text;
  }
}

TEST(YamlTest, MultipleDocumentsAndLines) {
  auto docs = ParseYamlDocuments("---\na: 1\n---\n---\nb:\n  c: [1,\n    2]\n...\n", "m.yaml");
  ASSERT_TRUE(docs.ok()) << docs.status().message();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0].lines.LineFor("a"), 2);
  EXPECT_EQ((*docs)[1].lines.LineFor("b.c[1]"), 7);
  EXPECT_EQ((*docs)[1].lines.LineFor("b.c[5].x"), 6);  // falls back to the nearest ancestor
  EXPECT_EQ((*docs)[1].lines.Locate("b"), "m.yaml:5");
}

TEST(YamlTest, EmitsLikeKubectl) {
  Json j = Json::parse(R"({
    "kind": "Pod", "apiVersion": "v1",
    "metadata": {"name": "p", "creationTimestamp": null, "labels": {"app": "web"}},
    "spec": {"containers": [{"name": "c", "image": "busybox", "args": ["-c", "echo hi"],
                             "env": [{"name": "PORT", "value": "8080"}, {"name": "B", "value": "true"},
                                     {"name": "E", "value": ""}, {"name": "C", "value": "a: b"},
                                     {"name": "D", "value": "line1\nline2\n"}],
                             "resources": {}, "ports": []}]},
    "status": {"startTime": "2024-01-01T00:00:00Z", "hostIPs": [{"ip": "1.2.3.4"}]}
  })");
  EXPECT_EQ(EmitYaml(j), R"(apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: null
  labels:
    app: web
  name: p
spec:
  containers:
  - args:
    - -c
    - echo hi
    env:
    - name: PORT
      value: "8080"
    - name: B
      value: "true"
    - name: E
      value: ""
    - name: C
      value: 'a: b'
    - name: D
      value: |
        line1
        line2
    image: busybox
    name: c
    ports: []
    resources: {}
status:
  hostIPs:
  - ip: 1.2.3.4
  startTime: "2024-01-01T00:00:00Z"
)");
}

TEST(YamlTest, EmittedStringsReadBackUnchanged) {
  const std::vector<std::string> tricky = {"",
                                           " lead",
                                           "trail ",
                                           "yes",
                                           "No",
                                           "on",
                                           "~",
                                           "null",
                                           "0644",
                                           "1e3",
                                           "-",
                                           "- x",
                                           "#c",
                                           "a #c",
                                           "a: b",
                                           "key:",
                                           "'q'",
                                           "\"dq\"",
                                           "*star",
                                           "&amp",
                                           "!bang",
                                           "%pct",
                                           "@at",
                                           "`bt",
                                           "{x}",
                                           "[y]",
                                           "a,b",
                                           "tab\there",
                                           "multi\nline",
                                           "multi\nline\n",
                                           " multi\nline",
                                           "trailing \nspace",
                                           "\x01ctl",
                                           "ünïcödé",
                                           "---",
                                           "...",
                                           "?",
                                           ":",
                                           "2024-01-01",
                                           ".5",
                                           "+1",
                                           "0x1F",
                                           "1_000",
                                           "|",
                                           ">",
                                           "a\\b"};
  for (const std::string& s : tricky) {
    const Json in = {{"v", s}, {"list", {s}}};
    auto docs = ParseYamlDocuments(EmitYaml(in), "e.yaml");
    ASSERT_TRUE(docs.ok()) << "[" << s << "]\n" << EmitYaml(in) << docs.status().message();
    ASSERT_EQ(docs->size(), 1u) << s;
    EXPECT_EQ((*docs)[0].json["v"], s) << EmitYaml(in);
    EXPECT_EQ((*docs)[0].json["list"][0], s) << EmitYaml(in);
  }
}

}  // namespace
}  // namespace cubelet::api
