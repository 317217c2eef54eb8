// FollowContainerLog: kubectl logs -f over the files CriLogWriter writes.
//
// The log is read as a chain of files: the rotated ones oldest first, then the live one. The
// file being read is held open, so neither a rotation (rename) nor containerLogMaxFiles
// (unlink) takes it away, and reading goes on at the exact offset where it stopped. Once the
// log's path names another file, the held one is read to its end (the writer renames a file
// only after its last write to it) and reading goes on with its successor: the next rotated
// file, or the live file when no rotated one is newer. One CriLogParser sees all the bytes, so
// the lines are those ReadCriLogSet makes of the same records.
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include "runtime/runtime.h"
#include "runtime/shared/crilog.h"

namespace cubelet::runtime {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
// Writes to the live file, the new file of a rotation and the renames themselves.
constexpr uint32_t kWatchMask = IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO;

struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId&) const = default;
};

// One file of the log, held open, and how far it has been read.
class LogFile {
 public:
  LogFile() = default;
  LogFile(LogFile&& other) noexcept
      : name(std::move(other.name)),
        id(other.id),
        offset(other.offset),
        fd_(std::exchange(other.fd_, -1)) {}
  LogFile& operator=(LogFile&& other) noexcept {
    std::swap(name, other.name);
    std::swap(id, other.id);
    std::swap(offset, other.offset);
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~LogFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Returns 0 or the errno of the failure.
  int Open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return err;
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    name = path;
    id = FileId{st.st_dev, st.st_ino};
    offset = 0;
    return 0;
  }
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  std::string name;  // what it was called when opened
  FileId id;
  int64_t offset = 0;

 private:
  int fd_ = -1;
};

// The order ListRotatedCriLogs gives: the rotation time in the name, then its ".<n>" suffix
// (up to nine digits, checked by the listing). An empty name comes before all.
std::pair<std::string_view, uint64_t> RotationKey(const std::string& path,
                                                  std::string_view rotated) {
  if (rotated.size() <= path.size() + 1) return {};
  const std::string_view suffix = rotated.substr(path.size() + 1);  // YYYYMMDD-HHMMSS[.n]
  uint64_t n = 0;
  for (const char ch : suffix.substr(std::min<size_t>(suffix.size(), 16))) {
    n = n * 10 + static_cast<uint64_t>(ch - '0');
  }
  return {suffix.substr(0, 15), n};
}

class Follower {
 public:
  Follower(const std::string& path, const LogFollowOptions& options,
           const std::function<bool()>& cancelled,
           const std::function<bool(std::string_view line)>& sink)
      : path_(path), options_(options), cancelled_(cancelled), sink_(sink) {
    read_.timestamps = options.read.timestamps;
    read_.tail_lines = options.read.tail_lines;
    read_.since_unix_ns = options.read.since_unix_ns;
    read_.limit_bytes = options.read.limit_bytes;
  }
  ~Follower() {
    if (inotify_fd_ >= 0) ::close(inotify_fd_);
  }
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  base::Status ReadExisting();
  base::Status Follow(const std::function<bool()>& still_running);

 private:
  base::Status OpenExisting(std::vector<LogFile>* files);
  base::Status Read(LogFile* file, int64_t end, CriLogParser* parser);
  std::optional<FileId> PathId() const;
  base::Status CatchUp();
  bool LiveFileChanged() const;
  base::Status OpenSuccessor(LogFile* next);
  void Watch();
  void DrainEvents();
  void Wait();

  const std::string& path_;
  const LogFollowOptions& options_;
  const std::function<bool()>& cancelled_;
  const std::function<bool(std::string_view line)>& sink_;
  CriLogReadOptions read_;
  std::optional<CriLogParser> parser_;
  LogFile current_;
  // The newest rotated file read or passed over: successors are newer than it.
  std::string newest_rotated_;
  std::vector<char> buffer_ = std::vector<char>(kReadChunk);
  int inotify_fd_ = -1;  // -1: no inotify, only the poll period
  bool stop_ = false;    // cancelled, the sink said stop or limit_bytes reached
};

// Feeds the file from its offset up to `end` (-1: its current end) to the parser.
base::Status Follower::Read(LogFile* file, int64_t end, CriLogParser* parser) {
  while (!stop_ && (end < 0 || file->offset < end)) {
    // Asked per chunk, so that a long backlog does not delay a cancellation.
    if (cancelled_()) {
      stop_ = true;
      break;
    }
    size_t want = buffer_.size();
    if (end >= 0) want = std::min<size_t>(want, static_cast<size_t>(end - file->offset));
    const ssize_t n = ::pread(file->fd(), buffer_.data(), want, file->offset);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      return base::ErrnoError(err, "reading " + file->name);
    }
    if (n == 0) break;
    file->offset += n;
    if (!parser->Add(std::string_view(buffer_.data(), static_cast<size_t>(n)))) stop_ = true;
  }
  return base::Status::Ok();
}

// Opens the files of the log as it is now: the rotated ones, oldest first, then the live one
// (unless a rotation is just creating it).
base::Status Follower::OpenExisting(std::vector<LogFile>* files) {
  // Tries again when the listing and the live file disagree, which takes two rotations within
  // the microseconds in between; after a few tries the order is taken as it is.
  for (int attempt = 1;; ++attempt) {
    files->clear();
    newest_rotated_.clear();
    // The live file is opened before the rotated ones are listed: if it is rotated in
    // between, it shows among them, and the files after it are left to the following part,
    // which finds them as its successors.
    LogFile live;
    const int live_err = live.Open(path_);
    if (live_err != 0 && live_err != ENOENT) return base::ErrnoError(live_err, "opening " + path_);
    bool listed = false;
    for (const std::string& name : ListRotatedCriLogs(path_)) {
      LogFile file;
      const int err = file.Open(name);
      if (err == ENOENT) continue;  // removed (containerLogMaxFiles) since it was listed
      if (err != 0) return base::ErrnoError(err, "opening " + name);
      newest_rotated_ = name;
      if (live.is_open() && file.id == live.id) {
        listed = true;
        break;
      }
      files->push_back(std::move(file));
    }
    if (!live.is_open()) {
      // Between a rotation's rename and the creation of the new file the rotated files are
      // the whole log; the new file is found as their successor.
      if (files->empty()) return base::ErrnoError(live_err, "opening " + path_);
      return base::Status::Ok();
    }
    // Neither listed nor at the path any more: rotated and removed already, so some of the
    // listed files may be newer than it.
    const std::optional<FileId> at_path = PathId();
    const bool consistent = listed || (at_path && *at_path == live.id);
    files->push_back(std::move(live));
    if (consistent || attempt == 3) return base::Status::Ok();
  }
}

base::Status Follower::ReadExisting() {
  std::vector<LogFile> files;
  RETURN_IF_ERROR(OpenExisting(&files));

  // As ReadCriLogSet does for a tail: count the lines, then skip all but the last N. The
  // counting pass ends every file at its last newline; the second pass stops there too, and
  // the live file is followed from that very offset.
  std::vector<int64_t> ends(files.size(), -1);
  int64_t skip = 0;
  if (read_.tail_lines && *read_.tail_lines >= 0) {
    CriLogParser counter(read_, nullptr);
    for (size_t i = 0; i < files.size(); ++i) {
      RETURN_IF_ERROR(Read(&files[i], -1, &counter));
      if (stop_) return base::Status::Ok();
      ends[i] = files[i].offset - static_cast<int64_t>(counter.held());
      files[i].offset = 0;
      counter.EndFile();
    }
    // An unfinished last line counts as one of the N: it is sent once it is complete.
    counter.Finish();
    skip = std::max<int64_t>(0, counter.lines() - *read_.tail_lines);
  }
  parser_.emplace(
      read_, [this](CriStream, std::string_view text) { return sink_(text); }, skip);
  stop_ = parser_->done();  // limit_bytes of zero: nothing to send
  for (size_t i = 0; i < files.size(); ++i) {
    RETURN_IF_ERROR(Read(&files[i], ends[i], &*parser_));
    if (stop_) return base::Status::Ok();
    if (i + 1 < files.size()) parser_->EndFile();
  }
  current_ = std::move(files.back());
  return base::Status::Ok();
}

std::optional<FileId> Follower::PathId() const {
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0) return std::nullopt;
  return FileId{st.st_dev, st.st_ino};
}

// Whether the log's path names another file than the one being read: the writer rotated it
// (or, when the current file is a rotated one, there is more to read elsewhere). A missing
// path is the moment between the rename and the creation of the new file.
bool Follower::LiveFileChanged() const {
  const std::optional<FileId> at_path = PathId();
  return at_path && *at_path != current_.id;
}

// Opens the file that came after the current one; leaves `next` closed when it is not there
// yet (mid-rotation).
base::Status Follower::OpenSuccessor(LogFile* next) {
  for (;;) {
    // Opened before the listing: a file rotated before this one was created is listed, so
    // when no listed file is newer than the current one, this one comes next.
    LogFile live;
    const int live_err = live.Open(path_);
    if (live_err != 0 && live_err != ENOENT) return base::ErrnoError(live_err, "opening " + path_);
    const std::vector<std::string> rotated = ListRotatedCriLogs(path_);
    for (const std::string& name : rotated) {
      struct stat st;
      if (::stat(name.c_str(), &st) == 0 && FileId{st.st_dev, st.st_ino} == current_.id &&
          RotationKey(path_, name) > RotationKey(path_, newest_rotated_)) {
        newest_rotated_ = name;  // the name the current file was rotated to
      }
    }
    // Files older than the current one were read (or removed, oldest first) already.
    const auto newer =
        std::find_if(rotated.begin(), rotated.end(), [this](const std::string& name) {
          return RotationKey(path_, name) > RotationKey(path_, newest_rotated_);
        });
    if (newer == rotated.end()) {
      if (live.is_open() && live.id != current_.id) *next = std::move(live);
      return base::Status::Ok();
    }
    LogFile file;
    const int err = file.Open(*newer);
    // Removed since it was listed (containerLogMaxFiles): passed over, its lines are gone.
    newest_rotated_ = *newer;
    if (err == ENOENT) continue;
    if (err != 0) return base::ErrnoError(err, "opening " + *newer);
    *next = std::move(file);
    return base::Status::Ok();
  }
}

// Reads the current file to its end, and on through the files that came after it.
base::Status Follower::CatchUp() {
  for (;;) {
    RETURN_IF_ERROR(Read(&current_, -1, &*parser_));
    if (stop_ || !LiveFileChanged()) return base::Status::Ok();
    // Written before the rename, after the read above.
    RETURN_IF_ERROR(Read(&current_, -1, &*parser_));
    if (stop_) return base::Status::Ok();
    LogFile next;
    RETURN_IF_ERROR(OpenSuccessor(&next));
    if (!next.is_open()) return base::Status::Ok();
    parser_->EndFile();
    current_ = std::move(next);
  }
}

void Follower::Watch() {
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) return;
  const size_t slash = path_.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path_.substr(0, slash));
  // Without a watch (fs.inotify.max_user_watches reached, say) the poll period alone remains.
  if (::inotify_add_watch(inotify_fd_, dir.c_str(), kWatchMask) < 0) {
    ::close(inotify_fd_);
    inotify_fd_ = -1;
  }
}

// The events only say "look again"; what changed is found by reading.
void Follower::DrainEvents() {
  if (inotify_fd_ < 0) return;
  alignas(struct inotify_event) char buf[4096];
  for (;;) {
    const ssize_t n = ::read(inotify_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // EAGAIN: none left
  }
}

void Follower::Wait() {
  const int64_t ms = std::clamp<int64_t>(options_.poll.count(), 1, INT_MAX);
  struct pollfd pfd = {inotify_fd_, POLLIN, 0};
  // EINTR: the caller's loop looks again, as after a timeout.
  ::poll(&pfd, inotify_fd_ >= 0 ? 1 : 0, static_cast<int>(ms));
}

base::Status Follower::Follow(const std::function<bool()>& still_running) {
  if (stop_) return base::Status::Ok();
  Watch();
  for (;;) {
    if (cancelled_()) return base::Status::Ok();
    // Asked before reading: everything written before the container exited is then in the
    // files, and is read before the end is taken as the end.
    const bool running = still_running();
    // Before reading, so that what is written during the read wakes the next Wait.
    DrainEvents();
    RETURN_IF_ERROR(CatchUp());
    if (stop_) return base::Status::Ok();
    if (!running) {
      parser_->Finish();
      return base::Status::Ok();
    }
    Wait();
  }
}

}  // namespace

base::Status FollowContainerLog(const std::string& log_path, const LogFollowOptions& options,
                                const std::function<bool()>& still_running,
                                const std::function<bool()>& cancelled,
                                const std::function<bool(std::string_view line)>& sink) {
  Follower follower(log_path, options, cancelled, sink);
  RETURN_IF_ERROR(follower.ReadExisting());
  return follower.Follow(still_running);
}

}  // namespace cubelet::runtime
