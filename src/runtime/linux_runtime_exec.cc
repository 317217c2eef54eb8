#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <fmt/format.h>

#include "runtime/linux_runtime.h"
#include "runtime/shared/socket.h"

namespace cubelet::runtime {
namespace {

using base::Code;
using base::Result;
using base::Status;

// What an exec probe keeps of the output; the kubelet keeps 10 KiB.
constexpr size_t kMaxExecOutput = 10 * 1024;

}  // namespace

Result<int> LinuxRuntime::ExecWithFds(const std::string& container_id,
                                      const std::vector<std::string>& argv, int in, int out,
                                      int err, int* close_after_send, int output_pipe,
                                      std::string* output, std::chrono::milliseconds timeout,
                                      bool* timed_out) {
  if (argv.empty()) return Status(Code::kInvalid, "exec needs a command");
  ASSIGN_OR_RETURN(ContainerMeta meta, LoadMeta(container_id));
  auto sandbox = LoadSandbox(meta.sandbox_id);
  ContainerStatus status = StatusOf(meta, sandbox.ok() ? &*sandbox : nullptr);
  if (status.state != ContainerState::kRunning) {
    return Status(Code::kConflict, fmt::format("container {} is not running", meta.name));
  }
  wire::Message req;
  req.Add("op", "exec");
  req.Add("id", container_id);
  for (const auto& a : argv) req.Add("arg", a);
  int fd = sock::Connect(Socket(meta.sandbox_id));
  if (fd < 0) return Status(Code::kUnavailable, "the pod supervisor does not answer");
  if (!sock::Send(fd, req.Encode(), {in, out, err})) {
    Status s = base::ErrnoError(errno, "sending the exec request");
    close(fd);
    return s;
  }
  // The supervisor has its own copies now; this process's write end of the output pipe must
  // close so that the read side sees EOF when the process ends.
  if (close_after_send != nullptr && *close_after_send >= 0) {
    close(*close_after_send);
    *close_after_send = -1;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string reply_data;
  bool replied = false;
  while (!replied) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {output_pipe, POLLIN, 0}};
    int n_fds = output_pipe >= 0 ? 2 : 1;
    int wait_ms = -1;
    if (timeout.count() >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      wait_ms = left.count() < 0 ? 0 : static_cast<int>(left.count());
    }
    int rc = poll(fds, n_fds, wait_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) {
      // Closing the connection makes the supervisor kill the process.
      close(fd);
      *timed_out = true;
      return -1;
    }
    if (n_fds == 2 && (fds[1].revents & (POLLIN | POLLHUP))) {
      char buf[4096];
      ssize_t n = read(output_pipe, buf, sizeof buf);
      if (n > 0 && output->size() < kMaxExecOutput) {
        output->append(buf, std::min(static_cast<size_t>(n), kMaxExecOutput - output->size()));
      }
      if (n == 0) output_pipe = -1;
    }
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      if (sock::Receive(fd, &reply_data) <= 0) {
        close(fd);
        return Status(Code::kUnavailable, "the pod supervisor closed the exec connection");
      }
      replied = true;
    }
  }
  close(fd);
  // Output written just before the exit is still in the pipe.
  if (output_pipe >= 0) {
    fcntl(output_pipe, F_SETFL, O_NONBLOCK);
    char buf[4096];
    ssize_t n;
    while ((n = read(output_pipe, buf, sizeof buf)) > 0) {
      if (output->size() < kMaxExecOutput) {
        output->append(buf, std::min(static_cast<size_t>(n), kMaxExecOutput - output->size()));
      }
    }
  }
  wire::Message reply;
  std::string error;
  if (!wire::Message::Decode(reply_data, &reply, &error)) return Status(Code::kInternal, error);
  if (reply.Has("error")) return Status(Code::kInternal, reply.Get("error"));
  return static_cast<int>(reply.GetInt("exit_code", -1));
}

Result<ExecResult> LinuxRuntime::ExecSync(const std::string& container_id,
                                          const std::vector<std::string>& argv,
                                          std::chrono::milliseconds timeout) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return base::ErrnoError(errno, "pipe");
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return base::ErrnoError(errno, "/dev/null");
  }
  ExecResult result;
  int write_end = pipe_fds[1];
  // stdout and stderr share one pipe: a probe's output is read interleaved, as the kubelet
  // shows it.
  auto code = ExecWithFds(container_id, argv, null_fd, write_end, write_end, &write_end,
                          pipe_fds[0], &result.output, timeout, &result.timed_out);
  if (write_end >= 0) close(write_end);
  close(null_fd);
  close(pipe_fds[0]);
  if (!code.ok()) return code.status();
  result.exit_code = *code;
  return result;
}

Result<int> LinuxRuntime::Exec(const std::string& container_id,
                               const std::vector<std::string>& argv, const ExecIo& io) {
  int null_fd = -1;
  int in = io.stdin_fd;
  if (in < 0) {
    null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    in = null_fd;
  }
  bool timed_out = false;
  std::string unused;
  auto code = ExecWithFds(container_id, argv, in, io.stdout_fd, io.stderr_fd, nullptr, -1, &unused,
                          std::chrono::milliseconds(-1), &timed_out);
  if (null_fd >= 0) close(null_fd);
  return code;
}

}  // namespace cubelet::runtime
