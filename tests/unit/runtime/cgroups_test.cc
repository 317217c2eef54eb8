// The cgroup manager's pure parts: hierarchy discovery from mountinfo, the kubelet's CPU
// conversions, path validation, and the file names it hands out (over a fake tree in /tmp).
#include "runtime/cgroups.h"

#include <filesystem>
#include <fstream>
#include <limits>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cubelet::runtime {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The CI machines' layout (copied from /proc/self/mountinfo there): every controller on v1,
// cpu and cpuacct mounted separately, and a cgroup2 mount that holds hugetlb.
constexpr std::string_view kHybrid = R"(22 27 0:21 / /proc rw,relatime - proc proc rw
23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
)";

// A systemd host with the unified hierarchy only.
constexpr std::string_view kPureV2 =
    R"(24 31 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
25 24 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:8 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
26 24 0:24 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:9 - pstore pstore rw
)";

// An older systemd host: cpu and cpuacct (and net_cls/net_prio) share a hierarchy, optional
// fields before the separator, a named hierarchy cubelet does not join, and a container's
// cgroup mount elsewhere that must not be picked up.
constexpr std::string_view kV1Combined =
    R"(18 24 0:17 / /sys rw,nosuid,nodev,noexec,relatime shared:6 - sysfs sysfs rw
25 18 0:21 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
27 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
31 25 0:27 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,net_cls,net_prio
32 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory
33 25 0:29 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,pids
34 25 0:30 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,cpuset,clone_children
35 25 0:31 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,freezer
36 25 0:32 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,devices
37 25 0:33 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:20 - cgroup cgroup rw,blkio
38 25 0:34 / /sys/fs/cgroup/hugetlb rw,nosuid,nodev,noexec,relatime shared:21 - cgroup cgroup rw,hugetlb
39 25 0:35 / /sys/fs/cgroup/perf_event rw,nosuid,nodev,noexec,relatime shared:22 - cgroup cgroup rw,perf_event
40 25 0:36 / /sys/fs/cgroup/elogind rw,nosuid,nodev,noexec,relatime shared:23 - cgroup cgroup rw,name=elogind
41 25 0:28 /docker/abc /sys/fs/cgroup/memory/bound rw,relatime shared:15 - cgroup cgroup rw,memory
90 80 0:28 /docker/abc /var/lib/docker/overlay2/x/merged/sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
)";

std::vector<std::string> MountPoints(const CgroupMounts& m) {
  std::vector<std::string> out;
  for (const CgroupHierarchy& h : m.hierarchies) out.push_back(h.mount_point);
  return out;
}

const CgroupHierarchy* FindHierarchy(const CgroupMounts& m, std::string_view controller) {
  for (const CgroupHierarchy& h : m.hierarchies) {
    if (h.Has(controller)) return &h;
  }
  return nullptr;
}

TEST(ParseCgroupMounts, HybridUsesTheV1HierarchiesAndIgnoresUnified) {
  auto m = ParseCgroupMounts(kHybrid, "/sys/fs/cgroup");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->mode, "hybrid");
  EXPECT_THAT(
      MountPoints(*m),
      ElementsAre("/sys/fs/cgroup/blkio", "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpuacct",
                  "/sys/fs/cgroup/cpuset", "/sys/fs/cgroup/devices", "/sys/fs/cgroup/freezer",
                  "/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/systemd"));
  for (const CgroupHierarchy& h : m->hierarchies) {
    EXPECT_FALSE(h.v2) << h.mount_point;
    EXPECT_EQ(h.root, "/");
  }
  // cpu and cpuacct are separate hierarchies here.
  ASSERT_NE(FindHierarchy(*m, "cpu"), nullptr);
  EXPECT_THAT(FindHierarchy(*m, "cpu")->controllers, ElementsAre("cpu"));
  EXPECT_THAT(FindHierarchy(*m, "cpuacct")->controllers, ElementsAre("cpuacct"));
  EXPECT_THAT(FindHierarchy(*m, "name=systemd")->controllers, ElementsAre("name=systemd"));
  EXPECT_EQ(FindHierarchy(*m, "hugetlb"), nullptr);
  ASSERT_TRUE(m->unified.has_value());
  EXPECT_EQ(m->unified->mount_point, "/sys/fs/cgroup/unified");
  EXPECT_TRUE(m->unified->v2);
}

TEST(ParseCgroupMounts, PureV2) {
  auto m = ParseCgroupMounts(kPureV2, "/sys/fs/cgroup");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->mode, "v2");
  ASSERT_EQ(m->hierarchies.size(), 1u);
  EXPECT_EQ(m->hierarchies[0].mount_point, "/sys/fs/cgroup");
  EXPECT_TRUE(m->hierarchies[0].v2);
  EXPECT_THAT(m->hierarchies[0].controllers, IsEmpty());
  EXPECT_FALSE(m->unified.has_value());
}

TEST(ParseCgroupMounts, V1WithCombinedCpuAndCpuacct) {
  auto m = ParseCgroupMounts(kV1Combined, "/sys/fs/cgroup/");  // a trailing slash is fine
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->mode, "v1");
  EXPECT_FALSE(m->unified.has_value());
  // name=elogind is not joined; the memory hierarchy's second mount is not a second
  // hierarchy; the container's mount outside the root is not looked at.
  EXPECT_THAT(
      MountPoints(*m),
      ElementsAre("/sys/fs/cgroup/blkio", "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpuset",
                  "/sys/fs/cgroup/devices", "/sys/fs/cgroup/freezer", "/sys/fs/cgroup/hugetlb",
                  "/sys/fs/cgroup/memory", "/sys/fs/cgroup/net_cls,net_prio",
                  "/sys/fs/cgroup/perf_event", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/systemd"));
  const CgroupHierarchy* cpu = FindHierarchy(*m, "cpu");
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(cpu, FindHierarchy(*m, "cpuacct"));
  EXPECT_THAT(cpu->controllers, ElementsAre("cpu", "cpuacct"));
  // Mount options that are not controllers are dropped.
  EXPECT_THAT(FindHierarchy(*m, "cpuset")->controllers, ElementsAre("cpuset"));
  EXPECT_THAT(FindHierarchy(*m, "name=systemd")->controllers, ElementsAre("name=systemd"));
}

TEST(ParseCgroupMounts, OtherMountRootAndEscapedPaths) {
  const std::string text =
      "50 1 0:40 / /tmp/my\\040cg/memory rw - cgroup cgroup rw,memory\n"
      "51 1 0:41 /sub /tmp/my\\040cg/pids rw - cgroup cgroup rw,pids\n"
      "52 1 0:42 / /tmp/my\\040cgx/cpu rw - cgroup cgroup rw,cpu\n";
  auto m = ParseCgroupMounts(text, "/tmp/my cg");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->mode, "v1");
  EXPECT_THAT(MountPoints(*m), ElementsAre("/tmp/my cg/memory", "/tmp/my cg/pids"));
  EXPECT_EQ(m->hierarchies[1].root, "/sub");
}

TEST(ParseCgroupMounts, V2MountedOverV1) {
  // The last mount on a mount point hides the earlier one.
  const std::string text =
      std::string(kV1Combined) + "99 18 0:50 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
  auto m = ParseCgroupMounts(text, "/sys/fs/cgroup");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->mode, "v2");
  ASSERT_EQ(m->hierarchies.size(), 1u);
}

TEST(ParseCgroupMounts, Errors) {
  EXPECT_EQ(ParseCgroupMounts(kPureV2, "/nowhere").status().code(), base::Code::kInvalid);
  EXPECT_EQ(ParseCgroupMounts("", "/sys/fs/cgroup").status().code(), base::Code::kInvalid);
  EXPECT_EQ(ParseCgroupMounts("1 2 3\n", "/sys/fs/cgroup").status().code(), base::Code::kInvalid);
  EXPECT_EQ(ParseCgroupMounts("31 23 0:28 / /sys/fs/cgroup rw,relatime tmpfs tmpfs rw\n",
                              "/sys/fs/cgroup")
                .status()
                .code(),
            base::Code::kInvalid);
  EXPECT_EQ(ParseCgroupMounts(kPureV2, "sys/fs/cgroup").status().code(), base::Code::kInvalid);
}

TEST(CpuConversions, MilliCpuToShares) {
  EXPECT_EQ(MilliCpuToShares(0), 2);
  EXPECT_EQ(MilliCpuToShares(-5), 2);
  EXPECT_EQ(MilliCpuToShares(1), 2);
  EXPECT_EQ(MilliCpuToShares(2), 2);
  EXPECT_EQ(MilliCpuToShares(3), 3);
  EXPECT_EQ(MilliCpuToShares(100), 102);
  EXPECT_EQ(MilliCpuToShares(250), 256);
  EXPECT_EQ(MilliCpuToShares(1000), 1024);
  EXPECT_EQ(MilliCpuToShares(255999), 262142);
  EXPECT_EQ(MilliCpuToShares(256000), 262144);
  EXPECT_EQ(MilliCpuToShares(256001), 262144);
  EXPECT_EQ(MilliCpuToShares(std::numeric_limits<int64_t>::max()), 262144);
}

TEST(CpuConversions, MilliCpuToQuota) {
  EXPECT_EQ(MilliCpuToQuota(0, 100000), 0);
  EXPECT_EQ(MilliCpuToQuota(-1, 100000), 0);
  EXPECT_EQ(MilliCpuToQuota(1, 100000), 1000);
  EXPECT_EQ(MilliCpuToQuota(9, 100000), 1000);
  EXPECT_EQ(MilliCpuToQuota(10, 100000), 1000);
  EXPECT_EQ(MilliCpuToQuota(11, 100000), 1100);
  EXPECT_EQ(MilliCpuToQuota(1, 1000000), 1000);
  EXPECT_EQ(MilliCpuToQuota(100, 1000), 1000);  // 100us, raised to the minimum
  EXPECT_EQ(MilliCpuToQuota(250, 100000), 25000);
  EXPECT_EQ(MilliCpuToQuota(1500, 100000), 150000);
  EXPECT_EQ(MilliCpuToQuota(500, 50000), 25000);
  EXPECT_EQ(MilliCpuToQuota(2000, 0), 200000);  // no period: the CFS default
  EXPECT_EQ(MilliCpuToQuota(std::numeric_limits<int64_t>::max(), 1000000),
            std::numeric_limits<int64_t>::max());
}

TEST(CpuConversions, SharesToWeight) {
  EXPECT_EQ(SharesToWeight(2), 1);
  EXPECT_EQ(SharesToWeight(3), 1);
  EXPECT_EQ(SharesToWeight(102), 4);
  EXPECT_EQ(SharesToWeight(1024), 39);
  EXPECT_EQ(SharesToWeight(262143), 9999);
  EXPECT_EQ(SharesToWeight(262144), 10000);
  // Outside the shares range: clamped into it first.
  EXPECT_EQ(SharesToWeight(0), 1);
  EXPECT_EQ(SharesToWeight(-7), 1);
  EXPECT_EQ(SharesToWeight(1 << 30), 10000);
  // Every request maps to a valid weight.
  for (int64_t milli : {0, 1, 10, 100, 1000, 4000, 64000, 256000, 1000000}) {
    const int64_t w = SharesToWeight(MilliCpuToShares(milli));
    EXPECT_GE(w, 1) << milli;
    EXPECT_LE(w, 10000) << milli;
  }
}

TEST(CgroupPath, Validation) {
  using cgroupfs::ValidatePath;
  EXPECT_TRUE(ValidatePath("cubelet").ok());
  EXPECT_TRUE(ValidatePath("cubelet/pod1234/abc").ok());
  EXPECT_TRUE(ValidatePath("cubelet/..x/x..").ok());
  for (const char* bad :
       {"", "/", "/cubelet", "cubelet/", "a//b", ".", "..", "a/../b", "a/./b", "cubelet/.."}) {
    EXPECT_EQ(ValidatePath(bad).code(), base::Code::kInvalid) << bad;
  }
  EXPECT_THAT(cgroupfs::SplitPath("a/b/c"), ElementsAre("a", "b", "c"));
}

// NewCgroupfs over plain directories: the names it hands out, and List/Remove (rmdir works on
// empty plain directories as it does on cgroups).
class FakeTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("cubelet-cgroups-unit-" + std::to_string(::getpid()));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::unique_ptr<Cgroups> Make(const std::vector<std::pair<std::string, std::string>>& mounts) {
    std::string text;
    int id = 100;
    for (const auto& [dir, type_and_opts] : mounts) {
      const fs::path point = dir.empty() ? root_ / "cg" : root_ / "cg" / dir;
      fs::create_directories(point);
      text += std::to_string(id++) + " 1 0:99 / " + point.string() + " rw,relatime - " +
              type_and_opts + "\n";
    }
    std::ofstream(root_ / "mountinfo") << text;
    auto cg = NewCgroupfs((root_ / "cg").string(), (root_ / "mountinfo").string());
    EXPECT_TRUE(cg.ok()) << cg.status().ToString();
    return cg.ok() ? std::move(*cg) : nullptr;
  }

  std::string Cg(const std::string& rel) const { return (root_ / "cg" / rel).string(); }

  fs::path root_;
};

TEST_F(FakeTreeTest, V1Names) {
  auto cg = Make({{"cpu,cpuacct", "cgroup cgroup rw,cpu,cpuacct"},
                  {"memory", "cgroup cgroup rw,memory"},
                  {"unified", "cgroup2 cgroup2 rw"}});
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->Mode(), "hybrid");
  EXPECT_THAT(cg->ProcsFiles("cubelet/pod1/c1"),
              ElementsAre(Cg("cpu,cpuacct/cubelet/pod1/c1/cgroup.procs"),
                          Cg("memory/cubelet/pod1/c1/cgroup.procs")));
  EXPECT_EQ(cg->OomEventsFile("cubelet/pod1"), Cg("memory/cubelet/pod1/memory.oom_control"));
  // A process moving itself uses v1's tasks files (no global threadgroup lock).
  EXPECT_THAT(
      cg->SelfJoinFiles("cubelet/pod1/c1"),
      ElementsAre(Cg("cpu,cpuacct/cubelet/pod1/c1/tasks"), Cg("memory/cubelet/pod1/c1/tasks")));
}

TEST_F(FakeTreeTest, V1WithoutMemory) {
  auto cg = Make({{"pids", "cgroup cgroup rw,pids"}});
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->Mode(), "v1");
  EXPECT_EQ(cg->OomEventsFile("cubelet/pod1"), "");
}

TEST_F(FakeTreeTest, V2Names) {
  auto cg = Make({{"", "cgroup2 cgroup2 rw"}});
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->Mode(), "v2");
  EXPECT_THAT(cg->ProcsFiles("cubelet/pod1/c1"), ElementsAre(Cg("cubelet/pod1/c1/cgroup.procs")));
  EXPECT_THAT(cg->SelfJoinFiles("cubelet/pod1/c1"),
              ElementsAre(Cg("cubelet/pod1/c1/cgroup.procs")));
  EXPECT_EQ(cg->OomEventsFile("cubelet/pod1"), Cg("cubelet/pod1/memory.events"));
}

TEST_F(FakeTreeTest, ListAndRemove) {
  auto cg = Make({{"memory", "cgroup cgroup rw,memory"}, {"pids", "cgroup cgroup rw,pids"}});
  ASSERT_NE(cg, nullptr);
  fs::create_directories(Cg("memory/t/a/b"));
  fs::create_directories(Cg("pids/t/a/c"));
  fs::create_directories(Cg("pids/other"));
  EXPECT_THAT(cg->List("t"), ElementsAre("t", "t/a", "t/a/b", "t/a/c"));
  EXPECT_THAT(cg->List("t/a/b"), ElementsAre("t/a/b"));
  EXPECT_THAT(cg->List("missing"), IsEmpty());
  EXPECT_THAT(cg->List("../pids"), IsEmpty());
  ASSERT_TRUE(cg->Remove("t").ok());
  EXPECT_THAT(cg->List("t"), IsEmpty());
  EXPECT_FALSE(fs::exists(Cg("memory/t")));
  EXPECT_FALSE(fs::exists(Cg("pids/t")));
  EXPECT_TRUE(fs::exists(Cg("pids/other")));
  EXPECT_TRUE(cg->Remove("t").ok());  // already gone
  EXPECT_EQ(cg->Remove("/t").code(), base::Code::kInvalid);
  // Missing cgroups: nothing to list or kill; no stats.
  auto pids = cg->Pids("t");
  ASSERT_TRUE(pids.ok());
  EXPECT_THAT(*pids, IsEmpty());
  EXPECT_TRUE(cg->KillAll("t").ok());
  EXPECT_EQ(cg->Stats("t").status().code(), base::Code::kNotFound);
  EXPECT_EQ(cg->Update("t", CgroupLimits{}).code(), base::Code::kNotFound);
}

TEST_F(FakeTreeTest, MissingMountPoint) {
  std::ofstream(fs::path(root_.string() + "-mountinfo"))
      << "1 1 0:99 / " << root_.string() << "/cg/memory rw - cgroup cgroup rw,memory\n";
  auto cg = NewCgroupfs(root_.string() + "/cg", root_.string() + "-mountinfo");
  fs::remove(root_.string() + "-mountinfo");
  EXPECT_EQ(cg.status().code(), base::Code::kNotFound);
  EXPECT_EQ(NewCgroupfs(root_.string(), root_.string() + "/none").status().code(),
            base::Code::kNotFound);
}

}  // namespace
}  // namespace cubelet::runtime
