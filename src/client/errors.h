// Turning the API server's failures into base::Status, as client-go's apierrors does: the
// Status object's message and field causes are kept, the code comes from the HTTP status.
// Pure functions.
#pragma once

#include <string_view>

#include "api/api.h"
#include "base/status.h"
#include "client/client.h"

namespace cubelet::client {

// The code for an HTTP status, refined by the Status reason where Kubernetes overloads a code
// (409 is AlreadyExists or Conflict). `http_status` 0 (a watch ERROR event whose Status carries
// no code) is decided by the reason alone.
base::Code CodeFor(int http_status, std::string_view reason);

// A failure from a Status object (kind "Status"): its message, causes and code.
base::Status StatusFromObject(const api::StatusObject& status);

// A failure from a non-2xx response. The body is used when it is a Status; otherwise the
// message is generic, as client-go's: "the server could not find the requested resource (get
// pods web)". `action` is that parenthesized "verb resource [name]".
base::Status ErrorFromResponse(const HttpResponse& resp, std::string_view action);

}  // namespace cubelet::client
