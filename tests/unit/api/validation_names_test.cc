// The character-class checks behind validation, at their edges (lengths, separators, IPs).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/validation/names.h"

namespace cubelet::api::validation {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ValidationNamesTest, DNSLengthLimits) {
  EXPECT_THAT(IsDNS1123Label(std::string(63, 'a')), IsEmpty());
  EXPECT_THAT(IsDNS1123Label(std::string(64, 'a')),
              ElementsAre("must be no more than 63 characters"));
  EXPECT_THAT(IsDNS1123Subdomain(std::string(253, 'a')), IsEmpty());
  EXPECT_THAT(IsDNS1123Subdomain(std::string(254, 'a')),
              ElementsAre("must be no more than 253 characters"));
  EXPECT_THAT(IsDNS1123Subdomain("a..b"), testing::SizeIs(1));
  EXPECT_THAT(IsDNS1123Subdomain("-a.b"), testing::SizeIs(1));
  EXPECT_THAT(IsDNS1035Label("a-1"), IsEmpty());
  EXPECT_THAT(IsDNS1035Label("1-a"), testing::SizeIs(1));
}

TEST(ValidationNamesTest, GenerateNamePrefixMayEndInDash) {
  EXPECT_THAT(NameIsDNSSubdomain("web-", true), IsEmpty());
  EXPECT_THAT(NameIsDNSSubdomain("web-", false), testing::SizeIs(1));
  EXPECT_THAT(NameIsDNS1035Label("svc-", true), IsEmpty());
}

TEST(ValidationNamesTest, QualifiedNamesAndLabelValues) {
  EXPECT_THAT(IsQualifiedName("app.kubernetes.io/name"), IsEmpty());
  EXPECT_THAT(IsQualifiedName("A_b.c-D"), IsEmpty());
  EXPECT_THAT(IsQualifiedName("example.com/"),
              ElementsAre("name part must be non-empty",
                          testing::StartsWith("name part must consist of alphanumeric")));
  EXPECT_THAT(IsLabelValue(""), IsEmpty());
  EXPECT_THAT(IsLabelValue("a_b-c.D"), IsEmpty());
  EXPECT_THAT(IsLabelValue("_a"), testing::SizeIs(1));
}

TEST(ValidationNamesTest, KeysPortsPercents) {
  EXPECT_THAT(IsConfigMapKey(".hidden"), IsEmpty());
  EXPECT_THAT(IsConfigMapKey("."), ElementsAre("must not be '.'"));
  EXPECT_THAT(IsValidPortName("http-alt"), IsEmpty());
  EXPECT_THAT(IsValidPortName("8080"), ElementsAre("must contain at least one letter (a-z)"));
  EXPECT_THAT(IsValidPercent("25%"), IsEmpty());
  EXPECT_THAT(IsValidPercent("%"), testing::SizeIs(1));
  EXPECT_THAT(IsValidPercent("2.5%"), testing::SizeIs(1));
  EXPECT_THAT(IsCIdentifier("_ok1"), IsEmpty());
  EXPECT_THAT(IsCIdentifier("1bad"), testing::SizeIs(1));
  EXPECT_THAT(IsRelaxedEnvVarName("1 weird.name-ok"), IsEmpty());
  EXPECT_THAT(IsRelaxedEnvVarName("caf\xc3\xa9"), testing::SizeIs(1));
  EXPECT_TRUE(IsValidSysctlName("net.ipv4.conf.eth0/100.forwarding"));
  EXPECT_FALSE(IsValidSysctlName("net..core"));
  EXPECT_FALSE(IsValidSysctlName("Net.core"));
}

TEST(ValidationNamesTest, Addresses) {
  bool v6 = true;
  EXPECT_TRUE(ParseIPSloppy("10.0.0.1", &v6));
  EXPECT_FALSE(v6);
  EXPECT_TRUE(ParseIPSloppy("010.000.000.001"));  // Go's ParseIP accepts leading zeros
  EXPECT_TRUE(ParseIPSloppy("fd00::1", &v6));
  EXPECT_TRUE(v6);
  EXPECT_TRUE(ParseIPSloppy("::ffff:1.2.3.4"));
  EXPECT_FALSE(ParseIPSloppy("256.0.0.1"));
  EXPECT_FALSE(ParseIPSloppy("1.2.3"));
  EXPECT_FALSE(ParseIPSloppy("fe80::1%eth0"));
  EXPECT_FALSE(ParseIPSloppy(""));
  EXPECT_TRUE(ParseCIDRSloppy("10.0.0.0/8"));
  EXPECT_TRUE(ParseCIDRSloppy("2001:db8::/64"));
  EXPECT_FALSE(ParseCIDRSloppy("10.0.0.0/33"));
  EXPECT_FALSE(ParseCIDRSloppy("10.0.0.0"));
}

}  // namespace
}  // namespace cubelet::api::validation
