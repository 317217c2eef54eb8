// Pulled images as a container will see them: the layer directories stacked with overlayfs
// (root only), checked against the fixtures' EXPECTED.txt trees (which umoci also satisfies).
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "image/image.h"

#include "fixtures.h"

namespace cubelet::image {
namespace {

namespace fs = std::filesystem;
using cubelet::testing::RegistryFixtures;

class OverlayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "overlay mounts need root";
    root_ = fs::temp_directory_path() / ("cubelet-overlay-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "mnt");
    http_ = NewCurlTransport();
    clock_ = base::NewRealClock();
    ImageServiceOptions o;
    o.root = (root_ / "images").string();
    o.http = http_.get();
    o.clock = clock_.get();
    auto svc = NewImageService(o);
    ASSERT_TRUE(svc.ok()) << svc.status().message();
    svc_ = std::move(*svc);
  }
  void TearDown() override {
    if (mounted_) ::umount2((root_ / "mnt").c_str(), MNT_DETACH);
    if (!root_.empty()) fs::remove_all(root_);
  }

  // Mounts the image read-only at root_/mnt (lowerdir lists the top-most layer first).
  void Mount(const ImageRecord& r) {
    const auto dirs = svc_->LayerDirs(r);
    std::string lower;
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it)
      lower += (lower.empty() ? "" : ":") + *it;
    const std::string opts = "lowerdir=" + lower;
    ASSERT_EQ(::mount("overlay", (root_ / "mnt").c_str(), "overlay", MS_RDONLY, opts.c_str()), 0)
        << std::strerror(errno) << " " << opts;
    mounted_ = true;
  }

  // Runs the fixtures' checker on the mounted tree.
  std::string Check(const std::string& expected) {
    const std::string cmd = "/usr/bin/python3 " + std::string(CUBELET_SOURCE_DIR) +
                            "/tests/fixtures/registry/check_tree.py " + (root_ / "mnt").string() +
                            " " + expected + " 2>&1";
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int rc = ::pclose(p);
    return rc == 0 ? "" : out.empty() ? "check_tree failed" : out;
  }

  fs::path root_;
  std::unique_ptr<HttpTransport> http_;
  std::unique_ptr<base::Clock> clock_;
  std::unique_ptr<ImageService> svc_;
  bool mounted_ = false;
};

TEST_F(OverlayTest, WhiteoutImageMatchesTheExpectedTree) {
  auto r = svc_->Ensure(RegistryFixtures::Get("PLAIN") + "/whiteout:latest", PullOptions{});
  ASSERT_TRUE(r.ok()) << r.status().message();
  Mount(r->image);
  EXPECT_EQ(Check(RegistryFixtures::Get("LAYOUTS") + "/whiteout/EXPECTED.txt"), "");
  EXPECT_TRUE(fs::exists(root_ / "mnt" / "bin" / "busybox"));
}

TEST_F(OverlayTest, EvilImageStaysInsideItsLayers) {
  // Snapshot everything next to the image store: nothing there may change.
  auto r = svc_->Ensure(RegistryFixtures::Get("PLAIN") + "/evil:latest", PullOptions{});
  if (!r.ok()) {
    // Refusing the layer is allowed; it must then leave nothing recorded.
    auto rec = svc_->Get(RegistryFixtures::Get("PLAIN") + "/evil:latest");
    ASSERT_TRUE(rec.ok());
    EXPECT_FALSE(rec->has_value());
    return;
  }
  for (const auto& e : fs::directory_iterator(root_)) {
    const std::string name = e.path().filename().string();
    EXPECT_TRUE(name == "images" || name == "mnt") << "created outside the store: " << name;
  }
  Mount(r->image);
  EXPECT_EQ(Check(RegistryFixtures::Get("LAYOUTS") + "/evil/EXPECTED.txt"), "");
  EXPECT_FALSE(fs::exists("/tmp/evil-absolute.txt"));
  EXPECT_FALSE(fs::exists("/tmp/evil-via-abslink.txt"));
}

}  // namespace
}  // namespace cubelet::image
