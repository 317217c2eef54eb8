// The runtime on real namespaces, mounts and cgroups (root): what a pod's containers share and
// what they do not, limits the kernel enforces, stop semantics, logs, and survival of the
// server's death.
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime_fixture.h"

namespace cubelet::runtime::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string NsInode(int pid, const char* kind) {
  char buf[256];
  std::string path = "/proc/" + std::to_string(pid) + "/ns/" + kind;
  ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
  if (n <= 0) return "missing:" + path;
  return std::string(buf, static_cast<size_t>(n));
}

[[maybe_unused]] std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(RuntimeTest, ContainersOfAPodShareNetworkIpcUtsAndEmptyDir) {
  SandboxConfig sc = Sandbox("web");
  sc.hostname = "web-host";
  Volume shared;
  shared.name = "shared";
  sc.volumes.push_back(shared);
  auto sid = runtime_->RunPodSandbox(sc);
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();

  ContainerConfig server = Container(
      "server", {"sh", "-c",
                 "echo hello-from-server > /shared/index.html; touch /dev/mqueue/pod-queue; "
                 "exec httpd -f -p 8080 -h /shared"});
  server.mounts.push_back(VolumeMount{"shared", "/shared", "", false});
  ContainerConfig client = Container("client", {"sleep", "1000"});
  client.mounts.push_back(VolumeMount{"shared", "/data", "", false});
  std::string a = Run(*sid, server);
  std::string b = Run(*sid, client);
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());

  // localhost reaches the other container's server; the emptyDir file is the one it serves.
  std::string body;
  for (int i = 0; i < 400 && body.find("hello") == std::string::npos; ++i) {
    body = Exec(b, {"wget", "-q", "-O", "-", "http://127.0.0.1:8080/index.html"});
    if (body.find("hello") == std::string::npos) usleep(10000);
  }
  EXPECT_EQ(body, "hello-from-server\n");
  EXPECT_EQ(Exec(b, {"cat", "/data/index.html"}), "hello-from-server\n");
  // A POSIX message queue made in one container is visible in the other: each container
  // mounts its own mqueue filesystem, which shows the queues of the pod's IPC namespace.
  EXPECT_THAT(Exec(b, {"ls", "/dev/mqueue"}), HasSubstr("pod-queue"));
  EXPECT_EQ(Exec(b, {"hostname"}), "web-host\n");
  EXPECT_EQ(Exec(b, {"cat", "/etc/hostname"}), "web-host\n");

  auto sa = runtime_->GetContainerStatus(a);
  auto sb = runtime_->GetContainerStatus(b);
  ASSERT_TRUE(sa.ok() && sb.ok());
  ASSERT_EQ(sa->state, ContainerState::kRunning);
  ASSERT_EQ(sb->state, ContainerState::kRunning);
  EXPECT_EQ(NsInode(sa->pid, "net"), NsInode(sb->pid, "net"));
  EXPECT_EQ(NsInode(sa->pid, "ipc"), NsInode(sb->pid, "ipc"));
  EXPECT_EQ(NsInode(sa->pid, "uts"), NsInode(sb->pid, "uts"));
  EXPECT_NE(NsInode(sa->pid, "mnt"), NsInode(sb->pid, "mnt"));
  EXPECT_NE(NsInode(sa->pid, "pid"), NsInode(sb->pid, "pid"));
  EXPECT_NE(NsInode(sa->pid, "net"), NsInode(getpid(), "net"));
  // Each container is PID 1 of its own PID namespace.
  EXPECT_EQ(Exec(b, {"sh", "-c", "cat /proc/1/comm"}), "sleep\n");
}

}  // namespace
}  // namespace cubelet::runtime::testing
