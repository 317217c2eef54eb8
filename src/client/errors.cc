#include "client/errors.h"

#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "client/wire.h"

namespace cubelet::client {
namespace {

using base::Code;

Code CodeForReason(std::string_view reason) {
  struct Entry {
    std::string_view reason;
    Code code;
  };
  // metav1.StatusReason values.
  static constexpr Entry kReasons[] = {
      {"BadRequest", Code::kInvalid},
      {"Invalid", Code::kInvalid},
      {"Unauthorized", Code::kUnauthenticated},
      {"Forbidden", Code::kPermissionDenied},
      {"NotFound", Code::kNotFound},
      {"AlreadyExists", Code::kAlreadyExists},
      {"Conflict", Code::kConflict},
      {"Gone", Code::kGone},
      {"Expired", Code::kGone},
      {"TooManyRequests", Code::kResourceExhausted},
      {"Timeout", Code::kTimeout},
      {"ServerTimeout", Code::kTimeout},
      {"MethodNotAllowed", Code::kUnimplemented},
      {"NotAcceptable", Code::kInvalid},
      {"UnsupportedMediaType", Code::kInvalid},
      {"RequestEntityTooLarge", Code::kInvalid},
      {"ServiceUnavailable", Code::kUnavailable},
      {"InternalError", Code::kUnavailable},
  };
  for (const Entry& e : kReasons) {
    if (e.reason == reason) return e.code;
  }
  return Code::kInternal;
}

// client-go's texts for a failure that came without a Status body.
std::string_view GenericMessage(int http_status) {
  switch (http_status) {
    case 400:
      return "the server rejected our request for an unknown reason";
    case 401:
      return "the server has asked for the client to provide credentials";
    case 403:
      return "the server does not allow access to the requested resource";
    case 404:
      return "the server could not find the requested resource";
    case 405:
      return "the server does not allow this method on the requested resource";
    case 409:
      return "the server reported a conflict";
    case 410:
      return "the requested resource is no longer available";
    case 422:
      return "the server rejected our request due to an error in our request";
    case 429:
      return "the server has received too many requests and has asked us to try again later";
    case 503:
      return "the server is currently unable to handle the request";
    case 504:
      return "the server was unable to return a response in the time allotted, but may still "
             "be processing the request";
    default:
      return {};
  }
}

}  // namespace

Code CodeFor(int http_status, std::string_view reason) {
  switch (http_status) {
    case 0:
      return CodeForReason(reason);
    case 400:
      return Code::kInvalid;
    case 401:
      return Code::kUnauthenticated;
    case 403:
      return Code::kPermissionDenied;
    case 404:
      return Code::kNotFound;
    case 405:
      return Code::kUnimplemented;
    case 408:
      return Code::kTimeout;
    case 409:
      return reason == "AlreadyExists" ? Code::kAlreadyExists : Code::kConflict;
    case 410:
      return Code::kGone;
    case 422:
      return Code::kInvalid;
    case 429:
      return Code::kResourceExhausted;
    case 504:
      return Code::kTimeout;
    default:
      break;
  }
  if (http_status >= 500) return Code::kUnavailable;
  if (http_status >= 400) return Code::kInvalid;
  return Code::kInternal;  // 1xx/3xx: nothing a Kubernetes server answers with
}

base::Status StatusFromObject(const api::StatusObject& status) {
  std::vector<base::StatusCause> causes;
  if (status.details) {
    for (const auto& c : status.details->causes) causes.push_back({c.reason, c.message, c.field});
  }
  std::string message = status.message;
  if (message.empty()) {
    message = status.reason.empty() ? fmt::format("the server reported status code {}", status.code)
                                    : status.reason;
  }
  return base::Status(CodeFor(status.code, status.reason), std::move(message), 0,
                      std::move(causes));
}

base::Status ErrorFromResponse(const HttpResponse& resp, std::string_view action) {
  const api::Json body = api::Json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object() && StringField(body, "kind") == "Status") {
    api::StatusObject status;
    // A Status with extra or odd fields still says what went wrong: use what decoded.
    (void)api::DecodeJson(body, &status);
    if (!status.message.empty() || !status.reason.empty()) {
      status.code = resp.status;  // the HTTP status is authoritative
      return StatusFromObject(status);
    }
  }
  std::string message(GenericMessage(resp.status));
  if (message.empty()) {
    // Unknown failures keep a bounded piece of the body: it is often the only clue.
    std::string excerpt = resp.body.substr(0, 200);
    message = excerpt.empty() ? fmt::format(
                                    "the server responded with the status code {} but did not "
                                    "return more information",
                                    resp.status)
                              : fmt::format(
                                    "an error on the server ({}) has prevented the request from "
                                    "succeeding",
                                    api::GoQuote(excerpt));
  }
  return base::Status(CodeFor(resp.status, ""), fmt::format("{} ({})", message, action));
}

}  // namespace cubelet::client
