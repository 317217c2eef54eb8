// Services and Endpoints (ValidateService, validateServicePort, ValidateEndpoints in
// validation.go).
#include <fmt/format.h>

#include "api/validation/validation.h"

namespace cubelet::api {
namespace validation {
namespace {

constexpr int32_t kMaxClientIPAffinitySeconds = 86400;
// cubelet allocates node ports from Kubernetes' default --service-node-port-range.
constexpr int32_t kNodePortMin = 30000;
constexpr int32_t kNodePortMax = 32767;

bool IsProtocol(std::string_view p) { return p == "TCP" || p == "UDP" || p == "SCTP"; }

// Kubernetes' create strategy copies clusterIP into clusterIPs before validating; doing the same
// here keeps the checks (and their "spec.clusterIPs[0]" paths) identical.
std::vector<std::string> EffectiveClusterIPs(const ServiceSpec& s) {
  if (!s.cluster_ips.empty()) return s.cluster_ips;
  if (!s.cluster_ip.empty()) return {s.cluster_ip};
  return {};
}

bool IsHeadless(const std::vector<std::string>& cluster_ips) {
  return cluster_ips.size() == 1 && cluster_ips[0] == "None";
}

// %#v of the (protocol, port) key Kubernetes reports for a duplicate port.
std::string RenderPortKey(const ServicePort& p) {
  return fmt::format(
      "core.ServicePort{{Name:\"\", Protocol:{}, AppProtocol:(*string)(nil), Port:{}, "
      "TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:\"\"}}, NodePort:0}}",
      GoQuote(p.protocol), p.port);
}

FieldErrors ValidateServicePort(const ServicePort& sp, bool require_name,
                                std::set<std::string>& names, const FieldPath& path) {
  FieldErrors errs;
  if (require_name && sp.name.empty()) {
    errs.push_back(Required(path.Child("name")));
  } else if (!sp.name.empty()) {
    Append(errs, ValidateDNS1123Label(sp.name, path.Child("name")));
    if (!names.insert(sp.name).second) errs.push_back(Duplicate(path.Child("name"), sp.name));
  }
  for (const std::string& msg : IsValidPortNum(sp.port)) {
    errs.push_back(InvalidInt(path.Child("port"), sp.port, msg));
  }
  if (sp.protocol.empty()) {
    errs.push_back(Required(path.Child("protocol")));
  } else if (!IsProtocol(sp.protocol)) {
    errs.push_back(NotSupported(path.Child("protocol"), sp.protocol, {"SCTP", "TCP", "UDP"}));
  }
  Append(errs, ValidatePortNumOrName(sp.target_port, path.Child("targetPort")));
  if (sp.app_protocol)
    Append(errs, ValidateQualifiedName(*sp.app_protocol, path.Child("appProtocol")));
  return errs;
}

FieldErrors ValidateClusterIPs(const ServiceSpec& s, const std::vector<std::string>& ips,
                               const FieldPath& spec_path) {
  FieldErrors errs;
  if (s.type == "ExternalName") return errs;  // checked with the type
  const FieldPath ips_path = spec_path.Child("clusterIPs");
  if (!s.cluster_ip.empty()) {
    if (ips[0] != s.cluster_ip) {
      errs.push_back(
          InvalidRaw(ips_path, RenderStringList(ips), "first value must match `clusterIP`"));
    }
  } else if (!ips.empty()) {
    errs.push_back(InvalidRaw(ips_path, RenderStringList(ips),
                              "must be empty when `clusterIP` is not specified"));
  }
  std::set<std::string> families;
  for (size_t i = 0; i < s.ip_families.size(); ++i) {
    const std::string& f = s.ip_families[i];
    const FieldPath p = spec_path.Child("ipFamilies").Index(i);
    if (f != "IPv4" && f != "IPv6") errs.push_back(NotSupported(p, f, {"IPv4", "IPv6"}));
    if (!families.insert(f).second) errs.push_back(Duplicate(p, f));
  }
  if (s.ip_family_policy && *s.ip_family_policy != "SingleStack" &&
      *s.ip_family_policy != "PreferDualStack" && *s.ip_family_policy != "RequireDualStack") {
    errs.push_back(NotSupported(spec_path.Child("ipFamilyPolicy"), *s.ip_family_policy,
                                {"PreferDualStack", "RequireDualStack", "SingleStack"}));
  }
  bool invalid = false;
  for (size_t i = 0; i < ips.size(); ++i) {
    if (i == 0 && ips[i] == "None") {
      if (ips.size() > 1) {
        invalid = true;
        errs.push_back(
            InvalidRaw(ips_path, RenderStringList(ips), "'None' must be the first and only value"));
      }
      continue;
    }
    FieldErrors e = ValidateIP(ips[i], ips_path.Index(i));
    invalid = invalid || !e.empty();
    Append(errs, std::move(e));
  }
  if (ips.size() > 2) {
    errs.push_back(InvalidRaw(ips_path, RenderStringList(ips), "may only hold up to 2 values"));
  }
  if (invalid) return errs;
  std::vector<bool> v6(ips.size());
  for (size_t i = 0; i < ips.size(); ++i) {
    bool is_v6 = false;
    ParseIPSloppy(ips[i], &is_v6);
    v6[i] = is_v6;
  }
  if (ips.size() == 2 && v6[0] == v6[1]) {
    errs.push_back(InvalidRaw(ips_path, RenderStringList(ips),
                              "may specify no more than one IP for each IP family"));
  }
  if (!IsHeadless(ips)) {
    for (size_t i = 0; i < ips.size() && i < s.ip_families.size(); ++i) {
      if (s.ip_families[i] == "IPv4" && v6[i]) {
        errs.push_back(
            Invalid(ips_path.Index(i), ips[i],
                    fmt::format("expected an IPv4 value as indicated by `ipFamilies[{}]`", i)));
      }
      if (s.ip_families[i] == "IPv6" && !v6[i]) {
        errs.push_back(
            Invalid(ips_path.Index(i), ips[i],
                    fmt::format("expected an IPv6 value as indicated by `ipFamilies[{}]`", i)));
      }
    }
  }
  return errs;
}

FieldErrors ValidateTrafficPolicies(const ServiceSpec& s, const FieldPath& spec_path) {
  FieldErrors errs;
  const bool externally_accessible = s.type == "LoadBalancer" || s.type == "NodePort" ||
                                     (s.type == "ClusterIP" && !s.external_ips.empty());
  const FieldPath etp = spec_path.Child("externalTrafficPolicy");
  if (!externally_accessible) {
    if (!s.external_traffic_policy.empty()) {
      errs.push_back(Invalid(etp, s.external_traffic_policy,
                             "may only be set for externally-accessible services"));
    }
  } else if (s.external_traffic_policy.empty()) {
    errs.push_back(Required(etp));
  } else if (s.external_traffic_policy != "Cluster" && s.external_traffic_policy != "Local") {
    errs.push_back(NotSupported(etp, s.external_traffic_policy, {"Cluster", "Local"}));
  }
  const bool needs_health_check = s.type == "LoadBalancer" && s.external_traffic_policy == "Local";
  const FieldPath hc = spec_path.Child("healthCheckNodePort");
  if (!needs_health_check && s.health_check_node_port != 0) {
    errs.push_back(InvalidInt(hc, s.health_check_node_port,
                              "may only be set when `type` is 'LoadBalancer' and "
                              "`externalTrafficPolicy` is 'Local'"));
  } else if (needs_health_check && s.health_check_node_port != 0) {
    // 0 is left for the allocator (Kubernetes allocates before validating).
    for (const std::string& msg : IsValidPortNum(s.health_check_node_port)) {
      errs.push_back(InvalidInt(hc, s.health_check_node_port, msg));
    }
  }
  const FieldPath itp = spec_path.Child("internalTrafficPolicy");
  if (!s.internal_traffic_policy) {
    if (s.type == "NodePort" || s.type == "LoadBalancer" || s.type == "ClusterIP") {
      errs.push_back(Required(itp));
    }
  } else if (*s.internal_traffic_policy != "Cluster" && *s.internal_traffic_policy != "Local") {
    errs.push_back(NotSupported(itp, *s.internal_traffic_policy, {"Cluster", "Local"}));
  }
  if (s.traffic_distribution && *s.traffic_distribution != "PreferClose" &&
      *s.traffic_distribution != "PreferSameZone" && *s.traffic_distribution != "PreferSameNode") {
    errs.push_back(NotSupported(spec_path.Child("trafficDistribution"), *s.traffic_distribution,
                                {"PreferClose", "PreferSameNode", "PreferSameZone"}));
  }
  return errs;
}

FieldErrors ValidateEndpointAddress(const EndpointAddress& a, const FieldPath& path) {
  FieldErrors errs = ValidateIP(a.ip, path.Child("ip"));
  if (!a.hostname.empty()) Append(errs, ValidateDNS1123Label(a.hostname, path.Child("hostname")));
  if (a.node_name) {
    AppendInvalid(errs, path.Child("nodeName"), *a.node_name,
                  NameIsDNSSubdomain(*a.node_name, false));
  }
  Append(errs, ValidateNonSpecialIP(a.ip, path.Child("ip")));
  return errs;
}

FieldErrors ValidateEndpointPort(const EndpointPort& p, bool require_name, const FieldPath& path) {
  FieldErrors errs;
  if (require_name && p.name.empty()) {
    errs.push_back(Required(path.Child("name")));
  } else if (!p.name.empty()) {
    Append(errs, ValidateDNS1123Label(p.name, path.Child("name")));
  }
  for (const std::string& msg : IsValidPortNum(p.port)) {
    errs.push_back(InvalidInt(path.Child("port"), p.port, msg));
  }
  if (p.protocol.empty()) {
    errs.push_back(Required(path.Child("protocol")));
  } else if (!IsProtocol(p.protocol)) {
    errs.push_back(NotSupported(path.Child("protocol"), p.protocol, {"SCTP", "TCP", "UDP"}));
  }
  if (p.app_protocol)
    Append(errs, ValidateQualifiedName(*p.app_protocol, path.Child("appProtocol")));
  return errs;
}

}  // namespace

FieldErrors ValidateEndpoints(const Endpoints& ep) {
  FieldErrors errs =
      ValidateObjectMeta(ep.metadata, true, NameIsDNSSubdomain, FieldPath("metadata"));
  const FieldPath path("subsets");
  for (size_t i = 0; i < ep.subsets.size(); ++i) {
    const EndpointSubset& ss = ep.subsets[i];
    const FieldPath idx = path.Index(i);
    if (ss.addresses.empty() && ss.not_ready_addresses.empty()) {
      errs.push_back(Required(idx, "must specify `addresses` or `notReadyAddresses`"));
    }
    for (size_t a = 0; a < ss.addresses.size(); ++a) {
      Append(errs, ValidateEndpointAddress(ss.addresses[a], idx.Child("addresses").Index(a)));
    }
    for (size_t a = 0; a < ss.not_ready_addresses.size(); ++a) {
      Append(errs, ValidateEndpointAddress(ss.not_ready_addresses[a],
                                           idx.Child("notReadyAddresses").Index(a)));
    }
    for (size_t p = 0; p < ss.ports.size(); ++p) {
      Append(errs,
             ValidateEndpointPort(ss.ports[p], ss.ports.size() > 1, idx.Child("ports").Index(p)));
    }
  }
  return errs;
}

}  // namespace validation

FieldErrors ValidateService(const Service& svc) {
  using namespace validation;
  const ServiceSpec& s = svc.spec;
  // Service names become DNS labels and environment variable prefixes: RFC 1035.
  FieldErrors errs =
      ValidateObjectMeta(svc.metadata, true, NameIsDNS1035Label, FieldPath("metadata"));
  const FieldPath spec_path("spec");
  const std::vector<std::string> ips = EffectiveClusterIPs(s);
  const bool headless = IsHeadless(ips);
  if (s.ports.empty() && !headless && s.type != "ExternalName") {
    errs.push_back(Required(spec_path.Child("ports")));
  }
  if (s.type == "LoadBalancer" && headless) {
    errs.push_back(Invalid(spec_path.Child("clusterIPs").Index(0), ips[0],
                           "may not be set to 'None' for LoadBalancer services"));
  } else if (s.type == "NodePort" && headless) {
    errs.push_back(Invalid(spec_path.Child("clusterIPs").Index(0), ips[0],
                           "may not be set to 'None' for NodePort services"));
  } else if (s.type == "ExternalName") {
    if (!ips.empty()) {
      errs.push_back(
          Forbidden(spec_path.Child("clusterIPs"), "may not be set for ExternalName services"));
    }
    if (!s.ip_families.empty()) {
      errs.push_back(
          Forbidden(spec_path.Child("ipFamilies"), "may not be set for ExternalName services"));
    }
    if (s.ip_family_policy) {
      errs.push_back(
          Forbidden(spec_path.Child("ipFamilyPolicy"), "may not be set for ExternalName services"));
    }
    // A CNAME may carry a trailing dot to mark it fully qualified.
    std::string_view cname = s.external_name;
    if (cname.ends_with(".")) cname.remove_suffix(1);
    if (cname.empty()) {
      errs.push_back(Required(spec_path.Child("externalName")));
    } else {
      Append(errs, ValidateDNS1123Subdomain(cname, spec_path.Child("externalName")));
    }
  }
  std::set<std::string> port_names;
  for (size_t i = 0; i < s.ports.size(); ++i) {
    Append(errs, ValidateServicePort(s.ports[i], s.ports.size() > 1, port_names,
                                     spec_path.Child("ports").Index(i)));
  }
  Append(errs, ValidateLabels(s.selector, spec_path.Child("selector")));
  const FieldPath sa_path = spec_path.Child("sessionAffinity");
  if (s.session_affinity.empty()) {
    errs.push_back(Required(sa_path));
  } else if (s.session_affinity != "ClientIP" && s.session_affinity != "None") {
    errs.push_back(NotSupported(sa_path, s.session_affinity, {"ClientIP", "None"}));
  }
  const FieldPath sac = spec_path.Child("sessionAffinityConfig");
  if (s.session_affinity == "ClientIP") {
    const std::string detail = "when session affinity type is ClientIP";
    if (!s.session_affinity_config) {
      errs.push_back(Required(sac, detail));
    } else if (!s.session_affinity_config->client_ip) {
      errs.push_back(Required(sac.Child("clientIP"), detail));
    } else if (!s.session_affinity_config->client_ip->timeout_seconds) {
      errs.push_back(Required(sac.Child("clientIP").Child("timeoutSeconds"), detail));
    } else {
      const int32_t t = *s.session_affinity_config->client_ip->timeout_seconds;
      if (t <= 0 || t > kMaxClientIPAffinitySeconds) {
        errs.push_back(InvalidInt(
            sac.Child("clientIP").Child("timeoutSeconds"), t,
            fmt::format("must be greater than 0 and less than {}", kMaxClientIPAffinitySeconds)));
      }
    }
  } else if (s.session_affinity == "None" && s.session_affinity_config) {
    errs.push_back(Forbidden(sac, "must not be set when session affinity is None"));
  }
  Append(errs, ValidateClusterIPs(s, ips, spec_path));
  for (size_t i = 0; i < s.external_ips.size(); ++i) {
    const FieldPath p = spec_path.Child("externalIPs").Index(i);
    FieldErrors e = ValidateIP(s.external_ips[i], p);
    if (e.empty()) e = ValidateNonSpecialIP(s.external_ips[i], p);
    Append(errs, std::move(e));
  }
  const FieldPath type_path = spec_path.Child("type");
  if (s.type.empty()) {
    errs.push_back(Required(type_path));
  } else if (s.type != "ClusterIP" && s.type != "NodePort" && s.type != "LoadBalancer" &&
             s.type != "ExternalName") {
    errs.push_back(
        NotSupported(type_path, s.type, {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}));
  }
  for (size_t i = 0; i < s.ports.size(); ++i) {
    const int32_t np = s.ports[i].node_port;
    const FieldPath p = spec_path.Child("ports").Index(i).Child("nodePort");
    if (np == 0) continue;
    if (s.type == "ClusterIP") {
      errs.push_back(Forbidden(p, "may not be used when `type` is 'ClusterIP'"));
    } else if ((s.type == "NodePort" || s.type == "LoadBalancer") &&
               (np < kNodePortMin || np > kNodePortMax)) {
      // Kubernetes' node-port allocator rejects these with this text; cubelet checks up front.
      errs.push_back(InvalidInt(p, np,
                                fmt::format("provided port is not in the valid range. The range of "
                                            "valid ports is {}-{}",
                                            kNodePortMin, kNodePortMax)));
    }
  }
  std::set<std::pair<std::string, int32_t>> node_ports;
  std::set<std::pair<std::string, int32_t>> ports;
  for (size_t i = 0; i < s.ports.size(); ++i) {
    const ServicePort& p = s.ports[i];
    if (p.node_port != 0 && !node_ports.insert({p.protocol, p.node_port}).second) {
      errs.push_back(
          DuplicateInt(spec_path.Child("ports").Index(i).Child("nodePort"), p.node_port));
    }
  }
  for (size_t i = 0; i < s.ports.size(); ++i) {
    const ServicePort& p = s.ports[i];
    if (!ports.insert({p.protocol, p.port}).second) {
      errs.push_back(FieldError{FieldErrorType::kDuplicate, spec_path.Child("ports").Index(i).str(),
                                RenderPortKey(p), ""});
    }
  }
  if (!s.load_balancer_source_ranges.empty()) {
    const FieldPath p = spec_path.Child("LoadBalancerSourceRanges");
    if (s.type != "LoadBalancer") {
      errs.push_back(Forbidden(p, "may only be used when `type` is 'LoadBalancer'"));
    }
    for (size_t i = 0; i < s.load_balancer_source_ranges.size(); ++i) {
      std::string_view v = s.load_balancer_source_ranges[i];
      // Historical: the values may be space-padded.
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      Append(errs, ValidateCIDR(v, p.Index(i)));
    }
  }
  if (s.allocate_load_balancer_node_ports && s.type != "LoadBalancer") {
    errs.push_back(Forbidden(spec_path.Child("allocateLoadBalancerNodePorts"),
                             "may only be used when `type` is 'LoadBalancer'"));
  }
  if (s.type == "LoadBalancer" && !s.allocate_load_balancer_node_ports) {
    // Kubernetes reports this one without the "spec." prefix.
    errs.push_back(Required(FieldPath("allocateLoadBalancerNodePorts")));
  }
  if (s.load_balancer_class) {
    if (s.type == "LoadBalancer") {
      Append(errs,
             ValidateQualifiedName(*s.load_balancer_class, spec_path.Child("loadBalancerClass")));
    } else {
      errs.push_back(Forbidden(spec_path.Child("loadBalancerClass"),
                               "may only be used when `type` is 'LoadBalancer'"));
    }
  }
  Append(errs, ValidateTrafficPolicies(s, spec_path));
  return errs;
}

}  // namespace cubelet::api
