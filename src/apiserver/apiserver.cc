// StartApiServer: bootstrap objects, then the router behind the HTTP server.
#include "apiserver/apiserver.h"

#include <fmt/format.h>

#include "apiserver/namespace_controller.h"
#include "apiserver/router.h"

namespace cubelet::apiserver {
namespace {

base::Status CreateIfMissing(Registry& registry, std::string_view kind_name, std::string_view ns,
                             const api::Json& body) {
  const api::KindInfo& kind = *api::FindKind("v1", kind_name);
  base::Result<WriteResult> r = registry.Create(kind, ns, body, {});
  if (r.ok() || r.status().code() == base::Code::kAlreadyExists) return base::Status::Ok();
  return r.status().WithContext(fmt::format("creating {} {}", kind_name, body.dump()));
}

// What every Kubernetes cluster has from the start.
base::Status Bootstrap(Registry& registry) {
  for (std::string_view ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    RETURN_IF_ERROR(CreateIfMissing(registry, "Namespace", "", {{"metadata", {{"name", ns}}}}));
  }
  api::Json svc = {
      {"metadata",
       {{"name", "kubernetes"},
        {"namespace", "default"},
        {"labels", {{"component", "apiserver"}, {"provider", "kubernetes"}}}}},
      {"spec",
       {{"type", "ClusterIP"},
        {"clusterIP", registry.service_ips().First()},
        {"sessionAffinity", "None"},
        {"ports",
         {{{"name", "https"}, {"port", 443}, {"protocol", "TCP"}, {"targetPort", 6443}}}}}}};
  return CreateIfMissing(registry, "Service", "default", svc);
}

class ApiServerImpl final : public ApiServer {
 public:
  ApiServerImpl(store::Store& store, const ApiServerOptions& options, ServiceIps ips)
      : options_(options),
        registry_(store, *options.clock, std::move(ips)),
        router_(registry_, options_) {}

  ~ApiServerImpl() override { Stop(); }

  base::Status Start() {
    RETURN_IF_ERROR(Bootstrap(registry_));
    namespaces_ = std::make_unique<NamespaceController>(registry_, options_.logger);
    ASSIGN_OR_RETURN(http_, StartHttpServer(
                                options_.listen_address, options_.port, options_.threads,
                                {options_.tls_cert_pem, options_.tls_key_pem},
                                [this](const HttpRequest& req) { return router_.Handle(req); },
                                options_.logger));
    router_.SetServerAddress(fmt::format("{}:{}", options_.listen_address, http_->port()));
    return base::Status::Ok();
  }

  uint16_t port() const override { return http_ ? http_->port() : 0; }

  void Stop() override {
    std::call_once(stopped_, [this] {
      // Watches first, so that their streams end cleanly before connections are cut.
      router_.StopStreams();
      if (http_) http_->Stop();
      namespaces_.reset();
    });
  }

 private:
  ApiServerOptions options_;
  Registry registry_;
  Router router_;
  std::unique_ptr<NamespaceController> namespaces_;
  std::unique_ptr<HttpServer> http_;
  std::once_flag stopped_;
};

}  // namespace

base::Result<std::unique_ptr<ApiServer>> StartApiServer(store::Store& store,
                                                        const ApiServerOptions& options) {
  if (options.bearer_token.empty()) {
    return base::InvalidError("the API server needs a bearer token");
  }
  if (options.clock == nullptr) return base::InvalidError("the API server needs a clock");
  ASSIGN_OR_RETURN(ServiceIps ips, ServiceIps::Parse(options.service_cidr));
  auto server = std::make_unique<ApiServerImpl>(store, options, std::move(ips));
  RETURN_IF_ERROR(server->Start());
  return std::unique_ptr<ApiServer>(std::move(server));
}

}  // namespace cubelet::apiserver
