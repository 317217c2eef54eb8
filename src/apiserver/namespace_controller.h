// NamespaceController: empties a Terminating namespace (deleting what is in it, pods
// gracefully) and removes it once nothing is left.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "apiserver/registry.h"
#include "base/log.h"

namespace cubelet::apiserver {

class NamespaceController {
 public:
  // Starts its thread.
  NamespaceController(Registry& registry, base::Logger* logger);
  ~NamespaceController();  // stops and joins

  // One pass over the Terminating namespaces; true while some are still draining.
  bool Sweep();

 private:
  void Run();

  Registry& registry_;
  base::Logger* logger_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool wake_ = false;
  std::thread thread_;
};

}  // namespace cubelet::apiserver
