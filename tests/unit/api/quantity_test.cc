#include <gtest/gtest.h>

#include "api/api.h"

namespace cubelet::api {
namespace {

std::string Canonical(std::string_view in) {
  auto q = Quantity::Parse(in);
  if (!q.ok()) return "ERROR: " + q.status().message();
  return q->ToString();
}

TEST(QuantityTest, CanonicalFormsMatchKubernetes) {
  const std::pair<const char*, const char*> cases[] = {
      {"0", "0"},         {"500m", "500m"},       {"0.5", "500m"},  {"1.5", "1500m"},
      {"1", "1"},         {"100", "100"},         {"1000", "1k"},   {"1500000", "1500k"},
      {"64Mi", "64Mi"},   {"1.5Gi", "1536Mi"},    {"1024", "1024"}, {"1Ki", "1Ki"},
      {"1536", "1536"},   {"0.5Ki", "512"},       {"100M", "100M"}, {"1e3", "1e3"},
      {"1.5e3", "1500"},  {"1E-3", "1e-3"},       {"2000m", "2"},   {"1u", "1u"},
      {"1n", "1n"},       {"0.1", "100m"},        {"+1", "1"},      {"-1", "-1"},
      {"-500m", "-500m"}, {"1024Mi", "1Gi"},      {"12e6", "12e6"}, {"8Ei", "8Ei"},
      {".5", "500m"},     {"0.0000000001", "1n"}, {"1.", "1"},      {"5G", "5G"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(Canonical(in), want) << in;
}

TEST(QuantityTest, RejectsMalformed) {
  EXPECT_EQ(Canonical("abc"),
            "ERROR: quantities must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  EXPECT_EQ(Canonical("1Zi"),
            "ERROR: quantities must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  EXPECT_EQ(Canonical("1Mb"),
            "ERROR: quantities must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  EXPECT_EQ(Canonical("1KK"), "ERROR: unable to parse quantity's suffix");
  EXPECT_FALSE(Quantity::Parse("").ok());
  EXPECT_FALSE(Quantity::Parse("1.2.3").ok());
  EXPECT_FALSE(Quantity::Parse(".").ok());
  EXPECT_FALSE(Quantity::Parse("99999999999999999999999E").ok());
}

TEST(QuantityTest, ValuesRoundUp) {
  EXPECT_EQ(Quantity::Parse("500m")->MilliValue(), 500);
  EXPECT_EQ(Quantity::Parse("500m")->Value(), 1);
  EXPECT_EQ(Quantity::Parse("64Mi")->Value(), 64 * 1024 * 1024);
  EXPECT_EQ(Quantity::Parse("1.5")->MilliValue(), 1500);
  EXPECT_EQ(Quantity::Parse("1u")->MilliValue(), 1);
  EXPECT_LT(Quantity::Parse("500m")->Compare(*Quantity::Parse("1")), 0);
  EXPECT_EQ(Quantity::Parse("1000m")->Compare(*Quantity::Parse("1")), 0);
  EXPECT_EQ(Quantity::FromMilli(250).ToString(), "250m");
  EXPECT_EQ(Quantity::FromUnits(2048, Quantity::Format::kBinarySI).ToString(), "2Ki");
}

}  // namespace
}  // namespace cubelet::api
