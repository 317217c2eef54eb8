// coordination.k8s.io/v1 Lease: a named, renewable claim. The node agent heartbeats through the
// Lease named after its node in kube-node-lease, as the kubelet does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api/types/meta.h"

namespace cubelet::api {

// Every field is a pointer in Go, so "set to the zero value" and "unset" differ: validation
// rejects leaseDurationSeconds: 0 but not a missing one, and holderIdentity: "" round-trips.
struct LeaseSpec {
  std::optional<std::string> holder_identity;
  std::optional<int32_t> lease_duration_seconds;
  std::optional<MicroTime> acquire_time;
  std::optional<MicroTime> renew_time;
  std::optional<int32_t> lease_transitions;
  // Coordinated leader election (CoordinatedLeaderElection feature): "OldestEmulationVersion"
  // or a domain-prefixed custom strategy.
  std::optional<std::string> strategy;
  std::optional<std::string> preferred_holder;
  bool operator==(const LeaseSpec&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("holderIdentity", s.holder_identity);
    v("leaseDurationSeconds", s.lease_duration_seconds);
    v("acquireTime", s.acquire_time);
    v("renewTime", s.renew_time);
    v("leaseTransitions", s.lease_transitions);
    v("strategy", s.strategy);
    v("preferredHolder", s.preferred_holder);
  }
};

struct Lease {
  std::string kind = "Lease";
  std::string api_version = "coordination.k8s.io/v1";
  ObjectMeta metadata;
  LeaseSpec spec;
  bool operator==(const Lease&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("kind", s.kind);
    v("apiVersion", s.api_version);
    v("metadata", s.metadata);
    v("spec", s.spec);
  }
};

}  // namespace cubelet::api
