// The control loops of cubelet (kube-scheduler and kube-controller-manager's parts), each a
// client of the API through src/client only.
//
// Thread-safety: a started controller runs on its own threads; Stop() may be called from any
// thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "client/client.h"

namespace cubelet::controllers {

class Controller {
 public:
  virtual ~Controller() = default;  // stops
  virtual void Stop() = 0;
};

// ---- scheduler -----------------------------------------------------------------------------

// Why a node cannot take a pod, in kube-scheduler's words ("Insufficient cpu", "node(s) didn't
// match Pod's node affinity/selector"); empty when it can.
std::vector<std::string> UnfitReasons(const api::Pod& pod, const api::Node& node,
                                      const std::vector<const api::Pod*>& pods_on_node);

// The message of a pod no node can take: "0/1 nodes are available: 1 Insufficient cpu.
// preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.".
std::string UnschedulableMessage(size_t node_count,
                                 const std::vector<std::vector<std::string>>& reasons_per_node);

// The requests of a pod as the scheduler counts them: the larger of the sum over containers
// and the largest init container (plus sidecars), per resource ("cpu" in millicores, "memory"
// in bytes).
struct PodRequests {
  int64_t cpu_milli = 0;
  int64_t memory = 0;
};
PodRequests RequestsOf(const api::Pod& pod);

struct SchedulerOptions {
  base::Clock* clock = nullptr;    // required
  base::Logger* logger = nullptr;  // may be null
  // Unschedulable pods are tried again this often (and whenever a node or pod changes).
  base::Duration retry = std::chrono::seconds(10);
};

// Binds every pod without spec.nodeName (and schedulerName default-scheduler) to a node that
// fits it (pods/binding), with Scheduled / FailedScheduling events and the PodScheduled
// condition, as kube-scheduler does.
base::Result<std::unique_ptr<Controller>> StartScheduler(client::Client& client,
                                                         SchedulerOptions options);

}  // namespace cubelet::controllers
