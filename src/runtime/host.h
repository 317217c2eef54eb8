// The host-side actions of the runtime: directories, mounts, processes. Thin wrappers that
// turn errno into base::Status with the path in the message; the decisions live elsewhere.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cubelet::runtime::host {

base::Status MkdirAll(const std::string& path, int mode = 0755);
base::Status WriteFile(const std::string& path, std::string_view data, int mode = 0644);
base::Result<std::string> ReadFile(const std::string& path);
bool Exists(const std::string& path);
bool IsDirectory(const std::string& path);

// Unmounts every mount at or below `dir` (deepest first, detached), then deletes the tree
// without crossing into another filesystem: a mount that could not be detached stops the
// removal instead of having its contents deleted. A missing `dir` is OK.
base::Status RemoveAll(const std::string& dir);
// Mount points at or below `dir`, deepest first (from /proc/self/mountinfo).
std::vector<std::string> MountsUnder(const std::string& dir);

base::Status Mount(const std::string& source, const std::string& target, const std::string& type,
                   unsigned long flags, const std::string& data);
// Detaches the mount at `target`; not mounted is OK.
base::Status Unmount(const std::string& target);

// 64 lowercase hex characters from the kernel's random pool (sandbox and container IDs).
std::string RandomId();

// The start time of a process in clock ticks since boot (/proc/<pid>/stat field 22): with the
// PID it identifies a process across PID reuse. 0 when the process does not exist.
uint64_t ProcessStartTime(int pid);
bool ProcessAlive(int pid, uint64_t start_time);

}  // namespace cubelet::runtime::host
