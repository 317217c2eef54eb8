// cgroup v1 (also the v1 half of a hybrid layout): one directory per hierarchy and path.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "runtime/cgroups.h"

namespace cubelet::runtime::cgroupfs {
namespace {

// runc's default device allow-list for unprivileged containers: mknod of any node (opening it
// is still checked), the standard character devices, ptys and the tun device. Written in the
// kernel's devices.list format so that the current list compares equal.
constexpr std::string_view kDefaultDevices[] = {
    "b *:* m",   "c *:* m",   "c 1:3 rwm", "c 1:5 rwm",    "c 1:7 rwm",   "c 1:8 rwm",
    "c 1:9 rwm", "c 5:0 rwm", "c 5:2 rwm", "c 10:200 rwm", "c 136:* rwm",
};
constexpr std::string_view kAllDevices = "a *:* rwm";

constexpr auto kFreezeTimeout = std::chrono::seconds(2);

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

class CgroupfsV1 final : public Cgroups {
 public:
  explicit CgroupfsV1(CgroupMounts mounts) : mounts_(std::move(mounts)) {}

  std::string Mode() const override { return mounts_.mode; }

  base::Status Create(const std::string& path, const CgroupLimits& limits) override {
    RETURN_IF_ERROR(ValidatePath(path));
    const std::vector<std::string> parts = SplitPath(path);
    for (const CgroupHierarchy& h : mounts_.hierarchies) {
      std::string dir = h.mount_point;
      for (const std::string& part : parts) {
        const std::string parent = dir;
        dir += "/" + part;
        RETURN_IF_ERROR(MakeDir(dir));
        // Checked on existing levels too: a crash between mkdir and the copy leaves a level
        // that no task could ever join.
        if (h.Has("cpuset")) RETURN_IF_ERROR(InheritCpuset(parent, dir));
      }
    }
    return Apply(path, limits);
  }

  base::Status Update(const std::string& path, const CgroupLimits& limits) override {
    RETURN_IF_ERROR(ValidatePath(path));
    for (const CgroupHierarchy& h : mounts_.hierarchies) {
      if (!IsDir(Dir(h, path))) {
        return base::NotFoundError("cgroup {} does not exist in {}", path, h.mount_point);
      }
    }
    return Apply(path, limits);
  }

  std::vector<std::string> ProcsFiles(const std::string& path) const override {
    std::vector<std::string> out;
    for (const CgroupHierarchy& h : mounts_.hierarchies) {
      out.push_back(Dir(h, path) + "/cgroup.procs");
    }
    return out;
  }

  std::string OomEventsFile(const std::string& path) const override {
    const CgroupHierarchy* memory = Find("memory");
    return memory ? Dir(*memory, path) + "/memory.oom_control" : "";
  }

  base::Result<CgroupStats> Stats(const std::string& path) override {
    RETURN_IF_ERROR(ValidatePath(path));
    if (!Exists(path)) return base::NotFoundError("cgroup {} does not exist", path);
    CgroupStats stats;
    if (const CgroupHierarchy* memory = Find("memory"); memory && IsDir(Dir(*memory, path))) {
      ASSIGN_OR_RETURN(stats.memory_usage, ReadInt(Dir(*memory, path) + "/memory.usage_in_bytes"));
      // v1 counts an OOM kill only in the victim's own cgroup (v2 counts it in every
      // ancestor too), so the subtree is summed to report what v2 reports.
      for (const std::string& rel : WalkDirs(memory->mount_point, path)) {
        auto n = ReadKeyedInt(memory->mount_point + "/" + rel + "/memory.oom_control", "oom_kill");
        // Kernels before 4.13 have no counter; a cgroup may also vanish meanwhile.
        if (n.ok()) stats.oom_kills += *n;
      }
    }
    if (const CgroupHierarchy* pids = Find("pids"); pids && IsDir(Dir(*pids, path))) {
      ASSIGN_OR_RETURN(stats.pids, ReadInt(Dir(*pids, path) + "/pids.current"));
    } else {
      ASSIGN_OR_RETURN(std::vector<int> procs, Pids(path));
      stats.pids = static_cast<int64_t>(procs.size());
    }
    return stats;
  }

  base::Result<std::vector<int>> Pids(const std::string& path) override {
    RETURN_IF_ERROR(ValidatePath(path));
    return ListPids(path);
  }

  base::Status KillAll(const std::string& path) override {
    RETURN_IF_ERROR(ValidatePath(path));
    if (!Exists(path)) return base::Status::Ok();
    // Teardown asks for every container cgroup, most already empty: with no task there is
    // nothing that could fork, so freezing and thawing would be two writes for nothing.
    if (ListPids(path).empty()) return base::Status::Ok();
    const CgroupHierarchy* freezer = Find("freezer");
    const std::string freezer_dir = freezer ? Dir(*freezer, path) : "";
    // Frozen tasks cannot fork, so one listing catches all of them; the SIGKILLs take effect
    // on thaw. Without a freezer (or if freezing does not finish, e.g. a task stuck in the
    // kernel), WaitUntilEmpty's repeated rounds catch late children instead.
    const bool freeze = freezer && IsDir(freezer_dir);
    if (freeze) Freeze(freezer_dir);
    for (int pid : ListPids(path)) KillIfInCgroup(pid, mounts_.hierarchies, path);
    if (freeze) {
      base::Status thawed = WriteFile(freezer_dir + "/freezer.state", "THAWED");
      // Gone meanwhile is fine; anything else would leave the tasks frozen forever.
      if (!thawed.ok() && thawed.code() != base::Code::kNotFound) return thawed;
    }
    return WaitUntilEmpty(path, mounts_.hierarchies, [&] { return ListPids(path); });
  }

  base::Status Remove(const std::string& path) override {
    RETURN_IF_ERROR(ValidatePath(path));
    base::Status first;
    for (const CgroupHierarchy& h : mounts_.hierarchies) {
      base::Status s = RemoveTree(h.mount_point, path);
      if (first.ok() && !s.ok()) first = s;
    }
    return first;
  }

  std::vector<std::string> List(const std::string& path) const override {
    if (!ValidatePath(path).ok()) return {};
    std::vector<std::string> out;
    for (const CgroupHierarchy& h : mounts_.hierarchies) {
      for (std::string& rel : WalkDirs(h.mount_point, path)) out.push_back(std::move(rel));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

 private:
  static std::string Dir(const CgroupHierarchy& h, const std::string& path) {
    return h.mount_point + "/" + path;
  }

  const CgroupHierarchy* Find(std::string_view controller) const {
    for (const CgroupHierarchy& h : mounts_.hierarchies) {
      if (h.Has(controller)) return &h;
    }
    return nullptr;
  }

  bool Exists(const std::string& path) const {
    return std::any_of(mounts_.hierarchies.begin(), mounts_.hierarchies.end(),
                       [&](const CgroupHierarchy& h) { return IsDir(Dir(h, path)); });
  }

  std::vector<int> ListPids(const std::string& path) const {
    std::vector<int> out;
    for (const CgroupHierarchy& h : mounts_.hierarchies) CollectPids(h.mount_point, path, &out);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  // The directory of `controller` for `path`; Unimplemented when no hierarchy has it.
  base::Result<std::string> ControllerDir(std::string_view controller,
                                          const std::string& path) const {
    const CgroupHierarchy* h = Find(controller);
    if (h == nullptr) {
      return base::Error(base::Code::kUnimplemented, "cgroup {}: no {} cgroup hierarchy is mounted",
                         path, controller);
    }
    return Dir(*h, path);
  }

  static base::Status InheritCpuset(const std::string& parent, const std::string& dir) {
    // Memory nodes first: the kernel accepts either order, but this is the order in which a
    // task that joins needs them.
    for (const char* file : {"cpuset.mems", "cpuset.cpus"}) {
      ASSIGN_OR_RETURN(std::string mine, ReadFile(dir + "/" + file));
      if (mine.find_first_not_of(" \n") != std::string::npos) continue;
      ASSIGN_OR_RETURN(std::string inherited, ReadFile(parent + "/" + file));
      while (!inherited.empty() && inherited.back() == '\n') inherited.pop_back();
      RETURN_IF_ERROR(WriteFile(dir + "/" + file, inherited));
    }
    return base::Status::Ok();
  }

  base::Status Apply(const std::string& path, const CgroupLimits& limits) const {
    if (limits.cpu_shares || limits.cpu_quota_us) {
      ASSIGN_OR_RETURN(std::string cpu, ControllerDir("cpu", path));
      if (limits.cpu_shares) {
        RETURN_IF_ERROR(WriteFile(cpu + "/cpu.shares", std::to_string(*limits.cpu_shares)));
      }
      if (limits.cpu_quota_us) {
        const int64_t quota = *limits.cpu_quota_us > 0 ? *limits.cpu_quota_us : -1;
        RETURN_IF_ERROR(SetCfs(cpu, quota, limits.cpu_period_us));
      }
    }
    if (limits.memory_limit) {
      ASSIGN_OR_RETURN(std::string memory, ControllerDir("memory", path));
      const int64_t limit = *limits.memory_limit > 0 ? *limits.memory_limit : -1;
      RETURN_IF_ERROR(WriteFile(memory + "/memory.limit_in_bytes", std::to_string(limit)));
    }
    if (limits.pids_limit) {
      ASSIGN_OR_RETURN(std::string pids, ControllerDir("pids", path));
      const std::string max = *limits.pids_limit > 0 ? std::to_string(*limits.pids_limit) : "max";
      RETURN_IF_ERROR(WriteFile(pids + "/pids.max", max));
    }
    // Without a devices hierarchy there is nothing to restrict with (and nothing to allow).
    if (const CgroupHierarchy* devices = Find("devices")) {
      RETURN_IF_ERROR(SetDevices(Dir(*devices, path), limits.allow_all_devices));
    }
    return base::Status::Ok();
  }

  static base::Status SetCfs(const std::string& dir, int64_t quota, int64_t period) {
    const std::string period_file = dir + "/cpu.cfs_period_us";
    const std::string quota_file = dir + "/cpu.cfs_quota_us";
    base::Status s = WriteFile(period_file, std::to_string(period));
    if (s.ok()) return WriteFile(quota_file, std::to_string(quota));
    if (s.sys_errno() != EINVAL) return s;
    // v1 refuses a quota/period ratio above the parent's at every write, so a new period
    // with the old quota can fail where the new pair is fine: then the quota goes first.
    RETURN_IF_ERROR(WriteFile(quota_file, std::to_string(quota)));
    return WriteFile(period_file, std::to_string(period));
  }

  static base::Status SetDevices(const std::string& dir, bool allow_all) {
    std::vector<std::string> want;
    if (allow_all) {
      want.emplace_back(kAllDevices);
    } else {
      want.assign(std::begin(kDefaultDevices), std::end(kDefaultDevices));
    }
    std::sort(want.begin(), want.end());
    ASSIGN_OR_RETURN(std::string current, ReadFile(dir + "/devices.list"));
    std::vector<std::string> have = Lines(current);
    std::sort(have.begin(), have.end());
    // The kernel refuses to reset the list ("a") of a cgroup with children, as a pod's has,
    // so an unchanged list is not written again.
    if (have == want) return base::Status::Ok();
    const std::string allow = dir + "/devices.allow";
    if (allow_all) return WriteFile(allow, "a");
    RETURN_IF_ERROR(WriteFile(dir + "/devices.deny", "a"));
    for (const std::string& rule : want) RETURN_IF_ERROR(WriteFile(allow, rule));
    return base::Status::Ok();
  }

  // Freezes the cgroup and its descendants, waiting (briefly) until they all are FROZEN.
  static void Freeze(const std::string& dir) {
    const auto deadline = std::chrono::steady_clock::now() + kFreezeTimeout;
    for (;;) {
      // Written again each round: it retries the tasks that were busy in the kernel.
      if (!WriteFile(dir + "/freezer.state", "FROZEN").ok()) return;
      auto state = ReadFile(dir + "/freezer.state");
      if (!state.ok() || state->rfind("FROZEN", 0) == 0) return;
      if (std::chrono::steady_clock::now() >= deadline) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  const CgroupMounts mounts_;
};

}  // namespace

std::unique_ptr<Cgroups> NewV1(CgroupMounts mounts) {
  return std::make_unique<CgroupfsV1>(std::move(mounts));
}

}  // namespace cubelet::runtime::cgroupfs
