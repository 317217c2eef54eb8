#include "node/actions.h"

namespace cubelet::node {

using runtime::ContainerState;

bool IsSidecar(const api::Container& c) { return c.restart_policy.value_or("") == "Always"; }

const api::Container* FindContainer(const api::Pod& pod, std::string_view name) {
  for (const auto* list : {&pod.spec.containers, &pod.spec.init_containers}) {
    for (const auto& c : *list) {
      if (c.name == name) return &c;
    }
  }
  return nullptr;
}

bool RestartsOnFailure(const api::Pod& pod) { return pod.spec.restart_policy != "Never"; }

bool ShouldRestart(const api::Pod& pod, const api::Container& c, const RuntimePod& rp) {
  if (pod.metadata.deletion_timestamp) return false;
  const runtime::ContainerStatus* st = rp.Latest(c.name);
  if (st == nullptr) return true;
  if (st->state == ContainerState::kRunning) return false;
  if (st->state == ContainerState::kUnknown || st->state == ContainerState::kCreated) return true;
  if (pod.spec.restart_policy == "Never") return false;
  if (pod.spec.restart_policy == "OnFailure" && st->exit_code == 0) return false;
  return true;
}

bool AnyAppContainerCreated(const api::Pod& pod, const RuntimePod& rp) {
  // Only the current sandbox counts: when a lost sandbox is replaced, the app containers of the
  // old one must not make the new one look initialized.
  const runtime::SandboxStatus* sandbox = rp.LatestSandbox();
  if (sandbox == nullptr) return false;
  for (const auto& c : pod.spec.containers) {
    for (const auto* inst : rp.Instances(c.name)) {
      if (inst->sandbox_id == sandbox->id) return true;
    }
  }
  return false;
}

namespace {

bool Succeeded(const runtime::ContainerStatus* st) {
  return st != nullptr && st->state == ContainerState::kExited && st->exit_code == 0;
}

// Sandbox decision (the kubelet's podSandboxChanged): none yet → attempt 0; the newest is not
// ready (its supervisor died or it was stopped) → a new one with the next attempt number.
void DecideSandbox(const RuntimePod& rp, PodActions& a) {
  const runtime::SandboxStatus* s = rp.LatestSandbox();
  if (s == nullptr) {
    a.create_sandbox = true;
    a.sandbox_attempt = 0;
    return;
  }
  if (s->state != runtime::SandboxState::kReady) {
    a.create_sandbox = true;
    a.sandbox_attempt = s->attempt + 1;
    return;
  }
  a.sandbox_id = s->id;
}

// Walks the init containers. Returns true when initialization is complete (the app containers
// may run).
bool InitActions(const api::Pod& pod, const RuntimePod& rp, const ProbeStates& probes,
                 PodActions& a) {
  const bool initialized = AnyAppContainerCreated(pod, rp);
  const auto& inits = pod.spec.init_containers;
  for (int i = 0; i < static_cast<int>(inits.size()); ++i) {
    const api::Container& c = inits[i];
    const runtime::ContainerStatus* st = rp.Latest(c.name);
    if (IsSidecar(c)) {
      if (st == nullptr || st->state != ContainerState::kRunning) {
        if (st != nullptr && st->state != ContainerState::kExited) {
          a.to_kill[st->id] = KillInfo{c.name, "", false};
        }
        if (!pod.metadata.deletion_timestamp) a.init_to_start.push_back(i);
        if (!initialized) return false;  // the next one waits until this one has started
        continue;
      }
      auto p = probes.find(st->id);
      ProbeState ps = p == probes.end() ? ProbeState{} : p->second;
      if (ps.liveness_failed || ps.startup_failed) {
        a.to_kill[st->id] = KillInfo{c.name,
                                     "Container " + c.name + " failed " +
                                         (ps.liveness_failed ? "liveness" : "startup") +
                                         " probe, will be restarted",
                                     true};
        a.init_to_start.push_back(i);
        if (!initialized) return false;
        continue;
      }
      if (!ps.started && !initialized) return false;
      continue;
    }
    if (initialized) continue;  // regular init containers never run again once apps ran
    if (st == nullptr) {
      a.init_to_start.push_back(i);
      return false;
    }
    switch (st->state) {
      case ContainerState::kRunning:
        return false;
      case ContainerState::kExited:
        if (st->exit_code == 0) continue;
        if (!RestartsOnFailure(pod)) {
          a.kill_pod = true;
          a.init_failed = true;
          return false;
        }
        a.init_to_start.push_back(i);
        return false;
      case ContainerState::kCreated:
      case ContainerState::kUnknown:
        a.to_kill[st->id] = KillInfo{c.name, "", false};
        a.init_to_start.push_back(i);
        return false;
    }
  }
  return true;
}

}  // namespace

PodActions ComputePodActions(const api::Pod& pod, const RuntimePod& rp, const ProbeStates& probes) {
  PodActions a;
  DecideSandbox(rp, a);
  if (a.create_sandbox) {
    // A Never pod whose sandbox went away after its containers ran is not brought back.
    if (!RestartsOnFailure(pod) && a.sandbox_attempt != 0 && !rp.containers.empty()) {
      a.create_sandbox = false;
      return a;
    }
    std::vector<int> apps;
    for (int i = 0; i < static_cast<int>(pod.spec.containers.size()); ++i) {
      if (pod.spec.restart_policy == "OnFailure" &&
          Succeeded(rp.Latest(pod.spec.containers[i].name)))
        continue;
      apps.push_back(i);
    }
    if (apps.empty() && !rp.containers.empty()) {
      a.create_sandbox = false;  // everything succeeded: nothing left to run
      return a;
    }
    a.kill_pod = a.sandbox_attempt != 0;  // whatever is left of the old sandbox goes first
    a.purge_init_containers = a.sandbox_attempt != 0;
    if (!pod.spec.init_containers.empty()) {
      a.init_to_start.push_back(0);
    } else {
      a.containers_to_start = std::move(apps);
    }
    return a;
  }

  if (!InitActions(pod, rp, probes, a)) return a;

  int keep = 0;
  for (int i = 0; i < static_cast<int>(pod.spec.containers.size()); ++i) {
    const api::Container& c = pod.spec.containers[i];
    const runtime::ContainerStatus* st = rp.Latest(c.name);
    if (st == nullptr || st->state != ContainerState::kRunning) {
      if (ShouldRestart(pod, c, rp)) {
        a.containers_to_start.push_back(i);
        if (st != nullptr && st->state != ContainerState::kExited) {
          a.to_kill[st->id] = KillInfo{c.name, "", false};
        }
      }
      continue;
    }
    std::string message;
    bool restart = RestartsOnFailure(pod);
    bool probe_kill = false;
    auto hash = st->annotations.find(std::string(kContainerHashAnnotation));
    auto p = probes.find(st->id);
    ProbeState ps = p == probes.end() ? ProbeState{} : p->second;
    if (hash != st->annotations.end() && hash->second != ContainerHash(c)) {
      message = "Container " + c.name + " definition changed";
      restart = true;  // a new definition runs whatever the policy
    } else if (ps.liveness_failed) {
      message = "Container " + c.name + " failed liveness probe";
      probe_kill = true;
    } else if (ps.startup_failed) {
      message = "Container " + c.name + " failed startup probe";
      probe_kill = true;
    } else {
      ++keep;
      continue;
    }
    if (restart && !pod.metadata.deletion_timestamp) {
      message += ", will be restarted";
      a.containers_to_start.push_back(i);
    }
    a.to_kill[st->id] = KillInfo{c.name, message, probe_kill};
  }
  if (keep == 0 && a.containers_to_start.empty()) {
    // Nothing runs and nothing will: the pod is done (sidecars are not restarted any more).
    a.kill_pod = true;
    a.init_to_start.clear();
  }
  return a;
}

}  // namespace cubelet::node
