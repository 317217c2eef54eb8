// Whole-file reads and crash-safe replacement of small files.
#include "base/file.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cubelet::base {
namespace {

// Closes the descriptor on every return path.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now, so that a failed close (a lost write on some file systems) can be reported.
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// The file's contents, or nullopt when it does not exist. Any other failure (EACCES, EIO) is an
// error: treating an unreadable file as missing would replace a CA the operator still has.
}  // namespace

Result<std::optional<std::string>> ReadFileIfExists(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return base::ErrnoError(errno, "open " + path);
  }
  std::string data;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return base::ErrnoError(errno, "read " + path);
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  return std::optional<std::string>(std::move(data));
}

namespace {

Status FsyncDirOf(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return base::ErrnoError(errno, "open " + dir);
  if (::fsync(fd.get()) != 0) return base::ErrnoError(errno, "fsync " + dir);
  return Status::Ok();
}

// Replaces `path` so that a crash leaves either the old or the new contents, never a torn file
// (a half-written key would otherwise be "unparsable" and silently replaced, or worse, a
// half-written CA would be an error on every start).
}  // namespace

Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const std::string tmp = path + ".tmp";
  // A leftover from a crash would keep its old mode through O_TRUNC; start from a new inode.
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) {
    return base::ErrnoError(errno, "remove " + tmp);
  }
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) return base::ErrnoError(errno, "create " + tmp);
  auto fail = [&](std::string_view op) {
    Status status = base::ErrnoError(errno, std::string(op) + " " + tmp);
    ::unlink(tmp.c_str());
    return status;
  };
  // The umask may have narrowed the mode given to open; certificates are meant to be readable.
  if (::fchmod(fd.get(), mode) != 0) return fail("chmod");
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("fsync");
  if (fd.Close() != 0) return fail("close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status status = base::ErrnoError(errno, "rename " + tmp + " to " + path);
    ::unlink(tmp.c_str());
    return status;
  }
  // The rename itself is durable only once the directory is.
  return FsyncDirOf(dir);
}

}  // namespace cubelet::base
