// Client over HTTP: builds Kubernetes REST requests, maps answers to objects and failures.
#include <string>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "client/client.h"
#include "client/errors.h"
#include "client/http_watch.h"
#include "client/rest_paths.h"
#include "client/wire.h"

namespace cubelet::client {
namespace {

bool Is2xx(int status) { return status >= 200 && status < 300; }

// "get pods web": what client-go appends to generic failure messages.
std::string Action(std::string_view verb, const api::KindInfo& kind, std::string_view name) {
  return name.empty() ? fmt::format("{} {}", verb, kind.resource)
                      : fmt::format("{} {} {}", verb, kind.resource, name);
}

api::Json DeleteOptionsJson(const DeleteOptions& opts) {
  api::Json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (opts.grace_period_seconds) body["gracePeriodSeconds"] = *opts.grace_period_seconds;
  const Preconditions& pre = opts.preconditions;
  if (pre.uid || pre.resource_version) {
    api::Json p = api::Json::object();
    if (pre.uid) p["uid"] = *pre.uid;
    if (pre.resource_version) p["resourceVersion"] = *pre.resource_version;
    body["preconditions"] = std::move(p);
  }
  if (!opts.propagation_policy.empty()) body["propagationPolicy"] = opts.propagation_policy;
  return body;
}

class RestClient final : public Client {
 public:
  RestClient(const ClientConfig& config, std::shared_ptr<HttpTransport> transport)
      : config_(config), transport_(std::move(transport)) {
    // "https://host:6443/" and "https://host:6443" name the same server.
    while (!config_.server.empty() && config_.server.back() == '/') config_.server.pop_back();
  }

  base::Result<api::Object> Get(const api::KindInfo& kind, std::string_view ns,
                                std::string_view name) override {
    ASSIGN_OR_RETURN(std::string path, ObjectPath(kind, ns, name));
    return CallForObject("GET", path, "", "", kind, Action("get", kind, name));
  }

  base::Result<ListResult> List(const api::KindInfo& kind, const ListOptions& opts) override {
    Query q;
    q.Add("labelSelector", opts.label_selector)
        .Add("fieldSelector", opts.field_selector)
        .Add("limit", opts.limit > 0 ? std::to_string(opts.limit) : "")
        .Add("continue", opts.continue_token)
        .Add("resourceVersion", opts.resource_version);
    const std::string action = Action("list", kind, "");
    ASSIGN_OR_RETURN(api::Json json, Call("GET", CollectionPath(kind, opts.namespace_) + q.Encode(),
                                          "", "", action));
    return DecodeList(json, kind);
  }

  base::Result<api::Object> Create(const api::Object& obj) override {
    const api::KindInfo& kind = api::KindOf(obj);
    const api::ObjectMeta& meta = api::MetaOf(obj);
    if (kind.namespaced && meta.namespace_.empty()) {
      return base::InvalidError("{} \"{}\": metadata.namespace is required to create it",
                                kind.resource, meta.name.empty() ? meta.generate_name : meta.name);
    }
    return CallForObject("POST", CollectionPath(kind, meta.namespace_), EncodeForWire(obj).dump(),
                         "application/json", kind, Action("post", kind, meta.name));
  }

  base::Result<api::Object> Update(const api::Object& obj) override { return Put(obj, ""); }

  base::Result<api::Object> UpdateStatus(const api::Object& obj) override {
    return Put(obj, "status");
  }

  base::Result<api::Object> Patch(const api::KindInfo& kind, std::string_view ns,
                                  std::string_view name, PatchType type, const api::Json& patch,
                                  std::string_view subresource) override {
    ASSIGN_OR_RETURN(std::string path, ObjectPath(kind, ns, name, subresource));
    return CallForObject("PATCH", path, patch.dump(), PatchContentType(type), kind,
                         Action("patch", kind, name));
  }

  base::Result<std::optional<api::Object>> Delete(const api::KindInfo& kind, std::string_view ns,
                                                  std::string_view name,
                                                  const DeleteOptions& opts) override {
    ASSIGN_OR_RETURN(std::string path, ObjectPath(kind, ns, name));
    const std::string action = Action("delete", kind, name);
    ASSIGN_OR_RETURN(api::Json json, Call("DELETE", path, DeleteOptionsJson(opts).dump(),
                                          "application/json", action));
    // Kinds deleted at once may answer with a Status instead of the object.
    if (StringField(json, "kind") == "Status") {
      api::StatusObject status;
      (void)api::DecodeJson(json, &status);
      if (status.status == "Success") return std::optional<api::Object>();
      return StatusFromObject(status);
    }
    ASSIGN_OR_RETURN(api::Object obj, DecodeFromWire(std::move(json), kind));
    return std::optional<api::Object>(std::move(obj));
  }

  base::Result<std::unique_ptr<WatchStream>> Watch(const api::KindInfo& kind,
                                                   const WatchOptions& opts) override {
    Query q;
    q.Add("watch", "true")
        .Add("labelSelector", opts.label_selector)
        .Add("fieldSelector", opts.field_selector)
        .Add("resourceVersion", opts.resource_version)
        .Add("allowWatchBookmarks", opts.allow_bookmarks ? "true" : "")
        .Add("timeoutSeconds", opts.timeout_seconds ? std::to_string(*opts.timeout_seconds) : "");
    HttpRequest req = NewRequest("GET", CollectionPath(kind, opts.namespace_) + q.Encode(), "", "");
    // The server ends the watch after timeoutSeconds; the client gives it a margin and otherwise
    // leaves the stream open for as long as the server keeps it.
    req.timeout = opts.timeout_seconds
                      ? std::chrono::seconds(*opts.timeout_seconds) + config_.timeout
                      : base::Duration{0};
    return OpenHttpWatch(transport_, std::move(req), kind, config_.timeout,
                         Action("watch", kind, ""));
  }

  base::Result<std::string> Raw(const RawRequest& raw) override {
    HttpRequest req =
        NewRequest(raw.method, raw.path, raw.body, raw.body.empty() ? "" : raw.content_type);
    req.timeout = config_.timeout;
    ASSIGN_OR_RETURN(HttpResponse resp, transport_->Do(req));
    if (!Is2xx(resp.status)) return ErrorFromResponse(resp, raw.method + " " + raw.path);
    return std::move(resp.body);
  }

 private:
  base::Result<api::Object> Put(const api::Object& obj, std::string_view subresource) {
    const api::KindInfo& kind = api::KindOf(obj);
    const api::ObjectMeta& meta = api::MetaOf(obj);
    ASSIGN_OR_RETURN(std::string path, ObjectPath(kind, meta.namespace_, meta.name, subresource));
    return CallForObject("PUT", path, EncodeForWire(obj).dump(), "application/json", kind,
                         Action("put", kind, meta.name));
  }

  HttpRequest NewRequest(std::string method, const std::string& path, std::string body,
                         std::string_view content_type) const {
    HttpRequest req;
    req.method = std::move(method);
    req.url = config_.server + path;
    req.headers.emplace_back("Accept", "application/json");
    req.headers.emplace_back("User-Agent", config_.user_agent);
    if (!config_.bearer_token.empty()) {
      req.headers.emplace_back("Authorization", "Bearer " + config_.bearer_token);
    }
    if (!content_type.empty()) req.headers.emplace_back("Content-Type", std::string(content_type));
    req.body = std::move(body);
    return req;
  }

  // One unary exchange: the parsed JSON of a 2xx answer, or the mapped failure.
  base::Result<api::Json> Call(std::string method, const std::string& path, std::string body,
                               std::string_view content_type, const std::string& action) {
    HttpRequest req = NewRequest(std::move(method), path, std::move(body), content_type);
    req.timeout = config_.timeout;
    ASSIGN_OR_RETURN(HttpResponse resp, transport_->Do(req));
    if (!Is2xx(resp.status)) return ErrorFromResponse(resp, action);
    return ParseBody(resp.body, action);
  }

  base::Result<api::Object> CallForObject(std::string method, const std::string& path,
                                          std::string body, std::string_view content_type,
                                          const api::KindInfo& kind, const std::string& action) {
    ASSIGN_OR_RETURN(api::Json json,
                     Call(std::move(method), path, std::move(body), content_type, action));
    return DecodeFromWire(std::move(json), kind);
  }

  ClientConfig config_;
  const std::shared_ptr<HttpTransport> transport_;
};

}  // namespace

std::string_view PatchContentType(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
  }
  return "application/merge-patch+json";
}

base::Result<std::string> Client::Raw(const RawRequest& req) {
  return base::Error(base::Code::kUnimplemented, "{} {}: raw requests are not supported here",
                     req.method, req.path);
}

std::unique_ptr<Client> NewClient(const ClientConfig& config,
                                  std::shared_ptr<HttpTransport> transport) {
  return std::make_unique<RestClient>(config, std::move(transport));
}

std::unique_ptr<Client> NewClient(const ClientConfig& config) {
  return NewClient(config, NewCurlTransport(config));
}

}  // namespace cubelet::client
