// The HTTP/1.1 GET client of httpGet probes and hooks (see prober_net.h): one request per
// connection ("Connection: close", as the kubelet's transport disables keep-alives), headers
// written the way Go's net/http writes them, at most 10 KiB of body read, and the kubelet's
// same-host redirect policy.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <vector>

#include <fmt/format.h>

#include "node/prober_net.h"

namespace cubelet::node {
namespace {

constexpr size_t kMaxBody = 10 * 1024;    // the kubelet's maxRespBodyLength
constexpr size_t kMaxHeader = 64 * 1024;  // far beyond any health endpoint's headers
constexpr int kMaxRequests = 10;          // Go's client: "stopped after 10 redirects"

// Go's texts for a client timeout, before and after the response headers arrived.
constexpr std::string_view kHeadersTimeout =
    "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
constexpr std::string_view kBodyTimeout =
    "context deadline exceeded (Client.Timeout or context cancellation while reading body)";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

base::Status Unavailable(std::string message) {
  return base::Status(base::Code::kUnavailable, std::move(message));
}

struct Url {
  std::string scheme = "http";
  std::string host;
  int port = 80;
  std::string path = "/";  // path and query
  std::string Text() const { return scheme + "://" + JoinHostPort(host, port) + path; }
};

// ---- the request ------------------------------------------------------------------------------

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Go's textproto.CanonicalMIMEHeaderKey: "x-custom-header" → "X-Custom-Header". Names with
// characters outside a token are invalid and rejected by the caller.
std::string CanonicalHeaderKey(std::string_view name) {
  std::string out(name);
  bool upper = true;
  for (char& c : out) {
    c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                : std::tolower(static_cast<unsigned char>(c)));
    upper = c == '-';
  }
  return out;
}

// The request target: the path and query without the fragment, with the bytes a URL may not
// carry raw percent-encoded (Go re-escapes the parsed URL the same way).
std::string RequestTarget(std::string_view path) {
  path = path.substr(0, path.find('#'));
  std::string out;
  if (path.empty() || path[0] != '/') out.push_back('/');
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) ||
        std::string_view("-._~!$&'()*+,;=:@/?%[]").find(c) != std::string_view::npos) {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

// Go's Request.write: request line, Host, User-Agent, then the other headers sorted by name.
// The kubelet adds "Accept: */*" unless the handler sets Accept (an empty one removes it).
base::Result<std::string> BuildRequest(const HttpGetRequest& req, const Url& url,
                                       const std::optional<std::string>& host_override) {
  std::map<std::string, std::vector<std::string>> headers;
  for (const api::HTTPHeader& h : req.headers) {
    if (h.name.empty() || !std::all_of(h.name.begin(), h.name.end(), IsTokenChar)) {
      return Unavailable(fmt::format("net/http: invalid header field name \"{}\"", h.name));
    }
    std::string value = h.value;
    std::replace(value.begin(), value.end(), '\r', ' ');
    std::replace(value.begin(), value.end(), '\n', ' ');
    headers[CanonicalHeaderKey(h.name)].push_back(std::move(value));
  }
  std::string user_agent = req.user_agent;
  if (auto it = headers.find("User-Agent"); it != headers.end()) {
    user_agent = it->second.front();
    headers.erase(it);
  }
  headers.erase("Host");  // sent from host_override instead
  if (auto it = headers.find("Accept"); it == headers.end()) {
    headers["Accept"] = {"*/*"};
  } else if (it->second.front().empty()) {
    headers.erase(it);
  }

  std::string out = fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\n", RequestTarget(url.path),
                                host_override.value_or(JoinHostPort(url.host, url.port)));
  if (!user_agent.empty()) out += "User-Agent: " + user_agent + "\r\n";
  out += "Connection: close\r\n";
  for (const auto& [name, values] : headers) {
    for (const std::string& v : values) out += name + ": " + v + "\r\n";
  }
  out += "\r\n";
  return out;
}

// ---- the response ----------------------------------------------------------------------------

struct Response {
  int status_code = 0;
  std::string location;
  std::string body;
};

// Reads one response from a connected socket into a growing buffer.
class ResponseReader {
 public:
  ResponseReader(ByteStream& stream, NetDeadline deadline) : stream_(stream), deadline_(deadline) {}

  base::Result<Response> Read() {
    Response resp;
    std::optional<size_t> content_length;
    bool chunked = false;
    for (;;) {  // 1xx interim responses come before the real one
      size_t end = 0;
      size_t term = 0;
      while (!FindHeaderEnd(end, term)) {
        if (buf_.size() > kMaxHeader) return Unavailable("net/http: response header too long");
        ASSIGN_OR_RETURN(bool more, More(kHeadersTimeout));
        if (!more) return Unavailable(buf_.empty() ? "EOF" : "unexpected EOF");
      }
      std::vector<std::string_view> lines = SplitLines(std::string_view(buf_).substr(0, end));
      RETURN_IF_ERROR(ParseStatusLine(lines[0], resp.status_code));
      for (size_t i = 1; i < lines.size(); ++i) {
        size_t colon = lines[i].find(':');
        if (colon == std::string_view::npos) continue;
        std::string name = Lower(lines[i].substr(0, colon));
        std::string_view value = Trim(lines[i].substr(colon + 1));
        if (name == "location" && resp.location.empty()) resp.location = value;
        if (name == "transfer-encoding") chunked = Lower(value).find("chunked") != npos;
        if (name == "content-length") content_length = ParseLength(value);
      }
      buf_.erase(0, end + term);
      if (resp.status_code / 100 != 1 || resp.status_code == 101) break;
      content_length.reset();
      chunked = false;
    }
    if (resp.status_code == 204 || resp.status_code == 304 || resp.status_code == 101) {
      return resp;
    }
    if (chunked) {
      ASSIGN_OR_RETURN(resp.body, ReadChunked());
    } else {
      ASSIGN_OR_RETURN(resp.body, ReadPlain(content_length));
    }
    return resp;
  }

 private:
  static constexpr size_t npos = std::string::npos;

  // Appends what arrived next; false at EOF.
  base::Result<bool> More(std::string_view timeout_text) {
    char tmp[4096];
    ASSIGN_OR_RETURN(size_t r, stream_.Recv(tmp, sizeof tmp, deadline_, timeout_text));
    if (r == 0) return false;
    buf_.append(tmp, r);
    return true;
  }

  // Waits until buf_ holds at least `n` bytes; EOF before that is Go's "unexpected EOF".
  base::Status Fill(size_t n) {
    while (buf_.size() < n) {
      ASSIGN_OR_RETURN(bool more, More(kBodyTimeout));
      if (!more) return Unavailable("unexpected EOF");
    }
    return base::Status::Ok();
  }

  // The end of the header block; Go also accepts bare LF line ends.
  bool FindHeaderEnd(size_t& end, size_t& term) const {
    size_t crlf = buf_.find("\r\n\r\n");
    size_t lf = buf_.find("\n\n");
    if (crlf == npos && lf == npos) return false;
    if (lf != npos && (crlf == npos || lf < crlf)) {
      end = lf;
      term = 2;
    } else {
      end = crlf;
      term = 4;
    }
    return true;
  }

  static std::vector<std::string_view> SplitLines(std::string_view block) {
    std::vector<std::string_view> lines;
    size_t start = 0;
    for (;;) {
      size_t nl = block.find('\n', start);
      std::string_view line = block.substr(start, nl == npos ? npos : nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      lines.push_back(line);
      if (nl == npos) return lines;
      start = nl + 1;
    }
  }

  static std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  }

  static int HexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  static std::optional<size_t> ParseLength(std::string_view s) {
    if (s.empty() || s.size() > 18) return std::nullopt;
    size_t n = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<size_t>(c - '0');
    }
    return n;
  }

  // "HTTP/1.1 200 OK" → 200.
  static base::Status ParseStatusLine(std::string_view line, int& code) {
    auto malformed = [&] {
      return Unavailable(fmt::format("malformed HTTP response \"{}\"", line));
    };
    if (line.substr(0, 5) != "HTTP/") return malformed();
    size_t sp = line.find(' ');
    if (sp == npos || line.size() < sp + 4) return malformed();
    std::string_view digits = line.substr(sp + 1, 3);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return malformed();
    }
    if (line.size() > sp + 4 && line[sp + 4] != ' ') return malformed();
    code = (digits[0] - '0') * 100 + (digits[1] - '0') * 10 + (digits[2] - '0');
    return base::Status::Ok();
  }

  // A body delimited by Content-Length or, without one, by the end of the connection.
  base::Result<std::string> ReadPlain(std::optional<size_t> content_length) {
    if (content_length) {
      RETURN_IF_ERROR(Fill(std::min(*content_length, kMaxBody)));
      return buf_.substr(0, std::min(*content_length, kMaxBody));
    }
    while (buf_.size() < kMaxBody) {
      ASSIGN_OR_RETURN(bool more, More(kBodyTimeout));
      if (!more) break;
    }
    return buf_.substr(0, std::min(buf_.size(), kMaxBody));
  }

  // Position just past the next line end at or after `pos`, reading as needed.
  base::Result<size_t> NextLine(size_t pos) {
    for (;;) {
      size_t nl = buf_.find('\n', pos);
      if (nl != npos) return nl + 1;
      if (buf_.size() - pos > 4096) return Unavailable("malformed chunked encoding");
      ASSIGN_OR_RETURN(bool more, More(kBodyTimeout));
      if (!more) return Unavailable("unexpected EOF");
    }
  }

  // Transfer-Encoding: chunked, decoded up to the body limit.
  base::Result<std::string> ReadChunked() {
    std::string body;
    size_t pos = 0;
    while (body.size() < kMaxBody) {
      ASSIGN_OR_RETURN(size_t data, NextLine(pos));
      std::string_view size_text = std::string_view(buf_).substr(pos, data - pos);
      size_text = Trim(size_text.substr(0, size_text.find_first_of(";\r\n")));
      if (size_text.empty() || size_text.size() > 15) {
        return Unavailable("malformed chunked encoding");
      }
      size_t size = 0;
      for (char c : size_text) {
        int digit = HexDigit(c);
        if (digit < 0) return Unavailable("malformed chunked encoding");
        size = size * 16 + static_cast<size_t>(digit);
      }
      if (size == 0) break;  // the last chunk; trailers are of no interest
      size_t take = std::min(size, kMaxBody - body.size());
      RETURN_IF_ERROR(Fill(data + take));
      body.append(buf_, data, take);
      if (take < size) break;  // the limit: stop reading, as the kubelet does
      RETURN_IF_ERROR(Fill(data + size + 1));
      ASSIGN_OR_RETURN(pos, NextLine(data + size));
    }
    return body;
  }

  ByteStream& stream_;
  NetDeadline deadline_;
  std::string buf_;
};

// ---- redirects -------------------------------------------------------------------------------

bool IsFollowedRedirect(int code) {
  return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
}

// "host", "host:port", "[v6]:port", "user@host" → url.host and url.port.
base::Status ParseAuthority(std::string_view auth, Url& url) {
  if (size_t at = auth.rfind('@'); at != std::string_view::npos) auth.remove_prefix(at + 1);
  std::string_view port;
  if (!auth.empty() && auth[0] == '[') {
    size_t close = auth.find(']');
    if (close == std::string_view::npos) return Unavailable("missing ']' in host");
    url.host = std::string(auth.substr(1, close - 1));
    if (close + 1 < auth.size() && auth[close + 1] == ':') port = auth.substr(close + 2);
  } else {
    size_t colon = auth.find(':');
    url.host = std::string(auth.substr(0, colon));
    if (colon != std::string_view::npos) port = auth.substr(colon + 1);
  }
  url.port = url.scheme == "https" ? 443 : 80;
  if (!port.empty()) {
    int p = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || p > 65535)
        return Unavailable(fmt::format("invalid port \"{}\"", port));
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) return Unavailable(fmt::format("invalid port \"{}\"", port));
    url.port = p;
  }
  if (url.host.empty()) return Unavailable("empty host");
  return base::Status::Ok();
}

// True when a Location starts with a scheme ("http:", "https:", ...): an absolute URL.
bool HasScheme(std::string_view loc) {
  size_t colon = loc.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(loc[0]))) return false;
  return std::all_of(loc.begin(), loc.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  });
}

// The Location of a redirect resolved against the URL that answered it (RFC 3986 reference
// resolution without dot segments, which health endpoints do not use).
base::Result<Url> ResolveLocation(const Url& base, std::string_view loc) {
  loc = loc.substr(0, loc.find('#'));
  Url next = base;
  if (HasScheme(loc)) {
    size_t colon = loc.find(':');
    next.scheme = Lower(loc.substr(0, colon));
    if (next.scheme != "http" && next.scheme != "https") {
      return Unavailable(fmt::format("unsupported protocol scheme \"{}\"", next.scheme));
    }
    loc.remove_prefix(colon + 1);
    if (loc.substr(0, 2) != "//") return Unavailable("location without a host");
  }
  if (loc.substr(0, 2) == "//") {
    loc.remove_prefix(2);
    size_t end = loc.find_first_of("/?");
    RETURN_IF_ERROR(ParseAuthority(loc.substr(0, end), next));
    loc = end == std::string_view::npos ? std::string_view() : loc.substr(end);
    next.path = loc.empty() || loc[0] != '/' ? "/" + std::string(loc) : std::string(loc);
  } else if (!loc.empty() && loc[0] == '/') {
    next.path = std::string(loc);
  } else if (!loc.empty() && loc[0] == '?') {
    next.path = base.path.substr(0, base.path.find('?')) + std::string(loc);
  } else if (!loc.empty()) {
    std::string dir = base.path.substr(0, base.path.find('?'));
    dir = dir.substr(0, dir.rfind('/') + 1);
    next.path = dir + std::string(loc);
  }
  return next;
}

}  // namespace

base::Result<HttpGetResponse> HttpGet(const HttpGetRequest& request, NetDeadline deadline) {
  Url url;
  url.scheme = request.tls ? "https" : "http";
  url.host = request.host;
  url.port = request.port;
  url.path = request.path.empty() ? "/" : request.path;
  if (url.path[0] != '/') url.path.insert(0, "/");
  const std::string first_host = Lower(request.host);
  std::optional<std::string> host_override;
  for (const api::HTTPHeader& h : request.headers) {
    if (Lower(h.name) == "host") {
      host_override = h.value;
      break;
    }
  }

  for (int requests = 1;; ++requests) {
    auto fail = [&](const base::Status& s) {
      return base::Status(s.code(), fmt::format("Get \"{}\": {}", url.Text(), s.message()),
                          s.sys_errno());
    };
    auto sock = DialTcp(url.host, url.port, deadline);
    if (!sock.ok()) {
      // Go's client reports its own deadline rather than the dialer's.
      if (sock.status().code() == base::Code::kTimeout) {
        return fail(base::Status(base::Code::kTimeout, std::string(kHeadersTimeout)));
      }
      return fail(sock.status());
    }
    std::unique_ptr<ByteStream> stream;
    if (url.scheme == "https") {
      auto tls = TlsStream(std::move(sock).value(), url.host, deadline);
      if (!tls.ok()) return fail(tls.status());
      stream = std::move(tls).value();
    } else {
      stream = PlainStream(std::move(sock).value());
    }
    auto text = BuildRequest(request, url, host_override);
    if (!text.ok()) return fail(text.status());
    if (base::Status s = stream->Send(*text, deadline, kHeadersTimeout); !s.ok()) return fail(s);
    auto resp = ResponseReader(*stream, deadline).Read();
    if (!resp.ok()) return fail(resp.status());

    if (!IsFollowedRedirect(resp->status_code) || resp->location.empty()) {
      return HttpGetResponse{resp->status_code, std::move(resp->body)};
    }
    auto next = ResolveLocation(url, resp->location);
    if (!next.ok()) {
      return fail(Unavailable(fmt::format("failed to parse Location header \"{}\": {}",
                                          resp->location, next.status().message())));
    }
    // Another host: the kubelet keeps the redirect response itself (a probe warning).
    if (Lower(next->host) != first_host) {
      return HttpGetResponse{resp->status_code, std::move(resp->body)};
    }
    if (requests >= kMaxRequests) return fail(Unavailable("stopped after 10 redirects"));
    // Go keeps a custom Host header only through relative redirects.
    if (HasScheme(resp->location)) host_override.reset();
    url = std::move(next).value();
  }
}

}  // namespace cubelet::node
