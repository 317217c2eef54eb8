// Status objects, object and list rendering.
#include "apiserver/responses.h"

namespace cubelet::apiserver {
namespace {

api::Json DetailsJson(const StatusDetails& d, const std::vector<base::StatusCause>& causes) {
  api::Json j = api::Json::object();
  if (!d.name.empty()) j["name"] = d.name;
  if (!d.group.empty()) j["group"] = d.group;
  if (!d.kind.empty()) j["kind"] = d.kind;
  if (!d.uid.empty()) j["uid"] = d.uid;
  if (!causes.empty()) {
    api::Json cs = api::Json::array();
    for (const base::StatusCause& c : causes) {
      cs.push_back({{"reason", c.reason}, {"message", c.message}, {"field", c.field}});
    }
    j["causes"] = std::move(cs);
  }
  return j;
}

}  // namespace

HttpCode HttpCodeFor(const base::Status& status) {
  switch (status.code()) {
    case base::Code::kOk:
      return {200, ""};
    case base::Code::kInvalid:
      return status.causes().empty() ? HttpCode{400, "BadRequest"} : HttpCode{422, "Invalid"};
    case base::Code::kNotFound:
      return {404, "NotFound"};
    case base::Code::kAlreadyExists:
      return {409, "AlreadyExists"};
    case base::Code::kConflict:
      return {409, "Conflict"};
    case base::Code::kGone:
      return {410, "Expired"};
    case base::Code::kUnauthenticated:
      return {401, "Unauthorized"};
    case base::Code::kPermissionDenied:
      return {403, "Forbidden"};
    case base::Code::kResourceExhausted:
      return {429, "TooManyRequests"};
    case base::Code::kTimeout:
      return {504, "Timeout"};
    case base::Code::kUnavailable:
      return {503, "ServiceUnavailable"};
    case base::Code::kUnimplemented:
      return {405, "MethodNotAllowed"};
    default:
      return {500, "InternalError"};
  }
}

api::Json StatusJson(int code, std::string_view reason, std::string_view message,
                     const StatusDetails& details) {
  api::Json j = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", api::Json::object()},
                 {"status", "Failure"}, {"message", message}, {"reason", reason},
                 {"code", code}};
  api::Json d = DetailsJson(details, {});
  if (!d.empty()) j["details"] = std::move(d);
  return j;
}

api::Json StatusJson(const base::Status& status, const StatusDetails& details) {
  HttpCode hc = HttpCodeFor(status);
  std::string message = status.message();
  // A forbidden write names what it was refused on, as kube's NewForbidden does.
  if (hc.code == 403 && !details.kind.empty() && !details.name.empty() &&
      message.find(" is forbidden: ") == std::string::npos) {
    std::string qualified =
        details.group.empty() ? details.kind : details.kind + "." + details.group;
    message = qualified + " \"" + details.name + "\" is forbidden: " + message;
  }
  api::Json j = StatusJson(hc.code, hc.reason, message, {});
  StatusDetails named = details;
  if (hc.code == 422 && !details.object_kind.empty()) named.kind = details.object_kind;
  api::Json d = DetailsJson(named, status.causes());
  if (!d.empty()) j["details"] = std::move(d);
  return j;
}

api::Json SuccessStatusJson(const StatusDetails& details) {
  return {{"kind", "Status"},
          {"apiVersion", "v1"},
          {"metadata", api::Json::object()},
          {"status", "Success"},
          {"details", DetailsJson(details, {})}};
}

HttpReply JsonReply(int status, const api::Json& body) {
  HttpReply r;
  r.status = status;
  r.body = body.dump();
  return r;
}

HttpReply ErrorReply(const base::Status& status, const StatusDetails& details) {
  return JsonReply(HttpCodeFor(status).code, StatusJson(status, details));
}

HttpReply ErrorReply(int code, std::string_view reason, std::string_view message,
                     const StatusDetails& details) {
  return JsonReply(code, StatusJson(code, reason, message, details));
}

api::Json RenderObject(const api::Object& obj, const Rendering& how, base::TimePoint now) {
  if (how.table) return TableFor(obj, now, how.table_options);
  return api::EncodeObject(obj);
}

api::Json RenderList(const api::KindInfo& kind, const std::vector<api::Object>& items,
                     const std::string& resource_version, const std::string& continue_token,
                     const Rendering& how, base::TimePoint now) {
  if (how.table) {
    api::Json t = TableFor(kind.kind, items, resource_version, now, how.table_options);
    if (!continue_token.empty()) t["metadata"]["continue"] = continue_token;
    return t;
  }
  api::Json list = {{"kind", std::string(kind.kind) + "List"},
                    {"apiVersion", kind.api_version},
                    {"metadata", {{"resourceVersion", resource_version}}},
                    {"items", api::Json::array()}};
  if (!continue_token.empty()) list["metadata"]["continue"] = continue_token;
  for (const api::Object& o : items) list["items"].push_back(api::EncodeObject(o));
  return list;
}

}  // namespace cubelet::apiserver
