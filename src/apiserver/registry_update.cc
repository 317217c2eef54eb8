// Registry: updates (PUT and PATCH of an object or its status) and pod binding.
#include <fmt/format.h>

#include "api/patch.h"
#include "apiserver/registry.h"

namespace cubelet::apiserver {
namespace {

// The object without metadata and status: what `generation` counts changes of.
api::Json SpecPart(const api::Object& obj) {
  api::Json j = api::EncodeObject(obj);
  j.erase("metadata");
  j.erase("status");
  return j;
}

// `to` takes `from`'s status (both of one kind; kinds without a status are left alone).
void CopyStatus(const api::Object& from, api::Object& to) {
  std::visit(
      [&](auto& dst) {
        using T = std::decay_t<decltype(dst)>;
        if constexpr (requires { dst.status; }) dst.status = std::get<T>(from).status;
      },
      to);
}

// kube's ValidatePodUpdate: a pod's spec is fixed once created, except for the fields a
// running pod can take (images, the deadline, added tolerations, a grace period).
std::optional<api::FieldError> CheckPodUpdate(const api::Pod& old_pod, const api::Pod& new_pod) {
  api::PodSpec mutated = new_pod.spec;
  auto copy_images = [](std::vector<api::Container>& to, const std::vector<api::Container>& from) {
    if (to.size() != from.size()) return;
    for (size_t i = 0; i < to.size(); ++i) to[i].image = from[i].image;
  };
  copy_images(mutated.containers, old_pod.spec.containers);
  copy_images(mutated.init_containers, old_pod.spec.init_containers);
  mutated.active_deadline_seconds = old_pod.spec.active_deadline_seconds;
  mutated.tolerations = old_pod.spec.tolerations;
  mutated.termination_grace_period_seconds = old_pod.spec.termination_grace_period_seconds;
  if (mutated == old_pod.spec) return std::nullopt;
  return api::Forbidden(
      api::FieldPath("spec"),
      "pod updates may not change fields other than `spec.containers[*].image`,"
      "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
      "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be "
      "set to 1 if it was previously negative)");
}

std::optional<api::FieldError> CheckServiceUpdate(const api::Service& old_svc,
                                                  api::Service& new_svc) {
  api::ServiceSpec& s = new_svc.spec;
  // An update that leaves the ClusterIP out keeps it (kubectl apply of a manifest never
  // carries it); changing it is not allowed.
  if (s.cluster_ip.empty()) s.cluster_ip = old_svc.spec.cluster_ip;
  if (s.cluster_ips.empty()) s.cluster_ips = old_svc.spec.cluster_ips;
  if (s.ip_families.empty()) s.ip_families = old_svc.spec.ip_families;
  if (!s.ip_family_policy) s.ip_family_policy = old_svc.spec.ip_family_policy;
  if (s.cluster_ip != old_svc.spec.cluster_ip && old_svc.spec.type != "ExternalName" &&
      s.type != "ExternalName") {
    return api::Invalid(api::FieldPath("spec").Child("clusterIPs").Index(0), s.cluster_ip,
                        "may not change once set");
  }
  return std::nullopt;
}

// A selector may not change after creation (apps/v1).
template <class T>
std::optional<api::FieldError> CheckSelectorUpdate(const T& old_obj, const T& new_obj) {
  if (old_obj.spec.selector == new_obj.spec.selector) return std::nullopt;
  return api::Invalid(api::FieldPath("spec").Child("selector"),
                      FormatLabelSelector(new_obj.spec.selector), "field is immutable");
}

}  // namespace

std::string FormatLabelSelector(const std::optional<api::LabelSelector>& selector) {
  if (!selector) return "";
  std::vector<std::string> parts;
  for (const auto& [k, v] : selector->match_labels) parts.push_back(k + "=" + v);
  for (const api::LabelSelectorRequirement& r : selector->match_expressions) {
    if (r.operator_ == "In") {
      parts.push_back(fmt::format("{} in ({})", r.key, fmt::join(r.values, ",")));
    } else if (r.operator_ == "NotIn") {
      parts.push_back(fmt::format("{} notin ({})", r.key, fmt::join(r.values, ",")));
    } else if (r.operator_ == "Exists") {
      parts.push_back(r.key);
    } else if (r.operator_ == "DoesNotExist") {
      parts.push_back("!" + r.key);
    }
  }
  return fmt::format("{}", fmt::join(parts, ","));
}

base::Result<WriteResult> Registry::WriteUpdate(
    const api::KindInfo& kind, std::string_view ns, std::string_view name,
    std::string_view subresource,
    const std::function<base::Result<WriteResult>(const api::Object& current)>& next,
    const WriteOptions& options) {
  const store::ObjectKey key = KeyFor(kind, ns, name);
  WriteResult last;
  // Turns the incoming object into the one to store, with every rule of an update.
  auto update = [&](const api::Object& current) -> base::Result<api::Object> {
    ASSIGN_OR_RETURN(WriteResult r, next(current));
    api::Object& obj = r.object;
    api::ObjectMeta& m = api::MetaOf(obj);
    const api::ObjectMeta& old = api::MetaOf(current);
    if (m.name != old.name) {
      return base::InvalidError(
          "the name of the object ({}) does not match the name on the URL "
          "({})",
          m.name, old.name);
    }
    if (kind.namespaced && m.namespace_ != old.namespace_) {
      return base::InvalidError(
          "the namespace of the provided object does not match the "
          "namespace sent on the request");
    }
    if (!m.uid.empty() && m.uid != old.uid) {
      return base::Error(base::Code::kConflict,
                         "Operation cannot be fulfilled on {} {:?}: Precondition failed: UID in "
                         "precondition: {}, UID in object meta: {}",
                         QualifiedResource(kind), old.name, m.uid, old.uid);
    }
    if (!m.resource_version.empty() && m.resource_version != old.resource_version) {
      return base::Error(base::Code::kConflict,
                         "Operation cannot be fulfilled on {} {:?}: the object has been modified; "
                         "please apply your changes to the latest version and try again",
                         QualifiedResource(kind), old.name);
    }
    // What only the server sets.
    m.uid = old.uid;
    m.creation_timestamp = old.creation_timestamp;
    m.deletion_timestamp = old.deletion_timestamp;
    m.deletion_grace_period_seconds = old.deletion_grace_period_seconds;
    m.generate_name = m.generate_name.empty() ? old.generate_name : m.generate_name;
    m.resource_version = old.resource_version;
    m.self_link.clear();
    if (subresource == "status") {
      // Only the status changes through /status.
      api::Object merged = current;
      CopyStatus(obj, merged);
      obj = std::move(merged);
    } else if (KindHasStatus(kind.kind)) {
      CopyStatus(current, obj);
    }
    api::MetaOf(obj).generation = old.generation;
    api::SetDefaults(obj);
    api::FieldErrors errs;
    if (auto* pod = std::get_if<api::Pod>(&obj)) {
      if (subresource != "status") {
        if (auto e = CheckPodUpdate(std::get<api::Pod>(current), *pod)) errs.push_back(*e);
      }
    } else if (auto* svc = std::get_if<api::Service>(&obj)) {
      if (auto e = CheckServiceUpdate(std::get<api::Service>(current), *svc)) errs.push_back(*e);
    } else if (auto* d = std::get_if<api::Deployment>(&obj)) {
      if (auto e = CheckSelectorUpdate(std::get<api::Deployment>(current), *d)) errs.push_back(*e);
    } else if (auto* rs = std::get_if<api::ReplicaSet>(&obj)) {
      if (auto e = CheckSelectorUpdate(std::get<api::ReplicaSet>(current), *rs)) {
        errs.push_back(*e);
      }
    }
    MergeStringData(obj);
    if (SpecPart(obj) != SpecPart(current)) api::MetaOf(obj).generation = old.generation + 1;
    for (api::FieldError& e : api::Validate(obj)) errs.push_back(std::move(e));
    if (!errs.empty()) return api::InvalidObject(kind.kind, old.name, errs);
    last.warnings = std::move(r.warnings);
    return obj;
  };

  if (options.dry_run) {
    ASSIGN_OR_RETURN(api::Object current, store_.Get(key));
    ASSIGN_OR_RETURN(last.object, update(current));
    return last;
  }
  ASSIGN_OR_RETURN(last.object, store_.GuaranteedUpdate(key, {}, update));
  // An object whose deletion waited only for finalizers goes once the last one is removed.
  const api::ObjectMeta& m = api::MetaOf(last.object);
  if (m.deletion_timestamp && m.finalizers.empty() &&
      m.deletion_grace_period_seconds.value_or(0) == 0) {
    base::Result<api::Object> gone = store_.Delete(key, {.uid = m.uid});
    if (gone.ok()) last.object = std::move(*gone);
  }
  return last;
}

base::Result<WriteResult> Registry::Update(const api::KindInfo& kind, std::string_view ns,
                                           std::string_view name, std::string_view subresource,
                                           const api::Json& body, const WriteOptions& options) {
  ASSIGN_OR_RETURN(WriteResult decoded, Decode(kind, body, ns, options.field_validation));
  return WriteUpdate(
      kind, ns, name, subresource,
      [&](const api::Object&) -> base::Result<WriteResult> { return decoded; }, options);
}

base::Result<WriteResult> Registry::Patch(const api::KindInfo& kind, std::string_view ns,
                                          std::string_view name, std::string_view subresource,
                                          PatchType type, const api::Json& patch,
                                          const WriteOptions& options) {
  return WriteUpdate(
      kind, ns, name, subresource,
      [&](const api::Object& current) -> base::Result<WriteResult> {
        api::Json original = api::EncodeObject(current);
        base::Result<api::Json> patched = [&]() -> base::Result<api::Json> {
          switch (type) {
            case PatchType::kJson:
              return api::ApplyJsonPatch(original, patch);
            case PatchType::kMerge:
              return api::ApplyMergePatch(original, patch);
            case PatchType::kStrategicMerge:
              return api::ApplyStrategicMergePatch(original, patch, kind.kind);
          }
          return base::InternalError("unknown patch type");
        }();
        if (!patched.ok()) return patched.status();
        return Decode(kind, std::move(*patched), ns, options.field_validation);
      },
      options);
}

base::Status Registry::Bind(std::string_view ns, std::string_view pod_name,
                            const api::Json& binding, const WriteOptions& options) {
  std::string target_name, target_kind;
  if (binding.is_object()) {
    const api::Json& target = binding.value("target", api::Json::object());
    if (target.is_object()) {
      target_name = target.value("name", "");
      target_kind = target.value("kind", "");
    }
  }
  if (target_name.empty()) {
    return api::InvalidObject("Binding", std::string(pod_name),
                              {api::Required(api::FieldPath("target").Child("name"))});
  }
  if (!target_kind.empty() && target_kind != "Node") {
    return api::InvalidObject(
        "Binding", std::string(pod_name),
        {api::NotSupported(api::FieldPath("target").Child("kind"), target_kind, {"Node"})});
  }
  if (options.dry_run) return base::Status::Ok();
  const store::ObjectKey key{"pods", std::string(ns), std::string(pod_name)};
  auto bind = [&](api::Object current) -> base::Result<api::Object> {
    auto& pod = std::get<api::Pod>(current);
    if (pod.metadata.deletion_timestamp) {
      return base::Error(base::Code::kConflict,
                         "Operation cannot be fulfilled on pods/binding {:?}: pod {} is being "
                         "deleted, cannot be assigned to a host",
                         pod.metadata.name, pod.metadata.name);
    }
    if (!pod.spec.node_name.empty()) {
      return base::Error(base::Code::kConflict,
                         "Operation cannot be fulfilled on pods/binding {:?}: pod {} is already "
                         "assigned to node {:?}",
                         pod.metadata.name, pod.metadata.name, pod.spec.node_name);
    }
    pod.spec.node_name = target_name;
    // The binding records that scheduling happened (kube's assignPod).
    api::PodCondition* cond = nullptr;
    for (api::PodCondition& c : pod.status.conditions) {
      if (c.type == "PodScheduled") cond = &c;
    }
    if (!cond) cond = &pod.status.conditions.emplace_back();
    cond->type = "PodScheduled";
    cond->status = "True";
    cond->reason.clear();
    cond->message.clear();
    cond->last_transition_time = api::Time::At(clock_.Now());
    return current;
  };
  return store_.GuaranteedUpdate(key, {}, bind).status();
}

}  // namespace cubelet::apiserver
