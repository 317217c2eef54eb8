// The resources the store holds (one per served kind) and Kubernetes' error texts, which
// name an object by its qualified resource ("pods", "deployments.apps").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/api.h"
#include "base/status.h"
#include "store/store.h"

namespace cubelet::store {

// The kind stored under `resource`, or Invalid naming the resource.
base::Result<const api::KindInfo*> KindForResource(std::string_view resource);

// An empty object of `kind` (what a BOOKMARK event carries).
api::Object EmptyObject(const api::KindInfo& kind);

// "pods", "deployments.apps": the resource with its API group, as error messages name it.
std::string QualifiedResource(std::string_view resource);

// ---- Kubernetes' messages (k8s.io/apimachinery/pkg/api/errors, apiserver/pkg/storage) ------
base::Status NotFound(const ObjectKey& key);
base::Status AlreadyExists(const ObjectKey& key);
// The optimistic-lock conflict of an update whose resourceVersion is stale.
base::Status ModifiedConflict(const ObjectKey& key);
// A failed precondition ("Precondition failed: UID in precondition: a, UID in object meta: b").
base::Status PreconditionConflict(const ObjectKey& key, std::string_view detail);
// A watch from a revision the history no longer holds.
base::Status TooOldResourceVersion(int64_t rv, int64_t window_start);
// A list at a revision the history no longer holds.
base::Status ListTooOld();
// A continue token whose revision the history no longer holds.
base::Status ContinueTooOld();
// A revision the store has not reached.
base::Status TooLargeResourceVersion(int64_t rv, int64_t current);

}  // namespace cubelet::store
