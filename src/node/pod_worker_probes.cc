// Probe scheduling for the running containers of one pod (the kubelet's prober workers):
// initialDelaySeconds from the container's start, then every periodSeconds; success and
// failure thresholds; startup gates liveness and readiness; a liveness or startup failure is
// held until the container is replaced.
#include <algorithm>

#include <fmt/format.h>

#include "node/pod_worker.h"

namespace cubelet::node {

using runtime::ContainerState;

namespace {

int32_t Or(int32_t v, int32_t def) { return v > 0 ? v : def; }

const api::ContainerStatus* OldStatus(const std::optional<api::PodStatus>& st,
                                      const std::string& container_id) {
  if (!st) return nullptr;
  for (const auto* list : {&st->container_statuses, &st->init_container_statuses}) {
    for (const auto& s : *list) {
      if (s.container_id == container_id && s.state.running) return &s;
    }
  }
  return nullptr;
}

}  // namespace

void PodWorker::ReconcileProbes(const api::Pod& pod, const RuntimePod& rp) {
  std::map<std::string, ContainerProbes> next;
  auto add = [&](const api::Container& c, bool init) {
    if (init && !IsSidecar(c)) return;  // regular init containers have no probes
    if (!c.startup_probe && !c.readiness_probe && !c.liveness_probe) return;
    const auto* st = rp.Latest(c.name);
    if (st == nullptr || st->state != ContainerState::kRunning) return;
    if (auto it = probes_.find(st->id); it != probes_.end()) {
      next[st->id] = std::move(it->second);
      return;
    }
    ContainerProbes cp;
    cp.name = c.name;
    cp.init = init;
    cp.started_at = st->started_at;
    auto run = [&](const std::optional<api::Probe>& p) -> std::optional<ProbeRun> {
      if (!p) return std::nullopt;
      return ProbeRun{*p, st->started_at + std::chrono::seconds(p->initial_delay_seconds)};
    };
    cp.startup = run(c.startup_probe);
    cp.readiness = run(c.readiness_probe);
    cp.liveness = run(c.liveness_probe);
    cp.state.started = !cp.startup.has_value();
    cp.state.ready = cp.state.started && !cp.readiness.has_value();
    // After a restart of the agent a running container keeps what was last reported of it,
    // rather than flapping to unready until its next probe.
    if (const auto* old = OldStatus(status_, ApiContainerId(st->id))) {
      cp.state.started = cp.state.started || old->started.value_or(false);
      cp.state.ready = old->ready;
    }
    next[st->id] = std::move(cp);
  };
  for (const auto& c : pod.spec.init_containers) add(c, true);
  for (const auto& c : pod.spec.containers) add(c, false);
  probes_ = std::move(next);
}

base::TimePoint PodWorker::NextProbeDue() const {
  base::TimePoint next = base::TimePoint::max();
  for (const auto& [id, cp] : probes_) {
    for (const auto* run : {&cp.startup, &cp.readiness, &cp.liveness}) {
      if (*run && !(*run)->on_hold) next = std::min(next, (*run)->next);
    }
  }
  return next;
}

bool PodWorker::RunProbes() {
  std::optional<api::Pod> pod;
  {
    std::lock_guard lock(mu_);
    pod = desired_;
  }
  if (!pod || probes_.empty()) return false;
  const base::TimePoint now = deps_->clock->Now();
  bool changed = false;
  for (auto& [id, cp] : probes_) {
    const api::Container* spec = FindContainer(*pod, cp.name);
    if (spec == nullptr) continue;
    std::string netns;
    if (auto st = deps_->runtime->GetContainerStatus(id); st.ok()) {
      if (auto sb = deps_->runtime->PodSandboxStatus(st->sandbox_id); sb.ok()) {
        netns = sb->netns_path;
      }
    }
    ProbeTarget target{id, netns, ""};
    struct Kind {
      std::optional<ProbeRun>* run;
      const char* name;
    };
    for (Kind k : {Kind{&cp.startup, "Startup"}, Kind{&cp.liveness, "Liveness"},
                   Kind{&cp.readiness, "Readiness"}}) {
      if (!*k.run) continue;
      ProbeRun& r = **k.run;
      if (r.on_hold || now < r.next) continue;
      const api::Probe& p = r.probe;
      r.next = now + std::chrono::seconds(Or(p.period_seconds, 10));
      const bool startup = k.run == &cp.startup;
      const bool liveness = k.run == &cp.liveness;
      if (startup && cp.state.started) continue;    // done for this container
      if (!startup && !cp.state.started) continue;  // startup gates the others
      ProbeOutcome out = deps_->handlers->Probe(p, *spec, target);
      ProbeResult result =
          out.result == ProbeResult::kSuccess ? ProbeResult::kSuccess : ProbeResult::kFailure;
      if (result == ProbeResult::kFailure) {
        std::string msg = out.result == ProbeResult::kError
                              ? fmt::format("{} probe errored: {}", k.name, out.output)
                              : fmt::format("{} probe failed: {}", k.name, out.output);
        Event(*pod, spec, "Warning", "Unhealthy", msg);
      }
      r.run = result == r.last ? r.run + 1 : 1;
      r.last = result;
      const int threshold =
          result == ProbeResult::kSuccess ? Or(p.success_threshold, 1) : Or(p.failure_threshold, 3);
      if (r.run < threshold) continue;  // not enough in a row to change the verdict
      bool ok = result == ProbeResult::kSuccess;
      if (startup) {
        if (ok && !cp.state.started) {
          cp.state.started = true;
          cp.state.ready = !cp.readiness.has_value();
          changed = true;
        } else if (!ok) {
          cp.state.startup_failed = true;
          r.on_hold = true;
          changed = true;
        }
      } else if (liveness) {
        if (!ok) {
          cp.state.liveness_failed = true;
          r.on_hold = true;  // until the container is replaced
          r.run = 0;
          changed = true;
        }
      } else if (cp.state.ready != ok) {
        cp.state.ready = ok;
        changed = true;
      }
    }
  }
  return changed;
}

}  // namespace cubelet::node
