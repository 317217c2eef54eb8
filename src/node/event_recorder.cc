// EventRecorder: client-go's EventCorrelator (tools/record/events_cache.go) in front of an
// EventSink, plus the object references the kubelet puts into its events.
//
// Each Record() goes through the three stages client-go runs, in its order:
//   1. aggregation: similar events (same source, object, type and reason; any message) are
//      counted per distinct message; once 10 distinct messages were seen with no gap longer
//      than 10 minutes, the event becomes "(combined from similar events): <message>" and is
//      counted under the aggregate key instead of its own;
//   2. observation: an event whose key was seen before is the same Event again (same name,
//      first timestamp kept, count + 1);
//   3. spam filter: a token bucket per source and object (burst 25, one token per 5 minutes)
//      drops what exceeds it. As in client-go the dropped occurrence is still counted, so the
//      next published count says how often it really happened.
// All three caches are LRUs of 4096 entries, so memory stays bounded on a busy node.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "node/node.h"

namespace cubelet::node {
namespace {

constexpr size_t kLruEntries = 4096;
constexpr size_t kAggregateMaxEvents = 10;
constexpr base::Duration kAggregateInterval = std::chrono::seconds(600);
constexpr int64_t kSpamBurst = 25;
constexpr base::Duration kSpamRefill = std::chrono::seconds(300);  // one token per 5 minutes

// A least-recently-used map of bounded size (groupcache's lru.Cache, as client-go uses):
// Get and Put make an entry the most recent; Put evicts the least recent beyond capacity.
template <typename V>
class Lru {
 public:
  explicit Lru(size_t capacity) : capacity_(capacity) {}

  V* Get(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    items_.splice(items_.begin(), items_, it->second);
    return &it->second->second;
  }

  void Put(const std::string& key, V value) {
    if (V* existing = Get(key)) {
      *existing = std::move(value);
      return;
    }
    items_.emplace_front(key, std::move(value));
    index_[key] = items_.begin();
    if (items_.size() > capacity_) {
      index_.erase(items_.back().first);
      items_.pop_back();
    }
  }

 private:
  using Item = std::pair<std::string, V>;
  size_t capacity_;
  std::list<Item> items_;  // most recent first
  std::unordered_map<std::string, typename std::list<Item>::iterator> index_;
};

// Keys join their parts with a byte that cannot occur in them, so that ("ab", "c") and
// ("a", "bc") differ (client-go joins with "", which could collide).
std::string JoinKey(std::initializer_list<std::string_view> parts) {
  std::string key;
  for (std::string_view p : parts) {
    key.append(p);
    key.push_back('\0');
  }
  return key;
}

// Identical events: everything but the timestamps.
std::string EventKey(const api::Event& e) {
  const api::ObjectReference& o = e.involved_object;
  return JoinKey({e.source.component, e.source.host, o.kind, o.namespace_, o.name, o.field_path,
                  o.uid, o.api_version, e.type, e.reason, e.message});
}

// Similar events (client-go's EventAggregatorByReasonFunc): no message, and no fieldPath
// either, so the same reason on several containers of one pod counts as similar.
std::string AggregateKey(const api::Event& e) {
  const api::ObjectReference& o = e.involved_object;
  return JoinKey({e.source.component, e.source.host, o.kind, o.namespace_, o.name, o.uid,
                  o.api_version, e.type, e.reason, e.reporting_component, e.reporting_instance});
}

// One token bucket per source and object (no fieldPath: a pod's containers share it).
std::string SpamKey(const api::Event& e) {
  const api::ObjectReference& o = e.involved_object;
  return JoinKey(
      {e.source.component, e.source.host, o.kind, o.namespace_, o.name, o.uid, o.api_version});
}

struct AggregateRecord {
  std::set<std::string> messages;  // the distinct messages seen, at most 10
  base::TimePoint last_seen;
};

struct ObservedEvent {
  int32_t count = 0;
  api::Time first_timestamp;
  std::string name;
};

// golang.org/x/time/rate's bucket, kept in integer nanoseconds of refill time so that exactly
// 300 s buys exactly one token (a float rate of 1/300 would not).
struct TokenBucket {
  base::Duration credit = kSpamRefill * kSpamBurst;  // starts full
  base::TimePoint last;

  bool TryTake(base::TimePoint now) {
    if (now > last) {
      credit = std::min(credit + (now - last), kSpamRefill * kSpamBurst);
      last = now;
    }
    if (credit < kSpamRefill) return false;
    credit -= kSpamRefill;
    return true;
  }
};

}  // namespace

struct EventRecorder::State {
  EventSink* sink;
  base::Clock* clock;
  std::string component;
  std::string host;

  std::mutex mu;
  Lru<AggregateRecord> aggregates{kLruEntries};
  Lru<ObservedEvent> observed{kLruEntries};
  Lru<TokenBucket> buckets{kLruEntries};
  int64_t last_name_nanos = 0;
  // Events to publish, in the order they were recorded. Whoever finds nobody publishing
  // drains it with the lock released, so the sink sees the count of one event grow in order
  // even when several threads record it at once.
  std::deque<api::Event> outbox;
  bool publishing = false;

  // "<object>.<hex UnixNano>" as the kubelet names events. Two distinct events recorded in the
  // same nanosecond (a fake clock standing still) get successive numbers instead of one name.
  std::string NewName(const std::string& object, base::TimePoint now) {
    int64_t nanos = now.time_since_epoch().count();
    if (nanos <= last_name_nanos) nanos = last_name_nanos + 1;
    last_name_nanos = nanos;
    return fmt::format("{}.{:x}", object, nanos);
  }

  // Stages 1-3 of the file comment; false when the spam filter drops the event.
  bool Correlate(api::Event& event, base::TimePoint now) {
    std::string key = EventKey(event);
    const std::string aggregate_key = AggregateKey(event);
    AggregateRecord record;
    if (AggregateRecord* found = aggregates.Get(aggregate_key)) record = *found;
    if (now - record.last_seen > kAggregateInterval) record = AggregateRecord{};
    record.messages.insert(event.message);
    record.last_seen = now;
    if (record.messages.size() >= kAggregateMaxEvents) {
      // Counted under the aggregate key from now on. One message leaves the set so that every
      // further new message keeps it at the threshold (client-go pops an arbitrary one).
      record.messages.erase(record.messages.begin());
      event.message = "(combined from similar events): " + event.message;
      key = aggregate_key;
    }
    aggregates.Put(aggregate_key, std::move(record));

    ObservedEvent seen;
    if (ObservedEvent* found = observed.Get(key); found != nullptr && found->count > 0) {
      seen = *found;
      seen.count++;
    } else {
      seen = ObservedEvent{1, event.first_timestamp, NewName(event.involved_object.name, now)};
    }
    event.metadata.name = seen.name;
    event.first_timestamp = seen.first_timestamp;
    event.count = seen.count;
    observed.Put(key, std::move(seen));

    const std::string spam_key = SpamKey(event);
    TokenBucket bucket{.last = now};
    if (TokenBucket* found = buckets.Get(spam_key)) bucket = *found;
    const bool allowed = bucket.TryTake(now);
    buckets.Put(spam_key, bucket);
    return allowed;
  }
};

EventRecorder::EventRecorder(EventSink* sink, base::Clock* clock, std::string component,
                             std::string host)
    : state_(std::make_unique<State>()) {
  state_->sink = sink;
  state_->clock = clock;
  state_->component = std::move(component);
  state_->host = std::move(host);
}

EventRecorder::~EventRecorder() = default;

void EventRecorder::Record(const api::ObjectReference& object, std::string_view type,
                           std::string_view reason, std::string_view message) {
  State& s = *state_;
  // client-go refuses other types (ValidateEventType); the API server would too.
  if (s.sink == nullptr || (type != "Normal" && type != "Warning")) return;

  const base::TimePoint now = s.clock->Now();
  api::Event event;
  event.metadata.namespace_ = object.namespace_.empty() ? "default" : object.namespace_;
  event.involved_object = object;
  event.reason = reason;
  event.message = message;
  event.type = type;
  event.source = api::EventSource{s.component, s.host};
  event.first_timestamp = api::Time::At(now);
  event.last_timestamp = api::Time::At(now);
  event.reporting_component = s.component;
  event.reporting_instance = s.host;

  std::unique_lock lock(s.mu);
  if (!s.Correlate(event, now)) return;
  s.outbox.push_back(std::move(event));
  if (s.publishing) return;  // the thread publishing now will take this one too
  s.publishing = true;
  while (!s.outbox.empty()) {
    api::Event next = std::move(s.outbox.front());
    s.outbox.pop_front();
    lock.unlock();
    s.sink->Publish(next);
    lock.lock();
  }
  s.publishing = false;
}

// ---- references ---------------------------------------------------------------------------------

api::ObjectReference PodReference(const api::Pod& pod) {
  api::ObjectReference ref;
  ref.kind = "Pod";
  ref.api_version = "v1";
  ref.namespace_ = pod.metadata.namespace_;
  ref.name = pod.metadata.name;
  ref.uid = pod.metadata.uid;
  return ref;
}

api::ObjectReference ContainerReference(const api::Pod& pod, const api::Container& container) {
  api::ObjectReference ref = PodReference(pod);
  // The kubelet looks the name up in the spec (containers first). A container no longer in the
  // spec (being killed after an update) is still reported as an app container.
  bool init = false;
  bool app = false;
  for (const api::Container& c : pod.spec.containers) app = app || c.name == container.name;
  for (const api::Container& c : pod.spec.init_containers) init = init || c.name == container.name;
  ref.field_path =
      (!app && init ? "spec.initContainers{" : "spec.containers{") + container.name + "}";
  return ref;
}

}  // namespace cubelet::node
