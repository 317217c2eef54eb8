// LoadKubeconfig: the current context's cluster and user, and errors that say where.
#include <filesystem>
#include <fstream>
#include <stdlib.h>
#include <string>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/encoding.h"
#include "client/client.h"

namespace cubelet::client {
namespace {

using ::testing::HasSubstr;

class KubeconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "kubeconfig-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  std::string dir_;
};

constexpr char kConfig[] = R"(apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: prod
  context: {cluster: big, user: admin}
- name: dev
  context:
    cluster: local
    user: me
    namespace: team-a
clusters:
- name: big
  cluster: {server: "https://10.0.0.1:6443"}
- name: local
  cluster:
    server: http://127.0.0.1:6443
    insecure-skip-tls-verify: true
users:
- name: admin
  user: {token: wrong}
- name: me
  user:
    token: abc.def
)";

TEST_F(KubeconfigTest, CurrentContextPicksClusterAndUser) {
  auto config = LoadKubeconfig(Write("config", kConfig));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server, "http://127.0.0.1:6443");
  EXPECT_EQ(config->bearer_token, "abc.def");
  EXPECT_EQ(config->namespace_, "team-a");
  EXPECT_TRUE(config->insecure_skip_tls_verify);
  EXPECT_EQ(config->user_agent, "cubelet/0.1");  // defaults kept
}

TEST_F(KubeconfigTest, TokenFileAndCertificatesFromFilesOrData) {
  Write("token", "from-file\n");
  Write("ca.pem", "CA PEM");
  const std::string path = Write("config", R"(current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "https://h:6443", certificate-authority: ca.pem}}]
users:
- name: u
  user:
    tokenFile: token
    client-certificate-data: )" + base::Base64Encode("CERT PEM") +
                                               R"(
    client-key-data: )" + base::Base64Encode("KEY PEM") +
                                               "\n");
  auto config = LoadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->bearer_token, "from-file");  // relative to the kubeconfig, newline dropped
  EXPECT_EQ(config->certificate_authority_pem, "CA PEM");
  EXPECT_EQ(config->client_certificate_pem, "CERT PEM");
  EXPECT_EQ(config->client_key_pem, "KEY PEM");
  EXPECT_EQ(config->namespace_, "default");
  EXPECT_FALSE(config->insecure_skip_tls_verify);
}

TEST_F(KubeconfigTest, AnonymousUserIsFine) {
  auto config = LoadKubeconfig(Write("config", R"(current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "http://h:1"}}]
users: [{name: u, user: {}}]
)"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->bearer_token, "");
}

TEST_F(KubeconfigTest, ErrorsNameFileLineAndField) {
  const std::string missing_ctx = Write("a", "current-context: nope\ncontexts: []\nclusters: []\n");
  auto r = LoadKubeconfig(missing_ctx);
  EXPECT_EQ(r.status().code(), base::Code::kInvalid);
  EXPECT_EQ(r.status().message(),
            missing_ctx + ":1: current-context: context \"nope\" not found in contexts");

  const std::string no_server = Write("b", R"(current-context: c
contexts: [{name: c, context: {cluster: k}}]
clusters:
- name: k
  cluster:
    certificate-authority-data: ""
)");
  r = LoadKubeconfig(no_server);
  EXPECT_EQ(r.status().code(), base::Code::kInvalid);
  EXPECT_EQ(r.status().message(), no_server + ":5: clusters[0].cluster.server: Required value");

  const std::string no_user = Write("c", R"(current-context: c
contexts: [{name: c, context: {cluster: k, user: ghost}}]
clusters: [{name: k, cluster: {server: "http://h:1"}}]
)");
  r = LoadKubeconfig(no_user);
  EXPECT_THAT(r.status().message(),
              HasSubstr("contexts[0].context.user: user \"ghost\" not found"));

  r = LoadKubeconfig(Write("d", "kind: Config\n"));
  EXPECT_THAT(r.status().message(), HasSubstr("current-context: not set"));

  r = LoadKubeconfig(dir_ + "/absent");
  EXPECT_EQ(r.status().code(), base::Code::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr(dir_ + "/absent"));

  const std::string exec = Write("e", R"(current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "http://h:1"}}]
users: [{name: u, user: {exec: {command: gcloud}}}]
)");
  r = LoadKubeconfig(exec);
  EXPECT_EQ(r.status().code(), base::Code::kUnimplemented);
  EXPECT_THAT(r.status().message(), HasSubstr("users[0].user.exec"));
}

}  // namespace
}  // namespace cubelet::client
