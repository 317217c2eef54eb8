// Joining a pod's network namespace and dialing TCP with a deadline (see prober_net.h).
#include "node/prober_net.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <memory>
#include <netdb.h>
#include <optional>
#include <poll.h>
#include <sched.h>
#include <string>
#include <sys/socket.h>
#include <system_error>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

namespace cubelet::node {
namespace {

// The numeric form of a resolved address, as Go prints it in dial errors.
std::string NumericHost(const addrinfo& ai) {
  char host[NI_MAXHOST] = {};
  if (getnameinfo(ai.ai_addr, ai.ai_addrlen, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0) {
    return "?";
  }
  return host;
}

// One connect() of a non-blocking socket, waited for until `deadline`. The error is what
// follows "dial tcp <addr>: " in Go.
base::Result<NetSocket> ConnectOne(const addrinfo& ai, NetDeadline deadline) {
  NetSocket sock(socket(ai.ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (sock.fd() < 0) {
    return base::Status(base::Code::kUnavailable, "socket: " + GoErrnoText(errno), errno);
  }
  // The kubelet's probe dialer lingers 1 s on close: frequent probes would otherwise leave a
  // socket in TIME_WAIT each.
  linger lg{1, 1};
  setsockopt(sock.fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  if (connect(sock.fd(), ai.ai_addr, ai.ai_addrlen) == 0) return sock;
  if (errno != EINPROGRESS) {
    return base::Status(base::Code::kUnavailable, "connect: " + GoErrnoText(errno), errno);
  }
  pollfd pfd{sock.fd(), POLLOUT, 0};
  int n;
  do {
    n = poll(&pfd, 1, RemainingMs(deadline));
  } while (n < 0 && errno == EINTR);
  if (n == 0) return base::Status(base::Code::kTimeout, "i/o timeout");
  if (n < 0) return base::Status(base::Code::kUnavailable, "poll: " + GoErrnoText(errno), errno);
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(sock.fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) return base::Status(base::Code::kUnavailable, "connect: " + GoErrnoText(err), err);
  return sock;
}

}  // namespace

int RemainingMs(NetDeadline deadline) {
  auto left = deadline - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return static_cast<int>(std::min<int64_t>(ms, std::numeric_limits<int>::max()));
}

std::string GoErrnoText(int err) {
  char buf[256];
  std::string text = strerror_r(err, buf, sizeof buf);  // the GNU variant returns the text
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::string JoinHostPort(std::string_view host, int port) {
  if (host.find(':') != std::string_view::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

NetSocket& NetSocket::operator=(NetSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

NetSocket::~NetSocket() {
  if (fd_ >= 0) close(fd_);
}

base::Status RunInNetns(const std::string& netns_path, const std::function<void()>& fn) {
  if (netns_path.empty()) {
    fn();
    return base::Status::Ok();
  }
  base::Status status;
  auto body = [&] {
    int fd = open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      status = base::ErrnoError(errno, "opening network namespace " + netns_path);
      return;
    }
    int rc = setns(fd, CLONE_NEWNET);
    int err = errno;
    close(fd);
    if (rc != 0) {
      status = base::ErrnoError(err, "joining network namespace " + netns_path);
      return;
    }
    fn();
  };
  try {
    std::thread worker(body);
    worker.join();
  } catch (const std::system_error& e) {  // std::thread's only way to say it could not start
    return base::InternalError("starting a thread for {}: {}", netns_path, e.what());
  }
  return status;
}

base::Result<NetSocket> DialTcp(const std::string& host, int port, NetDeadline deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  // An IP literal (the usual pod IP or 127.0.0.1) resolves without any lookup. A name goes
  // through the host's resolver, whose own timeouts (resolv.conf) bound it.
  const std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    std::string why = rc == EAI_SYSTEM ? GoErrnoText(errno) : gai_strerror(rc);
    if (rc == EAI_NONAME) why = "no such host";
    return base::Status(base::Code::kUnavailable,
                        fmt::format("dial tcp: lookup {}: {}", host, why));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addrs(found, &freeaddrinfo);
  // Like Go, every address is tried in order and the first error is the one reported.
  std::optional<base::Status> first_error;
  for (const addrinfo* ai = addrs.get(); ai != nullptr; ai = ai->ai_next) {
    auto sock = ConnectOne(*ai, deadline);
    if (sock.ok()) return std::move(sock).value();
    if (!first_error) {
      const base::Status& s = sock.status();
      first_error = base::Status(
          s.code(),
          fmt::format("dial tcp {}: {}", JoinHostPort(NumericHost(*ai), port), s.message()),
          s.sys_errno());
    }
    if (RemainingMs(deadline) == 0) break;
  }
  if (!first_error) {
    return base::Status(base::Code::kUnavailable,
                        fmt::format("dial tcp {}: no addresses", JoinHostPort(host, port)));
  }
  return *first_error;
}

}  // namespace cubelet::node
