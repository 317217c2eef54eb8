#include "client/rest_paths.h"

namespace cubelet::client {

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '.' || u == '_' || u == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  return out;
}

std::string GroupVersionPath(const api::KindInfo& kind) {
  // The core group has no name and lives under the legacy /api prefix.
  const bool core = kind.api_version.find('/') == std::string_view::npos;
  return std::string(core ? "/api/" : "/apis/") + std::string(kind.api_version);
}

std::string CollectionPath(const api::KindInfo& kind, std::string_view ns) {
  std::string path = GroupVersionPath(kind);
  if (kind.namespaced && !ns.empty()) path += "/namespaces/" + PercentEncode(ns);
  path += '/';
  path += kind.resource;
  return path;
}

base::Result<std::string> ObjectPath(const api::KindInfo& kind, std::string_view ns,
                                     std::string_view name, std::string_view subresource) {
  if (name.empty()) {
    return base::InvalidError("{}: resource name may not be empty", kind.resource);
  }
  if (kind.namespaced && ns.empty()) {
    return base::InvalidError("{} \"{}\": a namespace is required for a namespaced resource",
                              kind.resource, name);
  }
  std::string path = CollectionPath(kind, ns) + "/" + PercentEncode(name);
  if (!subresource.empty()) path += "/" + PercentEncode(subresource);
  return path;
}

Query& Query::Add(std::string_view key, std::string_view value) {
  if (!value.empty()) params_.emplace_back(key, value);
  return *this;
}

std::string Query::Encode() const {
  std::string out;
  for (const auto& [k, v] : params_) {
    out += out.empty() ? '?' : '&';
    out += PercentEncode(k);
    out += '=';
    out += PercentEncode(v);
  }
  return out;
}

}  // namespace cubelet::client
