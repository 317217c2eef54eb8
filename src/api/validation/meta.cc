// ObjectMeta, labels, annotations and label selectors (apimachinery's api/validation/objectmeta.go
// and apis/meta/v1/validation, plus the finalizer rule of pkg/apis/core/validation).
#include <algorithm>

#include <fmt/format.h>

#include "api/validation/validation.h"

namespace cubelet::api::validation {
namespace {

constexpr size_t kTotalAnnotationSizeLimit = 256 * 1024;
constexpr std::string_view kFinalizerOrphan = "orphan";
constexpr std::string_view kFinalizerForeground = "foregroundDeletion";

// The finalizer names Kubernetes itself uses without a domain prefix.
bool IsStandardFinalizerName(std::string_view name) {
  return name == "kubernetes" || name == kFinalizerOrphan || name == kFinalizerForeground;
}

// schema.ParseGroupVersion + FromAPIVersionAndKind: the version of an apiVersion, empty when the
// apiVersion has no version part or does not parse.
std::string VersionOf(std::string_view api_version, std::string* group) {
  std::vector<std::string_view> parts = Split(api_version, '/');
  group->clear();
  if (api_version.empty()) return "";
  if (parts.size() == 1) return std::string(parts[0]);
  if (parts.size() == 2) {
    *group = std::string(parts[0]);
    return std::string(parts[1]);
  }
  return "";
}

// The list of owner references as Kubernetes prints it in the controller error; Go would print
// pointer addresses here, so a stable rendering of the same fields is used instead.
std::string RenderOwnerReferences(const std::vector<OwnerReference>& refs) {
  std::string out = "[]v1.OwnerReference{";
  for (size_t i = 0; i < refs.size(); ++i) {
    const OwnerReference& r = refs[i];
    if (i > 0) out += ", ";
    out +=
        fmt::format("v1.OwnerReference{{APIVersion:{}, Kind:{}, Name:{}, UID:{}, Controller:{}}}",
                    GoQuote(r.api_version), GoQuote(r.kind), GoQuote(r.name), GoQuote(r.uid),
                    r.controller ? (*r.controller ? "true" : "false") : "nil");
  }
  return out + "}";
}

FieldErrors ValidateOwnerReferences(const std::vector<OwnerReference>& refs,
                                    const FieldPath& path) {
  FieldErrors errs;
  std::string first_controller;
  for (const OwnerReference& ref : refs) {
    // Kubernetes reports these at the list's path, not at the item's index.
    std::string group;
    const std::string version = VersionOf(ref.api_version, &group);
    if (version.empty()) {
      errs.push_back(
          Invalid(path.Child("apiVersion"), ref.api_version, "version must not be empty"));
    }
    if (ref.kind.empty())
      errs.push_back(Invalid(path.Child("kind"), ref.kind, "must not be empty"));
    if (ref.name.empty())
      errs.push_back(Invalid(path.Child("name"), ref.name, "must not be empty"));
    if (ref.uid.empty()) errs.push_back(Invalid(path.Child("uid"), ref.uid, "must not be empty"));
    if (group.empty() && version == "v1" && ref.kind == "Event") {
      errs.push_back(InvalidRaw(path, RenderOwnerReferences({ref}),
                                "/v1, Kind=Event is disallowed from being an owner"));
    }
    if (ref.controller.value_or(false)) {
      const std::string name = ref.kind + "/" + ref.name;
      if (!first_controller.empty()) {
        errs.push_back(InvalidRaw(
            path, RenderOwnerReferences(refs),
            fmt::format("Only one reference can have Controller set to true. Found \"true\" in "
                        "references for {} and {}",
                        first_controller, name)));
      } else {
        first_controller = name;
      }
    }
  }
  return errs;
}

FieldErrors ValidateFinalizers(const std::vector<std::string>& finalizers, const FieldPath& path) {
  FieldErrors errs;
  bool orphan = false;
  bool foreground = false;
  for (const std::string& f : finalizers) {
    Append(errs, ValidateQualifiedName(f, path));
    orphan = orphan || f == kFinalizerOrphan;
    foreground = foreground || f == kFinalizerForeground;
  }
  if (orphan && foreground) {
    errs.push_back(InvalidRaw(path, RenderStringList(finalizers),
                              "finalizer orphan and foregroundDeletion cannot be both set"));
  }
  return errs;
}

bool ValidRequirement(const LabelSelectorRequirement& r) {
  if (r.operator_ == "In" || r.operator_ == "NotIn") {
    if (r.values.empty()) return false;
  } else if (r.operator_ == "Exists" || r.operator_ == "DoesNotExist") {
    if (!r.values.empty()) return false;
  } else {
    return false;
  }
  if (!IsQualifiedName(r.key).empty()) return false;
  return std::all_of(r.values.begin(), r.values.end(),
                     [](const std::string& v) { return IsLabelValue(v).empty(); });
}

}  // namespace

FieldErrors ValidateLabels(const StringMap& labels, const FieldPath& path) {
  // Label errors carry the map's path, not the key's: that is what Kubernetes reports.
  FieldErrors errs;
  for (const auto& [k, v] : labels) {
    AppendInvalid(errs, path, k, IsQualifiedName(k));
    AppendInvalid(errs, path, v, IsLabelValue(v));
  }
  return errs;
}

FieldErrors ValidateAnnotations(const StringMap& annotations, const FieldPath& path) {
  FieldErrors errs;
  size_t total = 0;
  for (const auto& [k, v] : annotations) {
    // Annotation keys are qualified names in which case does not matter.
    AppendInvalid(errs, path, k, IsQualifiedName(ToLower(k)));
    total += k.size() + v.size();
  }
  if (total > kTotalAnnotationSizeLimit) errs.push_back(TooLong(path, kTotalAnnotationSizeLimit));
  return errs;
}

FieldErrors ValidateObjectMeta(const ObjectMeta& meta, bool namespaced, NameFn name_fn,
                               const FieldPath& path) {
  FieldErrors errs;
  if (!meta.generate_name.empty()) {
    AppendInvalid(errs, path.Child("generateName"), meta.generate_name,
                  name_fn(meta.generate_name, /*prefix=*/true));
  }
  if (meta.name.empty()) {
    // The name is generated from generateName by the caller at create time.
    if (meta.generate_name.empty()) {
      errs.push_back(Required(path.Child("name"), "name or generateName is required"));
    }
  } else {
    AppendInvalid(errs, path.Child("name"), meta.name, name_fn(meta.name, /*prefix=*/false));
  }
  if (namespaced) {
    if (meta.namespace_.empty()) {
      errs.push_back(Required(path.Child("namespace")));
    } else {
      AppendInvalid(errs, path.Child("namespace"), meta.namespace_,
                    NameIsDNSLabel(meta.namespace_, false));
    }
  } else if (!meta.namespace_.empty()) {
    errs.push_back(Forbidden(path.Child("namespace"), "not allowed on this type"));
  }
  Append(errs, ValidateNonnegative(meta.generation, path.Child("generation")));
  Append(errs, ValidateLabels(meta.labels, path.Child("labels")));
  Append(errs, ValidateAnnotations(meta.annotations, path.Child("annotations")));
  Append(errs, ValidateOwnerReferences(meta.owner_references, path.Child("ownerReferences")));
  Append(errs, ValidateFinalizers(meta.finalizers, path.Child("finalizers")));
  // pkg/apis/core adds: a finalizer without a domain must be one Kubernetes defines.
  for (size_t i = 0; i < meta.finalizers.size(); ++i) {
    const std::string& f = meta.finalizers[i];
    if (f.find('/') == std::string::npos && !IsStandardFinalizerName(f)) {
      errs.push_back(
          Invalid(path.Child("finalizers").Index(i), f,
                  "name is neither a standard finalizer name nor is it fully qualified"));
    }
  }
  return errs;
}

FieldErrors ValidateLabelSelector(const LabelSelector& selector, const FieldPath& path) {
  FieldErrors errs = ValidateLabels(selector.match_labels, path.Child("matchLabels"));
  for (size_t i = 0; i < selector.match_expressions.size(); ++i) {
    const LabelSelectorRequirement& r = selector.match_expressions[i];
    const FieldPath p = path.Child("matchExpressions").Index(i);
    if (r.operator_ == "In" || r.operator_ == "NotIn") {
      if (r.values.empty()) {
        errs.push_back(
            Required(p.Child("values"), "must be specified when `operator` is 'In' or 'NotIn'"));
      }
    } else if (r.operator_ == "Exists" || r.operator_ == "DoesNotExist") {
      if (!r.values.empty()) {
        errs.push_back(
            Forbidden(p.Child("values"),
                      "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      }
    } else {
      errs.push_back(Invalid(p.Child("operator"), r.operator_, "not a valid selector operator"));
    }
    Append(errs, ValidateQualifiedName(r.key, p.Child("key")));
    for (size_t j = 0; j < r.values.size(); ++j) {
      AppendInvalid(errs, p.Child("values").Index(j), r.values[j], IsLabelValue(r.values[j]));
    }
  }
  return errs;
}

bool LabelSelectorConvertible(const LabelSelector& selector) {
  for (const auto& [k, v] : selector.match_labels) {
    if (!IsQualifiedName(k).empty() || !IsLabelValue(v).empty()) return false;
  }
  return std::all_of(selector.match_expressions.begin(), selector.match_expressions.end(),
                     ValidRequirement);
}

bool LabelSelectorEmpty(const LabelSelector& selector) {
  return selector.match_labels.empty() && selector.match_expressions.empty();
}

bool LabelSelectorMatches(const LabelSelector& selector, const StringMap& labels) {
  for (const auto& [k, v] : selector.match_labels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  for (const LabelSelectorRequirement& r : selector.match_expressions) {
    auto it = labels.find(r.key);
    const bool has = it != labels.end();
    const bool in =
        has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    if (r.operator_ == "In" && !in) return false;
    if (r.operator_ == "NotIn" && in) return false;
    if (r.operator_ == "Exists" && !has) return false;
    if (r.operator_ == "DoesNotExist" && has) return false;
  }
  return true;
}

FieldErrors ValidateTaintEffect(std::string_view effect, bool allow_empty, const FieldPath& path) {
  if (!allow_empty && effect.empty()) return {Required(path)};
  if (effect == "NoSchedule" || effect == "PreferNoSchedule" || effect == "NoExecute") return {};
  return {NotSupported(path, effect, {"NoSchedule", "PreferNoSchedule", "NoExecute"})};
}

}  // namespace cubelet::api::validation
