#include "runtime/shared/rootfs.h"

#include <cerrno>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace cubelet::runtime {

int OpenInRoot(int dirfd, const std::string& path, uint64_t flags) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  // Scoped to the container root: "..", absolute symlinks and magic links in the image cannot
  // send a mount outside of it.
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how));
}

std::vector<std::string> PathComponents(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// An O_PATH descriptor of `path` inside the root `rootfd`, creating missing directories (and
// the last component as an empty file when `file`). -1 with errno set.
int ResolveInRoot(int rootfd, const std::string& path, bool create, bool file) {
  std::vector<std::string> parts = PathComponents(path);
  if (parts.empty()) return OpenInRoot(rootfd, ".", O_PATH | O_DIRECTORY);
  std::string sub;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string parent = sub.empty() ? "." : sub;
    sub += (sub.empty() ? "" : "/") + parts[i];
    bool last = i + 1 == parts.size();
    int fd = OpenInRoot(rootfd, sub, O_PATH);
    if (fd >= 0) {
      if (last) return fd;
      close(fd);
      continue;
    }
    if (errno != ENOENT || !create) return -1;
    int pfd = OpenInRoot(rootfd, parent, O_PATH | O_DIRECTORY);
    if (pfd < 0) return -1;
    int rc;
    if (last && file) {
      rc = openat(pfd, parts[i].c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (rc >= 0) close(rc);
    } else {
      rc = mkdirat(pfd, parts[i].c_str(), 0755);
    }
    int saved = errno;
    close(pfd);
    if (rc < 0 && saved != EEXIST) {
      errno = saved;
      return -1;
    }
    fd = OpenInRoot(rootfd, sub, O_PATH);
    if (fd < 0) return -1;
    if (last) return fd;
    close(fd);
  }
  errno = ENOENT;
  return -1;
}

}  // namespace cubelet::runtime
