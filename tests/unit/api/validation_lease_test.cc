// Lease validation (coordination.k8s.io/v1), with Kubernetes' exact error texts. Each case
// breaks one rule of the lease a node agent keeps in kube-node-lease.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api.h"

namespace cubelet::api {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kSubdomainMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

// Through Validate(Object), so the dispatch to the Lease validator is covered too.
std::vector<std::string> Errors(const Lease& lease) {
  std::vector<std::string> out;
  for (const FieldError& e : Validate(Object(lease))) out.push_back(e.ToString());
  return out;
}

Lease NodeLease() {
  Lease lease;
  lease.metadata.name = "node-1";
  lease.metadata.namespace_ = "kube-node-lease";
  lease.spec.holder_identity = "node-1";
  lease.spec.lease_duration_seconds = 40;
  lease.spec.renew_time = MicroTime::At(base::TimePoint(std::chrono::seconds(1704067200)));
  return lease;
}

TEST(LeaseValidationTest, ANodeLeaseIsValid) {
  EXPECT_THAT(Errors(NodeLease()), IsEmpty());
  // Nothing in the spec is required.
  Lease bare;
  bare.metadata.name = "lock";
  bare.metadata.namespace_ = "default";
  EXPECT_THAT(Errors(bare), IsEmpty());
}

TEST(LeaseValidationTest, NameIsADnsSubdomainInANamespace) {
  Lease lease = NodeLease();
  lease.metadata.name = "node.example.com";  // node names are subdomains, so lease names too
  EXPECT_THAT(Errors(lease), IsEmpty());
  lease.metadata.name = "Node_1";
  lease.metadata.namespace_ = "";
  EXPECT_THAT(Errors(lease),
              ElementsAre("metadata.name: Invalid value: \"Node_1\": " + kSubdomainMsg,
                          "metadata.namespace: Required value"));
}

TEST(LeaseValidationTest, DurationMustBePositive) {
  Lease lease = NodeLease();
  lease.spec.lease_duration_seconds = 1;
  EXPECT_THAT(Errors(lease), IsEmpty());
  lease.spec.lease_duration_seconds = 0;
  EXPECT_THAT(Errors(lease),
              ElementsAre("spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"));
  lease.spec.lease_duration_seconds = -15;
  EXPECT_THAT(Errors(lease),
              ElementsAre("spec.leaseDurationSeconds: Invalid value: -15: must be greater than 0"));
}

TEST(LeaseValidationTest, TransitionsMustNotBeNegative) {
  Lease lease = NodeLease();
  lease.spec.lease_transitions = 0;
  EXPECT_THAT(Errors(lease), IsEmpty());
  lease.spec.lease_transitions = -1;
  EXPECT_THAT(Errors(lease), ElementsAre("spec.leaseTransitions: Invalid value: -1: must be "
                                         "greater than or equal to 0"));
}

TEST(LeaseValidationTest, StrategyIsKubernetesDefinedOrDomainPrefixed) {
  Lease lease = NodeLease();
  for (const char* ok : {"OldestEmulationVersion", "example.com/newest"}) {
    lease.spec.strategy = ok;
    EXPECT_THAT(Errors(lease), IsEmpty()) << ok;
  }
  // Kubernetes names the field twice in the path.
  lease.spec.strategy = "Newest";
  EXPECT_THAT(Errors(lease), ElementsAre("spec.strategy.strategy: Unsupported value: \"Newest\": "
                                         "supported values: \"OldestEmulationVersion\""));
  lease.spec.strategy = "";
  EXPECT_THAT(Errors(lease), ElementsAre("spec.strategy.strategy: Unsupported value: \"\": "
                                         "supported values: \"OldestEmulationVersion\""));
  lease.spec.strategy = "/newest";
  EXPECT_THAT(Errors(lease), ElementsAre("spec.strategy.strategy: Invalid value: \"/newest\": "
                                         "prefix part must be non-empty"));
}

TEST(LeaseValidationTest, PreferredHolderNeedsAStrategy) {
  Lease lease = NodeLease();
  lease.spec.preferred_holder = "node-2";
  const std::string forbidden =
      "spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined";
  EXPECT_THAT(Errors(lease), ElementsAre(forbidden));
  lease.spec.strategy = "";
  EXPECT_THAT(Errors(lease), ElementsAre("spec.strategy.strategy: Unsupported value: \"\": "
                                         "supported values: \"OldestEmulationVersion\"",
                                         forbidden));
  lease.spec.strategy = "OldestEmulationVersion";
  EXPECT_THAT(Errors(lease), IsEmpty());
  // An empty preferred holder is no preference.
  lease.spec.strategy.reset();
  lease.spec.preferred_holder = "";
  EXPECT_THAT(Errors(lease), IsEmpty());
}

TEST(LeaseValidationTest, EveryErrorAtOnceInKubernetesOrder) {
  Lease lease = NodeLease();
  lease.metadata.name = "";
  lease.spec.lease_duration_seconds = 0;
  lease.spec.lease_transitions = -2;
  lease.spec.strategy = "Newest";
  lease.spec.preferred_holder = "node-2";
  EXPECT_THAT(
      Errors(lease),
      ElementsAre("metadata.name: Required value: name or generateName is required",
                  "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
                  "spec.leaseTransitions: Invalid value: -2: must be greater than or equal to 0",
                  "spec.strategy.strategy: Unsupported value: \"Newest\": supported values: "
                  "\"OldestEmulationVersion\""));
}

}  // namespace
}  // namespace cubelet::api
