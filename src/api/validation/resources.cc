// Container resource requirements: resource names, quantities, and requests <= limits.
#include <fmt/format.h>

#include "api/validation/validation.h"

namespace cubelet::api::validation {
namespace {

bool HasSlash(std::string_view name) { return name.find('/') != std::string_view::npos; }

bool IsHugePages(std::string_view name) { return name.starts_with("hugepages-"); }

// helper.IsNativeResource: unprefixed, or in the kubernetes.io domain.
bool IsNative(std::string_view name) {
  return !HasSlash(name) || name.find("kubernetes.io/") != std::string_view::npos;
}

// helper.IsExtendedResourceName: a domain-prefixed name outside kubernetes.io that would also be
// a valid quota name ("requests.<name>").
bool IsExtended(std::string_view name) {
  if (IsNative(name) || name.starts_with("requests.")) return false;
  return IsQualifiedName("requests." + std::string(name)).empty();
}

// helper.IsStandardResourceName (the names a quota or limit may use without a domain).
bool IsStandardResourceName(std::string_view name) {
  static constexpr std::string_view kNames[] = {"cpu",
                                                "memory",
                                                "ephemeral-storage",
                                                "requests.cpu",
                                                "requests.memory",
                                                "requests.ephemeral-storage",
                                                "limits.cpu",
                                                "limits.memory",
                                                "limits.ephemeral-storage",
                                                "pods",
                                                "services",
                                                "replicationcontrollers",
                                                "resourcequotas",
                                                "secrets",
                                                "configmaps",
                                                "persistentvolumeclaims",
                                                "storage",
                                                "requests.storage",
                                                "services.nodeports",
                                                "services.loadbalancers"};
  for (std::string_view n : kNames) {
    if (n == name) return true;
  }
  return IsHugePages(name) || name.starts_with("requests.hugepages-");
}

bool IsStandardContainerResourceName(std::string_view name) {
  return name == "cpu" || name == "memory" || name == "ephemeral-storage" || IsHugePages(name);
}

// Only CPU, memory and ephemeral storage can be overcommitted; devices cannot.
bool IsOvercommitAllowed(std::string_view name) { return IsNative(name) && !IsHugePages(name); }

FieldErrors ValidateContainerResourceName(std::string_view name, const FieldPath& path) {
  FieldErrors errs;
  AppendInvalid(errs, path, name, IsQualifiedName(name));
  if (errs.empty() && !HasSlash(name) && !IsStandardResourceName(name)) {
    errs.push_back(Invalid(path, name, "must be a standard resource type or fully qualified"));
  }
  if (!HasSlash(name)) {
    if (!IsStandardContainerResourceName(name)) {
      errs.push_back(Invalid(path, name, "must be a standard resource for containers"));
    }
  } else if (!IsNative(name) && !IsExtended(name)) {
    errs.push_back(Invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

FieldErrors ValidateQuantityValue(std::string_view name, const Quantity& q, const FieldPath& path) {
  FieldErrors errs;
  if (q.IsNegative()) errs.push_back(Invalid(path, q.ToString(), std::string(kIsNegativeErrorMsg)));
  // Devices are counted, never split.
  if (IsExtended(name) && q.MilliValue() % 1000 != 0) {
    errs.push_back(InvalidRaw(path, RenderQuantity(q), "must be an integer"));
  }
  return errs;
}

}  // namespace

FieldErrors ValidateResourceRequirements(const ResourceRequirements& req, const FieldPath& path) {
  FieldErrors errs;
  const FieldPath lim_path = path.Child("limits");
  const FieldPath req_path = path.Child("requests");
  bool cpu_or_memory = false;
  bool huge_pages = false;
  for (const auto& [name, q] : req.limits) {
    const FieldPath p = lim_path.Key(name);
    Append(errs, ValidateContainerResourceName(name, p));
    Append(errs, ValidateQuantityValue(name, q, p));
    huge_pages = huge_pages || IsHugePages(name);
    cpu_or_memory = cpu_or_memory || name == "cpu" || name == "memory";
  }
  for (const auto& [name, q] : req.requests) {
    const FieldPath p = req_path.Key(name);
    Append(errs, ValidateContainerResourceName(name, p));
    Append(errs, ValidateQuantityValue(name, q, p));
    auto limit = req.limits.find(name);
    if (limit != req.limits.end()) {
      const int cmp = q.Compare(limit->second);
      // Kubernetes reports these at the requests map's path, not the resource's key.
      if (cmp != 0 && !IsOvercommitAllowed(name)) {
        errs.push_back(Invalid(
            req_path, q.ToString(),
            fmt::format("must be equal to {} limit of {}", name, limit->second.ToString())));
      } else if (cmp > 0) {
        errs.push_back(Invalid(req_path, q.ToString(),
                               fmt::format("must be less than or equal to {} limit of {}", name,
                                           limit->second.ToString())));
      }
    } else if (!IsOvercommitAllowed(name)) {
      errs.push_back(Required(lim_path, "Limit must be set for non overcommitable resources"));
    }
    huge_pages = huge_pages || IsHugePages(name);
    cpu_or_memory = cpu_or_memory || name == "cpu" || name == "memory";
  }
  if (huge_pages && !cpu_or_memory)
    errs.push_back(Forbidden(path, "HugePages require cpu or memory"));
  return errs;
}

}  // namespace cubelet::api::validation
