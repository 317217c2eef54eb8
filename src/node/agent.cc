// The agent: pod sources in, one worker per pod, the relister that notices container exits.
//
// Threads (with options.threads): one per pod worker (it sleeps until its pod changes, a probe
// or back-off is due, or the resync interval passes), the relister, and the static-pod
// watcher's. Without threads, RunOnce() does the same work in the caller's thread.
#include <algorithm>
#include <condition_variable>
#include <set>
#include <sys/stat.h>
#include <thread>

#include <fmt/format.h>

#include "node/agent_internal.h"
#include "node/pod_worker.h"
#include "node/static_pods.h"

namespace cubelet::node {
namespace {

// A fingerprint of what the runtime shows of one pod: any change wakes its worker.
std::string Fingerprint(const RuntimePod& p) {
  std::string f;
  for (const auto& s : p.sandboxes) {
    f += s.id + (s.state == runtime::SandboxState::kReady ? "R;" : "N;");
  }
  for (const auto& c : p.containers) {
    f += c.id + ":" + std::string(runtime::ContainerStateName(c.state)) + ";";
  }
  return f;
}

class AgentImpl final : public Agent {
 public:
  AgentImpl(AgentOptions options, std::unique_ptr<HandlerRunner> handlers)
      : options_(std::move(options)), handlers_(std::move(handlers)) {
    if (options_.node.name.empty()) options_.node.name = options_.node_name;
    if (options_.events != nullptr) {
      recorder_ = std::make_unique<EventRecorder>(options_.events, options_.clock, "kubelet",
                                                  options_.node_name);
    }
    deps_.runtime = options_.runtime;
    deps_.images = options_.images;
    deps_.image_spec = options_.image_spec;
    deps_.objects = options_.objects;
    deps_.status = options_.status;
    deps_.recorder = recorder_.get();
    deps_.handlers = handlers_.get();
    deps_.clock = options_.clock;
    deps_.logger = options_.logger;
    deps_.node = options_.node;
    deps_.state_dir = options_.state_dir;
    deps_.crash_loop_initial = options_.crash_loop_initial;
    deps_.crash_loop_max = options_.crash_loop_max;
    deps_.image_backoff_initial = options_.image_backoff_initial;
    deps_.image_backoff_max = options_.image_backoff_max;
    deps_.resync_interval = options_.resync_interval;
    expected_sources_.insert(options_.sources.begin(), options_.sources.end());
    if (!options_.pod_manifest_path.empty()) expected_sources_.insert("file");
  }

  ~AgentImpl() override { Stop(); }

  base::Status Init() {
    if (!options_.state_dir.empty()) {
      for (const std::string& dir : {options_.state_dir, options_.state_dir + "/pods"}) {
        if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
          return base::ErrnoError(errno, "creating " + dir);
        }
      }
    }
    // Re-adopt what runs: a worker per pod UID the runtime has, waiting for its source.
    ASSIGN_OR_RETURN(auto pods, ListRuntimePods(*options_.runtime));
    for (auto& [uid, rp] : pods) {
      Slot& slot = SlotFor(uid);
      slot.worker->Restore();
      fingerprints_[uid] = Fingerprint(rp);
    }
    if (!options_.pod_manifest_path.empty()) {
      watcher_ = std::make_unique<ManifestWatcher>(
          options_.pod_manifest_path, options_.node_name,
          std::chrono::duration_cast<std::chrono::milliseconds>(options_.file_check_frequency),
          options_.clock, options_.logger,
          [this](std::vector<api::Pod> found) { SetPods("file", std::move(found)); });
    }
    if (options_.threads) {
      relister_ = std::thread([this] { RelistLoop(); });
      if (watcher_) RETURN_IF_ERROR(watcher_->Start());
    } else if (watcher_) {
      watcher_->ScanNow();
    }
    return base::Status::Ok();
  }

  void SetPods(const std::string& source, std::vector<api::Pod> pods) override {
    std::set<std::string> uids;
    for (auto& p : pods) {
      uids.insert(p.metadata.uid);
      UpdatePod(source, std::move(p));
    }
    std::vector<std::string> gone;
    {
      std::lock_guard lock(mu_);
      for (auto& [uid, slot] : slots_) {
        if (slot->worker->claimed() && slot->worker->source() == source && !uids.count(uid)) {
          gone.push_back(uid);
        }
      }
      seen_sources_.insert(source);
      if (!expected_sources_.empty() && !orphans_released_ &&
          std::includes(seen_sources_.begin(), seen_sources_.end(), expected_sources_.begin(),
                        expected_sources_.end())) {
        // Every source has spoken: pods the runtime had that nobody claims are stale.
        orphans_released_ = true;
        for (auto& [uid, slot] : slots_) {
          if (!slot->worker->claimed()) gone.push_back(uid);
        }
      }
    }
    for (const auto& uid : gone) RemovePod(uid);
  }

  void UpdatePod(const std::string& source, api::Pod pod) override {
    if (pod.metadata.namespace_.empty()) pod.metadata.namespace_ = "default";
    std::string uid = pod.metadata.uid;
    std::lock_guard lock(mu_);
    Slot& slot = SlotFor(uid);
    slot.worker->SetPod(std::move(pod), source);
    WakeLocked(slot);
  }

  void RemovePod(const std::string& uid) override {
    std::lock_guard lock(mu_);
    auto it = slots_.find(uid);
    if (it == slots_.end()) return;
    it->second->worker->MarkRemoved();
    WakeLocked(*it->second);
  }

  std::vector<api::Pod> Pods() const override {
    std::vector<std::shared_ptr<Slot>> slots;
    {
      std::lock_guard lock(mu_);
      for (const auto& [uid, s] : slots_) slots.push_back(s);
    }
    std::vector<api::Pod> out;
    for (const auto& s : slots) {
      if (s->finished) continue;
      if (auto p = s->worker->Snapshot()) out.push_back(std::move(*p));
    }
    return out;
  }

  std::optional<api::Pod> GetPod(const std::string& uid) const override {
    std::shared_ptr<Slot> slot;
    {
      std::lock_guard lock(mu_);
      auto it = slots_.find(uid);
      if (it == slots_.end()) return std::nullopt;
      slot = it->second;
    }
    if (slot->finished) return std::nullopt;
    return slot->worker->Snapshot();
  }

  int RunOnce() override {
    if (watcher_) watcher_->ScanNow();
    Relist();
    std::vector<std::shared_ptr<Slot>> slots;
    {
      std::lock_guard lock(mu_);
      for (const auto& [uid, s] : slots_) slots.push_back(s);
    }
    int synced = 0;
    const base::TimePoint now = options_.clock->Now();
    for (const auto& s : slots) {
      if (s->finished) continue;
      bool due;
      {
        std::lock_guard lock(mu_);
        due = s->dirty || now >= s->next_sync;
        s->dirty = false;
      }
      if (now >= s->worker->NextProbeDue() && s->worker->RunProbes()) due = true;
      if (!due) continue;
      base::TimePoint next = s->worker->Sync();
      ++synced;
      std::lock_guard lock(mu_);
      s->next_sync = next;
      if (s->worker->finished()) s->finished = true;
    }
    Reap();
    return synced;
  }

  void Stop() override {
    std::vector<std::shared_ptr<Slot>> slots;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      for (auto& [uid, s] : slots_) {
        s->stop = true;
        slots.push_back(s);
      }
      for (auto& s : retired_) slots.push_back(s);
      retired_.clear();
      cv_.notify_all();
    }
    if (watcher_) watcher_->Stop();
    if (relister_.joinable()) relister_.join();
    for (auto& s : slots) {
      {
        std::lock_guard lock(mu_);
        s->cv.notify_all();
      }
      if (s->thread.joinable()) s->thread.join();
    }
  }

 private:
  struct Slot {
    std::unique_ptr<PodWorker> worker;
    std::thread thread;
    std::condition_variable cv;
    bool dirty = true;
    bool stop = false;
    bool finished = false;
    base::TimePoint next_sync = base::TimePoint::min();
  };

  // mu_ held.
  Slot& SlotFor(const std::string& uid) {
    auto it = slots_.find(uid);
    if (it != slots_.end() && !it->second->finished) return *it->second;
    if (it != slots_.end()) retired_.push_back(it->second);  // joined by Reap or Stop
    auto slot = std::make_shared<Slot>();
    slot->worker = std::make_unique<PodWorker>(&deps_, uid);
    slots_[uid] = slot;
    if (options_.threads && !stopping_) {
      Slot* raw = slot.get();
      slot->thread = std::thread([this, raw] { WorkerLoop(*raw); });
    }
    return *slot;
  }

  void WakeLocked(Slot& slot) {
    slot.dirty = true;
    slot.cv.notify_all();
  }

  void WorkerLoop(Slot& slot) {
    std::unique_lock lock(mu_);
    while (!slot.stop) {
      base::TimePoint now = options_.clock->Now();
      base::TimePoint probe = slot.worker->NextProbeDue();
      base::TimePoint due = std::min(slot.next_sync, probe);
      if (!slot.dirty && now < due) {
        // The clock is the injected one; wake at the earliest due time (at least every 30 s,
        // so a clock jump is noticed) or when someone calls Wake.
        auto wait = std::min<base::Duration>(due - now, std::chrono::seconds(30));
        slot.cv.wait_for(lock, wait);
        continue;
      }
      bool dirty = slot.dirty;
      slot.dirty = false;
      lock.unlock();
      bool sync = dirty || now >= slot.next_sync;
      if (now >= probe && slot.worker->RunProbes()) sync = true;
      base::TimePoint next = base::TimePoint::max();
      if (sync) next = slot.worker->Sync();
      lock.lock();
      if (sync) slot.next_sync = next;
      if (slot.worker->finished()) {
        slot.finished = true;
        break;
      }
    }
  }

  void Relist() {
    auto pods = ListRuntimePods(*options_.runtime);
    if (!pods.ok()) {
      if (options_.logger) {
        options_.logger->Warning("relisting the runtime failed",
                                 {{"error", pods.status().message()}});
      }
      return;
    }
    std::lock_guard lock(mu_);
    for (auto& [uid, rp] : *pods) {
      std::string f = Fingerprint(rp);
      auto& old = fingerprints_[uid];
      if (old == f) continue;
      old = f;
      auto it = slots_.find(uid);
      if (it != slots_.end()) WakeLocked(*it->second);
    }
    for (auto it = fingerprints_.begin(); it != fingerprints_.end();) {
      it = pods->count(it->first) ? std::next(it) : fingerprints_.erase(it);
    }
  }

  void RelistLoop() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      Relist();
      Reap();
      lock.lock();
      cv_.wait_for(lock, options_.relist_period, [this] { return stopping_; });
    }
  }

  // Drops the slots of finished workers (joining their threads outside the lock).
  void Reap() {
    std::vector<std::shared_ptr<Slot>> done;
    {
      std::lock_guard lock(mu_);
      done.swap(retired_);
      for (auto it = slots_.begin(); it != slots_.end();) {
        if (it->second->finished) {
          done.push_back(it->second);
          it = slots_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& s : done) {
      if (s->thread.joinable()) s->thread.join();
    }
  }

  AgentOptions options_;
  std::unique_ptr<HandlerRunner> handlers_;
  std::unique_ptr<EventRecorder> recorder_;
  WorkerDeps deps_;
  std::unique_ptr<ManifestWatcher> watcher_;
  std::thread relister_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<Slot>> slots_;
  std::vector<std::shared_ptr<Slot>> retired_;
  std::map<std::string, std::string> fingerprints_;
  std::set<std::string> expected_sources_, seen_sources_;
  bool orphans_released_ = false;
  bool stopping_ = false;
};

}  // namespace

base::Result<std::unique_ptr<Agent>> StartAgentWith(AgentOptions options,
                                                    std::unique_ptr<HandlerRunner> handlers) {
  if (options.runtime == nullptr || options.images == nullptr || options.clock == nullptr ||
      !options.image_spec) {
    return base::InvalidError(
        "node agent: runtime, image service, image_spec and clock are required");
  }
  if (options.node_name.empty()) return base::InvalidError("node agent: a node name is required");
  auto agent = std::make_unique<AgentImpl>(std::move(options), std::move(handlers));
  RETURN_IF_ERROR(agent->Init());
  return std::unique_ptr<Agent>(std::move(agent));
}

base::Result<std::unique_ptr<Agent>> StartAgent(AgentOptions options) {
  runtime::Runtime* rt = options.runtime;
  base::Clock* clock = options.clock;
  return StartAgentWith(std::move(options), NewHandlerRunner(rt, clock));
}

}  // namespace cubelet::node
