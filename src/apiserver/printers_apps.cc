// `kubectl get deployments` (NAME READY UP-TO-DATE AVAILABLE AGE) and `kubectl get
// replicasets` (NAME DESIRED CURRENT READY AGE), both with wide CONTAINERS IMAGES SELECTOR.
#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "apiserver/printers.h"

namespace cubelet::apiserver {
namespace {

constexpr std::array kDeploymentColumns = {
    ColumnDefinition{"Name", "string", "name", kNameDescription, 0},
    ColumnDefinition{"Ready", "string", "", "Number of the pod with ready state", 0},
    ColumnDefinition{"Up-to-date", "string", "",
                     "Total number of non-terminated pods targeted by this deployment that have "
                     "the desired template spec.",
                     0},
    ColumnDefinition{"Available", "string", "",
                     "Total number of available pods (ready for at least minReadySeconds) "
                     "targeted by this deployment.",
                     0},
    ColumnDefinition{"Age", "string", "", kAgeDescription, 0},
    ColumnDefinition{"Containers", "string", "", kContainersDescription, 1},
    ColumnDefinition{"Images", "string", "", kImagesDescription, 1},
    ColumnDefinition{"Selector", "string", "",
                     "Label selector for pods. Existing ReplicaSets whose pods are selected by "
                     "this will be the ones affected by this deployment.",
                     1},
};

constexpr std::array kReplicaSetColumns = {
    ColumnDefinition{"Name", "string", "name", kNameDescription, 0},
    ColumnDefinition{"Desired", "integer", "",
                     "Replicas is the number of desired replicas. This is a pointer to "
                     "distinguish between explicit zero and unspecified. Defaults to 1. More "
                     "info: https://kubernetes.io/docs/concepts/workloads/controllers/"
                     "replicationcontroller/#what-is-a-replicationcontroller",
                     0},
    ColumnDefinition{"Current", "integer", "",
                     "Replicas is the most recently observed number of replicas. More info: "
                     "https://kubernetes.io/docs/concepts/workloads/controllers/"
                     "replicationcontroller/#what-is-a-replicationcontroller",
                     0},
    ColumnDefinition{"Ready", "integer", "",
                     "readyReplicas is the number of pods targeted by this ReplicaSet with a "
                     "Ready Condition.",
                     0},
    ColumnDefinition{"Age", "string", "", kAgeDescription, 0},
    ColumnDefinition{"Containers", "string", "", kContainersDescription, 1},
    ColumnDefinition{"Images", "string", "", kImagesDescription, 1},
    ColumnDefinition{"Selector", "string", "",
                     "Selector is a label query over pods that should match the replica count. "
                     "If the selector is empty, it is defaulted to the labels present on the pod "
                     "template. Label keys and values that must match in order to be controlled "
                     "by this replica set. More info: https://kubernetes.io/docs/concepts/"
                     "overview/working-with-objects/labels/#label-selectors",
                     1},
};

// CONTAINERS and IMAGES: the template's containers (init containers are not listed), joined
// by commas.
std::pair<std::string, std::string> ContainerCells(const api::PodSpec& spec) {
  std::string names, images;
  for (size_t i = 0; i < spec.containers.size(); ++i) {
    if (i > 0) {
      names += ',';
      images += ',';
    }
    names += spec.containers[i].name;
    images += spec.containers[i].image;
  }
  return {names, images};
}

}  // namespace

std::span<const ColumnDefinition> DeploymentColumns() { return kDeploymentColumns; }
std::span<const ColumnDefinition> ReplicaSetColumns() { return kReplicaSetColumns; }

api::Json Cells(const api::Deployment& d, base::TimePoint now) {
  // An unset spec.replicas reads as 0, as it does once the object is converted for printing
  // (defaulting sets 1 before it is stored).
  const int64_t desired = d.spec.replicas.value_or(0);
  auto [names, images] = ContainerCells(d.spec.template_.spec);
  return api::Json::array({d.metadata.name, fmt::format("{}/{}", d.status.ready_replicas, desired),
                           static_cast<int64_t>(d.status.updated_replicas),
                           static_cast<int64_t>(d.status.available_replicas),
                           Age(d.metadata.creation_timestamp, now), names, images,
                           SelectorString(d.spec.selector).value_or("<invalid>")});
}

api::Json Cells(const api::ReplicaSet& rs, base::TimePoint now) {
  // metav1.FormatLabelSelector: "<none>" for an empty selector, "<error>" for a bad one.
  std::string selector = SelectorString(rs.spec.selector).value_or("<error>");
  if (selector.empty()) selector = "<none>";
  auto [names, images] = ContainerCells(rs.spec.template_.spec);
  return api::Json::array({rs.metadata.name, static_cast<int64_t>(rs.spec.replicas.value_or(0)),
                           static_cast<int64_t>(rs.status.replicas),
                           static_cast<int64_t>(rs.status.ready_replicas),
                           Age(rs.metadata.creation_timestamp, now), names, images, selector});
}

}  // namespace cubelet::apiserver
