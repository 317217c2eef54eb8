#include "node/pod_status.h"

#include <fmt/format.h>

#include "node/node.h"

namespace cubelet::node {
namespace {

using runtime::ContainerState;

const api::ContainerStatus* Find(const std::vector<api::ContainerStatus>& list,
                                 const std::string& name) {
  for (const auto& s : list) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

api::ContainerState StateOf(const runtime::ContainerStatus& cs, const api::ContainerStatus* old) {
  api::ContainerState st;
  switch (cs.state) {
    case ContainerState::kRunning:
      st.running = api::ContainerStateRunning{api::Time::At(cs.started_at)};
      break;
    case ContainerState::kExited: {
      api::ContainerStateTerminated t;
      t.exit_code = cs.exit_code;
      t.signal = 0;  // the kubelet leaves it unset; exitCode carries 128+n
      t.reason = cs.reason;
      t.message = cs.message;
      if (cs.started_at.time_since_epoch().count() != 0)
        t.started_at = api::Time::At(cs.started_at);
      t.finished_at = api::Time::At(cs.finished_at);
      t.container_id = ApiContainerId(cs.id);
      st.terminated = t;
      break;
    }
    case ContainerState::kUnknown:
      if (old != nullptr && old->state.running) {
        api::ContainerStateTerminated t;
        t.exit_code = 137;
        t.reason = "ContainerStatusUnknown";
        t.message = "The container could not be located when the pod was terminated";
        t.container_id = ApiContainerId(cs.id);
        st.terminated = t;
        break;
      }
      st.waiting = api::ContainerStateWaiting{};
      break;
    case ContainerState::kCreated:
      st.waiting = api::ContainerStateWaiting{};
      break;
  }
  return st;
}

std::string Annotation(const runtime::ContainerStatus& cs, std::string_view key) {
  auto it = cs.annotations.find(std::string(key));
  return it == cs.annotations.end() ? std::string() : it->second;
}

std::vector<api::ContainerStatus> ContainerStatuses(const StatusInputs& in,
                                                    const std::vector<api::Container>& specs,
                                                    const std::vector<api::ContainerStatus>& olds,
                                                    bool init) {
  const api::Pod& pod = *in.pod;
  const std::string default_reason =
      pod.spec.init_containers.empty() ? "ContainerCreating" : "PodInitializing";
  std::vector<api::ContainerStatus> out;
  for (const api::Container& c : specs) {
    const api::ContainerStatus* old = Find(olds, c.name);
    api::ContainerStatus s;
    s.name = c.name;
    s.image = c.image;
    s.state.waiting = api::ContainerStateWaiting{default_reason, ""};
    if (old != nullptr) {
      if (old->state.terminated) {
        s = *old;
      } else {
        s.restart_count = old->restart_count;
        s.last_state = old->last_state;
      }
    }
    auto instances = in.runtime->Instances(c.name);
    if (!instances.empty()) {
      const runtime::ContainerStatus& cur = *instances[0];
      s.state = StateOf(cur, old);
      s.last_state = {};
      s.image = cur.image_ref.empty() ? c.image : cur.image_ref;
      s.image_id = Annotation(cur, kImageIdAnnotation);
      if (s.image_id.empty()) s.image_id = cur.image_id;
      s.container_id = ApiContainerId(cur.id);
      s.restart_count = static_cast<int32_t>(cur.attempt);
      if (instances.size() > 1) s.last_state = StateOf(*instances[1], nullptr);
    }
    // Waiting with the reason of the last failed start, when it will be started again.
    bool skip = init && !IsSidecar(c) && !instances.empty() &&
                instances[0]->state == ContainerState::kExited && instances[0]->exit_code == 0;
    if (!skip && ShouldRestart(pod, c, *in.runtime)) {
      auto f = in.failures->find(c.name);
      if (f != in.failures->end()) {
        if (s.state.terminated) s.last_state = s.state;
        s.state = api::ContainerState{};
        s.state.waiting = api::ContainerStateWaiting{f->second.reason, f->second.message};
      }
    }
    // started/ready from the probes of the running instance.
    bool running = s.state.running.has_value();
    ProbeState ps;
    if (running && !instances.empty()) {
      auto p = in.probes->find(instances[0]->id);
      if (p != in.probes->end()) ps = p->second;
    }
    s.started = running && ps.started;
    if (init && !IsSidecar(c)) {
      s.ready = s.state.terminated && s.state.terminated->exit_code == 0;
    } else {
      s.ready = running && ps.started && ps.ready;
    }
    out.push_back(std::move(s));
  }
  return out;
}

api::PodCondition Condition(const api::PodStatus& old, std::string type, bool status,
                            std::string reason, std::string message, base::TimePoint now) {
  api::PodCondition c;
  c.type = std::move(type);
  c.status = status ? "True" : "False";
  c.reason = std::move(reason);
  c.message = std::move(message);
  c.last_transition_time = api::Time::At(now);
  for (const auto& o : old.conditions) {
    if (o.type == c.type && o.status == c.status) c.last_transition_time = o.last_transition_time;
  }
  return c;
}

std::string Bracketed(const std::vector<std::string>& names) {
  return "[" + fmt::format("{}", fmt::join(names, " ")) + "]";
}

bool EverStarted(const api::ContainerStatus& s) {
  return s.state.running || s.state.terminated || s.last_state.terminated;
}

}  // namespace

std::string PodPhase(const api::Pod& pod, const std::vector<api::ContainerStatus>& init,
                     const std::vector<api::ContainerStatus>& apps, bool terminal, bool is_static) {
  int pending_init = 0, pending_sidecar = 0, failed_init = 0;
  int unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const auto& c : pod.spec.init_containers) {
    const api::ContainerStatus* s = Find(init, c.name);
    if (IsSidecar(c)) {
      if (s == nullptr) {
        ++unknown;
      } else if (s->state.running) {
        if (!s->started.value_or(false)) ++pending_sidecar;
        ++running;
      } else if (s->state.waiting && !s->last_state.terminated) {
        ++pending_sidecar;
        ++waiting;
      }
      continue;
    }
    if (s == nullptr || s->state.running) {
      ++pending_init;
    } else if (s->state.terminated) {
      if (s->state.terminated->exit_code != 0) ++failed_init;
    } else if (s->state.waiting && s->last_state.terminated) {
      if (s->last_state.terminated->exit_code != 0) ++failed_init;
    } else {
      ++pending_init;
    }
  }
  bool any_app_started = false;
  for (const auto& c : pod.spec.containers) {
    const api::ContainerStatus* s = Find(apps, c.name);
    if (s == nullptr) {
      ++unknown;
      continue;
    }
    any_app_started = any_app_started || EverStarted(*s);
    if (s->state.running) {
      ++running;
    } else if (s->state.terminated) {
      ++stopped;
      if (s->state.terminated->exit_code == 0) ++succeeded;
    } else if (s->state.waiting && s->last_state.terminated) {
      ++stopped;
    } else if (s->state.waiting) {
      ++waiting;
    } else {
      ++unknown;
    }
  }
  if (failed_init > 0 && pod.spec.restart_policy == "Never") return "Failed";
  if (((pending_init > 0 || pending_sidecar > 0) && !any_app_started) || waiting > 0) {
    return "Pending";
  }
  if (running > 0 && unknown == 0) return "Running";
  if (running == 0 && stopped > 0 && unknown == 0) {
    if (terminal && !is_static) return stopped == succeeded ? "Succeeded" : "Failed";
    if (pod.spec.restart_policy == "Always") return "Running";
    if (stopped == succeeded) return "Succeeded";
    if (pod.spec.restart_policy == "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}

api::PodStatus GeneratePodStatus(const StatusInputs& in) {
  const api::Pod& pod = *in.pod;
  const api::PodStatus& old = pod.status;
  api::PodStatus st;
  st.init_container_statuses =
      ContainerStatuses(in, pod.spec.init_containers, old.init_container_statuses, true);
  st.container_statuses = ContainerStatuses(in, pod.spec.containers, old.container_statuses, false);
  const bool is_static =
      pod.metadata.annotations.count(std::string(kConfigSourceAnnotation)) != 0 &&
      pod.metadata.annotations.at(std::string(kConfigSourceAnnotation)) != "api";
  st.phase =
      PodPhase(pod, st.init_container_statuses, st.container_statuses, in.terminal, is_static);
  if (!in.fail_reason.empty()) {
    st.phase = "Failed";
    st.reason = in.fail_reason;
    st.message = in.fail_message;
  }
  // Terminal phases are sticky, with their reason and message.
  if ((old.phase == "Succeeded" || old.phase == "Failed") && st.phase != old.phase) {
    st.phase = old.phase;
  }
  if (st.phase == old.phase && st.reason.empty()) {
    st.reason = old.reason;
    st.message = old.message;
  }

  const runtime::SandboxStatus* sb = in.runtime->LatestSandbox();
  bool sandbox_ready = sb != nullptr && sb->state == runtime::SandboxState::kReady;
  st.conditions.push_back(
      Condition(old, "PodReadyToStartContainers", sandbox_ready, "", "", in.now));

  // Initialized
  {
    bool any_app_started = false;
    for (const auto& s : st.container_statuses) any_app_started |= EverStarted(s);
    std::vector<std::string> incomplete;
    for (const auto& c : pod.spec.init_containers) {
      const api::ContainerStatus* s = Find(st.init_container_statuses, c.name);
      bool done = IsSidecar(c) ? (s != nullptr && s->started.value_or(false))
                               : (s != nullptr && s->state.terminated &&
                                  s->state.terminated->exit_code == 0);
      if (!done) incomplete.push_back(c.name);
    }
    if (st.phase == "Succeeded") {
      st.conditions.push_back(Condition(old, "Initialized", true, "PodCompleted", "", in.now));
    } else if (incomplete.empty() || any_app_started) {
      st.conditions.push_back(Condition(old, "Initialized", true, "", "", in.now));
    } else {
      st.conditions.push_back(
          Condition(old, "Initialized", false, "ContainersNotInitialized",
                    "containers with incomplete status: " + Bracketed(incomplete), in.now));
    }
  }

  // ContainersReady and Ready
  {
    std::vector<std::string> unready;
    for (const auto& c : pod.spec.init_containers) {
      if (!IsSidecar(c)) continue;
      const api::ContainerStatus* s = Find(st.init_container_statuses, c.name);
      if (s == nullptr || !s->ready) unready.push_back(c.name);
    }
    for (const auto& c : pod.spec.containers) {
      const api::ContainerStatus* s = Find(st.container_statuses, c.name);
      if (s == nullptr || !s->ready) unready.push_back(c.name);
    }
    api::PodCondition cr;
    if (st.phase == "Succeeded") {
      cr = Condition(old, "ContainersReady", false, "PodCompleted", "", in.now);
    } else if (st.phase == "Failed") {
      cr = Condition(old, "ContainersReady", false, "PodFailed", "", in.now);
    } else if (!unready.empty()) {
      cr = Condition(old, "ContainersReady", false, "ContainersNotReady",
                     "containers with unready status: " + Bracketed(unready), in.now);
    } else {
      cr = Condition(old, "ContainersReady", true, "", "", in.now);
    }
    api::PodCondition ready =
        Condition(old, "Ready", cr.status == "True", cr.reason, cr.message, in.now);
    if (cr.status == "True") {
      for (const auto& gate : pod.spec.readiness_gates) {
        const api::PodCondition* found = nullptr;
        for (const auto& o : old.conditions) {
          if (o.type == gate.condition_type) found = &o;
        }
        if (found == nullptr || found->status != "True") {
          ready = Condition(old, "Ready", false, "ReadinessGatesNotReady",
                            found == nullptr
                                ? fmt::format("corresponding condition of pod readiness gate "
                                              "\"{}\" does not exist.",
                                              gate.condition_type)
                                : fmt::format("the status of pod readiness gate \"{}\" is not "
                                              "\"True\", but {}",
                                              gate.condition_type, found->status),
                            in.now);
          break;
        }
      }
    }
    st.conditions.push_back(ready);
    st.conditions.push_back(cr);
  }
  st.conditions.push_back(Condition(old, "PodScheduled", true, "", "", in.now));
  // Conditions the kubelet does not own (readiness gates, DisruptionTarget) are kept.
  for (const auto& o : old.conditions) {
    bool owned = false;
    for (const auto& c : st.conditions) owned |= c.type == o.type;
    if (!owned) st.conditions.push_back(o);
  }

  st.host_ip = in.host_ip;
  if (!in.host_ip.empty()) st.host_ips = {api::PodIP{in.host_ip}};
  // The pod network (#7) supplies pod IPs; until the runtime joins host-network pods to the
  // host's namespace they get no address either, rather than one they do not have.
  std::string pod_ip = in.pod_ip;
  if (pod_ip.empty()) pod_ip = old.pod_ip;
  st.pod_ip = pod_ip;
  if (!pod_ip.empty()) st.pod_ips = {api::PodIP{pod_ip}};
  st.start_time = old.start_time ? old.start_time : std::optional(api::Time::At(in.now));
  st.qos_class = api::PodQosClass(pod.spec);
  st.observed_generation = old.observed_generation;
  st.nominated_node_name = old.nominated_node_name;
  return st;
}

}  // namespace cubelet::node
