// A real runtime on this machine for the integration tests: state, logs and a busybox layer
// under a temporary directory, cgroups under a parent unique to this process. TearDown
// removes every sandbox the test left and checks that nothing of them remains.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

#include "runtime/runtime.h"

namespace cubelet::runtime::testing {

#define RT_ASSERT_OK(expr)                                  \
  do {                                                      \
    const ::cubelet::base::Status s_ = (expr);              \
    ASSERT_TRUE(s_.ok()) << #expr << ": " << s_.ToString(); \
  } while (0)

inline std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// A one-layer busybox image: /bin/busybox, its applets as symlinks, /etc/passwd and /etc/group.
inline std::string MakeBusyboxLayer(const std::string& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir + "/bin");
  fs::create_directories(dir + "/etc");
  fs::create_directories(dir + "/tmp");
  fs::permissions(dir + "/tmp", fs::perms::all | fs::perms::sticky_bit);
  fs::copy_file("/bin/busybox", dir + "/bin/busybox", fs::copy_options::overwrite_existing);
  std::string applets = Shell("/bin/busybox --list");
  size_t start = 0;
  while (start < applets.size()) {
    size_t end = applets.find('\n', start);
    std::string name = applets.substr(start, end - start);
    start = end == std::string::npos ? applets.size() : end + 1;
    if (name.empty() || name == "busybox") continue;
    std::error_code ec;
    fs::create_symlink("/bin/busybox", dir + "/bin/" + name, ec);
  }
  std::ofstream(dir + "/etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n"
                                        "app:x:1000:1000:app:/home/app:/bin/sh\n"
                                        "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
  std::ofstream(dir + "/etc/group") << "root:x:0:\napp:x:1000:\nextra:x:2000:app\n"
                                       "nogroup:x:65534:\n";
  return dir;
}

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = "/tmp/cubelet-rt-" + std::to_string(getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    layer_ = MakeBusyboxLayer(dir_ + "/layer");
    options_.root = dir_ + "/runtime";
    options_.pods_log_root = dir_ + "/pods";
    options_.supervisor_path = std::string(CUBELET_BIN_DIR) + "/cubelet-supervisor";
    options_.cgroup_parent = "cubelet-test-" + std::to_string(getpid());
    auto rt = NewRuntime(options_);
    ASSERT_TRUE(rt.ok()) << rt.status().ToString();
    runtime_ = std::move(*rt);
  }

  void TearDown() override {
    if (runtime_) {
      auto sandboxes = runtime_->ListPodSandboxes();
      if (sandboxes.ok()) {
        for (const auto& s : *sandboxes) EXPECT_TRUE(runtime_->RemovePodSandbox(s.id).ok());
      }
    }
    runtime_.reset();
    std::string mounts = Shell("grep -c " + dir_ + " /proc/self/mountinfo");
    EXPECT_EQ(mounts, "0\n") << "mounts left under " << dir_;
    std::filesystem::remove_all(dir_);
    EXPECT_FALSE(std::filesystem::exists("/sys/fs/cgroup/memory/" + options_.cgroup_parent + "/x"));
    rmdir(("/sys/fs/cgroup/memory/" + options_.cgroup_parent).c_str());
    for (const char* c : {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio",
                          "pids", "systemd", "unified"}) {
      rmdir(("/sys/fs/cgroup/" + std::string(c) + "/" + options_.cgroup_parent).c_str());
    }
  }

  SandboxConfig Sandbox(const std::string& name) {
    SandboxConfig c;
    c.name = name;
    c.namespace_ = "default";
    c.uid = "uid-" + name;
    return c;
  }

  ContainerConfig Container(const std::string& name, std::vector<std::string> command) {
    ContainerConfig c;
    c.name = name;
    c.image.ref = "busybox:test";
    c.image.id = "sha256:test";
    c.image.layer_dirs = {layer_};
    c.command = std::move(command);
    return c;
  }

  // Creates and starts; fails the test on error.
  std::string Run(const std::string& sandbox, const ContainerConfig& config) {
    auto id = runtime_->CreateContainer(sandbox, config);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    if (!id.ok()) return "";
    auto s = runtime_->StartContainer(*id);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return *id;
  }

  // Waits (bounded) until the container is no longer running.
  ContainerStatus WaitExited(const std::string& id, int seconds = 30) {
    ContainerStatus last;
    for (int i = 0; i < seconds * 200; ++i) {
      auto s = runtime_->GetContainerStatus(id);
      if (s.ok()) {
        last = *s;
        if (s->state == ContainerState::kExited) return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "container " << id << " did not exit";
    return last;
  }

  std::string Exec(const std::string& id, std::vector<std::string> argv, int* code = nullptr) {
    auto r = runtime_->ExecSync(id, argv, std::chrono::seconds(20));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return "";
    if (code) *code = r->exit_code;
    return r->output;
  }

  std::string dir_;
  std::string layer_;
  RuntimeOptions options_;
  std::unique_ptr<Runtime> runtime_;
};

}  // namespace cubelet::runtime::testing
