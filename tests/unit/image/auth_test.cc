#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/encoding.h"
#include "image/image.h"

namespace cubelet::image {
namespace {

using ::testing::ElementsAre;

TEST(WwwAuthenticateTest, ParsesBearerWithQuotedCommas) {
  auto ch = ParseWwwAuthenticate(
      R"(Bearer realm="http://127.0.0.1:5003/token",service="harbor-registry",scope="repository:a/b:pull,push repository:c:pull",error="insufficient_scope")");
  ASSERT_TRUE(ch.ok()) << ch.status().message();
  ASSERT_EQ(ch->size(), 1u);
  EXPECT_EQ((*ch)[0].scheme, "bearer");
  EXPECT_EQ((*ch)[0].params.at("realm"), "http://127.0.0.1:5003/token");
  EXPECT_EQ((*ch)[0].params.at("service"), "harbor-registry");
  EXPECT_EQ((*ch)[0].params.at("scope"), "repository:a/b:pull,push repository:c:pull");
  EXPECT_EQ((*ch)[0].params.at("error"), "insufficient_scope");
}

TEST(WwwAuthenticateTest, SeveralChallengesAndTokens) {
  auto ch = ParseWwwAuthenticate(R"(Basic realm="basic-realm", Bearer realm=x, service="s\"q")");
  ASSERT_TRUE(ch.ok()) << ch.status().message();
  ASSERT_EQ(ch->size(), 2u);
  EXPECT_EQ((*ch)[0].scheme, "basic");
  EXPECT_EQ((*ch)[0].params.at("realm"), "basic-realm");
  EXPECT_EQ((*ch)[1].scheme, "bearer");
  EXPECT_EQ((*ch)[1].params.at("realm"), "x");
  EXPECT_EQ((*ch)[1].params.at("service"), "s\"q");
  EXPECT_FALSE(ParseWwwAuthenticate("").ok());
  EXPECT_FALSE(ParseWwwAuthenticate("Bearer realm=\"unterminated").ok());
}

std::string Config(const std::string& auths) { return R"({"auths":)" + auths + "}"; }

api::ImageReference Ref(const char* s) { return *api::ParseImageReference(s); }

TEST(KeyringTest, DockerConfigFormsAndMatching) {
  const std::string robot = base::Base64Encode("robot$team-a+ci:pa:ss");
  auto ring = Keyring::FromDockerConfig(Config(R"({
    "127.0.0.1:5002": {"auth": ")" + robot + R"("},
    "https://index.docker.io/v1/": {"username": "hub", "password": "hubpw"},
    "registry.example.com/team": {"auth": ")" + base::Base64Encode("team:1") +
                                               R"("},
    "registry.example.com": {"auth": ")" + base::Base64Encode("any:2") +
                                               R"("},
    "*.example.org": {"username": "glob", "password": "3"},
    "localhost:5000/v2/": {"username": "l", "password": "4", "identitytoken": "tok"}
  })"));
  ASSERT_TRUE(ring.ok()) << ring.status().message();
  EXPECT_THAT(ring->Lookup(Ref("127.0.0.1:5002/private/busybox")),
              ElementsAre(Credential{"robot$team-a+ci", "pa:ss", ""}));
  EXPECT_THAT(ring->Lookup(Ref("127.0.0.1:5001/private/busybox")), ElementsAre());
  EXPECT_THAT(ring->Lookup(Ref("busybox")), ElementsAre(Credential{"hub", "hubpw", ""}));
  EXPECT_THAT(ring->Lookup(Ref("registry.example.com/team/app")),
              ElementsAre(Credential{"team", "1", ""}, Credential{"any", "2", ""}));
  EXPECT_THAT(ring->Lookup(Ref("registry.example.com/other/app")),
              ElementsAre(Credential{"any", "2", ""}));
  EXPECT_THAT(ring->Lookup(Ref("a.example.org/x")), ElementsAre(Credential{"glob", "3", ""}));
  EXPECT_THAT(ring->Lookup(Ref("a.b.example.org/x")), ElementsAre());
  EXPECT_THAT(ring->Lookup(Ref("localhost:5000/x")), ElementsAre(Credential{"l", "4", "tok"}));
}

TEST(KeyringTest, LegacyDockercfgAndUnpaddedAuth) {
  std::string auth = base::Base64Encode("u:p1");
  while (!auth.empty() && auth.back() == '=') auth.pop_back();
  auto ring = Keyring::FromDockerConfig(R"({"reg.local:443": {"auth": ")" + auth + R"("}})");
  ASSERT_TRUE(ring.ok()) << ring.status().message();
  EXPECT_THAT(ring->Lookup(Ref("reg.local:443/app")), ElementsAre(Credential{"u", "p1", ""}));
}

TEST(KeyringTest, RejectsBrokenConfigs) {
  EXPECT_FALSE(Keyring::FromDockerConfig("not json").ok());
  EXPECT_FALSE(Keyring::FromDockerConfig(Config(R"({"h": {"auth": "!!!"}})")).ok());
  EXPECT_FALSE(Keyring::FromDockerConfig(
                   Config(R"({"h": {"auth": ")" + base::Base64Encode("nocolon") + R"("}})"))
                   .ok());
}

}  // namespace
}  // namespace cubelet::image
