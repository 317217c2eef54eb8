// Where a resource lives on the API server, and how query strings are written. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/api.h"
#include "base/status.h"

namespace cubelet::client {

// Percent-encodes everything but RFC 3986's unreserved characters (letters, digits, "-._~"),
// so any name or selector text survives as one path segment or query value.
std::string PercentEncode(std::string_view text);

// "/api/v1" for the core group ("v1"), "/apis/apps/v1" for named groups.
std::string GroupVersionPath(const api::KindInfo& kind);

// The collection: /api/v1/namespaces/{ns}/pods, or /api/v1/pods across namespaces (ns "") and
// for cluster-scoped kinds (whose ns is ignored, as the API server ignores it).
std::string CollectionPath(const api::KindInfo& kind, std::string_view ns);

// One object, optionally a subresource of it: /api/v1/namespaces/{ns}/pods/{name}/status.
// Invalid when the name is empty, or the namespace is empty for a namespaced kind.
base::Result<std::string> ObjectPath(const api::KindInfo& kind, std::string_view ns,
                                     std::string_view name, std::string_view subresource = "");

// Builds "?a=1&b=x%20y" in the order parameters were added; empty values are skipped.
class Query {
 public:
  Query& Add(std::string_view key, std::string_view value);
  // "" when nothing was added.
  std::string Encode() const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

}  // namespace cubelet::client
