// coordination.k8s.io/v1 Lease (pkg/apis/coordination/validation/validation.go).
#include "api/validation/validation.h"

namespace cubelet::api::validation {
namespace {

// The only strategy Kubernetes defines; others must be domain-prefixed ("example.com/mine").
constexpr std::string_view kOldestEmulationVersion = "OldestEmulationVersion";

// Kubernetes reports strategy errors one level too deep ("spec.strategy.strategy"); the path is
// kept because clients match on it.
FieldErrors ValidateCoordinatedLeaseStrategy(const std::string& strategy, const FieldPath& path) {
  const FieldPath bad = path.Child("strategy");
  if (strategy.find('/') == std::string::npos) {
    if (strategy == kOldestEmulationVersion) return {};
    return {NotSupported(bad, strategy, {kOldestEmulationVersion})};
  }
  return ValidateQualifiedName(strategy, bad);
}

}  // namespace

FieldErrors ValidateLease(const Lease& lease) {
  FieldErrors errs =
      ValidateObjectMeta(lease.metadata, true, NameIsDNSSubdomain, FieldPath("metadata"));
  const LeaseSpec& spec = lease.spec;
  const FieldPath path("spec");
  // A lease lasting no time could be taken over the moment it is renewed.
  if (spec.lease_duration_seconds && *spec.lease_duration_seconds <= 0) {
    errs.push_back(InvalidInt(path.Child("leaseDurationSeconds"), *spec.lease_duration_seconds,
                              "must be greater than 0"));
  }
  if (spec.lease_transitions) {
    Append(errs, ValidateNonnegative(*spec.lease_transitions, path.Child("leaseTransitions")));
  }
  if (spec.strategy) {
    Append(errs, ValidateCoordinatedLeaseStrategy(*spec.strategy, path.Child("strategy")));
  }
  // A preferred holder only means something to a coordinated election.
  const bool has_strategy = spec.strategy && !spec.strategy->empty();
  if (spec.preferred_holder && !spec.preferred_holder->empty() && !has_strategy) {
    errs.push_back(
        Forbidden(path.Child("preferredHolder"), "may only be specified if `strategy` is defined"));
  }
  // acquireTime and renewTime are any instants: nothing to check.
  return errs;
}

}  // namespace cubelet::api::validation
