// The scheduler: watches pods and nodes through informers and binds each pending pod to a
// node that fits it.
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "base/time.h"
#include "controllers/controllers.h"

namespace cubelet::controllers {
namespace {

constexpr std::string_view kSchedulerName = "default-scheduler";

const api::KindInfo& PodKind() { return *api::FindKind("v1", "Pod"); }
const api::KindInfo& NodeKind() { return *api::FindKind("v1", "Node"); }

class Scheduler final : public Controller {
 public:
  Scheduler(client::Client& client, SchedulerOptions options)
      : client_(client),
        options_(options),
        pods_(client::ListerWatcherFor(client, PodKind()),
              {.clock = options.clock, .logger = options.logger, .name = "scheduler pods"}),
        nodes_(client::ListerWatcherFor(client, NodeKind()),
               {.clock = options.clock, .logger = options.logger, .name = "scheduler nodes"}) {}

  ~Scheduler() override { Stop(); }

  base::Status Start() {
    client::EventHandlers wake{
        .on_add = [this](const api::Object&) { Wake(); },
        .on_update = [this](const api::Object&, const api::Object&) { Wake(); },
        .on_delete = [this](const api::Object&) { Wake(); },
    };
    RETURN_IF_ERROR(pods_.AddEventHandler(wake));
    RETURN_IF_ERROR(nodes_.AddEventHandler(wake));
    pods_.Start();
    nodes_.Start();
    thread_ = std::thread([this] { Run(); });
    return base::Status::Ok();
  }

  void Stop() override {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    pods_.Stop();
    nodes_.Stop();
  }

 private:
  void Wake() {
    std::lock_guard lock(mu_);
    wake_ = true;
    cv_.notify_all();
  }

  void Run() {
    while (true) {
      {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, options_.retry, [&] { return stopped_ || wake_; });
        if (stopped_) return;
        wake_ = false;
      }
      if (pods_.HasSynced() && nodes_.HasSynced()) Pass();
    }
  }

  // One look at every pending pod.
  void Pass() {
    std::vector<std::shared_ptr<const api::Object>> pods = pods_.List();
    std::vector<std::shared_ptr<const api::Object>> nodes = nodes_.List();
    std::map<std::string, std::vector<const api::Pod*>> by_node;
    std::set<std::string> present, unbound;
    for (const auto& o : pods) {
      const auto& p = std::get<api::Pod>(*o);
      present.insert(p.metadata.uid);
      if (p.spec.node_name.empty()) unbound.insert(p.metadata.uid);
      std::string node = p.spec.node_name;
      if (node.empty()) {
        // Bound by this scheduler but not yet seen bound by the informer: count it (kube's
        // assumed pods), so two pods do not both take the last free room.
        auto it = assumed_.find(p.metadata.uid);
        if (it != assumed_.end()) node = it->second;
      }
      if (!node.empty()) by_node[node].push_back(&p);
    }
    // Forget what concerns pods that are gone or, for assumptions, now seen bound.
    std::erase_if(assumed_, [&](const auto& kv) { return !unbound.contains(kv.first); });
    std::erase_if(last_failure_, [&](const auto& kv) { return !present.contains(kv.first); });
    for (const auto& o : pods) {
      const auto& pod = std::get<api::Pod>(*o);
      if (!pod.spec.node_name.empty() || pod.metadata.deletion_timestamp ||
          assumed_.contains(pod.metadata.uid) || pod.status.phase == "Succeeded" ||
          pod.status.phase == "Failed") {
        continue;
      }
      if (!pod.spec.scheduler_name.empty() && pod.spec.scheduler_name != kSchedulerName) continue;
      Schedule(pod, nodes, by_node);
    }
  }

  void Schedule(const api::Pod& pod, const std::vector<std::shared_ptr<const api::Object>>& nodes,
                std::map<std::string, std::vector<const api::Pod*>>& by_node) {
    std::vector<std::vector<std::string>> reasons;
    const api::Node* chosen = nullptr;
    for (const auto& o : nodes) {
      const auto& node = std::get<api::Node>(*o);
      std::vector<std::string> r = UnfitReasons(pod, node, by_node[node.metadata.name]);
      if (r.empty()) {
        chosen = &node;
        break;
      }
      reasons.push_back(std::move(r));
    }
    if (chosen == nullptr) {
      Unschedulable(pod, UnschedulableMessage(nodes.size(), reasons));
      return;
    }
    api::Json binding = {{"apiVersion", "v1"},
                         {"kind", "Binding"},
                         {"metadata", {{"name", pod.metadata.name}, {"uid", pod.metadata.uid}}},
                         {"target", {{"kind", "Node"}, {"name", chosen->metadata.name}}}};
    base::Result<std::string> r =
        client_.Raw({"POST",
                     fmt::format("/api/v1/namespaces/{}/pods/{}/binding", pod.metadata.namespace_,
                                 pod.metadata.name),
                     binding.dump()});
    if (!r.ok()) {
      if (options_.logger && r.status().code() != base::Code::kConflict &&
          r.status().code() != base::Code::kNotFound) {
        options_.logger->Warning("binding failed",
                                 {{"pod", pod.metadata.namespace_ + "/" + pod.metadata.name},
                                  {"error", r.status().ToString()}});
      }
      return;
    }
    assumed_[pod.metadata.uid] = chosen->metadata.name;
    by_node[chosen->metadata.name].push_back(&pod);
    last_failure_.erase(pod.metadata.uid);
    Event(pod, "Normal", "Scheduled",
          fmt::format("Successfully assigned {}/{} to {}", pod.metadata.namespace_,
                      pod.metadata.name, chosen->metadata.name));
  }

  void Unschedulable(const api::Pod& pod, const std::string& message) {
    // Once per distinct message: the retries of an unchanged situation add nothing.
    std::string& last = last_failure_[pod.metadata.uid];
    if (last == message) return;
    last = message;
    Event(pod, "Warning", "FailedScheduling", message);
    api::Json patch = {
        {"status",
         {{"conditions",
           {{{"type", "PodScheduled"},
             {"status", "False"},
             {"reason", "Unschedulable"},
             {"message", message},
             {"lastProbeTime", nullptr},
             {"lastTransitionTime", base::FormatRfc3339(options_.clock->Now())}}}}}}};
    (void)client_.Patch(PodKind(), pod.metadata.namespace_, pod.metadata.name,
                        client::PatchType::kStrategicMerge, patch, "status");
  }

  void Event(const api::Pod& pod, std::string type, std::string reason, std::string message) {
    api::Event e;
    const base::TimePoint now = options_.clock->Now();
    e.metadata.namespace_ = pod.metadata.namespace_;
    e.metadata.name = fmt::format(
        "{}.{:x}", pod.metadata.name,
        std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
    e.involved_object = {"Pod",
                         pod.metadata.namespace_,
                         pod.metadata.name,
                         pod.metadata.uid,
                         "v1",
                         pod.metadata.resource_version,
                         ""};
    e.reason = std::move(reason);
    e.message = std::move(message);
    e.type = std::move(type);
    e.source.component = std::string(kSchedulerName);
    e.first_timestamp = api::Time::At(now);
    e.last_timestamp = e.first_timestamp;
    e.count = 1;
    e.reporting_component = std::string(kSchedulerName);
    base::Result<api::Object> r = client_.Create(api::Object(std::move(e)));
    if (!r.ok() && options_.logger) {
      options_.logger->Warning("event not recorded", {{"error", r.status().ToString()}});
    }
  }

  client::Client& client_;
  SchedulerOptions options_;
  client::Informer pods_;
  client::Informer nodes_;
  // Only the scheduling thread touches these.
  std::map<std::string, std::string> assumed_;       // pod uid → node, until seen bound
  std::map<std::string, std::string> last_failure_;  // pod uid → last FailedScheduling text
  std::mutex mu_;
  std::condition_variable cv_;
  bool wake_ = true;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace

base::Result<std::unique_ptr<Controller>> StartScheduler(client::Client& client,
                                                         SchedulerOptions options) {
  if (options.clock == nullptr) return base::InvalidError("the scheduler needs a clock");
  auto s = std::make_unique<Scheduler>(client, options);
  RETURN_IF_ERROR(s->Start());
  return std::unique_ptr<Controller>(std::move(s));
}

}  // namespace cubelet::controllers
