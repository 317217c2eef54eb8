// The code that runs in a freshly cloned child of the supervisor and ends in execve: a
// container's first process, or a process exec'd into a running container. Everything here
// happens between clone and exec, in a single-threaded process, and reports a failure as one
// line on `error_fd` (close-on-exec, so a successful exec closes it with nothing written).
#pragma once

#include <string>
#include <vector>

#include "runtime/shared/spec.h"

namespace cubelet::runtime::supervisor {

// Mounts the container's filesystem (rootfs, /proc, /dev, volumes, masked paths), pivots into
// it, drops to the container's user and capabilities, applies seccomp and execs spec.argv.
// `seccomp` is the BPF program (may be empty).
[[noreturn]] void ContainerInit(const ContainerSpec& spec, const std::string& seccomp,
                                int stdout_fd, int stderr_fd, int error_fd);

// Joins the namespaces and cgroup of the running container `container_pid` and runs `argv`
// there with the container's user, capabilities and seccomp profile; this process waits for it
// and exits with its status (128+signal for a signal), so the supervisor reaps one child.
[[noreturn]] void ExecInContainer(const ContainerSpec& spec, const std::string& seccomp,
                                  int container_pid, const std::vector<std::string>& argv,
                                  int stdin_fd, int stdout_fd, int stderr_fd, int error_fd);

}  // namespace cubelet::runtime::supervisor
