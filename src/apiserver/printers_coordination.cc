// coordination.k8s.io: Lease, printed as its name, holder and age (printLease).
#include <array>

#include "apiserver/printers.h"

namespace cubelet::apiserver {
namespace {

constexpr std::array kLeaseColumns = {
    ColumnDefinition{"Name", "string", "name", kNameDescription, 0},
    ColumnDefinition{"Holder", "string", "",
                     "holderIdentity contains the identity of the holder of a current lease. If "
                     "Coordinated Leader Election is used, the holder identity must be equal to "
                     "the elected LeaseCandidate.metadata.name field.",
                     0},
    ColumnDefinition{"Age", "string", "", kAgeDescription, 0},
};

}  // namespace

std::span<const ColumnDefinition> LeaseColumns() { return kLeaseColumns; }

// An unset holder prints as an empty cell, not "<none>", as in Kubernetes.
api::Json Cells(const api::Lease& lease, base::TimePoint now) {
  return api::Json::array({lease.metadata.name, lease.spec.holder_identity.value_or(""),
                           Age(lease.metadata.creation_timestamp, now)});
}

}  // namespace cubelet::apiserver
