// Request parsing for the API server: the parts of an HTTP request that Kubernetes clients
// spell in different ways (query encodings, `True` versus `true`, Accept lists, API paths),
// read the way kube-apiserver's Go stack reads them. See kubectl-compat.md §2 and G7.
//
// Thread-safety: all functions are pure and may be called concurrently.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apiserver/resources.h"
#include "base/status.h"

namespace cubelet::apiserver {

// ---- request target ------------------------------------------------------------------------

// The origin-form request target split at the first '?'. Both parts are still encoded; a
// fragment ("#...", which clients should not send) is dropped.
struct RequestTarget {
  std::string_view path;   // "/api/v1/pods"
  std::string_view query;  // "watch=1&limit=500", "" when there is none
};
RequestTarget SplitTarget(std::string_view target);

// Decodes %XX escapes (hex digits of either case). With `plus_as_space`, '+' is a space, as in
// query components (Go's url.QueryUnescape); a path keeps '+' (url.PathUnescape). nullopt for
// a truncated or non-hex escape ("%4", "%zz"), which Go rejects too.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space);

// ---- query parameters ----------------------------------------------------------------------

// The decoded query parameters in request order. Repeated keys keep every value in order:
// exec sends `command=sh&command=-c&command=...`.
class QueryParams {
 public:
  using Entry = std::pair<std::string, std::string>;

  QueryParams() = default;

  // Go's url.ParseQuery as http.Request.URL.Query() applies it: pairs are split on '&', a key
  // without '=' has the value "", empty pairs are skipped, and a pair that holds a ';' or a bad
  // escape is dropped (Go reports it, but URL.Query() ignores the error, so kube-apiserver never
  // sees the pair).
  static QueryParams Parse(std::string_view query);

  bool Has(std::string_view key) const;
  // The first value of `key`; nullopt when the key is absent.
  std::optional<std::string_view> Get(std::string_view key) const;
  // Every value of `key`, in request order; empty when absent.
  std::vector<std::string_view> GetAll(std::string_view key) const;

  void Add(std::string key, std::string value);
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

// Go's strconv.ParseBool, which kube-apiserver uses for every boolean parameter: "1", "t",
// "T", "TRUE", "true", "True" are true; "0", "f", "F", "FALSE", "false", "False" are false.
// Anything else (including "yes" and "tRUE") is Invalid with Go's message:
// `strconv.ParseBool: parsing "yes": invalid syntax`. The Python client sends "True".
base::Result<bool> ParseBool(std::string_view text);

// ---- media types ---------------------------------------------------------------------------

// A media type or media range: "application/json;as=Table;v=v1;g=meta.k8s.io".
struct MediaType {
  std::string type;     // lowercased: "application", "*"
  std::string subtype;  // lowercased: "json", "strategic-merge-patch+json", "*"
  // In order; names lowercased (they are case-insensitive), values unquoted and kept as sent
  // (Kubernetes compares as=, g= and v= case-sensitively).
  std::vector<std::pair<std::string, std::string>> params;

  // The value of parameter `name` (matched case-insensitively); nullopt when absent.
  std::optional<std::string_view> Param(std::string_view name) const;
  // "application/json": type and subtype without parameters.
  std::string Essence() const;
  // Whether this media range accepts `type`/`subtype` (lowercase), honouring "*/*" and
  // "application/*" wildcards.
  bool Matches(std::string_view type, std::string_view subtype) const;
};

// Parses a Content-Type: "application/json; charset=utf-8" is application/json with charset.
// nullopt when there is no type/subtype (empty or malformed header).
std::optional<MediaType> ParseContentType(std::string_view content_type);

// Parses an Accept header into its media ranges, in header order. The q parameter is removed
// from the parameters; a range with q=0 means "not acceptable" and is dropped, other q values
// do not reorder (clients list what they prefer first and send no q on the types the API
// server negotiates). Malformed ranges are dropped; an empty header gives no ranges.
std::vector<MediaType> ParseAccept(std::string_view accept);

// Whether the Accept header asks for a meta.k8s.io Table: a range application/json (or a
// wildcard that covers it) with as=Table, g=meta.k8s.io and v=v1 or v1beta1. kubectl get sends
// `application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;
// g=meta.k8s.io,application/json`.
bool AcceptsTable(std::string_view accept);

// ---- API paths -----------------------------------------------------------------------------

// A request path of the resource API, decoded:
//   /api/v1/{resource}[/{name}[/{subresource}]]                     cluster-scoped resources,
//                                                                    or every namespace's list
//   /api/v1/namespaces/{ns}/{resource}[/{name}[/{subresource}]]     namespaced resources
//   /api/v1/namespaces/{name}[/{subresource}]                       the Namespace object itself
//   /apis/{group}/{version}/...                                     the same for named groups
// and the deprecated /api/v1/watch/... form of each collection and object path.
struct ApiPath {
  std::string group;        // "" for core
  std::string version;      // "v1"
  std::string ns;           // the namespace of a namespaced request; "" for all namespaces
  std::string resource;     // "pods"
  std::string name;         // "" for a collection
  std::string subresource;  // "status", "log", "exec", ...; "" for the object itself
  bool watch = false;       // the /watch/ prefix was used
  const ResourceInfo* info = nullptr;  // the served resource; never null in a parsed path

  bool IsCollection() const { return name.empty(); }
};

// Parses a raw (still percent-encoded) request path. The resource must be served
// (resources.h), which also decides the shapes: /api/v1/namespaces/default is Namespace
// "default", /api/v1/namespaces/default/status its status, /api/v1/namespaces/default/pods
// the pods in "default". The subresource is returned as sent, whether served or not, so the
// caller can answer `exec` differently from an unknown name.
//
// nullopt for anything else: discovery paths (/api, /api/v1), unserved groups, versions or
// resources, a namespaced item without a namespace (/api/v1/pods/x), a cluster-scoped resource
// under a namespace, empty segments, extra segments, a bad escape, or a subresource on /watch/.
std::optional<ApiPath> ParseApiPath(std::string_view raw_path);

// A legacy discovery path (discovery.h answers each):
//   /api                      kApi           APIVersions, or aggregated discovery
//   /apis                     kApis          APIGroupList, or aggregated discovery
//   /api/{version}            kGroupVersion  APIResourceList of the core group
//   /apis/{group}             kGroup         APIGroup
//   /apis/{group}/{version}   kGroupVersion  APIResourceList
struct DiscoveryPath {
  enum class Kind { kApi, kApis, kGroup, kGroupVersion };
  Kind kind;
  std::string group;    // "" for the core group
  std::string version;  // "" for kApi, kApis, kGroup
};

// Parses a raw request path into the discovery document it names, or nullopt. A trailing
// slash is accepted: the Python client asks for "/api/", "/apis/" and "/apis/apps/" (and
// "/version/"). Whether the group or version is served is left to the document builders.
std::optional<DiscoveryPath> ParseDiscoveryPath(std::string_view raw_path);

}  // namespace cubelet::apiserver
