// The runtime's cgroup manager (server side): creates, limits, inspects, empties and removes the
// cgroups of pods and containers directly on cgroupfs. cubelet never asks systemd for cgroups;
// it writes the files itself, like the kubelet's "cgroupfs" driver.
//
// Layouts (found from mountinfo, never assumed):
// - v1: one hierarchy per mount (cpu and cpuacct may share one or not), plus name=systemd;
// - hybrid: v1 hierarchies plus a cgroup2 mount under the root (systemd's "unified"), which is
//   ignored (see ParseCgroupMounts);
// - v2: a single cgroup2 hierarchy at the mount root. Controllers are delegated level by level
//   through cgroup.subtree_control, and a cgroup that delegates controllers may hold no
//   processes, so processes belong in leaves only (a pod's own processes need a leaf of their
//   own next to the containers').
//
// Paths are relative to the root of every managed hierarchy ("cubelet/pod<uid>/<id>"), never
// absolute and never with "." or ".." components.
//
// Thread-safety: the implementations keep no mutable state; methods may be called from several
// threads. Concurrent calls on the same path are the caller's to serialize.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cubelet::runtime {

// Limits for one cgroup. A field left empty is not written: Create leaves the kernel's default
// (unlimited) and Update leaves the current value.
struct CgroupLimits {
  // v1 cpu.shares; on v2 cpu.weight = SharesToWeight(shares).
  std::optional<int64_t> cpu_shares;
  // CFS bandwidth with cpu_period_us; 0 or less removes the quota ("max"/-1).
  std::optional<int64_t> cpu_quota_us;
  int64_t cpu_period_us = 100000;
  // Bytes; 0 or less removes the limit.
  std::optional<int64_t> memory_limit;
  // 0 or less removes the limit.
  std::optional<int64_t> pids_limit;
  // Privileged containers (and pod-level cgroups, whose children must be free to widen the
  // list) allow every device; otherwise the v1 devices cgroup denies all but runc's default
  // allow-list. On v2 devices are not limited: that needs a BPF_CGROUP_DEVICE program, and
  // containers only see the device nodes the runtime creates in their /dev anyway.
  bool allow_all_devices = false;
};

// The kubelet's conversions of CPU quantities (millicores) into cgroup values.
// Shares: 1024 per core, at least 2 (also for a zero or absent request), at most 262144.
int64_t MilliCpuToShares(int64_t milli);
// CFS quota in microseconds for `milli` millicores per `period_us`; at least 1000us. A zero or
// negative limit gives 0, meaning no quota.
int64_t MilliCpuToQuota(int64_t milli, int64_t period_us);
// v2 cpu.weight (1..10000) from v1 shares (2..262144, clamped into that range first).
int64_t SharesToWeight(int64_t shares);

struct CgroupStats {
  int64_t oom_kills = 0;     // OOM kills in the cgroup and below
  int64_t memory_usage = 0;  // bytes, including descendants
  int64_t pids = 0;          // tasks (threads included when the pids controller counts them)
};

class Cgroups {
 public:
  virtual ~Cgroups() = default;

  virtual std::string Mode() const = 0;  // "v1", "hybrid" or "v2"

  // Creates `path` and its missing parents in every managed hierarchy, then applies `limits`
  // to `path` itself. Idempotent. v1 cpuset cgroups start with no CPUs and memory nodes (no
  // task could join), so every level gets its parent's; v2 levels get the controllers enabled
  // in their parent's cgroup.subtree_control.
  virtual base::Status Create(const std::string& path, const CgroupLimits& limits) = 0;
  // Applies `limits` to an existing cgroup (NotFound when it does not exist).
  virtual base::Status Update(const std::string& path, const CgroupLimits& limits) = 0;
  // The files into which a process writes "0" (itself) or a PID to join the cgroup: one per
  // managed hierarchy.
  virtual std::vector<std::string> ProcsFiles(const std::string& path) const = 0;
  // The files into which a single-threaded process writes "0" to move itself: on v1 the
  // "tasks" files, because moving one thread that is the writer itself skips the kernel's
  // global threadgroup lock, whose RCU grace period costs ~7 ms per cold write to cgroup.procs
  // (measured here: 7-10 ms against 0.1 ms); on v2 cgroup.procs.
  std::vector<std::string> SelfJoinFiles(const std::string& path) const;
  // The file holding the "oom_kill N" counter of the cgroup itself: v1 memory.oom_control, v2
  // memory.events. Empty when there is no memory controller.
  virtual std::string OomEventsFile(const std::string& path) const = 0;
  // NotFound when the cgroup does not exist.
  virtual base::Result<CgroupStats> Stats(const std::string& path) = 0;
  // Every process in the cgroup and below, in any managed hierarchy; sorted, no duplicates.
  // Empty when the cgroup does not exist.
  virtual base::Result<std::vector<int>> Pids(const std::string& path) = 0;
  // SIGKILLs every process in the cgroup and below and waits (a few seconds at most) until none
  // is left; Timeout if some survive (a task stuck in the kernel). v2 uses cgroup.kill when the
  // kernel has it; otherwise the tree is frozen first (v1 freezer or v2 cgroup.freeze) so that
  // nothing forks between listing and killing, and thawed after. A missing cgroup is OK.
  virtual base::Status KillAll(const std::string& path) = 0;
  // Removes the cgroup and every cgroup below it in every hierarchy, deepest first. EBUSY (a
  // killed task still exiting) is retried for a few seconds. A missing path is OK.
  virtual base::Status Remove(const std::string& path) = 0;
  // `path` and the directories below it that exist in any hierarchy, relative to the
  // hierarchy roots like `path`; sorted, no duplicates.
  virtual std::vector<std::string> List(const std::string& path) const = 0;
};

// ---- Hierarchy discovery (pure; exposed for tests) ----------------------------------------

struct CgroupHierarchy {
  std::string mount_point;  // absolute, e.g. "/sys/fs/cgroup/memory"
  // The mount's root inside the hierarchy (mountinfo field 4): "/" unless a subtree was
  // mounted; /proc/<pid>/cgroup paths start with it.
  std::string root = "/";
  // v1: the controllers from the super options ("cpu", "cpuacct", "name=systemd"), sorted.
  // v2: empty (the kernel lists them in cgroup.controllers).
  std::vector<std::string> controllers;
  bool v2 = false;

  bool Has(std::string_view controller) const;
};

struct CgroupMounts {
  std::string mode;  // "v1", "hybrid" or "v2"
  // The hierarchies cubelet manages: every v1 hierarchy with a controller it knows or
  // name=systemd (sorted by mount point), or the one v2 hierarchy.
  std::vector<CgroupHierarchy> hierarchies;
  // hybrid: the cgroup2 mount that is left alone.
  std::optional<CgroupHierarchy> unified;
};

// Parses /proc/self/mountinfo text into the cgroup hierarchies mounted at or below
// `mount_root`. Invalid when there is none, or when the text is malformed. In a hybrid layout
// the cgroup2 mount is reported in `unified` but not managed: the controllers cubelet limits
// are all on v1 there (a controller is active in one version only).
base::Result<CgroupMounts> ParseCgroupMounts(std::string_view mountinfo,
                                             std::string_view mount_root);

// Reads `mountinfo_path` and returns the manager for the layout found under `mount_root`.
base::Result<std::unique_ptr<Cgroups>> NewCgroupfs(
    const std::string& mount_root = "/sys/fs/cgroup",
    const std::string& mountinfo_path = "/proc/self/mountinfo");

// ---- Internals shared by the v1 and v2 implementations ------------------------------------

namespace cgroupfs {

std::unique_ptr<Cgroups> NewV1(CgroupMounts mounts);
std::unique_ptr<Cgroups> NewV2(CgroupMounts mounts);

// Invalid unless `path` is a non-empty relative path of plain components.
base::Status ValidatePath(const std::string& path);
// The components of a valid path.
std::vector<std::string> SplitPath(const std::string& path);

base::Result<std::string> ReadFile(const std::string& file);
// One write(2) of `data`: cgroup files take a value per write and report errors from it.
base::Status WriteFile(const std::string& file, std::string_view data);
base::Result<int64_t> ReadInt(const std::string& file);
// The value of the "key N" line of a flat-keyed file (memory.events, memory.oom_control).
base::Result<int64_t> ReadKeyedInt(const std::string& file, std::string_view key);

bool IsDir(const std::string& dir);
// mkdir that accepts an existing directory.
base::Status MakeDir(const std::string& dir);
// `rel` and every directory below <root>/<rel>, as paths relative to root, parents before
// children. Empty when <root>/<rel> does not exist.
std::vector<std::string> WalkDirs(const std::string& root, const std::string& rel);
// Removes <root>/<rel> and everything below it, deepest first, retrying EBUSY for a while.
base::Status RemoveTree(const std::string& root, const std::string& rel);
// The PIDs in <root>/<rel>/cgroup.procs and below, added to `out`.
void CollectPids(const std::string& root, const std::string& rel, std::vector<int>* out);

// True when /proc/<pid>/cgroup places the process at `rel` or below in one of `hierarchies`.
bool ProcessInCgroup(int pid, const std::vector<CgroupHierarchy>& hierarchies,
                     const std::string& rel);
// SIGKILLs `pid` through a pidfd after checking (through that pidfd's process) that it is
// still in the cgroup, so a PID reused by an unrelated process is never hit. Never signals
// the calling process.
void KillIfInCgroup(int pid, const std::vector<CgroupHierarchy>& hierarchies,
                    const std::string& rel);
// Re-sends SIGKILL to whatever `list` returns until it returns nothing; Timeout after a few
// seconds, naming the survivors.
base::Status WaitUntilEmpty(const std::string& path, const std::vector<CgroupHierarchy>& hs,
                            const std::function<std::vector<int>()>& list);

}  // namespace cgroupfs
}  // namespace cubelet::runtime
