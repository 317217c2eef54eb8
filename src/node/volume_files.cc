// The files of configMap, secret, downwardAPI and projected volumes, as the kubelet's volume
// plugins compute them (MakePayload, CollectData) and its atomic writer checks them.
#include <map>
#include <set>
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

// The API server's default for every defaultMode (0644, "420" in JSON).
constexpr int32_t kDefaultMode = 0644;
// The atomic writer's limits.
constexpr size_t kMaxPathLength = 4096;
constexpr size_t kMaxFileNameLength = 255;

struct File {
  std::string content;
  int32_t mode = kDefaultMode;
};
// Files by the path the volume source gave; a later source of a projected volume replaces an
// earlier one's file of the same path.
using Payload = std::map<std::string, File>;

// Errors gathered over a volume's sources, reported together like Go's errors aggregate:
// one message alone, several as "[a, b]" (duplicates once).
class Errors {
 public:
  void Add(const Status& s) {
    if (s.ok() || !seen_.insert(s.message()).second) return;
    list_.push_back(s);
  }
  Status ToStatus() const {
    if (list_.empty()) return Status::Ok();
    if (list_.size() == 1) return list_.front();
    std::string msg = "[";
    for (size_t i = 0; i < list_.size(); ++i) msg += (i ? ", " : "") + list_[i].message();
    return Status(list_.front().code(), msg + "]");
  }

 private:
  std::vector<Status> list_;
  std::set<std::string> seen_;
};

// The atomic writer's validatePath, then filepath.Clean: paths stay inside the volume.
Result<std::string> CleanPath(const std::string& path) {
  if (path.empty()) return base::InvalidError("invalid path: must not be empty: \"\"");
  if (path.front() == '/')
    return base::InvalidError("invalid path: must be relative path: {}", path);
  if (path.size() > kMaxPathLength) {
    return base::InvalidError("invalid path: must be less than or equal to {} characters",
                              kMaxPathLength);
  }
  std::vector<std::string> kept;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string item = path.substr(start, end - start);
    if (item == "..") return base::InvalidError("invalid path: must not contain '..': {}", path);
    if (item.size() > kMaxFileNameLength) {
      return base::InvalidError(
          "invalid path: filenames must be less than or equal to {} characters",
          kMaxFileNameLength);
    }
    if (start == 0 && item.starts_with("..")) {
      return base::InvalidError("invalid path: must not start with '..': {}", path);
    }
    if (!item.empty() && item != ".") kept.push_back(std::move(item));
    start = end + 1;
  }
  if (kept.empty()) return base::InvalidError("invalid path: must name a file: {}", path);
  std::string out;
  for (const auto& item : kept) out += (out.empty() ? "" : "/") + item;
  return out;
}

Result<std::vector<runtime::KeyToPath>> ToFiles(const Payload& payload) {
  std::map<std::string, runtime::KeyToPath> by_path;
  for (const auto& [path, file] : payload) {
    ASSIGN_OR_RETURN(std::string clean, CleanPath(path));
    by_path[clean] = runtime::KeyToPath{clean, file.content, file.mode};
  }
  std::vector<runtime::KeyToPath> out;
  for (auto& [path, file] : by_path) out.push_back(std::move(file));
  return out;
}

// A referenced object; a missing optional one reads as empty (the volume is then empty too).
template <class T, class Get>
Result<T> Fetch(ApiObjects* objects, std::string_view kind, const std::string& ns,
                const std::string& name, bool optional, Get get) {
  if (objects == nullptr) return NoApiServerError(kind, ns, name);
  Result<T> obj = get();
  if (!obj.ok() && optional && obj.status().code() == Code::kNotFound) return T();
  return obj;
}

// MakePayload: every key, or the listed ones at their paths. `lookup` finds a key's content.
template <class Lookup, class ForEach>
Status AddKeys(const std::vector<api::KeyToPath>& items, int32_t default_mode, bool optional,
               std::string_view missing_key_message, Lookup lookup, ForEach for_each,
               Payload& out) {
  if (items.empty()) {
    for_each([&](const std::string& key, const std::string& content) {
      out[key] = File{content, default_mode};
    });
    return Status::Ok();
  }
  for (const api::KeyToPath& item : items) {
    const std::string* content = lookup(item.key);
    if (content == nullptr) {
      if (optional) continue;
      return base::InvalidError("{}: {}", missing_key_message, item.key);
    }
    out[item.path] = File{*content, item.mode.value_or(default_mode)};
  }
  return Status::Ok();
}

Status AddConfigMap(const std::string& ns, const std::string& name,
                    const std::vector<api::KeyToPath>& items, int32_t default_mode, bool optional,
                    ApiObjects* objects, Payload& out) {
  ASSIGN_OR_RETURN(api::ConfigMap cm,
                   Fetch<api::ConfigMap>(objects, "configMap", ns, name, optional,
                                         [&] { return objects->GetConfigMap(ns, name); }));
  // binaryData holds the keys that are not UTF-8; the two maps never share a key.
  auto lookup = [&](const std::string& key) -> const std::string* {
    if (auto it = cm.data.find(key); it != cm.data.end()) return &it->second;
    if (auto it = cm.binary_data.find(key); it != cm.binary_data.end()) return &it->second.data;
    return nullptr;
  };
  auto for_each = [&](const auto& fn) {
    for (const auto& [k, v] : cm.data) fn(k, v);
    for (const auto& [k, v] : cm.binary_data) fn(k, v.data);
  };
  return AddKeys(items, default_mode, optional, "configmap references non-existent config key",
                 lookup, for_each, out);
}

Status AddSecret(const std::string& ns, const std::string& name,
                 const std::vector<api::KeyToPath>& items, int32_t default_mode, bool optional,
                 ApiObjects* objects, Payload& out) {
  ASSIGN_OR_RETURN(api::Secret secret,
                   Fetch<api::Secret>(objects, "secret", ns, name, optional,
                                      [&] { return objects->GetSecret(ns, name); }));
  auto lookup = [&](const std::string& key) -> const std::string* {
    auto it = secret.data.find(key);
    return it == secret.data.end() ? nullptr : &it->second.data;
  };
  auto for_each = [&](const auto& fn) {
    for (const auto& [k, v] : secret.data) fn(k, v.data);
  };
  return AddKeys(items, default_mode, optional, "references non-existent secret key", lookup,
                 for_each, out);
}

// CollectData: every item is tried, and the failures are reported together.
Status AddDownwardApi(const api::Pod& pod, const std::vector<api::DownwardAPIVolumeFile>& items,
                      int32_t default_mode, const NodeInfo& node, Payload& out) {
  Errors errors;
  for (const api::DownwardAPIVolumeFile& item : items) {
    Result<std::string> value = std::string();
    if (item.field_ref) {
      value = PodMetadataField(pod, item.field_ref->field_path);
    } else if (item.resource_field_ref) {
      value = ResourceFieldValue(pod, nullptr, *item.resource_field_ref, node);
    }
    if (!value.ok()) {
      errors.Add(value.status());
      continue;
    }
    out[item.path] = File{std::move(value).value(), item.mode.value_or(default_mode)};
  }
  return errors.ToStatus();
}

Status AddProjected(const api::Pod& pod, const api::ProjectedVolumeSource& projected,
                    ApiObjects* objects, const NodeInfo& node, Payload& out) {
  const std::string ns = PodNamespace(pod);
  const int32_t mode = projected.default_mode.value_or(kDefaultMode);
  Errors errors;
  for (const api::VolumeProjection& source : projected.sources) {
    if (source.service_account_token) {
      // Not a passing failure: retrying cannot help, so say what to change right away.
      return Status(Code::kUnimplemented,
                    fmt::format("serviceAccountToken projection (path \"{}\"): service account "
                                "tokens come from the API server's token issuer, which cubelet "
                                "does not have yet; set automountServiceAccountToken: false on "
                                "the pod, or remove the serviceAccountToken source",
                                source.service_account_token->path));
    }
    if (source.secret) {
      const api::ProjectedItems& s = *source.secret;
      errors.Add(AddSecret(ns, s.name, s.items, mode, s.optional.value_or(false), objects, out));
    } else if (source.config_map) {
      const api::ProjectedItems& c = *source.config_map;
      errors.Add(AddConfigMap(ns, c.name, c.items, mode, c.optional.value_or(false), objects, out));
    } else if (source.downward_api) {
      errors.Add(AddDownwardApi(pod, source.downward_api->items, mode, node, out));
    }
  }
  return errors.ToStatus();
}

Status Collect(const api::Pod& pod, const api::Volume& v, ApiObjects* objects, const NodeInfo& node,
               Payload& out) {
  const std::string ns = PodNamespace(pod);
  if (v.config_map) {
    const auto& c = *v.config_map;
    return AddConfigMap(ns, c.name, c.items, c.default_mode.value_or(kDefaultMode),
                        c.optional.value_or(false), objects, out);
  }
  if (v.secret) {
    const auto& s = *v.secret;
    return AddSecret(ns, s.secret_name, s.items, s.default_mode.value_or(kDefaultMode),
                     s.optional.value_or(false), objects, out);
  }
  if (v.downward_api) {
    return AddDownwardApi(pod, v.downward_api->items,
                          v.downward_api->default_mode.value_or(kDefaultMode), node, out);
  }
  if (v.projected) return AddProjected(pod, *v.projected, objects, node, out);
  return base::InvalidError("not a configMap, secret, downwardAPI or projected volume");
}

}  // namespace

Result<std::vector<runtime::KeyToPath>> VolumeFiles(const api::Pod& pod, const api::Volume& volume,
                                                    ApiObjects* objects, const NodeInfo& node) {
  Payload payload;
  Status s = Collect(pod, volume, objects, node, payload);
  Result<std::vector<runtime::KeyToPath>> files =
      s.ok() ? ToFiles(payload) : Result<std::vector<runtime::KeyToPath>>(s);
  if (files.ok()) return files;
  // The text of the kubelet's FailedMount event, which names the volume.
  return Status(files.status().code(),
                fmt::format("MountVolume.SetUp failed for volume \"{}\" : {}", volume.name,
                            files.status().message()));
}

}  // namespace cubelet::node
