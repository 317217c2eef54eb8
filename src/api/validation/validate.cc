// Validate(): the entry point for any object kind, dispatching to the kind's validator.
#include <type_traits>

#include "api/validation/validation.h"

namespace cubelet::api {

FieldErrors Validate(const Object& obj) {
  return std::visit(
      [](const auto& o) -> FieldErrors {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, Pod>) {
          return ValidatePod(o);
        } else if constexpr (std::is_same_v<T, Service>) {
          return ValidateService(o);
        } else if constexpr (std::is_same_v<T, Deployment>) {
          return ValidateDeployment(o);
        } else if constexpr (std::is_same_v<T, ReplicaSet>) {
          return ValidateReplicaSet(o);
        } else if constexpr (std::is_same_v<T, Endpoints>) {
          return validation::ValidateEndpoints(o);
        } else if constexpr (std::is_same_v<T, Event>) {
          return validation::ValidateEvent(o);
        } else if constexpr (std::is_same_v<T, Namespace>) {
          return validation::ValidateNamespace(o);
        } else if constexpr (std::is_same_v<T, Node>) {
          return validation::ValidateNode(o);
        } else if constexpr (std::is_same_v<T, ConfigMap>) {
          return validation::ValidateConfigMap(o);
        } else if constexpr (std::is_same_v<T, Secret>) {
          return validation::ValidateSecret(o);
        } else if constexpr (std::is_same_v<T, ServiceAccount>) {
          return validation::ValidateServiceAccount(o);
        } else {
          static_assert(std::is_same_v<T, Lease>, "every kind needs a validator");
          return validation::ValidateLease(o);
        }
      },
      obj);
}

}  // namespace cubelet::api
