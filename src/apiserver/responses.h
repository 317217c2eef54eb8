// The shapes of API answers: Status objects for errors (with Kubernetes' HTTP codes and
// reasons), objects and lists with kind and apiVersion, and Tables when the client asked for
// them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "apiserver/http_server.h"
#include "apiserver/printers.h"
#include "base/status.h"

namespace cubelet::apiserver {

// What a Status names in details: {"name":"web","group":"apps","kind":"deployments"}.
struct StatusDetails {
  std::string name = {};
  std::string group = {};
  std::string kind = {};  // the resource, as kube-apiserver fills details.kind
  std::string uid = {};
  // The object's kind ("Pod"): an Invalid Status names the kind, not the resource, so kubectl
  // prints `The Pod "web" is invalid: ...`.
  std::string object_kind = {};
};

// The HTTP code and reason of a failed base::Status: NotFound 404, AlreadyExists 409,
// Conflict 409, Gone 410 (reason Expired), Invalid 422 with causes / 400 BadRequest without,
// Unauthenticated 401, PermissionDenied 403 (Forbidden), ResourceExhausted 429, Timeout 504,
// Unavailable 503, Unimplemented 405 (MethodNotAllowed), anything else 500.
struct HttpCode {
  int code;
  std::string_view reason;
};
HttpCode HttpCodeFor(const base::Status& status);

// The metav1.Status object for a failure.
api::Json StatusJson(const base::Status& status, const StatusDetails& details = {});
// A Status with an explicit code and reason (415, 406, 405 ... that no base::Code names).
api::Json StatusJson(int code, std::string_view reason, std::string_view message,
                     const StatusDetails& details = {});
// {"kind":"Status","status":"Success",...}: what deleting most kinds returns.
api::Json SuccessStatusJson(const StatusDetails& details);

HttpReply JsonReply(int status, const api::Json& body);
HttpReply ErrorReply(const base::Status& status, const StatusDetails& details = {});
HttpReply ErrorReply(int code, std::string_view reason, std::string_view message,
                     const StatusDetails& details = {});

// How the client wants objects: JSON as stored, or a meta.k8s.io/v1 Table.
struct Rendering {
  bool table = false;
  TableOptions table_options;
};

// The JSON for one object (kind and apiVersion set), or its one-row Table.
api::Json RenderObject(const api::Object& obj, const Rendering& how, base::TimePoint now);
// The JSON list ("PodList", items never null) or the Table of a list.
api::Json RenderList(const api::KindInfo& kind, const std::vector<api::Object>& items,
                     const std::string& resource_version, const std::string& continue_token,
                     const Rendering& how, base::TimePoint now);

}  // namespace cubelet::apiserver
