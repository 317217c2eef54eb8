// Containers and init containers (validateContainers, validateInitContainers and
// validateContainerCommon in validation.go): names, images, ports, mounts and the rules that
// tell regular init containers from sidecars.
#include <fmt/format.h>

#include "api/validation/validation.h"

namespace cubelet::api::validation {
namespace {

constexpr std::string_view kNotForInitContainers =
    "may not be set for init containers without restartPolicy=Always";

FieldErrors ValidatePorts(const std::vector<ContainerPort>& ports, const FieldPath& path) {
  FieldErrors errs;
  std::set<std::string> names;
  for (size_t i = 0; i < ports.size(); ++i) {
    const ContainerPort& port = ports[i];
    const FieldPath idx = path.Index(i);
    if (!port.name.empty()) {
      Messages msgs = IsValidPortName(port.name);
      if (!msgs.empty()) {
        AppendInvalid(errs, idx.Child("name"), port.name, msgs);
      } else if (!names.insert(port.name).second) {
        errs.push_back(Duplicate(idx.Child("name"), port.name));
      }
    }
    if (port.container_port == 0) {
      errs.push_back(Required(idx.Child("containerPort")));
    } else {
      for (const std::string& msg : IsValidPortNum(port.container_port)) {
        errs.push_back(InvalidInt(idx.Child("containerPort"), port.container_port, msg));
      }
    }
    if (port.host_port != 0) {
      for (const std::string& msg : IsValidPortNum(port.host_port)) {
        errs.push_back(InvalidInt(idx.Child("hostPort"), port.host_port, msg));
      }
    }
    if (port.protocol.empty()) {
      errs.push_back(Required(idx.Child("protocol")));
    } else if (port.protocol != "TCP" && port.protocol != "UDP" && port.protocol != "SCTP") {
      errs.push_back(NotSupported(idx.Child("protocol"), port.protocol, {"SCTP", "TCP", "UDP"}));
    }
  }
  return errs;
}

FieldErrors ValidateMountPropagation(const std::string& mode, const Container& c,
                                     const FieldPath& path) {
  FieldErrors errs;
  if (mode != "Bidirectional" && mode != "HostToContainer" && mode != "None") {
    errs.push_back(NotSupported(path, mode, {"Bidirectional", "HostToContainer", "None"}));
  }
  const bool privileged = c.security_context && c.security_context->privileged.value_or(false);
  if (mode == "Bidirectional" && !privileged) {
    errs.push_back(Forbidden(
        path, "Bidirectional mount propagation is available only to privileged containers"));
  }
  return errs;
}

FieldErrors ValidateRecursiveReadOnly(const VolumeMount& m, const FieldPath& path) {
  FieldErrors errs;
  if (!m.recursive_read_only) return errs;
  const std::string& rro = *m.recursive_read_only;
  if (rro == "Disabled") return errs;
  if (rro == "Enabled" || rro == "IfPossible") {
    if (!m.read_only)
      errs.push_back(Forbidden(path, "may only be specified when readOnly is true"));
    if (m.mount_propagation && *m.mount_propagation != "None") {
      errs.push_back(
          Forbidden(path, "may only be specified when mountPropagation is None or not specified"));
    }
    return errs;
  }
  errs.push_back(NotSupported(path, rro, {"Disabled", "Enabled", "IfPossible"}));
  return errs;
}

// Kubernetes reports subPath, subPathExpr and mountPropagation problems at the volumeMounts
// list's path (without the index); kept as is so the texts match.
FieldErrors ValidateVolumeMounts(const Container& c, const std::set<std::string>& volumes,
                                 const FieldPath& path) {
  FieldErrors errs;
  std::set<std::string> mount_points;
  for (size_t i = 0; i < c.volume_mounts.size(); ++i) {
    const VolumeMount& m = c.volume_mounts[i];
    const FieldPath idx = path.Index(i);
    if (m.name.empty()) errs.push_back(Required(idx.Child("name")));
    if (!volumes.contains(m.name)) errs.push_back(NotFound(idx.Child("name"), m.name));
    if (m.mount_path.empty()) errs.push_back(Required(idx.Child("mountPath")));
    if (!mount_points.insert(m.mount_path).second) {
      errs.push_back(Invalid(idx.Child("mountPath"), m.mount_path, "must be unique"));
    }
    if (!m.sub_path.empty()) {
      Append(errs, ValidateLocalDescendingPath(m.sub_path, path.Child("subPath")));
    }
    if (!m.sub_path_expr.empty()) {
      if (!m.sub_path.empty()) {
        errs.push_back(Invalid(idx.Child("subPathExpr"), m.sub_path_expr,
                               "subPathExpr and subPath are mutually exclusive"));
      }
      Append(errs, ValidateLocalDescendingPath(m.sub_path_expr, path.Child("subPathExpr")));
    }
    if (m.mount_propagation) {
      Append(errs,
             ValidateMountPropagation(*m.mount_propagation, c, path.Child("mountPropagation")));
    }
    Append(errs, ValidateRecursiveReadOnly(m, path.Child("recursiveReadOnly")));
  }
  return errs;
}

FieldErrors ValidateContainerCommon(const Container& c, const ContainerContext& ctx,
                                    const FieldPath& path) {
  FieldErrors errs;
  if (c.name.empty()) {
    errs.push_back(Required(path.Child("name")));
  } else {
    Append(errs, ValidateDNS1123Label(c.name, path.Child("name")));
  }
  if (c.image.empty()) errs.push_back(Required(path.Child("image")));
  const std::string& tmp = c.termination_message_policy;
  if (tmp.empty()) {
    errs.push_back(Required(path.Child("terminationMessagePolicy")));
  } else if (tmp != "File" && tmp != "FallbackToLogsOnError") {
    errs.push_back(NotSupported(path.Child("terminationMessagePolicy"), tmp,
                                {"File", "FallbackToLogsOnError"}));
  }
  Append(errs, ValidatePorts(c.ports, path.Child("ports")));
  Append(errs, ValidateEnv(c.env, path.Child("env")));
  Append(errs, ValidateEnvFrom(c.env_from, path.Child("envFrom")));
  Append(errs, ValidateVolumeMounts(c, *ctx.volumes, path.Child("volumeMounts")));
  const std::string& pull = c.image_pull_policy;
  if (pull.empty()) {
    errs.push_back(Required(path.Child("imagePullPolicy")));
  } else if (pull != "Always" && pull != "IfNotPresent" && pull != "Never") {
    errs.push_back(
        NotSupported(path.Child("imagePullPolicy"), pull, {"Always", "IfNotPresent", "Never"}));
  }
  Append(errs, ValidateResourceRequirements(c.resources, path.Child("resources")));
  Append(errs, ValidateSecurityContext(c.security_context, ctx.host_users,
                                       path.Child("securityContext")));
  return errs;
}

// Two containers of a pod may not bind the same host port (init containers are checked one at a
// time since they run one after another).
FieldErrors CheckHostPortConflicts(const std::vector<const Container*>& containers,
                                   const std::vector<size_t>& indexes, const FieldPath& path) {
  FieldErrors errs;
  std::set<std::string> seen;
  for (size_t n = 0; n < containers.size(); ++n) {
    const Container& c = *containers[n];
    for (size_t p = 0; p < c.ports.size(); ++p) {
      const ContainerPort& port = c.ports[p];
      if (port.host_port == 0) continue;
      const std::string key = fmt::format("{}/{}/{}", port.protocol, port.host_ip, port.host_port);
      if (!seen.insert(key).second) {
        errs.push_back(
            Duplicate(path.Index(indexes[n]).Child("ports").Index(p).Child("hostPort"), key));
      }
    }
  }
  return errs;
}

// Lifecycle hooks and the three probes of a container that may have them (app containers
// and sidecars).
FieldErrors ValidateProbesAndHooks(const Container& c, const ContainerContext& ctx,
                                   const FieldPath& idx) {
  FieldErrors errs;
  if (c.lifecycle) {
    Append(errs, ValidateLifecycle(*c.lifecycle, ctx.grace_period, idx.Child("lifecycle")));
  }
  Append(errs,
         ValidateLivenessProbe(c.liveness_probe, ctx.grace_period, idx.Child("livenessProbe")));
  Append(errs,
         ValidateReadinessProbe(c.readiness_probe, ctx.grace_period, idx.Child("readinessProbe")));
  Append(errs, ValidateStartupProbe(c.startup_probe, ctx.grace_period, idx.Child("startupProbe")));
  return errs;
}

}  // namespace

FieldErrors ValidateContainers(const std::vector<Container>& containers,
                               const ContainerContext& ctx, const FieldPath& path) {
  if (containers.empty()) return {Required(path)};
  FieldErrors errs;
  std::set<std::string> names;
  std::vector<const Container*> all;
  std::vector<size_t> indexes;
  for (size_t i = 0; i < containers.size(); ++i) {
    const Container& c = containers[i];
    const FieldPath idx = path.Index(i);
    Append(errs, ValidateContainerCommon(c, ctx, idx));
    // Clashes with init container names are reported on the init container.
    if (!names.insert(c.name).second) errs.push_back(Duplicate(idx.Child("name"), c.name));
    Append(errs, ValidateProbesAndHooks(c, ctx, idx));
    if (c.restart_policy) {
      errs.push_back(
          Forbidden(idx.Child("restartPolicy"), "may not be set for non-init containers"));
    }
    all.push_back(&c);
    indexes.push_back(i);
  }
  Append(errs, CheckHostPortConflicts(all, indexes, path));
  return errs;
}

FieldErrors ValidateInitContainers(const std::vector<Container>& init_containers,
                                   const std::vector<Container>& containers,
                                   const ContainerContext& ctx, const FieldPath& path) {
  FieldErrors errs;
  std::set<std::string> names;
  for (const Container& c : containers) names.insert(c.name);
  for (size_t i = 0; i < init_containers.size(); ++i) {
    const Container& c = init_containers[i];
    const FieldPath idx = path.Index(i);
    Append(errs, ValidateContainerCommon(c, ctx, idx));
    bool restart_always = false;
    if (c.restart_policy) {
      // Only "Always" exists for init containers: it turns them into sidecars.
      if (*c.restart_policy != "Always") {
        errs.push_back(NotSupported(idx.Child("restartPolicy"), *c.restart_policy, {"Always"}));
      }
      restart_always = *c.restart_policy == "Always";
    }
    if (names.contains(c.name)) {
      errs.push_back(Duplicate(idx.Child("name"), c.name));
    } else if (!c.name.empty()) {
      names.insert(c.name);
    }
    Append(errs, CheckHostPortConflicts({&c}, {i}, path));
    if (restart_always) {
      // A sidecar runs alongside the app containers, so it may have probes and hooks.
      Append(errs, ValidateProbesAndHooks(c, ctx, idx));
    } else {
      // A regular init container runs to completion before anything else starts: there is
      // nothing for a probe or hook to act on.
      const std::string detail(kNotForInitContainers);
      if (c.lifecycle) errs.push_back(Forbidden(idx.Child("lifecycle"), detail));
      if (c.liveness_probe) errs.push_back(Forbidden(idx.Child("livenessProbe"), detail));
      if (c.readiness_probe) errs.push_back(Forbidden(idx.Child("readinessProbe"), detail));
      if (c.startup_probe) errs.push_back(Forbidden(idx.Child("startupProbe"), detail));
    }
  }
  return errs;
}

}  // namespace cubelet::api::validation
