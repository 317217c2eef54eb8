// The Kubernetes API server of cubelet: the REST API over the store, as kubectl, client-go and
// the Python client expect it (../shared/reference/kubectl-compat.md): discovery, OpenAPI,
// CRUD, watch, patch, Tables, logs, with bearer-token authentication.
//
// Thread-safety: StartApiServer's result may be stopped from any thread; PodLogs
// implementations are called concurrently from request threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "store/store.h"

namespace cubelet::apiserver {

// GET pods/{name}/log, as the request's query parameters say.
struct LogRequest {
  std::string container;  // resolved: never empty when PodLogs is called
  bool follow = false;
  bool previous = false;
  bool timestamps = false;
  std::optional<int64_t> tail_lines;
  std::optional<int64_t> limit_bytes;
  std::optional<base::TimePoint> since;  // sinceSeconds or sinceTime
};

// Where container logs come from: the node agent of the pod's node (the kubelet in
// Kubernetes).
class PodLogs {
 public:
  virtual ~PodLogs() = default;
  // Writes the log of `request.container` of `pod` to `write`, which returns false to stop.
  // With follow, keeps writing what the container writes until it exits, `write` returns
  // false or `cancelled()` turns true. Failures use the kubelet's texts, e.g. Invalid
  // `container "app" in pod "web" is waiting to start: ContainerCreating`.
  virtual base::Status Stream(const api::Pod& pod, const LogRequest& request,
                              const std::function<bool()>& cancelled,
                              const std::function<bool(std::string_view)>& write) = 0;
};

// ---- TLS ---------------------------------------------------------------------------------
// The API server's TLS material: a cluster CA and a serving certificate it signs, kept as PEM
// files in a directory. kubectl (client-go) refuses to send a bearer token over plain http, so
// the API server serves HTTPS like kube-apiserver's secure port, and the kubeconfig carries the
// CA as certificate-authority-data. Keys are ECDSA P-256: Go's crypto/tls, Python's ssl and
// curl all accept them, and they are cheap to generate on every re-issue.

struct ServingCerts {
  std::string ca_cert_pem;  // the cluster CA (kubeconfig certificate-authority-data)
  std::string cert_pem;     // the API server's certificate, signed by the CA
  std::string key_pem;      // its private key (PKCS#8)
};

struct CertRequest {
  // IP SANs, e.g. "127.0.0.1", the listen address, the node IP, "10.43.0.1"; IPv4 or IPv6.
  std::vector<std::string> ips = {};
  // DNS SANs, e.g. "localhost", the host name, "kubernetes", "kubernetes.default",
  // "kubernetes.default.svc", "kubernetes.default.svc.cluster.local".
  std::vector<std::string> dns_names = {};
};

// Loads <dir>/ca.crt, ca.key, apiserver.crt and apiserver.key, creating the directory (0700)
// and whatever is missing:
//   - the CA (10 years, CN "cubelet-ca") when ca.crt is missing. A ca.crt without a usable
//     ca.key is an error rather than a new CA: replacing the trust root would silently break
//     every kubeconfig that carries the old one.
//   - the serving certificate (1 year, CN "kube-apiserver", exactly the requested SANs, a new
//     key) when apiserver.crt or apiserver.key is missing or unparsable, the two do not match,
//     the certificate is not signed by the current CA, is not yet valid at `now`, expires
//     within 30 days of `now`, or lacks any requested SAN. Extra SANs do not trigger a re-issue.
// Files are written atomically (temporary file, fsync, rename); keys are 0600, certificates
// 0644. Errors name the file involved. An empty request (no SANs) or an unparsable IP is
// Invalid.
base::Result<ServingCerts> EnsureServingCerts(const std::string& dir, const CertRequest& request,
                                              base::TimePoint now);

// ---- the server --------------------------------------------------------------------------

struct ApiServerOptions {
  std::string listen_address = "127.0.0.1";
  uint16_t port = 6443;  // 0: a free port
  // Every request must carry `Authorization: Bearer <token>`; others get 401. Required.
  std::string bearer_token;
  // The serving certificate and key (PEM). Required: the API is HTTPS only, since Kubernetes
  // clients send no credentials over plain HTTP.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  std::string service_cidr = "10.43.0.0/16";
  int threads = 2;
  base::Clock* clock = nullptr;    // required
  base::Logger* logger = nullptr;  // may be null
  PodLogs* logs = nullptr;         // null: log requests fail with 503
};

class ApiServer {
 public:
  virtual ~ApiServer() = default;  // stops
  virtual uint16_t port() const = 0;
  // Ends every watch and connection and joins the server's threads.
  virtual void Stop() = 0;
};

// Creates what every cluster has (the namespaces default, kube-system, kube-public and
// kube-node-lease; the `kubernetes` Service in default) when missing, then serves.
base::Result<std::unique_ptr<ApiServer>> StartApiServer(store::Store& store,
                                                        const ApiServerOptions& options);

}  // namespace cubelet::apiserver
