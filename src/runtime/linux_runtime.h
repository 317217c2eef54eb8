// The real Runtime: supervisors, overlay rootfs, cgroups. Private to the module; NewRuntime()
// is the way in. The implementation is split by subject: sandbox lifecycle
// (linux_runtime_sandbox.cc), containers (linux_runtime_container.cc), exec
// (linux_runtime_exec.cc) and the records kept on disk (linux_runtime_records.cc).
//
// On-disk layout under RuntimeOptions::root:
//   sandboxes/<id>/  sandbox (record), supervisor.conf, sock, supervisor.log, hosts, hostname,
//                    resolv.conf, shm/ (tmpfs), volumes/<name>/
//   containers/<id>/ container (record), spec (for the supervisor), state (the supervisor's
//                    record of the process), rootfs/ (overlay), upper/, work/, termination-log,
//                    seccomp.bpf
// Records are wire::Message text files written atomically, so a restarted server (or a user
// with `cat`) reads the same truth the supervisors write.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/cgroups.h"
#include "runtime/runtime.h"
#include "runtime/shared/spec.h"
#include "runtime/spec_builder.h"

namespace cubelet::runtime {

struct SandboxRecord {
  std::string id;
  std::string name;
  std::string namespace_;
  std::string uid;
  uint32_t attempt = 0;
  std::string hostname;
  bool share_pid = false;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  int64_t created_ns = 0;
  int supervisor_pid = 0;
  uint64_t supervisor_start = 0;
  bool stopped = false;
  std::string log_directory;
  std::string pod_cgroup;
  std::vector<HostVolume> volumes;
  std::string infra_container;  // with --pod-infra-container-image; hidden from listings
  int infra_pid = 0;
};

struct ContainerMeta {
  std::string id;
  std::string sandbox_id;
  std::string name;
  uint32_t attempt = 0;
  std::string image_ref;
  std::string image_id;
  int64_t created_ns = 0;
  std::string log_path;
  std::string stop_signal;
  std::string termination_file;
  bool fallback_to_logs = false;
  std::string cgroup;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

wire::Message EncodeSandbox(const SandboxRecord& r);
SandboxRecord DecodeSandbox(const wire::Message& m);
wire::Message EncodeMeta(const ContainerMeta& m);
ContainerMeta DecodeMeta(const wire::Message& m);

class LinuxRuntime final : public Runtime {
 public:
  LinuxRuntime(RuntimeOptions options, std::unique_ptr<Cgroups> cgroups, std::string supervisor);

  base::Result<std::string> RunPodSandbox(const SandboxConfig& config) override;
  base::Status StopPodSandbox(const std::string& sandbox_id) override;
  base::Status RemovePodSandbox(const std::string& sandbox_id) override;
  base::Result<SandboxStatus> PodSandboxStatus(const std::string& sandbox_id) override;
  base::Result<std::vector<SandboxStatus>> ListPodSandboxes() override;
  base::Result<std::string> CreateContainer(const std::string& sandbox_id,
                                            const ContainerConfig& config) override;
  base::Status StartContainer(const std::string& container_id) override;
  base::Status StopContainer(const std::string& container_id,
                             std::chrono::milliseconds grace) override;
  base::Status RemoveContainer(const std::string& container_id) override;
  base::Result<ContainerStatus> GetContainerStatus(const std::string& container_id) override;
  base::Result<std::vector<ContainerStatus>> ListContainers(
      const std::optional<std::string>& sandbox_id) override;
  base::Result<ExecResult> ExecSync(const std::string& container_id,
                                    const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout) override;
  base::Result<int> Exec(const std::string& container_id, const std::vector<std::string>& argv,
                         const ExecIo& io) override;

 private:
  std::string SandboxDir(const std::string& id) const { return options_.root + "/sandboxes/" + id; }
  std::string ContainerDir(const std::string& id) const {
    return options_.root + "/containers/" + id;
  }
  std::string Socket(const std::string& sandbox_id) const {
    return SandboxDir(sandbox_id) + "/sock";
  }
  // Serializes lifecycle calls on one sandbox and its containers.
  std::shared_ptr<std::mutex> LockFor(const std::string& sandbox_id);

  base::Result<SandboxRecord> LoadSandbox(const std::string& id) const;
  base::Status SaveSandbox(const SandboxRecord& record) const;
  base::Result<ContainerMeta> LoadMeta(const std::string& id) const;
  bool SupervisorAlive(const SandboxRecord& record) const;
  // Every container of the sandbox, the hidden infra container included.
  std::vector<ContainerMeta> MetasOf(const SandboxRecord& record);

  base::Status PrepareSandbox(const SandboxConfig& config, SandboxRecord* record);
  base::Status StopSandboxLocked(SandboxRecord& record);
  base::Status CleanupSandbox(const SandboxRecord& record);
  base::Status StopContainerLocked(const ContainerMeta& meta, const SandboxRecord& sandbox,
                                   std::chrono::milliseconds grace);
  base::Status RemoveContainerLocked(const ContainerMeta& meta, const SandboxRecord& sandbox);
  // Creates the container's files and spec (the sandbox lock is held by the caller).
  base::Result<std::string> CreateContainerLocked(const SandboxRecord& sandbox,
                                                  const ContainerConfig& config);
  base::Status StartContainerLocked(const ContainerMeta& meta);
  base::Status StartInfra(SandboxRecord* sandbox);
  base::Result<ContainerSpec> PrepareContainer(const std::string& id, const SandboxRecord& sandbox,
                                               const ContainerConfig& config, ContainerMeta* meta);
  ContainerStatus StatusOf(const ContainerMeta& meta, const SandboxRecord* sandbox) const;
  base::Result<int> ExecWithFds(const std::string& container_id,
                                const std::vector<std::string>& argv, int in, int out, int err,
                                int* close_after_send, int output_pipe, std::string* output,
                                std::chrono::milliseconds timeout, bool* timed_out);

  RuntimeOptions options_;
  std::unique_ptr<Cgroups> cgroups_;
  std::string supervisor_;
  std::unique_ptr<base::Clock> own_clock_;
  base::Clock* clock_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<std::mutex>> locks_;
};

}  // namespace cubelet::runtime
