// Hierarchy discovery, the kubelet's CPU conversions and the file helpers both cgroup versions
// use.
#include "runtime/cgroups.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <dirent.h>
#include <fcntl.h>
#include <limits>
#include <map>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "runtime/host.h"

namespace cubelet::runtime {

// ---- Conversions ---------------------------------------------------------------------------

namespace {
constexpr int64_t kMinShares = 2;
constexpr int64_t kMaxShares = 262144;
constexpr int64_t kSharesPerCpu = 1024;
constexpr int64_t kMilliPerCpu = 1000;
constexpr int64_t kMinQuotaUs = 1000;
constexpr int64_t kDefaultPeriodUs = 100000;
}  // namespace

int64_t MilliCpuToShares(int64_t milli) {
  if (milli <= 0) return kMinShares;
  // Anything above this many millicores is past the maximum; checking first avoids overflow.
  if (milli > kMaxShares * kMilliPerCpu / kSharesPerCpu) return kMaxShares;
  return std::clamp(milli * kSharesPerCpu / kMilliPerCpu, kMinShares, kMaxShares);
}

int64_t MilliCpuToQuota(int64_t milli, int64_t period_us) {
  if (milli <= 0) return 0;
  if (period_us <= 0) period_us = kDefaultPeriodUs;
  const __int128 quota = static_cast<__int128>(milli) * period_us / kMilliPerCpu;
  if (quota > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  return std::max(static_cast<int64_t>(quota), kMinQuotaUs);
}

int64_t SharesToWeight(int64_t shares) {
  // Maps the shares range [2, 262144] linearly onto the weight range [1, 10000].
  const int64_t s = std::clamp(shares, kMinShares, kMaxShares);
  return 1 + ((s - kMinShares) * 9999) / (kMaxShares - kMinShares);
}

// ---- Mountinfo -----------------------------------------------------------------------------

bool CgroupHierarchy::Has(std::string_view controller) const {
  return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

namespace {

// The v1 controllers cubelet creates cgroups in. Other super options of a cgroup mount
// ("rw", "xattr", "noprefix", "release_agent=...", "clone_children") are not controllers.
constexpr std::string_view kV1Controllers[] = {
    "blkio",  "cpu",  "cpuacct", "cpuset",   "devices",    "freezer", "hugetlb",
    "memory", "misc", "net_cls", "net_prio", "perf_event", "pids",    "rdma",
};
// The one named hierarchy joined: it is how systemd (also one inside a container) tracks
// processes, and runc joins it too.
constexpr std::string_view kSystemdHierarchy = "name=systemd";

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t end = std::min(s.find(sep, start), s.size());
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// mountinfo escapes space, tab, newline and backslash in paths as \ooo (octal).
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() &&
        std::all_of(s.begin() + i + 1, s.begin() + i + 4,
                    [](char c) { return c >= '0' && c <= '7'; })) {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool IsUnder(std::string_view path, std::string_view root) {
  if (root == "/") return !path.empty() && path[0] == '/';
  return path == root || (path.size() > root.size() && path.substr(0, root.size()) == root &&
                          path[root.size()] == '/');
}

struct MountEntry {
  std::string mount_point;
  std::string root;
  std::string fstype;
  std::string super_options;
};

}  // namespace

base::Result<CgroupMounts> ParseCgroupMounts(std::string_view mountinfo,
                                             std::string_view mount_root) {
  std::string root(mount_root);
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root.empty() || root[0] != '/') {
    return base::InvalidError("cgroup mount root {:?} is not an absolute path", root);
  }

  // The last mount on a mount point hides the earlier ones, so later lines win.
  std::map<std::string, MountEntry> by_point;
  std::vector<std::string> order;
  int line_no = 0;
  for (std::string_view line : Split(mountinfo, '\n')) {
    ++line_no;
    if (line.empty()) continue;
    // id parent major:minor root mount-point options [optional fields...] - fstype source super
    const std::vector<std::string_view> f = Split(line, ' ');
    const auto dash = std::find(f.begin(), f.end(), "-");
    if (f.size() < 10 || dash - f.begin() < 6 || f.end() - dash < 4) {
      return base::InvalidError("mountinfo line {}: malformed: {:?}", line_no, line);
    }
    MountEntry e{Unescape(f[4]), Unescape(f[3]), std::string(dash[1]), std::string(dash[3])};
    if (!IsUnder(e.mount_point, root)) continue;
    if (by_point.find(e.mount_point) == by_point.end()) order.push_back(e.mount_point);
    by_point[e.mount_point] = std::move(e);
  }

  CgroupMounts out;
  std::vector<CgroupHierarchy> v1;
  for (const std::string& point : order) {
    const MountEntry& e = by_point[point];
    CgroupHierarchy h;
    h.mount_point = e.mount_point;
    h.root = e.root;
    if (e.fstype == "cgroup2") {
      h.v2 = true;
      if (e.mount_point == root) {
        out.mode = "v2";
        out.hierarchies = {std::move(h)};
        out.unified.reset();
        return out;
      }
      if (!out.unified) out.unified = std::move(h);
      continue;
    }
    if (e.fstype != "cgroup") continue;
    for (std::string_view opt : Split(e.super_options, ',')) {
      const bool known = opt == kSystemdHierarchy ||
                         std::find(std::begin(kV1Controllers), std::end(kV1Controllers), opt) !=
                             std::end(kV1Controllers);
      if (known) h.controllers.emplace_back(opt);
    }
    if (h.controllers.empty()) continue;
    std::sort(h.controllers.begin(), h.controllers.end());
    // The same hierarchy mounted twice (a bind mount of a subtree, say) is managed once.
    const bool seen = std::any_of(v1.begin(), v1.end(), [&](const CgroupHierarchy& o) {
      return o.controllers == h.controllers;
    });
    if (!seen) v1.push_back(std::move(h));
  }
  if (v1.empty()) {
    return base::InvalidError("no cgroup hierarchy is mounted under {}", root);
  }
  std::sort(v1.begin(), v1.end(), [](const CgroupHierarchy& a, const CgroupHierarchy& b) {
    return a.mount_point < b.mount_point;
  });
  // Hybrid (systemd's layout): the v1 hierarchies hold the controllers cubelet limits, and
  // a controller is active in one version only. The cgroup2 mount has none of them (here it
  // may hold hugetlb, which cubelet does not limit), so placing containers in it as well
  // would double the cgroups to create and clean up, under v2's no-internal-processes rule,
  // for no limit at all. It is left alone.
  out.mode = out.unified ? "hybrid" : "v1";
  out.hierarchies = std::move(v1);
  return out;
}

base::Result<std::unique_ptr<Cgroups>> NewCgroupfs(const std::string& mount_root,
                                                   const std::string& mountinfo_path) {
  ASSIGN_OR_RETURN(std::string text, cgroupfs::ReadFile(mountinfo_path));
  ASSIGN_OR_RETURN(CgroupMounts mounts, ParseCgroupMounts(text, mount_root));
  for (const CgroupHierarchy& h : mounts.hierarchies) {
    if (!cgroupfs::IsDir(h.mount_point)) {
      return base::NotFoundError("cgroup hierarchy {} is not a directory", h.mount_point);
    }
  }
  if (mounts.mode == "v2") return cgroupfs::NewV2(std::move(mounts));
  return cgroupfs::NewV1(std::move(mounts));
}

// ---- File helpers --------------------------------------------------------------------------

namespace cgroupfs {

base::Status ValidatePath(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.back() == '/') {
    return base::InvalidError("cgroup path {:?} must be relative and non-empty", path);
  }
  for (std::string_view part : Split(path, '/')) {
    if (part.empty() || part == "." || part == "..") {
      return base::InvalidError("cgroup path {:?} has an empty, \".\" or \"..\" component", path);
    }
  }
  return base::Status::Ok();
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  for (std::string_view part : Split(path, '/')) out.emplace_back(part);
  return out;
}

base::Result<std::string> ReadFile(const std::string& file) { return host::ReadFile(file); }

base::Status WriteFile(const std::string& file, std::string_view data) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return base::ErrnoError(errno, "open " + file);
  ssize_t n;
  do {
    n = ::write(fd, data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  const int err = errno;
  ::close(fd);
  if (n < 0) return base::ErrnoError(err, fmt::format("write {:?} to {}", data, file));
  if (static_cast<size_t>(n) != data.size()) {
    return base::InternalError("write {:?} to {}: short write", data, file);
  }
  return base::Status::Ok();
}

namespace {
std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool ParseInt(std::string_view s, int64_t* out) {
  s = Trim(s);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}
}  // namespace

base::Result<int64_t> ReadInt(const std::string& file) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  int64_t v = 0;
  if (!ParseInt(text, &v)) return base::InternalError("{}: not a number: {:?}", file, text);
  return v;
}

base::Result<int64_t> ReadKeyedInt(const std::string& file, std::string_view key) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  for (std::string_view line : Split(text, '\n')) {
    const size_t space = line.find(' ');
    if (space == std::string_view::npos || line.substr(0, space) != key) continue;
    int64_t v = 0;
    if (!ParseInt(line.substr(space + 1), &v)) {
      return base::InternalError("{}: {} is not a number: {:?}", file, key, line);
    }
    return v;
  }
  return base::NotFoundError("{} has no {:?} line", file, key);
}

bool IsDir(const std::string& dir) {
  struct stat st;
  return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

base::Status MakeDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return base::Status::Ok();
  if (errno == EEXIST && IsDir(dir)) return base::Status::Ok();
  return base::ErrnoError(errno, "mkdir " + dir);
}

namespace {
void Walk(const std::string& root, const std::string& rel, std::vector<std::string>* out) {
  DIR* d = ::opendir((root + "/" + rel).c_str());
  // Gone meanwhile (removed concurrently): nothing below it either.
  if (d == nullptr) return;
  out->push_back(rel);
  std::vector<std::string> children;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (e->d_type != DT_DIR || name == "." || name == "..") continue;
    children.emplace_back(name);
  }
  ::closedir(d);
  std::sort(children.begin(), children.end());
  for (const std::string& c : children) Walk(root, rel + "/" + c, out);
}
}  // namespace

std::vector<std::string> WalkDirs(const std::string& root, const std::string& rel) {
  std::vector<std::string> out;
  Walk(root, rel, &out);
  return out;
}

namespace {
// How long a killed task may take to leave its cgroup (it frees its memory first), and how
// long KillAll waits for a cgroup to empty.
constexpr auto kRemoveTimeout = std::chrono::seconds(5);
constexpr auto kEmptyTimeout = std::chrono::seconds(10);
constexpr auto kPollInterval = std::chrono::milliseconds(10);
}  // namespace

base::Status RemoveTree(const std::string& root, const std::string& rel) {
  const auto deadline = std::chrono::steady_clock::now() + kRemoveTimeout;
  for (;;) {
    // Listed again on every round: a cgroup created below meanwhile would keep the parents
    // busy forever otherwise.
    const std::vector<std::string> dirs = WalkDirs(root, rel);
    if (dirs.empty()) return base::Status::Ok();
    base::Status busy;
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
      const std::string dir = root + "/" + *it;
      if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) continue;
      if (errno != EBUSY) return base::ErrnoError(errno, "rmdir " + dir);
      if (busy.ok()) busy = base::ErrnoError(errno, "rmdir " + dir);
    }
    if (busy.ok()) continue;
    if (std::chrono::steady_clock::now() >= deadline) {
      return busy.WithContext("cgroup still has processes or children");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

void CollectPids(const std::string& root, const std::string& rel, std::vector<int>* out) {
  for (const std::string& dir : WalkDirs(root, rel)) {
    auto text = ReadFile(root + "/" + dir + "/cgroup.procs");
    if (!text.ok()) continue;  // removed meanwhile
    for (std::string_view line : Split(*text, '\n')) {
      int64_t pid = 0;
      if (ParseInt(line, &pid) && pid > 0) out->push_back(static_cast<int>(pid));
    }
  }
}

bool ProcessInCgroup(int pid, const std::vector<CgroupHierarchy>& hierarchies,
                     const std::string& rel) {
  auto text = ReadFile(fmt::format("/proc/{}/cgroup", pid));
  if (!text.ok()) return false;
  // Lines are "hierarchy-id:controllers:path"; v2's is "0::path". Paths are relative to the
  // cgroup namespace, like the mount roots in mountinfo.
  for (std::string_view line : Split(*text, '\n')) {
    const size_t c1 = line.find(':');
    const size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    const std::string_view id = line.substr(0, c1);
    std::vector<std::string> controllers;
    for (std::string_view c : Split(line.substr(c1 + 1, c2 - c1 - 1), ',')) {
      if (!c.empty()) controllers.emplace_back(c);
    }
    std::sort(controllers.begin(), controllers.end());
    const std::string_view path = line.substr(c2 + 1);
    for (const CgroupHierarchy& h : hierarchies) {
      const bool same = h.v2 ? id == "0" && controllers.empty() : controllers == h.controllers;
      if (!same) continue;
      const std::string want = (h.root == "/" ? "" : h.root) + "/" + rel;
      if (IsUnder(path, want)) return true;
    }
  }
  return false;
}

void KillIfInCgroup(int pid, const std::vector<CgroupHierarchy>& hierarchies,
                    const std::string& rel) {
  if (pid == ::getpid()) return;
  // The pidfd pins the process: if the PID was reused before it was opened, the check below
  // sees the new owner's cgroup and fails; if it is reused after, the signal goes to the
  // (dead) process the pidfd names, not to the new owner.
  // Raw system calls: glibc 2.36's <sys/pidfd.h> lacks extern "C" and does not link from C++.
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) {
    if (errno == ENOSYS && ProcessInCgroup(pid, hierarchies, rel)) ::kill(pid, SIGKILL);
    return;
  }
  if (ProcessInCgroup(pid, hierarchies, rel))
    ::syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0);
  ::close(fd);
}

base::Status WaitUntilEmpty(const std::string& path, const std::vector<CgroupHierarchy>& hs,
                            const std::function<std::vector<int>()>& list) {
  const auto deadline = std::chrono::steady_clock::now() + kEmptyTimeout;
  for (;;) {
    const std::vector<int> pids = list();
    if (pids.empty()) return base::Status::Ok();
    if (std::find(pids.begin(), pids.end(), ::getpid()) != pids.end()) {
      return base::InternalError("cgroup {} holds the calling process {}; not killing it", path,
                                 ::getpid());
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return base::Status(
          base::Code::kTimeout,
          fmt::format("cgroup {}: processes {} survive SIGKILL", path, fmt::join(pids, ", ")));
    }
    // Sent again each round: a process that forked before the first round (without a
    // freezer) has children that were not listed then.
    for (int pid : pids) KillIfInCgroup(pid, hs, path);
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace cgroupfs
std::vector<std::string> Cgroups::SelfJoinFiles(const std::string& path) const {
  std::vector<std::string> files = ProcsFiles(path);
  if (Mode() == "v2") return files;
  constexpr std::string_view kProcs = "/cgroup.procs";
  for (std::string& f : files) {
    if (f.size() > kProcs.size() &&
        f.compare(f.size() - kProcs.size(), kProcs.size(), kProcs) == 0) {
      f.replace(f.size() - kProcs.size(), kProcs.size(), "/tasks");
    }
  }
  return files;
}

}  // namespace cubelet::runtime
