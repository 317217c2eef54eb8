// The network half of the prober: a thread inside a pod's network namespace, a TCP dial with a
// deadline, and the minimal HTTP/1.1 GET client of httpGet probes and hooks. Errors carry the
// texts of Go's net and net/http packages, because the kubelet puts those into its events
// ("dial tcp 127.0.0.1:80: connect: connection refused"). Private to src/node.
//
// Every wait is a poll() bounded by a deadline on the steady clock: these are real sockets, so
// they use real time (the injected base::Clock only times the sleep hook).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "base/status.h"

namespace cubelet::node {

using NetDeadline = std::chrono::steady_clock::time_point;

// Milliseconds left until `deadline`, as a poll() timeout: rounded up so that a wait does not
// end early and spin, 0 once it has passed.
int RemainingMs(NetDeadline deadline);

// Runs `fn` on a new thread that first joined the network namespace at `netns_path` and waits
// for it; a thread of its own because setns() moves only the calling thread, which must not
// return to a pool afterwards. An empty path runs `fn` right here (the host's namespace).
// Fails, without running `fn`, when the namespace cannot be joined.
base::Status RunInNetns(const std::string& netns_path, const std::function<void()>& fn);

// An errno as Go's syscall package words it: strerror with a lowercase first letter
// ("connection refused").
std::string GoErrnoText(int err);

// Go's net.JoinHostPort: "127.0.0.1:80", "[fd00::1]:80".
std::string JoinHostPort(std::string_view host, int port);

// A socket descriptor, closed on destruction.
class NetSocket {
 public:
  NetSocket() = default;
  explicit NetSocket(int fd) : fd_(fd) {}
  NetSocket(NetSocket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  NetSocket& operator=(NetSocket&& other) noexcept;
  NetSocket(const NetSocket&) = delete;
  NetSocket& operator=(const NetSocket&) = delete;
  ~NetSocket();
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// Connects to host:port (an IP, or a name resolved with the host's resolver) before
// `deadline`. Failures are Unavailable with Go's dial error as the message:
// "dial tcp 127.0.0.1:80: connect: connection refused", "dial tcp 10.0.0.1:80: i/o timeout".
base::Result<NetSocket> DialTcp(const std::string& host, int port, NetDeadline deadline);

// A connection the HTTP client reads and writes: plain TCP, or TLS over it.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // The next bytes (0 at EOF); Timeout with `timeout_text` once the deadline passes.
  virtual base::Result<size_t> Recv(char* buf, size_t len, NetDeadline deadline,
                                    std::string_view timeout_text) = 0;
  virtual base::Status Send(std::string_view data, NetDeadline deadline,
                            std::string_view timeout_text) = 0;
};
std::unique_ptr<ByteStream> PlainStream(NetSocket sock);
// A TLS client session (SNI `server_name`, TLS 1.2+, the certificate not verified, as the
// kubelet's probes do), handshaken before `deadline`.
base::Result<std::unique_ptr<ByteStream>> TlsStream(NetSocket sock, const std::string& server_name,
                                                    NetDeadline deadline);

struct HttpGetRequest {
  bool tls = false;  // scheme HTTPS
  std::string host;  // where to connect
  int port = 80;
  std::string path = "/";  // with the query, as in the handler
  std::vector<api::HTTPHeader> headers;
  std::string user_agent;  // sent unless `headers` has a User-Agent
};

struct HttpGetResponse {
  int status_code = 0;
  std::string body;  // at most 10 KiB: the kubelet stops reading there
};

// One GET with the kubelet's policy: redirects to the same host name are followed (a 10th
// redirect fails the request, as Go's client does), a redirect elsewhere is returned as the
// 3xx response itself. Failures carry Go's client error ("Get \"http://127.0.0.1:80/\": dial
// tcp 127.0.0.1:80: connect: connection refused") and are Unavailable or Timeout.
base::Result<HttpGetResponse> HttpGet(const HttpGetRequest& request, NetDeadline deadline);

}  // namespace cubelet::node
