// Internals of the layer unpacker (unpack.h): reads a layer blob as a sequence of tar entries
// while hashing the decompressed stream (diff_id) in the same pass.
//
// Two libarchive readers are chained: the outer one has the "raw" format and the gzip or zstd
// filter chosen from the magic bytes, so it yields the decompressed bytes; each block is hashed
// and handed to the inner reader (tar format, no filter) through its read callback.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

#include "base/status.h"

struct archive;

namespace cubelet::image::unpack_internal {

enum class Compression { kNone, kGzip, kZstd };

// Chooses the decompressor from the first bytes of a blob: 1f 8b is gzip, 28 b5 2f fd zstd,
// anything else plain tar.
Compression DetectCompression(const unsigned char* head, size_t size);

// One tar entry, decoupled from libarchive.
struct TarEntry {
  enum class Kind { kFile, kDir, kSymlink, kHardlink, kChar, kBlock, kFifo, kSocket };
  Kind kind = Kind::kFile;
  std::string path;  // as written in the archive
  std::string link;  // symlink target, or the archive-relative hard-link target
  mode_t perm = 0;   // 07777 bits
  int64_t uid = 0;
  int64_t gid = 0;
  struct timespec mtime {};
  struct timespec atime {};  // mtime when the archive has none
  dev_t rdev = 0;
  int64_t size = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

class LayerStream {
 public:
  ~LayerStream();
  LayerStream(const LayerStream&) = delete;
  LayerStream& operator=(const LayerStream&) = delete;

  static base::Result<std::unique_ptr<LayerStream>> Open(const std::string& blob_path);

  // Reads the next header into `entry`; false at the end of the archive. Non-fatal libarchive
  // warnings are appended to `warnings`.
  base::Result<bool> Next(TarEntry* entry, std::vector<std::string>* warnings);

  // Writes the data of the current entry to `fd` (a new regular file), holes included; `size`
  // is the entry's size from its header.
  base::Status CopyData(int fd, int64_t size, const std::string& what);

  // After Next returned false: hashes whatever follows the tar end-of-archive marker and
  // returns ("sha256:<hex>", uncompressed size).
  base::Result<std::pair<std::string, int64_t>> Finish();

 private:
  struct Feed;
  LayerStream();
  base::Status InnerError(std::string_view what) const;

  std::unique_ptr<Feed> feed_;  // outer reader + hash, shared with the inner read callback
  archive* inner_ = nullptr;
};

}  // namespace cubelet::image::unpack_internal
