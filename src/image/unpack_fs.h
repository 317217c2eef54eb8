// Internals of the layer unpacker (unpack.h): pure name handling and the fd-confined file-system
// primitives it is built from. Every primitive takes a directory fd and a single path
// component, never a path that the kernel could resolve outside the layer directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <sys/types.h>
#include <utility>
#include <vector>

#include "base/status.h"

namespace cubelet::image::unpack_internal {

// Owns a file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = other.Release();
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset();

 private:
  int fd_ = -1;
};

// ---- pure name handling ----------------------------------------------------------------------

inline constexpr std::string_view kWhiteoutPrefix = ".wh.";
inline constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";
inline constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
inline constexpr char kOpaqueXattr[] = "trusted.overlay.opaque";

// Cleans an archive path as if the layer root were "/": splits on '/', drops empty and "."
// components, and lets ".." remove the previous component, clamped at the root. The result
// never contains "", "." or "..". An empty result names the root itself.
std::vector<std::string> CleanPath(std::string_view name);

// "a/b/c" from the first `n` components (all of them by default).
std::string JoinPath(const std::vector<std::string>& comps, size_t n = SIZE_MAX);

enum class NameKind {
  kNormal,    // an ordinary entry
  kWhiteout,  // ".wh.NAME": hides NAME of lower layers
  kOpaque,    // "D/.wh..wh..opq": hides every lower child of D
  kAufsMeta,  // ".wh..wh.plnk" & co: AUFS bookkeeping, skipped
};

// Classifies a cleaned, non-empty path. Refuses whiteout markers that name nothing (".wh.",
// ".wh..", ".wh..."), markers used as directories and an opaque marker at the root. For
// kWhiteout, `*hidden` receives NAME.
base::Result<NameKind> ClassifyName(const std::vector<std::string>& comps, std::string* hidden);

// ---- fd-confined primitives ------------------------------------------------------------------

// openat2(root_fd, path, {flags, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS|RESOLVE_NO_XDEV|extra}).
// `path` may be empty (the root itself). Returns -errno semantics through the Result.
base::Result<UniqueFd> OpenInRoot(int root_fd, const std::string& path, int flags,
                                  uint64_t extra_resolve = 0);

// Opens the directory named by the first `n` components of `comps` inside the root, creating
// missing components (mode 0755) with mkdirat on a parent resolved in the root. A component
// that is a non-directory or a dangling symlink is an error.
base::Result<UniqueFd> OpenOrMakeDirs(int root_fd, const std::vector<std::string>& comps, size_t n);

// lstat of `name` in `dir_fd`; nullopt when it does not exist.
base::Result<std::optional<struct stat>> StatAt(int dir_fd, const std::string& name);

inline bool IsWhiteoutDevice(const struct stat& st) {
  return S_ISCHR(st.st_mode) && st.st_rdev == 0;
}

// Maximum directory depth RemoveAllAt descends (it holds one fd per level).
inline constexpr int kMaxRemoveDepth = 256;

// Removes `name` in `dir_fd` (recursively for a directory), never following symlinks.
base::Status RemoveAllAt(int dir_fd, const std::string& name, int depth = 0);

// The absolute path the kernel reports for an open fd (readlink of /proc/self/fd/N).
base::Result<std::string> FdPath(int fd);

// Whether the directory `name` in `dir_fd` carries trusted.overlay.opaque="y".
bool IsOpaqueDir(int dir_fd, const std::string& name);

// Copies the non-directory `src_name` in `src_dir` to `dst_name` in `dst_dir` (which must not
// exist): content, mode, mtime, xattrs (but not trusted.overlay.*), and uid/gid when
// `preserve_ownership`. Used for hard links into lower layers. Failures to copy an xattr are
// appended to `warnings`.
base::Status CopyNodeAt(int src_dir, const std::string& src_name, int dst_dir,
                        const std::string& dst_name, bool preserve_ownership,
                        std::vector<std::string>* warnings);

// ---- merged-view lookup in the stack of layer directories -------------------------------------

// Where a path of the merged view (layers[0] on top) lives.
struct MergedNode {
  size_t layer = 0;  // index into the layer fds
  UniqueFd parent;   // the parent directory inside that layer
  std::string name;  // last component
  struct stat st {};
};

// Resolves the cleaned path `comps` in the union of `layers` (top-most first) the way overlayfs
// shows it: whiteout devices hide lower entries, opaque directories hide lower children, a
// non-directory hides lower directories; symlinks met on the way (in any layer) are followed
// inside the root; the last component is not followed. nullopt when the path does not exist.
base::Result<std::optional<MergedNode>> LookupMerged(const std::vector<int>& layers,
                                                     const std::vector<std::string>& comps);

}  // namespace cubelet::image::unpack_internal
