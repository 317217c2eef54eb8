// One pod's worker: everything the agent knows and decides about one pod UID, and the sync
// that moves the runtime towards the pod's spec (the kubelet's podWorkers + SyncPod). Private
// to src/node.
//
// Threading: Sync(), RunProbes() and the accessors they use run on the worker's own thread (or
// the caller of Agent::RunOnce); SetPod(), MarkRemoved() and Snapshot() may be called from any
// thread (they touch only the fields under mu_).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/api.h"
#include "base/clock.h"
#include "base/log.h"
#include "image/image.h"
#include "node/actions.h"
#include "node/backoff.h"
#include "node/node.h"
#include "node/pod_status.h"
#include "node/prober.h"
#include "node/runtime_pod.h"
#include "runtime/runtime.h"

namespace cubelet::node {

// What every worker shares (owned by the agent).
struct WorkerDeps {
  runtime::Runtime* runtime = nullptr;
  image::ImageService* images = nullptr;
  std::function<runtime::ImageSpec(const image::ImageRecord&)> image_spec;
  ApiObjects* objects = nullptr;
  StatusSink* status = nullptr;
  EventRecorder* recorder = nullptr;
  HandlerRunner* handlers = nullptr;
  base::Clock* clock = nullptr;
  base::Logger* logger = nullptr;
  NodeInfo node;
  std::string state_dir;  // empty: nothing persisted
  base::Duration crash_loop_initial = std::chrono::seconds(10);
  base::Duration crash_loop_max = std::chrono::seconds(300);
  base::Duration image_backoff_initial = std::chrono::seconds(10);
  base::Duration image_backoff_max = std::chrono::seconds(300);
  base::Duration resync_interval = std::chrono::seconds(60);
};

// What survives a restart of the agent (state_dir/pods/<uid>.json).
struct PersistedPodState {
  std::map<std::string, BackOff::Entry> crash_backoff;
  std::map<std::string, BackOff::Entry> image_backoff;
  std::map<std::string, StartFailure> failures;
  // The restart count of the newest instance of each container: restart counts go on even
  // when every instance is gone (the kubelet reads them back from the log file names).
  std::map<std::string, uint32_t> attempts;
  std::optional<api::PodStatus> status;
  bool terminated_reported = false;
};
base::Result<PersistedPodState> LoadPodState(const std::string& path);
std::string EncodePodState(const PersistedPodState& state);
base::Status SavePodState(const std::string& path, const std::string& text);

class PodWorker {
 public:
  PodWorker(const WorkerDeps* deps, std::string uid);

  const std::string& uid() const { return uid_; }

  // ---- any thread ------------------------------------------------------------------------------
  void SetPod(api::Pod pod, std::string source);
  void MarkRemoved();
  std::string source() const;
  bool claimed() const;  // a source has given this pod
  // The pod with its latest status (nullopt until a source gave the pod).
  std::optional<api::Pod> Snapshot() const;

  // ---- the worker's thread ---------------------------------------------------------------------
  // Restores what a previous agent persisted (adoption at start).
  void Restore();
  // One sync of the pod. Returns when the next sync is due at the latest.
  base::TimePoint Sync();
  // Runs the probes that are due; true when a result changed (a sync should follow).
  bool RunProbes();
  // When the next probe is due (max() when none).
  base::TimePoint NextProbeDue() const;
  // Removed and cleaned up: the worker can be dropped.
  bool finished() const { return finished_; }

 private:
  struct ProbeRun {
    api::Probe probe;
    base::TimePoint next;
    ProbeResult last = ProbeResult::kSuccess;
    int run = 0;
    bool on_hold = false;
  };
  struct ContainerProbes {
    std::string name;
    bool init = false;
    base::TimePoint started_at;
    std::optional<ProbeRun> startup, readiness, liveness;
    ProbeState state;
  };

  // sync steps
  base::TimePoint Terminate(api::Pod pod, bool removed, const RuntimePod& rp);
  void KillContainer(const api::Pod& pod, const api::Container& c, const std::string& id,
                     base::Duration grace, const std::string& message);
  void KillPod(const api::Pod& pod, const RuntimePod& rp, base::Duration grace);
  // Starts one container; false when it could not (the reason is in failures_).
  bool StartOne(const api::Pod& pod, const api::Container& c, const std::string& sandbox_id,
                const RuntimePod& rp);
  bool EnsureImage(const api::Pod& pod, const api::Container& c, image::ImageRecord* out);
  uint32_t NextAttempt(const api::Container& c, const RuntimePod& rp) const;
  void GarbageCollect(const api::Pod& pod, const RuntimePod& rp);
  void ReconcileProbes(const api::Pod& pod, const RuntimePod& rp);
  void Publish(const api::Pod& pod, const RuntimePod& rp, bool terminal,
               const std::string& fail_reason = "", const std::string& fail_message = "");
  base::TimePoint NextWake(const api::Pod& pod, const RuntimePod& rp, bool error) const;
  void Persist();
  void Event(const api::Pod& pod, const api::Container* c, std::string_view type,
             std::string_view reason, const std::string& message);
  base::Duration PodGrace(const api::Pod& pod) const;
  runtime::PodSources Sources(const api::Pod& pod) const;
  std::string StateFile() const;
  std::string CrashKey(const api::Pod& pod, const api::Container& c) const;

  const WorkerDeps* deps_;
  const std::string uid_;

  mutable std::mutex mu_;  // guards the fields down to `published_`
  std::optional<api::Pod> desired_;
  std::string source_;
  bool removed_ = false;
  std::optional<api::Pod> published_;

  // worker thread only
  BackOff crash_backoff_;
  BackOff image_backoff_;
  std::map<std::string, StartFailure> failures_;
  std::map<std::string, uint32_t> attempts_;
  std::map<std::string, ContainerProbes> probes_;  // by container ID
  std::optional<api::PodStatus> status_;
  bool terminated_reported_ = false;
  bool finished_ = false;
  std::string persisted_;  // the JSON last written
};

}  // namespace cubelet::node
