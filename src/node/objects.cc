// MemoryObjects: the ApiObjects of tests and of a node without an API server.
#include <utility>

#include "node/node.h"

namespace cubelet::node {
namespace {

// Objects are namespaced; one without a namespace lands in "default", as the API server puts it.
std::string Key(const std::string& ns, const std::string& name) {
  return (ns.empty() ? std::string("default") : ns) + "/" + name;
}

}  // namespace

void MemoryObjects::Put(api::ConfigMap cm) {
  std::string key = Key(cm.metadata.namespace_, cm.metadata.name);
  std::lock_guard lock(mu_);
  config_maps_[key] = std::move(cm);
}

void MemoryObjects::Put(api::Secret secret) {
  // stringData is write-only: the API server merges it into data (stringData winning), so a
  // Secret read back never carries it. Do the same, so readers only look at data.
  for (auto& [k, v] : secret.string_data) secret.data[k] = api::Bytes{std::move(v)};
  secret.string_data.clear();
  std::string key = Key(secret.metadata.namespace_, secret.metadata.name);
  std::lock_guard lock(mu_);
  secrets_[key] = std::move(secret);
}

void MemoryObjects::Put(api::Service svc) {
  std::string key = Key(svc.metadata.namespace_, svc.metadata.name);
  std::lock_guard lock(mu_);
  services_[key] = std::move(svc);
}

void MemoryObjects::RemoveConfigMap(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  config_maps_.erase(Key(ns, name));
}

void MemoryObjects::RemoveSecret(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  secrets_.erase(Key(ns, name));
}

void MemoryObjects::RemoveService(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  services_.erase(Key(ns, name));
}

// The NotFound texts are the kubelet's own (its configMap and secret managers name the resource
// in the singular), which users see as the CreateContainerConfigError message.
base::Result<api::ConfigMap> MemoryObjects::GetConfigMap(const std::string& ns,
                                                         const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = config_maps_.find(Key(ns, name));
  if (it == config_maps_.end()) return base::NotFoundError("configmap \"{}\" not found", name);
  return it->second;
}

base::Result<api::Secret> MemoryObjects::GetSecret(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = secrets_.find(Key(ns, name));
  if (it == secrets_.end()) return base::NotFoundError("secret \"{}\" not found", name);
  return it->second;
}

base::Result<std::vector<api::Service>> MemoryObjects::ListServices(const std::string& ns) {
  std::string prefix = Key(ns, "");
  std::vector<api::Service> out;
  std::lock_guard lock(mu_);
  // Keys sort by namespace then name, so one namespace is one contiguous range.
  for (auto it = services_.lower_bound(prefix);
       it != services_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    out.push_back(it->second);
  }
  return out;
}

}  // namespace cubelet::node
