// Pods and pod specs (ValidatePodSpec, validatePodMetadataAndSpec, ValidatePodCreate and
// ValidatePodTemplateSpec in validation.go).
#include <functional>

#include <fmt/format.h>

#include "api/validation/validation.h"

namespace cubelet::api {
namespace validation {
namespace {

constexpr int64_t kMaxInt32 = 2147483647;
constexpr size_t kMaxDNSNameservers = 3;
constexpr size_t kMaxDNSSearchPaths = 32;
constexpr size_t kMaxDNSSearchListChars = 2048;

// Under hostNetwork the container's ports are the node's, so hostPort must equal
// containerPort. A template may leave it 0: it is defaulted when the pod is created.
FieldErrors ValidateHostNetworkDeps(const PodSpec& spec, const FieldPath& path,
                                    bool resource_is_pod) {
  FieldErrors errs;
  if (!spec.host_network) return errs;
  for (size_t i = 0; i < spec.containers.size(); ++i) {
    const std::vector<ContainerPort>& ports = spec.containers[i].ports;
    for (size_t j = 0; j < ports.size(); ++j) {
      const ContainerPort& p = ports[j];
      if ((resource_is_pod || p.host_port != 0) && p.host_port != p.container_port) {
        errs.push_back(
            InvalidInt(path.Child("containers").Index(i).Child("ports").Index(j).Child("hostPort"),
                       p.host_port, "must match `containerPort` when `hostNetwork` is true"));
      }
    }
  }
  return errs;
}

FieldErrors ValidateRestartPolicy(const std::string& policy, const FieldPath& path) {
  if (policy == "Always" || policy == "OnFailure" || policy == "Never") return {};
  if (policy.empty()) return {Required(path)};
  return {NotSupported(path, policy, {"Always", "OnFailure", "Never"})};
}

FieldErrors ValidateDNSPolicy(const std::string& policy, const FieldPath& path) {
  if (policy == "ClusterFirstWithHostNet" || policy == "ClusterFirst" || policy == "Default" ||
      policy == "None") {
    return {};
  }
  if (policy.empty()) return {Required(path)};
  return {
      NotSupported(path, policy, {"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"})};
}

FieldErrors ValidateDNSConfig(const PodSpec& spec, const FieldPath& path) {
  FieldErrors errs;
  const std::optional<PodDNSConfig>& cfg = spec.dns_config;
  if (spec.dns_policy == "None") {
    if (!cfg) return {Required(path, "must provide `dnsConfig` when `dnsPolicy` is None")};
    if (cfg->nameservers.empty()) {
      return {Required(path.Child("nameservers"),
                       "must provide at least one DNS nameserver when `dnsPolicy` is None")};
    }
  }
  if (!cfg) return errs;
  // The limits come from libc's resolver: more entries would be silently ignored.
  if (cfg->nameservers.size() > kMaxDNSNameservers) {
    errs.push_back(
        InvalidRaw(path.Child("nameservers"), RenderStringList(cfg->nameservers),
                   fmt::format("must not have more than {} nameservers", kMaxDNSNameservers)));
  }
  for (size_t i = 0; i < cfg->nameservers.size(); ++i) {
    Append(errs, ValidateIP(cfg->nameservers[i], path.Child("nameservers").Index(i)));
  }
  if (cfg->searches.size() > kMaxDNSSearchPaths) {
    errs.push_back(
        InvalidRaw(path.Child("searches"), RenderStringList(cfg->searches),
                   fmt::format("must not have more than {} search paths", kMaxDNSSearchPaths)));
  }
  size_t chars = cfg->searches.empty() ? 0 : cfg->searches.size() - 1;
  for (const std::string& s : cfg->searches) chars += s.size();
  if (chars > kMaxDNSSearchListChars) {
    errs.push_back(InvalidRaw(
        path.Child("searches"), RenderStringList(cfg->searches),
        fmt::format("must not have more than {} characters (including spaces) in the search list",
                    kMaxDNSSearchListChars)));
  }
  for (size_t i = 0; i < cfg->searches.size(); ++i) {
    // RelaxedDNSSearchValidation (on by default): "." and '_' are allowed.
    std::string_view search = cfg->searches[i];
    if (search == ".") continue;
    if (search.ends_with(".")) search.remove_suffix(1);
    AppendInvalid(errs, path.Child("searches").Index(i), search,
                  IsDNS1123SubdomainWithUnderscore(search));
  }
  for (size_t i = 0; i < cfg->options.size(); ++i) {
    if (cfg->options[i].name.empty()) {
      errs.push_back(Required(path.Child("options").Index(i), "must not be empty"));
    }
  }
  return errs;
}

FieldErrors ValidateTolerations(const std::vector<Toleration>& tolerations, const FieldPath& path) {
  FieldErrors errs;
  for (size_t i = 0; i < tolerations.size(); ++i) {
    const Toleration& t = tolerations[i];
    const FieldPath idx = path.Index(i);
    if (!t.key.empty()) Append(errs, ValidateQualifiedName(t.key, idx.Child("key")));
    if (t.key.empty() && t.operator_ != "Exists") {
      errs.push_back(Invalid(idx.Child("operator"), t.operator_,
                             "operator must be Exists when `key` is empty, which means \"match all "
                             "values and all keys\""));
    }
    if (t.toleration_seconds && t.effect != "NoExecute") {
      errs.push_back(Invalid(idx.Child("effect"), t.effect,
                             "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (t.operator_ == "Equal" || t.operator_.empty()) {
      Messages msgs = IsLabelValue(t.value);
      if (!msgs.empty()) {
        std::string joined;
        for (const std::string& m : msgs) joined += (joined.empty() ? "" : ";") + m;
        errs.push_back(Invalid(idx.Child("operator"), t.value, joined));
      }
    } else if (t.operator_ == "Exists") {
      if (!t.value.empty()) {
        errs.push_back(Invalid(idx.Child("operator"), t.value,
                               "value must be empty when `operator` is 'Exists'"));
      }
    } else {
      errs.push_back(NotSupported(idx.Child("operator"), t.operator_, {"Equal", "Exists"}));
    }
    if (!t.effect.empty()) Append(errs, ValidateTaintEffect(t.effect, true, idx.Child("effect")));
  }
  return errs;
}

FieldErrors ValidateHostAliases(const std::vector<HostAlias>& aliases, const FieldPath& path) {
  FieldErrors errs;
  for (size_t i = 0; i < aliases.size(); ++i) {
    Append(errs, ValidateIP(aliases[i].ip, path.Index(i).Child("ip")));
    for (size_t j = 0; j < aliases[i].hostnames.size(); ++j) {
      Append(errs, ValidateDNS1123Subdomain(aliases[i].hostnames[j],
                                            path.Index(i).Child("hostnames").Index(j)));
    }
  }
  return errs;
}

// A user namespace cannot be combined with the host's other namespaces.
FieldErrors ValidateHostUsers(const PodSpec& spec, const FieldPath& path) {
  FieldErrors errs;
  if (spec.host_users.value_or(true)) return errs;
  constexpr std::string_view kDetail = "when `pod.Spec.HostUsers` is false";
  if (spec.host_network) errs.push_back(Forbidden(path.Child("hostNetwork"), std::string(kDetail)));
  if (spec.host_pid) errs.push_back(Forbidden(path.Child("HostPID"), std::string(kDetail)));
  if (spec.host_ipc) errs.push_back(Forbidden(path.Child("HostIPC"), std::string(kDetail)));
  return errs;
}

void ForEachContainer(const PodSpec& spec, const FieldPath& path,
                      const std::function<void(const Container&, const FieldPath&)>& fn) {
  for (size_t i = 0; i < spec.init_containers.size(); ++i) {
    fn(spec.init_containers[i], path.Child("initContainers").Index(i));
  }
  for (size_t i = 0; i < spec.containers.size(); ++i) {
    fn(spec.containers[i], path.Child("containers").Index(i));
  }
}

// Linux-only security settings make no sense on a Windows pod.
FieldErrors ValidateWindows(const PodSpec& spec, const FieldPath& path) {
  FieldErrors errs;
  const std::string kDetail = "cannot be set for a windows pod";
  if (spec.security_context) {
    const PodSecurityContext& sc = *spec.security_context;
    const FieldPath sp = path.Child("securityContext");
    if (sc.app_armor_profile) errs.push_back(Forbidden(sp.Child("appArmorProfile"), kDetail));
    if (sc.se_linux_options) errs.push_back(Forbidden(sp.Child("seLinuxOptions"), kDetail));
    if (spec.host_users) errs.push_back(Forbidden(path.Child("hostUsers"), kDetail));
    if (spec.host_pid) errs.push_back(Forbidden(path.Child("hostPID"), kDetail));
    if (spec.host_ipc) errs.push_back(Forbidden(path.Child("hostIPC"), kDetail));
    if (sc.seccomp_profile) errs.push_back(Forbidden(sp.Child("seccompProfile"), kDetail));
    if (sc.fs_group) errs.push_back(Forbidden(sp.Child("fsGroup"), kDetail));
    if (sc.fs_group_change_policy)
      errs.push_back(Forbidden(sp.Child("fsGroupChangePolicy"), kDetail));
    if (!sc.sysctls.empty()) errs.push_back(Forbidden(sp.Child("sysctls"), kDetail));
    if (spec.share_process_namespace) {
      errs.push_back(Forbidden(path.Child("shareProcessNamespace"), kDetail));
    }
    if (sc.run_as_user) errs.push_back(Forbidden(sp.Child("runAsUser"), kDetail));
    if (sc.run_as_group) errs.push_back(Forbidden(sp.Child("runAsGroup"), kDetail));
    if (!sc.supplemental_groups.empty()) {
      errs.push_back(Forbidden(sp.Child("supplementalGroups"), kDetail));
    }
    if (sc.supplemental_groups_policy) {
      errs.push_back(Forbidden(sp.Child("supplementalGroupsPolicy"), kDetail));
    }
  }
  ForEachContainer(spec, path, [&](const Container& c, const FieldPath& cp) {
    if (!c.security_context) return;
    const SecurityContext& sc = *c.security_context;
    const FieldPath sp = cp.Child("securityContext");
    if (sc.app_armor_profile) errs.push_back(Forbidden(sp.Child("appArmorProfile"), kDetail));
    if (sc.se_linux_options) errs.push_back(Forbidden(sp.Child("seLinuxOptions"), kDetail));
    if (sc.seccomp_profile) errs.push_back(Forbidden(sp.Child("seccompProfile"), kDetail));
    if (sc.capabilities) errs.push_back(Forbidden(sp.Child("capabilities"), kDetail));
    if (sc.read_only_root_filesystem) {
      errs.push_back(Forbidden(sp.Child("readOnlyRootFilesystem"), kDetail));
    }
    if (sc.privileged) errs.push_back(Forbidden(sp.Child("privileged"), kDetail));
    if (sc.allow_privilege_escalation) {
      errs.push_back(Forbidden(sp.Child("allowPrivilegeEscalation"), kDetail));
    }
    if (sc.proc_mount) errs.push_back(Forbidden(sp.Child("procMount"), kDetail));
    if (sc.run_as_user) errs.push_back(Forbidden(sp.Child("runAsUser"), kDetail));
    if (sc.run_as_group) errs.push_back(Forbidden(sp.Child("runAsGroup"), kDetail));
  });
  return errs;
}

FieldErrors ValidateOS(const PodSpec& spec, const FieldPath& path) {
  if (!spec.os) return {};
  if (spec.os->name.empty()) return {Required(path.Child("os").Child("name"), "cannot be empty")};
  if (spec.os->name != "linux" && spec.os->name != "windows") {
    return {NotSupported(path.Child("os"), spec.os->name, {"linux", "windows"})};
  }
  if (spec.os->name == "windows") return ValidateWindows(spec, path);
  return {};
}

void AppendNameErrors(FieldErrors& errs, const std::string& value, NameFn fn,
                      const FieldPath& path) {
  if (!value.empty()) AppendInvalid(errs, path, value, fn(value, false));
}

}  // namespace

FieldErrors ValidatePodSpecWithOptions(const PodSpec& spec, const FieldPath& path,
                                       bool resource_is_pod) {
  FieldErrors errs;
  const std::optional<int64_t>& grace = spec.termination_grace_period_seconds;
  if (!grace) {
    errs.push_back(Required(path.Child("terminationGracePeriodSeconds")));
  } else {
    // Kubernetes' create strategy turns a negative grace period into 1; cubelet rejects it so
    // the stored object says what the user meant.
    Append(errs, ValidateNonnegative(*grace, path.Child("terminationGracePeriodSeconds")));
  }
  ContainerContext ctx;
  std::set<std::string> volumes = ValidateVolumes(spec.volumes, path.Child("volumes"), errs);
  ctx.volumes = &volumes;
  ctx.grace_period = grace;
  ctx.host_users = spec.host_users.value_or(true);
  Append(errs, ValidateContainers(spec.containers, ctx, path.Child("containers")));
  Append(errs, ValidateInitContainers(spec.init_containers, spec.containers, ctx,
                                      path.Child("initContainers")));
  Append(errs, ValidateHostNetworkDeps(spec, path, resource_is_pod));
  Append(errs, ValidateRestartPolicy(spec.restart_policy, path.Child("restartPolicy")));
  Append(errs, ValidateDNSPolicy(spec.dns_policy, path.Child("dnsPolicy")));
  Append(errs, ValidateLabels(spec.node_selector, path.Child("nodeSelector")));
  Append(errs, ValidatePodSecurityContext(spec, path));
  Append(errs, ValidateDNSConfig(spec, path.Child("dnsConfig")));
  for (size_t i = 0; i < spec.readiness_gates.size(); ++i) {
    Append(errs,
           ValidateQualifiedName(spec.readiness_gates[i].condition_type,
                                 path.Child("readinessGates").Index(i).Child("conditionType")));
  }
  std::set<std::string> gates;
  for (size_t i = 0; i < spec.scheduling_gates.size(); ++i) {
    const std::string& name = spec.scheduling_gates[i].name;
    const FieldPath p = path.Child("schedulingGates").Index(i);
    Append(errs, ValidateQualifiedName(name, p));
    if (!gates.insert(name).second) errs.push_back(Duplicate(p, name));
  }
  Append(errs, ValidateHostUsers(spec, path));
  AppendNameErrors(errs, spec.service_account_name, NameIsDNSSubdomain,
                   path.Child("serviceAccountName"));
  AppendNameErrors(errs, spec.node_name, NameIsDNSSubdomain, path.Child("nodeName"));
  if (spec.active_deadline_seconds) {
    const int64_t v = *spec.active_deadline_seconds;
    if (v < 1 || v > kMaxInt32) {
      errs.push_back(
          InvalidInt(path.Child("activeDeadlineSeconds"), v, InclusiveRangeError(1, kMaxInt32)));
    }
  }
  if (!spec.hostname.empty()) {
    Append(errs, ValidateDNS1123Label(spec.hostname, path.Child("hostname")));
  }
  if (!spec.subdomain.empty()) {
    Append(errs, ValidateDNS1123Label(spec.subdomain, path.Child("subdomain")));
  }
  Append(errs, ValidateTolerations(spec.tolerations, path.Child("tolerations")));
  Append(errs, ValidateHostAliases(spec.host_aliases, path.Child("hostAliases")));
  AppendNameErrors(errs, spec.priority_class_name, NameIsDNSSubdomain,
                   path.Child("priorityClassName"));
  if (spec.runtime_class_name) {
    AppendInvalid(errs, path.Child("runtimeClassName"), *spec.runtime_class_name,
                  NameIsDNSSubdomain(*spec.runtime_class_name, false));
  }
  if (spec.preemption_policy) {
    const std::string& p = *spec.preemption_policy;
    if (p.empty()) {
      errs.push_back(Required(path.Child("preemptionPolicy")));
    } else if (p != "PreemptLowerPriority" && p != "Never") {
      errs.push_back(
          NotSupported(path.Child("preemptionPolicy"), p, {"PreemptLowerPriority", "Never"}));
    }
  }
  if (!spec.overhead.empty()) {
    ResourceRequirements overhead;
    overhead.limits = spec.overhead;
    Append(errs, ValidateResourceRequirements(overhead, path.Child("overhead")));
  }
  Append(errs, ValidateOS(spec, path));
  return errs;
}

FieldErrors ValidatePodTemplateSpec(const PodTemplateSpec& tmpl, const FieldPath& path) {
  // Kubernetes quirk: template labels and annotations are reported at "<template>.labels".
  FieldErrors errs = ValidateLabels(tmpl.metadata.labels, path.Child("labels"));
  Append(errs, ValidateAnnotations(tmpl.metadata.annotations, path.Child("annotations")));
  Append(errs, ValidatePodSpecWithOptions(tmpl.spec, path.Child("spec"), false));
  return errs;
}

}  // namespace validation

FieldErrors ValidatePodSpec(const PodSpec& spec, const FieldPath& path) {
  return validation::ValidatePodSpecWithOptions(spec, path, /*resource_is_pod=*/true);
}

FieldErrors ValidatePod(const Pod& pod) {
  using namespace validation;
  const FieldPath meta_path("metadata");
  const FieldPath spec_path("spec");
  FieldErrors errs = ValidateObjectMeta(pod.metadata, true, NameIsDNSSubdomain, meta_path);
  const auto mirror = pod.metadata.annotations.find("kubernetes.io/config.mirror");
  if (mirror != pod.metadata.annotations.end() && pod.spec.node_name.empty()) {
    errs.push_back(Invalid(meta_path.Child("annotations").Key("kubernetes.io/config.mirror"),
                           mirror->second,
                           "must set spec.nodeName if mirror pod annotation is set"));
  }
  Append(errs, ValidatePodSpec(pod.spec, spec_path));
  // A projected token needs an account to be issued for.
  if (pod.spec.service_account_name.empty()) {
    for (size_t v = 0; v < pod.spec.volumes.size(); ++v) {
      if (!pod.spec.volumes[v].projected) continue;
      const std::vector<VolumeProjection>& sources = pod.spec.volumes[v].projected->sources;
      for (size_t s = 0; s < sources.size(); ++s) {
        if (!sources[s].service_account_token) continue;
        errs.push_back(Forbidden(spec_path.Child("volumes")
                                     .Index(v)
                                     .Child("projected")
                                     .Child("sources")
                                     .Index(s)
                                     .Child("serviceAccountToken"),
                                 "must not be specified when serviceAccountName is not set"));
      }
    }
  }
  // Pod-only: an image with surrounding whitespace is tolerated in templates, not in pods.
  for (const auto& [list, name] : {std::pair{&pod.spec.containers, "containers"},
                                   std::pair{&pod.spec.init_containers, "initContainers"}}) {
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string& image = (*list)[i].image;
      const size_t b = image.find_first_not_of(" \t\n\r\v\f");
      const size_t e = image.find_last_not_of(" \t\n\r\v\f");
      if (!image.empty() && (b != 0 || e != image.size() - 1)) {
        errs.push_back(Invalid(spec_path.Child(name).Index(i).Child("image"), image,
                               "must not have leading or trailing whitespace"));
      }
    }
  }
  if (!pod.spec.node_name.empty() && !pod.spec.scheduling_gates.empty()) {
    errs.push_back(Forbidden(spec_path.Child("nodeName"),
                             "cannot be set until all schedulingGates have been cleared"));
  }
  return errs;
}

}  // namespace cubelet::api
