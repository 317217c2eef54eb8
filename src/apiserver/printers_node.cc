// `kubectl get nodes`: NAME STATUS ROLES AGE VERSION, wide INTERNAL-IP EXTERNAL-IP OS-IMAGE
// KERNEL-VERSION CONTAINER-RUNTIME.
#include <array>
#include <set>
#include <string>

#include "apiserver/printers.h"

namespace cubelet::apiserver {
namespace {

constexpr std::string_view kAddressesDescription =
    "List of addresses reachable to the node. Queried from cloud provider, if available. More "
    "info: https://kubernetes.io/docs/concepts/nodes/node/#addresses Note: This field is "
    "declared as mergeable, but the merge key is not sufficiently unique, which can cause data "
    "corruption when it is merged. Callers should instead use a full-replacement patch. See "
    "https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change "
    "during the lifetime of a Node. However, there are some exceptions where this may not be "
    "possible, such as Pods that inherit a Node's address in its own status or consumers of the "
    "downward API (status.hostIP).";

constexpr std::array kNodeColumns = {
    ColumnDefinition{"Name", "string", "name", kNameDescription, 0},
    ColumnDefinition{"Status", "string", "", "The status of the node", 0},
    ColumnDefinition{"Roles", "string", "", "The roles of the node", 0},
    ColumnDefinition{"Age", "string", "", kAgeDescription, 0},
    ColumnDefinition{"Version", "string", "", "Kubelet Version reported by the node.", 0},
    ColumnDefinition{"Internal-IP", "string", "", kAddressesDescription, 1},
    ColumnDefinition{"External-IP", "string", "", kAddressesDescription, 1},
    ColumnDefinition{"OS-Image", "string", "",
                     "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 "
                     "(wheezy)).",
                     1},
    ColumnDefinition{"Kernel-Version", "string", "",
                     "Kernel Version reported by the node from 'uname -r' (e.g. "
                     "3.16.0-0.bpo.4-amd64).",
                     1},
    ColumnDefinition{"Container-Runtime", "string", "",
                     "ContainerRuntime Version reported by the node through runtime remote API "
                     "(e.g. containerd://1.4.2).",
                     1},
};

constexpr std::string_view kRoleLabelPrefix = "node-role.kubernetes.io/";
constexpr std::string_view kRoleLabel = "kubernetes.io/role";

// The first address of `type`, or "<none>".
std::string Address(const api::Node& node, std::string_view type) {
  for (const api::NodeAddress& a : node.status.addresses) {
    if (a.type == type) return a.address;
  }
  return "<none>";
}

std::string OrUnknown(const std::string& s) { return s.empty() ? "<unknown>" : s; }

}  // namespace

std::string NodeStatus(const api::Node& node) {
  // Only the Ready condition counts; the last one wins if it appears twice.
  const api::NodeCondition* ready = nullptr;
  for (const api::NodeCondition& c : node.status.conditions) {
    if (c.type == "Ready") ready = &c;
  }
  std::string status = ready == nullptr          ? "Unknown"
                       : ready->status == "True" ? "Ready"
                                                 : "NotReady";
  if (node.spec.unschedulable) status += ",SchedulingDisabled";
  return status;
}

std::string NodeRoles(const api::Node& node) {
  std::set<std::string> roles;
  for (const auto& [key, value] : node.metadata.labels) {
    if (key.starts_with(kRoleLabelPrefix)) {
      if (key.size() > kRoleLabelPrefix.size()) roles.insert(key.substr(kRoleLabelPrefix.size()));
    } else if (key == kRoleLabel && !value.empty()) {
      roles.insert(value);
    }
  }
  std::string out;
  for (const std::string& r : roles) {
    if (!out.empty()) out += ',';
    out += r;
  }
  return out.empty() ? "<none>" : out;
}

std::span<const ColumnDefinition> NodeColumns() { return kNodeColumns; }

api::Json Cells(const api::Node& node, base::TimePoint now) {
  const api::NodeSystemInfo& info = node.status.node_info;
  return api::Json::array({node.metadata.name, NodeStatus(node), NodeRoles(node),
                           Age(node.metadata.creation_timestamp, now), info.kubelet_version,
                           Address(node, "InternalIP"), Address(node, "ExternalIP"),
                           OrUnknown(info.os_image), OrUnknown(info.kernel_version),
                           OrUnknown(info.container_runtime_version)});
}

}  // namespace cubelet::apiserver
