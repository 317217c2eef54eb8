// WWW-Authenticate parsing and the credential keyring.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "image/image.h"

namespace cubelet::image {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void SkipSpace(std::string_view s, size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

// A key: host[:port] and an optional path, from a config.json key such as
// "https://index.docker.io/v1/" or "registry.example.com:5000/team".
struct KeyParts {
  std::string host;
  std::string port;
  std::string path;
};

KeyParts SplitKey(std::string_view key) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (key.starts_with(scheme)) key.remove_prefix(scheme.size());
  }
  std::string_view hostport = key;
  std::string_view path;
  if (const size_t slash = key.find('/'); slash != std::string_view::npos) {
    hostport = key.substr(0, slash);
    path = key.substr(slash + 1);
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  // A bare API version path means "the whole host".
  if (path == "v1" || path == "v2") path = {};
  KeyParts parts;
  const size_t colon = hostport.rfind(':');
  if (colon != std::string_view::npos && hostport.find(']') == std::string_view::npos) {
    parts.host = Lower(hostport.substr(0, colon));
    parts.port = std::string(hostport.substr(colon + 1));
  } else {
    parts.host = Lower(hostport);
  }
  parts.path = std::string(path);
  return parts;
}

std::vector<std::string_view> Labels(std::string_view host) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t dot = host.find('.', start);
    out.push_back(host.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

// '*' and '?' style glob of one DNS label (kubelet uses filepath.Match per label).
bool GlobLabel(std::string_view pattern, std::string_view label) {
  if (pattern.empty()) return label.empty();
  if (pattern[0] == '*') {
    for (size_t i = 0; i <= label.size(); ++i) {
      if (GlobLabel(pattern.substr(1), label.substr(i))) return true;
    }
    return false;
  }
  if (label.empty()) return false;
  if (pattern[0] != '?' && pattern[0] != label[0]) return false;
  return GlobLabel(pattern.substr(1), label.substr(1));
}

bool Matches(const KeyParts& key, const KeyParts& image) {
  if (key.port != image.port) return false;
  const auto kl = Labels(key.host);
  const auto il = Labels(image.host);
  if (kl.size() != il.size()) return false;
  for (size_t i = 0; i < kl.size(); ++i) {
    if (!GlobLabel(kl[i], il[i])) return false;
  }
  if (key.path.empty()) return true;
  // The key's path must be a prefix of the image path, on component boundaries.
  return image.path == key.path ||
         (image.path.starts_with(key.path) && image.path[key.path.size()] == '/');
}

}  // namespace

base::Result<std::vector<Challenge>> ParseWwwAuthenticate(std::string_view header) {
  std::vector<Challenge> out;
  size_t i = 0;
  auto bad = [&] { return base::InvalidError("malformed WWW-Authenticate header: {}", header); };
  while (true) {
    SkipSpace(header, i);
    while (i < header.size() && header[i] == ',') {
      ++i;
      SkipSpace(header, i);
    }
    if (i >= header.size()) break;
    const size_t start = i;
    while (i < header.size() && IsTokenChar(header[i])) ++i;
    if (i == start) return bad();
    Challenge ch;
    ch.scheme = Lower(header.substr(start, i - start));
    // auth-params: key=value pairs separated by ','; a token followed by a space and another
    // token starts the next challenge.
    while (true) {
      SkipSpace(header, i);
      const size_t key_start = i;
      while (i < header.size() && IsTokenChar(header[i])) ++i;
      if (i == key_start) break;
      size_t j = i;
      SkipSpace(header, j);
      if (j >= header.size() || header[j] != '=') {
        i = key_start;  // the next challenge's scheme
        break;
      }
      const std::string key = Lower(header.substr(key_start, i - key_start));
      i = j + 1;
      SkipSpace(header, i);
      std::string value;
      if (i < header.size() && header[i] == '"') {
        ++i;
        bool closed = false;
        while (i < header.size()) {
          if (header[i] == '\\' && i + 1 < header.size()) {
            value += header[i + 1];
            i += 2;
          } else if (header[i] == '"') {
            ++i;
            closed = true;
            break;
          } else {
            value += header[i++];
          }
        }
        if (!closed) return bad();
      } else {
        const size_t vstart = i;
        while (i < header.size() && header[i] != ',' && header[i] != ' ') ++i;
        value = std::string(header.substr(vstart, i - vstart));
      }
      ch.params[key] = value;
      SkipSpace(header, i);
      if (i < header.size() && header[i] == ',') ++i;
    }
    out.push_back(std::move(ch));
  }
  if (out.empty()) return bad();
  return out;
}

base::Result<Keyring> Keyring::FromDockerConfig(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return base::InvalidError("docker config is not a JSON object");
  }
  const nlohmann::json* auths = &j;
  if (auto it = j.find("auths"); it != j.end()) {
    if (!it->is_object()) return base::InvalidError("docker config \"auths\" is not an object");
    auths = &*it;
  }
  Keyring ring;
  for (auto it = auths->begin(); it != auths->end(); ++it) {
    if (!it->is_object()) continue;
    Credential cred;
    auto str = [&](const char* k) {
      auto f = it->find(k);
      return f != it->end() && f->is_string() ? f->get<std::string>() : std::string();
    };
    cred.username = str("username");
    cred.password = str("password");
    cred.identity_token = str("identitytoken");
    if (std::string auth = str("auth"); !auth.empty()) {
      // Accept unpadded base64 too, as the kubelet does.
      while (auth.size() % 4 != 0) auth += '=';
      auto decoded = base::Base64Decode(auth);
      if (!decoded.ok()) {
        return base::InvalidError("docker config entry {}: auth is not base64", it.key());
      }
      const size_t colon = decoded->find(':');
      if (colon == std::string::npos) {
        return base::InvalidError("docker config entry {}: auth is not user:password", it.key());
      }
      cred.username = decoded->substr(0, colon);
      cred.password = decoded->substr(colon + 1);
    }
    ring.Add(it.key(), std::move(cred));
  }
  return ring;
}

void Keyring::Add(std::string key, Credential cred) {
  entries_.emplace_back(std::move(key), std::move(cred));
  // Most specific first: a key with a longer path prefix ("host/team") before "host".
  std::stable_sort(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
    return SplitKey(a.first).path.size() > SplitKey(b.first).path.size();
  });
}

void Keyring::Merge(const Keyring& other) {
  for (const auto& [k, c] : other.entries_) Add(k, c);
}

std::vector<Credential> Keyring::Lookup(const api::ImageReference& ref) const {
  KeyParts image = SplitKey(ref.domain + "/" + ref.path);
  std::vector<KeyParts> candidates{image};
  if (ref.domain == "docker.io") {
    KeyParts alias = image;
    alias.host = "index.docker.io";
    candidates.push_back(alias);
    alias.host = "registry-1.docker.io";
    candidates.push_back(alias);
  }
  std::vector<Credential> out;
  for (const auto& [key, cred] : entries_) {
    const KeyParts k = SplitKey(key);
    for (const KeyParts& c : candidates) {
      if (Matches(k, c)) {
        if (std::find(out.begin(), out.end(), cred) == out.end()) out.push_back(cred);
        break;
      }
    }
  }
  return out;
}

}  // namespace cubelet::image
