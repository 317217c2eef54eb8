// The runtime's integration tests create cgroups, namespaces and mounts, which takes root. CI
// runs them as root; elsewhere they are skipped as a whole rather than failing one by one.
#include <cstdio>
#include <sys/prctl.h>
#include <unistd.h>

#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (::geteuid() != 0) {
    std::fprintf(stderr,
                 "runtime_integration_test: not root (euid %d); the runtime integration tests "
                 "need root for cgroups, namespaces and mounts: skipping all of them\n",
                 static_cast<int>(::geteuid()));
    return 0;
  }
  // Orphans of the processes the tests start (a killed parent's children) are re-parented to
  // this process rather than to PID 1, so that the tests can reap them.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  return RUN_ALL_TESTS();
}
