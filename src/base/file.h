// Small files read whole and replaced atomically: state, keys, certificates, kubeconfigs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "base/status.h"

namespace cubelet::base {

// The file's contents, or nullopt when it does not exist. Any other failure (EACCES, EIO) is an
// error: treating an unreadable file as missing would make callers replace what they cannot
// read.
Result<std::optional<std::string>> ReadFileIfExists(const std::string& path);

// Replaces `path` with `data` so that a crash (of the process or the machine) leaves either the
// old or the new contents, never a torn file: a temporary file with exactly `mode` (the umask
// does not apply), fsync, rename, fsync of the directory.
Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode);

}  // namespace cubelet::base
