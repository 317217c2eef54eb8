#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "image/image.h"

namespace cubelet::image {
namespace {

using ::testing::HasSubstr;

const std::string kD1 = "sha256:" + std::string(64, '1');
const std::string kD2 = "sha256:" + std::string(64, '2');
const std::string kD3 = "sha256:" + std::string(64, '3');

TEST(DigestTest, ParsesAndValidates) {
  auto d = Digest::Parse(kD1);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->algorithm, "sha256");
  EXPECT_EQ(d->String(), kD1);
  EXPECT_FALSE(Digest::Parse("sha256:abc").ok());
  EXPECT_FALSE(Digest::Parse("sha256:" + std::string(64, 'A')).ok());
  EXPECT_FALSE(Digest::Parse("md5:" + std::string(32, 'a')).ok());
  EXPECT_FALSE(Digest::Parse(std::string(64, 'a')).ok());
  EXPECT_TRUE(Digest::Parse("sha512:" + std::string(128, 'f')).ok());
}

TEST(DigestTest, Sha256AndChainIds) {
  EXPECT_EQ(Sha256Digest(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Digest("abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const auto chain = ChainIds({kD1, kD2, kD3});
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0], kD1);
  EXPECT_EQ(chain[1], Sha256Digest(kD1 + " " + kD2));
  EXPECT_EQ(chain[2], Sha256Digest(chain[1] + " " + kD3));
}

TEST(ManifestTest, ParsesOciManifest) {
  const std::string body =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
    "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
      kD1 +
      R"(","size":363},
    "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" +
      kD2 + R"(","size":1036302}]})";
  auto m = ParseManifest(body, "application/vnd.oci.image.manifest.v1+json");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->config.digest, kD1);
  EXPECT_EQ(m->config.size, 363);
  ASSERT_EQ(m->layers.size(), 1u);
  EXPECT_EQ(m->layers[0].size, 1036302);
  EXPECT_EQ(*SniffManifestKind(body, ""), "manifest");
}

TEST(ManifestTest, DockerSchema2WithoutMediaTypeUsesContentType) {
  const std::string body = R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")" + kD1 +
                           R"(","size":1},"layers":[]})";
  auto m = ParseManifest(body, "application/vnd.docker.distribution.manifest.v2+json; charset=x");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->media_type, media::kDockerManifest);
}

TEST(ManifestTest, RefusesSchema1AndMismatches) {
  auto s1 = ParseManifest(R"({"schemaVersion":1,"name":"x","fsLayers":[]})",
                          "application/vnd.docker.distribution.manifest.v1+prettyjws");
  ASSERT_FALSE(s1.ok());
  EXPECT_EQ(s1.status().code(), base::Code::kUnimplemented);
  EXPECT_THAT(s1.status().message(), HasSubstr("schema 1"));
  auto mismatch = ParseManifest(
      R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]})",
      "application/vnd.docker.distribution.manifest.v2+json");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_THAT(mismatch.status().message(), HasSubstr("does not match Content-Type"));
  EXPECT_FALSE(ParseManifest("[]", "").ok());
  EXPECT_FALSE(
      ParseManifest("{\"layers\":[{\"digest\":\"x\",\"size\":1}],\"config\":{}}", "").ok());
}

Index TestIndex() {
  const std::string body =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
    "manifests":[
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
      kD3 +
      R"(","size":10,
       "platform":{"architecture":"unknown","os":"unknown"},
       "annotations":{"vnd.docker.reference.type":"attestation-manifest"}},
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
      kD1 +
      R"(","size":10,
       "platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
      {"mediaType":"application/vnd.example.unknown","digest":")" +
      kD3 + R"(","size":1},
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
      kD2 +
      R"(","size":10,
       "platform":{"architecture":"amd64","os":"linux"}},
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
      "sha256:" + std::string(64, '4') + R"(","size":10,
       "platform":{"architecture":"arm","os":"linux","variant":"v7"}}]})";
  auto idx = ParseIndex(body, "");
  EXPECT_TRUE(idx.ok()) << idx.status().message();
  return *idx;
}

TEST(PlatformTest, SelectsHostEntrySkippingAttestations) {
  const Index idx = TestIndex();
  EXPECT_EQ(SelectPlatform(idx, {"linux", "x86_64", ""})->digest, kD2);
  EXPECT_EQ(SelectPlatform(idx, {"linux", "aarch64", ""})->digest, kD1);
  EXPECT_EQ(SelectPlatform(idx, {"linux", "armhf", ""})->digest, "sha256:" + std::string(64, '4'));
  auto none = SelectPlatform(idx, {"linux", "s390x", ""});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(),
            "no matching manifest for linux/s390x in the manifest list entries");
  EXPECT_EQ(HostPlatform().os, "linux");
}

TEST(PlatformTest, Amd64FallsBackTo386) {
  Index idx;
  idx.media_type = std::string(media::kDockerList);
  idx.manifests.push_back(
      {std::string(media::kDockerManifest), kD1, 1, {}, Platform{"linux", "386", ""}, {}});
  EXPECT_EQ(SelectPlatform(idx, {"linux", "amd64", ""})->digest, kD1);
}

TEST(ConfigTest, ParsesTheFieldsTheRuntimeUses) {
  auto c = ParseImageConfig(R"({"architecture":"amd64","os":"linux",
    "config":{"User":"1000:1000","ExposedPorts":{"8080/tcp":{},"53/udp":{},"9000":{}},
      "Env":["PATH=/bin","FOO=from-image"],"Entrypoint":["/bin/echo","entrypoint"],
      "Cmd":["cmd-arg1","cmd-arg2"],"WorkingDir":"/home/app","StopSignal":"SIGTERM",
      "Labels":{"org.example.fixture":"cfg"},"Volumes":null},
    "rootfs":{"type":"layers","diff_ids":[")" +
                            kD1 + R"("]}})");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->user, "1000:1000");
  EXPECT_THAT(c->exposed_ports, ::testing::UnorderedElementsAre("8080/tcp", "53/udp", "9000/tcp"));
  EXPECT_THAT(c->entrypoint, ::testing::ElementsAre("/bin/echo", "entrypoint"));
  EXPECT_THAT(c->cmd, ::testing::ElementsAre("cmd-arg1", "cmd-arg2"));
  EXPECT_EQ(c->working_dir, "/home/app");
  EXPECT_EQ(c->stop_signal, "SIGTERM");
  EXPECT_EQ(c->labels.at("org.example.fixture"), "cfg");
  EXPECT_THAT(c->diff_ids, ::testing::ElementsAre(kD1));
  EXPECT_FALSE(ParseImageConfig(R"({"rootfs":{"type":"other"}})").ok());
  EXPECT_FALSE(ParseImageConfig(R"({"rootfs":{"type":"layers","diff_ids":["bad"]}})").ok());
}

}  // namespace
}  // namespace cubelet::image
