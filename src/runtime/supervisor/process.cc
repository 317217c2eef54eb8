#include "runtime/supervisor/process.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/shared/rootfs.h"

namespace cubelet::runtime::supervisor {
namespace {

// Writes "what: strerror(err)" to the error pipe and ends the child.
[[noreturn]] void Fail(int error_fd, const std::string& what, int err) {
  std::string msg = what;
  if (err != 0) {
    msg += ": ";
    msg += std::strerror(err);
  }
  ssize_t ignored = write(error_fd, msg.data(), msg.size());
  (void)ignored;
  _exit(127);
}

bool WriteString(const std::string& path, const std::string& value) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = write(fd, value.data(), value.size());
  int saved = errno;
  close(fd);
  errno = saved;
  return n == static_cast<ssize_t>(value.size());
}

std::string FdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// Flags of the mount at `path` that a read-only remount must keep (nosuid, nodev, noexec).
unsigned long LockedFlags(const std::string& path) {
  struct statvfs st;
  if (statvfs(path.c_str(), &st) != 0) return 0;
  unsigned long flags = 0;
  if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  return flags;
}

void DoMount(int rootfd, const MountSpec& m, int error_fd) {
  int fd = ResolveInRoot(rootfd, m.target, true, m.file);
  if (fd < 0) Fail(error_fd, "mount " + m.target + ": resolving the target", errno);
  std::string target = FdPath(fd);
  bool bind = m.type == "bind" || m.type == "rbind";
  if (bind) {
    unsigned long flags = MS_BIND | (m.type == "rbind" ? MS_REC : 0);
    if (mount(m.source.c_str(), target.c_str(), nullptr, flags, nullptr) != 0) {
      Fail(error_fd, "bind mount " + m.source + " on " + m.target, errno);
    }
    unsigned long extra = m.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
    if (extra != 0) {
      // The bind inherits the source's flags; read-only and the others need a remount of the
      // new mount, reached through a fresh descriptor (the old one is under it).
      int nfd = ResolveInRoot(rootfd, m.target, false, m.file);
      if (nfd < 0) Fail(error_fd, "remount " + m.target, errno);
      std::string npath = FdPath(nfd);
      if (mount(nullptr, npath.c_str(), nullptr, MS_BIND | MS_REMOUNT | extra | LockedFlags(npath),
                nullptr) != 0) {
        Fail(error_fd, "remount " + m.target + " read-only", errno);
      }
      close(nfd);
    }
    unsigned long propagation = m.flags & (MS_SHARED | MS_SLAVE | MS_PRIVATE);
    if (propagation != 0) {
      int nfd = ResolveInRoot(rootfd, m.target, false, m.file);
      if (nfd >= 0) {
        std::string npath = FdPath(nfd);
        if (mount(nullptr, npath.c_str(), nullptr, propagation | MS_REC, nullptr) != 0) {
          Fail(error_fd, "mount propagation of " + m.target, errno);
        }
        close(nfd);
      }
    }
  } else if (mount(m.source.c_str(), target.c_str(), m.type.c_str(), m.flags,
                   m.data.empty() ? nullptr : m.data.c_str()) != 0) {
    Fail(error_fd, "mount " + m.type + " on " + m.target, errno);
  }
  close(fd);
}

void MakeDevices(int rootfd, const ContainerSpec& spec, int error_fd) {
  for (const DeviceSpec& dev : spec.devices) {
    std::string dir = dev.path.substr(0, dev.path.rfind('/'));
    std::string name = dev.path.substr(dev.path.rfind('/') + 1);
    int dfd = ResolveInRoot(rootfd, dir, true, false);
    if (dfd < 0) Fail(error_fd, "device " + dev.path, errno);
    if (mknodat(dfd, name.c_str(), S_IFCHR | dev.mode, makedev(dev.major, dev.minor)) != 0 &&
        errno != EEXIST) {
      Fail(error_fd, "mknod " + dev.path, errno);
    }
    // mknod applies the umask; the mode must be exact.
    if (fchmodat(dfd, name.c_str(), dev.mode, 0) != 0) Fail(error_fd, "chmod " + dev.path, errno);
    close(dfd);
  }
  if (spec.devices.empty()) return;
  static const char* const kLinks[][2] = {
      {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
      {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},         {"core", "/proc/kcore"}};
  int dfd = ResolveInRoot(rootfd, "/dev", true, false);
  if (dfd < 0) Fail(error_fd, "/dev", errno);
  for (const auto& link : kLinks) {
    if (symlinkat(link[1], dfd, link[0]) != 0 && errno != EEXIST) {
      Fail(error_fd, std::string("symlink /dev/") + link[0], errno);
    }
  }
  close(dfd);
}

void MaskPaths(int rootfd, const ContainerSpec& spec, int error_fd) {
  for (const std::string& path : spec.masked_paths) {
    int fd = ResolveInRoot(rootfd, path, false, false);
    if (fd < 0) {
      if (errno == ENOENT) continue;
      Fail(error_fd, "mask " + path, errno);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) Fail(error_fd, "mask " + path, errno);
    std::string target = FdPath(fd);
    int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", target.c_str(), "tmpfs", MS_RDONLY, nullptr)
                                 : mount("/dev/null", target.c_str(), nullptr, MS_BIND, nullptr);
    if (rc != 0) Fail(error_fd, "mask " + path, errno);
    close(fd);
  }
  for (const std::string& path : spec.readonly_paths) {
    int fd = ResolveInRoot(rootfd, path, false, false);
    if (fd < 0) {
      if (errno == ENOENT) continue;
      Fail(error_fd, "read-only " + path, errno);
    }
    std::string target = FdPath(fd);
    if (mount(target.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      Fail(error_fd, "read-only " + path, errno);
    }
    close(fd);
    fd = ResolveInRoot(rootfd, path, false, false);
    if (fd < 0) Fail(error_fd, "read-only " + path, errno);
    target = FdPath(fd);
    if (mount(nullptr, target.c_str(), nullptr,
              MS_BIND | MS_REMOUNT | MS_RDONLY | LockedFlags(target), nullptr) != 0) {
      Fail(error_fd, "read-only " + path, errno);
    }
    close(fd);
  }
}

void MkdirAll(const std::string& path) {
  std::string sub;
  for (const std::string& part : PathComponents(path)) {
    sub += "/" + part;
    mkdir(sub.c_str(), 0755);
  }
}

void JoinCgroups(const ContainerSpec& spec, int error_fd) {
  for (const std::string& procs : spec.cgroup_procs) {
    if (!WriteString(procs, "0")) Fail(error_fd, "joining cgroup " + procs, errno);
  }
}

void InstallSeccomp(const std::string& prog, int error_fd) {
  sock_fprog fprog{};
  fprog.len = static_cast<unsigned short>(prog.size() / sizeof(sock_filter));
  fprog.filter = reinterpret_cast<sock_filter*>(const_cast<char*>(prog.data()));
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) != 0) {
    Fail(error_fd, "installing the seccomp profile", errno);
  }
}

// User, groups, capabilities, no_new_privs and seccomp, in the order that keeps each step
// permitted: the bounding set is dropped while still root with CAP_SETPCAP; seccomp goes first
// when no_new_privs is off (installing it then needs CAP_SYS_ADMIN) and last otherwise.
void DropPrivileges(const ContainerSpec& spec, const std::string& seccomp, int error_fd) {
  if (!seccomp.empty() && !spec.no_new_privs) InstallSeccomp(seccomp, error_fd);
  // A capability this process lacks cannot be given (here: no CAP_SYS_RESOURCE in some VMs);
  // like runc, grant what the environment has rather than fail a privileged container.
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct current[2]{};
  if (syscall(SYS_capget, &header, current) != 0) Fail(error_fd, "capget", errno);
  uint64_t available = current[0].permitted | (uint64_t{current[1].permitted} << 32);
  const uint64_t caps = spec.capabilities & available;
  for (int cap = 0; cap < 64; ++cap) {
    if (caps & (uint64_t{1} << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) break;  // past the kernel's last capability
      Fail(error_fd, "dropping capability " + std::to_string(cap), errno);
    }
  }
  std::vector<gid_t> groups(spec.groups.begin(), spec.groups.end());
  if (setgroups(groups.size(), groups.data()) != 0) Fail(error_fd, "setgroups", errno);
  if (setresgid(spec.gid, spec.gid, spec.gid) != 0) Fail(error_fd, "setgid", errno);
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) Fail(error_fd, "keepcaps", errno);
  if (setresuid(spec.uid, spec.uid, spec.uid) != 0) Fail(error_fd, "setuid", errno);
  prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  __user_cap_data_struct data[2]{};
  for (int i = 0; i < 2; ++i) {
    uint32_t bits = static_cast<uint32_t>(caps >> (32 * i));
    data[i].effective = bits;
    data[i].permitted = bits;
    data[i].inheritable = 0;
  }
  if (syscall(SYS_capset, &header, data) != 0) Fail(error_fd, "capset", errno);
  if (spec.no_new_privs) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) Fail(error_fd, "no_new_privs", errno);
    if (!seccomp.empty()) InstallSeccomp(seccomp, error_fd);
  }
}

std::string EnvValue(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& kv : env) {
    if (kv.size() > key.size() && kv.compare(0, key.size(), key) == 0 && kv[key.size()] == '=') {
      return kv.substr(key.size() + 1);
    }
  }
  return "";
}

// execve with the container's PATH; the messages follow runc's, which users know from
// `kubectl describe` of a container that failed to start.
[[noreturn]] void Exec(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                       int error_fd) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const std::string& name = argv[0];
  if (name.find('/') != std::string::npos) {
    execve(name.c_str(), args.data(), envp.data());
    int err = errno;
    if (err == ENOENT)
      Fail(error_fd, "exec: \"" + name + "\": stat " + name + ": no such file or directory", 0);
    Fail(error_fd, "exec: \"" + name + "\"", err);
  }
  std::string path = EnvValue(env, "PATH");
  if (path.empty()) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  int last_error = ENOENT;
  for (const std::string& dir : PathComponents(path)) {
    std::string candidate = "/" + dir + "/" + name;
    // Components() strips the leading slash; PATH entries are absolute in practice.
    struct stat st;
    if (stat(candidate.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    execve(candidate.c_str(), args.data(), envp.data());
    last_error = errno;
  }
  if (last_error == ENOENT) {
    Fail(error_fd, "exec: \"" + name + "\": executable file not found in $PATH", 0);
  }
  Fail(error_fd, "exec: \"" + name + "\"", last_error);
}

void SetupStdio(int in, int out, int err, int error_fd) {
  if (in < 0) {
    in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in < 0) Fail(error_fd, "/dev/null", errno);
  }
  // dup2 onto the same number keeps close-on-exec; dup to a spare first so 0..2 are clean.
  int fds[3] = {in, out, err};
  for (int& fd : fds) {
    fd = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    if (fd < 0) Fail(error_fd, "stdio", errno);
  }
  for (int i = 0; i < 3; ++i) {
    if (dup2(fds[i], i) < 0) Fail(error_fd, "stdio", errno);
  }
}

}  // namespace

void ContainerInit(const ContainerSpec& spec, const std::string& seccomp, int stdout_fd,
                   int stderr_fd, int error_fd) {
  JoinCgroups(spec, error_fd);
  if (!WriteString("/proc/self/oom_score_adj", std::to_string(spec.oom_score_adj))) {
    Fail(error_fd, "oom_score_adj", errno);
  }
  SetupStdio(-1, stdout_fd, stderr_fd, error_fd);
  // Nothing mounted from here on may reach the host's mount table.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
    Fail(error_fd, "making / a slave mount", errno);
  }
  int rootfd = open(spec.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) Fail(error_fd, "rootfs " + spec.rootfs, errno);
  for (const MountSpec& m : spec.mounts) DoMount(rootfd, m, error_fd);
  MakeDevices(rootfd, spec, error_fd);
  MaskPaths(rootfd, spec, error_fd);
  if (chdir(spec.rootfs.c_str()) != 0) Fail(error_fd, "chdir rootfs", errno);
  // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the
  // container's tree, without a put_old directory in the image.
  if (syscall(SYS_pivot_root, ".", ".") != 0) Fail(error_fd, "pivot_root", errno);
  if (umount2(".", MNT_DETACH) != 0) Fail(error_fd, "detaching the old root", errno);
  if (chdir("/") != 0) Fail(error_fd, "chdir /", errno);
  if (spec.readonly_rootfs &&
      mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
    Fail(error_fd, "read-only root filesystem", errno);
  }
  MkdirAll(spec.cwd);
  if (chdir(spec.cwd.c_str()) != 0)
    Fail(error_fd, "chdir to the working directory " + spec.cwd, errno);
  DropPrivileges(spec, seccomp, error_fd);
  syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  Exec(spec.argv, spec.env, error_fd);
}

void ExecInContainer(const ContainerSpec& spec, const std::string& seccomp, int container_pid,
                     const std::vector<std::string>& argv, int stdin_fd, int stdout_fd,
                     int stderr_fd, int error_fd) {
  // The cgroup files are host paths: join before entering the container's mount namespace.
  JoinCgroups(spec, error_fd);
  std::string ns = "/proc/" + std::to_string(container_pid) + "/ns/";
  // The pod's net/ipc/uts namespaces are the supervisor's already; mnt and pid are the
  // container's own. The pid namespace applies to children, hence the fork below.
  for (const char* kind : {"pid", "mnt"}) {
    int fd = open((ns + kind).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      Fail(error_fd, std::string("opening the container's ") + kind + " namespace", errno);
    if (setns(fd, 0) != 0)
      Fail(error_fd, std::string("joining the container's ") + kind + " namespace", errno);
    close(fd);
  }
  pid_t child = fork();
  if (child < 0) Fail(error_fd, "fork", errno);
  if (child == 0) {
    SetupStdio(stdin_fd, stdout_fd, stderr_fd, error_fd);
    if (chdir(spec.cwd.c_str()) != 0 && chdir("/") != 0) Fail(error_fd, "chdir", errno);
    DropPrivileges(spec, seccomp, error_fd);
    // When the waiting parent is killed (the exec's caller gave up), take the process along.
    // Set after the uid change, which clears it.
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    Exec(argv, spec.env, error_fd);
  }
  close(error_fd);
  close(stdin_fd);
  close(stdout_fd);
  close(stderr_fd);
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) _exit(126);
  }
  if (WIFSIGNALED(status)) _exit(128 + WTERMSIG(status));
  _exit(WEXITSTATUS(status));
}

}  // namespace cubelet::runtime::supervisor
