// HttpTransport over libcurl.
//
// Unary exchanges use the easy interface with a small pool of idle handles: a handle keeps its
// connections open after a transfer, so the next request to the same server reuses one
// (keep-alive) instead of paying a connect (and a TLS handshake) per call.
//
// Streams (watches) use a multi handle of their own so that the waiting thread sleeps in
// curl_multi_poll, which CancelSignal can interrupt at once with curl_multi_wakeup: Stop() of a
// watch on a silent server returns promptly instead of after curl's next progress tick.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <vector>

#include <curl/curl.h>
#include <fmt/format.h>

#include "client/client.h"

namespace cubelet::client {
namespace {

// Error bodies and unary answers kept in memory; a list of every pod of a big cluster is tens
// of MiB, a hostile server could send more.
constexpr size_t kMaxBody = 512u << 20;
// How long a stream's thread sleeps in curl_multi_poll at most; curl wakes it earlier for its own
// timers and CancelSignal wakes it at once.
constexpr int kPollMs = 30000;
constexpr size_t kMaxIdleHandles = 8;

long Millis(base::Duration d) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

// What the callbacks of one transfer share.
struct Exchange {
  HttpResponse* response = nullptr;
  const StreamHandler* handler = nullptr;  // streams only
  CancelSignal* cancel = nullptr;          // streams only
  bool head_done = false;
  bool handler_stopped = false;
  bool too_big = false;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    // A new response head (after "100 Continue" there are two): start over.
    ex->response->headers.clear();
    const size_t sp = line.find(' ');
    ex->response->status = sp == std::string_view::npos ? 0 : std::atoi(line.data() + sp + 1);
    ex->head_done = false;
    return size * n;
  }
  if (line == "\r\n" || line == "\n") {
    // The end of a head; interim 1xx heads are followed by the real one. Chunked trailers end
    // with an empty line too, hence head_done.
    if (ex->response->status >= 200 && !ex->head_done) {
      ex->head_done = true;
      if (ex->handler != nullptr && ex->handler->on_status) {
        ex->handler->on_status(ex->response->status);
      }
    }
    return size * n;
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos && !ex->head_done) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    ex->response->headers.emplace_back(std::move(name), std::string(value));
  }
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const std::string_view piece(data, size * n);
  const int status = ex->response->status;
  if (ex->handler != nullptr && status >= 200 && status < 300) {
    if (ex->cancel->cancelled()) return 0;
    if (!ex->handler->on_chunk(piece)) {
      ex->handler_stopped = true;
      return 0;  // aborts the transfer
    }
    return piece.size();
  }
  if (ex->response->body.size() + piece.size() > kMaxBody) {
    ex->too_big = true;
    return 0;
  }
  ex->response->body.append(piece);
  return piece.size();
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* ex = static_cast<Exchange*>(user);
  return ex->cancel != nullptr && ex->cancel->cancelled() ? 1 : 0;
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(const ClientConfig& config)
      : connect_timeout_(config.timeout),
        ca_pem_(config.certificate_authority_pem),
        cert_pem_(config.client_certificate_pem),
        key_pem_(config.client_key_pem),
        insecure_(config.insecure_skip_tls_verify) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  ~CurlTransport() override {
    for (CURL* h : idle_) curl_easy_cleanup(h);
  }

  base::Result<HttpResponse> Do(const HttpRequest& req) override {
    CURL* curl = Acquire();
    if (curl == nullptr) return base::InternalError("curl_easy_init failed");
    HttpResponse response;
    Exchange ex;
    ex.response = &response;
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_slist* headers = Configure(curl, req, &ex, errbuf);
    // Big lists compress well and the API server gzips them when asked.
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    const CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    Release(curl);
    if (rc != CURLE_OK) return Failure(req, rc, errbuf, ex);
    return response;
  }

  base::Result<HttpResponse> Stream(const HttpRequest& req, const StreamHandler& handler,
                                    CancelSignal& cancel) override {
    CURL* curl = curl_easy_init();
    CURLM* multi = curl_multi_init();
    if (curl == nullptr || multi == nullptr) {
      curl_easy_cleanup(curl);
      curl_multi_cleanup(multi);
      return base::InternalError("curl init failed");
    }
    HttpResponse response;
    Exchange ex;
    ex.response = &response;
    ex.handler = &handler;
    ex.cancel = &cancel;
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_slist* headers = Configure(curl, req, &ex, errbuf);
    curl_multi_add_handle(multi, curl);
    cancel.SetWaker([multi] { curl_multi_wakeup(multi); });

    bool finished = false;
    CURLcode rc = CURLE_OK;
    CURLMcode mc = CURLM_OK;
    while (!cancel.cancelled() && mc == CURLM_OK) {
      int running = 0;
      mc = curl_multi_perform(multi, &running);
      if (mc != CURLM_OK) break;
      if (running == 0) {
        int left = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
          if (msg->msg == CURLMSG_DONE) rc = msg->data.result;
        }
        finished = true;
        break;
      }
      mc = curl_multi_poll(multi, nullptr, 0, kPollMs, nullptr);
    }
    // After this no Cancel() touches the multi handle any more.
    cancel.SetWaker(nullptr);
    curl_multi_remove_handle(multi, curl);
    curl_easy_cleanup(curl);
    curl_multi_cleanup(multi);
    curl_slist_free_all(headers);

    if (mc != CURLM_OK) {
      return base::InternalError("{} {}: {}", req.method, req.url, curl_multi_strerror(mc));
    }
    if (!finished || ex.handler_stopped || (rc != CURLE_OK && cancel.cancelled())) {
      return base::Error(base::Code::kCancelled, "{} {}: cancelled", req.method, req.url);
    }
    if (rc != CURLE_OK) return Failure(req, rc, errbuf, ex);
    return response;
  }

 private:
  CURL* Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        curl_easy_reset(h);  // options only: its open connections stay
        return h;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* h) {
    {
      std::lock_guard lock(mu_);
      if (idle_.size() < kMaxIdleHandles) {
        idle_.push_back(h);
        return;
      }
    }
    curl_easy_cleanup(h);
  }

  // Options shared by unary and streamed transfers; returns the header list to free after it.
  curl_slist* Configure(CURL* curl, const HttpRequest& req, Exchange* ex, char* errbuf) {
    curl_slist* headers = nullptr;
    for (const auto& [k, v] : req.headers) {
      headers = curl_slist_append(headers, (k + ": " + v).c_str());
    }
    // Bodies go out at once: waiting for "100 Continue" only adds a round trip.
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    if (connect_timeout_.count() > 0) {
      curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, Millis(connect_timeout_));
    }
    if (req.timeout.count() > 0) curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, Millis(req.timeout));
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, ex);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, ex);
    if (ex->cancel != nullptr) {
      curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
      curl_easy_setopt(curl, CURLOPT_XFERINFODATA, ex);
    }
    if (req.method == "GET") {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
    if (!req.body.empty() || req.method == "POST" || req.method == "PUT") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    }
    ConfigureTls(curl);
    return headers;
  }

  void ConfigureTls(CURL* curl) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, insecure_ ? 0L : 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, insecure_ ? 0L : 2L);
    auto blob = [](const std::string& pem) {
      return curl_blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
    };
    if (!ca_pem_.empty()) {
      curl_blob b = blob(ca_pem_);
      curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &b);
    }
    if (!cert_pem_.empty()) {
      curl_blob b = blob(cert_pem_);
      curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &b);
      curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (!key_pem_.empty()) {
      curl_blob b = blob(key_pem_);
      curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &b);
      curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
    }
  }

  static base::Status Failure(const HttpRequest& req, CURLcode rc, const char* errbuf,
                              const Exchange& ex) {
    const std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    if (ex.too_big) {
      return base::Error(base::Code::kResourceExhausted, "{} {}: response larger than {} bytes",
                         req.method, req.url, kMaxBody);
    }
    const base::Code code =
        rc == CURLE_OPERATION_TIMEDOUT ? base::Code::kTimeout : base::Code::kUnavailable;
    return base::Error(code, "{} {}: {}", req.method, req.url, detail);
  }

  const base::Duration connect_timeout_;
  const std::string ca_pem_;
  const std::string cert_pem_;
  const std::string key_pem_;
  const bool insecure_;
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

}  // namespace

std::shared_ptr<HttpTransport> NewCurlTransport(const ClientConfig& config) {
  return std::make_shared<CurlTransport>(config);
}

}  // namespace cubelet::client
