// The Kubernetes object model of cubelet: typed objects, their JSON and YAML codecs, and the
// defaulting and validation the Kubernetes API server applies to every write.
//
// Everything that reads, stores or prints Kubernetes objects goes through this module, so a
// manifest checked by `cubelet validate` is treated exactly as the API server will treat it.
//
// Thread-safety: all functions are pure (no shared state) and may be called concurrently.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/field_errors.h"
#include "api/image_ref.h"
#include "api/types/apps.h"
#include "api/types/cluster.h"
#include "api/types/container.h"
#include "api/types/coordination.h"
#include "api/types/meta.h"
#include "api/types/pod.h"
#include "api/types/service.h"
#include "api/types/values.h"
#include "api/yaml.h"
#include "base/status.h"

namespace cubelet::api {

// The kinds cubelet serves. New kinds go at the end: a kind's index is its position in Kinds().
using Object = std::variant<Pod, Service, Endpoints, Event, Namespace, Node, ConfigMap, Secret,
                            ServiceAccount, Deployment, ReplicaSet, Lease>;

struct KindInfo {
  std::string_view api_version;  // "v1", "apps/v1", "coordination.k8s.io/v1"
  std::string_view kind;         // "Pod"
  std::string_view resource;     // "pods"
  bool namespaced;
};

// Every kind of Object, in the variant's order.
const std::vector<KindInfo>& Kinds();
// The kind for an apiVersion and kind, or nullptr.
const KindInfo* FindKind(std::string_view api_version, std::string_view kind);
const KindInfo& KindOf(const Object& obj);
ObjectMeta& MetaOf(Object& obj);
const ObjectMeta& MetaOf(const Object& obj);

// ---- codecs --------------------------------------------------------------------------------
// Strict decoding of one type from JSON: returns every unknown field and type error (empty on
// success); `out` holds whatever decoded. Instantiated for each kind, its List<> and
// StatusObject, PodTemplateSpec,
// Container and PodStatus.
template <class T>
FieldErrors DecodeJson(const Json& json, T* out);
template <class T>
Json EncodeJson(const T& value);

// Decodes an object of any served kind, chosen by its apiVersion and kind fields.
FieldErrors DecodeObject(const Json& json, Object* out);
Json EncodeObject(const Object& obj);

// ---- defaulting and validation -------------------------------------------------------------
// Defaults exactly as the API server does before validation (imagePullPolicy from the image
// tag, restartPolicy Always, terminationGracePeriodSeconds 30, protocol TCP, ...).
void SetDefaults(Object& obj);
void SetDefaults(Pod& pod);
void SetDefaults(Service& svc);
void SetDefaults(Deployment& d);
void SetDefaults(ReplicaSet& rs);
// The pod-template part of the defaults (shared by Pod, Deployment, ReplicaSet).
void SetDefaultsPodSpec(PodSpec& spec);

// The pod's QoS class as the API server records it in status.qosClass: "Guaranteed",
// "Burstable" or "BestEffort" (from the cpu and memory requests and limits of every container,
// init containers included).
std::string PodQosClass(const PodSpec& spec);

// Validation for create, with Kubernetes' rules and messages; returns every error at once.
FieldErrors Validate(const Object& obj);
FieldErrors ValidatePod(const Pod& pod);
FieldErrors ValidateService(const Service& svc);
FieldErrors ValidateDeployment(const Deployment& d);
FieldErrors ValidateReplicaSet(const ReplicaSet& rs);
FieldErrors ValidatePodSpec(const PodSpec& spec, const FieldPath& path);

// ---- manifests -----------------------------------------------------------------------------
// One object read from a manifest file, with the lines its fields came from.
struct Manifest {
  // Empty when the document names no kind cubelet serves (see `errors`).
  std::optional<Object> object;
  SourceMap lines;
  // Decoding problems: unknown fields, wrong types, a missing or unknown kind. The object
  // holds everything that did decode, so validation can still report its own findings.
  FieldErrors errors;
};

// Reads every document of a YAML or JSON manifest (`---` separated documents; `kind: List`
// and `*List` documents contribute their items). Fails only when the text is not YAML.
base::Result<std::vector<Manifest>> ReadManifests(std::string_view text,
                                                  std::string_view file_name);

// Strict form of ReadManifests: fails unless every document decodes cleanly, with every
// problem on a line of its own: "pod.yaml:14: unknown field \"spec.containers[0].imagee\"".
base::Result<std::vector<Object>> DecodeManifests(std::string_view text,
                                                  std::string_view file_name);

// Decodes, defaults and validates one manifest, returning every problem (decode errors first;
// validation findings about a field that failed to decode are dropped as redundant).
FieldErrors CheckManifest(Manifest& manifest);

// "pod.yaml:14: spec.containers[0].image: Required value".
std::string FormatAt(const SourceMap& lines, const FieldError& err);

}  // namespace cubelet::api
