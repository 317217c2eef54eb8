// The byte streams under the probe HTTP client: a plain TCP socket, or TLS over it. The
// kubelet's HTTPS probes and hooks do not verify the server's certificate (the pod's
// certificate is not the node's business; a self-signed one must pass), so neither does this.
#include <cerrno>
#include <memory>
#include <poll.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "node/prober_net.h"

namespace cubelet::node {
namespace {

base::Status Timeout(std::string_view text) {
  return base::Status(base::Code::kTimeout, std::string(text));
}

// Waits until `fd` is ready for `events` or the deadline passes.
base::Status WaitFor(int fd, short events, NetDeadline deadline, std::string_view timeout_text) {
  for (;;) {
    pollfd pfd{fd, events, 0};
    int n = poll(&pfd, 1, RemainingMs(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return Timeout(timeout_text);
    return base::Status::Ok();
  }
}

class Plain final : public ByteStream {
 public:
  explicit Plain(NetSocket sock) : sock_(std::move(sock)) {}

  base::Result<size_t> Recv(char* buf, size_t len, NetDeadline deadline,
                            std::string_view timeout_text) override {
    for (;;) {
      RETURN_IF_ERROR(WaitFor(sock_.fd(), POLLIN, deadline, timeout_text));
      ssize_t r = recv(sock_.fd(), buf, len, 0);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r < 0) return base::Status(base::Code::kUnavailable, "read: " + GoErrnoText(errno));
      return static_cast<size_t>(r);
    }
  }

  base::Status Send(std::string_view data, NetDeadline deadline,
                    std::string_view timeout_text) override {
    while (!data.empty()) {
      RETURN_IF_ERROR(WaitFor(sock_.fd(), POLLOUT, deadline, timeout_text));
      ssize_t w = send(sock_.fd(), data.data(), data.size(), MSG_NOSIGNAL);
      if (w < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (w < 0) return base::Status(base::Code::kUnavailable, "write: " + GoErrnoText(errno));
      data.remove_prefix(static_cast<size_t>(w));
    }
    return base::Status::Ok();
  }

 private:
  NetSocket sock_;
};

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

std::string SslError(std::string_view what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "unknown error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return std::string(what) + ": " + buf;
}

class Tls final : public ByteStream {
 public:
  Tls(NetSocket sock, std::unique_ptr<SSL_CTX, SslCtxFree> ctx, std::unique_ptr<SSL, SslFree> ssl)
      : sock_(std::move(sock)), ctx_(std::move(ctx)), ssl_(std::move(ssl)) {}

  // Runs one OpenSSL call on the non-blocking socket until it completes: WANT_READ/WANT_WRITE
  // become a poll() for that direction.
  template <class Fn>
  base::Result<int> Drive(Fn fn, NetDeadline deadline, std::string_view timeout_text,
                          std::string_view what) {
    for (;;) {
      ERR_clear_error();
      int r = fn();
      if (r > 0) return r;
      int err = SSL_get_error(ssl_.get(), r);
      if (err == SSL_ERROR_WANT_READ) {
        RETURN_IF_ERROR(WaitFor(sock_.fd(), POLLIN, deadline, timeout_text));
      } else if (err == SSL_ERROR_WANT_WRITE) {
        RETURN_IF_ERROR(WaitFor(sock_.fd(), POLLOUT, deadline, timeout_text));
      } else if (err == SSL_ERROR_ZERO_RETURN) {
        return 0;
      } else if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
        // The peer closed without close_notify (common for probes' "Connection: close").
        return 0;
      } else {
        return base::Status(base::Code::kUnavailable, SslError(what));
      }
    }
  }

  base::Status Handshake(NetDeadline deadline) {
    auto r = Drive([&] { return SSL_connect(ssl_.get()); }, deadline,
                   "net/http: TLS handshake timeout", "remote error: tls");
    if (!r.ok()) return r.status();
    if (*r == 0) return base::Status(base::Code::kUnavailable, "EOF during the TLS handshake");
    return base::Status::Ok();
  }

  base::Result<size_t> Recv(char* buf, size_t len, NetDeadline deadline,
                            std::string_view timeout_text) override {
    ASSIGN_OR_RETURN(int r, Drive([&] { return SSL_read(ssl_.get(), buf, static_cast<int>(len)); },
                                  deadline, timeout_text, "read"));
    return static_cast<size_t>(r);
  }

  base::Status Send(std::string_view data, NetDeadline deadline,
                    std::string_view timeout_text) override {
    while (!data.empty()) {
      ASSIGN_OR_RETURN(
          int w,
          Drive([&] { return SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size())); },
                deadline, timeout_text, "write"));
      if (w == 0) return base::Status(base::Code::kUnavailable, "write: connection closed");
      data.remove_prefix(static_cast<size_t>(w));
    }
    return base::Status::Ok();
  }

 private:
  NetSocket sock_;
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx_;
  std::unique_ptr<SSL, SslFree> ssl_;
};

}  // namespace

std::unique_ptr<ByteStream> PlainStream(NetSocket sock) {
  return std::make_unique<Plain>(std::move(sock));
}

base::Result<std::unique_ptr<ByteStream>> TlsStream(NetSocket sock, const std::string& server_name,
                                                    NetDeadline deadline) {
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return base::InternalError("{}", SslError("creating a TLS context"));
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  if (!ssl) return base::InternalError("{}", SslError("creating a TLS connection"));
  SSL_set_fd(ssl.get(), sock.fd());
  SSL_set_tlsext_host_name(ssl.get(), server_name.c_str());
  auto tls = std::make_unique<Tls>(std::move(sock), std::move(ctx), std::move(ssl));
  RETURN_IF_ERROR(tls->Handshake(deadline));
  return std::unique_ptr<ByteStream>(std::move(tls));
}

}  // namespace cubelet::node
