// TEMPORARY scaffold so the tree links while validation is being written; replaced wholesale.
#include "api/api.h"
namespace cubelet::api {
FieldErrors Validate(const Object&) { return {}; }
FieldErrors ValidatePod(const Pod&) { return {}; }
FieldErrors ValidateService(const Service&) { return {}; }
FieldErrors ValidateDeployment(const Deployment&) { return {}; }
FieldErrors ValidateReplicaSet(const ReplicaSet&) { return {}; }
FieldErrors ValidatePodSpec(const PodSpec&, const FieldPath&) { return {}; }
}  // namespace cubelet::api
