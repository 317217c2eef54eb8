// Compiles the RuntimeDefault profile (seccomp_profile.cc) into classic BPF with libseccomp.
//
// The filter is compiled here, in the server, and handed to the supervisor as bytes: the
// supervisor stays free of libseccomp, and the profile is evaluated once against the
// container's final capability set, as containerd does when it writes the OCI spec.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>
#include <seccomp.h>

#include "runtime/security.h"

namespace cubelet::runtime {
namespace {

namespace sp = seccomp_profile;

struct ContextDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

struct HostArch {
  std::string_view go_name;     // how the profile's arch conditions name it
  std::vector<uint32_t> extra;  // the other ABIs the kernel runs natively
};

// A process can switch to a sibling ABI (int 0x80 or an x32 syscall on x86_64, AArch32 on
// arm64) whose syscall numbers differ; the filter must cover those too, or a container could
// call, say, keyctl through the 32-bit table. This is the architecture map of moby's profile.
HostArch HostArchitecture() {
  switch (seccomp_arch_native()) {
    case SCMP_ARCH_X86_64:
      return {"amd64", {SCMP_ARCH_X86, SCMP_ARCH_X32}};
    case SCMP_ARCH_AARCH64:
      return {"arm64", {SCMP_ARCH_ARM}};
    case SCMP_ARCH_MIPS64:
      return {"mips64", {SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64N32}};
    case SCMP_ARCH_MIPS64N32:
      return {"mips64", {SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64}};
    case SCMP_ARCH_MIPSEL64:
      return {"mips64le", {SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64N32}};
    case SCMP_ARCH_MIPSEL64N32:
      return {"mips64le", {SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64}};
    case SCMP_ARCH_S390X:
      return {"s390x", {SCMP_ARCH_S390}};
    case SCMP_ARCH_PPC64LE:
      return {"ppc64le", {}};
    case SCMP_ARCH_RISCV64:
      return {"riscv64", {}};
    case SCMP_ARCH_X86:
      return {"386", {}};
    case SCMP_ARCH_ARM:
      return {"arm", {}};
    default:
      return {"", {}};
  }
}

struct KernelVersion {
  int major = 0;
  int minor = 0;
};

std::optional<KernelVersion> RunningKernel() {
  struct utsname u {};
  if (uname(&u) != 0) return std::nullopt;
  KernelVersion v;
  if (std::sscanf(u.release, "%d.%d", &v.major, &v.minor) != 2) return std::nullopt;
  return v;
}

bool Contains(const std::vector<std::string_view>& list, std::string_view s) {
  for (std::string_view item : list) {
    if (item == s) return true;
  }
  return false;
}

bool HasCap(uint64_t caps, int cap) { return cap >= 0 && cap < 64 && (caps >> cap) & 1; }

// moby's includes/excludes: a rule applies when every include matches and no exclude does.
bool RuleApplies(const sp::Rule& rule, uint64_t caps, std::string_view arch,
                 const std::optional<KernelVersion>& kernel) {
  if (!rule.include_arches.empty() && !Contains(rule.include_arches, arch)) return false;
  if (!rule.exclude_arches.empty() && Contains(rule.exclude_arches, arch)) return false;
  if (rule.include_cap >= 0 && !HasCap(caps, rule.include_cap)) return false;
  if (rule.exclude_cap >= 0 && HasCap(caps, rule.exclude_cap)) return false;
  if (rule.min_kernel_major > 0) {
    // An unreadable kernel version leaves the rule out: the filter is then stricter, never
    // looser, than upstream's.
    if (!kernel) return false;
    if (kernel->major != rule.min_kernel_major) return kernel->major > rule.min_kernel_major;
    return kernel->minor >= rule.min_kernel_minor;
  }
  return true;
}

scmp_arg_cmp ToLibseccomp(const sp::Arg& arg) {
  scmp_compare op = SCMP_CMP_EQ;
  switch (arg.op) {
    case sp::Op::kEq:
      op = SCMP_CMP_EQ;
      break;
    case sp::Op::kLt:
      op = SCMP_CMP_LT;
      break;
    case sp::Op::kMaskedEq:
      op = SCMP_CMP_MASKED_EQ;
      break;
  }
  return scmp_arg_cmp{arg.index, op, arg.value, arg.value_two};
}

base::Status LibseccompError(int rc, std::string_view what) {
  return base::InternalError("seccomp: {}: {}", what, std::strerror(-rc));
}

#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
base::Result<std::string> ExportBpf(void* ctx) {
  size_t len = 0;
  int rc = seccomp_export_bpf_mem(ctx, nullptr, &len);
  if (rc < 0) return LibseccompError(rc, "export");
  std::string out(len, '\0');
  rc = seccomp_export_bpf_mem(ctx, out.data(), &len);
  if (rc < 0) return LibseccompError(rc, "export");
  out.resize(len);
  return out;
}
#else
// Before 2.6 libseccomp only exports to a file descriptor: an anonymous memory file, read back.
base::Result<std::string> ExportBpf(void* ctx) {
  int fd = memfd_create("cubelet-seccomp", MFD_CLOEXEC);
  if (fd < 0) return base::ErrnoError(errno, "seccomp: memfd_create");
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0) return LibseccompError(rc, "export");
  if (lseek(fd, 0, SEEK_SET) < 0) return base::ErrnoError(errno, "seccomp: lseek");
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::ErrnoError(errno, "seccomp: read exported filter");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}
#endif

}  // namespace

base::Result<std::string> CompileRuntimeDefaultSeccomp(uint64_t caps) {
  Context ctx(seccomp_init(SCMP_ACT_ERRNO(EPERM)));
  if (!ctx) return base::InternalError("seccomp: seccomp_init failed");

  const HostArch arch = HostArchitecture();
  for (uint32_t extra : arch.extra) {
    int rc = seccomp_arch_add(ctx.get(), extra);
    if (rc < 0 && rc != -EEXIST) return LibseccompError(rc, "add architecture");
  }

  const std::optional<KernelVersion> kernel = RunningKernel();
  for (const sp::Rule& rule : sp::RuntimeDefaultRules()) {
    if (!RuleApplies(rule, caps, arch.go_name, kernel)) continue;
    const uint32_t action = rule.errno_ret ? SCMP_ACT_ERRNO(rule.errno_ret) : SCMP_ACT_ALLOW;
    std::vector<scmp_arg_cmp> args;
    args.reserve(rule.args.size());
    for (const sp::Arg& arg : rule.args) args.push_back(ToLibseccomp(arg));
    for (std::string_view name : rule.names) {
      // A syscall newer than the installed libseccomp has no number to filter on; containerd
      // (through runc) skips it the same way, and it then gets the default EPERM.
      const int nr = seccomp_syscall_resolve_name(std::string(name).c_str());
      if (nr == __NR_SCMP_ERROR) continue;
      // The non-exact variant maps the syscall into every architecture of the filter (and
      // skips the ones that lack it), which is what one rule for all ABIs needs.
      int rc = seccomp_rule_add_array(ctx.get(), action, nr, static_cast<unsigned>(args.size()),
                                      args.data());
      if (rc < 0) return LibseccompError(rc, fmt::format("rule for {}", name));
    }
  }
  return ExportBpf(ctx.get());
}

}  // namespace cubelet::runtime
