// The server's side of the supervisor: starting one, and talking to it over its socket.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "runtime/shared/wire.h"

namespace cubelet::runtime {

struct LaunchedSupervisor {
  int pid = 0;  // host PID
  uint64_t start_time = 0;
};

// Starts `binary dir` detached (own session, stdio to dir/supervisor.log) and waits until its
// socket is ready. The supervisor reads dir/supervisor.conf.
base::Result<LaunchedSupervisor> LaunchSupervisor(const std::string& binary, const std::string& dir,
                                                  std::chrono::milliseconds timeout);

// One request and its reply on a fresh connection to `socket_path`. A reply carrying "error"
// becomes a failed Status with that text. timeout < 0 waits for ever.
base::Result<wire::Message> CallSupervisor(const std::string& socket_path,
                                           const wire::Message& request,
                                           std::chrono::milliseconds timeout,
                                           const std::vector<int>& fds = {});

}  // namespace cubelet::runtime
