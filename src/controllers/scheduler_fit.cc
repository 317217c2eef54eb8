// The scheduler's filters (kube-scheduler's NodeUnschedulable, NodeAffinity for nodeSelector,
// TaintToleration and NodeResourcesFit plugins) and its messages.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "controllers/controllers.h"

namespace cubelet::controllers {
namespace {

int64_t Milli(const api::ResourceList& list, const std::string& name) {
  auto it = list.find(name);
  return it == list.end() ? 0 : it->second.MilliValue();
}

int64_t Units(const api::ResourceList& list, const std::string& name) {
  auto it = list.find(name);
  return it == list.end() ? 0 : it->second.Value();
}

bool Tolerates(const api::Toleration& t, const api::Taint& taint) {
  if (!t.effect.empty() && t.effect != taint.effect) return false;
  if (t.key.empty()) return t.operator_ == "Exists";  // an empty key with Exists: everything
  if (t.key != taint.key) return false;
  if (t.operator_ == "Exists") return true;
  return t.value == taint.value;  // Equal (the default)
}

bool Terminal(const api::Pod& p) {
  return p.status.phase == "Succeeded" || p.status.phase == "Failed";
}

}  // namespace

PodRequests RequestsOf(const api::Pod& pod) {
  PodRequests sum, sidecars, init_peak;
  for (const api::Container& c : pod.spec.containers) {
    sum.cpu_milli += Milli(c.resources.requests, "cpu");
    sum.memory += Units(c.resources.requests, "memory");
  }
  // Init containers run one at a time, beside the sidecars started before them.
  for (const api::Container& c : pod.spec.init_containers) {
    int64_t cpu = Milli(c.resources.requests, "cpu");
    int64_t mem = Units(c.resources.requests, "memory");
    if (c.restart_policy == "Always") {
      sidecars.cpu_milli += cpu;
      sidecars.memory += mem;
      init_peak.cpu_milli = std::max(init_peak.cpu_milli, sidecars.cpu_milli);
      init_peak.memory = std::max(init_peak.memory, sidecars.memory);
    } else {
      init_peak.cpu_milli = std::max(init_peak.cpu_milli, sidecars.cpu_milli + cpu);
      init_peak.memory = std::max(init_peak.memory, sidecars.memory + mem);
    }
  }
  sum.cpu_milli += sidecars.cpu_milli;
  sum.memory += sidecars.memory;
  return {std::max(sum.cpu_milli, init_peak.cpu_milli), std::max(sum.memory, init_peak.memory)};
}

std::vector<std::string> UnfitReasons(const api::Pod& pod, const api::Node& node,
                                      const std::vector<const api::Pod*>& pods_on_node) {
  std::vector<std::string> out;
  if (node.spec.unschedulable) {
    bool tolerated = std::any_of(
        pod.spec.tolerations.begin(), pod.spec.tolerations.end(), [](const api::Toleration& t) {
          return Tolerates(t, {"node.kubernetes.io/unschedulable", "", "NoSchedule", std::nullopt});
        });
    if (!tolerated) out.push_back("node(s) were unschedulable");
  }
  for (const auto& [k, v] : pod.spec.node_selector) {
    auto it = node.metadata.labels.find(k);
    if (it == node.metadata.labels.end() || it->second != v) {
      out.push_back("node(s) didn't match Pod's node affinity/selector");
      break;
    }
  }
  for (const api::Taint& taint : node.spec.taints) {
    if (taint.effect != "NoSchedule" && taint.effect != "NoExecute") continue;
    bool tolerated = std::any_of(pod.spec.tolerations.begin(), pod.spec.tolerations.end(),
                                 [&](const api::Toleration& t) { return Tolerates(t, taint); });
    if (!tolerated) {
      out.push_back(
          fmt::format("node(s) had untolerated taint {{{}: {}}}", taint.key, taint.value));
      break;
    }
  }
  PodRequests want = RequestsOf(pod);
  PodRequests used;
  int64_t count = 0;
  for (const api::Pod* p : pods_on_node) {
    if (Terminal(*p)) continue;
    PodRequests r = RequestsOf(*p);
    used.cpu_milli += r.cpu_milli;
    used.memory += r.memory;
    ++count;
  }
  const api::ResourceList& alloc =
      node.status.allocatable.empty() ? node.status.capacity : node.status.allocatable;
  if (alloc.contains("pods") && count + 1 > Units(alloc, "pods")) out.push_back("Too many pods");
  if (want.cpu_milli > 0 && used.cpu_milli + want.cpu_milli > Milli(alloc, "cpu")) {
    out.push_back("Insufficient cpu");
  }
  if (want.memory > 0 && used.memory + want.memory > Units(alloc, "memory")) {
    out.push_back("Insufficient memory");
  }
  return out;
}

std::string UnschedulableMessage(size_t node_count,
                                 const std::vector<std::vector<std::string>>& reasons_per_node) {
  if (node_count == 0) return "no nodes available to schedule pods";
  std::map<std::string, int> counts;
  bool resources_only = true;
  for (const auto& reasons : reasons_per_node) {
    for (const std::string& r : reasons) {
      ++counts[r];
      if (!r.starts_with("Insufficient") && r != "Too many pods") resources_only = false;
    }
  }
  std::vector<std::string> parts;
  for (const auto& [reason, n] : counts) parts.push_back(fmt::format("{} {}", n, reason));
  std::string msg = fmt::format("0/{} nodes are available", node_count);
  if (!parts.empty()) msg += fmt::format(": {}", fmt::join(parts, ", "));
  msg += ".";
  // kube-scheduler then tries preemption, which never helps a pod that no node can take for
  // anything but resources, and finds no lower-priority victims for the rest.
  msg += fmt::format(" preemption: 0/{} nodes are available: {} {}.", node_count, node_count,
                     resources_only ? "No preemption victims found for incoming pod"
                                    : "Preemption is not helpful for scheduling");
  return msg;
}

}  // namespace cubelet::controllers
