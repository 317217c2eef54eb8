#include "runtime/host.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "runtime/runtime.h"
#include "runtime/shared/wire.h"

namespace cubelet::runtime::host {
namespace {

using base::Code;
using base::Status;

// Octal escapes of mountinfo paths ("\040" for a space).
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      bool ok = true;
      for (size_t j = 1; ok && j <= 3; ++j) {
        char c = s[i + j];
        ok = c >= '0' && c <= '7';
        v = v * 8 + (c - '0');
      }
      if (ok) {
        out += static_cast<char>(v);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

Status RemoveTree(int parent, const char* name, dev_t dev, const std::string& path) {
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::Ok();
    if (errno == ENOTDIR || errno == ELOOP) {
      if (unlinkat(parent, name, 0) != 0 && errno != ENOENT) {
        return base::ErrnoError(errno, "removing " + path);
      }
      return Status::Ok();
    }
    return base::ErrnoError(errno, "opening " + path);
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_dev != dev) {
    close(fd);
    return Status(Code::kInternal,
                  fmt::format("refusing to remove {}: another filesystem is mounted there", path));
  }
  DIR* d = fdopendir(fd);
  if (d == nullptr) {
    close(fd);
    return base::ErrnoError(errno, "reading " + path);
  }
  Status result;
  while (dirent* e = readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    std::string child = path + "/" + e->d_name;
    if (e->d_type == DT_DIR) {
      result = RemoveTree(dirfd(d), e->d_name, dev, child);
    } else if (unlinkat(dirfd(d), e->d_name, 0) != 0 && errno != ENOENT) {
      if (errno == EISDIR) {
        result = RemoveTree(dirfd(d), e->d_name, dev, child);
      } else {
        result = base::ErrnoError(errno, "removing " + child);
      }
    }
    if (!result.ok()) break;
  }
  closedir(d);
  if (!result.ok()) return result;
  if (unlinkat(parent, name, AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return base::ErrnoError(errno, "removing " + path);
  }
  return Status::Ok();
}

}  // namespace

Status MkdirAll(const std::string& path, int mode) {
  std::string sub;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    sub = path.substr(0, pos);
    if (sub.empty()) continue;
    if (mkdir(sub.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
      return base::ErrnoError(errno, "creating directory " + sub);
    }
  }
  if (!IsDirectory(path)) return Status(Code::kInvalid, path + " exists and is not a directory");
  return Status::Ok();
}

Status WriteFile(const std::string& path, std::string_view data, int mode) {
  if (!wire::WriteFileAtomic(path, data, mode)) return base::ErrnoError(errno, "writing " + path);
  return Status::Ok();
}

base::Result<std::string> ReadFile(const std::string& path) {
  std::string out;
  if (!wire::ReadFile(path, &out)) return base::ErrnoError(errno, "reading " + path);
  return out;
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> MountsUnder(const std::string& dir) {
  std::vector<std::string> out;
  auto text = ReadFile("/proc/self/mountinfo");
  if (!text.ok()) return out;
  std::string prefix = dir;
  while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
  size_t start = 0;
  const std::string& t = *text;
  while (start < t.size()) {
    size_t end = t.find('\n', start);
    if (end == std::string::npos) end = t.size();
    std::string_view line(t.data() + start, end - start);
    start = end + 1;
    // Field 5 is the mount point.
    size_t pos = 0;
    for (int i = 0; i < 4 && pos != std::string_view::npos; ++i) {
      pos = line.find(' ', pos);
      if (pos != std::string_view::npos) ++pos;
    }
    if (pos == std::string_view::npos) continue;
    size_t stop = line.find(' ', pos);
    std::string point = Unescape(line.substr(pos, stop - pos));
    if (point == prefix || point.rfind(prefix + "/", 0) == 0) out.push_back(point);
  }
  std::sort(out.begin(), out.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Status RemoveAll(const std::string& dir) {
  if (!Exists(dir)) return Status::Ok();
  // A path mounted twice shows up twice; unmount until nothing is left under dir.
  for (int round = 0; round < 8; ++round) {
    auto mounts = MountsUnder(dir);
    if (mounts.empty()) break;
    for (const auto& m : mounts) RETURN_IF_ERROR(Unmount(m));
  }
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0) return Status::Ok();
  size_t slash = dir.rfind('/');
  if (slash == std::string::npos) return Status(Code::kInvalid, "not an absolute path: " + dir);
  std::string parent = slash == 0 ? std::string("/") : dir.substr(0, slash);
  std::string name = dir.substr(slash + 1);
  int pfd = open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (pfd < 0) return base::ErrnoError(errno, fmt::format("opening {}", parent));
  Status s = RemoveTree(pfd, name.c_str(), st.st_dev, dir);
  close(pfd);
  return s;
}

Status Mount(const std::string& source, const std::string& target, const std::string& type,
             unsigned long flags, const std::string& data) {
  if (mount(source.c_str(), target.c_str(), type.empty() ? nullptr : type.c_str(), flags,
            data.empty() ? nullptr : data.c_str()) != 0) {
    return base::ErrnoError(errno,
                            fmt::format("mounting {} on {}", type.empty() ? source : type, target));
  }
  return Status::Ok();
}

Status Unmount(const std::string& target) {
  if (umount2(target.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return base::ErrnoError(errno, "unmounting " + target);
  }
  return Status::Ok();
}

std::string RandomId() {
  unsigned char bytes[32];
  size_t done = 0;
  while (done < sizeof bytes) {
    ssize_t n = getrandom(bytes + done, sizeof bytes - done, 0);
    if (n > 0) done += static_cast<size_t>(n);
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

uint64_t ProcessStartTime(int pid) {
  if (pid <= 0) return 0;
  auto text = ReadFile(fmt::format("/proc/{}/stat", pid));
  if (!text.ok()) return 0;
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  size_t pos = text->rfind(')');
  if (pos == std::string::npos) return 0;
  int field = 2;
  while (field < 22 && pos != std::string::npos) {
    pos = text->find(' ', pos + 1);
    ++field;
  }
  if (pos == std::string::npos) return 0;
  // A zombie still has a stat file; it counts as gone.
  size_t state_pos = text->find(')') + 2;
  if (state_pos < text->size() && (*text)[state_pos] == 'Z') return 0;
  return std::strtoull(text->c_str() + pos + 1, nullptr, 10);
}

bool ProcessAlive(int pid, uint64_t start_time) {
  return start_time != 0 && ProcessStartTime(pid) == start_time;
}

}  // namespace cubelet::runtime::host

namespace cubelet::runtime {

int64_t HostMemoryBytes() {
  auto text = host::ReadFile("/proc/meminfo");
  if (!text.ok()) return 0;
  size_t pos = text->find("MemTotal:");
  if (pos == std::string::npos) return 0;
  return std::strtoll(text->c_str() + pos + 9, nullptr, 10) * 1024;  // the file says kB
}

}  // namespace cubelet::runtime
