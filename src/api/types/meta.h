// Object metadata shared by every kind (k8s.io/apimachinery/pkg/apis/meta/v1), and the Status
// kind the API returns for errors.
//
// Conventions for every API struct in src/api/types/:
// - Fields mirror the Go types in order and JSON name; optional Go pointers are std::optional,
//   enums are strings (validation rejects unsupported values with Kubernetes' message).
// - `Fields(v, self)` lists each field once for the codecs; a field marked kAlways is encoded
//   even when empty (Go fields without omitempty), all others are omitted when empty. Structs
//   are never omitted, matching Go's encoding/json ("resources: {}", "status: {}").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/types/values.h"

namespace cubelet::api {

// Flags for Fields(): encode even when empty.
inline constexpr unsigned kAlways = 1;

using StringMap = std::map<std::string, std::string>;

struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  std::optional<bool> controller;
  std::optional<bool> block_owner_deletion;
  bool operator==(const OwnerReference&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("apiVersion", s.api_version, kAlways);
    v("kind", s.kind, kAlways);
    v("name", s.name, kAlways);
    v("uid", s.uid, kAlways);
    v("controller", s.controller);
    v("blockOwnerDeletion", s.block_owner_deletion);
  }
};

struct ObjectMeta {
  std::string name;
  std::string generate_name;
  std::string namespace_;
  std::string self_link;
  std::string uid;
  std::string resource_version;
  int64_t generation = 0;
  Time creation_timestamp;
  std::optional<Time> deletion_timestamp;
  std::optional<int64_t> deletion_grace_period_seconds;
  StringMap labels;
  StringMap annotations;
  std::vector<OwnerReference> owner_references;
  std::vector<std::string> finalizers;
  std::vector<RawJson> managed_fields;
  bool operator==(const ObjectMeta&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name);
    v("generateName", s.generate_name);
    v("namespace", s.namespace_);
    v("selfLink", s.self_link);
    v("uid", s.uid);
    v("resourceVersion", s.resource_version);
    v("generation", s.generation);
    v("creationTimestamp", s.creation_timestamp);
    v("deletionTimestamp", s.deletion_timestamp);
    v("deletionGracePeriodSeconds", s.deletion_grace_period_seconds);
    v("labels", s.labels);
    v("annotations", s.annotations);
    v("ownerReferences", s.owner_references);
    v("finalizers", s.finalizers);
    v("managedFields", s.managed_fields);
  }
};

struct ListMeta {
  std::string self_link;
  std::string resource_version;
  std::string continue_;
  std::optional<int64_t> remaining_item_count;
  bool operator==(const ListMeta&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("selfLink", s.self_link);
    v("resourceVersion", s.resource_version);
    v("continue", s.continue_);
    v("remainingItemCount", s.remaining_item_count);
  }
};

struct LabelSelectorRequirement {
  std::string key;
  std::string operator_;
  std::vector<std::string> values;
  bool operator==(const LabelSelectorRequirement&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("key", s.key, kAlways);
    v("operator", s.operator_, kAlways);
    v("values", s.values);
  }
};

struct LabelSelector {
  StringMap match_labels;
  std::vector<LabelSelectorRequirement> match_expressions;
  bool operator==(const LabelSelector&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("matchLabels", s.match_labels);
    v("matchExpressions", s.match_expressions);
  }
};

// corev1.ObjectReference (also used by Events and Endpoints).
struct ObjectReference {
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string api_version;
  std::string resource_version;
  std::string field_path;
  bool operator==(const ObjectReference&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("kind", s.kind);
    v("namespace", s.namespace_);
    v("name", s.name);
    v("uid", s.uid);
    v("apiVersion", s.api_version);
    v("resourceVersion", s.resource_version);
    v("fieldPath", s.field_path);
  }
};

struct LocalObjectReference {
  std::string name;
  bool operator==(const LocalObjectReference&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name);
  }
};

struct StatusCauseDetail {
  std::string reason;
  std::string message;
  std::string field;
  bool operator==(const StatusCauseDetail&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("reason", s.reason);
    v("message", s.message);
    v("field", s.field);
  }
};

struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;
  std::string uid;
  std::vector<StatusCauseDetail> causes;
  int32_t retry_after_seconds = 0;
  bool operator==(const StatusDetails&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name);
    v("group", s.group);
    v("kind", s.kind);
    v("uid", s.uid);
    v("causes", s.causes);
    v("retryAfterSeconds", s.retry_after_seconds);
  }
};

// The Status kind ("kind: Status"): how the API reports a failure (and some successes).
struct StatusObject {
  std::string kind = "Status";
  std::string api_version = "v1";
  ListMeta metadata;
  std::string status;  // "Success" or "Failure"
  std::string message;
  std::string reason;  // "NotFound", "AlreadyExists", "Invalid", ...
  std::optional<StatusDetails> details;
  int32_t code = 0;
  bool operator==(const StatusObject&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("kind", s.kind);
    v("apiVersion", s.api_version);
    v("metadata", s.metadata);
    v("status", s.status);
    v("message", s.message);
    v("reason", s.reason);
    v("details", s.details);
    v("code", s.code);
  }
};

// Every list kind ("PodList", ...): items of one kind plus ListMeta.
template <class T>
struct List {
  std::string kind;
  std::string api_version;
  ListMeta metadata;
  std::vector<T> items;
  bool operator==(const List&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("kind", s.kind);
    v("apiVersion", s.api_version);
    v("metadata", s.metadata);
    v("items", s.items, kAlways);
  }
};

}  // namespace cubelet::api
