#include "runtime/spec_builder.h"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <optional>
#include <sys/mount.h>

#include <fmt/format.h>

namespace cubelet::runtime {
namespace {

using base::Code;
using base::Result;
using base::Status;

struct PasswdEntry {
  std::string name;
  uint32_t uid;
  uint32_t gid;
  std::string home;
};

struct GroupEntry {
  std::string name;
  uint32_t gid;
  std::vector<std::string> members;
};

std::vector<std::string_view> SplitOn(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = text.find(sep, start);
    out.push_back(text.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

std::optional<uint32_t> ParseId(std::string_view s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(v);
}

// name:password:uid:gid:gecos:home:shell; malformed lines are skipped like libc does.
std::vector<PasswdEntry> ParsePasswd(std::string_view text) {
  std::vector<PasswdEntry> out;
  for (std::string_view line : SplitOn(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    auto f = SplitOn(line, ':');
    if (f.size() < 4) continue;
    auto uid = ParseId(f[2]);
    auto gid = ParseId(f[3]);
    if (!uid || !gid) continue;
    out.push_back(PasswdEntry{std::string(f[0]), *uid, *gid,
                              f.size() > 5 ? std::string(f[5]) : std::string()});
  }
  return out;
}

// name:password:gid:member,member
std::vector<GroupEntry> ParseGroup(std::string_view text) {
  std::vector<GroupEntry> out;
  for (std::string_view line : SplitOn(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    auto f = SplitOn(line, ':');
    if (f.size() < 3) continue;
    auto gid = ParseId(f[2]);
    if (!gid) continue;
    GroupEntry g{std::string(f[0]), *gid, {}};
    if (f.size() > 3 && !f[3].empty()) {
      for (auto m : SplitOn(f[3], ',')) g.members.emplace_back(m);
    }
    out.push_back(std::move(g));
  }
  return out;
}

void AddGroup(std::vector<uint32_t>* groups, uint32_t gid) {
  if (std::find(groups->begin(), groups->end(), gid) == groups->end()) groups->push_back(gid);
}

}  // namespace

bool IsSafeRelativePath(std::string_view path) {
  if (path.empty() || path[0] == '/') return false;
  for (std::string_view part : SplitOn(path, '/')) {
    if (part == "..") return false;
  }
  return true;
}

Result<ResolvedUser> ResolveUser(std::string_view image_user, const SecurityConfig& security,
                                 std::string_view passwd_text, std::string_view group_text) {
  std::vector<PasswdEntry> passwd = ParsePasswd(passwd_text);
  std::vector<GroupEntry> groups = ParseGroup(group_text);
  // runAsUser replaces the image's whole "user:group" (containerd builds the user string from
  // runAsUser alone): the image's group belongs to the image's user.
  if (security.run_as_user) image_user = {};
  std::string_view user_part = image_user.substr(0, image_user.find(':'));
  std::string_view group_part;
  if (size_t colon = image_user.find(':'); colon != std::string_view::npos) {
    group_part = image_user.substr(colon + 1);
  }
  ResolvedUser out;
  const PasswdEntry* entry = nullptr;
  std::string user_name;
  if (security.run_as_user) {
    if (security.run_as_non_root && *security.run_as_user == 0) {
      return Status(Code::kInvalid, "container's runAsUser breaks non-root policy");
    }
    out.uid = static_cast<uint32_t>(*security.run_as_user);
  } else if (!user_part.empty()) {
    if (auto uid = ParseId(user_part)) {
      out.uid = *uid;
    } else {
      if (security.run_as_non_root) {
        return Status(Code::kInvalid,
                      fmt::format("container has runAsNonRoot and image has non-numeric user "
                                  "({}), cannot verify user is non-root",
                                  user_part));
      }
      for (const auto& p : passwd) {
        if (p.name == user_part) entry = &p;
        if (entry) break;
      }
      if (entry == nullptr) {
        return Status(
            Code::kInvalid,
            fmt::format("unable to find user {}: no matching entries in passwd file", user_part));
      }
      out.uid = entry->uid;
    }
  }
  if (entry == nullptr) {
    for (const auto& p : passwd) {
      if (p.uid == out.uid) {
        entry = &p;
        break;
      }
    }
  }
  if (security.run_as_non_root && out.uid == 0) {
    return Status(Code::kInvalid, "container has runAsNonRoot and image will run as root");
  }
  if (entry != nullptr) {
    out.gid = entry->gid;
    user_name = entry->name;
    if (!entry->home.empty()) out.home = entry->home;
  }
  if (security.run_as_group) {
    out.gid = static_cast<uint32_t>(*security.run_as_group);
  } else if (!group_part.empty()) {
    if (auto gid = ParseId(group_part)) {
      out.gid = *gid;
    } else {
      const GroupEntry* g = nullptr;
      for (const auto& candidate : groups) {
        if (candidate.name == group_part) {
          g = &candidate;
          break;
        }
      }
      if (g == nullptr) {
        return Status(
            Code::kInvalid,
            fmt::format("unable to find group {}: no matching entries in group file", group_part));
      }
      out.gid = g->gid;
    }
  }
  if (!user_name.empty()) {
    for (const auto& g : groups) {
      if (std::find(g.members.begin(), g.members.end(), user_name) != g.members.end()) {
        AddGroup(&out.groups, g.gid);
      }
    }
  }
  for (int64_t gid : security.supplemental_groups)
    AddGroup(&out.groups, static_cast<uint32_t>(gid));
  return out;
}

Result<std::vector<std::string>> ResolveArgv(const ContainerConfig& config) {
  std::vector<std::string> argv;
  if (!config.command.empty()) {
    argv = config.command;
    argv.insert(argv.end(), config.args.begin(), config.args.end());
  } else {
    argv = config.image.entrypoint;
    const auto& rest = config.args.empty() ? config.image.cmd : config.args;
    argv.insert(argv.end(), rest.begin(), rest.end());
  }
  if (argv.empty()) {
    return Status(Code::kInvalid,
                  fmt::format("no command specified: image {} has no entrypoint or cmd and the "
                              "container sets no command",
                              config.image.ref));
  }
  return argv;
}

std::vector<std::string> MergeEnv(const ContainerConfig& config, const std::string& hostname,
                                  const std::string& home) {
  std::vector<std::string> env;
  auto set = [&env](std::string_view key, std::string_view value) {
    std::string kv = std::string(key) + "=" + std::string(value);
    for (auto& existing : env) {
      if (existing.size() > key.size() && existing.compare(0, key.size(), key) == 0 &&
          existing[key.size()] == '=') {
        existing = std::move(kv);
        return;
      }
    }
    env.push_back(std::move(kv));
  };
  auto has = [&env](std::string_view key) {
    for (const auto& existing : env) {
      if (existing.size() > key.size() && existing.compare(0, key.size(), key) == 0 &&
          existing[key.size()] == '=') {
        return true;
      }
    }
    return false;
  };
  for (const std::string& kv : config.image.env) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) continue;
    set(std::string_view(kv).substr(0, eq), std::string_view(kv).substr(eq + 1));
  }
  if (!has("PATH")) {
    // containerd's default when the image has none.
    env.insert(env.begin(), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  }
  set("HOSTNAME", hostname);
  for (const auto& [k, v] : config.env) set(k, v);
  if (!has("HOME")) set("HOME", home);
  return env;
}

Result<int> ParseSignal(std::string_view name) {
  if (name.empty()) return SIGTERM;
  if (auto n = ParseId(name); n && *n > 0 && *n < 65) return static_cast<int>(*n);
  std::string upper;
  for (char c : name) upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  if (upper.rfind("SIG", 0) == 0) upper = upper.substr(3);
  static const std::pair<const char*, int> kSignals[] = {
      {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},
      {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},
      {"KILL", SIGKILL},     {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
      {"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
      {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
      {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
      {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
      {"PWR", SIGPWR},       {"SYS", SIGSYS}};
  for (const auto& [n, sig] : kSignals) {
    if (upper == n) return sig;
  }
  if (upper.rfind("RTMIN+", 0) == 0) {
    if (auto off = ParseId(upper.substr(6)); off && SIGRTMIN + static_cast<int>(*off) <= SIGRTMAX) {
      return SIGRTMIN + static_cast<int>(*off);
    }
  }
  return Status(Code::kInvalid, fmt::format("unknown stop signal \"{}\"", name));
}

Result<ContainerSpec> BuildContainerSpec(const ContainerConfig& config, const SpecInputs& in) {
  ContainerSpec spec;
  spec.id = in.id;
  spec.rootfs = in.rootfs;
  spec.new_pid_ns = !in.share_pid;
  spec.join_pid_ns = in.join_pid_ns;
  const bool privileged = config.security.privileged;
  constexpr uint64_t kNoSuidExecDev = MS_NOSUID | MS_NOEXEC | MS_NODEV;
  auto add = [&spec](std::string source, std::string target, std::string type, uint64_t flags,
                     std::string data = "", bool file = false) {
    spec.mounts.push_back(MountSpec{std::move(source), std::move(target), std::move(type), flags,
                                    std::move(data), file});
  };
  add("proc", "/proc", "proc", kNoSuidExecDev);
  if (privileged) {
    // Every host device, as Kubernetes gives a privileged container.
    add("/dev", "/dev", "rbind", 0);
  } else {
    add("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
    add("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
        "newinstance,ptmxmode=0666,mode=0620,gid=5");
    for (const auto& [path, minor] :
         std::vector<std::pair<std::string, uint32_t>>{{"/dev/null", 3},
                                                       {"/dev/zero", 5},
                                                       {"/dev/full", 7},
                                                       {"/dev/random", 8},
                                                       {"/dev/urandom", 9}}) {
      spec.devices.push_back(DeviceSpec{path, 1, minor, 0666});
    }
    spec.devices.push_back(DeviceSpec{"/dev/tty", 5, 0, 0666});
  }
  add(in.shm_dir, "/dev/shm", "bind", kNoSuidExecDev);
  add("mqueue", "/dev/mqueue", "mqueue", kNoSuidExecDev);
  add("sysfs", "/sys", "sysfs", kNoSuidExecDev | (privileged ? 0 : MS_RDONLY));

  // A volume mounted at one of these paths replaces the pod's file, as in the kubelet.
  auto user_mounts = [&config](std::string_view path) {
    for (const auto& m : config.mounts) {
      if (m.mount_path == path) return true;
    }
    return false;
  };
  const size_t first_pod_mount = spec.mounts.size();
  if (!user_mounts("/etc/hosts")) add(in.hosts_file, "/etc/hosts", "bind", 0, "", true);
  if (!user_mounts("/etc/hostname")) add(in.hostname_file, "/etc/hostname", "bind", 0, "", true);
  if (!user_mounts("/etc/resolv.conf"))
    add(in.resolv_file, "/etc/resolv.conf", "bind", 0, "", true);
  if (!config.termination_message_path.empty()) {
    if (config.termination_message_path[0] != '/') {
      return Status(Code::kInvalid, fmt::format("terminationMessagePath \"{}\" must be absolute",
                                                config.termination_message_path));
    }
    add(in.termination_file, config.termination_message_path, "bind", 0, "", true);
  }
  for (size_t i = 0; i < config.mounts.size(); ++i) {
    const VolumeMount& m = config.mounts[i];
    const HostVolume* volume = nullptr;
    for (const auto& v : in.volumes) {
      if (v.name == m.volume) volume = &v;
    }
    if (volume == nullptr) {
      return Status(Code::kInvalid,
                    fmt::format("volumeMounts[{}]: the pod has no volume \"{}\"", i, m.volume));
    }
    if (m.mount_path.empty() || m.mount_path[0] != '/') {
      return Status(
          Code::kInvalid,
          fmt::format("volumeMounts[{}].mountPath \"{}\" must be absolute", i, m.mount_path));
    }
    std::string source = volume->path;
    if (!m.sub_path.empty()) {
      if (!IsSafeRelativePath(m.sub_path)) {
        return Status(Code::kInvalid,
                      fmt::format("volumeMounts[{}].subPath \"{}\" must be a relative path "
                                  "without \"..\"",
                                  i, m.sub_path));
      }
      source += "/" + m.sub_path;
    }
    bool dir = in.is_directory == nullptr || in.is_directory(source);
    add(source, m.mount_path, "rbind", (m.read_only || volume->read_only) ? MS_RDONLY : 0, "",
        !dir);
  }
  // Shallowest target first, as containerd orders mounts: a volume at /tmp or /etc mounted after
  // /tmp/termination-log or /etc/hosts would hide them (the kubelet would then read an empty
  // termination message). Stable, so equal depths keep the pod's order. The defaults above keep
  // their fixed order.
  auto depth = [](const std::string& path) {
    size_t n = 0;
    for (std::string_view part : SplitOn(path, '/')) n += part.empty() ? 0 : 1;
    return n;
  };
  std::stable_sort(spec.mounts.begin() + static_cast<std::ptrdiff_t>(first_pod_mount),
                   spec.mounts.end(), [&depth](const MountSpec& a, const MountSpec& b) {
                     return depth(a.target) < depth(b.target);
                   });
  if (!privileged && !config.security.unmasked_proc) {
    spec.masked_paths = {"/proc/acpi",
                         "/proc/asound",
                         "/proc/kcore",
                         "/proc/keys",
                         "/proc/latency_stats",
                         "/proc/timer_list",
                         "/proc/timer_stats",
                         "/proc/sched_debug",
                         "/proc/scsi",
                         "/sys/firmware",
                         "/sys/devices/virtual/powercap"};
    spec.readonly_paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                           "/proc/sysrq-trigger"};
  }
  spec.readonly_rootfs = config.security.read_only_root_filesystem;
  ASSIGN_OR_RETURN(spec.argv, ResolveArgv(config));
  spec.env = MergeEnv(config, in.hostname, in.user.home);
  spec.cwd = !config.working_dir.empty()         ? config.working_dir
             : !config.image.working_dir.empty() ? config.image.working_dir
                                                 : "/";
  if (spec.cwd[0] != '/') {
    return Status(Code::kInvalid,
                  fmt::format("workingDir \"{}\" must be an absolute path", spec.cwd));
  }
  spec.uid = in.user.uid;
  spec.gid = in.user.gid;
  spec.groups = in.user.groups;
  spec.capabilities = in.capabilities;
  spec.no_new_privs = !privileged && !config.security.allow_privilege_escalation;
  spec.seccomp_file = in.seccomp_file;
  spec.oom_score_adj = config.resources.oom_score_adj;
  spec.cgroup_procs = in.cgroup_procs;
  spec.oom_events_file = in.oom_events_file;
  spec.log_path = in.log_path;
  spec.log_max_size = in.log_max_size;
  spec.log_max_files = in.log_max_files;
  spec.state_file = in.state_file;
  return spec;
}

}  // namespace cubelet::runtime
