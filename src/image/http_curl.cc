// HttpTransport over libcurl (the easy interface, one handle per request: requests are large
// blob transfers, so handle reuse would save little and complicate thread-safety).
#include <algorithm>
#include <cstdlib>
#include <mutex>

#include <curl/curl.h>

#include "image/image.h"

namespace cubelet::image {
namespace {

struct Transfer {
  HttpResponse* response;
  const BodySink* sink;
  base::Status sink_status;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    // A new response (also after "100 Continue"): forget earlier headers. The status must be
    // known before the first body byte so OnBody can route the body.
    t->response->headers.clear();
    const size_t sp = line.find(' ');
    t->response->status = sp == std::string_view::npos ? 0 : std::atoi(line.data() + sp + 1);
    return size * n;
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    t->response->headers.emplace_back(std::move(name), std::string(value));
  }
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view chunk(data, size * n);
  if (t->sink != nullptr && t->response->status / 100 == 2) {
    t->sink_status = (*t->sink)(t->response->status, chunk);
    if (!t->sink_status.ok()) return 0;  // aborts the transfer
    return chunk.size();
  }
  // Error bodies and unsunk bodies are kept, bounded so a hostile server cannot fill memory.
  constexpr size_t kMaxKept = 16 << 20;
  if (t->response->body.size() + chunk.size() > kMaxKept) return 0;
  t->response->body.append(chunk);
  return chunk.size();
}

class CurlTransport final : public HttpTransport {
 public:
  CurlTransport() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  base::Result<HttpResponse> Do(const HttpRequest& req, const BodySink* sink) override {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return base::InternalError("curl_easy_init failed");
    HttpResponse response;
    Transfer transfer{&response, sink, {}};
    curl_slist* headers = nullptr;
    for (const auto& [k, v] : req.headers)
      headers = curl_slist_append(headers, (k + ": " + v).c_str());
    curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
    // A stalled transfer (under 1 byte/s for 60 s) is a dropped connection; the caller retries.
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(req.timeout_seconds));
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, req.tls_verify ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, req.tls_verify ? 2L : 0L);
    if (!req.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, req.ca_file.c_str());
    if (!req.cert_file.empty()) curl_easy_setopt(curl, CURLOPT_SSLCERT, req.cert_file.c_str());
    if (!req.key_file.empty()) curl_easy_setopt(curl, CURLOPT_SSLKEY, req.key_file.c_str());
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "cubelet/0.1");
    if (req.range_start > 0) {
      const std::string range = std::to_string(req.range_start) + "-";
      curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
    }
    if (req.method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (req.method == "POST") {
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(req.body.size()));
    } else if (req.method != "GET") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
    const CURLcode rc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (!transfer.sink_status.ok()) return transfer.sink_status;
    if (rc != CURLE_OK) {
      return base::Error(base::Code::kUnavailable, "{} {}: {}", req.method, req.url,
                         curl_easy_strerror(rc));
    }
    response.status = static_cast<int>(code);
    return response;
  }
};

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& [k, v] : headers) {
    if (k == lower) return v;
  }
  return {};
}

std::unique_ptr<HttpTransport> NewCurlTransport() { return std::make_unique<CurlTransport>(); }

}  // namespace cubelet::image
