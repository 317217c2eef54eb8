#include <filesystem>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "image/content_store.h"
#include "image/image.h"
#include "image/registry.h"

namespace cubelet::image {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ContentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("cubelet-cs-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    store_ = std::make_unique<ContentStore>(root_.string());
    ASSERT_TRUE(store_->Init().ok());
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
  std::unique_ptr<ContentStore> store_;
};

TEST_F(ContentStoreTest, CommitVerifiesAndPublishes) {
  const std::string data = "hello layer";
  const std::string digest = Sha256Digest(data);
  EXPECT_FALSE(store_->Has(digest));
  auto ingest = store_->Begin(digest, static_cast<int64_t>(data.size()));
  ASSERT_TRUE(ingest.ok());
  ASSERT_TRUE((*ingest)->Write(data.substr(0, 5)).ok());
  EXPECT_FALSE(store_->Has(digest));  // invisible until committed
  ASSERT_TRUE((*ingest)->Write(data.substr(5)).ok());
  ASSERT_TRUE((*ingest)->Commit().ok());
  EXPECT_TRUE(store_->Has(digest));
  EXPECT_EQ(*store_->Read(digest), data);
  EXPECT_THAT(*store_->List(), ::testing::ElementsAre(digest));
  struct stat st {};
  ASSERT_EQ(::stat(store_->Path(digest).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0444u);
}

TEST_F(ContentStoreTest, DigestAndSizeMismatchesAreRefused) {
  const std::string digest = Sha256Digest("expected");
  auto ingest = store_->Begin(digest, 8);
  ASSERT_TRUE(ingest.ok());
  ASSERT_TRUE((*ingest)->Write("tampered").ok());
  const base::Status s = (*ingest)->Commit();
  EXPECT_THAT(s.message(), HasSubstr("digest mismatch"));
  EXPECT_FALSE(store_->Has(digest));
  ingest->reset();
  EXPECT_TRUE(fs::is_empty(root_ / "ingest"));

  auto small = store_->Begin(digest, 3);
  ASSERT_TRUE(small.ok());
  EXPECT_FALSE((*small)->Write("toolong").ok());
  small->reset();  // releases the digest's lock before the next writer
  EXPECT_FALSE(store_->Put(digest, "not it").ok());
  EXPECT_FALSE(store_->Begin("sha256:bad", 1).ok());
}

TEST_F(ContentStoreTest, ResumesAPartialWrite) {
  const std::string data(100000, 'x');
  const std::string digest = Sha256Digest(data);
  {
    auto ingest = store_->Begin(digest, static_cast<int64_t>(data.size()));
    ASSERT_TRUE(ingest.ok());
    ASSERT_TRUE((*ingest)->Write(data.substr(0, 40000)).ok());
    // dropped: the partial file stays
  }
  auto ingest = store_->Begin(digest, static_cast<int64_t>(data.size()));
  ASSERT_TRUE(ingest.ok());
  EXPECT_EQ((*ingest)->offset(), 40000);
  ASSERT_TRUE((*ingest)->Write(data.substr(40000)).ok());
  ASSERT_TRUE((*ingest)->Commit().ok());
  EXPECT_EQ(*store_->Read(digest, 1 << 20), data);
}

TEST_F(ContentStoreTest, ConcurrentWritersOfOneBlobAreSerialized) {
  const std::string data(1 << 20, 'z');
  const std::string digest = Sha256Digest(data);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (store_->Put(digest, data).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 4);
  EXPECT_EQ(*store_->Read(digest, 2 << 20), data);
  EXPECT_TRUE(fs::is_empty(root_ / "ingest"));
}

TEST(RegistryConfigTest, MirrorsConfigsAndDefaults) {
  auto cfg = RegistryConfig::Parse(R"(
mirrors:
  docker.io:
    endpoint:
      - "http://127.0.0.1:5000"
      - "https://mirror.example.com/v2/"
  "*":
    endpoint: ["https://catchall.example.com"]
configs:
  "mirror.example.com":
    auth: {username: u, password: p}
    tls: {insecure_skip_verify: true, ca_file: /etc/ca.pem}
  "registry.example.com:5000":
    auth: {auth: dXNlcjpwYTpzcw==}
)",
                                   "registries.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  auto hub = cfg->EndpointsFor("docker.io");
  ASSERT_EQ(hub.size(), 3u);
  EXPECT_EQ(hub[0].base_url, "http://127.0.0.1:5000");
  EXPECT_TRUE(hub[0].mirror);
  EXPECT_EQ(hub[1].base_url, "https://mirror.example.com");
  EXPECT_TRUE(hub[1].tls.insecure_skip_verify);
  EXPECT_EQ(hub[1].tls.ca_file, "/etc/ca.pem");
  ASSERT_TRUE(hub[1].credential.has_value());
  EXPECT_EQ(hub[1].credential->username, "u");
  EXPECT_EQ(hub[2].base_url, "https://registry-1.docker.io");
  EXPECT_FALSE(hub[2].mirror);

  auto other = cfg->EndpointsFor("registry.example.com:5000");
  ASSERT_EQ(other.size(), 2u);
  EXPECT_EQ(other[0].base_url, "https://catchall.example.com");
  EXPECT_EQ(other[1].base_url, "https://registry.example.com:5000");
  EXPECT_EQ(other[1].credential->password, "pa:ss");

  auto local = RegistryConfig().EndpointsFor("localhost:5000");
  ASSERT_EQ(local.size(), 1u);
  EXPECT_EQ(local[0].base_url, "http://localhost:5000");
  EXPECT_EQ(RegistryConfig().EndpointsFor("127.0.0.1:15000")[0].base_url, "http://127.0.0.1:15000");
  EXPECT_EQ(RegistryConfig().EndpointsFor("[::1]:5000")[0].base_url, "http://[::1]:5000");
}

TEST(RegistryConfigTest, ErrorsNameFileAndLine) {
  auto bad = RegistryConfig::Parse("mirrors:\n  docker.io:\n    endpoints: [x]\n", "r.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "r.yaml:2: mirrors[docker.io]: expected endpoint: a list of URLs");
  auto unknown = RegistryConfig::Parse("mirror: {}\n", "r.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "r.yaml:1: mirror: unknown field");
}

}  // namespace
}  // namespace cubelet::image
