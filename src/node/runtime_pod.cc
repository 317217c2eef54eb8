#include "node/runtime_pod.h"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

namespace cubelet::node {

const runtime::ContainerStatus* RuntimePod::Latest(std::string_view name) const {
  for (const auto& c : containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::vector<const runtime::ContainerStatus*> RuntimePod::Instances(std::string_view name) const {
  std::vector<const runtime::ContainerStatus*> out;
  for (const auto& c : containers) {
    if (c.name == name) out.push_back(&c);
  }
  return out;
}

namespace {

std::string Label(const std::map<std::string, std::string>& labels, std::string_view key) {
  auto it = labels.find(std::string(key));
  return it == labels.end() ? std::string() : it->second;
}

void SortNewestFirst(RuntimePod& p) {
  std::stable_sort(p.sandboxes.begin(), p.sandboxes.end(), [](const auto& a, const auto& b) {
    return a.attempt != b.attempt ? a.attempt > b.attempt : a.created_at > b.created_at;
  });
  // Instances of one container: a higher restart count is newer even when two were created in
  // the same clock tick (fake clocks in tests).
  std::stable_sort(p.containers.begin(), p.containers.end(), [](const auto& a, const auto& b) {
    if (a.created_at != b.created_at) return a.created_at > b.created_at;
    return a.attempt > b.attempt;
  });
}

}  // namespace

base::Result<std::map<std::string, RuntimePod>> ListRuntimePods(runtime::Runtime& rt) {
  ASSIGN_OR_RETURN(auto sandboxes, rt.ListPodSandboxes());
  ASSIGN_OR_RETURN(auto containers, rt.ListContainers());
  std::map<std::string, RuntimePod> pods;
  std::map<std::string, std::string> uid_of_sandbox;
  for (auto& s : sandboxes) {
    // Only the agent's own pods: sandboxes made by hand (`cubelet runtime run`) lack its labels
    // and are never adopted, nor removed as orphans.
    std::string uid = Label(s.labels, kPodUidLabel);
    if (uid.empty()) continue;
    uid_of_sandbox[s.id] = uid;
    RuntimePod& p = pods[uid];
    p.uid = uid;
    p.sandboxes.push_back(std::move(s));
  }
  for (auto& c : containers) {
    if (c.labels.count(std::string(kInfraLabel)) != 0) continue;
    auto it = uid_of_sandbox.find(c.sandbox_id);
    if (it == uid_of_sandbox.end()) continue;
    pods[it->second].containers.push_back(std::move(c));
  }
  for (auto& [uid, p] : pods) SortNewestFirst(p);
  return pods;
}

base::Result<RuntimePod> GetRuntimePod(runtime::Runtime& rt, const std::string& uid) {
  ASSIGN_OR_RETURN(auto sandboxes, rt.ListPodSandboxes());
  RuntimePod p;
  p.uid = uid;
  for (auto& s : sandboxes) {
    std::string suid = !s.uid.empty() ? s.uid : Label(s.labels, kPodUidLabel);
    if (suid != uid) continue;
    ASSIGN_OR_RETURN(auto cs, rt.ListContainers(s.id));
    for (auto& c : cs) {
      if (c.labels.count(std::string(kInfraLabel)) == 0) p.containers.push_back(std::move(c));
    }
    p.sandboxes.push_back(std::move(s));
  }
  SortNewestFirst(p);
  return p;
}

std::string ContainerHash(const api::Container& container) {
  // FNV-1a over the canonical JSON: stable across restarts of the agent (std::hash is not).
  std::string text = api::EncodeJson(container).dump();
  uint32_t h = 2166136261u;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 16777619u;
  }
  return fmt::format("{:08x}", h);
}

std::string ApiContainerId(const std::string& id) { return "cubelet://" + id; }

}  // namespace cubelet::node
