#include "image/unpack_stream.h"

#include <algorithm>
#include <archive_entry.h>
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include <archive.h>
#include <fmt/format.h>

#include "image/sha256.h"
#include "image/unpack_fs.h"

namespace cubelet::image::unpack_internal {

Compression DetectCompression(const unsigned char* head, size_t size) {
  if (size >= 2 && head[0] == 0x1f && head[1] == 0x8b) return Compression::kGzip;
  if (size >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd) {
    return Compression::kZstd;
  }
  return Compression::kNone;
}

// The outer reader (decompressed bytes) and the running hash, handed to the inner reader's
// read callback.
struct LayerStream::Feed {
  UniqueFd file;
  archive* outer = nullptr;
  Sha256Hasher sha;
  int64_t size = 0;
  bool eof = false;
  std::string error;  // why the outer reader failed, reported instead of the inner's echo

  ~Feed() {
    if (outer != nullptr) archive_read_free(outer);
  }

  // The next block of decompressed bytes, hashed; 0 at the end, -1 on error.
  la_ssize_t Read(archive* reader, const void** buf) {
    while (!eof) {
      size_t n = 0;
      la_int64_t offset = 0;
      const int r = archive_read_data_block(outer, buf, &n, &offset);
      if (r == ARCHIVE_EOF) break;
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
        error = archive_error_string(outer) ? archive_error_string(outer) : "decompression failed";
        if (reader != nullptr) archive_set_error(reader, EIO, "%s", error.c_str());
        return -1;
      }
      if (n == 0) continue;
      sha.Update(std::string_view(static_cast<const char*>(*buf), n));
      size += static_cast<int64_t>(n);
      return static_cast<la_ssize_t>(n);
    }
    eof = true;
    return 0;
  }

  static la_ssize_t ReadCallback(archive* reader, void* self, const void** buf) {
    return static_cast<Feed*>(self)->Read(reader, buf);
  }
};

LayerStream::LayerStream() : feed_(std::make_unique<Feed>()) {}

LayerStream::~LayerStream() {
  if (inner_ != nullptr) archive_read_free(inner_);
}

namespace {

base::Status ArchiveError(archive* a, std::string_view what) {
  const char* msg = archive_error_string(a);
  return base::InvalidError("{}: {}", what, msg != nullptr ? msg : "unknown libarchive error");
}

}  // namespace

base::Result<std::unique_ptr<LayerStream>> LayerStream::Open(const std::string& blob_path) {
  std::unique_ptr<LayerStream> s(new LayerStream());
  Feed& f = *s->feed_;
  f.file = UniqueFd(::open(blob_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!f.file.valid()) return base::ErrnoError(errno, "open layer " + blob_path);
  unsigned char head[4] = {};
  const ssize_t got = ::pread(f.file.get(), head, sizeof(head), 0);
  if (got < 0) return base::ErrnoError(errno, "read layer " + blob_path);

  f.outer = archive_read_new();
  if (f.outer == nullptr) return base::InternalError("archive_read_new failed");
  archive_read_support_format_raw(f.outer);
  // The filter is forced (not bid) so a damaged header is reported as such, and nothing but
  // gzip and zstd is ever decoded.
  switch (DetectCompression(head, static_cast<size_t>(got))) {
    case Compression::kGzip:
      if (archive_read_append_filter(f.outer, ARCHIVE_FILTER_GZIP) != ARCHIVE_OK) {
        return ArchiveError(f.outer, "gzip");
      }
      break;
    case Compression::kZstd:
      if (archive_read_append_filter(f.outer, ARCHIVE_FILTER_ZSTD) != ARCHIVE_OK) {
        return ArchiveError(f.outer, "zstd");
      }
      break;
    case Compression::kNone:
      break;
  }
  if (archive_read_open_fd(f.outer, f.file.get(), 64 * 1024) != ARCHIVE_OK) {
    return ArchiveError(f.outer, "read layer " + blob_path);
  }
  archive_entry* raw = nullptr;
  if (archive_read_next_header(f.outer, &raw) != ARCHIVE_OK) {
    return ArchiveError(f.outer, "read layer " + blob_path);
  }

  s->inner_ = archive_read_new();
  if (s->inner_ == nullptr) return base::InternalError("archive_read_new failed");
  archive_read_support_format_tar(s->inner_);  // ustar, pax, gnu
  if (archive_read_open(s->inner_, &f, nullptr, &Feed::ReadCallback, nullptr) != ARCHIVE_OK) {
    return s->InnerError("read layer " + blob_path);
  }
  return s;
}

base::Status LayerStream::InnerError(std::string_view what) const {
  if (!feed_->error.empty()) return base::InvalidError("{}: {}", what, feed_->error);
  return ArchiveError(inner_, what);
}

namespace {

// Names are taken as raw bytes when libarchive can give them in the current locale, else as
// the UTF-8 a PAX header stored.
const char* PreferRaw(const char* mbs, const char* utf8) { return mbs != nullptr ? mbs : utf8; }

TarEntry::Kind KindOf(archive_entry* e) {
  if (archive_entry_hardlink(e) != nullptr || archive_entry_hardlink_utf8(e) != nullptr) {
    return TarEntry::Kind::kHardlink;
  }
  switch (archive_entry_filetype(e)) {
    case AE_IFDIR:
      return TarEntry::Kind::kDir;
    case AE_IFLNK:
      return TarEntry::Kind::kSymlink;
    case AE_IFCHR:
      return TarEntry::Kind::kChar;
    case AE_IFBLK:
      return TarEntry::Kind::kBlock;
    case AE_IFIFO:
      return TarEntry::Kind::kFifo;
    case AE_IFSOCK:
      return TarEntry::Kind::kSocket;
    default:
      return TarEntry::Kind::kFile;
  }
}

base::Status Convert(archive_entry* e, TarEntry* out) {
  const char* path = PreferRaw(archive_entry_pathname(e), archive_entry_pathname_utf8(e));
  if (path == nullptr) return base::InvalidError("tar entry without a readable name");
  out->path = path;
  out->kind = KindOf(e);
  const char* link = nullptr;
  if (out->kind == TarEntry::Kind::kHardlink) {
    link = PreferRaw(archive_entry_hardlink(e), archive_entry_hardlink_utf8(e));
  } else if (out->kind == TarEntry::Kind::kSymlink) {
    link = PreferRaw(archive_entry_symlink(e), archive_entry_symlink_utf8(e));
    if (link == nullptr) return base::InvalidError("{}: symlink without a readable target", path);
  }
  out->link = link != nullptr ? link : "";
  out->perm = archive_entry_perm(e) & 07777;
  out->uid = archive_entry_uid(e);
  out->gid = archive_entry_gid(e);
  out->mtime = {archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
  out->atime = archive_entry_atime_is_set(e)
                   ? timespec{archive_entry_atime(e), archive_entry_atime_nsec(e)}
                   : out->mtime;
  out->rdev = archive_entry_rdev(e);
  out->size = archive_entry_size(e);
  out->xattrs.clear();
  archive_entry_xattr_reset(e);
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    out->xattrs.emplace_back(name, std::string(static_cast<const char*>(value), size));
  }
  return {};
}

base::Status PwriteAll(int fd, const char* data, size_t size, int64_t offset,
                       const std::string& what) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::ErrnoError(errno, "write " + what);
    }
    data += n;
    size -= static_cast<size_t>(n);
    offset += n;
  }
  return {};
}

}  // namespace

base::Result<bool> LayerStream::Next(TarEntry* entry, std::vector<std::string>* warnings) {
  archive_entry* e = nullptr;
  const int r = archive_read_next_header(inner_, &e);
  if (r == ARCHIVE_EOF) return false;
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return InnerError("read tar header");
  RETURN_IF_ERROR(Convert(e, entry));
  if (r == ARCHIVE_WARN) {
    const char* msg = archive_error_string(inner_);
    warnings->push_back(fmt::format("{}: {}", entry->path, msg != nullptr ? msg : "warning"));
  }
  return true;
}

base::Status LayerStream::CopyData(int fd, int64_t size, const std::string& what) {
  int64_t end = 0;
  for (;;) {
    const void* buf = nullptr;
    size_t n = 0;
    la_int64_t offset = 0;
    const int r = archive_read_data_block(inner_, &buf, &n, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return InnerError("read " + what);
    RETURN_IF_ERROR(PwriteAll(fd, static_cast<const char*>(buf), n, offset, what));
    end = std::max<int64_t>(end, offset + static_cast<int64_t>(n));
  }
  // A sparse file may end in a hole: extend it to the size the header declares.
  if (end < size && ::ftruncate(fd, size) != 0) return base::ErrnoError(errno, "truncate " + what);
  return {};
}

base::Result<std::pair<std::string, int64_t>> LayerStream::Finish() {
  const void* buf = nullptr;
  while (feed_->Read(nullptr, &buf) > 0) {
  }
  if (!feed_->error.empty()) return base::InvalidError("read layer: {}", feed_->error);
  return std::make_pair(feed_->sha.Final(), feed_->size);
}

}  // namespace cubelet::image::unpack_internal
