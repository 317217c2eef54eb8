// Private interface shared by the files of the validation module: field-level helpers that wrap
// the character checks of names.h into FieldErrors, renderers for the values Kubernetes prints
// with Go's %#v, and the per-part validators each file implements.
//
// The structure follows k8s.io/kubernetes pkg/apis/core/validation and pkg/apis/apps/validation
// so that errors come out in the same order and with the same paths; where Kubernetes reports a
// path that looks wrong (e.g. "metadata.taints" for node taints) it is kept, because users and
// tools match on those exact strings.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "api/validation/names.h"

namespace cubelet::api::validation {

// Kubernetes' recurring detail texts.
inline constexpr std::string_view kIsNegativeErrorMsg = "must be greater than or equal to 0";
inline constexpr std::string_view kFileModeErrorMsg =
    "must be a number between 0 and 0777 (octal), both inclusive";
inline constexpr std::string_view kInvalidIPErrorMsg =
    "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
inline constexpr std::string_view kInvalidCIDRErrorMsg =
    "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

inline void Append(FieldErrors& to, FieldErrors from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

// One Invalid error per message, all showing `value`.
void AppendInvalid(FieldErrors& errs, const FieldPath& path, std::string_view value,
                   const Messages& msgs);

// ---- field-level checks (ValidateDNS1123Label etc. in validation.go) -------------------------
FieldErrors ValidateDNS1123Label(std::string_view value, const FieldPath& path);
FieldErrors ValidateDNS1123Subdomain(std::string_view value, const FieldPath& path);
FieldErrors ValidateQualifiedName(std::string_view value, const FieldPath& path);
FieldErrors ValidateNonnegative(int64_t value, const FieldPath& path);
FieldErrors ValidatePortNumOrName(const IntOrString& port, const FieldPath& path);
FieldErrors ValidateIP(std::string_view value, const FieldPath& path);
// Endpoints and external IPs must not be unspecified, loopback or link-local.
FieldErrors ValidateNonSpecialIP(std::string_view value, const FieldPath& path);
FieldErrors ValidateCIDR(std::string_view value, const FieldPath& path);
// A relative path without ".." elements (subPath, items[].path, seccomp localhostProfile).
FieldErrors ValidateLocalDescendingPath(std::string_view value, const FieldPath& path);
FieldErrors ValidatePathNoBacksteps(std::string_view value, const FieldPath& path);
// ValidateLocalDescendingPath plus "must not start with '..'".
FieldErrors ValidateLocalNonReservedPath(std::string_view value, const FieldPath& path);
FieldErrors ValidateFileMode(const std::optional<int32_t>& mode, const FieldPath& path);

// ---- rendering of non-scalar values, as Go's %#v / String() print them -----------------------
std::string RenderStringMap(const StringMap& m);                  // map[string]string{"a":"b"}
std::string RenderStringList(const std::vector<std::string>& v);  // []string{"a", "b"}
std::string RenderIntOrString(const IntOrString& v);              // 0, 25% (IntOrString.String())
std::string RenderLabelSelector(const LabelSelector& s);          // &LabelSelector{...} (String())
std::string RenderQuantity(const Quantity& q);                    // 500m (Quantity.String())

// ---- metadata (meta.cc) ------------------------------------------------------------------
FieldErrors ValidateObjectMeta(const ObjectMeta& meta, bool namespaced, NameFn name_fn,
                               const FieldPath& path);
FieldErrors ValidateLabels(const StringMap& labels, const FieldPath& path);
FieldErrors ValidateAnnotations(const StringMap& annotations, const FieldPath& path);
FieldErrors ValidateLabelSelector(const LabelSelector& selector, const FieldPath& path);
// metav1.LabelSelectorAsSelector succeeds (operators and values well-formed).
bool LabelSelectorConvertible(const LabelSelector& selector);
bool LabelSelectorEmpty(const LabelSelector& selector);
bool LabelSelectorMatches(const LabelSelector& selector, const StringMap& labels);
// Node taints and pod tolerations share the effect check.
FieldErrors ValidateTaintEffect(std::string_view effect, bool allow_empty, const FieldPath& path);

// ---- volumes (volumes.cc) -----------------------------------------------------------------
// Appends the errors of `volumes` and returns the names of the volumes that validated cleanly;
// only those can be mounted (Kubernetes reports a mount of an invalid volume as NotFound).
std::set<std::string> ValidateVolumes(const std::vector<Volume>& volumes, const FieldPath& path,
                                      FieldErrors& errs);
FieldErrors ValidateObjectFieldSelector(const ObjectFieldSelector& fs,
                                        std::initializer_list<std::string_view> expressions,
                                        const FieldPath& path);
FieldErrors ValidateContainerResourceFieldSelector(const ResourceFieldSelector& fs,
                                                   const FieldPath& path, bool volume);

// ---- containers (container.cc, env.cc, handlers.cc, security.cc) --------------------------
struct ContainerContext {
  const std::set<std::string>* volumes = nullptr;
  std::optional<int64_t> grace_period;
  bool host_users = true;
};
FieldErrors ValidateContainers(const std::vector<Container>& containers,
                               const ContainerContext& ctx, const FieldPath& path);
FieldErrors ValidateInitContainers(const std::vector<Container>& init_containers,
                                   const std::vector<Container>& containers,
                                   const ContainerContext& ctx, const FieldPath& path);
FieldErrors ValidateEnv(const std::vector<EnvVar>& env, const FieldPath& path);
FieldErrors ValidateEnvFrom(const std::vector<EnvFromSource>& env_from, const FieldPath& path);
FieldErrors ValidateLivenessProbe(const std::optional<Probe>& probe,
                                  const std::optional<int64_t>& grace, const FieldPath& path);
FieldErrors ValidateReadinessProbe(const std::optional<Probe>& probe,
                                   const std::optional<int64_t>& grace, const FieldPath& path);
FieldErrors ValidateStartupProbe(const std::optional<Probe>& probe,
                                 const std::optional<int64_t>& grace, const FieldPath& path);
FieldErrors ValidateLifecycle(const Lifecycle& lifecycle, const std::optional<int64_t>& grace,
                              const FieldPath& path);
FieldErrors ValidateSecurityContext(const std::optional<SecurityContext>& sc, bool host_users,
                                    const FieldPath& path);
FieldErrors ValidatePodSecurityContext(const PodSpec& spec, const FieldPath& spec_path);
FieldErrors ValidateSeccompProfileField(const std::optional<SeccompProfile>& sp,
                                        const FieldPath& path);
FieldErrors ValidateAppArmorProfileField(const std::optional<AppArmorProfile>& profile,
                                         const FieldPath& path);
FieldErrors ValidateResourceRequirements(const ResourceRequirements& req, const FieldPath& path);

// ---- pods and templates (pod.cc) ----------------------------------------------------------
// `resource_is_pod` is Kubernetes' PodValidationOptions.ResourceIsPod: a pod template may leave
// hostPort 0 under hostNetwork, since it is defaulted only when the pod is created.
FieldErrors ValidatePodSpecWithOptions(const PodSpec& spec, const FieldPath& path,
                                       bool resource_is_pod);
FieldErrors ValidatePodTemplateSpec(const PodTemplateSpec& tmpl, const FieldPath& path);

// ---- the other kinds ------------------------------------------------------------------------
FieldErrors ValidateEndpoints(const Endpoints& ep);            // service.cc
FieldErrors ValidateNamespace(const Namespace& ns);            // cluster.cc
FieldErrors ValidateNode(const Node& node);                    // cluster.cc
FieldErrors ValidateEvent(const Event& event);                 // cluster.cc
FieldErrors ValidateConfigMap(const ConfigMap& cm);            // config.cc
FieldErrors ValidateSecret(const Secret& secret);              // config.cc
FieldErrors ValidateServiceAccount(const ServiceAccount& sa);  // cluster.cc
FieldErrors ValidateLease(const Lease& lease);                 // coordination.cc

}  // namespace cubelet::api::validation
