#include "image/registry.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/yaml.h"
#include "base/encoding.h"

namespace cubelet::image {

struct RegistryClient::Session {
  Endpoint endpoint;
  std::string repository;         // "library/busybox"
  std::vector<Credential> creds;  // candidates, most specific first
  size_t cred_index = 0;          // which candidate is in use
  std::string authorization;      // current Authorization header value, "" for none
  int auth_attempts = 0;
  const Credential* credential() const {
    return cred_index < creds.size() ? &creds[cred_index] : nullptr;
  }
};

namespace {

constexpr int kMaxRedirects = 5;
constexpr int kMaxRetries = 4;
constexpr int64_t kMaxManifestSize = 4 << 20;

bool IsLoopbackHost(std::string_view hostport) {
  std::string_view host = hostport;
  if (host.starts_with("[")) {
    host = host.substr(1, host.find(']') - 1);
  } else if (const size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  return host == "localhost" || host.starts_with("127.") || host == "::1";
}

std::string HostOf(std::string_view url) {
  const size_t scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  return std::string(rest.substr(0, rest.find('/')));
}

// A Location header may be absolute, scheme-relative or a path.
std::string ResolveLocation(const std::string& base, const std::string& location) {
  if (location.find("://") != std::string::npos) return location;
  const size_t scheme = base.find("://");
  if (location.starts_with("//")) return base.substr(0, scheme + 1) + location;
  const size_t path = base.find('/', scheme + 3);
  return base.substr(0, path) + (location.starts_with("/") ? "" : "/") + location;
}

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// "&scope=a&scope=b" for a challenge scope holding several space-separated scopes (the token
// spec repeats the parameter rather than joining them).
std::string ScopeParams(std::string_view scope) {
  std::string out;
  for (size_t start = 0; start < scope.size();) {
    size_t end = scope.find(' ', start);
    if (end == std::string_view::npos) end = scope.size();
    if (end > start) out += "&scope=" + UrlEncode(scope.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The registry's own error text ({"errors":[{"code","message"}]}) when the body has one.
std::string RegistryError(const HttpResponse& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty()) {
    const auto& e = j["errors"][0];
    std::string code = e.value("code", "");
    std::string msg = e.value("message", "");
    if (!code.empty()) return fmt::format("{}: {}", code, msg);
  }
  return fmt::format("HTTP {}", r.status);
}

base::Code CodeForStatus(int status) {
  switch (status) {
    case 401:
      return base::Code::kUnauthenticated;
    case 403:
      return base::Code::kPermissionDenied;
    case 404:
      return base::Code::kNotFound;
    case 429:
      return base::Code::kResourceExhausted;
    default:
      return status >= 500 ? base::Code::kUnavailable : base::Code::kInvalid;
  }
}

bool Retryable(int status) { return status == 429 || status >= 500; }

std::string BasicAuth(const Credential& c) {
  return "Basic " + base::Base64Encode(c.username + ":" + c.password);
}

}  // namespace

// ---- configuration ---------------------------------------------------------------------------

base::Result<RegistryConfig> RegistryConfig::Parse(std::string_view yaml,
                                                   std::string_view file_name) {
  ASSIGN_OR_RETURN(std::vector<api::YamlDocument> docs, api::ParseYamlDocuments(yaml, file_name));
  RegistryConfig cfg;
  if (docs.empty()) return cfg;
  const api::Json& root = docs[0].json;
  auto fail = [&](const std::string& path, std::string_view what) {
    // The YAML source map names map entries "mirrors.docker.io"; messages say
    // "mirrors[docker.io]" since host names hold dots.
    std::string dotted;
    for (char c : path) {
      if (c == '[') {
        dotted += '.';
      } else if (c != ']') {
        dotted += c;
      }
    }
    return base::InvalidError("{}: {}: {}", docs[0].lines.Locate(dotted), path, what);
  };
  if (!root.is_object()) return fail("", "expected a mapping with mirrors and configs");
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it.key() != "mirrors" && it.key() != "configs") return fail(it.key(), "unknown field");
  }
  if (auto m = root.find("mirrors"); m != root.end() && !m->is_null()) {
    if (!m->is_object()) return fail("mirrors", "expected a mapping of registry hosts");
    for (auto it = m->begin(); it != m->end(); ++it) {
      const std::string path = "mirrors[" + it.key() + "]";
      auto ep = it->find("endpoint");
      if (!it->is_object() || ep == it->end() || !ep->is_array()) {
        return fail(path, "expected endpoint: a list of URLs");
      }
      for (const auto& url : *ep) {
        if (!url.is_string()) return fail(path + ".endpoint", "expected URL strings");
        cfg.mirrors_[it.key()].push_back(url.get<std::string>());
      }
    }
  }
  if (auto c = root.find("configs"); c != root.end() && !c->is_null()) {
    if (!c->is_object()) return fail("configs", "expected a mapping of registry hosts");
    for (auto it = c->begin(); it != c->end(); ++it) {
      const std::string path = "configs[" + it.key() + "]";
      if (!it->is_object()) return fail(path, "expected a mapping with auth and tls");
      HostConfig hc;
      if (auto a = it->find("auth"); a != it->end() && a->is_object()) {
        Credential cred;
        cred.username = a->value("username", "");
        cred.password = a->value("password", "");
        cred.identity_token = a->value("identity_token", "");
        if (std::string b64 = a->value("auth", ""); !b64.empty()) {
          auto decoded = base::Base64Decode(b64);
          if (!decoded.ok() || decoded->find(':') == std::string::npos) {
            return fail(path + ".auth.auth", "expected base64 of user:password");
          }
          cred.username = decoded->substr(0, decoded->find(':'));
          cred.password = decoded->substr(decoded->find(':') + 1);
        }
        hc.credential = cred;
      }
      if (auto t = it->find("tls"); t != it->end() && t->is_object()) {
        hc.tls.insecure_skip_verify = t->value("insecure_skip_verify", false);
        hc.tls.ca_file = t->value("ca_file", "");
        hc.tls.cert_file = t->value("cert_file", "");
        hc.tls.key_file = t->value("key_file", "");
      }
      cfg.configs_[it.key()] = hc;
    }
  }
  return cfg;
}

base::Result<RegistryConfig> RegistryConfig::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return base::NotFoundError("registries file {}: cannot read", path);
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), path);
}

Endpoint RegistryConfig::MakeEndpoint(const std::string& url_or_host, bool mirror) const {
  Endpoint ep;
  ep.mirror = mirror;
  std::string url = url_or_host;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.ends_with("/v2")) url.resize(url.size() - 3);
  if (url.find("://") == std::string::npos) {
    url = (IsLoopbackHost(url) ? "http://" : "https://") + url;
  }
  ep.base_url = url;
  ep.host = HostOf(url);
  if (auto it = configs_.find(ep.host); it != configs_.end()) {
    ep.tls = it->second.tls;
    ep.credential = it->second.credential;
  }
  return ep;
}

std::vector<Endpoint> RegistryConfig::EndpointsFor(const std::string& domain) const {
  std::vector<Endpoint> out;
  auto mirrors = mirrors_.find(domain);
  if (mirrors == mirrors_.end()) mirrors = mirrors_.find("*");
  if (mirrors != mirrors_.end()) {
    for (const std::string& url : mirrors->second) out.push_back(MakeEndpoint(url, true));
  }
  // Docker Hub's API lives on registry-1.docker.io; credentials stay keyed by docker.io.
  Endpoint upstream = MakeEndpoint(domain == "docker.io" ? "registry-1.docker.io" : domain, false);
  if (domain == "docker.io" && !upstream.credential) {
    if (auto it = configs_.find("docker.io"); it != configs_.end()) {
      upstream.credential = it->second.credential;
      upstream.tls = it->second.tls;
    }
  }
  // An http:// mirror entry for the registry itself makes the upstream plain HTTP as well.
  for (const Endpoint& m : out) {
    if (m.host == upstream.host) return out;
  }
  out.push_back(std::move(upstream));
  return out;
}

// ---- client ----------------------------------------------------------------------------------

base::Result<RegistryConfigPtr> LoadRegistries(const std::string& path) {
  ASSIGN_OR_RETURN(RegistryConfig cfg, RegistryConfig::Load(path));
  return std::make_shared<const RegistryConfig>(std::move(cfg));
}

base::Result<RegistryConfigPtr> ParseRegistries(std::string_view yaml, std::string_view file_name) {
  ASSIGN_OR_RETURN(RegistryConfig cfg, RegistryConfig::Parse(yaml, file_name));
  return std::make_shared<const RegistryConfig>(std::move(cfg));
}

RegistryClient::RegistryClient(HttpTransport& http, RegistryConfigPtr config, base::Clock& clock)
    : http_(http),
      config_(config ? std::move(config) : std::make_shared<const RegistryConfig>()),
      clock_(clock) {}

base::Result<std::string> RegistryClient::FetchToken(Session& s, const Challenge& bearer) {
  auto param = [&](const char* k) {
    auto it = bearer.params.find(k);
    return it == bearer.params.end() ? std::string() : it->second;
  };
  const std::string realm = param("realm");
  if (realm.empty())
    return base::InvalidError("bearer challenge from {} has no realm", s.endpoint.host);
  const std::string service = param("service");
  std::string scope = param("scope");
  if (scope.empty()) scope = "repository:" + s.repository + ":pull";
  const Credential* cred = s.credential();
  const std::string cache_key =
      fmt::format("{}|{}|{}|{}", realm, service, scope, cred ? cred->username : "");
  {
    std::lock_guard lock(mu_);
    auto it = tokens_.find(cache_key);
    if (it != tokens_.end() && it->second.expires > clock_.Now()) return it->second.token;
  }
  HttpRequest req;
  req.tls_verify = !s.endpoint.tls.insecure_skip_verify;
  req.ca_file = s.endpoint.tls.ca_file;
  if (cred != nullptr && !cred->identity_token.empty()) {
    // An identity token is an OAuth2 refresh token: only the POST grant accepts it.
    req.method = "POST";
    req.url = realm;
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    req.body = fmt::format("grant_type=refresh_token&refresh_token={}&service={}&client_id=cubelet",
                           UrlEncode(cred->identity_token), UrlEncode(service));
    req.body += ScopeParams(scope);
  } else {
    req.url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
    req.url += "service=" + UrlEncode(service);
    req.url += ScopeParams(scope);
    if (cred != nullptr) {
      req.headers.emplace_back("Authorization", BasicAuth(*cred));
      req.url += "&account=" + UrlEncode(cred->username);
    }
  }
  ASSIGN_OR_RETURN(HttpResponse resp, http_.Do(req, nullptr));
  if (resp.status == 401 || resp.status == 403) {
    return base::Error(base::Code::kUnauthenticated,
                       "authentication to {} failed: the token service {} refused the "
                       "credentials{} (HTTP {})",
                       s.endpoint.host, realm, cred ? " of " + cred->username : "", resp.status);
  }
  if (resp.status != 200) {
    return base::Error(CodeForStatus(resp.status), "token request to {} failed: HTTP {}", realm,
                       resp.status);
  }
  auto j = nlohmann::json::parse(resp.body, nullptr, false);
  if (!j.is_object()) return base::InvalidError("token service {} returned no JSON", realm);
  std::string token = j.value("token", "");
  if (token.empty()) token = j.value("access_token", "");
  if (token.empty()) return base::InvalidError("token service {} returned no token", realm);
  int64_t expires_in = j.value("expires_in", int64_t{60});
  if (expires_in < 60) expires_in = 60;
  {
    std::lock_guard lock(mu_);
    // Expire a little early so a token never runs out in the middle of a request.
    tokens_[cache_key] = {token, clock_.Now() + std::chrono::seconds(expires_in - 10)};
  }
  return token;
}

base::Status RegistryClient::Authenticate(Session& s, const std::vector<Challenge>& challenges) {
  for (const Challenge& ch : challenges) {
    if (ch.scheme == "bearer") {
      ASSIGN_OR_RETURN(std::string token, FetchToken(s, ch));
      s.authorization = "Bearer " + token;
      return {};
    }
  }
  for (const Challenge& ch : challenges) {
    if (ch.scheme == "basic") {
      if (s.credential() == nullptr) {
        return base::Error(base::Code::kUnauthenticated,
                           "pull access denied for {}/{}: the registry requires credentials and "
                           "none are configured for {}",
                           s.endpoint.host, s.repository, s.endpoint.host);
      }
      s.authorization = BasicAuth(*s.credential());
      return {};
    }
  }
  return base::Error(base::Code::kUnimplemented, "registry {} asks for an unsupported auth scheme",
                     s.endpoint.host);
}

base::Result<HttpResponse> RegistryClient::Send(Session& s, HttpRequest req, const BodySink* sink) {
  req.tls_verify = !s.endpoint.tls.insecure_skip_verify;
  req.ca_file = s.endpoint.tls.ca_file;
  req.cert_file = s.endpoint.tls.cert_file;
  req.key_file = s.endpoint.tls.key_file;
  const std::vector<std::pair<std::string, std::string>> base_headers = req.headers;
  const std::string origin = HostOf(req.url);
  int redirects = 0, retries = 0;
  bool authed_this_request = false;
  while (true) {
    req.headers = base_headers;
    // Credentials go only to the registry host, never to a redirect target elsewhere.
    if (!s.authorization.empty() && HostOf(req.url) == origin) {
      req.headers.emplace_back("Authorization", s.authorization);
    }
    auto resp = http_.Do(req, sink);
    if (!resp.ok()) {
      if (resp.status().code() == base::Code::kUnavailable && sink == nullptr &&
          retries < kMaxRetries) {
        clock_.SleepFor(std::chrono::milliseconds(200) * (1 << retries++));
        continue;
      }
      return resp.status();
    }
    const int status = resp->status;
    if (status >= 300 && status < 400 && !resp->Header("location").empty()) {
      if (++redirects > kMaxRedirects) {
        return base::Error(base::Code::kUnavailable, "too many redirects fetching {}", req.url);
      }
      req.url = ResolveLocation(req.url, resp->Header("location"));
      continue;
    }
    if (status == 401 && HostOf(req.url) == origin) {
      auto challenges = ParseWwwAuthenticate(resp->Header("www-authenticate"));
      const bool insufficient = challenges.ok() && !challenges->empty() &&
                                (*challenges)[0].params.count("error") > 0 &&
                                (*challenges)[0].params.at("error") == "insufficient_scope";
      if (authed_this_request || insufficient) {
        // The credentials in use were refused: try the next candidate, once each.
        if (s.cred_index + 1 < s.creds.size()) {
          ++s.cred_index;
          s.authorization.clear();
          authed_this_request = false;
          continue;
        }
        return base::Error(
            insufficient ? base::Code::kPermissionDenied : base::Code::kUnauthenticated,
            "pull access denied for {}/{}: {}{}", s.endpoint.host, s.repository,
            insufficient ? "insufficient_scope: authorization failed"
                         : "the registry refused the credentials",
            s.credential() ? "" : " (no credentials for this registry)");
      }
      if (!challenges.ok()) {
        return base::Error(base::Code::kUnauthenticated,
                           "registry {} answered 401 without a "
                           "usable challenge",
                           s.endpoint.host);
      }
      RETURN_IF_ERROR(Authenticate(s, *challenges));
      authed_this_request = true;
      continue;
    }
    if (Retryable(status) && sink == nullptr && retries < kMaxRetries) {
      clock_.SleepFor(std::chrono::milliseconds(200) * (1 << retries++));
      continue;
    }
    return resp;
  }
}

template <class T>
base::Result<T> RegistryClient::OnEndpoints(const api::ImageReference& ref, const Keyring& keyring,
                                            const std::function<base::Result<T>(Session&)>& fn) {
  base::Status last = base::NotFoundError("no endpoint for registry {}", ref.domain);
  for (const Endpoint& ep : config_->EndpointsFor(ref.domain)) {
    Session s;
    s.endpoint = ep;
    s.repository = ref.path;
    s.creds = keyring.Lookup(ref);
    if (ep.credential) s.creds.push_back(*ep.credential);
    auto result = fn(s);
    if (result.ok()) return result;
    last = result.status();
    // Auth failures and a missing image on the registry itself are final; a mirror that
    // fails for any reason falls through to the next endpoint.
    if (!ep.mirror) break;
  }
  return last;
}

base::Result<Descriptor> RegistryClient::Resolve(const api::ImageReference& ref,
                                                 const Keyring& keyring) {
  const std::string reference = !ref.digest.empty() ? ref.digest
                                : !ref.tag.empty()  ? ref.tag
                                                    : "latest";
  return OnEndpoints<Descriptor>(ref, keyring, [&](Session& s) -> base::Result<Descriptor> {
    HttpRequest req;
    req.method = "HEAD";
    req.url = fmt::format("{}/v2/{}/manifests/{}", s.endpoint.base_url, ref.path, reference);
    req.headers.emplace_back("Accept", media::ManifestAccept());
    ASSIGN_OR_RETURN(HttpResponse resp, Send(s, req, nullptr));
    if (resp.status == 200) {
      Descriptor d;
      d.media_type = resp.Header("content-type").substr(0, resp.Header("content-type").find(';'));
      d.digest = !ref.digest.empty() ? ref.digest : resp.Header("docker-content-digest");
      const std::string length = resp.Header("content-length");
      d.size = length.empty() ? -1 : std::stoll(length);
      if (!d.digest.empty() && d.size >= 0 && Digest::Parse(d.digest).ok()) return d;
    } else if (resp.status != 405 && resp.status != 400) {
      return base::Error(CodeForStatus(resp.status), "{}: manifest {}:{} not found: HTTP {}",
                         s.endpoint.host, ref.path, reference, resp.status);
    }
    // No usable HEAD answer: GET the manifest and hash it.
    req.method = "GET";
    ASSIGN_OR_RETURN(HttpResponse got, Send(s, req, nullptr));
    if (got.status != 200) {
      return base::Error(CodeForStatus(got.status), "{}: manifest {}:{}: {}", s.endpoint.host,
                         ref.path, reference, RegistryError(got));
    }
    Descriptor d;
    d.media_type = got.Header("content-type").substr(0, got.Header("content-type").find(';'));
    d.digest = Sha256Digest(got.body);
    d.size = static_cast<int64_t>(got.body.size());
    if (!ref.digest.empty() && d.digest != ref.digest) {
      return base::InvalidError("manifest digest mismatch: expected {}, got {}", ref.digest,
                                d.digest);
    }
    return d;
  });
}

base::Result<std::string> RegistryClient::FetchManifest(const api::ImageReference& ref,
                                                        const Descriptor& desc,
                                                        const Keyring& keyring,
                                                        std::string* content_type) {
  if (desc.size > kMaxManifestSize) {
    return base::InvalidError("manifest {} is {} bytes, more than the {} allowed", desc.digest,
                              desc.size, kMaxManifestSize);
  }
  return OnEndpoints<std::string>(ref, keyring, [&](Session& s) -> base::Result<std::string> {
    HttpRequest req;
    req.url = fmt::format("{}/v2/{}/manifests/{}", s.endpoint.base_url, ref.path, desc.digest);
    req.headers.emplace_back("Accept", media::ManifestAccept());
    ASSIGN_OR_RETURN(HttpResponse resp, Send(s, req, nullptr));
    if (resp.status != 200) {
      return base::Error(CodeForStatus(resp.status), "{}: manifest {}@{}: {}", s.endpoint.host,
                         ref.path, desc.digest, RegistryError(resp));
    }
    if (desc.size >= 0 && static_cast<int64_t>(resp.body.size()) != desc.size) {
      return base::InvalidError("manifest {}: size {} does not match the expected {}", desc.digest,
                                resp.body.size(), desc.size);
    }
    const std::string got = Sha256Digest(resp.body);
    if (got != desc.digest) {
      return base::InvalidError("manifest digest mismatch: expected {}, got {}", desc.digest, got);
    }
    if (content_type != nullptr) *content_type = resp.Header("content-type");
    return resp.body;
  });
}

base::Status RegistryClient::FetchBlob(const api::ImageReference& ref, const Descriptor& desc,
                                       Ingest& ingest, const Keyring& keyring,
                                       const ProgressFn& progress) {
  auto result = OnEndpoints<bool>(ref, keyring, [&](Session& s) -> base::Result<bool> {
    base::Status last;
    for (int attempt = 0; attempt <= kMaxRetries; ++attempt) {
      if (attempt > 0) clock_.SleepFor(std::chrono::milliseconds(200) * (1 << (attempt - 1)));
      // Everything is here already (an earlier attempt died before committing): a Range
      // request past the end would only earn a 416. The caller's commit checks the digest.
      if (ingest.offset() >= desc.size) return true;
      HttpRequest req;
      req.url = fmt::format("{}/v2/{}/blobs/{}", s.endpoint.base_url, ref.path, desc.digest);
      req.range_start = ingest.offset();
      const int64_t asked = req.range_start;
      bool first_chunk = true;
      const BodySink sink = [&](int status, std::string_view chunk) -> base::Status {
        if (first_chunk) {
          first_chunk = false;
          // A server that ignores Range answers 200 with the whole blob: start over.
          if (status == 200 && asked > 0) RETURN_IF_ERROR(ingest.Reset());
        }
        RETURN_IF_ERROR(ingest.Write(chunk));
        if (progress) progress(desc, ingest.offset());
        return {};
      };
      auto resp = Send(s, req, &sink);
      if (!resp.ok()) {
        last = resp.status();
        if (last.code() == base::Code::kUnavailable) continue;  // dropped: resume with Range
        return last;
      }
      if (resp->status == 200 || resp->status == 206) {
        if (ingest.offset() == desc.size) return true;
        last = base::Error(base::Code::kUnavailable,
                           "blob {}: connection closed after {} of {} "
                           "bytes",
                           desc.digest, ingest.offset(), desc.size);
        continue;
      }
      if (resp->status == 416) {  // range not satisfiable: start over
        RETURN_IF_ERROR(ingest.Reset());
        continue;
      }
      last = base::Error(CodeForStatus(resp->status), "{}: blob {}: {}", s.endpoint.host,
                         desc.digest, RegistryError(*resp));
      if (!Retryable(resp->status)) return last;
    }
    return last;
  });
  return result.status();
}

}  // namespace cubelet::image
