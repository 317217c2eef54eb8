// Manifest, index and config documents (OCI image-spec and Docker schema 2). Parsing is
// lenient where the specs say so (unknown fields, null optional fields) and strict where a
// mistake would run the wrong thing (schema 1, a mediaType contradicting Content-Type).
#include <nlohmann/json.hpp>

#include "image/image.h"

namespace cubelet::image {
namespace {

using Json = nlohmann::json;

std::string_view StripParams(std::string_view content_type) {
  const size_t semi = content_type.find(';');
  std::string_view t = content_type.substr(0, semi);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return t;
}

base::Result<Json> ParseJson(std::string_view body, std::string_view what) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return base::InvalidError("{} is not a JSON object", what);
  }
  return j;
}

std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> Strings(const Json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const Json& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

base::Result<Descriptor> ParseDescriptor(const Json& j, std::string_view where) {
  if (!j.is_object()) return base::InvalidError("{}: descriptor is not an object", where);
  Descriptor d;
  d.media_type = Str(j, "mediaType");
  d.digest = Str(j, "digest");
  auto size = j.find("size");
  if (size == j.end() || !size->is_number_integer() || size->get<int64_t>() < 0) {
    return base::InvalidError("{}: descriptor has no valid size", where);
  }
  d.size = size->get<int64_t>();
  auto parsed = Digest::Parse(d.digest);
  if (!parsed.ok()) return parsed.status().WithContext(std::string(where));
  d.urls = Strings(j, "urls");
  if (auto p = j.find("platform"); p != j.end() && p->is_object()) {
    d.platform = Platform{Str(*p, "os"), Str(*p, "architecture"), Str(*p, "variant")};
  }
  if (auto a = j.find("annotations"); a != j.end() && a->is_object()) {
    for (auto it = a->begin(); it != a->end(); ++it) {
      if (it->is_string()) d.annotations[it.key()] = it->get<std::string>();
    }
  }
  return d;
}

// The media type of a document: its mediaType field, else Content-Type, else sniffed.
base::Result<std::string> DocumentType(const Json& j, std::string_view content_type) {
  const std::string declared = Str(j, "mediaType");
  const std::string_view header = StripParams(content_type);
  if (!declared.empty() && !header.empty() && declared != header && header != "application/json" &&
      header != "application/octet-stream") {
    return base::InvalidError("manifest mediaType {} does not match Content-Type {}", declared,
                              header);
  }
  std::string type = !declared.empty() ? declared : std::string(header);
  if (type == media::kDockerSchema1 || type == media::kDockerSchema1Signed ||
      (j.contains("schemaVersion") && j["schemaVersion"] == 1)) {
    return base::Error(base::Code::kUnimplemented,
                       "image manifest schema 1 ({}) is not supported: push the image again with "
                       "a current client",
                       media::kDockerSchema1);
  }
  if (type.empty() || type == "application/json" || type == "application/octet-stream") {
    if (j.contains("manifests")) return std::string(media::kOciIndex);
    if (j.contains("layers")) return std::string(media::kOciManifest);
    return base::InvalidError(
        "cannot tell the kind of manifest: no mediaType, manifests or layers");
  }
  return type;
}

}  // namespace

namespace media {
std::string ManifestAccept() {
  return std::string(kOciIndex) + ", " + std::string(kOciManifest) + ", " +
         std::string(kDockerList) + ", " + std::string(kDockerManifest);
}
bool IsIndex(std::string_view t) { return t == kOciIndex || t == kDockerList; }
bool IsManifest(std::string_view t) { return t == kOciManifest || t == kDockerManifest; }
}  // namespace media

base::Result<std::string> SniffManifestKind(std::string_view body, std::string_view content_type) {
  ASSIGN_OR_RETURN(Json j, ParseJson(body, "manifest"));
  ASSIGN_OR_RETURN(std::string type, DocumentType(j, content_type));
  if (media::IsIndex(type)) return std::string("index");
  if (media::IsManifest(type)) return std::string("manifest");
  return base::Error(base::Code::kUnimplemented, "unsupported manifest media type {}", type);
}

base::Result<Manifest> ParseManifest(std::string_view body, std::string_view content_type) {
  ASSIGN_OR_RETURN(Json j, ParseJson(body, "manifest"));
  ASSIGN_OR_RETURN(std::string type, DocumentType(j, content_type));
  if (!media::IsManifest(type)) {
    return base::InvalidError("expected an image manifest, got {}", type);
  }
  Manifest m;
  m.media_type = type;
  if (!j.contains("config")) return base::InvalidError("manifest has no config");
  ASSIGN_OR_RETURN(m.config, ParseDescriptor(j["config"], "manifest config"));
  auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array()) {
    return base::InvalidError("manifest has no layers array");
  }
  for (size_t i = 0; i < layers->size(); ++i) {
    ASSIGN_OR_RETURN(Descriptor d, ParseDescriptor((*layers)[i], "layer " + std::to_string(i)));
    m.layers.push_back(std::move(d));
  }
  return m;
}

base::Result<Index> ParseIndex(std::string_view body, std::string_view content_type) {
  ASSIGN_OR_RETURN(Json j, ParseJson(body, "index"));
  ASSIGN_OR_RETURN(std::string type, DocumentType(j, content_type));
  if (!media::IsIndex(type)) return base::InvalidError("expected an image index, got {}", type);
  Index idx;
  idx.media_type = type;
  auto list = j.find("manifests");
  if (list == j.end() || !list->is_array()) return base::InvalidError("index has no manifests");
  for (size_t i = 0; i < list->size(); ++i) {
    ASSIGN_OR_RETURN(Descriptor d, ParseDescriptor((*list)[i], "index entry " + std::to_string(i)));
    idx.manifests.push_back(std::move(d));
  }
  return idx;
}

base::Result<ImageConfig> ParseImageConfig(std::string_view body) {
  ASSIGN_OR_RETURN(Json j, ParseJson(body, "image config"));
  ImageConfig c;
  c.os = Str(j, "os");
  c.architecture = Str(j, "architecture");
  c.variant = Str(j, "variant");
  if (auto cfg = j.find("config"); cfg != j.end() && cfg->is_object()) {
    c.entrypoint = Strings(*cfg, "Entrypoint");
    c.cmd = Strings(*cfg, "Cmd");
    c.env = Strings(*cfg, "Env");
    c.working_dir = Str(*cfg, "WorkingDir");
    c.user = Str(*cfg, "User");
    c.stop_signal = Str(*cfg, "StopSignal");
    if (auto ports = cfg->find("ExposedPorts"); ports != cfg->end() && ports->is_object()) {
      for (auto it = ports->begin(); it != ports->end(); ++it) {
        std::string p = it.key();
        if (p.find('/') == std::string::npos) p += "/tcp";
        c.exposed_ports.push_back(p);
      }
    }
    if (auto labels = cfg->find("Labels"); labels != cfg->end() && labels->is_object()) {
      for (auto it = labels->begin(); it != labels->end(); ++it) {
        if (it->is_string()) c.labels[it.key()] = it->get<std::string>();
      }
    }
  }
  auto rootfs = j.find("rootfs");
  if (rootfs == j.end() || !rootfs->is_object() || Str(*rootfs, "type") != "layers") {
    return base::InvalidError("image config has no rootfs of type \"layers\"");
  }
  c.diff_ids = Strings(*rootfs, "diff_ids");
  for (const std::string& d : c.diff_ids) {
    auto parsed = Digest::Parse(d);
    if (!parsed.ok()) return parsed.status().WithContext("image config diff_ids");
  }
  return c;
}

}  // namespace cubelet::image
