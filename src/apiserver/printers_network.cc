// `kubectl get services` and `kubectl get endpoints`.
#include <array>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "apiserver/printers.h"

namespace cubelet::apiserver {
namespace {

constexpr std::array kServiceColumns = {
    ColumnDefinition{"Name", "string", "name", kNameDescription, 0},
    ColumnDefinition{
        "Type", "string", "",
        "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are "
        "ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a "
        "cluster-internal IP address for load-balancing to endpoints. Endpoints are determined "
        "by the selector or if that is not specified, by manual construction of an Endpoints "
        "object or EndpointSlice objects. If clusterIP is \"None\", no virtual IP is allocated "
        "and the endpoints are published as a set of endpoints rather than a virtual IP. "
        "\"NodePort\" builds on ClusterIP and allocates a port on every node which routes to "
        "the same endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates "
        "an external load-balancer (if supported in the current cloud) which routes to the same "
        "endpoints as the clusterIP. \"ExternalName\" aliases this service to the specified "
        "externalName. Several other fields do not apply to ExternalName services. More info: "
        "https://kubernetes.io/docs/concepts/services-networking/service/"
        "#publishing-services-service-types",
        0},
    ColumnDefinition{
        "Cluster-IP", "string", "",
        "clusterIP is the IP address of the service and is usually assigned randomly. If an "
        "address is specified manually, is in-range (as per system configuration), and is not "
        "in use, it will be allocated to the service; otherwise creation of the service will "
        "fail. This field may not be changed through updates unless the type field is also "
        "being changed to ExternalName (which requires this field to be blank) or the type "
        "field is being changed from ExternalName (in which case this field may optionally be "
        "specified, as describe above).  Valid values are \"None\", empty string (\"\"), or a "
        "valid IP address. Setting this to \"None\" makes a \"headless service\" (no virtual "
        "IP), which is useful when direct endpoint connections are preferred and proxying is "
        "not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this "
        "field is specified when creating a Service of type ExternalName, creation will fail. "
        "This field will be wiped when updating a Service to type ExternalName. More info: "
        "https://kubernetes.io/docs/concepts/services-networking/service/"
        "#virtual-ips-and-service-proxies",
        0},
    ColumnDefinition{
        "External-IP", "string", "",
        "externalIPs is a list of IP addresses for which nodes in the cluster will also accept "
        "traffic for this service.  These IPs are not managed by Kubernetes.  The user is "
        "responsible for ensuring that traffic arrives at a node with this IP.  A common "
        "example is external load-balancers that are not part of the Kubernetes system.",
        0},
    ColumnDefinition{"Port(s)", "string", "",
                     "The list of ports that are exposed by this service. More info: "
                     "https://kubernetes.io/docs/concepts/services-networking/service/"
                     "#virtual-ips-and-service-proxies",
                     0},
    ColumnDefinition{"Age", "string", "", kAgeDescription, 0},
    ColumnDefinition{
        "Selector", "string", "",
        "Route service traffic to pods with label keys and values matching this selector. If "
        "empty or not present, the service is assumed to have an external process managing "
        "its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, "
        "NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: "
        "https://kubernetes.io/docs/concepts/services-networking/service/",
        1},
};

constexpr std::array kEndpointsColumns = {
    ColumnDefinition{"Name", "string", "name", kNameDescription, 0},
    ColumnDefinition{
        "Endpoints", "string", "",
        "The set of all endpoints is the union of all subsets. Addresses are placed into "
        "subsets according to the IPs they share. A single address with multiple ports, some "
        "of which are ready and some of which are not (because they come from different "
        "containers) will result in the address being displayed in different subsets for the "
        "different ports. No address will appear in both Addresses and NotReadyAddresses in "
        "the same subset. Sets of addresses and ports that comprise a service.",
        0},
    ColumnDefinition{"Age", "string", "", kAgeDescription, 0},
};

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += ',';
    out += p;
  }
  return out;
}

// The load balancer's ingress points, sorted and without duplicates (a sets.String in Go).
std::vector<std::string> IngressPoints(const api::LoadBalancerStatus& lb) {
  std::set<std::string> points;
  for (const api::LoadBalancerIngress& in : lb.ingress) {
    if (!in.ip.empty()) {
      points.insert(in.ip);
    } else if (!in.hostname.empty()) {
      points.insert(in.hostname);
    }
  }
  return {points.begin(), points.end()};
}

// net.JoinHostPort: IPv6 addresses get brackets.
std::string HostPort(const std::string& ip, int32_t port) {
  return ip.find(':') != std::string::npos ? fmt::format("[{}]:{}", ip, port)
                                           : fmt::format("{}:{}", ip, port);
}

}  // namespace

std::string ServiceClusterIp(const api::Service& svc) {
  // clusterIPs[0] mirrors clusterIP; objects written by older clients may carry only the latter.
  if (!svc.spec.cluster_ips.empty()) return svc.spec.cluster_ips[0];
  return svc.spec.cluster_ip.empty() ? "<none>" : svc.spec.cluster_ip;
}

std::string ServiceExternalIp(const api::Service& svc) {
  const std::string& type = svc.spec.type;
  if (type == "ClusterIP" || type == "NodePort") {
    return svc.spec.external_ips.empty() ? "<none>" : Join(svc.spec.external_ips);
  }
  if (type == "LoadBalancer") {
    std::vector<std::string> ips = IngressPoints(svc.status.load_balancer);
    if (ips.empty() && svc.spec.external_ips.empty()) return "<pending>";
    ips.insert(ips.end(), svc.spec.external_ips.begin(), svc.spec.external_ips.end());
    return Join(ips);
  }
  if (type == "ExternalName") return svc.spec.external_name;
  return "<unknown>";
}

std::string ServicePorts(const std::vector<api::ServicePort>& ports) {
  std::vector<std::string> parts;
  for (const api::ServicePort& p : ports) {
    parts.push_back(p.node_port > 0 ? fmt::format("{}:{}/{}", p.port, p.node_port, p.protocol)
                                    : fmt::format("{}/{}", p.port, p.protocol));
  }
  return parts.empty() ? "<none>" : Join(parts);
}

std::string FormatEndpoints(const api::Endpoints& endpoints) {
  if (endpoints.subsets.empty()) return "<none>";
  // At most three addresses are listed; `count` still counts every address (per port) so the
  // suffix tells how many were left out.
  constexpr size_t kMax = 3;
  std::vector<std::string> list;
  size_t count = 0;
  bool more = false;
  auto add = [&](const api::EndpointSubset& ss, const api::EndpointPort* port) {
    count += ss.addresses.size();
    for (const api::EndpointAddress& addr : ss.addresses) {
      if (list.size() == kMax) {
        more = true;
        break;
      }
      list.push_back(port != nullptr ? HostPort(addr.ip, port->port) : addr.ip);
    }
  };
  for (const api::EndpointSubset& ss : endpoints.subsets) {
    if (ss.ports.empty()) {
      add(ss, nullptr);  // a headless service without ports: bare addresses
      continue;
    }
    for (const api::EndpointPort& port : ss.ports) add(ss, &port);
  }
  std::string out = Join(list);
  if (more) out += fmt::format(" + {} more...", count - kMax);
  return out;
}

std::span<const ColumnDefinition> ServiceColumns() { return kServiceColumns; }
std::span<const ColumnDefinition> EndpointsColumns() { return kEndpointsColumns; }

api::Json Cells(const api::Service& svc, base::TimePoint now) {
  return api::Json::array({svc.metadata.name, svc.spec.type, ServiceClusterIp(svc),
                           ServiceExternalIp(svc), ServicePorts(svc.spec.ports),
                           Age(svc.metadata.creation_timestamp, now),
                           FormatLabels(svc.spec.selector)});
}

api::Json Cells(const api::Endpoints& endpoints, base::TimePoint now) {
  return api::Json::array({endpoints.metadata.name, FormatEndpoints(endpoints),
                           Age(endpoints.metadata.creation_timestamp, now)});
}

}  // namespace cubelet::apiserver
