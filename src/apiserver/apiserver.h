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
