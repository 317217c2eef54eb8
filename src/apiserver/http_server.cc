// HttpServer on Boost.Beast: one strand per connection, a handful of I/O threads.
#include "apiserver/http_server.h"

#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

namespace cubelet::apiserver {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// kube-apiserver's request body limit (3 MiB), so one request cannot exhaust memory.
constexpr size_t kBodyLimit = 3 << 20;
// A connection that sends no request for this long is closed (idle keep-alive).
constexpr auto kIdleTimeout = std::chrono::seconds(120);

class Session;

// Tracks live sessions so Stop() can close them.
struct SessionSet {
  std::mutex mu;
  std::list<std::weak_ptr<Session>> sessions;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, net::ssl::context& tls, const HttpHandler& handler,
          base::Logger* logger)
      : stream_(std::move(socket), tls), handler_(handler), logger_(logger) {}

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      beast::get_lowest_layer(self->stream_).expires_after(std::chrono::seconds(30));
      self->stream_.async_handshake(net::ssl::stream_base::server, [self](beast::error_code ec) {
        if (ec) {
          self->DoClose();
          return;
        }
        self->Read();
      });
    });
  }

  // From any thread: closes the connection.
  void Close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->DoClose(); });
  }

  TlsStream& stream() { return stream_; }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  void DoClose() {
    if (closed_) return;
    closed_ = true;
    // No TLS close_notify: the peer learns from the TCP close, and a peer that stopped
    // reading cannot hold the connection open.
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }
  bool closed() const { return closed_; }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    lowest().expires_after(kIdleTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec) {
      if (ec == http::error::body_limit) {
        auto res = std::make_shared<http::response<http::string_body>>(
            http::status::payload_too_large, 11);
        res->set(http::field::content_type, "application/json");
        res->body() =
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
            R"("message":"the request is too large","reason":"RequestEntityTooLarge","code":413})";
        res->prepare_payload();
        res->keep_alive(false);
        Write(std::move(res));
        return;
      }
      DoClose();
      return;
    }
    http::request<http::string_body> req = parser_->release();
    HttpRequest in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    in.accept = std::string(req[http::field::accept]);
    in.content_type = std::string(req[http::field::content_type]);
    in.authorization = std::string(req[http::field::authorization]);
    in.body = std::move(req.body());
    HttpReply reply;
    try {
      reply = handler_(in);
    } catch (const std::exception& e) {
      // A bug must cost one request, not the server.
      if (logger_)
        logger_->Error("request handler threw", {{"target", in.target}, {"error", e.what()}});
      reply.status = 500;
      reply.body =
          fmt::format(R"({{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Failure",)"
                      R"("message":"internal error","reason":"InternalError","code":500}})");
    }
    if (reply.stream) {
      StartStream(std::move(reply));
      return;
    }
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.status), req.version());
    res->set(http::field::content_type, reply.content_type);
    for (auto& [k, v] : reply.headers) res->insert(k, v);
    res->body() = std::move(reply.body);
    res->keep_alive(req.keep_alive());
    res->prepare_payload();
    Write(std::move(res));
  }

  void Write(std::shared_ptr<http::response<http::string_body>> res) {
    bool keep = res->keep_alive();
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep](beast::error_code ec, size_t) {
                        if (ec || !keep) {
                          self->DoClose();
                          return;
                        }
                        self->Read();
                      });
  }

  void StartStream(HttpReply reply);

  TlsStream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const HttpHandler& handler_;
  base::Logger* logger_;
  bool closed_ = false;
};

// The chunked body of one streaming reply; lives on its session's strand.
class Streamer : public StreamConnection, public std::enable_shared_from_this<Streamer> {
 public:
  explicit Streamer(std::shared_ptr<Session> session) : session_(std::move(session)) {}

  void Begin(std::string header) {
    session_->lowest().expires_never();
    queue_.push_back(std::move(header));
    pending_ += queue_.back().size();
    WriteNext();
    WatchPeer();
  }

  void Send(std::string data) override {
    if (data.empty() || closed_) return;
    std::string chunk = fmt::format("{:x}\r\n", data.size());
    chunk += data;
    chunk += "\r\n";
    pending_ += chunk.size();
    Post([self = shared_from_this(), c = std::move(chunk)]() mutable {
      if (self->closed_) return;
      self->queue_.push_back(std::move(c));
      self->WriteNext();
    });
  }

  void Finish() override {
    Post([self = shared_from_this()] {
      if (self->finishing_ || self->closed_) return;
      self->finishing_ = true;
      self->queue_.push_back("0\r\n\r\n");
      self->pending_ += 5;
      self->WriteNext();
    });
  }

  size_t Pending() const override { return pending_; }
  bool Closed() const override { return closed_; }
  void OnDrained(std::function<void()> fn) override {
    Post([self = shared_from_this(), fn = std::move(fn)]() mutable {
      self->on_drained_ = std::move(fn);
    });
  }
  void Post(std::function<void()> fn) override {
    net::post(session_->stream().get_executor(), std::move(fn));
  }
  void After(std::chrono::milliseconds delay, std::function<void()> fn) override {
    auto timer = std::make_shared<net::steady_timer>(session_->stream().get_executor(), delay);
    timers_.push_back(timer);
    timer->async_wait([self = shared_from_this(), timer, fn = std::move(fn)](beast::error_code ec) {
      std::erase(self->timers_, timer);
      if (!ec && !self->closed_) fn();
    });
  }

  // From the server's Stop(): the stream ends now.
  void Shutdown() {
    Post([self = shared_from_this()] { self->CloseNow(); });
  }

 private:
  void WriteNext() {
    if (writing_ || closed_) return;
    if (queue_.empty()) {
      if (finishing_) {
        CloseNow();
      } else if (on_drained_) {
        on_drained_();
      }
      return;
    }
    writing_ = true;
    net::async_write(session_->stream(), net::buffer(queue_.front()),
                     [self = shared_from_this()](beast::error_code ec, size_t n) {
                       self->writing_ = false;
                       self->pending_ -= n;
                       self->queue_.pop_front();
                       if (ec) {
                         self->CloseNow();
                         return;
                       }
                       self->WriteNext();
                     });
  }

  // Reads while streaming: the only way to notice a client that hung up while nothing is
  // being written (kubectl closes its watch as soon as it has seen what it waited for).
  void WatchPeer() {
    session_->stream().async_read_some(
        net::buffer(peer_buf_), [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec) {
            self->CloseNow();
            return;
          }
          self->WatchPeer();  // pipelined bytes on a stream are ignored
        });
  }

  void CloseNow() {
    if (closed_) return;
    closed_ = true;
    for (auto& t : timers_) t->cancel();
    session_->DoClose();
    if (on_drained_) {
      auto fn = std::move(on_drained_);
      on_drained_ = nullptr;
      fn();  // lets the producer see Closed() and release its resources
    }
  }

  std::shared_ptr<Session> session_;
  std::deque<std::string> queue_;
  std::atomic<size_t> pending_ = 0;
  std::atomic<bool> closed_ = false;
  bool writing_ = false;
  bool finishing_ = false;
  std::function<void()> on_drained_;
  std::vector<std::shared_ptr<net::steady_timer>> timers_;
  std::array<char, 512> peer_buf_{};
};

class HttpServerImpl final : public HttpServer {
 public:
  HttpServerImpl(int threads, HttpHandler handler, base::Logger* logger)
      : io_(threads),
        acceptor_(io_),
        tls_(net::ssl::context::tls_server),
        handler_(std::move(handler)),
        logger_(logger),
        threads_count_(threads) {}

  base::Status LoadCertificate(const TlsFiles& tls) {
    beast::error_code ec;
    // TLS 1.2 and newer only, as Go's crypto/tls offers by default.
    tls_.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                         net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                         net::ssl::context::no_tlsv1_1,
                     ec);
    if (!ec) tls_.use_certificate_chain(net::buffer(tls.cert_pem), ec);
    if (!ec) tls_.use_private_key(net::buffer(tls.key_pem), net::ssl::context::pem, ec);
    if (ec) return base::InvalidError("serving certificate: {}", ec.message());
    return base::Status::Ok();
  }

  ~HttpServerImpl() override { Stop(); }

  base::Status Listen(const std::string& address, uint16_t port) {
    beast::error_code ec;
    auto addr = net::ip::make_address(address, ec);
    if (ec) return base::InvalidError("listen address {:?}: {}", address, ec.message());
    tcp::endpoint ep(addr, port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return base::Error(base::Code::kUnavailable, "listen on {}:{}: {}", address, port,
                         ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    for (int i = 0; i < threads_count_; ++i) threads_.emplace_back([this] { io_.run(); });
    return base::Status::Ok();
  }

  uint16_t port() const override { return port_; }

  void Stop() override {
    std::call_once(stopped_, [this] {
      net::post(acceptor_.get_executor(), [this] {
        beast::error_code ec;
        acceptor_.close(ec);
      });
      {
        std::lock_guard lock(sessions_.mu);
        for (auto& w : sessions_.sessions) {
          if (auto s = w.lock()) s->Close();
        }
      }
      // Give the closes a moment to run, then stop the loop whatever is left.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      io_.stop();
      for (auto& t : threads_) t.join();
      threads_.clear();
    });
  }

  void Track(const std::shared_ptr<Session>& s) {
    std::lock_guard lock(sessions_.mu);
    std::erase_if(sessions_.sessions, [](auto& w) { return w.expired(); });
    sessions_.sessions.push_back(s);
  }

 private:
  void Accept() {
    acceptor_.async_accept(net::make_strand(io_), [this](beast::error_code ec, tcp::socket sock) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
      } else {
        beast::error_code nodelay_ec;
        sock.set_option(tcp::no_delay(true), nodelay_ec);
        auto session = std::make_shared<Session>(std::move(sock), tls_, handler_, logger_);
        Track(session);
        session->Start();
      }
      Accept();
    });
  }

  net::io_context io_;
  tcp::acceptor acceptor_;
  net::ssl::context tls_;
  HttpHandler handler_;
  base::Logger* logger_;
  int threads_count_;
  uint16_t port_ = 0;
  std::vector<std::thread> threads_;
  SessionSet sessions_;
  std::once_flag stopped_;
};

}  // namespace

void Session::StartStream(HttpReply reply) {
  std::string header =
      fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\n", reply.status,
                  std::string(http::obsolete_reason(static_cast<http::status>(reply.status))),
                  reply.content_type);
  for (auto& [k, v] : reply.headers) header += fmt::format("{}: {}\r\n", k, v);
  header += "Transfer-Encoding: chunked\r\nCache-Control: no-cache, private\r\n\r\n";
  auto streamer = std::make_shared<Streamer>(shared_from_this());
  streamer->Begin(std::move(header));
  reply.stream(streamer);
}

base::Result<std::unique_ptr<HttpServer>> StartHttpServer(const std::string& address, uint16_t port,
                                                          int threads, const TlsFiles& tls,
                                                          HttpHandler handler,
                                                          base::Logger* logger) {
  auto server = std::make_unique<HttpServerImpl>(std::max(1, threads), std::move(handler), logger);
  RETURN_IF_ERROR(server->LoadCertificate(tls));
  RETURN_IF_ERROR(server->Listen(address, port));
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace cubelet::apiserver
