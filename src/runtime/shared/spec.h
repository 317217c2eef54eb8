// What the server hands a supervisor to start one container, fully resolved: every decision
// (argv, environment, user, capabilities, mounts, cgroups) is made in the server's pure code
// (spec_builder.h); the supervisor only acts on it. Also the records the supervisor keeps on
// disk, so that an exit during a server outage is still known afterwards.
//
// Linked into the supervisor: libc and the C++ standard library only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/shared/wire.h"

namespace cubelet::runtime {

struct MountSpec {
  std::string source;
  std::string target;  // inside the container's root
  std::string type;    // "bind", "proc", "tmpfs", ...
  uint64_t flags = 0;  // MS_* flags (MS_RDONLY on a bind is applied with a remount)
  std::string data;
  bool file = false;  // the target is a file (bind of a file), not a directory
};

struct DeviceSpec {
  std::string path;  // "/dev/null"
  uint32_t major = 0;
  uint32_t minor = 0;
  uint32_t mode = 0666;
};

struct ContainerSpec {
  std::string id;
  std::string rootfs;  // host path of the mounted overlay
  bool new_pid_ns = true;
  // With an infra container holding the pod's PID namespace: /proc/<pid>/ns/pid to join.
  std::string join_pid_ns;
  std::vector<MountSpec> mounts;  // in order
  std::vector<DeviceSpec> devices;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  bool readonly_rootfs = false;
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "K=V"
  std::string cwd = "/";
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;
  uint64_t capabilities = 0;  // bounding, permitted and effective set
  bool no_new_privs = false;
  std::string seccomp_file;  // a classic BPF program (sock_filter array); empty: none
  int oom_score_adj = 0;
  std::vector<std::string> cgroup_procs;  // "0" is written into each before exec
  std::string oom_events_file;            // counts OOM kills of the container's cgroup
  std::string log_path;
  int64_t log_max_size = 0;
  int log_max_files = 0;
  std::string state_file;  // where the supervisor records the container's state
};

wire::Message EncodeSpec(const ContainerSpec& spec);
bool DecodeSpec(const wire::Message& message, ContainerSpec* spec, std::string* error);

// The supervisor's record of one container, written when it starts and when it exits.
struct ContainerRecord {
  enum State { kRunning = 1, kExited = 2, kStartFailed = 3 };
  std::string id;
  int state = kRunning;
  int pid = 0;  // host PID
  int64_t started_ns = 0;
  int64_t finished_ns = 0;
  int exit_code = 0;  // 128+signal for a signal death
  int signal = 0;
  bool oom_killed = false;
  std::string error;  // why the start failed
};

wire::Message EncodeRecord(const ContainerRecord& record);
ContainerRecord DecodeRecord(const wire::Message& message);

// The supervisor's configuration, written by the server into <sandbox>/supervisor.conf.
struct SupervisorConfig {
  std::string hostname;
  bool share_pid = false;
  std::vector<std::string> cgroup_procs;  // the supervisor's own cgroup
};

wire::Message EncodeSupervisorConfig(const SupervisorConfig& config);
SupervisorConfig DecodeSupervisorConfig(const wire::Message& message);

}  // namespace cubelet::runtime
