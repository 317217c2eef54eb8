// UnpackLayer (unpack.h): applies tar entries one by one, each through a parent directory fd
// opened inside the layer root (unpack_fs.h), then sets the directories' modes and times.
#include "image/unpack.h"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <functional>
#include <linux/openat2.h>
#include <map>
#include <optional>
#include <set>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fmt/format.h>

#include "image/unpack_fs.h"
#include "image/unpack_stream.h"

namespace cubelet::image {
namespace {

using unpack_internal::ClassifyName;
using unpack_internal::CleanPath;
using unpack_internal::CopyNodeAt;
using unpack_internal::FdPath;
using unpack_internal::IsOpaqueDir;
using unpack_internal::IsWhiteoutDevice;
using unpack_internal::JoinPath;
using unpack_internal::LayerStream;
using unpack_internal::LookupMerged;
using unpack_internal::MergedNode;
using unpack_internal::NameKind;
using unpack_internal::OpenInRoot;
using unpack_internal::OpenOrMakeDirs;
using unpack_internal::RemoveAllAt;
using unpack_internal::StatAt;
using unpack_internal::TarEntry;
using unpack_internal::UniqueFd;

bool AllowedXattr(std::string_view name) {
  if (name.starts_with("trusted.overlay.")) return false;  // reserved for the overlay form
  return name.starts_with("user.") || name.starts_with("trusted.") || name == "security.capability";
}

bool IsDevice(TarEntry::Kind kind) {
  return kind == TarEntry::Kind::kChar || kind == TarEntry::Kind::kBlock;
}

base::Status SetOpaque(int dir_fd) {
  if (::fsetxattr(dir_fd, unpack_internal::kOpaqueXattr, "y", 1, 0) != 0) {
    return base::ErrnoError(errno, "set trusted.overlay.opaque");
  }
  return {};
}

// Mode and times of a directory, applied after all entries: creating children changes a
// directory's mtime, and a read-only mode would stop an unprivileged unpacker from adding them.
struct DirAttrs {
  mode_t perm = 0755;
  struct timespec atime {};
  struct timespec mtime {};
};

class Unpacker {
 public:
  Unpacker(UniqueFd root, std::string root_path, std::vector<UniqueFd> lowers,
           const UnpackOptions& options, LayerStream* stream)
      : root_(std::move(root)),
        root_path_(std::move(root_path)),
        lowers_(std::move(lowers)),
        options_(options),
        stream_(stream) {}

  base::Status Apply(const TarEntry& e);
  base::Status Finish();
  std::vector<std::string>& warnings() { return warnings_; }

 private:
  // Where an entry goes: its parent directory, opened inside the root, and its last name.
  struct Place {
    UniqueFd parent;
    std::string parent_key;  // the parent's real path relative to the root ("" is the root)
    std::string name;
    std::string Key() const { return parent_key.empty() ? name : parent_key + "/" + name; }
  };
  enum class Existing { kNone, kKeptDir, kReplaced, kReplacedWhiteout };

  base::Result<Place> PlaceOf(const std::vector<std::string>& comps);
  base::Result<std::string> KeyOf(int dir_fd) const;
  base::Result<Existing> Clear(const Place& place, bool new_is_dir);
  base::Status ClearForNonDir(const Place& place) {
    return Clear(place, /*new_is_dir=*/false).status();
  }
  void ForgetDirs(const std::string& key);

  base::Status ApplyNormal(const TarEntry& e, const std::vector<std::string>& comps);
  base::Status ApplyRootDir(const TarEntry& e);
  base::Status ApplyDir(const TarEntry& e, const Place& place);
  base::Status ApplyFile(const TarEntry& e, const Place& place);
  base::Status ApplySymlink(const TarEntry& e, const Place& place);
  base::Status ApplyNode(const TarEntry& e, const Place& place);
  base::Status ApplyHardlink(const TarEntry& e, const Place& place);
  // Copies a lower-layer node up into this layer at `target`; nullopt when the target's path
  // crosses a symlink or a non-directory in the merged view.
  base::Result<std::optional<Place>> CopyUp(const std::vector<std::string>& target,
                                            const MergedNode& node);
  int LayerFd(size_t index) const;
  base::Status FindLinks(int layer_fd, const std::string& rel, const struct stat& want,
                         std::vector<std::string>* out, size_t* budget) const;
  // The path of `dir_fd` relative to the layer whose root is `layer_fd`.
  base::Result<std::string> KeyOfIn(int dir_fd, int layer_fd) const;
  base::Status ApplyWhiteout(const std::vector<std::string>& comps, const std::string& hidden);
  base::Status ApplyOpaque(const std::vector<std::string>& comps);

  base::Status ChownFd(const TarEntry& e, int fd);
  base::Status ChownAt(const TarEntry& e, const Place& place);
  void SetXattrs(const TarEntry& e, const std::function<int(const char*, const std::string&)>& set);
  void SetXattrsFd(const TarEntry& e, int fd);
  void SetXattrsAt(const TarEntry& e, const Place& place);
  void Warn(std::string message) { warnings_.push_back(std::move(message)); }

  UniqueFd root_;
  std::string root_path_;  // what /proc reports for root_
  std::vector<UniqueFd> lowers_;
  UnpackOptions options_;
  LayerStream* stream_;
  std::map<std::string, DirAttrs> deferred_;  // key: real path relative to the root
  std::set<std::string> skipped_devices_;     // cleaned names, for hard links to them
  std::vector<std::string> warnings_;
};

base::Status Unpacker::Apply(const TarEntry& e) {
  const std::vector<std::string> comps = CleanPath(e.path);
  if (comps.empty()) {
    if (e.kind != TarEntry::Kind::kDir) {
      return base::InvalidError("entry resolves to the layer root but is not a directory");
    }
    return ApplyRootDir(e);
  }
  std::string hidden;
  ASSIGN_OR_RETURN(NameKind kind, ClassifyName(comps, &hidden));
  switch (kind) {
    case NameKind::kAufsMeta:
      Warn(fmt::format("{}: skipped aufs metadata", e.path));
      return {};
    case NameKind::kOpaque:
      return ApplyOpaque(comps);
    case NameKind::kWhiteout:
      return ApplyWhiteout(comps, hidden);
    case NameKind::kNormal:
      break;
  }
  return ApplyNormal(e, comps);
}

base::Status Unpacker::ApplyNormal(const TarEntry& e, const std::vector<std::string>& comps) {
  if (options_.preserve_ownership &&
      (e.uid < 0 || e.uid > 0xfffffffe || e.gid < 0 || e.gid > 0xfffffffe)) {
    return base::InvalidError("uid {} or gid {} out of range", e.uid, e.gid);
  }
  if (e.kind == TarEntry::Kind::kSocket) {
    Warn(fmt::format("{}: skipped socket", e.path));
    return {};
  }
  if (IsDevice(e.kind) && !options_.preserve_ownership) {
    Warn(fmt::format("{}: skipped device node (not privileged)", e.path));
    skipped_devices_.insert(JoinPath(comps));
    return {};
  }
  ASSIGN_OR_RETURN(Place place, PlaceOf(comps));
  switch (e.kind) {
    case TarEntry::Kind::kDir:
      return ApplyDir(e, place);
    case TarEntry::Kind::kFile:
      return ApplyFile(e, place);
    case TarEntry::Kind::kSymlink:
      return ApplySymlink(e, place);
    case TarEntry::Kind::kHardlink:
      return ApplyHardlink(e, place);
    default:
      return ApplyNode(e, place);
  }
}

base::Result<Unpacker::Place> Unpacker::PlaceOf(const std::vector<std::string>& comps) {
  ASSIGN_OR_RETURN(UniqueFd parent, OpenOrMakeDirs(root_.get(), comps, comps.size() - 1));
  ASSIGN_OR_RETURN(std::string key, KeyOf(parent.get()));
  return Place{std::move(parent), std::move(key), comps.back()};
}

// The real path of a directory inside the root, from /proc. Doubles as a check that openat2
// kept us inside the root.
base::Result<std::string> Unpacker::KeyOf(int dir_fd) const {
  ASSIGN_OR_RETURN(std::string path, FdPath(dir_fd));
  if (path == root_path_) return std::string();
  const std::string prefix = root_path_ == "/" ? "/" : root_path_ + "/";
  if (!path.starts_with(prefix)) {
    return base::InternalError("{} resolved outside the layer directory", path);
  }
  return path.substr(prefix.size());
}

base::Result<std::string> Unpacker::KeyOfIn(int dir_fd, int layer_fd) const {
  ASSIGN_OR_RETURN(std::string path, FdPath(dir_fd));
  ASSIGN_OR_RETURN(std::string layer, FdPath(layer_fd));
  if (path == layer) return std::string();
  if (!path.starts_with(layer + "/")) {
    return base::InternalError("{} resolved outside its layer directory", path);
  }
  return path.substr(layer.size() + 1);
}

// Makes room for a new entry: an existing directory stays when the new entry is a directory
// too; anything else is removed (a directory with its whole tree).
base::Result<Unpacker::Existing> Unpacker::Clear(const Place& place, bool new_is_dir) {
  ASSIGN_OR_RETURN(std::optional<struct stat> st, StatAt(place.parent.get(), place.name));
  if (!st) return Existing::kNone;
  if (new_is_dir && S_ISDIR(st->st_mode)) return Existing::kKeptDir;
  RETURN_IF_ERROR(RemoveAllAt(place.parent.get(), place.name));
  if (S_ISDIR(st->st_mode)) ForgetDirs(place.Key());
  return IsWhiteoutDevice(*st) ? Existing::kReplacedWhiteout : Existing::kReplaced;
}

void Unpacker::ForgetDirs(const std::string& key) {
  deferred_.erase(key);
  const std::string prefix = key + "/";
  auto it = deferred_.lower_bound(prefix);
  while (it != deferred_.end() && it->first.starts_with(prefix)) it = deferred_.erase(it);
}

base::Status Unpacker::ChownFd(const TarEntry& e, int fd) {
  if (!options_.preserve_ownership) return {};
  if (::fchown(fd, static_cast<uid_t>(e.uid), static_cast<gid_t>(e.gid)) != 0) {
    return base::ErrnoError(errno, "chown");
  }
  return {};
}

base::Status Unpacker::ChownAt(const TarEntry& e, const Place& place) {
  if (!options_.preserve_ownership) return {};
  if (::fchownat(place.parent.get(), place.name.c_str(), static_cast<uid_t>(e.uid),
                 static_cast<gid_t>(e.gid), AT_SYMLINK_NOFOLLOW) != 0) {
    return base::ErrnoError(errno, "chown");
  }
  return {};
}

// Xattrs never fail the layer: file systems and privileges differ, the content does not.
void Unpacker::SetXattrs(const TarEntry& e,
                         const std::function<int(const char*, const std::string&)>& set) {
  for (const auto& [name, value] : e.xattrs) {
    if (!AllowedXattr(name)) {
      Warn(fmt::format("{}: skipped xattr {}", e.path, name));
    } else if (set(name.c_str(), value) != 0) {
      Warn(fmt::format("{}: xattr {}: {}", e.path, name, std::strerror(errno)));
    }
  }
}

void Unpacker::SetXattrsFd(const TarEntry& e, int fd) {
  SetXattrs(e, [fd](const char* name, const std::string& value) {
    return ::fsetxattr(fd, name, value.data(), value.size(), 0);
  });
}

// For symlinks and device nodes, which cannot be opened for writing: the parent is reached
// through its fd's /proc entry and the last component is not followed (lsetxattr).
void Unpacker::SetXattrsAt(const TarEntry& e, const Place& place) {
  if (e.xattrs.empty()) return;
  const std::string path = fmt::format("/proc/self/fd/{}/{}", place.parent.get(), place.name);
  SetXattrs(e, [&path](const char* name, const std::string& value) {
    return ::lsetxattr(path.c_str(), name, value.data(), value.size(), 0);
  });
}

base::Status Unpacker::ApplyRootDir(const TarEntry& e) {
  ASSIGN_OR_RETURN(UniqueFd fd, OpenInRoot(root_.get(), "", O_RDONLY | O_DIRECTORY));
  RETURN_IF_ERROR(ChownFd(e, fd.get()));
  SetXattrsFd(e, fd.get());
  deferred_[""] = DirAttrs{e.perm, e.atime, e.mtime};
  return {};
}

base::Status Unpacker::ApplyDir(const TarEntry& e, const Place& place) {
  ASSIGN_OR_RETURN(Existing existing, Clear(place, /*new_is_dir=*/true));
  if (existing != Existing::kKeptDir && ::mkdirat(place.parent.get(), place.name.c_str(), 0755)) {
    return base::ErrnoError(errno, "mkdir");
  }
  UniqueFd fd(::openat(place.parent.get(), place.name.c_str(),
                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return base::ErrnoError(errno, "open directory");
  // This layer also whites NAME out: the lower directory's children are gone.
  if (existing == Existing::kReplacedWhiteout) RETURN_IF_ERROR(SetOpaque(fd.get()));
  RETURN_IF_ERROR(ChownFd(e, fd.get()));
  SetXattrsFd(e, fd.get());
  deferred_[place.Key()] = DirAttrs{e.perm, e.atime, e.mtime};
  return {};
}

base::Status Unpacker::ApplyFile(const TarEntry& e, const Place& place) {
  RETURN_IF_ERROR(ClearForNonDir(place));
  UniqueFd fd(::openat(place.parent.get(), place.name.c_str(),
                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return base::ErrnoError(errno, "create");
  RETURN_IF_ERROR(stream_->CopyData(fd.get(), e.size, e.path));
  RETURN_IF_ERROR(ChownFd(e, fd.get()));
  // After chown, which clears setuid/setgid; xattrs after chown too, which drops capabilities.
  if (::fchmod(fd.get(), e.perm) != 0) return base::ErrnoError(errno, "chmod");
  SetXattrsFd(e, fd.get());
  const struct timespec times[2] = {e.atime, e.mtime};
  if (::futimens(fd.get(), times) != 0) return base::ErrnoError(errno, "set times");
  return {};
}

base::Status Unpacker::ApplySymlink(const TarEntry& e, const Place& place) {
  RETURN_IF_ERROR(ClearForNonDir(place));
  // Stored verbatim: the target is only interpreted inside the container (or, by this
  // unpacker, inside the root).
  if (::symlinkat(e.link.c_str(), place.parent.get(), place.name.c_str()) != 0) {
    return base::ErrnoError(errno, "symlink");
  }
  RETURN_IF_ERROR(ChownAt(e, place));
  SetXattrsAt(e, place);
  const struct timespec times[2] = {e.atime, e.mtime};
  if (::utimensat(place.parent.get(), place.name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return base::ErrnoError(errno, "set times");
  }
  return {};
}

base::Status Unpacker::ApplyNode(const TarEntry& e, const Place& place) {
  RETURN_IF_ERROR(ClearForNonDir(place));
  mode_t type = S_IFIFO;
  if (e.kind == TarEntry::Kind::kChar) type = S_IFCHR;
  if (e.kind == TarEntry::Kind::kBlock) type = S_IFBLK;
  const dev_t dev = type == S_IFIFO ? 0 : e.rdev;
  if (::mknodat(place.parent.get(), place.name.c_str(), type | (e.perm & 0777), dev) != 0) {
    return base::ErrnoError(errno, "mknod");
  }
  RETURN_IF_ERROR(ChownAt(e, place));
  if (::fchmodat(place.parent.get(), place.name.c_str(), e.perm, AT_SYMLINK_NOFOLLOW) != 0) {
    return base::ErrnoError(errno, "chmod");
  }
  SetXattrsAt(e, place);
  const struct timespec times[2] = {e.atime, e.mtime};
  if (::utimensat(place.parent.get(), place.name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return base::ErrnoError(errno, "set times");
  }
  return {};
}

base::Status Unpacker::ApplyHardlink(const TarEntry& e, const Place& place) {
  const std::vector<std::string> target = CleanPath(e.link);
  if (target.empty()) return base::InvalidError("hard link target {} is a directory", e.link);
  std::vector<int> layers = {root_.get()};
  for (const UniqueFd& fd : lowers_) layers.push_back(fd.get());
  ASSIGN_OR_RETURN(std::optional<MergedNode> node, LookupMerged(layers, target));
  if (!node && skipped_devices_.contains(JoinPath(target))) {
    Warn(fmt::format("{}: skipped hard link to device node {} (not privileged)", e.path, e.link));
    return {};
  }
  if (!node) return base::NotFoundError("hard link target {} not found", e.link);
  if (S_ISDIR(node->st.st_mode)) {
    return base::InvalidError("hard link target {} is a directory", e.link);
  }
  const bool in_this_layer = node->layer == 0;
  if (in_this_layer) {  // a repeated entry: the link is already there
    ASSIGN_OR_RETURN(std::optional<struct stat> st, StatAt(place.parent.get(), place.name));
    if (st && st->st_dev == node->st.st_dev && st->st_ino == node->st.st_ino) return {};
  } else if (!options_.preserve_ownership &&
             (S_ISCHR(node->st.st_mode) || S_ISBLK(node->st.st_mode))) {
    Warn(fmt::format("{}: skipped hard link to device node {} (not privileged)", e.path, e.link));
    return {};
  }
  RETURN_IF_ERROR(ClearForNonDir(place));
  if (!in_this_layer) {
    // Linking would alias an inode of a (shared) lower layer. Do what overlayfs does for
    // link(2) through a mount: copy the target up into this layer at its own path and link
    // to the copy, so both names are one inode in the merged view.
    // Copy up at the target's real path (a path through symlinks names the same file).
    ASSIGN_OR_RETURN(std::string real_dir, KeyOfIn(node->parent.get(), LayerFd(node->layer)));
    std::vector<std::string> real = CleanPath(real_dir);
    real.push_back(node->name);
    ASSIGN_OR_RETURN(std::optional<Place> up, CopyUp(real, *node));
    if (!up) {
      // The target's path crosses a symlink in the merged view: a copy at its own path could
      // shadow that symlink, so the new name gets its own copy instead.
      return CopyNodeAt(node->parent.get(), node->name, place.parent.get(), place.name,
                        options_.preserve_ownership, &warnings_);
    }
    if (::linkat(up->parent.get(), up->name.c_str(), place.parent.get(), place.name.c_str(), 0) !=
        0) {
      return base::ErrnoError(errno, fmt::format("link to {}", e.link));
    }
    return {};
  }
  // Without AT_SYMLINK_FOLLOW: a symlink target is linked itself, never followed.
  if (::linkat(node->parent.get(), node->name.c_str(), place.parent.get(), place.name.c_str(), 0) !=
      0) {
    return base::ErrnoError(errno, fmt::format("link to {}", e.link));
  }
  return {};
}

base::Result<std::optional<Unpacker::Place>> Unpacker::CopyUp(
    const std::vector<std::string>& target, const MergedNode& node) {
  std::vector<int> layers = {root_.get()};
  for (const UniqueFd& fd : lowers_) layers.push_back(fd.get());
  // Every parent must be a real directory, reached without following a symlink.
  std::vector<struct stat> parents;
  std::vector<bool> missing_here;
  for (size_t i = 1; i < target.size(); ++i) {
    const std::vector<std::string> prefix(target.begin(), target.begin() + static_cast<long>(i));
    ASSIGN_OR_RETURN(std::optional<MergedNode> dir, LookupMerged(layers, prefix));
    if (!dir || !S_ISDIR(dir->st.st_mode) || dir->name != prefix.back()) {
      return std::optional<Place>();
    }
    ASSIGN_OR_RETURN(std::string where, KeyOfIn(dir->parent.get(), layers[dir->layer]));
    if (where != JoinPath(prefix, prefix.size() - 1)) return std::optional<Place>();
    parents.push_back(dir->st);
    missing_here.push_back(dir->layer != 0);
  }
  ASSIGN_OR_RETURN(Place up, PlaceOf(target));
  // Parents created in this layer take the lower directory's owner and mode, as a copy-up
  // would; their mtimes are not part of the merged view's contract.
  for (size_t i = 0; i < parents.size(); ++i) {
    if (!missing_here[i]) continue;
    const std::string rel = JoinPath(target, i + 1);
    if (options_.preserve_ownership) {
      if (::fchownat(root_.get(), rel.c_str(), parents[i].st_uid, parents[i].st_gid,
                     AT_SYMLINK_NOFOLLOW) != 0) {
        return base::ErrnoError(errno, "chown " + rel);
      }
    }
    if (::fchmodat(root_.get(), rel.c_str(), parents[i].st_mode & 07777, 0) != 0) {
      return base::ErrnoError(errno, "chmod " + rel);
    }
  }
  RETURN_IF_ERROR(CopyNodeAt(node.parent.get(), node.name, up.parent.get(), up.name,
                             options_.preserve_ownership, &warnings_));
  // Other names of the lower inode stay one file with it (as a flattened rootfs, and overlayfs
  // with index=on, show it): visible ones become links to the copy in this layer.
  if (node.st.st_nlink > 1) {
    std::vector<std::string> siblings;
    size_t budget = 200000;
    RETURN_IF_ERROR(FindLinks(LayerFd(node.layer), "", node.st, &siblings, &budget));
    for (const std::string& rel : siblings) {
      const std::vector<std::string> comps = CleanPath(rel);
      if (comps == target) continue;
      ASSIGN_OR_RETURN(std::optional<MergedNode> seen, LookupMerged(layers, comps));
      if (!seen || seen->layer != node.layer || seen->st.st_ino != node.st.st_ino) continue;
      ASSIGN_OR_RETURN(Place p, PlaceOf(comps));
      if (::linkat(up.parent.get(), up.name.c_str(), p.parent.get(), p.name.c_str(), 0) != 0) {
        return base::ErrnoError(errno, "link " + rel);
      }
    }
  }
  return std::optional<Place>(std::move(up));
}

int Unpacker::LayerFd(size_t index) const {
  return index == 0 ? root_.get() : lowers_[index - 1].get();
}

// Collects the paths under `rel` (inside the layer `layer_fd`) that are hard links to `want`,
// without following symlinks; `budget` bounds the entries visited.
base::Status Unpacker::FindLinks(int layer_fd, const std::string& rel, const struct stat& want,
                                 std::vector<std::string>* out, size_t* budget) const {
  ASSIGN_OR_RETURN(UniqueFd dir,
                   rel.empty() ? OpenInRoot(layer_fd, ".", O_DIRECTORY | O_RDONLY)
                               : OpenInRoot(layer_fd, rel, O_DIRECTORY | O_RDONLY | O_NOFOLLOW));
  DIR* d = ::fdopendir(::dup(dir.get()));
  if (d == nullptr) return base::ErrnoError(errno, "open directory " + rel);
  std::vector<std::string> subdirs;
  while (const dirent* ent = ::readdir(d)) {
    const std::string name = ent->d_name;
    if (name == "." || name == "..") continue;
    if (*budget == 0) break;
    --*budget;
    struct stat st {};
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    const std::string path = rel.empty() ? name : rel + "/" + name;
    if (S_ISDIR(st.st_mode)) {
      subdirs.push_back(path);
    } else if (st.st_ino == want.st_ino && st.st_dev == want.st_dev) {
      out->push_back(path);
    }
  }
  ::closedir(d);
  for (const std::string& sub : subdirs)
    RETURN_IF_ERROR(FindLinks(layer_fd, sub, want, out, budget));
  return {};
}

base::Status Unpacker::ApplyWhiteout(const std::vector<std::string>& comps,
                                     const std::string& hidden) {
  ASSIGN_OR_RETURN(UniqueFd parent, OpenOrMakeDirs(root_.get(), comps, comps.size() - 1));
  ASSIGN_OR_RETURN(std::optional<struct stat> st, StatAt(parent.get(), hidden));
  if (st) {
    // NAME is an entry of this layer: whiteouts only hide lower layers, so it stays. A
    // directory must still hide the lower directory's children.
    if (S_ISDIR(st->st_mode) && !IsOpaqueDir(parent.get(), hidden)) {
      UniqueFd dir(
          ::openat(parent.get(), hidden.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!dir.valid()) return base::ErrnoError(errno, "open " + hidden);
      RETURN_IF_ERROR(SetOpaque(dir.get()));
    }
    return {};
  }
  if (::mknodat(parent.get(), hidden.c_str(), S_IFCHR, makedev(0, 0)) != 0) {
    return base::ErrnoError(errno, "create whiteout device " + hidden);
  }
  return {};
}

base::Status Unpacker::ApplyOpaque(const std::vector<std::string>& comps) {
  ASSIGN_OR_RETURN(UniqueFd dir, OpenOrMakeDirs(root_.get(), comps, comps.size() - 1));
  return SetOpaque(dir.get());
}

// Children before parents (a key sorts after its parent's), so a read-only mode never blocks
// the next directory and no later change touches a directory whose mtime was set.
base::Status Unpacker::Finish() {
  for (auto it = deferred_.rbegin(); it != deferred_.rend(); ++it) {
    const std::string& key = it->first;
    const DirAttrs& attrs = it->second;
    auto fd =
        OpenInRoot(root_.get(), key, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, RESOLVE_NO_SYMLINKS);
    if (!fd.ok()) return fd.status().WithContext(key.empty() ? "/" : key);
    if (::fchmod(fd->get(), attrs.perm) != 0) {
      return base::ErrnoError(errno, fmt::format("{}: chmod", key.empty() ? "/" : key));
    }
    const struct timespec times[2] = {attrs.atime, attrs.mtime};
    if (::futimens(fd->get(), times) != 0) {
      return base::ErrnoError(errno, fmt::format("{}: set times", key.empty() ? "/" : key));
    }
  }
  return {};
}

base::Result<UniqueFd> OpenDir(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return base::ErrnoError(errno, "open " + path);
  return fd;
}

}  // namespace

base::Result<UnpackResult> UnpackLayer(const std::string& blob_path, const std::string& dir,
                                       const std::vector<std::string>& lowers,
                                       const UnpackOptions& options) {
  ASSIGN_OR_RETURN(UniqueFd root, OpenDir(dir));
  ASSIGN_OR_RETURN(std::string root_path, FdPath(root.get()));
  std::vector<UniqueFd> lower_fds;
  for (const std::string& lower : lowers) {
    ASSIGN_OR_RETURN(UniqueFd fd, OpenDir(lower));
    lower_fds.push_back(std::move(fd));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<LayerStream> stream, LayerStream::Open(blob_path));
  Unpacker unpacker(std::move(root), std::move(root_path), std::move(lower_fds), options,
                    stream.get());
  TarEntry entry;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, stream->Next(&entry, &unpacker.warnings()));
    if (!more) break;
    const base::Status status = unpacker.Apply(entry);
    if (!status.ok()) return status.WithContext(entry.path);
  }
  RETURN_IF_ERROR(unpacker.Finish());
  ASSIGN_OR_RETURN(auto digest, stream->Finish());
  UnpackResult result;
  result.diff_id = std::move(digest.first);
  result.uncompressed_size = digest.second;
  result.warnings = std::move(unpacker.warnings());
  return result;
}

}  // namespace cubelet::image
