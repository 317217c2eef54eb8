// The three PATCH formats of the Kubernetes API, applied to JSON documents exactly as
// kube-apiserver applies them (client tools depend on the details):
//
//   application/merge-patch+json           ApplyMergePatch (RFC 7386; `kubectl scale`)
//   application/json-patch+json            ApplyJsonPatch (RFC 6902; the Python client's list
//                                          bodies, `kubectl patch --type=json`)
//   application/strategic-merge-patch+json ApplyStrategicMergePatch (`kubectl apply`, `kubectl
//                                          edit`, the Python client's dict bodies)
//
// Every function is pure: the inputs are not modified, and a failure returns Code::kInvalid with a
// message naming the patch path or operation that failed, never a partly patched document.
// The result is plain JSON; the caller decodes, defaults and validates it like any update.
#pragma once

#include <string_view>

#include "api/types/values.h"
#include "base/status.h"

namespace cubelet::api {

// RFC 7386 JSON merge patch: an object patch merges into the target key by key (a null value
// deletes the key, an object recurses), anything else (arrays included) replaces the target.
base::Result<Json> ApplyMergePatch(const Json& original, const Json& patch);

// RFC 6902 JSON patch: `patch` is an array of operations (add, remove, replace, move, copy, test)
// with RFC 6901 pointers ("~1" is "/", "~0" is "~", "-" appends to an array). Operations apply in
// order and all or nothing; the error names the index of the failing operation
// ("json patch operation 2: testing value /spec/replicas failed: test failed").
base::Result<Json> ApplyJsonPatch(const Json& original, const Json& patch);

// Kubernetes strategic merge patch for an object of `kind` ("Pod", "Deployment", ...: the kinds
// of api::Object). Like a merge patch, except that:
//   - lists with a merge key (containers by name, ports by containerPort, conditions by type, ...)
//     merge item by item; other lists are replaced whole; `finalizers`-like primitive lists with
//     the merge strategy merge as sets;
//   - the directives `$patch: replace|delete` (on maps and list items), `$retainKeys`,
//     `$deleteFromPrimitiveList/<list>` and `$setElementOrder/<list>` are applied and never
//     stored.
// Fails for a kind cubelet does not serve (kube-apiserver has no strategic merge for custom
// resources either).
base::Result<Json> ApplyStrategicMergePatch(const Json& original, const Json& patch,
                                            std::string_view kind);

}  // namespace cubelet::api
