#include "runtime/runtime.h"

namespace cubelet::runtime {

std::string_view ContainerStateName(ContainerState state) {
  switch (state) {
    case ContainerState::kCreated:
      return "Created";
    case ContainerState::kRunning:
      return "Running";
    case ContainerState::kExited:
      return "Exited";
    case ContainerState::kUnknown:
      break;
  }
  return "Unknown";
}

}  // namespace cubelet::runtime
