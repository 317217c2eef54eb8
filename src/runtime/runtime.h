// The container runtime: pod sandboxes and containers as isolated Linux processes.
//
// The shape is the CRI's (RunPodSandbox, CreateContainer, StartContainer, ...), so the node
// agent speaks to it the way the kubelet speaks to containerd. The real implementation:
// - one small supervisor process per pod (the `cubelet-supervisor` executable, statically
//   linked) holds the pod's network, IPC and UTS namespaces (and the PID namespace when
//   shareProcessNamespace is set, as its PID 1), starts the containers as its children,
//   records their exit status and writes their logs; it is detached from the server, so a
//   server restart leaves pods running and NewRuntime() re-adopts them from the state on disk;
// - each container has its own mount namespace (and PID namespace unless shared), an overlayfs
//   rootfs of the image layers plus an upper dir, the default mounts, masked paths, capability
//   set and (optionally) seccomp profile of containerd, and a cgroup under the pod's cgroup.
//
// Thread-safety: Runtime methods may be called from several threads (pod workers); calls on
// one sandbox are serialized inside.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/types/pod.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"

namespace cubelet::runtime {

// ---- Pod sandboxes -------------------------------------------------------------------------

struct KeyToPath {   // one file of a "files" volume (configMap, secret, downwardAPI, projected)
  std::string path;  // relative, no ".." (validated by the API server and again here)
  std::string content;
  int mode = 0644;
};

// A pod volume the runtime prepares on the host when the sandbox starts and deletes with it.
struct Volume {
  enum class Kind { kEmptyDir, kHostPath, kFiles };
  std::string name;
  Kind kind = Kind::kEmptyDir;
  // emptyDir: medium "Memory" is a tmpfs (size = size_limit when set).
  bool memory = false;
  std::optional<int64_t> size_limit;
  // hostPath: the path and Kubernetes' type ("", DirectoryOrCreate, Directory, FileOrCreate,
  // File, Socket, CharDevice, BlockDevice), checked when the sandbox starts.
  std::string path;
  std::string host_path_type;
  // files: written by the runtime, read-only to the containers.
  std::vector<KeyToPath> files;
};

struct HostAlias {
  std::string ip;
  std::vector<std::string> hostnames;
};

struct DnsConfig {
  std::vector<std::string> servers;
  std::vector<std::string> searches;
  std::vector<std::string> options;
};

struct SandboxConfig {
  std::string name;
  std::string namespace_;
  std::string uid;
  uint32_t attempt = 0;
  std::string hostname;   // spec.hostname or the pod name
  std::string subdomain;  // hostname.subdomain.<ns>.svc.<domain> in /etc/hosts when set
  std::string cluster_domain = "cluster.local";
  bool share_process_namespace = false;
  // Empty: the host's /etc/resolv.conf is copied (dnsPolicy Default).
  std::optional<DnsConfig> dns;
  std::vector<HostAlias> host_aliases;
  std::vector<Volume> volumes;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  int64_t shm_size = 64 << 20;  // /dev/shm of the pod
  // Pod-level cgroup limits (the sum of the containers' limits when all have one).
  std::optional<int64_t> memory_limit;
  std::optional<int64_t> cpu_limit_milli;
  std::optional<int64_t> pids_limit;
};

enum class SandboxState { kReady, kNotReady };

struct SandboxStatus {
  std::string id;
  std::string name;
  std::string namespace_;
  std::string uid;
  uint32_t attempt = 0;
  SandboxState state = SandboxState::kNotReady;
  base::TimePoint created_at;
  int supervisor_pid = 0;  // 0 when the supervisor is gone
  std::string netns_path;  // /proc/<pid>/ns/net while ready
  std::string hostname;
  std::string log_directory;  // <data>/pods/<ns>_<name>_<uid>
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

// ---- Containers ----------------------------------------------------------------------------

// What the runtime needs of an image (filled from image::ImageRecord by the caller).
struct ImageSpec {
  std::string ref;                      // as the user wrote it, for display
  std::string id;                       // config digest
  std::vector<std::string> layer_dirs;  // unpacked layers, lowest first
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // "K=V"
  std::string working_dir;
  std::string user;         // "", "uid", "uid:gid", "name", "name:group"
  std::string stop_signal;  // "SIGQUIT", "15", ...; empty: SIGTERM
};

struct VolumeMount {
  std::string volume;  // a SandboxConfig volume name
  std::string mount_path;
  std::string sub_path;
  bool read_only = false;
};

enum class SeccompProfile { kUnconfined, kRuntimeDefault };

struct SecurityConfig {
  bool privileged = false;
  std::vector<std::string> add_capabilities;   // "NET_ADMIN" or "CAP_NET_ADMIN"; "ALL"
  std::vector<std::string> drop_capabilities;  // "ALL" drops every default one
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
  std::vector<int64_t> supplemental_groups;
  bool run_as_non_root = false;
  bool read_only_root_filesystem = false;
  // Kubernetes' default is true (no_new_privs off); false sets no_new_privs.
  bool allow_privilege_escalation = true;
  SeccompProfile seccomp = SeccompProfile::kUnconfined;
  bool unmasked_proc = false;  // procMount: Unmasked
};

struct Resources {
  std::optional<int64_t> cpu_request_milli;
  std::optional<int64_t> cpu_limit_milli;
  std::optional<int64_t> memory_request;
  std::optional<int64_t> memory_limit;
  int oom_score_adj = 0;
};

struct ContainerConfig {
  std::string name;
  uint32_t attempt = 0;  // restartCount: names the log file <attempt>.log
  ImageSpec image;
  // Kubernetes semantics: command replaces the entrypoint (and drops the image's cmd), args
  // replace the cmd.
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // over the image's env
  std::string working_dir;
  std::vector<VolumeMount> mounts;
  SecurityConfig security;
  Resources resources;
  std::string termination_message_path = "/dev/termination-log";
  bool fallback_to_logs_on_error = false;  // terminationMessagePolicy FallbackToLogsOnError
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

enum class ContainerState { kCreated, kRunning, kExited, kUnknown };
std::string_view ContainerStateName(ContainerState state);  // "Created", "Running", ...

struct ContainerStatus {
  std::string id;
  std::string sandbox_id;
  std::string name;
  uint32_t attempt = 0;
  std::string image_ref;
  std::string image_id;
  ContainerState state = ContainerState::kUnknown;
  base::TimePoint created_at;
  base::TimePoint started_at;   // zero until started
  base::TimePoint finished_at;  // zero until exited
  int pid = 0;                  // host PID while running
  int exit_code = 0;            // 128+signal when killed by a signal, as Kubernetes reports
  int signal = 0;
  std::string reason;   // "Completed", "Error", "OOMKilled", "StartError" once exited
  std::string message;  // the termination message
  std::string log_path;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

struct ExecResult {
  int exit_code = 0;
  std::string output;  // stdout and stderr interleaved, truncated to a limit
  bool timed_out = false;
};

// File descriptors an interactive exec uses (the CLI passes its own).
struct ExecIo {
  int stdin_fd = -1;  // -1: /dev/null
  int stdout_fd = 1;
  int stderr_fd = 2;
};

class Runtime {
 public:
  virtual ~Runtime() = default;

  // Starts the pod's supervisor with its namespaces, volumes, /etc/hosts, resolv.conf and
  // cgroup. Returns the sandbox ID.
  virtual base::Result<std::string> RunPodSandbox(const SandboxConfig& config) = 0;
  // Kills every container of the sandbox and ends its supervisor (namespaces are released).
  // Idempotent.
  virtual base::Status StopPodSandbox(const std::string& sandbox_id) = 0;
  // Stops if needed, then removes containers, mounts, volumes, cgroups and state. Idempotent:
  // removing an unknown sandbox succeeds.
  virtual base::Status RemovePodSandbox(const std::string& sandbox_id) = 0;
  virtual base::Result<SandboxStatus> PodSandboxStatus(const std::string& sandbox_id) = 0;
  virtual base::Result<std::vector<SandboxStatus>> ListPodSandboxes() = 0;

  // Prepares the rootfs, mounts and cgroup of a container. Returns its ID.
  virtual base::Result<std::string> CreateContainer(const std::string& sandbox_id,
                                                    const ContainerConfig& config) = 0;
  // Starts the process; returns once it runs (exec succeeded) or failed to start.
  virtual base::Status StartContainer(const std::string& container_id) = 0;
  // Sends the image's stop signal (SIGTERM by default), waits up to `grace`, then SIGKILL;
  // returns when the container has exited. A container that is not running is left as is.
  virtual base::Status StopContainer(const std::string& container_id,
                                     std::chrono::milliseconds grace) = 0;
  // Removes a stopped container: rootfs, upper dir, cgroup. Logs stay with the sandbox.
  virtual base::Status RemoveContainer(const std::string& container_id) = 0;
  virtual base::Result<ContainerStatus> GetContainerStatus(const std::string& container_id) = 0;
  // Every container, or those of one sandbox.
  virtual base::Result<std::vector<ContainerStatus>> ListContainers(
      const std::optional<std::string>& sandbox_id = std::nullopt) = 0;

  // Runs `argv` inside a running container (its namespaces, cgroup, user, capabilities) and
  // collects the output: exec probes. The process is killed when `timeout` passes.
  virtual base::Result<ExecResult> ExecSync(const std::string& container_id,
                                            const std::vector<std::string>& argv,
                                            std::chrono::milliseconds timeout) = 0;
  // The same with the caller's file descriptors; returns the exit code.
  virtual base::Result<int> Exec(const std::string& container_id,
                                 const std::vector<std::string>& argv, const ExecIo& io) = 0;
};

struct RuntimeOptions {
  std::string root;           // <data-dir>/runtime: sandbox and container state, rootfs mounts
  std::string pods_log_root;  // <data-dir>/pods: CRI log files
  // The supervisor executable; empty: `cubelet-supervisor` next to /proc/self/exe.
  std::string supervisor_path;
  // Parent of every pod cgroup, relative to each cgroup hierarchy.
  std::string cgroup_parent = "cubelet";
  std::string cgroup_mount = "/sys/fs/cgroup";
  int64_t log_max_size = 10 << 20;  // containerLogMaxSize
  int log_max_files = 5;            // containerLogMaxFiles
  base::Clock* clock = nullptr;
  base::Logger* logger = nullptr;  // may be null
  // --pod-infra-container-image: when set, every sandbox also runs this image's entrypoint as
  // its infra container ("POD", like Kubernetes' pause), which is PID 1 of a shared PID
  // namespace. Unset: the supervisor itself is the infra process (no image needed).
  std::optional<ImageSpec> infra_image;
};

// The real runtime; re-adopts the sandboxes whose supervisors still run.
base::Result<std::unique_ptr<Runtime>> NewRuntime(const RuntimeOptions& options);

// ---- Logs ------------------------------------------------------------------------------------

struct LogReadOptions {
  bool timestamps = false;  // prefix each line with its RFC 3339 time (kubectl logs --timestamps)
  std::optional<int64_t> tail_lines;
  std::optional<int64_t> since_unix_ns;
  std::optional<int64_t> limit_bytes;
};

// Reads a container's log file (ContainerStatus::log_path), calling `sink` with each line as
// the container wrote it (newline included); `sink` returns false to stop.
base::Status ReadContainerLog(const std::string& log_path, const LogReadOptions& options,
                              const std::function<bool(std::string_view line)>& sink);

struct LogFollowOptions {
  // tail_lines counts the lines already in the log (0: only new ones); since_unix_ns and
  // timestamps apply to every line; limit_bytes to the whole output.
  LogReadOptions read;
  // The log directory is watched with inotify, so new output shows at once; this is how
  // often `still_running` and `cancelled` are asked while nothing is written (and how often
  // the log is looked at when inotify is unavailable). At least 1 ms.
  std::chrono::milliseconds poll = std::chrono::milliseconds(200);
};

// kubectl logs -f: the lines ReadContainerLog would give for the whole log set (rotated files
// first), then those the container writes next, byte for byte as ReadContainerLog gives them,
// through rotations (the live file renamed and a new one created), none lost or repeated. A
// line is sent once it is complete; the line a container never ended is sent (without a
// newline) once it has exited. Returns OK when `still_running()` returned false and what was
// written before has been sent (the caller makes sure the supervisor has written all by
// then), when `sink` returned false, when `cancelled()` returned true or when limit_bytes is
// reached; an error when the log is missing or cannot be read. Runs on the calling thread;
// `still_running` is first asked once the lines already in the log have been read.
base::Status FollowContainerLog(const std::string& log_path, const LogFollowOptions& options,
                                const std::function<bool()>& still_running,
                                const std::function<bool()>& cancelled,
                                const std::function<bool(std::string_view line)>& sink);

// ---- From a Kubernetes Pod (what the kubelet derives; pure) ---------------------------------

// What only the API can supply: the contents of configMap/secret/downwardAPI/projected volumes
// and the values of env entries with valueFrom/envFrom. A source left unset makes pods that
// need it fail with a message saying so (`cubelet runtime run` has no API server).
struct PodSources {
  std::function<base::Result<std::vector<KeyToPath>>(const api::Volume& volume)> volume_files;
  // The container's whole environment in order, replacing spec.env/envFrom when set.
  std::function<base::Result<std::vector<std::pair<std::string, std::string>>>(
      const api::Container& container)>
      env;
  int64_t node_memory_bytes = 0;  // for the Burstable oom_score_adj (HostMemoryBytes())
};

// The machine's memory (MemTotal of /proc/meminfo); 0 when unreadable.
int64_t HostMemoryBytes();

base::Result<SandboxConfig> SandboxConfigForPod(const api::Pod& pod, const PodSources& sources);
// `image` carries the pulled image's config and layers.
base::Result<ContainerConfig> ContainerConfigForPod(const api::Pod& pod,
                                                    const api::Container& container,
                                                    uint32_t attempt, ImageSpec image,
                                                    const PodSources& sources);
// The kubelet's oom_score_adj for a container: Guaranteed -997, BestEffort 1000, Burstable
// from the memory request's share of the node's memory (2..999).
int OomScoreAdj(const api::Pod& pod, const api::Container& container, int64_t node_memory);

}  // namespace cubelet::runtime
