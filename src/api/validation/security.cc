// Container and pod security contexts: IDs, procMount, seccomp and AppArmor profiles, sysctls.
#include <fmt/format.h>

#include "api/validation/validation.h"

namespace cubelet::api::validation {
namespace {

void ValidateID(FieldErrors& errs, const std::optional<int64_t>& id, const FieldPath& path) {
  if (!id) return;
  for (const std::string& msg : IsValidUserID(*id)) errs.push_back(InvalidInt(path, *id, msg));
}

// Sysctls that live in the network or IPC namespace cannot be set on a pod that shares the
// host's namespace: they would change the node (utilsysctl.GetNamespace).
std::string_view SysctlNamespace(std::string_view name) {
  if (name.starts_with("net.")) return "net";
  if (name == "kernel.sem" || name.starts_with("kernel.shm") || name.starts_with("kernel.msg") ||
      name.starts_with("fs.mqueue.")) {
    return "ipc";
  }
  return "";
}

FieldErrors ValidateSysctls(const PodSpec& spec, const FieldPath& path) {
  FieldErrors errs;
  std::set<std::string> names;
  const std::vector<Sysctl>& sysctls = spec.security_context->sysctls;
  for (size_t i = 0; i < sysctls.size(); ++i) {
    const std::string& name = sysctls[i].name;
    const FieldPath p = path.Index(i).Child("name");
    if (name.empty()) {
      errs.push_back(Required(p));
    } else if (!IsValidSysctlName(name)) {
      errs.push_back(
          Invalid(p, name,
                  "must have at most 253 characters and match regex "
                  "^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$"));
    } else if (names.contains(name)) {
      errs.push_back(Duplicate(p, name));
    }
    const std::string_view ns = SysctlNamespace(name);
    if (spec.host_network && ns == "net") {
      errs.push_back(Invalid(p, name, "may not be specified when 'hostNetwork' is true"));
    } else if (spec.host_ipc && ns == "ipc") {
      errs.push_back(Invalid(p, name, "may not be specified when 'hostIPC' is true"));
    }
    names.insert(name);
  }
  return errs;
}

}  // namespace

FieldErrors ValidateSeccompProfileField(const std::optional<SeccompProfile>& sp,
                                        const FieldPath& path) {
  FieldErrors errs;
  if (!sp) return errs;
  if (sp->type.empty()) {
    errs.push_back(Required(path.Child("type"), "type is required when seccompProfile is set"));
  } else if (sp->type != "Localhost" && sp->type != "RuntimeDefault" && sp->type != "Unconfined") {
    errs.push_back(
        NotSupported(path.Child("type"), sp->type, {"Localhost", "RuntimeDefault", "Unconfined"}));
  }
  if (sp->type == "Localhost") {
    if (!sp->localhost_profile) {
      errs.push_back(
          Required(path.Child("localhostProfile"), "must be set when seccomp type is Localhost"));
    } else {
      Append(errs,
             ValidateLocalDescendingPath(*sp->localhost_profile, path.Child("localhostProfile")));
    }
  } else if (sp->localhost_profile) {
    // Go prints the whole profile struct here; its pointer field would show an address, so the
    // offending profile name is shown instead.
    errs.push_back(Invalid(path.Child("localhostProfile"), *sp->localhost_profile,
                           "can only be set when seccomp type is Localhost"));
  }
  return errs;
}

FieldErrors ValidateAppArmorProfileField(const std::optional<AppArmorProfile>& profile,
                                         const FieldPath& path) {
  FieldErrors errs;
  if (!profile) return errs;
  const FieldPath lp = path.Child("localhostProfile");
  if (profile->type == "Localhost") {
    if (!profile->localhost_profile) {
      errs.push_back(Required(lp, "must be set when AppArmor type is Localhost"));
    } else {
      const std::string& p = *profile->localhost_profile;
      const size_t b = p.find_first_not_of(" \t\n\r\v\f");
      const size_t e = p.find_last_not_of(" \t\n\r\v\f");
      const std::string trimmed = b == std::string::npos ? "" : p.substr(b, e - b + 1);
      if (trimmed != p) {
        errs.push_back(Invalid(lp, p, "must not be padded with whitespace"));
      } else if (trimmed.empty()) {
        errs.push_back(Required(lp, "must be set when AppArmor type is Localhost"));
      }
      if (p.size() > 4095) errs.push_back(TooLong(lp, 4095));
    }
  } else if (profile->type == "RuntimeDefault" || profile->type == "Unconfined") {
    if (profile->localhost_profile) {
      errs.push_back(Invalid(lp, *profile->localhost_profile,
                             "can only be set when AppArmor type is Localhost"));
    }
  } else if (profile->type.empty()) {
    errs.push_back(Required(path.Child("type"), "type is required when appArmorProfile is set"));
  } else {
    errs.push_back(NotSupported(path.Child("type"), profile->type,
                                {"Localhost", "RuntimeDefault", "Unconfined"}));
  }
  return errs;
}

FieldErrors ValidateSecurityContext(const std::optional<SecurityContext>& sc, bool host_users,
                                    const FieldPath& path) {
  FieldErrors errs;
  if (!sc) return errs;
  // Privileged containers are allowed: cubelet runs with --allow-privileged semantics.
  ValidateID(errs, sc->run_as_user, path.Child("runAsUser"));
  ValidateID(errs, sc->run_as_group, path.Child("runAsGroup"));
  if (sc->proc_mount) {
    const std::string& pm = *sc->proc_mount;
    if (pm != "Default" && pm != "Unmasked") {
      errs.push_back(NotSupported(path.Child("procMount"), pm, {"Default", "Unmasked"}));
    }
    if (host_users && pm == "Unmasked") {
      errs.push_back(
          Invalid(path.Child("procMount"), pm, "`hostUsers` must be false to use `Unmasked`"));
    }
  }
  Append(errs, ValidateSeccompProfileField(sc->seccomp_profile, path.Child("seccompProfile")));
  if (sc->allow_privilege_escalation && !*sc->allow_privilege_escalation) {
    // Go prints the whole security context; only the two fields in conflict are shown here.
    if (sc->privileged.value_or(false)) {
      errs.push_back(InvalidRaw(path, "{allowPrivilegeEscalation:false, privileged:true}",
                                "cannot set `allowPrivilegeEscalation` to false and `privileged` "
                                "to true"));
    }
    if (sc->capabilities) {
      for (const std::string& cap : sc->capabilities->add) {
        if (cap == "CAP_SYS_ADMIN") {
          errs.push_back(
              InvalidRaw(path, "{allowPrivilegeEscalation:false, capabilities.add:[CAP_SYS_ADMIN]}",
                         "cannot set `allowPrivilegeEscalation` to false and "
                         "`capabilities.Add` CAP_SYS_ADMIN"));
        }
      }
    }
  }
  Append(errs, ValidateAppArmorProfileField(sc->app_armor_profile, path.Child("appArmorProfile")));
  return errs;
}

FieldErrors ValidatePodSecurityContext(const PodSpec& spec, const FieldPath& spec_path) {
  FieldErrors errs;
  if (!spec.security_context) return errs;
  const PodSecurityContext& sc = *spec.security_context;
  const FieldPath path = spec_path.Child("securityContext");
  ValidateID(errs, sc.fs_group, path.Child("fsGroup"));
  ValidateID(errs, sc.run_as_user, path.Child("runAsUser"));
  ValidateID(errs, sc.run_as_group, path.Child("runAsGroup"));
  for (size_t i = 0; i < sc.supplemental_groups.size(); ++i) {
    ValidateID(errs, sc.supplemental_groups[i], path.Child("supplementalGroups").Index(i));
  }
  if (spec.share_process_namespace.value_or(false) && spec.host_pid) {
    errs.push_back(InvalidRaw(path.Child("shareProcessNamespace"), "true",
                              "ShareProcessNamespace and HostPID cannot both be enabled"));
  }
  if (!sc.sysctls.empty()) Append(errs, ValidateSysctls(spec, path.Child("sysctls")));
  if (sc.fs_group_change_policy && *sc.fs_group_change_policy != "OnRootMismatch" &&
      *sc.fs_group_change_policy != "Always") {
    errs.push_back(NotSupported(path.Child("fsGroupChangePolicy"), *sc.fs_group_change_policy,
                                {"Always", "OnRootMismatch"}));
  }
  Append(errs, ValidateSeccompProfileField(sc.seccomp_profile, path.Child("seccompProfile")));
  Append(errs, ValidateAppArmorProfileField(sc.app_armor_profile, path.Child("appArmorProfile")));
  if (sc.supplemental_groups_policy && *sc.supplemental_groups_policy != "Merge" &&
      *sc.supplemental_groups_policy != "Strict") {
    errs.push_back(NotSupported(path.Child("supplementalGroupsPolicy"),
                                *sc.supplemental_groups_policy, {"Merge", "Strict"}));
  }
  return errs;
}

}  // namespace cubelet::api::validation
