// LocalStore::Watch: registers a watcher at a revision, with the current state or the
// history's later events queued ahead of the live ones.
#include "store/local_store.h"
#include "store/resources.h"

namespace cubelet::store {

base::Result<std::unique_ptr<Watcher>> LocalStore::Watch(std::string_view resource,
                                                         const WatchOptions& opts) {
  ASSIGN_OR_RETURN(const api::KindInfo* kind, KindForResource(resource));
  RETURN_IF_ERROR(api::CheckFieldSelector(opts.fields, *kind));
  ASSIGN_OR_RETURN(const int64_t from, ParseResourceVersion(opts.resource_version));
  // "" and "0" both mean: the current state first. (Kubernetes serves "0" from its cache,
  // which here is the same thing.)
  const bool with_state = from == 0;
  WatchFilter filter{kind, std::string(resource), opts.namespace_, opts.labels, opts.fields};

  // Shared: no write commits until the watcher is registered, so it misses no event and
  // receives none twice.
  std::shared_lock lock(mu_);
  const int64_t current = backend_->Revision();
  std::vector<PendingEvent> initial;
  if (with_state) {
    base::Status decode_error;
    base::Status scanned = backend_->Scan(resource, opts.namespace_, "", "", [&](Row&& row) {
      auto obj = DecodeRow(ObjectKey{std::string(resource), row.namespace_, row.name}, row);
      if (!obj.ok()) {
        decode_error = obj.status();
        return false;
      }
      if (filter.Matches(*obj)) {
        initial.push_back(PendingEvent{
            EventType::kAdded, std::make_shared<const api::Object>(std::move(*obj)), row.rv, {}});
      }
      return true;
    });
    if (!scanned.ok()) return scanned.WithContext(fmt::format("store: watch {}", resource));
    RETURN_IF_ERROR(decode_error);
  } else {
    if (from > current) return TooLargeResourceVersion(from, current);
    const History& history = HistoryOf(resource);
    if (from < history.WindowStart()) return TooOldResourceVersion(from, history.WindowStart());
    history.ForEachAfter(from, [&](const HistoryEvent& e) {
      if (auto pending = EventFor(filter, e)) initial.push_back(std::move(*pending));
    });
  }
  return hub_.Add(std::move(filter), std::move(initial), current);
}

}  // namespace cubelet::store
