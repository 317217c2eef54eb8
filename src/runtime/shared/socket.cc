#include "runtime/shared/socket.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace cubelet::runtime::sock {
namespace {

// Fills `addr` for `path`. When the path is too long for sun_path, the directory is opened and
// the socket is named through /proc/self/fd/<dirfd>/<name>; `dirfd` must be closed afterwards.
bool Address(const std::string& path, sockaddr_un* addr, int* dirfd) {
  *dirfd = -1;
  std::memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  std::string name = path;
  if (name.size() >= sizeof addr->sun_path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) {
      errno = ENAMETOOLONG;
      return false;
    }
    std::string dir = slash == 0 ? "/" : path.substr(0, slash);
    *dirfd = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*dirfd < 0) return false;
    name = "/proc/self/fd/" + std::to_string(*dirfd) + "/" + path.substr(slash + 1);
    if (name.size() >= sizeof addr->sun_path) {
      close(*dirfd);
      *dirfd = -1;
      errno = ENAMETOOLONG;
      return false;
    }
  }
  std::memcpy(addr->sun_path, name.c_str(), name.size() + 1);
  return true;
}

}  // namespace

int Listen(const std::string& path) {
  sockaddr_un addr;
  int dirfd;
  if (!Address(path, &addr, &dirfd)) return -1;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int saved = 0;
  if (fd >= 0) {
    unlink(addr.sun_path);
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 64) != 0) {
      saved = errno;
      close(fd);
      fd = -1;
    }
  } else {
    saved = errno;
  }
  if (dirfd >= 0) close(dirfd);
  errno = saved;
  return fd;
}

int Connect(const std::string& path) {
  sockaddr_un addr;
  int dirfd;
  if (!Address(path, &addr, &dirfd)) return -1;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  int saved = 0;
  if (fd >= 0) {
    int rc;
    do {
      rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      saved = errno;
      close(fd);
      fd = -1;
    }
  } else {
    saved = errno;
  }
  if (dirfd >= 0) close(dirfd);
  errno = saved;
  return fd;
}

bool Send(int fd, std::string_view data, const std::vector<int>& fds) {
  if (data.size() > kMaxPacket) {
    errno = EMSGSIZE;
    return false;
  }
  iovec iov{const_cast<char*>(data.data()), data.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> control;
  if (!fds.empty()) {
    control.resize(CMSG_SPACE(sizeof(int) * fds.size()));
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  while (true) {
    ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n >= 0) return true;
    if (errno != EINTR) return false;
  }
}

ssize_t Receive(int fd, std::string* data, std::vector<int>* fds) {
  // Size the buffer to the packet (MSG_PEEK|MSG_TRUNC reports its length) rather than to
  // kMaxPacket: a supervisor should not keep 192 KiB of touched heap per pod.
  ssize_t size;
  do {
    size = recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC);
  } while (size < 0 && errno == EINTR);
  if (size < 0) {
    data->clear();
    return -1;
  }
  data->resize(static_cast<size_t>(size > 0 ? size : 1));
  iovec iov{data->data(), data->size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    data->clear();
    return -1;
  }
  data->resize(static_cast<size_t>(n));
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int received;
      std::memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (fds != nullptr) {
        fds->push_back(received);
      } else {
        close(received);
      }
    }
  }
  return n;
}

}  // namespace cubelet::runtime::sock
