// The distribution API client: resolve a tag, fetch manifests and blobs, with mirrors, TLS
// settings and the registry auth flows (anonymous, Basic, Bearer with GET and OAuth2 POST
// token requests). Private to src/image.
//
// Thread-safety: RegistryClient may be used by several pulls at once; the token cache is
// guarded by a mutex.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "image/content_store.h"
#include "image/image.h"

namespace cubelet::image {

struct TlsSettings {
  bool insecure_skip_verify = false;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

// One place to pull a registry's content from: a mirror or the registry itself.
struct Endpoint {
  std::string base_url;  // "http://127.0.0.1:5000", "https://registry-1.docker.io"
  std::string host;      // the host[:port] credentials and TLS settings are looked up for
  bool mirror = false;
  TlsSettings tls;
  std::optional<Credential> credential;  // from the registries file
};

// The registries file, in the k3s registries.yaml shape:
//   mirrors:
//     docker.io:
//       endpoint: ["http://127.0.0.1:5000", "https://mirror.example.com"]
//   configs:
//     "127.0.0.1:5001":
//       auth: {username: alice, password: wonderland}   # or auth: base64, identity_token
//       tls: {ca_file: ..., cert_file: ..., key_file: ..., insecure_skip_verify: true}
// Loopback registries (localhost, 127.0.0.0/8, ::1) use plain HTTP; others HTTPS unless a
// mirror endpoint names http://.
class RegistryConfig {
 public:
  static base::Result<RegistryConfig> Parse(std::string_view yaml, std::string_view file_name);
  static base::Result<RegistryConfig> Load(const std::string& path);

  // Endpoints for the registry `domain` of a reference, in the order to try them: its mirrors
  // (or the "*" mirrors), then the registry itself.
  std::vector<Endpoint> EndpointsFor(const std::string& domain) const;

 private:
  struct HostConfig {
    TlsSettings tls;
    std::optional<Credential> credential;
  };
  Endpoint MakeEndpoint(const std::string& url_or_host, bool mirror) const;

  std::map<std::string, std::vector<std::string>> mirrors_;
  std::map<std::string, HostConfig> configs_;
};

class RegistryClient {
 public:
  RegistryClient(HttpTransport& http, RegistryConfigPtr config, base::Clock& clock);

  // Resolves `ref` (tag or digest) to the descriptor of its manifest or index.
  base::Result<Descriptor> Resolve(const api::ImageReference& ref, const Keyring& keyring);
  // Fetches the manifest or index `desc` of `ref`; verifies size and digest.
  base::Result<std::string> FetchManifest(const api::ImageReference& ref, const Descriptor& desc,
                                          const Keyring& keyring, std::string* content_type);
  // Downloads blob `desc` into `ingest`, resuming from its offset and retrying dropped
  // connections; the caller commits.
  base::Status FetchBlob(const api::ImageReference& ref, const Descriptor& desc, Ingest& ingest,
                         const Keyring& keyring, const ProgressFn& progress);

 private:
  struct Session;
  // Runs `req` against one endpoint with auth, redirects and retries.
  base::Result<HttpResponse> Send(Session& s, HttpRequest req, const BodySink* sink);
  base::Status Authenticate(Session& s, const std::vector<Challenge>& challenges);
  base::Result<std::string> FetchToken(Session& s, const Challenge& bearer);
  // Tries each endpoint for `ref` until `fn` succeeds; returns the last error.
  template <class T>
  base::Result<T> OnEndpoints(const api::ImageReference& ref, const Keyring& keyring,
                              const std::function<base::Result<T>(Session&)>& fn);

  HttpTransport& http_;
  RegistryConfigPtr config_;
  base::Clock& clock_;

  struct CachedToken {
    std::string token;
    base::TimePoint expires;
  };
  std::mutex mu_;
  std::map<std::string, CachedToken> tokens_;  // guarded by mu_
};

}  // namespace cubelet::image
