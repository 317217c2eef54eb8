// The runtime on real namespaces, mounts and cgroups (root): what a pod's containers share and
// what they do not, limits the kernel enforces, stop semantics, logs, and survival of the
// server's death.
#include <algorithm>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <set>
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

TEST_F(RuntimeTest, SharedPidNamespaceHasTheInfraProcessAsPid1AndReapsOrphans) {
  SandboxConfig sc = Sandbox("shared-pid");
  sc.share_process_namespace = true;
  auto sid = runtime_->RunPodSandbox(sc);
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  // The subshell starts a short sleep and exits at once: the sleep is orphaned, re-parented to
  // PID 1 (the supervisor), and must be reaped when it ends rather than stay a zombie.
  std::string id = Run(*sid, Container("app", {"sh", "-c", "(sleep 0.3 &); exec sleep 1000"}));
  ASSERT_FALSE(id.empty());
  EXPECT_THAT(Exec(id, {"cat", "/proc/1/cmdline"}), StartsWith("cubelet-supervisor"));
  std::string orphan_parent =
      Exec(id, {"sh", "-c", "ps -o ppid,args | grep 'sleep 0.3' | grep -v grep"});
  EXPECT_THAT(orphan_parent, StartsWith("    1 ")) << "the orphan was not re-parented to PID 1";
  std::string procs;
  for (int i = 0; i < 1000; ++i) {
    procs = Exec(id, {"ps", "-o", "stat,args"});
    if (procs.find("sleep 0.3") == std::string::npos) break;
    usleep(10000);
  }
  EXPECT_THAT(procs, ::testing::Not(HasSubstr("sleep 0.3"))) << procs;
  EXPECT_THAT(procs, ::testing::Not(HasSubstr("\nZ"))) << procs;
  // The second container sees the first one's processes.
  std::string other = Run(*sid, Container("other", {"sleep", "1000"}));
  EXPECT_THAT(Exec(other, {"ps", "-o", "args"}), HasSubstr("sleep 1000"));
}

TEST_F(RuntimeTest, InfraImageHoldsTheSharedPidNamespace) {
  RuntimeOptions with_infra = options_;
  ImageSpec pause;
  pause.ref = "pause:test";
  pause.layer_dirs = {layer_};
  pause.entrypoint = {"sleep"};
  pause.cmd = {"1000000"};
  with_infra.infra_image = pause;
  auto rt = NewRuntime(with_infra);
  ASSERT_TRUE(rt.ok()) << rt.status().ToString();
  SandboxConfig sc = Sandbox("infra");
  sc.share_process_namespace = true;
  auto sid = (*rt)->RunPodSandbox(sc);
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  auto id = (*rt)->CreateContainer(*sid, Container("app", {"sleep", "1000"}));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  RT_ASSERT_OK((*rt)->StartContainer(*id));
  auto r = (*rt)->ExecSync(*id, {"cat", "/proc/1/cmdline"}, std::chrono::seconds(10));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->output, std::string("sleep\0"
                                   "1000000\0",
                                   14));
  auto listed = (*rt)->ListContainers(*sid);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u) << "the infra container is not listed";
  EXPECT_EQ((*listed)[0].name, "app");
  RT_ASSERT_OK((*rt)->RemovePodSandbox(*sid));
  EXPECT_TRUE(std::filesystem::is_empty(options_.root + "/containers"));
}

TEST_F(RuntimeTest, VolumesFilesHostPathSubPathAndReadOnly) {
  std::string host_dir = dir_ + "/host-data";
  std::filesystem::create_directories(host_dir);
  std::ofstream(host_dir + "/from-host") << "host";
  SandboxConfig sc = Sandbox("volumes");
  Volume files;
  files.name = "config";
  files.kind = Volume::Kind::kFiles;
  files.files = {{"app.conf", "key=value\n", 0644}, {"nested/secret", "s3cr3t", 0400}};
  Volume host;
  host.name = "host";
  host.kind = Volume::Kind::kHostPath;
  host.path = host_dir;
  host.host_path_type = "Directory";
  Volume scratch;
  scratch.name = "scratch";
  sc.volumes = {files, host, scratch};
  auto sid = runtime_->RunPodSandbox(sc);
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  ContainerConfig c = Container("app", {"sleep", "1000"});
  c.mounts = {{"config", "/etc/app", "", false},
              {"host", "/host", "", true},
              {"scratch", "/sub", "deep/dir", false}};
  std::string id = Run(*sid, c);
  EXPECT_EQ(Exec(id, {"cat", "/etc/app/app.conf"}), "key=value\n");
  EXPECT_EQ(Exec(id, {"cat", "/etc/app/nested/secret"}), "s3cr3t");
  EXPECT_EQ(Exec(id, {"stat", "-c", "%a", "/etc/app/nested/secret"}), "400\n");
  int code = 0;
  Exec(id, {"touch", "/etc/app/new"}, &code);
  EXPECT_NE(code, 0) << "files volumes are read-only";
  EXPECT_EQ(Exec(id, {"cat", "/host/from-host"}), "host");
  Exec(id, {"touch", "/host/x"}, &code);
  EXPECT_NE(code, 0) << "readOnly mount";
  Exec(id, {"touch", "/sub/made-here"}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_TRUE(std::filesystem::exists(options_.root + "/sandboxes/" + *sid +
                                      "/volumes/scratch/deep/dir/made-here"));
}

TEST_F(RuntimeTest, AFailedSandboxLeavesNothingBehind) {
  SandboxConfig sc = Sandbox("broken");
  Volume host;
  host.name = "host";
  host.kind = Volume::Kind::kHostPath;
  host.path = dir_ + "/missing";
  host.host_path_type = "Directory";
  Volume mem;
  mem.name = "mem";
  mem.memory = true;
  sc.volumes = {mem, host};
  auto sid = runtime_->RunPodSandbox(sc);
  ASSERT_FALSE(sid.ok());
  EXPECT_THAT(sid.status().message(), HasSubstr("hostPath type check failed"));
  EXPECT_THAT(sid.status().message(), HasSubstr("does not exist"));
  EXPECT_TRUE(std::filesystem::is_empty(options_.root + "/sandboxes"));
  EXPECT_TRUE(std::filesystem::is_empty(options_.pods_log_root));
  EXPECT_EQ(Shell("grep -c " + dir_ + " /proc/self/mountinfo"), "0\n");
  EXPECT_FALSE(std::filesystem::exists("/sys/fs/cgroup/memory/" + options_.cgroup_parent +
                                       "/poduid-broken"));
}

TEST_F(RuntimeTest, MemoryLimitEndsInOomKilled) {
  auto sid = runtime_->RunPodSandbox(Sandbox("oom"));
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  ContainerConfig c =
      Container("hog", {"sh", "-c", "x=$(head -c 200000000 /dev/zero | tr '\\0' x); echo $x"});
  c.resources.memory_limit = 32 << 20;
  std::string id = Run(*sid, c);
  ContainerStatus s = WaitExited(id);
  EXPECT_EQ(s.reason, "OOMKilled");
  EXPECT_EQ(s.exit_code, 137);
}

TEST_F(RuntimeTest, StopSendsSigtermThenSigkillAfterTheGracePeriod) {
  auto sid = runtime_->RunPodSandbox(Sandbox("stop"));
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  std::string stubborn = Run(
      *sid, Container("stubborn", {"sh", "-c", "trap '' TERM; while true; do sleep 0.05; done"}));
  std::string polite =
      Run(*sid,
          Container("polite", {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.05; done"}));
  ASSERT_FALSE(stubborn.empty());
  ASSERT_FALSE(polite.empty());
  RT_ASSERT_OK(runtime_->StopContainer(stubborn, std::chrono::milliseconds(300)));
  auto s1 = runtime_->GetContainerStatus(stubborn);
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(s1->state, ContainerState::kExited);
  EXPECT_EQ(s1->signal, SIGKILL);
  EXPECT_EQ(s1->exit_code, 137);
  EXPECT_EQ(s1->reason, "Error");
  // A container that honours SIGTERM exits by itself well within a long grace period.
  RT_ASSERT_OK(runtime_->StopContainer(polite, std::chrono::seconds(60)));
  auto s2 = runtime_->GetContainerStatus(polite);
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(s2->state, ContainerState::kExited);
  EXPECT_EQ(s2->exit_code, 0);
  EXPECT_EQ(s2->reason, "Completed");
}

TEST_F(RuntimeTest, LogsAreWrittenInTheCriFormatAndTheTerminationMessageIsRead) {
  auto sid = runtime_->RunPodSandbox(Sandbox("logs"));
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  std::string id = Run(*sid, Container("writer", {"sh", "-c",
                                                  "echo to-stdout; echo to-stderr >&2; "
                                                  "printf bye > /dev/termination-log; exit 3"}));
  ContainerStatus s = WaitExited(id);
  EXPECT_EQ(s.exit_code, 3);
  EXPECT_EQ(s.reason, "Error");
  EXPECT_EQ(s.message, "bye");
  EXPECT_EQ(s.log_path, options_.pods_log_root + "/default_logs_uid-logs/writer/0.log");
  std::string log = ReadText(s.log_path);
  EXPECT_THAT(log, ::testing::ContainsRegex("^[0-9T:.-]+Z stdout F to-stdout\n"));
  EXPECT_THAT(log, ::testing::ContainsRegex("Z stderr F to-stderr\n"));

  ContainerConfig fallback = Container("fallback", {"sh", "-c", "echo last words; exit 1"});
  fallback.fallback_to_logs_on_error = true;
  fallback.attempt = 1;
  std::string id2 = Run(*sid, fallback);
  EXPECT_EQ(WaitExited(id2).message, "last words\n");
}

TEST_F(RuntimeTest, StartErrorsAreReportedWithTheirReason) {
  auto sid = runtime_->RunPodSandbox(Sandbox("bad"));
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  auto id = runtime_->CreateContainer(*sid, Container("missing", {"no-such-binary"}));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  base::Status started = runtime_->StartContainer(*id);
  EXPECT_FALSE(started.ok());
  EXPECT_THAT(started.message(), HasSubstr("executable file not found in $PATH"));
  auto s = runtime_->GetContainerStatus(*id);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->state, ContainerState::kExited);
  EXPECT_EQ(s->reason, "StartError");
  EXPECT_EQ(s->exit_code, 128);
}

TEST_F(RuntimeTest, SecurityDefaultsAndOverrides) {
  auto sid = runtime_->RunPodSandbox(Sandbox("sec"));
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  std::string root = Run(*sid, Container("root", {"sleep", "1000"}));
  // Docker's and containerd's default capability set.
  EXPECT_THAT(Exec(root, {"grep", "CapEff", "/proc/self/status"}), HasSubstr("00000000a80425fb"));
  EXPECT_THAT(Exec(root, {"grep", "NoNewPrivs", "/proc/self/status"}), HasSubstr("0"));
  int code = 0;
  Exec(root, {"sh", "-c", "echo x > /sys/kernel/x"}, &code);
  EXPECT_NE(code, 0) << "/sys must be read-only";
  EXPECT_EQ(Exec(root, {"cat", "/proc/timer_list"}), "") << "masked path";
  EXPECT_EQ(Exec(root, {"ls", "/sys/firmware"}), "") << "masked directory";
  Exec(root, {"sh", "-c", "echo 1 > /proc/sys/kernel/sysrq"}, &code);
  EXPECT_NE(code, 0) << "/proc/sys must be read-only";

  ContainerConfig user = Container("user", {"sleep", "1000"});
  user.image.user = "app";
  user.security.read_only_root_filesystem = true;
  user.security.allow_privilege_escalation = false;
  user.security.seccomp = SeccompProfile::kRuntimeDefault;
  user.security.supplemental_groups = {3000};
  std::string uid = Run(*sid, user);
  EXPECT_EQ(Exec(uid, {"id", "-u"}), "1000\n");
  EXPECT_EQ(Exec(uid, {"id", "-G"}), "1000 2000 3000\n");
  EXPECT_THAT(Exec(uid, {"grep", "CapEff", "/proc/self/status"}), HasSubstr("0000000000000000"));
  EXPECT_THAT(Exec(uid, {"grep", "NoNewPrivs", "/proc/self/status"}), HasSubstr("1"));
  EXPECT_THAT(Exec(uid, {"grep", "Seccomp:", "/proc/self/status"}), HasSubstr("2"));
  Exec(uid, {"touch", "/tmp/x"}, &code);
  EXPECT_NE(code, 0) << "read-only root filesystem";

  ContainerConfig priv = Container("priv", {"sleep", "1000"});
  priv.security.privileged = true;
  std::string p = Run(*sid, priv);
  EXPECT_THAT(Exec(p, {"grep", "CapEff", "/proc/self/status"}),
              ::testing::Not(HasSubstr("a80425fb")));
  Exec(p, {"sh", "-c", "test -e /dev/kmsg"}, &code);
  EXPECT_EQ(code, 0) << "a privileged container sees the host's devices";
}

TEST_F(RuntimeTest, ExecTimeoutKillsTheProcess) {
  auto sid = runtime_->RunPodSandbox(Sandbox("exec"));
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  std::string id = Run(*sid, Container("app", {"sleep", "1000"}));
  auto r = runtime_->ExecSync(id, {"sh", "-c", "echo started; exec sleep 1000"},
                              std::chrono::milliseconds(300));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->timed_out);
  std::string procs;
  for (int i = 0; i < 500; ++i) {
    procs = Exec(id, {"ps", "-o", "args"});
    if (procs.find("sleep 1000\n") == procs.rfind("sleep 1000\n")) break;
    usleep(10000);
  }
  EXPECT_EQ(procs.find("sleep 1000\n"), procs.rfind("sleep 1000\n"))
      << "exec'd sleep survived: " << procs;
  auto ok = runtime_->ExecSync(id, {"sh", "-c", "echo out; echo err >&2; exit 7"},
                               std::chrono::seconds(10));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->exit_code, 7);
  EXPECT_EQ(ok->output, "out\nerr\n");
}

// The process that owns the Runtime (the server) dies by SIGKILL: the pod runs on, a new
// Runtime finds it, and an exit that happened meanwhile is reported with its code and time.
TEST_F(RuntimeTest, PodsSurviveTheServerAndAreReadopted) {
  int ids_pipe[2];
  ASSERT_EQ(pipe(ids_pipe), 0);
  pid_t server = fork();
  ASSERT_GE(server, 0);
  if (server == 0) {
    close(ids_pipe[0]);
    auto rt = NewRuntime(options_);
    if (!rt.ok()) _exit(10);
    SandboxConfig sc = Sandbox("survivor");
    Volume flags;
    flags.name = "flags";
    sc.volumes.push_back(flags);
    auto sid = (*rt)->RunPodSandbox(sc);
    if (!sid.ok()) _exit(11);
    ContainerConfig waiter =
        Container("waiter", {"sh", "-c", "while [ ! -e /flags/go ]; do sleep 0.02; done; exit 3"});
    waiter.mounts.push_back(VolumeMount{"flags", "/flags", "", false});
    auto w = (*rt)->CreateContainer(*sid, waiter);
    auto k = (*rt)->CreateContainer(*sid, Container("keeper", {"sleep", "1000"}));
    if (!w.ok() || !k.ok() || !(*rt)->StartContainer(*w).ok() || !(*rt)->StartContainer(*k).ok()) {
      _exit(12);
    }
    std::string line = *sid + " " + *w + " " + *k + "\n";
    if (write(ids_pipe[1], line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      _exit(13);
    pause();
    _exit(0);
  }
  close(ids_pipe[1]);
  char buf[512] = {};
  ssize_t n = read(ids_pipe[0], buf, sizeof buf - 1);
  close(ids_pipe[0]);
  std::istringstream ids(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0));
  std::string sid, waiter, keeper;
  ids >> sid >> waiter >> keeper;
  ASSERT_FALSE(keeper.empty()) << "the server process failed before the pod ran";
  auto before = runtime_->GetContainerStatus(keeper);
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->state, ContainerState::kRunning);

  ASSERT_EQ(kill(server, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(server, &status, 0), server);
  ASSERT_TRUE(WIFSIGNALED(status));

  // With no server alive, let the waiter finish and wait for its exit record on disk.
  std::ofstream(options_.root + "/sandboxes/" + sid + "/volumes/flags/go") << "go";
  std::string state_file = options_.root + "/containers/" + waiter + "/state";
  for (int i = 0; i < 2000 && ReadText(state_file).find("state=2") == std::string::npos; ++i) {
    usleep(5000);
  }

  auto fresh = NewRuntime(options_);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  Runtime& rt = **fresh;
  auto sandbox = rt.PodSandboxStatus(sid);
  ASSERT_TRUE(sandbox.ok());
  EXPECT_EQ(sandbox->state, SandboxState::kReady);
  auto w = rt.GetContainerStatus(waiter);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->state, ContainerState::kExited);
  EXPECT_EQ(w->exit_code, 3);
  EXPECT_GE(w->finished_at, w->started_at);
  EXPECT_GT(w->finished_at.time_since_epoch().count(), 0);
  auto k = rt.GetContainerStatus(keeper);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->state, ContainerState::kRunning);
  EXPECT_EQ(k->pid, before->pid) << "the running container was restarted";
  auto r = rt.ExecSync(keeper, {"echo", "still here"}, std::chrono::seconds(10));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->output, "still here\n");
  RT_ASSERT_OK(rt.RemovePodSandbox(sid));
}

struct HostCounts {
  size_t mounts = 0;
  size_t cgroups = 0;
  size_t supervisors = 0;
  size_t net_namespaces = 0;
  size_t state_entries = 0;
  bool operator==(const HostCounts&) const = default;
};

std::ostream& operator<<(std::ostream& os, const HostCounts& c) {
  return os << "mounts=" << c.mounts << " cgroups=" << c.cgroups << " supervisors=" << c.supervisors
            << " netns=" << c.net_namespaces << " state=" << c.state_entries;
}

HostCounts Count(const RuntimeOptions& options) {
  namespace fs = std::filesystem;
  // Supervisors that ended were re-parented to this test process (a subreaper): reap them.
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  HostCounts c;
  std::string mountinfo = ReadText("/proc/self/mountinfo");
  c.mounts = static_cast<size_t>(std::count(mountinfo.begin(), mountinfo.end(), '\n'));
  for (const char* h :
       {"cpu", "memory", "pids", "devices", "freezer", "cpuset", "blkio", "cpuacct"}) {
    std::string base = std::string("/sys/fs/cgroup/") + h + "/" + options.cgroup_parent;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(base, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      if (it->is_directory()) ++c.cgroups;
    }
  }
  std::set<std::string> netns;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code ec;
    auto exe = fs::read_symlink(e.path() / "exe", ec);
    // Only this test's supervisors: their argument is a sandbox directory under its root.
    if (!ec && exe.filename() == "cubelet-supervisor" &&
        ReadText((e.path() / "cmdline").string()).find(options.root) != std::string::npos) {
      ++c.supervisors;
    }
    auto ns = fs::read_symlink(e.path() / "ns/net", ec);
    if (!ec) netns.insert(ns.string());
  }
  c.net_namespaces = netns.size();
  for (const std::string& d :
       {options.root + "/sandboxes", options.root + "/containers", options.pods_log_root}) {
    std::error_code ec;
    for (auto it = fs::directory_iterator(d, ec); !ec && it != fs::end(it); it.increment(ec))
      ++c.state_entries;
  }
  return c;
}

TEST_F(RuntimeTest, TwoHundredPodCyclesLeaveNothingBehind) {
  HostCounts before = Count(options_);
  for (int i = 0; i < 200; ++i) {
    SandboxConfig sc = Sandbox("cycle");
    sc.share_process_namespace = i % 2 == 1;
    Volume mem;
    mem.name = "mem";
    mem.memory = true;
    sc.volumes.push_back(mem);
    auto sid = runtime_->RunPodSandbox(sc);
    ASSERT_TRUE(sid.ok()) << sid.status().ToString();
    ContainerConfig c = Container("app", {"sleep", "1000"});
    c.mounts.push_back(VolumeMount{"mem", "/mem", "", false});
    c.resources.memory_limit = 64 << 20;
    ASSERT_FALSE(Run(*sid, c).empty());
    RT_ASSERT_OK(runtime_->RemovePodSandbox(*sid));
  }
  HostCounts after = Count(options_);
  EXPECT_EQ(before, after);
  EXPECT_EQ(after.supervisors, 0u);
}

}  // namespace
}  // namespace cubelet::runtime::testing
