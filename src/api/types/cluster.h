// core/v1 kinds around pods: Namespace, Node, Event, ConfigMap, Secret, ServiceAccount.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/types/container.h"
#include "api/types/meta.h"

namespace cubelet::api {

struct NamespaceSpec {
  std::vector<std::string> finalizers;
  bool operator==(const NamespaceSpec&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("finalizers", s.finalizers);
  }
};

struct NamespaceStatus {
  std::string phase;
  std::vector<RawJson> conditions;
  bool operator==(const NamespaceStatus&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("phase", s.phase);
    v("conditions", s.conditions);
  }
};

struct Namespace {
  std::string kind = "Namespace";
  std::string api_version = "v1";
  ObjectMeta metadata;
  NamespaceSpec spec;
  NamespaceStatus status;
  bool operator==(const Namespace&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("kind", s.kind);
    v("apiVersion", s.api_version);
    v("metadata", s.metadata);
    v("spec", s.spec);
    v("status", s.status);
  }
};

struct Taint {
  std::string key;
  std::string value;
  std::string effect;
  std::optional<Time> time_added;
  bool operator==(const Taint&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("key", s.key, kAlways);
    v("value", s.value);
    v("effect", s.effect, kAlways);
    v("timeAdded", s.time_added);
  }
};

struct NodeSpec {
  std::string pod_cidr;
  std::vector<std::string> pod_cidrs;
  std::string provider_id;
  bool unschedulable = false;
  std::vector<Taint> taints;
  bool operator==(const NodeSpec&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("podCIDR", s.pod_cidr);
    v("podCIDRs", s.pod_cidrs);
    v("providerID", s.provider_id);
    v("unschedulable", s.unschedulable);
    v("taints", s.taints);
  }
};

struct NodeCondition {
  std::string type;
  std::string status;
  Time last_heartbeat_time;
  Time last_transition_time;
  std::string reason;
  std::string message;
  bool operator==(const NodeCondition&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("type", s.type, kAlways);
    v("status", s.status, kAlways);
    v("lastHeartbeatTime", s.last_heartbeat_time);
    v("lastTransitionTime", s.last_transition_time);
    v("reason", s.reason);
    v("message", s.message);
  }
};

struct NodeAddress {
  std::string type;
  std::string address;
  bool operator==(const NodeAddress&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("type", s.type, kAlways);
    v("address", s.address, kAlways);
  }
};

struct DaemonEndpoint {
  int32_t port = 0;
  bool operator==(const DaemonEndpoint&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("Port", s.port, kAlways);
  }
};

struct NodeDaemonEndpoints {
  DaemonEndpoint kubelet_endpoint;
  bool operator==(const NodeDaemonEndpoints&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("kubeletEndpoint", s.kubelet_endpoint);
  }
};

struct NodeSystemInfo {
  std::string machine_id;
  std::string system_uuid;
  std::string boot_id;
  std::string kernel_version;
  std::string os_image;
  std::string container_runtime_version;
  std::string kubelet_version;
  std::string kube_proxy_version;
  std::string operating_system;
  std::string architecture;
  bool operator==(const NodeSystemInfo&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("machineID", s.machine_id, kAlways);
    v("systemUUID", s.system_uuid, kAlways);
    v("bootID", s.boot_id, kAlways);
    v("kernelVersion", s.kernel_version, kAlways);
    v("osImage", s.os_image, kAlways);
    v("containerRuntimeVersion", s.container_runtime_version, kAlways);
    v("kubeletVersion", s.kubelet_version, kAlways);
    v("kubeProxyVersion", s.kube_proxy_version, kAlways);
    v("operatingSystem", s.operating_system, kAlways);
    v("architecture", s.architecture, kAlways);
  }
};

struct ContainerImage {
  std::vector<std::string> names;
  int64_t size_bytes = 0;
  bool operator==(const ContainerImage&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("names", s.names);
    v("sizeBytes", s.size_bytes);
  }
};

struct NodeStatus {
  ResourceList capacity;
  ResourceList allocatable;
  std::string phase;
  std::vector<NodeCondition> conditions;
  std::vector<NodeAddress> addresses;
  NodeDaemonEndpoints daemon_endpoints;
  NodeSystemInfo node_info;
  std::vector<ContainerImage> images;
  bool operator==(const NodeStatus&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("capacity", s.capacity);
    v("allocatable", s.allocatable);
    v("phase", s.phase);
    v("conditions", s.conditions);
    v("addresses", s.addresses);
    v("daemonEndpoints", s.daemon_endpoints);
    v("nodeInfo", s.node_info);
    v("images", s.images);
  }
};

struct Node {
  std::string kind = "Node";
  std::string api_version = "v1";
  ObjectMeta metadata;
  NodeSpec spec;
  NodeStatus status;
  bool operator==(const Node&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("kind", s.kind);
    v("apiVersion", s.api_version);
    v("metadata", s.metadata);
    v("spec", s.spec);
    v("status", s.status);
  }
};

struct EventSource {
  std::string component;
  std::string host;
  bool operator==(const EventSource&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("component", s.component);
    v("host", s.host);
  }
};

struct EventSeries {
  int32_t count = 0;
  MicroTime last_observed_time;
  bool operator==(const EventSeries&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("count", s.count);
    v("lastObservedTime", s.last_observed_time);
  }
};

struct Event {
  std::string kind = "Event";
  std::string api_version = "v1";
  ObjectMeta metadata;
  ObjectReference involved_object;
  std::string reason;
  std::string message;
  EventSource source;
  Time first_timestamp;
  Time last_timestamp;
  int32_t count = 0;
  std::string type;
  MicroTime event_time;
  std::optional<EventSeries> series;
  std::string action;
  std::optional<ObjectReference> related;
  std::string reporting_component;
  std::string reporting_instance;
  bool operator==(const Event&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("kind", s.kind);
    v("apiVersion", s.api_version);
    v("metadata", s.metadata);
    v("involvedObject", s.involved_object);
    v("reason", s.reason);
    v("message", s.message);
    v("source", s.source);
    v("firstTimestamp", s.first_timestamp);
    v("lastTimestamp", s.last_timestamp);
    v("count", s.count);
    v("type", s.type);
    v("eventTime", s.event_time, kAlways);
    v("series", s.series);
    v("action", s.action);
    v("related", s.related);
    v("reportingComponent", s.reporting_component, kAlways);
    v("reportingInstance", s.reporting_instance, kAlways);
  }
};

struct ConfigMap {
  std::string kind = "ConfigMap";
  std::string api_version = "v1";
  ObjectMeta metadata;
  std::optional<bool> immutable;
  StringMap data;
  std::map<std::string, Bytes> binary_data;
  bool operator==(const ConfigMap&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("kind", s.kind);
    v("apiVersion", s.api_version);
    v("metadata", s.metadata);
    v("immutable", s.immutable);
    v("data", s.data);
    v("binaryData", s.binary_data);
  }
};

struct Secret {
  std::string kind = "Secret";
  std::string api_version = "v1";
  ObjectMeta metadata;
  std::optional<bool> immutable;
  std::map<std::string, Bytes> data;
  StringMap string_data;  // write-only: merged into data when stored
  std::string type;
  bool operator==(const Secret&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("kind", s.kind);
    v("apiVersion", s.api_version);
    v("metadata", s.metadata);
    v("immutable", s.immutable);
    v("data", s.data);
    v("stringData", s.string_data);
    v("type", s.type);
  }
};

struct ServiceAccount {
  std::string kind = "ServiceAccount";
  std::string api_version = "v1";
  ObjectMeta metadata;
  std::vector<ObjectReference> secrets;
  std::vector<LocalObjectReference> image_pull_secrets;
  std::optional<bool> automount_service_account_token;
  bool operator==(const ServiceAccount&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("kind", s.kind);
    v("apiVersion", s.api_version);
    v("metadata", s.metadata);
    v("secrets", s.secrets);
    v("imagePullSecrets", s.image_pull_secrets);
    v("automountServiceAccountToken", s.automount_service_account_token);
  }
};

}  // namespace cubelet::api
