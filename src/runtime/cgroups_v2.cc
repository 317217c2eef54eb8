// cgroup v2: a single hierarchy; controllers are delegated level by level.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "runtime/cgroups.h"

namespace cubelet::runtime::cgroupfs {
namespace {

// Controllers enabled for the levels cubelet creates. The limits need cpu, memory and pids,
// so failing to enable one of them is an error; the others only give the kubelet-like
// accounting files and are enabled when the kernel lets us.
constexpr std::string_view kRequiredControllers[] = {"cpu", "memory", "pids"};
constexpr std::string_view kOptionalControllers[] = {"cpuset", "hugetlb", "io"};

constexpr auto kFreezeTimeout = std::chrono::seconds(2);

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n')) ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\n') ++j;
    if (j > i) out.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

class CgroupfsV2 final : public Cgroups {
 public:
  explicit CgroupfsV2(CgroupMounts mounts) : mounts_(std::move(mounts)) {}

  std::string Mode() const override { return mounts_.mode; }

  base::Status Create(const std::string& path, const CgroupLimits& limits) override {
    RETURN_IF_ERROR(ValidatePath(path));
    std::string dir = Root();
    for (const std::string& part : SplitPath(path)) {
      // Every parent delegates, the mount root included (it is exempt from the
      // no-internal-processes rule; the levels below hold no processes of cubelet's).
      RETURN_IF_ERROR(EnableControllers(dir));
      dir += "/" + part;
      RETURN_IF_ERROR(MakeDir(dir));
    }
    return Apply(path, limits);
  }

  base::Status Update(const std::string& path, const CgroupLimits& limits) override {
    RETURN_IF_ERROR(ValidatePath(path));
    if (!IsDir(Dir(path))) return base::NotFoundError("cgroup {} does not exist", path);
    return Apply(path, limits);
  }

  std::vector<std::string> ProcsFiles(const std::string& path) const override {
    return {Dir(path) + "/cgroup.procs"};
  }

  std::string OomEventsFile(const std::string& path) const override {
    return Dir(path) + "/memory.events";
  }

  base::Result<CgroupStats> Stats(const std::string& path) override {
    RETURN_IF_ERROR(ValidatePath(path));
    const std::string dir = Dir(path);
    if (!IsDir(dir)) return base::NotFoundError("cgroup {} does not exist", path);
    CgroupStats stats;
    // The files exist only where the controller is enabled; absent means nothing counted.
    if (auto usage = ReadInt(dir + "/memory.current"); usage.ok()) stats.memory_usage = *usage;
    // memory.events is hierarchical (unless mounted with memory_localevents).
    if (auto kills = ReadKeyedInt(dir + "/memory.events", "oom_kill"); kills.ok()) {
      stats.oom_kills = *kills;
    }
    if (auto pids = ReadInt(dir + "/pids.current"); pids.ok()) {
      stats.pids = *pids;
    } else {
      stats.pids = static_cast<int64_t>(ListPids(path).size());
    }
    return stats;
  }

  base::Result<std::vector<int>> Pids(const std::string& path) override {
    RETURN_IF_ERROR(ValidatePath(path));
    return ListPids(path);
  }

  base::Status KillAll(const std::string& path) override {
    RETURN_IF_ERROR(ValidatePath(path));
    const std::string dir = Dir(path);
    if (!IsDir(dir)) return base::Status::Ok();
    // cgroup.kill (5.14+) kills the whole subtree atomically, forks in flight included.
    base::Status killed = WriteFile(dir + "/cgroup.kill", "1");
    if (!killed.ok() && killed.code() != base::Code::kNotFound) return killed;
    if (!killed.ok()) {
      // Older kernels: freeze (5.2+) so that nothing forks between listing and killing.
      // Killed tasks die when thawed. If freezing is unavailable or does not finish,
      // WaitUntilEmpty's repeated rounds catch the late children instead.
      Freeze(dir);
      for (int pid : ListPids(path)) KillIfInCgroup(pid, mounts_.hierarchies, path);
      base::Status thawed = WriteFile(dir + "/cgroup.freeze", "0");
      if (!thawed.ok() && thawed.code() != base::Code::kNotFound) return thawed;
    }
    return WaitUntilEmpty(path, mounts_.hierarchies, [&] { return ListPids(path); });
  }

  base::Status Remove(const std::string& path) override {
    RETURN_IF_ERROR(ValidatePath(path));
    return RemoveTree(Root(), path);
  }

  std::vector<std::string> List(const std::string& path) const override {
    if (!ValidatePath(path).ok()) return {};
    return WalkDirs(Root(), path);
  }

 private:
  const std::string& Root() const { return mounts_.hierarchies.front().mount_point; }
  std::string Dir(const std::string& path) const { return Root() + "/" + path; }

  std::vector<int> ListPids(const std::string& path) const {
    std::vector<int> out;
    CollectPids(Root(), path, &out);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  static base::Status EnableControllers(const std::string& dir) {
    ASSIGN_OR_RETURN(std::string available, ReadFile(dir + "/cgroup.controllers"));
    ASSIGN_OR_RETURN(std::string enabled, ReadFile(dir + "/cgroup.subtree_control"));
    const std::vector<std::string> have = Words(available);
    const std::vector<std::string> on = Words(enabled);
    auto enable = [&](std::string_view c, bool required) -> base::Status {
      if (std::find(have.begin(), have.end(), c) == have.end()) return base::Status::Ok();
      if (std::find(on.begin(), on.end(), c) != on.end()) return base::Status::Ok();
      // One controller per write, so that an optional one that fails does not take the
      // others with it.
      base::Status s = WriteFile(dir + "/cgroup.subtree_control", fmt::format("+{}", c));
      if (s.ok() || !required) return base::Status::Ok();
      if (s.sys_errno() == EBUSY) {
        return s.WithContext(
            "processes in a cgroup prevent delegating controllers to its "
            "children (cgroup v2 keeps processes in leaves)");
      }
      return s;
    };
    for (std::string_view c : kRequiredControllers) RETURN_IF_ERROR(enable(c, true));
    for (std::string_view c : kOptionalControllers) RETURN_IF_ERROR(enable(c, false));
    return base::Status::Ok();
  }

  base::Status Apply(const std::string& path, const CgroupLimits& limits) const {
    const std::string dir = Dir(path);
    if (limits.cpu_shares) {
      RETURN_IF_ERROR(
          WriteFile(dir + "/cpu.weight", std::to_string(SharesToWeight(*limits.cpu_shares))));
    }
    if (limits.cpu_quota_us) {
      const std::string quota =
          *limits.cpu_quota_us > 0 ? std::to_string(*limits.cpu_quota_us) : "max";
      RETURN_IF_ERROR(
          WriteFile(dir + "/cpu.max", fmt::format("{} {}", quota, limits.cpu_period_us)));
    }
    if (limits.memory_limit) {
      const std::string max =
          *limits.memory_limit > 0 ? std::to_string(*limits.memory_limit) : "max";
      RETURN_IF_ERROR(WriteFile(dir + "/memory.max", max));
    }
    if (limits.pids_limit) {
      const std::string max = *limits.pids_limit > 0 ? std::to_string(*limits.pids_limit) : "max";
      RETURN_IF_ERROR(WriteFile(dir + "/pids.max", max));
    }
    // Devices are not limited on v2: that takes a BPF_CGROUP_DEVICE program per cgroup, and a
    // container's /dev holds only the nodes the runtime creates there (see CgroupLimits).
    return base::Status::Ok();
  }

  // Freezes the subtree and waits (briefly) until cgroup.events reports it frozen.
  static void Freeze(const std::string& dir) {
    if (!WriteFile(dir + "/cgroup.freeze", "1").ok()) return;
    const auto deadline = std::chrono::steady_clock::now() + kFreezeTimeout;
    for (;;) {
      auto frozen = ReadKeyedInt(dir + "/cgroup.events", "frozen");
      if (!frozen.ok() || *frozen == 1) return;
      if (std::chrono::steady_clock::now() >= deadline) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  const CgroupMounts mounts_;
};

}  // namespace

std::unique_ptr<Cgroups> NewV2(CgroupMounts mounts) {
  return std::make_unique<CgroupfsV2>(std::move(mounts));
}

}  // namespace cubelet::runtime::cgroupfs
