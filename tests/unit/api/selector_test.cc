#include "api/selector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api.h"

namespace cubelet::api {
namespace {

using ::testing::HasSubstr;

LabelMatcher MustParse(std::string_view text) {
  auto m = ParseLabelSelector(text);
  EXPECT_TRUE(m.ok()) << text << ": " << m.status().ToString();
  return m.ok() ? *m : LabelMatcher::Nothing();
}

std::string ParseError(std::string_view text) {
  auto m = ParseLabelSelector(text);
  EXPECT_FALSE(m.ok()) << text << " parsed as " << (m.ok() ? m->ToString() : "");
  if (m.ok()) return "";
  EXPECT_EQ(m.status().code(), base::Code::kInvalid);
  return m.status().message();
}

TEST(LabelSelectorTest, ParsesEveryOperatorToItsCanonicalForm) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},
      {"a=b", "a=b"},
      {"a==b", "a==b"},
      {"a!=b", "a!=b"},
      {" a = b ", "a=b"},
      {"env in (prod, staging)", "env in (prod,staging)"},
      {"env in (staging,prod,prod)", "env in (prod,staging)"},
      {"env notin (dev)", "env notin (dev)"},
      {"release", "release"},
      {"!canary", "!canary"},
      {"gen>3", "gen>3"},
      {"gen<10", "gen<10"},
      // Requirements are sorted by key, so the form is canonical.
      {"z=1,a=2,!m", "a=2,!m,z=1"},
      // In a value position "in" is an ordinary word.
      {"in=in", "in=in"},
      {"a=", "a="},
      {"a in ()", "a in ()"},
      {"a in (,b)", "a in (,b)"},
      {"example.com/app=web", "example.com/app=web"},
  };
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(MustParse(in).ToString(), want) << in;
    // The canonical form parses back to the same matcher.
    EXPECT_EQ(MustParse(MustParse(in).ToString()), MustParse(in)) << in;
  }
}

TEST(LabelSelectorTest, MatchesLikeKubernetes) {
  const StringMap web = {{"app", "web"}, {"env", "prod"}, {"gen", "5"}};
  const StringMap none;
  struct Case {
    const char* selector;
    bool web;
    bool none;
  };
  const Case cases[] = {
      {"", true, true},
      {"app=web", true, false},
      {"app==web", true, false},
      {"app=db", false, false},
      // != and notin also select objects that lack the label.
      {"app!=db", true, true},
      {"app!=web", false, true},
      {"env in (prod,staging)", true, false},
      {"env in (staging)", false, false},
      {"env notin (prod)", false, true},
      {"env notin (dev)", true, true},
      {"app", true, false},
      {"!app", false, true},
      {"gen>4", true, false},
      {"gen>5", false, false},
      {"gen<6", true, false},
      {"app=web,env=dev", false, false},
      {"app=web,env=prod,!canary", true, false},
  };
  for (const Case& c : cases) {
    LabelMatcher m = MustParse(c.selector);
    EXPECT_EQ(m.Matches(web), c.web) << c.selector;
    EXPECT_EQ(m.Matches(none), c.none) << c.selector;
  }
  // A label value that is not an integer never satisfies > or <.
  EXPECT_FALSE(MustParse("gen>1").Matches({{"gen", "x"}}));
}

TEST(LabelSelectorTest, ReportsKubernetesErrors) {
  EXPECT_EQ(ParseError("a=b=c"), "found '=', expected: ',' or 'end of string'");
  EXPECT_EQ(ParseError("a=b,"), "found '', expected: identifier after ','");
  EXPECT_EQ(ParseError("a in b"), "unable to parse requirement: found 'b' expected: '('");
  EXPECT_EQ(ParseError("a in (b"), "unable to parse requirement: found '', expected: ',' or ')'");
  EXPECT_EQ(ParseError("a notin"), "unable to parse requirement: found '' expected: '('");
  EXPECT_EQ(ParseError("a b"),
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  EXPECT_EQ(ParseError("=a"), "found '=', expected: !, identifier, or 'end of string'");
  EXPECT_EQ(ParseError("!a=b"), "found '=', expected: ',' or 'end of string'");
  EXPECT_EQ(ParseError("a>x"),
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' "
            "operators, the value must be an integer");
  // '=' always ends a word, so "b=c" is read as "b" first.
  EXPECT_THAT(ParseError("a b=c"), HasSubstr("found 'b', expected: in"));
  EXPECT_THAT(ParseError("-a=b"),
              HasSubstr("unable to parse requirement: key: Invalid value: \"-a\": name part "
                        "must consist of alphanumeric characters"));
  EXPECT_THAT(ParseError("a=-b"),
              HasSubstr("unable to parse requirement: values[0][a]: Invalid value: \"-b\": a "
                        "valid label must be an empty string or consist of alphanumeric"));
}

TEST(LabelSelectorTest, FromLabelSelectorAsReplicaSetsUseIt) {
  LabelSelector sel;
  sel.match_labels = {{"app", "web"}};
  sel.match_expressions = {{"env", "In", {"prod", "staging"}}, {"canary", "DoesNotExist", {}}};
  auto m = LabelMatcherFrom(sel);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->ToString(), "app=web,!canary,env in (prod,staging)");
  EXPECT_TRUE(m->Matches({{"app", "web"}, {"env", "prod"}}));
  EXPECT_FALSE(m->Matches({{"app", "web"}, {"env", "prod"}, {"canary", "1"}}));
  EXPECT_FALSE(m->Matches({{"app", "web"}}));

  sel.match_expressions = {{"tier", "Exists", {}}, {"env", "NotIn", {"dev"}}};
  m = LabelMatcherFrom(sel);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->Matches({{"app", "web"}, {"tier", "fe"}}));
  EXPECT_FALSE(m->Matches({{"app", "web"}, {"tier", "fe"}, {"env", "dev"}}));

  // Empty selects everything, missing selects nothing.
  EXPECT_TRUE(LabelMatcherFrom(LabelSelector{})->Empty());
  EXPECT_TRUE(LabelMatcherFrom(LabelSelector{})->Matches({}));
  EXPECT_FALSE(LabelMatcherFrom(std::optional<LabelSelector>())->Matches({}));
  EXPECT_FALSE(LabelMatcherFrom(std::optional<LabelSelector>())->Matches({{"a", "b"}}));

  sel.match_expressions = {{"env", "Gt", {"1"}}};
  EXPECT_EQ(LabelMatcherFrom(sel).status().message(),
            "\"Gt\" is not a valid label selector operator");
  sel.match_expressions = {{"env", "In", {}}};
  EXPECT_EQ(LabelMatcherFrom(sel).status().message(),
            "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't "
            "be empty");
}

TEST(LabelSelectorTest, FromSetIsAnExactMatch) {
  LabelMatcher m = LabelMatcher::FromSet({{"app", "web"}, {"tier", "fe"}});
  EXPECT_EQ(m.ToString(), "app=web,tier=fe");
  EXPECT_TRUE(m.Matches({{"app", "web"}, {"tier", "fe"}, {"x", "y"}}));
  EXPECT_FALSE(m.Matches({{"app", "web"}}));
}

// ---- fields -----------------------------------------------------------------------------------

const KindInfo& KindNamed(std::string_view kind) {
  for (const KindInfo& k : Kinds()) {
    if (k.kind == kind) return k;
  }
  ADD_FAILURE() << "no kind " << kind;
  return Kinds()[0];
}

FieldMatcher MustParseFields(std::string_view text) {
  auto m = ParseFieldSelector(text);
  EXPECT_TRUE(m.ok()) << text << ": " << m.status().ToString();
  return m.ok() ? *m : FieldMatcher();
}

Pod MakePod() {
  Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "default";
  pod.spec.node_name = "n1";
  pod.spec.restart_policy = "Always";
  pod.spec.scheduler_name = "default-scheduler";
  pod.spec.service_account_name = "default";
  pod.status.phase = "Running";
  pod.status.pod_ip = "10.0.0.5";
  return pod;
}

TEST(FieldSelectorTest, ParsesTermsAndEscapes) {
  FieldMatcher m = MustParseFields("status.phase!=Failed,metadata.name==web");
  ASSERT_EQ(m.requirements().size(), 2u);
  EXPECT_EQ(m.ToString(), "metadata.name=web,status.phase!=Failed");
  EXPECT_EQ(m.RequiredValue("metadata.name"), "web");
  EXPECT_EQ(m.RequiredValue("status.phase"), std::nullopt);

  m = MustParseFields(R"(metadata.name=a\,b\=c\\d)");
  ASSERT_EQ(m.requirements().size(), 1u);
  EXPECT_EQ(m.requirements()[0].value, R"(a,b=c\d)");
  EXPECT_EQ(m.ToString(), R"(metadata.name=a\,b\=c\\d)");
  EXPECT_TRUE(MustParseFields("").Empty());
  EXPECT_TRUE(MustParseFields(",,").Empty());
  // An empty value is allowed and selects the empty field.
  EXPECT_EQ(MustParseFields("spec.nodeName=").requirements()[0].value, "");
}

TEST(FieldSelectorTest, ReportsKubernetesErrors) {
  EXPECT_EQ(ParseFieldSelector("metadata.name").status().message(),
            "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
  EXPECT_EQ(ParseFieldSelector("a=b,c").status().message(),
            "invalid selector: 'a=b,c'; can't understand 'c'");
  EXPECT_EQ(ParseFieldSelector(R"(a=b\x)").status().message(),
            R"(invalid field selector: invalid escape sequence: \x)");
  EXPECT_EQ(ParseFieldSelector(R"(a=b\)").status().message(),
            R"(invalid field selector: invalid escape sequence: \)");
  // Go prints the rune as its number.
  EXPECT_EQ(ParseFieldSelector("a=b=c").status().message(),
            "invalid field selector: unescaped character in value: 61");
  EXPECT_EQ(ParseFieldSelector("spec.foo=x", KindNamed("Pod")).status().message(),
            "field label not supported: spec.foo");
  EXPECT_EQ(ParseFieldSelector("spec.foo=x", KindNamed("Pod")).status().code(),
            base::Code::kInvalid);
}

TEST(FieldSelectorTest, EachKindSupportsItsOwnFields) {
  auto ok = [](std::string_view kind, std::string_view sel) {
    return ParseFieldSelector(sel, KindNamed(kind)).ok();
  };
  for (const KindInfo& k : Kinds()) EXPECT_TRUE(ok(k.kind, "metadata.name=x")) << k.kind;
  EXPECT_TRUE(ok("Pod",
                 "metadata.namespace=a,spec.nodeName=n,spec.restartPolicy=Always,"
                 "spec.schedulerName=s,spec.serviceAccountName=d,status.phase=Running,"
                 "status.podIP=1.2.3.4,status.nominatedNodeName=n"));
  EXPECT_TRUE(ok("Event",
                 "involvedObject.kind=Pod,involvedObject.namespace=d,"
                 "involvedObject.name=w,involvedObject.uid=u,"
                 "involvedObject.apiVersion=v1,involvedObject.resourceVersion=1,"
                 "involvedObject.fieldPath=f,reason=r,reportingComponent=c,source=s,"
                 "type=Normal"));
  EXPECT_TRUE(ok("Secret", "type=Opaque"));
  EXPECT_TRUE(ok("Node", "spec.unschedulable=true"));
  EXPECT_TRUE(ok("Namespace", "status.phase=Active"));
  EXPECT_TRUE(ok("ReplicaSet", "status.replicas=0"));
  EXPECT_TRUE(ok("Service", "metadata.namespace=default"));
  EXPECT_FALSE(ok("Service", "spec.type=ClusterIP"));
  // Leases select by name and namespace only (the registry adds no fields).
  EXPECT_TRUE(ok("Lease", "metadata.namespace=kube-node-lease"));
  EXPECT_FALSE(ok("Lease", "spec.holderIdentity=node-1"));
  EXPECT_FALSE(ok("Secret", "spec.nodeName=n"));
  EXPECT_FALSE(ok("Deployment", "status.replicas=0"));
  // Cluster-scoped kinds have no metadata.namespace field, as in Kubernetes.
  EXPECT_FALSE(ok("Node", "metadata.namespace="));
  EXPECT_FALSE(ok("Namespace", "metadata.namespace="));
}

TEST(FieldSelectorTest, EvaluatesAgainstObjects) {
  const Object pod = MakePod();
  EXPECT_TRUE(MustParseFields("metadata.name=web,metadata.namespace=default").Matches(pod));
  EXPECT_TRUE(MustParseFields("spec.nodeName=n1,status.phase!=Failed").Matches(pod));
  EXPECT_FALSE(MustParseFields("spec.nodeName=n2").Matches(pod));
  EXPECT_FALSE(MustParseFields("status.phase!=Running").Matches(pod));
  EXPECT_TRUE(MustParseFields("status.podIP=10.0.0.5,spec.hostNetwork=false").Matches(pod));
  EXPECT_TRUE(MustParseFields("spec.restartPolicy=Always,spec.schedulerName=default-scheduler,"
                              "spec.serviceAccountName=default,status.nominatedNodeName=")
                  .Matches(pod));

  Event ev;
  ev.metadata.name = "web.1";
  ev.involved_object = {"Pod", "default", "web", "uid-1", "v1", "7", "spec.containers{c}"};
  ev.reason = "Started";
  ev.type = "Normal";
  ev.reporting_component = "kubelet";
  EXPECT_TRUE(MustParseFields("involvedObject.name=web,involvedObject.uid=uid-1,"
                              "involvedObject.kind=Pod,involvedObject.fieldPath=spec."
                              "containers{c},reason=Started,type=Normal")
                  .Matches(Object(ev)));
  // "source" falls back to the reporting component when source.component is empty.
  EXPECT_TRUE(MustParseFields("source=kubelet").Matches(Object(ev)));
  ev.source.component = "scheduler";
  EXPECT_TRUE(MustParseFields("source=scheduler,reportingComponent=kubelet").Matches(Object(ev)));

  Node node;
  node.metadata.name = "n1";
  EXPECT_TRUE(MustParseFields("spec.unschedulable=false").Matches(Object(node)));
  node.spec.unschedulable = true;
  EXPECT_TRUE(MustParseFields("spec.unschedulable=true").Matches(Object(node)));

  Secret secret;
  secret.type = "kubernetes.io/dockerconfigjson";
  EXPECT_TRUE(MustParseFields("type=kubernetes.io/dockerconfigjson").Matches(Object(secret)));

  Namespace ns;
  ns.status.phase = "Terminating";
  EXPECT_TRUE(MustParseFields("status.phase=Terminating").Matches(Object(ns)));

  ReplicaSet rs;
  rs.status.replicas = 3;
  EXPECT_TRUE(MustParseFields("status.replicas=3").Matches(Object(rs)));
  EXPECT_EQ(FieldValue(Object(rs), "status.replicas"), "3");
  EXPECT_EQ(FieldValue(Object(rs), "spec.nodeName"), std::nullopt);
}

}  // namespace
}  // namespace cubelet::api
