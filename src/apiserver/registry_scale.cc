// Registry: the autoscaling/v1 Scale subresource of Deployments and ReplicaSets (what
// `kubectl scale` patches).
#include "api/patch.h"
#include "apiserver/registry.h"
#include "base/time.h"

namespace cubelet::apiserver {
namespace {

template <class T>
api::Json ScaleOf(const T& obj) {
  api::Json meta = {
      {"name", obj.metadata.name},
      {"namespace", obj.metadata.namespace_},
      {"uid", obj.metadata.uid},
      {"resourceVersion", obj.metadata.resource_version},
      {"creationTimestamp", base::FormatRfc3339(obj.metadata.creation_timestamp.value)}};
  return {
      {"kind", "Scale"},
      {"apiVersion", "autoscaling/v1"},
      {"metadata", meta},
      {"spec", {{"replicas", obj.spec.replicas.value_or(1)}}},
      {"status",
       {{"replicas", obj.status.replicas}, {"selector", FormatLabelSelector(obj.spec.selector)}}}};
}

api::Json ScaleOf(const api::Object& obj) {
  if (const auto* d = std::get_if<api::Deployment>(&obj)) return ScaleOf(*d);
  return ScaleOf(std::get<api::ReplicaSet>(obj));
}

}  // namespace

base::Result<api::Json> Registry::GetScale(const api::KindInfo& kind, std::string_view ns,
                                           std::string_view name) {
  ASSIGN_OR_RETURN(api::Object obj, store_.Get(KeyFor(kind, ns, name)));
  return ScaleOf(obj);
}

base::Result<api::Json> Registry::UpdateScale(const api::KindInfo& kind, std::string_view ns,
                                              std::string_view name, const api::Json& scale,
                                              const WriteOptions& options) {
  const api::Json spec = scale.is_object() ? scale.value("spec", api::Json::object()) : nullptr;
  const api::Json replicas = spec.is_object() ? spec.value("replicas", api::Json()) : nullptr;
  if (!replicas.is_number_integer() || replicas.get<int64_t>() < 0 ||
      replicas.get<int64_t>() > INT32_MAX) {
    return api::InvalidObject("Scale", std::string(name),
                              {api::InvalidRaw(api::FieldPath("spec").Child("replicas"),
                                               replicas.is_null() ? "null" : replicas.dump(),
                                               "must be greater than or equal to 0")});
  }
  const api::Json meta = scale.value("metadata", api::Json::object());
  const std::string rv = meta.is_object() ? meta.value("resourceVersion", "") : "";
  ASSIGN_OR_RETURN(WriteResult r, WriteUpdate(
                                      kind, ns, name, "",
                                      [&](const api::Object& current) -> base::Result<WriteResult> {
                                        WriteResult out{current, {}};
                                        api::MetaOf(out.object).resource_version = rv;
                                        std::visit(
                                            [&](auto& o) {
                                              if constexpr (requires { o.spec.replicas; }) {
                                                o.spec.replicas =
                                                    static_cast<int32_t>(replicas.get<int64_t>());
                                              }
                                            },
                                            out.object);
                                        return out;
                                      },
                                      options));
  return ScaleOf(r.object);
}

base::Result<api::Json> Registry::PatchScale(const api::KindInfo& kind, std::string_view ns,
                                             std::string_view name, PatchType type,
                                             const api::Json& patch, const WriteOptions& options) {
  ASSIGN_OR_RETURN(api::Json current, GetScale(kind, ns, name));
  // Scale has no lists, so a strategic merge patch is a merge patch.
  base::Result<api::Json> patched = type == PatchType::kJson ? api::ApplyJsonPatch(current, patch)
                                                             : api::ApplyMergePatch(current, patch);
  if (!patched.ok()) return patched.status();
  // The current resourceVersion is a precondition only when the patch itself names one.
  const api::Json* pm =
      patch.is_object() && patch.contains("metadata") ? &patch["metadata"] : nullptr;
  if (!pm || !pm->is_object() || !pm->contains("resourceVersion")) {
    (*patched)["metadata"].erase("resourceVersion");
  }
  return UpdateScale(kind, ns, name, *patched, options);
}

}  // namespace cubelet::apiserver
