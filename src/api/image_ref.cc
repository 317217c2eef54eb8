// The distribution reference grammar (github.com/distribution/reference):
//   reference := name [ ":" tag ] [ "@" digest ]
//   name      := [domain '/'] path-component ['/' path-component]*
//   domain    := host [':' port]   host := domain-name | IPv4 | '[' IPv6 ']'
//   path-component := [a-z0-9]+ ( ( '.' | '_' | '__' | '-'+ ) [a-z0-9]+ )*
//   tag       := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//   digest    := algorithm ':' hex{32,}
// with Docker's normalization: no domain → docker.io, single component on docker.io →
// library/<name>, index.docker.io → docker.io.
#include "api/image_ref.h"

#include <fmt/format.h>

namespace cubelet::api {
namespace {

constexpr size_t kMaxNameLength = 255;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// path-component; `upper` is set when the component would match with case folded.
bool IsPathComponent(std::string_view s, bool* upper) {
  if (s.empty()) return false;
  size_t i = 0;
  auto alnum_run = [&] {
    const size_t start = i;
    while (i < s.size() && IsAlnum(s[i])) {
      if (s[i] >= 'A' && s[i] <= 'Z') *upper = true;
      ++i;
    }
    return i > start;
  };
  if (!alnum_run()) return false;
  while (i < s.size()) {
    // separator: '.', '_', '__', or one or more '-'
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '_') {
      ++i;
      if (i < s.size() && s[i] == '_') ++i;
    } else if (s[i] == '-') {
      while (i < s.size() && s[i] == '-') ++i;
    } else {
      return false;
    }
    if (!alnum_run()) return false;
  }
  return true;
}

bool IsDomainComponent(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsDomain(std::string_view s) {
  if (s.empty()) return false;
  std::string_view host = s;
  if (s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos) return false;
    for (char c : s.substr(1, close - 1)) {
      if (!IsHex(c) && c != ':' && c != '.') return false;
    }
    host = {};
    s.remove_prefix(close + 1);
    if (!s.empty() && s.front() != ':') return false;
  } else {
    const size_t colon = s.find(':');
    host = s.substr(0, colon);
    s = colon == std::string_view::npos ? std::string_view() : s.substr(colon);
    size_t start = 0;
    while (true) {
      const size_t dot = host.find('.', start);
      if (!IsDomainComponent(
              host.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
        return false;
      }
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  if (!s.empty()) {  // ":port"
    s.remove_prefix(1);
    if (s.empty()) return false;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
  }
  return true;
}

bool IsTag(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  auto word = [](char c) { return IsAlnum(c) || c == '_'; };
  if (!word(s[0])) return false;
  for (char c : s) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

base::Status CheckDigest(std::string_view d) {
  const size_t colon = d.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return base::InvalidError("invalid reference format");
  }
  const std::string_view algo = d.substr(0, colon);
  const std::string_view hex = d.substr(colon + 1);
  // algorithm components: [A-Za-z][A-Za-z0-9]* separated by [+._-]
  bool need_alpha = true;
  for (char c : algo) {
    if (need_alpha) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
        return base::InvalidError("invalid reference format");
      }
      need_alpha = false;
    } else if (c == '+' || c == '.' || c == '_' || c == '-') {
      need_alpha = true;
    } else if (!IsAlnum(c)) {
      return base::InvalidError("invalid reference format");
    }
  }
  if (need_alpha || hex.size() < 32) return base::InvalidError("invalid reference format");
  for (char c : hex) {
    if (!IsHex(c)) return base::InvalidError("invalid reference format");
  }
  if (algo == "sha256" || algo == "sha512") {
    const size_t want = algo == "sha256" ? 64 : 128;
    for (char c : hex) {
      if (c >= 'A' && c <= 'F') return base::InvalidError("invalid checksum digest format");
    }
    if (hex.size() != want) return base::InvalidError("invalid checksum digest length");
    return {};
  }
  return base::InvalidError("unsupported digest algorithm");
}

}  // namespace

std::string ImageReference::String() const {
  std::string s = Name();
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

std::string ImageReference::WithDefaultTag() const {
  if (tag.empty() && digest.empty()) return Name() + ":latest";
  return String();
}

std::string ImageReference::Familiar() const {
  std::string name = Name();
  if (domain == "docker.io") {
    name = path.starts_with("library/") && path.find('/', 8) == std::string::npos ? path.substr(8)
                                                                                  : path;
  }
  if (!tag.empty()) name += ":" + tag;
  if (!digest.empty()) name += "@" + digest;
  return name;
}

base::Result<ImageReference> ParseImageReference(std::string_view text) {
  if (text.empty()) return base::InvalidError("invalid reference format");
  ImageReference ref;
  std::string_view rest = text;
  if (const size_t at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    RETURN_IF_ERROR(CheckDigest(ref.digest));
  }
  // The tag follows the last ':' that comes after the last '/' (a ':' before it is a port).
  const size_t slash = rest.rfind('/');
  const size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!IsTag(ref.tag)) return base::InvalidError("invalid reference format");
  }
  if (rest.empty()) return base::InvalidError("invalid reference format");
  // Split the domain: the first component is a domain when it has '.' or ':' or is
  // "localhost", or contains an upper-case letter (Docker's rule).
  std::string_view remote = rest;
  const size_t first_slash = rest.find('/');
  if (first_slash != std::string_view::npos) {
    const std::string_view first = rest.substr(0, first_slash);
    bool has_upper = false;
    for (char c : first) has_upper = has_upper || (c >= 'A' && c <= 'Z');
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost" || has_upper) {
      if (!IsDomain(first)) return base::InvalidError("invalid reference format");
      ref.domain = std::string(first);
      remote = rest.substr(first_slash + 1);
    }
  }
  if (ref.domain.empty() || ref.domain == "index.docker.io") ref.domain = "docker.io";
  if (ref.domain == "docker.io" && remote.find('/') == std::string_view::npos) {
    ref.path = "library/" + std::string(remote);
  } else {
    ref.path = std::string(remote);
  }
  // Validate each path component.
  bool upper = false;
  size_t start = 0;
  while (true) {
    const size_t end = ref.path.find('/', start);
    const std::string_view comp =
        std::string_view(ref.path).substr(start, end == std::string::npos ? end : end - start);
    if (!IsPathComponent(comp, &upper)) return base::InvalidError("invalid reference format");
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (upper) {
    return base::InvalidError("invalid reference format: repository name ({}) must be lowercase",
                              ref.path);
  }
  if (ref.Name().size() > kMaxNameLength) {
    return base::InvalidError("repository name must not be more than {} characters",
                              kMaxNameLength);
  }
  // A bare 64-hex name would be ambiguous with an image ID.
  if (first_slash == std::string_view::npos && rest.size() == 64) {
    bool all_hex = true;
    for (char c : rest) all_hex = all_hex && IsHex(c) && !(c >= 'A' && c <= 'F');
    if (all_hex) {
      return base::InvalidError(
          "invalid repository name ({}), cannot specify 64-byte hexadecimal strings", rest);
    }
  }
  return ref;
}

std::string DefaultPullPolicy(std::string_view image) {
  auto ref = ParseImageReference(image);
  if (!ref.ok()) return "IfNotPresent";
  if (ref->tag == "latest" || (ref->tag.empty() && ref->digest.empty())) return "Always";
  return "IfNotPresent";
}

}  // namespace cubelet::api
