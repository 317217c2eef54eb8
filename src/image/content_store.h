// ContentStore: content-addressed blobs (manifests, configs, compressed layers) under
// <root>/blobs/<algorithm>/<hex>. A blob becomes visible only through Ingest::Commit, which
// checks its size and digest, fsyncs it and renames it into place, so a crash in the middle of
// a pull leaves at most a partial file under <root>/ingest/ (used to resume the download),
// never a blob that a later pod would trust.
//
// Thread- and process-safety: ingests of one digest are serialized with flock on the partial
// file; readers need no lock (a committed blob is immutable).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cubelet::image {

class Ingest {
 public:
  virtual ~Ingest() = default;
  // Bytes already in the partial file: the Range offset to resume the download from.
  virtual int64_t offset() const = 0;
  virtual base::Status Write(std::string_view chunk) = 0;
  // Starts over (the server ignored the Range request).
  virtual base::Status Reset() = 0;
  // Verifies size and digest, then publishes the blob. On a mismatch the partial file is
  // removed and the error says which check failed.
  virtual base::Status Commit() = 0;
};

class ContentStore {
 public:
  explicit ContentStore(std::string root);
  // Creates the directories.
  base::Status Init() const;

  bool Has(std::string_view digest) const;
  std::string Path(std::string_view digest) const;
  // Reads a committed blob of at most `max_size` bytes (manifests, configs).
  base::Result<std::string> Read(std::string_view digest, int64_t max_size = 4 << 20) const;
  // Verifies and stores small content whose bytes are in memory.
  base::Status Put(std::string_view digest, std::string_view bytes) const;
  // Starts (or resumes) writing the blob `digest` of `size` bytes. Blocks while another
  // writer holds the same digest; afterwards the caller should check Has() again.
  base::Result<std::unique_ptr<Ingest>> Begin(std::string_view digest, int64_t size) const;
  base::Status Delete(std::string_view digest) const;
  // Every committed digest ("sha256:...").
  base::Result<std::vector<std::string>> List() const;
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

}  // namespace cubelet::image
