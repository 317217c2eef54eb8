// Path resolution inside a container's root filesystem, for code that runs on the host side of
// it (the supervisor mounting into the rootfs, the server reading the image's /etc/passwd).
// Every lookup is scoped to the root with openat2(RESOLVE_IN_ROOT): "..", absolute symlinks
// and /proc magic links inside an image cannot point outside of it.
//
// Linked into the supervisor: libc and the C++ standard library only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cubelet::runtime {

// openat2(dirfd, path, flags | O_CLOEXEC) scoped to dirfd as the root. -1 with errno set.
int OpenInRoot(int rootfd, const std::string& path, uint64_t flags);

// An O_PATH descriptor of `path` inside `rootfd`; with `create`, missing directories are made
// (0755) and a missing last component is made a directory, or an empty file when `file`.
// -1 with errno set.
int ResolveInRoot(int rootfd, const std::string& path, bool create, bool file);

// The non-empty components of a slash-separated path.
std::vector<std::string> PathComponents(const std::string& path);

}  // namespace cubelet::runtime
