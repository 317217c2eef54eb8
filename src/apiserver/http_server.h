// HttpServer: HTTPS (HTTP/1.1 over TLS) with Boost.Beast on a few threads. Plain requests get a
// complete reply; a streaming reply (watch, log -f) takes the connection over after its headers and
// sends chunks until the producer finishes or the client goes away.
//
// Thread-safety: the handler is called concurrently from the I/O threads. StreamConnection's
// methods may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/log.h"
#include "base/status.h"

namespace cubelet::apiserver {

struct HttpRequest {
  std::string method;  // "GET"
  std::string target;  // "/api/v1/pods?watch=true"
  std::string accept;
  std::string content_type;
  std::string authorization;
  std::string body;
};

// The sending half of a streaming reply: chunks of the chunked response body.
class StreamConnection {
 public:
  virtual ~StreamConnection() = default;
  // Queues one chunk (dropped once closed).
  virtual void Send(std::string data) = 0;
  // Ends the response once everything queued is written, then closes the connection.
  virtual void Finish() = 0;
  // Bytes queued but not yet written: producers stop producing above a limit.
  virtual size_t Pending() const = 0;
  // The client went away or a write failed: producers stop.
  virtual bool Closed() const = 0;
  // Called (on the connection's executor) whenever the queue has drained, and when the
  // connection closes; producers that paused for Pending() resume there.
  virtual void OnDrained(std::function<void()> fn) = 0;
  // Runs `fn` on the connection's executor (serialized with OnDrained calls).
  virtual void Post(std::function<void()> fn) = 0;
  // A timer on the connection's executor; `fn` runs unless the connection closed first.
  virtual void After(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
};

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set for a streaming reply: called once the headers are sent; the body is ignored.
  std::function<void(std::shared_ptr<StreamConnection>)> stream;
};

using HttpHandler = std::function<HttpReply(const HttpRequest&)>;

class HttpServer {
 public:
  virtual ~HttpServer() = default;  // stops
  virtual uint16_t port() const = 0;
  // Stops accepting, closes every connection (streams see Closed()) and joins the threads.
  virtual void Stop() = 0;
};

// The serving certificate (chain) and its key, PEM.
struct TlsFiles {
  std::string cert_pem;
  std::string key_pem;
};

// Listens on address:port (port 0: a free one) and serves HTTPS with `threads` I/O threads.
// Only TLS: Kubernetes clients send their credentials over nothing else.
base::Result<std::unique_ptr<HttpServer>> StartHttpServer(const std::string& address, uint16_t port,
                                                          int threads, const TlsFiles& tls,
                                                          HttpHandler handler,
                                                          base::Logger* logger);

}  // namespace cubelet::apiserver
