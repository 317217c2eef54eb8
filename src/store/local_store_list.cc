// LocalStore::List: a page of a consistent snapshot. The backend holds only the latest state;
// a page at an older revision (the continue token's, or an Exact resourceVersion) is that
// state with the history's newer changes undone, which is what etcd's MVCC would return.
#include <map>

#include "store/continue_token.h"
#include "store/local_store.h"
#include "store/resources.h"

namespace cubelet::store {
namespace {

using NameKey = History::NameKey;

// Collects matching objects in key order until the page is full, then only notes whether
// another object follows (which makes the page end with a continue token).
class PageBuilder {
 public:
  PageBuilder(const WatchFilter& filter, int64_t limit) : filter_(filter), limit_(limit) {}

  // `get` produces the candidate (Result<api::Object>); it is called only while the page
  // still has room. Returns false when the scan should stop.
  template <class Get>
  bool Offer(const NameKey& key, Get&& get) {
    if (full_) {
      more_ = true;
      return false;
    }
    base::Result<api::Object> obj = get();
    if (!obj.ok()) {
      error_ = obj.status();
      return false;
    }
    if (!filter_.Matches(*obj)) return true;
    items_.push_back(std::move(*obj));
    last_ = key;
    full_ = limit_ > 0 && static_cast<int64_t>(items_.size()) >= limit_;
    return true;
  }

  const base::Status& error() const { return error_; }
  bool more() const { return more_; }
  const NameKey& last() const { return last_; }
  std::vector<api::Object> TakeItems() { return std::move(items_); }

 private:
  const WatchFilter& filter_;
  const int64_t limit_;
  std::vector<api::Object> items_;
  NameKey last_;
  bool full_ = false;
  bool more_ = false;
  base::Status error_;
};

}  // namespace

base::Result<ListResult> LocalStore::List(std::string_view resource, const ListOptions& opts) {
  ASSIGN_OR_RETURN(const api::KindInfo* kind, KindForResource(resource));
  RETURN_IF_ERROR(api::CheckFieldSelector(opts.fields, *kind));
  const bool exact = opts.resource_version_match == ResourceVersionMatch::kExact;
  std::optional<ContinueToken> token;
  if (!opts.continue_token.empty()) {
    if (!opts.resource_version.empty() && opts.resource_version != "0") {
      return base::InvalidError("specifying resource version is not allowed when using continue");
    }
    ASSIGN_OR_RETURN(token, DecodeContinueToken(opts.continue_token));
  }
  ASSIGN_OR_RETURN(const int64_t requested, ParseResourceVersion(opts.resource_version));
  if (exact && requested == 0) {
    return base::InvalidError(
        "resourceVersionMatch: Forbidden: resourceVersionMatch \"Exact\" is forbidden for "
        "resourceVersion \"{}\"",
        opts.resource_version);
  }
  const WatchFilter filter{kind, std::string(resource), opts.namespace_, opts.labels, opts.fields};

  std::shared_lock lock(mu_);
  const int64_t current = backend_->Revision();
  const History& history = HistoryOf(resource);
  int64_t at = current;
  NameKey after;
  if (token) {
    if (token->rv > current) return TooLargeResourceVersion(token->rv, current);
    if (token->rv < history.WindowStart()) return ContinueTooOld();
    at = token->rv;
    after = NameKey(token->namespace_, token->name);
  } else if (requested > current) {
    return TooLargeResourceVersion(requested, current);
  } else if (exact) {
    if (requested < history.WindowStart()) return ListTooOld();
    at = requested;
  }

  // Objects changed since `at`, with their state at `at` (nullptr: did not exist yet).
  const auto changed = history.StateAt(at, opts.namespace_);
  auto next_changed = changed.upper_bound(after);
  PageBuilder page(filter, opts.limit);
  auto offer_changed = [&](const NameKey& key, const std::shared_ptr<const api::Object>& then) {
    if (then == nullptr) return true;
    return page.Offer(key, [&] { return base::Result<api::Object>(*then); });
  };
  // Merges the backend's rows with the changed objects, both in key order.
  base::Status scanned =
      backend_->Scan(resource, opts.namespace_, after.first, after.second, [&](Row&& row) {
        NameKey key(row.namespace_, row.name);
        for (; next_changed != changed.end() && next_changed->first < key; ++next_changed) {
          if (!offer_changed(next_changed->first, next_changed->second)) return false;
        }
        if (next_changed != changed.end() && next_changed->first == key) {
          auto then = (next_changed++)->second;
          return offer_changed(key, then);
        }
        return page.Offer(key, [&] {
          return DecodeRow(ObjectKey{std::string(resource), row.namespace_, row.name}, row);
        });
      });
  if (!scanned.ok()) return scanned.WithContext(fmt::format("store: list {}", resource));
  RETURN_IF_ERROR(page.error());
  for (; next_changed != changed.end(); ++next_changed) {
    if (!offer_changed(next_changed->first, next_changed->second)) break;
  }
  RETURN_IF_ERROR(page.error());

  ListResult result;
  result.resource_version = std::to_string(at);
  if (page.more()) {
    result.continue_token =
        EncodeContinueToken(ContinueToken{at, page.last().first, page.last().second});
  }
  result.items = page.TakeItems();
  return result;
}

}  // namespace cubelet::store
