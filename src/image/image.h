// The image service: everything between an image reference in a pod spec and read-only layer
// directories ready to be stacked with overlayfs.
//
// Pieces (each behind an interface so the node agent's tests can use fakes):
// - References: api::ParseImageReference (the distribution grammar, shared with defaulting).
// - HttpTransport: one HTTP exchange; the real one is libcurl (http_curl.cc).
// - RegistryClient: the distribution API over an HttpTransport with anonymous, Basic and Bearer
//   auth, mirrors and per-host settings (registries.yaml), digest verification while streaming.
// - ContentStore: content-addressed blobs under <root>/blobs/sha256, written atomically; a blob
//   is visible only after its digest and size were verified.
// - Layer store: unpacked layers keyed by chain ID under <root>/layers/<chainid>/fs, in
//   overlayfs form (whiteouts as 0:0 character devices, opaque dirs as the trusted.overlay.opaque
//   xattr), so one layer shared by ten images is stored and unpacked once.
// - ImageStore: reference → image record (manifest digest, config, chain IDs), one JSON file per
//   image, replaced atomically; survives restarts.
// - ImageService: pull (with pull policy), list, remove, prune; concurrent pulls of one image
//   share one download.
//
// Thread-safety: ImageService is safe to use from many threads; the stores serialize their own
// writers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/image_ref.h"
#include "base/clock.h"
#include "base/status.h"

namespace cubelet::image {

// ---- OCI / Docker vocabulary ---------------------------------------------------------------

namespace media {
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kDockerList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerSchema1 =
    "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view kDockerSchema1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
// The Accept header of every manifest request: all four types, so registries never fall back
// to schema 1 or answer 404 for an OCI manifest.
std::string ManifestAccept();
bool IsIndex(std::string_view media_type);
bool IsManifest(std::string_view media_type);
}  // namespace media

// "sha256:<64 lowercase hex>"; sha512 is accepted too.
struct Digest {
  std::string algorithm;
  std::string hex;
  static base::Result<Digest> Parse(std::string_view text);
  std::string String() const { return algorithm + ":" + hex; }
  bool operator==(const Digest&) const = default;
};

// sha256 of bytes, as "sha256:<hex>".
std::string Sha256Digest(std::string_view bytes);

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  bool operator==(const Platform&) const = default;
};

// The platform this process runs on (normalized: amd64, arm64, arm/v7, ...).
Platform HostPlatform();

struct Descriptor {
  std::string media_type;
  std::string digest;
  int64_t size = 0;
  std::vector<std::string> urls;
  std::optional<Platform> platform;
  std::map<std::string, std::string> annotations;
};

struct Manifest {  // OCI image manifest or Docker schema 2 manifest
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
};

struct Index {  // OCI index or Docker manifest list
  std::string media_type;
  std::vector<Descriptor> manifests;
};

// The parts of the image config a container runtime and the kubelet use.
struct ImageConfig {
  std::string os;
  std::string architecture;
  std::string variant;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string working_dir;
  std::string user;
  std::vector<std::string> exposed_ports;  // "8080/tcp"
  std::string stop_signal;
  std::map<std::string, std::string> labels;
  std::vector<std::string> diff_ids;
};

// Parsers for the documents above; they refuse schema 1 with a clear message and report the
// media type they found. `content_type` is the HTTP Content-Type (parameters ignored), used
// when the body has no mediaType.
base::Result<Manifest> ParseManifest(std::string_view body, std::string_view content_type);
base::Result<Index> ParseIndex(std::string_view body, std::string_view content_type);
base::Result<ImageConfig> ParseImageConfig(std::string_view body);
// "index", "manifest" or an error for a document of another kind.
base::Result<std::string> SniffManifestKind(std::string_view body, std::string_view content_type);

// Picks the entry of an index for `platform` (skipping attestation manifests and entries of
// unknown media type); NotFound "no matching manifest for linux/amd64 in the manifest list
// entries" when none fits.
base::Result<Descriptor> SelectPlatform(const Index& index, const Platform& platform);

// ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
std::vector<std::string> ChainIds(const std::vector<std::string>& diff_ids);

}  // namespace cubelet::image

namespace cubelet::image {

// ---- authentication ------------------------------------------------------------------------

// One challenge of a WWW-Authenticate header (RFC 7235): `Bearer realm="…",service="…"`.
struct Challenge {
  std::string scheme;                         // lower-cased: "basic", "bearer"
  std::map<std::string, std::string> params;  // keys lower-cased
};
// Parses every challenge of a header value; quoted values may hold ',', ':' and '/'.
base::Result<std::vector<Challenge>> ParseWwwAuthenticate(std::string_view header);

struct Credential {
  std::string username;
  std::string password;
  std::string identity_token;  // a refresh token (config.json "identitytoken")
  bool operator==(const Credential&) const = default;
};

// Registry credentials matched to images the way the kubelet's keyring does it: keys may carry
// a scheme, a path prefix and '*' globs per DNS label; the port must match; more specific keys
// come first and every match is returned so the caller can try each.
class Keyring {
 public:
  // A docker config.json ({"auths": {...}}) or a legacy .dockercfg (the bare auths map), as
  // found in kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg secrets. `auth`
  // (base64 "user:password", split at the first ':') wins over username/password.
  static base::Result<Keyring> FromDockerConfig(std::string_view json);
  void Add(std::string key, Credential cred);
  void Merge(const Keyring& other);
  std::vector<Credential> Lookup(const api::ImageReference& ref) const;
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<std::pair<std::string, Credential>> entries_;
};

}  // namespace cubelet::image

namespace cubelet::image {

// ---- HTTP ----------------------------------------------------------------------------------

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // TLS settings for https URLs.
  bool tls_verify = true;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // Range start for resumed downloads (0 = whole body).
  int64_t range_start = 0;
  int timeout_seconds = 300;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;                                          // empty when the body went to a sink
  // The first value of a header (name in any case), or "".
  std::string Header(std::string_view name) const;
};

// Receives a 2xx response body chunk by chunk, with the response status (so a sink can tell a
// 206 partial answer from a 200 that ignored a Range request); an error aborts the transfer.
using BodySink = std::function<base::Status(int status, std::string_view chunk)>;

// One HTTP exchange. Redirects are NOT followed: the registry client follows them itself so it
// can drop credentials when the host changes.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Performs `req`. With a sink, a 2xx body is streamed to it and not kept (other statuses keep
  // their body for error messages). Fails with Unavailable when the connection fails.
  virtual base::Result<HttpResponse> Do(const HttpRequest& req, const BodySink* sink) = 0;
};

// The libcurl transport.
std::unique_ptr<HttpTransport> NewCurlTransport();

}  // namespace cubelet::image

namespace cubelet::image {

// ---- the image service -----------------------------------------------------------------------

// Reports bytes received so far for one blob (progress bars). Called from download threads.
using ProgressFn = std::function<void(const Descriptor& blob, int64_t done)>;

// A pulled image as recorded on disk.
struct ImageRecord {
  std::string name;                 // normalized reference: "docker.io/library/busybox:latest"
  std::string repo_digest;          // "docker.io/library/busybox@sha256:..." (index or manifest):
                                    // what the kubelet reports as status.imageID
  std::string manifest_digest;      // the platform manifest
  std::string config_digest;        // the image ID
  std::vector<std::string> layers;  // compressed layer digests, lowest first
  std::vector<std::string> chain_ids;  // unpacked layer keys, lowest first
  int64_t size = 0;                    // sum of compressed layer sizes
  ImageConfig config;
  int64_t pulled_at_unix = 0;
};

// Kubernetes container waiting reasons a failed Ensure() maps to; carried as the reason of the
// Status's first cause so the node agent reports them verbatim.
inline constexpr std::string_view kReasonErrImagePull = "ErrImagePull";
inline constexpr std::string_view kReasonErrImageNeverPull = "ErrImageNeverPull";
inline constexpr std::string_view kReasonInvalidImageName = "InvalidImageName";
// The reason of a failed Ensure() ("ErrImagePull" when none was attached).
std::string FailureReason(const base::Status& status);

struct PullOptions {
  std::string policy = "IfNotPresent";  // "Always", "IfNotPresent" or "Never"
  Keyring keyring;                      // from imagePullSecrets and the node's config.json
  ProgressFn progress;
  std::optional<Platform> platform;  // default: HostPlatform()
};

struct EnsureResult {
  ImageRecord image;
  bool pulled = false;  // false when the local image was used without contacting a registry
};

struct PruneReport {
  std::vector<std::string> images_removed;
  int64_t bytes_freed = 0;
};

class ImageService {
 public:
  virtual ~ImageService() = default;
  // The kubelet's EnsureImageExists: applies `options.policy` (Always resolves the tag and
  // downloads only what is missing; IfNotPresent uses a local image; Never fails with
  // ErrImageNeverPull when there is none). Concurrent calls for one image share one pull.
  virtual base::Result<EnsureResult> Ensure(std::string_view image, const PullOptions& options) = 0;
  virtual base::Result<std::optional<ImageRecord>> Get(std::string_view image) = 0;
  virtual base::Result<std::vector<ImageRecord>> List() = 0;
  // Removes the image record and every blob and layer no other image uses.
  virtual base::Status Remove(std::string_view image) = 0;
  // Removes images not named in `in_use` (normalized names or repo digests), then unused
  // content.
  virtual base::Result<PruneReport> Prune(const std::vector<std::string>& in_use) = 0;
  // The unpacked layer directories of an image, lowest first (overlayfs lowerdir order is the
  // reverse).
  virtual std::vector<std::string> LayerDirs(const ImageRecord& image) const = 0;
};

// The registries file (mirrors, per-host auth and TLS; see registry.h for the format).
class RegistryConfig;
using RegistryConfigPtr = std::shared_ptr<const RegistryConfig>;
base::Result<RegistryConfigPtr> LoadRegistries(const std::string& path);
base::Result<RegistryConfigPtr> ParseRegistries(std::string_view yaml, std::string_view file_name);

struct ImageServiceOptions {
  std::string root;  // <data-dir>/images
  HttpTransport* http = nullptr;
  base::Clock* clock = nullptr;
  RegistryConfigPtr registries;  // may be null: defaults
  int parallel_downloads = 3;
};

base::Result<std::unique_ptr<ImageService>> NewImageService(const ImageServiceOptions& options);

}  // namespace cubelet::image
