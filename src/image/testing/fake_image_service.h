// FakeImageService: an in-memory ImageService for the node agent's unit tests. Tests only.
//
// Images are "present" once added with AddImage (or after a successful pull); Ensure applies
// the pull policy exactly as the real service does (Always pulls, IfNotPresent pulls when
// absent, Never fails with ErrImageNeverPull), and a pull succeeds when the reference was
// made pullable with AddRemote, failing otherwise with ErrImagePull (or the error injected
// with FailPulls). Every Ensure is recorded with the policy it was given.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/image_ref.h"
#include "base/status.h"
#include "image/image.h"

namespace cubelet::image {

class FakeImageService final : public ImageService {
 public:
  struct EnsureCall {
    std::string image;
    std::string policy;
    bool pulled = false;
    bool ok = false;
  };

  // A local image (present without pulling).
  void AddImage(std::string_view ref, ImageConfig config = {}) {
    std::lock_guard lock(mu_);
    local_[Normalize(ref)] = Record(ref, std::move(config));
  }
  // An image the "registry" has: pulls of it succeed.
  void AddRemote(std::string_view ref, ImageConfig config = {}) {
    std::lock_guard lock(mu_);
    remote_[Normalize(ref)] = Record(ref, std::move(config));
  }
  void RemoveRemote(std::string_view ref) {
    std::lock_guard lock(mu_);
    remote_.erase(Normalize(ref));
  }
  // The next `n` pulls of `ref` fail with `status` even if the registry has it.
  void FailPulls(std::string_view ref, int n, base::Status status) {
    std::lock_guard lock(mu_);
    for (int i = 0; i < n; ++i) failures_[Normalize(ref)].push_back(status);
  }
  std::vector<EnsureCall> Calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  int PullCount() const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& c : calls_) n += c.pulled ? 1 : 0;
    return n;
  }

  base::Result<EnsureResult> Ensure(std::string_view image, const PullOptions& options) override {
    std::lock_guard lock(mu_);
    std::string key = Normalize(image);
    EnsureCall call{std::string(image), options.policy, false, false};
    auto local = local_.find(key);
    bool present = local != local_.end();
    if (options.policy == "Never" || (options.policy == "IfNotPresent" && present)) {
      if (!present) {
        calls_.push_back(call);
        return base::Status(base::Code::kNotFound,
                            "Container image \"" + std::string(image) +
                                "\" is not present with pull policy of Never",
                            0, {base::StatusCause{std::string(kReasonErrImageNeverPull), "", ""}});
      }
      call.ok = true;
      calls_.push_back(call);
      return EnsureResult{local->second, false};
    }
    call.pulled = true;
    auto& failures = failures_[key];
    if (!failures.empty()) {
      base::Status st = failures.front();
      failures.erase(failures.begin());
      calls_.push_back(call);
      return st;
    }
    auto remote = remote_.find(key);
    if (remote == remote_.end()) {
      calls_.push_back(call);
      return base::Status(base::Code::kNotFound,
                          "failed to pull " + std::string(image) + ": manifest unknown", 0,
                          {base::StatusCause{std::string(kReasonErrImagePull), "", ""}});
    }
    local_[key] = remote->second;
    call.ok = true;
    calls_.push_back(call);
    return EnsureResult{remote->second, true};
  }
  base::Result<std::optional<ImageRecord>> Get(std::string_view image) override {
    std::lock_guard lock(mu_);
    auto it = local_.find(Normalize(image));
    if (it == local_.end()) return std::optional<ImageRecord>();
    return std::optional<ImageRecord>(it->second);
  }
  base::Result<std::vector<ImageRecord>> List() override {
    std::lock_guard lock(mu_);
    std::vector<ImageRecord> out;
    for (const auto& [k, v] : local_) out.push_back(v);
    return out;
  }
  base::Status Remove(std::string_view image) override {
    std::lock_guard lock(mu_);
    local_.erase(Normalize(image));
    return base::Status::Ok();
  }
  base::Result<PruneReport> Prune(const std::vector<std::string>&) override {
    return PruneReport{};
  }
  std::vector<std::string> LayerDirs(const ImageRecord&) const override { return {}; }

 private:
  static std::string Normalize(std::string_view ref) {
    auto parsed = api::ParseImageReference(ref);
    return parsed.ok() ? parsed->String() : std::string(ref);
  }
  static ImageRecord Record(std::string_view ref, ImageConfig config) {
    ImageRecord r;
    r.name = Normalize(ref);
    r.config_digest = Sha256Digest("config:" + r.name);
    r.manifest_digest = Sha256Digest("manifest:" + r.name);
    auto parsed = api::ParseImageReference(ref);
    std::string repo = parsed.ok() ? parsed->Name() : r.name;
    r.repo_digest = repo + "@" + r.manifest_digest;
    r.config = std::move(config);
    return r;
  }

  mutable std::mutex mu_;
  std::map<std::string, ImageRecord> local_;
  std::map<std::string, ImageRecord> remote_;
  std::map<std::string, std::vector<base::Status>> failures_;
  std::vector<EnsureCall> calls_;
};

}  // namespace cubelet::image
