// core/v1 Pod: volumes, PodSpec, PodStatus and the Pod itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/types/container.h"
#include "api/types/meta.h"

namespace cubelet::api {

struct HostPathVolumeSource {
  std::string path;
  std::optional<std::string> type;
  bool operator==(const HostPathVolumeSource&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("path", s.path, kAlways);
    v("type", s.type);
  }
};

struct EmptyDirVolumeSource {
  std::string medium;
  std::optional<Quantity> size_limit;
  bool operator==(const EmptyDirVolumeSource&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("medium", s.medium);
    v("sizeLimit", s.size_limit);
  }
};

struct KeyToPath {
  std::string key;
  std::string path;
  std::optional<int32_t> mode;
  bool operator==(const KeyToPath&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("key", s.key, kAlways);
    v("path", s.path, kAlways);
    v("mode", s.mode);
  }
};

struct SecretVolumeSource {
  std::string secret_name;
  std::vector<KeyToPath> items;
  std::optional<int32_t> default_mode;
  std::optional<bool> optional;
  bool operator==(const SecretVolumeSource&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("secretName", s.secret_name);
    v("items", s.items);
    v("defaultMode", s.default_mode);
    v("optional", s.optional);
  }
};

struct ConfigMapVolumeSource {
  std::string name;
  std::vector<KeyToPath> items;
  std::optional<int32_t> default_mode;
  std::optional<bool> optional;
  bool operator==(const ConfigMapVolumeSource&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name);
    v("items", s.items);
    v("defaultMode", s.default_mode);
    v("optional", s.optional);
  }
};

struct PersistentVolumeClaimVolumeSource {
  std::string claim_name;
  bool read_only = false;
  bool operator==(const PersistentVolumeClaimVolumeSource&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("claimName", s.claim_name, kAlways);
    v("readOnly", s.read_only);
  }
};

struct DownwardAPIVolumeFile {
  std::string path;
  std::optional<ObjectFieldSelector> field_ref;
  std::optional<ResourceFieldSelector> resource_field_ref;
  std::optional<int32_t> mode;
  bool operator==(const DownwardAPIVolumeFile&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("path", s.path, kAlways);
    v("fieldRef", s.field_ref);
    v("resourceFieldRef", s.resource_field_ref);
    v("mode", s.mode);
  }
};

struct DownwardAPIVolumeSource {
  std::vector<DownwardAPIVolumeFile> items;
  std::optional<int32_t> default_mode;
  bool operator==(const DownwardAPIVolumeSource&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("items", s.items);
    v("defaultMode", s.default_mode);
  }
};

struct ServiceAccountTokenProjection {
  std::string audience;
  std::optional<int64_t> expiration_seconds;
  std::string path;
  bool operator==(const ServiceAccountTokenProjection&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("audience", s.audience);
    v("expirationSeconds", s.expiration_seconds);
    v("path", s.path, kAlways);
  }
};

struct ProjectedItems {  // SecretProjection and ConfigMapProjection
  std::string name;
  std::vector<KeyToPath> items;
  std::optional<bool> optional;
  bool operator==(const ProjectedItems&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name);
    v("items", s.items);
    v("optional", s.optional);
  }
};

struct VolumeProjection {
  std::optional<ProjectedItems> secret;
  std::optional<DownwardAPIVolumeSource> downward_api;
  std::optional<ProjectedItems> config_map;
  std::optional<ServiceAccountTokenProjection> service_account_token;
  bool operator==(const VolumeProjection&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("secret", s.secret);
    v("downwardAPI", s.downward_api);
    v("configMap", s.config_map);
    v("serviceAccountToken", s.service_account_token);
  }
};

struct ProjectedVolumeSource {
  std::vector<VolumeProjection> sources;
  std::optional<int32_t> default_mode;
  bool operator==(const ProjectedVolumeSource&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("sources", s.sources, kAlways);
    v("defaultMode", s.default_mode);
  }
};

// Volume embeds VolumeSource inline in Go; exactly one source should be set (validation).
struct Volume {
  std::string name;
  std::optional<HostPathVolumeSource> host_path;
  std::optional<EmptyDirVolumeSource> empty_dir;
  std::optional<SecretVolumeSource> secret;
  std::optional<PersistentVolumeClaimVolumeSource> persistent_volume_claim;
  std::optional<DownwardAPIVolumeSource> downward_api;
  std::optional<ConfigMapVolumeSource> config_map;
  std::optional<ProjectedVolumeSource> projected;
  bool operator==(const Volume&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name, kAlways);
    v("hostPath", s.host_path);
    v("emptyDir", s.empty_dir);
    v("secret", s.secret);
    v("persistentVolumeClaim", s.persistent_volume_claim);
    v("downwardAPI", s.downward_api);
    v("configMap", s.config_map);
    v("projected", s.projected);
  }
};

struct Sysctl {
  std::string name;
  std::string value;
  bool operator==(const Sysctl&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name, kAlways);
    v("value", s.value, kAlways);
  }
};

struct PodSecurityContext {
  std::optional<SELinuxOptions> se_linux_options;
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
  std::optional<bool> run_as_non_root;
  std::vector<int64_t> supplemental_groups;
  std::optional<std::string> supplemental_groups_policy;
  std::optional<int64_t> fs_group;
  std::vector<Sysctl> sysctls;
  std::optional<std::string> fs_group_change_policy;
  std::optional<SeccompProfile> seccomp_profile;
  std::optional<AppArmorProfile> app_armor_profile;
  bool operator==(const PodSecurityContext&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("seLinuxOptions", s.se_linux_options);
    v("runAsUser", s.run_as_user);
    v("runAsGroup", s.run_as_group);
    v("runAsNonRoot", s.run_as_non_root);
    v("supplementalGroups", s.supplemental_groups);
    v("supplementalGroupsPolicy", s.supplemental_groups_policy);
    v("fsGroup", s.fs_group);
    v("sysctls", s.sysctls);
    v("fsGroupChangePolicy", s.fs_group_change_policy);
    v("seccompProfile", s.seccomp_profile);
    v("appArmorProfile", s.app_armor_profile);
  }
};

struct Toleration {
  std::string key;
  std::string operator_;
  std::string value;
  std::string effect;
  std::optional<int64_t> toleration_seconds;
  bool operator==(const Toleration&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("key", s.key);
    v("operator", s.operator_);
    v("value", s.value);
    v("effect", s.effect);
    v("tolerationSeconds", s.toleration_seconds);
  }
};

struct HostAlias {
  std::string ip;
  std::vector<std::string> hostnames;
  bool operator==(const HostAlias&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("ip", s.ip, kAlways);
    v("hostnames", s.hostnames);
  }
};

struct PodDNSConfigOption {
  std::string name;
  std::optional<std::string> value;
  bool operator==(const PodDNSConfigOption&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name);
    v("value", s.value);
  }
};

struct PodDNSConfig {
  std::vector<std::string> nameservers;
  std::vector<std::string> searches;
  std::vector<PodDNSConfigOption> options;
  bool operator==(const PodDNSConfig&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("nameservers", s.nameservers);
    v("searches", s.searches);
    v("options", s.options);
  }
};

struct PodReadinessGate {
  std::string condition_type;
  bool operator==(const PodReadinessGate&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("conditionType", s.condition_type, kAlways);
  }
};

struct PodOS {
  std::string name;
  bool operator==(const PodOS&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name, kAlways);
  }
};

struct PodSchedulingGate {
  std::string name;
  bool operator==(const PodSchedulingGate&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name, kAlways);
  }
};

struct PodSpec {
  std::vector<Volume> volumes;
  std::vector<Container> init_containers;
  std::vector<Container> containers;
  std::string restart_policy;
  std::optional<int64_t> termination_grace_period_seconds;
  std::optional<int64_t> active_deadline_seconds;
  std::string dns_policy;
  StringMap node_selector;
  std::string service_account_name;
  std::string service_account;  // deprecated alias of serviceAccountName
  std::optional<bool> automount_service_account_token;
  std::string node_name;
  bool host_network = false;
  bool host_pid = false;
  bool host_ipc = false;
  std::optional<bool> share_process_namespace;
  std::optional<PodSecurityContext> security_context;
  std::vector<LocalObjectReference> image_pull_secrets;
  std::string hostname;
  std::string subdomain;
  std::optional<RawJson> affinity;  // stored and returned; the one-node scheduler ignores it
  std::string scheduler_name;
  std::vector<Toleration> tolerations;
  std::vector<HostAlias> host_aliases;
  std::string priority_class_name;
  std::optional<int32_t> priority;
  std::optional<PodDNSConfig> dns_config;
  std::vector<PodReadinessGate> readiness_gates;
  std::optional<std::string> runtime_class_name;
  std::optional<bool> enable_service_links;
  std::optional<std::string> preemption_policy;
  ResourceList overhead;
  std::vector<RawJson> topology_spread_constraints;
  std::optional<bool> set_hostname_as_fqdn;
  std::optional<PodOS> os;
  std::optional<bool> host_users;
  std::vector<PodSchedulingGate> scheduling_gates;
  std::optional<ResourceRequirements> resources;
  bool operator==(const PodSpec&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("volumes", s.volumes);
    v("initContainers", s.init_containers);
    v("containers", s.containers, kAlways);
    v("restartPolicy", s.restart_policy);
    v("terminationGracePeriodSeconds", s.termination_grace_period_seconds);
    v("activeDeadlineSeconds", s.active_deadline_seconds);
    v("dnsPolicy", s.dns_policy);
    v("nodeSelector", s.node_selector);
    v("serviceAccountName", s.service_account_name);
    v("serviceAccount", s.service_account);
    v("automountServiceAccountToken", s.automount_service_account_token);
    v("nodeName", s.node_name);
    v("hostNetwork", s.host_network);
    v("hostPID", s.host_pid);
    v("hostIPC", s.host_ipc);
    v("shareProcessNamespace", s.share_process_namespace);
    v("securityContext", s.security_context);
    v("imagePullSecrets", s.image_pull_secrets);
    v("hostname", s.hostname);
    v("subdomain", s.subdomain);
    v("affinity", s.affinity);
    v("schedulerName", s.scheduler_name);
    v("tolerations", s.tolerations);
    v("hostAliases", s.host_aliases);
    v("priorityClassName", s.priority_class_name);
    v("priority", s.priority);
    v("dnsConfig", s.dns_config);
    v("readinessGates", s.readiness_gates);
    v("runtimeClassName", s.runtime_class_name);
    v("enableServiceLinks", s.enable_service_links);
    v("preemptionPolicy", s.preemption_policy);
    v("overhead", s.overhead);
    v("topologySpreadConstraints", s.topology_spread_constraints);
    v("setHostnameAsFQDN", s.set_hostname_as_fqdn);
    v("os", s.os);
    v("hostUsers", s.host_users);
    v("schedulingGates", s.scheduling_gates);
    v("resources", s.resources);
  }
};

struct PodCondition {
  std::string type;
  std::optional<int64_t> observed_generation;
  std::string status;
  Time last_probe_time;
  Time last_transition_time;
  std::string reason;
  std::string message;
  bool operator==(const PodCondition&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("type", s.type, kAlways);
    v("observedGeneration", s.observed_generation);
    v("status", s.status, kAlways);
    v("lastProbeTime", s.last_probe_time);
    v("lastTransitionTime", s.last_transition_time);
    v("reason", s.reason);
    v("message", s.message);
  }
};

struct ContainerStateWaiting {
  std::string reason;
  std::string message;
  bool operator==(const ContainerStateWaiting&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("reason", s.reason);
    v("message", s.message);
  }
};

struct ContainerStateRunning {
  Time started_at;
  bool operator==(const ContainerStateRunning&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("startedAt", s.started_at);
  }
};

struct ContainerStateTerminated {
  int32_t exit_code = 0;
  int32_t signal = 0;
  std::string reason;
  std::string message;
  Time started_at;
  Time finished_at;
  std::string container_id;
  bool operator==(const ContainerStateTerminated&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("exitCode", s.exit_code, kAlways);
    v("signal", s.signal);
    v("reason", s.reason);
    v("message", s.message);
    v("startedAt", s.started_at);
    v("finishedAt", s.finished_at);
    v("containerID", s.container_id);
  }
};

struct ContainerState {
  std::optional<ContainerStateWaiting> waiting;
  std::optional<ContainerStateRunning> running;
  std::optional<ContainerStateTerminated> terminated;
  bool operator==(const ContainerState&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("waiting", s.waiting);
    v("running", s.running);
    v("terminated", s.terminated);
  }
};

struct ContainerStatus {
  std::string name;
  ContainerState state;
  ContainerState last_state;
  bool ready = false;
  int32_t restart_count = 0;
  std::string image;
  std::string image_id;
  std::string container_id;
  std::optional<bool> started;
  std::string stop_signal;
  bool operator==(const ContainerStatus&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name, kAlways);
    v("state", s.state);
    v("lastState", s.last_state);
    v("ready", s.ready, kAlways);
    v("restartCount", s.restart_count, kAlways);
    v("image", s.image, kAlways);
    v("imageID", s.image_id, kAlways);
    v("containerID", s.container_id);
    v("started", s.started);
    v("stopSignal", s.stop_signal);
  }
};

struct PodIP {  // also HostIP
  std::string ip;
  bool operator==(const PodIP&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("ip", s.ip, kAlways);
  }
};

struct PodStatus {
  std::optional<int64_t> observed_generation;
  std::string phase;
  std::vector<PodCondition> conditions;
  std::string message;
  std::string reason;
  std::string nominated_node_name;
  std::string host_ip;
  std::vector<PodIP> host_ips;
  std::string pod_ip;
  std::vector<PodIP> pod_ips;
  std::optional<Time> start_time;
  std::vector<ContainerStatus> init_container_statuses;
  std::vector<ContainerStatus> container_statuses;
  std::string qos_class;
  bool operator==(const PodStatus&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("observedGeneration", s.observed_generation);
    v("phase", s.phase);
    v("conditions", s.conditions);
    v("message", s.message);
    v("reason", s.reason);
    v("nominatedNodeName", s.nominated_node_name);
    v("hostIP", s.host_ip);
    v("hostIPs", s.host_ips);
    v("podIP", s.pod_ip);
    v("podIPs", s.pod_ips);
    v("startTime", s.start_time);
    v("initContainerStatuses", s.init_container_statuses);
    v("containerStatuses", s.container_statuses);
    v("qosClass", s.qos_class);
  }
};

struct Pod {
  std::string kind = "Pod";
  std::string api_version = "v1";
  ObjectMeta metadata;
  PodSpec spec;
  PodStatus status;
  bool operator==(const Pod&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("kind", s.kind);
    v("apiVersion", s.api_version);
    v("metadata", s.metadata);
    v("spec", s.spec);
    v("status", s.status);
  }
};

struct PodTemplateSpec {
  ObjectMeta metadata;
  PodSpec spec;
  bool operator==(const PodTemplateSpec&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("metadata", s.metadata);
    v("spec", s.spec);
  }
};

}  // namespace cubelet::api
