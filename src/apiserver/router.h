// Router: one HTTP request to one API operation. Authentication, the non-resource paths
// (version, discovery, OpenAPI, health), then resource requests by verb: get, list, watch,
// create, update, patch, delete, deletecollection, and the subresources status, scale,
// binding and log.
#pragma once

#include <atomic>
#include <list>
#include <mutex>
#include <string>
#include <thread>

#include "apiserver/apiserver.h"
#include "apiserver/http_server.h"
#include "apiserver/http_util.h"
#include "apiserver/registry.h"
#include "apiserver/responses.h"
#include "apiserver/watch_stream.h"

namespace cubelet::apiserver {

class Router {
 public:
  Router(Registry& registry, const ApiServerOptions& options);
  ~Router();  // waits for log streams

  HttpReply Handle(const HttpRequest& request);

  // Set once the server listens: /api's serverAddressByClientCIDRs.
  void SetServerAddress(std::string address) { server_address_ = std::move(address); }
  // Ends every watch and log stream (shutdown).
  void StopStreams();

 private:
  HttpReply HandleNonResource(const HttpRequest& req, std::string_view path,
                              const QueryParams& query);
  HttpReply HandleResource(const HttpRequest& req, const ApiPath& path, const QueryParams& query);
  HttpReply Get(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                const QueryParams& query);
  HttpReply List(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                 const QueryParams& query);
  HttpReply Watch(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                  const QueryParams& query);
  HttpReply Create(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                   const QueryParams& query);
  HttpReply Update(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                   const QueryParams& query);
  HttpReply Patch(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                  const QueryParams& query);
  HttpReply Delete(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                   const QueryParams& query);
  HttpReply DeleteCollection(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                             const QueryParams& query);
  HttpReply Scale(const HttpRequest& req, const ApiPath& path, const api::KindInfo& kind,
                  const QueryParams& query);
  HttpReply Log(const HttpRequest& req, const ApiPath& path, const QueryParams& query);

  Registry& registry_;
  ApiServerOptions options_;
  base::Clock& clock_;
  std::string server_address_;
  WatchRegistry watches_;
  // Log follow streams run on threads of their own (they block on files).
  std::mutex log_mu_;
  struct LogThread {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<LogThread> log_threads_;
  std::atomic<bool> stopping_ = false;
};

// An integer query parameter (limit, timeoutSeconds, tailLines ...); nullopt when absent or
// empty, Invalid naming the parameter when it is not an integer.
base::Result<std::optional<int64_t>> IntQueryParam(const QueryParams& q, std::string_view key);

// Decodes a request body: JSON, or YAML when the Content-Type says so (application/yaml).
base::Result<api::Json> DecodeBody(const HttpRequest& req);

}  // namespace cubelet::apiserver
