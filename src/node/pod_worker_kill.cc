// Stopping containers and pods: Killing events, preStop hooks within the grace period, the
// kubelet's 2 s minimum, app containers in parallel and sidecars after them in reverse order;
// and the termination of a pod that is deleted or dropped by its source.
#include <algorithm>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "node/pod_worker.h"

namespace cubelet::node {

using runtime::ContainerState;

namespace {
constexpr base::Duration kMinimumGrace = std::chrono::seconds(2);
}

void PodWorker::KillContainer(const api::Pod& pod, const api::Container& c, const std::string& id,
                              base::Duration grace, const std::string& message) {
  Event(pod, &c, "Normal", "Killing", message.empty() ? "Stopping container " + c.name : message);
  if (c.lifecycle && c.lifecycle->pre_stop && grace > base::Duration::zero() &&
      deps_->handlers != nullptr) {
    const base::Duration start = deps_->clock->Monotonic();
    auto st = deps_->runtime->GetContainerStatus(id);
    if (st.ok() && st->state == ContainerState::kRunning) {
      auto sb = deps_->runtime->PodSandboxStatus(st->sandbox_id);
      ProbeTarget target{id, sb.ok() ? sb->netns_path : "", ""};
      auto hook =
          deps_->handlers->RunHook(*c.lifecycle->pre_stop, c, target,
                                   std::chrono::duration_cast<std::chrono::milliseconds>(grace));
      if (!hook.ok()) {
        Event(pod, &c, "Warning", "FailedPreStopHook", "PreStopHook failed");
        if (deps_->logger) {
          deps_->logger->Warning(
              "preStop hook failed",
              {{"pod", pod.metadata.name}, {"container", c.name}, {"error", hook.message()}});
        }
      }
    }
    grace -= deps_->clock->Monotonic() - start;  // the hook's time comes out of the grace
  }
  grace = std::max(grace, kMinimumGrace);
  auto stopped = deps_->runtime->StopContainer(
      id, std::chrono::duration_cast<std::chrono::milliseconds>(grace));
  if (!stopped.ok() && deps_->logger) {
    deps_->logger->Warning(
        "stopping container failed",
        {{"pod", pod.metadata.name}, {"container", c.name}, {"error", stopped.message()}});
  }
}

void PodWorker::KillPod(const api::Pod& pod, const RuntimePod& rp, base::Duration grace) {
  // App containers (and regular init containers) stop in parallel; sidecars only after them, in
  // reverse order, so they keep serving the main containers while those shut down.
  std::vector<std::pair<const api::Container*, std::string>> mains, sidecars;
  auto running = [&](const api::Container& c) -> const runtime::ContainerStatus* {
    for (const auto* inst : rp.Instances(c.name)) {
      if (inst->state == ContainerState::kRunning || inst->state == ContainerState::kCreated)
        return inst;
    }
    return nullptr;
  };
  for (const auto& c : pod.spec.containers) {
    if (const auto* st = running(c)) mains.emplace_back(&c, st->id);
  }
  for (const auto& c : pod.spec.init_containers) {
    const auto* st = running(c);
    if (st == nullptr) continue;
    (IsSidecar(c) ? sidecars : mains).emplace_back(&c, st->id);
  }
  if (mains.size() == 1) {
    KillContainer(pod, *mains[0].first, mains[0].second, grace, "");
  } else if (!mains.empty()) {
    std::vector<std::thread> threads;
    for (const auto& [c, id] : mains) {
      threads.emplace_back([&, c = c, id = id] { KillContainer(pod, *c, id, grace, ""); });
    }
    for (auto& t : threads) t.join();
  }
  for (auto it = sidecars.rbegin(); it != sidecars.rend(); ++it) {
    KillContainer(pod, *it->first, it->second, grace, "");
  }
  for (const auto& s : rp.sandboxes) {
    if (s.state != runtime::SandboxState::kReady) continue;
    auto st = deps_->runtime->StopPodSandbox(s.id);
    if (!st.ok() && deps_->logger) {
      deps_->logger->Warning("stopping sandbox failed",
                             {{"pod", pod.metadata.name}, {"error", st.message()}});
    }
  }
  probes_.clear();
}

base::TimePoint PodWorker::Terminate(api::Pod pod, bool removed, const RuntimePod& rp) {
  KillPod(pod, rp, PodGrace(pod));
  RuntimePod after = rp;
  if (auto again = GetRuntimePod(*deps_->runtime, uid_); again.ok()) after = std::move(*again);
  failures_.clear();
  if (!pod.spec.containers.empty()) Publish(pod, after, true);
  if (pod.metadata.deletion_timestamp && !terminated_reported_ && !removed) {
    terminated_reported_ = true;
    Persist();
    if (deps_->status != nullptr) deps_->status->PodTerminated(*published_);
  }
  if (!removed) return deps_->clock->Now() + deps_->resync_interval;
  // The pod is gone from its source: nothing of it is kept.
  bool clean = true;
  for (const auto& s : after.sandboxes) {
    auto st = deps_->runtime->RemovePodSandbox(s.id);
    if (!st.ok()) {
      clean = false;
      if (deps_->logger) {
        deps_->logger->Warning("removing sandbox failed",
                               {{"pod", pod.metadata.name}, {"error", st.message()}});
      }
    }
  }
  if (!clean) return deps_->clock->Now() + std::chrono::seconds(10);
  {
    std::lock_guard lock(mu_);
    // Given again while it was being removed: start over instead of finishing.
    if (!removed_) return deps_->clock->Now();
  }
  if (std::string path = StateFile(); !path.empty()) std::remove(path.c_str());
  finished_ = true;
  return base::TimePoint::max();
}

}  // namespace cubelet::node
