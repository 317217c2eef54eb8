// The sync of one pod: decide (ComputePodActions), act on the runtime, report the status.
#include "node/pod_worker.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "base/time.h"

namespace cubelet::node {

using runtime::ContainerState;

PodWorker::PodWorker(const WorkerDeps* deps, std::string uid)
    : deps_(deps),
      uid_(std::move(uid)),
      crash_backoff_(deps->crash_loop_initial, deps->crash_loop_max, std::chrono::minutes(10)),
      // Image pull entries expire like client-go's default: after twice the maximum.
      image_backoff_(deps->image_backoff_initial, deps->image_backoff_max,
                     2 * deps->image_backoff_max) {}

void PodWorker::SetPod(api::Pod pod, std::string source) {
  std::lock_guard lock(mu_);
  desired_ = std::move(pod);
  source_ = std::move(source);
  removed_ = false;  // given again (a static pod file put back): it runs again
}

void PodWorker::MarkRemoved() {
  std::lock_guard lock(mu_);
  removed_ = true;
}

std::string PodWorker::source() const {
  std::lock_guard lock(mu_);
  return source_;
}

bool PodWorker::claimed() const {
  std::lock_guard lock(mu_);
  return desired_.has_value();
}

std::optional<api::Pod> PodWorker::Snapshot() const {
  std::lock_guard lock(mu_);
  if (published_) return published_;
  return desired_;
}

std::string PodWorker::StateFile() const {
  return deps_->state_dir.empty() ? "" : deps_->state_dir + "/pods/" + uid_ + ".json";
}

void PodWorker::Restore() {
  std::string path = StateFile();
  if (path.empty()) return;
  auto st = LoadPodState(path);
  if (!st.ok()) {
    if (st.status().code() != base::Code::kNotFound && deps_->logger) {
      deps_->logger->Warning("ignoring saved pod state",
                             {{"pod", uid_}, {"error", st.status().message()}});
    }
    return;
  }
  crash_backoff_.Restore(st->crash_backoff);
  image_backoff_.Restore(st->image_backoff);
  failures_ = st->failures;
  attempts_ = st->attempts;
  status_ = st->status;
  terminated_reported_ = st->terminated_reported;
}

void PodWorker::Persist() {
  std::string path = StateFile();
  if (path.empty()) return;
  PersistedPodState st{
      crash_backoff_.entries(), image_backoff_.entries(), failures_, attempts_, status_,
      terminated_reported_};
  std::string text = EncodePodState(st);
  if (text == persisted_) return;
  auto status = SavePodState(path, text);
  if (status.ok()) persisted_ = std::move(text);
  if (!status.ok() && deps_->logger) {
    deps_->logger->Warning("saving pod state failed", {{"pod", uid_}, {"error", status.message()}});
  }
}

void PodWorker::Event(const api::Pod& pod, const api::Container* c, std::string_view type,
                      std::string_view reason, const std::string& message) {
  if (deps_->recorder == nullptr) return;
  deps_->recorder->Record(c ? ContainerReference(pod, *c) : PodReference(pod), type, reason,
                          message);
}

base::Duration PodWorker::PodGrace(const api::Pod& pod) const {
  int64_t s = pod.metadata.deletion_grace_period_seconds.value_or(
      pod.spec.termination_grace_period_seconds.value_or(30));
  return std::chrono::seconds(std::max<int64_t>(s, 0));
}

std::string PodWorker::CrashKey(const api::Pod& pod, const api::Container& c) const {
  return fmt::format("{}_{}_{}_{}_{}", pod.metadata.name, pod.metadata.namespace_, pod.metadata.uid,
                     c.name, ContainerHash(c));
}

runtime::PodSources PodWorker::Sources(const api::Pod& pod) const {
  api::Pod p = pod;
  if (status_) p.status = *status_;
  p.status.host_ip = deps_->node.host_ip;
  if (!deps_->node.host_ip.empty()) p.status.host_ips = {api::PodIP{deps_->node.host_ip}};
  return PodSourcesFor(p, deps_->objects, deps_->node);
}

base::TimePoint PodWorker::Sync() {
  const base::TimePoint now = deps_->clock->Now();
  std::optional<api::Pod> desired;
  bool removed;
  {
    std::lock_guard lock(mu_);
    desired = desired_;
    removed = removed_;
  }
  auto rp_or = GetRuntimePod(*deps_->runtime, uid_);
  if (!rp_or.ok()) {
    if (deps_->logger) {
      deps_->logger->Warning("listing the pod's containers failed",
                             {{"pod", uid_}, {"error", rp_or.status().message()}});
    }
    return now + std::chrono::seconds(10);
  }
  RuntimePod rp = std::move(*rp_or);
  if (!desired) {
    if (!removed) return base::TimePoint::max();  // adopted, not claimed yet: leave it be
    // An orphan nobody claimed: kill and remove what the runtime has.
    api::Pod orphan;
    orphan.metadata.uid = uid_;
    if (const auto* s = rp.LatestSandbox()) {
      orphan.metadata.name = s->name;
      orphan.metadata.namespace_ = s->namespace_;
    }
    orphan.spec.termination_grace_period_seconds = 2;
    return Terminate(orphan, true, rp);
  }
  api::Pod pod = std::move(*desired);
  if (status_) pod.status = *status_;
  if (removed || pod.metadata.deletion_timestamp) return Terminate(std::move(pod), removed, rp);

  // A terminal pod stays as it ended: nothing is started again.
  if (pod.status.phase == "Succeeded" || pod.status.phase == "Failed") {
    const auto* s = rp.LatestSandbox();
    if (s != nullptr && s->state == runtime::SandboxState::kReady) {
      KillPod(pod, rp, PodGrace(pod));
      if (auto again = GetRuntimePod(*deps_->runtime, uid_); again.ok()) rp = std::move(*again);
    }
    Publish(pod, rp, false);
    return now + deps_->resync_interval;
  }

  // activeDeadlineSeconds, counted from startTime.
  if (pod.spec.active_deadline_seconds && pod.status.start_time &&
      now - pod.status.start_time->value >=
          std::chrono::seconds(*pod.spec.active_deadline_seconds)) {
    const std::string msg = "Pod was active on the node longer than the specified deadline";
    Event(pod, nullptr, "Normal", "DeadlineExceeded", msg);
    KillPod(pod, rp, PodGrace(pod));
    if (auto again = GetRuntimePod(*deps_->runtime, uid_); again.ok()) rp = std::move(*again);
    Publish(pod, rp, false, "DeadlineExceeded", msg);
    return now + deps_->resync_interval;
  }

  // A new pod is reported at once (ContainerCreating / PodInitializing), before a pull that
  // may take minutes.
  if (!status_) {
    Publish(pod, rp, false);
    pod.status = *status_;
  }

  ProbeStates probe_states;
  for (const auto& [id, cp] : probes_) probe_states[id] = cp.state;
  PodActions a = ComputePodActions(pod, rp, probe_states);
  bool error = false;

  if (a.kill_pod) {
    KillPod(pod, rp, PodGrace(pod));
    if (a.purge_init_containers) {
      for (const auto& c : pod.spec.init_containers) {
        for (const auto* inst : rp.Instances(c.name)) {
          (void)deps_->runtime->RemoveContainer(inst->id);
        }
      }
    }
    if (auto again = GetRuntimePod(*deps_->runtime, uid_); again.ok()) rp = std::move(*again);
    if (!a.create_sandbox) {
      Publish(pod, rp, false);
      return NextWake(pod, rp, false);
    }
  }
  for (const auto& [id, info] : a.to_kill) {
    const api::Container* spec = FindContainer(pod, info.name);
    if (spec == nullptr) continue;
    base::Duration grace = PodGrace(pod);
    if (info.liveness) {
      const auto& probe = spec->liveness_probe ? spec->liveness_probe : spec->startup_probe;
      if (probe && probe->termination_grace_period_seconds) {
        grace = std::chrono::seconds(*probe->termination_grace_period_seconds);
      }
    }
    KillContainer(pod, *spec, id, grace, info.message);
    probes_.erase(id);
  }
  // Only the newest instance of each init container is kept (the kubelet prunes before it
  // starts init containers).
  for (const auto& c : pod.spec.init_containers) {
    auto inst = rp.Instances(c.name);
    for (size_t i = 1; i < inst.size(); ++i) {
      if (inst[i]->state != ContainerState::kRunning)
        (void)deps_->runtime->RemoveContainer(inst[i]->id);
    }
  }

  std::string sandbox_id = a.sandbox_id;
  if (a.create_sandbox) {
    if (a.sandbox_attempt > 0) {
      Event(pod, nullptr, "Normal", "SandboxChanged",
            "Pod sandbox changed, it will be killed and re-created.");
    }
    auto config = runtime::SandboxConfigForPod(pod, Sources(pod));
    base::Status failed;
    if (config.ok()) {
      config->attempt = a.sandbox_attempt;
      config->labels[std::string(kPodNameLabel)] = pod.metadata.name;
      config->labels[std::string(kPodNamespaceLabel)] = pod.metadata.namespace_;
      config->labels[std::string(kPodUidLabel)] = pod.metadata.uid;
      auto id = deps_->runtime->RunPodSandbox(*config);
      if (id.ok()) {
        sandbox_id = *id;
      } else {
        failed = id.status();
      }
    } else {
      failed = config.status();
    }
    if (!failed.ok()) {
      Event(pod, nullptr, "Warning", "FailedCreatePodSandBox",
            "Failed to create pod sandbox: " + failed.message());
      if (auto again = GetRuntimePod(*deps_->runtime, uid_); again.ok()) rp = std::move(*again);
      Publish(pod, rp, false);
      return NextWake(pod, rp, true);
    }
    if (auto again = GetRuntimePod(*deps_->runtime, uid_); again.ok()) rp = std::move(*again);
  }

  for (int i : a.init_to_start) {
    const api::Container& c = pod.spec.init_containers[i];
    bool ok = StartOne(pod, c, sandbox_id, rp);
    error |= !ok;
    if (!ok && !IsSidecar(c)) break;
  }
  for (int i : a.containers_to_start) {
    error |= !StartOne(pod, pod.spec.containers[i], sandbox_id, rp);
  }

  if (auto again = GetRuntimePod(*deps_->runtime, uid_); again.ok()) rp = std::move(*again);
  GarbageCollect(pod, rp);
  ReconcileProbes(pod, rp);
  Publish(pod, rp, false);
  return NextWake(pod, rp, error);
}

void PodWorker::GarbageCollect(const api::Pod& pod, const RuntimePod& rp) {
  // The newest two instances of an app container are kept: the current one and the previous
  // one (status lastState, `kubectl logs --previous`).
  for (const auto& c : pod.spec.containers) {
    auto inst = rp.Instances(c.name);
    for (size_t i = 2; i < inst.size(); ++i) {
      if (inst[i]->state == ContainerState::kExited)
        (void)deps_->runtime->RemoveContainer(inst[i]->id);
    }
  }
}

void PodWorker::Publish(const api::Pod& pod, const RuntimePod& rp, bool terminal,
                        const std::string& fail_reason, const std::string& fail_message) {
  ProbeStates probe_states;
  for (const auto& [id, cp] : probes_) probe_states[id] = cp.state;
  StatusInputs in;
  in.pod = &pod;
  in.runtime = &rp;
  in.failures = &failures_;
  in.probes = &probe_states;
  in.host_ip = deps_->node.host_ip;
  in.now = deps_->clock->Now();
  in.terminal = terminal;
  in.fail_reason = fail_reason;
  in.fail_message = fail_message;
  api::PodStatus st = GeneratePodStatus(in);
  bool changed = !status_ || !(*status_ == st);
  status_ = st;
  api::Pod out = pod;
  out.status = st;
  {
    std::lock_guard lock(mu_);
    published_ = out;
  }
  if (changed && deps_->status != nullptr) deps_->status->PodStatusChanged(out);
  Persist();
}

base::TimePoint PodWorker::NextWake(const api::Pod& pod, const RuntimePod& rp, bool error) const {
  base::TimePoint now = deps_->clock->Now();
  base::TimePoint next = now + deps_->resync_interval;
  auto consider = [&](base::TimePoint t) {
    if (t > now && t < next) next = t;
  };
  auto check = [&](const api::Container& c) {
    const auto* st = rp.Latest(c.name);
    if (st != nullptr && st->state == ContainerState::kExited) {
      if (auto end = crash_backoff_.EndsAt(CrashKey(pod, c), st->finished_at)) consider(*end);
    }
    auto it = image_backoff_.entries().find(pod.metadata.uid + "_" + c.image);
    if (it != image_backoff_.entries().end()) consider(it->second.last_update + it->second.delay);
  };
  for (const auto& c : pod.spec.init_containers) check(c);
  for (const auto& c : pod.spec.containers) check(c);
  if (error) consider(now + std::chrono::seconds(10));
  if (pod.spec.active_deadline_seconds && status_ && status_->start_time) {
    consider(status_->start_time->value + std::chrono::seconds(*pod.spec.active_deadline_seconds));
  }
  return next;
}

}  // namespace cubelet::node
