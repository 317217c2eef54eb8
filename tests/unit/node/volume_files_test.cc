// The files of configMap, secret, downwardAPI and projected volumes, and the kubelet's
// FailedMount messages when they can't be made.
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "node/node.h"
#include "node/pod_env.h"

namespace cubelet::node {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

api::Quantity Q(const char* text) { return api::Quantity::Parse(text).value(); }

// (path, content, mode) of each file, for one-line expectations.
using Row = std::tuple<std::string, std::string, int>;
std::vector<Row> Rows(const std::vector<runtime::KeyToPath>& files) {
  std::vector<Row> out;
  for (const auto& f : files) out.emplace_back(f.path, f.content, f.mode);
  return out;
}

api::KeyToPath Item(const std::string& key, const std::string& path,
                    std::optional<int32_t> mode = std::nullopt) {
  return api::KeyToPath{key, path, mode};
}

api::DownwardAPIVolumeFile FieldFile(const std::string& path, const std::string& field,
                                     std::optional<int32_t> mode = std::nullopt) {
  api::DownwardAPIVolumeFile f;
  f.path = path;
  f.field_ref.emplace().field_path = field;
  f.mode = mode;
  return f;
}

api::DownwardAPIVolumeFile ResourceFile(const std::string& path, const std::string& container,
                                        const std::string& resource,
                                        const char* divisor = nullptr) {
  api::DownwardAPIVolumeFile f;
  f.path = path;
  auto& ref = f.resource_field_ref.emplace();
  ref.container_name = container;
  ref.resource = resource;
  if (divisor) ref.divisor = Q(divisor);
  return f;
}

class VolumeFilesTest : public ::testing::Test {
 protected:
  VolumeFilesTest() {
    pod_.metadata.namespace_ = "ns";
    pod_.metadata.name = "web";
    pod_.metadata.uid = "uid-1";
    api::Container& c = pod_.spec.containers.emplace_back();
    c.name = "app";
    c.resources.limits = {{"memory", Q("64Mi")}};
    c.resources.requests = {{"cpu", Q("250m")}};
    node_.name = "node1";
    node_.cpu_milli = 2000;
    node_.memory_bytes = int64_t{4} << 30;

    api::ConfigMap cm;
    cm.metadata.namespace_ = "ns";
    cm.metadata.name = "cfg";
    cm.data = {{"app.conf", "port=80\n"}, {"mode", "fast"}};
    cm.binary_data = {{"logo.bin", api::Bytes{std::string("\x89PNG\0", 5)}}};
    objects_.Put(cm);
    api::Secret secret;
    secret.metadata.namespace_ = "ns";
    secret.metadata.name = "creds";
    secret.data = {{"password", api::Bytes{"hunter2"}}, {"tls.key", api::Bytes{"KEY"}}};
    objects_.Put(secret);
  }

  base::Result<std::vector<runtime::KeyToPath>> Files(const api::Volume& v) {
    return VolumeFiles(pod_, v, &objects_, node_);
  }
  std::vector<Row> FilesOk(const api::Volume& v) {
    auto files = Files(v);
    EXPECT_TRUE(files.ok()) << files.status().ToString();
    return files.ok() ? Rows(*files) : std::vector<Row>{};
  }
  std::string FilesError(const api::Volume& v) {
    auto files = Files(v);
    EXPECT_FALSE(files.ok());
    return files.ok() ? "" : files.status().message();
  }

  static api::Volume ConfigMapVolume(const std::string& name,
                                     std::vector<api::KeyToPath> items = {}) {
    api::Volume v;
    v.name = "config";
    auto& src = v.config_map.emplace();
    src.name = name;
    src.items = std::move(items);
    return v;
  }
  static api::Volume SecretVolume(const std::string& name, std::vector<api::KeyToPath> items = {}) {
    api::Volume v;
    v.name = "secret-vol";
    auto& src = v.secret.emplace();
    src.secret_name = name;
    src.items = std::move(items);
    return v;
  }
  static api::Volume DownwardVolume(std::vector<api::DownwardAPIVolumeFile> items) {
    api::Volume v;
    v.name = "podinfo";
    v.downward_api.emplace().items = std::move(items);
    return v;
  }

  api::Pod pod_;
  NodeInfo node_;
  MemoryObjects objects_;
};

// ---- configMap ------------------------------------------------------------------------------

TEST_F(VolumeFilesTest, ConfigMapAllKeysIncludingBinaryDataWithMode0644) {
  EXPECT_THAT(
      FilesOk(ConfigMapVolume("cfg")),
      ElementsAre(Row{"app.conf", "port=80\n", 0644},
                  Row{"logo.bin", std::string("\x89PNG\0", 5), 0644}, Row{"mode", "fast", 0644}));
}

TEST_F(VolumeFilesTest, ConfigMapItemsMapKeysToPathsWithModes) {
  api::Volume v = ConfigMapVolume("cfg", {Item("mode", "settings/mode", 0600),
                                          Item("logo.bin", "img/logo"), Item("mode", "again")});
  v.config_map->default_mode = 0440;
  EXPECT_THAT(FilesOk(v), ElementsAre(Row{"again", "fast", 0440},
                                      Row{"img/logo", std::string("\x89PNG\0", 5), 0440},
                                      Row{"settings/mode", "fast", 0600}));
}

TEST_F(VolumeFilesTest, ConfigMapMissingKeyFailsUnlessOptional) {
  api::Volume v = ConfigMapVolume("cfg", {Item("mode", "m"), Item("nope", "n")});
  EXPECT_EQ(FilesError(v),
            "MountVolume.SetUp failed for volume \"config\" : configmap references non-existent "
            "config key: nope");
  v.config_map->optional = true;
  EXPECT_THAT(FilesOk(v), ElementsAre(Row{"m", "fast", 0644}));
}

TEST_F(VolumeFilesTest, ConfigMapMissingObjectFailsUnlessOptional) {
  api::Volume v = ConfigMapVolume("absent", {Item("k", "k")});
  EXPECT_EQ(FilesError(v),
            "MountVolume.SetUp failed for volume \"config\" : configmap \"absent\" "
            "not found");
  EXPECT_EQ(Files(v).status().code(), base::Code::kNotFound);
  v.config_map->optional = true;
  EXPECT_THAT(FilesOk(v), IsEmpty());
}

TEST_F(VolumeFilesTest, ConfigMapOfAnotherNamespaceIsNotVisible) {
  pod_.metadata.namespace_ = "other";
  EXPECT_EQ(FilesError(ConfigMapVolume("cfg")),
            "MountVolume.SetUp failed for volume \"config\" : configmap \"cfg\" not found");
}

// ---- secret ---------------------------------------------------------------------------------

TEST_F(VolumeFilesTest, SecretAllKeysAndItems) {
  EXPECT_THAT(FilesOk(SecretVolume("creds")),
              ElementsAre(Row{"password", "hunter2", 0644}, Row{"tls.key", "KEY", 0644}));
  api::Volume v = SecretVolume("creds", {Item("tls.key", "tls/key.pem", 0400)});
  v.secret->default_mode = 0600;
  EXPECT_THAT(FilesOk(v), ElementsAre(Row{"tls/key.pem", "KEY", 0400}));
}

TEST_F(VolumeFilesTest, SecretMissingKeyAndObject) {
  api::Volume v = SecretVolume("creds", {Item("user", "user")});
  EXPECT_EQ(FilesError(v),
            "MountVolume.SetUp failed for volume \"secret-vol\" : references "
            "non-existent secret key: user");
  v.secret->optional = true;
  EXPECT_THAT(FilesOk(v), IsEmpty());
  api::Volume missing = SecretVolume("absent");
  EXPECT_EQ(FilesError(missing),
            "MountVolume.SetUp failed for volume \"secret-vol\" : secret \"absent\" not found");
  missing.secret->optional = true;
  EXPECT_THAT(FilesOk(missing), IsEmpty());
}

TEST_F(VolumeFilesTest, ConfigMapsAndSecretsNeedTheApiServer) {
  api::Volume v = SecretVolume("creds");
  v.secret->optional = true;  // optional or not, nothing can tell whether it exists
  auto files = VolumeFiles(pod_, v, nullptr, node_);
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.status().code(), base::Code::kUnimplemented);
  EXPECT_EQ(files.status().message(),
            "MountVolume.SetUp failed for volume \"secret-vol\" : couldn't get secret ns/creds: "
            "secret references need the API server, and this node runs without one");
}

// ---- paths ----------------------------------------------------------------------------------

TEST_F(VolumeFilesTest, PathsWithDotDotOrAbsoluteAreRejectedNamingTheVolume) {
  EXPECT_EQ(FilesError(ConfigMapVolume("cfg", {Item("mode", "../escape")})),
            "MountVolume.SetUp failed for volume \"config\" : invalid path: must not contain "
            "'..': ../escape");
  EXPECT_EQ(FilesError(ConfigMapVolume("cfg", {Item("mode", "a/../../b")})),
            "MountVolume.SetUp failed for volume \"config\" : invalid path: must not contain "
            "'..': a/../../b");
  EXPECT_EQ(FilesError(ConfigMapVolume("cfg", {Item("mode", "/etc/passwd")})),
            "MountVolume.SetUp failed for volume \"config\" : invalid path: must be relative "
            "path: /etc/passwd");
  EXPECT_EQ(FilesError(ConfigMapVolume("cfg", {Item("mode", "..hidden")})),
            "MountVolume.SetUp failed for volume \"config\" : invalid path: must not start with "
            "'..': ..hidden");
  EXPECT_EQ(FilesError(ConfigMapVolume("cfg", {Item("mode", "")})),
            "MountVolume.SetUp failed for volume \"config\" : invalid path: must not be empty: "
            "\"\"");
  EXPECT_EQ(FilesError(ConfigMapVolume("cfg", {Item("mode", "./")})),
            "MountVolume.SetUp failed for volume \"config\" : invalid path: must name a file: ./");
  EXPECT_EQ(FilesError(ConfigMapVolume("cfg", {Item("mode", std::string(256, 'a'))})),
            "MountVolume.SetUp failed for volume \"config\" : invalid path: filenames must be "
            "less than or equal to 255 characters");
}

TEST_F(VolumeFilesTest, PathsAreCleaned) {
  EXPECT_THAT(FilesOk(ConfigMapVolume("cfg", {Item("mode", "./a//b/./c")})),
              ElementsAre(Row{"a/b/c", "fast", 0644}));
}

// ---- downwardAPI ----------------------------------------------------------------------------

TEST_F(VolumeFilesTest, DownwardApiMetadataFields) {
  pod_.metadata.labels = {{"zone", "us-east"}, {"app", "web"}};
  pod_.metadata.annotations = {{"note", "say \"hi\"\\\n\ttab"}, {"build", "42"}};
  api::Volume v = DownwardVolume(
      {FieldFile("name", "metadata.name"), FieldFile("namespace", "metadata.namespace"),
       FieldFile("uid", "metadata.uid", 0400), FieldFile("labels", "metadata.labels"),
       FieldFile("annotations", "metadata.annotations"), FieldFile("app", "metadata.labels['app']"),
       FieldFile("build", "metadata.annotations['build']")});
  EXPECT_THAT(
      FilesOk(v),
      ElementsAre(Row{"annotations", "build=\"42\"\nnote=\"say \\\"hi\\\"\\\\\\n\\ttab\"", 0644},
                  Row{"app", "web", 0644}, Row{"build", "42", 0644},
                  Row{"labels", "app=\"web\"\nzone=\"us-east\"", 0644}, Row{"name", "web", 0644},
                  Row{"namespace", "ns", 0644}, Row{"uid", "uid-1", 0400}));
}

TEST_F(VolumeFilesTest, DownwardApiEmptyMapsAreEmptyFiles) {
  EXPECT_THAT(FilesOk(DownwardVolume({FieldFile("labels", "metadata.labels")})),
              ElementsAre(Row{"labels", "", 0644}));
}

TEST_F(VolumeFilesTest, DownwardApiResourceFieldsWithNodeFallback) {
  api::Volume v = DownwardVolume({ResourceFile("mem_limit", "app", "limits.memory", "1Mi"),
                                  ResourceFile("cpu_limit", "app", "limits.cpu", "1m"),
                                  ResourceFile("cpu_request", "app", "requests.cpu"),
                                  ResourceFile("mem_request", "app", "requests.memory")});
  v.downward_api->default_mode = 0444;
  EXPECT_THAT(FilesOk(v), ElementsAre(Row{"cpu_limit", "2000", 0444}, Row{"cpu_request", "1", 0444},
                                      Row{"mem_limit", "64", 0444}, Row{"mem_request", "0", 0444}));
}

TEST_F(VolumeFilesTest, DownwardApiErrorsAreReportedTogether) {
  api::Volume v =
      DownwardVolume({FieldFile("node", "spec.nodeName"), ResourceFile("x", "ghost", "limits.cpu"),
                      FieldFile("name", "metadata.name")});
  EXPECT_EQ(FilesError(v),
            "MountVolume.SetUp failed for volume \"podinfo\" : [unsupported fieldPath: "
            "spec.nodeName, container ghost not found]");
  v = DownwardVolume({FieldFile("node", "spec.nodeName")});
  EXPECT_EQ(FilesError(v),
            "MountVolume.SetUp failed for volume \"podinfo\" : unsupported fieldPath: "
            "spec.nodeName");
}

TEST_F(VolumeFilesTest, DownwardApiNeedsNoApiServer) {
  auto files =
      VolumeFiles(pod_, DownwardVolume({FieldFile("name", "metadata.name")}), nullptr, node_);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_THAT(Rows(*files), ElementsAre(Row{"name", "web", 0644}));
}

// ---- projected ------------------------------------------------------------------------------

TEST_F(VolumeFilesTest, ProjectedMergesSourcesWithTheVolumesDefaultMode) {
  api::Volume v;
  v.name = "all";
  auto& p = v.projected.emplace();
  p.default_mode = 0440;
  api::VolumeProjection cm_src;
  cm_src.config_map =
      api::ProjectedItems{"cfg", {Item("mode", "mode"), Item("app.conf", "same")}, {}};
  api::VolumeProjection secret_src;
  secret_src.secret = api::ProjectedItems{"creds", {Item("password", "same", 0400)}, {}};
  api::VolumeProjection downward_src;
  downward_src.downward_api.emplace().items = {FieldFile("ns", "metadata.namespace")};
  p.sources = {cm_src, secret_src, downward_src};
  // A later source's file replaces an earlier one's at the same path.
  EXPECT_THAT(FilesOk(v), ElementsAre(Row{"mode", "fast", 0440}, Row{"ns", "ns", 0440},
                                      Row{"same", "hunter2", 0400}));
}

TEST_F(VolumeFilesTest, ProjectedDefaultModeIs0644AndAllKeysWithoutItems) {
  api::Volume v;
  v.name = "p";
  api::VolumeProjection src;
  src.secret = api::ProjectedItems{"creds", {}, {}};
  v.projected.emplace().sources = {src};
  EXPECT_THAT(FilesOk(v),
              ElementsAre(Row{"password", "hunter2", 0644}, Row{"tls.key", "KEY", 0644}));
}

TEST_F(VolumeFilesTest, ProjectedMissingSourcesAreReportedTogetherUnlessOptional) {
  api::Volume v;
  v.name = "p";
  api::VolumeProjection a, b, c;
  a.config_map = api::ProjectedItems{"absent", {}, {}};
  b.secret = api::ProjectedItems{"gone", {}, {}};
  c.config_map = api::ProjectedItems{"cfg", {Item("mode", "mode")}, {}};
  v.projected.emplace().sources = {a, b, c};
  EXPECT_EQ(FilesError(v),
            "MountVolume.SetUp failed for volume \"p\" : [configmap \"absent\" not "
            "found, secret \"gone\" not found]");
  v.projected->sources[0].config_map->optional = true;
  v.projected->sources[1].secret->optional = true;
  EXPECT_THAT(FilesOk(v), ElementsAre(Row{"mode", "fast", 0644}));
}

TEST_F(VolumeFilesTest, ProjectedServiceAccountTokenIsUnimplemented) {
  // What the ServiceAccount admission plugin adds as kube-api-access-xxxxx.
  api::Volume v;
  v.name = "kube-api-access-abcde";
  auto& p = v.projected.emplace();
  p.default_mode = 420;
  api::VolumeProjection token, ca, ns;
  token.service_account_token.emplace().path = "token";
  ca.config_map = api::ProjectedItems{"kube-root-ca.crt", {Item("ca.crt", "ca.crt")}, {}};
  ns.downward_api.emplace().items = {FieldFile("namespace", "metadata.namespace")};
  p.sources = {token, ca, ns};
  auto files = Files(v);
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.status().code(), base::Code::kUnimplemented);
  EXPECT_EQ(files.status().message(),
            "MountVolume.SetUp failed for volume \"kube-api-access-abcde\" : serviceAccountToken "
            "projection (path \"token\"): service account tokens come from the API server's token "
            "issuer, which cubelet does not have yet; set automountServiceAccountToken: false on "
            "the pod, or remove the serviceAccountToken source");
}

TEST_F(VolumeFilesTest, OtherVolumeTypesAreNotFileVolumes) {
  api::Volume v;
  v.name = "scratch";
  v.empty_dir.emplace();
  EXPECT_EQ(FilesError(v),
            "MountVolume.SetUp failed for volume \"scratch\" : not a configMap, "
            "secret, downwardAPI or projected volume");
}

}  // namespace
}  // namespace cubelet::node
