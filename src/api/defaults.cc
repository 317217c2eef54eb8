// Defaulting as the Kubernetes API server applies it before validation
// (pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go). Only empty fields are filled;
// a value the user gave is never changed.
#include "api/api.h"

namespace cubelet::api {
namespace {

constexpr int32_t kDefaultMode = 0644;  // 420: Secret, ConfigMap, DownwardAPI, Projected

void DefaultHTTPGet(HTTPGetAction& h) {
  if (h.path.empty()) h.path = "/";
  if (h.scheme.empty()) h.scheme = "HTTP";
}

void DefaultProbe(std::optional<Probe>& p) {
  if (!p) return;
  if (p->timeout_seconds == 0) p->timeout_seconds = 1;
  if (p->period_seconds == 0) p->period_seconds = 10;
  if (p->success_threshold == 0) p->success_threshold = 1;
  if (p->failure_threshold == 0) p->failure_threshold = 3;
  if (p->http_get) DefaultHTTPGet(*p->http_get);
}

void DefaultHandler(std::optional<LifecycleHandler>& h) {
  if (h && h->http_get) DefaultHTTPGet(*h->http_get);
}

void DefaultContainer(Container& c) {
  if (c.image_pull_policy.empty()) c.image_pull_policy = DefaultPullPolicy(c.image);
  if (c.termination_message_path.empty()) c.termination_message_path = "/dev/termination-log";
  if (c.termination_message_policy.empty()) c.termination_message_policy = "File";
  for (ContainerPort& p : c.ports) {
    if (p.protocol.empty()) p.protocol = "TCP";
  }
  for (EnvVar& e : c.env) {
    if (e.value_from && e.value_from->field_ref && e.value_from->field_ref->api_version.empty()) {
      e.value_from->field_ref->api_version = "v1";
    }
  }
  DefaultProbe(c.liveness_probe);
  DefaultProbe(c.readiness_probe);
  DefaultProbe(c.startup_probe);
  if (c.lifecycle) {
    DefaultHandler(c.lifecycle->post_start);
    DefaultHandler(c.lifecycle->pre_stop);
  }
}

void DefaultDownwardAPIFields(std::vector<DownwardAPIVolumeFile>& items) {
  for (DownwardAPIVolumeFile& f : items) {
    if (f.field_ref && f.field_ref->api_version.empty()) f.field_ref->api_version = "v1";
  }
}

void DefaultVolume(Volume& v) {
  const bool has_source = v.host_path || v.empty_dir || v.secret || v.persistent_volume_claim ||
                          v.downward_api || v.config_map || v.projected;
  if (!has_source) v.empty_dir = EmptyDirVolumeSource{};
  if (v.host_path && !v.host_path->type) v.host_path->type = "";
  if (v.secret && !v.secret->default_mode) v.secret->default_mode = kDefaultMode;
  if (v.config_map && !v.config_map->default_mode) v.config_map->default_mode = kDefaultMode;
  if (v.downward_api) {
    if (!v.downward_api->default_mode) v.downward_api->default_mode = kDefaultMode;
    DefaultDownwardAPIFields(v.downward_api->items);
  }
  if (v.projected) {
    if (!v.projected->default_mode) v.projected->default_mode = kDefaultMode;
    for (VolumeProjection& p : v.projected->sources) {
      if (p.service_account_token && !p.service_account_token->expiration_seconds) {
        p.service_account_token->expiration_seconds = 3600;
      }
      if (p.downward_api) DefaultDownwardAPIFields(p.downward_api->items);
    }
  }
}

// A hostNetwork pod's ports are the node's ports: hostPort defaults to containerPort.
void DefaultHostNetworkPorts(std::vector<Container>& containers) {
  for (Container& c : containers) {
    for (ContainerPort& p : c.ports) {
      if (p.host_port == 0) p.host_port = p.container_port;
    }
  }
}

// Requests default to limits for each resource that has a limit and no request.
void DefaultRequestsFromLimits(std::vector<Container>& containers) {
  for (Container& c : containers) {
    for (const auto& [name, limit] : c.resources.limits) {
      c.resources.requests.try_emplace(name, limit);
    }
  }
}

}  // namespace

void SetDefaultsPodSpec(PodSpec& spec) {
  if (spec.dns_policy.empty()) spec.dns_policy = "ClusterFirst";
  if (spec.restart_policy.empty()) spec.restart_policy = "Always";
  if (!spec.security_context) spec.security_context = PodSecurityContext{};
  if (!spec.termination_grace_period_seconds) spec.termination_grace_period_seconds = 30;
  if (spec.scheduler_name.empty()) spec.scheduler_name = "default-scheduler";
  for (Volume& v : spec.volumes) DefaultVolume(v);
  for (Container& c : spec.init_containers) DefaultContainer(c);
  for (Container& c : spec.containers) DefaultContainer(c);
  if (spec.host_network) {
    DefaultHostNetworkPorts(spec.init_containers);
    DefaultHostNetworkPorts(spec.containers);
  }
}

void SetDefaults(Pod& pod) {
  SetDefaultsPodSpec(pod.spec);
  if (!pod.spec.enable_service_links) pod.spec.enable_service_links = true;
  DefaultRequestsFromLimits(pod.spec.init_containers);
  DefaultRequestsFromLimits(pod.spec.containers);
}

void SetDefaults(Service& svc) {
  ServiceSpec& s = svc.spec;
  if (s.session_affinity.empty()) s.session_affinity = "None";
  if (s.type.empty()) s.type = "ClusterIP";
  for (ServicePort& p : s.ports) {
    if (p.protocol.empty()) p.protocol = "TCP";
    if (!p.target_port.is_string && p.target_port.int_val == 0) {
      p.target_port = IntOrString::Int(p.port);
    }
  }
  // External traffic (node ports, load balancers, external IPs) defaults to Cluster routing.
  const bool external = s.type == "NodePort" || s.type == "LoadBalancer" ||
                        (s.type == "ClusterIP" && !s.external_ips.empty());
  if (external && s.external_traffic_policy.empty()) {
    s.external_traffic_policy = "Cluster";
  }
  if (s.type != "ExternalName" && !s.internal_traffic_policy) s.internal_traffic_policy = "Cluster";
  if (s.session_affinity == "ClientIP") {
    if (!s.session_affinity_config) s.session_affinity_config = SessionAffinityConfig{};
    if (!s.session_affinity_config->client_ip)
      s.session_affinity_config->client_ip = ClientIPConfig{};
    if (!s.session_affinity_config->client_ip->timeout_seconds) {
      s.session_affinity_config->client_ip->timeout_seconds = 10800;  // 3 hours
    }
  }
  if (s.type == "LoadBalancer" && !s.allocate_load_balancer_node_ports) {
    s.allocate_load_balancer_node_ports = true;
  }
}

void SetDefaults(Deployment& d) {
  DeploymentSpec& s = d.spec;
  if (!s.replicas) s.replicas = 1;
  if (s.strategy.type.empty()) s.strategy.type = "RollingUpdate";
  if (s.strategy.type == "RollingUpdate") {
    if (!s.strategy.rolling_update) s.strategy.rolling_update = RollingUpdateDeployment{};
    if (!s.strategy.rolling_update->max_unavailable) {
      s.strategy.rolling_update->max_unavailable = IntOrString::Str("25%");
    }
    if (!s.strategy.rolling_update->max_surge) {
      s.strategy.rolling_update->max_surge = IntOrString::Str("25%");
    }
  }
  if (!s.revision_history_limit) s.revision_history_limit = 10;
  if (!s.progress_deadline_seconds) s.progress_deadline_seconds = 600;
  SetDefaultsPodSpec(s.template_.spec);
}

void SetDefaults(ReplicaSet& rs) {
  if (!rs.spec.replicas) rs.spec.replicas = 1;
  SetDefaultsPodSpec(rs.spec.template_.spec);
}

void SetDefaults(Object& obj) {
  std::visit(
      [](auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, Pod> || std::is_same_v<T, Service> ||
                      std::is_same_v<T, Deployment> || std::is_same_v<T, ReplicaSet>) {
          SetDefaults(o);
        } else if constexpr (std::is_same_v<T, Namespace>) {
          if (o.status.phase.empty()) o.status.phase = "Active";
          // Every namespace carries its own name as a label (NamespaceDefaultLabelName).
          if (!o.metadata.name.empty()) {
            o.metadata.labels["kubernetes.io/metadata.name"] = o.metadata.name;
          }
        } else if constexpr (std::is_same_v<T, Secret>) {
          if (o.type.empty()) o.type = "Opaque";
        } else if constexpr (std::is_same_v<T, Endpoints>) {
          for (EndpointSubset& s : o.subsets) {
            for (EndpointPort& p : s.ports) {
              if (p.protocol.empty()) p.protocol = "TCP";
            }
          }
        } else if constexpr (std::is_same_v<T, Node>) {
          if (o.status.allocatable.empty()) o.status.allocatable = o.status.capacity;
        }
      },
      obj);
}

}  // namespace cubelet::api
