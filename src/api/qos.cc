#include "api/api.h"

namespace cubelet::api {

std::string PodQosClass(const PodSpec& spec) {
  // Kubernetes' rule (pkg/apis/core/helper/qos): BestEffort when no container asks for or
  // limits cpu or memory; Guaranteed when every container limits both and every request that
  // is set equals its limit; Burstable otherwise.
  bool any = false;
  bool guaranteed = true;
  auto visit = [&](const Container& c) {
    const auto& req = c.resources.requests;
    const auto& lim = c.resources.limits;
    for (const char* name : {"cpu", "memory"}) {
      auto r = req.find(name);
      auto l = lim.find(name);
      bool has_req = r != req.end() && !r->second.IsZero();
      bool has_lim = l != lim.end() && !l->second.IsZero();
      any |= has_req || has_lim;
      if (!has_lim) {
        guaranteed = false;
      } else if (has_req && r->second.MilliValue() != l->second.MilliValue()) {
        guaranteed = false;
      }
    }
  };
  for (const Container& c : spec.init_containers) visit(c);
  for (const Container& c : spec.containers) visit(c);
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

}  // namespace cubelet::api
