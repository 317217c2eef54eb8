#include "image/unpack_fs.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fmt/format.h>

namespace cubelet::image::unpack_internal {

void UniqueFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

// ---- pure name handling ----------------------------------------------------------------------

std::vector<std::string> CleanPath(std::string_view name) {
  std::vector<std::string> comps;
  size_t pos = 0;
  while (pos <= name.size()) {
    size_t slash = name.find('/', pos);
    if (slash == std::string_view::npos) slash = name.size();
    const std::string_view comp = name.substr(pos, slash - pos);
    pos = slash + 1;
    if (comp.empty() || comp == ".") continue;
    if (comp == "..") {
      if (!comps.empty()) comps.pop_back();  // at the root, ".." stays at the root
      continue;
    }
    comps.emplace_back(comp);
  }
  return comps;
}

std::string JoinPath(const std::vector<std::string>& comps, size_t n) {
  std::string out;
  for (size_t i = 0; i < comps.size() && i < n; ++i) {
    if (i > 0) out += '/';
    out += comps[i];
  }
  return out;
}

base::Result<NameKind> ClassifyName(const std::vector<std::string>& comps, std::string* hidden) {
  for (const std::string& c : comps) {
    // Old Docker exported AUFS' hard-link directory and bookkeeping files; they carry no
    // content of the image.
    if (c.starts_with(kWhiteoutMetaPrefix) && c != kOpaqueMarker) return NameKind::kAufsMeta;
  }
  for (size_t i = 0; i + 1 < comps.size(); ++i) {
    if (comps[i].starts_with(kWhiteoutPrefix)) {
      return base::InvalidError("{}: whiteout marker {} used as a directory", JoinPath(comps),
                                comps[i]);
    }
  }
  const std::string& last = comps.back();
  if (last == kOpaqueMarker) {
    if (comps.size() == 1) {
      return base::InvalidError("{}: opaque whiteout at the layer root is not supported", last);
    }
    return NameKind::kOpaque;
  }
  if (!last.starts_with(kWhiteoutPrefix)) return NameKind::kNormal;
  std::string name = last.substr(kWhiteoutPrefix.size());
  if (name.empty() || name == "." || name == "..") {
    return base::InvalidError("{}: invalid whiteout name", JoinPath(comps));
  }
  *hidden = std::move(name);
  return NameKind::kWhiteout;
}

// ---- fd-confined primitives ------------------------------------------------------------------

base::Result<UniqueFd> OpenInRoot(int root_fd, const std::string& path, int flags,
                                  uint64_t extra_resolve) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV | extra_resolve;
  const char* p = path.empty() ? "." : path.c_str();
  // The kernel answers EAGAIN when a concurrent rename races with ".." resolution; retry.
  for (int attempt = 0;; ++attempt) {
    const long fd = ::syscall(SYS_openat2, root_fd, p, &how, sizeof(how));
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    if ((errno != EAGAIN && errno != EINTR) || attempt >= 16) {
      return base::ErrnoError(errno, fmt::format("open {}", path.empty() ? "/" : path));
    }
  }
}

namespace {

// Opens the child directory `name` of `dir_fd` that this unpacker just created.
base::Result<UniqueFd> OpenChildDir(int dir_fd, const std::string& name) {
  const int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return base::ErrnoError(errno, fmt::format("open {}", name));
  return UniqueFd(fd);
}

}  // namespace

base::Result<UniqueFd> OpenOrMakeDirs(int root_fd, const std::vector<std::string>& comps,
                                      size_t n) {
  const int kDirFlags = O_RDONLY | O_DIRECTORY;
  auto whole = OpenInRoot(root_fd, JoinPath(comps, n), kDirFlags);
  if (whole.ok()) return whole;
  if (whole.status().sys_errno() != ENOENT && whole.status().sys_errno() != ENOTDIR) {
    return whole.status();
  }
  // Some component is missing: walk from the root, re-resolving every prefix in the root so
  // symlinks created by earlier entries keep being followed inside it.
  ASSIGN_OR_RETURN(UniqueFd dir, OpenInRoot(root_fd, "", kDirFlags));
  for (size_t k = 0; k < n; ++k) {
    const std::string prefix = JoinPath(comps, k + 1);
    auto next = OpenInRoot(root_fd, prefix, kDirFlags);
    if (next.ok()) {
      dir = std::move(next).value();
      continue;
    }
    const int err = next.status().sys_errno();
    if (err == ENOTDIR) return base::InvalidError("parent {} is not a directory", prefix);
    if (err != ENOENT) return next.status();
    if (::mkdirat(dir.get(), comps[k].c_str(), 0755) != 0) {
      if (errno == EEXIST) {
        // ENOENT above but the name exists: a symlink whose target is missing. Creating the
        // target would let the layer pick where directories appear; refuse instead.
        return base::InvalidError("parent {} is a symlink to a missing directory", prefix);
      }
      return base::ErrnoError(errno, fmt::format("mkdir {}", prefix));
    }
    ASSIGN_OR_RETURN(dir, OpenChildDir(dir.get(), comps[k]));
  }
  return dir;
}

base::Result<std::optional<struct stat>> StatAt(int dir_fd, const std::string& name) {
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return {st};
  if (errno == ENOENT) return {std::nullopt};
  return base::ErrnoError(errno, fmt::format("lstat {}", name));
}

base::Status RemoveAllAt(int dir_fd, const std::string& name, int depth) {
  if (::unlinkat(dir_fd, name.c_str(), 0) == 0 || errno == ENOENT) return {};
  if (errno != EISDIR) return base::ErrnoError(errno, fmt::format("remove {}", name));
  if (depth >= kMaxRemoveDepth) {
    return base::InvalidError("remove {}: directory tree deeper than {}", name, kMaxRemoveDepth);
  }
  const int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return base::ErrnoError(errno, fmt::format("open {}", name));
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    const int err = errno;
    ::close(fd);
    return base::ErrnoError(err, fmt::format("opendir {}", name));
  }
  std::vector<std::string> children;
  while (struct dirent* de = ::readdir(d)) {
    const std::string_view child = de->d_name;
    if (child != "." && child != "..") children.emplace_back(child);
  }
  base::Status status;
  for (const std::string& child : children) {
    status = RemoveAllAt(::dirfd(d), child, depth + 1);
    if (!status.ok()) break;
  }
  ::closedir(d);
  if (!status.ok()) return status.WithContext(name);
  if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0) {
    return base::ErrnoError(errno, fmt::format("rmdir {}", name));
  }
  return {};
}

base::Result<std::string> FdPath(int fd) {
  const std::string link = fmt::format("/proc/self/fd/{}", fd);
  std::string buf(4096, '\0');
  for (;;) {
    const ssize_t n = ::readlink(link.c_str(), buf.data(), buf.size());
    if (n < 0) return base::ErrnoError(errno, "readlink " + link);
    if (static_cast<size_t>(n) < buf.size()) {
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
    buf.resize(buf.size() * 2);
  }
}

bool IsOpaqueDir(int dir_fd, const std::string& name) {
  const int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  char value[2] = {};
  const ssize_t n = ::fgetxattr(fd, kOpaqueXattr, value, sizeof(value));
  ::close(fd);
  return n == 1 && value[0] == 'y';
}

namespace {

// Writes all of `data` to `fd`.
base::Status WriteAll(int fd, const char* data, size_t size, std::string_view what) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::ErrnoError(errno, fmt::format("write {}", what));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return {};
}

base::Status CopyContent(int src, int dst, const std::string& what) {
  std::array<char, 64 * 1024> buf;
  for (;;) {
    const ssize_t n = ::read(src, buf.data(), buf.size());
    if (n == 0) return {};
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::ErrnoError(errno, fmt::format("read {}", what));
    }
    RETURN_IF_ERROR(WriteAll(dst, buf.data(), static_cast<size_t>(n), what));
  }
}

// Copies the xattrs of `src` to `dst` (both open regular files); trusted.overlay.* belongs to
// the overlay form of the source layer and is not copied.
void CopyXattrs(int src, int dst, const std::string& what, std::vector<std::string>* warnings) {
  const ssize_t list_size = ::flistxattr(src, nullptr, 0);
  if (list_size <= 0) return;
  std::string names(static_cast<size_t>(list_size), '\0');
  const ssize_t got = ::flistxattr(src, names.data(), names.size());
  if (got < 0) {
    warnings->push_back(fmt::format("{}: list xattrs: {}", what, std::strerror(errno)));
    return;
  }
  names.resize(static_cast<size_t>(got));
  for (size_t pos = 0; pos < names.size();) {
    const std::string name = names.c_str() + pos;
    pos += name.size() + 1;
    if (name.starts_with("trusted.overlay.")) continue;
    const ssize_t vsize = ::fgetxattr(src, name.c_str(), nullptr, 0);
    std::string value(vsize > 0 ? static_cast<size_t>(vsize) : 0, '\0');
    if (vsize < 0 || ::fgetxattr(src, name.c_str(), value.data(), value.size()) != vsize ||
        ::fsetxattr(dst, name.c_str(), value.data(), value.size(), 0) != 0) {
      warnings->push_back(fmt::format("{}: xattr {}: {}", what, name, std::strerror(errno)));
    }
  }
}

base::Status CopyRegular(int src_dir, const std::string& src_name, int dst_dir,
                         const std::string& dst_name, const struct stat& st,
                         bool preserve_ownership, std::vector<std::string>* warnings) {
  UniqueFd src(::openat(src_dir, src_name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!src.valid()) return base::ErrnoError(errno, fmt::format("open {}", src_name));
  UniqueFd dst(::openat(dst_dir, dst_name.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!dst.valid()) return base::ErrnoError(errno, fmt::format("create {}", dst_name));
  RETURN_IF_ERROR(CopyContent(src.get(), dst.get(), dst_name));
  if (preserve_ownership && ::fchown(dst.get(), st.st_uid, st.st_gid) != 0) {
    return base::ErrnoError(errno, fmt::format("chown {}", dst_name));
  }
  // After chown, which clears setuid/setgid.
  if (::fchmod(dst.get(), st.st_mode & 07777) != 0) {
    return base::ErrnoError(errno, fmt::format("chmod {}", dst_name));
  }
  CopyXattrs(src.get(), dst.get(), dst_name, warnings);  // after chown: it drops capabilities
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::futimens(dst.get(), times) != 0) {
    return base::ErrnoError(errno, fmt::format("set times of {}", dst_name));
  }
  return {};
}

base::Status CopySpecial(int src_dir, const std::string& src_name, int dst_dir,
                         const std::string& dst_name, const struct stat& st,
                         bool preserve_ownership) {
  if (S_ISLNK(st.st_mode)) {
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    const ssize_t n = ::readlinkat(src_dir, src_name.c_str(), target.data(), target.size());
    if (n < 0) return base::ErrnoError(errno, fmt::format("readlink {}", src_name));
    target.resize(static_cast<size_t>(n));
    if (::symlinkat(target.c_str(), dst_dir, dst_name.c_str()) != 0) {
      return base::ErrnoError(errno, fmt::format("symlink {}", dst_name));
    }
  } else if (::mknodat(dst_dir, dst_name.c_str(), st.st_mode & (S_IFMT | 07777), st.st_rdev) != 0) {
    return base::ErrnoError(errno, fmt::format("mknod {}", dst_name));
  }
  if (preserve_ownership &&
      ::fchownat(dst_dir, dst_name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) {
    return base::ErrnoError(errno, fmt::format("chown {}", dst_name));
  }
  if (!S_ISLNK(st.st_mode) &&
      ::fchmodat(dst_dir, dst_name.c_str(), st.st_mode & 07777, AT_SYMLINK_NOFOLLOW) != 0) {
    return base::ErrnoError(errno, fmt::format("chmod {}", dst_name));
  }
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::utimensat(dst_dir, dst_name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return base::ErrnoError(errno, fmt::format("set times of {}", dst_name));
  }
  return {};
}

}  // namespace

base::Status CopyNodeAt(int src_dir, const std::string& src_name, int dst_dir,
                        const std::string& dst_name, bool preserve_ownership,
                        std::vector<std::string>* warnings) {
  ASSIGN_OR_RETURN(std::optional<struct stat> st, StatAt(src_dir, src_name));
  if (!st) return base::NotFoundError("{} vanished from its layer", src_name);
  if (S_ISDIR(st->st_mode)) return base::InvalidError("{} is a directory", src_name);
  if (S_ISREG(st->st_mode)) {
    return CopyRegular(src_dir, src_name, dst_dir, dst_name, *st, preserve_ownership, warnings);
  }
  return CopySpecial(src_dir, src_name, dst_dir, dst_name, *st, preserve_ownership);
}

}  // namespace cubelet::image::unpack_internal
