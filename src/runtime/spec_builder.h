// Pure decisions for one container: the argv, environment, user, mounts and security settings
// that become the ContainerSpec a supervisor acts on. No side effects here: the callers read
// the files (the image's /etc/passwd, the host's volume kinds) and pass their contents in, so
// every rule is unit-tested without root.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "runtime/runtime.h"
#include "runtime/shared/spec.h"

namespace cubelet::runtime {

struct ResolvedUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;  // additional groups (/etc/group membership, supplementalGroups)
  std::string home = "/";
};

// The process user as containerd computes it: the image's User ("name", "uid", "uid:gid",
// "name:group") looked up in the image's /etc/passwd and /etc/group texts, overridden by
// runAsUser/runAsGroup; runAsNonRoot is enforced with the kubelet's messages.
base::Result<ResolvedUser> ResolveUser(std::string_view image_user, const SecurityConfig& security,
                                       std::string_view passwd, std::string_view group);

// Kubernetes' command/args over the image's Entrypoint/Cmd.
base::Result<std::vector<std::string>> ResolveArgv(const ContainerConfig& config);

// Image env, HOSTNAME, then the container's env (a name set twice keeps the last value, in the
// place of its first occurrence); PATH and HOME get defaults when nobody set them.
std::vector<std::string> MergeEnv(const ContainerConfig& config, const std::string& hostname,
                                  const std::string& home);

// "SIGTERM", "TERM", "15" → 15. Empty → SIGTERM.
base::Result<int> ParseSignal(std::string_view name);

// A pod volume as it exists on the host once the sandbox runs.
struct HostVolume {
  std::string name;
  std::string path;        // host directory (or file, for a hostPath file)
  bool read_only = false;  // files volumes are always mounted read-only
};

// Everything of the host side a spec refers to.
struct SpecInputs {
  std::string id;
  std::string rootfs;
  std::string hostname;
  bool share_pid = false;
  std::string join_pid_ns;  // the infra container's PID namespace, when there is one
  std::string hosts_file;
  std::string hostname_file;
  std::string resolv_file;
  std::string shm_dir;
  std::string termination_file;
  std::vector<HostVolume> volumes;
  ResolvedUser user;
  uint64_t capabilities = 0;
  std::string seccomp_file;
  std::vector<std::string> cgroup_procs;
  std::string oom_events_file;
  std::string log_path;
  int64_t log_max_size = 0;
  int log_max_files = 0;
  std::string state_file;
  // Whether a volume's host path (after subPath) is a directory; injected so that this stays
  // pure. Missing paths count as directories (they are created).
  bool (*is_directory)(const std::string& path) = nullptr;
};

base::Result<ContainerSpec> BuildContainerSpec(const ContainerConfig& config,
                                               const SpecInputs& inputs);

// A relative path that stays inside its base: no "..", not absolute (subPath, file keys).
bool IsSafeRelativePath(std::string_view path);

}  // namespace cubelet::runtime
