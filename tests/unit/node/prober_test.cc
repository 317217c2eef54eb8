#include "node/prober.h"

#include <arpa/inet.h>
#include <chrono>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/testing/fake_clock.h"
#include "runtime/testing/fake_runtime.h"

namespace cubelet::node {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A tiny HTTP server on 127.0.0.1 (ephemeral port) answering canned responses by path:
//   /ok 200 "healthy"; /fail 500; /redirect 302 → /ok; /absolute 302 → http://127.0.0.1:P/ok;
//   /elsewhere 302 → another host; /loop 302 → /loop; /chunked 200 chunked "healthy";
//   /big 200 with 20000 bytes and no Content-Length; /slow answers only when the server stops.
// Each connection is served by its own thread; the destructor stops and joins them all.
class TestServer {
 public:
  TestServer() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(listen_fd_, 16), 0);
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    EXPECT_EQ(pipe2(stop_pipe_, O_CLOEXEC), 0);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }

  ~TestServer() {
    (void)!write(stop_pipe_[1], "x", 1);
    acceptor_.join();
    std::vector<std::thread> conns;
    {
      std::lock_guard lock(mu_);
      conns.swap(connections_);
    }
    for (std::thread& t : conns) t.join();
    close(listen_fd_);
    close(stop_pipe_[0]);
    close(stop_pipe_[1]);
  }

  int port() const { return port_; }
  std::string LastRequest() {
    std::lock_guard lock(mu_);
    return last_request_;
  }
  int Hits(const std::string& path) {
    std::lock_guard lock(mu_);
    return hits_[path];
  }

 private:
  // True once the server is stopping.
  bool WaitForStop(std::chrono::milliseconds limit) {
    pollfd pfd{stop_pipe_[0], POLLIN, 0};
    return poll(&pfd, 1, static_cast<int>(limit.count())) > 0;
  }

  void AcceptLoop() {
    for (;;) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
      if (poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents != 0) return;
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard lock(mu_);
      connections_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      pollfd pfd{fd, POLLIN, 0};
      if (poll(&pfd, 1, 5000) <= 0) break;
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
    size_t sp1 = request.find(' ');
    size_t sp2 = request.find(' ', sp1 + 1);
    std::string path = sp1 == std::string::npos ? "" : request.substr(sp1 + 1, sp2 - sp1 - 1);
    {
      std::lock_guard lock(mu_);
      last_request_ = request;
      hits_[path]++;
    }
    std::string response = Respond(path);
    (void)!write(fd, response.data(), response.size());
    close(fd);
  }

  std::string Respond(const std::string& path) {
    auto plain = [](int code, std::string_view reason, std::string_view body,
                    std::string_view extra = "") {
      return fmt::format("HTTP/1.1 {} {}\r\nContent-Length: {}\r\n{}\r\n{}", code, reason,
                         body.size(), extra, body);
    };
    if (path == "/ok") return plain(200, "OK", "healthy\n");
    if (path == "/fail") return plain(500, "Internal Server Error", "broken");
    if (path == "/redirect") return plain(302, "Found", "", "Location: /ok\r\n");
    if (path == "/absolute") {
      return plain(302, "Found", "", fmt::format("Location: http://127.0.0.1:{}/ok\r\n", port_));
    }
    if (path == "/elsewhere") {
      return plain(302, "Found", "moved", "Location: http://elsewhere.invalid/ok\r\n");
    }
    if (path == "/loop") return plain(302, "Found", "", "Location: /loop\r\n");
    if (path == "/chunked") {
      return "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
             "chunked\r\n\r\n4\r\nheal\r\n3\r\nthy\r\n0\r\n\r\n";
    }
    if (path == "/big") return "HTTP/1.1 200 OK\r\n\r\n" + std::string(20000, 'b');
    if (path == "/slow") {
      WaitForStop(10s);
      return plain(200, "OK", "late");
    }
    return plain(404, "Not Found", "");
  }

  int listen_fd_ = -1;
  int port_ = 0;
  int stop_pipe_[2] = {-1, -1};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> connections_;
  std::string last_request_;
  std::map<std::string, int> hits_;
};

// A port nothing listens on: bound once, then closed.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

api::Probe HttpProbe(int port, const std::string& path) {
  api::Probe probe;
  probe.http_get = api::HTTPGetAction{};
  probe.http_get->port = api::IntOrString::Int(port);
  probe.http_get->path = path;
  return probe;
}

api::ContainerPort NamedPort(const std::string& name, int port) {
  api::ContainerPort p;
  p.name = name;
  p.container_port = port;
  return p;
}

api::Probe TcpProbe(api::IntOrString port) {
  api::Probe probe;
  probe.tcp_socket = api::TCPSocketAction{};
  probe.tcp_socket->port = std::move(port);
  return probe;
}

class ProberTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runtime::SandboxConfig sandbox;
    sandbox.name = "web";
    sandbox.namespace_ = "default";
    sandbox.uid = "uid-1";
    auto sandbox_id = runtime_.RunPodSandbox(sandbox);
    ASSERT_TRUE(sandbox_id.ok()) << sandbox_id.status().ToString();
    runtime::ContainerConfig config;
    config.name = "app";
    config.image.cmd = {"/bin/server"};
    auto id = runtime_.CreateContainer(*sandbox_id, config);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    ASSERT_TRUE(runtime_.StartContainer(*id).ok());
    target_.container_id = *id;
    container_.name = "app";
    runtime_.ClearCalls();
  }

  void ExecAnswers(runtime::ExecResult result) {
    runtime_.SetExecHandler([result](const runtime::ContainerStatus&,
                                     const std::vector<std::string>&,
                                     std::chrono::milliseconds) { return result; });
  }

  base::FakeClock clock_;
  runtime::FakeRuntime runtime_{&clock_};
  std::unique_ptr<HandlerRunner> runner_ = NewHandlerRunner(&runtime_, &clock_);
  api::Container container_;
  ProbeTarget target_;  // netns_path empty: the test's own namespace
};

// ---- exec -------------------------------------------------------------------------------------

api::Probe ExecProbe(std::vector<std::string> command, int32_t timeout_seconds = 0) {
  api::Probe probe;
  probe.exec = api::ExecAction{std::move(command)};
  probe.timeout_seconds = timeout_seconds;
  return probe;
}

TEST_F(ProberTest, ExecExitZeroSucceedsWithTheDefaultTimeout) {
  ExecAnswers({0, "ok\n", false});
  ProbeOutcome out = runner_->Probe(ExecProbe({"cat", "/tmp/healthy"}), container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kSuccess);
  EXPECT_EQ(out.output, "ok");
  ASSERT_EQ(runtime_.CallsTo("ExecSync").size(), 1u);
  EXPECT_EQ(runtime_.CallsTo("ExecSync")[0].args,
            (std::vector<std::string>{target_.container_id, "1000", "cat", "/tmp/healthy"}));
}

TEST_F(ProberTest, ExecUsesTimeoutSeconds) {
  ExecAnswers({0, "", false});
  (void)runner_->Probe(ExecProbe({"true"}, 3), container_, target_);
  ASSERT_EQ(runtime_.CallsTo("ExecSync").size(), 1u);
  EXPECT_EQ(runtime_.CallsTo("ExecSync")[0].args[1], "3000");
}

TEST_F(ProberTest, ExecNonZeroFailsWithTheTrimmedOutput) {
  ExecAnswers({1, "  cat: /tmp/healthy: No such file\n", false});
  ProbeOutcome out = runner_->Probe(ExecProbe({"cat", "/tmp/healthy"}), container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_EQ(out.output, "cat: /tmp/healthy: No such file");
}

TEST_F(ProberTest, ExecOutputIsBoundedTo10KiB) {
  ExecAnswers({1, std::string(20000, 'x'), false});
  ProbeOutcome out = runner_->Probe(ExecProbe({"noisy"}), container_, target_);
  EXPECT_EQ(out.output.size(), 10240u);
}

TEST_F(ProberTest, ExecTimeoutFailsWithTheKubeletText) {
  ExecAnswers({137, "", true});
  ProbeOutcome out = runner_->Probe(ExecProbe({"sh", "-c", "sleep 5"}), container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_EQ(out.output, "command \"sh -c sleep 5\" timed out");
}

TEST_F(ProberTest, ExecRuntimeErrorIsAnError) {
  runtime_.InjectError("ExecSync", base::Status(base::Code::kUnavailable, "runtime is down"));
  ProbeOutcome out = runner_->Probe(ExecProbe({"true"}), container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kError);
  EXPECT_EQ(out.output, "runtime is down");
}

TEST_F(ProberTest, ExecExpandsStaticEnvReferences) {
  std::vector<std::string> seen;
  runtime_.SetExecHandler([&](const runtime::ContainerStatus&, const std::vector<std::string>& argv,
                              std::chrono::milliseconds) {
    seen = argv;
    return base::Result<runtime::ExecResult>(runtime::ExecResult{});
  });
  container_.env = {api::EnvVar{"FILE", "/tmp/ok", std::nullopt}};
  (void)runner_->Probe(ExecProbe({"test", "-f", "$(FILE)", "$$(FILE)", "$(MISSING)"}), container_,
                       target_);
  EXPECT_EQ(seen, (std::vector<std::string>{"test", "-f", "/tmp/ok", "$(FILE)", "$(MISSING)"}));
}

// ---- httpGet ----------------------------------------------------------------------------------

TEST_F(ProberTest, HttpGet200SucceedsAndSendsTheKubeletHeaders) {
  TestServer server;
  api::Probe probe = HttpProbe(server.port(), "/ok");
  probe.http_get->http_headers = {{"x-custom", "yes"}};
  ProbeOutcome out = runner_->Probe(probe, container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kSuccess) << out.output;
  EXPECT_EQ(out.output, "healthy");
  std::string req = server.LastRequest();
  EXPECT_THAT(req, StartsWith("GET /ok HTTP/1.1\r\n"));
  EXPECT_THAT(req, HasSubstr(fmt::format("\r\nHost: 127.0.0.1:{}\r\n", server.port())));
  EXPECT_THAT(req, HasSubstr("\r\nUser-Agent: kube-probe/1.33\r\n"));
  EXPECT_THAT(req, HasSubstr("\r\nAccept: */*\r\n"));
  EXPECT_THAT(req, HasSubstr("\r\nX-Custom: yes\r\n"));
}

TEST_F(ProberTest, HttpGetHeadersOverrideHostAndUserAgent) {
  TestServer server;
  api::Probe probe = HttpProbe(server.port(), "/ok");
  probe.http_get->http_headers = {{"Host", "shop.example"}, {"User-Agent", "mine"}};
  ASSERT_EQ(runner_->Probe(probe, container_, target_).result, ProbeResult::kSuccess);
  std::string req = server.LastRequest();
  EXPECT_THAT(req, HasSubstr("\r\nHost: shop.example\r\n"));
  EXPECT_THAT(req, HasSubstr("\r\nUser-Agent: mine\r\n"));
  EXPECT_THAT(req, Not(HasSubstr("kube-probe")));
}

TEST_F(ProberTest, HttpGet500FailsWithTheStatusCode) {
  TestServer server;
  ProbeOutcome out = runner_->Probe(HttpProbe(server.port(), "/fail"), container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_EQ(out.output, "HTTP probe failed with statuscode: 500");
}

TEST_F(ProberTest, HttpGetFollowsRedirectsToTheSameHost) {
  TestServer server;
  ProbeOutcome out = runner_->Probe(HttpProbe(server.port(), "/redirect"), container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kSuccess);
  EXPECT_EQ(out.output, "healthy");
  EXPECT_EQ(server.Hits("/redirect"), 1);
  EXPECT_EQ(server.Hits("/ok"), 1);

  out = runner_->Probe(HttpProbe(server.port(), "/absolute"), container_, target_);
  EXPECT_EQ(out.output, "healthy");
  EXPECT_EQ(server.Hits("/ok"), 2);
}

TEST_F(ProberTest, HttpGetKeepsARedirectToAnotherHostAsSuccess) {
  TestServer server;
  ProbeOutcome out = runner_->Probe(HttpProbe(server.port(), "/elsewhere"), container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kSuccess);
  EXPECT_EQ(out.output, "Probe terminated redirects, Response body: moved");
}

TEST_F(ProberTest, HttpGetStopsAfterTenRedirects) {
  TestServer server;
  ProbeOutcome out = runner_->Probe(HttpProbe(server.port(), "/loop"), container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_EQ(out.output, fmt::format("Get \"http://127.0.0.1:{}/loop\": stopped after 10 redirects",
                                    server.port()));
  EXPECT_EQ(server.Hits("/loop"), 10);
}

TEST_F(ProberTest, HttpGetReadsChunkedAndBoundsTheBody) {
  TestServer server;
  EXPECT_EQ(runner_->Probe(HttpProbe(server.port(), "/chunked"), container_, target_).output,
            "healthy");
  ProbeOutcome big = runner_->Probe(HttpProbe(server.port(), "/big"), container_, target_);
  EXPECT_EQ(big.result, ProbeResult::kSuccess);
  EXPECT_EQ(big.output.size(), 10240u);
}

TEST_F(ProberTest, HttpGetConnectionRefusedFailsWithGoText) {
  int port = ClosedPort();
  ProbeOutcome out = runner_->Probe(HttpProbe(port, "/"), container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_EQ(out.output, fmt::format("Get \"http://127.0.0.1:{0}/\": dial tcp 127.0.0.1:{0}: "
                                    "connect: connection refused",
                                    port));
}

TEST_F(ProberTest, HttpGetSlowerThanTimeoutSecondsFails) {
  TestServer server;
  api::Probe probe = HttpProbe(server.port(), "/slow");
  probe.timeout_seconds = 1;
  ProbeOutcome out = runner_->Probe(probe, container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_THAT(out.output, HasSubstr("Client.Timeout exceeded while awaiting headers"));
}

TEST_F(ProberTest, HttpGetUsesTheHostAndThePodIp) {
  TestServer server;
  target_.pod_ip = "127.0.0.1";
  api::Probe probe = HttpProbe(server.port(), "/ok");
  EXPECT_EQ(runner_->Probe(probe, container_, target_).result, ProbeResult::kSuccess);
  target_.pod_ip = "192.0.2.1";  // TEST-NET: the handler's host wins over it
  probe.http_get->host = "127.0.0.1";
  EXPECT_EQ(runner_->Probe(probe, container_, target_).result, ProbeResult::kSuccess);
}

TEST_F(ProberTest, NamedPortsAreLookedUpInTheContainer) {
  TestServer server;
  container_.ports = {NamedPort("http", server.port())};
  api::Probe probe = HttpProbe(0, "/ok");
  probe.http_get->port = api::IntOrString::Str("http");
  EXPECT_EQ(runner_->Probe(probe, container_, target_).result, ProbeResult::kSuccess);

  probe.http_get->port = api::IntOrString::Str("metrics");
  ProbeOutcome out = runner_->Probe(probe, container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kError);
  EXPECT_EQ(out.output, "port \"metrics\" not found in container \"app\"");
}

// A one-shot HTTPS server on 127.0.0.1 with a fresh self-signed certificate: answers every
// connection with `status` until destroyed.
class TlsTestServer {
 public:
  explicit TlsTestServer(int status) : status_(status) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("pod.test"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    SSL_CTX_use_certificate(ctx_, cert);
    SSL_CTX_use_PrivateKey(ctx_, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    listen_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listen_, 8);
    socklen_t len = sizeof addr;
    getsockname(listen_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~TlsTestServer() {
    shutdown(listen_, SHUT_RDWR);
    close(listen_);
    thread_.join();
    SSL_CTX_free(ctx_);
  }
  int port() const { return port_; }
  std::string last_request() {
    std::lock_guard lock(mu_);
    return last_request_;
  }

 private:
  void Loop() {
    for (;;) {
      int fd = accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) == 1) {
        char buf[4096];
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n > 0) {
          std::lock_guard lock(mu_);
          last_request_.assign(buf, static_cast<size_t>(n));
        }
        std::string reply = "HTTP/1.1 " + std::to_string(status_) +
                            " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
        SSL_write(ssl, reply.data(), static_cast<int>(reply.size()));
        SSL_shutdown(ssl);
      }
      SSL_free(ssl);
      close(fd);
    }
  }
  int status_;
  SSL_CTX* ctx_ = nullptr;
  int listen_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string last_request_;
};

TEST_F(ProberTest, HttpsProbesSkipCertificateVerification) {
  TlsTestServer ok(200);
  api::Probe https = HttpProbe(ok.port(), "/healthz");
  https.http_get->scheme = "HTTPS";
  ProbeOutcome out = runner_->Probe(https, container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kSuccess) << out.output;
  EXPECT_EQ(ok.last_request().rfind("GET /healthz HTTP/1.1\r\n", 0), 0u) << ok.last_request();

  TlsTestServer failing(503);
  https.http_get->port = api::IntOrString::Int(failing.port());
  out = runner_->Probe(https, container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_EQ(out.output, "HTTP probe failed with statuscode: 503");

  // A server that does not speak TLS never completes the handshake: Go's timeout text.
  TestServer plain;
  https.http_get->port = api::IntOrString::Int(plain.port());
  out = runner_->Probe(https, container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_EQ(out.output, "Get \"https://127.0.0.1:" + std::to_string(plain.port()) +
                            "/healthz\": net/http: TLS handshake timeout");
}

TEST_F(ProberTest, GrpcIsAnError) {
  api::Probe grpc;
  grpc.grpc = api::GRPCAction{};
  grpc.grpc->port = 9000;
  ProbeOutcome out = runner_->Probe(grpc, container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kError);
  EXPECT_EQ(out.output, "gRPC probes are not supported");
}

TEST_F(ProberTest, AnUnjoinableNetworkNamespaceIsAnError) {
  TestServer server;
  target_.netns_path = "/nonexistent/ns/net";
  ProbeOutcome out = runner_->Probe(HttpProbe(server.port(), "/ok"), container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kError);
  EXPECT_THAT(out.output, HasSubstr("/nonexistent/ns/net"));
  EXPECT_EQ(server.Hits("/ok"), 0);
}

// Joining a namespace needs CAP_SYS_ADMIN; as root the probe runs from the joined namespace.
TEST_F(ProberTest, ProbesFromAJoinedNetworkNamespace) {
  if (geteuid() != 0) GTEST_SKIP() << "setns needs root";
  TestServer server;
  target_.netns_path = "/proc/self/ns/net";
  ProbeOutcome out = runner_->Probe(HttpProbe(server.port(), "/ok"), container_, target_);
  if (out.result == ProbeResult::kError && out.output.find("not permitted") != std::string::npos) {
    GTEST_SKIP() << "no CAP_SYS_ADMIN: " << out.output;
  }
  EXPECT_EQ(out.result, ProbeResult::kSuccess) << out.output;
  EXPECT_EQ(server.Hits("/ok"), 1);
}

// ---- tcpSocket --------------------------------------------------------------------------------

TEST_F(ProberTest, TcpConnectSucceeds) {
  TestServer server;
  ProbeOutcome out =
      runner_->Probe(TcpProbe(api::IntOrString::Int(server.port())), container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kSuccess) << out.output;
}

TEST_F(ProberTest, TcpRefusedFailsWithTheDialError) {
  int port = ClosedPort();
  ProbeOutcome out = runner_->Probe(TcpProbe(api::IntOrString::Int(port)), container_, target_);
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_EQ(out.output, fmt::format("dial tcp 127.0.0.1:{}: connect: connection refused", port));
}

TEST_F(ProberTest, TcpNamedPort) {
  TestServer server;
  container_.ports = {NamedPort("db", server.port())};
  EXPECT_EQ(runner_->Probe(TcpProbe(api::IntOrString::Str("db")), container_, target_).result,
            ProbeResult::kSuccess);
  EXPECT_EQ(runner_->Probe(TcpProbe(api::IntOrString::Str("nope")), container_, target_).result,
            ProbeResult::kError);
}

// ---- hooks ------------------------------------------------------------------------------------

TEST_F(ProberTest, ExecHookFailsOnNonZeroExitWithTheOutput) {
  ExecAnswers({2, "no such table\n", false});
  api::LifecycleHandler hook;
  hook.exec = api::ExecAction{{"migrate", "--check"}};
  base::Status s = runner_->RunHook(hook, container_, target_, 30s);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("command 'migrate --check' exited with 2"));
  EXPECT_THAT(s.message(), HasSubstr("\"no such table\""));
  EXPECT_EQ(runtime_.CallsTo("ExecSync")[0].args[1], "30000");
}

TEST_F(ProberTest, ExecHookSucceedsOnExitZero) {
  ExecAnswers({0, "", false});
  api::LifecycleHandler hook;
  hook.exec = api::ExecAction{{"true"}};
  EXPECT_TRUE(runner_->RunHook(hook, container_, target_, 30s).ok());
}

TEST_F(ProberTest, SleepHookSleepsOnTheClock) {
  api::LifecycleHandler hook;
  hook.sleep = api::SleepAction{5};
  const base::TimePoint t0 = clock_.Now();
  EXPECT_TRUE(runner_->RunHook(hook, container_, target_, 30s).ok());
  EXPECT_EQ(clock_.Now() - t0, 5s);
}

TEST_F(ProberTest, SleepHookLongerThanTheTimeoutStopsThereAndFails) {
  api::LifecycleHandler hook;
  hook.sleep = api::SleepAction{60};
  const base::TimePoint t0 = clock_.Now();
  base::Status s = runner_->RunHook(hook, container_, target_, 10s);
  EXPECT_EQ(s.code(), base::Code::kTimeout);
  EXPECT_EQ(clock_.Now() - t0, 10s);
}

TEST_F(ProberTest, HttpHookSucceedsOnAnyResponse) {
  TestServer server;
  api::LifecycleHandler hook;
  hook.http_get = HttpProbe(server.port(), "/fail").http_get;
  EXPECT_TRUE(runner_->RunHook(hook, container_, target_, 5s).ok());
  EXPECT_THAT(server.LastRequest(), HasSubstr("\r\nUser-Agent: kube-lifecycle/1.33\r\n"));
}

TEST_F(ProberTest, HttpHookFailsWhenTheRequestFails) {
  api::LifecycleHandler hook;
  hook.http_get = HttpProbe(ClosedPort(), "/shutdown").http_get;
  base::Status s = runner_->RunHook(hook, container_, target_, 5s);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("HTTP lifecycle hook (/shutdown) for Container \"app\""));
  EXPECT_THAT(s.message(), HasSubstr("connection refused"));
}

TEST_F(ProberTest, TcpSocketHookIsAnInvalidHandler) {
  api::LifecycleHandler hook;
  hook.tcp_socket = api::TCPSocketAction{api::IntOrString::Int(80), ""};
  base::Status s = runner_->RunHook(hook, container_, target_, 5s);
  EXPECT_EQ(s.code(), base::Code::kInvalid);
  EXPECT_THAT(s.message(), HasSubstr("invalid handler"));
}

}  // namespace
}  // namespace cubelet::node
