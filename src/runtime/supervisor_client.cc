#include "runtime/supervisor_client.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "runtime/host.h"
#include "runtime/shared/socket.h"

namespace cubelet::runtime {
namespace {

using base::Code;
using base::Status;

int PollMs(std::chrono::steady_clock::time_point deadline, bool forever) {
  if (forever) return -1;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

base::Result<LaunchedSupervisor> LaunchSupervisor(const std::string& binary, const std::string& dir,
                                                  std::chrono::milliseconds timeout) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return base::ErrnoError(errno, "pipe");
  std::string log = dir + "/supervisor.log";
  int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) {
    Status s = base::ErrnoError(errno, "opening " + log);
    for (int fd : {ready[0], ready[1], log_fd, null_fd}) {
      if (fd >= 0) close(fd);
    }
    return s;
  }
  // Everything the child needs is prepared before fork: the server is multi-threaded, so the
  // child may only make async-signal-safe calls until execve.
  const char* argv[] = {"cubelet-supervisor", dir.c_str(), nullptr};
  const char* envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", nullptr};
  pid_t pid = fork();
  if (pid == 0) {
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_UNBLOCK, &all, nullptr);
    setsid();
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    if (ready[1] == 3) {
      fcntl(3, F_SETFD, 0);
    } else {
      dup2(ready[1], 3);  // dup2 clears close-on-exec on the new descriptor
    }
    syscall(SYS_close_range, 4U, ~0U, 0U);
    execve(binary.c_str(), const_cast<char**>(argv), const_cast<char**>(envp));
    const char msg[] = "error exec of the supervisor failed\n";
    (void)!write(3, msg, sizeof msg - 1);
    _exit(127);
  }
  int fork_errno = errno;
  close(ready[1]);
  close(log_fd);
  close(null_fd);
  if (pid < 0) {
    close(ready[0]);
    return base::ErrnoError(fork_errno, "starting the pod supervisor");
  }
  // The launched process forks the real supervisor, prints its PID, and exits; the supervisor
  // prints "ready" (or "error ...") and closes the pipe.
  std::string text;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  while (true) {
    pollfd p{ready[0], POLLIN, 0};
    int rc = poll(&p, 1, PollMs(deadline, false));
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) {
      timed_out = true;
      break;
    }
    char buf[512];
    ssize_t n = read(ready[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(ready[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // Two writers share the pipe (the exiting parent with the PID, the supervisor with "ready"),
  // so the lines may come in either order.
  LaunchedSupervisor out;
  bool is_ready = false;
  std::string error_line;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line == "ready") {
      is_ready = true;
    } else if (line.rfind("error ", 0) == 0) {
      error_line = line.substr(6);
    } else if (!line.empty() && line.find_first_not_of("0123456789") == std::string::npos) {
      out.pid = std::atoi(line.c_str());
    }
  }
  if (!is_ready || timed_out) {
    if (out.pid > 0) kill(out.pid, SIGKILL);
    std::string why = !error_line.empty() ? error_line
                      : timed_out         ? "no answer in time"
                                          : "it exited";
    // The sandbox directory goes away with the failed sandbox: keep what the supervisor said.
    auto said = host::ReadFile(log);
    if (said.ok() && !said->empty()) {
      std::string tail = said->size() > 400 ? said->substr(said->size() - 400) : *said;
      while (!tail.empty() && tail.back() == '\n') tail.pop_back();
      why += "; it said: " + tail;
    }
    return Status(Code::kInternal,
                  fmt::format("starting the pod supervisor {}: {} (see {})", binary, why, log));
  }
  out.start_time = host::ProcessStartTime(out.pid);
  return out;
}

base::Result<wire::Message> CallSupervisor(const std::string& socket_path,
                                           const wire::Message& request,
                                           std::chrono::milliseconds timeout,
                                           const std::vector<int>& fds) {
  int fd = sock::Connect(socket_path);
  if (fd < 0) {
    return Status(Code::kUnavailable, fmt::format("the pod supervisor at {} does not answer: {}",
                                                  socket_path, std::strerror(errno)));
  }
  if (!sock::Send(fd, request.Encode(), fds)) {
    Status s = base::ErrnoError(errno, "sending to the pod supervisor");
    close(fd);
    return s;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    pollfd p{fd, POLLIN, 0};
    int rc = poll(&p, 1, PollMs(deadline, timeout.count() < 0));
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) {
      close(fd);
      return Status(Code::kTimeout, "the pod supervisor did not answer in time");
    }
    break;
  }
  std::string data;
  ssize_t n = sock::Receive(fd, &data);
  close(fd);
  if (n <= 0) {
    return Status(Code::kUnavailable, "the pod supervisor closed the connection");
  }
  wire::Message reply;
  std::string error;
  if (!wire::Message::Decode(data, &reply, &error)) {
    return Status(Code::kInternal, "bad reply from the pod supervisor: " + error);
  }
  if (reply.Has("error")) return Status(Code::kInternal, reply.Get("error"));
  return reply;
}

}  // namespace cubelet::runtime
