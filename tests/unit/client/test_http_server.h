// A scripted HTTP/1.1 server on 127.0.0.1 (ephemeral port) for the client's tests: every
// request is recorded and handed to the test's handler, which writes the raw response bytes
// (so a test can split a chunked body anywhere, stall, or hang up). Connections are kept alive
// between requests unless the handler closes them; each has its own thread. The destructor
// stops everything and joins.
#pragma once

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <functional>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace cubelet::client::testing {

struct Request {
  std::string method;
  std::string target;  // path and query as sent
  std::string path;
  std::string query;                           // without the '?'
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// The server side of one connection, for handlers.
class Conn {
 public:
  Conn(int fd, int stop_fd) : fd_(fd), stop_fd_(stop_fd) {}
  bool Write(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Waits until the client hangs up (true), or `max` passed or the server stops (false).
  bool WaitForClientClose(std::chrono::milliseconds max) {
    const auto deadline = std::chrono::steady_clock::now() + max;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      if (::poll(fds, 2, static_cast<int>(left.count())) < 0) return false;
      if (fds[1].revents != 0) return false;
      if (fds[0].revents != 0) {
        char c;
        if (::recv(fd_, &c, 1, MSG_PEEK) <= 0) return true;
        return false;  // the client sent something instead (not expected by callers)
      }
    }
  }
  // Closes the connection once the handler returns (no keep-alive).
  void CloseAfter() { close_ = true; }
  bool closing() const { return close_; }

 private:
  int fd_;
  int stop_fd_;
  bool close_ = false;
};

using Handler = std::function<void(const Request&, Conn&)>;

class TestHttpServer {
 public:
  explicit TestHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 16), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    EXPECT_EQ(::pipe2(stop_pipe_, O_CLOEXEC), 0);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }

  ~TestHttpServer() {
    (void)!::write(stop_pipe_[1], "x", 1);
    acceptor_.join();
    std::vector<std::thread> conns;
    {
      std::lock_guard lock(mu_);
      conns.swap(threads_);
    }
    for (std::thread& t : conns) t.join();
    ::close(listen_fd_);
    ::close(stop_pipe_[0]);
    ::close(stop_pipe_[1]);
  }

  std::string url() const { return fmt::format("http://127.0.0.1:{}", port_); }
  std::vector<Request> Requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  Request Last() {
    std::lock_guard lock(mu_);
    return requests_.empty() ? Request{} : requests_.back();
  }
  int Connections() const { return connections_.load(); }

 private:
  void AcceptLoop() {
    while (true) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 || fds[1].revents != 0) return;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections_;
      std::lock_guard lock(mu_);
      threads_.emplace_back([this, fd] {
        Serve(fd);
        ::close(fd);
      });
    }
  }

  // Appends what the client sent next to `buf`; false on EOF or when the server stops.
  bool ReadMore(int fd, std::string& buf) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 || fds[1].revents != 0) return false;
    char tmp[65536];
    const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf.append(tmp, static_cast<size_t>(n));
    return true;
  }

  void Serve(int fd) {
    std::string buf;
    while (true) {
      size_t head_end;
      while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
        if (!ReadMore(fd, buf)) return;
      }
      Request req;
      const std::string head = buf.substr(0, head_end);
      buf.erase(0, head_end + 4);
      size_t line_end = head.find("\r\n");
      const std::string first = head.substr(0, line_end);
      const size_t sp1 = first.find(' ');
      const size_t sp2 = first.rfind(' ');
      req.method = first.substr(0, sp1);
      req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
      const size_t q = req.target.find('?');
      req.path = req.target.substr(0, q);
      req.query = q == std::string::npos ? "" : req.target.substr(q + 1);
      while (line_end != std::string::npos && line_end < head.size()) {
        const size_t next = head.find("\r\n", line_end + 2);
        const std::string line = head.substr(line_end + 2, next - line_end - 2);
        line_end = next;
        const size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        req.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
      }
      const size_t length = std::strtoul(req.Header("content-length").c_str(), nullptr, 10);
      while (buf.size() < length) {
        if (!ReadMore(fd, buf)) return;
      }
      req.body = buf.substr(0, length);
      buf.erase(0, length);
      {
        std::lock_guard lock(mu_);
        requests_.push_back(req);
      }
      Conn conn(fd, stop_pipe_[0]);
      handler_(req, conn);
      if (conn.closing()) return;
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> threads_;
  std::vector<Request> requests_;
};

// A complete JSON response with Content-Length (the connection stays usable).
inline std::string JsonResponse(int status, std::string_view body) {
  return fmt::format(
      "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}", status,
      body.size(), body);
}

// A Kubernetes Status failure body.
inline std::string StatusJson(int code, std::string_view reason, std::string_view message) {
  return fmt::format(
      R"({{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Failure","message":"{}","reason":"{}","code":{}}})",
      message, reason, code);
}

inline constexpr std::string_view kChunkedHead =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
inline std::string Chunk(std::string_view data) {
  return fmt::format("{:x}\r\n{}\r\n", data.size(), data);
}
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace cubelet::client::testing
