#include "image/content_store.h"

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "image/image.h"
#include "image/sha256.h"

namespace cubelet::image {
namespace {

struct FdCloser {
  void operator()(const int* fd) const {
    if (fd != nullptr && *fd >= 0) ::close(*fd);
    delete fd;
  }
};

base::Status MkdirAll(const std::string& path) {
  std::string p;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || (path[i] == '/' && i > 0)) {
      p = path.substr(0, i);
      if (::mkdir(p.c_str(), 0700) != 0 && errno != EEXIST) {
        return base::ErrnoError(errno, "mkdir " + p);
      }
    }
  }
  return {};
}

base::Status FsyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return base::ErrnoError(errno, "open " + dir);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return base::ErrnoError(err, "fsync " + dir);
  return {};
}

class FileIngest final : public Ingest {
 public:
  FileIngest(int fd, std::string partial, std::string final_path, std::string digest, int64_t size,
             int64_t offset)
      : fd_(fd),
        partial_(std::move(partial)),
        final_(std::move(final_path)),
        digest_(std::move(digest)),
        size_(size),
        offset_(offset) {}
  ~FileIngest() override {
    // An empty partial file is useless for a resume; a non-empty one stays for the next try.
    if (!committed_ && offset_ == 0) ::unlink(partial_.c_str());
    if (fd_ >= 0) ::close(fd_);  // also releases the flock
  }

  base::Status Rehash() {
    hash_.Reset();
    if (::lseek(fd_, 0, SEEK_SET) < 0) return base::ErrnoError(errno, "seek " + partial_);
    char buf[1 << 16];
    int64_t total = 0;
    while (true) {
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n < 0) return base::ErrnoError(errno, "read " + partial_);
      if (n == 0) break;
      hash_.Update(std::string_view(buf, static_cast<size_t>(n)));
      total += n;
    }
    offset_ = total;
    return {};
  }

  int64_t offset() const override { return offset_; }

  base::Status Write(std::string_view chunk) override {
    if (offset_ + static_cast<int64_t>(chunk.size()) > size_) {
      return base::InvalidError("blob {} is larger than the {} bytes its descriptor says", digest_,
                                size_);
    }
    size_t done = 0;
    while (done < chunk.size()) {
      const ssize_t n = ::write(fd_, chunk.data() + done, chunk.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return base::ErrnoError(errno, "write " + partial_);
      }
      done += static_cast<size_t>(n);
    }
    hash_.Update(chunk);
    offset_ += static_cast<int64_t>(chunk.size());
    return {};
  }

  base::Status Reset() override {
    if (::ftruncate(fd_, 0) != 0) return base::ErrnoError(errno, "truncate " + partial_);
    if (::lseek(fd_, 0, SEEK_SET) < 0) return base::ErrnoError(errno, "seek " + partial_);
    hash_.Reset();
    offset_ = 0;
    return {};
  }

  base::Status Commit() override {
    if (offset_ != size_) {
      Discard();
      return base::InvalidError("blob {}: size {} does not match the expected {}", digest_, offset_,
                                size_);
    }
    const std::string got = hash_.Final();
    if (got != digest_) {
      Discard();
      return base::InvalidError("blob digest mismatch: expected {}, got {}", digest_, got);
    }
    if (::fsync(fd_) != 0) return base::ErrnoError(errno, "fsync " + partial_);
    if (::fchmod(fd_, 0444) != 0) return base::ErrnoError(errno, "chmod " + partial_);
    if (::rename(partial_.c_str(), final_.c_str()) != 0) {
      return base::ErrnoError(errno, "rename " + partial_);
    }
    committed_ = true;
    return FsyncDir(final_.substr(0, final_.rfind('/')));
  }

 private:
  void Discard() { ::unlink(partial_.c_str()); }

  int fd_;
  std::string partial_;
  std::string final_;
  std::string digest_;
  int64_t size_;
  int64_t offset_;
  bool committed_ = false;
  Sha256Hasher hash_;
};

}  // namespace

ContentStore::ContentStore(std::string root) : root_(std::move(root)) {}

base::Status ContentStore::Init() const {
  RETURN_IF_ERROR(MkdirAll(root_ + "/blobs/sha256"));
  return MkdirAll(root_ + "/ingest");
}

std::string ContentStore::Path(std::string_view digest) const {
  const size_t colon = digest.find(':');
  return fmt::format("{}/blobs/{}/{}", root_, digest.substr(0, colon), digest.substr(colon + 1));
}

bool ContentStore::Has(std::string_view digest) const {
  if (!Digest::Parse(digest).ok()) return false;
  struct stat st {};
  return ::stat(Path(digest).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

base::Result<std::string> ContentStore::Read(std::string_view digest, int64_t max_size) const {
  RETURN_IF_ERROR(Digest::Parse(digest).status());
  const std::string path = Path(digest);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return base::ErrnoError(errno, "open blob " + std::string(digest));
  std::unique_ptr<int, FdCloser> guard(new int(fd));
  struct stat st {};
  if (::fstat(fd, &st) != 0) return base::ErrnoError(errno, "stat " + path);
  if (st.st_size > max_size) {
    return base::InvalidError("blob {} is {} bytes, more than the {} allowed", digest, st.st_size,
                              max_size);
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0) return base::ErrnoError(errno, "read " + path);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return out;
}

base::Status ContentStore::Put(std::string_view digest, std::string_view bytes) const {
  if (Has(digest)) return {};
  ASSIGN_OR_RETURN(std::unique_ptr<Ingest> ingest,
                   Begin(digest, static_cast<int64_t>(bytes.size())));
  if (Has(digest)) return {};
  RETURN_IF_ERROR(ingest->Reset());
  RETURN_IF_ERROR(ingest->Write(bytes));
  return ingest->Commit();
}

base::Result<std::unique_ptr<Ingest>> ContentStore::Begin(std::string_view digest,
                                                          int64_t size) const {
  ASSIGN_OR_RETURN(Digest d, Digest::Parse(digest));
  if (d.algorithm != "sha256") {
    return base::Error(base::Code::kUnimplemented, "cannot verify {} digests", d.algorithm);
  }
  const std::string partial = fmt::format("{}/ingest/{}.partial", root_, d.hex);
  int fd = -1;
  while (true) {
    fd = ::open(partial.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return base::ErrnoError(errno, "open " + partial);
    // One writer per digest across threads and processes (two pods pulling the same layer).
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        const int err = errno;
        ::close(fd);
        return base::ErrnoError(err, "lock " + partial);
      }
    }
    // The previous holder may have committed (renamed our inode to the blob) or discarded the
    // file while we waited: writing through this fd would then corrupt the published blob.
    struct stat by_fd {
    }, by_path{};
    if (::fstat(fd, &by_fd) == 0 && ::stat(partial.c_str(), &by_path) == 0 &&
        by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev) {
      break;
    }
    ::close(fd);
  }
  auto ingest =
      std::make_unique<FileIngest>(fd, partial, Path(digest), std::string(digest), size, 0);
  // Resume: hash what an earlier attempt already wrote.
  RETURN_IF_ERROR(ingest->Rehash());
  if (ingest->offset() > size) RETURN_IF_ERROR(ingest->Reset());
  if (::lseek(fd, 0, SEEK_END) < 0) return base::ErrnoError(errno, "seek " + partial);
  return std::unique_ptr<Ingest>(std::move(ingest));
}

base::Status ContentStore::Delete(std::string_view digest) const {
  RETURN_IF_ERROR(Digest::Parse(digest).status());
  if (::unlink(Path(digest).c_str()) != 0 && errno != ENOENT) {
    return base::ErrnoError(errno, "remove blob " + std::string(digest));
  }
  return {};
}

base::Result<std::vector<std::string>> ContentStore::List() const {
  std::vector<std::string> out;
  const std::string dir = root_ + "/blobs/sha256";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return out;
    return base::ErrnoError(errno, "open " + dir);
  }
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() == 64) out.push_back("sha256:" + name);
  }
  ::closedir(d);
  return out;
}

}  // namespace cubelet::image
