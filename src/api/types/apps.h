// apps/v1 Deployment and ReplicaSet.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/types/meta.h"
#include "api/types/pod.h"

namespace cubelet::api {

struct RollingUpdateDeployment {
  std::optional<IntOrString> max_unavailable;
  std::optional<IntOrString> max_surge;
  bool operator==(const RollingUpdateDeployment&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("maxUnavailable", s.max_unavailable);
    v("maxSurge", s.max_surge);
  }
};

struct DeploymentStrategy {
  std::string type;
  std::optional<RollingUpdateDeployment> rolling_update;
  bool operator==(const DeploymentStrategy&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("type", s.type);
    v("rollingUpdate", s.rolling_update);
  }
};

struct DeploymentSpec {
  std::optional<int32_t> replicas;
  std::optional<LabelSelector> selector;
  PodTemplateSpec template_;
  DeploymentStrategy strategy;
  int32_t min_ready_seconds = 0;
  std::optional<int32_t> revision_history_limit;
  bool paused = false;
  std::optional<int32_t> progress_deadline_seconds;
  bool operator==(const DeploymentSpec&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("replicas", s.replicas);
    v("selector", s.selector);
    v("template", s.template_);
    v("strategy", s.strategy);
    v("minReadySeconds", s.min_ready_seconds);
    v("revisionHistoryLimit", s.revision_history_limit);
    v("paused", s.paused);
    v("progressDeadlineSeconds", s.progress_deadline_seconds);
  }
};

struct DeploymentCondition {
  std::string type;
  std::string status;
  Time last_update_time;
  Time last_transition_time;
  std::string reason;
  std::string message;
  bool operator==(const DeploymentCondition&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("type", s.type, kAlways);
    v("status", s.status, kAlways);
    v("lastUpdateTime", s.last_update_time);
    v("lastTransitionTime", s.last_transition_time);
    v("reason", s.reason);
    v("message", s.message);
  }
};

struct ReplicaSetCondition {
  std::string type;
  std::string status;
  Time last_transition_time;
  std::string reason;
  std::string message;
  bool operator==(const ReplicaSetCondition&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("type", s.type, kAlways);
    v("status", s.status, kAlways);
    v("lastTransitionTime", s.last_transition_time);
    v("reason", s.reason);
    v("message", s.message);
  }
};

struct DeploymentStatus {
  int64_t observed_generation = 0;
  int32_t replicas = 0;
  int32_t updated_replicas = 0;
  int32_t ready_replicas = 0;
  int32_t available_replicas = 0;
  int32_t unavailable_replicas = 0;
  std::optional<int32_t> terminating_replicas;
  std::vector<DeploymentCondition> conditions;
  std::optional<int32_t> collision_count;
  bool operator==(const DeploymentStatus&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("observedGeneration", s.observed_generation);
    v("replicas", s.replicas);
    v("updatedReplicas", s.updated_replicas);
    v("readyReplicas", s.ready_replicas);
    v("availableReplicas", s.available_replicas);
    v("unavailableReplicas", s.unavailable_replicas);
    v("terminatingReplicas", s.terminating_replicas);
    v("conditions", s.conditions);
    v("collisionCount", s.collision_count);
  }
};

struct Deployment {
  std::string kind = "Deployment";
  std::string api_version = "apps/v1";
  ObjectMeta metadata;
  DeploymentSpec spec;
  DeploymentStatus status;
  bool operator==(const Deployment&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("kind", s.kind);
    v("apiVersion", s.api_version);
    v("metadata", s.metadata);
    v("spec", s.spec);
    v("status", s.status);
  }
};

struct ReplicaSetSpec {
  std::optional<int32_t> replicas;
  int32_t min_ready_seconds = 0;
  std::optional<LabelSelector> selector;
  PodTemplateSpec template_;
  bool operator==(const ReplicaSetSpec&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("replicas", s.replicas);
    v("minReadySeconds", s.min_ready_seconds);
    v("selector", s.selector);
    v("template", s.template_);
  }
};

struct ReplicaSetStatus {
  int32_t replicas = 0;
  int32_t fully_labeled_replicas = 0;
  int32_t ready_replicas = 0;
  int32_t available_replicas = 0;
  std::optional<int32_t> terminating_replicas;
  int64_t observed_generation = 0;
  std::vector<ReplicaSetCondition> conditions;
  bool operator==(const ReplicaSetStatus&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("replicas", s.replicas, kAlways);
    v("fullyLabeledReplicas", s.fully_labeled_replicas);
    v("readyReplicas", s.ready_replicas);
    v("availableReplicas", s.available_replicas);
    v("terminatingReplicas", s.terminating_replicas);
    v("observedGeneration", s.observed_generation);
    v("conditions", s.conditions);
  }
};

struct ReplicaSet {
  std::string kind = "ReplicaSet";
  std::string api_version = "apps/v1";
  ObjectMeta metadata;
  ReplicaSetSpec spec;
  ReplicaSetStatus status;
  bool operator==(const ReplicaSet&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("kind", s.kind);
    v("apiVersion", s.api_version);
    v("metadata", s.metadata);
    v("spec", s.spec);
    v("status", s.status);
  }
};

}  // namespace cubelet::api
