#include <linux/capability.h>

#include <gtest/gtest.h>

#include "runtime/security.h"

namespace cubelet::runtime {
namespace {

uint64_t Bit(int cap) { return uint64_t{1} << cap; }

uint64_t Caps(std::initializer_list<int> caps) {
  uint64_t set = 0;
  for (int cap : caps) set |= Bit(cap);
  return set;
}

// A kernel that knows capabilities 0..40 (CAP_CHECKPOINT_RESTORE), independent of the host.
constexpr int kLastCap = 40;
constexpr uint64_t kAll = (uint64_t{1} << (kLastCap + 1)) - 1;

TEST(CapabilityByName, AcceptsBothSpellingsInAnyCase) {
  EXPECT_EQ(CapabilityByName("NET_ADMIN"), CAP_NET_ADMIN);
  EXPECT_EQ(CapabilityByName("CAP_NET_ADMIN"), CAP_NET_ADMIN);
  EXPECT_EQ(CapabilityByName("net_admin"), CAP_NET_ADMIN);
  EXPECT_EQ(CapabilityByName("cap_Net_Admin"), CAP_NET_ADMIN);
  EXPECT_EQ(CapabilityByName("CHOWN"), CAP_CHOWN);
  EXPECT_EQ(CapabilityByName("CAP_CHECKPOINT_RESTORE"), CAP_CHECKPOINT_RESTORE);
}

TEST(CapabilityByName, RejectsUnknownNames) {
  EXPECT_EQ(CapabilityByName("NET_FOO"), std::nullopt);
  EXPECT_EQ(CapabilityByName("CAP_"), std::nullopt);
  EXPECT_EQ(CapabilityByName(""), std::nullopt);
  EXPECT_EQ(CapabilityByName("ALL"), std::nullopt);
  EXPECT_EQ(CapabilityByName("CAP_CAP_CHOWN"), std::nullopt);
}

TEST(CapabilityName, NamesWithPrefix) {
  EXPECT_EQ(CapabilityName(CAP_NET_ADMIN), "CAP_NET_ADMIN");
  EXPECT_EQ(CapabilityName(CAP_CHOWN), "CAP_CHOWN");
  EXPECT_EQ(CapabilityName(CAP_BPF), "CAP_BPF");
  EXPECT_EQ(CapabilityName(60), "CAP_60");
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    EXPECT_EQ(CapabilityByName(CapabilityName(cap)), cap) << cap;
  }
}

TEST(LastCapability, IsWithinRange) {
  int last = LastCapability();
  EXPECT_GE(last, CAP_AUDIT_READ);  // every kernel cubelet supports has at least 37
  EXPECT_LE(last, 63);
}

TEST(DefaultCapabilities, IsContainerdsSetOf14) {
  EXPECT_EQ(DefaultCapabilities(),
            Caps({CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW,
                  CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE,
                  CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE}));
  EXPECT_EQ(__builtin_popcountll(DefaultCapabilities()), 14);
  EXPECT_EQ(DefaultCapabilities() & Bit(CAP_SYS_ADMIN), 0u);
  EXPECT_EQ(DefaultCapabilities() & Bit(CAP_NET_ADMIN), 0u);
}

TEST(ComputeCapabilities, EmptySecurityContextIsTheDefault) {
  auto caps = ComputeCapabilities(SecurityConfig{}, kLastCap);
  ASSERT_TRUE(caps.ok()) << caps.status().ToString();
  EXPECT_EQ(*caps, DefaultCapabilities());
}

TEST(ComputeCapabilities, PrivilegedGetsEveryCapabilityOfTheKernel) {
  SecurityConfig sc;
  sc.privileged = true;
  sc.drop_capabilities = {"ALL"};  // ignored for privileged containers, as in containerd
  auto caps = ComputeCapabilities(sc, kLastCap);
  ASSERT_TRUE(caps.ok()) << caps.status().ToString();
  EXPECT_EQ(*caps, kAll);

  auto older = ComputeCapabilities(sc, 37);
  ASSERT_TRUE(older.ok());
  EXPECT_EQ(*older, (uint64_t{1} << 38) - 1);

  auto capped = ComputeCapabilities(sc, 63);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(*capped, ~uint64_t{0});
}

TEST(ComputeCapabilities, AddsAndDropsNamedCapabilities) {
  SecurityConfig sc;
  sc.add_capabilities = {"NET_ADMIN", "cap_sys_time"};
  sc.drop_capabilities = {"MKNOD", "CAP_NET_RAW"};
  auto caps = ComputeCapabilities(sc, kLastCap);
  ASSERT_TRUE(caps.ok()) << caps.status().ToString();
  EXPECT_EQ(*caps, (DefaultCapabilities() | Caps({CAP_NET_ADMIN, CAP_SYS_TIME})) &
                       ~Caps({CAP_MKNOD, CAP_NET_RAW}));
}

TEST(ComputeCapabilities, DropAllThenAddNetAdminIsNetAdminAlone) {
  SecurityConfig sc;
  sc.drop_capabilities = {"ALL"};
  sc.add_capabilities = {"NET_ADMIN"};
  auto caps = ComputeCapabilities(sc, kLastCap);
  ASSERT_TRUE(caps.ok()) << caps.status().ToString();
  EXPECT_EQ(*caps, Bit(CAP_NET_ADMIN));
}

TEST(ComputeCapabilities, DropAllAloneIsEmpty) {
  SecurityConfig sc;
  sc.drop_capabilities = {"all"};
  auto caps = ComputeCapabilities(sc, kLastCap);
  ASSERT_TRUE(caps.ok());
  EXPECT_EQ(*caps, 0u);
}

TEST(ComputeCapabilities, AddAllThenDropOne) {
  SecurityConfig sc;
  sc.add_capabilities = {"ALL"};
  sc.drop_capabilities = {"CHOWN"};
  auto caps = ComputeCapabilities(sc, kLastCap);
  ASSERT_TRUE(caps.ok());
  EXPECT_EQ(*caps, kAll & ~Bit(CAP_CHOWN));
}

TEST(ComputeCapabilities, DropAllWinsOverAddAll) {
  // containerd applies add ALL, then drop ALL, then the named entries.
  SecurityConfig sc;
  sc.add_capabilities = {"ALL", "KILL"};
  sc.drop_capabilities = {"ALL"};
  auto caps = ComputeCapabilities(sc, kLastCap);
  ASSERT_TRUE(caps.ok());
  EXPECT_EQ(*caps, Bit(CAP_KILL));
}

TEST(ComputeCapabilities, NamedDropBeatsNamedAdd) {
  SecurityConfig sc;
  sc.add_capabilities = {"NET_ADMIN"};
  sc.drop_capabilities = {"NET_ADMIN"};
  auto caps = ComputeCapabilities(sc, kLastCap);
  ASSERT_TRUE(caps.ok());
  EXPECT_EQ(*caps & Bit(CAP_NET_ADMIN), 0u);
}

TEST(ComputeCapabilities, CapabilitiesBeyondTheKernelAreLeftOut) {
  SecurityConfig sc;
  sc.add_capabilities = {"BPF", "NET_ADMIN"};
  auto caps = ComputeCapabilities(sc, CAP_AUDIT_READ);  // a kernel without CAP_BPF
  ASSERT_TRUE(caps.ok());
  EXPECT_EQ(*caps, DefaultCapabilities() | Bit(CAP_NET_ADMIN));
}

TEST(ComputeCapabilities, UnknownAddIsInvalidAndNamed) {
  SecurityConfig sc;
  sc.add_capabilities = {"NET_ADMIN", "NET_FOO"};
  auto caps = ComputeCapabilities(sc, kLastCap);
  ASSERT_FALSE(caps.ok());
  EXPECT_EQ(caps.status().code(), base::Code::kInvalid);
  EXPECT_EQ(caps.status().message(),
            "unknown capability \"NET_FOO\" in securityContext.capabilities.add");
}

TEST(ComputeCapabilities, UnknownDropIsInvalidAndNamed) {
  SecurityConfig sc;
  sc.drop_capabilities = {"CAP_BOGUS"};
  auto caps = ComputeCapabilities(sc, kLastCap);
  ASSERT_FALSE(caps.ok());
  EXPECT_EQ(caps.status().code(), base::Code::kInvalid);
  EXPECT_EQ(caps.status().message(),
            "unknown capability \"CAP_BOGUS\" in securityContext.capabilities.drop");
}

}  // namespace
}  // namespace cubelet::runtime
