#include <algorithm>
#include <dirent.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "runtime/host.h"
#include "runtime/linux_runtime.h"
#include "runtime/supervisor_client.h"

namespace cubelet::runtime {
namespace {

using base::Code;
using base::Result;
using base::Status;

constexpr auto kSupervisorStartTimeout = std::chrono::seconds(10);
constexpr auto kShutdownTimeout = std::chrono::seconds(10);

int64_t ToNs(base::TimePoint t) { return t.time_since_epoch().count(); }

std::string HostsFile(const SandboxConfig& config) {
  // The kubelet's managed hosts file; the pod's own IP line is added once the network gives
  // the pod an address.
  std::string out =
      "# Kubernetes-managed hosts file.\n"
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "fe00::0\tip6-mcastprefix\n"
      "fe00::1\tip6-allnodes\n"
      "fe00::2\tip6-allrouters\n";
  if (!config.host_aliases.empty()) {
    out += "\n# Entries added by HostAliases.\n";
    for (const auto& alias : config.host_aliases) {
      out += alias.ip;
      for (const auto& name : alias.hostnames) out += "\t" + name;
      out += "\n";
    }
  }
  return out;
}

Result<std::string> ResolvConf(const SandboxConfig& config) {
  if (!config.dns) return host::ReadFile("/etc/resolv.conf");
  std::string out;
  if (!config.dns->searches.empty()) {
    out += "search";
    for (const auto& s : config.dns->searches) out += " " + s;
    out += "\n";
  }
  for (const auto& s : config.dns->servers) out += "nameserver " + s + "\n";
  if (!config.dns->options.empty()) {
    out += "options";
    for (const auto& o : config.dns->options) out += " " + o;
    out += "\n";
  }
  return out;
}

// Kubernetes' hostPath type checks (pkg/volume/hostpath), run when the sandbox starts.
Status CheckHostPath(const Volume& v) {
  const std::string& type = v.host_path_type;
  struct stat st;
  bool exists = stat(v.path.c_str(), &st) == 0;
  auto fail = [&](std::string_view what) {
    return Status(Code::kInvalid, fmt::format("volume \"{}\": hostPath type check failed: {} {}",
                                              v.name, v.path, what));
  };
  if (type.empty()) return Status::Ok();
  if (type == "DirectoryOrCreate") {
    if (!exists) return host::MkdirAll(v.path, 0755);
    return S_ISDIR(st.st_mode) ? Status::Ok() : fail("is not a directory");
  }
  if (type == "FileOrCreate") {
    if (!exists) return host::WriteFile(v.path, "", 0644);
    return S_ISREG(st.st_mode) ? Status::Ok() : fail("is not a file");
  }
  if (!exists) return fail("does not exist");
  if (type == "Directory") return S_ISDIR(st.st_mode) ? Status::Ok() : fail("is not a directory");
  if (type == "File") return S_ISREG(st.st_mode) ? Status::Ok() : fail("is not a file");
  if (type == "Socket") return S_ISSOCK(st.st_mode) ? Status::Ok() : fail("is not a socket file");
  if (type == "CharDevice") {
    return S_ISCHR(st.st_mode) ? Status::Ok() : fail("is not a character device");
  }
  if (type == "BlockDevice")
    return S_ISBLK(st.st_mode) ? Status::Ok() : fail("is not a block device");
  return Status(Code::kInvalid,
                fmt::format("volume \"{}\": unknown hostPath type \"{}\"", v.name, type));
}

}  // namespace

Result<std::unique_ptr<Runtime>> NewRuntime(const RuntimeOptions& options) {
  if (options.root.empty() || options.pods_log_root.empty()) {
    return Status(Code::kInvalid, "runtime: root and pods_log_root are required");
  }
  std::string supervisor = options.supervisor_path;
  if (supervisor.empty()) {
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return base::ErrnoError(errno, "finding the cubelet executable");
    self[n] = '\0';
    std::string dir(self);
    supervisor = dir.substr(0, dir.rfind('/')) + "/cubelet-supervisor";
  }
  if (access(supervisor.c_str(), X_OK) != 0) {
    return Status(
        Code::kNotFound,
        fmt::format("the pod supervisor {} is missing (it is built next to cubelet)", supervisor));
  }
  ASSIGN_OR_RETURN(auto cgroups, NewCgroupfs(options.cgroup_mount));
  for (const char* sub : {"/sandboxes", "/containers"}) {
    RETURN_IF_ERROR(host::MkdirAll(options.root + sub, 0711));
  }
  RETURN_IF_ERROR(host::MkdirAll(options.pods_log_root, 0755));
  return std::unique_ptr<Runtime>(
      new LinuxRuntime(options, std::move(cgroups), std::move(supervisor)));
}

LinuxRuntime::LinuxRuntime(RuntimeOptions options, std::unique_ptr<Cgroups> cgroups,
                           std::string supervisor)
    : options_(std::move(options)),
      cgroups_(std::move(cgroups)),
      supervisor_(std::move(supervisor)) {
  if (options_.clock == nullptr) {
    own_clock_ = base::NewRealClock();
    clock_ = own_clock_.get();
  } else {
    clock_ = options_.clock;
  }
}

std::shared_ptr<std::mutex> LinuxRuntime::LockFor(const std::string& sandbox_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& m = locks_[sandbox_id];
  if (!m) m = std::make_shared<std::mutex>();
  return m;
}

Result<SandboxRecord> LinuxRuntime::LoadSandbox(const std::string& id) const {
  if (id.empty() || id.find('/') != std::string::npos) {
    return Status(Code::kNotFound, fmt::format("pod sandbox \"{}\" not found", id));
  }
  std::string text;
  if (!wire::ReadFile(SandboxDir(id) + "/sandbox", &text)) {
    return Status(Code::kNotFound, fmt::format("pod sandbox \"{}\" not found", id));
  }
  wire::Message m;
  std::string error;
  if (!wire::Message::Decode(text, &m, &error)) {
    return Status(Code::kInternal, fmt::format("sandbox record {}: {}", id, error));
  }
  return DecodeSandbox(m);
}

Status LinuxRuntime::SaveSandbox(const SandboxRecord& record) const {
  if (!wire::WriteFileAtomic(SandboxDir(record.id) + "/sandbox", EncodeSandbox(record).Encode())) {
    return base::ErrnoError(errno, "writing the sandbox record of " + record.id);
  }
  return Status::Ok();
}

std::vector<ContainerMeta> LinuxRuntime::MetasOf(const SandboxRecord& record) {
  std::vector<ContainerMeta> out;
  auto containers = ListContainers(record.id);
  if (containers.ok()) {
    for (const auto& c : *containers) {
      auto meta = LoadMeta(c.id);
      if (meta.ok()) out.push_back(std::move(*meta));
    }
  }
  if (!record.infra_container.empty()) {
    auto meta = LoadMeta(record.infra_container);
    if (meta.ok()) out.push_back(std::move(*meta));
  }
  return out;
}

bool LinuxRuntime::SupervisorAlive(const SandboxRecord& record) const {
  return !record.stopped && host::ProcessAlive(record.supervisor_pid, record.supervisor_start);
}

Status LinuxRuntime::PrepareSandbox(const SandboxConfig& config, SandboxRecord* r) {
  std::string dir = SandboxDir(r->id);
  RETURN_IF_ERROR(host::MkdirAll(dir, 0711));
  RETURN_IF_ERROR(host::MkdirAll(r->log_directory, 0755));
  RETURN_IF_ERROR(host::WriteFile(dir + "/hostname", r->hostname + "\n"));
  RETURN_IF_ERROR(host::WriteFile(dir + "/hosts", HostsFile(config)));
  ASSIGN_OR_RETURN(std::string resolv, ResolvConf(config));
  RETURN_IF_ERROR(host::WriteFile(dir + "/resolv.conf", resolv));
  // The pod's /dev/shm: one tmpfs shared by its containers, like the sandbox's shm in
  // containerd (POSIX shared memory between containers works as with one IPC namespace).
  RETURN_IF_ERROR(host::MkdirAll(dir + "/shm", 01777));
  RETURN_IF_ERROR(host::Mount("shm", dir + "/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                              fmt::format("mode=1777,size={}", config.shm_size)));
  for (const Volume& v : config.volumes) {
    if (v.name.empty() || v.name.find('/') != std::string::npos || v.name == "." ||
        v.name == "..") {
      return Status(Code::kInvalid, fmt::format("invalid volume name \"{}\"", v.name));
    }
    std::string path = dir + "/volumes/" + v.name;
    switch (v.kind) {
      case Volume::Kind::kEmptyDir: {
        RETURN_IF_ERROR(host::MkdirAll(path, 0777));
        chmod(path.c_str(), 0777);  // any container user may write, as in the kubelet
        if (v.memory) {
          std::string data = "mode=1777";
          if (v.size_limit && *v.size_limit > 0) data += fmt::format(",size={}", *v.size_limit);
          RETURN_IF_ERROR(host::Mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, data));
        }
        r->volumes.push_back(HostVolume{v.name, path, false});
        break;
      }
      case Volume::Kind::kHostPath:
        if (v.path.empty() || v.path[0] != '/') {
          return Status(
              Code::kInvalid,
              fmt::format("volume \"{}\": hostPath \"{}\" must be absolute", v.name, v.path));
        }
        RETURN_IF_ERROR(CheckHostPath(v));
        r->volumes.push_back(HostVolume{v.name, v.path, false});
        break;
      case Volume::Kind::kFiles:
        RETURN_IF_ERROR(host::MkdirAll(path, 0755));
        for (const KeyToPath& f : v.files) {
          if (!IsSafeRelativePath(f.path)) {
            return Status(Code::kInvalid,
                          fmt::format("volume \"{}\": file path \"{}\" must be relative without "
                                      "\"..\"",
                                      v.name, f.path));
          }
          std::string file = path + "/" + f.path;
          RETURN_IF_ERROR(host::MkdirAll(file.substr(0, file.rfind('/')), 0755));
          RETURN_IF_ERROR(host::WriteFile(file, f.content, f.mode & 07777));
        }
        r->volumes.push_back(HostVolume{v.name, path, true});
        break;
    }
  }
  // The pod cgroup carries the pod-level limits; the supervisor has a leaf of its own (cgroup
  // v2 allows processes only in leaves), as the pause container has in the kubelet's layout.
  CgroupLimits pod_limits;
  pod_limits.memory_limit = config.memory_limit;
  if (config.cpu_limit_milli) {
    pod_limits.cpu_quota_us = MilliCpuToQuota(*config.cpu_limit_milli, pod_limits.cpu_period_us);
  }
  pod_limits.pids_limit = config.pids_limit;
  pod_limits.allow_all_devices = true;  // each container narrows its own list
  RETURN_IF_ERROR(cgroups_->Create(r->pod_cgroup, pod_limits));
  std::string leaf = r->pod_cgroup + "/" + r->id;
  RETURN_IF_ERROR(cgroups_->Create(leaf, CgroupLimits{}));

  SupervisorConfig sc;
  sc.hostname = r->hostname;
  // With an infra image, the infra container is PID 1 of the shared namespace instead.
  sc.share_pid = r->share_pid && !options_.infra_image;
  sc.cgroup_procs = cgroups_->SelfJoinFiles(leaf);
  if (!wire::WriteFileAtomic(dir + "/supervisor.conf", EncodeSupervisorConfig(sc).Encode())) {
    return base::ErrnoError(errno, "writing " + dir + "/supervisor.conf");
  }
  ASSIGN_OR_RETURN(LaunchedSupervisor launched,
                   LaunchSupervisor(supervisor_, dir, kSupervisorStartTimeout));
  r->supervisor_pid = launched.pid;
  r->supervisor_start = launched.start_time;
  RETURN_IF_ERROR(SaveSandbox(*r));
  if (options_.infra_image) RETURN_IF_ERROR(StartInfra(r));
  return Status::Ok();
}

Result<std::string> LinuxRuntime::RunPodSandbox(const SandboxConfig& config) {
  if (config.name.empty() || config.namespace_.empty() || config.uid.empty()) {
    return Status(Code::kInvalid, "pod sandbox needs a name, a namespace and a uid");
  }
  if (config.uid.find('/') != std::string::npos || config.name.find('/') != std::string::npos ||
      config.namespace_.find('/') != std::string::npos) {
    return Status(Code::kInvalid, "pod name, namespace and uid may not contain '/'");
  }
  SandboxRecord r;
  r.id = host::RandomId();
  r.name = config.name;
  r.namespace_ = config.namespace_;
  r.uid = config.uid;
  r.attempt = config.attempt;
  r.hostname = config.hostname.empty() ? config.name : config.hostname;
  if (r.hostname.size() > 64) r.hostname.resize(64);  // the kernel's limit, as the kubelet cuts
  r.share_pid = config.share_process_namespace;
  r.labels = config.labels;
  r.annotations = config.annotations;
  r.created_ns = ToNs(clock_->Now());
  r.log_directory = fmt::format("{}/{}_{}_{}", options_.pods_log_root, config.namespace_,
                                config.name, config.uid);
  r.pod_cgroup = options_.cgroup_parent + "/pod" + config.uid;
  auto lock = LockFor(r.id);
  std::lock_guard<std::mutex> guard(*lock);
  Status s = PrepareSandbox(config, &r);
  if (!s.ok()) {
    // Nothing half-made stays behind: supervisor, mounts, cgroups, files.
    r.stopped = false;
    (void)StopSandboxLocked(r);
    (void)CleanupSandbox(r);
    return s.WithContext("starting pod sandbox " + config.namespace_ + "/" + config.name);
  }
  return r.id;
}

Status LinuxRuntime::StopSandboxLocked(SandboxRecord& r) {
  if (host::ProcessAlive(r.supervisor_pid, r.supervisor_start)) {
    wire::Message req;
    req.Add("op", "shutdown");
    auto reply = CallSupervisor(Socket(r.id), req, kShutdownTimeout);
    // The reply comes just before the supervisor exits; wait for the exit itself so that its
    // namespaces are gone when this returns.
    auto deadline = std::chrono::steady_clock::now() + kShutdownTimeout;
    while (host::ProcessAlive(r.supervisor_pid, r.supervisor_start)) {
      if (std::chrono::steady_clock::now() > deadline || !reply.ok()) {
        kill(r.supervisor_pid, SIGKILL);
        reply = Status(Code::kTimeout, "");
        deadline = std::chrono::steady_clock::now() + kShutdownTimeout;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  // Whatever is left in the pod's cgroup (a process that escaped its supervisor) goes too.
  if (!r.pod_cgroup.empty()) RETURN_IF_ERROR(cgroups_->KillAll(r.pod_cgroup + "/" + r.id));
  for (const ContainerMeta& meta : MetasOf(r)) RETURN_IF_ERROR(cgroups_->KillAll(meta.cgroup));
  if (!r.stopped) {
    r.stopped = true;
    if (host::Exists(SandboxDir(r.id) + "/sandbox")) RETURN_IF_ERROR(SaveSandbox(r));
  }
  return Status::Ok();
}

Status LinuxRuntime::StopPodSandbox(const std::string& sandbox_id) {
  auto lock = LockFor(sandbox_id);
  std::lock_guard<std::mutex> guard(*lock);
  auto r = LoadSandbox(sandbox_id);
  if (!r.ok()) return r.status().code() == Code::kNotFound ? Status::Ok() : r.status();
  return StopSandboxLocked(*r);
}

Status LinuxRuntime::CleanupSandbox(const SandboxRecord& r) {
  for (const ContainerMeta& meta : MetasOf(r)) RETURN_IF_ERROR(RemoveContainerLocked(meta, r));
  RETURN_IF_ERROR(host::RemoveAll(SandboxDir(r.id)));
  if (!r.log_directory.empty()) RETURN_IF_ERROR(host::RemoveAll(r.log_directory));
  if (!r.pod_cgroup.empty()) {
    RETURN_IF_ERROR(cgroups_->Remove(r.pod_cgroup + "/" + r.id));
    // The pod cgroup is shared by the sandboxes of one pod UID (a sandbox recreated after a
    // restart of the node); it goes with the last of them.
    bool others = false;
    auto all = ListPodSandboxes();
    if (all.ok()) {
      for (const auto& s : *all) others |= s.uid == r.uid && s.id != r.id;
    }
    if (!others) RETURN_IF_ERROR(cgroups_->Remove(r.pod_cgroup));
  }
  return Status::Ok();
}

Status LinuxRuntime::RemovePodSandbox(const std::string& sandbox_id) {
  auto lock = LockFor(sandbox_id);
  {
    std::lock_guard<std::mutex> guard(*lock);
    auto r = LoadSandbox(sandbox_id);
    if (!r.ok()) return r.status().code() == Code::kNotFound ? Status::Ok() : r.status();
    RETURN_IF_ERROR(StopSandboxLocked(*r));
    RETURN_IF_ERROR(CleanupSandbox(*r));
  }
  std::lock_guard<std::mutex> map_lock(mu_);
  locks_.erase(sandbox_id);
  return Status::Ok();
}

Result<SandboxStatus> LinuxRuntime::PodSandboxStatus(const std::string& sandbox_id) {
  ASSIGN_OR_RETURN(SandboxRecord r, LoadSandbox(sandbox_id));
  SandboxStatus s;
  s.id = r.id;
  s.name = r.name;
  s.namespace_ = r.namespace_;
  s.uid = r.uid;
  s.attempt = r.attempt;
  s.created_at = base::TimePoint(base::Duration(r.created_ns));
  s.hostname = r.hostname;
  s.log_directory = r.log_directory;
  s.labels = r.labels;
  s.annotations = r.annotations;
  if (SupervisorAlive(r)) {
    s.state = SandboxState::kReady;
    s.supervisor_pid = r.supervisor_pid;
    s.netns_path = fmt::format("/proc/{}/ns/net", r.supervisor_pid);
  }
  return s;
}

Result<std::vector<SandboxStatus>> LinuxRuntime::ListPodSandboxes() {
  std::vector<SandboxStatus> out;
  DIR* d = opendir((options_.root + "/sandboxes").c_str());
  if (d == nullptr) return base::ErrnoError(errno, "listing " + options_.root + "/sandboxes");
  std::vector<std::string> ids;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ids.emplace_back(e->d_name);
  }
  closedir(d);
  for (const auto& id : ids) {
    auto s = PodSandboxStatus(id);
    if (s.ok()) out.push_back(std::move(*s));  // a sandbox being created has no record yet
  }
  std::sort(out.begin(), out.end(), [](const SandboxStatus& a, const SandboxStatus& b) {
    return a.created_at < b.created_at;
  });
  return out;
}

}  // namespace cubelet::runtime
