// Registry: deletion — graceful for pods, deferred by finalizers, and namespaces that empty
// themselves first.
#include <fmt/format.h>

#include "apiserver/registry.h"

namespace cubelet::apiserver {
namespace {

base::Status CheckPreconditions(const api::KindInfo& kind, const api::ObjectMeta& m,
                                const store::Preconditions& pre) {
  if (pre.uid && *pre.uid != m.uid) {
    return base::Error(base::Code::kConflict,
                       "Operation cannot be fulfilled on {} {:?}: Precondition failed: UID in "
                       "precondition: {}, UID in object meta: {}",
                       QualifiedResource(kind), m.name, *pre.uid, m.uid);
  }
  if (pre.resource_version && *pre.resource_version != m.resource_version) {
    return base::Error(base::Code::kConflict,
                       "Operation cannot be fulfilled on {} {:?}: Precondition failed: "
                       "ResourceVersion in precondition: {}, ResourceVersion in object meta: {}",
                       QualifiedResource(kind), m.name, *pre.resource_version, m.resource_version);
  }
  return base::Status::Ok();
}

}  // namespace

base::Result<DeleteResult> Registry::Delete(const api::KindInfo& kind, std::string_view ns,
                                            std::string_view name, const DeleteRequest& request) {
  const store::ObjectKey key = KeyFor(kind, ns, name);
  if (request.grace_period_seconds && *request.grace_period_seconds < 0) {
    return api::InvalidObject(
        "DeleteOptions", "",
        {api::InvalidInt(api::FieldPath("gracePeriodSeconds"), *request.grace_period_seconds,
                         "must be greater than or equal to 0")});
  }
  if (kind.kind == "Pod") return DeletePod(key, request);
  if (kind.kind == "Namespace" && IsSystemNamespace(name)) {
    return base::Error(base::Code::kPermissionDenied,
                       "namespaces {:?} is forbidden: this namespace may not be deleted",
                       std::string(name));
  }
  ASSIGN_OR_RETURN(api::Object current, store_.Get(key));
  RETURN_IF_ERROR(CheckPreconditions(kind, api::MetaOf(current), request.preconditions));
  const api::ObjectMeta& m = api::MetaOf(current);
  bool is_namespace = kind.kind == "Namespace";
  if (m.finalizers.empty() && !is_namespace) return DeleteNow(key, request);
  // Deferred: the object stays, marked, until its finalizers are gone (for a namespace: until
  // the namespace controller has emptied it).
  if (m.deletion_timestamp) return DeleteResult{current, false};
  auto mark = [&](api::Object obj) -> base::Result<api::Object> {
    api::ObjectMeta& om = api::MetaOf(obj);
    if (!om.deletion_timestamp) om.deletion_timestamp = api::Time::At(clock_.Now());
    om.deletion_grace_period_seconds = 0;
    if (auto* n = std::get_if<api::Namespace>(&obj)) n->status.phase = "Terminating";
    return obj;
  };
  if (request.dry_run) {
    ASSIGN_OR_RETURN(api::Object marked, mark(current));
    return DeleteResult{std::move(marked), false};
  }
  ASSIGN_OR_RETURN(api::Object marked, store_.GuaranteedUpdate(key, {.uid = m.uid}, mark));
  return DeleteResult{std::move(marked), false};
}

base::Result<DeleteResult> Registry::DeleteNow(const store::ObjectKey& key,
                                               const DeleteRequest& req) {
  if (req.dry_run) {
    ASSIGN_OR_RETURN(api::Object current, store_.Get(key));
    return DeleteResult{std::move(current), true};
  }
  ASSIGN_OR_RETURN(api::Object gone, store_.Delete(key, req.preconditions));
  return DeleteResult{std::move(gone), true};
}

base::Result<DeleteResult> Registry::DeletePod(const store::ObjectKey& key,
                                               const DeleteRequest& req) {
  static const api::KindInfo& kPod = *api::FindKind("v1", "Pod");
  ASSIGN_OR_RETURN(api::Object current, store_.Get(key));
  const auto& pod = std::get<api::Pod>(current);
  RETURN_IF_ERROR(CheckPreconditions(kPod, pod.metadata, req.preconditions));
  // kube's pod strategy: the node has to stop a scheduled, unfinished pod, and gets the
  // grace period to do it; anything else goes at once.
  int64_t grace =
      req.grace_period_seconds.value_or(pod.spec.termination_grace_period_seconds.value_or(30));
  if (pod.spec.node_name.empty() || pod.status.phase == "Succeeded" ||
      pod.status.phase == "Failed") {
    grace = 0;
  }
  if (pod.metadata.deletion_timestamp) {
    // A second delete may only shorten the grace period.
    int64_t current_grace = pod.metadata.deletion_grace_period_seconds.value_or(0);
    if (grace >= current_grace) return DeleteResult{current, false};
  }
  if (grace == 0 && pod.metadata.finalizers.empty()) {
    DeleteRequest now = req;
    if (!now.preconditions.uid) now.preconditions.uid = pod.metadata.uid;
    return DeleteNow(key, now);
  }
  const base::TimePoint now = clock_.Now();
  auto mark = [&](api::Object obj) -> base::Result<api::Object> {
    api::ObjectMeta& m = api::MetaOf(obj);
    m.deletion_timestamp = api::Time::At(now + std::chrono::seconds(grace));
    m.deletion_grace_period_seconds = grace;
    return obj;
  };
  if (req.dry_run) {
    ASSIGN_OR_RETURN(api::Object marked, mark(current));
    return DeleteResult{std::move(marked), false};
  }
  ASSIGN_OR_RETURN(api::Object marked,
                   store_.GuaranteedUpdate(key, {.uid = pod.metadata.uid}, mark));
  return DeleteResult{std::move(marked), false};
}

}  // namespace cubelet::apiserver
