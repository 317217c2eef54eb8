// Router: the verbs of a resource — get, list, watch, create, update, patch, delete,
// deletecollection — and the scale subresource.
#include <charconv>
#include <random>

#include <fmt/format.h>

#include "api/selector.h"
#include "apiserver/router.h"

namespace cubelet::apiserver {
namespace {

StatusDetails DetailsOf(const ApiPath& path, std::string name = {}) {
  return StatusDetails{name.empty() ? path.name : std::move(name),
                       path.group,
                       path.resource,
                       {},
                       std::string(path.info->kind)};
}

base::Result<WriteOptions> WriteOptionsFrom(const QueryParams& q) {
  WriteOptions out;
  for (std::string_view v : q.GetAll("dryRun")) {
    if (v != "All") {
      return base::InvalidError("dryRun: Unsupported value: {:?}: supported values: \"All\"",
                                std::string(v));
    }
    out.dry_run = true;
  }
  ASSIGN_OR_RETURN(out.field_validation,
                   ParseFieldValidation(q.Get("fieldValidation").value_or("")));
  return out;
}

base::Result<Rendering> RenderingFrom(const HttpRequest& req, const QueryParams& q) {
  Rendering r;
  r.table = AcceptsTable(req.accept);
  std::string_view include = q.Get("includeObject").value_or("");
  std::optional<IncludeObject> io = ParseIncludeObject(include);
  if (!io) {
    return base::InvalidError("unrecognized includeObject value: {:?}", std::string(include));
  }
  r.table_options.include_object = *io;
  return r;
}

// Warnings reach kubectl as `Warning:` headers (RFC 7234 code 299), printed as
// "Warning: unknown field ...".
void AddWarnings(HttpReply& reply, const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings) {
    std::string escaped;
    for (char c : w) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    reply.headers.emplace_back("Warning", fmt::format("299 - \"{}\"", escaped));
  }
}

struct Selectors {
  api::LabelMatcher labels;
  api::FieldMatcher fields;
};

base::Result<Selectors> SelectorsFrom(const QueryParams& q, const api::KindInfo& kind,
                                      const ApiPath& path) {
  Selectors s;
  if (std::optional<std::string_view> l = q.Get("labelSelector")) {
    ASSIGN_OR_RETURN(s.labels, api::ParseLabelSelector(*l));
  }
  std::string field_text(q.Get("fieldSelector").value_or(""));
  // /watch/namespaces/ns/pods/name watches one object.
  if (!path.name.empty()) {
    field_text += (field_text.empty() ? "" : ",") + std::string("metadata.name=") + path.name;
  }
  if (!field_text.empty()) {
    ASSIGN_OR_RETURN(s.fields, api::ParseFieldSelector(field_text, kind));
  }
  return s;
}

}  // namespace

base::Result<std::optional<int64_t>> IntQueryParam(const QueryParams& q, std::string_view key) {
  std::optional<std::string_view> v = q.Get(key);
  if (!v || v->empty()) return std::optional<int64_t>();
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size()) {
    return base::InvalidError("invalid value for {}: {:?}: must be an integer", key,
                              std::string(*v));
  }
  return std::optional<int64_t>(out);
}

HttpReply Router::Get(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                      const QueryParams& query) {
  base::Result<Rendering> how = RenderingFrom(req, query);
  if (!how.ok()) return ErrorReply(how.status(), DetailsOf(path));
  base::Result<api::Object> obj = registry_.Get(kind, path.ns, path.name);
  if (!obj.ok()) return ErrorReply(obj.status(), DetailsOf(path));
  return JsonReply(200, RenderObject(*obj, *how, clock_.Now()));
}

HttpReply Router::List(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                       const QueryParams& query) {
  base::Result<Rendering> how = RenderingFrom(req, query);
  if (!how.ok()) return ErrorReply(how.status(), DetailsOf(path));
  base::Result<Selectors> sel = SelectorsFrom(query, kind, path);
  if (!sel.ok()) return ErrorReply(sel.status(), DetailsOf(path));
  base::Result<std::optional<int64_t>> limit = IntQueryParam(query, "limit");
  if (!limit.ok()) return ErrorReply(limit.status(), DetailsOf(path));
  store::ListOptions opts;
  opts.namespace_ = path.ns;
  opts.labels = std::move(sel->labels);
  opts.fields = std::move(sel->fields);
  opts.limit = std::max<int64_t>(0, limit->value_or(0));
  opts.continue_token = std::string(query.Get("continue").value_or(""));
  opts.resource_version = std::string(query.Get("resourceVersion").value_or(""));
  std::string_view match = query.Get("resourceVersionMatch").value_or("");
  if (match == "Exact") {
    opts.resource_version_match = store::ResourceVersionMatch::kExact;
  } else if (!match.empty() && match != "NotOlderThan") {
    return ErrorReply(
        base::InvalidError("resourceVersionMatch: Unsupported value: {:?}", std::string(match)),
        DetailsOf(path));
  }
  // A continue token carries its own revision; a client's "0" alongside it means nothing.
  if (!opts.continue_token.empty() && opts.resource_version == "0") opts.resource_version.clear();
  base::Result<store::ListResult> got = registry_.store().List(kind.resource, opts);
  if (!got.ok()) return ErrorReply(got.status(), DetailsOf(path));
  return JsonReply(200, RenderList(kind, got->items, got->resource_version, got->continue_token,
                                   *how, clock_.Now()));
}

HttpReply Router::Watch(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                        const QueryParams& query) {
  base::Result<Rendering> how = RenderingFrom(req, query);
  if (!how.ok()) return ErrorReply(how.status(), DetailsOf(path));
  base::Result<Selectors> sel = SelectorsFrom(query, kind, path);
  if (!sel.ok()) return ErrorReply(sel.status(), DetailsOf(path));
  base::Result<std::optional<int64_t>> timeout = IntQueryParam(query, "timeoutSeconds");
  if (!timeout.ok()) return ErrorReply(timeout.status(), DetailsOf(path));
  base::Result<bool> bookmarks = ParseBool(query.Get("allowWatchBookmarks").value_or("false"));
  if (!bookmarks.ok()) return ErrorReply(bookmarks.status(), DetailsOf(path));
  store::WatchOptions opts;
  opts.namespace_ = path.ns;
  opts.labels = std::move(sel->labels);
  opts.fields = std::move(sel->fields);
  opts.resource_version = std::string(query.Get("resourceVersion").value_or(""));
  WatchStreamOptions stream_opts;
  stream_opts.rendering = *how;
  stream_opts.bookmarks = *bookmarks;
  if (timeout->has_value() && **timeout > 0) {
    stream_opts.timeout = std::chrono::seconds(**timeout);
  } else {
    // kube-apiserver's default: a random 30–60 minutes, so that clients' re-watches spread.
    thread_local std::mt19937 rng{std::random_device{}()};
    stream_opts.timeout = std::chrono::seconds(std::uniform_int_distribution(1800, 3600)(rng));
  }
  base::Result<std::unique_ptr<store::Watcher>> w = registry_.store().Watch(kind.resource, opts);
  HttpReply reply;
  if (!w.ok()) {
    // A too-old resourceVersion is not an HTTP error: the watch opens and its one event is
    // the 410 (client-go relists on it).
    if (w.status().code() != base::Code::kGone) return ErrorReply(w.status(), DetailsOf(path));
    std::string line = WatchEventLine({store::EventType::kError, {}, w.status()}, {}, {});
    reply.stream = [line](std::shared_ptr<StreamConnection> conn) {
      conn->Send(line);
      conn->Finish();
    };
    return reply;
  }
  std::shared_ptr<store::Watcher> watcher = std::move(*w);
  watches_.Add(watcher);
  if (stopping_) watcher->Stop();
  reply.stream = [this, watcher, stream_opts](std::shared_ptr<StreamConnection> conn) {
    StreamWatch(watcher, std::move(conn), stream_opts, clock_);
  };
  return reply;
}

HttpReply Router::Create(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                         const QueryParams& query) {
  base::Result<WriteOptions> opts = WriteOptionsFrom(query);
  if (!opts.ok()) return ErrorReply(opts.status(), DetailsOf(path));
  base::Result<api::Json> body = DecodeBody(req);
  if (!body.ok()) return ErrorReply(body.status(), DetailsOf(path));
  std::string name;
  if (body->is_object() && (*body)["metadata"].is_object()) {
    name = (*body)["metadata"].value("name", "");
  }
  base::Result<WriteResult> out = registry_.Create(kind, path.ns, *body, *opts);
  if (!out.ok()) return ErrorReply(out.status(), DetailsOf(path, name));
  HttpReply reply = JsonReply(201, api::EncodeObject(out->object));
  AddWarnings(reply, out->warnings);
  return reply;
}

HttpReply Router::Update(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                         const QueryParams& query) {
  base::Result<WriteOptions> opts = WriteOptionsFrom(query);
  if (!opts.ok()) return ErrorReply(opts.status(), DetailsOf(path));
  base::Result<api::Json> body = DecodeBody(req);
  if (!body.ok()) return ErrorReply(body.status(), DetailsOf(path));
  base::Result<WriteResult> out =
      registry_.Update(kind, path.ns, path.name, path.subresource, *body, *opts);
  if (!out.ok()) return ErrorReply(out.status(), DetailsOf(path));
  HttpReply reply = JsonReply(200, api::EncodeObject(out->object));
  AddWarnings(reply, out->warnings);
  return reply;
}

namespace {

base::Result<PatchType> PatchTypeOf(const HttpRequest& req) {
  std::optional<MediaType> ct = ParseContentType(req.content_type);
  std::string essence = ct ? ct->Essence() : "";
  if (essence == "application/strategic-merge-patch+json") return PatchType::kStrategicMerge;
  if (essence == "application/merge-patch+json") return PatchType::kMerge;
  if (essence == "application/json-patch+json") return PatchType::kJson;
  return base::Error(base::Code::kUnimplemented,
                     "the body of the request was in an unknown format - accepted media types "
                     "include: application/json-patch+json, application/merge-patch+json, "
                     "application/strategic-merge-patch+json");
}

}  // namespace

HttpReply Router::Patch(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                        const QueryParams& query) {
  base::Result<PatchType> type = PatchTypeOf(req);
  if (!type.ok()) return ErrorReply(415, "UnsupportedMediaType", type.status().message());
  base::Result<WriteOptions> opts = WriteOptionsFrom(query);
  if (!opts.ok()) return ErrorReply(opts.status(), DetailsOf(path));
  base::Result<api::Json> body = DecodeBody(req);
  if (!body.ok()) return ErrorReply(body.status(), DetailsOf(path));
  base::Result<WriteResult> out =
      registry_.Patch(kind, path.ns, path.name, path.subresource, *type, *body, *opts);
  if (!out.ok()) return ErrorReply(out.status(), DetailsOf(path));
  HttpReply reply = JsonReply(200, api::EncodeObject(out->object));
  AddWarnings(reply, out->warnings);
  return reply;
}

namespace {

base::Result<DeleteRequest> DeleteRequestFrom(const HttpRequest& req, const QueryParams& q) {
  DeleteRequest out;
  if (!req.body.empty()) {
    ASSIGN_OR_RETURN(api::Json body, DecodeBody(req));
    if (!body.is_object()) return base::InvalidError("DeleteOptions must be a JSON object");
    if (auto g = body.find("gracePeriodSeconds"); g != body.end() && !g->is_null()) {
      if (!g->is_number_integer()) return base::InvalidError("gracePeriodSeconds: not an integer");
      out.grace_period_seconds = g->get<int64_t>();
    }
    if (auto p = body.find("preconditions"); p != body.end() && p->is_object()) {
      if (p->contains("uid") && (*p)["uid"].is_string()) {
        out.preconditions.uid = (*p)["uid"].get<std::string>();
      }
      if (p->contains("resourceVersion") && (*p)["resourceVersion"].is_string()) {
        out.preconditions.resource_version = (*p)["resourceVersion"].get<std::string>();
      }
    }
    out.propagation_policy = body.value("propagationPolicy", "");
    if (auto d = body.find("dryRun"); d != body.end() && d->is_array() && !d->empty()) {
      out.dry_run = true;
    }
  }
  ASSIGN_OR_RETURN(std::optional<int64_t> grace, IntQueryParam(q, "gracePeriodSeconds"));
  if (grace) out.grace_period_seconds = grace;
  if (std::optional<std::string_view> p = q.Get("propagationPolicy")) {
    out.propagation_policy = std::string(*p);
  }
  if (q.Has("dryRun")) out.dry_run = true;
  const std::string& pp = out.propagation_policy;
  if (!pp.empty() && pp != "Orphan" && pp != "Background" && pp != "Foreground") {
    return base::InvalidError(
        "propagationPolicy: Unsupported value: {:?}: supported values: \"Foreground\", "
        "\"Background\", \"Orphan\"",
        pp);
  }
  return out;
}

}  // namespace

HttpReply Router::Delete(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                         const QueryParams& query) {
  base::Result<DeleteRequest> del = DeleteRequestFrom(req, query);
  if (!del.ok()) return ErrorReply(del.status(), DetailsOf(path));
  base::Result<DeleteResult> out = registry_.Delete(kind, path.ns, path.name, *del);
  if (!out.ok()) return ErrorReply(out.status(), DetailsOf(path));
  // Pods come back as objects (kube's pod registry returns the deleted object); a deletion
  // still pending shows the object with its deletionTimestamp; otherwise a Success Status.
  if (!out->deleted || kind.kind == "Pod") {
    return JsonReply(200, api::EncodeObject(out->object));
  }
  StatusDetails d = DetailsOf(path);
  d.uid = api::MetaOf(out->object).uid;
  return JsonReply(200, SuccessStatusJson(d));
}

HttpReply Router::DeleteCollection(const HttpRequest& req, const ApiPath& path,
                                   const api::KindInfo& kind, const QueryParams& query) {
  base::Result<DeleteRequest> del = DeleteRequestFrom(req, query);
  if (!del.ok()) return ErrorReply(del.status(), DetailsOf(path));
  base::Result<Selectors> sel = SelectorsFrom(query, kind, path);
  if (!sel.ok()) return ErrorReply(sel.status(), DetailsOf(path));
  store::ListOptions opts;
  opts.namespace_ = path.ns;
  opts.labels = std::move(sel->labels);
  opts.fields = std::move(sel->fields);
  base::Result<store::ListResult> got = registry_.store().List(kind.resource, opts);
  if (!got.ok()) return ErrorReply(got.status(), DetailsOf(path));
  std::vector<api::Object> done;
  for (const api::Object& o : got->items) {
    const api::ObjectMeta& m = api::MetaOf(o);
    base::Result<DeleteResult> r = registry_.Delete(kind, m.namespace_, m.name, *del);
    if (r.ok()) {
      done.push_back(std::move(r->object));
    } else if (r.status().code() != base::Code::kNotFound) {
      return ErrorReply(r.status(), DetailsOf(path, m.name));
    }
  }
  return JsonReply(
      200, RenderList(kind, done, registry_.store().ResourceVersion(), "", {}, clock_.Now()));
}

HttpReply Router::Scale(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                        const QueryParams& query) {
  base::Result<api::Json> out = base::InternalError("unreachable");
  if (req.method == "GET") {
    out = registry_.GetScale(kind, path.ns, path.name);
  } else if (req.method == "PUT" || req.method == "PATCH") {
    base::Result<WriteOptions> opts = WriteOptionsFrom(query);
    if (!opts.ok()) return ErrorReply(opts.status(), DetailsOf(path));
    base::Result<api::Json> body = DecodeBody(req);
    if (!body.ok()) return ErrorReply(body.status(), DetailsOf(path));
    if (req.method == "PUT") {
      out = registry_.UpdateScale(kind, path.ns, path.name, *body, *opts);
    } else {
      base::Result<PatchType> type = PatchTypeOf(req);
      if (!type.ok()) return ErrorReply(415, "UnsupportedMediaType", type.status().message());
      out = registry_.PatchScale(kind, path.ns, path.name, *type, *body, *opts);
    }
  } else {
    return ErrorReply(405, "MethodNotAllowed", "method not allowed", DetailsOf(path));
  }
  if (!out.ok()) return ErrorReply(out.status(), DetailsOf(path));
  return JsonReply(200, *out);
}

}  // namespace cubelet::apiserver
