// The node agent's integration tests run real pods (namespaces, cgroups, mounts): root only.
// The registry fixtures serve the busybox image the pods pull.
#include <cstdio>
#include <sys/prctl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "../image/fixtures.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (::geteuid() != 0) {
    std::fprintf(stderr, "node_integration_test: not root (euid %d): skipping all tests\n",
                 static_cast<int>(::geteuid()));
    return 0;
  }
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  ::testing::AddGlobalTestEnvironment(new cubelet::testing::RegistryFixtures());
  return RUN_ALL_TESTS();
}
