// core/v1 Service and Endpoints.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/types/meta.h"

namespace cubelet::api {

struct ServicePort {
  std::string name;
  std::string protocol;
  std::optional<std::string> app_protocol;
  int32_t port = 0;
  IntOrString target_port;
  int32_t node_port = 0;
  bool operator==(const ServicePort&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name);
    v("protocol", s.protocol);
    v("appProtocol", s.app_protocol);
    v("port", s.port, kAlways);
    v("targetPort", s.target_port);
    v("nodePort", s.node_port);
  }
};

struct ClientIPConfig {
  std::optional<int32_t> timeout_seconds;
  bool operator==(const ClientIPConfig&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("timeoutSeconds", s.timeout_seconds);
  }
};

struct SessionAffinityConfig {
  std::optional<ClientIPConfig> client_ip;
  bool operator==(const SessionAffinityConfig&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("clientIP", s.client_ip);
  }
};

struct ServiceSpec {
  std::vector<ServicePort> ports;
  StringMap selector;
  std::string cluster_ip;
  std::vector<std::string> cluster_ips;
  std::string type;
  std::vector<std::string> external_ips;
  std::string session_affinity;
  std::string load_balancer_ip;
  std::vector<std::string> load_balancer_source_ranges;
  std::string external_name;
  std::string external_traffic_policy;
  int32_t health_check_node_port = 0;
  bool publish_not_ready_addresses = false;
  std::optional<SessionAffinityConfig> session_affinity_config;
  std::vector<std::string> ip_families;
  std::optional<std::string> ip_family_policy;
  std::optional<bool> allocate_load_balancer_node_ports;
  std::optional<std::string> load_balancer_class;
  std::optional<std::string> internal_traffic_policy;
  std::optional<std::string> traffic_distribution;
  bool operator==(const ServiceSpec&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("ports", s.ports);
    v("selector", s.selector);
    v("clusterIP", s.cluster_ip);
    v("clusterIPs", s.cluster_ips);
    v("type", s.type);
    v("externalIPs", s.external_ips);
    v("sessionAffinity", s.session_affinity);
    v("loadBalancerIP", s.load_balancer_ip);
    v("loadBalancerSourceRanges", s.load_balancer_source_ranges);
    v("externalName", s.external_name);
    v("externalTrafficPolicy", s.external_traffic_policy);
    v("healthCheckNodePort", s.health_check_node_port);
    v("publishNotReadyAddresses", s.publish_not_ready_addresses);
    v("sessionAffinityConfig", s.session_affinity_config);
    v("ipFamilies", s.ip_families);
    v("ipFamilyPolicy", s.ip_family_policy);
    v("allocateLoadBalancerNodePorts", s.allocate_load_balancer_node_ports);
    v("loadBalancerClass", s.load_balancer_class);
    v("internalTrafficPolicy", s.internal_traffic_policy);
    v("trafficDistribution", s.traffic_distribution);
  }
};

struct LoadBalancerIngress {
  std::string ip;
  std::string hostname;
  bool operator==(const LoadBalancerIngress&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("ip", s.ip);
    v("hostname", s.hostname);
  }
};

struct LoadBalancerStatus {
  std::vector<LoadBalancerIngress> ingress;
  bool operator==(const LoadBalancerStatus&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("ingress", s.ingress);
  }
};

struct ServiceStatus {
  LoadBalancerStatus load_balancer;
  std::vector<RawJson> conditions;
  bool operator==(const ServiceStatus&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("loadBalancer", s.load_balancer);
    v("conditions", s.conditions);
  }
};

struct Service {
  std::string kind = "Service";
  std::string api_version = "v1";
  ObjectMeta metadata;
  ServiceSpec spec;
  ServiceStatus status;
  bool operator==(const Service&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("kind", s.kind);
    v("apiVersion", s.api_version);
    v("metadata", s.metadata);
    v("spec", s.spec);
    v("status", s.status);
  }
};

struct EndpointAddress {
  std::string ip;
  std::string hostname;
  std::optional<std::string> node_name;
  std::optional<ObjectReference> target_ref;
  bool operator==(const EndpointAddress&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("ip", s.ip, kAlways);
    v("hostname", s.hostname);
    v("nodeName", s.node_name);
    v("targetRef", s.target_ref);
  }
};

struct EndpointPort {
  std::string name;
  int32_t port = 0;
  std::string protocol;
  std::optional<std::string> app_protocol;
  bool operator==(const EndpointPort&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("name", s.name);
    v("port", s.port, kAlways);
    v("protocol", s.protocol);
    v("appProtocol", s.app_protocol);
  }
};

struct EndpointSubset {
  std::vector<EndpointAddress> addresses;
  std::vector<EndpointAddress> not_ready_addresses;
  std::vector<EndpointPort> ports;
  bool operator==(const EndpointSubset&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("addresses", s.addresses);
    v("notReadyAddresses", s.not_ready_addresses);
    v("ports", s.ports);
  }
};

struct Endpoints {
  std::string kind = "Endpoints";
  std::string api_version = "v1";
  ObjectMeta metadata;
  std::vector<EndpointSubset> subsets;
  bool operator==(const Endpoints&) const = default;
  template <class V, class S>
  static void Fields(V& v, S& s) {
    v("kind", s.kind);
    v("apiVersion", s.api_version);
    v("metadata", s.metadata);
    v("subsets", s.subsets);
  }
};

}  // namespace cubelet::api
