#include "runtime/supervisor/supervisor.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <malloc.h>
#include <map>
#include <memory>
#include <net/if.h>
#include <sched.h>
#include <set>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "runtime/shared/crilog.h"
#include "runtime/shared/socket.h"
#include "runtime/shared/spec.h"
#include "runtime/shared/wire.h"
#include "runtime/supervisor/process.h"

namespace cubelet::runtime::supervisor {
namespace {

int64_t Now(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

void Log(const char* what, const std::string& detail, int err = 0) {
  std::fprintf(stderr, "%s: %s%s%s\n", what, detail.c_str(), err ? ": " : "",
               err ? std::strerror(err) : "");
}

// Reads everything a pipe holds until EOF (the writers are gone when this is called).
std::string ReadAll(int fd) {
  std::string out;
  char buf[1024];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// The "oom_kill N" counter of a cgroup (v1 memory.oom_control, v2 memory.events).
int64_t OomKills(const std::string& file) {
  std::string text;
  if (file.empty() || !wire::ReadFile(file, &text)) return 0;
  size_t pos = text.find("oom_kill ");
  if (pos == std::string::npos) return 0;
  return std::strtoll(text.c_str() + pos + 9, nullptr, 10);
}

// The host PID of a child: as PID 1 of the pod's PID namespace this process sees its children
// under that namespace's numbers, but /proc here is the host's, and the server addresses
// containers by host PID. A pidfd's fdinfo shows the PID as the procfs instance numbers it.
int HostPid(int local_pid) {
  int fd = static_cast<int>(syscall(SYS_pidfd_open, local_pid, 0));
  if (fd < 0) return local_pid;
  std::string info;
  bool ok = wire::ReadFile("/proc/self/fdinfo/" + std::to_string(fd), &info);
  close(fd);
  size_t pos = ok ? info.find("\nPid:") : std::string::npos;
  if (pos == std::string::npos) return local_pid;
  return std::atoi(info.c_str() + pos + 6);
}

void ResetSignalsForChild() {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_UNBLOCK, &all, nullptr);
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD}) signal(sig, SIG_DFL);
}

struct Waiter {
  int conn;
  int64_t deadline;  // CLOCK_MONOTONIC ns
};

struct Container {
  ContainerSpec spec;
  std::string seccomp;
  ContainerRecord record;  // record.pid is the host PID (what the server and /proc/<pid> use)
  int local_pid = 0;       // the PID in this process's namespace (kill, waitpid)
  int64_t oom_before = 0;
  std::unique_ptr<CriLogWriter> log;
  int out = -1;
  int err = -1;
  std::vector<Waiter> waiters;
};

struct ExecJob {
  int conn;
  int error_fd;
};

class Supervisor {
 public:
  Supervisor(std::string dir) : dir_(std::move(dir)) {}
  int Run(int ready_fd);

 private:
  void Add(int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
  }
  void Remove(int fd) {
    epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
  }
  void Reply(int conn, const wire::Message& m) {
    // An empty packet reads as end-of-stream on SOCK_SEQPACKET: a bare success says "ok=1".
    std::string data = m.fields().empty() ? std::string("ok=1\n") : m.Encode();
    if (!sock::Send(conn, data)) Log("reply", "send", errno);
  }
  void ReplyError(int conn, const std::string& error) {
    wire::Message m;
    m.Add("error", error);
    Reply(conn, m);
  }

  void Accept();
  void OnConnection(int conn);
  void CloseConnection(int conn);
  void OnSignal();
  void OnPipe(int fd);
  void ExpireWaiters();
  int EpollTimeout() const;

  void Start(int conn, const wire::Message& m);
  void Signal(int conn, const wire::Message& m);
  void Wait(int conn, const wire::Message& m);
  void Exec(int conn, const wire::Message& m, std::vector<int>& fds);
  void Forget(int conn, const wire::Message& m);
  void List(int conn);
  [[noreturn]] void Shutdown(int conn);

  void Reap(bool block);
  void Exited(Container& c, int status);
  // Reads what a log pipe holds; closes it at EOF. `until_eof` keeps reading a blocking-empty
  // pipe only while data comes (the container is gone, writers may remain).
  void Drain(Container& c, int fd);
  void ClosePipe(Container& c, int fd);
  void SaveRecord(const Container& c);

  std::string dir_;
  int epfd_ = -1;
  int listen_fd_ = -1;
  int signal_fd_ = -1;
  std::map<std::string, Container> containers_;
  std::map<int, std::string> pids_;   // container local PID → ID
  std::map<int, std::string> pipes_;  // log pipe fd → container ID
  std::map<int, ExecJob> execs_;      // exec helper PID → job
  std::set<int> conns_;
};

void Supervisor::Accept() {
  while (true) {
    int conn = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (conn < 0) return;
    conns_.insert(conn);
    Add(conn);
  }
}

void Supervisor::CloseConnection(int conn) {
  for (auto& [id, c] : containers_) {
    std::erase_if(c.waiters, [conn](const Waiter& w) { return w.conn == conn; });
  }
  // An exec whose caller left (a probe that timed out) is killed; the process inside the
  // container follows through its parent-death signal.
  for (auto& [pid, job] : execs_) {
    if (job.conn == conn) {
      kill(pid, SIGKILL);
      job.conn = -1;
    }
  }
  conns_.erase(conn);
  Remove(conn);
}

void Supervisor::OnConnection(int conn) {
  std::string data;
  std::vector<int> fds;
  ssize_t n = sock::Receive(conn, &data, &fds);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
  if (n <= 0) {
    for (int fd : fds) close(fd);
    CloseConnection(conn);
    return;
  }
  wire::Message m;
  std::string error;
  if (!wire::Message::Decode(data, &m, &error)) {
    for (int fd : fds) close(fd);
    ReplyError(conn, "bad request: " + error);
    return;
  }
  std::string op = m.Get("op");
  if (op == "exec") {
    Exec(conn, m, fds);
    return;
  }
  for (int fd : fds) close(fd);
  if (op == "start") {
    Start(conn, m);
  } else if (op == "signal") {
    Signal(conn, m);
  } else if (op == "wait") {
    Wait(conn, m);
  } else if (op == "forget") {
    Forget(conn, m);
  } else if (op == "list") {
    List(conn);
  } else if (op == "shutdown") {
    Shutdown(conn);
  } else if (op == "ping") {
    wire::Message r;
    r.AddInt("pid", getpid());
    Reply(conn, r);
  } else {
    ReplyError(conn, "unknown op \"" + op + "\"");
  }
  // Requests allocate briefly (a spec, a reply); give the freed pages back so that a
  // supervisor's heap stays what it holds, not what it once touched (resident memory per pod).
  malloc_trim(0);
}

void Supervisor::SaveRecord(const Container& c) {
  if (c.spec.state_file.empty()) return;
  if (!wire::WriteFileAtomic(c.spec.state_file, EncodeRecord(c.record).Encode())) {
    Log("state file", c.spec.state_file, errno);
  }
}

void Supervisor::Start(int conn, const wire::Message& m) {
  ContainerSpec spec;
  std::string error;
  if (!DecodeSpec(m, &spec, &error)) return ReplyError(conn, error);
  auto it = containers_.find(spec.id);
  if (it != containers_.end() && it->second.record.state == ContainerRecord::kRunning) {
    return ReplyError(conn, "container " + spec.id + " is running");
  }
  Container c;
  c.spec = spec;
  c.record.id = spec.id;
  if (!spec.seccomp_file.empty() && !wire::ReadFile(spec.seccomp_file, &c.seccomp)) {
    return ReplyError(conn,
                      "reading seccomp program " + spec.seccomp_file + ": " + std::strerror(errno));
  }
  c.log = std::make_unique<CriLogWriter>(spec.log_path, spec.log_max_size, spec.log_max_files);
  if (!c.log->Open(&error)) return ReplyError(conn, "opening log " + spec.log_path + ": " + error);
  c.oom_before = OomKills(spec.oom_events_file);
  int out[2], err[2], status_pipe[2];
  if (pipe2(out, O_CLOEXEC) != 0)
    return ReplyError(conn, std::string("pipe: ") + std::strerror(errno));
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return ReplyError(conn, std::string("pipe: ") + std::strerror(errno));
  }
  if (pipe2(status_pipe, O_CLOEXEC) != 0) {
    for (int fd : {out[0], out[1], err[0], err[1]}) close(fd);
    return ReplyError(conn, std::string("pipe: ") + std::strerror(errno));
  }
  unsigned long flags = CLONE_NEWNS | SIGCHLD | (spec.new_pid_ns ? CLONE_NEWPID : 0);
  // Joining the infra container's PID namespace: setns(CLONE_NEWPID) changes where this
  // process's next child is born; it is undone right after the clone.
  int own_pid_ns = -1;
  if (!spec.join_pid_ns.empty()) {
    own_pid_ns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    int target = open(spec.join_pid_ns.c_str(), O_RDONLY | O_CLOEXEC);
    bool joined = own_pid_ns >= 0 && target >= 0 && setns(target, CLONE_NEWPID) == 0;
    int saved = errno;
    if (target >= 0) close(target);
    if (!joined) {
      if (own_pid_ns >= 0) close(own_pid_ns);
      for (int fd : {out[0], out[1], err[0], err[1], status_pipe[0], status_pipe[1]}) close(fd);
      return ReplyError(conn, "joining the pod's PID namespace " + spec.join_pid_ns + ": " +
                                  std::strerror(saved));
    }
    flags &= ~static_cast<unsigned long>(CLONE_NEWPID);
  }
  // A raw clone behaves like fork here (no new stack): the child continues below with a copy
  // of this single-threaded process, already in its new mount (and PID) namespace.
  long pid = syscall(SYS_clone, flags, nullptr, nullptr, nullptr, nullptr);
  if (pid == 0) {
    ResetSignalsForChild();
    ContainerInit(c.spec, c.seccomp, out[1], err[1], status_pipe[1]);
  }
  int clone_errno = errno;
  if (own_pid_ns >= 0) {
    if (setns(own_pid_ns, CLONE_NEWPID) != 0)
      Log("setns", "back to the supervisor's PID namespace", errno);
    close(own_pid_ns);
  }
  close(out[1]);
  close(err[1]);
  close(status_pipe[1]);
  if (pid < 0) {
    for (int fd : {out[0], err[0], status_pipe[0]}) close(fd);
    return ReplyError(conn, std::string("clone: ") + std::strerror(clone_errno));
  }
  std::string failure = ReadAll(status_pipe[0]);
  close(status_pipe[0]);
  if (!failure.empty()) {
    int status;
    while (waitpid(static_cast<pid_t>(pid), &status, 0) < 0 && errno == EINTR) {
    }
    std::string output = ReadAll(out[0]) + ReadAll(err[0]);
    close(out[0]);
    close(err[0]);
    c.record.state = ContainerRecord::kStartFailed;
    c.record.exit_code = 128;  // what containerd reports for a container that never ran
    c.record.started_ns = c.record.finished_ns = Now(CLOCK_REALTIME);
    c.record.error = failure;
    SaveRecord(c);
    wire::Message r = EncodeRecord(c.record);
    containers_[spec.id] = std::move(c);
    return Reply(conn, r);
  }
  c.record.state = ContainerRecord::kRunning;
  c.local_pid = static_cast<int>(pid);
  c.record.pid = HostPid(c.local_pid);
  c.record.started_ns = Now(CLOCK_REALTIME);
  for (int fd : {out[0], err[0]}) {
    fcntl(fd, F_SETFL, O_NONBLOCK);
    pipes_[fd] = spec.id;
    Add(fd);
  }
  c.out = out[0];
  c.err = err[0];
  SaveRecord(c);
  pids_[c.local_pid] = spec.id;
  wire::Message r = EncodeRecord(c.record);
  containers_[spec.id] = std::move(c);
  Reply(conn, r);
}

void Supervisor::Signal(int conn, const wire::Message& m) {
  auto it = containers_.find(m.Get("id"));
  if (it == containers_.end()) return ReplyError(conn, "no container " + m.Get("id"));
  Container& c = it->second;
  if (c.record.state == ContainerRecord::kRunning &&
      kill(c.local_pid, static_cast<int>(m.GetInt("signal", SIGTERM))) != 0 && errno != ESRCH) {
    return ReplyError(conn, std::string("kill: ") + std::strerror(errno));
  }
  Reply(conn, EncodeRecord(c.record));
}

void Supervisor::Wait(int conn, const wire::Message& m) {
  auto it = containers_.find(m.Get("id"));
  if (it == containers_.end()) return ReplyError(conn, "no container " + m.Get("id"));
  Container& c = it->second;
  if (c.record.state != ContainerRecord::kRunning) return Reply(conn, EncodeRecord(c.record));
  int64_t timeout_ms = m.GetInt("timeout_ms", -1);
  int64_t deadline = timeout_ms < 0 ? INT64_MAX : Now(CLOCK_MONOTONIC) + timeout_ms * 1000000;
  c.waiters.push_back(Waiter{conn, deadline});
}

void Supervisor::Exec(int conn, const wire::Message& m, std::vector<int>& fds) {
  auto close_fds = [&fds] {
    for (int fd : fds) close(fd);
  };
  auto it = containers_.find(m.Get("id"));
  if (it == containers_.end()) {
    close_fds();
    return ReplyError(conn, "no container " + m.Get("id"));
  }
  Container& c = it->second;
  if (c.record.state != ContainerRecord::kRunning) {
    close_fds();
    return ReplyError(conn, "container " + c.spec.id + " is not running");
  }
  std::vector<std::string> argv = m.GetAll("arg");
  if (argv.empty() || fds.size() != 3) {
    close_fds();
    return ReplyError(conn, "exec needs a command and three file descriptors");
  }
  int status_pipe[2];
  if (pipe2(status_pipe, O_CLOEXEC) != 0) {
    close_fds();
    return ReplyError(conn, std::string("pipe: ") + std::strerror(errno));
  }
  pid_t pid = fork();
  if (pid == 0) {
    ResetSignalsForChild();
    close(status_pipe[0]);
    ExecInContainer(c.spec, c.seccomp, c.record.pid, argv, fds[0], fds[1], fds[2], status_pipe[1]);
  }
  int fork_errno = errno;
  close_fds();
  close(status_pipe[1]);
  if (pid < 0) {
    close(status_pipe[0]);
    return ReplyError(conn, std::string("fork: ") + std::strerror(fork_errno));
  }
  execs_[pid] = ExecJob{conn, status_pipe[0]};
}

void Supervisor::Forget(int conn, const wire::Message& m) {
  auto it = containers_.find(m.Get("id"));
  if (it != containers_.end()) {
    if (it->second.record.state == ContainerRecord::kRunning) {
      return ReplyError(conn, "container " + it->first + " is running");
    }
    for (int fd : {it->second.out, it->second.err}) {
      if (fd >= 0) {
        pipes_.erase(fd);
        Remove(fd);
      }
    }
    containers_.erase(it);
  }
  Reply(conn, wire::Message());
}

void Supervisor::List(int conn) {
  wire::Message r;
  for (const auto& [id, c] : containers_) r.Add("record", EncodeRecord(c.record).Encode());
  Reply(conn, r);
}

void Supervisor::Shutdown(int conn) {
  if (getpid() == 1) {
    // PID 1 of the pod's PID namespace: every process in it goes, orphans included.
    kill(-1, SIGKILL);
  }
  for (auto& [id, c] : containers_) {
    if (c.record.state == ContainerRecord::kRunning) kill(c.local_pid, SIGKILL);
  }
  for (auto& [pid, job] : execs_) kill(pid, SIGKILL);
  Reap(true);
  for (auto& [id, c] : containers_) {
    for (int fd : {c.out, c.err}) {
      if (fd >= 0) Drain(c, fd);
    }
  }
  if (conn >= 0) Reply(conn, wire::Message());
  _exit(0);
}

void Supervisor::ClosePipe(Container& c, int fd) {
  CriStream stream = fd == c.out ? CriStream::kStdout : CriStream::kStderr;
  c.log->Flush(stream, Now(CLOCK_REALTIME));
  if (fd == c.out) c.out = -1;
  if (fd == c.err) c.err = -1;
  pipes_.erase(fd);
  Remove(fd);
}

void Supervisor::Drain(Container& c, int fd) {
  CriStream stream = fd == c.out ? CriStream::kStdout : CriStream::kStderr;
  char buf[16 * 1024];  // stack pages touched once stay resident: keep this modest
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      c.log->Write(stream, buf, static_cast<size_t>(n), Now(CLOCK_REALTIME));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) ClosePipe(c, fd);
    return;  // EOF, or EAGAIN: a process outside the container still holds the pipe
  }
}

void Supervisor::OnPipe(int fd) {
  auto it = pipes_.find(fd);
  if (it == pipes_.end()) return;
  Drain(containers_[it->second], fd);
}

void Supervisor::Exited(Container& c, int status) {
  pids_.erase(c.local_pid);
  // The container's PID namespace died with its first process, so its output is complete:
  // take it now, before the exit is reported, so that a waiter reading the log sees it all.
  for (int fd : {c.out, c.err}) {
    if (fd >= 0) Drain(c, fd);
  }
  c.record.state = ContainerRecord::kExited;
  c.record.finished_ns = Now(CLOCK_REALTIME);
  if (WIFSIGNALED(status)) {
    c.record.signal = WTERMSIG(status);
    c.record.exit_code = 128 + c.record.signal;
  } else {
    c.record.exit_code = WEXITSTATUS(status);
  }
  c.record.oom_killed = OomKills(c.spec.oom_events_file) > c.oom_before;
  SaveRecord(c);
  wire::Message r = EncodeRecord(c.record);
  for (const Waiter& w : c.waiters) Reply(w.conn, r);
  c.waiters.clear();
}

void Supervisor::Reap(bool block) {
  while (true) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, block ? 0 : WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return;
    if (auto it = pids_.find(pid); it != pids_.end()) {
      Exited(containers_[it->second], status);
    } else if (auto job = execs_.find(pid); job != execs_.end()) {
      std::string failure = ReadAll(job->second.error_fd);
      close(job->second.error_fd);
      if (job->second.conn >= 0) {
        wire::Message r;
        if (!failure.empty()) {
          r.Add("error", failure);
        } else {
          r.AddInt("exit_code", WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
        }
        Reply(job->second.conn, r);
      }
      execs_.erase(job);
    }
    // Anything else is an orphan this process reaped as PID 1 or subreaper: nothing to record.
  }
}

void Supervisor::OnSignal() {
  signalfd_siginfo info;
  while (read(signal_fd_, &info, sizeof info) == sizeof info) {
    if (info.ssi_signo == SIGCHLD) {
      Reap(false);
    } else {
      // SIGTERM/SIGINT/SIGHUP: end the pod as `shutdown` does (the server is not involved).
      Shutdown(-1);
    }
  }
}

int Supervisor::EpollTimeout() const {
  int64_t next = INT64_MAX;
  for (const auto& [id, c] : containers_) {
    for (const Waiter& w : c.waiters) next = std::min(next, w.deadline);
  }
  if (next == INT64_MAX) return -1;
  int64_t ms = (next - Now(CLOCK_MONOTONIC) + 999999) / 1000000;
  return ms < 0 ? 0 : static_cast<int>(std::min<int64_t>(ms, 60000));
}

void Supervisor::ExpireWaiters() {
  int64_t now = Now(CLOCK_MONOTONIC);
  for (auto& [id, c] : containers_) {
    std::erase_if(c.waiters, [&](const Waiter& w) {
      if (w.deadline > now) return false;
      wire::Message r = EncodeRecord(c.record);
      r.AddBool("timeout", true);
      Reply(w.conn, r);
      return true;
    });
  }
}

int Supervisor::Run(int ready_fd) {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&mask, sig);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal_fd_ = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  listen_fd_ = sock::Listen(dir_ + "/sock");
  if (epfd_ < 0 || signal_fd_ < 0 || listen_fd_ < 0) {
    std::string msg = std::string("error ") + std::strerror(errno) + "\n";
    if (ready_fd >= 0) (void)!write(ready_fd, msg.data(), msg.size());
    return 1;
  }
  Add(signal_fd_);
  Add(listen_fd_);
  if (ready_fd >= 0) {
    (void)!write(ready_fd, "ready\n", 6);
    close(ready_fd);
  }
  epoll_event events[32];
  while (true) {
    int n = epoll_wait(epfd_, events, 32, EpollTimeout());
    if (n < 0 && errno != EINTR) {
      Log("epoll_wait", "", errno);
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == listen_fd_) {
        Accept();
      } else if (fd == signal_fd_) {
        OnSignal();
      } else if (conns_.count(fd)) {
        OnConnection(fd);
      } else {
        OnPipe(fd);
      }
    }
    ExpireWaiters();
  }
}

void NoOp(int) {}

// Brings up the loopback interface of the new network namespace, so the pod's containers reach
// each other on localhost.
bool LoopbackUp() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ioctl(fd, SIOCGIFFLAGS, &req) == 0;
  if (ok) {
    req.ifr_flags |= IFF_UP | IFF_RUNNING;
    ok = ioctl(fd, SIOCSIFFLAGS, &req) == 0;
  }
  int saved = errno;
  close(fd);
  errno = saved;
  return ok;
}

}  // namespace

int Main(const std::string& dir) {
  int ready_fd = fcntl(3, F_GETFD) >= 0 ? 3 : -1;
  if (ready_fd >= 0) fcntl(ready_fd, F_SETFD, FD_CLOEXEC);
  auto fail = [&](const std::string& what, int err) {
    std::string msg = "error " + what + (err ? std::string(": ") + std::strerror(err) : "") + "\n";
    if (ready_fd >= 0) (void)!write(ready_fd, msg.data(), msg.size());
    std::fputs(msg.c_str(), stderr);
    return 1;
  };
  std::string text;
  if (!wire::ReadFile(dir + "/supervisor.conf", &text))
    return fail(dir + "/supervisor.conf", errno);
  wire::Message m;
  std::string error;
  if (!wire::Message::Decode(text, &m, &error)) return fail("supervisor.conf: " + error, 0);
  SupervisorConfig config = DecodeSupervisorConfig(m);
  for (const std::string& procs : config.cgroup_procs) {
    int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) return fail("joining cgroup " + procs, errno);
    close(fd);
  }
  int flags = CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | (config.share_pid ? CLONE_NEWPID : 0);
  if (unshare(flags) != 0) return fail("unshare", errno);
  if (!config.hostname.empty() &&
      sethostname(config.hostname.data(), config.hostname.size()) != 0) {
    return fail("sethostname", errno);
  }
  if (!LoopbackUp()) return fail("bringing up lo", errno);
  // Fork once: the child is detached from the server (its parent exits now) and, with a shared
  // PID namespace, is that namespace's PID 1. The launcher learns the child's host PID here.
  pid_t child = fork();
  if (child < 0) return fail("fork", errno);
  if (child > 0) {
    std::string line = std::to_string(child) + "\n";
    (void)!write(ready_fd, line.data(), line.size());
    _exit(0);
  }
  if (getpid() != 1) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  signal(SIGPIPE, SIG_IGN);
  // As PID 1 of a namespace, signals without a handler are dropped; these are read through
  // the signalfd, the handlers only make them deliverable.
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) signal(sig, NoOp);
  Supervisor supervisor(dir);
  return supervisor.Run(ready_fd);
}

}  // namespace cubelet::runtime::supervisor
