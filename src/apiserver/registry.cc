// Registry: decoding with field validation, create and get.
#include "apiserver/registry.h"

#include <fmt/format.h>

#include "apiserver/resources.h"

namespace cubelet::apiserver {
namespace {

std::string_view VersionOf(std::string_view api_version) {
  size_t slash = api_version.rfind('/');
  return slash == std::string_view::npos ? api_version : api_version.substr(slash + 1);
}

}  // namespace

// Secret.stringData is write-only: its entries replace same-named data entries.
void MergeStringData(api::Object& obj) {
  if (auto* s = std::get_if<api::Secret>(&obj)) {
    for (auto& [k, v] : s->string_data) s->data[k] = api::Bytes{v};
    s->string_data.clear();
  }
}

base::Result<FieldValidation> ParseFieldValidation(std::string_view value) {
  if (value.empty() || value == "Warn") return FieldValidation::kWarn;
  if (value == "Strict") return FieldValidation::kStrict;
  if (value == "Ignore") return FieldValidation::kIgnore;
  return base::InvalidError(
      "fieldValidation must be one of \"Ignore\", \"Warn\" or \"Strict\", got {:?}",
      std::string(value));
}

store::ObjectKey KeyFor(const api::KindInfo& kind, std::string_view ns, std::string_view name) {
  return store::ObjectKey{std::string(kind.resource), kind.namespaced ? std::string(ns) : "",
                          std::string(name)};
}

std::string QualifiedResource(const api::KindInfo& kind) {
  size_t slash = kind.api_version.find('/');
  if (slash == std::string_view::npos) return std::string(kind.resource);
  return fmt::format("{}.{}", kind.resource, kind.api_version.substr(0, slash));
}

bool IsSystemNamespace(std::string_view name) {
  return name == "default" || name == "kube-system" || name == "kube-public" ||
         name == "kube-node-lease";
}

Registry::Registry(store::Store& store, base::Clock& clock, ServiceIps service_ips)
    : store_(store), clock_(clock), service_ips_(std::move(service_ips)) {}

base::Result<WriteResult> Registry::Decode(const api::KindInfo& kind, api::Json body,
                                           std::string_view ns, FieldValidation validation) {
  if (!body.is_object()) {
    return base::InvalidError(
        "{} in version {:?} cannot be handled as a {}: the body is not a "
        "JSON object",
        kind.kind, std::string(VersionOf(kind.api_version)), kind.kind);
  }
  // The Python client posts objects without apiVersion and kind: the URL says what they are.
  for (auto [field, want] : {std::pair{"apiVersion", kind.api_version}, {"kind", kind.kind}}) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty())) {
      body[field] = want;
    } else if (!it->is_string() || it->get<std::string>() != want) {
      return base::InvalidError("the {} in the data ({}) does not match the expected {} ({})",
                                field == std::string_view("kind") ? "kind" : "API version",
                                it->is_string() ? it->get<std::string>() : it->dump(),
                                field == std::string_view("kind") ? "kind" : "API version", want);
    }
  }
  api::Json& meta = body["metadata"];
  if (meta.is_null()) meta = api::Json::object();
  if (meta.is_object()) {
    auto it = meta.find("namespace");
    std::string given = it != meta.end() && it->is_string() ? it->get<std::string>() : "";
    if (!kind.namespaced) {
      meta.erase("namespace");
    } else if (given.empty()) {
      meta["namespace"] = ns;
    } else if (!ns.empty() && given != ns) {
      return base::InvalidError(
          "the namespace of the provided object does not match the "
          "namespace sent on the request");
    }
  }
  WriteResult out;
  api::FieldErrors errs = api::DecodeObject(body, &out.object);
  std::vector<std::string> unknown, other;
  for (const api::FieldError& e : errs) {
    (e.type == api::FieldErrorType::kUnknownField ? unknown : other).push_back(e.ToString());
  }
  const std::string prefix =
      fmt::format("{} in version {:?} cannot be handled as a {}: ", kind.kind,
                  std::string(VersionOf(kind.api_version)), kind.kind);
  if (!other.empty()) return base::InvalidError("{}{}", prefix, fmt::join(other, ", "));
  if (!unknown.empty()) {
    if (validation == FieldValidation::kStrict) {
      return base::InvalidError("{}strict decoding error: {}", prefix, fmt::join(unknown, ", "));
    }
    if (validation == FieldValidation::kWarn) out.warnings = std::move(unknown);
  }
  return out;
}

base::Status Registry::CheckNamespaceOpen(const api::KindInfo& kind, std::string_view ns) {
  if (!kind.namespaced) return base::Status::Ok();
  base::Result<api::Object> got = store_.Get({"namespaces", "", std::string(ns)});
  if (!got.ok()) {
    if (got.status().code() == base::Code::kNotFound) {
      return base::NotFoundError("namespaces {:?} not found", std::string(ns));
    }
    return got.status();
  }
  const auto& n = std::get<api::Namespace>(*got);
  if (n.metadata.deletion_timestamp || n.status.phase == "Terminating") {
    return base::Error(base::Code::kPermissionDenied,
                       "unable to create new content in namespace {} because it is being "
                       "terminated",
                       std::string(ns));
  }
  return base::Status::Ok();
}

base::Status Registry::PrepareForCreate(api::Object& obj) {
  api::ObjectMeta& m = api::MetaOf(obj);
  if (!m.resource_version.empty()) {
    return base::InvalidError("resourceVersion should not be set on objects to be created");
  }
  if (m.name.empty() && !m.generate_name.empty()) m.name = m.generate_name + RandomSuffix();
  m.uid = NewUid();
  m.creation_timestamp = api::Time::At(clock_.Now());
  m.deletion_timestamp.reset();
  m.deletion_grace_period_seconds.reset();
  m.generation = 1;
  m.self_link.clear();
  std::visit(
      [&](auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, api::Pod>) {
          // The pod's status belongs to the node; a new pod is Pending with its QoS class.
          o.status = {};
          o.status.phase = "Pending";
        } else if constexpr (std::is_same_v<T, api::Deployment> ||
                             std::is_same_v<T, api::ReplicaSet> ||
                             std::is_same_v<T, api::Service>) {
          o.status = {};
        } else if constexpr (std::is_same_v<T, api::Namespace>) {
          // The finalizer that makes deletion empty the namespace first.
          o.spec.finalizers = {"kubernetes"};
          o.status = {};
          o.status.phase = "Active";
        }
      },
      obj);
  MergeStringData(obj);
  return base::Status::Ok();
}

base::Result<WriteResult> Registry::Create(const api::KindInfo& kind, std::string_view ns,
                                           const api::Json& body, const WriteOptions& options) {
  ASSIGN_OR_RETURN(WriteResult out, Decode(kind, body, ns, options.field_validation));
  api::Object& obj = out.object;
  RETURN_IF_ERROR(PrepareForCreate(obj));
  api::SetDefaults(obj);
  if (auto* pod = std::get_if<api::Pod>(&obj)) pod->status.qos_class = api::PodQosClass(pod->spec);
  const api::ObjectMeta& m = api::MetaOf(obj);
  if (api::FieldErrors errs = api::Validate(obj); !errs.empty()) {
    return api::InvalidObject(kind.kind, m.name.empty() ? m.generate_name : m.name, errs);
  }
  RETURN_IF_ERROR(CheckNamespaceOpen(kind, m.namespace_));

  std::unique_lock<std::mutex> ip_lock;
  if (auto* svc = std::get_if<api::Service>(&obj)) {
    ip_lock = std::unique_lock(ip_mu_);
    RETURN_IF_ERROR([&]() -> base::Status {
      api::ServiceSpec& spec = svc->spec;
      if (spec.type == "ExternalName" || spec.cluster_ip == "None") {
        if (spec.cluster_ip == "None") spec.cluster_ips = {"None"};
        return base::Status::Ok();
      }
      if (spec.cluster_ip.empty()) {
        ASSIGN_OR_RETURN(spec.cluster_ip, AllocateClusterIp());
      } else if (!service_ips_.Contains(spec.cluster_ip)) {
        return api::InvalidObject(
            kind.kind, svc->metadata.name,
            {api::Invalid(api::FieldPath("spec").Child("clusterIPs").Index(0), spec.cluster_ip,
                          fmt::format("failed to allocate IP {}: the provided IP ({}) is not in "
                                      "the valid range. The range of valid IPs is {}",
                                      spec.cluster_ip, spec.cluster_ip, service_ips_.cidr()))});
      }
      spec.cluster_ips = {spec.cluster_ip};
      if (spec.ip_families.empty()) spec.ip_families = {"IPv4"};
      if (!spec.ip_family_policy) spec.ip_family_policy = "SingleStack";
      return base::Status::Ok();
    }());
  }
  if (options.dry_run) return out;
  ASSIGN_OR_RETURN(out.object, store_.Create(std::move(obj)));
  return out;
}

base::Result<std::string> Registry::AllocateClusterIp() {
  ASSIGN_OR_RETURN(store::ListResult all, store_.List("services", {}));
  std::vector<std::string> used = {service_ips_.First()};
  for (const api::Object& o : all.items) {
    for (const std::string& ip : std::get<api::Service>(o).spec.cluster_ips) used.push_back(ip);
  }
  return service_ips_.Pick(used);
}

base::Result<api::Object> Registry::Get(const api::KindInfo& kind, std::string_view ns,
                                        std::string_view name) {
  return store_.Get(KeyFor(kind, ns, name));
}

bool KindHasStatus(std::string_view kind) {
  // The served-resource table is the one place that says which kinds have /status.
  const ResourceInfo* r = FindResourceByKind(kind);
  return r != nullptr && r->FindSubresource("status") != nullptr;
}

}  // namespace cubelet::apiserver
