// apps/v1 Deployment and ReplicaSet (pkg/apis/apps/validation/validation.go).
#include <charconv>

#include "api/validation/validation.h"

namespace cubelet::api {
namespace validation {
namespace {

// Deployments and ReplicaSets share these checks; Kubernetes' ReplicaSet message also says
// "deployment".
constexpr std::string_view kEmptySelector = "empty selector is invalid for deployment";

// Validates spec.selector and the template it must select (ValidateReplicaSetSpec's middle part
// and ValidatePodTemplateSpecForReplicaSet).
FieldErrors ValidateSelectorAndTemplate(const std::optional<LabelSelector>& selector,
                                        const PodTemplateSpec& tmpl, const FieldPath& spec_path) {
  FieldErrors errs;
  const FieldPath sel_path = spec_path.Child("selector");
  if (!selector) {
    errs.push_back(Required(sel_path));
  } else {
    Append(errs, ValidateLabelSelector(*selector, sel_path));
    if (LabelSelectorEmpty(*selector)) {
      errs.push_back(
          InvalidRaw(sel_path, RenderLabelSelector(*selector), std::string(kEmptySelector)));
    }
  }
  if (selector && !LabelSelectorConvertible(*selector)) {
    // Kubernetes cannot build a selector and skips the template entirely.
    errs.push_back(InvalidRaw(sel_path, RenderLabelSelector(*selector), "invalid label selector"));
    return errs;
  }
  const FieldPath tmpl_path = spec_path.Child("template");
  // A missing selector selects nothing (labels.Nothing()), so it never matches the template.
  const bool empty = selector && LabelSelectorEmpty(*selector);
  if (!empty && (!selector || !LabelSelectorMatches(*selector, tmpl.metadata.labels))) {
    errs.push_back(InvalidRaw(tmpl_path.Child("metadata").Child("labels"),
                              RenderStringMap(tmpl.metadata.labels),
                              "`selector` does not match template `labels`"));
  }
  Append(errs, ValidatePodTemplateSpec(tmpl, tmpl_path));
  // The controller restarts pods itself; a pod that stops for good would never be replaced.
  if (tmpl.spec.restart_policy != "Always") {
    errs.push_back(NotSupported(tmpl_path.Child("spec").Child("restartPolicy"),
                                tmpl.spec.restart_policy, {"Always"}));
  }
  if (tmpl.spec.active_deadline_seconds) {
    errs.push_back(Forbidden(tmpl_path.Child("spec").Child("activeDeadlineSeconds"),
                             "activeDeadlineSeconds in ReplicaSet is not Supported"));
  }
  return errs;
}

// intstr.GetValueFromIntOrPercent's view of a value that may be a malformed percentage: a
// string that is not "N%" reads as its integer value, or 0.
int IntOrPercentValue(const IntOrString& v) {
  if (!v.is_string) return v.int_val;
  std::string_view s = v.str_val;
  if (IsValidPercent(s).empty()) s.remove_suffix(1);
  int out = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || ptr != s.data() + s.size()) return 0;
  return out;
}

FieldErrors ValidatePositiveIntOrPercent(const IntOrString& v, const FieldPath& path) {
  if (!v.is_string) return ValidateNonnegative(v.int_val, path);
  FieldErrors errs;
  for (const std::string& msg : IsValidPercent(v.str_val)) {
    errs.push_back(InvalidRaw(path, RenderIntOrString(v), msg));
  }
  return errs;
}

FieldErrors ValidateRollingUpdate(const RollingUpdateDeployment& ru, const FieldPath& path) {
  // Both are defaulted to 25%; an absent value counts as 0 as in the internal Go type.
  const IntOrString max_unavailable = ru.max_unavailable.value_or(IntOrString::Int(0));
  const IntOrString max_surge = ru.max_surge.value_or(IntOrString::Int(0));
  const FieldPath mu_path = path.Child("maxUnavailable");
  FieldErrors errs = ValidatePositiveIntOrPercent(max_unavailable, mu_path);
  Append(errs, ValidatePositiveIntOrPercent(max_surge, path.Child("maxSurge")));
  // With neither extra nor missing pods allowed a rollout could never make progress.
  if (IntOrPercentValue(max_unavailable) == 0 && IntOrPercentValue(max_surge) == 0) {
    errs.push_back(InvalidRaw(mu_path, RenderIntOrString(max_unavailable),
                              "may not be 0 when `maxSurge` is 0"));
  }
  if (max_unavailable.is_string && IsValidPercent(max_unavailable.str_val).empty() &&
      IntOrPercentValue(max_unavailable) > 100) {
    errs.push_back(
        InvalidRaw(mu_path, RenderIntOrString(max_unavailable), "must not be greater than 100%"));
  }
  return errs;
}

std::string RenderStrategy(const DeploymentStrategy& s) {
  return "apps.DeploymentStrategy{Type:" + GoQuote(s.type) + ", RollingUpdate:" +
         (s.rolling_update ? std::string("(*apps.RollingUpdateDeployment){...}")
                           : std::string("(*apps.RollingUpdateDeployment)(nil)")) +
         "}";
}

FieldErrors ValidateStrategy(const DeploymentStrategy& s, const FieldPath& path) {
  if (s.type == "Recreate") {
    if (!s.rolling_update) return {};
    return {Forbidden(path.Child("rollingUpdate"),
                      "may not be specified when strategy `type` is 'Recreate'")};
  }
  if (s.type == "RollingUpdate") {
    if (!s.rolling_update) {
      return {Required(path.Child("rollingUpdate"), "this should be defaulted and never be nil")};
    }
    return ValidateRollingUpdate(*s.rolling_update, path.Child("rollingUpdate"));
  }
  FieldError err = NotSupported(path, "", {"Recreate", "RollingUpdate"});
  err.value = RenderStrategy(s);
  return {err};
}

}  // namespace
}  // namespace validation

FieldErrors ValidateDeployment(const Deployment& d) {
  using namespace validation;
  FieldErrors errs =
      ValidateObjectMeta(d.metadata, true, NameIsDNSSubdomain, FieldPath("metadata"));
  const DeploymentSpec& s = d.spec;
  const FieldPath path("spec");
  Append(errs, ValidateNonnegative(s.replicas.value_or(0), path.Child("replicas")));
  Append(errs, ValidateSelectorAndTemplate(s.selector, s.template_, path));
  Append(errs, ValidateStrategy(s.strategy, path.Child("strategy")));
  Append(errs, ValidateNonnegative(s.min_ready_seconds, path.Child("minReadySeconds")));
  if (s.revision_history_limit) {
    // Zero is valid: keep no old ReplicaSets.
    Append(errs,
           ValidateNonnegative(*s.revision_history_limit, path.Child("revisionHistoryLimit")));
  }
  if (s.progress_deadline_seconds) {
    const FieldPath p = path.Child("progressDeadlineSeconds");
    Append(errs, ValidateNonnegative(*s.progress_deadline_seconds, p));
    if (*s.progress_deadline_seconds <= s.min_ready_seconds) {
      errs.push_back(
          InvalidInt(p, *s.progress_deadline_seconds, "must be greater than minReadySeconds"));
    }
  }
  return errs;
}

FieldErrors ValidateReplicaSet(const ReplicaSet& rs) {
  using namespace validation;
  FieldErrors errs =
      ValidateObjectMeta(rs.metadata, true, NameIsDNSSubdomain, FieldPath("metadata"));
  const FieldPath path("spec");
  Append(errs, ValidateNonnegative(rs.spec.replicas.value_or(0), path.Child("replicas")));
  Append(errs, ValidateNonnegative(rs.spec.min_ready_seconds, path.Child("minReadySeconds")));
  Append(errs, ValidateSelectorAndTemplate(rs.spec.selector, rs.spec.template_, path));
  return errs;
}

}  // namespace cubelet::api
