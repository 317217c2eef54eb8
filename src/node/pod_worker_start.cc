// Starting one container: crash-loop back-off, image pull per policy with its back-off,
// configuration, create, start and postStart, with the kubelet's events and waiting reasons.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <dirent.h>

#include <fmt/format.h>

#include "base/time.h"
#include "node/pod_worker.h"

namespace cubelet::node {

using runtime::ContainerState;

namespace {

std::string PodDesc(const api::Pod& pod) {
  return fmt::format("{}_{}({})", pod.metadata.name, pod.metadata.namespace_, pod.metadata.uid);
}

std::string Ms(base::Duration d) {
  return base::FormatGoDuration(std::chrono::duration_cast<std::chrono::milliseconds>(d));
}

// The highest N of the N.log files in a container's log directory, or -1.
int MaxLogAttempt(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return -1;
  int max = -1;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.size() < 5 || name.substr(name.size() - 4) != ".log") continue;
    char* end = nullptr;
    long n = std::strtol(name.c_str(), &end, 10);
    if (end == name.c_str() + name.size() - 4 && n >= 0 && n > max) max = static_cast<int>(n);
  }
  closedir(d);
  return max;
}

}  // namespace

uint32_t PodWorker::NextAttempt(const api::Container& c, const RuntimePod& rp) const {
  uint32_t next = 0;
  if (const auto* st = rp.Latest(c.name)) next = st->attempt + 1;
  if (auto it = attempts_.find(c.name); it != attempts_.end())
    next = std::max(next, it->second + 1);
  // Every instance is gone (a purge of init containers, a lost sandbox) and so is the agent's
  // own record: the log files still say how many ran (the kubelet's calcRestartCountByLogDir).
  if (const auto* s = rp.LatestSandbox(); s != nullptr && !s->log_directory.empty()) {
    int max = MaxLogAttempt(s->log_directory + "/" + c.name);
    if (max >= 0) next = std::max(next, static_cast<uint32_t>(max + 1));
  }
  return next;
}

bool PodWorker::EnsureImage(const api::Pod& pod, const api::Container& c, image::ImageRecord* out) {
  const std::string policy = c.image_pull_policy.empty() ? "IfNotPresent" : c.image_pull_policy;
  const std::string key = pod.metadata.uid + "_" + c.image;
  const base::TimePoint now = deps_->clock->Now();
  auto fail = [&](const std::string& reason, const std::string& message) {
    failures_[c.name] = StartFailure{reason, message};
    Event(pod, &c, "Warning", "Failed", "Error: " + reason);
    return false;
  };
  auto local = deps_->images->Get(c.image);
  bool present = local.ok() && local->has_value();
  if (policy == "Never" || (policy == "IfNotPresent" && present)) {
    if (!present) {
      std::string msg =
          fmt::format("Container image \"{}\" is not present with pull policy of Never", c.image);
      Event(pod, &c, "Warning", "ErrImageNeverPull", msg);
      failures_[c.name] = StartFailure{"ErrImageNeverPull", msg};
      return false;
    }
    auto r = deps_->images->Ensure(c.image, image::PullOptions{policy, {}, {}, {}});
    if (!r.ok()) return fail(image::FailureReason(r.status()), r.status().message());
    Event(pod, &c, "Normal", "Pulled",
          fmt::format("Container image \"{}\" already present on machine", c.image));
    *out = r->image;
    return true;
  }
  if (image_backoff_.InBackOffSinceUpdate(key, now)) {
    std::string msg = fmt::format("Back-off pulling image \"{}\"", c.image);
    Event(pod, &c, "Normal", "BackOff", msg);
    return fail("ImagePullBackOff", msg);
  }
  Event(pod, &c, "Normal", "Pulling", fmt::format("Pulling image \"{}\"", c.image));
  const base::Duration start = deps_->clock->Monotonic();
  auto r = deps_->images->Ensure(c.image, image::PullOptions{policy, {}, {}, {}});
  if (!r.ok()) {
    image_backoff_.Next(key, now, deps_->clock->Now());
    std::string reason = image::FailureReason(r.status());
    std::string msg = r.status().message();
    Event(pod, &c, "Warning", "Failed",
          fmt::format("Failed to pull image \"{}\": {}", c.image, msg));
    if (reason == "InvalidImageName") {
      Event(pod, &c, "Warning", "InspectFailed", msg);
    }
    return fail(reason, msg);
  }
  image_backoff_.Gc(deps_->clock->Now());
  const base::Duration took = deps_->clock->Monotonic() - start;
  Event(pod, &c, "Normal", "Pulled",
        fmt::format("Successfully pulled image \"{}\" in {} ({} including waiting). Image size: "
                    "{} bytes.",
                    c.image, Ms(took), Ms(took), r->image.size));
  *out = r->image;
  return true;
}

bool PodWorker::StartOne(const api::Pod& pod, const api::Container& c,
                         const std::string& sandbox_id, const RuntimePod& rp) {
  const base::TimePoint now = deps_->clock->Now();
  // Crash-loop back-off, timed from the previous instance's finish.
  if (const auto* st = rp.Latest(c.name); st != nullptr && st->state == ContainerState::kExited) {
    const std::string key = CrashKey(pod, c);
    if (crash_backoff_.InBackOffSince(key, st->finished_at, now)) {
      Event(pod, &c, "Warning", "BackOff",
            fmt::format("Back-off restarting failed container {} in pod {}", c.name, PodDesc(pod)));
      failures_[c.name] = StartFailure{
          "CrashLoopBackOff",
          fmt::format("back-off {} restarting failed container={} pod={}",
                      base::FormatGoDuration(crash_backoff_.Delay(key)), c.name, PodDesc(pod))};
      return false;
    }
    crash_backoff_.Next(key, st->finished_at, now);
  }

  image::ImageRecord image;
  if (!EnsureImage(pod, c, &image)) return false;

  const uint32_t attempt = NextAttempt(c, rp);
  auto config =
      runtime::ContainerConfigForPod(pod, c, attempt, deps_->image_spec(image), Sources(pod));
  if (!config.ok()) {
    failures_[c.name] = StartFailure{"CreateContainerConfigError", config.status().message()};
    Event(pod, &c, "Warning", "Failed", "Error: " + config.status().message());
    return false;
  }
  config->image.ref = image.name;
  config->labels[std::string(kContainerNameLabel)] = c.name;
  config->labels[std::string(kPodNameLabel)] = pod.metadata.name;
  config->labels[std::string(kPodNamespaceLabel)] = pod.metadata.namespace_;
  config->labels[std::string(kPodUidLabel)] = pod.metadata.uid;
  config->annotations[std::string(kContainerHashAnnotation)] = ContainerHash(c);
  config->annotations[std::string(kRestartCountAnnotation)] = std::to_string(attempt);
  config->annotations[std::string(kImageIdAnnotation)] = image.repo_digest;

  auto id = deps_->runtime->CreateContainer(sandbox_id, *config);
  if (!id.ok()) {
    failures_[c.name] = StartFailure{"CreateContainerError", id.status().message()};
    Event(pod, &c, "Warning", "Failed", "Error: " + id.status().message());
    return false;
  }
  attempts_[c.name] = attempt;
  Event(pod, &c, "Normal", "Created", "Created container: " + c.name);
  auto started = deps_->runtime->StartContainer(*id);
  if (!started.ok()) {
    failures_[c.name] = StartFailure{"RunContainerError", started.message()};
    Event(pod, &c, "Warning", "Failed", "Error: " + started.message());
    return false;
  }
  Event(pod, &c, "Normal", "Started", "Started container " + c.name);
  failures_.erase(c.name);

  if (c.lifecycle && c.lifecycle->post_start && deps_->handlers != nullptr) {
    // The hook runs before the next container starts, as in the kubelet's startContainer.
    auto sb = deps_->runtime->PodSandboxStatus(sandbox_id);
    ProbeTarget target{*id, sb.ok() ? sb->netns_path : "", ""};
    auto hook = deps_->handlers->RunHook(
        *c.lifecycle->post_start, c, target,
        std::chrono::duration_cast<std::chrono::milliseconds>(PodGrace(pod)));
    if (!hook.ok()) {
      Event(pod, &c, "Warning", "FailedPostStartHook", "PostStartHook failed");
      if (deps_->logger) {
        const std::string desc = PodDesc(pod);
        deps_->logger->Warning("postStart hook failed",
                               {{"pod", desc}, {"container", c.name}, {"error", hook.message()}});
      }
      KillContainer(pod, c, *id, PodGrace(pod), "FailedPostStartHook");
      failures_[c.name] = StartFailure{"PostStartHookError", hook.message()};
      return false;
    }
  }
  return true;
}

}  // namespace cubelet::node
