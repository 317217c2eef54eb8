#include <gtest/gtest.h>

#include "runtime/runtime.h"

namespace cubelet::runtime {
namespace {

TEST(ContainerStateName, NamesEveryState) {
  EXPECT_EQ(ContainerStateName(ContainerState::kCreated), "Created");
  EXPECT_EQ(ContainerStateName(ContainerState::kRunning), "Running");
  EXPECT_EQ(ContainerStateName(ContainerState::kExited), "Exited");
  EXPECT_EQ(ContainerStateName(ContainerState::kUnknown), "Unknown");
}

}  // namespace
}  // namespace cubelet::runtime
