// ImageService: pull policy, the pull itself (resolve → manifest → config → layers → unpack →
// record), and garbage collection of unused blobs and layers.
#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "api/field_errors.h"
#include "image/content_store.h"
#include "image/image_store.h"
#include "image/registry.h"
#include "image/unpack.h"

namespace cubelet::image {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMaxConfigSize = 8 << 20;

base::Status WithReason(const base::Status& s, std::string_view reason) {
  return base::Status(s.code(), s.message(), s.sys_errno(),
                      {base::StatusCause{std::string(reason), s.message(), "image"}});
}

class Service final : public ImageService {
 public:
  Service(const ImageServiceOptions& o)
      : root_(o.root),
        clock_(*o.clock),
        content_(o.root + "/content"),
        records_(o.root + "/images"),
        registry_(*o.http, o.registries, *o.clock),
        parallel_(std::max(1, o.parallel_downloads)) {}

  base::Status Init() {
    std::error_code ec;
    fs::create_directories(root_ + "/layers", ec);
    if (ec) return base::ErrnoError(ec.value(), "mkdir " + root_ + "/layers");
    RETURN_IF_ERROR(content_.Init());
    RETURN_IF_ERROR(records_.Init());
    // Unpacks interrupted by a crash leave tmp-* directories: nothing refers to them.
    for (const auto& e : fs::directory_iterator(root_ + "/layers", ec)) {
      if (e.path().filename().string().starts_with("tmp-")) fs::remove_all(e.path(), ec);
    }
    return {};
  }

  base::Result<EnsureResult> Ensure(std::string_view image, const PullOptions& options) override {
    auto ref = api::ParseImageReference(image);
    if (!ref.ok()) {
      return WithReason(
          base::InvalidError("Failed to apply default image tag {}: couldn't parse image name "
                             "{}: {}",
                             api::GoQuote(image), api::GoQuote(image), ref.status().message()),
          kReasonInvalidImageName);
    }
    const std::string name = ref->WithDefaultTag();
    if (options.policy != "Always") {
      ASSIGN_OR_RETURN(std::optional<ImageRecord> local, records_.Get(name));
      if (local && LayersPresent(*local)) return EnsureResult{*local, false};
      if (options.policy == "Never") {
        return WithReason(base::NotFoundError("Container image {} is not present with pull "
                                              "policy of Never",
                                              api::GoQuote(image)),
                          kReasonErrImageNeverPull);
      }
    }
    auto pulled = PullShared(*ref, name, options);
    if (!pulled.ok()) return WithReason(pulled.status(), kReasonErrImagePull);
    return EnsureResult{*pulled, true};
  }

  base::Result<std::optional<ImageRecord>> Get(std::string_view image) override {
    ASSIGN_OR_RETURN(api::ImageReference ref, api::ParseImageReference(image));
    return records_.Get(ref.WithDefaultTag());
  }

  base::Result<std::vector<ImageRecord>> List() override { return records_.List(); }

  base::Status Remove(std::string_view image) override {
    ASSIGN_OR_RETURN(api::ImageReference ref, api::ParseImageReference(image));
    std::lock_guard gc(gc_mu_);
    ASSIGN_OR_RETURN(std::optional<ImageRecord> rec, records_.Get(ref.WithDefaultTag()));
    if (!rec) return base::NotFoundError("image {} not found", ref.WithDefaultTag());
    RETURN_IF_ERROR(records_.Remove(rec->name));
    int64_t freed = 0;
    return CollectGarbage(&freed);
  }

  base::Result<PruneReport> Prune(const std::vector<std::string>& in_use) override {
    std::lock_guard gc(gc_mu_);
    PruneReport report;
    ASSIGN_OR_RETURN(std::vector<ImageRecord> all, records_.List());
    std::set<std::string> keep;
    for (const std::string& u : in_use) {
      auto ref = api::ParseImageReference(u);
      keep.insert(ref.ok() ? ref->WithDefaultTag() : u);
      keep.insert(u);
    }
    for (const ImageRecord& r : all) {
      if (keep.count(r.name) || keep.count(r.repo_digest)) continue;
      RETURN_IF_ERROR(records_.Remove(r.name));
      report.images_removed.push_back(r.name);
    }
    RETURN_IF_ERROR(CollectGarbage(&report.bytes_freed));
    return report;
  }

  std::vector<std::string> LayerDirs(const ImageRecord& image) const override {
    std::vector<std::string> dirs;
    for (const std::string& chain : image.chain_ids) dirs.push_back(LayerDir(chain) + "/fs");
    return dirs;
  }

 private:
  std::string LayerDir(const std::string& chain_id) const {
    return root_ + "/layers/" + chain_id.substr(chain_id.find(':') + 1);
  }

  bool LayersPresent(const ImageRecord& r) const {
    for (const std::string& chain : r.chain_ids) {
      struct stat st {};
      if (::stat((LayerDir(chain) + "/fs").c_str(), &st) != 0) return false;
    }
    return true;
  }

  // One pull per image name at a time; later callers wait for the running one and share its
  // result (two pods starting with the same image).
  base::Result<ImageRecord> PullShared(const api::ImageReference& ref, const std::string& name,
                                       const PullOptions& options) {
    std::shared_future<base::Result<ImageRecord>> fut;
    std::promise<base::Result<ImageRecord>> promise;
    bool leader = false;
    {
      std::lock_guard lock(mu_);
      auto it = inflight_.find(name);
      if (it != inflight_.end()) {
        fut = it->second;
      } else {
        fut = promise.get_future().share();
        inflight_.emplace(name, fut);
        leader = true;
      }
    }
    if (!leader) return fut.get();
    base::Result<ImageRecord> result = Pull(ref, name, options);
    promise.set_value(result);
    std::lock_guard lock(mu_);
    inflight_.erase(name);
    return result;
  }

  base::Result<ImageRecord> Pull(const api::ImageReference& ref, const std::string& name,
                                 const PullOptions& options) {
    const Keyring& keys = options.keyring;
    ASSIGN_OR_RETURN(Descriptor top, registry_.Resolve(ref, keys));
    ASSIGN_OR_RETURN(std::string top_body, FetchDocument(ref, top, keys));
    std::string content_type = top.media_type;
    ASSIGN_OR_RETURN(std::string kind, SniffManifestKind(top_body, content_type));
    Descriptor manifest_desc = top;
    std::string manifest_body = top_body;
    if (kind == "index") {
      ASSIGN_OR_RETURN(Index index, ParseIndex(top_body, content_type));
      ASSIGN_OR_RETURN(manifest_desc,
                       SelectPlatform(index, options.platform.value_or(HostPlatform())));
      ASSIGN_OR_RETURN(manifest_body, FetchDocument(ref, manifest_desc, keys));
      ASSIGN_OR_RETURN(std::string child_kind,
                       SniffManifestKind(manifest_body, manifest_desc.media_type));
      if (child_kind != "manifest") {
        return base::Error(base::Code::kUnimplemented, "nested image indexes are not supported");
      }
    }
    ASSIGN_OR_RETURN(Manifest manifest, ParseManifest(manifest_body, manifest_desc.media_type));
    if (manifest.config.size > kMaxConfigSize) {
      return base::InvalidError("image config {} is too large ({} bytes)", manifest.config.digest,
                                manifest.config.size);
    }
    RETURN_IF_ERROR(FetchBlobToStore(ref, manifest.config, keys, nullptr));
    ASSIGN_OR_RETURN(std::string config_body,
                     content_.Read(manifest.config.digest, kMaxConfigSize));
    ASSIGN_OR_RETURN(ImageConfig config, ParseImageConfig(config_body));
    if (config.diff_ids.size() != manifest.layers.size()) {
      return base::InvalidError("image config lists {} diff_ids for {} layers",
                                config.diff_ids.size(), manifest.layers.size());
    }
    const std::vector<std::string> chains = ChainIds(config.diff_ids);
    RETURN_IF_ERROR(DownloadLayers(ref, manifest, chains, keys, options.progress));
    RETURN_IF_ERROR(UnpackLayers(manifest, config, chains));

    ImageRecord rec;
    rec.name = name;
    rec.repo_digest = ref.Name() + "@" + top.digest;
    rec.manifest_digest = manifest_desc.digest;
    rec.config_digest = manifest.config.digest;
    for (const Descriptor& l : manifest.layers) {
      rec.layers.push_back(l.digest);
      rec.size += l.size;
    }
    rec.chain_ids = chains;
    rec.config = std::move(config);
    rec.pulled_at_unix =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
    std::lock_guard gc(gc_mu_);
    RETURN_IF_ERROR(records_.Put(rec));
    return rec;
  }

  // A manifest or index: from the store when present, else from the registry (then stored).
  base::Result<std::string> FetchDocument(const api::ImageReference& ref, Descriptor& desc,
                                          const Keyring& keys) {
    if (content_.Has(desc.digest)) return content_.Read(desc.digest);
    std::string content_type;
    ASSIGN_OR_RETURN(std::string body, registry_.FetchManifest(ref, desc, keys, &content_type));
    if (desc.media_type.empty()) desc.media_type = content_type.substr(0, content_type.find(';'));
    RETURN_IF_ERROR(content_.Put(desc.digest, body));
    return body;
  }

  base::Status FetchBlobToStore(const api::ImageReference& ref, const Descriptor& desc,
                                const Keyring& keys, const ProgressFn* progress) {
    for (int attempt = 0;; ++attempt) {
      if (content_.Has(desc.digest)) return {};
      ASSIGN_OR_RETURN(std::unique_ptr<Ingest> ingest, content_.Begin(desc.digest, desc.size));
      if (content_.Has(desc.digest)) return {};  // another pull committed it while we waited
      const bool resumed = ingest->offset() > 0;
      RETURN_IF_ERROR(registry_.FetchBlob(ref, desc, *ingest, keys,
                                          progress != nullptr ? *progress : ProgressFn()));
      base::Status committed = ingest->Commit();
      // A partial file left by a crashed pull may hold garbage; Commit discarded it, so one
      // more attempt downloads the blob from the start.
      if (committed.ok() || !resumed || attempt > 0) return committed;
    }
  }

  // Downloads the layers whose unpacked form is missing, `parallel_` at a time.
  base::Status DownloadLayers(const api::ImageReference& ref, const Manifest& manifest,
                              const std::vector<std::string>& chains, const Keyring& keys,
                              const ProgressFn& progress) {
    std::vector<const Descriptor*> todo;
    for (size_t i = 0; i < manifest.layers.size(); ++i) {
      struct stat st {};
      if (::stat((LayerDir(chains[i]) + "/fs").c_str(), &st) == 0) continue;
      if (!content_.Has(manifest.layers[i].digest)) todo.push_back(&manifest.layers[i]);
    }
    std::mutex mu;
    size_t next = 0;
    base::Status first_error;
    auto worker = [&] {
      while (true) {
        const Descriptor* d = nullptr;
        {
          std::lock_guard lock(mu);
          if (next >= todo.size() || !first_error.ok()) return;
          d = todo[next++];
        }
        base::Status s = FetchBlobToStore(ref, *d, keys, progress ? &progress : nullptr);
        if (!s.ok()) {
          std::lock_guard lock(mu);
          if (first_error.ok()) first_error = s.WithContext("layer " + d->digest);
        }
      }
    };
    std::vector<std::thread> threads;
    const size_t n = std::min<size_t>(static_cast<size_t>(parallel_), todo.size());
    for (size_t i = 0; i < n; ++i) threads.emplace_back(worker);
    for (std::thread& t : threads) t.join();
    return first_error;
  }

  // Unpacks missing layers in order into <layers>/<chain>/fs, each through a tmp-* directory
  // renamed into place once its diff_id checked out.
  base::Status UnpackLayers(const Manifest& manifest, const ImageConfig& config,
                            const std::vector<std::string>& chains) {
    std::lock_guard lock(unpack_mu_);
    std::vector<std::string> lowers;  // top-most first, as UnpackLayer wants them
    for (size_t i = 0; i < manifest.layers.size(); ++i) {
      const std::string dir = LayerDir(chains[i]);
      struct stat st {};
      if (::stat((dir + "/fs").c_str(), &st) != 0) {
        const std::string tmp =
            fmt::format("{}/layers/tmp-{}-{}", root_, chains[i].substr(7, 12), ::getpid());
        std::error_code ec;
        fs::remove_all(tmp, ec);
        fs::create_directories(tmp + "/fs", ec);
        if (ec) return base::ErrnoError(ec.value(), "mkdir " + tmp);
        auto result = UnpackLayer(content_.Path(manifest.layers[i].digest), tmp + "/fs", lowers,
                                  UnpackOptions{::geteuid() == 0});
        if (!result.ok()) {
          fs::remove_all(tmp, ec);
          return result.status().WithContext("unpack layer " + manifest.layers[i].digest);
        }
        if (result->diff_id != config.diff_ids[i]) {
          fs::remove_all(tmp, ec);
          return base::InvalidError("layer {} unpacks to diff_id {}, but the image config says {}",
                                    manifest.layers[i].digest, result->diff_id, config.diff_ids[i]);
        }
        if (::rename(tmp.c_str(), dir.c_str()) != 0) {
          const int err = errno;
          fs::remove_all(tmp, ec);
          if (err != EEXIST && err != ENOTEMPTY) return base::ErrnoError(err, "rename " + tmp);
        }
      }
      lowers.insert(lowers.begin(), dir + "/fs");
    }
    return {};
  }

  // Deletes blobs and layers no image record refers to. Caller holds gc_mu_.
  base::Status CollectGarbage(int64_t* freed) {
    ASSIGN_OR_RETURN(std::vector<ImageRecord> all, records_.List());
    std::set<std::string> blobs, layers;
    for (const ImageRecord& r : all) {
      blobs.insert(r.repo_digest.substr(r.repo_digest.find('@') + 1));
      blobs.insert(r.manifest_digest);
      blobs.insert(r.config_digest);
      blobs.insert(r.layers.begin(), r.layers.end());
      for (const std::string& c : r.chain_ids) layers.insert(c.substr(c.find(':') + 1));
    }
    ASSIGN_OR_RETURN(std::vector<std::string> stored, content_.List());
    for (const std::string& d : stored) {
      if (blobs.count(d)) continue;
      std::error_code ec;
      *freed += static_cast<int64_t>(fs::file_size(content_.Path(d), ec));
      RETURN_IF_ERROR(content_.Delete(d));
    }
    std::lock_guard lock(unpack_mu_);
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root_ + "/layers", ec)) {
      const std::string n = e.path().filename().string();
      if (n.size() == 64 && !layers.count(n)) fs::remove_all(e.path(), ec);
    }
    return {};
  }

  std::string root_;
  base::Clock& clock_;
  ContentStore content_;
  ImageStore records_;
  RegistryClient registry_;
  int parallel_;
  std::mutex mu_;
  std::map<std::string, std::shared_future<base::Result<ImageRecord>>> inflight_;  // by mu_
  std::mutex unpack_mu_;  // one unpack at a time: layers build on each other
  std::mutex gc_mu_;      // record writes vs garbage collection
};

}  // namespace

std::string FailureReason(const base::Status& status) {
  if (!status.causes().empty() && !status.causes()[0].reason.empty()) {
    return status.causes()[0].reason;
  }
  return std::string(kReasonErrImagePull);
}

base::Result<std::unique_ptr<ImageService>> NewImageService(const ImageServiceOptions& options) {
  if (options.http == nullptr || options.clock == nullptr || options.root.empty()) {
    return base::InvalidError("image service needs a root directory, a transport and a clock");
  }
  auto svc = std::make_unique<Service>(options);
  RETURN_IF_ERROR(svc->Init());
  return std::unique_ptr<ImageService>(std::move(svc));
}

}  // namespace cubelet::image
