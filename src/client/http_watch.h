// A WatchStream over one streamed HTTP response: a thread runs the transfer, decodes lines into
// events and queues them for the consumer.
#pragma once

#include <memory>
#include <string>

#include "api/api.h"
#include "base/clock.h"
#include "base/status.h"
#include "client/client.h"

namespace cubelet::client {

// Starts the watch request and waits (up to `head_timeout`, real time) for the response head.
// A 2xx gives the stream; any other answer is returned as its mapped failure, as client-go's
// Watch() does, so a caller can tell a refused watch (410: list again) from a running one.
// `action` names the request in messages ("watch pods").
base::Result<std::unique_ptr<WatchStream>> OpenHttpWatch(std::shared_ptr<HttpTransport> transport,
                                                         HttpRequest req, const api::KindInfo& kind,
                                                         base::Duration head_timeout,
                                                         std::string action);

}  // namespace cubelet::client
