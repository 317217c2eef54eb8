// The namespace lifecycle: a deleted namespace is Terminating until everything in it is gone,
// then it goes itself (kube-controller-manager's namespace controller, here in the server).
#include "apiserver/namespace_controller.h"

namespace cubelet::apiserver {

NamespaceController::NamespaceController(Registry& registry, base::Logger* logger)
    : registry_(registry), logger_(logger) {
  thread_ = std::thread([this] { Run(); });
}

NamespaceController::~NamespaceController() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void NamespaceController::Run() {
  store::Store& store = registry_.store();
  base::Result<std::unique_ptr<store::Watcher>> w = store.Watch("namespaces", {});
  std::unique_ptr<store::Watcher> watcher = w.ok() ? std::move(*w) : nullptr;
  if (watcher) {
    watcher->SetReadyCallback([this] {
      std::lock_guard lock(mu_);
      wake_ = true;
      cv_.notify_all();
    });
  }
  bool busy = true;  // look once at start: a namespace may have been left Terminating
  while (true) {
    {
      std::unique_lock lock(mu_);
      // While a namespace is draining, look again every second (its pods end on their own
      // schedule); otherwise sleep until a namespace changes.
      if (busy) {
        cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_ || wake_; });
      } else {
        cv_.wait(lock, [&] { return stop_ || wake_; });
      }
      if (stop_) break;
      wake_ = false;
    }
    if (watcher) {
      while (watcher->Next(std::chrono::nanoseconds(0))) {
      }
    }
    busy = Sweep();
  }
  if (watcher) watcher->Stop();
}

bool NamespaceController::Sweep() {
  store::Store& store = registry_.store();
  base::Result<store::ListResult> nss = store.List("namespaces", {});
  if (!nss.ok()) return true;
  bool busy = false;
  for (const api::Object& o : nss->items) {
    const auto& ns = std::get<api::Namespace>(o);
    if (!ns.metadata.deletion_timestamp) continue;
    busy = true;
    size_t left = 0;
    for (const api::KindInfo& kind : api::Kinds()) {
      if (!kind.namespaced) continue;
      base::Result<store::ListResult> items =
          store.List(kind.resource, {.namespace_ = ns.metadata.name});
      if (!items.ok()) {
        ++left;
        continue;
      }
      for (const api::Object& item : items->items) {
        ++left;
        const api::ObjectMeta& m = api::MetaOf(item);
        if (m.deletion_timestamp) continue;  // already on its way
        base::Result<DeleteResult> r =
            registry_.Delete(kind, m.namespace_, m.name, {.preconditions = {.uid = m.uid}});
        if (!r.ok() && r.status().code() != base::Code::kNotFound && logger_) {
          logger_->Warning("namespace cleanup: delete failed",
                           {{"object", KeyFor(kind, m.namespace_, m.name).ToString()},
                            {"error", r.status().ToString()}});
        }
      }
    }
    if (left == 0) {
      base::Result<api::Object> gone =
          store.Delete({"namespaces", "", ns.metadata.name}, {.uid = ns.metadata.uid});
      if (gone.ok() && logger_) {
        logger_->Info("namespace deleted", {{"namespace", ns.metadata.name}});
      }
    }
  }
  return busy;
}

}  // namespace cubelet::apiserver
