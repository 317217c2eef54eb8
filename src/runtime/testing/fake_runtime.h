// FakeRuntime: an in-memory Runtime for the node agent's unit tests, in the manner of the
// kubelet's FakeRuntimeService and containerd's fake CRI. Tests only: production code never
// includes src/runtime/testing/*.h.
//
// It keeps sandboxes and containers in maps and moves them through the states the real runtime
// reports, with the same error codes, so that code written against the fake behaves the same
// against LinuxRuntime:
//   - RunPodSandbox makes a Ready sandbox; StopPodSandbox makes it NotReady and kills its
//     running containers (exit 137, SIGKILL); RemovePodSandbox also removes its containers.
//     Both are idempotent: an unknown sandbox ID succeeds.
//   - CreateContainer (Created) needs a Ready sandbox (else Conflict) and resolves the argv and
//     stop signal like the real one (Invalid when the image and container give no command);
//     StartContainer moves Created → Running (a second start is a Conflict); StopContainer
//     moves Running → Exited (exit 143/SIGTERM when grace > 0, 137/SIGKILL when grace is 0)
//     and leaves a container that is not running as it is; RemoveContainer of an unknown ID
//     succeeds.
//   - Status, Stop and Start of an unknown ID are NotFound; ExecSync/Exec on a container that
//     is not running are Conflict.
// Every call is recorded (method name and arguments, see FakeCall) in order, including calls
// that fail. Timestamps come from the injected Clock (use base::FakeClock).
//
// Thread-safety: every method may be called from any thread. The exec handler and the call
// hook run without the fake's lock held, so they may call back into the fake.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "runtime/runtime.h"

namespace cubelet::runtime {

// One recorded call. The arguments are rendered as text so that tests compare them directly:
//   RunPodSandbox     {"<namespace>/<name>", "<uid>", "<attempt>"}
//   StopPodSandbox, RemovePodSandbox, PodSandboxStatus   {sandbox_id}
//   ListPodSandboxes  {}
//   CreateContainer   {sandbox_id, "<container name>", "<attempt>"}
//   StartContainer, RemoveContainer, GetContainerStatus  {container_id}
//   StopContainer     {container_id, "<grace in ms>"}
//   ListContainers    {} or {sandbox_id}
//   ExecSync          {container_id, "<timeout in ms>", argv...}
//   Exec              {container_id, argv...}
struct FakeCall {
  std::string method;
  std::vector<std::string> args;

  bool operator==(const FakeCall&) const = default;
  // "StopContainer(container-1, 30000)", for readable test failures.
  std::string ToString() const;
};
std::ostream& operator<<(std::ostream& os, const FakeCall& call);

class FakeRuntime final : public Runtime {
 public:
  // Answers ExecSync and Exec. `container` is the status of the target at the time of the call.
  using ExecHandler = std::function<base::Result<ExecResult>(const ContainerStatus& container,
                                                             const std::vector<std::string>& argv,
                                                             std::chrono::milliseconds timeout)>;
  // Runs at the start of every call, before anything else (blocking in it holds the caller, to
  // test concurrency; recording has already happened).
  using CallHook = std::function<void(const FakeCall& call)>;

  // `clock` must outlive the fake.
  explicit FakeRuntime(base::Clock* clock);

  // ---- Runtime -------------------------------------------------------------------------------
  base::Result<std::string> RunPodSandbox(const SandboxConfig& config) override;
  base::Status StopPodSandbox(const std::string& sandbox_id) override;
  base::Status RemovePodSandbox(const std::string& sandbox_id) override;
  base::Result<SandboxStatus> PodSandboxStatus(const std::string& sandbox_id) override;
  base::Result<std::vector<SandboxStatus>> ListPodSandboxes() override;
  base::Result<std::string> CreateContainer(const std::string& sandbox_id,
                                            const ContainerConfig& config) override;
  base::Status StartContainer(const std::string& container_id) override;
  base::Status StopContainer(const std::string& container_id,
                             std::chrono::milliseconds grace) override;
  base::Status RemoveContainer(const std::string& container_id) override;
  base::Result<ContainerStatus> GetContainerStatus(const std::string& container_id) override;
  base::Result<std::vector<ContainerStatus>> ListContainers(
      const std::optional<std::string>& sandbox_id = std::nullopt) override;
  base::Result<ExecResult> ExecSync(const std::string& container_id,
                                    const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout) override;
  // Runs the exec handler, writes its output to io.stdout_fd and returns its exit code.
  base::Result<int> Exec(const std::string& container_id, const std::vector<std::string>& argv,
                         const ExecIo& io) override;

  // ---- Recorded calls ------------------------------------------------------------------------
  std::vector<FakeCall> Calls() const;
  std::vector<FakeCall> CallsTo(std::string_view method) const;
  std::vector<std::string> CallNames() const;
  // The names of the calls that act (everything except PodSandboxStatus, ListPodSandboxes,
  // GetContainerStatus and ListContainers): the sequence a sync loop's test usually asserts,
  // without the status polling in between.
  std::vector<std::string> ActionNames() const;
  int CallCount(std::string_view method) const;
  void ClearCalls();

  // ---- Programming the fake ------------------------------------------------------------------
  // The next call of `method` (a Runtime method name, e.g. "StartContainer") fails with
  // `status` without touching any state. Several injections for one method fail that many calls,
  // in order.
  void InjectError(const std::string& method, base::Status status);
  void ClearInjectedErrors();
  // The next StartContainer of a container named `container_name` fails the way a failed exec
  // does in the real runtime: Internal error, and the container is Exited with reason
  // "StartError", exit code 128 and `message`.
  void FailNextStart(const std::string& container_name, std::string message);
  // Default: exit code 0 and no output.
  void SetExecHandler(ExecHandler handler);
  void SetCallHook(CallHook hook);

  // ---- Driving state from the test -----------------------------------------------------------
  // A running container exits on its own. An empty reason becomes "Completed" for exit code 0
  // and "Error" otherwise, as the real runtime reports. NotFound for an unknown ID, Conflict
  // when the container is not running.
  base::Status SetExited(const std::string& container_id, int exit_code,
                         const std::string& reason = "", const std::string& message = "");
  // A running container is killed by the OOM killer: exit 137, SIGKILL, reason "OOMKilled".
  base::Status SetOomKilled(const std::string& container_id);
  // The sandbox's supervisor dies: the sandbox turns NotReady, and its running containers turn
  // Unknown with reason "ContainerStatusUnknown" and exit code 137 (what LinuxRuntime reports
  // when nobody recorded the exit).
  base::Status SetSandboxNotReady(const std::string& sandbox_id);

  // The configs the sandboxes and containers were created with; nullopt for unknown IDs (also
  // after removal).
  std::optional<SandboxConfig> SandboxConfigOf(const std::string& sandbox_id) const;
  std::optional<ContainerConfig> ContainerConfigOf(const std::string& container_id) const;

 private:
  struct Sandbox {
    SandboxConfig config;
    SandboxStatus status;
    uint64_t seq = 0;  // creation order, for stable listing under a fake clock that stands still
  };
  struct Container {
    ContainerConfig config;
    ContainerStatus status;
    uint64_t seq = 0;
  };

  // Records the call and runs the hook; returns the injected error for it, if any.
  std::optional<base::Status> Enter(FakeCall call);
  // Locked helpers.
  void ExitLocked(Container& c, int exit_code, int signal, const std::string& reason,
                  const std::string& message);
  base::Result<ContainerStatus> RunnableLocked(const std::string& container_id) const;
  base::Result<ExecResult> RunExec(const std::string& container_id,
                                   const std::vector<std::string>& argv,
                                   std::chrono::milliseconds timeout);

  base::Clock* const clock_;
  mutable std::mutex mu_;
  std::vector<FakeCall> calls_;
  std::map<std::string, std::deque<base::Status>> errors_;
  std::map<std::string, std::deque<std::string>> start_failures_;  // by container name
  ExecHandler exec_handler_;
  CallHook call_hook_;
  std::map<std::string, Sandbox> sandboxes_;
  std::map<std::string, Container> containers_;
  uint64_t next_seq_ = 1;  // shared by sandboxes and containers: one creation order
  int next_sandbox_ = 1;   // IDs "sandbox-1", ... and "container-1", ...: readable in failures
  int next_container_ = 1;
  int next_pid_ = 1000;
};

}  // namespace cubelet::runtime
