#include <algorithm>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "runtime/host.h"
#include "runtime/linux_runtime.h"
#include "runtime/security.h"
#include "runtime/shared/crilog.h"
#include "runtime/shared/rootfs.h"
#include "runtime/supervisor_client.h"

namespace cubelet::runtime {
namespace {

using base::Code;
using base::Result;
using base::Status;

constexpr auto kStartTimeout = std::chrono::seconds(60);
constexpr auto kKillTimeout = std::chrono::seconds(10);

// Marks the --pod-infra-container-image container of a sandbox.
constexpr const char* kInfraLabel = "io.cubelet.infra";

// The overlay mount's options must fit in one page.
constexpr size_t kMaxMountData = 4000;

// A file of the image, read through the rootfs with every lookup kept inside it; "" when
// the image has none.
std::string ReadImageFile(const std::string& rootfs, const std::string& path) {
  int root = open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return "";
  int fd = OpenInRoot(root, path, O_RDONLY);
  close(root);
  if (fd < 0) return "";
  std::string out;
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0 && out.size() < (4 << 20)) {
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

bool IsDirectoryFn(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode);
}

}  // namespace

Result<ContainerMeta> LinuxRuntime::LoadMeta(const std::string& id) const {
  if (id.empty() || id.find('/') != std::string::npos) {
    return Status(Code::kNotFound, fmt::format("container \"{}\" not found", id));
  }
  std::string text;
  if (!wire::ReadFile(ContainerDir(id) + "/container", &text)) {
    return Status(Code::kNotFound, fmt::format("container \"{}\" not found", id));
  }
  wire::Message m;
  std::string error;
  if (!wire::Message::Decode(text, &m, &error)) {
    return Status(Code::kInternal, fmt::format("container record {}: {}", id, error));
  }
  return DecodeMeta(m);
}

Result<ContainerSpec> LinuxRuntime::PrepareContainer(const std::string& id,
                                                     const SandboxRecord& sandbox,
                                                     const ContainerConfig& config,
                                                     ContainerMeta* meta) {
  std::string dir = ContainerDir(id);
  for (const char* sub : {"/upper", "/work", "/rootfs"}) {
    RETURN_IF_ERROR(host::MkdirAll(dir + sub, 0755));
  }
  std::vector<std::string> lowers(config.image.layer_dirs.rbegin(), config.image.layer_dirs.rend());
  if (lowers.empty()) {
    RETURN_IF_ERROR(host::MkdirAll(dir + "/empty", 0755));
    lowers.push_back(dir + "/empty");
  }
  std::string data = "lowerdir=";
  for (size_t i = 0; i < lowers.size(); ++i) {
    if (lowers[i].find_first_of(",:") != std::string::npos) {
      return Status(Code::kInvalid, "layer directory " + lowers[i] + " contains ',' or ':'");
    }
    data += (i ? ":" : "") + lowers[i];
  }
  data += ",upperdir=" + dir + "/upper,workdir=" + dir + "/work";
  // volatile: no syncs of the upper layer. A container's writable layer never outlives a
  // machine crash here (its pod is recreated with new containers), and without it every
  // unmount waits for a journal commit of the host filesystem (tens of ms per container).
  data += ",volatile";
  if (data.size() > kMaxMountData) {
    return Status(Code::kUnimplemented,
                  fmt::format("image {} has {} layers: the overlay mount options exceed a page",
                              config.image.ref, lowers.size()));
  }
  std::string rootfs = dir + "/rootfs";
  Status mounted = host::Mount("overlay", rootfs, "overlay", 0, data);
  if (!mounted.ok() && mounted.sys_errno() == EINVAL) {
    // Kernels before 5.10 do not know "volatile".
    mounted = host::Mount("overlay", rootfs, "overlay", 0, data.substr(0, data.rfind(",volatile")));
  }
  RETURN_IF_ERROR(mounted);

  ASSIGN_OR_RETURN(ResolvedUser user, ResolveUser(config.image.user, config.security,
                                                  ReadImageFile(rootfs, "/etc/passwd"),
                                                  ReadImageFile(rootfs, "/etc/group")));
  ASSIGN_OR_RETURN(uint64_t caps, ComputeCapabilities(config.security, LastCapability()));
  std::string seccomp_file;
  if (config.security.seccomp == SeccompProfile::kRuntimeDefault && !config.security.privileged) {
    ASSIGN_OR_RETURN(std::string program, CompileRuntimeDefaultSeccomp(caps));
    seccomp_file = dir + "/seccomp.bpf";
    RETURN_IF_ERROR(host::WriteFile(seccomp_file, program, 0600));
  }

  CgroupLimits limits;
  limits.cpu_shares = MilliCpuToShares(config.resources.cpu_request_milli.value_or(0));
  if (config.resources.cpu_limit_milli) {
    limits.cpu_quota_us = MilliCpuToQuota(*config.resources.cpu_limit_milli, limits.cpu_period_us);
  }
  limits.memory_limit = config.resources.memory_limit;
  limits.allow_all_devices = config.security.privileged;
  RETURN_IF_ERROR(cgroups_->Create(meta->cgroup, limits));

  // The file behind terminationMessagePath; any container user may write it.
  meta->termination_file = dir + "/termination-log";
  RETURN_IF_ERROR(host::WriteFile(meta->termination_file, "", 0666));
  RETURN_IF_ERROR(host::MkdirAll(sandbox.log_directory + "/" + config.name, 0755));

  for (const VolumeMount& m : config.mounts) {
    if (m.sub_path.empty() || !IsSafeRelativePath(m.sub_path)) continue;
    for (const HostVolume& v : sandbox.volumes) {
      // The kubelet creates a missing subPath directory in the volume.
      if (v.name == m.volume && !v.read_only) {
        std::string path = v.path + "/" + m.sub_path;
        if (!host::Exists(path)) RETURN_IF_ERROR(host::MkdirAll(path, 0755));
      }
    }
  }

  SpecInputs in;
  in.id = id;
  in.rootfs = rootfs;
  in.hostname = sandbox.hostname;
  in.share_pid = sandbox.share_pid;
  // The infra container holds the PID namespace: it gets a new one, the others join it.
  if (config.labels.count(kInfraLabel) != 0) {
    in.share_pid = false;
  } else if (!sandbox.infra_container.empty() && sandbox.share_pid) {
    in.join_pid_ns = fmt::format("/proc/{}/ns/pid", sandbox.infra_pid);
  }
  std::string sdir = SandboxDir(sandbox.id);
  in.hosts_file = sdir + "/hosts";
  in.hostname_file = sdir + "/hostname";
  in.resolv_file = sdir + "/resolv.conf";
  in.shm_dir = sdir + "/shm";
  in.termination_file = meta->termination_file;
  in.volumes = sandbox.volumes;
  in.user = user;
  in.capabilities = caps;
  in.seccomp_file = seccomp_file;
  in.cgroup_procs = cgroups_->SelfJoinFiles(meta->cgroup);
  in.oom_events_file = cgroups_->OomEventsFile(meta->cgroup);
  in.log_path = meta->log_path;
  in.log_max_size = options_.log_max_size;
  in.log_max_files = options_.log_max_files;
  in.state_file = dir + "/state";
  in.is_directory = IsDirectoryFn;
  return BuildContainerSpec(config, in);
}

Result<std::string> LinuxRuntime::CreateContainerLocked(const SandboxRecord& sandbox,
                                                        const ContainerConfig& config) {
  if (config.name.empty() || config.name.find('/') != std::string::npos) {
    return Status(Code::kInvalid, fmt::format("invalid container name \"{}\"", config.name));
  }
  if (!SupervisorAlive(sandbox)) {
    return Status(
        Code::kConflict,
        fmt::format("pod sandbox {} is not ready (its supervisor is not running)", sandbox.id));
  }
  ContainerMeta meta;
  meta.id = host::RandomId();
  meta.sandbox_id = sandbox.id;
  meta.name = config.name;
  meta.attempt = config.attempt;
  meta.image_ref = config.image.ref;
  meta.image_id = config.image.id;
  meta.created_ns = clock_->Now().time_since_epoch().count();
  meta.log_path = fmt::format("{}/{}/{}.log", sandbox.log_directory, config.name, config.attempt);
  meta.stop_signal = config.image.stop_signal;
  meta.fallback_to_logs = config.fallback_to_logs_on_error;
  meta.cgroup = sandbox.pod_cgroup + "/" + meta.id;
  meta.labels = config.labels;
  meta.annotations = config.annotations;
  Status s = ParseSignal(meta.stop_signal).status();
  std::string dir = ContainerDir(meta.id);
  Result<ContainerSpec> spec =
      s.ok() ? PrepareContainer(meta.id, sandbox, config, &meta) : Result<ContainerSpec>(s);
  if (spec.ok()) {
    if (!wire::WriteFileAtomic(dir + "/spec", EncodeSpec(*spec).Encode()) ||
        !wire::WriteFileAtomic(dir + "/container", EncodeMeta(meta).Encode())) {
      spec = base::ErrnoError(errno, "writing the container record in " + dir);
    }
  }
  if (!spec.ok()) {
    (void)host::RemoveAll(dir);
    (void)cgroups_->Remove(meta.cgroup);
    return spec.status().WithContext("creating container " + config.name);
  }
  return meta.id;
}

Result<std::string> LinuxRuntime::CreateContainer(const std::string& sandbox_id,
                                                  const ContainerConfig& config) {
  auto lock = LockFor(sandbox_id);
  std::lock_guard<std::mutex> guard(*lock);
  ASSIGN_OR_RETURN(SandboxRecord sandbox, LoadSandbox(sandbox_id));
  return CreateContainerLocked(sandbox, config);
}

Status LinuxRuntime::StartContainerLocked(const ContainerMeta& meta) {
  if (host::Exists(ContainerDir(meta.id) + "/state")) {
    return Status(Code::kConflict,
                  fmt::format("container {} was already started; create a new one", meta.name));
  }
  std::string text;
  if (!wire::ReadFile(ContainerDir(meta.id) + "/spec", &text)) {
    return base::ErrnoError(errno, "reading the spec of container " + meta.id);
  }
  wire::Message req;
  std::string error;
  if (!wire::Message::Decode(text, &req, &error)) return Status(Code::kInternal, error);
  req.Add("op", "start");
  ASSIGN_OR_RETURN(wire::Message reply, CallSupervisor(Socket(meta.sandbox_id), req,
                                                       std::chrono::milliseconds(kStartTimeout)));
  ContainerRecord record = DecodeRecord(reply);
  if (record.state == ContainerRecord::kStartFailed) {
    return Status(Code::kInternal,
                  fmt::format("failed to start container \"{}\": {}", meta.name, record.error));
  }
  return Status::Ok();
}

Status LinuxRuntime::StartContainer(const std::string& container_id) {
  ASSIGN_OR_RETURN(ContainerMeta meta, LoadMeta(container_id));
  auto lock = LockFor(meta.sandbox_id);
  std::lock_guard<std::mutex> guard(*lock);
  ASSIGN_OR_RETURN(SandboxRecord sandbox, LoadSandbox(meta.sandbox_id));
  if (!SupervisorAlive(sandbox)) {
    return Status(Code::kConflict, fmt::format("pod sandbox {} is not ready", meta.sandbox_id));
  }
  return StartContainerLocked(meta);
}

Status LinuxRuntime::StartInfra(SandboxRecord* sandbox) {
  ContainerConfig infra;
  infra.name = "POD";  // the name the kubelet gives its pause container
  infra.image = *options_.infra_image;
  infra.termination_message_path.clear();
  infra.labels = {{kInfraLabel, "true"}};
  ASSIGN_OR_RETURN(std::string id, CreateContainerLocked(*sandbox, infra));
  sandbox->infra_container = id;
  RETURN_IF_ERROR(SaveSandbox(*sandbox));
  ASSIGN_OR_RETURN(ContainerMeta meta, LoadMeta(id));
  RETURN_IF_ERROR(StartContainerLocked(meta));
  ContainerStatus status = StatusOf(meta, sandbox);
  if (status.state != ContainerState::kRunning) {
    return Status(Code::kInternal, "the pod infra container exited at once");
  }
  sandbox->infra_pid = status.pid;
  return SaveSandbox(*sandbox);
}

Status LinuxRuntime::StopContainerLocked(const ContainerMeta& meta, const SandboxRecord& sandbox,
                                         std::chrono::milliseconds grace) {
  ContainerStatus status = StatusOf(meta, &sandbox);
  if (status.state == ContainerState::kRunning) {
    ASSIGN_OR_RETURN(int stop_signal, ParseSignal(meta.stop_signal));
    std::string socket = Socket(meta.sandbox_id);
    auto send = [&](int sig) {
      wire::Message req;
      req.Add("op", "signal");
      req.Add("id", meta.id);
      req.AddInt("signal", sig);
      return CallSupervisor(socket, req, kKillTimeout).status();
    };
    auto wait = [&](std::chrono::milliseconds timeout) -> Result<bool> {
      wire::Message req;
      req.Add("op", "wait");
      req.Add("id", meta.id);
      req.AddInt("timeout_ms", timeout.count());
      ASSIGN_OR_RETURN(wire::Message reply,
                       CallSupervisor(socket, req, timeout + std::chrono::seconds(5)));
      return !reply.GetBool("timeout");
    };
    bool exited = false;
    if (grace.count() > 0) {
      RETURN_IF_ERROR(send(stop_signal));
      ASSIGN_OR_RETURN(exited, wait(grace));
    }
    if (!exited) {
      RETURN_IF_ERROR(send(SIGKILL));
      ASSIGN_OR_RETURN(exited, wait(std::chrono::milliseconds(kKillTimeout)));
      if (!exited) {
        return Status(Code::kTimeout,
                      fmt::format("container {} did not exit after SIGKILL", meta.name));
      }
    }
  }
  // With a shared PID namespace, processes the container started may outlive it.
  return cgroups_->KillAll(meta.cgroup);
}

Status LinuxRuntime::StopContainer(const std::string& container_id,
                                   std::chrono::milliseconds grace) {
  ASSIGN_OR_RETURN(ContainerMeta meta, LoadMeta(container_id));
  auto lock = LockFor(meta.sandbox_id);
  std::lock_guard<std::mutex> guard(*lock);
  ASSIGN_OR_RETURN(SandboxRecord sandbox, LoadSandbox(meta.sandbox_id));
  return StopContainerLocked(meta, sandbox, grace);
}

Status LinuxRuntime::RemoveContainerLocked(const ContainerMeta& meta,
                                           const SandboxRecord& sandbox) {
  RETURN_IF_ERROR(StopContainerLocked(meta, sandbox, std::chrono::milliseconds(0)));
  if (SupervisorAlive(sandbox)) {
    wire::Message req;
    req.Add("op", "forget");
    req.Add("id", meta.id);
    auto reply = CallSupervisor(Socket(meta.sandbox_id), req, kKillTimeout);
    if (!reply.ok() && reply.status().code() != Code::kUnavailable) return reply.status();
  }
  RETURN_IF_ERROR(host::RemoveAll(ContainerDir(meta.id)));
  return cgroups_->Remove(meta.cgroup);
}

Status LinuxRuntime::RemoveContainer(const std::string& container_id) {
  auto meta = LoadMeta(container_id);
  if (!meta.ok()) return meta.status().code() == Code::kNotFound ? Status::Ok() : meta.status();
  auto lock = LockFor(meta->sandbox_id);
  std::lock_guard<std::mutex> guard(*lock);
  auto sandbox = LoadSandbox(meta->sandbox_id);
  if (!sandbox.ok()) {
    RETURN_IF_ERROR(host::RemoveAll(ContainerDir(meta->id)));
    return cgroups_->Remove(meta->cgroup);
  }
  return RemoveContainerLocked(*meta, *sandbox);
}

ContainerStatus LinuxRuntime::StatusOf(const ContainerMeta& meta,
                                       const SandboxRecord* sandbox) const {
  ContainerStatus s;
  s.id = meta.id;
  s.sandbox_id = meta.sandbox_id;
  s.name = meta.name;
  s.attempt = meta.attempt;
  s.image_ref = meta.image_ref;
  s.image_id = meta.image_id;
  s.created_at = base::TimePoint(base::Duration(meta.created_ns));
  s.log_path = meta.log_path;
  s.labels = meta.labels;
  s.annotations = meta.annotations;
  s.state = ContainerState::kCreated;
  std::string text;
  if (!wire::ReadFile(ContainerDir(meta.id) + "/state", &text)) return s;
  wire::Message m;
  if (!wire::Message::Decode(text, &m, nullptr)) {
    s.state = ContainerState::kUnknown;
    return s;
  }
  ContainerRecord r = DecodeRecord(m);
  s.started_at = base::TimePoint(base::Duration(r.started_ns));
  switch (r.state) {
    case ContainerRecord::kRunning:
      if (sandbox != nullptr && SupervisorAlive(*sandbox)) {
        s.state = ContainerState::kRunning;
        s.pid = r.pid;
      } else {
        // The supervisor died without recording the exit: nobody knows how it ended.
        s.state = ContainerState::kUnknown;
        s.reason = "ContainerStatusUnknown";
        s.message = "The container could not be located when the pod was terminated";
        s.exit_code = 137;
      }
      return s;
    case ContainerRecord::kStartFailed:
      s.state = ContainerState::kExited;
      s.finished_at = base::TimePoint(base::Duration(r.finished_ns));
      s.exit_code = r.exit_code;
      s.reason = "StartError";
      s.message = r.error;
      return s;
    default:
      break;
  }
  s.state = ContainerState::kExited;
  s.finished_at = base::TimePoint(base::Duration(r.finished_ns));
  s.exit_code = r.exit_code;
  s.signal = r.signal;
  s.reason = r.oom_killed ? "OOMKilled" : (r.exit_code == 0 ? "Completed" : "Error");
  s.message = ReadTerminationMessage(meta.termination_file, meta.log_path, meta.fallback_to_logs,
                                     r.exit_code);
  return s;
}

Result<ContainerStatus> LinuxRuntime::GetContainerStatus(const std::string& container_id) {
  ASSIGN_OR_RETURN(ContainerMeta meta, LoadMeta(container_id));
  auto sandbox = LoadSandbox(meta.sandbox_id);
  return StatusOf(meta, sandbox.ok() ? &*sandbox : nullptr);
}

Result<std::vector<ContainerStatus>> LinuxRuntime::ListContainers(
    const std::optional<std::string>& sandbox_id) {
  std::vector<ContainerStatus> out;
  DIR* d = opendir((options_.root + "/containers").c_str());
  if (d == nullptr) return base::ErrnoError(errno, "listing " + options_.root + "/containers");
  std::vector<std::string> ids;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ids.emplace_back(e->d_name);
  }
  closedir(d);
  std::map<std::string, std::optional<SandboxRecord>> sandboxes;
  for (const auto& id : ids) {
    auto meta = LoadMeta(id);
    if (!meta.ok()) continue;  // being created or removed
    if (sandbox_id && meta->sandbox_id != *sandbox_id) continue;
    auto& sb = sandboxes[meta->sandbox_id];
    if (!sb) {
      auto loaded = LoadSandbox(meta->sandbox_id);
      if (loaded.ok()) sb = std::move(*loaded);
    }
    // The infra container belongs to the sandbox, as the pause container does in the CRI.
    if (sb && sb->infra_container == meta->id) continue;
    out.push_back(StatusOf(*meta, sb ? &*sb : nullptr));
  }
  std::sort(out.begin(), out.end(), [](const ContainerStatus& a, const ContainerStatus& b) {
    return a.created_at < b.created_at;
  });
  return out;
}

}  // namespace cubelet::runtime
