// The security part of a container's setup, computed in the server: the capability set and
// the compiled seccomp filter. The supervisor only applies the results (capset/prctl and
// PR_SET_SECCOMP with the bytes), so it needs neither libseccomp nor the profile tables.
//
// Private to the runtime module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "runtime/runtime.h"

namespace cubelet::runtime {

// ---- Capabilities --------------------------------------------------------------------------

// The capability number of "NET_ADMIN" or "CAP_NET_ADMIN", case-insensitive; nullopt for an
// unknown name (and for "ALL", which is not a capability).
std::optional<int> CapabilityByName(std::string_view name);
// "CAP_NET_ADMIN"; "CAP_<n>" for a number newer than this build knows.
std::string CapabilityName(int cap);
// The highest capability the running kernel knows (/proc/sys/kernel/cap_last_cap), or the
// one of the headers this was built with when that file cannot be read. At most 63.
int LastCapability();
// containerd's (and Docker's) default set of 14 capabilities, as a bit mask (bit n = cap n).
uint64_t DefaultCapabilities();
// The capability set of a container with Kubernetes/containerd semantics: privileged gets
// every capability 0..last_cap; otherwise the default set, then "ALL" in add, then "ALL" in
// drop, then the named adds, then the named drops (so a named drop beats a named add, and
// drop ALL + add X is exactly X). Unknown names are Invalid.
base::Result<uint64_t> ComputeCapabilities(const SecurityConfig& sc, int last_cap);

// ---- Seccomp -------------------------------------------------------------------------------

// containerd's RuntimeDefault profile (moby's default profile) for the host architecture with
// its rules conditional on capabilities evaluated against `caps`, compiled by libseccomp into
// classic BPF: the bytes of a struct sock_filter array, for prctl(PR_SET_SECCOMP,
// SECCOMP_MODE_FILTER). Syscalls the installed libseccomp cannot name are left out (they get
// the default EPERM), as containerd/runc do.
base::Result<std::string> CompileRuntimeDefaultSeccomp(uint64_t caps);

// The profile as data, for seccomp.cc (the table lives in seccomp_profile.cc).
namespace seccomp_profile {

enum class Op { kEq, kLt, kMaskedEq };

// As in OCI/libseccomp: kMaskedEq holds when (arg & value) == value_two.
struct Arg {
  unsigned index = 0;
  Op op = Op::kEq;
  uint64_t value = 0;
  uint64_t value_two = 0;
};

// One rule of the profile, with moby's includes/excludes conditions. Arch names are Go's
// (runtime.GOARCH: "amd64", "arm64", ...) because the profile is written in them.
struct Rule {
  std::vector<std::string_view> names;
  // 0: allow; otherwise fail with this errno.
  int errno_ret = 0;
  std::vector<Arg> args;
  std::vector<std::string_view> include_arches;  // empty: every arch
  std::vector<std::string_view> exclude_arches;
  int include_cap = -1;  // -1: none; otherwise only when the container has it
  int exclude_cap = -1;  // -1: none; otherwise only when the container lacks it
  // Only on kernels at least this version (major, minor); {0, 0}: any.
  int min_kernel_major = 0;
  int min_kernel_minor = 0;
};

// The rules in the profile's order; the default action is ERRNO(EPERM).
const std::vector<Rule>& RuntimeDefaultRules();

}  // namespace seccomp_profile

}  // namespace cubelet::runtime
