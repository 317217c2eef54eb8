// Namespace, Node, Event and ServiceAccount.
#include <fmt/format.h>

#include "api/validation/validation.h"

namespace cubelet::api::validation {
namespace {

constexpr size_t kReportingInstanceLengthLimit = 128;
constexpr size_t kActionLengthLimit = 128;
constexpr size_t kReasonLengthLimit = 128;
constexpr size_t kNoteLengthLimit = 1024;

std::string RenderTaint(const Taint& t) {
  return fmt::format("core.Taint{{Key:{}, Value:{}, Effect:{}, TimeAdded:<nil>}}", GoQuote(t.key),
                     GoQuote(t.value), GoQuote(t.effect));
}

// Kubernetes validates node taints under "metadata.taints"; the path is kept for fidelity.
FieldErrors ValidateTaints(const std::vector<Taint>& taints, const FieldPath& path) {
  FieldErrors errs;
  std::set<std::pair<std::string, std::string>> unique;  // (effect, key)
  for (size_t i = 0; i < taints.size(); ++i) {
    const Taint& t = taints[i];
    const FieldPath idx = path.Index(i);
    Append(errs, ValidateQualifiedName(t.key, idx.Child("key")));
    Messages msgs = IsLabelValue(t.value);
    if (!msgs.empty()) {
      std::string joined;
      for (const std::string& m : msgs) joined += (joined.empty() ? "" : ";") + m;
      errs.push_back(Invalid(idx.Child("value"), t.value, joined));
    }
    Append(errs, ValidateTaintEffect(t.effect, false, idx.Child("effect")));
    if (!unique.insert({t.effect, t.key}).second) {
      errs.push_back(FieldError{FieldErrorType::kDuplicate, idx.str(), RenderTaint(t),
                                "taints must be unique by key and effect pair"});
    }
  }
  return errs;
}

}  // namespace

FieldErrors ValidateNamespace(const Namespace& ns) {
  FieldErrors errs = ValidateObjectMeta(ns.metadata, false, NameIsDNSLabel, FieldPath("metadata"));
  const FieldPath path = FieldPath("spec").Child("finalizers");
  for (const std::string& f : ns.spec.finalizers) {
    Append(errs, ValidateQualifiedName(f, path));
    if (f.find('/') == std::string::npos && f != "kubernetes" && f != "orphan" &&
        f != "foregroundDeletion") {
      errs.push_back(
          Invalid(path, f, "name is neither a standard finalizer name nor is it fully qualified"));
    }
  }
  return errs;
}

FieldErrors ValidateNode(const Node& node) {
  const FieldPath meta("metadata");
  FieldErrors errs = ValidateObjectMeta(node.metadata, false, NameIsDNSSubdomain, meta);
  Append(errs, ValidateTaints(node.spec.taints, meta.Child("taints")));
  for (const auto& [list, name] : {std::pair{&node.status.capacity, "capacity"},
                                   std::pair{&node.status.allocatable, "allocatable"}}) {
    for (const auto& [res, q] : *list) {
      if (q.IsNegative()) {
        errs.push_back(Invalid(FieldPath("status").Child(name).Child(res), q.ToString(),
                               std::string(kIsNegativeErrorMsg)));
      }
    }
  }
  const FieldPath cidrs = FieldPath("spec").Child("podCIDRs");
  for (size_t i = 0; i < node.spec.pod_cidrs.size(); ++i) {
    Append(errs, ValidateCIDR(node.spec.pod_cidrs[i], cidrs.Index(i)));
  }
  return errs;
}

FieldErrors ValidateEvent(const Event& event) {
  // The v1 (legacy) event rules of pkg/apis/core/validation/events.go, plus metadata checks so a
  // stored event always has a usable name.
  FieldErrors errs =
      ValidateObjectMeta(event.metadata, true, NameIsDNSSubdomain, FieldPath("metadata"));
  const std::string& ns = event.metadata.namespace_;
  const std::string& involved_ns = event.involved_object.namespace_;
  const FieldPath involved = FieldPath("involvedObject").Child("namespace");
  if (event.event_time.IsZero()) {
    // An event about a cluster-scoped object lives in "default" (or no namespace).
    const bool mismatch =
        involved_ns.empty() ? (!ns.empty() && ns != "default") : ns != involved_ns;
    if (mismatch) errs.push_back(Invalid(involved, involved_ns, "does not match event.namespace"));
  } else {
    // New-style events (eventTime set) must say who reported them and what happened.
    if (involved_ns.empty() && ns != "default" && ns != "kube-system") {
      errs.push_back(Invalid(involved, involved_ns, "does not match event.namespace"));
    }
    const FieldPath rc("reportingComponent");
    if (event.reporting_component.empty()) errs.push_back(Required(rc));
    Append(errs, ValidateQualifiedName(event.reporting_component, rc));
    if (event.reporting_instance.empty()) errs.push_back(Required(FieldPath("reportingInstance")));
    if (event.reporting_instance.size() > kReportingInstanceLengthLimit) {
      errs.push_back(
          Invalid(FieldPath("reportingInstance"), "",
                  fmt::format("can have at most {} characters", kReportingInstanceLengthLimit)));
    }
    if (event.action.empty()) errs.push_back(Required(FieldPath("action")));
    if (event.action.size() > kActionLengthLimit) {
      errs.push_back(Invalid(FieldPath("action"), "",
                             fmt::format("can have at most {} characters", kActionLengthLimit)));
    }
    if (event.reason.empty()) errs.push_back(Required(FieldPath("reason")));
    if (event.reason.size() > kReasonLengthLimit) {
      errs.push_back(Invalid(FieldPath("reason"), "",
                             fmt::format("can have at most {} characters", kReasonLengthLimit)));
    }
    if (event.message.size() > kNoteLengthLimit) {
      errs.push_back(Invalid(FieldPath("message"), "",
                             fmt::format("can have at most {} characters", kNoteLengthLimit)));
    }
  }
  // The events.k8s.io rule, applied when a type is given so `kubectl get events` stays sane.
  if (!event.type.empty() && event.type != "Normal" && event.type != "Warning") {
    errs.push_back(
        Invalid(FieldPath("type"), "", fmt::format("has invalid value: {}", event.type)));
  }
  return errs;
}

FieldErrors ValidateServiceAccount(const ServiceAccount& sa) {
  return ValidateObjectMeta(sa.metadata, true, NameIsDNSSubdomain, FieldPath("metadata"));
}

}  // namespace cubelet::api::validation
