// core/v1 Container and the parts it is made of: ports, env, resources, mounts, probes,
// lifecycle hooks and the security context.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/types/meta.h"

namespace cubelet::api {

using ResourceList = std::map<std::string, Quantity>;

struct ContainerPort {
  std::string name;
  int32_t host_port = 0;
  int32_t container_port = 0;
  std::string protocol;
  std::string host_ip;
  bool operator==(const ContainerPort&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name);
    v("hostPort", s.host_port);
    v("containerPort", s.container_port, kAlways);
    v("protocol", s.protocol);
    v("hostIP", s.host_ip);
  }
};

struct ConfigMapEnvSource {
  std::string name;
  std::optional<bool> optional;
  bool operator==(const ConfigMapEnvSource&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name);
    v("optional", s.optional);
  }
};
using SecretEnvSource = ConfigMapEnvSource;

struct EnvFromSource {
  std::string prefix;
  std::optional<ConfigMapEnvSource> config_map_ref;
  std::optional<SecretEnvSource> secret_ref;
  bool operator==(const EnvFromSource&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("prefix", s.prefix);
    v("configMapRef", s.config_map_ref);
    v("secretRef", s.secret_ref);
  }
};

struct ObjectFieldSelector {
  std::string api_version;
  std::string field_path;
  bool operator==(const ObjectFieldSelector&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("apiVersion", s.api_version);
    v("fieldPath", s.field_path, kAlways);
  }
};

struct ResourceFieldSelector {
  std::string container_name;
  std::string resource;
  Quantity divisor;  // a Go struct: always encoded ("0" when unset)
  bool operator==(const ResourceFieldSelector&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("containerName", s.container_name);
    v("resource", s.resource, kAlways);
    v("divisor", s.divisor);
  }
};

struct KeySelector {  // ConfigMapKeySelector and SecretKeySelector
  std::string name;
  std::string key;
  std::optional<bool> optional;
  bool operator==(const KeySelector&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name);
    v("key", s.key, kAlways);
    v("optional", s.optional);
  }
};

struct EnvVarSource {
  std::optional<ObjectFieldSelector> field_ref;
  std::optional<ResourceFieldSelector> resource_field_ref;
  std::optional<KeySelector> config_map_key_ref;
  std::optional<KeySelector> secret_key_ref;
  bool operator==(const EnvVarSource&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("fieldRef", s.field_ref);
    v("resourceFieldRef", s.resource_field_ref);
    v("configMapKeyRef", s.config_map_key_ref);
    v("secretKeyRef", s.secret_key_ref);
  }
};

struct EnvVar {
  std::string name;
  std::string value;
  std::optional<EnvVarSource> value_from;
  bool operator==(const EnvVar&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name, kAlways);
    v("value", s.value);
    v("valueFrom", s.value_from);
  }
};

struct ResourceRequirements {
  ResourceList limits;
  ResourceList requests;
  bool operator==(const ResourceRequirements&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("limits", s.limits);
    v("requests", s.requests);
  }
};

struct VolumeMount {
  std::string name;
  bool read_only = false;
  std::optional<std::string> recursive_read_only;
  std::string mount_path;
  std::string sub_path;
  std::optional<std::string> mount_propagation;
  std::string sub_path_expr;
  bool operator==(const VolumeMount&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name, kAlways);
    v("readOnly", s.read_only);
    v("recursiveReadOnly", s.recursive_read_only);
    v("mountPath", s.mount_path, kAlways);
    v("subPath", s.sub_path);
    v("mountPropagation", s.mount_propagation);
    v("subPathExpr", s.sub_path_expr);
  }
};

struct ExecAction {
  std::vector<std::string> command;
  bool operator==(const ExecAction&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("command", s.command);
  }
};

struct HTTPHeader {
  std::string name;
  std::string value;
  bool operator==(const HTTPHeader&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name, kAlways);
    v("value", s.value, kAlways);
  }
};

struct HTTPGetAction {
  std::string path;
  IntOrString port;
  std::string host;
  std::string scheme;
  std::vector<HTTPHeader> http_headers;
  bool operator==(const HTTPGetAction&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("path", s.path);
    v("port", s.port);
    v("host", s.host);
    v("scheme", s.scheme);
    v("httpHeaders", s.http_headers);
  }
};

struct TCPSocketAction {
  IntOrString port;
  std::string host;
  bool operator==(const TCPSocketAction&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("port", s.port);
    v("host", s.host);
  }
};

struct GRPCAction {
  int32_t port = 0;
  std::optional<std::string> service;
  bool operator==(const GRPCAction&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("port", s.port, kAlways);
    v("service", s.service);
  }
};

struct SleepAction {
  int64_t seconds = 0;
  bool operator==(const SleepAction&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("seconds", s.seconds, kAlways);
  }
};

// Probe embeds ProbeHandler inline in Go; its handler fields sit directly in the probe here.
struct Probe {
  std::optional<ExecAction> exec;
  std::optional<HTTPGetAction> http_get;
  std::optional<TCPSocketAction> tcp_socket;
  std::optional<GRPCAction> grpc;
  int32_t initial_delay_seconds = 0;
  int32_t timeout_seconds = 0;
  int32_t period_seconds = 0;
  int32_t success_threshold = 0;
  int32_t failure_threshold = 0;
  std::optional<int64_t> termination_grace_period_seconds;
  bool operator==(const Probe&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("exec", s.exec);
    v("httpGet", s.http_get);
    v("tcpSocket", s.tcp_socket);
    v("grpc", s.grpc);
    v("initialDelaySeconds", s.initial_delay_seconds);
    v("timeoutSeconds", s.timeout_seconds);
    v("periodSeconds", s.period_seconds);
    v("successThreshold", s.success_threshold);
    v("failureThreshold", s.failure_threshold);
    v("terminationGracePeriodSeconds", s.termination_grace_period_seconds);
  }
};

struct LifecycleHandler {
  std::optional<ExecAction> exec;
  std::optional<HTTPGetAction> http_get;
  std::optional<TCPSocketAction> tcp_socket;
  std::optional<SleepAction> sleep;
  bool operator==(const LifecycleHandler&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("exec", s.exec);
    v("httpGet", s.http_get);
    v("tcpSocket", s.tcp_socket);
    v("sleep", s.sleep);
  }
};

struct Lifecycle {
  std::optional<LifecycleHandler> post_start;
  std::optional<LifecycleHandler> pre_stop;
  std::string stop_signal;
  bool operator==(const Lifecycle&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("postStart", s.post_start);
    v("preStop", s.pre_stop);
    v("stopSignal", s.stop_signal);
  }
};

struct Capabilities {
  std::vector<std::string> add;
  std::vector<std::string> drop;
  bool operator==(const Capabilities&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("add", s.add);
    v("drop", s.drop);
  }
};

struct SELinuxOptions {
  std::string user;
  std::string role;
  std::string type;
  std::string level;
  bool operator==(const SELinuxOptions&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("user", s.user);
    v("role", s.role);
    v("type", s.type);
    v("level", s.level);
  }
};

struct SeccompProfile {  // also AppArmorProfile, which has the same two fields
  std::string type;
  std::optional<std::string> localhost_profile;
  bool operator==(const SeccompProfile&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("type", s.type, kAlways);
    v("localhostProfile", s.localhost_profile);
  }
};
using AppArmorProfile = SeccompProfile;

struct SecurityContext {
  std::optional<Capabilities> capabilities;
  std::optional<bool> privileged;
  std::optional<SELinuxOptions> se_linux_options;
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
  std::optional<bool> run_as_non_root;
  std::optional<bool> read_only_root_filesystem;
  std::optional<bool> allow_privilege_escalation;
  std::optional<std::string> proc_mount;
  std::optional<SeccompProfile> seccomp_profile;
  std::optional<AppArmorProfile> app_armor_profile;
  bool operator==(const SecurityContext&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("capabilities", s.capabilities);
    v("privileged", s.privileged);
    v("seLinuxOptions", s.se_linux_options);
    v("runAsUser", s.run_as_user);
    v("runAsGroup", s.run_as_group);
    v("runAsNonRoot", s.run_as_non_root);
    v("readOnlyRootFilesystem", s.read_only_root_filesystem);
    v("allowPrivilegeEscalation", s.allow_privilege_escalation);
    v("procMount", s.proc_mount);
    v("seccompProfile", s.seccomp_profile);
    v("appArmorProfile", s.app_armor_profile);
  }
};

struct Container {
  std::string name;
  std::string image;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::string working_dir;
  std::vector<ContainerPort> ports;
  std::vector<EnvFromSource> env_from;
  std::vector<EnvVar> env;
  ResourceRequirements resources;
  std::optional<std::string> restart_policy;  // init containers only: "Always" makes a sidecar
  std::vector<VolumeMount> volume_mounts;
  std::optional<Probe> liveness_probe;
  std::optional<Probe> readiness_probe;
  std::optional<Probe> startup_probe;
  std::optional<Lifecycle> lifecycle;
  std::string termination_message_path;
  std::string termination_message_policy;
  std::string image_pull_policy;
  std::optional<SecurityContext> security_context;
  bool stdin = false;
  bool stdin_once = false;
  bool tty = false;
  bool operator==(const Container&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name, kAlways);
    v("image", s.image);
    v("command", s.command);
    v("args", s.args);
    v("workingDir", s.working_dir);
    v("ports", s.ports);
    v("envFrom", s.env_from);
    v("env", s.env);
    v("resources", s.resources);
    v("restartPolicy", s.restart_policy);
    v("volumeMounts", s.volume_mounts);
    v("livenessProbe", s.liveness_probe);
    v("readinessProbe", s.readiness_probe);
    v("startupProbe", s.startup_probe);
    v("lifecycle", s.lifecycle);
    v("terminationMessagePath", s.termination_message_path);
    v("terminationMessagePolicy", s.termination_message_policy);
    v("imagePullPolicy", s.image_pull_policy);
    v("securityContext", s.security_context);
    v("stdin", s.stdin);
    v("stdinOnce", s.stdin_once);
    v("tty", s.tty);
  }
};

}  // namespace cubelet::api
