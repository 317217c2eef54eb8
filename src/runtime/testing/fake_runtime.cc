#include "runtime/testing/fake_runtime.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

#include "runtime/spec_builder.h"

namespace cubelet::runtime {
namespace {

using base::Code;
using base::Result;
using base::Status;

Status SandboxNotFound(const std::string& id) {
  return Status(Code::kNotFound, fmt::format("pod sandbox \"{}\" not found", id));
}

Status ContainerNotFound(const std::string& id) {
  return Status(Code::kNotFound, fmt::format("container \"{}\" not found", id));
}

bool IsRead(std::string_view method) {
  return method == "PodSandboxStatus" || method == "ListPodSandboxes" ||
         method == "GetContainerStatus" || method == "ListContainers";
}

}  // namespace

std::string FakeCall::ToString() const {
  std::string out = method + "(";
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ", ";
    out += args[i];
  }
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const FakeCall& call) { return os << call.ToString(); }

FakeRuntime::FakeRuntime(base::Clock* clock) : clock_(clock) {}

std::optional<Status> FakeRuntime::Enter(FakeCall call) {
  std::optional<Status> injected;
  CallHook hook;
  {
    std::lock_guard lock(mu_);
    calls_.push_back(call);
    auto it = errors_.find(call.method);
    if (it != errors_.end() && !it->second.empty()) {
      injected = std::move(it->second.front());
      it->second.pop_front();
    }
    hook = call_hook_;
  }
  if (hook) hook(call);
  return injected;
}

// ---- Sandboxes ---------------------------------------------------------------------------------

Result<std::string> FakeRuntime::RunPodSandbox(const SandboxConfig& config) {
  if (auto err = Enter(
          {"RunPodSandbox",
           {config.namespace_ + "/" + config.name, config.uid, std::to_string(config.attempt)}})) {
    return *err;
  }
  // The real runtime's checks: these three name directories on the host.
  if (config.name.empty() || config.namespace_.empty() || config.uid.empty()) {
    return Status(Code::kInvalid, "pod sandbox needs a name, a namespace and a uid");
  }
  if (config.uid.find('/') != std::string::npos || config.name.find('/') != std::string::npos ||
      config.namespace_.find('/') != std::string::npos) {
    return Status(Code::kInvalid, "pod name, namespace and uid may not contain '/'");
  }
  std::lock_guard lock(mu_);
  Sandbox sb;
  sb.config = config;
  sb.seq = next_seq_++;
  SandboxStatus& s = sb.status;
  s.id = fmt::format("sandbox-{}", next_sandbox_++);
  s.name = config.name;
  s.namespace_ = config.namespace_;
  s.uid = config.uid;
  s.attempt = config.attempt;
  s.state = SandboxState::kReady;
  s.created_at = clock_->Now();
  s.supervisor_pid = next_pid_++;
  s.netns_path = fmt::format("/proc/{}/ns/net", s.supervisor_pid);
  s.hostname = config.hostname.empty() ? config.name : config.hostname;
  if (s.hostname.size() > 64) s.hostname.resize(64);
  s.log_directory = fmt::format("/fake/pods/{}_{}_{}", config.namespace_, config.name, config.uid);
  s.labels = config.labels;
  s.annotations = config.annotations;
  std::string id = s.id;
  sandboxes_.emplace(id, std::move(sb));
  return id;
}

Status FakeRuntime::StopPodSandbox(const std::string& sandbox_id) {
  if (auto err = Enter({"StopPodSandbox", {sandbox_id}})) return *err;
  std::lock_guard lock(mu_);
  auto it = sandboxes_.find(sandbox_id);
  if (it == sandboxes_.end()) return Status::Ok();  // idempotent, as LinuxRuntime
  // The supervisor's shutdown kills what still runs.
  for (auto& [id, c] : containers_) {
    if (c.status.sandbox_id == sandbox_id && c.status.state == ContainerState::kRunning) {
      ExitLocked(c, 128 + SIGKILL, SIGKILL, "Error", "");
    }
  }
  SandboxStatus& s = it->second.status;
  s.state = SandboxState::kNotReady;
  s.supervisor_pid = 0;
  s.netns_path.clear();
  return Status::Ok();
}

Status FakeRuntime::RemovePodSandbox(const std::string& sandbox_id) {
  if (auto err = Enter({"RemovePodSandbox", {sandbox_id}})) return *err;
  std::lock_guard lock(mu_);
  auto it = sandboxes_.find(sandbox_id);
  if (it == sandboxes_.end()) return Status::Ok();
  for (auto c = containers_.begin(); c != containers_.end();) {
    if (c->second.status.sandbox_id == sandbox_id) {
      c = containers_.erase(c);
    } else {
      ++c;
    }
  }
  sandboxes_.erase(it);
  return Status::Ok();
}

Result<SandboxStatus> FakeRuntime::PodSandboxStatus(const std::string& sandbox_id) {
  if (auto err = Enter({"PodSandboxStatus", {sandbox_id}})) return *err;
  std::lock_guard lock(mu_);
  auto it = sandboxes_.find(sandbox_id);
  if (it == sandboxes_.end()) return SandboxNotFound(sandbox_id);
  return it->second.status;
}

Result<std::vector<SandboxStatus>> FakeRuntime::ListPodSandboxes() {
  if (auto err = Enter({"ListPodSandboxes", {}})) return *err;
  std::lock_guard lock(mu_);
  std::vector<const Sandbox*> sorted;
  for (const auto& [id, sb] : sandboxes_) sorted.push_back(&sb);
  std::sort(sorted.begin(), sorted.end(),
            [](const Sandbox* a, const Sandbox* b) { return a->seq < b->seq; });
  std::vector<SandboxStatus> out;
  for (const Sandbox* sb : sorted) out.push_back(sb->status);
  return out;
}

// ---- Containers --------------------------------------------------------------------------------

Result<std::string> FakeRuntime::CreateContainer(const std::string& sandbox_id,
                                                 const ContainerConfig& config) {
  if (auto err =
          Enter({"CreateContainer", {sandbox_id, config.name, std::to_string(config.attempt)}})) {
    return *err;
  }
  if (config.name.empty() || config.name.find('/') != std::string::npos) {
    return Status(Code::kInvalid, fmt::format("invalid container name \"{}\"", config.name));
  }
  std::lock_guard lock(mu_);
  auto sb = sandboxes_.find(sandbox_id);
  if (sb == sandboxes_.end()) return SandboxNotFound(sandbox_id);
  if (sb->second.status.state != SandboxState::kReady) {
    return Status(
        Code::kConflict,
        fmt::format("pod sandbox {} is not ready (its supervisor is not running)", sandbox_id));
  }
  // The decisions of the real CreateContainer that depend on the config alone, so that a
  // config the real runtime refuses is refused here too.
  Status s = ParseSignal(config.image.stop_signal).status();
  if (s.ok()) s = ResolveArgv(config).status();
  if (!s.ok()) return s.WithContext("creating container " + config.name);

  Container c;
  c.config = config;
  c.seq = next_seq_++;
  ContainerStatus& st = c.status;
  st.id = fmt::format("container-{}", next_container_++);
  st.sandbox_id = sandbox_id;
  st.name = config.name;
  st.attempt = config.attempt;
  st.image_ref = config.image.ref;
  st.image_id = config.image.id;
  st.state = ContainerState::kCreated;
  st.created_at = clock_->Now();
  st.log_path =
      fmt::format("{}/{}/{}.log", sb->second.status.log_directory, config.name, config.attempt);
  st.labels = config.labels;
  st.annotations = config.annotations;
  std::string id = st.id;
  containers_.emplace(id, std::move(c));
  return id;
}

Status FakeRuntime::StartContainer(const std::string& container_id) {
  if (auto err = Enter({"StartContainer", {container_id}})) return *err;
  std::lock_guard lock(mu_);
  auto it = containers_.find(container_id);
  if (it == containers_.end()) return ContainerNotFound(container_id);
  Container& c = it->second;
  auto sb = sandboxes_.find(c.status.sandbox_id);
  if (sb == sandboxes_.end() || sb->second.status.state != SandboxState::kReady) {
    return Status(Code::kConflict, fmt::format("pod sandbox {} is not ready", c.status.sandbox_id));
  }
  if (c.status.state != ContainerState::kCreated) {
    return Status(Code::kConflict,
                  fmt::format("container {} was already started; create a new one", c.status.name));
  }
  auto failure = start_failures_.find(c.status.name);
  if (failure != start_failures_.end() && !failure->second.empty()) {
    std::string message = std::move(failure->second.front());
    failure->second.pop_front();
    c.status.started_at = clock_->Now();
    // What the supervisor records for a container that never ran.
    ExitLocked(c, 128, 0, "StartError", message);
    return Status(Code::kInternal,
                  fmt::format("failed to start container \"{}\": {}", c.status.name, message));
  }
  c.status.state = ContainerState::kRunning;
  c.status.started_at = clock_->Now();
  c.status.pid = next_pid_++;
  return Status::Ok();
}

Status FakeRuntime::StopContainer(const std::string& container_id,
                                  std::chrono::milliseconds grace) {
  if (auto err = Enter({"StopContainer", {container_id, std::to_string(grace.count())}})) {
    return *err;
  }
  std::lock_guard lock(mu_);
  auto it = containers_.find(container_id);
  if (it == containers_.end()) return ContainerNotFound(container_id);
  if (it->second.status.state == ContainerState::kRunning) {
    // With a grace period the process gets (and dies of) the stop signal; without, SIGKILL.
    int sig = grace.count() > 0 ? SIGTERM : SIGKILL;
    ExitLocked(it->second, 128 + sig, sig, "Error", "");
  }
  return Status::Ok();
}

Status FakeRuntime::RemoveContainer(const std::string& container_id) {
  if (auto err = Enter({"RemoveContainer", {container_id}})) return *err;
  std::lock_guard lock(mu_);
  containers_.erase(container_id);  // a running one is killed first; unknown IDs succeed
  return Status::Ok();
}

Result<ContainerStatus> FakeRuntime::GetContainerStatus(const std::string& container_id) {
  if (auto err = Enter({"GetContainerStatus", {container_id}})) return *err;
  std::lock_guard lock(mu_);
  auto it = containers_.find(container_id);
  if (it == containers_.end()) return ContainerNotFound(container_id);
  return it->second.status;
}

Result<std::vector<ContainerStatus>> FakeRuntime::ListContainers(
    const std::optional<std::string>& sandbox_id) {
  FakeCall call{"ListContainers", {}};
  if (sandbox_id) call.args.push_back(*sandbox_id);
  if (auto err = Enter(std::move(call))) return *err;
  std::lock_guard lock(mu_);
  std::vector<const Container*> sorted;
  for (const auto& [id, c] : containers_) {
    if (!sandbox_id || c.status.sandbox_id == *sandbox_id) sorted.push_back(&c);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const Container* a, const Container* b) { return a->seq < b->seq; });
  std::vector<ContainerStatus> out;
  for (const Container* c : sorted) out.push_back(c->status);
  return out;
}

// ---- Exec --------------------------------------------------------------------------------------

Result<ContainerStatus> FakeRuntime::RunnableLocked(const std::string& container_id) const {
  auto it = containers_.find(container_id);
  if (it == containers_.end()) return ContainerNotFound(container_id);
  if (it->second.status.state != ContainerState::kRunning) {
    return Status(Code::kConflict,
                  fmt::format("container {} is not running", it->second.status.name));
  }
  return it->second.status;
}

Result<ExecResult> FakeRuntime::RunExec(const std::string& container_id,
                                        const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout) {
  if (argv.empty()) return Status(Code::kInvalid, "exec needs a command");
  ExecHandler handler;
  ContainerStatus target;
  {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(target, RunnableLocked(container_id));
    handler = exec_handler_;
  }
  if (!handler) return ExecResult{};
  return handler(target, argv, timeout);
}

Result<ExecResult> FakeRuntime::ExecSync(const std::string& container_id,
                                         const std::vector<std::string>& argv,
                                         std::chrono::milliseconds timeout) {
  FakeCall call{"ExecSync", {container_id, std::to_string(timeout.count())}};
  call.args.insert(call.args.end(), argv.begin(), argv.end());
  if (auto err = Enter(std::move(call))) return *err;
  return RunExec(container_id, argv, timeout);
}

Result<int> FakeRuntime::Exec(const std::string& container_id, const std::vector<std::string>& argv,
                              const ExecIo& io) {
  FakeCall call{"Exec", {container_id}};
  call.args.insert(call.args.end(), argv.begin(), argv.end());
  if (auto err = Enter(std::move(call))) return *err;
  // An interactive exec has no deadline.
  ASSIGN_OR_RETURN(ExecResult result, RunExec(container_id, argv, std::chrono::milliseconds(-1)));
  if (io.stdout_fd >= 0) {
    size_t done = 0;
    while (done < result.output.size()) {
      ssize_t n = write(io.stdout_fd, result.output.data() + done, result.output.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return base::ErrnoError(errno, "writing the exec output");
      done += static_cast<size_t>(n);
    }
  }
  return result.exit_code;
}

// ---- Recorded calls ----------------------------------------------------------------------------

std::vector<FakeCall> FakeRuntime::Calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

std::vector<FakeCall> FakeRuntime::CallsTo(std::string_view method) const {
  std::lock_guard lock(mu_);
  std::vector<FakeCall> out;
  for (const auto& c : calls_) {
    if (c.method == method) out.push_back(c);
  }
  return out;
}

std::vector<std::string> FakeRuntime::CallNames() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& c : calls_) out.push_back(c.method);
  return out;
}

std::vector<std::string> FakeRuntime::ActionNames() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& c : calls_) {
    if (!IsRead(c.method)) out.push_back(c.method);
  }
  return out;
}

int FakeRuntime::CallCount(std::string_view method) const {
  std::lock_guard lock(mu_);
  return static_cast<int>(std::count_if(calls_.begin(), calls_.end(),
                                        [&](const FakeCall& c) { return c.method == method; }));
}

void FakeRuntime::ClearCalls() {
  std::lock_guard lock(mu_);
  calls_.clear();
}

// ---- Programming -------------------------------------------------------------------------------

void FakeRuntime::InjectError(const std::string& method, Status status) {
  std::lock_guard lock(mu_);
  errors_[method].push_back(std::move(status));
}

void FakeRuntime::ClearInjectedErrors() {
  std::lock_guard lock(mu_);
  errors_.clear();
  start_failures_.clear();
}

void FakeRuntime::FailNextStart(const std::string& container_name, std::string message) {
  std::lock_guard lock(mu_);
  start_failures_[container_name].push_back(std::move(message));
}

void FakeRuntime::SetExecHandler(ExecHandler handler) {
  std::lock_guard lock(mu_);
  exec_handler_ = std::move(handler);
}

void FakeRuntime::SetCallHook(CallHook hook) {
  std::lock_guard lock(mu_);
  call_hook_ = std::move(hook);
}

// ---- Driving state -----------------------------------------------------------------------------

void FakeRuntime::ExitLocked(Container& c, int exit_code, int signal, const std::string& reason,
                             const std::string& message) {
  ContainerStatus& s = c.status;
  s.state = ContainerState::kExited;
  s.finished_at = clock_->Now();
  s.pid = 0;
  s.exit_code = exit_code;
  s.signal = signal;
  s.reason = !reason.empty() ? reason : exit_code == 0 ? "Completed" : "Error";
  s.message = message;
}

Status FakeRuntime::SetExited(const std::string& container_id, int exit_code,
                              const std::string& reason, const std::string& message) {
  std::lock_guard lock(mu_);
  auto it = containers_.find(container_id);
  if (it == containers_.end()) return ContainerNotFound(container_id);
  if (it->second.status.state != ContainerState::kRunning) {
    return Status(Code::kConflict,
                  fmt::format("container {} is not running", it->second.status.name));
  }
  ExitLocked(it->second, exit_code, 0, reason, message);
  return Status::Ok();
}

Status FakeRuntime::SetOomKilled(const std::string& container_id) {
  std::lock_guard lock(mu_);
  auto it = containers_.find(container_id);
  if (it == containers_.end()) return ContainerNotFound(container_id);
  if (it->second.status.state != ContainerState::kRunning) {
    return Status(Code::kConflict,
                  fmt::format("container {} is not running", it->second.status.name));
  }
  ExitLocked(it->second, 128 + SIGKILL, SIGKILL, "OOMKilled", "");
  return Status::Ok();
}

Status FakeRuntime::SetSandboxNotReady(const std::string& sandbox_id) {
  std::lock_guard lock(mu_);
  auto it = sandboxes_.find(sandbox_id);
  if (it == sandboxes_.end()) return SandboxNotFound(sandbox_id);
  SandboxStatus& s = it->second.status;
  s.state = SandboxState::kNotReady;
  s.supervisor_pid = 0;
  s.netns_path.clear();
  for (auto& [id, c] : containers_) {
    if (c.status.sandbox_id != sandbox_id || c.status.state != ContainerState::kRunning) continue;
    c.status.state = ContainerState::kUnknown;
    c.status.pid = 0;
    c.status.exit_code = 128 + SIGKILL;
    c.status.reason = "ContainerStatusUnknown";
    c.status.message = "The container could not be located when the pod was terminated";
  }
  return Status::Ok();
}

std::optional<SandboxConfig> FakeRuntime::SandboxConfigOf(const std::string& sandbox_id) const {
  std::lock_guard lock(mu_);
  auto it = sandboxes_.find(sandbox_id);
  if (it == sandboxes_.end()) return std::nullopt;
  return it->second.config;
}

std::optional<ContainerConfig> FakeRuntime::ContainerConfigOf(
    const std::string& container_id) const {
  std::lock_guard lock(mu_);
  auto it = containers_.find(container_id);
  if (it == containers_.end()) return std::nullopt;
  return it->second.config;
}

}  // namespace cubelet::runtime
