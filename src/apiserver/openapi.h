// The OpenAPI documents kubectl fetches before create, apply and edit (kubectl-compat.md §0.1,
// §3.5, G1): without a 200 on /openapi/v2 (kubectl 1.20-1.28) or /openapi/v3 (1.29+) those
// commands fail. The documents describe every served path and operation but carry no schemas
// (components.schemas is {}): kubectl then skips client-side schema validation ("resource not
// present") and takes strategic-merge metadata from its compiled-in types, which is what it
// does for every built-in kind anyway.
//
// Thread-safety: all functions are pure and may be called concurrently.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/api.h"
#include "apiserver/discovery.h"

namespace cubelet::apiserver {

// The Content-Type of /openapi/v2. Echoing the Accept type instead breaks kubectl: Go cannot
// parse "application/com.github.proto-openapi.spec.v2@v1.0+protobuf" as a media type (G2).
inline constexpr std::string_view kOpenApiV2ContentType = "application/octet-stream";

// The body of /openapi/v2: the protobuf encoding of the gnostic openapi_v2.Document
// {swagger: "2.0", info: {title, version}}. With the defaults it is 28 bytes:
// 0a 03 "2.0" 12 15 0a 0a "Kubernetes" 12 07 "v1.33.0".
std::string OpenApiV2Document(std::string_view title = "Kubernetes",
                              std::string_view version = kKubernetesVersion);

// GET /openapi/v3: {"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=H"},
// "apis/apps/v1":{...},...}}, one entry per served group-version, H = OpenApiV3Hash of its
// document (so clients may cache a URL forever).
api::Json OpenApiV3Index();

// GET /openapi/v3/<path> for a group-version path "api/v1" or "apis/apps/v1": an OpenAPI 3.0.0
// document with every path of the group-version's resources (collection, item, every
// namespace's list, subresources) and one operation per verb, each carrying
// x-kubernetes-action and x-kubernetes-group-version-kind. create, update and patch take the
// fieldValidation, dryRun and fieldManager query parameters: kubectl 1.27+ sends
// fieldValidation only when the item path's patch operation declares it. nullopt for a path
// that is not a served group-version.
std::optional<api::Json> OpenApiV3Document(std::string_view path);

// A stable digest of a document (FNV-1a 64 of its compact JSON, 16 uppercase hex digits):
// equal documents give equal hashes on every run and build.
std::string OpenApiV3Hash(const api::Json& document);

}  // namespace cubelet::apiserver
