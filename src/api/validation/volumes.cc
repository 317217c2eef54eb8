// Pod volumes (ValidateVolumes / validateVolumeSource in validation.go) and the downward-API
// selectors volumes share with environment variables.
#include <algorithm>

#include "api/validation/validation.h"

namespace cubelet::api::validation {
namespace {

constexpr std::string_view kMoreThanOneType = "may not specify more than 1 volume type";

// Downward-API paths usable in volume files (validVolumeDownwardAPIFieldPathExpressions), sorted
// as Kubernetes lists them.
const std::initializer_list<std::string_view> kVolumeFieldPaths = {
    "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace",
    "metadata.uid"};

// fieldpath.SplitMaybeSubscriptedPath: "metadata.labels['app']" -> ("metadata.labels", "app").
bool SplitSubscript(std::string_view field_path, std::string_view* path, std::string_view* key) {
  if (!field_path.ends_with("']")) return false;
  std::string_view s = field_path.substr(0, field_path.size() - 2);
  const size_t open = s.find("['");
  if (open == std::string_view::npos || open == 0) return false;
  *path = s.substr(0, open);
  *key = s.substr(open + 2);
  return true;
}

// The labels podshelper.ConvertDownwardAPIFieldLabel accepts for v1.
bool IsConvertibleFieldLabel(std::string_view label) {
  static constexpr std::string_view kLabels[] = {
      "metadata.annotations", "metadata.labels", "metadata.name",      "metadata.namespace",
      "metadata.uid",         "spec.nodeName",   "spec.restartPolicy", "spec.serviceAccountName",
      "spec.schedulerName",   "status.phase",    "status.hostIP",      "status.hostIPs",
      "status.podIP",         "status.podIPs",   "spec.host"};
  return std::find(std::begin(kLabels), std::end(kLabels), label) != std::end(kLabels);
}

bool HasPrefix(std::string_view s, std::string_view p) { return s.starts_with(p); }

FieldErrors ValidateKeyToPath(const KeyToPath& kp, const FieldPath& path) {
  FieldErrors errs;
  if (kp.key.empty()) errs.push_back(Required(path.Child("key")));
  if (kp.path.empty()) errs.push_back(Required(path.Child("path")));
  Append(errs, ValidateLocalNonReservedPath(kp.path, path.Child("path")));
  Append(errs, ValidateFileMode(kp.mode, path.Child("mode")));
  return errs;
}

FieldErrors ValidateItems(const std::vector<KeyToPath>& items, const FieldPath& path) {
  FieldErrors errs;
  for (size_t i = 0; i < items.size(); ++i)
    Append(errs, ValidateKeyToPath(items[i], path.Index(i)));
  return errs;
}

FieldErrors ValidateHostPath(const HostPathVolumeSource& hp, const FieldPath& path) {
  if (hp.path.empty()) return {Required(path.Child("path"))};
  FieldErrors errs = ValidatePathNoBacksteps(hp.path, path.Child("path"));
  if (hp.type) {
    static constexpr std::string_view kTypes[] = {
        "",     "BlockDevice",  "CharDevice", "Directory", "DirectoryOrCreate",
        "File", "FileOrCreate", "Socket"};
    if (std::find(std::begin(kTypes), std::end(kTypes), *hp.type) == std::end(kTypes)) {
      errs.push_back(NotSupported(path.Child("type"), *hp.type,
                                  {"", "BlockDevice", "CharDevice", "Directory",
                                   "DirectoryOrCreate", "File", "FileOrCreate", "Socket"}));
    }
  }
  return errs;
}

FieldErrors ValidateEmptyDir(const EmptyDirVolumeSource& ed, const FieldPath& path) {
  FieldErrors errs;
  if (ed.size_limit && ed.size_limit->IsNegative()) {
    errs.push_back(
        Forbidden(path.Child("sizeLimit"), "SizeLimit field must be a valid resource quantity"));
  }
  // Kubernetes leaves the medium to the kubelet; cubelet's agent only knows these, so an
  // unknown medium is rejected at the API rather than failing the pod later.
  if (!ed.medium.empty() && ed.medium != "Memory" && !HasPrefix(ed.medium, "HugePages")) {
    errs.push_back(NotSupported(path.Child("medium"), ed.medium, {"", "Memory", "HugePages"}));
  }
  return errs;
}

FieldErrors ValidateSecretSource(const SecretVolumeSource& s, const FieldPath& path) {
  FieldErrors errs;
  if (s.secret_name.empty()) errs.push_back(Required(path.Child("secretName")));
  Append(errs, ValidateFileMode(s.default_mode, path.Child("defaultMode")));
  Append(errs, ValidateItems(s.items, path.Child("items")));
  return errs;
}

FieldErrors ValidateConfigMapSource(const ConfigMapVolumeSource& s, const FieldPath& path) {
  FieldErrors errs;
  if (s.name.empty()) errs.push_back(Required(path.Child("name")));
  Append(errs, ValidateFileMode(s.default_mode, path.Child("defaultMode")));
  Append(errs, ValidateItems(s.items, path.Child("items")));
  return errs;
}

// Note: Kubernetes reports the errors of every file at the downwardAPI path itself (no index).
FieldErrors ValidateDownwardAPIFile(const DownwardAPIVolumeFile& file, const FieldPath& path) {
  FieldErrors errs;
  if (file.path.empty()) errs.push_back(Required(path.Child("path")));
  Append(errs, ValidateLocalNonReservedPath(file.path, path.Child("path")));
  if (file.field_ref) {
    Append(errs,
           ValidateObjectFieldSelector(*file.field_ref, kVolumeFieldPaths, path.Child("fieldRef")));
    if (file.resource_field_ref) {
      errs.push_back(Invalid(path, "resource",
                             "fieldRef and resourceFieldRef can not be specified simultaneously"));
    }
  } else if (file.resource_field_ref) {
    Append(errs, ValidateContainerResourceFieldSelector(*file.resource_field_ref,
                                                        path.Child("resourceFieldRef"), true));
  } else {
    errs.push_back(Required(path, "one of fieldRef and resourceFieldRef is required"));
  }
  Append(errs, ValidateFileMode(file.mode, path.Child("mode")));
  return errs;
}

FieldErrors ValidateDownwardAPISource(const DownwardAPIVolumeSource& s, const FieldPath& path) {
  FieldErrors errs = ValidateFileMode(s.default_mode, path.Child("defaultMode"));
  for (const DownwardAPIVolumeFile& f : s.items) Append(errs, ValidateDownwardAPIFile(f, path));
  return errs;
}

FieldErrors ValidateProjectedSource(const ProjectedVolumeSource& s, const FieldPath& path) {
  FieldErrors errs = ValidateFileMode(s.default_mode, path.Child("defaultMode"));
  std::set<std::string> all_paths;
  // Every projected file lands in one directory, so two sources may not write the same path.
  auto claim = [&](const std::string& p, std::string_view shown) {
    if (p.empty()) return;
    if (!all_paths.insert(p).second) {
      errs.push_back(Invalid(path, shown, "conflicting duplicate paths"));
    }
  };
  for (size_t i = 0; i < s.sources.size(); ++i) {
    const VolumeProjection& src = s.sources[i];
    const FieldPath src_path = path.Child("sources").Index(i);
    int num_sources = 0;
    const std::pair<const std::optional<ProjectedItems>*, std::string_view> item_sources[] = {
        {&src.secret, "secret"}, {&src.config_map, "configMap"}};
    for (const auto& [items_src, child] : item_sources) {
      if (!*items_src) continue;
      ++num_sources;
      const FieldPath proj = src_path.Child(child);
      const ProjectedItems& p = **items_src;
      if (p.name.empty()) errs.push_back(Required(proj.Child("name")));
      for (size_t j = 0; j < p.items.size(); ++j) {
        Append(errs, ValidateKeyToPath(p.items[j], proj.Child("items").Index(j)));
        claim(p.items[j].path, p.name);
      }
    }
    if (src.downward_api) {
      ++num_sources;
      const FieldPath proj = src_path.Child("downwardAPI");
      for (const DownwardAPIVolumeFile& f : src.downward_api->items) {
        Append(errs, ValidateDownwardAPIFile(f, proj));
        claim(f.path, f.path);
      }
    }
    if (src.service_account_token) {
      ++num_sources;
      const ServiceAccountTokenProjection& t = *src.service_account_token;
      const FieldPath proj = src_path.Child("serviceAccountToken");
      const int64_t exp = t.expiration_seconds.value_or(0);
      if (exp < 10 * 60) {
        errs.push_back(InvalidInt(proj.Child("expirationSeconds"), exp,
                                  "may not specify a duration less than 10 minutes"));
      }
      if (exp > (int64_t{1} << 32)) {
        errs.push_back(InvalidInt(proj.Child("expirationSeconds"), exp,
                                  "may not specify a duration larger than 2^32 seconds"));
      }
      // Kubernetes reports the token path at the projected volume's path.
      if (t.path.empty()) {
        errs.push_back(Required(path.Child("path")));
      } else {
        Append(errs, ValidateLocalNonReservedPath(t.path, path.Child("path")));
      }
    }
    if (num_sources > 1) {
      errs.push_back(Forbidden(src_path, "may not specify more than 1 volume type per source"));
    }
  }
  return errs;
}

FieldErrors ValidateVolumeSource(const Volume& v, const FieldPath& path) {
  FieldErrors errs;
  int num = 0;
  // Sources are checked in Kubernetes' order; the second and later ones are reported.
  auto source = [&](bool present, std::string_view child, auto&& validate) {
    if (!present) return;
    if (num > 0) {
      errs.push_back(Forbidden(path.Child(child), std::string(kMoreThanOneType)));
      return;
    }
    ++num;
    Append(errs, validate(path.Child(child)));
  };
  source(v.empty_dir.has_value(), "emptyDir",
         [&](const FieldPath& p) { return ValidateEmptyDir(*v.empty_dir, p); });
  source(v.host_path.has_value(), "hostPath",
         [&](const FieldPath& p) { return ValidateHostPath(*v.host_path, p); });
  source(v.secret.has_value(), "secret",
         [&](const FieldPath& p) { return ValidateSecretSource(*v.secret, p); });
  source(v.persistent_volume_claim.has_value(), "persistentVolumeClaim", [&](const FieldPath& p) {
    FieldErrors e;
    if (v.persistent_volume_claim->claim_name.empty()) e.push_back(Required(p.Child("claimName")));
    return e;
  });
  source(v.downward_api.has_value(), "downwardAPI",
         [&](const FieldPath& p) { return ValidateDownwardAPISource(*v.downward_api, p); });
  source(v.config_map.has_value(), "configMap",
         [&](const FieldPath& p) { return ValidateConfigMapSource(*v.config_map, p); });
  source(v.projected.has_value(), "projected",
         [&](const FieldPath& p) { return ValidateProjectedSource(*v.projected, p); });
  if (num == 0) errs.push_back(Required(path, "must specify a volume type"));
  return errs;
}

}  // namespace

std::set<std::string> ValidateVolumes(const std::vector<Volume>& volumes, const FieldPath& path,
                                      FieldErrors& errs) {
  std::set<std::string> names;
  for (size_t i = 0; i < volumes.size(); ++i) {
    const Volume& v = volumes[i];
    const FieldPath idx = path.Index(i);
    FieldErrors el = ValidateVolumeSource(v, idx);
    if (v.name.empty()) {
      el.push_back(Required(idx.Child("name")));
    } else {
      Append(el, ValidateDNS1123Label(v.name, idx.Child("name")));
    }
    if (names.contains(v.name)) el.push_back(Duplicate(idx.Child("name"), v.name));
    if (el.empty()) {
      names.insert(v.name);
    } else {
      Append(errs, std::move(el));
    }
  }
  return names;
}

FieldErrors ValidateObjectFieldSelector(const ObjectFieldSelector& fs,
                                        std::initializer_list<std::string_view> expressions,
                                        const FieldPath& path) {
  if (fs.api_version.empty()) return {Required(path.Child("apiVersion"))};
  if (fs.field_path.empty()) return {Required(path.Child("fieldPath"))};
  // ConvertDownwardAPIFieldLabel: only v1 pods, only known labels, subscripts on two maps.
  std::string error;
  std::string_view sub_path;
  std::string_view key;
  const bool subscripted = SplitSubscript(fs.field_path, &sub_path, &key);
  if (fs.api_version != "v1") {
    error = "unsupported pod version: " + fs.api_version;
  } else if (subscripted) {
    if (sub_path != "metadata.annotations" && sub_path != "metadata.labels") {
      error = "field label does not support subscript: " + fs.field_path;
    }
  } else if (!IsConvertibleFieldLabel(fs.field_path)) {
    error = "field label not supported: " + fs.field_path;
  }
  if (!error.empty()) {
    return {
        Invalid(path.Child("fieldPath"), fs.field_path, "error converting fieldPath: " + error)};
  }
  const std::string internal = fs.field_path == "spec.host" ? "spec.nodeName" : fs.field_path;
  if (subscripted) {
    // Annotation keys are case-insensitive qualified names; label keys are not.
    if (sub_path == "metadata.annotations") return ValidateQualifiedName(ToLower(key), path);
    return ValidateQualifiedName(key, path);
  }
  if (std::find(expressions.begin(), expressions.end(), internal) == expressions.end()) {
    return {NotSupported(path.Child("fieldPath"), internal, expressions)};
  }
  return {};
}

FieldErrors ValidateContainerResourceFieldSelector(const ResourceFieldSelector& fs,
                                                   const FieldPath& path, bool volume) {
  FieldErrors errs;
  static const std::initializer_list<std::string_view> kResources = {
      "limits.cpu",   "limits.ephemeral-storage",   "limits.memory",
      "requests.cpu", "requests.ephemeral-storage", "requests.memory"};
  const std::string& r = fs.resource;
  if (volume && fs.container_name.empty()) {
    errs.push_back(Required(path.Child("containerName")));
  } else if (r.empty()) {
    errs.push_back(Required(path.Child("resource")));
  } else if (std::find(kResources.begin(), kResources.end(), r) == kResources.end() &&
             !HasPrefix(r, "requests.hugepages-") && !HasPrefix(r, "limits.hugepages-")) {
    errs.push_back(NotSupported(path.Child("resource"), r, kResources));
  }
  if (fs.divisor.IsZero()) return errs;
  const std::string d = fs.divisor.ToString();
  static constexpr std::string_view kByteDivisors[] = {
      "1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"};
  const bool byte_divisor =
      std::find(std::begin(kByteDivisors), std::end(kByteDivisors), d) != std::end(kByteDivisors);
  constexpr std::string_view kByteList = "1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei";
  const FieldPath dp = path.Child("divisor");
  if (r == "limits.cpu" || r == "requests.cpu") {
    if (d != "1m" && d != "1") {
      errs.push_back(
          Invalid(dp, r, "only divisor's values 1m and 1 are supported with the cpu resource"));
    }
  } else if ((r == "limits.memory" || r == "requests.memory") && !byte_divisor) {
    errs.push_back(Invalid(dp, r,
                           "only divisor's values " + std::string(kByteList) +
                               " are supported with the memory resource"));
  } else if ((r == "limits.ephemeral-storage" || r == "requests.ephemeral-storage") &&
             !byte_divisor) {
    errs.push_back(Invalid(dp, r,
                           "only divisor's values " + std::string(kByteList) +
                               " are supported with the local ephemeral storage resource"));
  }
  if ((HasPrefix(r, "requests.hugepages-") || HasPrefix(r, "limits.hugepages-")) && !byte_divisor) {
    errs.push_back(Invalid(dp, r,
                           "only divisor's values " + std::string(kByteList) +
                               " are supported with the hugepages resource"));
  }
  return errs;
}

}  // namespace cubelet::api::validation
