// A container's environment as the kubelet builds it (makeEnvironmentVariables), and the
// downward API values it shares with downwardAPI volumes.
#include <cctype>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "node/pod_env.h"

namespace cubelet::node {
namespace {

using base::Code;
using base::Result;
using base::Status;

// ---- service links (pkg/kubelet/envvars) ------------------------------------------------------

std::string EnvName(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Go's net.JoinHostPort: an IPv6 address needs brackets to be told from the port.
std::string HostPort(const std::string& ip, int32_t port) {
  if (ip.find(':') != std::string::npos) return fmt::format("[{}]:{}", ip, port);
  return fmt::format("{}:{}", ip, port);
}

bool HasClusterIp(const api::Service& svc) {
  return !svc.spec.cluster_ip.empty() && svc.spec.cluster_ip != "None";
}

// The services whose links a pod of `ns` sees, by name (the kubelet's getServiceEnvVarMap):
// those of its own namespace when links are enabled, and the API server's `kubernetes` service
// of "default" always, unless the pod's namespace has its own service of that name.
Result<std::vector<api::Service>> LinkedServices(const std::string& ns, bool links,
                                                 ApiObjects* objects) {
  std::map<std::string, api::Service> by_name;
  auto list = [&](const std::string& from) -> Result<std::vector<api::Service>> {
    auto services = objects->ListServices(from);
    if (!services.ok()) {
      return Status(services.status().code(),
                    fmt::format("failed to list services when setting up env vars: {}",
                                services.status().message()));
    }
    return services;
  };
  if (links) {
    ASSIGN_OR_RETURN(auto own, list(ns));
    for (auto& svc : own) {
      if (HasClusterIp(svc)) by_name.emplace(svc.metadata.name, std::move(svc));
    }
  }
  ASSIGN_OR_RETURN(auto defaults, list("default"));
  for (auto& svc : defaults) {
    if (svc.metadata.name == "kubernetes" && HasClusterIp(svc)) {
      by_name.emplace(svc.metadata.name, std::move(svc));  // no-op when the namespace has one
    }
  }
  std::vector<api::Service> out;
  for (auto& [name, svc] : by_name) out.push_back(std::move(svc));
  return out;
}

// ---- the environment being built ----------------------------------------------------------

// Variables in definition order; defining a name again replaces its value in place, which is
// what the kubelet's map ends up holding for it.
class OrderedEnv {
 public:
  void Set(const std::string& name, std::string value) {
    auto [it, inserted] = index_.try_emplace(name, list_.size());
    if (inserted) {
      list_.emplace_back(name, std::move(value));
    } else {
      list_[it->second].second = std::move(value);
    }
  }
  std::optional<std::string> Get(std::string_view name) const {
    auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    return list_[it->second].second;
  }
  EnvList Take() && { return std::move(list_); }

 private:
  EnvList list_;
  std::map<std::string, size_t, std::less<>> index_;
};

// RelaxedEnvironmentVariableValidation, the API server's rule for env names: printable ASCII
// other than '='. Anything else could not be passed as NAME=value.
bool IsEnvVarName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c < ' ' || c > '~' || c == '=') return false;
  }
  return true;
}

// Each ConfigMap and Secret is read once per container, so every reference sees one version.
class ObjectCache {
 public:
  ObjectCache(ApiObjects* objects, std::string ns) : objects_(objects), ns_(std::move(ns)) {}

  // nullptr: missing and optional (the reference is skipped).
  Result<const api::ConfigMap*> ConfigMap(const std::string& name, bool optional) {
    return Fetch(config_maps_, "configMap", name, optional,
                 [&] { return objects_->GetConfigMap(ns_, name); });
  }
  Result<const api::Secret*> Secret(const std::string& name, bool optional) {
    return Fetch(secrets_, "secret", name, optional,
                 [&] { return objects_->GetSecret(ns_, name); });
  }

 private:
  template <class T, class Get>
  Result<const T*> Fetch(std::map<std::string, T>& cache, std::string_view kind,
                         const std::string& name, bool optional, Get get) {
    auto it = cache.find(name);
    if (it != cache.end()) return &it->second;
    if (objects_ == nullptr) return NoApiServerError(kind, ns_, name);
    Result<T> obj = get();
    if (!obj.ok()) {
      if (optional && obj.status().code() == Code::kNotFound) return static_cast<const T*>(nullptr);
      return obj.status();
    }
    return &cache.emplace(name, std::move(obj).value()).first->second;
  }

  ApiObjects* objects_;
  std::string ns_;
  std::map<std::string, api::ConfigMap> config_maps_;
  std::map<std::string, api::Secret> secrets_;
};

Status AddEnvFrom(const api::EnvFromSource& from, ObjectCache& cache, OrderedEnv& env) {
  auto add = [&](const std::string& key, std::string value) {
    std::string name = from.prefix + key;
    if (IsEnvVarName(name)) env.Set(name, std::move(value));
  };
  if (from.config_map_ref) {
    const auto& ref = *from.config_map_ref;
    ASSIGN_OR_RETURN(const api::ConfigMap* cm,
                     cache.ConfigMap(ref.name, ref.optional.value_or(false)));
    if (cm == nullptr) return Status::Ok();
    for (const auto& [k, v] : cm->data) add(k, v);
  } else if (from.secret_ref) {
    const auto& ref = *from.secret_ref;
    ASSIGN_OR_RETURN(const api::Secret* secret,
                     cache.Secret(ref.name, ref.optional.value_or(false)));
    if (secret == nullptr) return Status::Ok();
    for (const auto& [k, v] : secret->data) add(k, v.data);
  }
  return Status::Ok();
}

// The pod's IPs (the first is status.podIP); a host-network pod has the node's.
std::vector<std::string> PodIps(const api::Pod& pod, const std::vector<std::string>& host_ips) {
  std::vector<std::string> ips;
  for (const auto& ip : pod.status.pod_ips) ips.push_back(ip.ip);
  if (ips.empty() && !pod.status.pod_ip.empty()) ips.push_back(pod.status.pod_ip);
  if (ips.empty() && pod.spec.host_network) ips = host_ips;
  return ips;
}

std::vector<std::string> HostIps(const api::Pod& pod, const NodeInfo& node) {
  std::vector<std::string> ips;
  for (const auto& ip : pod.status.host_ips) ips.push_back(ip.ip);
  if (ips.empty() && !pod.status.host_ip.empty()) ips.push_back(pod.status.host_ip);
  if (ips.empty() && !node.host_ip.empty()) ips.push_back(node.host_ip);
  return ips;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

// fieldRef of an env var (podFieldSelectorRuntimeValue): the pod's spec and status fields, then
// the metadata ones volumes can read too.
Result<std::string> PodField(const api::Pod& pod, const api::ObjectFieldSelector& ref,
                             const NodeInfo& node) {
  if (!ref.api_version.empty() && ref.api_version != "v1") {
    return base::InvalidError("unsupported pod version: {}", ref.api_version);
  }
  const std::string& path = ref.field_path;
  // The pod runs here, so a pod not bound by name (a static pod before defaulting) is on `node`.
  if (path == "spec.nodeName") return pod.spec.node_name.empty() ? node.name : pod.spec.node_name;
  if (path == "spec.serviceAccountName") return pod.spec.service_account_name;
  if (path == "status.hostIP" || path == "status.hostIPs" || path == "status.podIP" ||
      path == "status.podIPs") {
    std::vector<std::string> host_ips = HostIps(pod, node);
    if (path == "status.hostIP" || path == "status.hostIPs") {
      if (host_ips.empty()) {
        return Status(
            Code::kUnavailable,
            fmt::format("can't resolve fieldRef {}: the node's IP address is not known", path));
      }
      return path == "status.hostIP" ? host_ips.front() : Join(host_ips);
    }
    std::vector<std::string> pod_ips = PodIps(pod, host_ips);
    if (path == "status.podIPs") return Join(pod_ips);
    return pod_ips.empty() ? std::string() : pod_ips.front();
  }
  return PodMetadataField(pod, path);
}

Result<std::optional<std::string>> ValueFrom(const api::Pod& pod, const api::Container& container,
                                             const api::EnvVarSource& src, ObjectCache& cache,
                                             const NodeInfo& node) {
  const std::string ns = PodNamespace(pod);
  if (src.field_ref) {
    ASSIGN_OR_RETURN(std::string value, PodField(pod, *src.field_ref, node));
    return std::optional<std::string>(std::move(value));
  }
  if (src.resource_field_ref) {
    ASSIGN_OR_RETURN(std::string value,
                     ResourceFieldValue(pod, &container, *src.resource_field_ref, node));
    return std::optional<std::string>(std::move(value));
  }
  if (src.config_map_key_ref) {
    const api::KeySelector& ref = *src.config_map_key_ref;
    bool optional = ref.optional.value_or(false);
    ASSIGN_OR_RETURN(const api::ConfigMap* cm, cache.ConfigMap(ref.name, optional));
    if (cm == nullptr) return std::optional<std::string>();
    auto it = cm->data.find(ref.key);
    if (it != cm->data.end()) return std::optional<std::string>(it->second);
    if (optional) return std::optional<std::string>();
    return base::InvalidError("couldn't find key {} in ConfigMap {}/{}", ref.key, ns, ref.name);
  }
  if (src.secret_key_ref) {
    const api::KeySelector& ref = *src.secret_key_ref;
    bool optional = ref.optional.value_or(false);
    ASSIGN_OR_RETURN(const api::Secret* secret, cache.Secret(ref.name, optional));
    if (secret == nullptr) return std::optional<std::string>();
    auto it = secret->data.find(ref.key);
    if (it != secret->data.end()) return std::optional<std::string>(it->second.data);
    if (optional) return std::optional<std::string>();
    return base::InvalidError("couldn't find key {} in Secret {}/{}", ref.key, ns, ref.name);
  }
  return std::optional<std::string>(std::string());
}

// ---- resourceFieldRef (pkg/api/v1/resource) --------------------------------------------------

const api::Container* FindContainer(const api::Pod& pod, const std::string& name) {
  for (const auto* list : {&pod.spec.containers, &pod.spec.init_containers}) {
    for (const auto& c : *list) {
      if (c.name == name) return &c;
    }
  }
  return nullptr;
}

api::Quantity Get(const api::ResourceList& list, const std::string& name) {
  auto it = list.find(name);
  return it == list.end() ? api::Quantity() : it->second;
}

// The kubelet divides in float64 and rounds up; doing the same keeps large values identical.
int64_t CeilDiv(int64_t value, int64_t divisor) {
  return static_cast<int64_t>(std::ceil(static_cast<double>(value) / static_cast<double>(divisor)));
}

}  // namespace

std::string PodNamespace(const api::Pod& pod) {
  return pod.metadata.namespace_.empty() ? "default" : pod.metadata.namespace_;
}

Status NoApiServerError(std::string_view kind, const std::string& ns, const std::string& name) {
  return Status(Code::kUnimplemented,
                fmt::format("couldn't get {} {}/{}: {} references need the API server, and this "
                            "node runs without one",
                            kind, ns, name, kind));
}

EnvList ServiceEnv(const std::vector<api::Service>& services) {
  EnvList out;
  for (const api::Service& svc : services) {
    if (!HasClusterIp(svc)) continue;
    const std::string& ip = svc.spec.cluster_ip;
    const std::string prefix = EnvName(svc.metadata.name);
    out.emplace_back(prefix + "_SERVICE_HOST", ip);
    const auto& ports = svc.spec.ports;
    if (ports.empty()) continue;  // validation requires one; nothing more to say without it
    out.emplace_back(prefix + "_SERVICE_PORT", std::to_string(ports[0].port));
    for (const auto& p : ports) {
      if (!p.name.empty()) {
        out.emplace_back(prefix + "_SERVICE_PORT_" + EnvName(p.name), std::to_string(p.port));
      }
    }
    // Docker links' variables; the first port also gets the short NAME_PORT form.
    for (size_t i = 0; i < ports.size(); ++i) {
      const api::ServicePort& p = ports[i];
      const std::string proto = p.protocol.empty() ? "TCP" : p.protocol;
      const std::string url = fmt::format("{}://{}", Lower(proto), HostPort(ip, p.port));
      if (i == 0) out.emplace_back(prefix + "_PORT", url);
      const std::string port_prefix = fmt::format("{}_PORT_{}_{}", prefix, p.port, Upper(proto));
      out.emplace_back(port_prefix, url);
      out.emplace_back(port_prefix + "_PROTO", Lower(proto));
      out.emplace_back(port_prefix + "_PORT", std::to_string(p.port));
      out.emplace_back(port_prefix + "_ADDR", ip);
    }
  }
  return out;
}

std::string ExpandEnv(std::string_view input,
                      const std::function<std::optional<std::string>(std::string_view)>& lookup) {
  std::string out;
  size_t i = 0;
  while (i < input.size()) {
    if (input[i] != '$' || i + 1 == input.size()) {
      out += input[i++];
      continue;
    }
    char next = input[i + 1];
    if (next == '$') {  // "$$" escapes the operator
      out += '$';
      i += 2;
    } else if (next == '(') {
      size_t close = input.find(')', i + 2);
      if (close == std::string_view::npos) {  // incomplete reference: "$(" kept as written
        out += "$(";
        i += 2;
        continue;
      }
      std::string_view name = input.substr(i + 2, close - i - 2);
      std::optional<std::string> value = lookup(name);
      out += value ? *value : fmt::format("$({})", name);
      i = close + 1;
    } else {  // '$' not starting a reference is kept with the character after it
      out += input.substr(i, 2);
      i += 2;
    }
  }
  return out;
}

Result<std::string> PodMetadataField(const api::Pod& pod, const std::string& field_path) {
  // "metadata.labels['key']": one entry of a map; a missing key reads as "".
  if (field_path.size() > 2 && field_path.ends_with("']")) {
    size_t open = field_path.find("['");
    if (open != std::string::npos && open > 0) {
      std::string path = field_path.substr(0, open);
      std::string key = field_path.substr(open + 2, field_path.size() - open - 4);
      const api::StringMap* map = path == "metadata.labels"        ? &pod.metadata.labels
                                  : path == "metadata.annotations" ? &pod.metadata.annotations
                                                                   : nullptr;
      if (map == nullptr) {
        return base::InvalidError("fieldPath \"{}\" does not support subscript", field_path);
      }
      auto it = map->find(key);
      return it == map->end() ? std::string() : it->second;
    }
  }
  if (field_path == "metadata.labels" || field_path == "metadata.annotations") {
    const api::StringMap& map =
        field_path == "metadata.labels" ? pod.metadata.labels : pod.metadata.annotations;
    std::string out;
    for (const auto& [k, v] : map) {  // std::map: already sorted by key
      if (!out.empty()) out += '\n';
      out += k + "=" + api::GoQuote(v);
    }
    return out;
  }
  if (field_path == "metadata.name") return pod.metadata.name;
  if (field_path == "metadata.namespace") return PodNamespace(pod);
  if (field_path == "metadata.uid") return pod.metadata.uid;
  return base::InvalidError("unsupported fieldPath: {}", field_path);
}

Result<std::string> ResourceFieldValue(const api::Pod& pod, const api::Container* self,
                                       const api::ResourceFieldSelector& selector,
                                       const NodeInfo& node) {
  const api::Container* c = self;
  if (!selector.container_name.empty() || c == nullptr) {
    c = FindContainer(pod, selector.container_name);
    if (c == nullptr) return base::NotFoundError("container {} not found", selector.container_name);
  }
  // A container without a limit may use the whole node: the downward API reports the node's
  // allocatable instead (MergeContainerResourceLimits).
  api::ResourceList limits = c->resources.limits;
  auto fill = [&](const char* name, std::optional<api::Quantity> allocatable) {
    auto it = limits.find(name);
    if ((it == limits.end() || it->second.IsZero()) && allocatable) limits[name] = *allocatable;
  };
  fill("cpu",
       node.cpu_milli > 0 ? std::optional(api::Quantity::FromMilli(node.cpu_milli)) : std::nullopt);
  fill("memory", node.memory_bytes > 0 ? std::optional(api::Quantity::FromUnits(
                                             node.memory_bytes, api::Quantity::Format::kBinarySI))
                                       : std::nullopt);

  const api::Quantity divisor =
      selector.divisor.IsZero() ? api::Quantity::FromUnits(1) : selector.divisor;
  const std::string& resource = selector.resource;
  size_t dot = resource.find('.');
  std::string scope = dot == std::string::npos ? "" : resource.substr(0, dot);
  std::string name = dot == std::string::npos ? "" : resource.substr(dot + 1);
  const api::ResourceList* list = scope == "limits"     ? &limits
                                  : scope == "requests" ? &c->resources.requests
                                                        : nullptr;
  if (list != nullptr && name == "cpu") {
    if (divisor.MilliValue() <= 0) return base::InvalidError("invalid divisor for {}", resource);
    return std::to_string(CeilDiv(Get(*list, name).MilliValue(), divisor.MilliValue()));
  }
  if (list != nullptr &&
      (name == "memory" || name == "ephemeral-storage" || name.starts_with("hugepages-"))) {
    if (divisor.Value() <= 0) return base::InvalidError("invalid divisor for {}", resource);
    return std::to_string(CeilDiv(Get(*list, name).Value(), divisor.Value()));
  }
  return base::InvalidError("unsupported container resource : {}", resource);
}

Result<EnvList> ContainerEnv(const api::Pod& pod, const api::Container& container,
                             ApiObjects* objects, const NodeInfo& node) {
  const std::string ns = PodNamespace(pod);
  OrderedEnv env;
  // Service links first, so envFrom and env entries of the same name override them. Without an
  // API server there are no services to link, as for a kubelet that has no service lister.
  if (objects != nullptr) {
    ASSIGN_OR_RETURN(auto services,
                     LinkedServices(ns, pod.spec.enable_service_links.value_or(true), objects));
    for (auto& [k, v] : ServiceEnv(services)) env.Set(k, std::move(v));
  }
  ObjectCache cache(objects, ns);
  for (const api::EnvFromSource& from : container.env_from) {
    RETURN_IF_ERROR(AddEnvFrom(from, cache, env));
  }
  auto lookup = [&env](std::string_view name) { return env.Get(name); };
  for (const api::EnvVar& var : container.env) {
    if (!var.value.empty() || !var.value_from) {
      env.Set(var.name, ExpandEnv(var.value, lookup));
      continue;
    }
    ASSIGN_OR_RETURN(std::optional<std::string> value,
                     ValueFrom(pod, container, *var.value_from, cache, node));
    if (value) env.Set(var.name, std::move(*value));  // nullopt: an optional source is missing
  }
  return std::move(env).Take();
}

}  // namespace cubelet::node
