// The scheme: which kinds cubelet serves, and the codec entry points instantiated for them.
#include "api/api.h"
#include "api/codec.h"

namespace cubelet::api {
namespace {

// Same order as the Object variant.
const std::vector<KindInfo>& KindTable() {
  static const std::vector<KindInfo> kKinds = {
      {"v1", "Pod", "pods", true},
      {"v1", "Service", "services", true},
      {"v1", "Endpoints", "endpoints", true},
      {"v1", "Event", "events", true},
      {"v1", "Namespace", "namespaces", false},
      {"v1", "Node", "nodes", false},
      {"v1", "ConfigMap", "configmaps", true},
      {"v1", "Secret", "secrets", true},
      {"v1", "ServiceAccount", "serviceaccounts", true},
      {"apps/v1", "Deployment", "deployments", true},
      {"apps/v1", "ReplicaSet", "replicasets", true},
      {"coordination.k8s.io/v1", "Lease", "leases", true},
  };
  return kKinds;
}

template <size_t I = 0>
FieldErrors DecodeAlternative(size_t index, const Json& json, Object* out) {
  if constexpr (I < std::variant_size_v<Object>) {
    if (index == I) {
      std::variant_alternative_t<I, Object> value;
      FieldErrors errs;
      codec::DecodeInto(json, FieldPath(), value, errs);
      *out = std::move(value);
      return errs;
    }
    return DecodeAlternative<I + 1>(index, json, out);
  } else {
    return {};
  }
}

}  // namespace

const std::vector<KindInfo>& Kinds() { return KindTable(); }

const KindInfo* FindKind(std::string_view api_version, std::string_view kind) {
  for (const KindInfo& k : KindTable()) {
    if (k.api_version == api_version && k.kind == kind) return &k;
  }
  return nullptr;
}

const KindInfo& KindOf(const Object& obj) { return KindTable()[obj.index()]; }

ObjectMeta& MetaOf(Object& obj) {
  return std::visit([](auto& o) -> ObjectMeta& { return o.metadata; }, obj);
}

const ObjectMeta& MetaOf(const Object& obj) {
  return std::visit([](const auto& o) -> const ObjectMeta& { return o.metadata; }, obj);
}

template <class T>
FieldErrors DecodeJson(const Json& json, T* out) {
  FieldErrors errs;
  codec::DecodeInto(json, FieldPath(), *out, errs);
  return errs;
}

template <class T>
Json EncodeJson(const T& value) {
  return codec::Encode(value);
}

#define CUBELET_INSTANTIATE_CODEC(T)                               \
  template FieldErrors DecodeJson<T>(const Json&, T*);             \
  template Json EncodeJson<T>(const T&);                           \
  template FieldErrors DecodeJson<List<T>>(const Json&, List<T>*); \
  template Json EncodeJson<List<T>>(const List<T>&);

CUBELET_INSTANTIATE_CODEC(Pod)
CUBELET_INSTANTIATE_CODEC(Service)
CUBELET_INSTANTIATE_CODEC(Endpoints)
CUBELET_INSTANTIATE_CODEC(Event)
CUBELET_INSTANTIATE_CODEC(Namespace)
CUBELET_INSTANTIATE_CODEC(Node)
CUBELET_INSTANTIATE_CODEC(ConfigMap)
CUBELET_INSTANTIATE_CODEC(Secret)
CUBELET_INSTANTIATE_CODEC(ServiceAccount)
CUBELET_INSTANTIATE_CODEC(Deployment)
CUBELET_INSTANTIATE_CODEC(ReplicaSet)
CUBELET_INSTANTIATE_CODEC(Lease)
template FieldErrors DecodeJson<StatusObject>(const Json&, StatusObject*);
template Json EncodeJson<StatusObject>(const StatusObject&);
template FieldErrors DecodeJson<PodTemplateSpec>(const Json&, PodTemplateSpec*);
template Json EncodeJson<PodTemplateSpec>(const PodTemplateSpec&);
// Parts the node agent encodes on their own: a container's spec (its hash) and a pod's status
// (kept across restarts of the agent).
template FieldErrors DecodeJson<Container>(const Json&, Container*);
template Json EncodeJson<Container>(const Container&);
template FieldErrors DecodeJson<PodStatus>(const Json&, PodStatus*);
template Json EncodeJson<PodStatus>(const PodStatus&);
#undef CUBELET_INSTANTIATE_CODEC

FieldErrors DecodeObject(const Json& json, Object* out) {
  if (!json.is_object()) {
    return {TypeInvalid(FieldPath(), codec::RenderValue(json),
                        "expected an object, got " + codec::JsonTypeName(json))};
  }
  const auto av = json.find("apiVersion");
  const auto kd = json.find("kind");
  FieldErrors errs;
  if (kd == json.end() || !kd->is_string() || kd->get_ref<const std::string&>().empty()) {
    errs.push_back(Required(FieldPath("kind"), "Object 'Kind' is missing"));
  }
  if (av == json.end() || !av->is_string() || av->get_ref<const std::string&>().empty()) {
    errs.push_back(Required(FieldPath("apiVersion"), "Object 'apiVersion' is missing"));
  }
  if (!errs.empty()) return errs;
  const std::string& api_version = av->get_ref<const std::string&>();
  const std::string& kind = kd->get_ref<const std::string&>();
  const KindInfo* info = FindKind(api_version, kind);
  if (info == nullptr) {
    return {
        Invalid(FieldPath("kind"), kind,
                "no matches for kind " + GoQuote(kind) + " in version " + GoQuote(api_version))};
  }
  return DecodeAlternative(static_cast<size_t>(info - KindTable().data()), json, out);
}

Json EncodeObject(const Object& obj) {
  return std::visit([](const auto& o) { return codec::Encode(o); }, obj);
}

}  // namespace cubelet::api
