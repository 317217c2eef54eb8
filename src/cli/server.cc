// `cubelet server`: the SQLite store, the API server and (with the node wiring) the node agent
// in one process, plus the kubeconfig that lets kubectl in.
#include <fcntl.h>
#include <filesystem>
#include <ostream>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "apiserver/apiserver.h"
#include "base/encoding.h"
#include "base/file.h"
#include "base/time.h"
#include "cli/cli.h"
#include "cli/server_internal.h"
#include "cli/services.h"
#include "client/client.h"
#include "controllers/controllers.h"
#include "store/store.h"

namespace cubelet::cli {

base::Result<std::string> LoadOrCreateToken(const std::string& path) {
  ASSIGN_OR_RETURN(std::optional<std::string> existing, base::ReadFileIfExists(path));
  if (existing && existing->size() > 32) return existing->substr(0, existing->find('\n'));
  // 32 random bytes from the kernel: the only credential the API has.
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return base::ErrnoError(errno, "open /dev/urandom");
  unsigned char buf[32];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (n != static_cast<ssize_t>(sizeof buf))
    return base::InternalError("short read of /dev/urandom");
  std::string token;
  for (unsigned char c : buf) token += fmt::format("{:02x}", c);
  RETURN_IF_ERROR(base::WriteFileAtomic(path, token + "\n", 0600));
  return token;
}

std::string KubeconfigYaml(const std::string& server_url, const std::string& ca_pem,
                           const std::string& token) {
  return fmt::format(
      "apiVersion: v1\n"
      "kind: Config\n"
      "clusters:\n"
      "- name: cubelet\n"
      "  cluster:\n"
      "    server: {}\n"
      "    certificate-authority-data: {}\n"
      "contexts:\n"
      "- name: cubelet\n"
      "  context:\n"
      "    cluster: cubelet\n"
      "    user: cubelet\n"
      "    namespace: default\n"
      "current-context: cubelet\n"
      "users:\n"
      "- name: cubelet\n"
      "  user:\n"
      "    token: {}\n",
      server_url, base::Base64Encode(ca_pem), token);
}

int Server(const ServerCliOptions& options, std::ostream& out, std::ostream& err) {
  auto fail = [&](const base::Status& st) {
    err << "error: " << st.message() << "\n";
    return 1;
  };
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return fail(base::ErrnoError(ec.value(), "create " + options.data_dir));
  chmod(options.data_dir.c_str(), 0700);

  auto clock = base::NewRealClock();
  base::StderrLogSink log_sink;
  base::Logger logger(log_sink, *clock);

  base::Result<std::string> token = LoadOrCreateToken(options.data_dir + "/token");
  if (!token.ok()) return fail(token.status());
  base::Result<std::unique_ptr<store::Store>> store =
      store::OpenSqliteStore(options.data_dir + "/store.db");
  if (!store.ok()) return fail(store.status());

  // Termination signals are taken synchronously by this thread; every other thread inherits
  // the blocked mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // The serving certificate names every address a client may use for this API.
  const std::string host_ip = DefaultRouteAddress();
  apiserver::CertRequest cert_request;
  cert_request.ips = {"127.0.0.1", host_ip};
  if (options.listen_address != "0.0.0.0" && options.listen_address != "127.0.0.1") {
    cert_request.ips.push_back(options.listen_address);
  }
  cert_request.dns_names = {"localhost",
                            Hostname(),
                            "kubernetes",
                            "kubernetes.default",
                            "kubernetes.default.svc",
                            "kubernetes.default.svc.cluster.local"};
  base::Result<apiserver::ServingCerts> certs =
      apiserver::EnsureServingCerts(options.data_dir + "/pki", cert_request, clock->Now());
  if (!certs.ok()) return fail(certs.status());

  apiserver::ApiServerOptions ao;
  ao.tls_cert_pem = certs->cert_pem;
  ao.tls_key_pem = certs->key_pem;
  ao.listen_address = options.listen_address;
  ao.port = static_cast<uint16_t>(options.port);
  ao.bearer_token = *token;
  ao.service_cidr = options.service_cidr;
  ao.clock = clock.get();
  ao.logger = &logger;
  base::Result<std::unique_ptr<apiserver::ApiServer>> api = apiserver::StartApiServer(**store, ao);
  if (!api.ok()) return fail(api.status());
  const std::string url = fmt::format("https://{}:{}", options.listen_address, (*api)->port());
  const std::string kubeconfig = options.data_dir + "/kubeconfig.yaml";
  if (base::Status st =
          base::WriteFileAtomic(kubeconfig, KubeconfigYaml(url, certs->ca_cert_pem, *token), 0600);
      !st.ok()) {
    return fail(st);
  }
  // The server's own components are clients of its API, over loopback, as they would be from
  // another machine.
  client::ClientConfig cc;
  cc.server = fmt::format("https://127.0.0.1:{}", (*api)->port());
  cc.bearer_token = *token;
  cc.certificate_authority_pem = certs->ca_cert_pem;
  std::unique_ptr<client::Client> client = client::NewClient(cc);
  base::Result<std::unique_ptr<controllers::Controller>> scheduler =
      controllers::StartScheduler(*client, {.clock = clock.get(), .logger = &logger});
  if (!scheduler.ok()) return fail(scheduler.status());

  out << base::FormatRfc3339(clock->Now()) << " serving the Kubernetes API on " << url
      << "\n  export KUBECONFIG=" << kubeconfig << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  out << base::FormatRfc3339(clock->Now()) << " stopping on signal " << sig << "; pods keep running"
      << std::endl;
  (*scheduler)->Stop();
  (*api)->Stop();
  return 0;
}

}  // namespace cubelet::cli
