// Router: authentication, non-resource paths and the dispatch of resource requests by verb.
#include "apiserver/router.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include "api/yaml.h"
#include "apiserver/discovery.h"
#include "apiserver/openapi.h"

namespace cubelet::apiserver {
namespace {

bool TokenMatches(std::string_view header, const std::string& token) {
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() != kBearer.size() + token.size() || !header.starts_with(kBearer)) {
    return false;
  }
  // Constant time: the comparison must not tell an attacker how much of a guess was right.
  return CRYPTO_memcmp(header.data() + kBearer.size(), token.data(), token.size()) == 0;
}

HttpReply TextReply(int status, std::string body) {
  HttpReply r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

HttpReply NotFoundReply() {
  return ErrorReply(404, "NotFound", "the server could not find the requested resource");
}

}  // namespace

Router::Router(Registry& registry, const ApiServerOptions& options)
    : registry_(registry), options_(options), clock_(*options.clock) {}

Router::~Router() { StopStreams(); }

void Router::StopStreams() {
  stopping_ = true;
  watches_.StopAll();
  std::list<LogThread> threads;
  {
    std::lock_guard lock(log_mu_);
    threads.swap(log_threads_);
  }
  for (LogThread& t : threads) t.thread.join();
}

base::Result<api::Json> DecodeBody(const HttpRequest& req) {
  std::optional<MediaType> ct = ParseContentType(req.content_type);
  bool yaml = ct && (ct->Essence() == "application/yaml" || ct->Essence() == "text/yaml" ||
                     ct->Essence() == "application/apply-patch+yaml");
  if (yaml) {
    ASSIGN_OR_RETURN(std::vector<api::YamlDocument> docs,
                     api::ParseYamlDocuments(req.body, "request body"));
    if (docs.size() != 1) {
      return base::InvalidError("the request body must hold exactly one YAML document");
    }
    return std::move(docs[0].json);
  }
  api::Json j = api::Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return base::InvalidError("the request body is not valid JSON");
  }
  return j;
}

HttpReply Router::Handle(const HttpRequest& req) {
  RequestTarget target = SplitTarget(req.target);
  // What kube-apiserver shows anonymous clients (system:public-info-viewer): the version and
  // the health checks. Everything else needs the token.
  const bool public_info =
      req.method == "GET" &&
      (target.path == "/version" || target.path == "/version/" || target.path == "/healthz" ||
       target.path == "/livez" || target.path == "/readyz");
  if (!public_info && !TokenMatches(req.authorization, options_.bearer_token)) {
    return ErrorReply(401, "Unauthorized", "Unauthorized");
  }
  QueryParams query = QueryParams::Parse(target.query);
  if (std::optional<ApiPath> path = ParseApiPath(target.path)) {
    return HandleResource(req, *path, query);
  }
  return HandleNonResource(req, target.path, query);
}

HttpReply Router::HandleNonResource(const HttpRequest& req, std::string_view path,
                                    const QueryParams& query) {
  if (req.method != "GET" && req.method != "HEAD") return NotFoundReply();
  if (path == "/healthz" || path == "/livez" || path == "/readyz") return TextReply(200, "ok");
  if (path == "/version" || path == "/version/") {
    return JsonReply(200, VersionJson(CurrentBuildInfo()));
  }
  if (path == "/openapi/v2") {
    HttpReply r;
    // Not the Accept value: Go cannot parse its `@` as a media type (kubectl-compat §0.2).
    r.content_type = "application/octet-stream";
    r.body = OpenApiV2Document();
    return r;
  }
  if (path == "/openapi/v3") return JsonReply(200, OpenApiV3Index());
  if (path.starts_with("/openapi/v3/")) {
    if (std::optional<api::Json> doc = OpenApiV3Document(path.substr(12))) {
      HttpReply r = JsonReply(200, *doc);
      if (query.Has("hash")) {
        r.headers.emplace_back("Cache-Control", "public, immutable");
      }
      return r;
    }
    return NotFoundReply();
  }
  if (std::optional<DiscoveryPath> d = ParseDiscoveryPath(path)) {
    using Kind = DiscoveryPath::Kind;
    if (d->kind == Kind::kApi || d->kind == Kind::kApis) {
      DiscoveryFormat format = NegotiateDiscovery(req.accept);
      HttpReply r;
      if (format == DiscoveryFormat::kLegacy) {
        r = JsonReply(
            200, d->kind == Kind::kApi ? ApiVersionsJson(server_address_) : ApiGroupListJson());
      } else {
        r = JsonReply(200, AggregatedDiscoveryJson(d->kind == Kind::kApi ? DiscoveryRoot::kCore
                                                                         : DiscoveryRoot::kGroups,
                                                   format));
      }
      r.content_type = std::string(DiscoveryContentType(format));
      r.headers.emplace_back("Vary", "Accept");
      return r;
    }
    std::optional<api::Json> doc = d->kind == Kind::kGroup
                                       ? ApiGroupJson(d->group)
                                       : ApiResourceListJson(d->group, d->version);
    if (doc) return JsonReply(200, *doc);
  }
  return NotFoundReply();
}

HttpReply Router::HandleResource(const HttpRequest& req, const ApiPath& path,
                                 const QueryParams& query) {
  const api::KindInfo* kind = api::FindKind(path.info->ApiVersion(), path.info->kind);
  const StatusDetails details{path.name, std::string(path.group), std::string(path.resource)};
  if (kind == nullptr) return NotFoundReply();
  const std::string& m = req.method;
  if (!path.subresource.empty()) {
    if (path.info->FindSubresource(path.subresource) == nullptr) return NotFoundReply();
    if (path.subresource == "log") {
      if (m != "GET") return ErrorReply(405, "MethodNotAllowed", "method not allowed", details);
      return Log(req, path, query);
    }
    if (path.subresource == "scale") return Scale(req, path, *kind, query);
    if (path.subresource == "binding") {
      if (m != "POST") return ErrorReply(405, "MethodNotAllowed", "method not allowed", details);
      base::Result<api::Json> body = DecodeBody(req);
      if (!body.ok()) return ErrorReply(body.status(), details);
      bool dry_run = query.Get("dryRun").value_or("") == "All";
      base::Status st = registry_.Bind(path.ns, path.name, *body, {.dry_run = dry_run});
      if (!st.ok()) return ErrorReply(st, {path.name, "", "pods"});
      return JsonReply(201, {{"kind", "Status"},
                             {"apiVersion", "v1"},
                             {"metadata", api::Json::object()},
                             {"status", "Success"},
                             {"code", 201}});
    }
    // status
    if (m == "GET") return Get(req, path, *kind, query);
    if (m == "PUT") return Update(req, path, *kind, query);
    if (m == "PATCH") return Patch(req, path, *kind, query);
    return ErrorReply(405, "MethodNotAllowed", "method not allowed", details);
  }
  if (path.IsCollection()) {
    if (m == "GET") {
      base::Result<bool> watch = ParseBool(query.Get("watch").value_or("false"));
      if (!watch.ok()) return ErrorReply(watch.status(), details);
      if (*watch || path.watch) return Watch(req, path, *kind, query);
      return List(req, path, *kind, query);
    }
    if (m == "POST") return Create(req, path, *kind, query);
    if (m == "DELETE") return DeleteCollection(req, path, *kind, query);
    return ErrorReply(405, "MethodNotAllowed", "method not allowed", details);
  }
  if (m == "GET") {
    if (path.watch) return Watch(req, path, *kind, query);
    return Get(req, path, *kind, query);
  }
  if (m == "PUT") return Update(req, path, *kind, query);
  if (m == "PATCH") return Patch(req, path, *kind, query);
  if (m == "DELETE") return Delete(req, path, *kind, query);
  return ErrorReply(405, "MethodNotAllowed", "method not allowed", details);
}

}  // namespace cubelet::apiserver
