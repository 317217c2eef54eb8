// StaticPodFromManifest: one manifest file → the pod the kubelet's file source would run
// (pkg/kubelet/config/common.go applyDefaults and tryDecodeSinglePod).
//
// The UID is the config hash: md5 over "host:<node>", "file:<path>" and the canonical JSON
// encoding (api::EncodeJson) of the decoded, API-defaulted pod. The kubelet feeds the same
// node and path but a Go deep hash of the object instead of JSON; the two agree on what
// matters: the hash depends on what the manifest says, not on how it is written (key order,
// comments, YAML or JSON, spelling out a default), and changes when the node, the path or any
// field changes. Hashes are therefore not byte-identical with a real kubelet's.
#include <cctype>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "api/api.h"
#include "base/time.h"
#include "node/node.h"

namespace cubelet::node {
namespace {

// Lowercase hex md5 of the concatenated parts.
base::Result<std::string> Md5Hex(std::initializer_list<std::string_view> parts) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                    &EVP_MD_CTX_free);
  // EVP_md5 can be refused (an OpenSSL configured for FIPS): report it rather than run pods
  // with an empty UID.
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) == 1;
  for (std::string_view part : parts) {
    ok = ok && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) == 1;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  ok = ok && EVP_DigestFinal_ex(ctx.get(), md, &len) == 1;
  if (!ok) return base::InternalError("computing the md5 config hash of a static pod failed");
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string StringField(const api::Json& json, const char* key) {
  if (!json.is_object()) return {};
  const auto it = json.find(key);
  return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "pod.yaml:3: a; pod.yaml:9: b" — every problem, each with the line it comes from.
base::Status ManifestErrors(const api::SourceMap& lines, const api::FieldErrors& errs) {
  std::string message;
  for (const api::FieldError& e : errs) {
    if (!message.empty()) message += '\n';
    message += api::FormatAt(lines, e);
  }
  return base::Status(base::Code::kInvalid, std::move(message));
}

// The static pod's own defaults on top of the API's (applyDefaults, for a file source).
void ApplyStaticPodDefaults(api::Pod& pod, const std::string& uid, const std::string& node_name,
                            base::TimePoint seen) {
  pod.metadata.uid = uid;
  // The node in the name keeps the mirror pods of two nodes running the same manifest apart.
  pod.metadata.name += "-" + Lowercase(node_name);
  if (pod.metadata.namespace_.empty()) pod.metadata.namespace_ = "default";
  pod.spec.node_name = node_name;
  pod.metadata.annotations[std::string(kConfigHashAnnotation)] = uid;
  pod.metadata.annotations[std::string(kConfigSourceAnnotation)] = "file";
  pod.metadata.annotations[std::string(kConfigSeenAnnotation)] = base::FormatRfc3339(seen, 9);
  // Tolerate every NoExecute taint so a node problem never evicts the node's own static pods;
  // an equal toleration already in the manifest is replaced rather than repeated
  // (AddOrUpdateTolerationInPod).
  api::Toleration all;
  all.operator_ = "Exists";
  all.effect = "NoExecute";
  bool replaced = false;
  for (api::Toleration& t : pod.spec.tolerations) {
    if (t.key.empty() && t.operator_ == all.operator_ && t.value.empty() &&
        t.effect == all.effect) {
      t = all;
      replaced = true;
    }
  }
  if (!replaced) pod.spec.tolerations.push_back(all);
  pod.status.phase = "Pending";
}

}  // namespace

base::Result<api::Pod> StaticPodFromManifest(const std::string& path, std::string_view content,
                                             const std::string& node_name, base::TimePoint seen) {
  ASSIGN_OR_RETURN(std::vector<api::YamlDocument> docs, api::ParseYamlDocuments(content, path));
  if (docs.empty()) {
    return base::InvalidError("{}: no pod in the file: a static pod manifest holds one Pod", path);
  }
  if (docs.size() > 1) {
    return base::InvalidError(
        "{}: {} documents: a static pod manifest holds exactly one Pod (one file per pod)", path,
        docs.size());
  }
  const api::YamlDocument& doc = docs.front();

  // Only a single Pod: the kubelet's file source refuses other kinds and Lists (a PodList is
  // accepted from a manifest URL only, which cubelet does not serve). Checked before decoding
  // so the message is about the kind, not about fields another kind happens to lack.
  const std::string kind = StringField(doc.json, "kind");
  const std::string api_version = StringField(doc.json, "apiVersion");
  if (kind != "Pod" || api_version != "v1") {
    const std::string found =
        kind.empty()
            ? std::string("no kind")
            : fmt::format("kind {} (apiVersion {})", api::GoQuote(kind), api::GoQuote(api_version));
    return base::InvalidError(
        "{}: {}: a static pod manifest holds one Pod (apiVersion: v1, kind: Pod)",
        doc.lines.Locate("kind"), found);
  }

  api::Manifest manifest{api::Object(api::Pod{}), doc.lines, {}};
  manifest.errors = api::DecodeObject(doc.json, &*manifest.object);
  api::Pod& pod = std::get<api::Pod>(*manifest.object);
  if (!manifest.errors.empty()) return ManifestErrors(doc.lines, manifest.errors);
  // The name is where the static pod's name comes from; there is no API server to generate one.
  if (pod.metadata.name.empty()) {
    return ManifestErrors(
        doc.lines, {api::Required(api::FieldPath("metadata").Child("name"),
                                  "a static pod needs a name (generateName is not supported)")});
  }

  // Hash the pod as the API would store it, so spelling out a default changes nothing.
  api::SetDefaults(pod);
  const std::string canonical = api::EncodeJson(pod).dump();
  ASSIGN_OR_RETURN(std::string hash, Md5Hex({"host:", node_name, "file:", path, canonical}));
  // A UID written in the manifest is kept, as the kubelet does (only an empty UID is generated);
  // the config hash is the UID either way.
  const std::string uid = pod.metadata.uid.empty() ? hash : pod.metadata.uid;
  ApplyStaticPodDefaults(pod, uid, node_name, seen);

  // Validation sees the final pod: the generated name, namespace and annotations included.
  const api::FieldErrors errs = api::CheckManifest(manifest);
  if (!errs.empty()) return ManifestErrors(doc.lines, errs);
  return std::get<api::Pod>(std::move(*manifest.object));
}

}  // namespace cubelet::node
