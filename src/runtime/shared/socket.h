// Unix SOCK_SEQPACKET sockets between the server and a supervisor: one request or reply per
// packet (no framing code on either side), optionally carrying file descriptors (an exec's
// stdin/stdout/stderr).
//
// Linked into the supervisor: libc and the C++ standard library only.
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace cubelet::runtime::sock {

// The largest packet either side sends (a container spec with a large environment fits).
inline constexpr size_t kMaxPacket = 192 * 1024;

// A listening socket at `path` (an old socket file there is replaced). -1 with errno set.
// Paths longer than sun_path are reached through /proc/self/fd of their directory.
int Listen(const std::string& path);
// A connected socket, blocking, close-on-exec. -1 with errno set.
int Connect(const std::string& path);
// Sends one packet with `fds` attached. False with errno set.
bool Send(int fd, std::string_view data, const std::vector<int>& fds = {});
// Receives one packet; received descriptors are appended to `fds` (close-on-exec). Returns the
// byte count, 0 at end of stream, -1 with errno set.
ssize_t Receive(int fd, std::string* data, std::vector<int>* fds = nullptr);

}  // namespace cubelet::runtime::sock
