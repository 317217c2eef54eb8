#include <fstream>
#include <unistd.h>

#include <fmt/format.h>

#include "api/api.h"
#include "runtime/runtime.h"

namespace cubelet::runtime {
namespace {

using base::Code;
using base::Result;
using base::Status;

std::optional<int64_t> Milli(const api::ResourceList& list, const char* name) {
  auto it = list.find(name);
  if (it == list.end()) return std::nullopt;
  return it->second.MilliValue();
}

std::optional<int64_t> Units(const api::ResourceList& list, const char* name) {
  auto it = list.find(name);
  if (it == list.end()) return std::nullopt;
  return it->second.Value();
}

}  // namespace

int OomScoreAdj(const api::Pod& pod, const api::Container& container, int64_t node_memory) {
  std::string qos = api::PodQosClass(pod.spec);
  if (qos == "Guaranteed") return -997;
  if (qos == "BestEffort") return 1000;
  int64_t request = Units(container.resources.requests, "memory").value_or(0);
  if (node_memory <= 0) return 999;
  int64_t adj = 1000 - (1000 * request) / node_memory;
  // Burstable stays strictly between Guaranteed and BestEffort.
  if (adj < 2) return 2;
  if (adj >= 1000) return 999;
  return static_cast<int>(adj);
}

Result<SandboxConfig> SandboxConfigForPod(const api::Pod& pod, const PodSources& sources) {
  SandboxConfig c;
  c.name = pod.metadata.name;
  c.namespace_ = pod.metadata.namespace_.empty() ? "default" : pod.metadata.namespace_;
  c.uid = pod.metadata.uid;
  c.hostname = pod.spec.hostname.empty() ? pod.metadata.name : pod.spec.hostname;
  c.subdomain = pod.spec.subdomain;
  c.share_process_namespace = pod.spec.share_process_namespace.value_or(false);
  c.labels = pod.metadata.labels;
  c.annotations = pod.metadata.annotations;
  for (const auto& alias : pod.spec.host_aliases)
    c.host_aliases.push_back({alias.ip, alias.hostnames});
  if (pod.spec.dns_policy == "None" && pod.spec.dns_config) {
    DnsConfig dns;
    dns.servers = pod.spec.dns_config->nameservers;
    dns.searches = pod.spec.dns_config->searches;
    for (const auto& o : pod.spec.dns_config->options) {
      dns.options.push_back(o.value ? o.name + ":" + *o.value : o.name);
    }
    c.dns = dns;
  }
  for (size_t i = 0; i < pod.spec.volumes.size(); ++i) {
    const api::Volume& v = pod.spec.volumes[i];
    Volume out;
    out.name = v.name;
    if (v.empty_dir) {
      out.kind = Volume::Kind::kEmptyDir;
      out.memory = v.empty_dir->medium == "Memory";
      if (v.empty_dir->size_limit) out.size_limit = v.empty_dir->size_limit->Value();
    } else if (v.host_path) {
      out.kind = Volume::Kind::kHostPath;
      out.path = v.host_path->path;
      out.host_path_type = v.host_path->type.value_or("");
    } else if (v.config_map || v.secret || v.downward_api || v.projected) {
      if (!sources.volume_files) {
        return Status(Code::kUnimplemented,
                      fmt::format("spec.volumes[{}] ({}): configMap, secret, downwardAPI and "
                                  "projected volumes need the API server",
                                  i, v.name));
      }
      out.kind = Volume::Kind::kFiles;
      ASSIGN_OR_RETURN(out.files, sources.volume_files(v));
    } else {
      return Status(
          Code::kUnimplemented,
          fmt::format("spec.volumes[{}] ({}): this volume type is not supported", i, v.name));
    }
    c.volumes.push_back(std::move(out));
  }
  return c;
}

Result<ContainerConfig> ContainerConfigForPod(const api::Pod& pod, const api::Container& container,
                                              uint32_t attempt, ImageSpec image,
                                              const PodSources& sources) {
  ContainerConfig c;
  c.name = container.name;
  c.attempt = attempt;
  c.image = std::move(image);
  c.command = container.command;
  c.args = container.args;
  c.working_dir = container.working_dir;
  if (sources.env) {
    ASSIGN_OR_RETURN(c.env, sources.env(container));
  } else {
    if (!container.env_from.empty()) {
      return Status(Code::kUnimplemented,
                    fmt::format("container {}: envFrom needs the API server", container.name));
    }
    for (const auto& e : container.env) {
      if (e.value_from) {
        return Status(Code::kUnimplemented,
                      fmt::format("container {}: env {} uses valueFrom, which needs the API server",
                                  container.name, e.name));
      }
      c.env.emplace_back(e.name, e.value);
    }
  }
  for (const auto& m : container.volume_mounts) {
    c.mounts.push_back(VolumeMount{m.name, m.mount_path, m.sub_path, m.read_only});
  }
  // Pod-level settings apply unless the container overrides them (SecurityContext merging).
  const auto& psc = pod.spec.security_context;
  const auto& sc = container.security_context;
  SecurityConfig& s = c.security;
  if (psc) {
    s.run_as_user = psc->run_as_user;
    s.run_as_group = psc->run_as_group;
    s.run_as_non_root = psc->run_as_non_root.value_or(false);
    s.supplemental_groups = psc->supplemental_groups;
    if (psc->fs_group) s.supplemental_groups.push_back(*psc->fs_group);
    if (psc->seccomp_profile && psc->seccomp_profile->type == "RuntimeDefault") {
      s.seccomp = SeccompProfile::kRuntimeDefault;
    }
  }
  if (sc) {
    if (sc->run_as_user) s.run_as_user = sc->run_as_user;
    if (sc->run_as_group) s.run_as_group = sc->run_as_group;
    if (sc->run_as_non_root) s.run_as_non_root = *sc->run_as_non_root;
    s.privileged = sc->privileged.value_or(false);
    s.read_only_root_filesystem = sc->read_only_root_filesystem.value_or(false);
    s.allow_privilege_escalation = sc->allow_privilege_escalation.value_or(true);
    s.unmasked_proc = sc->proc_mount.value_or("Default") == "Unmasked";
    if (sc->capabilities) {
      s.add_capabilities = sc->capabilities->add;
      s.drop_capabilities = sc->capabilities->drop;
    }
    if (sc->seccomp_profile) {
      const std::string& type = sc->seccomp_profile->type;
      if (type == "RuntimeDefault") {
        s.seccomp = SeccompProfile::kRuntimeDefault;
      } else if (type == "Unconfined") {
        s.seccomp = SeccompProfile::kUnconfined;
      } else if (type == "Localhost") {
        return Status(Code::kUnimplemented,
                      fmt::format("container {}: Localhost seccomp profiles are not supported yet",
                                  container.name));
      }
    }
  }
  c.resources.cpu_request_milli = Milli(container.resources.requests, "cpu");
  c.resources.cpu_limit_milli = Milli(container.resources.limits, "cpu");
  c.resources.memory_request = Units(container.resources.requests, "memory");
  c.resources.memory_limit = Units(container.resources.limits, "memory");
  c.resources.oom_score_adj = OomScoreAdj(pod, container, sources.node_memory_bytes);
  c.termination_message_path = container.termination_message_path.empty()
                                   ? "/dev/termination-log"
                                   : container.termination_message_path;
  c.fallback_to_logs_on_error = container.termination_message_policy == "FallbackToLogsOnError";
  if (container.lifecycle && !container.lifecycle->stop_signal.empty()) {
    c.image.stop_signal = container.lifecycle->stop_signal;
  }
  c.labels = {{"io.kubernetes.container.name", container.name},
              {"io.kubernetes.pod.name", pod.metadata.name},
              {"io.kubernetes.pod.namespace", pod.metadata.namespace_},
              {"io.kubernetes.pod.uid", pod.metadata.uid}};
  return c;
}

}  // namespace cubelet::runtime
