// The cgroup manager on the machine's real cgroupfs (root): limits land in the kernel's files,
// the kernel enforces them (OOM kill, fork refused), KillAll empties a process tree, Remove
// leaves nothing behind. Everything lives under a parent unique to this process, removed by
// TearDown whatever a test did.
#include "runtime/cgroups.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cubelet::runtime {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

#define EXPECT_OK(expr)                                     \
  do {                                                      \
    const ::cubelet::base::Status s_ = (expr);              \
    EXPECT_TRUE(s_.ok()) << #expr << ": " << s_.ToString(); \
  } while (0)
#define ASSERT_OK(expr)                                     \
  do {                                                      \
    const ::cubelet::base::Status s_ = (expr);              \
    ASSERT_TRUE(s_.ok()) << #expr << ": " << s_.ToString(); \
  } while (0)

constexpr int64_t kMiB = 1 << 20;

// ---- Code that runs in forked children: system calls only (no allocation, no locks). ----

// Joins the cgroup by writing "0" into each file.
void JoinSelf(const std::vector<std::string>& procs_files) {
  for (const std::string& file : procs_files) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, "0", 1) != 1) ::_exit(120);
    ::close(fd);
  }
}

void SignalReady(int fd) {
  if (::write(fd, "r", 1) != 1) ::_exit(121);
}

[[noreturn]] void ExecSleep() {
  ::execl("/bin/sleep", "sleep", "1000", static_cast<char*>(nullptr));
  ::_exit(127);
}

[[noreturn]] void PauseForever() {
  for (;;) ::pause();
}

// ---- The fixture ----

std::string Trimmed(const std::string& file) {
  auto text = cgroupfs::ReadFile(file);
  if (!text.ok()) return "<" + text.status().ToString() + ">";
  std::string s = *text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<std::string> SortedLines(const std::string& file) {
  std::vector<std::string> out;
  std::string line;
  for (char c : Trimmed(file) + "\n") {
    if (c != '\n') {
      line.push_back(c);
    } else if (!line.empty()) {
      out.push_back(line);
      line.clear();
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class CgroupsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cg = NewCgroupfs();
    ASSERT_TRUE(cg.ok()) << cg.status().ToString();
    cg_ = std::move(*cg);
    auto text = cgroupfs::ReadFile("/proc/self/mountinfo");
    ASSERT_TRUE(text.ok());
    auto mounts = ParseCgroupMounts(*text, "/sys/fs/cgroup");
    ASSERT_TRUE(mounts.ok());
    mounts_ = std::move(*mounts);
    v2_ = cg_->Mode() == "v2";
    parent_ = "cubelet-test-" + std::to_string(::getpid());
  }

  void TearDown() override {
    if (cg_ == nullptr) return;
    for (pid_t pid : children_) ::kill(pid, SIGKILL);
    EXPECT_OK(cg_->KillAll(parent_));
    for (pid_t pid : children_) ::waitpid(pid, nullptr, 0);
    // Orphans re-parented to this process (a subreaper, see main.cc).
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    EXPECT_OK(cg_->Remove(parent_));
    EXPECT_THAT(cg_->List(parent_), IsEmpty());
  }

  // Forks a child that runs `body` (system calls only) and exits 0 if it returns.
  pid_t Fork(const std::function<void()>& body) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      body();
      ::_exit(0);
    }
    if (pid > 0) children_.push_back(pid);
    return pid;
  }

  // Waits for a child forked by Fork and returns its wait status.
  int Reap(pid_t pid) {
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    children_.erase(std::remove(children_.begin(), children_.end(), pid), children_.end());
    return status;
  }

  // The directory of `rel` in the hierarchy holding `controller`.
  std::string Dir(std::string_view controller, const std::string& rel) const {
    for (const CgroupHierarchy& h : mounts_.hierarchies) {
      if (h.v2 || h.Has(controller)) return h.mount_point + "/" + rel;
    }
    return "<no " + std::string(controller) + " hierarchy>";
  }

  std::unique_ptr<Cgroups> cg_;
  CgroupMounts mounts_;
  bool v2_ = false;
  std::string parent_;
  std::vector<pid_t> children_;
};

// Reads `n` readiness bytes; fewer when every writer died first.
int ReadReady(int fd, int n) {
  int got = 0;
  char c;
  while (got < n) {
    const ssize_t r = ::read(fd, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    ++got;
  }
  return got;
}

TEST_F(CgroupsTest, ModeMatchesTheMounts) {
  EXPECT_EQ(cg_->Mode(), mounts_.mode);
  EXPECT_EQ(cg_->ProcsFiles(parent_).size(), mounts_.hierarchies.size());
}

TEST_F(CgroupsTest, CreateAppliesAndUpdateChangesLimits) {
  const std::string pod = parent_ + "/pod1";
  const std::string ctr = pod + "/ctr";
  CgroupLimits limits;
  limits.cpu_shares = 512;
  limits.cpu_quota_us = 50000;
  limits.memory_limit = 64 * kMiB;
  limits.pids_limit = 10;
  ASSERT_OK(cg_->Create(ctr, limits));
  ASSERT_OK(cg_->Create(ctr, limits));  // idempotent

  for (const CgroupHierarchy& h : mounts_.hierarchies) {
    EXPECT_TRUE(fs::is_directory(h.mount_point + "/" + ctr)) << h.mount_point;
  }
  // The unified mount of a hybrid layout is never written to.
  if (mounts_.unified) {
    EXPECT_FALSE(fs::exists(mounts_.unified->mount_point + "/" + parent_));
  }
  if (v2_) {
    EXPECT_EQ(Trimmed(Dir("cpu", ctr) + "/cpu.weight"), std::to_string(SharesToWeight(512)));
    EXPECT_EQ(Trimmed(Dir("cpu", ctr) + "/cpu.max"), "50000 100000");
    EXPECT_EQ(Trimmed(Dir("memory", ctr) + "/memory.max"), std::to_string(64 * kMiB));
    EXPECT_EQ(Trimmed(Dir("pids", ctr) + "/pids.max"), "10");
    for (const std::string& level : {parent_, pod}) {
      const std::string enabled = Trimmed(Dir("", level) + "/cgroup.subtree_control");
      for (const char* c : {"cpu", "memory", "pids"}) {
        EXPECT_THAT(enabled, ::testing::HasSubstr(c)) << level;
      }
    }
  } else {
    EXPECT_EQ(Trimmed(Dir("cpu", ctr) + "/cpu.shares"), "512");
    EXPECT_EQ(Trimmed(Dir("cpu", ctr) + "/cpu.cfs_quota_us"), "50000");
    EXPECT_EQ(Trimmed(Dir("cpu", ctr) + "/cpu.cfs_period_us"), "100000");
    EXPECT_EQ(Trimmed(Dir("memory", ctr) + "/memory.limit_in_bytes"), std::to_string(64 * kMiB));
    EXPECT_EQ(Trimmed(Dir("pids", ctr) + "/pids.max"), "10");
    // Every level has its parent's CPUs and memory nodes, so tasks can join.
    const std::string cpus = Trimmed(Dir("cpuset", "") + "cpuset.cpus");
    const std::string mems = Trimmed(Dir("cpuset", "") + "cpuset.mems");
    ASSERT_FALSE(cpus.empty());
    for (const std::string& level : {parent_, pod, ctr}) {
      EXPECT_EQ(Trimmed(Dir("cpuset", level) + "/cpuset.cpus"), cpus) << level;
      EXPECT_EQ(Trimmed(Dir("cpuset", level) + "/cpuset.mems"), mems) << level;
    }
    EXPECT_THAT(
        SortedLines(Dir("devices", ctr) + "/devices.list"),
        ElementsAre("b *:* m", "c *:* m", "c 10:200 rwm", "c 136:* rwm", "c 1:3 rwm", "c 1:5 rwm",
                    "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:2 rwm"));
  }

  CgroupLimits changed;
  changed.cpu_shares = 2;
  changed.cpu_quota_us = 0;  // no quota
  changed.cpu_period_us = 50000;
  changed.memory_limit = 128 * kMiB;
  changed.pids_limit = 0;  // no limit
  ASSERT_OK(cg_->Update(ctr, changed));
  if (v2_) {
    EXPECT_EQ(Trimmed(Dir("cpu", ctr) + "/cpu.weight"), "1");
    EXPECT_EQ(Trimmed(Dir("cpu", ctr) + "/cpu.max"), "max 50000");
    EXPECT_EQ(Trimmed(Dir("memory", ctr) + "/memory.max"), std::to_string(128 * kMiB));
  } else {
    EXPECT_EQ(Trimmed(Dir("cpu", ctr) + "/cpu.shares"), "2");
    EXPECT_EQ(Trimmed(Dir("cpu", ctr) + "/cpu.cfs_quota_us"), "-1");
    EXPECT_EQ(Trimmed(Dir("cpu", ctr) + "/cpu.cfs_period_us"), "50000");
    EXPECT_EQ(Trimmed(Dir("memory", ctr) + "/memory.limit_in_bytes"), std::to_string(128 * kMiB));
  }
  EXPECT_EQ(Trimmed(Dir("pids", ctr) + "/pids.max"), "max");

  // A pod-level limit under which the container's fits, set while the pod has a child.
  CgroupLimits pod_limits;
  pod_limits.cpu_quota_us = 200000;
  pod_limits.memory_limit = 256 * kMiB;
  pod_limits.allow_all_devices = true;
  EXPECT_OK(cg_->Update(pod, pod_limits));
  // Then the container's quota is raised within it (v1 checks the ratio against the parent's
  // at each write, whichever order).
  CgroupLimits raised;
  raised.cpu_quota_us = 150000;
  raised.cpu_period_us = 100000;
  EXPECT_OK(cg_->Update(ctr, raised));
  if (!v2_) {
    EXPECT_EQ(Trimmed(Dir("cpu", ctr) + "/cpu.cfs_quota_us"), "150000");
  }
  // A shorter period with the old quota would be 15 CPUs, over the pod's 2: on v1 the new
  // quota has to be written first.
  CgroupLimits short_period;
  short_period.cpu_quota_us = 20000;
  short_period.cpu_period_us = 10000;
  EXPECT_OK(cg_->Update(ctr, short_period));
  if (v2_) {
    EXPECT_EQ(Trimmed(Dir("cpu", ctr) + "/cpu.max"), "20000 10000");
  } else {
    EXPECT_EQ(Trimmed(Dir("cpu", ctr) + "/cpu.cfs_quota_us"), "20000");
    EXPECT_EQ(Trimmed(Dir("cpu", ctr) + "/cpu.cfs_period_us"), "10000");
  }

  auto stats = cg_->Stats(ctr);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->pids, 0);
  EXPECT_EQ(stats->oom_kills, 0);

  EXPECT_EQ(cg_->Update(parent_ + "/missing", limits).code(), base::Code::kNotFound);
}

TEST_F(CgroupsTest, PrivilegedContainerInAPod) {
  if (v2_) GTEST_SKIP() << "devices are not limited on cgroup v2";
  const std::string pod = parent_ + "/pod";
  CgroupLimits pod_limits;
  pod_limits.allow_all_devices = true;
  ASSERT_OK(cg_->Create(pod, pod_limits));
  CgroupLimits plain;
  ASSERT_OK(cg_->Create(pod + "/plain", plain));
  CgroupLimits privileged;
  privileged.allow_all_devices = true;
  ASSERT_OK(cg_->Create(pod + "/privileged", privileged));
  EXPECT_THAT(SortedLines(Dir("devices", pod + "/privileged") + "/devices.list"),
              ElementsAre("a *:* rwm"));
  EXPECT_THAT(SortedLines(Dir("devices", pod + "/plain") + "/devices.list"), Contains("c 1:3 rwm"));
  // The pod has children now: its unchanged list is not rewritten (the kernel would refuse).
  EXPECT_OK(cg_->Update(pod, pod_limits));
  EXPECT_OK(cg_->Create(pod + "/plain", plain));
}

TEST_F(CgroupsTest, BadPathsAreRejected) {
  for (const char* bad : {"", "/abs", "a/../..", "x/"}) {
    EXPECT_EQ(cg_->Create(bad, {}).code(), base::Code::kInvalid) << bad;
    EXPECT_EQ(cg_->Remove(bad).code(), base::Code::kInvalid) << bad;
    EXPECT_EQ(cg_->KillAll(bad).code(), base::Code::kInvalid) << bad;
  }
}

TEST_F(CgroupsTest, MissingCgroups) {
  const std::string missing = parent_ + "/never-created";
  EXPECT_EQ(cg_->Stats(missing).status().code(), base::Code::kNotFound);
  auto pids = cg_->Pids(missing);
  ASSERT_TRUE(pids.ok());
  EXPECT_THAT(*pids, IsEmpty());
  EXPECT_OK(cg_->KillAll(missing));
  EXPECT_OK(cg_->Remove(missing));
  EXPECT_THAT(cg_->List(missing), IsEmpty());
}

TEST_F(CgroupsTest, OomKillAtTheMemoryLimit) {
  const std::string path = parent_ + "/oom";
  CgroupLimits limits;
  limits.memory_limit = 32 * kMiB;
  ASSERT_OK(cg_->Create(path, limits));
  const std::vector<std::string> join = cg_->ProcsFiles(path);
  const pid_t child = Fork([&] {
    JoinSelf(join);
    // Touch four times the limit; with no swap the OOM killer must step in.
    const size_t size = 128 * kMiB;
    auto* p = static_cast<char*>(
        ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (p == MAP_FAILED) ::_exit(122);
    for (size_t i = 0; i < size; i += 4096) p[i] = 1;
  });
  ASSERT_GT(child, 0);
  const int status = Reap(child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  auto stats = cg_->Stats(path);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_GE(stats->oom_kills, 1);
  // The counter the runtime watches for an "OOMKilled" reason.
  auto kills = cgroupfs::ReadKeyedInt(cg_->OomEventsFile(path), "oom_kill");
  ASSERT_TRUE(kills.ok()) << kills.status().ToString();
  EXPECT_GE(*kills, 1);
  // Counted for the pod too when the kill happened in a container below it.
  auto parent_stats = cg_->Stats(parent_);
  ASSERT_TRUE(parent_stats.ok());
  EXPECT_GE(parent_stats->oom_kills, 1);
}

TEST_F(CgroupsTest, PidsLimitMakesForkFail) {
  const std::string path = parent_ + "/pids";
  CgroupLimits limits;
  limits.pids_limit = 5;
  ASSERT_OK(cg_->Create(path, limits));
  const std::vector<std::string> join = cg_->ProcsFiles(path);
  int report[2];
  ASSERT_EQ(::pipe2(report, O_CLOEXEC), 0);
  const pid_t child = Fork([&] {
    ::close(report[0]);
    JoinSelf(join);
    // Forks until refused; the children stay so that they count.
    int result[2] = {0, 0};  // successful forks, errno of the refused one
    for (int i = 0; i < 20; ++i) {
      const pid_t pid = ::fork();
      if (pid == 0) PauseForever();
      if (pid < 0) {
        result[1] = errno;
        break;
      }
      ++result[0];
    }
    if (::write(report[1], result, sizeof result) != sizeof result) ::_exit(123);
    PauseForever();
  });
  ASSERT_GT(child, 0);
  ::close(report[1]);
  int result[2] = {-1, -1};
  ASSERT_EQ(::read(report[0], result, sizeof result), static_cast<ssize_t>(sizeof result));
  ::close(report[0]);
  EXPECT_EQ(result[0], 4);  // the child itself is the fifth task
  EXPECT_EQ(result[1], EAGAIN);

  auto pids = cg_->Pids(path);
  ASSERT_TRUE(pids.ok());
  EXPECT_EQ(pids->size(), 5u);
  EXPECT_THAT(*pids, Contains(child));
  auto stats = cg_->Stats(path);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->pids, 5);

  ASSERT_OK(cg_->KillAll(path));
  const int status = Reap(child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  pids = cg_->Pids(path);
  ASSERT_TRUE(pids.ok());
  EXPECT_THAT(*pids, IsEmpty());
}

TEST_F(CgroupsTest, KillAllKillsAProcessTree) {
  const std::string pod = parent_ + "/pod";
  const std::string sub = pod + "/sub";
  ASSERT_OK(cg_->Create(pod, {}));
  ASSERT_OK(cg_->Create(sub, {}));
  int ready[2];
  int go[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);

  // a (joins pod itself) -> b1 (sleep), b2 -> c (sleep)
  const std::vector<std::string> join = cg_->ProcsFiles(pod);
  const pid_t a = Fork([&] {
    JoinSelf(join);
    if (::fork() == 0) {
      SignalReady(ready[1]);
      ExecSleep();
    }
    if (::fork() == 0) {
      if (::fork() == 0) {
        SignalReady(ready[1]);
        ExecSleep();
      }
      SignalReady(ready[1]);
      PauseForever();
    }
    SignalReady(ready[1]);
    PauseForever();
  });
  ASSERT_GT(a, 0);
  // d is moved into pod/sub by this process (by PID), then starts e and becomes a sleep.
  const pid_t d = Fork([&] {
    char c;
    if (::read(go[0], &c, 1) != 1) ::_exit(124);
    if (::fork() == 0) {
      SignalReady(ready[1]);
      ExecSleep();
    }
    SignalReady(ready[1]);
    ExecSleep();
  });
  ASSERT_GT(d, 0);
  ::close(go[0]);
  ::close(ready[1]);
  for (const std::string& file : cg_->ProcsFiles(sub)) {
    ASSERT_OK(cgroupfs::WriteFile(file, std::to_string(d)));
  }
  ASSERT_EQ(::write(go[1], "g", 1), 1);
  ::close(go[1]);
  ASSERT_EQ(ReadReady(ready[0], 6), 6);
  ::close(ready[0]);

  auto pids = cg_->Pids(pod);
  ASSERT_TRUE(pids.ok());
  EXPECT_EQ(pids->size(), 6u);
  EXPECT_THAT(*pids, Contains(a));
  EXPECT_THAT(*pids, Contains(d));
  auto in_sub = cg_->Pids(sub);
  ASSERT_TRUE(in_sub.ok());
  EXPECT_EQ(in_sub->size(), 2u);
  EXPECT_THAT(*in_sub, Contains(d));

  ASSERT_OK(cg_->KillAll(pod));
  pids = cg_->Pids(pod);
  ASSERT_TRUE(pids.ok());
  EXPECT_THAT(*pids, IsEmpty());
  for (pid_t pid : {a, d}) {
    const int status = Reap(pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << pid << ": " << status;
  }
  if (!v2_) {
    // Not left frozen.
    EXPECT_EQ(Trimmed(Dir("freezer", pod) + "/freezer.state"), "THAWED");
    EXPECT_EQ(Trimmed(Dir("freezer", sub) + "/freezer.state"), "THAWED");
  }
  // The cgroups stay usable: a new process can join and run.
  const pid_t again = Fork([&] { JoinSelf(join); });
  ASSERT_GT(again, 0);
  const int status = Reap(again);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(CgroupsTest, RemoveLeavesNothing) {
  const std::string root = parent_ + "/rm";
  ASSERT_OK(cg_->Create(root + "/a/b/c", {}));
  ASSERT_OK(cg_->Create(root + "/x", {}));
  EXPECT_THAT(cg_->List(root),
              ElementsAre(root, root + "/a", root + "/a/b", root + "/a/b/c", root + "/x"));
  int ready[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  const std::vector<std::string> join = cg_->ProcsFiles(root + "/a/b/c");
  const pid_t child = Fork([&] {
    JoinSelf(join);
    // Some memory to free makes the exit after SIGKILL take a moment, during which rmdir
    // reports EBUSY and Remove has to retry.
    const size_t size = 64 * kMiB;
    auto* p = static_cast<char*>(
        ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (p == MAP_FAILED) ::_exit(122);
    for (size_t i = 0; i < size; i += 4096) p[i] = 1;
    SignalReady(ready[1]);
    PauseForever();
  });
  ASSERT_GT(child, 0);
  ::close(ready[1]);
  ASSERT_EQ(ReadReady(ready[0], 1), 1);
  ::close(ready[0]);

  ASSERT_EQ(::kill(child, SIGKILL), 0);
  ASSERT_OK(cg_->Remove(root));
  EXPECT_THAT(cg_->List(root), IsEmpty());
  for (const CgroupHierarchy& h : mounts_.hierarchies) {
    EXPECT_FALSE(fs::exists(h.mount_point + "/" + root)) << h.mount_point;
    EXPECT_TRUE(fs::exists(h.mount_point + "/" + parent_)) << h.mount_point;
  }
  EXPECT_OK(cg_->Remove(root));  // already gone
  const int status = Reap(child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
}

TEST_F(CgroupsTest, ParentCleanupRemovesEveryHierarchy) {
  ASSERT_OK(cg_->Create(parent_ + "/p/c", {}));
  ASSERT_OK(cg_->KillAll(parent_));
  ASSERT_OK(cg_->Remove(parent_));
  EXPECT_THAT(cg_->List(parent_), IsEmpty());
  for (const CgroupHierarchy& h : mounts_.hierarchies) {
    EXPECT_FALSE(fs::exists(h.mount_point + "/" + parent_)) << h.mount_point;
  }
}

// The v2 implementation on this machine's real cgroup2 hierarchy when the layout is hybrid:
// a cgroup of the unified mount is bind-mounted (in a private mount namespace) and managed as
// if it were a v2 root. Only hugetlb is enabled there, so no limits, but creation with
// delegation, joining, listing, cgroup.kill and removal are the real thing, and the mount's
// root is not "/" (as in a cgroup namespace).
class V2OnUnifiedTest : public CgroupsTest {
 protected:
  void SetUp() override {
    CgroupsTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    if (!mounts_.unified)
      GTEST_SKIP() << "no separate cgroup2 mount (layout " << mounts_.mode << ")";
    base_ = mounts_.unified->mount_point + "/cubelet-v2test-" + std::to_string(::getpid());
    ASSERT_TRUE(fs::create_directory(base_) || fs::is_directory(base_));
    // Private, so that the bind mount never shows up outside this process.
    ASSERT_EQ(::unshare(CLONE_NEWNS), 0) << std::strerror(errno);
    ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
    mnt_ = fs::temp_directory_path() / ("cubelet-v2test-" + std::to_string(::getpid()));
    fs::create_directories(mnt_);
    ASSERT_EQ(::mount(base_.c_str(), mnt_.c_str(), nullptr, MS_BIND, nullptr), 0)
        << std::strerror(errno);
    mounted_ = true;
    auto cg = NewCgroupfs(mnt_.string());
    ASSERT_TRUE(cg.ok()) << cg.status().ToString();
    v2cg_ = std::move(*cg);
  }

  void TearDown() override {
    for (pid_t pid : children_) ::kill(pid, SIGKILL);
    if (v2cg_ != nullptr) {
      EXPECT_OK(v2cg_->KillAll("pod"));
      EXPECT_OK(v2cg_->Remove("pod"));
    }
    if (mounted_) ::umount2(mnt_.c_str(), MNT_DETACH);
    if (!mnt_.empty()) fs::remove(mnt_);
    if (!base_.empty()) ::rmdir(base_.c_str());
    CgroupsTest::TearDown();
    EXPECT_FALSE(fs::exists(base_));
  }

  std::string base_;
  fs::path mnt_;
  bool mounted_ = false;
  std::unique_ptr<Cgroups> v2cg_;
};

TEST_F(V2OnUnifiedTest, CreateJoinKillRemove) {
  EXPECT_EQ(v2cg_->Mode(), "v2");
  ASSERT_OK(v2cg_->Create("pod/a", {}));
  ASSERT_OK(v2cg_->Create("pod/b", {}));
  ASSERT_OK(v2cg_->Create("pod/b", {}));  // idempotent
  // Delegated at every level above the leaves (hugetlb is what this hierarchy has).
  const std::string available = Trimmed(base_ + "/cgroup.controllers");
  for (const std::string& level : {base_, base_ + "/pod"}) {
    EXPECT_EQ(Trimmed(level + "/cgroup.subtree_control"), available) << level;
  }
  // Limits need controllers this hierarchy lacks.
  CgroupLimits memory;
  memory.memory_limit = 32 * kMiB;
  EXPECT_FALSE(v2cg_->Update("pod/a", memory).ok());
  EXPECT_EQ(v2cg_->OomEventsFile("pod/a"), mnt_.string() + "/pod/a/memory.events");

  int ready[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  const std::vector<std::string> join_a = v2cg_->ProcsFiles("pod/a");
  const std::vector<std::string> join_b = v2cg_->ProcsFiles("pod/b");
  ASSERT_EQ(join_a.size(), 1u);
  const pid_t a = Fork([&] {
    JoinSelf(join_a);
    if (::fork() == 0) {
      SignalReady(ready[1]);
      ExecSleep();
    }
    SignalReady(ready[1]);
    PauseForever();
  });
  ASSERT_GT(a, 0);
  const pid_t b = Fork([&] {
    JoinSelf(join_b);
    SignalReady(ready[1]);
    ExecSleep();
  });
  ASSERT_GT(b, 0);
  ::close(ready[1]);
  ASSERT_EQ(ReadReady(ready[0], 3), 3);
  ::close(ready[0]);

  auto pids = v2cg_->Pids("pod");
  ASSERT_TRUE(pids.ok());
  EXPECT_EQ(pids->size(), 3u);
  EXPECT_THAT(*pids, Contains(a));
  EXPECT_THAT(*pids, Contains(b));
  auto stats = v2cg_->Stats("pod");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->pids, 3);
  EXPECT_EQ(stats->oom_kills, 0);

  ASSERT_OK(v2cg_->KillAll("pod"));
  for (pid_t pid : {a, b}) {
    const int status = Reap(pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << pid << ": " << status;
  }
  ASSERT_OK(v2cg_->Remove("pod"));
  EXPECT_THAT(v2cg_->List("pod"), IsEmpty());
  EXPECT_FALSE(fs::exists(base_ + "/pod"));
}

}  // namespace
}  // namespace cubelet::runtime
