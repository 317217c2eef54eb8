// Registry: what the API server does to an object between the HTTP request and the store —
// kube-apiserver's generic registry plus the per-kind strategies. Decoding with field
// validation, server-set metadata (uid, creationTimestamp, generation, generateName),
// defaulting and validation from src/api, Kubernetes' update rules (status and spec written
// through different endpoints, generation bumped on spec changes, the pod fields that may
// change), patches, graceful deletion and finalizers, dry runs.
//
// It knows nothing of HTTP: the router turns requests into these calls and base::Status
// results into Status objects, so the rules are unit-tested against a memory store.
//
// Thread-safety: every method may be called concurrently (the store serializes writes).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "base/clock.h"
#include "base/status.h"
#include "store/store.h"

namespace cubelet::apiserver {

// metav1 fieldValidation: what a write does with fields the kind does not have.
enum class FieldValidation { kIgnore, kWarn, kStrict };

// "Ignore", "Warn", "Strict"; "" is Warn (kube-apiserver's default). Invalid otherwise.
base::Result<FieldValidation> ParseFieldValidation(std::string_view value);

struct WriteOptions {
  bool dry_run = false;
  FieldValidation field_validation = FieldValidation::kWarn;
};

// A written object and the warnings the client is shown (unknown fields under Warn).
struct WriteResult {
  api::Object object;
  std::vector<std::string> warnings;
};

enum class PatchType {
  kJson,            // application/json-patch+json (RFC 6902)
  kMerge,           // application/merge-patch+json (RFC 7386)
  kStrategicMerge,  // application/strategic-merge-patch+json
};

// metav1.DeleteOptions, as far as cubelet honours it.
struct DeleteRequest {
  std::optional<int64_t> grace_period_seconds = {};
  store::Preconditions preconditions = {};
  std::string propagation_policy = {};  // Orphan, Background, Foreground ("" = kind's default)
  bool dry_run = false;
};

struct DeleteResult {
  api::Object object;    // the last state, or the object now carrying deletionTimestamp
  bool deleted = false;  // false: deletion is pending (grace period, finalizers, namespace)
};

// Service ClusterIPs from one IPv4 CIDR; the first address belongs to the `kubernetes`
// service, as in Kubernetes.
class ServiceIps {
 public:
  // "10.43.0.0/16". Invalid unless an IPv4 CIDR with at least 8 addresses.
  static base::Result<ServiceIps> Parse(std::string_view cidr);
  // The first usable address ("10.43.0.1").
  std::string First() const;
  bool Contains(std::string_view ip) const;
  // A free address (random, like the kube allocator) not in `used`; ResourceExhausted when
  // the range is full.
  base::Result<std::string> Pick(const std::vector<std::string>& used) const;
  const std::string& cidr() const { return cidr_; }

 private:
  std::string cidr_;
  uint32_t base_ = 0;
  uint32_t size_ = 0;
};

class Registry {
 public:
  Registry(store::Store& store, base::Clock& clock, ServiceIps service_ips);

  // POST to a collection. `ns` is the URL's namespace ("" for cluster-scoped kinds).
  base::Result<WriteResult> Create(const api::KindInfo& kind, std::string_view ns,
                                   const api::Json& body, const WriteOptions& options);
  base::Result<api::Object> Get(const api::KindInfo& kind, std::string_view ns,
                                std::string_view name);
  // PUT of the object ("" subresource) or its "status".
  base::Result<WriteResult> Update(const api::KindInfo& kind, std::string_view ns,
                                   std::string_view name, std::string_view subresource,
                                   const api::Json& body, const WriteOptions& options);
  base::Result<WriteResult> Patch(const api::KindInfo& kind, std::string_view ns,
                                  std::string_view name, std::string_view subresource,
                                  PatchType type, const api::Json& patch,
                                  const WriteOptions& options);
  base::Result<DeleteResult> Delete(const api::KindInfo& kind, std::string_view ns,
                                    std::string_view name, const DeleteRequest& request);

  // POST pods/binding: sets spec.nodeName of an unbound pod (Conflict when bound).
  base::Status Bind(std::string_view ns, std::string_view pod, const api::Json& binding,
                    const WriteOptions& options);

  // The autoscaling/v1 Scale of a Deployment or ReplicaSet, and writes to it.
  base::Result<api::Json> GetScale(const api::KindInfo& kind, std::string_view ns,
                                   std::string_view name);
  base::Result<api::Json> UpdateScale(const api::KindInfo& kind, std::string_view ns,
                                      std::string_view name, const api::Json& scale,
                                      const WriteOptions& options);
  base::Result<api::Json> PatchScale(const api::KindInfo& kind, std::string_view ns,
                                     std::string_view name, PatchType type, const api::Json& patch,
                                     const WriteOptions& options);

  store::Store& store() { return store_; }
  base::Clock& clock() { return clock_; }
  const ServiceIps& service_ips() const { return service_ips_; }

 private:
  base::Result<WriteResult> Decode(const api::KindInfo& kind, api::Json body, std::string_view ns,
                                   FieldValidation validation);
  base::Status CheckNamespaceOpen(const api::KindInfo& kind, std::string_view ns);
  base::Status PrepareForCreate(api::Object& obj);
  base::Result<WriteResult> WriteUpdate(
      const api::KindInfo& kind, std::string_view ns, std::string_view name,
      std::string_view subresource,
      const std::function<base::Result<WriteResult>(const api::Object& current)>& next,
      const WriteOptions& options);
  base::Result<DeleteResult> DeletePod(const store::ObjectKey& key, const DeleteRequest& req);
  base::Result<DeleteResult> DeleteNow(const store::ObjectKey& key, const DeleteRequest& req);
  base::Result<std::string> AllocateClusterIp();

  store::Store& store_;
  base::Clock& clock_;
  const ServiceIps service_ips_;
  std::mutex ip_mu_;  // one ClusterIP allocation at a time (list, pick, create)
};

// ---- helpers shared by the registry's files and the router ---------------------------------

// A random RFC 4122 version 4 UUID, as Kubernetes gives every object.
std::string NewUid();
// generateName's suffix: 5 characters of Kubernetes' alphabet (no vowels, no confusables).
std::string RandomSuffix();
// The store key of an object of `kind` named in a request.
store::ObjectKey KeyFor(const api::KindInfo& kind, std::string_view ns, std::string_view name);
// "pods", "deployments.apps": the resource as Kubernetes' messages name it.
std::string QualifiedResource(const api::KindInfo& kind);
// The namespaces cubelet creates at start and refuses to delete.
bool IsSystemNamespace(std::string_view name);
// Secret.stringData merged into data (it is write-only); other kinds are left alone.
void MergeStringData(api::Object& obj);
// Whether the kind has a status subresource (a PUT of the object then keeps the status).
bool KindHasStatus(std::string_view kind);
// metav1.FormatLabelSelector: "app=web,tier in (a,b)", as Scale.status.selector shows it.
std::string FormatLabelSelector(const std::optional<api::LabelSelector>& selector);

}  // namespace cubelet::apiserver
