#include <array>
#include <cctype>
#include <fstream>
#include <linux/capability.h>
#include <string>

#include "runtime/security.h"

namespace cubelet::runtime {
namespace {

// Indexed by capability number (linux/capability.h), without the "CAP_" prefix.
constexpr std::array<std::string_view, 41> kCapabilityNames = {
    "CHOWN",              // 0
    "DAC_OVERRIDE",       // 1
    "DAC_READ_SEARCH",    // 2
    "FOWNER",             // 3
    "FSETID",             // 4
    "KILL",               // 5
    "SETGID",             // 6
    "SETUID",             // 7
    "SETPCAP",            // 8
    "LINUX_IMMUTABLE",    // 9
    "NET_BIND_SERVICE",   // 10
    "NET_BROADCAST",      // 11
    "NET_ADMIN",          // 12
    "NET_RAW",            // 13
    "IPC_LOCK",           // 14
    "IPC_OWNER",          // 15
    "SYS_MODULE",         // 16
    "SYS_RAWIO",          // 17
    "SYS_CHROOT",         // 18
    "SYS_PTRACE",         // 19
    "SYS_PACCT",          // 20
    "SYS_ADMIN",          // 21
    "SYS_BOOT",           // 22
    "SYS_NICE",           // 23
    "SYS_RESOURCE",       // 24
    "SYS_TIME",           // 25
    "SYS_TTY_CONFIG",     // 26
    "MKNOD",              // 27
    "LEASE",              // 28
    "AUDIT_WRITE",        // 29
    "AUDIT_CONTROL",      // 30
    "SETFCAP",            // 31
    "MAC_OVERRIDE",       // 32
    "MAC_ADMIN",          // 33
    "SYSLOG",             // 34
    "WAKE_ALARM",         // 35
    "BLOCK_SUSPEND",      // 36
    "AUDIT_READ",         // 37
    "PERFMON",            // 38
    "BPF",                // 39
    "CHECKPOINT_RESTORE"  // 40
};

// A set is a uint64_t, so a kernel with more than 64 capabilities is cut at 63.
constexpr int kMaxRepresentable = 63;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool IsAll(std::string_view name) { return EqualsIgnoreCase(name, "ALL"); }

uint64_t Bit(int cap) { return uint64_t{1} << cap; }

uint64_t AllUpTo(int last_cap) {
  if (last_cap < 0) return 0;
  if (last_cap >= kMaxRepresentable) return ~uint64_t{0};
  return Bit(last_cap + 1) - 1;
}

// Resolves every name of `names` except "ALL"; `field` names the list in the error.
base::Result<uint64_t> NamedCapabilities(const std::vector<std::string>& names,
                                         std::string_view field) {
  uint64_t set = 0;
  for (const std::string& name : names) {
    if (IsAll(name)) continue;
    std::optional<int> cap = CapabilityByName(name);
    if (!cap) {
      return base::InvalidError("unknown capability \"{}\" in securityContext.capabilities.{}",
                                name, field);
    }
    set |= Bit(*cap);
  }
  return set;
}

bool ContainsAll(const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (IsAll(name)) return true;
  }
  return false;
}

}  // namespace

std::optional<int> CapabilityByName(std::string_view name) {
  // Kubernetes writes "NET_ADMIN" while OCI specs write "CAP_NET_ADMIN"; users mix both.
  if (name.size() > 4 && EqualsIgnoreCase(name.substr(0, 4), "CAP_")) name.remove_prefix(4);
  for (size_t cap = 0; cap < kCapabilityNames.size(); ++cap) {
    if (EqualsIgnoreCase(name, kCapabilityNames[cap])) return static_cast<int>(cap);
  }
  return std::nullopt;
}

std::string CapabilityName(int cap) {
  if (cap >= 0 && static_cast<size_t>(cap) < kCapabilityNames.size()) {
    return "CAP_" + std::string(kCapabilityNames[cap]);
  }
  return "CAP_" + std::to_string(cap);
}

int LastCapability() {
  // The kernel may be newer or older than the headers; what it reports is what capset and
  // PR_CAPBSET_DROP accept.
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int last = -1;
  if (!(in >> last) || last < 0) last = CAP_LAST_CAP;
  return last > kMaxRepresentable ? kMaxRepresentable : last;
}

uint64_t DefaultCapabilities() {
  return Bit(CAP_CHOWN) | Bit(CAP_DAC_OVERRIDE) | Bit(CAP_FSETID) | Bit(CAP_FOWNER) |
         Bit(CAP_MKNOD) | Bit(CAP_NET_RAW) | Bit(CAP_SETGID) | Bit(CAP_SETUID) | Bit(CAP_SETFCAP) |
         Bit(CAP_SETPCAP) | Bit(CAP_NET_BIND_SERVICE) | Bit(CAP_SYS_CHROOT) | Bit(CAP_KILL) |
         Bit(CAP_AUDIT_WRITE);
}

base::Result<uint64_t> ComputeCapabilities(const SecurityConfig& sc, int last_cap) {
  const uint64_t all = AllUpTo(last_cap);
  // containerd gives a privileged container every capability and ignores add/drop.
  if (sc.privileged) return all;

  ASSIGN_OR_RETURN(uint64_t added, NamedCapabilities(sc.add_capabilities, "add"));
  ASSIGN_OR_RETURN(uint64_t dropped, NamedCapabilities(sc.drop_capabilities, "drop"));

  // containerd's order: the ALLs first so that named entries still act on top of them (add ALL
  // + drop CHOWN is everything but CHOWN; drop ALL + add NET_ADMIN is NET_ADMIN alone), then
  // the named adds, then the named drops, so naming one capability in both lists drops it.
  uint64_t caps = DefaultCapabilities();
  if (ContainsAll(sc.add_capabilities)) caps = all;
  if (ContainsAll(sc.drop_capabilities)) caps = 0;
  caps |= added;
  caps &= ~dropped;
  // A capability this kernel does not have cannot be granted; runc skips those too.
  return caps & all;
}

}  // namespace cubelet::runtime
