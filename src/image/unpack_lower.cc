// LookupMerged (unpack_fs.h): resolves a hard-link target in the union of the layer
// directories, as overlayfs will show them once stacked. Only single-component *at calls with
// O_NOFOLLOW / AT_SYMLINK_NOFOLLOW are used and ".." is applied lexically, so no lookup can
// leave the layer directories.
#include <deque>
#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fmt/format.h>

#include "image/unpack_fs.h"

namespace cubelet::image::unpack_internal {
namespace {

// Linux' limit on symlinks followed in one lookup.
constexpr int kMaxSymlinkHops = 40;

enum class Probe {
  kMissing,  // not in this layer: look in the next one down
  kHidden,   // hidden by this layer (whiteout, or a non-directory over a parent)
  kFound,
};

struct LayerProbe {
  Probe result = Probe::kMissing;
  bool opaque = false;  // a parent is opaque in this layer: lower layers cannot provide the path
  UniqueFd parent;
  struct stat st {};
};

// Looks for `path` in one layer directory. The parents of `path` are directories in the merged
// view (the caller resolved them), so a non-directory parent here is shadowed by a higher
// layer's directory and hides everything below it, as overlayfs does.
base::Result<LayerProbe> ProbeLayer(int layer_fd, const std::vector<std::string>& path) {
  LayerProbe probe;
  UniqueFd holder;
  int fd = layer_fd;
  for (size_t k = 0; k < path.size(); ++k) {
    ASSIGN_OR_RETURN(std::optional<struct stat> st, StatAt(fd, path[k]));
    if (!st) return probe;
    if (IsWhiteoutDevice(*st)) {
      probe.result = Probe::kHidden;
      return probe;
    }
    if (k + 1 == path.size()) {
      probe.result = Probe::kFound;
      probe.st = *st;
      probe.parent = holder.valid() ? std::move(holder) : UniqueFd(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
      if (!probe.parent.valid()) return base::ErrnoError(errno, "dup layer fd");
      return probe;
    }
    if (!S_ISDIR(st->st_mode)) {
      probe.result = Probe::kHidden;
      return probe;
    }
    UniqueFd child(::openat(fd, path[k].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!child.valid()) return base::ErrnoError(errno, fmt::format("open {}", path[k]));
    char value[2] = {};
    if (::fgetxattr(child.get(), kOpaqueXattr, value, sizeof(value)) == 1 && value[0] == 'y') {
      probe.opaque = true;
    }
    holder = std::move(child);
    fd = holder.get();
  }
  return probe;  // empty path: the root, which callers never ask for
}

// The top-most visible node at `path` (no symlink following).
base::Result<std::optional<MergedNode>> StatMerged(const std::vector<int>& layers,
                                                   const std::vector<std::string>& path) {
  for (size_t i = 0; i < layers.size(); ++i) {
    ASSIGN_OR_RETURN(LayerProbe probe, ProbeLayer(layers[i], path));
    if (probe.result == Probe::kFound) {
      MergedNode node;
      node.layer = i;
      node.parent = std::move(probe.parent);
      node.name = path.back();
      node.st = probe.st;
      return {std::move(node)};
    }
    if (probe.result == Probe::kHidden || probe.opaque) break;
  }
  return {std::nullopt};
}

base::Result<std::string> ReadLinkAt(int dir_fd, const std::string& name, off_t size) {
  std::string target(static_cast<size_t>(size) + 1, '\0');
  const ssize_t n = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
  if (n < 0) return base::ErrnoError(errno, fmt::format("readlink {}", name));
  target.resize(static_cast<size_t>(n));
  return target;
}

// Splits a symlink target on '/', keeping "." and ".." for the caller to apply.
void PrependComponents(const std::string& target, std::deque<std::string>* todo) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= target.size()) {
    size_t slash = target.find('/', pos);
    if (slash == std::string::npos) slash = target.size();
    if (slash > pos) parts.push_back(target.substr(pos, slash - pos));
    pos = slash + 1;
  }
  todo->insert(todo->begin(), parts.begin(), parts.end());
}

}  // namespace

base::Result<std::optional<MergedNode>> LookupMerged(const std::vector<int>& layers,
                                                     const std::vector<std::string>& comps) {
  std::vector<std::string> resolved;  // real directories of the merged view, no symlinks
  std::deque<std::string> todo(comps.begin(), comps.end());
  int hops = 0;
  while (!todo.empty()) {
    std::string c = std::move(todo.front());
    todo.pop_front();
    if (c == ".") continue;
    if (c == "..") {  // lexical: `resolved` holds no symlinks; clamped at the root
      if (!resolved.empty()) resolved.pop_back();
      continue;
    }
    resolved.push_back(std::move(c));
    ASSIGN_OR_RETURN(std::optional<MergedNode> node, StatMerged(layers, resolved));
    if (!node) return {std::nullopt};
    if (todo.empty()) return node;  // the last component is never followed
    if (S_ISLNK(node->st.st_mode)) {
      if (++hops > kMaxSymlinkHops) {
        return base::InvalidError("{}: too many levels of symbolic links", JoinPath(comps));
      }
      ASSIGN_OR_RETURN(std::string target,
                       ReadLinkAt(node->parent.get(), node->name, node->st.st_size));
      resolved.pop_back();
      if (target.starts_with('/')) resolved.clear();  // absolute: from the layer root
      PrependComponents(target, &todo);
      continue;
    }
    if (!S_ISDIR(node->st.st_mode)) return {std::nullopt};
  }
  return {std::nullopt};  // only reached when the path cleans to the root
}

}  // namespace cubelet::image::unpack_internal
