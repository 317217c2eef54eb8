// The image service against real registries on loopback (CNCF distribution, a token server, a
// redirecting blob store): every fixture pulls and unpacks, auth flows, mirrors, corruption,
// interrupted pulls, concurrent pulls.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api.h"
#include "base/clock.h"
#include "image/image.h"

#include "fixtures.h"

namespace cubelet::image {
namespace {

namespace fs = std::filesystem;
using cubelet::testing::RegistryFixtures;
using ::testing::HasSubstr;

// A transport that records requests and can drop a blob download after some bytes (the
// in-process stand-in for a killed pull or a dropped connection).
class RecordingTransport final : public HttpTransport {
 public:
  explicit RecordingTransport(HttpTransport& real) : real_(real) {}

  base::Result<HttpResponse> Do(const HttpRequest& req, const BodySink* sink) override {
    {
      std::lock_guard lock(mu_);
      requests_.push_back(req.method + " " + req.url +
                          (req.range_start > 0 ? " range=" + std::to_string(req.range_start) : ""));
      for (const auto& [k, v] : req.headers) {
        if (k == "Authorization") authorized_.push_back(req.url);
      }
    }
    const bool is_blob = req.url.find("/blobs/") != std::string::npos;
    if (sink == nullptr || !is_blob || drop_after_ < 0) return real_.Do(req, sink);
    int64_t seen = 0;
    const int64_t limit = drop_after_.load();
    BodySink cut = [&](int status, std::string_view chunk) -> base::Status {
      if (seen + static_cast<int64_t>(chunk.size()) > limit) {
        RETURN_IF_ERROR((*sink)(status, chunk.substr(0, static_cast<size_t>(limit - seen))));
        return base::Status(base::Code::kCancelled, "connection dropped by the test");
      }
      seen += static_cast<int64_t>(chunk.size());
      return (*sink)(status, chunk);
    };
    return real_.Do(req, &cut);
  }

  std::vector<std::string> Requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::vector<std::string> Authorized() {
    std::lock_guard lock(mu_);
    return authorized_;
  }
  int Count(std::string_view needle) {
    int n = 0;
    for (const std::string& r : Requests()) n += r.find(needle) != std::string::npos;
    return n;
  }
  std::atomic<int64_t> drop_after_{-1};

 private:
  HttpTransport& real_;
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::vector<std::string> authorized_;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class PullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("cubelet-pull-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    real_ = NewCurlTransport();
    rec_ = std::make_unique<RecordingTransport>(*real_);
    clock_ = base::NewRealClock();
  }
  void TearDown() override { fs::remove_all(root_); }

  std::unique_ptr<ImageService> Service(RegistryConfigPtr registries = nullptr) {
    ImageServiceOptions o;
    o.root = (root_ / "images").string();
    o.http = rec_.get();
    o.clock = clock_.get();
    o.registries = std::move(registries);
    auto svc = NewImageService(o);
    EXPECT_TRUE(svc.ok()) << svc.status().message();
    return std::move(*svc);
  }

  static std::string Plain() { return RegistryFixtures::Get("PLAIN"); }

  // The merged view of an image's layers is what a container sees; for these single-purpose
  // checks the top-most layer holding a path is enough.
  static std::string FindInLayers(ImageService& svc, const ImageRecord& r, const std::string& rel) {
    const auto dirs = svc.LayerDirs(r);
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
      if (fs::exists(fs::symlink_status(*it + "/" + rel))) return *it + "/" + rel;
    }
    return {};
  }

  fs::path root_;
  std::unique_ptr<HttpTransport> real_;
  std::unique_ptr<RecordingTransport> rec_;
  std::unique_ptr<base::Clock> clock_;
};

TEST_F(PullTest, BusyboxPullsUnpacksAndRecords) {
  auto svc = Service();
  PullOptions po;
  po.policy = "Always";
  auto r = svc->Ensure(Plain() + "/library/busybox:latest", po);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->pulled);
  EXPECT_EQ(r->image.name, Plain() + "/library/busybox:latest");
  EXPECT_THAT(r->image.repo_digest, ::testing::StartsWith(Plain() + "/library/busybox@sha256:"));
  EXPECT_EQ(r->image.config.cmd, std::vector<std::string>{"sh"});
  const std::string busybox = FindInLayers(*svc, r->image, "bin/busybox");
  ASSERT_FALSE(busybox.empty());
  EXPECT_EQ(::access(busybox.c_str(), X_OK), 0);
  EXPECT_TRUE(fs::is_symlink(FindInLayers(*svc, r->image, "bin/sh")));

  // IfNotPresent uses the local image without contacting the registry.
  const int before = static_cast<int>(rec_->Requests().size());
  auto again = svc->Ensure(Plain() + "/library/busybox:latest", PullOptions{});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->pulled);
  EXPECT_EQ(static_cast<int>(rec_->Requests().size()), before);

  // Always resolves again but downloads nothing it has.
  auto always = svc->Ensure(Plain() + "/library/busybox:latest", po);
  ASSERT_TRUE(always.ok());
  EXPECT_EQ(rec_->Count("/blobs/"), 2);  // config + layer, from the first pull only
  EXPECT_EQ(rec_->Count("HEAD "), 2);

  auto listed = svc->List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
}

TEST_F(PullTest, EveryFixtureFormatPulls) {
  auto svc = Service();
  PullOptions po;
  std::set<std::string> chains;
  for (const char* tag : {"latest", "cfg", "uncompressed", "zstd", "v2s2"}) {
    SCOPED_TRACE(tag);
    auto r = svc->Ensure(Plain() + "/library/busybox:" + tag, po);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_FALSE(FindInLayers(*svc, r->image, "bin/busybox").empty());
    chains.insert(r->image.chain_ids.back());
  }
  // latest, cfg, v2s2, uncompressed and zstd carry the same tar: one unpacked layer for all.
  EXPECT_EQ(chains.size(), 1u);
  size_t layer_dirs = 0;
  for (const auto& e : fs::directory_iterator(root_ / "images" / "layers")) {
    layer_dirs += e.path().filename().string().size() == 64;
  }
  EXPECT_EQ(layer_dirs, 1u);

  auto cfg = svc->Get(Plain() + "/library/busybox:cfg");
  ASSERT_TRUE(cfg.ok() && cfg->has_value());
  const ImageConfig& c = (*cfg)->config;
  EXPECT_EQ(c.user, "1000:1000");
  EXPECT_EQ(c.entrypoint, (std::vector<std::string>{"/bin/echo", "entrypoint"}));
  EXPECT_EQ(c.cmd, (std::vector<std::string>{"cmd-arg1", "cmd-arg2"}));
  EXPECT_EQ(c.working_dir, "/home/app");
  EXPECT_EQ(c.stop_signal, "SIGTERM");
}

TEST_F(PullTest, MultiArchIndexPicksThisPlatform) {
  auto svc = Service();
  for (const char* tag : {"latest", "noattest", "v2s2"}) {
    SCOPED_TRACE(tag);
    auto r = svc->Ensure(Plain() + "/multiarch:" + tag, PullOptions{});
    ASSERT_TRUE(r.ok()) << r.status().message();
    const std::string platform = FindInLayers(*svc, r->image, "etc/platform");
    ASSERT_FALSE(platform.empty());
    EXPECT_THAT(Slurp(platform), HasSubstr("linux/" + HostPlatform().architecture));
  }
  PullOptions arm;
  arm.policy = "Always";
  arm.platform = Platform{"linux", "arm64", ""};
  auto r = svc->Ensure(Plain() + "/multiarch:latest", arm);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_THAT(Slurp(FindInLayers(*svc, r->image, "etc/platform")), HasSubstr("linux/arm64"));
  PullOptions none;
  none.policy = "Always";
  none.platform = Platform{"linux", "s390x", ""};
  auto missing = svc->Ensure(Plain() + "/multiarch:latest", none);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("no matching manifest for linux/s390x"));
}

TEST_F(PullTest, DockerIoMirroredToLoopback) {
  auto cfg =
      ParseRegistries("mirrors:\n  docker.io:\n    endpoint:\n      - \"http://" + Plain() + "\"\n",
                      "registries.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  auto svc = Service(*cfg);
  auto r = svc->Ensure("busybox", PullOptions{});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->image.name, "docker.io/library/busybox:latest");
  EXPECT_THAT(r->image.repo_digest, ::testing::StartsWith("docker.io/library/busybox@sha256:"));
  for (const std::string& req : rec_->Requests()) EXPECT_THAT(req, HasSubstr(Plain()));
}

TEST_F(PullTest, BasicAuthNeedsTheRightCredentials) {
  auto svc = Service();
  const std::string image = RegistryFixtures::Get("BASIC") + "/library/busybox:latest";
  auto anon = svc->Ensure(image, PullOptions{});
  ASSERT_FALSE(anon.ok());
  EXPECT_EQ(FailureReason(anon.status()), kReasonErrImagePull);
  EXPECT_THAT(anon.status().message(), HasSubstr(RegistryFixtures::Get("BASIC")));

  PullOptions wrong;
  wrong.keyring.Add(RegistryFixtures::Get("BASIC"), Credential{"alice", "nope", ""});
  auto bad = svc->Ensure(image, wrong);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), base::Code::kUnauthenticated);
  EXPECT_LE(rec_->Count("/manifests/"), 6);  // refused quickly, no retry loop

  PullOptions right;
  right.keyring.Add(RegistryFixtures::Get("BASIC"), Credential{"alice", "wonderland", ""});
  auto ok = svc->Ensure(image, right);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
}

TEST_F(PullTest, BearerTokenFlowWithDockerConfigSecret) {
  auto svc = Service();
  const std::string token = RegistryFixtures::Get("TOKEN");
  auto anon = svc->Ensure(token + "/private/busybox:latest", PullOptions{});
  ASSERT_FALSE(anon.ok());
  EXPECT_THAT(anon.status().message(), HasSubstr(token + "/private/busybox"));
  EXPECT_THAT(anon.status().message(), HasSubstr("insufficient_scope"));

  auto pub = svc->Ensure(token + "/public/busybox:latest", PullOptions{});
  ASSERT_TRUE(pub.ok()) << pub.status().message();

  // The credentials come the way the node agent will get them: a kubernetes.io/dockerconfigjson
  // Secret named in imagePullSecrets.
  auto secret = api::DecodeManifests(Slurp(RegistryFixtures::Get("PULL_SECRET")), "secret.yaml");
  ASSERT_TRUE(secret.ok()) << secret.status().message();
  ASSERT_EQ(secret->size(), 1u);
  const auto& s = std::get<api::Secret>((*secret)[0]);
  EXPECT_EQ(s.type, "kubernetes.io/dockerconfigjson");
  auto ring = Keyring::FromDockerConfig(s.data.at(".dockerconfigjson").data);
  ASSERT_TRUE(ring.ok()) << ring.status().message();
  PullOptions po;
  po.keyring = *ring;
  auto priv = svc->Ensure(token + "/private/busybox:latest", po);
  ASSERT_TRUE(priv.ok()) << priv.status().message();

  PullOptions wrong;
  wrong.keyring.Add(token, Credential{"alice", "bad-password", ""});
  auto bad = svc->Ensure(token + "/private/busybox:latest", wrong);
  // The image is local now: Always forces the registry round trip with the wrong password.
  wrong.policy = "Always";
  bad = svc->Ensure(token + "/private/busybox:latest", wrong);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), base::Code::kUnauthenticated);
}

TEST_F(PullTest, RedirectedBlobsDoNotCarryCredentials) {
  auto svc = Service();
  const std::string redirect = RegistryFixtures::Get("REDIRECT");
  PullOptions po;
  po.keyring.Add(redirect, Credential{"alice", "wonderland", ""});
  auto r = svc->Ensure(redirect + "/library/busybox:latest", po);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::string cdn = RegistryFixtures::Get("CDN");
  EXPECT_GT(rec_->Count(cdn), 0);  // blobs came from the CDN...
  for (const std::string& url : rec_->Authorized())
    EXPECT_THAT(url, ::testing::Not(HasSubstr(cdn)));
}

TEST_F(PullTest, InterruptedPullResumesAndStoresNothingTwice) {
  auto svc = Service();
  rec_->drop_after_ = 300000;  // mid-way through the ~1 MB busybox layer
  PullOptions po;
  auto first = svc->Ensure(Plain() + "/library/busybox:latest", po);
  ASSERT_FALSE(first.ok());
  auto none = svc->Get(Plain() + "/library/busybox:latest");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());  // nothing recorded as pulled

  rec_->drop_after_ = -1;
  auto second = svc->Ensure(Plain() + "/library/busybox:latest", po);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_GT(rec_->Count("range="), 0);  // resumed where the first attempt stopped
  // One file per blob, no partial leftovers, one unpacked layer.
  EXPECT_TRUE(fs::is_empty(root_ / "images" / "content" / "ingest"));
  size_t blobs = 0;
  for (const auto& e : fs::directory_iterator(root_ / "images" / "content" / "blobs" / "sha256")) {
    (void)e;
    ++blobs;
  }
  EXPECT_EQ(blobs, 3u);  // manifest, config, layer
}

TEST_F(PullTest, ConcurrentPullsShareOneDownload) {
  auto svc = Service();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (svc->Ensure(Plain() + "/library/busybox:zstd", PullOptions{}).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 4);
  EXPECT_EQ(rec_->Count("/blobs/"), 2);
}

TEST_F(PullTest, CorruptBlobFailsWithDigestErrorAndRecordsNothing) {
  // Flip one byte of the config blob of library/busybox:uncompressed on the registry's disk,
  // and put it back afterwards whatever happens.
  auto probe = Service();
  auto good = probe->Ensure(Plain() + "/library/busybox:uncompressed", PullOptions{});
  ASSERT_TRUE(good.ok()) << good.status().message();
  const std::string digest = good->image.layers[0];
  const std::string blob = RegistryFixtures::Get("REG_DIR") +
                           "/storage/plain/docker/registry/v2/blobs/sha256/" + digest.substr(7, 2) +
                           "/" + digest.substr(7) + "/data";
  ASSERT_TRUE(fs::exists(blob)) << blob;
  struct Flip {
    std::string path;
    void Toggle() const {
      std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(100);
      char c = 0;
      f.read(&c, 1);
      f.seekp(100);
      c = static_cast<char>(c ^ 0x5a);
      f.write(&c, 1);
    }
    ~Flip() { Toggle(); }
  } flip{blob};
  flip.Toggle();

  fs::remove_all(root_ / "images");
  auto svc = Service();
  auto r = svc->Ensure(Plain() + "/library/busybox:uncompressed", PullOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("digest mismatch"));
  auto rec = svc->Get(Plain() + "/library/busybox:uncompressed");
  ASSERT_TRUE(rec.ok());
  EXPECT_FALSE(rec->has_value());
  EXPECT_FALSE(fs::exists(root_ / "images" / "content" / "blobs" / "sha256" / digest.substr(7)));
}

TEST_F(PullTest, RemoveAndPruneFreeUnusedContent) {
  auto svc = Service();
  ASSERT_TRUE(svc->Ensure(Plain() + "/library/busybox:latest", PullOptions{}).ok());
  ASSERT_TRUE(svc->Ensure(Plain() + "/multiarch:latest", PullOptions{}).ok());
  ASSERT_TRUE(svc->Remove(Plain() + "/library/busybox:latest").ok());
  // The busybox layer is still used by multiarch.
  auto multi = svc->Get(Plain() + "/multiarch:latest");
  ASSERT_TRUE(multi.ok() && multi->has_value());
  for (const std::string& dir : svc->LayerDirs(**multi)) EXPECT_TRUE(fs::exists(dir)) << dir;
  auto pruned = svc->Prune({});
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(pruned->images_removed, std::vector<std::string>{Plain() + "/multiarch:latest"});
  EXPECT_GT(pruned->bytes_freed, 0);
  EXPECT_TRUE(fs::is_empty(root_ / "images" / "content" / "blobs" / "sha256"));
  for (const auto& e : fs::directory_iterator(root_ / "images" / "layers")) {
    ADD_FAILURE() << "left behind: " << e.path();
  }
  EXPECT_EQ(svc->Remove(Plain() + "/library/busybox:latest").code(), base::Code::kNotFound);
}

TEST_F(PullTest, NeverAndInvalidNames) {
  auto svc = Service();
  PullOptions never;
  never.policy = "Never";
  auto r = svc->Ensure(Plain() + "/library/busybox:latest", never);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(FailureReason(r.status()), kReasonErrImageNeverPull);
  EXPECT_EQ(r.status().message(), "Container image \"" + Plain() +
                                      "/library/busybox:latest\" is not present with pull policy "
                                      "of Never");
  EXPECT_TRUE(rec_->Requests().empty());
  auto bad = svc->Ensure("Not/A:valid:ref", PullOptions{});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(FailureReason(bad.status()), kReasonInvalidImageName);
  auto missing = svc->Ensure(Plain() + "/library/busybox:nope", PullOptions{});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(FailureReason(missing.status()), kReasonErrImagePull);
  EXPECT_EQ(missing.status().code(), base::Code::kNotFound);
}

}  // namespace
}  // namespace cubelet::image

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new cubelet::testing::RegistryFixtures);
  return RUN_ALL_TESTS();
}
