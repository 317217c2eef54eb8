// Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for
// (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) and prints verbatim. kubectl
// computes nothing itself: STATUS, READY, RESTARTS and AGE come from here, so the columns and
// cell values follow kube-apiserver's printers (pkg/printers/internalversion) exactly.
//
// The server always prints wide: every row carries the priority-1 columns too, and
// `kubectl get -o wide` only decides which columns to show.
//
// Thread-safety: all functions are pure and may be called concurrently.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "base/clock.h"
#include "base/time.h"

namespace cubelet::apiserver {

// metav1.IncludeObjectPolicy: what rows[].object holds.
enum class IncludeObject {
  kNone,      // null
  kMetadata,  // a PartialObjectMetadata (kubectl's default: it needs namespace and labels)
  kObject,    // the whole object
};

// The includeObject query parameter: "" means Metadata. nullopt for an unknown value, which
// the server answers with 400 `unrecognized includeObject value: "<v>"`.
std::optional<IncludeObject> ParseIncludeObject(std::string_view value);

struct TableOptions {
  IncludeObject include_object = IncludeObject::kMetadata;
  // metav1.TableOptions.noHeaders: columnDefinitions becomes null (watch events after the
  // first one).
  bool no_headers = false;
};

// metav1.TableColumnDefinition.
struct ColumnDefinition {
  std::string_view name;
  std::string_view type;    // "string", "integer"
  std::string_view format;  // "name" on the Name column: gives `kubectl get all` its pod/x
  std::string_view description;
  int priority = 0;  // 0: always shown; 1: `-o wide` only
};

// The columns of a served kind ("Pod", "Deployment", ...); empty for any other kind.
std::span<const ColumnDefinition> ColumnsFor(std::string_view kind);

// The Table for a list of `kind` objects; `resource_version` is the list's. The columns come
// from `kind`, so an empty list still has them. Every object must be of `kind`.
api::Json TableFor(std::string_view kind, const std::vector<api::Object>& objects,
                   std::string_view resource_version, base::TimePoint now,
                   const TableOptions& options = {});

// The one-row Table for a single object (a GET with the Table Accept, a watch event); its
// metadata.resourceVersion is the object's.
api::Json TableFor(const api::Object& object, base::TimePoint now,
                   const TableOptions& options = {});

// The cells of one object's row, wide columns included, in ColumnsFor() order.
api::Json RowCells(const api::Object& object, base::TimePoint now);

// ---- pure helpers the printers are built from ----------------------------------------------

// translateTimestampSince: HumanDuration of the time since `t`, "<unknown>" when unset.
template <int kDigits>
std::string Age(const api::BasicTime<kDigits>& t, base::TimePoint now) {
  return t.IsZero() ? "<unknown>" : base::HumanDuration(now - t.value);
}

// READY, STATUS and RESTARTS of `kubectl get pods` (printPod).
struct PodSummary {
  std::string ready;     // "1/2": ready containers (sidecars included) / all of them
  std::string status;    // "Running", "Init:0/2", "CrashLoopBackOff", "Terminating", ...
  std::string restarts;  // "3", or "3 (2m ago)" when the last restart's finish time is known
};
PodSummary SummarizePod(const api::Pod& pod, base::TimePoint now);

// labels.FormatLabels: "a=1,b=2" sorted by key, "<none>" when empty.
std::string FormatLabels(const api::StringMap& labels);

// metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key, "k=v",
// "k in (a,b)", "k notin (a,b)", "k", "!k"; "" for a missing or empty selector. nullopt when
// the selector is invalid (an unknown operator, or values that do not fit the operator).
std::optional<std::string> SelectorString(const std::optional<api::LabelSelector>& selector);

// Service CLUSTER-IP (clusterIPs[0], "<none>"), EXTERNAL-IP ("<none>", "<pending>" for a
// LoadBalancer without ingress, the externalName for ExternalName) and PORT(S) ("80/TCP",
// "80:30080/TCP" with a node port, "<none>").
std::string ServiceClusterIp(const api::Service& svc);
std::string ServiceExternalIp(const api::Service& svc);
std::string ServicePorts(const std::vector<api::ServicePort>& ports);

// Endpoints ENDPOINTS: "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...", "<none>" without
// subsets.
std::string FormatEndpoints(const api::Endpoints& endpoints);

// Node STATUS ("Ready", "NotReady", "Unknown", plus ",SchedulingDisabled") and ROLES (from the
// node-role.kubernetes.io/<role> and kubernetes.io/role labels, "<none>").
std::string NodeStatus(const api::Node& node);
std::string NodeRoles(const api::Node& node);

// ---- per-kind printers (printers_<group>.cc) -----------------------------------------------
// XxxColumns() is the kind's column list; Cells() one object's row in that order.

std::span<const ColumnDefinition> PodColumns();
std::span<const ColumnDefinition> ServiceColumns();
std::span<const ColumnDefinition> EndpointsColumns();
std::span<const ColumnDefinition> EventColumns();
std::span<const ColumnDefinition> NamespaceColumns();
std::span<const ColumnDefinition> NodeColumns();
std::span<const ColumnDefinition> ConfigMapColumns();
std::span<const ColumnDefinition> SecretColumns();
std::span<const ColumnDefinition> ServiceAccountColumns();
std::span<const ColumnDefinition> DeploymentColumns();
std::span<const ColumnDefinition> ReplicaSetColumns();
std::span<const ColumnDefinition> LeaseColumns();

api::Json Cells(const api::Pod& pod, base::TimePoint now);
api::Json Cells(const api::Service& svc, base::TimePoint now);
api::Json Cells(const api::Endpoints& endpoints, base::TimePoint now);
api::Json Cells(const api::Event& event, base::TimePoint now);
api::Json Cells(const api::Namespace& ns, base::TimePoint now);
api::Json Cells(const api::Node& node, base::TimePoint now);
api::Json Cells(const api::ConfigMap& cm, base::TimePoint now);
api::Json Cells(const api::Secret& secret, base::TimePoint now);
api::Json Cells(const api::ServiceAccount& sa, base::TimePoint now);
api::Json Cells(const api::Deployment& d, base::TimePoint now);
api::Json Cells(const api::ReplicaSet& rs, base::TimePoint now);
api::Json Cells(const api::Lease& lease, base::TimePoint now);

// Column descriptions several kinds share (the API's own field documentation, as
// kube-apiserver sends it).
inline constexpr std::string_view kNameDescription =
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
inline constexpr std::string_view kAgeDescription =
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"
    "api-conventions.md#metadata";
inline constexpr std::string_view kContainersDescription =
    "Names of each container in the template.";
inline constexpr std::string_view kImagesDescription =
    "Images referenced by each container in the template.";

}  // namespace cubelet::apiserver
