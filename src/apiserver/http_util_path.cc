// API paths: discovery paths, and resource paths as kube-apiserver's RequestInfoFactory reads
// them, narrowed to the served resources.
#include <algorithm>
#include <span>

#include "apiserver/http_util.h"

namespace cubelet::apiserver {
namespace {

std::vector<std::string_view> SplitSegments(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    segments.push_back(path.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

bool Served(std::string_view group, std::string_view version) {
  std::span<const GroupVersion> gvs = GroupVersions();
  return std::any_of(gvs.begin(), gvs.end(), [&](const GroupVersion& gv) {
    return gv.group == group && gv.version == version;
  });
}

// The segments of a decoded absolute path; nullopt for a bad escape, a relative path or an
// empty segment ("/api//v1"). A trailing slash is ignored, as kube-apiserver's router trims it
// (/api/v1/pods/).
std::optional<std::vector<std::string>> PathSegments(std::string_view raw_path) {
  // net/http hands kube-apiserver the decoded path, which it splits on '/'.
  std::optional<std::string> decoded = PercentDecode(raw_path, false);
  if (!decoded || decoded->empty() || decoded->front() != '/') return std::nullopt;
  std::string_view path = *decoded;
  path = path.substr(1, path.find_last_not_of('/'));
  if (path.empty()) return std::nullopt;
  std::vector<std::string> parts;
  for (std::string_view part : SplitSegments(path)) {
    if (part.empty()) return std::nullopt;
    parts.emplace_back(part);
  }
  return parts;
}

}  // namespace

std::optional<DiscoveryPath> ParseDiscoveryPath(std::string_view raw_path) {
  std::optional<std::vector<std::string>> parts = PathSegments(raw_path);
  if (!parts) return std::nullopt;
  const std::vector<std::string>& p = *parts;
  using Kind = DiscoveryPath::Kind;
  if (p[0] == "api") {
    if (p.size() == 1) return DiscoveryPath{Kind::kApi, "", ""};
    if (p.size() == 2) return DiscoveryPath{Kind::kGroupVersion, "", p[1]};
  } else if (p[0] == "apis") {
    if (p.size() == 1) return DiscoveryPath{Kind::kApis, "", ""};
    if (p.size() == 2) return DiscoveryPath{Kind::kGroup, p[1], ""};
    if (p.size() == 3) return DiscoveryPath{Kind::kGroupVersion, p[1], p[2]};
  }
  return std::nullopt;
}

std::optional<ApiPath> ParseApiPath(std::string_view raw_path) {
  std::optional<std::vector<std::string>> segments = PathSegments(raw_path);
  if (!segments) return std::nullopt;
  std::vector<std::string_view> parts(segments->begin(), segments->end());

  ApiPath out;
  std::span<const std::string_view> rest(parts);
  if (rest[0] == "api" && rest.size() >= 2) {
    out.version = rest[1];
    rest = rest.subspan(2);
  } else if (rest[0] == "apis" && rest.size() >= 3) {
    out.group = rest[1];
    out.version = rest[2];
    rest = rest.subspan(3);
  } else {
    return std::nullopt;
  }
  // The group-version root itself is discovery, not a resource.
  if (!Served(out.group, out.version) || rest.empty()) return std::nullopt;
  if (rest[0] == "watch") {
    out.watch = true;
    rest = rest.subspan(1);
    if (rest.empty()) return std::nullopt;
  }

  // namespaces/{x}/{y}: {y} is either a subresource of Namespace {x} (namespaces/x/status) or
  // a namespaced resource in namespace {x} (namespaces/x/pods). The served namespace
  // subresources decide, as kube-apiserver's fixed list of them does.
  bool in_namespace = false;
  if (rest[0] == "namespaces" && rest.size() >= 3) {
    const ResourceInfo* namespaces = FindResource(out.group, out.version, "namespaces");
    if (namespaces == nullptr || namespaces->FindSubresource(rest[2]) == nullptr) {
      in_namespace = true;
      out.ns = rest[1];
      rest = rest.subspan(2);
    }
  }
  if (rest.size() > 3) return std::nullopt;

  out.resource = rest[0];
  out.info = FindResource(out.group, out.version, out.resource);
  if (out.info == nullptr) return std::nullopt;
  if (rest.size() >= 2) out.name = rest[1];
  if (rest.size() == 3) out.subresource = rest[2];

  if (in_namespace && !out.info->namespaced) return std::nullopt;
  // Without a namespace, a namespaced resource only has its every-namespace collection.
  if (!in_namespace && out.info->namespaced && !out.name.empty()) return std::nullopt;
  if (out.watch && !out.subresource.empty()) return std::nullopt;
  return out;
}

}  // namespace cubelet::apiserver
